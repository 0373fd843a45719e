//! Access management: the list with sources, organisation rules reaching
//! future members, self-removal with a mail to the owner, one-time
//! invitations ending on submission, and access requests.

use crate::support;

use folio_core::access::{Action, Node, NodeId, NodeKind, NodeState};
use folio_server::storage::{Email, Membership, RoleName};
use folio_tests::TestServer;
use serde_json::json;
use support::{delete, last_mail_to, portfolio, post};

#[tokio::test]
async fn an_organisation_rule_reaches_a_member_who_joins_later_and_shows_its_source() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "o").await;
    let now = server.state.clock().now();
    let org = server.state.storage().create_org("Uni", now).await.unwrap();
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"node": "c1", "organisation": org.id.0, "org_role": "teacher", "level": "comment"})).await;
    assert_eq!(r.status(), 201);
    let tom = server.create_user("tom@uni.nl", "pw-tom-1234").await;
    server.state.storage().add_membership(&Membership { org: org.id, user: tom.id, role: RoleName::parse("teacher").unwrap() }, now).await.unwrap();
    server.state.policy().principals_changed();
    let principal = server.state.policy().principal_for_user(tom.id).await.unwrap();
    let policy = server.state.policy().portfolio(&p).await.unwrap();
    assert!(policy.read(|e| e.check(&principal, Action::Comment, &NodeId::from("p1"), now)));
    let list: serde_json::Value = owner.get(server.url(&format!("/api/portfolios/{p}/access"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["grants"][0]["source"], "organisation-rule");
    assert_eq!(list["grants"][0]["level"], "comment");
    // Tom may see the portfolio but not manage its access.
    let t = server.client();
    server.login(&t, "tom@uni.nl", "pw-tom-1234").await;
    assert_eq!(t.get(server.url(&format!("/api/portfolios/{p}/access"))).send().await.unwrap().status(), 403);
    server.stop().await;
}

#[tokio::test]
async fn a_grantee_removes_their_own_access_and_the_owner_is_mailed() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let peer = server.create_user("piet@uni.nl", "pw-piet-1234").await;
    let p = portfolio(&server, &olga, "s").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let end = folio_tests::START.millis() + 86_400_000;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"users": [peer.id.0], "level": "comment", "end": end})).await;
    assert_eq!(r.status(), 201);
    let granted: serde_json::Value = r.json().await.unwrap();
    assert_eq!(granted[0]["end"], json!(end), "automatic revocation date");
    let piet = server.client();
    let pcsrf = server.login(&piet, "piet@uni.nl", "pw-piet-1234").await;
    assert_eq!(delete(&server, &piet, &pcsrf, &format!("/api/portfolios/{p}/access/me")).await.status(), 204);
    assert!(server.state.storage().portfolio_grants(&p).await.unwrap().is_empty());
    let mail = last_mail_to(&server, "olga@uni.nl").await;
    assert!(mail.mail.subject.contains("left your portfolio"), "{}", mail.mail.subject);
    // Now Piet sees nothing: same answer as an unknown portfolio.
    assert_eq!(piet.get(server.url(&format!("/api/portfolios/{p}/links"))).send().await.unwrap().status(), 404);
    server.stop().await;
}

#[tokio::test]
async fn a_one_time_invitation_ends_when_the_assessment_is_submitted() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga, "t").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/one-time-invitations"), json!({"name": "Ann", "email": "ann@school.nl", "node": "p1", "hours": 48})).await;
    assert_eq!(r.status(), 201);
    let ann = server.state.storage().user_by_email(&Email::parse("ann@school.nl").unwrap()).await.unwrap().unwrap();
    let principal = server.state.policy().principal_for_user(ann.id).await.unwrap();
    let policy = server.state.policy().portfolio(&p).await.unwrap();
    let now = server.state.clock().now();
    assert!(policy.read(|e| e.check(&principal, Action::Comment, &NodeId::from("p1"), now)));
    let mut submitted = Node::child("p1", NodeKind::Page, "c1");
    submitted.state = NodeState { submitted: Some(now), ..NodeState::default() };
    server.state.policy().apply_tree(&p, &[folio_server::policy::TreeChange::Upsert(submitted)]).await.unwrap();
    assert!(!policy.read(|e| e.check(&principal, Action::Read, &NodeId::from("p1"), now)));
    server.stop().await;
}

#[tokio::test]
async fn an_access_request_is_approved_by_the_owner_and_unknown_portfolios_answer_alike() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let tom = server.create_user("tom@uni.nl", "pw-tom-1234").await;
    let p = portfolio(&server, &olga, "r").await;
    let t = server.client();
    let tcsrf = server.login(&t, "tom@uni.nl", "pw-tom-1234").await;
    assert_eq!(post(&server, &t, &tcsrf, "/api/portfolios/pf-unknown/access-requests", json!({"message": "hi"})).await.status(), 202);
    assert_eq!(post(&server, &t, &tcsrf, &format!("/api/portfolios/{p}/access-requests"), json!({"node": "c1", "message": "may I?"})).await.status(), 202);
    assert!(last_mail_to(&server, "olga@uni.nl").await.mail.subject.contains("asks for access"));
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let list: serde_json::Value = owner.get(server.url(&format!("/api/portfolios/{p}/access-requests"))).send().await.unwrap().json().await.unwrap();
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["requester_name"], "tom", "who asks, by name");
    let r = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access-requests/{id}/approve"), json!({})).await;
    assert_eq!(r.status(), 200);
    let principal = server.state.policy().principal_for_user(tom.id).await.unwrap();
    let policy = server.state.policy().portfolio(&p).await.unwrap();
    assert!(policy.can_read(&principal, &NodeId::from("p1"), server.state.clock().now()));
    let again = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/access-requests/{id}/decline"), json!({})).await;
    assert_eq!(again.status(), 409);
    server.stop().await;
}
