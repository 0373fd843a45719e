//! Helpers shared by Folio's cross-crate tests.
//!
//! [`TestServer`] runs the real `folio-server` application on `127.0.0.1:0` with
//! a fresh data directory, a file-backed SQLite database and a [`ManualClock`],
//! and stops it gracefully. Tests speak HTTP to it with [`TestServer::client`]
//! and set up users directly through the server's own storage API.

pub mod native_peer;
pub mod sync;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use folio_core::time::Timestamp;
use folio_server::auth::password;
use folio_server::clock::{Clock, ManualClock};
use folio_server::config::ServeConfig;
use folio_server::storage::{Email, NewUser, SqliteStorage, User, UserKind};
use folio_server::{AppState, serve};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The instant every test server's clock starts at (2025-01-01T00:00:00Z).
pub const START: Timestamp = Timestamp(1_735_689_600_000);

/// A running server.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state (storage, metrics, …).
    pub state: AppState,
    /// Its clock; move it instead of sleeping.
    pub clock: Arc<ManualClock>,
    /// Its data directory (removed on drop).
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts a server with the test configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after adjusting its configuration.
    pub async fn start_with(configure: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServeConfig::for_tests(dir.path().to_owned());
        configure(&mut config);
        let storage = Arc::new(SqliteStorage::open(dir.path()).await.expect("open storage"));
        let clock = Arc::new(ManualClock::new(START));
        let state = AppState::new(config, storage, clock.clone()).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            state,
            clock,
            dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Moves the clock forward and lets the server's timers see it.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.state.policy().tick();
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// An HTTP client with its own cookie jar, like one browser.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client")
    }

    /// Creates a member with a password, through the server's storage.
    pub async fn create_user(&self, email: &str, pw: &str) -> User {
        let hash = password::hash(pw).expect("hash");
        let user = NewUser {
            email: Email::parse(email).expect("email"),
            display_name: email.split('@').next().unwrap_or("user").to_owned(),
            password_hash: Some(hash),
            is_admin: false,
            kind: UserKind::Member,
        };
        self.state
            .storage()
            .create_user(&user, self.clock.now())
            .await
            .expect("create user")
    }

    /// Signs `client` in; returns the CSRF token. Panics unless the answer is 200.
    pub async fn login(&self, client: &reqwest::Client, email: &str, pw: &str) -> String {
        let response = client
            .post(self.url("/api/session"))
            .json(&serde_json::json!({ "email": email, "password": pw }))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "login of {email} failed");
        let me: serde_json::Value = response.json().await.expect("login json");
        me["csrf_token"].as_str().expect("csrf token").to_owned()
    }

    /// Stops the server gracefully and checks it stopped cleanly.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("server stops within 10 s")
                .expect("server task")
                .expect("server result");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Reads `{ "error": { "code": … } }` from a response, checking the shape.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.expect("error body is json");
    let error = body.get("error").expect("an `error` object");
    assert!(error["message"].is_string(), "error has a message: {body}");
    assert!(
        error.get("field").is_some(),
        "error has a field key: {body}"
    );
    error["code"].as_str().expect("error code").to_owned()
}
