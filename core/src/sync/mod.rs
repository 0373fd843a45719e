//! # The sync protocol, sans-IO
//!
//! Folio speaks the automerge-repo network protocol over one websocket, so an
//! unmodified `@automerge/automerge-repo` 2.x client with
//! `@automerge/automerge-repo-network-websocket` can sync with the server,
//! plus two Folio extension messages. This module is that protocol as pure
//! data and state machines: no sockets, no tasks, no clock (`now` is an
//! argument), so the same code runs in the browser (wasm) and on the server.
//!
//! ```text
//!   browser (ClientRepo)                          server (ServerPeer per socket,
//!                                                         DocPeerSync per doc×peer)
//!   join{senderId, peerMetadata, ["1"]} ───────▶  handshake
//!                 ◀─────── peer{senderId, selectedProtocolVersion:"1", targetId}
//!   request{documentId, data} ─────────────────▶  DeliverToDoc → actor: access? guard?
//!                 ◀─────── sync{documentId, data}  | doc-unavailable (unknown = forbidden)
//!   sync{documentId, data} ────────────────────▶  guard accepts → commit → record_received
//!                 ◀─────── sync (to every reader, in commit order)
//!                 ◀─────── folio-rejected{changeHashes, reasons, serverHeads}
//!   ClientRepo resets to serverHeads, hands back the refused edits, syncs afresh
//!                 ◀─────── folio-policy{revision, snapshot}   (whenever access changes)
//!   ephemeral{documentId, count, sessionId, data} ◀──────▶ relayed to readers only
//! ```
//!
//! ## Wire format (see [`codec`])
//!
//! One message is one CBOR map in one binary websocket frame, as cbor-x
//! writes it: text keys, byte strings for `data`, document ids as base58check
//! strings without the `automerge:` prefix, protocol version `"1"`.
//!
//! ## Folio extensions
//!
//! `folio-policy` and `folio-rejected` use the same envelope with their own
//! `type` strings. A Folio client advertises them with `peerMetadata.folio = 1`
//! in `join`; the server sends them only to peers that did ([`ServerPeer::policy`]
//! returns `None` otherwise, [`ServerPeer::rejected`] falls back to an `error`).
//! Even if one did reach an unmodified automerge-repo client, its
//! `NetworkSubsystem` drops any message that fails `isRepoMessage`.
//!
//! ## Pieces
//!
//! - [`message`], [`codec`]: the messages and their bytes.
//! - [`ServerPeer`]: one connection on the server — handshake, routing, limits.
//! - [`DocPeerSync`], [`IncomingSync`]: one document × one peer on the server,
//!   owned by the document actor; decodes incoming sync data for the guard and
//!   generates outgoing sync data from the authoritative document, never
//!   applying a change itself.
//! - [`Holdback`]: a peer's changes that arrived before the changes they
//!   build on, held beside the document until they can be judged.
//! - [`ClientRepo`]: the browser's documents and its side of the protocol,
//!   including recovery from a rejection ([`RefusedEdits`]).
//! - [`Limits`], [`TokenBucket`]: frame size and rate, as data.

pub mod ancestry;
pub mod client;
pub mod codec;
pub mod doc_sync;
pub mod error;
pub mod fresh;
pub mod holdback;
pub mod ids;
pub mod limits;
pub mod message;
pub mod recovery;
pub mod server;
pub mod typed;

pub use ancestry::Ancestry;
pub use client::{ClientEvent, ClientOutput, ClientRepo, DocStatus};
pub use codec::{decode, decode_with_limit, encode};
pub use doc_sync::{DocPeerSync, IncomingSync, SyncMode, has_change};
pub use fresh::Fresh;
pub use error::{SyncError, WireError};
pub use holdback::{HoldLimits, HoldOverflow, Holdback};
pub use ids::{DocumentId, PeerId};
pub use limits::{Limits, RateDecision, RateLimit, TokenBucket};
pub use message::{
    DocUnavailable, Ephemeral, ErrorMessage, FOLIO_EXTENSION_VERSION, Join, Leave, Message,
    PROTOCOL_V1, Peer, PeerMetadata, Policy, Rejected, RejectionReason, RemoteHeads,
    RemoteHeadsChanged, RemoteSubscriptionChange, SyncMessage,
};
pub use recovery::RefusedEdits;
pub use server::{ServerEffect, ServerPeer};
pub use typed::{Edited, Refusal, TypedClient, TypedClientError, TypedEvent, TypedOutput};
