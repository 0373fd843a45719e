//! # Open documents: one actor task each
//!
//! [`DocRegistry`] maps a document id to the task that owns it. The first
//! connection that needs a document loads it (snapshot plus changes since,
//! from [`DocumentStore`](crate::storage::DocumentStore)) and starts its
//! actor (`actor.rs`); the actor unloads itself after
//! [`IDLE_UNLOAD`] without peers, compacting on the way out (and every few
//! hundred changes while open). Nothing but the actor touches the
//! authoritative document, so every document has one commit order, and the
//! relay follows it.
//!
//! ```text
//!  connection ── DocCmd::Open/Sync/Ephemeral/Access/Close ──▶ actor (one per doc)
//!             ◀── ToConn::Sync/Rejected/Unavailable/Ephemeral ──┘
//! ```
//!
//! The registry of *which* documents exist (and which portfolio and node
//! each stores) is the `documents` table ([`TreeStore`](crate::storage::TreeStore)).
//! Portfolio documents are registered when a portfolio is created; collection
//! and page documents when an accepted change to their parent document names
//! them (see `skeleton.rs`). A document not in the registry is unavailable,
//! exactly like a forbidden one.

mod actor;
mod messages;
pub mod skeleton;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::sync::atomic::Ordering;
use std::time::Duration;

use folio_core::sync::DocumentId as WireId;
use tokio::sync::mpsc;

pub use messages::{ConnId, ConnSender, DocCmd, PeerInfo, ToConn};

use crate::state::AppState;
use crate::storage::{DocumentId, DocumentRecord};

/// How long a document stays loaded without peers.
pub const IDLE_UNLOAD: Duration = Duration::from_secs(30);

/// Why a document could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The stored bytes do not load.
    #[error("document `{id}` cannot be loaded: {detail}")]
    Load {
        /// The document.
        id: String,
        /// Why.
        detail: String,
    },
}

/// A handle to a running document actor.
#[derive(Clone, Debug)]
pub struct DocHandle {
    tx: mpsc::Sender<DocCmd>,
}

impl DocHandle {
    /// Sends a command; `Err` gives it back if the actor has stopped (open
    /// the document again and resend).
    pub async fn send(&self, cmd: DocCmd) -> Result<(), DocCmd> {
        self.tx.send(cmd).await.map_err(|e| e.0)
    }
}

/// The open documents. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct DocRegistry {
    actors: Arc<Mutex<HashMap<WireId, DocHandle>>>,
}

/// The wire form of a stored document id, if it is an automerge-repo id.
pub fn wire_id(id: &DocumentId) -> Option<WireId> {
    id.as_str().parse().ok()
}

/// The stored form of a wire document id.
pub fn stored_id(id: &WireId) -> DocumentId {
    DocumentId::parse(&id.to_string()).expect("base58 is a valid stored id")
}

/// The document as stored (snapshot plus the changes since): everything its
/// actor has acknowledged, since an accepted change is durable first. For
/// callers that prepare a change on top of it and then send it to the actor
/// like any peer (`POST /api/v1/documents/{doc}/edits`).
pub async fn load_stored(state: &AppState, id: &DocumentId) -> Result<automerge::Automerge, DocError> {
    actor::load(state, id).await.map(|loaded| loaded.doc).map_err(|detail| DocError::Load { id: id.to_string(), detail })
}

/// Hands changes the server authored to the actor of `record` (starting it
/// if needed) and waits until they are durable and relayed (see
/// [`DocCmd::Authored`]). An actor that stopped meanwhile is started again
/// once.
pub async fn apply_authored(
    state: &AppState,
    record: &DocumentRecord,
    changes: Vec<automerge::Change>,
    principal: &str,
    action: &str,
    reason: &str,
) -> Result<(), String> {
    for _ in 0..2 {
        let handle = state.docs().open(state, record).await.map_err(|e| e.to_string())?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        let cmd = DocCmd::Authored {
            changes: changes.clone(),
            principal: principal.to_owned(),
            action: action.to_owned(),
            reason: reason.to_owned(),
            reply,
        };
        if handle.send(cmd).await.is_err() {
            continue;
        }
        match answer.await {
            Ok(result) => return result,
            Err(_) => continue,
        }
    }
    Err(format!("document `{}` is not available", record.id))
}

impl DocRegistry {
    /// The running actor of `record`, loading the document and starting the
    /// actor if needed.
    pub async fn open(&self, state: &AppState, record: &DocumentRecord) -> Result<DocHandle, DocError> {
        let Some(wire) = wire_id(&record.id) else {
            return Err(DocError::Load { id: record.id.to_string(), detail: "not an automerge-repo id".into() });
        };
        if let Some(h) = self.get(&wire) {
            return Ok(h);
        }
        let loaded = actor::load(state, &record.id)
            .await
            .map_err(|detail| DocError::Load { id: record.id.to_string(), detail })?;
        let mut map = self.actors.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = map.get(&wire).filter(|h| !h.tx.is_closed()) {
            return Ok(h.clone());
        }
        let (tx, rx) = mpsc::channel(1024);
        let handle = DocHandle { tx };
        map.insert(wire, handle.clone());
        drop(map);
        state.metrics().documents_open.fetch_add(1, Ordering::Relaxed);
        let actor = actor::DocActor::new(state.clone(), record.clone(), wire, loaded);
        tokio::spawn(actor.run(rx, self.clone(), IDLE_UNLOAD));
        Ok(handle)
    }

    fn get(&self, wire: &WireId) -> Option<DocHandle> {
        let map = self.actors.lock().unwrap_or_else(|e| e.into_inner());
        map.get(wire).filter(|h| !h.tx.is_closed()).cloned()
    }

    /// How many documents are loaded.
    pub fn open_count(&self) -> usize {
        self.actors.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// An idle actor asks to stop: granted (and the entry removed, the
    /// channel closed) only if nothing is queued for it.
    fn retire(&self, wire: &WireId, rx: &mpsc::Receiver<DocCmd>) -> bool {
        let mut map = self.actors.lock().unwrap_or_else(|e| e.into_inner());
        if !rx.is_empty() {
            return false;
        }
        map.remove(wire);
        true
    }

    fn forget(&self, wire: &WireId) {
        self.actors.lock().unwrap_or_else(|e| e.into_inner()).remove(wire);
    }
}
