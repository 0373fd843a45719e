//! Messages → CBOR values, keys in automerge-repo's insertion order.

use automerge::ChangeHash;
use ciborium::Value;

use crate::sync::ids::{DocumentId, PeerId};
use crate::sync::message::*;

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn uint(n: u64) -> Value {
    Value::Integer(n.into())
}

fn hashes(hs: &[ChangeHash]) -> Value {
    Value::Array(hs.iter().map(|h| Value::Text(h.to_string())).collect())
}

fn strings(ss: &[String]) -> Value {
    Value::Array(ss.iter().map(|s| text(s)).collect())
}

struct MapBuilder(Vec<(Value, Value)>);

impl MapBuilder {
    fn new(message_type: &str) -> Self {
        MapBuilder(vec![(text("type"), text(message_type))])
    }
    fn put(mut self, key: &str, value: Value) -> Self {
        self.0.push((text(key), value));
        self
    }
    fn put_opt(self, key: &str, value: Option<Value>) -> Self {
        match value {
            Some(v) => self.put(key, v),
            None => self,
        }
    }
    fn peer(self, key: &str, id: &PeerId) -> Self {
        self.put(key, text(id.as_str()))
    }
    fn doc(self, id: &DocumentId) -> Self {
        self.put("documentId", Value::Text(id.to_string()))
    }
    fn build(self) -> Value {
        Value::Map(self.0)
    }
}

fn metadata_value(m: &PeerMetadata) -> Value {
    let mut entries = Vec::new();
    if let Some(s) = &m.storage_id {
        entries.push((text("storageId"), text(s)));
    }
    if let Some(e) = m.is_ephemeral {
        entries.push((text("isEphemeral"), Value::Bool(e)));
    }
    if let Some(v) = m.folio {
        entries.push((text("folio"), uint(v)));
    }
    Value::Map(entries)
}

pub(super) fn to_value(message: &Message) -> Value {
    let b = MapBuilder::new(message.type_name());
    match message {
        // WebSocketClientAdapter's joinMessage(): type, senderId, peerMetadata, supportedProtocolVersions
        Message::Join(m) => b
            .peer("senderId", &m.sender_id)
            .put_opt("peerMetadata", m.peer_metadata.as_ref().map(metadata_value))
            .put_opt(
                "supportedProtocolVersions",
                m.supported_protocol_versions.as_deref().map(strings),
            ),
        // WebSocketServerAdapter: type, senderId, peerMetadata, selectedProtocolVersion, targetId
        Message::Peer(m) => b
            .peer("senderId", &m.sender_id)
            .put_opt("peerMetadata", m.peer_metadata.as_ref().map(metadata_value))
            .put(
                "selectedProtocolVersion",
                text(&m.selected_protocol_version),
            )
            .peer("targetId", &m.target_id),
        Message::Leave(m) => b.peer("senderId", &m.sender_id),
        // WebSocketServerAdapter: type, senderId, message, targetId
        Message::Error(m) => b
            .put_opt("senderId", m.sender_id.as_ref().map(|p| text(p.as_str())))
            .put("message", text(&m.message))
            .put_opt("targetId", m.target_id.as_ref().map(|p| text(p.as_str()))),
        // DocSynchronizer + NetworkSubsystem.send (senderId appended last)
        Message::Request(m) => b
            .peer("targetId", &m.target_id)
            .doc(&m.document_id)
            .put("data", Value::Bytes(m.data.clone()))
            .peer("senderId", &m.sender_id),
        Message::Sync(m) => b
            .peer("targetId", &m.target_id)
            .put("data", Value::Bytes(m.data.clone()))
            .doc(&m.document_id)
            .peer("senderId", &m.sender_id),
        Message::DocUnavailable(m) => b
            .doc(&m.document_id)
            .peer("targetId", &m.target_id)
            .peer("senderId", &m.sender_id),
        Message::Ephemeral(m) => b
            .peer("targetId", &m.target_id)
            .doc(&m.document_id)
            .put("data", Value::Bytes(m.data.clone()))
            .put("count", uint(m.count))
            .put("sessionId", text(&m.session_id))
            .peer("senderId", &m.sender_id),
        Message::RemoteSubscriptionChange(m) => b
            .peer("targetId", &m.target_id)
            .put_opt("add", m.add.as_deref().map(strings))
            .put_opt("remove", m.remove.as_deref().map(strings))
            .peer("senderId", &m.sender_id),
        Message::RemoteHeadsChanged(m) => b
            .peer("targetId", &m.target_id)
            .doc(&m.document_id)
            .put(
                "newHeads",
                Value::Map(
                    m.new_heads
                        .iter()
                        .map(|(k, v)| {
                            let inner = Value::Map(vec![
                                (text("heads"), strings(&v.heads)),
                                (text("timestamp"), uint(v.timestamp)),
                            ]);
                            (text(k), inner)
                        })
                        .collect(),
                ),
            )
            .peer("senderId", &m.sender_id),
        Message::Policy(m) => b
            .peer("senderId", &m.sender_id)
            .peer("targetId", &m.target_id)
            .put("revision", uint(m.revision))
            .put("snapshot", Value::Bytes(m.snapshot.clone())),
        Message::Rejected(m) => b
            .peer("senderId", &m.sender_id)
            .peer("targetId", &m.target_id)
            .doc(&m.document_id)
            .put("changeHashes", hashes(&m.change_hashes))
            .put(
                "reasons",
                Value::Array(
                    m.reasons
                        .iter()
                        .map(|r| {
                            let mut e = Vec::new();
                            if let Some(h) = r.hash {
                                e.push((text("hash"), Value::Text(h.to_string())));
                            }
                            e.push((text("reason"), text(&r.reason)));
                            Value::Map(e)
                        })
                        .collect(),
                ),
            )
            .put("serverHeads", hashes(&m.server_heads))
            .put_opt("refused", m.refused.clone().map(Value::Bytes)),
    }
    .build()
}
