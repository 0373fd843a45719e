//! Helpers for the sharing, accounts and token tests: a real SMTP sink on
//! loopback and a portfolio fixture created through the server's storage.
#![allow(dead_code)]

use folio_core::access::{Node, NodeKind};
use folio_server::storage::{DocumentId, Portfolio, User};
use folio_tests::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One mail received by the sink.
#[derive(Debug, Clone)]
pub struct Received {
    /// RCPT TO addresses.
    pub to: Vec<String>,
    /// The raw DATA.
    pub data: String,
}

/// A minimal SMTP server speaking real SMTP on 127.0.0.1.
pub struct SmtpSink {
    /// `smtp://127.0.0.1:PORT`.
    pub url: String,
    rx: mpsc::UnboundedReceiver<Received>,
}

impl SmtpSink {
    /// Binds a free port and serves connections.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::new(r);
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    let mut to = Vec::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                            b"250 ok\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = w.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            loop {
                                let mut l = String::new();
                                if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if l == ".\r\n" {
                                    break;
                                }
                                data.push_str(&l);
                            }
                            let _ = tx.send(Received { to: std::mem::take(&mut to), data });
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            b"250 ok\r\n"
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        SmtpSink { url, rx }
    }

    /// The next mail, waiting at most 10 s.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.rx.recv())
            .await
            .expect("a mail arrives within 10 s")
            .expect("sink open")
    }
}

/// A portfolio `pf-<tag>` owned by `owner` with collections `c1`, `c2` and a page `p1` in `c1`.
pub async fn portfolio(server: &TestServer, owner: &User, tag: &str) -> DocumentId {
    let id = DocumentId::parse(&format!("pf-{tag}")).unwrap();
    let storage = server.state.storage();
    storage
        .create_portfolio(&Portfolio { id: id.clone(), owner: owner.id, title: "My year".into(), created_at: folio_tests::START })
        .await
        .unwrap();
    let root = id.as_str();
    storage
        .put_nodes(&id, &[
            Node::portfolio(root, owner.id.0.to_string()).with_title("My year"),
            Node::child("c1", NodeKind::Collection, root).with_title("Internship"),
            Node::child("c2", NodeKind::Collection, root).with_title("Private"),
            Node::child("p1", NodeKind::Page, "c1").with_title("Week 1"),
        ])
        .await
        .unwrap();
    id
}

/// Sends a JSON write with the CSRF header.
pub async fn post(server: &TestServer, client: &reqwest::Client, csrf: &str, path: &str, body: serde_json::Value) -> reqwest::Response {
    client.post(server.url(path)).header("x-csrf-token", csrf).json(&body).send().await.unwrap()
}

/// Sends a DELETE with the CSRF header.
pub async fn delete(server: &TestServer, client: &reqwest::Client, csrf: &str, path: &str) -> reqwest::Response {
    client.delete(server.url(path)).header("x-csrf-token", csrf).send().await.unwrap()
}

/// The latest mail in the outbox addressed to `to`.
pub async fn last_mail_to(server: &TestServer, to: &str) -> folio_server::storage::OutboxMail {
    server.state.storage().list_mail(100).await.unwrap().into_iter().find(|m| m.mail.to.as_str() == to).expect("a mail to the address")
}

/// Creates an administrator with a password, through the server's storage.
pub async fn create_admin(server: &TestServer, email: &str, pw: &str) -> User {
    use folio_server::clock::Clock;
    let user = folio_server::storage::NewUser {
        email: folio_server::storage::Email::parse(email).unwrap(),
        display_name: "Admin".into(),
        password_hash: Some(folio_server::auth::password::hash(pw).unwrap()),
        is_admin: true,
        kind: folio_server::storage::UserKind::Member,
    };
    server.state.storage().create_user(&user, server.clock.now()).await.unwrap()
}

/// As an administrator (`client` signed in, `csrf`): a service user `email`
/// and a token for it with `scopes`; returns (service user id, secret, token id).
pub async fn service_token(server: &TestServer, client: &reqwest::Client, csrf: &str, email: &str, scopes: serde_json::Value) -> (i64, String, String) {
    let r = post(server, client, csrf, "/api/admin/service-users", serde_json::json!({"email": email, "display_name": "Grades export"})).await;
    assert_eq!(r.status(), 201, "service user");
    let user = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let (secret, id) = token_for(server, client, csrf, user, scopes).await;
    (user, secret, id)
}

/// As an administrator: another token for service user `user`; returns (secret, token id).
pub async fn token_for(server: &TestServer, client: &reqwest::Client, csrf: &str, user: i64, scopes: serde_json::Value) -> (String, String) {
    let r = post(server, client, csrf, "/api/admin/tokens", serde_json::json!({"user": user, "name": "export", "scopes": scopes, "days": 30})).await;
    assert_eq!(r.status(), 201, "token");
    let body: serde_json::Value = r.json().await.unwrap();
    (body["secret"].as_str().unwrap().to_owned(), body["token"]["id"].as_str().unwrap().to_owned())
}

/// `GET path` with a bearer secret.
pub async fn bearer_get(server: &TestServer, secret: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new().get(server.url(path)).bearer_auth(secret).send().await.unwrap()
}
