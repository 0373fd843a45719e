//! What connections and document actors tell each other.

use automerge::ChangeHash;
use folio_core::access::Principal;
use folio_core::doc::Author;
use folio_core::sync::{DocumentId as WireId, Ephemeral, RejectionReason, SyncMode};
use tokio::sync::mpsc;

/// A connection's number, unique in this process.
pub type ConnId = u64;

/// From a document actor to one connection.
#[derive(Debug)]
pub enum ToConn {
    /// Send these sync bytes (`ServerPeer::sync`).
    Sync {
        /// The document.
        document: WireId,
        /// An encoded automerge sync message.
        data: Vec<u8>,
    },
    /// The document is not (or no longer) available to this peer.
    Unavailable {
        /// The document.
        document: WireId,
    },
    /// Changes from this peer were refused.
    Rejected {
        /// The document.
        document: WireId,
        /// The refused changes.
        hashes: Vec<ChangeHash>,
        /// Why, in plain words.
        reasons: Vec<RejectionReason>,
        /// The server's heads to reset to.
        heads: Vec<ChangeHash>,
    },
    /// Another peer's ephemeral message (presence, cursors).
    Ephemeral(Ephemeral),
    /// Send an `error` with this text and close the connection.
    Fatal(String),
}

/// The sending half connections give to document actors.
pub type ConnSender = mpsc::UnboundedSender<ToConn>;

/// A peer as a document actor knows it.
#[derive(Clone, Debug)]
pub struct PeerInfo {
    /// The connection.
    pub conn: ConnId,
    /// Who it is.
    pub principal: Principal,
    /// Name, role and organisation for feedback authorship.
    pub profile: Option<Author>,
    /// Read-only (automerge's read-only sync state) or read-write.
    pub mode: SyncMode,
    /// Where to send.
    pub out: ConnSender,
}

/// From a connection to a document actor.
#[derive(Debug)]
pub enum DocCmd {
    /// Start serving this peer (after the read check).
    Open(PeerInfo),
    /// Sync bytes from a peer that opened the document.
    Sync {
        /// The connection.
        conn: ConnId,
        /// The encoded automerge sync message.
        data: Vec<u8>,
    },
    /// An ephemeral message to relay to the other readers.
    Ephemeral {
        /// The sending connection.
        conn: ConnId,
        /// The message.
        message: Ephemeral,
    },
    /// The peer's principal or mode changed (it still may read).
    Access {
        /// The connection.
        conn: ConnId,
        /// The new principal.
        principal: Principal,
        /// The new mode.
        mode: SyncMode,
    },
    /// Changes the server itself authored after its own decision (moving a
    /// page: `routes::pages`). They are applied without the guard — the
    /// route already asked the engine — but otherwise like any accepted
    /// change: durable with one audit row each (naming `principal`, the
    /// person on whose behalf the server acts) before they are relayed to
    /// every peer, then the tree is reconciled. `reply` gets `Err` with a
    /// message if they could not be applied or stored (nothing relayed).
    Authored {
        /// The changes (on top of the stored document).
        changes: Vec<automerge::Change>,
        /// The principal key for the audit log (`user:7`).
        principal: String,
        /// What this step is, for the audit log (`move`).
        action: String,
        /// A sentence for the audit log.
        reason: String,
        /// Answered once the changes are durable and relayed.
        reply: tokio::sync::oneshot::Sender<Result<(), String>>,
    },
    /// Stop serving this peer.
    Close {
        /// The connection.
        conn: ConnId,
    },
}
