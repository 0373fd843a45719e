//! CBOR framing: one message = one CBOR map = one binary websocket frame.
//!
//! automerge-repo encodes messages with `cbor-x`
//! (`new Encoder({ tagUint8Array: false, useRecords: false })`,
//! `packages/automerge-repo/src/helpers/cbor.ts`): a plain JS object becomes a
//! definite-length map whose text keys appear in the object's insertion
//! order, integers use the shortest encoding, and a `Uint8Array` becomes a
//! plain byte string (major type 2, no typed-array tag). The websocket
//! adapters send each encoded message as one binary frame, with no further
//! envelope (`WebSocketClientAdapter.send` / `WebSocketServerAdapter.send`).
//!
//! [`encode`] writes keys in the order automerge-repo 2.x produces them,
//! so Folio's bytes are identical to what a JS peer would send. [`decode`]
//! accepts any key order, ignores unknown keys, accepts `null`/`undefined` for
//! optional fields, integral floats for counters (cbor-x may write numbers as
//! floats), a tag-64 typed array or a legacy binary document id, and turns
//! every other surprise into a [`WireError`] — it never panics.

mod decode;
mod encode;

use ciborium::Value;

use super::error::WireError;
use super::ids::truncate;
use super::message::Message;

/// Encode a message as one CBOR map, keys in automerge-repo's order.
pub fn encode(message: &Message) -> Vec<u8> {
    let value = encode::to_value(message);
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and every value we build is encodable.
    if let Err(e) = ciborium::ser::into_writer(&value, &mut out) {
        unreachable!("encoding into memory failed: {e}");
    }
    out
}

/// Decode one message from one frame, refusing frames above `max_bytes`.
pub fn decode_with_limit(bytes: &[u8], max_bytes: usize) -> Result<Message, WireError> {
    if bytes.len() > max_bytes {
        return Err(WireError::TooLarge {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    decode(bytes)
}

/// Decode one message from one frame.
pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
    if bytes.is_empty() {
        return Err(WireError::Empty);
    }
    let mut rest = bytes;
    let value: Value =
        ciborium::de::from_reader(&mut rest).map_err(|e| WireError::MalformedCbor {
            detail: truncate(&e.to_string()),
        })?;
    if !rest.is_empty() {
        return Err(WireError::TrailingBytes { extra: rest.len() });
    }
    decode::from_value(value)
}
