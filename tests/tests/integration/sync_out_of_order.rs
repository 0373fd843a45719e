//! Changes that reach the real server before the changes they build on are
//! held, not refused: once the missing ones arrive, all are guarded and
//! accepted. A peer that makes the server hold too much is told and dropped,
//! without anything of it stored and without disturbing anyone else.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Change, ChangeHash, ROOT, ReadDoc};
use folio_core::access::{Grant, Level, Subject};
use folio_core::sync::{ClientEvent, DocumentId, Message, SyncMessage};
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId as StoredId, GrantSource, UserId};
use folio_tests::TestServer;
use folio_tests::sync::{Account, SyncClient, account, create_portfolio};

fn stored(id: &DocumentId) -> StoredId {
    StoredId::parse(&id.to_string()).unwrap()
}

fn description(c: &SyncClient, doc: &DocumentId) -> Option<String> {
    match c.repo.doc(doc)?.get(ROOT, "description").ok().flatten()? {
        (automerge::Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        _ => None,
    }
}

/// A client with `doc` open and settled.
async fn open(server: &TestServer, who: &Account, doc: DocumentId) -> SyncClient {
    let mut c = SyncClient::with_cookie(server, who).await;
    c.find(doc).await;
    c.until(|c| c.repo.doc(&doc).is_some_and(|d| d.get(ROOT, "title").ok().flatten().is_some())).await;
    c.drain(Duration::from_millis(200)).await;
    c
}

/// `n` chained edits made locally (not synced); oldest first.
fn edit_locally(c: &mut SyncClient, doc: &DocumentId, n: usize) -> Vec<Change> {
    let d = c.repo.doc_mut(doc).unwrap();
    let before = d.get_heads();
    for i in 0..n {
        d.put(ROOT, "description", format!("edit {i}")).unwrap();
        d.commit();
    }
    d.get_changes(&before)
}

/// One `sync` message carrying exactly `changes`, with the client's heads
/// (as a peer sends after a bloom filter hid an earlier change from it).
fn carrying(c: &mut SyncClient, doc: &DocumentId, changes: &[Change]) -> Message {
    let heads = c.repo.doc_mut(doc).unwrap().get_heads();
    let data = automerge::sync::Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: changes.iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>().into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    }
    .encode();
    Message::Sync(SyncMessage {
        sender_id: c.repo.peer_id().clone(),
        target_id: c.repo.server().expect("joined").clone(),
        document_id: *doc,
        data,
    })
}

async fn stored_hashes(server: &TestServer, doc: &DocumentId) -> Vec<ChangeHash> {
    let s = server.state.storage().load_document(&stored(doc)).await.unwrap();
    let mut am = match &s.snapshot {
        Some(snap) => automerge::Automerge::load(&snap.data).unwrap(),
        None => automerge::Automerge::new(),
    };
    for c in &s.changes {
        am.load_incremental(&c.data).unwrap();
    }
    am.get_changes(&[]).iter().map(|c| c.hash()).collect()
}

#[tokio::test]
async fn changes_sent_newest_first_are_held_then_all_accepted_and_relayed() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's portfolio").await;
    let mut a = open(&server, &olga, doc).await;
    let mut watcher = open(&server, &olga, doc).await;

    let changes = edit_locally(&mut a, &doc, 6);
    // Newest first, one change per frame, all sent before reading anything:
    // every frame but the last builds on a change the server does not have yet.
    let frames: Vec<Message> = changes.iter().rev().map(|c| carrying(&mut a, &doc, std::slice::from_ref(c))).collect();
    a.send(frames).await;
    a.drain(Duration::from_millis(500)).await;

    assert!(!a.rejected(&doc), "nothing is refused: {:?}", a.events);
    assert!(!a.events.iter().any(|e| matches!(e, ClientEvent::ServerError { .. })), "{:?}", a.events);
    let have = stored_hashes(&server, &doc).await;
    for c in &changes {
        assert!(have.contains(&c.hash()), "change {} is stored", c.hash());
    }
    let audit = server.state.storage().audit_for_document(&stored(&doc), u32::MAX).await.unwrap();
    for c in &changes {
        let row = format!("change {}", c.hash());
        assert!(audit.iter().any(|e| e.outcome.as_str() == "accepted" && e.reason.as_deref() == Some(row.as_str())), "audit row for {row}");
    }
    let held = server.state.metrics().changes_held.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(held, 5, "five changes waited for the first");
    // The server's heads are the writer's, and another reader got everything.
    watcher.until(|c| description(c, &doc).as_deref() == Some("edit 5")).await;
    let heads = a.repo.doc_mut(&doc).unwrap().get_heads();
    assert_eq!(watcher.repo.doc_mut(&doc).unwrap().get_heads(), heads);
}

#[tokio::test]
async fn a_change_waiting_for_one_sent_later_through_the_protocol_is_accepted() {
    // The server asks for what a held change misses; the client's own
    // automerge sync state answers it (no hand-made frame for the gap).
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's portfolio").await;
    let mut a = open(&server, &olga, doc).await;
    let changes = edit_locally(&mut a, &doc, 3);
    let frame = carrying(&mut a, &doc, &changes[2..]);
    a.send(vec![frame]).await;
    a.drain(Duration::from_millis(500)).await;
    assert!(!a.rejected(&doc), "{:?}", a.events);
    let have = stored_hashes(&server, &doc).await;
    for c in &changes {
        assert!(have.contains(&c.hash()), "change {} is stored", c.hash());
    }
}

#[tokio::test]
async fn a_peer_over_the_hold_limit_gets_an_error_nothing_is_stored_and_others_carry_on() {
    let server = TestServer::start_with(|c| c.limits.max_held_changes = 2).await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's portfolio").await;
    let mut flooder = open(&server, &olga, doc).await;
    let mut other = open(&server, &olga, doc).await;

    let changes = edit_locally(&mut flooder, &doc, 4);
    // Three changes whose history never arrives: one over the limit of two.
    let frames: Vec<Message> = changes[1..].iter().rev().map(|c| carrying(&mut flooder, &doc, std::slice::from_ref(c))).collect();
    flooder.send(frames).await;
    flooder.until(|c| c.closed || c.events.iter().any(|e| matches!(e, ClientEvent::ServerError { .. }))).await;
    let error = flooder
        .events
        .iter()
        .find_map(|e| match e {
            ClientEvent::ServerError { message } => Some(message.clone()),
            _ => None,
        })
        .expect("an error message");
    assert!(error.contains("too many changes are waiting"), "{error}");
    flooder.drain(Duration::from_millis(300)).await;
    assert!(flooder.closed, "the session ends");

    let have = stored_hashes(&server, &doc).await;
    for c in &changes {
        assert!(!have.contains(&c.hash()), "held change {} was not stored", c.hash());
    }
    // The other peer keeps editing, undisturbed.
    other.repo.doc_mut(&doc).unwrap().put(ROOT, "description", "still here").unwrap();
    other.sync(&doc).await;
    other.drain(Duration::from_millis(300)).await;
    assert!(!other.closed && !other.rejected(&doc), "{:?}", other.events);
    let heads = other.repo.doc_mut(&doc).unwrap().get_heads();
    let have = stored_hashes(&server, &doc).await;
    assert!(heads.iter().all(|h| have.contains(h)), "the other peer's edit is stored");
}

#[tokio::test]
async fn held_changes_that_build_on_a_refused_one_are_refused_with_it() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let tom = account(&server, "tom@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's portfolio").await;
    let pid = stored(&doc);
    let g = Grant::new(0, pid.as_str(), Subject::user(tom.id.to_string()), Level::Comment);
    server.state.storage().insert_grant(&pid, &g, GrantSource::Direct, Some(UserId(olga.id)), server.clock.now()).await.unwrap();
    server.state.policy().grants_changed(&pid).await.unwrap();

    let mut t = open(&server, &tom, doc).await;
    // A commenter may not edit the description: the first change is refused,
    // and the two held ones that build on it go with it.
    let changes = edit_locally(&mut t, &doc, 3);
    let frames: Vec<Message> = changes.iter().rev().map(|c| carrying(&mut t, &doc, std::slice::from_ref(c))).collect();
    t.send(frames).await;
    t.until(|c| c.rejected(&doc)).await;
    t.drain(Duration::from_millis(300)).await;

    let have = stored_hashes(&server, &doc).await;
    let audit = server.state.storage().audit_for_document(&stored(&doc), u32::MAX).await.unwrap();
    for c in &changes {
        assert!(!have.contains(&c.hash()), "refused change {} is not stored", c.hash());
        let prefix = format!("change {}:", c.hash());
        assert!(
            audit.iter().any(|e| e.outcome.as_str() == "rejected" && e.reason.as_deref().is_some_and(|r| r.starts_with(&prefix))),
            "audit row for the refused change {}",
            c.hash()
        );
    }
    let builds_on = audit.iter().filter(|e| e.reason.as_deref().is_some_and(|r| r.contains("builds on change"))).count();
    assert_eq!(builds_on, 2, "{audit:#?}");
    // The writer recovered the server's state.
    t.until(|c| description(c, &doc).is_none_or(|d| !d.starts_with("edit"))).await;
}
