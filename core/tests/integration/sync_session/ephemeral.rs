//! Ephemeral messages: relayed once, and only for documents being served.

use super::world::{Guard, World, connected_world};
use super::*;

#[test]
fn ephemeral_messages_reach_other_readers_once() {
    let mut w = connected_world(Guard::AcceptAll, &["alice", "bob"]);
    let m = w.client("alice").ephemeral(doc_id(), vec![0xa0]).unwrap();
    w.send_to_server("alice", vec![m.clone()]);
    w.pump();
    // The same message again (same session and count) is dropped by bob.
    w.send_to_server("alice", vec![m]);
    w.pump();
    let count = |w: &World, name: &str| {
        w.events.get(name).map_or(0, |es| {
            es.iter()
                .filter(|e| matches!(e, ClientEvent::Ephemeral { .. }))
                .count()
        })
    };
    assert_eq!(count(&w, "bob"), 1);
    assert_eq!(count(&w, "alice"), 0);
}

#[test]
fn ephemeral_messages_flow_only_for_documents_the_server_is_serving() {
    let mut p = server_peer(Limits::default());
    p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    let ephemeral = Ephemeral {
        sender_id: PeerId::from("alice"),
        target_id: PeerId::from(SERVER),
        count: 1,
        session_id: "s".into(),
        document_id: doc_id(),
        data: vec![0xa0],
    };
    let frame = encode(&Message::Ephemeral(ephemeral.clone()));
    // Asking for a document is not enough...
    p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    assert!(p.receive(&frame, Timestamp(0)).is_empty());
    // ...the server must have served it.
    assert!(p.sync(doc_id(), vec![0x42]).is_some());
    assert!(matches!(
        &p.receive(&frame, Timestamp(0))[..],
        [ServerEffect::Ephemeral { .. }]
    ));
    // And once unavailable, nothing flows either way.
    assert!(p.doc_unavailable(doc_id()).is_some());
    assert!(p.receive(&frame, Timestamp(0)).is_empty());
    let from_bob = Ephemeral {
        sender_id: PeerId::from("bob"),
        ..ephemeral
    };
    assert_eq!(p.relay_ephemeral(&from_bob), None);
}
