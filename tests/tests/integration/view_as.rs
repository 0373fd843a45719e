//! "View as": `GET /api/portfolios/{p}/view-as` answers exactly the policy
//! snapshot the principal itself receives over `/sync`, only to managers, and
//! only for principals that concern the portfolio.

use crate::support;

use std::time::Duration;

use folio_core::doc::{DocumentId as DocId, PortfolioDoc};
use folio_core::sync::ClientEvent;
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId as StoredId, PortfolioRole, RoleName, UserId};
use folio_tests::sync::{Account, SyncClient, account, create_portfolio};
use folio_tests::TestServer;
use serde_json::{Value, json};
use support::{portfolio, post};

async fn get(server: &TestServer, who: &Account, path: &str) -> reqwest::Response {
    reqwest::Client::new().get(server.url(path)).header("cookie", &who.cookie).send().await.unwrap()
}

async fn write(server: &TestServer, who: &Account, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url(path))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The ids of the nodes a snapshot marks readable.
fn readable(snapshot: &Value) -> Vec<String> {
    snapshot["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["readable"] == json!(true))
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The last policy snapshot a sync client received.
fn last_policy(c: &SyncClient) -> Value {
    let bytes = c
        .events
        .iter()
        .rev()
        .find_map(|e| match e {
            ClientEvent::PolicyUpdated { snapshot, .. } => Some(snapshot.clone()),
            _ => None,
        })
        .expect("a policy snapshot arrived");
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn the_owner_sees_exactly_the_snapshot_the_person_receives_over_sync() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let wim = account(&server, "wim@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's year").await;
    let p = StoredId::parse(&doc.to_string()).unwrap();
    let root = p.as_str().to_owned();
    // Olga adds two collections through her own sync session, as the app does.
    let mut mine = SyncClient::with_cookie(&server, &olga).await;
    mine.find(doc).await;
    mine.until(|c| c.repo.doc(&doc).is_some_and(|d| automerge::ReadDoc::get(d, automerge::ROOT, "title").ok().flatten().is_some())).await;
    let am = mine.repo.doc_mut(&doc).unwrap();
    let before = am.get_heads();
    let mut typed = PortfolioDoc::from_automerge(am.document().clone()).unwrap();
    typed.add_collection("c1", "Internship", DocId::from_bytes([1; 16]), None).unwrap();
    typed.add_collection("c2", "Private", DocId::from_bytes([2; 16]), None).unwrap();
    am.apply_changes(typed.changes_since(&before)).unwrap();
    mine.sync(&doc).await;
    let policy = server.state.policy().portfolio(&p).await.unwrap();
    for _ in 0..100 {
        if policy.read(|e| e.node(&"c2".into()).is_some()) {
            break;
        }
        mine.drain(Duration::from_millis(50)).await;
    }
    assert!(policy.read(|e| e.node(&"c2".into()).is_some()), "the collections reached the engine");
    let end = folio_tests::START.millis() + 86_400_000;
    let access = format!("/api/portfolios/{root}/access");
    assert_eq!(write(&server, &olga, &access, json!({"users": [wim.id], "level": "read", "end": end})).await.status(), 201);
    assert_eq!(write(&server, &olga, &access, json!({"node": "c1", "users": [wim.id], "level": "write"})).await.status(), 201);

    // Wim's own session: the policy message of the portfolio he opens.
    let mut sync = SyncClient::with_cookie(&server, &wim).await;
    sync.find(doc).await;
    sync.until(SyncClient::got_policy).await;
    sync.drain(Duration::from_millis(300)).await;
    let own = last_policy(&sync);

    let r = get(&server, &olga, &format!("/api/portfolios/{root}/view-as?user={}", wim.id)).await;
    assert_eq!(r.status(), 200);
    let viewed: Value = r.json().await.unwrap();
    assert_eq!(viewed, own, "view-as answers the very snapshot /sync sends");
    assert_eq!(viewed["valid_until"], json!(end), "until his read grant ends");
    let seen = readable(&viewed);
    assert!(seen.contains(&root) && seen.contains(&"c1".to_owned()) && seen.contains(&"c2".to_owned()), "{seen:?}");

    // And what his document list implies: every document he may read is on a readable node.
    let docs: Value = get(&server, &wim, &format!("/api/portfolios/{root}/documents")).await.json().await.unwrap();
    for d in docs.as_array().unwrap() {
        assert!(seen.contains(&d["node"].as_str().unwrap().to_owned()), "{d}");
    }

    // A role elsewhere is not shown to this portfolio's owner, and changes nothing here.
    let other = create_portfolio(&server, &wim, "Wim's own").await;
    let other = StoredId::parse(&other.to_string()).unwrap();
    let role = PortfolioRole { portfolio: other, user: UserId(wim.id), role: RoleName::parse("teacher").unwrap() };
    server.state.storage().add_portfolio_role(&role, server.clock.now()).await.unwrap();
    let full = server.state.policy().principal_for_user(UserId(wim.id)).await.unwrap();
    assert!(matches!(&full, folio_core::access::Principal::User(u) if u.roles.len() == 1));
    let direct = server.state.policy().portfolio(&p).await.unwrap().read(|e| e.snapshot_for(&full, server.clock.now()));
    let again: Value = get(&server, &olga, &format!("/api/portfolios/{root}/view-as?user={}", wim.id)).await.json().await.unwrap();
    assert_eq!(again["principal"], json!({"type": "user", "id": wim.id.to_string()}), "no roles in other portfolios");
    assert_eq!(again["nodes"], serde_json::to_value(&direct.nodes).unwrap());
    assert_eq!(again["grants"], serde_json::to_value(&direct.grants).unwrap());
    server.stop().await;
}

#[tokio::test]
async fn only_managers_may_look_and_unknown_portfolios_answer_alike() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let wim = account(&server, "wim@example.org").await;
    let eve = account(&server, "eve@example.org").await;
    let doc = create_portfolio(&server, &olga, "Olga's year").await;
    let root = doc.to_string();
    let access = format!("/api/portfolios/{root}/access");
    assert_eq!(write(&server, &olga, &access, json!({"users": [wim.id], "level": "remove"})).await.status(), 201);
    let path = format!("/api/portfolios/{root}/view-as?user={}", olga.id);
    // Wim sees the portfolio but does not manage it.
    let r = get(&server, &wim, &path).await;
    assert_eq!(r.status(), 403);
    assert_eq!(folio_tests::error_code(r).await, "forbidden");
    // Eve sees nothing of it: the same answer as a portfolio that does not exist.
    assert_eq!(get(&server, &eve, &path).await.status(), 404);
    assert_eq!(get(&server, &olga, "/api/portfolios/pf-nothing/view-as?user=1").await.status(), 404);
    assert_eq!(reqwest::get(server.url(&path)).await.unwrap().status(), 404, "nobody signed in");
    // A manager who is not the owner may look, also at the owner.
    assert_eq!(write(&server, &olga, &access, json!({"users": [wim.id], "level": "manage"})).await.status(), 201);
    let r = get(&server, &wim, &path).await;
    assert_eq!(r.status(), 200);
    let snap: Value = r.json().await.unwrap();
    assert!(readable(&snap).contains(&root), "the owner reads everything");
    server.stop().await;
}

#[tokio::test]
async fn roles_organisations_and_links_are_viewed_through_the_engine() {
    let server = TestServer::start().await;
    let olga_user = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let p = portfolio(&server, &olga_user, "v").await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let org = server.state.storage().create_org("Uni", server.clock.now()).await.unwrap();
    let access = format!("/api/portfolios/{p}/access");
    assert_eq!(post(&server, &owner, &csrf, &access, json!({"node": "c1", "role": "teacher", "level": "comment"})).await.status(), 201);
    assert_eq!(post(&server, &owner, &csrf, &access, json!({"node": "c2", "organisation": org.id.0, "org_role": "staff", "level": "read"})).await.status(), 201);
    let link: Value = post(&server, &owner, &csrf, &format!("/api/portfolios/{p}/links"), json!({"node": "c1", "level": 4})).await.json().await.unwrap();
    let view_as = |q: String| {
        let owner = owner.clone();
        let url = server.url(&format!("/api/portfolios/{p}/view-as?{q}"));
        async move { owner.get(url).send().await.unwrap() }
    };

    let teacher: Value = view_as("role=teacher".into()).await.json().await.unwrap();
    assert_eq!(teacher["principal"]["roles"], json!([{"portfolio": p.as_str(), "role": "teacher"}]));
    let seen = readable(&teacher);
    assert!(seen.contains(&"c1".into()) && seen.contains(&"p1".into()) && !seen.contains(&"c2".into()), "{seen:?}");
    assert!(!seen.contains(&p.as_str().to_owned()), "the root is only the path above c1");

    let staff: Value = view_as(format!("org={}&org_role=staff", org.id.0)).await.json().await.unwrap();
    assert_eq!(readable(&staff), vec!["c2".to_owned()]);
    let member: Value = view_as(format!("org={}", org.id.0)).await.json().await.unwrap();
    assert!(readable(&member).is_empty(), "the rule names staff only");

    let by_link: Value = view_as(format!("link={}", link["link"]["id"].as_str().unwrap())).await.json().await.unwrap();
    assert_eq!(by_link["principal"], json!({"type": "link", "id": link["link"]["id"]}));
    let view: Value = reqwest::Client::new()
        .get(server.url("/api/links/view"))
        .bearer_auth(link["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut through_link: Vec<String> = view.as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect();
    let mut viewed = readable(&by_link);
    through_link.sort();
    viewed.sort();
    assert_eq!(viewed, through_link, "what the link's visitor is shown");
    server.stop().await;
}

#[tokio::test]
async fn bad_and_unrelated_subjects_get_clear_errors() {
    let server = TestServer::start().await;
    let olga = server.create_user("olga@uni.nl", "pw-olga-123").await;
    let stranger = server.create_user("sam@uni.nl", "pw-sam-12345").await;
    let p = portfolio(&server, &olga, "w").await;
    let owner = server.client();
    server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let cases: Vec<(String, u16, Option<&str>)> = vec![
        (String::new(), 400, None),
        ("user=1&role=teacher".into(), 400, None),
        ("colour=blue".into(), 400, None),
        ("user=seven".into(), 400, Some("user")),
        ("role=Head%20Teacher".into(), 400, Some("role")),
        ("org=x".into(), 400, Some("org")),
        ("role=peer&org_role=staff".into(), 400, Some("org_role")),
        ("link=a%2Fb".into(), 400, Some("link")),
        ("user=424242".into(), 404, Some("user")),
        (format!("user={}", stranger.id.0), 404, Some("user")),
        ("role=examiner".into(), 404, Some("role")),
        ("org=77".into(), 404, Some("org")),
        ("link=nolinkhere".into(), 404, Some("link")),
    ];
    for (q, status, field) in cases {
        let r = owner.get(server.url(&format!("/api/portfolios/{p}/view-as?{q}"))).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "`{q}`");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["field"].as_str(), field, "`{q}`: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    // The owner is always relevant.
    let r = owner.get(server.url(&format!("/api/portfolios/{p}/view-as?user={}", olga.id.0))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    server.stop().await;
}
