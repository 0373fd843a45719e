//! Live collaboration through the real server: convergence, read-only
//! peers, rejected writes with recovery, revocation and expiry mid-session.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use folio_core::access::{Grant, Level, Subject};
use folio_core::sync::DocumentId;
use folio_core::time::Timestamp;
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId as StoredId, GrantSource, UserId};
use folio_tests::sync::{Account, SyncClient, account, create_portfolio};
use folio_tests::TestServer;

fn stored(id: &DocumentId) -> StoredId {
    StoredId::parse(&id.to_string()).unwrap()
}

fn title(c: &SyncClient, doc: &DocumentId) -> Option<String> {
    let d = c.repo.doc(doc)?;
    match d.get(ROOT, "title").ok().flatten()? {
        (automerge::Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        (automerge::Value::Object(_), id) => d.text(&id).ok(),
    }
}

async fn grant(server: &TestServer, doc: &DocumentId, owner: &Account, to: &Account, level: Level, end: Option<Timestamp>) -> folio_core::access::GrantId {
    let pid = stored(doc);
    let g = Grant::new(0, pid.as_str(), Subject::user(to.id.to_string()), level).between(None, end);
    let id = server
        .state
        .storage()
        .insert_grant(&pid, &g, GrantSource::Direct, Some(UserId(owner.id)), server.clock.now())
        .await
        .unwrap();
    server.state.policy().grants_changed(&pid).await.unwrap();
    id
}

async fn set_title(c: &mut SyncClient, doc: &DocumentId, text: &str) {
    c.repo.doc_mut(doc).unwrap().put(ROOT, "title", text).unwrap();
    c.sync(doc).await;
}

#[tokio::test]
async fn two_writers_converge_and_a_third_with_read_access_receives_but_cannot_write() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let wim = account(&server, "wim@example.org").await;
    let rea = account(&server, "rea@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's portfolio").await;
    grant(&server, &doc, &olga, &wim, Level::Write, None).await;
    grant(&server, &doc, &olga, &rea, Level::Read, None).await;

    let mut a = SyncClient::with_cookie(&server, &olga).await;
    let mut b = SyncClient::with_cookie(&server, &wim).await;
    let mut r = SyncClient::with_cookie(&server, &rea).await;
    for c in [&mut a, &mut b, &mut r] {
        c.find(doc).await;
        c.until(|c| title(c, &doc).as_deref() == Some("Olga's portfolio")).await;
    }
    assert!(a.got_policy(), "a Folio peer receives its policy snapshot");

    set_title(&mut b, &doc, "Edited by Wim").await;
    a.until(|c| title(c, &doc).as_deref() == Some("Edited by Wim")).await;
    r.until(|c| title(c, &doc).as_deref() == Some("Edited by Wim")).await;
    b.drain(Duration::from_millis(200)).await;
    assert_eq!(a.repo.doc_mut(&doc).unwrap().get_heads(), b.repo.doc_mut(&doc).unwrap().get_heads());

    // The reader edits locally; the server never accepts it.
    set_title(&mut r, &doc, "Rea was here").await;
    r.drain(Duration::from_millis(300)).await;
    a.drain(Duration::from_millis(300)).await;
    assert_eq!(title(&a, &doc).as_deref(), Some("Edited by Wim"));
    let stored_doc = server.state.storage().load_document(&stored(&doc)).await.unwrap();
    let hashes: Vec<_> = stored_doc.changes.iter().map(|c| c.hash).collect();
    for h in r.repo.doc_mut(&doc).unwrap().get_heads() {
        assert!(!hashes.contains(&h), "the reader's change was stored");
    }
    assert!(server.state.metrics().changes_accepted.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    server.stop().await;
}

#[tokio::test]
async fn a_forbidden_write_is_rejected_and_the_writer_recovers_the_servers_state() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let tom = account(&server, "tom@example.org").await;
    let doc = create_portfolio(&server, &olga, "Plain title").await;
    grant(&server, &doc, &olga, &tom, Level::Comment, None).await;

    let mut t = SyncClient::with_cookie(&server, &tom).await;
    t.find(doc).await;
    t.until(|c| title(c, &doc).is_some()).await;
    set_title(&mut t, &doc, "Tom's title").await;
    t.until(|c| c.rejected(&doc)).await;
    t.until(|c| title(c, &doc).as_deref() == Some("Plain title")).await;

    let audit = server.state.storage().audit_for_document(&stored(&doc), 10).await.unwrap();
    assert!(audit.iter().any(|e| e.principal == tom.key() && e.outcome.as_str() == "rejected"), "{audit:?}");
    assert!(server.state.metrics().changes_rejected.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    server.stop().await;
}

#[tokio::test]
async fn revoking_a_grant_mid_session_stops_the_flow_at_once() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let rea = account(&server, "rea@example.org").await;
    let doc = create_portfolio(&server, &olga, "Before").await;
    let g = grant(&server, &doc, &olga, &rea, Level::Read, None).await;

    let mut a = SyncClient::with_cookie(&server, &olga).await;
    let mut r = SyncClient::with_cookie(&server, &rea).await;
    a.find(doc).await;
    r.find(doc).await;
    a.until(|c| title(c, &doc).is_some()).await;
    r.until(|c| title(c, &doc).as_deref() == Some("Before")).await;

    server.state.storage().delete_grant(g).await.unwrap();
    server.state.policy().grants_changed(&stored(&doc)).await.unwrap();
    r.until(|c| c.unavailable(&doc)).await;

    set_title(&mut a, &doc, "After").await;
    a.drain(Duration::from_millis(300)).await;
    r.drain(Duration::from_millis(300)).await;
    assert_eq!(title(&r, &doc).as_deref(), Some("Before"), "nothing flows after revocation");
    server.stop().await;
}

#[tokio::test]
async fn an_expiring_grant_stops_the_flow_without_any_request() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let rea = account(&server, "rea@example.org").await;
    let doc = create_portfolio(&server, &olga, "Before").await;
    let end = server.clock.now().plus_millis(60_000);
    grant(&server, &doc, &olga, &rea, Level::Read, Some(end)).await;

    let mut r = SyncClient::with_cookie(&server, &rea).await;
    r.find(doc).await;
    r.until(|c| title(c, &doc).as_deref() == Some("Before")).await;
    assert!(!r.unavailable(&doc));

    server.advance(Duration::from_secs(61));
    r.until(|c| c.unavailable(&doc)).await;
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_and_a_forbidden_document_get_the_same_answer() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let eve = account(&server, "eve@example.org").await;
    let doc = create_portfolio(&server, &olga, "Secret").await;
    let unknown = DocumentId::from_bytes([9; 16]);
    let mut e = SyncClient::with_cookie(&server, &eve).await;
    e.find(doc).await;
    e.find(unknown).await;
    e.until(|c| c.unavailable(&doc) && c.unavailable(&unknown)).await;
    assert!(title(&e, &doc).is_none());
    server.stop().await;
}

#[tokio::test]
async fn sync_without_credentials_is_refused_before_the_upgrade() {
    let server = TestServer::start().await;
    let response = reqwest::Client::new()
        .get(server.url("/sync"))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = reqwest::Client::new()
        .get(server.url("/sync?token=nope"))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn a_document_typed_into_is_compacted_as_it_goes_and_loads_whole() {
    // With a floor of one byte, the changes since the snapshot are compacted
    // as soon as they outweigh it.
    let server = TestServer::start_with(|c| c.limits.compact_bytes = 1).await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "Draft 0").await;
    let mut a = SyncClient::with_cookie(&server, &olga).await;
    a.find(doc).await;
    a.until(|c| title(c, &doc).as_deref() == Some("Draft 0")).await;
    for i in 1..=20 {
        set_title(&mut a, &doc, &format!("Draft {i}")).await;
        a.drain(Duration::from_millis(30)).await;
    }
    a.drain(Duration::from_millis(300)).await;
    let stored_doc = server.state.storage().load_document(&stored(&doc)).await.unwrap();
    assert!(stored_doc.snapshot.is_some(), "no snapshot after 20 edits");
    assert!(stored_doc.changes.len() < 20, "{} changes still stored one by one", stored_doc.changes.len());
    let rebuilt = stored_doc.rebuild().unwrap();
    assert_eq!(rebuilt.get_heads(), a.repo.doc_mut(&doc).unwrap().get_heads());
    server.stop().await;
}
