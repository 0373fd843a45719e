//! Share specs: the sharing buttons of a portfolio model, in the Karuta format.
//!
//! A spec is one or more shares separated by `;`, each
//!
//! ```text
//! role-who-shares,recipient-role,recipients,level,validity,label@lang[/label@lang…][,condition]
//! ```
//!
//! * `recipients`: role names and/or email addresses, separated by spaces or `|`
//!   (both accepted; printing keeps the one used); `?` means the sharer types
//!   the email address when sharing.
//! * `level` 0–4 ([`ShareLevel`]): 0 the recipient must log in and already hold
//!   the role; 1 the link logs an existing linked account in directly; 2 the
//!   recipient's account is linked to the role on the fly; 3 a temporary guest
//!   account is created; 4 public, read-only.
//! * `validity`: hours, or `unlimited`. Unlike Karuta, the role given through
//!   levels 2 and 3 ends when the link's validity ends.
//! * labels may repeat for several languages: `Share@en/Delen@nl`.
//! * the optional condition uses the [condition language](super::expr) and is
//!   evaluated on the node holding the button.
//!
//! `print(parse(s))` is stable: printing a parsed spec and parsing it again
//! gives the same spec, and a spec written canonically prints back unchanged.
//! Errors name the field and the 1-based column.
//!
//! ```
//! use folio_core::access::share::{ShareLevel, ShareSpec, Validity};
//! let s: ShareSpec = "student,teacher,teacher,1,12,Request an Assessment@en".parse().unwrap();
//! assert_eq!(s.shares[0].level, ShareLevel::DirectLogin);
//! assert_eq!(s.shares[0].validity, Validity::Hours(12));
//! assert_eq!(s.to_string(), "student,teacher,teacher,1,12,Request an Assessment@en");
//! let err = "student,all,?,7,24,Share@en".parse::<ShareSpec>().unwrap_err();
//! assert_eq!((err.field.as_str(), err.column), ("level", 15));
//! ```

mod error;
mod evaluate;
mod parse;
mod print;
mod spec;

pub use error::{ShareField, ShareSpecError};
pub use evaluate::{ShareDenied, ShareEffect, ShareOutcome, ShareRequest};
pub use spec::{Label, Recipient, Separator, Share, ShareLevel, ShareSpec, Validity};
