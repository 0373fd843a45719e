//! The authorization matrix: every endpoint of the HTTP API against every
//! kind of caller, with the expected status, generated as a table, printed on
//! failure and written to `target/authz-matrix.md`.
//!
//! Callers: the owner; a teacher (role with Comment on the portfolio); a peer
//! (role with Comment on one collection); an external invited to that
//! collection, with and without hide-feedback; holders of share links of
//! levels 0–4 (0: signed in, already holding the link's role; 1: signed in by
//! the link; 2: given the role by the link; 3: a guest made by the link; 4:
//! the bare link secret); an API token with the needed scopes and one
//! without; nobody; a revoked and an expired token; and an administrator.
//!
//! Rows that destroy their target (revoking a link, an invitation, a grant, a
//! token; deciding a request) get a fresh target per cell. Leaving and
//! signing out come last. For every `404` on a portfolio route the same
//! caller asks about an unknown portfolio and must get the identical answer:
//! nothing tells a forbidden portfolio from one that does not exist.
//! Time moves only through the manual clock.

use crate::support;

use std::fmt::Write as _;
use std::time::Duration;

use folio_core::access::{Grant, Level, Node, NodeKind, Subject as GrantSubject};
use folio_core::doc::{Anchor, Author, FeedbackDoc, actor};
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId, DocumentRecord, DocumentRole, GrantSource, PortfolioRole, RoleName, StoredChange, User};
use folio_tests::TestServer;
use reqwest::Method;
use serde_json::{Value, json};
use support::{create_admin, post, service_token, token_for};

enum Auth {
    Cookie(reqwest::Client, String),
    Bearer(String),
    Anonymous,
}

struct Caller {
    name: &'static str,
    auth: Auth,
}

impl Caller {
    fn request(&self, server: &TestServer, method: Method, path: &str) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::Cookie(c, csrf) => c.request(method, server.url(path)).header("x-csrf-token", csrf),
            Auth::Bearer(s) => reqwest::Client::new().request(method, server.url(path)).bearer_auth(s),
            Auth::Anonymous => reqwest::Client::new().request(method, server.url(path)),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fresh {
    Link,
    Invitation,
    Grant,
    Request,
    Token,
}

enum Body {
    Empty,
    Json(Value),
    Bytes,
}

struct Row {
    method: Method,
    path: &'static str,
    body: Body,
    fresh: Option<Fresh>,
    /// One status per caller, in the order of [`CALLERS`].
    expected: &'static str,
}

const CALLERS: [&str; 17] = [
    "owner", "teacher", "peer", "external", "ext-hide", "link0", "link1", "link2", "link3", "link4", "tok+scope", "tok-scope", "anonymous", "revoked", "expired", "admin", "",
];

struct Fixture {
    p: DocumentId,
    owner: reqwest::Client,
    owner_csrf: String,
    admin: reqwest::Client,
    admin_csrf: String,
    probe: User,
    service: i64,
    hash: String,
    org: i64,
    l4: String,
}

async fn signed_in(server: &TestServer, email: &str, pw: &str) -> (reqwest::Client, String) {
    let c = server.client();
    let csrf = server.login(&c, email, pw).await;
    (c, csrf)
}

async fn csrf_of(server: &TestServer, c: &reqwest::Client) -> String {
    let me: Value = c.get(server.url("/api/me")).send().await.unwrap().json().await.unwrap();
    me["csrf_token"].as_str().expect("signed in").to_owned()
}

async fn external(server: &TestServer, f: &Fixture, email: &str, hide: bool) -> (reqwest::Client, String) {
    let r = post(server, &f.owner, &f.owner_csrf, &format!("/api/portfolios/{}/invitations", f.p), json!({
        "name": "Yves", "email": email, "role": "supervisor", "nodes": ["c1"], "days": 30, "hide_feedback": hide,
    })).await;
    assert_eq!(r.status(), 201);
    let url = r.json::<Value>().await.unwrap()["url"].as_str().unwrap().to_owned();
    let secret = &url[url.find("fi_").unwrap()..];
    let c = server.client();
    let r = c.post(server.url("/api/external/code")).json(&json!({"invitation": secret})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let mail = support::last_mail_to(server, email).await;
    let code: String = mail.mail.body_text.split(|ch: char| !ch.is_ascii_digit()).find(|w| w.len() == 6).unwrap().to_owned();
    let r = c.post(server.url("/api/external/session")).json(&json!({"invitation": secret, "code": code})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csrf = csrf_of(server, &c).await;
    (c, csrf)
}

async fn link(server: &TestServer, f: &Fixture, body: Value) -> String {
    let r = post(server, &f.owner, &f.owner_csrf, &format!("/api/portfolios/{}/links", f.p), body).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn open(server: &TestServer, c: &reqwest::Client, csrf: &str, token: &str) {
    let r = c.post(server.url("/api/links/open")).header("x-csrf-token", csrf).json(&json!({"token": token})).send().await.unwrap();
    assert_eq!(r.status(), 200, "opening a link");
}

async fn role_grant(server: &TestServer, p: &DocumentId, role: &str, node: &str, level: Level) {
    let g = Grant::new(0, node, GrantSubject::role(role), level);
    server.state.storage().insert_grant(p, &g, GrantSource::Direct, None, server.clock.now()).await.unwrap();
}

async fn give_role(server: &TestServer, p: &DocumentId, user: &User, role: &str) {
    let r = PortfolioRole { portfolio: p.clone(), user: user.id, role: RoleName::parse(role).unwrap() };
    server.state.storage().add_portfolio_role(&r, server.clock.now()).await.unwrap();
}

async fn setup(server: &TestServer) -> (Fixture, Vec<Caller>) {
    let storage = server.state.storage();
    create_admin(server, "root@uni.nl", "pw-root-1234").await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let tom = server.create_user("tom@uni.nl", "pw-tom-1234").await;
    let piet = server.create_user("piet@uni.nl", "pw-piet-1234").await;
    let lena = server.create_user("lena@uni.nl", "pw-lena-1234").await;
    server.create_user("lou@uni.nl", "pw-lou-12345").await;
    server.create_user("liv@uni.nl", "pw-liv-12345").await;
    let probe = server.create_user("probe@uni.nl", "pw-probe-123").await;
    let (owner, owner_csrf) = signed_in(server, "olga@uni.nl", "pw-olga-123").await;
    let (admin, admin_csrf) = signed_in(server, "root@uni.nl", "pw-root-1234").await;

    let r = post(server, &owner, &owner_csrf, "/api/portfolios", json!({"title": "My year"})).await;
    assert_eq!(r.status(), 201);
    let p = DocumentId::parse(r.json::<Value>().await.unwrap()["id"].as_str().unwrap()).unwrap();
    storage
        .put_nodes(&p, &[
            Node::child("c1", NodeKind::Collection, p.as_str()).with_title("Internship"),
            Node::child("c2", NodeKind::Collection, p.as_str()).with_title("Private"),
            Node::child("p1", NodeKind::Page, "c1").with_title("Week 1"),
        ])
        .await
        .unwrap();
    give_role(server, &p, &tom, "teacher").await;
    give_role(server, &p, &piet, "peer").await;
    give_role(server, &p, &lena, "reviewer").await;
    role_grant(server, &p, "teacher", p.as_str(), Level::Comment).await;
    role_grant(server, &p, "peer", "c1", Level::Comment).await;
    role_grant(server, &p, "reviewer", "c1", Level::Read).await;
    server.state.policy().grants_changed(&p).await.unwrap();
    server.state.policy().principals_changed();
    let org = storage.create_org("Uni", server.clock.now()).await.unwrap();
    storage.add_membership(&folio_server::storage::Membership { org: org.id, user: olga.id, role: RoleName::parse("student").unwrap() }, server.clock.now()).await.unwrap();

    // A feedback thread by the teacher on p1: externals with hide-feedback must not see it.
    let author = Author { principal: format!("user:{}", tom.id), name: "Tom".into(), role: Some("teacher".into()), organisation: None };
    let anchor = Anchor { doc: folio_core::doc::DocumentId::from_bytes([3; 16]), node: "p1".into() };
    let mut fb = FeedbackDoc::create(actor::actor_for(&author.principal, [9; 16]), "t1", anchor, &author.principal, author.clone()).unwrap();
    fb.add_comment("e1", "Good start", server.clock.now()).unwrap();
    let fb_id = DocumentId::parse(&folio_core::doc::DocumentId::from_bytes([4; 16]).to_string()).unwrap();
    let changes: Vec<StoredChange> = fb.automerge().get_changes(&[]).into_iter().map(|c| StoredChange { hash: c.hash(), data: c.raw_bytes().to_vec() }).collect();
    storage.append_changes(&fb_id, &changes, server.clock.now()).await.unwrap();
    let record = DocumentRecord {
        id: fb_id,
        portfolio: p.clone(),
        role: DocumentRole::Feedback { thread: "t1".into(), author: author.principal.clone(), opener: author.principal.clone() },
        node: "p1".into(),
    };
    storage.register_document(&record, server.clock.now()).await.unwrap();

    let r = owner.post(server.url(&format!("/api/portfolios/{p}/nodes/c1/files"))).header("x-csrf-token", &owner_csrf).header("content-type", "text/plain").body("hello").send().await.unwrap();
    assert_eq!(r.status(), 201, "upload");
    let hash = r.json::<Value>().await.unwrap()["hash"].as_str().unwrap().to_owned();

    let full = json!({"portfolios": {"view": "all"}, "feedback": {"view": "all"}, "users": {"view": "all"}, "tokens": {"edit": "all"}});
    let (service, with_scope, _) = service_token(server, &admin, &admin_csrf, "lms@svc.uni.nl", full.clone()).await;
    let without_scope = token_for(server, &admin, &admin_csrf, service, json!({"settings": {"view": "own"}})).await.0;
    let (revoked, revoked_id) = token_for(server, &admin, &admin_csrf, service, full.clone()).await;
    assert_eq!(support::delete(server, &admin, &admin_csrf, &format!("/api/admin/tokens/{revoked_id}")).await.status(), 204);
    let r = post(server, &admin, &admin_csrf, "/api/admin/tokens", json!({"user": service, "name": "short", "scopes": full, "expires_at": server.clock.now().millis() + 3_600_000})).await;
    let expired = r.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();

    let mut f = Fixture { p, owner, owner_csrf, admin, admin_csrf, probe, service, hash, org: org.id.0, l4: String::new() };
    let (ext, ext_csrf) = external(server, &f, "ext@firm.nl", false).await;
    let (hide, hide_csrf) = external(server, &f, "hide@firm.nl", true).await;

    let (l0, l0_csrf) = signed_in(server, "lena@uni.nl", "pw-lena-1234").await;
    let t = link(server, &f, json!({"node": "c1", "level": 0, "role": "reviewer", "recipients": ["lena@uni.nl"]})).await;
    open(server, &l0, &l0_csrf, &t).await;
    let l1 = server.client();
    let t = link(server, &f, json!({"node": "c1", "level": 1, "role": "reviewer", "recipients": ["lou@uni.nl"]})).await;
    open(server, &l1, "", &t).await;
    let l1_csrf = csrf_of(server, &l1).await;
    let (l2, l2_csrf) = signed_in(server, "liv@uni.nl", "pw-liv-12345").await;
    let t = link(server, &f, json!({"node": "c1", "level": 2, "role": "reviewer", "recipients": ["liv@uni.nl"], "hours": 720})).await;
    open(server, &l2, &l2_csrf, &t).await;
    let l3 = server.client();
    let t = link(server, &f, json!({"node": "c1", "level": 3, "role": "reviewer", "recipients": ["guest@firm.nl"], "hours": 720})).await;
    open(server, &l3, "", &t).await;
    let l3_csrf = csrf_of(server, &l3).await;
    f.l4 = link(server, &f, json!({"node": "c1", "level": 4})).await;

    // The short token expires; every other window is days long.
    server.advance(Duration::from_secs(2 * 3600));

    let callers = vec![
        Caller { name: "owner", auth: Auth::Cookie(f.owner.clone(), f.owner_csrf.clone()) },
        Caller { name: "teacher", auth: { let (c, s) = signed_in(server, "tom@uni.nl", "pw-tom-1234").await; Auth::Cookie(c, s) } },
        Caller { name: "peer", auth: { let (c, s) = signed_in(server, "piet@uni.nl", "pw-piet-1234").await; Auth::Cookie(c, s) } },
        Caller { name: "external", auth: Auth::Cookie(ext, ext_csrf) },
        Caller { name: "ext-hide", auth: Auth::Cookie(hide, hide_csrf) },
        Caller { name: "link0", auth: Auth::Cookie(l0, l0_csrf) },
        Caller { name: "link1", auth: Auth::Cookie(l1, l1_csrf) },
        Caller { name: "link2", auth: Auth::Cookie(l2, l2_csrf) },
        Caller { name: "link3", auth: Auth::Cookie(l3, l3_csrf) },
        Caller { name: "link4", auth: Auth::Bearer(f.l4.clone()) },
        Caller { name: "tok+scope", auth: Auth::Bearer(with_scope) },
        Caller { name: "tok-scope", auth: Auth::Bearer(without_scope) },
        Caller { name: "anonymous", auth: Auth::Anonymous },
        Caller { name: "revoked", auth: Auth::Bearer(revoked) },
        Caller { name: "expired", auth: Auth::Bearer(expired) },
        Caller { name: "admin", auth: Auth::Cookie(f.admin.clone(), f.admin_csrf.clone()) },
    ];
    (f, callers)
}

async fn fresh(server: &TestServer, f: &Fixture, kind: Fresh) -> String {
    let storage = server.state.storage();
    let now = server.clock.now();
    match kind {
        Fresh::Link => {
            let r = post(server, &f.owner, &f.owner_csrf, &format!("/api/portfolios/{}/links", f.p), json!({"node": "c2", "level": 4})).await;
            r.json::<Value>().await.unwrap()["link"]["id"].as_str().unwrap().to_owned()
        }
        Fresh::Invitation => {
            let r = post(server, &f.owner, &f.owner_csrf, &format!("/api/portfolios/{}/invitations", f.p), json!({"name": "Fay", "email": "fay@firm.nl", "role": "supervisor", "nodes": ["c2"], "days": 5})).await;
            r.json::<Value>().await.unwrap()["invitation"]["id"].to_string()
        }
        Fresh::Grant => {
            let g = Grant::new(0, "c2", GrantSubject::user(f.probe.id.0.to_string()), Level::Read);
            let id = storage.insert_grant(&f.p, &g, GrantSource::Direct, None, now).await.unwrap();
            server.state.policy().grants_changed(&f.p).await.unwrap();
            id.0.to_string()
        }
        Fresh::Request => storage.create_access_request(&f.p, &"c1".into(), f.probe.id, Level::Read, "please", now).await.unwrap().id.to_string(),
        Fresh::Token => token_for(server, &f.admin, &f.admin_csrf, f.service, json!({})).await.1,
    }
}

fn rows() -> Vec<Row> {
    use Body::{Bytes, Empty, Json as J};
    let r = |method: Method, path: &'static str, body: Body, fresh: Option<Fresh>, expected: &'static str| Row { method, path, body, fresh, expected };
    vec![
        r(Method::GET, "/api/openapi.json", Empty, None, "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
        r(Method::POST, "/api/session/totp", J(json!({"pending": "fp_nope", "code": "123456"})), None, "401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401"),
        r(Method::GET, "/api/me", Empty, None, "200 200 200 200 200 200 200 200 200 401 401 401 401 401 401 200"),
        r(Method::POST, "/api/portfolios", J(json!({"title": "Another"})), None, "201 201 201 201 201 201 201 201 201 401 401 401 401 401 401 201"),
        r(Method::GET, "/api/portfolios", Empty, None, "200 200 200 200 200 200 200 200 200 401 401 401 401 401 401 200"),
        // link2/link3 hold a timed role through `link_roles`, which the policy hub reads like any role.
        r(Method::GET, "/api/portfolios/{p}/documents", Empty, None, "200 200 200 200 404 200 404 200 200 401 401 401 401 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/nodes/c1/files", Bytes, None, "201 404 404 404 404 404 404 404 404 401 401 401 401 401 401 404"),
        r(Method::GET, "/api/portfolios/{p}/nodes/c1/files/{hash}", Empty, None, "200 200 200 200 200 200 404 200 200 401 401 401 401 401 401 404"),
        r(Method::GET, "/api/portfolios/{p}/feedback-authors", Empty, None, "200 200 200 200 200 200 404 200 200 401 401 401 401 401 401 404"),
        r(Method::GET, "/api/portfolios/{p}/orgs/{org}/logo", Empty, None, "404 404 404 404 404 404 404 404 404 401 401 401 401 401 401 404"),
        r(Method::PUT, "/api/admin/orgs/{org}/logo", Bytes, None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 415"),
        r(Method::GET, "/api/admin/orgs", Empty, None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 200"),
        r(Method::GET, "/api/admin/orgs/{org}/logo", Empty, None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 404"),
        r(Method::DELETE, "/api/admin/orgs/{org}/logo", Empty, None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 204"),
        // The page's own collection as target: nothing moves. The rights are checked first (403); the owner passes them and gets 409 (here `no_document`: the fixture's nodes have no documents).
        r(Method::POST, "/api/portfolios/{p}/pages/p1/move", J(json!({"collection": "c1"})), None, "409 403 403 403 403 403 404 403 403 401 401 401 401 401 401 404"),
        r(Method::GET, "/api/portfolios/{p}/links", Empty, None, "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/links", J(json!({"node": "c1", "level": 4})), None, "201 403 403 403 403 403 404 403 403 401 401 401 401 401 401 404"),
        r(Method::DELETE, "/api/portfolios/{p}/links/{id}", Empty, Some(Fresh::Link), "204 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::POST, "/api/links/open", J(json!({"token": "{l4}"})), None, "200 200 200 200 200 200 200 200 200 200 200 200 200 401 401 200"),
        r(Method::GET, "/api/links/view", Empty, None, "401 401 401 401 401 401 401 401 401 200 404 404 401 404 404 401"),
        r(Method::GET, "/api/portfolios/{p}/nodes/c1/share-buttons", Empty, None, "200 200 200 200 200 200 404 200 200 200 200 404 404 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/nodes/c1/share-buttons/0", J(json!({})), None, "404 404 404 404 404 404 404 404 404 401 401 401 401 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/invitations", J(json!({"name": "Gus", "email": "gus@firm.nl", "role": "supervisor", "days": 3})), None, "201 403 403 403 403 403 404 403 403 401 401 401 401 401 401 404"),
        r(Method::GET, "/api/portfolios/{p}/invitations", Empty, None, "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::PATCH, "/api/portfolios/{p}/invitations/{id}", J(json!({"days": 9})), Some(Fresh::Invitation), "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::DELETE, "/api/portfolios/{p}/invitations/{id}", Empty, Some(Fresh::Invitation), "204 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/one-time-invitations", J(json!({"name": "Ann", "email": "ann@firm.nl", "node": "p1", "hours": 48})), None, "201 403 403 403 403 403 404 403 403 401 401 401 401 401 401 404"),
        r(Method::GET, "/api/portfolios/{p}/access", Empty, None, "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/access", J(json!({"node": "c1", "role": "mentor", "level": "read"})), None, "201 403 403 403 403 403 404 403 403 401 401 401 401 401 401 404"),
        r(Method::DELETE, "/api/portfolios/{p}/access/{id}", Empty, Some(Fresh::Grant), "204 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::PATCH, "/api/portfolios/{p}/access/{id}", J(json!({"level": "comment"})), Some(Fresh::Grant), "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        // Organisations: administrators and members of the organisation (owner); other members get the 404 of an unknown one.
        r(Method::GET, "/api/orgs", Empty, None, "200 200 200 403 403 200 200 200 403 401 401 401 401 401 401 200"),
        r(Method::GET, "/api/orgs/{org}/members", Empty, None, "200 404 404 403 403 404 404 404 403 401 401 401 401 401 401 200"),
        r(Method::GET, "/api/me/shares", Empty, None, "200 200 200 200 200 200 200 200 200 401 401 401 401 401 401 200"),
        r(Method::POST, "/api/portfolios/{p}/access-requests", J(json!({"node": "c2", "message": "may I?"})), None, "202 202 202 202 202 202 202 202 202 401 401 401 401 401 401 202"),
        r(Method::GET, "/api/portfolios/{p}/access-requests", Empty, None, "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/access-requests/{id}/approve", Empty, Some(Fresh::Request), "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::POST, "/api/portfolios/{p}/access-requests/{id}/decline", Empty, Some(Fresh::Request), "200 403 403 403 403 403 404 403 403 403 403 404 404 401 401 404"),
        r(Method::POST, "/api/external/code", J(json!({"invitation": "fi_unknown"})), None, "404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404"),
        r(Method::POST, "/api/external/session", J(json!({"invitation": "fi_unknown", "code": "123456"})), None, "404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404"),
        r(Method::PATCH, "/api/account", J(json!({"lang": "nl"})), None, "200 200 200 200 200 200 200 200 200 401 401 401 401 401 401 200"),
        r(Method::GET, "/api/account/totp", Empty, None, "200 200 200 200 200 200 200 200 200 401 401 401 401 401 401 200"),
        r(Method::POST, "/api/account/totp", J(json!({})), None, "201 201 201 201 201 201 201 201 201 401 401 401 401 401 401 201"),
        r(Method::POST, "/api/account/totp/confirm", J(json!({"code": "000000"})), None, "400 400 400 400 400 400 400 400 400 401 401 401 401 401 401 400"),
        r(Method::DELETE, "/api/account/totp", J(json!({"code": "000000"})), None, "409 409 409 409 409 409 409 409 409 401 401 401 401 401 401 409"),
        r(Method::GET, "/api/admin/outbox", Empty, None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 200"),
        r(Method::GET, "/api/admin/service-users", Empty, None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 200"),
        r(Method::POST, "/api/admin/service-users", J(json!({"email": "x@svc.uni.nl", "display_name": "X"})), None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 201"),
        r(Method::POST, "/api/admin/tokens", J(json!({"user": 0, "name": "t"})), None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 400"),
        r(Method::GET, "/api/admin/tokens", Empty, None, "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 200"),
        r(Method::POST, "/api/admin/tokens/{id}/rotate", Empty, Some(Fresh::Token), "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 201"),
        r(Method::DELETE, "/api/admin/tokens/{id}", Empty, Some(Fresh::Token), "403 403 403 403 403 403 403 403 403 401 401 401 401 401 401 204"),
        r(Method::GET, "/api/v1/portfolios", Empty, None, "401 401 401 401 401 401 401 401 401 401 200 403 401 401 401 401"),
        r(Method::GET, "/api/v1/portfolios/{p}/feedback", Empty, None, "401 401 401 401 401 401 401 401 401 401 200 403 401 401 401 401"),
        r(Method::GET, "/api/v1/users", Empty, None, "401 401 401 401 401 401 401 401 401 401 200 403 401 401 401 401"),
        r(Method::GET, "/api/v1/tokens", Empty, None, "401 401 401 401 401 401 401 401 401 401 200 403 401 401 401 401"),
        r(Method::POST, "/api/v1/tokens", J(json!({"name": "sub", "days": 1})), None, "401 401 401 401 401 401 401 401 401 401 201 403 401 401 401 401"),
        // Neither token has `portfolios` edit: refused before the document is looked up (tokens_edits.rs covers the rest).
        r(Method::POST, "/api/v1/documents/{p}/edits", J(json!({"op": "set_metadata", "title": "My year", "description": ""})), None, "401 401 401 401 401 401 401 401 401 401 403 403 401 401 401 401"),
        r(Method::DELETE, "/api/portfolios/{p}/access/me", Empty, None, "409 204 204 204 204 204 404 204 204 401 401 401 401 401 401 404"),
        r(Method::DELETE, "/api/session", Empty, None, "204 204 204 204 204 204 204 204 204 401 401 401 401 401 401 204"),
        r(Method::POST, "/api/session", J(json!({"email": "probe@uni.nl", "password": "pw-probe-123"})), None, "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ]
}

fn concrete(template: &str, f: &Fixture, p: &str, id: Option<&str>) -> String {
    template
        .replace("{p}", p)
        .replace("{hash}", &f.hash)
        .replace("{org}", &f.org.to_string())
        .replace("{id}", id.unwrap_or("0"))
}

async fn send(server: &TestServer, f: &Fixture, caller: &Caller, row: &Row, path: &str) -> (u16, String) {
    let req = caller.request(server, row.method.clone(), path);
    let req = match &row.body {
        Body::Empty => req,
        Body::Json(v) => req.header("content-type", "application/json").body(v.to_string().replace("{l4}", &f.l4)),
        Body::Bytes => req.header("content-type", "text/plain").body("a file"),
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn every_endpoint_answers_every_kind_of_caller_as_the_matrix_says_and_leaks_nothing() {
    let server = TestServer::start().await;
    let (f, callers) = setup(&server).await;
    let rows = rows();
    let names: Vec<&str> = callers.iter().map(|c| c.name).collect();
    assert_eq!(names, CALLERS[..callers.len()].to_vec());

    let mut table = String::new();
    let _ = writeln!(table, "| endpoint | {} |", names.join(" | "));
    let _ = writeln!(table, "|---|{}", "---|".repeat(names.len()));
    let mut failures = Vec::new();
    for row in &rows {
        let expected: Vec<&str> = row.expected.split_whitespace().collect();
        assert_eq!(expected.len(), callers.len(), "row {} {} has one expectation per caller", row.method, row.path);
        let mut cells = Vec::new();
        for (i, caller) in callers.iter().enumerate() {
            let id = match row.fresh {
                Some(kind) => Some(fresh(&server, &f, kind).await),
                None => None,
            };
            let path = concrete(row.path, &f, f.p.as_str(), id.as_deref());
            let (status, body) = send(&server, &f, caller, row, &path).await;
            let mark = if (200..300).contains(&status) { "✅" } else if [401, 403, 404].contains(&status) { "⛔" } else { "·" };
            let ok = status.to_string() == expected[i];
            cells.push(format!("{mark} {status}{}", if ok { String::new() } else { format!(" (expected {})", expected[i]) }));
            if !ok {
                failures.push(format!("{} {} as {}: {status} {body}, expected {}", row.method, row.path, caller.name, expected[i]));
            }
            if status == 404 && row.path.contains("{p}") {
                let unknown = concrete(row.path, &f, "pf-unknown", id.as_deref());
                let (u_status, u_body) = send(&server, &f, caller, row, &unknown).await;
                if (u_status, &u_body) != (status, &body) {
                    failures.push(format!("{} {} as {}: forbidden answers {status} {body}, unknown answers {u_status} {u_body}", row.method, row.path, caller.name));
                }
            }
        }
        let _ = writeln!(table, "| `{} {}` | {} |", row.method, row.path, cells.join(" | "));
    }
    let _ = writeln!(table, "\n✅ allowed (2xx) · ⛔ refused (401 not signed in or token unknown/revoked/expired, 403 may see but not do, 404 cannot see: same answer as unknown) · other: allowed past authorization, refused on input or state\n");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/authz-matrix.md");
    let _ = std::fs::write(&out, format!("# Authorization matrix\n\nGenerated by `tests/tests/integration/authz_matrix.rs`.\n\n{table}"));
    assert!(failures.is_empty(), "{table}\n{} cell(s) differ:\n{}", failures.len(), failures.join("\n"));
    server.stop().await;
}
