//! Cross-site websocket hijacking: a cookie-authenticated `/sync` upgrade must
//! come from Folio's own origin; a token in the URL works from anywhere.

use automerge::ReadDoc;
use automerge::ROOT;
use folio_core::sync::DocumentId;
use folio_tests::TestServer;
use folio_tests::sync::{Account, SyncClient, account, create_portfolio};
use tokio_tungstenite::tungstenite::Error as WsError;

const EVIL: &str = "https://evil.example";

fn title(c: &SyncClient, doc: &DocumentId) -> Option<String> {
    match c.repo.doc(doc)?.get(ROOT, "title").ok().flatten()? {
        (automerge::Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        (automerge::Value::Object(_), id) => c.repo.doc(doc)?.text(&id).ok(),
    }
}

/// The refused upgrade's status and body.
fn refusal(result: Result<SyncClient, WsError>) -> (u16, String) {
    match result {
        Err(WsError::Http(response)) => {
            let body = response.body().as_deref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
            (response.status().as_u16(), body)
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

async fn share_link(server: &TestServer, owner: &Account, doc: &DocumentId) -> String {
    let r = reqwest::Client::new()
        .post(server.url(&format!("/api/portfolios/{doc}/links")))
        .header("cookie", &owner.cookie)
        .header("x-csrf-token", &owner.csrf)
        .json(&serde_json::json!({ "node": doc.to_string(), "level": 4, "hours": 24 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let body: serde_json::Value = r.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_cookie_upgrade_from_another_site_is_refused_with_a_clear_error() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let refused = SyncClient::connect_with(&server, "/sync", &[("cookie", &olga.cookie), ("origin", EVIL)], &olga.key()).await;
    let (status, body) = refusal(refused);
    assert_eq!(status, 403);
    assert!(body.contains("forbidden_origin") && body.contains("another site"), "{body}");
    // A browser that marks the request cross-site without an Origin is refused too.
    let refused = SyncClient::connect_with(&server, "/sync", &[("cookie", &olga.cookie), ("sec-fetch-site", "cross-site")], &olga.key()).await;
    assert_eq!(refusal(refused).0, 403);
    server.stop().await;
}

#[tokio::test]
async fn a_cookie_upgrade_from_folios_own_origin_syncs() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's portfolio").await;
    let own = format!("http://{}", server.addr);
    let mut c = SyncClient::connect_with(&server, "/sync", &[("cookie", &olga.cookie), ("origin", &own)], &olga.key())
        .await
        .expect("same-origin upgrade accepted");
    c.find(doc).await;
    c.until(|c| title(c, &doc).as_deref() == Some("Olga's portfolio")).await;
    server.stop().await;
}

#[tokio::test]
async fn a_token_in_the_url_is_accepted_from_any_origin_or_none() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let doc = create_portfolio(&server, &olga, "Shared by link").await;
    let token = share_link(&server, &olga, &doc).await;
    let path = format!("/sync?token={token}");
    for headers in [vec![("origin", EVIL)], vec![], vec![("origin", EVIL), ("cookie", olga.cookie.as_str())]] {
        let mut c = SyncClient::connect_with(&server, &path, &headers, "link:x").await.expect("token upgrade accepted");
        c.find(doc).await;
        c.until(|c| title(c, &doc).as_deref() == Some("Shared by link")).await;
    }
    server.stop().await;
}
