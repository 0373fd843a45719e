//! Who wrote the feedback one may read, and organisation logos:
//! `GET /api/portfolios/{p}/feedback-authors`,
//! `GET /api/portfolios/{p}/orgs/{org}/logo` and
//! `PUT /api/admin/orgs/{org}/logo` against a real server.

use crate::support;

use folio_core::access::{Grant, Level, NodeId, Subject};
use folio_core::sync::DocumentId as WireId;
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId, Email, GrantSource, InvitationKind, NewInvitation, RoleName, TokenHash};
use folio_tests::TestServer;
use folio_tests::sync::{Account, account, create_portfolio};
use serde_json::{Value, json};

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63,
    0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

async fn grant(server: &TestServer, p: &WireId, to: &Account, level: Level, hide_feedback: bool) {
    let pid = DocumentId::parse(&p.to_string()).unwrap();
    let mut g = Grant::new(0, pid.as_str(), Subject::user(to.id.to_string()), level);
    g.hide_feedback = hide_feedback;
    server.state.storage().insert_grant(&pid, &g, GrantSource::Direct, None, server.clock.now()).await.unwrap();
    server.state.policy().grants_changed(&pid).await.unwrap();
}

/// Records an invitation of `who` (an existing account) as `role` of `org`, as the share dialog would.
async fn invited(server: &TestServer, p: &WireId, owner: &Account, who: &str, role: &str, org: i64) {
    let pid = DocumentId::parse(&p.to_string()).unwrap();
    let inv = NewInvitation {
        kind: InvitationKind::External,
        token_hash: TokenHash([who.len() as u8; 32]),
        portfolio: pid.clone(),
        email: Email::parse(who).unwrap(),
        display_name: "Sam".into(),
        role: RoleName::parse(role).unwrap(),
        org: Some(folio_server::storage::OrgId(org)),
        level: Level::Comment,
        hide_feedback: false,
        nodes: vec![NodeId::new(pid.as_str())],
        lang: "en".into(),
        starts_at: server.clock.now(),
        ends_at: None,
        created_by: folio_server::storage::UserId(owner.id),
    };
    server.state.storage().create_invitation(&inv, &[], server.clock.now()).await.unwrap();
}

async fn register(server: &TestServer, who: &Account, p: &WireId) {
    let r = reqwest::Client::new()
        .post(server.url(&format!("/api/portfolios/{p}/feedback-threads")))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .json(&json!({ "node": p.to_string() }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn get(server: &TestServer, who: &Account, path: &str) -> reqwest::Response {
    reqwest::Client::new().get(server.url(path)).header("cookie", &who.cookie).send().await.unwrap()
}

async fn put_logo(server: &TestServer, who: &Account, org: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let r = reqwest::Client::new()
        .put(server.url(&format!("/api/admin/orgs/{org}/logo")))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// An administrator account signed in (through the support helper).
async fn admin(server: &TestServer) -> Account {
    support::create_admin(server, "root@example.org", "correct horse battery").await;
    let r = reqwest::Client::new()
        .post(server.url("/api/session"))
        .json(&json!({ "email": "root@example.org", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me: Value = reqwest::Client::new().get(server.url("/api/me")).header("cookie", &cookie).send().await.unwrap().json().await.unwrap();
    Account { id: me["id"].as_i64().unwrap_or_default(), cookie, csrf: me["csrf_token"].as_str().unwrap().to_owned() }
}

#[tokio::test]
async fn authors_carry_role_and_the_externals_organisation_whose_logo_only_their_readers_fetch() {
    let server = TestServer::start().await;
    let root = admin(&server).await;
    let olga = account(&server, "olga@example.org").await;
    let sam = account(&server, "sam@hospital.example").await;
    let vera = account(&server, "vera@example.org").await;
    let eve = account(&server, "eve@example.org").await;
    let org = server.state.storage().create_org("Northside Hospital", server.clock.now()).await.unwrap().id.0;
    let (status, set) = put_logo(&server, &root, &org.to_string(), "image/png", PNG.to_vec()).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["content_type"], "image/png");
    assert_eq!(set["size"], PNG.len());

    let p = create_portfolio(&server, &olga, "Olga's").await;
    grant(&server, &p, &sam, Level::Comment, false).await;
    grant(&server, &p, &vera, Level::Comment, true).await;
    invited(&server, &p, &olga, "sam@hospital.example", "supervisor", org).await;
    register(&server, &olga, &p).await;
    register(&server, &sam, &p).await;

    let r = get(&server, &olga, &format!("/api/portfolios/{p}/feedback-authors")).await;
    assert_eq!(r.status(), 200);
    let authors: Vec<Value> = r.json().await.unwrap();
    let by = |key: String| authors.iter().find(|a| a["principal"] == key.as_str()).cloned().unwrap_or(Value::Null);
    assert_eq!(by(olga.key())["role"], "owner");
    assert_eq!(by(olga.key())["organisation"], Value::Null);
    let s = by(sam.key());
    assert_eq!(s["role"], "supervisor");
    assert_eq!(s["external"], true);
    assert_eq!(s["organisation"]["name"], "Northside Hospital");
    let logo = s["organisation"]["logo"].as_str().unwrap().to_owned();
    assert_eq!(logo, format!("/api/portfolios/{p}/orgs/{org}/logo"));

    let r = get(&server, &olga, &logo).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);

    // A hide-feedback visitor reads only their own and the owner's feedback:
    // Sam is not among their authors, so neither is Sam's organisation's logo.
    let r = get(&server, &vera, &format!("/api/portfolios/{p}/feedback-authors")).await;
    assert_eq!(r.status(), 200);
    let seen: Vec<Value> = r.json().await.unwrap();
    assert_eq!(seen.iter().map(|a| a["principal"].as_str().unwrap().to_owned()).collect::<Vec<_>>(), vec![olga.key()]);
    assert_eq!(get(&server, &vera, &logo).await.status(), 404);
    // Someone with no access to the portfolio: the same answer as an unknown one.
    let unknown = WireId::from_bytes([9; 16]);
    assert_eq!(get(&server, &eve, &format!("/api/portfolios/{p}/feedback-authors")).await.status(), 404);
    assert_eq!(get(&server, &eve, &format!("/api/portfolios/{unknown}/feedback-authors")).await.status(), 404);
    assert_eq!(get(&server, &eve, &logo).await.status(), 404);
    assert_eq!(get(&server, &olga, &format!("/api/portfolios/{p}/orgs/{}/logo", org + 1)).await.status(), 404);
    assert_eq!(get(&server, &olga, &format!("/api/portfolios/{p}/orgs/x/logo")).await.status(), 404);
    // Anonymous.
    assert_eq!(reqwest::get(server.url(&logo)).await.unwrap().status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn setting_a_logo_is_for_administrators_and_takes_only_small_real_images() {
    let server = TestServer::start().await;
    let root = admin(&server).await;
    let olga = account(&server, "olga@example.org").await;
    let org = server.state.storage().create_org("Agency", server.clock.now()).await.unwrap().id.0.to_string();

    let (status, body) = put_logo(&server, &olga, &org, "image/png", PNG.to_vec()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("admin_only")));
    let (status, _) = put_logo(&server, &root, "999", "image/png", PNG.to_vec()).await;
    assert_eq!(status, 404);
    let (status, body) = put_logo(&server, &root, &org, "image/svg+xml", b"<svg onload='x'/>".to_vec()).await;
    assert_eq!((status, body["error"]["code"].as_str(), body["error"]["field"].as_str()), (415, Some("unsupported_type"), Some("content-type")));
    let (status, body) = put_logo(&server, &root, &org, "image/png", b"GIF89a not a png".to_vec()).await;
    assert_eq!((status, body["error"]["code"].as_str(), body["error"]["field"].as_str()), (400, Some("invalid_input"), Some("logo")));
    let (status, body) = put_logo(&server, &root, &org, "image/png", Vec::new()).await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("logo")));
    let mut big = PNG.to_vec();
    big.resize(300 * 1024, 0);
    let (status, body) = put_logo(&server, &root, &org, "image/png", big).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("too_large")));
    let anonymous = reqwest::Client::new().put(server.url(&format!("/api/admin/orgs/{org}/logo"))).header("content-type", "image/png").body(PNG.to_vec()).send().await.unwrap();
    assert!(matches!(anonymous.status().as_u16(), 401 | 403), "{}", anonymous.status());
    // Nothing refused was stored; a good one is, and replacing it works.
    assert!(server.state.storage().org_logo(folio_server::storage::OrgId(org.parse().unwrap())).await.unwrap().is_none());
    assert_eq!(put_logo(&server, &root, &org, "image/png", PNG.to_vec()).await.0, 200);
    assert_eq!(put_logo(&server, &root, &org, "image/gif", b"GIF89a\x01\x00\x01\x00".to_vec()).await.0, 200);
    let logo = server.state.storage().org_logo(folio_server::storage::OrgId(org.parse().unwrap())).await.unwrap().unwrap();
    assert_eq!(logo.content_type.as_str(), "image/gif");
    server.stop().await;
}

async fn delete_logo(server: &TestServer, who: &Account, org: &str) -> u16 {
    reqwest::Client::new()
        .delete(server.url(&format!("/api/admin/orgs/{org}/logo")))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn administrators_list_organisations_with_their_logos_see_one_and_remove_it() {
    let server = TestServer::start().await;
    let root = admin(&server).await;
    let olga = account(&server, "olga@example.org").await;
    let org = server.state.storage().create_org("Agency", server.clock.now()).await.unwrap().id.0;
    let other = server.state.storage().create_org("Bureau", server.clock.now()).await.unwrap().id.0;

    let list: Value = get(&server, &root, "/api/admin/orgs").await.json().await.unwrap();
    assert_eq!(list, json!([{ "id": org, "name": "Agency", "logo": null }, { "id": other, "name": "Bureau", "logo": null }]));
    assert_eq!(get(&server, &root, &format!("/api/admin/orgs/{org}/logo")).await.status(), 404);

    assert_eq!(put_logo(&server, &root, &org.to_string(), "image/png", PNG.to_vec()).await.0, 200);
    let list: Value = get(&server, &root, "/api/admin/orgs").await.json().await.unwrap();
    let logo = &list[0]["logo"];
    assert_eq!(logo["content_type"], "image/png");
    let url = logo["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("/api/admin/orgs/{org}/logo?v=")), "{url}");
    assert_eq!(list[1]["logo"], Value::Null);
    let r = get(&server, &root, url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);

    // Only administrators: the list, the image and removing it.
    assert_eq!(get(&server, &olga, "/api/admin/orgs").await.status(), 403);
    assert_eq!(get(&server, &olga, url).await.status(), 403);
    assert_eq!(delete_logo(&server, &olga, &org.to_string()).await, 403);
    assert!(server.state.storage().org_logo(folio_server::storage::OrgId(org)).await.unwrap().is_some());

    assert_eq!(delete_logo(&server, &root, &org.to_string()).await, 204);
    assert!(server.state.storage().org_logo(folio_server::storage::OrgId(org)).await.unwrap().is_none());
    assert_eq!(get(&server, &root, url).await.status(), 404);
    assert_eq!(delete_logo(&server, &root, &org.to_string()).await, 204, "removing twice is fine");
    assert_eq!(delete_logo(&server, &root, "999").await, 404);
    server.stop().await;
}
