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
//!                                 ready = peer_sync.hold(&doc, inc.changes()?)?
//!                                   (changes missing a dependency wait, bounded)
//!                                 guard(ready) on the document
//!                                   ├─ accepted: commit durably;
//!                                   │            peer_sync.record_received(&mut doc, inc)?
//!                                   └─ refused:  purge_dependents; refuse(); folio-rejected
//!                                 after any commit: every peer_sync.release(&doc) → guard
//!  Send(sync{data}) ◀──────────── for each reader: peer_sync.generate(&doc)
//!                                   (asks for what held changes miss)
//! ```

use std::collections::HashSet;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};

use super::error::SyncError;
use super::holdback::{HoldLimits, HoldOverflow, Holdback};
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

    /// The carried changes, unpacked without applying any of them: change
    /// chunks as they are, several change chunks concatenated in one (sync
    /// v2), bundles, and whole documents (never trusted as a whole: their
    /// changes are judged one by one like any other). Unlike loading the
    /// bytes into a document, this keeps changes whose dependencies have not
    /// arrived yet, so they can be held (see [`super::holdback`]).
    pub fn changes(&self) -> Result<Vec<Change>, SyncError> {
        let bad = |detail: String| SyncError::InvalidSyncMessage { document: self.document.to_string(), detail };
        let mut out = Vec::new();
        for chunk in self.chunks() {
            for piece in split_chunks(chunk).map_err(bad)? {
                out.extend(unpack_chunk(piece).map_err(bad)?);
            }
        }
        Ok(out)
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

/// The magic bytes that open every automerge storage chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Splits concatenated automerge storage chunks (magic, checksum, type,
/// uLEB128 length, body) without interpreting them.
fn split_chunks(mut bytes: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 9 || bytes[..4] != MAGIC {
            return Err("a chunk does not start with automerge's magic bytes".into());
        }
        let (mut len, mut shift, mut at) = (0u64, 0u32, 9usize);
        loop {
            let Some(&b) = bytes.get(at) else { return Err("a chunk's length is cut off".into()) };
            if shift > 63 {
                return Err("a chunk's length does not fit 64 bits".into());
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            at += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| at.checked_add(l))
            .filter(|end| *end <= bytes.len())
            .ok_or_else(|| format!("a chunk claims {len} bytes but only {} follow", bytes.len() - at))?;
        out.push(&bytes[..end]);
        bytes = &bytes[end..];
    }
    Ok(out)
}

/// The changes in one chunk: a change, a bundle of changes or a document.
fn unpack_chunk(piece: &[u8]) -> Result<Vec<Change>, String> {
    match piece[8] {
        // document
        0 => {
            let doc = Automerge::load_with_options(
                piece,
                automerge::LoadOptions::new().on_partial_load(automerge::OnPartialLoad::Error),
            )
            .map_err(|e| format!("a document chunk does not load: {e}"))?;
            Ok(doc.get_changes(&[]))
        }
        // change, compressed change
        1 | 2 => Change::try_from(piece).map(|c| vec![c]).map_err(|e| format!("a change chunk does not parse: {e}")),
        // bundle
        3 => automerge::Bundle::try_from(piece)
            .map_err(|e| e.to_string())
            .and_then(|b| b.to_changes().map_err(|e| e.to_string()))
            .map_err(|e| format!("a bundle chunk does not unpack: {e}")),
        other => Err(format!("unknown chunk type {other}")),
    }
}

/// Per (document, peer) sync state on the server, with the peer's changes
/// that wait for their dependencies ([`Holdback`]).
#[derive(Clone, Debug)]
pub struct DocPeerSync {
    state: sync::State,
    held: Holdback,
}

impl DocPeerSync {
    /// A fresh state, as at the start of a connection, holding at most the
    /// default [`HoldLimits`].
    pub fn new(mode: SyncMode) -> Self {
        Self::with_limits(mode, HoldLimits::default())
    }

    /// A fresh state holding at most `limits` of out-of-order changes.
    pub fn with_limits(mode: SyncMode, limits: HoldLimits) -> Self {
        let state = match mode {
            SyncMode::ReadWrite => sync::State::new(),
            SyncMode::ReadOnly => sync::State::new_read_only(),
        };
        DocPeerSync { state, held: Holdback::new(limits) }
    }

    /// Takes the peer's incoming changes; returns those whose history is
    /// complete (with any held ones they completed), for the guard. See
    /// [`Holdback::admit`].
    pub fn hold(&mut self, doc: &Automerge, incoming: Vec<Change>) -> Result<Vec<Change>, HoldOverflow> {
        self.held.admit(doc, incoming)
    }

    /// Held changes whose dependencies `doc` now has (see [`Holdback::release`]).
    pub fn release(&mut self, doc: &Automerge) -> Vec<Change> {
        self.held.release(doc)
    }

    /// Takes out held changes that build on a refused one.
    pub fn purge_dependents(&mut self, refused: &[ChangeHash]) -> Vec<Change> {
        self.held.purge_dependents(refused)
    }

    /// The peer's changes waiting for their dependencies.
    pub fn held(&self) -> &Holdback {
        &self.held
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

    /// The next encoded sync message for this peer, if there is anything to
    /// say. While changes are held, it asks for what they are missing, as
    /// automerge does for its own queue (see [`super::holdback`]).
    pub fn generate(&mut self, doc: &Automerge) -> Option<Vec<u8>> {
        let mut message = doc.generate_sync_message(&mut self.state)?;
        if !self.held.is_empty() && !self.state.read_only {
            let their: Vec<ChangeHash> = self.state.their_heads.iter().flatten().copied().collect();
            let need = self.held.missing(doc, their.iter().copied());
            let their: HashSet<ChangeHash> = their.into_iter().collect();
            if !need.iter().all(|h| their.contains(h)) {
                message.have = Vec::new();
            }
            message.need = need;
        }
        Some(message.encode())
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
    /// resets its side on `folio-rejected`; both then start afresh. Held
    /// changes stay (take out those that build on refused ones with
    /// [`Self::purge_dependents`] first).
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
