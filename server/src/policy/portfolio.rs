//! One portfolio's engine, shared by every connection and document actor.

use std::sync::{Arc, RwLock};

use folio_core::access::{Engine, NodeId, Principal};
use folio_core::time::Timestamp;
use tokio::sync::Notify;

use crate::storage::DocumentId;

/// The cached access engine of one portfolio (its nodes and grants).
///
/// Reads are closures over the engine ([`PortfolioPolicy::read`]) so no lock
/// is ever held across an `.await`. Writers are the [`super::PolicyHub`]
/// (grants) and the document actors (tree, through the hub).
#[derive(Debug)]
pub struct PortfolioPolicy {
    id: DocumentId,
    pub(super) engine: RwLock<Engine>,
    /// Wakes the portfolio's timer when the grants or the tree changed.
    pub(super) changed: Arc<Notify>,
}

impl PortfolioPolicy {
    pub(super) fn new(id: DocumentId, engine: Engine) -> Self {
        PortfolioPolicy { id, engine: RwLock::new(engine), changed: Arc::new(Notify::new()) }
    }

    /// The portfolio's id (also its root node id).
    pub fn id(&self) -> &DocumentId {
        &self.id
    }

    /// The portfolio's root node id.
    pub fn root(&self) -> NodeId {
        NodeId::new(self.id.as_str())
    }

    /// Runs `f` on the engine under a read lock (never across an await).
    pub fn read<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        let engine = self.engine.read().unwrap_or_else(|e| e.into_inner());
        f(&engine)
    }

    pub(super) fn write<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> R {
        let mut engine = self.engine.write().unwrap_or_else(|e| e.into_inner());
        let r = f(&mut engine);
        drop(engine);
        self.changed.notify_one();
        r
    }

    /// The engine's revision (bumped by every grant or tree change).
    pub fn revision(&self) -> u64 {
        self.read(Engine::revision)
    }

    /// Whether `principal` may read `node` at `now`.
    pub fn can_read(&self, principal: &Principal, node: &NodeId, now: Timestamp) -> bool {
        self.read(|e| e.can_read(principal, node, now))
    }
}
