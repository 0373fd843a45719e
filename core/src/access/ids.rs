//! Newtype identifiers.
//!
//! Every identifier the access engine handles has its own type, so a user id can
//! never be passed where a node id is expected. All of them serialise as the bare
//! string (or number, for [`GrantId`]) so JSON fixtures and the browser see plain
//! values.
//!
//! [`LinkId`] and [`TokenId`] are *handles*, not secrets: the bearer secret of a
//! share link or an API token is separate and stored hashed by the server, so
//! these ids may appear in logs and explanations.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a string as this kind of id.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

string_id!(
    /// A node of a portfolio tree (portfolio, collection, page, section, resource).
    NodeId
);
string_id!(
    /// A person with an account.
    UserId
);
string_id!(
    /// An organisation (school, company) whose members can be granted access as a group.
    OrgId
);
string_id!(
    /// A role name: `teacher`, `peer`, `supervisor`, or any role a designer defines.
    ///
    /// `owner` and `student` both name the portfolio's owner (see
    /// [`RoleName::is_owner_role`]).
    RoleName
);
string_id!(
    /// A share link's public handle.
    LinkId
);
string_id!(
    /// An API token's public handle.
    TokenId
);

impl RoleName {
    /// Whether this role name denotes the portfolio owner (`owner` or `student`).
    ///
    /// The owner holds these roles implicitly; nobody can be given or stripped of them.
    pub fn is_owner_role(&self) -> bool {
        matches!(self.0.as_str(), "owner" | "student")
    }
}

/// A grant's identity, assigned by whoever stores grants (the server's database).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GrantId(pub u64);

impl fmt::Display for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
