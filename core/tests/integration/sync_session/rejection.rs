//! Edits the server refuses: handed back, and the client recovering.

use super::world::{Guard, connected_world, splice};
use super::*;

#[test]
fn a_refused_edit_is_dropped_handed_back_and_the_client_recovers() {
    let mut w = connected_world(Guard::RefuseForbiddenKey, &["alice", "bob"]);
    w.edit("alice", |d| splice(d, 0, "kept "));
    w.pump();
    w.edit("alice", |d| {
        d.put(ROOT, "forbidden", "secret note").unwrap();
        splice(d, 0, "typed after ");
    });
    w.pump();

    assert_eq!(w.hub.rejections, 1);
    // The server and bob never saw it.
    assert!(w.hub.doc.get(ROOT, "forbidden").unwrap().is_none());
    assert!(
        w.client("bob")
            .doc(&doc_id())
            .unwrap()
            .get(ROOT, "forbidden")
            .unwrap()
            .is_none()
    );
    // Alice's document is back at the server's state...
    assert!(
        w.client("alice")
            .doc(&doc_id())
            .unwrap()
            .get(ROOT, "forbidden")
            .unwrap()
            .is_none()
    );
    assert_eq!(w.text("alice"), "kept ");
    assert_eq!(w.heads("alice"), w.hub.doc.get_heads());
    // ...and what she typed is handed back, with the reason.
    let events = w.events.remove("alice").unwrap();
    let edits = events
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Rejected { edits, .. } => Some(edits),
            _ => None,
        })
        .expect("a Rejected event");
    assert_eq!(edits.hashes.len(), 1);
    assert_eq!(edits.changes.len(), 1);
    assert_eq!(edits.reasons[0].reason, "you may not set `forbidden`");
    let previous = edits.previous.expect("the old document");
    assert_eq!(
        previous.get(ROOT, "forbidden").unwrap().unwrap().0.as_str(),
        Some("secret note")
    );
    let change = automerge::Change::from_bytes(edits.changes[0].clone()).unwrap();
    assert_eq!(change.hash(), edits.hashes[0]);

    // Editing goes on normally afterwards, under a new actor.
    w.edit("alice", |d| splice(d, 0, "again "));
    w.pump();
    assert_eq!(w.server_text(), "again kept ");
    assert_eq!(w.text("bob"), "again kept ");
    assert_eq!(w.hub.rejections, 1);
}

#[test]
fn recovery_keeps_unjudged_earlier_edits_and_refuses_only_the_branch() {
    let mut w = connected_world(Guard::AcceptAll, &["alice"]);
    let server_heads = w.hub.doc.get_heads();
    let repo = w.client("alice");
    let doc = repo.doc_mut(&doc_id()).unwrap();
    splice(doc, 0, "fine ");
    let fine = doc.get_heads()[0];
    doc.put(ROOT, "forbidden", 1).unwrap();
    let bad = doc.get_heads()[0];
    doc.put(ROOT, "after", 2).unwrap();
    let after = doc.get_heads()[0];

    let out = repo
        .receive(Message::Rejected(Rejected {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            document_id: doc_id(),
            change_hashes: vec![bad],
            reasons: vec![],
            server_heads,
            refused: None,
        }))
        .unwrap();
    let Some(ClientEvent::Rejected { edits, .. }) = out.events.into_iter().next() else {
        panic!("expected Rejected");
    };
    assert_eq!(
        edits.hashes,
        vec![bad, after],
        "the refused change and its dependent"
    );
    let doc = repo.doc_mut(&doc_id()).unwrap();
    assert_eq!(doc.get_heads(), vec![fine], "the earlier edit stays");
    assert!(doc.get(ROOT, "forbidden").unwrap().is_none());
    assert_ne!(doc.get_actor(), &ActorId::from(b"alice".to_vec()));
    // A fresh sync message goes out at once.
    assert!(matches!(out.send.as_slice(), [Message::Sync(_)]));
}

#[test]
fn a_stale_rejection_refuses_nothing_and_only_restarts_the_exchange() {
    let mut w = connected_world(Guard::AcceptAll, &["alice"]);
    let heads = w.heads("alice");
    let out = w
        .client("alice")
        .receive(Message::Rejected(Rejected {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            document_id: doc_id(),
            change_hashes: vec![automerge::ChangeHash([7; 32])],
            reasons: vec![],
            server_heads: heads.clone(),
            refused: None,
        }))
        .unwrap();
    let Some(ClientEvent::Rejected { edits, .. }) = out.events.into_iter().next() else {
        panic!("expected Rejected");
    };
    assert!(edits.hashes.is_empty() && edits.previous.is_none());
    assert_eq!(w.heads("alice"), heads);
}
