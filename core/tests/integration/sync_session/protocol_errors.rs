//! Misbehaving or malformed frames: which get an error and which close the connection.

use super::*;

#[test]
fn sync_before_join_closes_the_connection() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    assert!(matches!(
        &effects[1],
        ServerEffect::Close {
            error: SyncError::NotJoined {
                message_type: "sync"
            }
        }
    ));
}

#[test]
fn a_spoofed_sender_or_a_wrong_target_closes_the_connection() {
    for frame in [
        sync_frame("mallory", SERVER),
        sync_frame("alice", "someone-else"),
    ] {
        let mut p = server_peer(Limits::default());
        p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
        let effects = p.receive(&frame, Timestamp(0));
        assert!(
            matches!(
                &effects[..],
                [
                    ServerEffect::Send(Message::Error(_)),
                    ServerEffect::Close { .. }
                ]
            ),
            "{effects:?}"
        );
    }
}

#[test]
fn an_unknown_message_type_gets_an_error_but_keeps_the_connection() {
    let mut p = server_peer(Limits::default());
    p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    let mut frame = Vec::new();
    let value = ciborium::Value::Map(vec![(
        ciborium::Value::Text("type".into()),
        ciborium::Value::Text("future-thing".into()),
    )]);
    ciborium::ser::into_writer(&value, &mut frame).unwrap();
    let effects = p.receive(&frame, Timestamp(0));
    let [ServerEffect::Send(Message::Error(e))] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(e.message, "unknown message type `future-thing`");
    assert!(!p.is_closed());
    assert!(matches!(
        &p.receive(&sync_frame("alice", SERVER), Timestamp(0))[..],
        [ServerEffect::DeliverToDoc { .. }]
    ));
}

#[test]
fn malformed_and_oversized_frames_close_the_connection() {
    let limits = Limits {
        max_message_bytes: 128,
        ..Limits::default()
    };
    for frame in [vec![0xff, 0xff, 0xff], vec![0x5a; 129]] {
        let mut p = server_peer(limits);
        p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
        let effects = p.receive(&frame, Timestamp(0));
        assert!(
            matches!(
                &effects[1],
                ServerEffect::Close {
                    error: SyncError::Wire(_)
                }
            ),
            "{effects:?}"
        );
    }
}

#[test]
fn garbage_inside_a_sync_message_is_an_error_for_the_client() {
    let mut repo = ClientRepo::new(PeerId::from("alice"), ActorId::from(b"alice".to_vec()));
    let err = repo
        .receive(Message::Sync(SyncMessage {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            document_id: doc_id(),
            data: vec![1, 2, 3],
        }))
        .unwrap_err();
    assert!(matches!(err, SyncError::InvalidSyncMessage { .. }), "{err}");
    assert!(IncomingSync::decode(doc_id(), &[1, 2, 3]).is_err());
}
