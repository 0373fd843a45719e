//! The messages of the automerge-repo network protocol, plus Folio's two
//! extension messages, as plain Rust values.
//!
//! Field names and their order follow what `@automerge/automerge-repo` 2.x
//! and `@automerge/automerge-repo-network-websocket` put on the wire (see
//! [`super::codec`] for the byte layout and the sources). Every field that
//! automerge-repo may leave out is an [`Option`] here.

use std::collections::BTreeMap;

use automerge::ChangeHash;

use super::ids::{DocumentId, PeerId};

/// The only websocket protocol version automerge-repo defines (`ProtocolV1`).
pub const PROTOCOL_V1: &str = "1";

/// The version of Folio's extension messages a Folio peer advertises in
/// [`PeerMetadata::folio`]. Peers that do not advertise it never receive
/// `folio-*` messages.
pub const FOLIO_EXTENSION_VERSION: u64 = 1;

/// What a peer says about itself in `join` and `peer` (automerge-repo's
/// `PeerMetadata`), plus Folio's extension flag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// `storageId`: the peer's persistent storage id, absent (`undefined`)
    /// for peers without storage.
    pub storage_id: Option<String>,
    /// `isEphemeral`: the peer will not come back with the same storage.
    pub is_ephemeral: Option<bool>,
    /// `folio`: the Folio extension version this peer understands. Unknown
    /// to automerge-repo, which passes peer metadata through untouched.
    pub folio: Option<u64>,
}

impl PeerMetadata {
    /// Metadata of an ephemeral Folio peer (a browser tab, the server).
    pub fn folio_ephemeral() -> Self {
        PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(true),
            folio: Some(FOLIO_EXTENSION_VERSION),
        }
    }

    /// Whether this peer understands Folio's extension messages.
    pub fn speaks_folio(&self) -> bool {
        self.folio.is_some_and(|v| v >= FOLIO_EXTENSION_VERSION)
    }
}

/// `join`: the first message from the connecting peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Join {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `peerMetadata`.
    pub peer_metadata: Option<PeerMetadata>,
    /// `supportedProtocolVersions`; automerge-repo treats a missing list as `["1"]`.
    pub supported_protocol_versions: Option<Vec<String>>,
}

/// `peer`: the accepting side's answer to `join`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `peerMetadata`.
    pub peer_metadata: Option<PeerMetadata>,
    /// `selectedProtocolVersion`.
    pub selected_protocol_version: String,
    /// `targetId`: the peer that joined.
    pub target_id: PeerId,
}

/// `leave`: advisory, the sender is going away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leave {
    /// `senderId`.
    pub sender_id: PeerId,
}

/// `error`: the sender hit a protocol error (and usually closes the socket).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMessage {
    /// `senderId` (the JS server adapter sets it; samod omits it).
    pub sender_id: Option<PeerId>,
    /// `message`: human-readable text.
    pub message: String,
    /// `targetId` (the JS server adapter sets it; samod omits it).
    pub target_id: Option<PeerId>,
}

/// `request` and `sync`: one automerge sync message for one document.
/// `request` is what a peer sends when it does not have the document yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncMessage {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `targetId`.
    pub target_id: PeerId,
    /// `documentId`.
    pub document_id: DocumentId,
    /// `data`: an encoded `automerge::sync::Message` (a CBOR byte string).
    pub data: Vec<u8>,
}

/// `doc-unavailable`: the sender does not have (or will not give) the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocUnavailable {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `targetId`.
    pub target_id: PeerId,
    /// `documentId`.
    pub document_id: DocumentId,
}

/// `ephemeral`: presence, cursors — never stored, relayed to readers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ephemeral {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `targetId`.
    pub target_id: PeerId,
    /// `count`: increases per message within a session; used to drop repeats.
    pub count: u64,
    /// `sessionId`: random per sending repo instance.
    pub session_id: String,
    /// `documentId`.
    pub document_id: DocumentId,
    /// `data`: the application payload (CBOR-encoded by automerge-repo), opaque here.
    pub data: Vec<u8>,
}

/// `remote-subscription-change`: add or remove storage ids whose heads the
/// sender wants to hear about. Folio's server ignores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSubscriptionChange {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `targetId`.
    pub target_id: PeerId,
    /// `add`: storage ids to add.
    pub add: Option<Vec<String>>,
    /// `remove`: storage ids to remove.
    pub remove: Option<Vec<String>>,
}

/// One entry of `newHeads` in `remote-heads-changed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteHeads {
    /// `heads`: encoded heads, kept as the strings received.
    pub heads: Vec<String>,
    /// `timestamp`: ms since the epoch on the originating peer.
    pub timestamp: u64,
}

/// `remote-heads-changed`: the heads of a document at some storage id changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteHeadsChanged {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `targetId`.
    pub target_id: PeerId,
    /// `documentId`.
    pub document_id: DocumentId,
    /// `newHeads`: storage id → heads.
    pub new_heads: BTreeMap<String, RemoteHeads>,
}

/// `folio-policy` (Folio extension): the peer's current policy snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `targetId`.
    pub target_id: PeerId,
    /// `revision`: increases with every change; older revisions are ignored.
    pub revision: u64,
    /// `snapshot`: the access engine's encoded `PolicySnapshot`, opaque here.
    pub snapshot: Vec<u8>,
}

/// Why one change (or the whole message, when `hash` is `None`) was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectionReason {
    /// `hash`: the refused change, hex on the wire.
    pub hash: Option<ChangeHash>,
    /// `reason`: plain words for the person who typed it.
    pub reason: String,
}

/// `folio-rejected` (Folio extension): the server refused changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// `senderId`.
    pub sender_id: PeerId,
    /// `targetId`.
    pub target_id: PeerId,
    /// `documentId`.
    pub document_id: DocumentId,
    /// `changeHashes`: every refused change, dependents included (hex strings).
    pub change_hashes: Vec<ChangeHash>,
    /// `reasons`: per change, in plain words.
    pub reasons: Vec<RejectionReason>,
    /// `serverHeads`: the authoritative heads to reset to (hex strings).
    pub server_heads: Vec<ChangeHash>,
    /// `refused`: optionally, the refused payload bytes as received.
    pub refused: Option<Vec<u8>>,
}

/// Any message of the protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// `join`
    Join(Join),
    /// `peer`
    Peer(Peer),
    /// `leave`
    Leave(Leave),
    /// `error`
    Error(ErrorMessage),
    /// `request`
    Request(SyncMessage),
    /// `sync`
    Sync(SyncMessage),
    /// `doc-unavailable`
    DocUnavailable(DocUnavailable),
    /// `ephemeral`
    Ephemeral(Ephemeral),
    /// `remote-subscription-change`
    RemoteSubscriptionChange(RemoteSubscriptionChange),
    /// `remote-heads-changed`
    RemoteHeadsChanged(RemoteHeadsChanged),
    /// `folio-policy` (extension)
    Policy(Policy),
    /// `folio-rejected` (extension)
    Rejected(Rejected),
}

impl Message {
    /// The `type` string on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Join(_) => "join",
            Message::Peer(_) => "peer",
            Message::Leave(_) => "leave",
            Message::Error(_) => "error",
            Message::Request(_) => "request",
            Message::Sync(_) => "sync",
            Message::DocUnavailable(_) => "doc-unavailable",
            Message::Ephemeral(_) => "ephemeral",
            Message::RemoteSubscriptionChange(_) => "remote-subscription-change",
            Message::RemoteHeadsChanged(_) => "remote-heads-changed",
            Message::Policy(_) => "folio-policy",
            Message::Rejected(_) => "folio-rejected",
        }
    }

    /// Whether this is one of Folio's extension messages, which only peers
    /// advertising [`PeerMetadata::folio`] may receive.
    pub fn is_folio_extension(&self) -> bool {
        matches!(self, Message::Policy(_) | Message::Rejected(_))
    }

    /// The sender, when the message names one.
    pub fn sender_id(&self) -> Option<&PeerId> {
        Some(match self {
            Message::Join(m) => &m.sender_id,
            Message::Peer(m) => &m.sender_id,
            Message::Leave(m) => &m.sender_id,
            Message::Error(m) => return m.sender_id.as_ref(),
            Message::Request(m) | Message::Sync(m) => &m.sender_id,
            Message::DocUnavailable(m) => &m.sender_id,
            Message::Ephemeral(m) => &m.sender_id,
            Message::RemoteSubscriptionChange(m) => &m.sender_id,
            Message::RemoteHeadsChanged(m) => &m.sender_id,
            Message::Policy(m) => &m.sender_id,
            Message::Rejected(m) => &m.sender_id,
        })
    }

    /// The document the message is about, if any.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Request(m) | Message::Sync(m) => Some(m.document_id),
            Message::DocUnavailable(m) => Some(m.document_id),
            Message::Ephemeral(m) => Some(m.document_id),
            Message::RemoteHeadsChanged(m) => Some(m.document_id),
            Message::Rejected(m) => Some(m.document_id),
            _ => None,
        }
    }
}
