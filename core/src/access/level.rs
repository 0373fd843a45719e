//! Access levels and the actions they permit.
//!
//! Levels are totally ordered, each implying the ones before it:
//! `Read < Comment < Write < Remove < Manage`. An [`Action`] is something a
//! person tries to do; [`Action::required_level`] says which level it needs.
//!
//! ```
//! use folio_core::access::{Action, Level};
//! assert!(Level::Manage > Level::Write);
//! assert_eq!(Action::CreateChild.required_level(), Level::Write);
//! assert_eq!("remove".parse::<Level>().unwrap(), Level::Remove);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How much someone may do with a node and its subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// See the node and its content.
    Read,
    /// Read, and add comments and feedback.
    Comment,
    /// Comment, and change content; on a container, create children in it.
    Write,
    /// Write, and delete.
    Remove,
    /// Remove, and grant or revoke access up to one's own level.
    Manage,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 5] = [
        Level::Read,
        Level::Comment,
        Level::Write,
        Level::Remove,
        Level::Manage,
    ];

    /// The lowercase name used in JSON and messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Comment => "comment",
            Level::Write => "write",
            Level::Remove => "remove",
            Level::Manage => "manage",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level name that is not one of `read`, `comment`, `write`, `remove`, `manage`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown access level `{0}`: use read, comment, write, remove or manage")]
pub struct ParseLevelError(pub String);

impl FromStr for Level {
    type Err = ParseLevelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "read" => Level::Read,
            "comment" => Level::Comment,
            "write" | "edit" => Level::Write,
            "remove" | "delete" => Level::Remove,
            "manage" => Level::Manage,
            other => return Err(ParseLevelError(other.to_owned())),
        })
    }
}

/// Something a principal tries to do to a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Open and see the node.
    Read,
    /// Add a comment or feedback.
    Comment,
    /// Change the node's content.
    #[serde(alias = "edit")]
    Write,
    /// Create a child inside the node (only containers have children).
    #[serde(alias = "create")]
    CreateChild,
    /// Delete the node and its subtree.
    #[serde(alias = "remove")]
    Delete,
    /// Pass one's access on (a share button, an invitation): needs `Manage`,
    /// or `Read` with the `may_share` flag.
    Share,
    /// Grant and revoke access, change settings.
    Manage,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 7] = [
        Action::Read,
        Action::Comment,
        Action::Write,
        Action::CreateChild,
        Action::Delete,
        Action::Share,
        Action::Manage,
    ];

    /// The lowest level at which this action is allowed.
    ///
    /// [`Action::Share`] needs `Read` *and* the `may_share` flag, or `Manage`.
    pub const fn required_level(self) -> Level {
        match self {
            Action::Read | Action::Share => Level::Read,
            Action::Comment => Level::Comment,
            Action::Write | Action::CreateChild => Level::Write,
            Action::Delete => Level::Remove,
            Action::Manage => Level::Manage,
        }
    }

    /// The lowercase name used in JSON and messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Comment => "comment",
            Action::Write => "write",
            Action::CreateChild => "create_child",
            Action::Delete => "delete",
            Action::Share => "share",
            Action::Manage => "manage",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
