//! Share links: hashed random secrets, several per node, their own window and
//! level, revocable one by one, plain errors when expired or revoked.

use crate::support;

use std::time::Duration;

use folio_tests::{TestServer, error_code};
use serde_json::json;
use support::{delete, portfolio, post};

#[tokio::test]
async fn a_level_4_link_opens_a_read_only_view_without_login_until_it_expires() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "a").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;

    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/links"), json!({"node": "c1", "level": 4, "hours": 24, "label": "for the jury"})).await;
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("fl_") && token.len() == 46, "256-bit secret: {token}");

    // No login: the view shows c1 and its page, not c2.
    let anon = reqwest::Client::new();
    let view: serde_json::Value = anon.get(server.url("/api/links/view")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let ids: Vec<&str> = view.as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"c1") && ids.contains(&"p1") && !ids.contains(&"c2"), "{ids:?}");
    // The sync hook resolves it to a link principal.
    assert!(server.state.policy().resolve_token(&token).await.is_some());

    // The owner sees expiry and last use.
    let list: serde_json::Value = owner.get(server.url(&format!("/api/portfolios/{p}/links"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["state"], "active");
    assert_eq!(list[0]["expires_at"], json!(folio_tests::START.millis() + 24 * 3_600_000));
    assert_eq!(list[0]["last_used_at"], json!(folio_tests::START.millis()));

    server.clock.advance(Duration::from_secs(24 * 3600));
    let r = anon.get(server.url("/api/links/view")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(error_code(r).await, "link_expired");
    assert!(server.state.policy().resolve_token(&token).await.is_none());
    server.stop().await;
}

#[tokio::test]
async fn links_are_revoked_one_by_one_and_a_revoked_link_says_so() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "b").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let c: serde_json::Value = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/links"), json!({"node": "c1", "level": 4})).await.json().await.unwrap();
        tokens.push(c["token"].as_str().unwrap().to_owned());
        ids.push(c["link"]["id"].as_str().unwrap().to_owned());
    }
    let r = delete(&server, &owner, &csrf, &format!("/api/portfolios/{p}/links/{}", ids[0])).await;
    assert_eq!(r.status(), 204);
    let anon = reqwest::Client::new();
    let r = anon.post(server.url("/api/links/open")).json(&json!({"token": tokens[0]})).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(error_code(r).await, "link_revoked");
    let r = anon.post(server.url("/api/links/open")).json(&json!({"token": tokens[1]})).send().await.unwrap();
    assert_eq!(r.status(), 200, "the other link still works");
    let r = anon.post(server.url("/api/links/open")).json(&json!({"token": "fl_not-a-real-link"})).send().await.unwrap();
    assert_eq!(error_code(r).await, "link_unknown");
    server.stop().await;
}

#[tokio::test]
async fn a_stranger_cannot_tell_a_forbidden_portfolio_from_an_unknown_one() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    server.create_user("eve@uni.nl", "pw-eve-1234").await;
    let p = portfolio(&server, &olga, "c").await;
    let eve = server.client();
    let csrf = server.login(&eve, "eve@uni.nl", "pw-eve-1234").await;
    for path in [format!("/api/portfolios/{p}/links"), "/api/portfolios/pf-nope/links".to_owned()] {
        let r = post(&server, &eve, &csrf, &path, json!({"level": 4})).await;
        assert_eq!(r.status(), 404);
        assert_eq!(error_code(r).await, "not_found");
        let r = eve.get(server.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }
    server.stop().await;
}

#[tokio::test]
async fn bad_link_input_is_a_clear_error_naming_the_field() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "d").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/links"), json!({"level": 7})).await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "level");
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/links"), json!({"level": 2, "recipients": ["not-an-address"]})).await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "recipients");
    assert!(server.state.storage().portfolio_links(&p).await.unwrap().is_empty(), "nothing stored");
    server.stop().await;
}
