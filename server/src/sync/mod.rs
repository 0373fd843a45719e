//! # The `/sync` websocket
//!
//! One connection task per socket (`connection.rs`) drives `folio-core`'s
//! sans-IO [`ServerPeer`](folio_core::sync::ServerPeer): frames in, effects
//! out. It authenticates once, at the upgrade (session cookie, or `?token=`
//! through [`PolicyHub::resolve_token`](crate::policy::PolicyHub::resolve_token);
//! a cookie upgrade only from Folio's own origin, see `routes/sync.rs`),
//! checks read access before handing anything to a document actor
//! ([`crate::docs`]), and re-checks whenever the [`PolicyHub`](crate::policy::PolicyHub)
//! says access may have changed:
//!
//! - a document the peer may no longer read is closed at once with
//!   `doc-unavailable` (the same answer as for unknown and forbidden ones);
//! - Folio peers (`peerMetadata.folio = 1`) get a fresh `folio-policy`
//!   (the [`PolicySnapshot`](folio_core::access::PolicySnapshot) as JSON) for
//!   every portfolio they have a document of open;
//! - the sync mode follows the level (read-only sync state for readers);
//! - a token that no longer resolves ends the connection.
//!
//! Decisions written down here:
//! - The policy snapshot travels as JSON bytes in `snapshot`: the browser's
//!   wasm layer parses it with serde as the engine's own type.
//! - A connection's outgoing queue is unbounded but watched: a peer that does
//!   not read (more than [`MAX_QUEUED`] messages waiting) is disconnected
//!   rather than allowed to grow the server's memory.
//! - Frames up to the configured `max_frame_bytes` are decoded; bigger ones
//!   get an `error` and a close from `ServerPeer`; frames beyond twice that are
//!   cut by the websocket layer itself.

mod access;
mod connection;
mod hub;

pub use access::{may_read, mode};
pub use connection::{Auth, run_connection};
pub use hub::{Registration, SyncHub};

/// Outgoing messages a connection may have queued before it is dropped.
pub const MAX_QUEUED: usize = 10_000;
