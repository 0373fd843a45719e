//! Externals: invited by mail over real SMTP, signing in with a one-time code
//! each time, cut off by revocation and by their end date.

use crate::support;

use std::time::Duration;

use folio_core::access::{Action, NodeId};
use folio_server::storage::Email;
use folio_tests::{TestServer, error_code};
use serde_json::json;
use support::{SmtpSink, delete, portfolio, post};

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text.find(start).expect("start marker") + start.len();
    let rest = &text[i..];
    &rest[..rest.find(end).expect("end marker")]
}

#[tokio::test]
async fn an_invited_external_signs_in_with_a_mailed_code_and_loses_access_when_revoked() {
    let mut sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let server = TestServer::start_with(|c| c.smtp_url = Some(folio_server::secret::Secret::new(url))).await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "x").await;
    server.state.storage().create_org("Air France", server.state.clock().now()).await.unwrap();
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;

    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/invitations"), json!({
        "name": "Yves Lacoste", "email": "Yves@AirFrance.com", "role": "supervisor", "organisation": "Air France",
        "nodes": ["c1"], "days": 30, "hide_feedback": true, "lang": "nl"
    })).await;
    assert_eq!(r.status(), 201);
    let invitation = sink.next().await;
    assert_eq!(invitation.to, vec!["yves@airfrance.com"]);
    assert!(invitation.data.contains("nodigt je uit"), "Dutch template: {}", invitation.data);
    let secret = format!("fi_{}", between(&invitation.data, "/invite/fi_", "\r\n"));

    let ext = server.client();
    let r = ext.post(server.url("/api/external/code")).json(&json!({"invitation": secret})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let code_mail = sink.next().await;
    let code: String = between(&code_mail.data, "inlogcode is\r\n\r\n    ", "\r\n").to_owned();
    assert_eq!(code.len(), 6);
    let r = ext.post(server.url("/api/external/session")).json(&json!({"invitation": secret, "code": "000000"})).send().await.unwrap();
    if code != "000000" {
        assert_eq!(error_code(r).await, "invalid_code");
    }
    let r = ext.post(server.url("/api/external/session")).json(&json!({"invitation": secret, "code": code})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = ext.get(server.url("/api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["kind"], "external");
    // A code works once.
    let r = ext.post(server.url("/api/external/session")).json(&json!({"invitation": secret, "code": code})).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // The engine: c1 yes (with hide-feedback), c2 no.
    let yves = server.state.storage().user_by_email(&Email::parse("yves@airfrance.com").unwrap()).await.unwrap().unwrap();
    let principal = server.state.policy().principal_for_user(yves.id).await.unwrap();
    let policy = server.state.policy().portfolio(&p).await.unwrap();
    let now = server.state.clock().now();
    assert!(policy.read(|e| e.check(&principal, Action::Comment, &NodeId::from("p1"), now)));
    assert!(!policy.read(|e| e.check(&principal, Action::Read, &NodeId::from("c2"), now)));
    assert!(policy.read(|e| e.access(&principal, &NodeId::from("c1"), now).hide_feedback));

    // The owner lists and revokes; the grant is gone at once and Yves is told.
    let list: serde_json::Value = owner.get(server.url(&format!("/api/portfolios/{p}/invitations"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["state"], "active");
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(delete(&server, &owner, &csrf, &format!("/api/portfolios/{p}/invitations/{id}")).await.status(), 204);
    assert!(!policy.read(|e| e.check(&principal, Action::Read, &NodeId::from("p1"), now)));
    let revoked = sink.next().await;
    assert!(revoked.data.contains("beëindigd") || revoked.data.contains("be=C3=ABindigd") || revoked.data.contains("Je toegang"), "{}", revoked.data);
    let r = ext.post(server.url("/api/external/code")).json(&json!({"invitation": secret})).send().await.unwrap();
    assert_eq!(error_code(r).await, "invitation_revoked");
    server.stop().await;
}

#[tokio::test]
async fn an_invitation_ends_by_itself_at_its_end_date() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "y").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/invitations"), json!({"name": "Sam", "email": "sam@corp.com", "role": "supervisor", "days": 2})).await;
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    let secret = format!("fi_{}", body["url"].as_str().unwrap().split("/invite/fi_").nth(1).unwrap());
    let sam = server.state.storage().user_by_email(&Email::parse("sam@corp.com").unwrap()).await.unwrap().unwrap();
    let principal = server.state.policy().principal_for_user(sam.id).await.unwrap();
    let policy = server.state.policy().portfolio(&p).await.unwrap();
    assert!(policy.can_read(&principal, &NodeId::from("c2"), server.state.clock().now()), "whole portfolio by default");
    server.clock.advance(Duration::from_secs(2 * 24 * 3600));
    assert!(!policy.can_read(&principal, &NodeId::from("c2"), server.state.clock().now()));
    let r = reqwest::Client::new().post(server.url("/api/external/code")).json(&json!({"invitation": secret})).send().await.unwrap();
    assert_eq!(error_code(r).await, "invitation_expired");
    server.stop().await;
}

#[tokio::test]
async fn an_external_may_change_their_name_but_never_their_role_or_organisation() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "z").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/invitations"), json!({"name": "Sam", "email": "sam@corp.com", "role": "supervisor"})).await;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/invitations"), json!({"name": "", "email": "x@corp.com", "role": "supervisor"})).await;
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["field"], "name");
    let mail = support::last_mail_to(&server, "sam@corp.com").await;
    let secret = format!("fi_{}", between(&mail.mail.body_text, "/invite/fi_", "\n"));
    let ext = server.client();
    ext.post(server.url("/api/external/code")).json(&json!({"invitation": secret})).send().await.unwrap();
    let code_mail = support::last_mail_to(&server, "sam@corp.com").await;
    let code = between(&code_mail.mail.body_text, "code is\n\n    ", "\n").to_owned();
    assert_eq!(ext.post(server.url("/api/external/session")).json(&json!({"invitation": secret, "code": code})).send().await.unwrap().status(), 200);
    let me: serde_json::Value = ext.get(server.url("/api/me")).send().await.unwrap().json().await.unwrap();
    let ecsrf = me["csrf_token"].as_str().unwrap();
    let r = ext.patch(server.url("/api/account")).header("x-csrf-token", ecsrf).json(&json!({"display_name": "Sam Smit"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = ext.patch(server.url("/api/account")).header("x-csrf-token", ecsrf).json(&json!({"role": "teacher"})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(error_code(r).await, "read_only_field");
    let r = ext.patch(server.url("/api/account")).header("x-csrf-token", ecsrf).json(&json!({"organisation": "Uni"})).send().await.unwrap();
    assert_eq!(error_code(r).await, "read_only_field");
    server.stop().await;
}
