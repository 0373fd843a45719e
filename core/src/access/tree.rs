//! The portfolio tree: node kinds, node state, and the rules for which kind of
//! node may hold which.
//!
//! ```text
//! portfolio › collection › page › section › resource
//!                                  section › section (sections nest)
//!                          page › resource
//! ```
//!
//! A portfolio is a root and names its owner; every other node has a parent.
//! The engine keeps the tree as parent pointers (see [`super::Engine`]); this
//! module only holds the plain data that travels in fixtures and snapshots.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::expr::Value;
use super::ids::{NodeId, UserId};
use crate::time::Timestamp;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A portfolio: a root, owned by one person.
    Portfolio,
    /// A collection of pages.
    Collection,
    /// A page: the smallest unit of confidentiality (one document).
    Page,
    /// A section of a page; sections nest.
    Section,
    /// A leaf: text, a file, an embed.
    Resource,
}

impl NodeKind {
    /// The lowercase name used in JSON, conditions and messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            NodeKind::Portfolio => "portfolio",
            NodeKind::Collection => "collection",
            NodeKind::Page => "page",
            NodeKind::Section => "section",
            NodeKind::Resource => "resource",
        }
    }

    /// Whether a node of this kind may have a child of kind `child`.
    pub const fn can_contain(self, child: NodeKind) -> bool {
        matches!(
            (self, child),
            (NodeKind::Portfolio, NodeKind::Collection)
                | (NodeKind::Collection, NodeKind::Page)
                | (NodeKind::Page, NodeKind::Section | NodeKind::Resource)
                | (NodeKind::Section, NodeKind::Section | NodeKind::Resource)
        )
    }

    /// Whether nodes of this kind can have children at all.
    pub const fn is_container(self) -> bool {
        !matches!(self, NodeKind::Resource)
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a node that conditions can look at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeState {
    /// When the node was submitted (for assessment), if it was.
    /// Conditions see it as `submitted == 'Y'` and `submitted_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<Timestamp>,
    /// Designer-defined fields, visible to conditions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
}

/// One node of a portfolio tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Stable id.
    pub id: NodeId,
    /// What it is.
    pub kind: NodeKind,
    /// Its parent; `None` exactly for portfolios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<NodeId>,
    /// The owner; set exactly on portfolios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserId>,
    /// A title for outlines and explanations (optional in snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// State that conditions look at.
    #[serde(default)]
    pub state: NodeState,
}

impl Node {
    /// A portfolio root owned by `owner`.
    pub fn portfolio(id: impl Into<NodeId>, owner: impl Into<UserId>) -> Node {
        Node {
            id: id.into(),
            kind: NodeKind::Portfolio,
            parent: None,
            owner: Some(owner.into()),
            title: None,
            state: NodeState::default(),
        }
    }

    /// A non-root node of `kind` under `parent`.
    pub fn child(id: impl Into<NodeId>, kind: NodeKind, parent: impl Into<NodeId>) -> Node {
        Node {
            id: id.into(),
            kind,
            parent: Some(parent.into()),
            owner: None,
            title: None,
            state: NodeState::default(),
        }
    }

    /// The same node with a title.
    pub fn with_title(mut self, title: impl Into<String>) -> Node {
        self.title = Some(title.into());
        self
    }
}
