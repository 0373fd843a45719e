//! Signing in and out over real HTTP: cookies, rotation, CSRF, expiry.

use std::time::Duration;

use folio_tests::{TestServer, error_code};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

const PW: &str = "correct horse battery";

#[tokio::test]
async fn signing_in_sets_an_http_only_lax_cookie_and_me_shows_the_user() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@uni.nl", PW).await;
    let client = server.client();

    let response = client
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"email": "ADA@uni.nl", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("folio_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http has no Secure flag: {cookie}"
    );
    let login: serde_json::Value = response.json().await.unwrap();

    let me: serde_json::Value = client
        .get(server.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], ada.id.0);
    assert_eq!(me["email"], "ada@uni.nl");
    assert_eq!(me["kind"], "member");
    assert_eq!(me["is_admin"], false);
    assert_eq!(me["csrf_token"], login["csrf_token"]);
    assert_eq!(
        server
            .state
            .metrics()
            .logins_succeeded
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    server.stop().await;
}

#[tokio::test]
async fn the_session_token_is_stored_only_as_its_hash() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", PW).await;
    let response = server
        .client()
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"email": "ada@uni.nl", "password": PW}))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let token = cookie
        .trim_start_matches("folio_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let db = std::fs::read(server.dir.path().join("folio.db")).unwrap();
    let wal = std::fs::read(server.dir.path().join("folio.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the raw token is not on disk"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", PW).await;
    let client = server.client();
    for (email, pw) in [("ada@uni.nl", "wrong password!"), ("nobody@uni.nl", PW)] {
        let response = client
            .post(server.url("/api/session"))
            .json(&serde_json::json!({"email": email, "password": pw}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().get(SET_COOKIE).is_none());
        assert_eq!(error_code(response).await, "invalid_credentials");
    }
    let me = client.get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(me).await, "unauthenticated");
    server.stop().await;
}

#[tokio::test]
async fn a_malformed_email_is_refused_naming_the_field() {
    let server = TestServer::start().await;
    let response = server
        .client()
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"email": "not-an-email", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_input");
    assert_eq!(body["error"]["field"], "email");
    server.stop().await;
}

#[tokio::test]
async fn signing_out_needs_the_csrf_token_and_then_ends_the_session() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", PW).await;
    let client = server.client();
    let csrf = server.login(&client, "ada@uni.nl", PW).await;

    let without = client
        .delete(server.url("/api/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(without).await, "csrf_failed");
    let wrong = client
        .delete(server.url("/api/session"))
        .header("X-CSRF-Token", "x".repeat(43))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        client
            .get(server.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "still signed in"
    );

    let out = client
        .delete(server.url("/api/session"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let cleared = out.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(
        client
            .get(server.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    server.stop().await;
}

#[tokio::test]
async fn signing_in_again_rotates_the_session_and_the_old_token_stops_working() {
    let server = TestServer::start().await;
    server.create_user("ada@uni.nl", PW).await;
    let client = server.client();
    let first = client
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"email": "ada@uni.nl", "password": PW}))
        .send()
        .await
        .unwrap();
    let old_cookie = first
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let old_csrf = first.json::<serde_json::Value>().await.unwrap()["csrf_token"].clone();

    let new_csrf = server.login(&client, "ada@uni.nl", PW).await;
    assert_ne!(serde_json::Value::from(new_csrf), old_csrf);

    // A second browser replaying the old cookie is no longer signed in.
    let replay = reqwest::Client::new()
        .get(server.url("/api/me"))
        .header("Cookie", &old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        client
            .get(server.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.stop().await;
}

#[tokio::test]
async fn a_session_expires_when_the_clock_passes_its_lifetime() {
    let server = TestServer::start_with(|c| c.session_hours = 2).await;
    server.create_user("ada@uni.nl", PW).await;
    let client = server.client();
    server.login(&client, "ada@uni.nl", PW).await;
    server.clock.advance(Duration::from_secs(2 * 3600 - 1));
    assert_eq!(
        client
            .get(server.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    server.clock.advance(Duration::from_secs(1));
    assert_eq!(
        client
            .get(server.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    server.stop().await;
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let server =
        TestServer::start_with(|c| c.public_url = Some("https://folio.example.org".into())).await;
    server.create_user("ada@uni.nl", PW).await;
    let response = server
        .client()
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"email": "ada@uni.nl", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cookie.starts_with("__Host-folio_session=") && cookie.ends_with("; Secure"),
        "{cookie}"
    );
    server.stop().await;
}
