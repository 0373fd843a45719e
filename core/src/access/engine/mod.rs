//! The fast engine: an index over the tree and the grants.
//!
//! # Layout
//!
//! * Nodes live in an arena of slots addressed by `u32`, each with a parent
//!   pointer, its children and the grants attached to it. A `NodeId → slot` map
//!   finds them. Adding a node, moving a subtree (one pointer and two child
//!   lists) and deleting a subtree are incremental; nothing is rebuilt.
//! * Grants live in a second arena, indexed by node (in the node's slot) and by
//!   subject (an interned key: `User(u32)`, `Role(u32)`, `Org(u32, u32)`, …).
//! * Strings (users, roles, organisations, links, tokens) are interned once, so
//!   matching a grant against a principal compares integers.
//!
//! # Queries
//!
//! * [`Engine::check`] / [`Engine::access`] walk from the node up to its
//!   portfolio (a handful of slots) and look only at the grants attached there:
//!   no allocation beyond resolving the principal. [`Engine::checker`] resolves a
//!   principal once for many checks.
//! * [`Engine::visible`] starts from the principal's grants (subject index), keeps
//!   those in force, and collects their subtrees once each.
//! * [`Engine::next_change`] scans the principal's grants for the next start or end.
//! * [`Engine::holds_above_read`] asks whether the principal may do more than
//!   read anywhere in a subtree (for the sync mode), from the subject index.
//! * [`Engine::explain`] walks the ancestors like `check`, but keeps every grant
//!   that concerns the principal and says why it did or did not count.
//!
//! The rules themselves are in `rules.rs` and are shared with the
//! [`crate::access::reference`] evaluator, which the property tests hold this
//! engine to.
//!
//! ```
//! use folio_core::access::{Action, Engine, Grant, Level, Node, NodeKind, Principal, Subject};
//! use folio_core::time::Timestamp;
//!
//! let mut engine = Engine::new();
//! engine.add_node(Node::portfolio("p", "olga")).unwrap();
//! engine.add_node(Node::child("c", NodeKind::Collection, "p")).unwrap();
//! engine.add_node(Node::child("pg", NodeKind::Page, "c")).unwrap();
//! // Bram may comment on the collection until t = 1000.
//! engine
//!     .add_grant(Grant::new(1, "c", Subject::user("bram"), Level::Comment).between(None, Some(Timestamp(1000))))
//!     .unwrap();
//! let bram = Principal::user("bram");
//! assert!(engine.check(&bram, Action::Comment, &"pg".into(), Timestamp(999)));
//! assert!(!engine.check(&bram, Action::Comment, &"pg".into(), Timestamp(1000)));
//! assert!(!engine.check(&bram, Action::Read, &"p".into(), Timestamp(0)));
//! assert_eq!(engine.next_change(&bram, Timestamp(0)), Some(Timestamp(1000)));
//! ```

mod above_read;
mod admin;
mod eval;
mod explain;
mod moves;
mod update;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub use admin::RoleRemoval;
pub use eval::Checker;
pub use explain::{Explanation, Reason};
pub use moves::MoveRefusal;

use super::grant::{Grant, Subject};
use super::ids::{GrantId, NodeId};
use super::tree::Node;

pub(crate) const NONE: u32 = u32::MAX;

/// A small, fast, non-cryptographic hasher (the Fx hash of rustc) for the
/// engine's internal maps. Keys are ids chosen by the server, not attackers'
/// free text at scale, and the maps are rebuilt from trusted data.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Interns strings of one namespace as dense `u32`s.
#[derive(Default, Clone, Debug)]
pub(crate) struct Interner {
    map: FxMap<String, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.map.len() as u32;
        self.map.insert(s.to_owned(), i);
        i
    }
    /// The interned number, or [`NONE`] for a string no grant or node mentions.
    #[inline]
    pub(crate) fn get(&self, s: &str) -> u32 {
        self.map.get(s).copied().unwrap_or(NONE)
    }
}

/// A grant's subject with interned strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    User(u32),
    Role(u32),
    Org(u32, u32),
    Link(u32),
    Token(u32),
    Public,
}

#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// Boxed so slots stay small and the ancestor walk touches little memory.
    pub(crate) node: Box<Node>,
    pub(crate) parent: u32,
    pub(crate) children: Vec<u32>,
    pub(crate) grants: Vec<u32>,
    /// Interned owner (portfolios only), else [`NONE`].
    pub(crate) owner: u32,
    pub(crate) alive: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct GrantSlot {
    pub(crate) grant: Grant,
    pub(crate) key: Key,
    pub(crate) node: u32,
}

/// The access engine: the tree, the grants, and the queries over them.
///
/// Every query takes `now`; the engine never reads a clock. Every mutation bumps
/// [`Engine::revision`], which policy snapshots carry.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    pub(crate) revision: u64,
    pub(crate) slots: Vec<Slot>,
    pub(crate) free_slots: Vec<u32>,
    pub(crate) by_id: FxMap<NodeId, u32>,
    pub(crate) roots: Vec<u32>,
    pub(crate) grants: Vec<Option<GrantSlot>>,
    pub(crate) free_grants: Vec<u32>,
    pub(crate) grant_by_id: FxMap<GrantId, u32>,
    pub(crate) by_key: FxMap<Key, Vec<u32>>,
    pub(crate) users: Interner,
    pub(crate) roles: Interner,
    pub(crate) orgs: Interner,
    pub(crate) links: Interner,
    pub(crate) tokens: Interner,
}

/// Why the engine refused a change to the tree or the grants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// A node id that is already in use.
    #[error("node `{0}` already exists: choose a new id or move the existing node")]
    DuplicateNode(NodeId),
    /// A node id the engine does not know.
    #[error("node `{0}` does not exist")]
    UnknownNode(NodeId),
    /// A grant id that is already in use.
    #[error("grant `{0}` already exists: remove it first or use a new id")]
    DuplicateGrant(GrantId),
    /// A grant id the engine does not know.
    #[error("grant `{0}` does not exist")]
    UnknownGrant(GrantId),
    /// A parent that cannot hold a child of this kind.
    #[error("a {parent_kind} (`{parent}`) cannot contain a {kind} (`{node}`)")]
    KindMismatch {
        /// The child.
        node: NodeId,
        /// Its kind.
        kind: &'static str,
        /// The parent.
        parent: NodeId,
        /// The parent's kind.
        parent_kind: &'static str,
    },
    /// A portfolio with a parent or without an owner, or a non-portfolio without a parent.
    #[error(
        "node `{0}` is malformed: portfolios have an owner and no parent; every other node has a parent and no owner"
    )]
    MalformedNode(NodeId),
    /// A move that would put a node inside its own subtree.
    #[error("cannot move `{node}` under `{parent}`: that is inside its own subtree")]
    Cycle {
        /// The node being moved.
        node: NodeId,
        /// The requested parent.
        parent: NodeId,
    },
}

impl Engine {
    /// An empty engine.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Builds an engine from nodes (parents before children, in any other order)
    /// and grants.
    pub fn build(
        nodes: impl IntoIterator<Item = Node>,
        grants: impl IntoIterator<Item = Grant>,
    ) -> Result<Engine, EngineError> {
        let mut e = Engine::new();
        let nodes: Vec<Node> = nodes.into_iter().collect();
        e.slots.reserve(nodes.len());
        e.by_id.reserve(nodes.len());
        for n in nodes {
            e.add_node(n)?;
        }
        for g in grants {
            e.add_grant(g)?;
        }
        Ok(e)
    }

    /// The revision: bumped by every change. Snapshots carry it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.by_id.len()
    }

    /// The number of grants.
    pub fn grant_count(&self) -> usize {
        self.grant_by_id.len()
    }

    /// A node by id.
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.by_id.get(id).map(|&i| &*self.slots[i as usize].node)
    }

    /// A grant by id.
    pub fn grant(&self, id: GrantId) -> Option<&Grant> {
        self.grant_by_id
            .get(&id)
            .and_then(|&i| self.grants[i as usize].as_ref())
            .map(|g| &g.grant)
    }

    /// The portfolio (root) a node belongs to.
    pub fn portfolio_of(&self, id: &NodeId) -> Option<&NodeId> {
        let &i = self.by_id.get(id)?;
        Some(&self.slots[self.root_of(i) as usize].node.id)
    }

    /// Every node, parents before children (portfolio by portfolio, depth first).
    pub fn nodes(&self) -> Vec<&Node> {
        let mut out = Vec::with_capacity(self.by_id.len());
        let mut stack: Vec<u32> = self.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            let s = &self.slots[i as usize];
            out.push(&*s.node);
            stack.extend(s.children.iter().rev());
        }
        out
    }

    /// Every grant, by id.
    pub fn grants(&self) -> Vec<&Grant> {
        let mut out: Vec<&Grant> = self.grants.iter().flatten().map(|g| &g.grant).collect();
        out.sort_by_key(|g| g.id);
        out
    }

    /// The grants attached to one node, by id.
    pub fn grants_on(&self, id: &NodeId) -> Vec<&Grant> {
        let Some(&i) = self.by_id.get(id) else {
            return Vec::new();
        };
        let mut out: Vec<&Grant> = self.slots[i as usize]
            .grants
            .iter()
            .map(|&g| &self.grant_slot(g).grant)
            .collect();
        out.sort_by_key(|g| g.id);
        out
    }

    #[inline]
    pub(crate) fn grant_slot(&self, g: u32) -> &GrantSlot {
        self.grants[g as usize]
            .as_ref()
            .expect("indexed grant slot is occupied")
    }

    #[inline]
    pub(crate) fn root_of(&self, mut i: u32) -> u32 {
        loop {
            let p = self.slots[i as usize].parent;
            if p == NONE {
                return i;
            }
            i = p;
        }
    }

    /// Whether slot `a` is `b` or an ancestor of `b`.
    pub(crate) fn is_ancestor_or_self(&self, a: u32, mut b: u32) -> bool {
        loop {
            if a == b {
                return true;
            }
            b = self.slots[b as usize].parent;
            if b == NONE {
                return false;
            }
        }
    }

    pub(crate) fn key_of(&mut self, s: &Subject) -> Key {
        match s {
            Subject::User { id } => Key::User(self.users.intern(id.as_str())),
            Subject::Role { role } => Key::Role(self.roles.intern(role.as_str())),
            Subject::Org { org, role } => Key::Org(
                self.orgs.intern(org.as_str()),
                role.as_ref()
                    .map_or(NONE, |r| self.roles.intern(r.as_str())),
            ),
            Subject::Link { id } => Key::Link(self.links.intern(id.as_str())),
            Subject::Token { id } => Key::Token(self.tokens.intern(id.as_str())),
            Subject::Public => Key::Public,
        }
    }
}

impl Engine {
    /// The engine's nodes and grants as a plain [`crate::access::World`], for the reference evaluator.
    pub fn to_world(&self) -> crate::access::World {
        crate::access::World {
            nodes: self.nodes().into_iter().cloned().collect(),
            grants: self.grants().into_iter().cloned().collect(),
        }
    }
}
