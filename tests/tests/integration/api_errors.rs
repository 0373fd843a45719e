//! Every API error has the stable JSON shape; cross-site writes are refused.

use folio_tests::{TestServer, error_code};
use reqwest::StatusCode;

#[tokio::test]
async fn an_unknown_api_route_is_a_json_404() {
    let server = TestServer::start().await;
    let response = server
        .client()
        .get(server.url("/api/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let server = TestServer::start().await;
    let response = server
        .client()
        .get(server.url("/api/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(response).await, "method_not_allowed");
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_clearly() {
    let server = TestServer::start().await;
    let client = server.client();
    let form = client
        .post(server.url("/api/session"))
        .body("email=a&password=b")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(form).await, "unsupported_media_type");

    let broken = client
        .post(server.url("/api/session"))
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(broken).await, "invalid_json");

    let missing = client
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"email": "a@uni.nl"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(missing).await, "invalid_json");
    server.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_json_413_and_the_server_stays_up() {
    let server = TestServer::start_with(|c| c.limits.max_body_bytes = 1024).await;
    let huge = serde_json::json!({"email": "a@uni.nl", "password": "x".repeat(4096)});
    let response = server
        .client()
        .post(server.url("/api/session"))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, "payload_too_large");
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
}

#[tokio::test]
async fn a_write_from_another_origin_is_refused_before_the_handler() {
    let server = TestServer::start().await;
    server
        .create_user("ada@uni.nl", "correct horse battery")
        .await;
    let client = server.client();
    let body = serde_json::json!({"email": "ada@uni.nl", "password": "correct horse battery"});
    let evil = client
        .post(server.url("/api/session"))
        .header("Origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(evil).await, "forbidden_origin");
    let cross = client
        .post(server.url("/api/session"))
        .header("Sec-Fetch-Site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);

    let own = client
        .post(server.url("/api/session"))
        .header("Origin", server.url(""))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    server.stop().await;
}
