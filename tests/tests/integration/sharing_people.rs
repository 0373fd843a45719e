//! The people side of sharing: portfolios shared with me (`GET /api/me/shares`),
//! organisations and their members (`GET /api/orgs`, `…/{org}/members`, only
//! for administrators and members of the organisation), editing one grant
//! (`PATCH /api/portfolios/{p}/access/{grant}`), names in the access list,
//! and leaving in one transaction with the owner's notice in the outbox.

use crate::support;

use folio_core::access::{Action, NodeId};
use folio_server::storage::{Membership, RoleName};
use folio_tests::{TestServer, error_code};
use serde_json::{Value, json};
use support::{create_admin, delete, portfolio, post};

const DAY: i64 = 86_400_000;

async fn patch(server: &TestServer, c: &reqwest::Client, csrf: &str, path: &str, body: Value) -> reqwest::Response {
    c.patch(server.url(path)).header("x-csrf-token", csrf).json(&body).send().await.unwrap()
}

async fn get(server: &TestServer, c: &reqwest::Client, path: &str) -> reqwest::Response {
    c.get(server.url(path)).send().await.unwrap()
}

#[tokio::test]
async fn shared_with_me_shows_level_roles_who_shared_until_when_and_whether_i_may_leave() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let piet = server.create_user("piet@uni.nl", "pw-piet-1234").await;
    server.create_user("tom@uni.nl", "pw-tom-1234").await;
    let p = portfolio(&server, &olga, "s").await;
    let q = portfolio(&server, &olga, "q").await;
    let now = server.state.clock().now();
    let org = server.state.storage().create_org("Uni", now).await.unwrap();
    let tom = server.state.storage().user_by_email(&folio_server::storage::Email::parse("tom@uni.nl").unwrap()).await.unwrap().unwrap();
    server.state.storage().add_membership(&Membership { org: org.id, user: tom.id, role: RoleName::parse("teacher").unwrap() }, now).await.unwrap();
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let end = folio_tests::START.millis() + 7 * DAY;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"node": "c1", "users": [piet.id.0], "level": "comment", "end": end})).await;
    assert_eq!(r.status(), 201);
    // Tom gets access to `q` only through his organisation role.
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{q}/access"), json!({"organisation": org.id.0, "org_role": "teacher", "level": "read"})).await;
    assert_eq!(r.status(), 201);

    let pc = server.client();
    server.login(&pc, "piet@uni.nl", "pw-piet-1234").await;
    let shares: Value = get(&server, &pc, "/api/me/shares").await.json().await.unwrap();
    let list = shares.as_array().unwrap();
    assert_eq!(list.len(), 1, "{shares}");
    assert_eq!(list[0]["portfolio"], p.as_str());
    assert_eq!(list[0]["title"], "My year");
    assert_eq!(list[0]["level"], "comment");
    assert_eq!(list[0]["shared_by"]["name"], "olga");
    assert_eq!(list[0]["owner"]["id"], olga.id.0);
    assert_eq!(list[0]["until"], end);
    assert_eq!(list[0]["may_leave"], true);

    let tc = server.client();
    let tcsrf = server.login(&tc, "tom@uni.nl", "pw-tom-1234").await;
    let shares: Value = get(&server, &tc, "/api/me/shares").await.json().await.unwrap();
    assert_eq!(shares[0]["portfolio"], q.as_str(), "{shares}");
    assert_eq!(shares[0]["level"], "read");
    assert_eq!(shares[0]["until"], Value::Null, "an organisation rule without end");
    assert_eq!(shares[0]["may_leave"], false, "access through an organisation rule is not his to drop");
    let r = delete(&server, &tc, &tcsrf, &format!("/api/portfolios/{q}/access/me")).await;
    assert_eq!(r.status(), 409);
    assert_eq!(error_code(r).await, "nothing_to_leave");

    // The owner's own portfolios are not "shared with me"; nobody signed in gets 401.
    let mine: Value = get(&server, &owner, "/api/me/shares").await.json().await.unwrap();
    assert_eq!(mine, json!([]));
    assert_eq!(reqwest::get(server.url("/api/me/shares")).await.unwrap().status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn organisations_and_their_members_are_listed_only_to_administrators_and_members() {
    let server = TestServer::start().await;
    create_admin(&server, "root@uni.nl", "pw-root-1234").await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let tom = server.create_user("tom@uni.nl", "pw-tom-1234").await;
    server.create_user("out@uni.nl", "pw-out-12345").await;
    let now = server.state.clock().now();
    let storage = server.state.storage();
    let uni = storage.create_org("Uni", now).await.unwrap();
    let firm = storage.create_org("Firm", now).await.unwrap();
    storage.add_membership(&Membership { org: uni.id, user: olga.id, role: RoleName::parse("student").unwrap() }, now).await.unwrap();
    storage.add_membership(&Membership { org: uni.id, user: tom.id, role: RoleName::parse("teacher").unwrap() }, now).await.unwrap();

    let oc = server.client();
    server.login(&oc, "olga@uni.nl", "pw-olga-123").await;
    let orgs: Value = get(&server, &oc, "/api/orgs").await.json().await.unwrap();
    assert_eq!(orgs, json!([{"id": uni.id.0, "name": "Uni", "roles": ["student", "teacher"], "my_roles": ["student"]}]));
    let teachers: Value = get(&server, &oc, &format!("/api/orgs/{}/members?role=teacher", uni.id.0)).await.json().await.unwrap();
    assert_eq!(teachers, json!([{"id": tom.id.0, "display_name": "tom", "role": "teacher"}]));
    // Not her organisation: the same 404 as one that does not exist.
    let other = get(&server, &oc, &format!("/api/orgs/{}/members", firm.id.0)).await;
    assert_eq!(other.status(), 404);
    let other_body = other.text().await.unwrap();
    let unknown = get(&server, &oc, "/api/orgs/99999/members").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.text().await.unwrap(), other_body);

    let out = server.client();
    server.login(&out, "out@uni.nl", "pw-out-12345").await;
    assert_eq!(get(&server, &out, "/api/orgs").await.json::<Value>().await.unwrap(), json!([]));
    assert_eq!(get(&server, &out, &format!("/api/orgs/{}/members", uni.id.0)).await.status(), 404);

    let admin = server.client();
    server.login(&admin, "root@uni.nl", "pw-root-1234").await;
    let all: Value = get(&server, &admin, "/api/orgs").await.json().await.unwrap();
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Firm", "Uni"]);
    assert_eq!(get(&server, &admin, &format!("/api/orgs/{}/members", uni.id.0)).await.json::<Value>().await.unwrap().as_array().unwrap().len(), 2);
    assert_eq!(get(&server, &admin, &format!("/api/orgs/{}/members", firm.id.0)).await.json::<Value>().await.unwrap(), json!([]));
    assert_eq!(get(&server, &admin, "/api/orgs/99999/members").await.status(), 404);
    assert_eq!(reqwest::get(server.url("/api/orgs")).await.unwrap().status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn the_owner_edits_a_grant_and_the_engine_refuses_what_it_must() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let piet = server.create_user("piet@uni.nl", "pw-piet-1234").await;
    server.create_user("tom@uni.nl", "pw-tom-1234").await;
    let p = portfolio(&server, &olga, "e").await;
    let now = server.state.clock().now();
    let org = server.state.storage().create_org("Uni", now).await.unwrap();
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"node": "c1", "users": [piet.id.0], "level": "read"})).await;
    let grant = r.json::<Value>().await.unwrap()[0].clone();
    let id = grant["id"].as_i64().unwrap();
    assert_eq!(grant["subject_label"], "piet", "a person's name, not their id");
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"organisation": org.id.0, "org_role": "teacher", "level": "read"})).await;
    assert_eq!(r.json::<Value>().await.unwrap()[0]["subject_label"], "Uni · teacher");
    let path = format!("/api/portfolios/{p}/access/{id}");

    // Happy path: level, flags and automatic revocation date.
    let end = now.millis() + 3 * DAY;
    let r = patch(&server, &owner, &csrf, &path, json!({"level": "write", "may_share": true, "end": end})).await;
    assert_eq!(r.status(), 200);
    let edited: Value = r.json().await.unwrap();
    assert_eq!((edited["level"].as_str(), edited["may_share"].as_bool(), edited["end"].as_i64()), (Some("write"), Some(true), Some(end)));
    let principal = server.state.policy().principal_for_user(piet.id).await.unwrap();
    let policy = server.state.policy().portfolio(&p).await.unwrap();
    assert!(policy.read(|e| e.check(&principal, Action::Write, &NodeId::from("p1"), now)), "the engine sees the edit at once");
    // `null` removes the end; absent fields stay.
    let r = patch(&server, &owner, &csrf, &path, json!({"end": null})).await;
    let edited: Value = r.json().await.unwrap();
    assert_eq!((edited["level"].as_str(), edited["end"].clone()), (Some("write"), Value::Null));

    // Bad input: a clear error naming the field, and nothing changed.
    let r = patch(&server, &owner, &csrf, &path, json!({"level": "god"})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "level");
    let r = patch(&server, &owner, &csrf, &path, json!({"start": end, "end": end - 1})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "end");
    assert_eq!(patch(&server, &owner, &csrf, &path, json!({"subject": {"type": "public"}})).await.status(), 400);
    let stored = server.state.storage().stored_grant(folio_core::access::GrantId(id as u64)).await.unwrap().unwrap();
    assert_eq!((stored.grant.level, stored.grant.start, stored.grant.end), (folio_core::access::Level::Write, None, None));

    // Piet writes but does not manage: he may not raise his own grant.
    let pc = server.client();
    let pcsrf = server.login(&pc, "piet@uni.nl", "pw-piet-1234").await;
    let r = patch(&server, &pc, &pcsrf, &path, json!({"level": "manage"})).await;
    assert_eq!(r.status(), 403);
    assert_eq!(error_code(r).await, "forbidden");
    // Tom sees nothing: the same 404 as an unknown portfolio.
    let tc = server.client();
    let tcsrf = server.login(&tc, "tom@uni.nl", "pw-tom-1234").await;
    assert_eq!(patch(&server, &tc, &tcsrf, &path, json!({"level": "read"})).await.status(), 404);
    // An unknown grant, and an invitation's grant (edited through its invitation).
    assert_eq!(patch(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access/999999"), json!({"level": "read"})).await.status(), 404);
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/invitations"), json!({"name": "Yves", "email": "yves@firm.nl", "role": "supervisor", "nodes": ["c1"], "days": 3})).await;
    assert_eq!(r.status(), 201);
    let list: Value = get(&server, &owner, &format!("/api/portfolios/{p}/access")).await.json().await.unwrap();
    let inv = list["grants"].as_array().unwrap().iter().find(|g| g["source"] == "invitation").unwrap();
    assert_eq!(inv["subject_label"], "Yves");
    let r = patch(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access/{}", inv["id"]), json!({"level": "write"})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(error_code(r).await, "managed_elsewhere");
    server.stop().await;
}

#[tokio::test]
async fn leaving_removes_grants_roles_and_link_roles_together_and_queues_the_owners_notice() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let piet = server.create_user("piet@uni.nl", "pw-piet-1234").await;
    let p = portfolio(&server, &olga, "l").await;
    let storage = server.state.storage();
    let now = server.state.clock().now();
    storage.add_portfolio_role(&folio_server::storage::PortfolioRole { portfolio: p.clone(), user: piet.id, role: RoleName::parse("peer").unwrap() }, now).await.unwrap();
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    assert_eq!(post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"role": "peer", "level": "comment"})).await.status(), 201);
    assert_eq!(post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"node": "c2", "users": [piet.id.0], "level": "read"})).await.status(), 201);
    let before = storage.list_mail(100).await.unwrap().len();
    let pc = server.client();
    let pcsrf = server.login(&pc, "piet@uni.nl", "pw-piet-1234").await;
    assert_eq!(delete(&server, &pc, &pcsrf, &format!("/api/portfolios/{p}/access/me")).await.status(), 204);
    assert!(storage.roles_of_user(piet.id).await.unwrap().is_empty());
    let left: Vec<_> = storage.portfolio_grants(&p).await.unwrap().into_iter().filter(|g| g.grant.subject == folio_core::access::Subject::user(piet.id.0.to_string())).collect();
    assert!(left.is_empty());
    let mails = storage.list_mail(100).await.unwrap();
    assert_eq!(mails.len(), before + 1, "exactly one notice");
    assert_eq!(mails[0].mail.to.as_str(), "olga@uni.nl");
    assert!(mails[0].mail.body_text.contains("piet"), "{}", mails[0].mail.body_text);
    // Afterwards the portfolio is gone for him, like an unknown one.
    assert_eq!(get(&server, &pc, "/api/me/shares").await.json::<Value>().await.unwrap(), json!([]));
    assert_eq!(delete(&server, &pc, &pcsrf, &format!("/api/portfolios/{p}/access/me")).await.status(), 404);
    server.stop().await;
}
