//! Interop: an unmodified automerge-repo 2.5.6 client (tests/interop/client.mjs,
//! Node) connects with a token, reads a document it may read, and has a
//! forbidden change refused. The token is resolved by a resolver installed
//! through the policy hub's hook (standing in for the sharing code's link
//! store); the grant is a real stored grant and the guard is the real guard.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use folio_core::access::{Grant, Level, LinkId, Principal, Subject};
use folio_core::time::Timestamp;
use folio_server::clock::Clock;
use folio_server::policy::TokenResolver;
use folio_server::storage::{DocumentId as StoredId, GrantSource};
use folio_tests::TestServer;
use folio_tests::sync::{account, create_portfolio};
use futures::future::BoxFuture;

#[derive(Debug)]
struct OneLink;

impl TokenResolver for OneLink {
    fn resolve<'a>(&'a self, token: &'a str, _now: Timestamp) -> BoxFuture<'a, Option<Principal>> {
        Box::pin(async move { (token == "read-link-secret").then(|| Principal::Link { id: LinkId::new("L1") }) })
    }
}

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}

fn node_ready() -> bool {
    Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success())
        && interop_dir().join("node_modules/@automerge/automerge-repo").exists()
}

async fn client(args: Vec<String>) -> (i32, String) {
    let out = tokio::process::Command::new("node")
        .arg("client.mjs")
        .args(args)
        .current_dir(interop_dir())
        .output()
        .await
        .expect("node runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn an_unmodified_automerge_repo_client_reads_with_a_token_and_its_forbidden_write_is_refused() {
    if !node_ready() {
        eprintln!("skipped: node or tests/interop/node_modules missing (cd tests/interop && npm install)");
        return;
    }
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "Shared by link").await;
    let pid = StoredId::parse(&doc.to_string()).unwrap();
    let grant = Grant::new(0, pid.as_str(), Subject::Link { id: LinkId::new("L1") }, Level::Read);
    server.state.storage().insert_grant(&pid, &grant, GrantSource::ShareLink, None, server.clock.now()).await.unwrap();
    server.state.policy().grants_changed(&pid).await.unwrap();
    server.state.policy().set_token_resolver(Arc::new(OneLink));

    let url = format!("ws://{}/sync?token=read-link-secret", server.addr);
    let (code, out) = client(vec!["--url".into(), url.clone(), "--doc".into(), doc.to_url(), "--expect-read".into()]).await;
    assert_eq!(code, 0, "read failed: {out}");
    assert!(out.contains("Shared by link"), "{out}");

    let patch = r#"[{"op":"set","path":["title"],"value":"defaced"}]"#;
    let (code, out) = client(vec!["--url".into(), url, "--doc".into(), doc.to_url(), "--write".into(), patch.into(), "--quiet-ms".into(), "800".into()]).await;
    assert_eq!(code, 5, "the write must be refused: {out}");

    let bad = format!("ws://{}/sync?token=wrong", server.addr);
    let (code, out) = client(vec!["--url".into(), bad, "--doc".into(), doc.to_url(), "--expect-read".into()]).await;
    assert_eq!(code, 3, "an unknown token cannot connect: {out}");
    server.stop().await;
}
