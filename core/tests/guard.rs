//! The change guard: every incoming change is judged before it is accepted.
//!
//! The world: Olga owns portfolio `pf` › collection `c1` › page `pg` with
//! sections `s` and `t`. Everyone else edits through the typed API in their
//! own copy of the page and sends the resulting changes to the server's
//! authoritative copy through `guard`.

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use folio_core::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
use folio_core::doc::{Anchor, Author, DocumentId, FeedbackDoc, PageDoc, actor};
use folio_core::guard::{Outcome, ReasonKind, Sender, Verdict, guard, guard_chunk, principal_key};
use folio_core::time::Timestamp;
use proptest::prelude::*;

const NOW: Timestamp = Timestamp(500);

fn engine() -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("pf", "olga")).unwrap();
    e.add_node(Node::child("c1", NodeKind::Collection, "pf")).unwrap();
    e.add_node(Node::child("pg", NodeKind::Page, "c1")).unwrap();
    e.add_node(Node::child("s", NodeKind::Section, "pg")).unwrap();
    e.add_node(Node::child("t", NodeKind::Section, "pg")).unwrap();
    let grants = [
        Grant::new(1, "pg", Subject::user("carl"), Level::Comment),
        Grant::new(2, "s", Subject::user("rita"), Level::Write),
        Grant::new(3, "pg", Subject::user("wendy"), Level::Write),
        Grant::new(4, "pg", Subject::user("remy"), Level::Remove),
        Grant::new(5, "pg", Subject::role("external"), Level::Comment),
        Grant::new(6, "pg", Subject::Link { id: "ro".into() }, Level::Read),
        Grant::new(7, "pg", Subject::user("eva"), Level::Write).between(None, Some(Timestamp(1000))),
        Grant::new(8, "pg", Subject::user("tom"), Level::Comment),
        Grant::new(9, "pg", Subject::user("mia"), Level::Manage),
    ];
    for g in grants {
        e.add_grant(g).unwrap();
    }
    let mut hidden = Grant::new(10, "pg", Subject::user("hugo"), Level::Comment);
    hidden.hide_feedback = true;
    e.add_grant(hidden).unwrap();
    e
}

fn user(id: &str) -> Principal {
    match id {
        "xena" => Principal::user("xena").with_role("pf", "external").with_org("acme", None),
        other => Principal::user(other),
    }
}

fn link() -> Principal {
    Principal::Link { id: "ro".into() }
}

fn profile(p: &Principal) -> Option<Author> {
    let key = principal_key(p);
    let (name, role, org) = match key.as_str() {
        "user:xena" => ("Xena", Some("external"), Some("acme")),
        "user:tom" => ("Tom", Some("teacher"), None),
        "user:olga" => ("Olga", Some("owner"), None),
        "user:hugo" => ("Hugo", Some("peer"), None),
        "user:mia" => ("Mia", Some("teacher"), None),
        "user:carl" => ("Carl", Some("peer"), None),
        _ => return None,
    };
    Some(Author { principal: key, name: name.into(), role: role.map(Into::into), organisation: org.map(Into::into) })
}

/// The authoritative page, as the owner created it.
fn server_page() -> Automerge {
    let mut p = PageDoc::create(actor::actor_for("user:olga", [0; 16]), "pg", "c1").unwrap();
    p.add_section("pg", "s", "S", None).unwrap();
    p.add_section("pg", "t", "T", None).unwrap();
    p.splice_text("s", 0, 0, "in s").unwrap();
    p.splice_text("t", 0, 0, "in t").unwrap();
    p.into_automerge()
}

/// A client's copy of `server`, editing as `who`.
fn client(server: &Automerge, who: &Principal, session: u8) -> (PageDoc, Vec<ChangeHash>) {
    let doc = PageDoc::load(&server.clone().save(), actor::actor_for(&principal_key(who), [session; 16])).unwrap();
    let heads = doc.heads();
    (doc, heads)
}

fn send(server: &mut Automerge, engine: &Engine, from: &PageDoc, since: &[ChangeHash], who: &Principal, now: Timestamp) -> Verdict {
    let profile = profile(who);
    guard(server, from.changes_since(since), Sender { principal: who, profile: profile.as_ref() }, engine, now)
}

fn kinds(v: &Verdict) -> Vec<ReasonKind> {
    v.changes
        .iter()
        .flat_map(|c| match &c.outcome {
            Outcome::Rejected { reasons, .. } => reasons.iter().map(|r| r.kind).collect(),
            Outcome::Accepted { .. } => Vec::new(),
        })
        .collect()
}

fn text_of(server: &Automerge, node: &str) -> String {
    PageDoc::from_automerge(server.clone()).unwrap().text(node).unwrap()
}

// ------------------------------------------------------------------ pages

#[test]
fn the_owner_edits_freely() {
    let (mut server, engine) = (server_page(), engine());
    let olga = user("olga");
    let (mut c, h) = client(&server, &olga, 1);
    c.splice_text("t", 0, 0, "more ").unwrap();
    c.add_section("s", "s2", "Nested", None).unwrap();
    c.submit(NOW).unwrap();
    c.delete_node("t").unwrap();
    let v = send(&mut server, &engine, &c, &h, &olga, NOW);
    assert!(v.all_accepted(), "{v:#?}");
    assert_eq!(v.heads, server.get_heads());
    assert_eq!(PageDoc::from_automerge(server).unwrap().read(), c.read());
}

#[test]
fn block_styles_pass_the_guard_one_change_at_a_time() {
    // The browser sends each keystroke and each style change as it happens:
    // a paragraph split, then the new block made a heading (its marker
    // replaced, with `attrs/level`), then a list item, then a heading again.
    use folio_core::doc::BlockKind;
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (mut c, mut h) = client(&server, &wendy, 1);
    let step = |c: &mut PageDoc, h: &mut Vec<ChangeHash>, server: &mut Automerge| {
        let v = send(server, &engine, c, h, &wendy, NOW);
        assert!(v.all_accepted(), "{v:#?}");
        *h = c.heads();
    };
    c.set_block("s", 4, BlockKind::Paragraph).unwrap();
    step(&mut c, &mut h, &mut server);
    c.splice_text("s", 5, 0, "title").unwrap();
    step(&mut c, &mut h, &mut server);
    c.set_block("s", 4, BlockKind::Heading(2)).unwrap();
    step(&mut c, &mut h, &mut server);
    c.set_block("s", 4, BlockKind::UnorderedListItem).unwrap();
    step(&mut c, &mut h, &mut server);
    c.set_block("s", 4, BlockKind::Heading(3)).unwrap();
    step(&mut c, &mut h, &mut server);
    assert_eq!(PageDoc::from_automerge(server).unwrap().read(), c.read());
}

#[test]
fn a_commenter_cannot_edit_page_text() {
    let (mut server, engine) = (server_page(), engine());
    let before = server.get_heads();
    let carl = user("carl");
    let (mut c, h) = client(&server, &carl, 1);
    c.splice_text("s", 0, 0, "graffiti ").unwrap();
    let v = send(&mut server, &engine, &c, &h, &carl, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
    let reason = &v.reasons(&v.rejected()[0])[0];
    assert_eq!(reason.node.as_deref(), Some("s"));
    assert!(reason.message.contains("edit the text of `s`"), "{reason}");
    assert_eq!(server.get_heads(), before, "nothing of it reached the document");
    assert_eq!(v.refused_text(&v.rejected()[0])[0].text, "graffiti ");
}

#[test]
fn a_commenter_cannot_submit_the_page_or_add_sections() {
    let (mut server, engine) = (server_page(), engine());
    let carl = user("carl");
    let (mut c, h) = client(&server, &carl, 1);
    c.submit(NOW).unwrap();
    c.add_section("pg", "x", "X", None).unwrap();
    let v = send(&mut server, &engine, &c, &h, &carl, NOW);
    assert_eq!(v.rejected().len(), 2);
    assert!(v.accepted().is_empty());
}

#[test]
fn a_reviewer_with_write_on_section_s_edits_s_but_not_t() {
    let (mut server, engine) = (server_page(), engine());
    let rita = user("rita");
    let (mut c, h) = client(&server, &rita, 1);
    c.splice_text("s", 4, 0, ", reviewed").unwrap();
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert!(v.all_accepted(), "{v:#?}");

    let (mut c, h) = client(&server, &rita, 2);
    c.splice_text("t", 0, 0, "sneaky ").unwrap();
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
    assert_eq!(text_of(&server, "t"), "in t");
    assert_eq!(text_of(&server, "s"), "in s, reviewed");
}

#[test]
fn a_reviewer_may_create_inside_their_section_and_keep_editing_what_they_created() {
    let (mut server, engine) = (server_page(), engine());
    let rita = user("rita");
    let (mut c, h) = client(&server, &rita, 1);
    c.add_section("s", "s-new", "New", None).unwrap();
    c.splice_text("s-new", 0, 0, "fresh").unwrap(); // unknown to the engine: judged by `s`
    c.rename("s-new", "Newer").unwrap();
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert!(v.all_accepted(), "{v:#?}");

    let (mut c, h) = client(&server, &rita, 2);
    c.add_section("t", "t-new", "Nope", None).unwrap();
    c.move_node("s-new", "t", None).unwrap();
    c.move_node("s", "pg", Some(5)).unwrap(); // reordering the page needs Write on the page
    let v = send(&mut server, &engine, &c, &h, &rita, NOW);
    assert_eq!(v.rejected().len(), 3, "{v:#?}");
}

#[test]
fn a_write_grantee_cannot_delete_a_node_without_remove() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (mut c, h) = client(&server, &wendy, 1);
    c.add_section("pg", "w", "Wendy's", None).unwrap();
    let v = send(&mut server, &engine, &c, &h, &wendy, NOW);
    assert!(v.all_accepted(), "creating needs only Write: {v:#?}");

    let (mut c, h) = client(&server, &wendy, 2);
    c.delete_node("t").unwrap();
    let v = send(&mut server, &engine, &c, &h, &wendy, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
    assert!(v.reasons(&v.rejected()[0])[0].message.contains("remove access"), "{v:#?}");

    let remy = user("remy");
    let (mut c, h) = client(&server, &remy, 1);
    c.delete_node("t").unwrap();
    assert!(send(&mut server, &engine, &c, &h, &remy, NOW).all_accepted());
}

#[test]
fn a_read_only_link_cannot_send_any_change() {
    let (mut server, engine) = (server_page(), engine());
    let ro = link();
    let edits: [fn(&mut PageDoc); 4] = [
        |c| drop(c.splice_text("s", 0, 0, "x").unwrap()),
        |c| drop(c.rename("t", "Renamed").unwrap()),
        |c| drop(c.add_section("pg", "x", "X", None).unwrap()),
        |c| drop(c.submit(NOW).unwrap()),
    ];
    for (i, edit) in edits.iter().enumerate() {
        let (mut c, h) = client(&server, &ro, i as u8);
        edit(&mut c);
        let v = send(&mut server, &engine, &c, &h, &ro, NOW);
        assert!(v.accepted().is_empty() && v.rejected().len() == 1, "edit {i}: {v:#?}");
    }
}

#[test]
fn unknown_keys_are_refused() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (c, h) = client(&server, &wendy, 1);
    let mut raw = c.into_automerge();
    let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
    let s = raw.get(&nodes, "s").unwrap().unwrap().1;
    raw.transact(|tx| tx.put(&s, "script", "<script>")).unwrap();
    raw.transact(|tx| tx.put(ROOT, "extra", 1)).unwrap();
    let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
    assert_eq!(v.rejected().len(), 2, "{v:#?}");
    assert!(kinds(&v).contains(&ReasonKind::Schema));
    let msg = v.reasons(&v.rejected()[0])[0].message.clone();
    assert!(msg.contains("`nodes/s/script` is not a known field"), "{msg}");
}

#[test]
fn wrong_types_are_refused() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let mut all = Vec::new();
    let bad: [fn(&mut Automerge); 2] = [
        |raw| {
            let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
            let s = raw.get(&nodes, "s").unwrap().unwrap().1;
            raw.transact(|tx| tx.put(&s, "title", 42)).unwrap();
        },
        |raw| {
            let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
            let t = raw.get(&nodes, "t").unwrap().unwrap().1;
            raw.transact(|tx| tx.put(&t, "text", "plain string where text belongs")).unwrap();
        },
    ];
    for (i, edit) in bad.iter().enumerate() {
        let (c, h) = client(&server, &wendy, i as u8);
        let mut raw = c.into_automerge();
        edit(&mut raw);
        let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
        assert_eq!(kinds(&v), [ReasonKind::Schema], "{v:#?}");
        all.push(v.reasons(&v.rejected()[0])[0].message.clone());
    }
    assert!(all[0].contains("`nodes/s/title` should be a string, not an integer"), "{all:?}");
    assert!(all[1].contains("`nodes/t/text` should be text, not a string"), "{all:?}");
}

#[test]
fn a_javascript_link_and_an_unknown_mark_are_refused() {
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let (c, h) = client(&server, &wendy, 1);
    let mut raw = c.into_automerge();
    let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
    let s = raw.get(&nodes, "s").unwrap().unwrap().1;
    let text = raw.get(&s, "text").unwrap().unwrap().1;
    let js = automerge::marks::Mark::new("link".into(), r#"{"href":"javascript:alert(1)"}"#, 0, 2);
    raw.transact(|tx| tx.mark(&text, js, automerge::marks::ExpandMark::None)).unwrap();
    let blink = automerge::marks::Mark::new("blink".into(), true, 0, 2);
    raw.transact(|tx| tx.mark(&text, blink, automerge::marks::ExpandMark::None)).unwrap();
    let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
    assert_eq!(v.rejected().len(), 2, "{v:#?}");
}

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
fn an_edit_made_before_a_grant_expired_that_arrives_after_it_is_refused_with_its_text() {
    let (server, engine) = (server_page(), engine());
    let eva = user("eva");
    let (mut c, h) = client(&server, &eva, 1);
    c.splice_text("t", 4, 0, " written at t=900").unwrap(); // offline, while the grant held

    let mut on_time = server.clone();
    assert!(send(&mut on_time, &engine, &c, &h, &eva, Timestamp(900)).all_accepted());

    let mut late = server.clone();
    let v = send(&mut late, &engine, &c, &h, &eva, Timestamp(1500));
    assert_eq!(kinds(&v), [ReasonKind::Forbidden], "the policy at arrival decides");
    let refused = v.refused_text(&v.rejected()[0]);
    assert_eq!(refused[0].text, " written at t=900");
    assert_eq!(refused[0].node.as_deref(), Some("t"));
    assert_eq!(refused[0].field.as_deref(), Some("text"));
    assert_eq!(text_of(&late, "t"), "in t");
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

// ------------------------------------------------------------------ feedback

fn anchor() -> Anchor {
    Anchor { doc: DocumentId::from_bytes([9; 16]), node: "s".into() }
}

fn feedback(who: &Principal, author: Author, thread: &str, opener: &str) -> FeedbackDoc {
    FeedbackDoc::create(actor::actor_for(&principal_key(who), [1; 16]), thread, anchor(), opener, author).unwrap()
}

fn send_fb(server: &mut Automerge, engine: &Engine, fb: &FeedbackDoc, since: &[ChangeHash], who: &Principal) -> Verdict {
    let profile = profile(who);
    guard(server, fb.changes_since(since), Sender { principal: who, profile: profile.as_ref() }, engine, NOW)
}

#[test]
fn a_commenter_writes_their_own_feedback() {
    let engine = engine();
    let tom = user("tom");
    let mut fb = feedback(&tom, profile(&tom).unwrap(), "t1", "user:tom");
    fb.add_comment("e1", "Good start", NOW).unwrap();
    fb.evaluate("e2", folio_core::doc::Evaluation { criterion: "c".into(), level: "l".into(), note: None }, "ok", NOW).unwrap();
    fb.edit_entry("e1", "Very good start", NOW).unwrap();
    fb.delete_entry("e2", NOW).unwrap();
    fb.resolve(true, NOW).unwrap();
    let mut server = Automerge::new();
    let v = send_fb(&mut server, &engine, &fb, &[], &tom);
    assert!(v.all_accepted(), "{v:#?}");
}

#[test]
fn an_external_cannot_write_a_comment_under_another_author() {
    let engine = engine();
    let xena = user("xena");
    // Xena creates a document claiming Tom wrote it.
    let mut fake = feedback(&xena, profile(&user("tom")).unwrap(), "t1", "user:tom");
    fake.add_comment("e1", "Signed, Tom", NOW).unwrap();
    let mut server = Automerge::new();
    let v = send_fb(&mut server, &engine, &fake, &[], &xena);
    assert!(kinds(&v).contains(&ReasonKind::Authorship), "{v:#?}");
    assert!(v.accepted().is_empty());

    // …or writes into Tom's real document.
    let tom = user("tom");
    let mut real = feedback(&tom, profile(&tom).unwrap(), "t1", "user:tom");
    let mut server = Automerge::new();
    assert!(send_fb(&mut server, &engine, &real, &[], &tom).all_accepted());
    let mut xenas = FeedbackDoc::load(&real.save(), actor::actor_for("user:xena", [2; 16])).unwrap();
    let h = xenas.heads();
    xenas.add_comment("e9", "in Tom's name", NOW).unwrap();
    let v = send_fb(&mut server, &engine, &xenas, &h, &xena);
    assert_eq!(kinds(&v), [ReasonKind::Authorship], "{v:#?}");
}

#[test]
fn an_external_cannot_change_the_role_or_organisation_on_their_own_feedback() {
    let engine = engine();
    let xena = user("xena");
    let honest = profile(&xena).unwrap();
    // At creation: a promoted role is refused.
    let promoted = Author { role: Some("teacher".into()), ..honest.clone() };
    let mut server = Automerge::new();
    let v = send_fb(&mut server, &engine, &feedback(&xena, promoted, "t1", "user:xena"), &[], &xena);
    assert_eq!(kinds(&v), [ReasonKind::Authorship]);
    // After creation: the author map is fixed.
    let fb = feedback(&xena, honest, "t1", "user:xena");
    let mut server = Automerge::new();
    assert!(send_fb(&mut server, &engine, &fb, &[], &xena).all_accepted());
    let h = fb.heads();
    let mut raw = fb.into_automerge();
    let author = raw.get(ROOT, "author").unwrap().unwrap().1;
    raw.transact(|tx| tx.put(&author, "organisation", "uni")).unwrap();
    raw.transact(|tx| tx.put(&author, "role", "teacher")).unwrap();
    let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &xena, profile: profile(&xena).as_ref() }, &engine, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Authorship, ReasonKind::DependsOnRejected]);
}

#[test]
fn a_hide_feedback_visitor_cannot_write_into_someone_elses_thread() {
    let engine = engine();
    let hugo = user("hugo");
    let me = profile(&hugo).unwrap();
    // Tom's thread: Hugo cannot see it, so he cannot answer in it.
    let mut reply = feedback(&hugo, me.clone(), "tom-thread", "user:tom");
    reply.reply("r1", "e1", "I agree with Tom", NOW).unwrap();
    let mut server = Automerge::new();
    let v = send_fb(&mut server, &engine, &reply, &[], &hugo);
    assert!(kinds(&v).contains(&ReasonKind::Forbidden), "{v:#?}");
    assert!(v.accepted().is_empty());
    // The owner's thread and his own are fine.
    for opener in ["user:olga", "user:hugo"] {
        let mut fb = feedback(&hugo, me.clone(), "th", opener);
        fb.add_comment("c1", "hello", NOW).unwrap();
        let mut server = Automerge::new();
        assert!(send_fb(&mut server, &engine, &fb, &[], &hugo).all_accepted(), "{opener}");
    }
}

#[test]
fn only_a_manager_may_hide_an_entry_and_nothing_else() {
    let engine = engine();
    let tom = user("tom");
    let mut fb = feedback(&tom, profile(&tom).unwrap(), "t1", "user:tom");
    fb.add_comment("e1", "Rude remark", NOW).unwrap();
    let mut server = Automerge::new();
    assert!(send_fb(&mut server, &engine, &fb, &[], &tom).all_accepted());

    for (who, ok) in [("mia", true), ("carl", false)] {
        let p = user(who);
        let mut theirs = FeedbackDoc::load(&server.save(), actor::actor_for(&principal_key(&p), [3; 16])).unwrap();
        let h = theirs.heads();
        theirs.hide_entry("e1", true).unwrap();
        let mut copy = server.clone();
        assert_eq!(send_fb(&mut copy, &engine, &theirs, &h, &p).all_accepted(), ok, "{who}");
    }
    // A manager may not edit the text itself.
    let mia = user("mia");
    let mut theirs = FeedbackDoc::load(&server.save(), actor::actor_for("user:mia", [3; 16])).unwrap();
    let h = theirs.heads();
    theirs.edit_entry("e1", "Nice remark", NOW).unwrap();
    assert_eq!(kinds(&send_fb(&mut server, &engine, &theirs, &h, &mia)), [ReasonKind::Authorship]);
}

// ------------------------------------------------------------------ property

/// Principals and what they may do in the world above.
#[derive(Debug, Clone, Copy)]
enum Who {
    Olga,
    Rita,
    Wendy,
}

#[derive(Debug, Clone)]
enum Edit {
    Type { node: usize, at: usize, text: String },
    Erase { node: usize, at: usize, len: usize },
    AddSection { parent: usize },
    Rename { node: usize },
    Bold { node: usize },
}

/// Permitted target nodes for each principal, as indexes into its own view.
fn targets(who: Who, page: &PageDoc) -> Vec<String> {
    let all: Vec<String> = {
        fn walk(n: &[folio_core::doc::PageNode], out: &mut Vec<(String, Vec<String>)>, path: Vec<String>) {
            for c in n {
                let mut p = path.clone();
                p.push(c.id.clone());
                out.push((c.id.clone(), p.clone()));
                walk(&c.children, out, p);
            }
        }
        let mut out = Vec::new();
        walk(&page.read().children, &mut out, Vec::new());
        out.into_iter()
            .filter(|(_, path)| match who {
                Who::Rita => path.first().map(String::as_str) == Some("s"),
                _ => true,
            })
            .map(|(id, _)| id)
            .collect()
    };
    all
}

fn apply(who: Who, page: &mut PageDoc, edit: &Edit, counter: &mut usize) {
    let nodes = targets(who, page);
    if nodes.is_empty() {
        return;
    }
    let pick = |i: usize| nodes[i % nodes.len()].clone();
    match edit {
        Edit::Type { node, at, text } => {
            let n = pick(*node);
            let len = page.text(&n).unwrap().chars().count();
            page.splice_text(&n, at % (len + 1), 0, text).unwrap();
        }
        Edit::Erase { node, at, len } => {
            let n = pick(*node);
            let total = page.text(&n).unwrap().chars().count();
            if total > 0 {
                let at = at % total;
                page.splice_text(&n, at, (*len).min(total - at), "").unwrap();
            }
        }
        Edit::AddSection { parent } => {
            *counter += 1;
            let p = pick(*parent);
            page.add_section(&p, &format!("n{counter}-{:?}", who as u8), "new", None).unwrap();
        }
        Edit::Rename { node } => drop(page.rename(&pick(*node), "renamed").unwrap()),
        Edit::Bold { node } => {
            let n = pick(*node);
            let len = page.text(&n).unwrap().chars().count();
            if len > 0 {
                page.format(&n, 0, len, folio_core::doc::Format::Bold, true).unwrap();
            }
        }
    }
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..8usize, 0..50usize, "[a-z ]{1,6}").prop_map(|(node, at, text)| Edit::Type { node, at, text }),
        (0..8usize, 0..50usize, 1..4usize).prop_map(|(node, at, len)| Edit::Erase { node, at, len }),
        (0..8usize).prop_map(|parent| Edit::AddSection { parent }),
        (0..8usize).prop_map(|node| Edit::Rename { node }),
        (0..8usize).prop_map(|node| Edit::Bold { node }),
    ]
}

fn who_strategy() -> impl Strategy<Value = Who> {
    prop_oneof![Just(Who::Olga), Just(Who::Rita), Just(Who::Wendy)]
}

fn principal_of(who: Who) -> Principal {
    user(match who {
        Who::Olga => "olga",
        Who::Rita => "rita",
        Who::Wendy => "wendy",
    })
}

/// Run rounds of edits: in each round every principal edits its copy, sends,
/// and pulls. Returns (verdicts, the hash of the injected change if any).
fn run(rounds: &[Vec<(Who, Edit)>], inject: Option<(usize, usize)>) -> (Vec<Verdict>, Option<ChangeHash>, Automerge) {
    let engine = engine();
    let mut server = server_page();
    let mut copies: Vec<(Who, PageDoc)> = [Who::Olga, Who::Rita, Who::Wendy]
        .into_iter()
        .map(|w| (w, client(&server, &principal_of(w), w as u8 + 1).0))
        .collect();
    let mut verdicts = Vec::new();
    let mut injected = None;
    let mut counter = 0;
    for (r, round) in rounds.iter().enumerate() {
        let mut sent: Vec<(Who, Vec<automerge::Change>)> = Vec::new();
        for (i, (who, edit)) in round.iter().enumerate() {
            let copy = &mut copies.iter_mut().find(|(w, _)| *w as u8 == *who as u8).unwrap().1;
            let heads = server.get_heads();
            apply(*who, copy, edit, &mut counter);
            if inject == Some((r, i)) {
                // Rita types into `t`, which she may not write.
                let before = copy.heads();
                copy.splice_text("t", 0, 0, "FORBIDDEN").unwrap();
                injected = copy.changes_since(&before).first().map(|c| c.hash());
                // …and keeps typing on top of it in `s`.
                copy.splice_text("s", 0, 0, "after").unwrap();
            }
            sent.push((*who, copy.changes_since(&heads)));
        }
        for (who, changes) in sent {
            let p = principal_of(who);
            verdicts.push(guard(&mut server, changes, Sender { principal: &p, profile: None }, &engine, NOW));
        }
        // Everyone pulls what the server accepted (clients whose branch was
        // refused keep it locally: later changes depend on it and are refused too).
        let snapshot = server.clone();
        for (_, copy) in copies.iter_mut() {
            copy.apply_remote(snapshot.get_changes(&[])).unwrap();
        }
    }
    (verdicts, injected, server)
}

fn rounds_strategy() -> impl Strategy<Value = Vec<Vec<(Who, Edit)>>> {
    prop::collection::vec(prop::collection::vec((who_strategy(), edit_strategy()), 1..4), 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn random_permitted_edits_from_several_principals_always_pass(rounds in rounds_strategy()) {
        let (verdicts, _, server) = run(&rounds, None);
        for v in &verdicts {
            prop_assert!(v.all_accepted(), "{:#?}", v);
        }
        PageDoc::from_automerge(server).unwrap().validate().unwrap();
    }

    #[test]
    fn one_injected_forbidden_edit_fails_exactly_with_its_dependents(rounds in rounds_strategy(), pick in any::<prop::sample::Index>()) {
        // inject in Rita's first edit, or give her one
        let mut rounds = rounds;
        let r = pick.index(rounds.len());
        rounds[r].push((Who::Rita, Edit::Rename { node: 0 }));
        let i = rounds[r].len() - 1;
        let (verdicts, injected, server) = run(&rounds, Some((r, i)));
        let injected = injected.unwrap();
        // Everything rejected is the injected change or descends from it.
        let mut rejected: Vec<ChangeHash> = Vec::new();
        for v in &verdicts {
            for c in &v.changes {
                if let Outcome::Rejected { reasons, .. } = &c.outcome {
                    if c.hash == injected {
                        prop_assert_eq!(reasons[0].kind, ReasonKind::Forbidden);
                    } else {
                        prop_assert_eq!(reasons[0].kind, ReasonKind::DependsOnRejected, "{:#?}", reasons);
                    }
                    rejected.push(c.hash);
                }
            }
        }
        prop_assert!(rejected.contains(&injected));
        prop_assert!(rejected.len() >= 2, "the edit typed on top of it is refused too");
        prop_assert!(!PageDoc::from_automerge(server.clone()).unwrap().text("t").unwrap().contains("FORBIDDEN"));
        PageDoc::from_automerge(server).unwrap().validate().unwrap();
    }
}

// ------------------------------------------------------------------ portfolio and collection

#[test]
fn titles_in_portfolio_and_collection_documents_follow_the_node_they_name() {
    use folio_core::doc::{CollectionDoc, PortfolioDoc};
    let engine = engine();
    let olga = user("olga");
    let wendy = user("wendy");
    let sender = |p| Sender { principal: p, profile: None };

    // The owner creates the portfolio document and a collection in it.
    let mut pf = PortfolioDoc::create(actor::actor_for("user:olga", [1; 16]), "pf", "Olga").unwrap();
    pf.add_collection("c1", "Year 1", DocumentId::from_bytes([1; 16]), None).unwrap();
    let mut server = Automerge::new();
    assert!(guard(&mut server, pf.changes_since(&[]), sender(&olga), &engine, NOW).all_accepted());

    // Wendy (Write on the page only) may not add collections or rename the portfolio.
    let mut w = PortfolioDoc::load(&server.save(), actor::actor_for("user:wendy", [1; 16])).unwrap();
    let h = w.heads();
    w.add_collection("c2", "Mine", DocumentId::from_bytes([2; 16]), None).unwrap();
    w.set_metadata("Wendy's now", "").unwrap();
    let v = guard(&mut server, w.changes_since(&h), sender(&wendy), &engine, NOW);
    assert_eq!(v.rejected().len(), 2, "{v:#?}");

    // In the collection document she may rename her page but not add one.
    let mut c = CollectionDoc::create(actor::actor_for("user:olga", [1; 16]), "c1", "pf").unwrap();
    c.add_page("pg", "Page", DocumentId::from_bytes([3; 16]), None).unwrap();
    let mut server = Automerge::new();
    assert!(guard(&mut server, c.changes_since(&[]), sender(&olga), &engine, NOW).all_accepted());
    let mut w = CollectionDoc::load(&server.save(), actor::actor_for("user:wendy", [1; 16])).unwrap();
    let h = w.heads();
    w.rename_page("pg", "My page").unwrap();
    let v = guard(&mut server, w.changes_since(&h), sender(&wendy), &engine, NOW);
    assert!(v.all_accepted(), "{v:#?}");
    let h = w.heads();
    w.add_page("pg2", "Another", DocumentId::from_bytes([4; 16]), None).unwrap();
    let v = guard(&mut server, w.changes_since(&h), sender(&wendy), &engine, NOW);
    assert_eq!(kinds(&v), [ReasonKind::Forbidden]);
}

#[test]
fn malformed_block_markers_are_refused() {
    // A block marker is a map inside the text: `type`, `parents`, `attrs`
    // (`level` for headings) and `isEmbed`, nothing else and nothing nested
    // deeper. Each forged marker below is refused, however it is built.
    let (mut server, engine) = (server_page(), engine());
    let wendy = user("wendy");
    let bad: [fn(&mut Automerge, &automerge::ObjId); 4] = [
        // an empty map inserted into the text (no type at all)
        |raw, text| {
            raw.transact(|tx| tx.insert_object(text, 1, ObjType::Map).map(|_| ())).unwrap();
        },
        // a paragraph whose `attrs/level` hides a nested object
        |raw, text| {
            raw.transact(|tx| {
                let b = tx.insert_object(text, 1, ObjType::Map)?;
                tx.put(&b, "type", "paragraph")?;
                tx.put_object(&b, "parents", ObjType::List)?;
                let attrs = tx.put_object(&b, "attrs", ObjType::Map)?;
                let deep = tx.put_object(&attrs, "level", ObjType::Map)?;
                tx.put(&deep, "payload", "x".repeat(64))
            })
            .unwrap();
        },
        // a heading whose level is a string
        |raw, text| {
            raw.transact(|tx| {
                let b = tx.insert_object(text, 1, ObjType::Map)?;
                tx.put(&b, "type", "heading")?;
                let attrs = tx.put_object(&b, "attrs", ObjType::Map)?;
                tx.put(&attrs, "level", "2")
            })
            .unwrap();
        },
        // `isEmbed` that is not a boolean
        |raw, text| {
            raw.transact(|tx| {
                let b = tx.insert_object(text, 1, ObjType::Map)?;
                tx.put(&b, "type", "paragraph")?;
                tx.put_object(&b, "isEmbed", ObjType::List).map(|_| ())
            })
            .unwrap();
        },
    ];
    for (i, edit) in bad.iter().enumerate() {
        let (c, h) = client(&server, &wendy, 20 + i as u8);
        let mut raw = c.into_automerge();
        let nodes = raw.get(ROOT, "nodes").unwrap().unwrap().1;
        let s = raw.get(&nodes, "s").unwrap().unwrap().1;
        let text = raw.get(&s, "text").unwrap().unwrap().1;
        edit(&mut raw, &text);
        let before = server.get_heads();
        let v = guard(&mut server, raw.get_changes(&h), Sender { principal: &wendy, profile: None }, &engine, NOW);
        assert_eq!(kinds(&v), [ReasonKind::Schema], "case {i}: {v:#?}");
        assert_eq!(server.get_heads(), before, "case {i}: nothing of a refused change is kept");
    }
}

// ------------------------------------------------------------------ ids naming nodes elsewhere

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
