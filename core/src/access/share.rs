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

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::engine::Engine;
use super::expr::Condition;
use super::grant::{Grant, Subject};
use super::ids::{GrantId, LinkId, NodeId, RoleName};
use super::level::Level;
use super::principal::{Principal, RoleMembership, UserPrincipal};
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

/// The fields of a share, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareField {
    /// `role-who-shares`
    SharerRole,
    /// `recipient-role`
    RecipientRole,
    /// `roles-and/or-emails`
    Recipients,
    /// `level`
    Level,
    /// `validity`
    Validity,
    /// `label@lang`
    Label,
    /// the condition
    Condition,
}

impl ShareField {
    const ORDER: [ShareField; 7] = [
        ShareField::SharerRole,
        ShareField::RecipientRole,
        ShareField::Recipients,
        ShareField::Level,
        ShareField::Validity,
        ShareField::Label,
        ShareField::Condition,
    ];

    /// The field's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ShareField::SharerRole => "role-who-shares",
            ShareField::RecipientRole => "recipient-role",
            ShareField::Recipients => "recipients",
            ShareField::Level => "level",
            ShareField::Validity => "validity",
            ShareField::Label => "label",
            ShareField::Condition => "condition",
        }
    }
}

impl fmt::Display for ShareField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a share spec could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("share spec field `{field}` at column {column}: {problem}")]
pub struct ShareSpecError {
    /// Which field.
    pub field: ShareField,
    /// 1-based character column in the whole spec.
    pub column: usize,
    /// What is wrong, quoting the offending text.
    pub problem: String,
}

fn err(field: ShareField, column: usize, problem: impl Into<String>) -> ShareSpecError {
    ShareSpecError {
        field,
        column,
        problem: problem.into(),
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '?'))
}

impl FromStr for ShareSpec {
    type Err = ShareSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let chars: Vec<char> = s.chars().collect();
        let mut pos = 0;
        let mut shares = Vec::new();
        loop {
            let (share, next) = parse_share(&chars, pos)?;
            shares.push(share);
            match next {
                Some(p) => pos = p,
                None => break,
            }
        }
        Ok(ShareSpec { shares })
    }
}

/// A field's text (trimmed) and the column of its first non-blank character.
fn trimmed(chars: &[char], start: usize, end: usize) -> (String, usize) {
    let mut a = start;
    let mut b = end;
    while a < b && chars[a].is_whitespace() {
        a += 1;
    }
    while b > a && chars[b - 1].is_whitespace() {
        b -= 1;
    }
    (chars[a..b].iter().collect(), a + 1)
}

/// Parses one share starting at `pos`; returns it and where the next begins.
fn parse_share(chars: &[char], mut pos: usize) -> Result<(Share, Option<usize>), ShareSpecError> {
    let mut fields: Vec<(String, usize)> = Vec::with_capacity(7);
    let mut next = None;
    for (i, field) in ShareField::ORDER.iter().enumerate() {
        let start = pos;
        if *field == ShareField::Condition {
            // Until `;` outside a quoted string.
            let mut quote: Option<char> = None;
            while pos < chars.len() {
                let c = chars[pos];
                match quote {
                    Some(_) if c == '\\' => pos += 1,
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '\'' || c == '"' => quote = Some(c),
                    None if c == ';' => break,
                    None => {}
                }
                pos += 1;
            }
        } else {
            while pos < chars.len() && chars[pos] != ',' && chars[pos] != ';' {
                pos += 1;
            }
        }
        let end = pos.min(chars.len());
        fields.push(trimmed(chars, start, end));
        let at_end = pos >= chars.len();
        let sep = chars.get(pos).copied();
        if i < 5 && sep != Some(',') {
            let missing = ShareField::ORDER[i + 1];
            return Err(err(
                missing,
                end + 1,
                format!(
                    "missing: a share needs six fields separated by commas, found `{}`",
                    if at_end {
                        "end of spec".to_owned()
                    } else {
                        ";".to_owned()
                    }
                ),
            ));
        }
        if i == 5 && sep == Some(',') {
            pos += 1;
            continue;
        }
        if sep == Some(';') {
            next = Some(pos + 1);
        }
        if i >= 5 {
            break;
        }
        pos += 1;
    }

    let (sharer, c0) = &fields[0];
    if !valid_name(sharer) {
        return Err(err(
            ShareField::SharerRole,
            *c0,
            format!("expected a role name, found `{sharer}`"),
        ));
    }
    let (rrole, c1) = &fields[1];
    if !valid_name(rrole) {
        return Err(err(
            ShareField::RecipientRole,
            *c1,
            format!("expected a role name, found `{rrole}`"),
        ));
    }
    let (rtext, c2) = &fields[2];
    let separator = if rtext.contains('|') {
        Separator::Pipe
    } else {
        Separator::Space
    };
    let mut recipients = Vec::new();
    let mut offset = 0;
    for part in rtext.split([' ', '|']) {
        let col = c2 + offset;
        offset += part.chars().count() + 1;
        if part.is_empty() {
            continue;
        }
        recipients.push(if part == "?" {
            Recipient::Ask
        } else if part.contains('@') {
            let (local, domain) = part.rsplit_once('@').unwrap_or_default();
            if local.is_empty() || domain.is_empty() || part.contains([',', ';']) {
                return Err(err(
                    ShareField::Recipients,
                    col,
                    format!("`{part}` is not an email address"),
                ));
            }
            Recipient::Email(part.to_owned())
        } else if valid_name(part) {
            Recipient::Role(RoleName::from(part))
        } else {
            return Err(err(
                ShareField::Recipients,
                col,
                format!("expected a role, an email or `?`, found `{part}`"),
            ));
        });
    }
    if recipients.is_empty() {
        return Err(err(
            ShareField::Recipients,
            *c2,
            "empty: name a role, an email address or `?`",
        ));
    }
    let (ltext, c3) = &fields[3];
    let level = match ltext.as_str() {
        "0" => ShareLevel::LoginWithRole,
        "1" => ShareLevel::DirectLogin,
        "2" => ShareLevel::LinkAccount,
        "3" => ShareLevel::GuestAccount,
        "4" => ShareLevel::Public,
        other => {
            return Err(err(
                ShareField::Level,
                *c3,
                format!("expected 0, 1, 2, 3 or 4, found `{other}`"),
            ));
        }
    };
    let (vtext, c4) = &fields[4];
    let validity = if vtext == "unlimited" {
        Validity::Unlimited
    } else {
        match vtext.parse::<u32>() {
            Ok(h) if vtext.chars().all(|c| c.is_ascii_digit()) => Validity::Hours(h),
            _ => {
                return Err(err(
                    ShareField::Validity,
                    *c4,
                    format!("expected a number of hours or `unlimited`, found `{vtext}`"),
                ));
            }
        }
    };
    let (labtext, c5) = &fields[5];
    let mut labels = Vec::new();
    let mut offset = 0;
    for part in labtext.split('/') {
        let col = c5 + offset;
        offset += part.chars().count() + 1;
        let Some((text, lang)) = part.rsplit_once('@') else {
            return Err(err(
                ShareField::Label,
                col,
                format!("expected `text@lang`, found `{part}`"),
            ));
        };
        let (text, lang) = (text.trim(), lang.trim());
        if text.is_empty()
            || lang.is_empty()
            || !lang
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(
                ShareField::Label,
                col,
                format!("expected `text@lang`, found `{part}`"),
            ));
        }
        labels.push(Label {
            text: text.to_owned(),
            lang: lang.to_owned(),
        });
    }
    let condition = match fields.get(6) {
        None => None,
        Some((ctext, c6)) => Some(Condition::parse(ctext).map_err(|e| {
            let shifted = e.shifted(c6 - 1);
            err(
                ShareField::Condition,
                shifted.column().max(*c6),
                shifted.to_string(),
            )
        })?),
    };
    Ok((
        Share {
            sharer_role: RoleName::from(sharer.as_str()),
            recipient_role: RoleName::from(rrole.as_str()),
            recipients,
            separator,
            level,
            validity,
            labels,
            condition,
        },
        next,
    ))
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},", self.sharer_role, self.recipient_role)?;
        let sep = match self.separator {
            Separator::Space => " ",
            Separator::Pipe => "|",
        };
        for (i, r) in self.recipients.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            match r {
                Recipient::Role(role) => f.write_str(role.as_str())?,
                Recipient::Email(e) => f.write_str(e)?,
                Recipient::Ask => f.write_str("?")?,
            }
        }
        write!(f, ",{},", self.level.digit())?;
        match self.validity {
            Validity::Hours(h) => write!(f, "{h},")?,
            Validity::Unlimited => f.write_str("unlimited,")?,
        }
        for (i, l) in self.labels.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{}@{}", l.text, l.lang)?;
        }
        if let Some(c) = &self.condition {
            write!(f, ",{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ShareSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.shares.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl Serialize for ShareSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ShareSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What the sharer supplies when pressing the button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRequest {
    /// Addresses typed for `?` recipients.
    #[serde(default)]
    pub typed_emails: Vec<String>,
    /// A fresh, random link handle chosen by the caller (the core has no randomness).
    pub link: LinkId,
    /// The id for the grant a public link creates.
    pub grant_id: GrantId,
}

/// What pressing a share button produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareOutcome {
    /// The node shared.
    pub node: NodeId,
    /// Its portfolio.
    pub portfolio: NodeId,
    /// The role recipients get or must hold.
    pub recipient_role: RoleName,
    /// Who receives the link (`?` replaced by the typed addresses).
    pub recipients: Vec<Recipient>,
    /// How the recipient gets in.
    pub level: ShareLevel,
    /// The link handle to send.
    pub link: LinkId,
    /// When the link stops working.
    pub link_expires: Option<Timestamp>,
    /// What changes in the access model.
    pub effect: ShareEffect,
}

/// The change to access a share makes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShareEffect {
    /// Nothing: the recipient already holds the role (levels 0 and 1).
    None,
    /// Give recipients the role in the portfolio until the link ends (levels 2 and 3).
    AssignRole {
        /// The role membership to create for each recipient.
        membership: RoleMembership,
    },
    /// A read-only grant to the link (level 4).
    Grant {
        /// The grant to store.
        grant: Grant,
    },
}

/// Why a share button is not available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareDenied {
    /// The node does not exist.
    #[error("node `{0}` does not exist")]
    UnknownNode(NodeId),
    /// The principal does not hold the sharer role.
    #[error("this button is for role `{0}`, which you do not hold here")]
    NotSharerRole(RoleName),
    /// The spec's condition does not hold on the node.
    #[error("this button is shown only while `{0}`")]
    ConditionFailed(String),
    /// The principal may not pass access on here (or their access ended).
    #[error("you may not share this: sharing needs manage, or access that may be passed on")]
    MayNotShare,
    /// The role would give more than the sharer holds.
    #[error("role `{role}` would get {role_level} here, more than your {own}")]
    AboveOwnLevel {
        /// The recipient role.
        role: RoleName,
        /// What it would get.
        role_level: Level,
        /// What the sharer has.
        own: Level,
    },
    /// `?` recipients but no typed address.
    #[error("type the recipient's email address: this button asks for one")]
    NoRecipient,
}

impl Share {
    /// May `principal` use this button on `node` at `now`, and what does it produce?
    pub fn evaluate(
        &self,
        engine: &Engine,
        principal: &Principal,
        node: &NodeId,
        now: Timestamp,
        request: &ShareRequest,
    ) -> Result<ShareOutcome, ShareDenied> {
        let n = engine
            .node(node)
            .ok_or_else(|| ShareDenied::UnknownNode(node.clone()))?;
        let portfolio = engine
            .portfolio_of(node)
            .cloned()
            .ok_or_else(|| ShareDenied::UnknownNode(node.clone()))?;
        let owner = engine.node(&portfolio).and_then(|p| p.owner.as_ref());
        let holds_role = match principal {
            Principal::User(u) => {
                self.sharer_role.as_str() == "all"
                    || (self.sharer_role.is_owner_role() && owner == Some(&u.id))
                    || u.roles.iter().any(|m| {
                        m.portfolio == portfolio && m.role == self.sharer_role && m.held_at(now)
                    })
            }
            _ => false,
        };
        if !holds_role {
            return Err(ShareDenied::NotSharerRole(self.sharer_role.clone()));
        }
        if let Some(c) = &self.condition
            && !c.holds(n.kind, &n.state)
        {
            return Err(ShareDenied::ConditionFailed(c.as_str().to_owned()));
        }
        let access = engine.access(principal, node, now);
        let own = match access.level {
            Some(l) if l >= Level::Manage || access.may_share => l,
            _ => return Err(ShareDenied::MayNotShare),
        };
        let until = self.validity.end(now);
        if matches!(
            self.level,
            ShareLevel::LinkAccount | ShareLevel::GuestAccount
        ) {
            let holder = Principal::User(UserPrincipal {
                id: "\u{0}role-holder".into(),
                roles: vec![RoleMembership {
                    portfolio: portfolio.clone(),
                    role: self.recipient_role.clone(),
                    until: None,
                }],
                orgs: Vec::new(),
            });
            if let Some(role_level) = engine.level(&holder, node, now)
                && role_level > own
            {
                return Err(ShareDenied::AboveOwnLevel {
                    role: self.recipient_role.clone(),
                    role_level,
                    own,
                });
            }
        }
        let mut recipients = Vec::new();
        for r in &self.recipients {
            match r {
                Recipient::Ask => {
                    recipients.extend(request.typed_emails.iter().cloned().map(Recipient::Email))
                }
                other => recipients.push(other.clone()),
            }
        }
        if recipients.is_empty() && self.level != ShareLevel::Public {
            return Err(ShareDenied::NoRecipient);
        }
        let effect = match self.level {
            ShareLevel::LoginWithRole | ShareLevel::DirectLogin => ShareEffect::None,
            ShareLevel::LinkAccount | ShareLevel::GuestAccount => ShareEffect::AssignRole {
                membership: RoleMembership {
                    portfolio: portfolio.clone(),
                    role: self.recipient_role.clone(),
                    until,
                },
            },
            ShareLevel::Public => ShareEffect::Grant {
                grant: Grant::new(
                    request.grant_id.0,
                    node.clone(),
                    Subject::Link {
                        id: request.link.clone(),
                    },
                    Level::Read,
                )
                .between(None, until),
            },
        };
        Ok(ShareOutcome {
            node: node.clone(),
            portfolio,
            recipient_role: self.recipient_role.clone(),
            recipients,
            level: self.level,
            link: request.link.clone(),
            link_expires: until,
            effect,
        })
    }
}

impl ShareSpec {
    /// Parses a spec (same as `str::parse`).
    pub fn parse(s: &str) -> Result<ShareSpec, ShareSpecError> {
        s.parse()
    }

    /// The indexes of the buttons `principal` may use on `node` at `now`.
    pub fn available(
        &self,
        engine: &Engine,
        principal: &Principal,
        node: &NodeId,
        now: Timestamp,
    ) -> Vec<usize> {
        let probe = ShareRequest {
            typed_emails: vec!["probe@example.invalid".into()],
            link: LinkId::from("probe"),
            grant_id: GrantId(0),
        };
        (0..self.shares.len())
            .filter(|&i| {
                self.shares[i]
                    .evaluate(engine, principal, node, now, &probe)
                    .is_ok()
            })
            .collect()
    }
}
