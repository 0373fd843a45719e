//! A native sync client for tests: `folio-core`'s [`ClientRepo`] over a real
//! websocket (tokio-tungstenite), plus helpers to sign in and make portfolios.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use automerge::{AutoCommit, Automerge};
use folio_core::doc::{Edit, TypedDoc, actor};
use folio_core::sync::{ClientEvent, ClientRepo, DocumentId, Message, PeerId, encode};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::TestServer;

/// A signed-in account as the tests use it.
#[derive(Clone, Debug)]
pub struct Account {
    /// User id.
    pub id: i64,
    /// `name=value` of the session cookie.
    pub cookie: String,
    /// CSRF token for writes.
    pub csrf: String,
}

impl Account {
    /// The engine's principal key (`user:ID`).
    pub fn key(&self) -> String {
        format!("user:{}", self.id)
    }
}

/// Creates a user and signs in, keeping the raw cookie for websockets.
pub async fn account(server: &TestServer, email: &str) -> Account {
    let user = server.create_user(email, "correct horse battery").await;
    let response = reqwest::Client::new()
        .post(server.url("/api/session"))
        .json(&serde_json::json!({ "email": email, "password": "correct horse battery" }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let me: serde_json::Value = response.json().await.expect("json");
    Account { id: user.id.0, cookie, csrf: me["csrf_token"].as_str().expect("csrf").to_owned() }
}

/// Creates a portfolio as `owner`; returns its document id.
pub async fn create_portfolio(server: &TestServer, owner: &Account, title: &str) -> DocumentId {
    let response = reqwest::Client::new()
        .post(server.url("/api/portfolios"))
        .header("cookie", &owner.cookie)
        .header("x-csrf-token", &owner.csrf)
        .json(&serde_json::json!({ "title": title }))
        .send()
        .await
        .expect("create portfolio");
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.expect("json");
    body["id"].as_str().expect("id").parse().expect("a document id")
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One connected client.
pub struct SyncClient {
    socket: Socket,
    /// The client's documents and protocol state.
    pub repo: ClientRepo,
    /// Everything that happened so far.
    pub events: Vec<ClientEvent>,
    /// Whether the server closed the connection.
    pub closed: bool,
}

impl SyncClient {
    /// Connects with a session cookie, as principal `key` (for the actor id).
    pub async fn with_cookie(server: &TestServer, account: &Account) -> SyncClient {
        Self::connect(server, "/sync", Some(&account.cookie), &account.key()).await
    }

    /// Connects to `path` (e.g. `/sync?token=…`), optionally with a cookie.
    pub async fn connect(server: &TestServer, path: &str, cookie: Option<&str>, key: &str) -> SyncClient {
        let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
        Self::connect_with(server, path, &headers, key).await.expect("websocket")
    }

    /// Connects to `path` with extra request headers (`cookie`, `origin`…);
    /// the HTTP error answer if the server refuses the upgrade.
    pub async fn connect_with(server: &TestServer, path: &str, headers: &[(&str, &str)], key: &str) -> Result<SyncClient, tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("ws://{}{path}", server.addr).into_client_request().expect("request");
        for (name, value) in headers {
            let name: tokio_tungstenite::tungstenite::http::HeaderName = name.parse().expect("header name");
            request.headers_mut().insert(name, value.parse().expect("header value"));
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        let mut session = [0u8; 16];
        session[..8].copy_from_slice(&rand_u64().to_le_bytes());
        let repo = ClientRepo::new(PeerId::new(format!("test-{}", rand_u64())), actor::actor_for(key, session));
        let mut client = SyncClient { socket, repo, events: Vec::new(), closed: false };
        let join = client.repo.join();
        client.send(vec![join]).await;
        client.until(|c| c.events.iter().any(|e| matches!(e, ClientEvent::Connected { .. }))).await;
        Ok(client)
    }

    /// Sends messages, one frame each. If the server has closed the
    /// connection (e.g. a flood cut off mid-way), stops sending; what the
    /// server said before closing is still read by [`Self::step`].
    pub async fn send(&mut self, messages: Vec<Message>) {
        for m in messages {
            if self.socket.send(Ws::Binary(encode(&m).into())).await.is_err() {
                return;
            }
        }
    }

    /// Sends raw bytes as one binary frame.
    pub async fn send_raw(&mut self, bytes: Vec<u8>) {
        self.socket.send(Ws::Binary(bytes.into())).await.expect("send raw");
    }

    /// Asks for a document.
    pub async fn find(&mut self, doc: DocumentId) {
        let m = self.repo.find(doc);
        self.send(m).await;
    }

    /// Syncs local changes of a document.
    pub async fn sync(&mut self, doc: &DocumentId) {
        let m = self.repo.sync(doc);
        self.send(m).await;
    }

    /// Handles one incoming frame (waiting at most `limit`); `false` on timeout or close.
    pub async fn step(&mut self, limit: Duration) -> bool {
        match tokio::time::timeout(limit, self.socket.next()).await {
            Ok(Some(Ok(Ws::Binary(bytes)))) => {
                let out = self.repo.receive_frame(&bytes, 64 << 20).expect("a valid frame from the server");
                self.events.extend(out.events);
                let send = out.send;
                self.send(send).await;
                true
            }
            Ok(Some(Ok(Ws::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                self.closed = true;
                false
            }
            Ok(Some(Ok(_))) => true,
            Err(_) => false,
        }
    }

    /// Processes frames until `done` holds; panics after 10 s.
    pub async fn until(&mut self, done: impl Fn(&SyncClient) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(self) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(!left.is_zero(), "condition not reached within 10 s; events: {:?}", self.events);
            if !self.step(left).await && self.closed {
                assert!(done(self), "connection closed before the condition held; events: {:?}", self.events);
                return;
            }
        }
    }

    /// Processes frames for `quiet` of silence; returns whether anything arrived.
    pub async fn drain(&mut self, quiet: Duration) -> bool {
        let mut any = false;
        while self.step(quiet).await {
            any = true;
        }
        any
    }

    /// Whether the server said the document is unavailable.
    pub fn unavailable(&self, doc: &DocumentId) -> bool {
        self.events.iter().any(|e| matches!(e, ClientEvent::DocUnavailable { document } if document == doc))
    }

    /// Whether changes to `doc` were rejected.
    pub fn rejected(&self, doc: &DocumentId) -> bool {
        self.events.iter().any(|e| matches!(e, ClientEvent::Rejected { document, .. } if document == doc))
    }

    /// Whether a policy snapshot arrived.
    pub fn got_policy(&self) -> bool {
        self.events.iter().any(|e| matches!(e, ClientEvent::PolicyUpdated { .. }))
    }

    /// Applies a typed edit to this client's copy of `id`, as principal
    /// `key` under a fresh actor, and syncs it (as the browser's editor does).
    pub async fn edit(&mut self, key: &str, id: &DocumentId, e: Edit) {
        let base = Automerge::load(&self.repo.doc(id).expect("the document is open").clone().save()).expect("a held document loads");
        let before = base.get_heads();
        let mut typed = TypedDoc::from_automerge(base.with_actor(actor::actor_for(key, fresh_session()))).expect("a typed document");
        typed.apply(&e).expect("the edit applies");
        let changes = typed.changes_since(&before);
        self.repo.doc_mut(id).expect("the document is open").apply_changes(changes).expect("own changes apply");
        self.sync(id).await;
    }

    /// Holds a document this client created (its saved bytes) and offers it
    /// to the server: the first sync message, without changes yet (those
    /// follow when the server answers, in [`Self::step`]).
    pub async fn add(&mut self, id: DocumentId, bytes: Vec<u8>, key: &str) {
        let doc = AutoCommit::load(&bytes).expect("saved bytes load").with_actor(actor::actor_for(key, fresh_session()));
        let m = self.repo.add(id, doc);
        self.send(m).await;
    }

    /// Processes frames until 400 ms pass without one.
    pub async fn settle(&mut self) {
        self.drain(Duration::from_millis(400)).await;
    }
}

/// Session bytes no other call in this test process gets: each editing place
/// needs its own automerge actor.
pub fn fresh_session() -> [u8; 16] {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let mut s = [0u8; 16];
    s[..8].copy_from_slice(&NEXT.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    s[8..].copy_from_slice(&rand_u64().to_le_bytes());
    s
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish()
}
