//! Feedback documents: authorship, hidden threads and moderation.

use super::*;
use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use folio_core::doc::{Anchor, DocumentId, FeedbackDoc};

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
