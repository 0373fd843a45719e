//! Policy snapshots: what the server tells one client about access.
//!
//! The authoritative grants live in the server's database. Each client
//! receives a [`PolicySnapshot`]: the skeleton of the nodes its principal may
//! read at the moment (plus the path above them, so a collection shared on its
//! own can still be placed in an outline), the grants that concern that
//! principal, and the engine's revision. The browser loads it with
//! [`Engine::from_snapshot`] and then answers `check`, `level`, `access`,
//! `explain`, `visible` and `feedback_visible` for that principal exactly as the
//! server's full engine does, at any instant in `[issued_at, valid_until)`.
//!
//! `valid_until` is the full engine's [`Engine::next_change`]: the server sends
//! a new snapshot then, and whenever the revision changes in a way that
//! concerns the client. Nodes the principal may not read are absent from the
//! snapshot (apart from the path above readable ones), so a snapshot never
//! reveals more than the outline the client may show. The snapshot engine's own
//! `next_change` only knows the grants it was given; use `valid_until`.
//!
//! ```
//! use folio_core::access::{Action, Engine, Grant, Level, Node, NodeKind, Principal, Subject};
//! use folio_core::time::Timestamp;
//! let mut server = Engine::new();
//! server.add_node(Node::portfolio("p", "olga")).unwrap();
//! server.add_node(Node::child("c1", NodeKind::Collection, "p")).unwrap();
//! server.add_node(Node::child("c2", NodeKind::Collection, "p")).unwrap();
//! server.add_grant(Grant::new(1, "c1", Subject::user("bram"), Level::Write)).unwrap();
//! let bram = Principal::user("bram");
//! let snap = server.snapshot_for(&bram, Timestamp(0));
//! let json = serde_json::to_string(&snap).unwrap();
//! let browser = Engine::from_snapshot(&serde_json::from_str(&json).unwrap()).unwrap();
//! assert!(browser.check(&bram, Action::Write, &"c1".into(), Timestamp(5)));
//! assert!(browser.node(&"c2".into()).is_none()); // never sent
//! ```

use serde::{Deserialize, Serialize};

use super::engine::{Engine, EngineError};
use super::grant::Grant;
use super::ids::{NodeId, UserId};
use super::principal::Principal;
use super::tree::{Node, NodeKind, NodeState};
use crate::time::Timestamp;

/// A node as a snapshot carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotNode {
    /// Stable id.
    pub id: NodeId,
    /// Kind.
    pub kind: NodeKind,
    /// Parent (absent for portfolios).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<NodeId>,
    /// Owner (portfolios only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserId>,
    /// Title, when the server includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// State such as `submitted`.
    #[serde(default)]
    pub state: NodeState,
    /// Whether the principal may read it; `false` for path-only ancestors.
    pub readable: bool,
}

/// What the server sends one client about access.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicySnapshot {
    /// The server engine's revision when this was made.
    pub revision: u64,
    /// Whom it is for.
    pub principal: Principal,
    /// When it was made.
    pub issued_at: Timestamp,
    /// When it must be replaced at the latest (`None` = only on change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// Readable nodes and the path above them, parents before children.
    pub nodes: Vec<SnapshotNode>,
    /// The grants that concern the principal, attached to nodes above.
    pub grants: Vec<Grant>,
}

impl Engine {
    /// The snapshot for `principal` at `now`.
    pub fn snapshot_for(&self, principal: &Principal, now: Timestamp) -> PolicySnapshot {
        let r = self.resolve(principal);
        let mut marks = vec![0u64; self.slots.len().div_ceil(64)];
        let mut readable = Vec::new();
        self.visible_into(&r, now, &mut marks, &mut readable);
        // Add the path above every readable node.
        let mut skeleton = marks.clone();
        for &i in &readable {
            let mut p = self.slots[i as usize].parent;
            while p != super::engine::NONE && skeleton[(p / 64) as usize] & (1 << (p % 64)) == 0 {
                skeleton[(p / 64) as usize] |= 1 << (p % 64);
                p = self.slots[p as usize].parent;
            }
        }
        let in_set = |set: &[u64], i: u32| set[(i / 64) as usize] & (1 << (i % 64)) != 0;
        let mut nodes = Vec::new();
        let mut stack: Vec<u32> = self
            .roots
            .iter()
            .rev()
            .copied()
            .filter(|&i| in_set(&skeleton, i))
            .collect();
        while let Some(i) = stack.pop() {
            let s = &self.slots[i as usize];
            let n = &s.node;
            nodes.push(SnapshotNode {
                id: n.id.clone(),
                kind: n.kind,
                parent: n.parent.clone(),
                owner: n.owner.clone(),
                title: n.title.clone(),
                state: n.state.clone(),
                readable: in_set(&marks, i),
            });
            stack.extend(
                s.children
                    .iter()
                    .rev()
                    .copied()
                    .filter(|&c| in_set(&skeleton, c)),
            );
        }
        let mut grants: Vec<Grant> = self
            .concerning(&r)
            .into_iter()
            .map(|g| self.grant_slot(g))
            .filter(|gs| in_set(&skeleton, gs.node))
            .map(|gs| gs.grant.clone())
            .collect();
        grants.sort_by_key(|g| g.id);
        PolicySnapshot {
            revision: self.revision,
            principal: principal.clone(),
            issued_at: now,
            valid_until: self.next_change(principal, now),
            nodes,
            grants,
        }
    }

    /// An engine holding exactly what a snapshot carries; its answers for the
    /// snapshot's principal equal the server's until `valid_until`.
    pub fn from_snapshot(snapshot: &PolicySnapshot) -> Result<Engine, EngineError> {
        let nodes = snapshot.nodes.iter().map(|n| Node {
            id: n.id.clone(),
            kind: n.kind,
            parent: n.parent.clone(),
            owner: n.owner.clone(),
            title: n.title.clone(),
            state: n.state.clone(),
        });
        let mut e = Engine::build(nodes, snapshot.grants.iter().cloned())?;
        e.revision = snapshot.revision;
        Ok(e)
    }
}
