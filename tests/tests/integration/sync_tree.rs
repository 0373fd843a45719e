//! Documents that come and go with the tree, over sync.
//!
//! A new collection or page takes the browser two steps: the parent's edit
//! naming it, then the new document itself. The person may delete the node
//! before the second step lands (add, rename, delete in a second); the
//! document is then gone for everyone, and its creator hears what any reader
//! of a vanished document hears — `doc-unavailable`, the read boundary — not
//! a refusal saying they lack write access to something they just deleted.
//! (Edits to a document that exists keep their refusal, which hands the
//! writer the refused text back.)

use std::time::Duration;

use automerge::{Automerge, ReadDoc, sync, sync::SyncDoc};
use folio_core::access::NodeId;
use folio_core::doc::{CollectionDoc, Edit, actor};
use folio_core::sync::{DocumentId as WireId, SyncMode};
use folio_server::docs::{DocCmd, PeerInfo, ToConn};
use folio_server::storage::{DocumentId, UserId};
use folio_tests::TestServer;
use folio_tests::sync::{SyncClient, account, create_portfolio, fresh_session};
use tokio::sync::mpsc;

fn stored(id: &WireId) -> DocumentId {
    DocumentId::parse(&id.to_string()).unwrap()
}

fn core_id(id: &WireId) -> folio_core::doc::DocumentId {
    folio_core::doc::DocumentId::parse(&id.to_string()).unwrap()
}

async fn known(server: &TestServer, p: &WireId, node: &str) -> bool {
    let policy = server.state.policy().portfolio(&stored(p)).await.unwrap();
    policy.read(|e| e.node(&NodeId::new(node)).is_some())
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("not within 5 s: {what}");
}

#[tokio::test]
async fn the_document_of_a_node_deleted_before_it_was_created_is_unavailable_not_refused() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let key = olga.key();
    let p = create_portfolio(&server, &olga, "My year").await;
    let loaded = |c: &SyncClient| c.repo.doc(&p).is_some_and(|d| d.get(automerge::ROOT, "kind").ok().flatten().is_some());
    let mut tab = SyncClient::with_cookie(&server, &olga).await;
    tab.find(p).await;
    tab.until(loaded).await;
    let r = WireId::from_bytes([0xd4; 16]);
    tab.edit(&key, &p, Edit::AddCollection { id: "R".into(), title: "Reflections".into(), document: core_id(&r), index: None }).await;
    tab.settle().await;
    assert!(known(&server, &p, "R").await, "the collection is in the tree");

    // The new document's actor, with one of Olga's connections as its peer,
    // driven directly: so its changes reach the actor after the deletion is
    // in the tree but before any connection reacted to the deletion — in a
    // browser, the moment between the two that a fast person can hit.
    let record = server.state.storage().document_record(&stored(&r)).await.unwrap().expect("the parent's edit registered it");
    let handle = server.state.docs().open(&server.state, &record).await.unwrap();
    let (out, mut heard) = mpsc::unbounded_channel();
    let principal = server.state.policy().principal_for_user(UserId(olga.id)).await.unwrap();
    let conn = 9_999;
    handle.send(DocCmd::Open(PeerInfo { conn, principal, profile: None, mode: SyncMode::ReadWrite, out })).await.unwrap();

    // Olga deletes the collection.
    tab.edit(&key, &p, Edit::DeleteCollection { id: "R".into() }).await;
    eventually("the collection leaves the tree", async || !known(&server, &p, "R").await).await;

    // Now the new document syncs: the document is gone, and its creator is told so.
    let made = CollectionDoc::create(actor::actor_for(&key, fresh_session()), "R", &p.to_string()).unwrap().save();
    let mut doc = Automerge::load(&made).unwrap();
    let mut state = sync::State::new();
    let answer = loop {
        if let Some(m) = doc.generate_sync_message(&mut state) {
            handle.send(DocCmd::Sync { conn, data: m.encode() }).await.unwrap();
        }
        match tokio::time::timeout(Duration::from_secs(5), heard.recv()).await.expect("the actor answers").expect("the actor runs") {
            ToConn::Sync { data, .. } => doc.receive_sync_message(&mut state, sync::Message::decode(&data).unwrap()).unwrap(),
            other => break other,
        }
    };
    assert!(matches!(answer, ToConn::Unavailable { document } if document == r), "the creator hears the document is unavailable, not a refusal: {answer:?}");
    tab.settle().await;
    assert!(!tab.rejected(&p), "the deletion itself was accepted: {:?}", tab.events);
    let kept = server.state.storage().load_document(&stored(&r)).await.unwrap();
    assert!(kept.snapshot.is_none() && kept.changes.is_empty(), "nothing of the vanished document is stored");
    // The audit log still says what arrived and why it was not taken.
    let audit = server.state.storage().audit_for_document(&stored(&r), 10).await.unwrap();
    assert!(
        audit.iter().any(|e| e.outcome.as_str() == "rejected" && e.reason.as_deref().is_some_and(|why| why.contains("write access"))),
        "{audit:?}"
    );
}
