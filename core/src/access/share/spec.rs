//! The data types of a share spec: the spec, its shares and their fields.

use serde::{Deserialize, Serialize};

use crate::access::expr::Condition;
use crate::access::ids::RoleName;
use crate::time::Timestamp;

/// A whole sharing string: one or more shares.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareSpec {
    /// The shares, in order.
    pub shares: Vec<Share>,
}

/// One share button.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    /// The role that sees the button (`student`/`owner` = the owner; `all` = anyone).
    pub sharer_role: RoleName,
    /// The role the recipient gets or must hold (`all` for public links).
    pub recipient_role: RoleName,
    /// Who receives it.
    pub recipients: Vec<Recipient>,
    /// How recipients are separated when printed.
    pub separator: Separator,
    /// How the recipient gets in.
    pub level: ShareLevel,
    /// How long the link (and, for levels 2 and 3, the role) lasts.
    pub validity: Validity,
    /// The button's label, per language.
    pub labels: Vec<Label>,
    /// Shown only while this holds on the node.
    pub condition: Option<Condition>,
}

/// A recipient of a share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Recipient {
    /// Everyone holding a role.
    Role(RoleName),
    /// One email address.
    Email(String),
    /// `?`: the sharer types the address when sharing.
    Ask,
}

/// How recipients are separated in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Separator {
    /// `a b`
    #[default]
    Space,
    /// `a|b`
    Pipe,
}

/// Karuta's share levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareLevel {
    /// 0: the recipient logs in and must already hold the role.
    LoginWithRole,
    /// 1: the link logs an existing linked account in directly.
    DirectLogin,
    /// 2: the recipient's account is linked to the role on the fly.
    LinkAccount,
    /// 3: a temporary guest account is created with the role.
    GuestAccount,
    /// 4: anyone with the link may read; no login.
    Public,
}

impl ShareLevel {
    /// The digit in the spec.
    pub const fn digit(self) -> u8 {
        self as u8
    }
}

/// How long a share lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// This many hours from the moment of sharing.
    Hours(u32),
    /// No end.
    Unlimited,
}

impl Validity {
    /// When something shared at `now` ends.
    pub fn end(self, now: Timestamp) -> Option<Timestamp> {
        match self {
            Validity::Hours(h) => Some(now.plus_hours(h as i64)),
            Validity::Unlimited => None,
        }
    }
}

/// A button label in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The text.
    pub text: String,
    /// The language code.
    pub lang: String,
}
