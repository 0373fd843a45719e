//! Grants: who gets which level on which subtree, when, and under which condition.
//!
//! A [`Grant`] attaches a [`Level`] for a [`Subject`] to a node; it applies to the
//! node's whole subtree while it is *in force*: `start <= now < end` (either bound
//! optional) and its [`Condition`], evaluated on the node the grant is attached to,
//! holds. Grants never subtract: the effective level is the highest grant in force
//! on the node or any ancestor.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::expr::Condition;
use super::ids::{GrantId, LinkId, NodeId, OrgId, RoleName, TokenId, UserId};
use super::level::Level;
use crate::time::Timestamp;

/// Who a grant is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    /// One person.
    User {
        /// The person.
        id: UserId,
    },
    /// Everyone holding this role in the grant's portfolio.
    Role {
        /// The role.
        role: RoleName,
    },
    /// Every member of an organisation, present and future, optionally only
    /// those holding `role` in it.
    Org {
        /// The organisation.
        org: OrgId,
        /// Narrows the grant to members with this role in the organisation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<RoleName>,
    },
    /// Whoever presents this share link.
    Link {
        /// The link.
        id: LinkId,
    },
    /// An external system presenting this API token.
    Token {
        /// The token.
        id: TokenId,
    },
    /// Everyone, including people who are not logged in.
    Public,
}

impl Subject {
    /// A user subject.
    pub fn user(id: impl Into<UserId>) -> Subject {
        Subject::User { id: id.into() }
    }
    /// A role subject.
    pub fn role(role: impl Into<RoleName>) -> Subject {
        Subject::Role { role: role.into() }
    }
    /// An organisation subject covering all members.
    pub fn org(org: impl Into<OrgId>) -> Subject {
        Subject::Org {
            org: org.into(),
            role: None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::User { id } => write!(f, "user `{id}`"),
            Subject::Role { role } => write!(f, "everyone with role `{role}`"),
            Subject::Org { org, role: None } => write!(f, "every member of `{org}`"),
            Subject::Org { org, role: Some(r) } => write!(f, "every `{r}` of `{org}`"),
            Subject::Link { id } => write!(f, "share link `{id}`"),
            Subject::Token { id } => write!(f, "API token `{id}`"),
            Subject::Public => f.write_str("the public"),
        }
    }
}

/// A grant of a level on a node's subtree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    /// Identity, assigned by the store.
    pub id: GrantId,
    /// The node whose subtree it covers.
    pub node: NodeId,
    /// Who it is for.
    pub subject: Subject,
    /// What it allows.
    pub level: Level,
    /// In force from this instant (inclusive); `None` = always started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    /// In force until this instant (exclusive); `None` = never ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    /// In force only while this holds on `node`'s state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The grantee may pass access on, never above their own level.
    #[serde(default, skip_serializing_if = "is_false")]
    pub may_share: bool,
    /// The grantee sees only feedback by themself and the owner
    /// (see [`super::feedback`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub hide_feedback: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Grant {
    /// A grant without time bounds, condition or flags.
    pub fn new(id: u64, node: impl Into<NodeId>, subject: Subject, level: Level) -> Grant {
        Grant {
            id: GrantId(id),
            node: node.into(),
            subject,
            level,
            start: None,
            end: None,
            condition: None,
            may_share: false,
            hide_feedback: false,
        }
    }

    /// The same grant, in force only in `[start, end)`.
    pub fn between(mut self, start: Option<Timestamp>, end: Option<Timestamp>) -> Grant {
        self.start = start;
        self.end = end;
        self
    }

    /// Whether `now` lies within the grant's time bounds (the condition aside).
    pub fn in_window(&self, now: Timestamp) -> bool {
        self.start.is_none_or(|s| s <= now) && self.end.is_none_or(|e| now < e)
    }

    /// The grant's time bounds relative to `now`.
    pub fn timing(&self, now: Timestamp) -> Timing {
        match (self.start, self.end) {
            (Some(s), _) if now < s => Timing::NotStarted(s),
            (_, Some(e)) if e <= now => Timing::Ended(e),
            _ => Timing::Current,
        }
    }
}

/// Where `now` lies relative to a grant's time bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// Starts at this instant.
    NotStarted(Timestamp),
    /// Within its bounds.
    Current,
    /// Ended at this instant.
    Ended(Timestamp),
}
