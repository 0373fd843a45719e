//! Finding a document, and clients editing concurrently until all converge.

use super::world::{Guard, World, connected_world, splice};
use super::*;

#[test]
fn a_client_finds_a_document_with_request_and_receives_it() {
    let mut w = World::new(Guard::AcceptAll);
    w.add_client("alice", SyncMode::ReadWrite);
    w.pump();
    assert_eq!(w.client("alice").server(), Some(&PeerId::from(SERVER)));
    let out = w.client("alice").find(doc_id());
    assert!(matches!(out.as_slice(), [Message::Request(_)]), "{out:?}");
    w.send_to_server("alice", out);
    w.pump();
    assert_eq!(w.client("alice").status(&doc_id()), Some(DocStatus::Ready));
    let doc = w.client("alice").doc(&doc_id()).unwrap();
    assert_eq!(
        doc.get(ROOT, "title").unwrap().unwrap().0.as_str(),
        Some("Portfolio")
    );
    let events = &w.events["alice"];
    assert!(matches!(events[0], ClientEvent::Connected { .. }));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::DocChanged { .. }))
    );
}

#[test]
fn two_clients_editing_concurrently_converge_with_the_server() {
    let mut w = connected_world(Guard::AcceptAll, &["alice", "bob"]);
    // Both type before either hears from the other.
    w.edit("alice", |d| splice(d, 0, "Hello "));
    w.edit("bob", |d| splice(d, 0, "world"));
    w.edit("alice", |d| d.put(ROOT, "by_alice", 1).unwrap());
    w.edit("bob", |d| d.put(ROOT, "by_bob", 2).unwrap());
    w.pump();

    let alice = w.text("alice");
    let bob = w.text("bob");
    assert_eq!(alice, bob);
    assert_eq!(alice, w.server_text());
    assert_eq!(alice.len(), "Hello world".len());
    assert_eq!(w.heads("alice"), w.heads("bob"));
    assert_eq!(w.heads("alice"), w.hub.doc.get_heads());
    let bob_doc = w.client("bob").doc(&doc_id()).unwrap();
    assert!(bob_doc.get(ROOT, "by_alice").unwrap().is_some());
}

#[test]
fn many_rounds_of_interleaved_edits_converge() {
    let mut w = connected_world(Guard::AcceptAll, &["alice", "bob", "carol"]);
    for round in 0..20 {
        for (i, name) in ["alice", "bob", "carol"].iter().enumerate() {
            w.edit(name, |d| splice(d, 0, &format!("{round}{i}")));
        }
        if round % 3 == 0 {
            w.pump();
        }
    }
    w.pump();
    let server = w.server_text();
    for name in ["alice", "bob", "carol"] {
        assert_eq!(w.text(name), server, "{name}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Typing anywhere while frames cross in any order between connections:
    /// every client ends with the server's text. (Every debug build also
    /// checks each message built by the steady-state shortcut, on both
    /// sides, against automerge's full computation.)
    #[test]
    fn typing_while_frames_interleave_converges(
        steps in proptest::collection::vec((0..3usize, 0..5u8, 0..8usize), 1..80),
    ) {
        let names = ["alice", "bob", "carol"];
        let mut w = connected_world(Guard::AcceptAll, &names);
        for (who, action, n) in steps {
            match action {
                // Typing, synced at once or (1) only with a later edit or
                // at the end, as a client that gathers keystrokes does.
                0 | 1 => {
                    let key = char::from(b'a' + (n as u8) % 26).to_string();
                    let repo = w.client(names[who]);
                    let d = repo.doc_mut(&doc_id()).unwrap();
                    let (_, body) = d.get(ROOT, "body").unwrap().unwrap();
                    let at = d.length(&body);
                    d.splice_text(&body, n.min(at), 0, &key).unwrap();
                    d.commit();
                    if action == 0 {
                        let out = repo.sync(&doc_id());
                        w.send_to_server(names[who], out);
                    }
                }
                _ => {
                    for k in 0..n {
                        w.deliver_one(who + k);
                    }
                }
            }
        }
        for name in names {
            let out = w.client(name).sync(&doc_id());
            w.send_to_server(name, out);
        }
        w.pump();
        let server = w.server_text();
        for name in names {
            proptest::prop_assert_eq!(w.text(name), server.clone(), "{}", name);
            proptest::prop_assert_eq!(w.heads(name), w.hub.doc.get_heads());
        }
    }
}

#[test]
fn a_read_only_peer_receives_but_its_changes_never_reach_the_server() {
    let mut w = World::new(Guard::AcceptAll);
    w.add_client("alice", SyncMode::ReadWrite);
    w.add_client("reader", SyncMode::ReadOnly);
    w.pump();
    for name in ["alice", "reader"] {
        let out = w.client(name).find(doc_id());
        w.send_to_server(name, out);
    }
    w.pump();
    w.edit("reader", |d| splice(d, 0, "vandal "));
    w.edit("alice", |d| splice(d, 0, "owner "));
    w.pump();
    assert_eq!(w.server_text(), "owner ");
    assert!(w.text("reader").contains("owner "));
}

#[test]
fn an_unknown_document_is_unavailable() {
    let mut w = connected_world(Guard::AcceptAll, &["alice"]);
    let other = DocumentId::from_bytes([1; 16]);
    let out = w.client("alice").find(other);
    w.send_to_server("alice", out);
    w.pump();
    assert_eq!(
        w.client("alice").status(&other),
        Some(DocStatus::Unavailable)
    );
    assert!(
        w.events["alice"]
            .iter()
            .any(|e| matches!(e, ClientEvent::DocUnavailable { document } if *document == other))
    );
}
