//! API tokens: service users and scoped tokens made by administrators, shown
//! once and stored hashed; listing, rotating and revoking audited; the
//! `/api/v1` REST surface honouring exactly each token's scopes; distinct
//! answers for unknown, revoked and expired tokens.

use crate::support;

use std::time::Duration;

use folio_server::storage::{GrantSource, PortfolioRole, RoleName};
use folio_tests::{TestServer, error_code};
use serde_json::json;
use support::{bearer_get, create_admin, delete, portfolio, post, service_token, token_for};

async fn admin_client(server: &TestServer) -> (reqwest::Client, String) {
    create_admin(server, "root@uni.nl", "pw-root-1234").await;
    let c = server.client();
    let csrf = server.login(&c, "root@uni.nl", "pw-root-1234").await;
    (c, csrf)
}

#[tokio::test]
async fn an_administrator_makes_a_token_that_is_shown_once_stored_hashed_and_audited() {
    let server = TestServer::start().await;
    let (admin, csrf) = admin_client(&server).await;
    let (svc, secret, id) = service_token(&server, &admin, &csrf, "export@svc.uni.nl", json!({"users": {"view": "own"}})).await;
    assert!(secret.starts_with("ft_") && secret.len() == 46, "{secret}");

    let stored = server.state.storage().list_api_tokens().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].user.0, svc);
    assert!(!format!("{stored:?}").contains(&secret[3..]), "only the hash is kept");

    let list = admin.get(server.url("/api/admin/tokens")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let text = list.text().await.unwrap();
    assert!(!text.contains(&secret[3..]), "the list never shows the secret");
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["state"], "active");
    assert_eq!(list[0]["scopes"]["users"]["view"], "own");
    assert_eq!(list[0]["expires_at"], json!(folio_tests::START.millis() + 30 * 86_400_000));

    let services: serde_json::Value = admin.get(server.url("/api/admin/service-users")).send().await.unwrap().json().await.unwrap();
    assert_eq!(services, json!([{"id": svc, "email": "export@svc.uni.nl", "display_name": "Grades export", "kind": "service"}]), "service users only, no people");

    let me: serde_json::Value = bearer_get(&server, &secret, "/api/v1/users").await.json().await.unwrap();
    assert_eq!(me.as_array().unwrap().len(), 1, "own = the service user only");
    assert_eq!(me[0]["kind"], "service");

    let actions: Vec<String> = server.state.storage().recent_audit(50).await.unwrap().into_iter().map(|e| e.action).collect();
    for a in ["service-user.create", "token.create", "token.list"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn rotating_replaces_the_secret_and_revoked_rotated_expired_and_unknown_tokens_say_so() {
    let server = TestServer::start().await;
    let (admin, csrf) = admin_client(&server).await;
    let (_, old, id) = service_token(&server, &admin, &csrf, "export@svc.uni.nl", json!({"users": {"view": "own"}})).await;

    let r = post(&server, &admin, &csrf, &format!("/api/admin/tokens/{id}/rotate"), json!({})).await;
    assert_eq!(r.status(), 201);
    let rotated: serde_json::Value = r.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_eq!(rotated["token"]["scopes"]["users"]["view"], "own", "same scopes");
    assert_eq!(rotated["token"]["expires_at"], json!(folio_tests::START.millis() + 30 * 86_400_000), "same expiry");
    let r = bearer_get(&server, &old, "/api/v1/users").await;
    assert_eq!(r.status(), 401);
    assert_eq!(error_code(r).await, "token_revoked");
    assert_eq!(bearer_get(&server, &new, "/api/v1/users").await.status(), 200);

    let new_id = rotated["token"]["id"].as_str().unwrap();
    assert_eq!(delete(&server, &admin, &csrf, &format!("/api/admin/tokens/{new_id}")).await.status(), 204);
    let r = bearer_get(&server, &new, "/api/v1/users").await;
    assert_eq!((r.status().as_u16(), error_code(r).await), (401, "token_revoked".to_owned()));
    let r = delete(&server, &admin, &csrf, &format!("/api/admin/tokens/{new_id}")).await;
    assert_eq!(error_code(r).await, "token_not_active");
    assert_eq!(delete(&server, &admin, &csrf, "/api/admin/tokens/nope").await.status(), 404);

    let (_, short, _) = service_token(&server, &admin, &csrf, "short@svc.uni.nl", json!({"users": {"view": "own"}})).await;
    server.advance(Duration::from_secs(30 * 86_400));
    let r = bearer_get(&server, &short, "/api/v1/users").await;
    assert_eq!((r.status().as_u16(), error_code(r).await), (401, "token_expired".to_owned()));
    let r = bearer_get(&server, "ft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/api/v1/users").await;
    assert_eq!((r.status().as_u16(), error_code(r).await), (401, "invalid_token".to_owned()));
    let r = reqwest::Client::new().get(server.url("/api/v1/users")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), error_code(r).await), (401, "unauthenticated".to_owned()));

    let actions: Vec<String> = server.state.storage().recent_audit(50).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"token.rotate".to_owned()) && actions.contains(&"token.revoke".to_owned()), "{actions:?}");
    server.stop().await;
}

#[tokio::test]
async fn portfolio_scopes_reach_own_related_or_all_portfolios_exactly() {
    let server = TestServer::start().await;
    let (admin, csrf) = admin_client(&server).await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let (svc, own, _) = service_token(&server, &admin, &csrf, "lms@svc.uni.nl", json!({"portfolios": {"view": "own"}})).await;
    let related = token_for(&server, &admin, &csrf, svc, json!({"portfolios": {"view": "related"}})).await.0;
    let all = token_for(&server, &admin, &csrf, svc, json!({"portfolios": {"view": "all"}})).await.0;
    let none = token_for(&server, &admin, &csrf, svc, json!({"users": {"view": "all"}})).await.0;

    let svc_user = server.state.storage().user(folio_server::storage::UserId(svc)).await.unwrap().unwrap();
    let mine = portfolio(&server, &svc_user, "svc").await;
    let shared = portfolio(&server, &olga, "shared").await;
    let other = portfolio(&server, &olga, "other").await;
    // The service account was made a reviewer of `shared`.
    let now = server.state.clock().now();
    server.state.storage().add_portfolio_role(&PortfolioRole { portfolio: shared.clone(), user: svc_user.id, role: RoleName::parse("reviewer").unwrap() }, now).await.unwrap();
    let g = folio_core::access::Grant::new(0, shared.as_str(), folio_core::access::Subject::role("reviewer"), folio_core::access::Level::Read);
    server.state.storage().insert_grant(&shared, &g, GrantSource::Direct, None, now).await.unwrap();
    server.state.policy().grants_changed(&shared).await.unwrap();

    let ids = |v: serde_json::Value| -> Vec<String> { v.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect() };
    let got = ids(bearer_get(&server, &own, "/api/v1/portfolios").await.json().await.unwrap());
    assert_eq!(got, vec![mine.to_string()]);
    let got = ids(bearer_get(&server, &related, "/api/v1/portfolios").await.json().await.unwrap());
    assert_eq!(got, vec![shared.to_string(), mine.to_string()]);
    let got = ids(bearer_get(&server, &all, "/api/v1/portfolios").await.json().await.unwrap());
    assert_eq!(got, vec![other.to_string(), shared.to_string(), mine.to_string()]);
    let r = bearer_get(&server, &none, "/api/v1/portfolios").await;
    assert_eq!((r.status().as_u16(), error_code(r).await), (403, "insufficient_scope".to_owned()));
    server.stop().await;
}

#[tokio::test]
async fn feedback_needs_the_feedback_scope_and_hides_unknown_and_unreadable_portfolios_alike() {
    let server = TestServer::start().await;
    let (admin, csrf) = admin_client(&server).await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let (svc, portfolios_only, _) = service_token(&server, &admin, &csrf, "lms@svc.uni.nl", json!({"portfolios": {"view": "all"}})).await;
    let both = token_for(&server, &admin, &csrf, svc, json!({"portfolios": {"view": "all"}, "feedback": {"view": "all"}})).await.0;
    let feedback_own = token_for(&server, &admin, &csrf, svc, json!({"portfolios": {"view": "own"}, "feedback": {"view": "own"}})).await.0;
    let p = portfolio(&server, &olga, "fb").await;

    let r = bearer_get(&server, &portfolios_only, &format!("/api/v1/portfolios/{p}/feedback")).await;
    assert_eq!((r.status().as_u16(), error_code(r).await), (403, "insufficient_scope".to_owned()));
    let r = bearer_get(&server, &both, &format!("/api/v1/portfolios/{p}/feedback")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap(), json!([]));
    let forbidden = bearer_get(&server, &feedback_own, &format!("/api/v1/portfolios/{p}/feedback")).await;
    let unknown = bearer_get(&server, &feedback_own, "/api/v1/portfolios/pf-nope/feedback").await;
    assert_eq!(forbidden.status(), 404);
    assert_eq!(forbidden.text().await.unwrap(), unknown.text().await.unwrap(), "same answer as unknown");
    server.stop().await;
}

#[tokio::test]
async fn a_token_lists_tokens_by_its_scope_and_never_mints_a_wider_one() {
    let server = TestServer::start().await;
    let (admin, csrf) = admin_client(&server).await;
    let (svc, minter, _) = service_token(&server, &admin, &csrf, "ci@svc.uni.nl", json!({"tokens": {"edit": "own"}, "users": {"view": "own"}})).await;
    let (_, _, _) = service_token(&server, &admin, &csrf, "other@svc.uni.nl", json!({})).await;
    let client = reqwest::Client::new();
    let mint = |body: serde_json::Value| client.post(server.url("/api/v1/tokens")).bearer_auth(&minter).json(&body).send();

    let r = mint(json!({"name": "sub", "scopes": {"users": {"view": "own"}}, "days": 1})).await.unwrap();
    assert_eq!(r.status(), 201);
    let sub: serde_json::Value = r.json().await.unwrap();
    assert_eq!(sub["token"]["user"], json!(svc));
    let sub_secret = sub["secret"].as_str().unwrap().to_owned();
    assert_eq!(bearer_get(&server, &sub_secret, "/api/v1/users").await.status(), 200);
    let r = client.post(server.url("/api/v1/tokens")).bearer_auth(&sub_secret).json(&json!({"name": "x"})).send().await.unwrap();
    assert_eq!(error_code(r).await, "insufficient_scope", "the sub-token has no tokens scope");

    let r = mint(json!({"name": "wider", "scopes": {"users": {"view": "all"}}, "days": 1})).await.unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((body["error"]["code"].as_str(), body["error"]["field"].as_str()), (Some("scope_escalation"), Some("scopes")));
    let r = mint(json!({"name": "longer", "days": 60})).await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "expires_at");

    let listed: serde_json::Value = bearer_get(&server, &minter, "/api/v1/tokens").await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "own: the minter and its sub-token, not the other service's");
    assert!(listed.as_array().unwrap().iter().all(|t| t["user"] == json!(svc)));
    assert_eq!(server.state.storage().list_api_tokens().await.unwrap().len(), 3, "refused tokens were not stored");
    server.stop().await;
}

#[tokio::test]
async fn only_administrators_manage_tokens_and_bad_input_names_the_field_without_storing() {
    let server = TestServer::start().await;
    let (admin, csrf) = admin_client(&server).await;
    let member = server.create_user("mia@uni.nl", "pw-mia-12345").await;
    let m = server.client();
    let mcsrf = server.login(&m, "mia@uni.nl", "pw-mia-12345").await;
    let r = post(&server, &m, &mcsrf, "/api/admin/tokens", json!({"user": member.id.0, "name": "x"})).await;
    assert_eq!((r.status().as_u16(), error_code(r).await), (403, "admin_only".to_owned()));
    assert_eq!(m.get(server.url("/api/admin/outbox")).send().await.unwrap().status(), 403);
    assert_eq!(reqwest::Client::new().get(server.url("/api/admin/tokens")).send().await.unwrap().status(), 401);

    let field = |r: serde_json::Value| r["error"]["field"].as_str().map(str::to_owned);
    let r = post(&server, &admin, &csrf, "/api/admin/tokens", json!({"user": member.id.0, "name": "x"})).await;
    assert_eq!(field(r.json().await.unwrap()).as_deref(), Some("user"), "a member is not a service user");
    let r = post(&server, &admin, &csrf, "/api/admin/service-users", json!({"email": "nope", "display_name": "x"})).await;
    assert_eq!(field(r.json().await.unwrap()).as_deref(), Some("email"));
    let (svc, _, _) = service_token(&server, &admin, &csrf, "svc@svc.uni.nl", json!({})).await;
    let r = post(&server, &admin, &csrf, "/api/admin/tokens", json!({"user": svc, "name": "x", "days": 9999})).await;
    assert_eq!(field(r.json().await.unwrap()).as_deref(), Some("days"));
    let r = post(&server, &admin, &csrf, "/api/admin/tokens", json!({"user": svc, "name": "x", "scopes": {"portfolios": {"view": "everything"}}})).await;
    assert_eq!(r.status(), 400);
    let r = post(&server, &admin, &csrf, "/api/admin/service-users", json!({"email": "svc@svc.uni.nl", "display_name": "again"})).await;
    assert_eq!((r.status().as_u16(), field(r.json().await.unwrap()).as_deref()), (409, Some("email")));
    assert_eq!(server.state.storage().list_api_tokens().await.unwrap().len(), 1, "nothing else stored");

    // The outbox is for administrators.
    server.state.mailer().send(&member.email, folio_server::mail::Rendered { subject: "hello".into(), body: "body".into() }).await.unwrap();
    let outbox: serde_json::Value = admin.get(server.url("/api/admin/outbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!(outbox[0]["to"], "mia@uni.nl");
    assert_eq!(outbox[0]["subject"], "hello");
    let r = admin.get(server.url("/api/admin/outbox?limit=0")).send().await.unwrap();
    assert_eq!(field(r.json().await.unwrap()).as_deref(), Some("limit"));
    server.stop().await;
}
