//! Moving a page to another collection, and the hole it must not open.
//!
//! The world, built over sync by the owner Olga (so the server derives the
//! tree from real documents): portfolio › collections `A` (page `pg` with
//! section `s`) and `B` (empty). Everyone else gets grants directly.
//!
//! - A writer of `B` who lists page `pg` of `A` in `B`'s document (the id is
//!   visible in policy snapshots) is refused by the guard, and `pg` stays in
//!   `A` with its access unchanged.
//! - `POST /api/portfolios/{p}/pages/pg/move` moves it for real: both
//!   collection documents and the page document follow, live peers see the
//!   entry leave `A` and appear in `B`, the page's own grants survive, what
//!   it inherits now comes from `B`.

use automerge::{Automerge, ReadDoc, ROOT};
use folio_core::access::{Grant, Level, NodeId, Subject};
use folio_core::doc::{CollectionDoc, Edit, PageDoc, actor};
use folio_core::sync::DocumentId as WireId;
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId, GrantSource, UserId};
use folio_tests::TestServer;
use folio_tests::sync::{Account, SyncClient, account, create_portfolio, fresh_session};
use serde_json::{Value, json};

fn stored(id: &WireId) -> DocumentId {
    DocumentId::parse(&id.to_string()).unwrap()
}

fn core_id(id: &WireId) -> folio_core::doc::DocumentId {
    folio_core::doc::DocumentId::parse(&id.to_string()).unwrap()
}

fn lists(c: &SyncClient, id: &WireId, page: &str) -> bool {
    c.repo.doc(id).is_some_and(|d| match d.get(ROOT, "pages").ok().flatten() {
        Some((_, pages)) => d.get(&pages, page).ok().flatten().is_some(),
        None => false,
    })
}

async fn stored_doc(server: &TestServer, id: &WireId) -> Automerge {
    let s = server.state.storage().load_document(&stored(id)).await.unwrap();
    let mut doc = match &s.snapshot {
        Some(snap) => Automerge::load(&snap.data).unwrap(),
        None => Automerge::new(),
    };
    for c in &s.changes {
        doc.load_incremental(&c.data).unwrap();
    }
    doc
}

struct World {
    p: WireId,
    a: WireId,
    b: WireId,
    pg: WireId,
    olga: Account,
    /// Olga's live client, with the portfolio, both collections and the page open.
    live: SyncClient,
}

async fn world(server: &TestServer) -> World {
    let olga = account(server, "olga@example.org").await;
    let key = olga.key();
    let p = create_portfolio(server, &olga, "My year").await;
    let mut live = SyncClient::with_cookie(server, &olga).await;
    live.find(p).await;
    live.until(|c| c.repo.doc(&p).is_some_and(|d| d.get(ROOT, "kind").ok().flatten().is_some())).await;
    let (a, b, pg) = (WireId::from_bytes([0xa1; 16]), WireId::from_bytes([0xb2; 16]), WireId::from_bytes([0xc3; 16]));
    live.edit(&key, &p, Edit::AddCollection { id: "A".into(), title: "Internship".into(), document: core_id(&a), index: None }).await;
    live.edit(&key, &p, Edit::AddCollection { id: "B".into(), title: "Private".into(), document: core_id(&b), index: None }).await;
    live.settle().await;
    let mut ca = CollectionDoc::create(actor::actor_for(&key, fresh_session()), "A", &p.to_string()).unwrap();
    ca.add_page("pg", "Week 1", core_id(&pg), None).unwrap();
    live.add(a, ca.save(), &key).await;
    let mut cb = CollectionDoc::create(actor::actor_for(&key, fresh_session()), "B", &p.to_string()).unwrap();
    live.add(b, cb.save(), &key).await;
    live.settle().await;
    let mut page = PageDoc::create(actor::actor_for(&key, fresh_session()), "pg", "A").unwrap();
    page.add_section("pg", "s", "Monday", None).unwrap();
    live.add(pg, page.save(), &key).await;
    live.settle().await;
    assert!(!live.events.iter().any(|e| matches!(e, folio_core::sync::ClientEvent::Rejected { .. })), "the owner builds freely: {:?}", live.events);
    let w = World { p, a, b, pg, olga, live };
    assert_eq!(parent(server, &w, "pg").await.as_deref(), Some("A"));
    assert_eq!(parent(server, &w, "s").await.as_deref(), Some("pg"));
    w
}

async fn parent(server: &TestServer, w: &World, node: &str) -> Option<String> {
    parent_in(server, &w.p, node).await
}

async fn parent_in(server: &TestServer, p: &WireId, node: &str) -> Option<String> {
    let policy = server.state.policy().portfolio(&stored(p)).await.unwrap();
    policy.read(|e| e.node(&NodeId::new(node)).and_then(|n| n.parent.as_ref().map(|p| p.to_string())))
}

async fn grant(server: &TestServer, w: &World, node: &str, to: &Account, level: Level) {
    let p = stored(&w.p);
    let g = Grant::new(0, node, Subject::user(to.id.to_string()), level);
    server.state.storage().insert_grant(&p, &g, GrantSource::Direct, None, server.clock.now()).await.unwrap();
    server.state.policy().grants_changed(&p).await.unwrap();
}

async fn can_read(server: &TestServer, w: &World, who: &Account, node: &str) -> bool {
    let principal = server.state.policy().principal_for_user(UserId(who.id)).await.unwrap();
    let policy = server.state.policy().portfolio(&stored(&w.p)).await.unwrap();
    let now = server.clock.now();
    policy.read(|e| e.can_read(&principal, &NodeId::new(node), now))
}

async fn move_page(server: &TestServer, w: &World, who: &Account, page: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(server.url(&format!("/api/portfolios/{}/pages/{page}/move", w.p)))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_writer_of_another_collection_cannot_steal_a_page_by_listing_it() {
    let server = TestServer::start().await;
    let w = world(&server).await;
    let bob = account(&server, "bob@example.org").await;
    let carol = account(&server, "carol@example.org").await;
    grant(&server, &w, "B", &bob, Level::Write).await;
    grant(&server, &w, "pg", &carol, Level::Read).await;
    assert!(!can_read(&server, &w, &bob, "pg").await);

    let mut c = SyncClient::with_cookie(&server, &bob).await;
    c.find(w.b).await;
    c.until(|c| c.repo.doc(&w.b).is_some_and(|d| d.get(ROOT, "kind").ok().flatten().is_some())).await;
    c.edit(&bob.key(), &w.b, Edit::AddPage { id: "pg".into(), title: "Mine now".into(), document: core_id(&w.pg), index: None }).await;
    c.until(|c| c.rejected(&w.b)).await;
    let why = c
        .events
        .iter()
        .find_map(|e| match e {
            folio_core::sync::ClientEvent::Rejected { edits, .. } => Some(format!("{edits:?}")),
            _ => None,
        })
        .unwrap();
    assert!(why.contains("already exists elsewhere in the portfolio"), "{why}");

    // Nothing moved: the page, its section and its grants are where they were.
    assert!(!CollectionDoc::from_automerge(stored_doc(&server, &w.b).await).unwrap().read().pages.iter().any(|p| p.id == "pg"));
    assert_eq!(parent(&server, &w, "pg").await.as_deref(), Some("A"));
    assert_eq!(parent(&server, &w, "s").await.as_deref(), Some("pg"));
    assert!(!can_read(&server, &w, &bob, "pg").await, "Bob's Write on B does not reach the page");
    assert!(can_read(&server, &w, &carol, "pg").await, "Carol's grant on the page is untouched");
    // And a new page of his own in B is fine.
    c.edit(&bob.key(), &w.b, Edit::AddPage { id: "bobs".into(), title: "Bob's".into(), document: core_id(&WireId::from_bytes([0xd4; 16])), index: None }).await;
    c.settle().await;
    assert_eq!(parent(&server, &w, "bobs").await.as_deref(), Some("B"));
    server.stop().await;
}

#[tokio::test]
async fn the_owner_moves_a_page_and_access_follows_the_new_collection() {
    let server = TestServer::start().await;
    let mut w = world(&server).await;
    let carol = account(&server, "carol@example.org").await; // Read on the page itself
    let dave = account(&server, "dave@example.org").await; // Read on A only
    let erin = account(&server, "erin@example.org").await; // Read on B only
    let bob = account(&server, "bob@example.org").await; // Write on B, Read on A: no Remove on the page
    grant(&server, &w, "pg", &carol, Level::Read).await;
    grant(&server, &w, "A", &dave, Level::Read).await;
    grant(&server, &w, "B", &erin, Level::Read).await;
    grant(&server, &w, "B", &bob, Level::Write).await;
    grant(&server, &w, "A", &bob, Level::Read).await;
    assert!(can_read(&server, &w, &dave, "pg").await);
    assert!(!can_read(&server, &w, &erin, "pg").await);

    // Refusals first: nothing of them changes anything.
    let (status, body) = move_page(&server, &w, &bob, "pg", json!({ "collection": "B" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("move_forbidden")), "{body}");
    let (status, body) = move_page(&server, &w, &erin, "pg", json!({ "collection": "B" })).await;
    assert_eq!(status, 404, "erin cannot see the page: {body}");
    let (status, unknown) = move_page(&server, &w, &erin, "nope", json!({ "collection": "B" })).await;
    assert_eq!((status, &unknown), (404, &body), "unknown and forbidden answer alike");
    let (status, body) = move_page(&server, &w, &w.olga, "pg", json!({ "collection": "A" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("same_collection")), "{body}");
    for target in ["nope", "s", w.p.to_string().as_str()] {
        let (status, body) = move_page(&server, &w, &w.olga, "pg", json!({ "collection": target })).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("bad_target")), "{target}: {body}");
    }
    assert_eq!(parent(&server, &w, "pg").await.as_deref(), Some("A"));

    // Erin's live view of B (she may read it) sees the page arrive.
    let mut erin_live = SyncClient::with_cookie(&server, &erin).await;
    erin_live.find(w.b).await;
    erin_live.until(|c| c.repo.doc(&w.b).is_some_and(|d| d.get(ROOT, "kind").ok().flatten().is_some())).await;

    let (status, body) = move_page(&server, &w, &w.olga, "pg", json!({ "collection": "B" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "page": "pg", "collection": "B", "from": ["A"] }));

    // The tree: the page and its subtree hang under B.
    assert_eq!(parent(&server, &w, "pg").await.as_deref(), Some("B"));
    assert_eq!(parent(&server, &w, "s").await.as_deref(), Some("pg"));
    // The documents, as stored.
    let a = CollectionDoc::from_automerge(stored_doc(&server, &w.a).await).unwrap().read();
    let b = CollectionDoc::from_automerge(stored_doc(&server, &w.b).await).unwrap().read();
    assert!(a.pages.is_empty(), "{a:?}");
    assert_eq!(b.pages.iter().map(|p| (p.id.as_str(), p.title.as_str(), p.document)).collect::<Vec<_>>(), [("pg", "Week 1", Some(core_id(&w.pg)))]);
    let page = PageDoc::from_automerge(stored_doc(&server, &w.pg).await).unwrap().read();
    assert_eq!(page.collection, "B");
    assert_eq!(page.children.len(), 1, "the page's content is untouched");
    // Access: the page's own grant survives; inheritance follows B.
    assert!(can_read(&server, &w, &carol, "pg").await, "a grant on the page itself survives the move");
    assert!(!can_read(&server, &w, &dave, "pg").await, "Read on A no longer reaches the page");
    assert!(can_read(&server, &w, &erin, "pg").await, "Read on B now does");
    // Live peers: Olga (A and B open) sees the entry leave A and appear in B; so does Erin in B.
    w.live.until(|c| !lists(c, &w.a, "pg") && lists(c, &w.b, "pg")).await;
    erin_live.until(|c| lists(c, &w.b, "pg")).await;
    // Erin may now open the page document itself.
    erin_live.find(w.pg).await;
    erin_live.until(|c| c.repo.doc(&w.pg).is_some_and(|d| d.get(ROOT, "kind").ok().flatten().is_some())).await;

    // Done is done; the move back needs the same rights.
    let (status, body) = move_page(&server, &w, &w.olga, "pg", json!({ "collection": "B" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("same_collection")), "{body}");
    // The audit log names the mover for the document steps.
    let audit = server.state.storage().audit_for_document(&stored(&w.b), 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "move" && e.principal == w.olga.key()), "{audit:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_half_done_move_is_completed_by_asking_again() {
    let server = TestServer::start().await;
    let World { p, a, b, pg, olga, mut live } = world(&server).await;
    // A crash after the tree step: the engine places the page in B, but the
    // documents still say A.
    let policy = server.state.policy();
    let mut node = policy.portfolio(&stored(&p)).await.unwrap().read(|e| e.node(&NodeId::new("pg")).cloned()).unwrap();
    node.parent = Some(NodeId::new("B"));
    policy.apply_tree(&stored(&p), &[folio_server::policy::TreeChange::Upsert(node)]).await.unwrap();
    // The old collection's document still lists it; its reconcile must not pull it back.
    live.edit(&olga.key(), &a, Edit::RenamePage { id: "pg".into(), title: "Week one".into() }).await;
    live.settle().await;
    assert_eq!(parent_in(&server, &p, "pg").await.as_deref(), Some("B"));

    let w = World { p, a, b, pg, olga: olga.clone(), live };
    let (status, body) = move_page(&server, &w, &olga, "pg", json!({ "collection": "B" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["from"], json!(["A"]));
    let a_doc = CollectionDoc::from_automerge(stored_doc(&server, &w.a).await).unwrap().read();
    let b_doc = CollectionDoc::from_automerge(stored_doc(&server, &w.b).await).unwrap().read();
    assert!(a_doc.pages.is_empty() && b_doc.pages.len() == 1, "{a_doc:?} {b_doc:?}");
    assert_eq!(PageDoc::from_automerge(stored_doc(&server, &w.pg).await).unwrap().read().collection, "B");
    let (status, _) = move_page(&server, &w, &olga, "pg", json!({ "collection": "B" })).await;
    assert_eq!(status, 409);
    server.stop().await;
}
