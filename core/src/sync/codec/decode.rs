//! CBOR values → messages, tolerant of key order, unknown keys and JS quirks.

use std::collections::BTreeMap;

use automerge::ChangeHash;
use ciborium::Value;

use crate::sync::error::WireError;
use crate::sync::ids::{DocumentId, PeerId, truncate};
use crate::sync::message::*;

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) => "integer",
        Value::Bytes(_) => "byte string",
        Value::Float(_) => "float",
        Value::Text(_) => "text",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        Value::Tag(_, _) => "tagged value",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        _ => "unknown CBOR item",
    }
}

/// The text-keyed entries of one CBOR map, read field by field.
struct Fields {
    message_type: &'static str,
    entries: BTreeMap<String, Value>,
}

fn map_entries(value: Value) -> Result<BTreeMap<String, Value>, WireError> {
    let Value::Map(pairs) = value else {
        return Err(WireError::NotAMap {
            found: kind(&value),
        });
    };
    let mut entries = BTreeMap::new();
    for (k, v) in pairs {
        match k {
            // First occurrence wins; later duplicates are ignored.
            Value::Text(k) => {
                entries.entry(k).or_insert(v);
            }
            other => {
                return Err(WireError::NotAMap {
                    found: kind(&other),
                });
            }
        }
    }
    Ok(entries)
}

fn is_absent(v: &Value) -> bool {
    matches!(v, Value::Null)
}

impl Fields {
    fn take(&mut self, field: &'static str) -> Option<Value> {
        self.entries.remove(field).filter(|v| !is_absent(v))
    }

    fn required(&mut self, field: &'static str) -> Result<Value, WireError> {
        self.take(field).ok_or(WireError::MissingField {
            message_type: self.message_type,
            field,
        })
    }

    fn string(&mut self, field: &'static str) -> Result<String, WireError> {
        as_string(field, self.required(field)?)
    }

    fn opt_string(&mut self, field: &'static str) -> Result<Option<String>, WireError> {
        self.take(field).map(|v| as_string(field, v)).transpose()
    }

    fn peer(&mut self, field: &'static str) -> Result<PeerId, WireError> {
        self.string(field).map(PeerId::from)
    }

    fn opt_peer(&mut self, field: &'static str) -> Result<Option<PeerId>, WireError> {
        Ok(self.opt_string(field)?.map(PeerId::from))
    }

    fn bytes(&mut self, field: &'static str) -> Result<Vec<u8>, WireError> {
        as_bytes(field, self.required(field)?)
    }

    fn opt_bytes(&mut self, field: &'static str) -> Result<Option<Vec<u8>>, WireError> {
        self.take(field).map(|v| as_bytes(field, v)).transpose()
    }

    fn uint(&mut self, field: &'static str) -> Result<u64, WireError> {
        as_uint(field, self.required(field)?)
    }

    fn document_id(&mut self) -> Result<DocumentId, WireError> {
        match self.required("documentId")? {
            Value::Text(s) => s.parse(),
            Value::Bytes(b) => DocumentId::try_from(b.as_slice()),
            other => Err(wrong("documentId", "a base58check string", &other)),
        }
    }

    fn opt_strings(&mut self, field: &'static str) -> Result<Option<Vec<String>>, WireError> {
        self.take(field).map(|v| as_strings(field, v)).transpose()
    }

    fn hashes(&mut self, field: &'static str) -> Result<Vec<ChangeHash>, WireError> {
        as_strings(field, self.required(field)?)?
            .iter()
            .map(|s| parse_hash(s))
            .collect()
    }

    fn metadata(&mut self) -> Result<Option<PeerMetadata>, WireError> {
        // samod also accepts the older key `metadata`.
        let Some(v) = self.take("peerMetadata").or_else(|| self.take("metadata")) else {
            return Ok(None);
        };
        let mut f = Fields {
            message_type: self.message_type,
            entries: map_entries(v).map_err(|_| WireError::WrongFieldType {
                field: "peerMetadata",
                expected: "a map",
                found: "something else",
            })?,
        };
        let is_ephemeral = match f.take("isEphemeral") {
            None => None,
            Some(Value::Bool(b)) => Some(b),
            Some(other) => return Err(wrong("isEphemeral", "a bool", &other)),
        };
        Ok(Some(PeerMetadata {
            storage_id: f.opt_string("storageId")?,
            is_ephemeral,
            folio: f.take("folio").map(|v| as_uint("folio", v)).transpose()?,
        }))
    }
}

fn wrong(field: &'static str, expected: &'static str, found: &Value) -> WireError {
    WireError::WrongFieldType {
        field,
        expected,
        found: kind(found),
    }
}

fn as_string(field: &'static str, v: Value) -> Result<String, WireError> {
    match v {
        Value::Text(s) => Ok(s),
        other => Err(wrong(field, "text", &other)),
    }
}

fn as_bytes(field: &'static str, v: Value) -> Result<Vec<u8>, WireError> {
    match v {
        Value::Bytes(b) => Ok(b),
        // cbor-x's default (tagUint8Array: true) wraps typed arrays in tag 64.
        Value::Tag(64, inner) => match *inner {
            Value::Bytes(b) => Ok(b),
            other => Err(wrong(field, "a byte string", &other)),
        },
        other => Err(wrong(field, "a byte string", &other)),
    }
}

fn as_uint(field: &'static str, v: Value) -> Result<u64, WireError> {
    match v {
        Value::Integer(i) => u64::try_from(i).map_err(|_| WireError::WrongFieldType {
            field,
            expected: "a non-negative integer",
            found: "negative or huge integer",
        }),
        // cbor-x writes some integral numbers as floats.
        Value::Float(f) if f >= 0.0 && f.fract() == 0.0 && f <= 9_007_199_254_740_991.0 => {
            Ok(f as u64)
        }
        other => Err(wrong(field, "a non-negative integer", &other)),
    }
}

fn as_strings(field: &'static str, v: Value) -> Result<Vec<String>, WireError> {
    match v {
        Value::Array(items) => items.into_iter().map(|i| as_string(field, i)).collect(),
        other => Err(wrong(field, "an array of text", &other)),
    }
}

fn parse_hash(s: &str) -> Result<ChangeHash, WireError> {
    s.parse()
        .map_err(|_| WireError::InvalidChangeHash { hash: truncate(s) })
}

const KNOWN_TYPES: [&str; 12] = [
    "join",
    "peer",
    "leave",
    "error",
    "request",
    "sync",
    "doc-unavailable",
    "ephemeral",
    "remote-subscription-change",
    "remote-heads-changed",
    "folio-policy",
    "folio-rejected",
];

pub(super) fn from_value(value: Value) -> Result<Message, WireError> {
    let mut entries = map_entries(value)?;
    let type_value = entries.remove("type").ok_or(WireError::MissingType)?;
    let type_string = as_string("type", type_value)?;
    let message_type = KNOWN_TYPES
        .iter()
        .copied()
        .find(|t| *t == type_string)
        .ok_or_else(|| WireError::UnknownType {
            message_type: truncate(&type_string),
        })?;
    let mut f = Fields {
        message_type,
        entries,
    };
    let sync = |f: &mut Fields| -> Result<SyncMessage, WireError> {
        Ok(SyncMessage {
            sender_id: f.peer("senderId")?,
            target_id: f.peer("targetId")?,
            document_id: f.document_id()?,
            data: f.bytes("data")?,
        })
    };
    Ok(match message_type {
        "join" => Message::Join(Join {
            sender_id: f.peer("senderId")?,
            peer_metadata: f.metadata()?,
            supported_protocol_versions: f.opt_strings("supportedProtocolVersions")?,
        }),
        "peer" => Message::Peer(Peer {
            sender_id: f.peer("senderId")?,
            peer_metadata: f.metadata()?,
            selected_protocol_version: f.string("selectedProtocolVersion")?,
            target_id: f.peer("targetId")?,
        }),
        "leave" => Message::Leave(Leave {
            sender_id: f.peer("senderId")?,
        }),
        "error" => Message::Error(ErrorMessage {
            sender_id: f.opt_peer("senderId")?,
            message: f.string("message")?,
            target_id: f.opt_peer("targetId")?,
        }),
        "request" => Message::Request(sync(&mut f)?),
        "sync" => Message::Sync(sync(&mut f)?),
        "doc-unavailable" => Message::DocUnavailable(DocUnavailable {
            sender_id: f.peer("senderId")?,
            target_id: f.peer("targetId")?,
            document_id: f.document_id()?,
        }),
        "ephemeral" => Message::Ephemeral(Ephemeral {
            sender_id: f.peer("senderId")?,
            target_id: f.peer("targetId")?,
            count: f.uint("count")?,
            session_id: f.string("sessionId")?,
            document_id: f.document_id()?,
            data: f.bytes("data")?,
        }),
        "remote-subscription-change" => {
            Message::RemoteSubscriptionChange(RemoteSubscriptionChange {
                sender_id: f.peer("senderId")?,
                target_id: f.peer("targetId")?,
                add: f.opt_strings("add")?,
                remove: f.opt_strings("remove")?,
            })
        }
        "remote-heads-changed" => Message::RemoteHeadsChanged(RemoteHeadsChanged {
            sender_id: f.peer("senderId")?,
            target_id: f.peer("targetId")?,
            document_id: f.document_id()?,
            new_heads: new_heads(f.required("newHeads")?)?,
        }),
        "folio-policy" => Message::Policy(Policy {
            sender_id: f.peer("senderId")?,
            target_id: f.peer("targetId")?,
            revision: f.uint("revision")?,
            snapshot: f.bytes("snapshot")?,
        }),
        "folio-rejected" => Message::Rejected(Rejected {
            sender_id: f.peer("senderId")?,
            target_id: f.peer("targetId")?,
            document_id: f.document_id()?,
            change_hashes: f.hashes("changeHashes")?,
            reasons: reasons(f.required("reasons")?)?,
            server_heads: f.hashes("serverHeads")?,
            refused: f.opt_bytes("refused")?,
        }),
        _ => unreachable!("every entry of KNOWN_TYPES is matched"),
    })
}

fn new_heads(v: Value) -> Result<BTreeMap<String, RemoteHeads>, WireError> {
    let outer = map_entries(v).map_err(|_| WireError::WrongFieldType {
        field: "newHeads",
        expected: "a map of storage id to heads",
        found: "something else",
    })?;
    outer
        .into_iter()
        .map(|(storage_id, inner)| {
            let mut f = Fields {
                message_type: "remote-heads-changed",
                entries: map_entries(inner)?,
            };
            let heads = as_strings("heads", f.required("heads")?)?;
            let timestamp = f.uint("timestamp")?;
            Ok((storage_id, RemoteHeads { heads, timestamp }))
        })
        .collect()
}

fn reasons(v: Value) -> Result<Vec<RejectionReason>, WireError> {
    let Value::Array(items) = v else {
        return Err(wrong("reasons", "an array of maps", &v));
    };
    items
        .into_iter()
        .map(|item| {
            let mut f = Fields {
                message_type: "folio-rejected",
                entries: map_entries(item)?,
            };
            Ok(RejectionReason {
                hash: f
                    .opt_string("hash")?
                    .as_deref()
                    .map(parse_hash)
                    .transpose()?,
                reason: f.string("reason")?,
            })
        })
        .collect()
}
