//! Health, metrics, the web app and shutdown.

use std::sync::atomic::Ordering;

use folio_tests::TestServer;
use reqwest::StatusCode;

#[tokio::test]
async fn health_reports_the_database_as_ok() {
    let server = TestServer::start().await;
    let response = server
        .client()
        .get(server.url("/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["db"], "ok");
    server.stop().await;
}

#[tokio::test]
async fn metrics_expose_the_sync_counters_in_prometheus_text() {
    let server = TestServer::start().await;
    server
        .state
        .metrics()
        .changes_rejected
        .fetch_add(3, Ordering::Relaxed);
    server
        .state
        .metrics()
        .connections
        .fetch_add(2, Ordering::Relaxed);
    let response = server
        .client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    for line in [
        "folio_connections 2",
        "folio_documents_open 0",
        "folio_changes_accepted_total 0",
        "folio_changes_rejected_total 3",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn without_a_built_web_app_pages_are_a_503_that_says_how_to_build_it() {
    let server = TestServer::start().await;
    let response = server
        .client()
        .get(server.url("/portfolio/abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().await.unwrap().contains("cargo xtask run"));
    server.stop().await;
}

#[tokio::test]
async fn the_web_app_serves_its_files_and_falls_back_to_index_for_deep_links() {
    let server = TestServer::start_with(|c| c.web_dir = c.data_dir.join("dist")).await;
    let dist = server.dir.path().join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Folio</title>",
    )
    .unwrap();
    std::fs::write(dist.join("assets/app.js"), "console.log('folio')").unwrap();
    let client = server.client();

    let js = client
        .get(server.url("/assets/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(js.text().await.unwrap(), "console.log('folio')");

    for path in ["/", "/portfolio/abc/page/2"] {
        let page = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_eq!(page.headers()["cache-control"], "no-cache");
        assert_eq!(
            page.text().await.unwrap(),
            "<!doctype html><title>Folio</title>",
            "{path}"
        );
    }
    // The API never falls back to the app.
    assert_eq!(
        client
            .get(server.url("/api/nothing"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}

#[tokio::test]
async fn stopping_the_server_releases_its_port() {
    let server = TestServer::start().await;
    let addr = server.addr;
    assert_eq!(
        server
            .client()
            .get(server.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.stop().await;
    assert!(
        reqwest::Client::new()
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .is_err()
    );
}
