//! The typed sync client (what the browser runs through folio-wasm) against
//! the guarded native peer the wasm tests use, natively and in memory.

use folio_core::doc::{DocView, Edit};
use folio_core::guard::principal_key;
use folio_core::sync::{Limits, TypedClient, TypedEvent, encode};
use folio_tests::native_peer::{NativePeer, client_principal, page_document};

/// Pass frames both ways until neither side has anything to say.
fn pump(client: &mut TypedClient, server: &mut NativePeer, mut to_server: Vec<Vec<u8>>) -> Vec<TypedEvent> {
    let mut events = Vec::new();
    for _ in 0..50 {
        if to_server.is_empty() {
            return events;
        }
        let mut to_client = Vec::new();
        for f in to_server.drain(..) {
            to_client.extend(server.receive(&f));
        }
        for f in to_client {
            let out = client.receive_frame(&f, Limits::default().max_message_bytes).unwrap();
            to_server.extend(out.send.iter().map(encode));
            events.extend(out.events);
        }
    }
    panic!("the session did not settle");
}

fn page_text(view: &DocView, node: &str) -> String {
    let DocView::Page(p) = view else { panic!("a page") };
    let n = p.children.iter().find(|n| n.id == node).unwrap();
    match &n.content {
        folio_core::doc::NodeContent::Section { text } => text.plain(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_typed_client_converges_with_the_guarded_peer_and_gets_refused_edits_back() {
    let mut server = NativePeer::new();
    let mut client = TypedClient::new("browser".into(), &principal_key(&client_principal()), [7; 16]);
    let doc = page_document();
    let mut first = vec![encode(&client.join())];
    first.extend(client.find(doc).iter().map(encode));
    let events = pump(&mut client, &mut server, first);
    assert!(events.iter().any(|e| matches!(e, TypedEvent::Policy { .. })), "{events:?}");
    assert!(events.iter().any(|e| matches!(e, TypedEvent::Loaded { .. })), "{events:?}");
    assert_eq!(client.read(&doc).unwrap(), server.read());

    // Rita may write in `s`: accepted, and the server has it.
    let edited = client.edit(&doc, &Edit::SpliceText { node: "s".into(), index: 4, delete: 0, insert: " and more".into() }).unwrap();
    assert!(!edited.patches.is_empty());
    pump(&mut client, &mut server, edited.send.iter().map(encode).collect());
    assert_eq!(page_text(&server.read(), "s"), "in s and more");

    // Olga edits natively; Rita sees the patch.
    let frames = server.edit(&Edit::Rename { node: "t".into(), title: "Olga's T".into() }).unwrap();
    let mut events = Vec::new();
    let mut back = Vec::new();
    for f in frames {
        let out = client.receive_frame(&f, usize::MAX).unwrap();
        back.extend(out.send.iter().map(encode));
        events.extend(out.events);
    }
    pump(&mut client, &mut server, back);
    assert!(events.iter().any(|e| matches!(e, TypedEvent::Changed { patches, .. } if !patches.is_empty())), "{events:?}");
    assert_eq!(client.read(&doc).unwrap(), server.read());

    // Rita may only read `t`: refused, reset, and handed back intact.
    let edited = client.edit(&doc, &Edit::SpliceText { node: "t".into(), index: 0, delete: 0, insert: "Rita was here. ".into() }).unwrap();
    let events = pump(&mut client, &mut server, edited.send.iter().map(encode).collect());
    let refusal = events
        .iter()
        .find_map(|e| match e {
            TypedEvent::Rejected(r) => Some(r),
            _ => None,
        })
        .expect("a rejection");
    assert_eq!(server.refused, 1);
    assert!(refusal.reasons.iter().any(|r| r.reason.contains('t')), "{:?}", refusal.reasons);
    assert_eq!(refusal.text.len(), 1);
    assert_eq!(refusal.text[0].text, "Rita was here. ");
    assert_eq!(refusal.text[0].node.as_deref(), Some("t"));
    assert_eq!(
        refusal.patches,
        vec![folio_core::doc::DocPatch::TextSpliced { node: "t".into(), index: 0, text: "Rita was here. ".into() }]
    );
    assert_eq!(page_text(refusal.previous.as_ref().unwrap(), "t"), "Rita was here. in t");
    assert_eq!(client.read(&doc).unwrap(), server.read());

    // The client keeps working under a fresh actor after the reset.
    let edited = client.edit(&doc, &Edit::SpliceText { node: "s".into(), index: 0, delete: 0, insert: "> ".into() }).unwrap();
    pump(&mut client, &mut server, edited.send.iter().map(encode).collect());
    assert_eq!(server.refused, 1);
    assert_eq!(page_text(&server.read(), "s"), "> in s and more");
    assert_eq!(client.read(&doc).unwrap(), server.read());
}
