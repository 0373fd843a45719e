//! Principals: who is asking.
//!
//! A [`Principal`] is what the server learned when it authenticated a request
//! (a session, a share link, an API token, or nothing) together with the facts
//! the engine needs to match grants: a user's roles per portfolio and their
//! organisation memberships. The server builds it from its database; the
//! browser receives it inside its [`super::PolicySnapshot`]. It serialises as
//! tagged JSON:
//!
//! ```
//! use folio_core::access::Principal;
//! let p: Principal = serde_json::from_str(r#"{
//!     "type": "user", "id": "ana",
//!     "roles": [{"portfolio": "p1", "role": "teacher"}],
//!     "orgs": [{"org": "uni", "role": "staff"}]
//! }"#).unwrap();
//! assert_eq!(p.user_id().unwrap().as_str(), "ana");
//! ```

use serde::{Deserialize, Serialize};

use super::ids::{LinkId, NodeId, OrgId, RoleName, TokenId, UserId};
use super::token::TokenScopes;
use crate::time::Timestamp;

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Principal {
    /// A logged-in person.
    User(UserPrincipal),
    /// Someone presenting a share link.
    Link {
        /// The link.
        id: LinkId,
    },
    /// An external system presenting an API token.
    Token(TokenPrincipal),
    /// Nobody in particular: only public grants apply.
    Anonymous,
}

impl Principal {
    /// A user without roles or memberships.
    pub fn user(id: impl Into<UserId>) -> Principal {
        Principal::User(UserPrincipal {
            id: id.into(),
            roles: Vec::new(),
            orgs: Vec::new(),
        })
    }

    /// The person behind this principal: the user, or the user a token acts for.
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Principal::User(u) => Some(&u.id),
            Principal::Token(t) => t.user.as_ref().map(|u| &u.id),
            Principal::Link { .. } | Principal::Anonymous => None,
        }
    }

    /// The same principal holding `role` in `portfolio` (users only; others unchanged).
    pub fn with_role(
        mut self,
        portfolio: impl Into<NodeId>,
        role: impl Into<RoleName>,
    ) -> Principal {
        if let Principal::User(u) = &mut self {
            u.roles.push(RoleMembership {
                portfolio: portfolio.into(),
                role: role.into(),
                until: None,
            });
        }
        self
    }

    /// The same principal as a member of `org`, optionally with a role in it (users only).
    pub fn with_org(mut self, org: impl Into<OrgId>, role: Option<&str>) -> Principal {
        if let Principal::User(u) = &mut self {
            u.orgs.push(OrgMembership {
                org: org.into(),
                role: role.map(RoleName::from),
            });
        }
        self
    }
}

/// A logged-in person with the memberships that grants can name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserPrincipal {
    /// The person.
    pub id: UserId,
    /// Roles held in portfolios.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleMembership>,
    /// Organisation memberships.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orgs: Vec<OrgMembership>,
}

/// A role held in one portfolio, possibly until an instant (roles given
/// through share links of levels 2 and 3 end with the link).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMembership {
    /// The portfolio (root node).
    pub portfolio: NodeId,
    /// The role.
    pub role: RoleName,
    /// Held until this instant (exclusive); `None` = no end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
}

impl RoleMembership {
    /// Whether the membership is held at `now`.
    pub fn held_at(&self, now: Timestamp) -> bool {
        self.until.is_none_or(|u| now < u)
    }
}

/// Membership of an organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgMembership {
    /// The organisation.
    pub org: OrgId,
    /// The member's role in it (`staff`, `student`, …), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleName>,
}

/// An API token, the account it acts for, and its scopes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenPrincipal {
    /// The token's handle.
    pub id: TokenId,
    /// The account the token acts for, with its memberships; decides what
    /// `own` and `related` mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserPrincipal>,
    /// What the token may do, and until when.
    pub scopes: TokenScopes,
}
