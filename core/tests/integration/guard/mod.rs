//! The change guard: every incoming change is judged before it is accepted.
//!
//! The world: Olga owns portfolio `pf` › collection `c1` › page `pg` with
//! sections `s` and `t`. Everyone else edits through the typed API in their
//! own copy of the page and sends the resulting changes to the server's
//! authoritative copy through `guard`.

use automerge::{Automerge, ChangeHash};
use folio_core::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
use folio_core::doc::{Author, PageDoc, actor};
use folio_core::guard::{Outcome, ReasonKind, Sender, Verdict, guard, principal_key};
use folio_core::time::Timestamp;

mod changes;
mod feedback;
mod foreign_ids;
mod pages;
mod portfolio;
mod property;
mod schema;

pub(crate) const NOW: Timestamp = Timestamp(500);

pub(crate) fn engine() -> Engine {
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
pub(crate) fn server_page() -> Automerge {
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
