//! Errors of the sync layer: one enum for the wire format, one for the state
//! machines. Messages are lowercase, quote the offending input in backticks
//! and say what to do.

use thiserror::Error;

/// Decoding or encoding a wire message failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// The frame is bigger than the configured limit.
    #[error(
        "message of `{size}` bytes exceeds the limit of `{max}` bytes; send smaller sync messages or raise the limit"
    )]
    TooLarge {
        /// Size of the frame in bytes.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The frame is empty.
    #[error("empty message; every frame must hold one CBOR map")]
    Empty,
    /// The bytes are not well-formed CBOR.
    #[error("malformed CBOR: `{detail}`; expected one CBOR map per websocket frame")]
    MalformedCbor {
        /// What the CBOR decoder said.
        detail: String,
    },
    /// Bytes remain after the first CBOR item.
    #[error("`{extra}` trailing bytes after the CBOR message; send exactly one message per frame")]
    TrailingBytes {
        /// How many bytes were left over.
        extra: usize,
    },
    /// The CBOR item is not a map with text keys.
    #[error("message is `{found}`, not a CBOR map with text keys")]
    NotAMap {
        /// The CBOR kind found instead.
        found: &'static str,
    },
    /// The `type` field is missing.
    #[error("message has no `type` field")]
    MissingType,
    /// The `type` field names a message this implementation does not know.
    #[error("unknown message type `{message_type}`")]
    UnknownType {
        /// The type string as received (truncated).
        message_type: String,
    },
    /// A required field is missing.
    #[error("`{message_type}` message is missing the `{field}` field")]
    MissingField {
        /// The message type.
        message_type: &'static str,
        /// The missing field's wire name.
        field: &'static str,
    },
    /// A field has the wrong CBOR type.
    #[error("field `{field}` should be {expected} but is `{found}`")]
    WrongFieldType {
        /// The field's wire name.
        field: &'static str,
        /// What was expected, in words.
        expected: &'static str,
        /// The CBOR kind found.
        found: &'static str,
    },
    /// A document id that is not base58check of 16 bytes.
    #[error(
        "invalid document id `{id}`; expected base58check of 16 bytes, optionally prefixed with `automerge:`"
    )]
    InvalidDocumentId {
        /// The id as received (truncated).
        id: String,
    },
    /// A change hash that is not 64 hex digits.
    #[error("invalid change hash `{hash}`; expected 64 lowercase hex digits")]
    InvalidChangeHash {
        /// The hash as received (truncated).
        hash: String,
    },
    /// The CBOR encoder failed (should not happen with in-memory buffers).
    #[error("cannot encode message: `{detail}`")]
    Encode {
        /// What the encoder said.
        detail: String,
    },
}

/// A protocol state machine refused an input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyncError {
    /// The frame could not be decoded.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The bytes inside a `sync`/`request` are not an automerge sync message.
    #[error("invalid automerge sync message for document `{document}`: `{detail}`")]
    InvalidSyncMessage {
        /// The document the message was for.
        document: String,
        /// What automerge said.
        detail: String,
    },
    /// Automerge refused to apply received changes.
    #[error("cannot apply changes to document `{document}`: `{detail}`")]
    Automerge {
        /// The document.
        document: String,
        /// What automerge said.
        detail: String,
    },
    /// A message arrived before the handshake finished.
    #[error(
        "`{message_type}` received before the handshake; send `join` first and wait for `peer`"
    )]
    NotJoined {
        /// The message type received too early.
        message_type: &'static str,
    },
    /// The peer speaks no protocol version we support.
    #[error("unsupported protocol versions `{offered}`; this server speaks `1`")]
    UnsupportedVersion {
        /// The versions offered, comma-separated.
        offered: String,
    },
    /// The sender id of a message is not the peer that joined.
    #[error("message claims sender `{claimed}` but this connection joined as `{joined}`")]
    WrongSender {
        /// The sender id in the message.
        claimed: String,
        /// The peer id of the handshake.
        joined: String,
    },
    /// A message addressed to another peer.
    #[error("message addressed to `{target}` but this peer is `{me}`")]
    WrongTarget {
        /// The target id in the message.
        target: String,
        /// Our peer id.
        me: String,
    },
    /// A second `join` with a different peer id on the same connection.
    #[error("connection already joined as `{joined}`; cannot join again as `{claimed}`")]
    AlreadyJoined {
        /// The first peer id.
        joined: String,
        /// The new one.
        claimed: String,
    },
    /// A message this side of the protocol never expects.
    #[error("unexpected `{message_type}` message on the {side} side")]
    Unexpected {
        /// The message type.
        message_type: &'static str,
        /// `client` or `server`.
        side: &'static str,
    },
    /// The peer sends faster than its rate limit.
    #[error("rate limit exceeded; retry after `{retry_after_ms}` ms")]
    RateLimited {
        /// Milliseconds until one more message is allowed.
        retry_after_ms: i64,
    },
    /// The other side sent an `error` message.
    #[error("peer reported an error: `{message}`")]
    PeerError {
        /// The peer's text (truncated).
        message: String,
    },
    /// An operation named a document this repo does not hold.
    #[error("unknown document `{document}`; add or find it first")]
    UnknownDocument {
        /// The document id.
        document: String,
    },
}
