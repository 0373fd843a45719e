//! Changes as a whole: dependencies, chunks, actor ids and the verdict sent back.

use super::*;
use folio_core::guard::guard_chunk;

#[test]
fn a_change_that_depends_on_a_rejected_change_is_rejected() {
    let (mut server, engine) = (server_page(), engine());
    let rita = user("rita");
    let (mut c, h) = client(&server, &rita, 1);
    c.splice_text("t", 0, 0, "forbidden ").unwrap();
    c.splice_text("s", 0, 0, "allowed on its own ").unwrap();
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden, ReasonKind::DependsOnRejected]);
    let dependent = v.rejected()[1];
    assert!(v.reasons(&dependent)[0].message.contains("builds on change"));
    assert_eq!(v.refused_text(&dependent)[0].text, "allowed on its own ");
    assert_eq!(v.refused_text(&dependent)[0].node.as_deref(), Some("s"));
    assert_eq!(text_of(&server, "s"), "in s");
}

#[test]
fn a_valid_change_bundled_with_an_invalid_one_keeps_only_the_valid_one() {
    let (mut server, engine) = (server_page(), engine());
    let rita = user("rita");
    // Two sessions of rita edit concurrently; one bad change sits in the middle of one chain.
    let (mut a, h) = client(&server, &rita, 1);
    let (mut b, _) = client(&server, &rita, 2);
    a.splice_text("s", 0, 0, "A1 ").unwrap();
    a.splice_text("t", 0, 0, "BAD ").unwrap();
    a.splice_text("s", 0, 0, "A3 ").unwrap();
    b.splice_text("s", 4, 0, " B1").unwrap();
    let mut changes = a.changes_since(&h);
    changes.extend(b.changes_since(&h));
    changes.reverse(); // arrival order must not matter
    let v = guard(&mut server, changes, Sender { principal: &rita, profile: None }, &engine, NOW);
    assert_eq!(v.accepted().len(), 2, "{v:#?}");
    assert_eq!(v.rejected().len(), 2);
    assert_eq!(text_of(&server, "s"), "A1 in s B1");
    assert_eq!(text_of(&server, "t"), "in t");
    PageDoc::from_automerge(server).unwrap().validate().unwrap();
}

#[test]
fn a_whole_document_chunk_that_smuggles_a_forbidden_edit_is_caught() {
    let (mut server, engine) = (server_page(), engine());
    let rita = user("rita");
    let (mut c, _) = client(&server, &rita, 1);
    c.splice_text("s", 0, 0, "ok ").unwrap();
    c.splice_text("t", 0, 0, "smuggled ").unwrap();
    let whole = c.save(); // the whole document, as a V2 sync message carries it
    let v = guard_chunk(&mut server, &whole, Sender { principal: &rita, profile: None }, &engine, NOW).unwrap();
    assert_eq!(v.changes.len(), 2, "already-known changes are skipped: {v:#?}");
    assert_eq!(v.accepted().len(), 1);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
    assert_eq!(text_of(&server, "t"), "in t");
    assert_eq!(text_of(&server, "s"), "ok in s");
    assert!(guard_chunk(&mut server, b"not automerge", Sender { principal: &rita, profile: None }, &engine, NOW).is_err());
}

#[test]
fn a_forged_actor_id_reusing_the_owners_actor_is_refused() {
    let (mut server, engine) = (server_page(), engine());
    let carl = user("carl");
    let owner_actor = actor::actor_for("user:olga", [0; 16]);
    let mut forged = PageDoc::load(&server.save(), owner_actor).unwrap();
    let h = forged.heads();
    forged.splice_text("t", 0, 0, "I am Olga ").unwrap();
    let v = send(&mut server, &engine, &forged, &h, &carl, NOW);
    assert_eq!(kinds(&v), [ReasonKind::ForeignActor]);
    assert_eq!(v.refused_text(&v.rejected()[0])[0].text, "I am Olga ");
    // A random (unbound) actor is refused the same way.
    let mut random = PageDoc::load(&server.save(), automerge::ActorId::from(vec![7u8; 16])).unwrap();
    let h = random.heads();
    random.splice_text("t", 0, 0, "x").unwrap();
    assert_eq!(kinds(&send(&mut server, &engine, &random, &h, &carl, NOW)), [ReasonKind::ForeignActor]);
}

#[test]
fn a_change_whose_dependencies_the_server_lacks_is_refused() {
    let (mut server, engine) = (server_page(), engine());
    let olga = user("olga");
    let (mut c, h) = client(&server, &olga, 1);
    c.splice_text("s", 0, 0, "1").unwrap();
    c.splice_text("s", 0, 0, "2").unwrap();
    let changes = c.changes_since(&h);
    let v = send_changes(&mut server, &engine, vec![changes[1].clone()], &olga);
    assert_eq!(kinds(&v), [ReasonKind::MissingDependency]);
}

fn send_changes(server: &mut Automerge, engine: &Engine, changes: Vec<automerge::Change>, who: &Principal) -> Verdict {
    let profile = profile(who);
    guard(server, changes, Sender { principal: who, profile: profile.as_ref() }, engine, NOW)
}

#[test]
fn a_verdict_serialises_for_the_client() {
    let (mut server, engine) = (server_page(), engine());
    let carl = user("carl");
    let (mut c, h) = client(&server, &carl, 1);
    c.splice_text("s", 0, 0, "x").unwrap();
    let v = send(&mut server, &engine, &c, &h, &carl, NOW);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["changes"][0]["outcome"], "rejected");
    assert_eq!(json["changes"][0]["reasons"][0]["kind"], "forbidden");
    assert_eq!(json["changes"][0]["refused_text"][0]["text"], "x");
    assert_eq!(json["heads"].as_array().unwrap().len(), server.get_heads().len());
}
