//! Bad input on `/sync`: a clear error or a closed connection, nothing
//! persisted, and other peers undisturbed.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use folio_core::doc::actor;
use folio_core::sync::{ClientEvent, DocumentId, Message, SyncMessage};
use folio_server::storage::DocumentId as StoredId;
use folio_tests::TestServer;
use folio_tests::sync::{SyncClient, account, create_portfolio};

fn server_error(c: &SyncClient) -> Option<String> {
    c.events.iter().find_map(|e| match e {
        ClientEvent::ServerError { message } => Some(message.clone()),
        _ => None,
    })
}

async fn stored_changes(server: &TestServer, doc: &DocumentId) -> usize {
    let id = StoredId::parse(&doc.to_string()).unwrap();
    server.state.storage().load_document(&id).await.unwrap().changes.len()
}

/// The owner's connection keeps syncing while another misbehaves.
async fn still_works(owner: &mut SyncClient, doc: &DocumentId, text: &str) {
    owner.repo.doc_mut(doc).unwrap().put(ROOT, "description", text).unwrap();
    owner.sync(doc).await;
    owner.drain(Duration::from_millis(300)).await;
    let heads = owner.repo.doc_mut(doc).unwrap().get_heads();
    assert!(!heads.is_empty());
}

#[tokio::test]
async fn malformed_cbor_gets_an_error_and_a_close_and_disturbs_no_one() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "P").await;
    let mut owner = SyncClient::with_cookie(&server, &olga).await;
    owner.find(doc).await;
    owner.until(|c| c.repo.doc(&doc).is_some_and(|d| d.get(ROOT, "title").ok().flatten().is_some())).await;
    let before = stored_changes(&server, &doc).await;

    let mut bad = SyncClient::with_cookie(&server, &olga).await;
    bad.send_raw(vec![0xb9, 0xff, 0xff, 0x01]).await;
    bad.until(|c| c.closed).await;
    assert!(server_error(&bad).is_some(), "a clear error before the close: {:?}", bad.events);
    assert_eq!(stored_changes(&server, &doc).await, before);
    still_works(&mut owner, &doc, "still here").await;
    server.stop().await;
}

#[tokio::test]
async fn an_oversized_frame_is_refused_with_a_close() {
    let server = TestServer::start_with(|c| c.limits.max_frame_bytes = 16 * 1024).await;
    let olga = account(&server, "olga@example.org").await;
    let mut bad = SyncClient::with_cookie(&server, &olga).await;
    bad.send_raw(vec![0u8; 20 * 1024]).await;
    bad.until(|c| c.closed).await;
    assert!(server_error(&bad).is_some_and(|m| m.contains("16384") || m.contains("large") || m.contains("limit")), "{:?}", bad.events);
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_message_type_gets_an_error_but_keeps_the_connection() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "P").await;
    let mut c = SyncClient::with_cookie(&server, &olga).await;
    let mut frame = vec![0xa1, 0x64];
    frame.extend_from_slice(b"type");
    frame.push(0x68);
    frame.extend_from_slice(b"nonsense");
    c.send_raw(frame).await;
    c.until(|c| server_error(c).is_some()).await;
    assert!(!c.closed);
    c.find(doc).await;
    c.until(|c| c.repo.doc(&doc).is_some_and(|d| d.get(ROOT, "title").ok().flatten().is_some())).await;
    server.stop().await;
}

#[tokio::test]
async fn the_rate_limit_is_configurable() {
    // Ten messages back to back, then one a second: the eleventh in a row is too many.
    let server = TestServer::start_with(|c| {
        c.limits.sync_burst = 10;
        c.limits.sync_rate = 1;
    })
    .await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "P").await;
    let mut c = SyncClient::with_cookie(&server, &olga).await; // the join took one
    for _ in 0..20 {
        if let Some(m) = c.repo.ephemeral(doc, vec![0xa0]) {
            c.send(vec![m]).await;
        }
    }
    c.until(|c| c.closed).await;
    assert!(server_error(&c).is_some_and(|m| m.to_lowercase().contains("rate") || m.contains("too many")), "{:?}", c.events);
    server.stop().await;
}

#[tokio::test]
async fn a_flood_is_cut_off_by_the_rate_limit() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "P").await;
    let mut c = SyncClient::with_cookie(&server, &olga).await;
    for _ in 0..260 {
        let m = c.repo.ephemeral(doc, vec![0xa0]);
        if let Some(m) = m {
            c.send(vec![m]).await;
        }
    }
    c.until(|c| c.closed).await;
    assert!(server_error(&c).is_some_and(|m| m.to_lowercase().contains("rate") || m.contains("too many")), "{:?}", c.events);
    server.stop().await;
}

#[tokio::test]
async fn changes_for_a_document_the_peer_may_not_read_are_never_stored() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let eve = account(&server, "eve@example.org").await;
    let doc = create_portfolio(&server, &olga, "P").await;
    let before = stored_changes(&server, &doc).await;
    let mut e = SyncClient::with_cookie(&server, &eve).await;
    // A change Eve made on her own copy, pushed as `sync` without any request.
    let mut mine = AutoCommit::new().with_actor(actor::actor_for(&eve.key(), [1; 16]));
    mine.put(ROOT, "title", "pwned").unwrap();
    let mut state = automerge::sync::State::new();
    use automerge::sync::SyncDoc;
    let first = mine.sync().generate_sync_message(&mut state).unwrap();
    let server_peer = e.repo.server().unwrap().clone();
    let m = Message::Sync(SyncMessage {
        sender_id: e.repo.peer_id().clone(),
        target_id: server_peer,
        document_id: doc,
        data: first.encode(),
    });
    e.send(vec![m]).await;
    e.until(|c| c.unavailable(&doc)).await;
    assert_eq!(stored_changes(&server, &doc).await, before);
    server.stop().await;
}
