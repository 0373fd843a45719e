//! Ids naming nodes elsewhere in the portfolio cannot be taken over.

use super::*;
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use folio_core::doc::DocumentId;

/// `engine()` plus a second collection `c2` (where Bob may write) holding
/// page `q`, and a second page `pg2` in `c1` with section `u`.
fn engine_with_two_collections() -> Engine {
    let mut e = engine();
    e.add_node(Node::child("c2", NodeKind::Collection, "pf")).unwrap();
    e.add_node(Node::child("q", NodeKind::Page, "c2")).unwrap();
    e.add_node(Node::child("pg2", NodeKind::Page, "c1")).unwrap();
    e.add_node(Node::child("u", NodeKind::Section, "pg2")).unwrap();
    e.add_grant(Grant::new(20, "c2", Subject::user("bob"), Level::Write)).unwrap();
    e
}

fn collection_c2(engine: &Engine) -> Automerge {
    use folio_core::doc::CollectionDoc;
    let mut c = CollectionDoc::create(actor::actor_for("user:olga", [1; 16]), "c2", "pf").unwrap();
    c.add_page("q", "Q", DocumentId::from_bytes([5; 16]), None).unwrap();
    let mut server = Automerge::new();
    let olga = user("olga");
    let v = guard(&mut server, c.changes_since(&[]), Sender { principal: &olga, profile: None }, engine, NOW);
    assert!(v.all_accepted(), "{v:#?}");
    server
}

#[test]
fn a_writer_of_one_collection_cannot_list_a_page_of_another_collection_in_it() {
    use folio_core::doc::CollectionDoc;
    let engine = engine_with_two_collections();
    let mut server = collection_c2(&engine);
    let bob = user("bob");
    let sender = Sender { principal: &bob, profile: None };

    // The steal: page `pg` of `c1` listed in `c2`, where Bob has Write.
    let before = server.get_heads();
    let mut b = CollectionDoc::load(&server.save(), actor::actor_for("user:bob", [1; 16])).unwrap();
    let h = b.heads();
    b.add_page("pg", "Mine now", DocumentId::from_bytes([3; 16]), None).unwrap();
    let v = guard(&mut server, b.changes_since(&h), sender, &engine, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden], "{v:#?}");
    let reason = &v.reasons(&v.rejected()[0])[0];
    assert_eq!(reason.node.as_deref(), Some("pg"));
    assert!(reason.message.contains("`pg` already exists elsewhere in the portfolio"), "{reason}");
    assert_eq!(server.get_heads(), before, "nothing of it reached the document");

    // Nor the portfolio root or another collection.
    for id in ["pf", "c1", "u"] {
        let mut b = CollectionDoc::load(&server.save(), actor::actor_for("user:bob", [2; 16])).unwrap();
        let h = b.heads();
        b.add_page(id, "X", DocumentId::from_bytes([6; 16]), None).unwrap();
        let v = guard(&mut server, b.changes_since(&h), sender, &engine, NOW);
        assert_eq!(kinds(&v), [ReasonKind::Forbidden], "{id}: {v:#?}");
    }

    // A new page is fine.
    let mut b = CollectionDoc::load(&server.save(), actor::actor_for("user:bob", [3; 16])).unwrap();
    let h = b.heads();
    b.add_page("fresh", "New", DocumentId::from_bytes([7; 16]), None).unwrap();
    assert!(guard(&mut server, b.changes_since(&h), sender, &engine, NOW).all_accepted());
}

#[test]
fn an_entry_the_engine_already_places_here_may_be_listed_and_replaced() {
    use folio_core::doc::CollectionDoc;
    let mut engine = engine_with_two_collections();
    // The server moved `pg` into `c2` (the engine's tree says so) and now
    // lists it there: allowed with CreateChild on `c2`, like any new page.
    engine.move_node(&"pg".into(), &"c2".into()).unwrap();
    let mut server = collection_c2(&engine);
    let bob = user("bob");
    let mut b = CollectionDoc::load(&server.save(), actor::actor_for("user:bob", [1; 16])).unwrap();
    let h = b.heads();
    b.add_page("pg", "Page", DocumentId::from_bytes([3; 16]), None).unwrap();
    let v = guard(&mut server, b.changes_since(&h), Sender { principal: &bob, profile: None }, &engine, NOW);
    assert!(v.all_accepted(), "{v:#?}");

    // Re-adding an entry of this very document (a replacement of its map)
    // is judged as delete + create, as before: the owner may.
    let olga = user("olga");
    let mut raw = server.fork().with_actor(actor::actor_for("user:olga", [2; 16]));
    let h = raw.get_heads();
    let (_, pages) = raw.get(ROOT, "pages").unwrap().unwrap();
    let (_, old) = raw.get(&pages, "q").unwrap().unwrap();
    let doc = raw.get(&old, "doc").unwrap().unwrap().0.into_string().unwrap();
    raw.transact(|tx| {
        let q = tx.put_object(&pages, "q", ObjType::Map)?;
        tx.put(&q, "title", "Q")?;
        tx.put(&q, "pos", 1.0)?;
        tx.put(&q, "doc", doc.as_str())
    })
    .unwrap();
    let changes = raw.get_changes(&h);
    let v = guard(&mut server, changes, Sender { principal: &olga, profile: None }, &engine, NOW);
    assert!(v.all_accepted(), "{v:#?}");
}

#[test]
fn a_page_cannot_take_a_section_of_another_page() {
    let engine = engine_with_two_collections();
    let mut server = server_page();
    let wendy = user("wendy");
    let (mut c, h) = client(&server, &wendy, 1);
    c.add_section("pg", "u", "Mine now", None).unwrap();
    let v = send(&mut server, &engine, &c, &h, &wendy, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden], "{v:#?}");
    assert!(v.reasons(&v.rejected()[0])[0].message.contains("`u` already exists elsewhere"), "{v:#?}");
    // Nor the page's own collection, nor another page, as a nested section.
    for id in ["c1", "pg2"] {
        let (mut c, h) = client(&server, &wendy, 2);
        c.add_section("s", id, "X", None).unwrap();
        let v = send(&mut server, &engine, &c, &h, &wendy, NOW);
        assert!(!v.rejected().is_empty(), "{id}: {v:#?}");
    }
    // Sections of this page, nested at any depth, stay within reach.
    let (mut c, h) = client(&server, &wendy, 3);
    c.add_section("s", "s-in", "In", None).unwrap();
    assert!(send(&mut server, &engine, &c, &h, &wendy, NOW).all_accepted());
}
