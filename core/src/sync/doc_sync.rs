//! The server's half of one document's sync with one peer.
//!
//! The document actor owns the authoritative [`Automerge`] document and one
//! [`DocPeerSync`] per peer syncing it. This type never applies a change: it
//! decodes what arrived ([`IncomingSync`]), lets the actor guard and commit
//! the changes, then records what the peer told us. Outgoing messages come from
//! [`DocPeerSync::generate`], which reads the document the actor passes in.
//!
//! ```text
//!  connection task                 document actor
//!  ───────────────                 ─────────────────────────────────────────
//!  DeliverToDoc{data} ─────────▶  let inc = IncomingSync::decode(&data)?;
//!                                 guard(inc.changes()) on a fork
//!                                   ├─ accepted: doc.load_incremental(..); commit durably;
//!                                   │            peer_sync.record_received(&mut doc, inc)?
//!                                   └─ refused:  peer_sync.refuse(); send folio-rejected
//!  Send(sync{data}) ◀──────────── for each reader: peer_sync.generate(&doc)
//! ```

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::error::SyncError;
use super::ids::DocumentId;

/// A decoded `automerge::sync::Message` awaiting the guard's verdict.
#[derive(Clone, Debug)]
pub struct IncomingSync {
    document: DocumentId,
    message: sync::Message,
}

impl IncomingSync {
    /// Decode the `data` of a `sync`/`request` message for `document`.
    pub fn decode(document: DocumentId, data: &[u8]) -> Result<Self, SyncError> {
        let message = sync::Message::decode(data).map_err(|e| SyncError::InvalidSyncMessage {
            document: document.to_string(),
            detail: e.to_string(),
        })?;
        Ok(IncomingSync { document, message })
    }

    /// The document this message is about.
    pub fn document(&self) -> DocumentId {
        self.document
    }

    /// Whether the message carries any changes (or a whole document).
    pub fn has_changes(&self) -> bool {
        !self.message.changes.is_empty()
    }

    /// The carried changes as one byte string, ready for
    /// `Automerge::load_incremental` on a fork (the guard) and then on the
    /// authoritative document. May hold individual changes or, in sync
    /// protocol v2, a whole compressed document.
    pub fn change_bytes(&self) -> Vec<u8> {
        self.message.changes.iter().flatten().copied().collect()
    }

    /// The carried chunks, one by one, as they arrived.
    pub fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.message.changes.iter()
    }

    /// The sender's heads.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.message.heads
    }

    /// The decoded automerge message.
    pub fn message(&self) -> &sync::Message {
        &self.message
    }

    fn without_changes(mut self) -> sync::Message {
        self.message.changes = sync::ChunkList::empty();
        self.message
    }
}

/// Whether a peer may write to a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// Changes flow both ways (subject to the guard).
    ReadWrite,
    /// The peer only receives. Uses automerge's read-only sync state, which
    /// tells the peer (automerge ≥ 0.12) not to send changes at all.
    ReadOnly,
}

/// Per (document, peer) sync state on the server.
#[derive(Clone, Debug)]
pub struct DocPeerSync {
    state: sync::State,
}

impl DocPeerSync {
    /// A fresh state, as at the start of a connection.
    pub fn new(mode: SyncMode) -> Self {
        let state = match mode {
            SyncMode::ReadWrite => sync::State::new(),
            SyncMode::ReadOnly => sync::State::new_read_only(),
        };
        DocPeerSync { state }
    }

    /// The current mode.
    pub fn mode(&self) -> SyncMode {
        if self.state.read_only {
            SyncMode::ReadOnly
        } else {
            SyncMode::ReadWrite
        }
    }

    /// Switch mode when the peer's access level changes. Switching to
    /// read-write resets the exchange so the peer resends what was ignored.
    pub fn set_mode(&mut self, mode: SyncMode) {
        self.state.set_read_only(mode == SyncMode::ReadOnly);
    }

    /// The next encoded sync message for this peer, if there is anything to say.
    pub fn generate(&mut self, doc: &Automerge) -> Option<Vec<u8>> {
        doc.generate_sync_message(&mut self.state)
            .map(sync::Message::encode)
    }

    /// Record a received message whose changes the caller has already
    /// guarded and applied to `doc` (or which carried none). The changes are
    /// stripped before automerge sees the message, so this never modifies
    /// `doc`; it only updates what we know of the peer (heads, needs, bloom).
    pub fn record_received(
        &mut self,
        doc: &mut Automerge,
        incoming: IncomingSync,
    ) -> Result<(), SyncError> {
        let document = incoming.document;
        doc.receive_sync_message(&mut self.state, incoming.without_changes())
            .map_err(|e| SyncError::Automerge {
                document: document.to_string(),
                detail: e.to_string(),
            })
    }

    /// The peer's changes were refused: forget the exchange so we neither ask
    /// for the refused hashes again nor assume the peer has them. A Folio peer
    /// resets its side on `folio-rejected`; both then start afresh.
    pub fn refuse(&mut self) {
        let read_only = self.state.read_only;
        self.state = sync::State::new();
        self.state.read_only = read_only;
    }

    /// The underlying automerge state (for persistence of `shared_heads`).
    pub fn state(&self) -> &sync::State {
        &self.state
    }
}
