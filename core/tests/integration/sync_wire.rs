//! The wire format: golden frames, round trips, and bad input.

use std::collections::BTreeMap;
use std::path::PathBuf;

use automerge::ChangeHash;
use folio_core::sync::*;
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sync")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let hex: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn doc() -> DocumentId {
    DocumentId::from_bytes(std::array::from_fn(|i| i as u8))
}

fn alice() -> PeerId {
    PeerId::from("alice")
}

fn server() -> PeerId {
    PeerId::from("folio-server")
}

fn hash(byte: u8) -> ChangeHash {
    ChangeHash([byte; 32])
}

fn golden() -> Vec<(&'static str, Message)> {
    let folio_meta = Some(PeerMetadata {
        storage_id: None,
        is_ephemeral: Some(true),
        folio: Some(1),
    });
    let sync = SyncMessage {
        sender_id: alice(),
        target_id: server(),
        document_id: doc(),
        data: vec![1, 2, 3],
    };
    vec![
        (
            "join.cbor.hex",
            Message::Join(Join {
                sender_id: alice(),
                peer_metadata: folio_meta.clone(),
                supported_protocol_versions: Some(vec!["1".into()]),
            }),
        ),
        (
            "peer.cbor.hex",
            Message::Peer(Peer {
                sender_id: server(),
                peer_metadata: folio_meta,
                selected_protocol_version: "1".into(),
                target_id: alice(),
            }),
        ),
        ("sync.cbor.hex", Message::Sync(sync.clone())),
        ("request.cbor.hex", Message::Request(sync)),
        (
            "doc-unavailable.cbor.hex",
            Message::DocUnavailable(DocUnavailable {
                sender_id: server(),
                target_id: alice(),
                document_id: doc(),
            }),
        ),
        (
            "ephemeral.cbor.hex",
            Message::Ephemeral(Ephemeral {
                sender_id: alice(),
                target_id: server(),
                count: 7,
                session_id: "s1".into(),
                document_id: doc(),
                data: vec![0xa0],
            }),
        ),
        (
            "error.cbor.hex",
            Message::Error(ErrorMessage {
                sender_id: Some(server()),
                message: "unsupported protocol version".into(),
                target_id: Some(alice()),
            }),
        ),
        (
            "leave.cbor.hex",
            Message::Leave(Leave { sender_id: alice() }),
        ),
        (
            "folio-policy.cbor.hex",
            Message::Policy(Policy {
                sender_id: server(),
                target_id: alice(),
                revision: 42,
                snapshot: vec![0xde, 0xad, 0xbe, 0xef],
            }),
        ),
        (
            "folio-rejected.cbor.hex",
            Message::Rejected(Rejected {
                sender_id: server(),
                target_id: alice(),
                document_id: doc(),
                change_hashes: vec![hash(0x11)],
                reasons: vec![RejectionReason {
                    hash: Some(hash(0x11)),
                    reason: "you may only comment here".into(),
                }],
                server_heads: vec![hash(0x22)],
                refused: None,
            }),
        ),
    ]
}

#[test]
fn every_golden_frame_encodes_byte_for_byte_and_decodes_back() {
    for (file, message) in golden() {
        let bytes = fixture(file);
        assert_eq!(encode(&message), bytes, "encoding of {file}");
        assert_eq!(decode(&bytes).unwrap(), message, "decoding of {file}");
    }
}

#[test]
fn a_join_from_an_unmodified_automerge_repo_client_decodes() {
    let message = decode(&fixture("join-js.cbor.hex")).unwrap();
    assert_eq!(
        message,
        Message::Join(Join {
            sender_id: PeerId::from("peer-1234"),
            peer_metadata: Some(PeerMetadata {
                storage_id: None,
                is_ephemeral: Some(true),
                folio: None,
            }),
            supported_protocol_versions: Some(vec!["1".into()]),
        })
    );
    let Message::Join(join) = message else {
        unreachable!()
    };
    assert!(!join.peer_metadata.unwrap().speaks_folio());
}

#[test]
fn the_document_id_is_base58check_without_the_url_prefix() {
    assert_eq!(doc().to_string(), "1Bhh3pU9gLXZiNDL6PEa1Gs9fh");
    assert_eq!(doc().to_url(), "automerge:1Bhh3pU9gLXZiNDL6PEa1Gs9fh");
    assert_eq!(
        "automerge:1Bhh3pU9gLXZiNDL6PEa1Gs9fh"
            .parse::<DocumentId>()
            .unwrap(),
        doc()
    );
    // One character off breaks the checksum.
    let err = "1Bhh3pU9gLXZiNDL6PEa1Gs9fi"
        .parse::<DocumentId>()
        .unwrap_err();
    assert!(
        err.to_string().contains("`1Bhh3pU9gLXZiNDL6PEa1Gs9fi`"),
        "{err}"
    );
}

#[test]
fn remote_heads_and_subscription_messages_round_trip() {
    let mut new_heads = BTreeMap::new();
    new_heads.insert(
        "storage-1".to_string(),
        RemoteHeads {
            heads: vec!["abc".into()],
            timestamp: 1_700_000_000_000,
        },
    );
    for m in [
        Message::RemoteHeadsChanged(RemoteHeadsChanged {
            sender_id: alice(),
            target_id: server(),
            document_id: doc(),
            new_heads,
        }),
        Message::RemoteSubscriptionChange(RemoteSubscriptionChange {
            sender_id: alice(),
            target_id: server(),
            add: Some(vec!["storage-1".into()]),
            remove: None,
        }),
        Message::Rejected(Rejected {
            sender_id: server(),
            target_id: alice(),
            document_id: doc(),
            change_hashes: vec![],
            reasons: vec![RejectionReason {
                hash: None,
                reason: "whole message refused".into(),
            }],
            server_heads: vec![],
            refused: Some(vec![0x42, 0]),
        }),
    ] {
        assert_eq!(decode(&encode(&m)).unwrap(), m);
    }
}

fn cbor(value: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).unwrap();
    out
}

fn map(entries: Vec<(&str, ciborium::Value)>) -> ciborium::Value {
    ciborium::Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (ciborium::Value::Text(k.into()), v))
            .collect(),
    )
}

fn text(s: &str) -> ciborium::Value {
    ciborium::Value::Text(s.into())
}

#[test]
fn an_unknown_message_type_is_a_clear_error() {
    let bytes = cbor(&map(vec![
        ("type", text("teleport")),
        ("senderId", text("x")),
    ]));
    assert_eq!(
        decode(&bytes).unwrap_err(),
        WireError::UnknownType {
            message_type: "teleport".into()
        }
    );
    assert_eq!(
        decode(&bytes).unwrap_err().to_string(),
        "unknown message type `teleport`"
    );
}

#[test]
fn data_sent_as_an_array_instead_of_bytes_is_refused() {
    let bytes = cbor(&map(vec![
        ("type", text("sync")),
        ("targetId", text("s")),
        (
            "data",
            ciborium::Value::Array(vec![ciborium::Value::Integer(1.into())]),
        ),
        ("documentId", text(&doc().to_string())),
        ("senderId", text("a")),
    ]));
    let err = decode(&bytes).unwrap_err();
    assert!(
        matches!(err, WireError::WrongFieldType { field: "data", .. }),
        "{err}"
    );
}

#[test]
fn a_missing_field_names_the_message_and_the_field() {
    let bytes = cbor(&map(vec![("type", text("sync")), ("senderId", text("a"))]));
    assert_eq!(
        decode(&bytes).unwrap_err().to_string(),
        "`sync` message is missing the `targetId` field"
    );
}

#[test]
fn integral_floats_from_cbor_x_are_accepted_for_counters() {
    let bytes = cbor(&map(vec![
        ("type", text("ephemeral")),
        ("targetId", text("s")),
        ("documentId", text(&doc().to_string())),
        ("data", ciborium::Value::Bytes(vec![])),
        ("count", ciborium::Value::Float(3.0)),
        ("sessionId", text("x")),
        ("senderId", text("a")),
    ]));
    let Message::Ephemeral(e) = decode(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(e.count, 3);
}

#[test]
fn malformed_cbor_truncated_frames_and_trailing_bytes_are_errors() {
    assert_eq!(decode(&[]).unwrap_err(), WireError::Empty);
    assert!(matches!(
        decode(&[0xff, 0x00]).unwrap_err(),
        WireError::MalformedCbor { .. }
    ));
    let mut sync = fixture("sync.cbor.hex");
    let truncated = &sync[..sync.len() - 3];
    let err = decode(truncated).unwrap_err();
    assert!(err.to_string().starts_with("malformed CBOR"), "{err}");
    sync.push(0x00);
    assert_eq!(
        decode(&sync).unwrap_err(),
        WireError::TrailingBytes { extra: 1 }
    );
    assert!(matches!(
        decode(&[0x01]).unwrap_err(),
        WireError::NotAMap { found: "integer" }
    ));
}

#[test]
fn frames_above_the_limit_are_refused_before_decoding() {
    let bytes = fixture("sync.cbor.hex");
    assert_eq!(
        decode_with_limit(&bytes, 10).unwrap_err(),
        WireError::TooLarge {
            size: bytes.len(),
            max: 10
        }
    );
    assert!(decode_with_limit(&bytes, bytes.len()).is_ok());
}

#[test]
fn deeply_nested_cbor_is_an_error_not_a_stack_overflow() {
    let mut bytes = vec![0x81; 100_000];
    bytes.push(0x00);
    assert!(decode(&bytes).is_err());
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn flipping_any_byte_of_a_golden_frame_never_panics(idx in 0usize..200, byte in any::<u8>()) {
        let mut frame = fixture("folio-rejected.cbor.hex");
        let i = idx % frame.len();
        frame[i] = byte;
        let _ = decode(&frame);
    }

    #[test]
    fn sync_messages_round_trip(
        sender in "[a-z0-9-]{1,20}",
        data in proptest::collection::vec(any::<u8>(), 0..300),
        id in any::<[u8; 16]>(),
        request in any::<bool>(),
    ) {
        let m = SyncMessage {
            sender_id: PeerId::from(sender.as_str()),
            target_id: PeerId::from("srv"),
            document_id: DocumentId::from_bytes(id),
            data,
        };
        let m = if request { Message::Request(m) } else { Message::Sync(m) };
        prop_assert_eq!(decode(&encode(&m)).unwrap(), m);
    }
}
