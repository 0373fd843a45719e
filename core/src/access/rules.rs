//! The rules themselves, written once in terms of plain data, shared by the
//! fast [`super::Engine`] and the [`super::reference`] evaluator: what an
//! [`Access`] is, how contributions combine, which actions a level permits, and
//! which subjects a principal matches.

use serde::{Deserialize, Serialize};

use super::grant::Subject;
use super::ids::NodeId;
use super::level::{Action, Level};
use super::principal::{Principal, UserPrincipal};
use super::tree::NodeKind;
use crate::time::Timestamp;

/// What a principal holds on one node at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Access {
    /// The effective level; `None` = no access (default deny).
    pub level: Option<Level>,
    /// May pass access on (up to `level`).
    pub may_share: bool,
    /// Sees only feedback by themself and the owner.
    pub hide_feedback: bool,
}

impl Access {
    /// No access at all.
    pub const NONE: Access = Access {
        level: None,
        may_share: false,
        hide_feedback: false,
    };
    /// What the owner holds.
    pub const OWNER: Access = Access {
        level: Some(Level::Manage),
        may_share: true,
        hide_feedback: false,
    };

    /// Whether this access permits `action` on a node of `kind`.
    pub fn permits(&self, action: Action, kind: NodeKind) -> bool {
        let Some(level) = self.level else {
            return false;
        };
        match action {
            Action::Share => level >= Level::Manage || self.may_share,
            Action::CreateChild => kind.is_container() && level >= Level::Write,
            other => level >= other.required_level(),
        }
    }
}

/// Accumulates contributions (grants in force, ownership, token scopes).
///
/// The level is the highest contribution; `may_share` holds if any contribution
/// carries it; `hide_feedback` holds only if *every* contribution carries it
/// (any unrestricted way in lifts the restriction).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Acc {
    level: Option<Level>,
    may_share: bool,
    all_hide: bool,
    any: bool,
}

impl Acc {
    pub(crate) fn add(&mut self, level: Level, may_share: bool, hide_feedback: bool) {
        if !self.any {
            self.any = true;
            self.all_hide = true;
        }
        self.level = self.level.max(Some(level));
        self.may_share |= may_share;
        self.all_hide &= hide_feedback;
    }

    pub(crate) fn finish(self) -> Access {
        Access {
            level: self.level,
            may_share: self.may_share,
            hide_feedback: self.any && self.all_hide,
        }
    }
}

/// Whether `user` matches `subject` on a node of `portfolio` at `now`.
pub(crate) fn user_matches(
    user: &UserPrincipal,
    subject: &Subject,
    portfolio: &NodeId,
    now: Option<Timestamp>,
) -> bool {
    match subject {
        Subject::User { id } => *id == user.id,
        Subject::Role { role } => user.roles.iter().any(|m| {
            m.portfolio == *portfolio && m.role == *role && now.is_none_or(|t| m.held_at(t))
        }),
        Subject::Org { org, role } => user
            .orgs
            .iter()
            .any(|m| m.org == *org && role.as_ref().is_none_or(|r| m.role.as_ref() == Some(r))),
        Subject::Public => true,
        Subject::Link { .. } | Subject::Token { .. } => false,
    }
}

/// Whether a grant for `subject` on `portfolio` applies to the principal itself
/// at `now` (`None` = ignoring time). For a token this covers only grants naming
/// the token and public grants, not those of the account it acts for.
pub(crate) fn principal_matches(
    p: &Principal,
    subject: &Subject,
    portfolio: &NodeId,
    now: Option<Timestamp>,
) -> bool {
    match p {
        Principal::User(u) => user_matches(u, subject, portfolio, now),
        Principal::Link { id } => {
            matches!(subject, Subject::Public)
                || matches!(subject, Subject::Link { id: l } if l == id)
        }
        Principal::Token(t) => {
            matches!(subject, Subject::Public)
                || matches!(subject, Subject::Token { id } if *id == t.id)
        }
        Principal::Anonymous => matches!(subject, Subject::Public),
    }
}

/// Whether a grant for `subject` on `portfolio` can ever concern the principal:
/// it names them, or (for a token) the account the token acts for.
pub fn concerns(p: &Principal, subject: &Subject, portfolio: &NodeId) -> bool {
    principal_matches(p, subject, portfolio, None)
        || matches!(p, Principal::Token(t) if t.user.as_ref().is_some_and(|u| user_matches(u, subject, portfolio, None)))
}
