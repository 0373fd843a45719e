//! `POST/GET /api/portfolios` and `GET /api/portfolios/{id}/documents`:
//! creation registers a real, valid portfolio document; each caller lists
//! exactly the portfolios and documents they may read now; an unknown and a
//! forbidden portfolio answer the same 404.

use std::time::Duration;

use folio_core::access::{Grant, GrantId, Level, Node, NodeId, NodeKind, Subject};
use folio_core::doc::PortfolioDoc;
use folio_core::time::Timestamp;
use folio_server::clock::Clock;
use folio_server::storage::{DocumentId, DocumentRecord, DocumentRole, GrantSource, UserId};
use folio_tests::TestServer;
use folio_tests::sync::{Account, SyncClient, account};
use serde_json::{Value, json};

async fn create(server: &TestServer, who: &Account, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/api/portfolios"))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get(server: &TestServer, who: &Account, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(server.url(path))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap()
}

async fn new_portfolio(server: &TestServer, who: &Account, title: &str) -> DocumentId {
    let r = create(server, who, json!({ "title": title })).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    DocumentId::parse(body["id"].as_str().unwrap()).unwrap()
}

fn random_doc() -> DocumentId {
    DocumentId::parse(&folio_core::sync::DocumentId::from_bytes(rand_bytes()).to_string()).unwrap()
}

fn rand_bytes() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 16];
    for c in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(1);
        c.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

/// Collections c1 (with page p1) and c2, each with its registered document,
/// stored before anything loads the portfolio's engine. Returns the
/// documents of c1, p1 and c2.
async fn tree(server: &TestServer, p: &DocumentId) -> (DocumentId, DocumentId, DocumentId) {
    let s = server.state.storage();
    s.put_nodes(
        p,
        &[
            Node::child("c1", NodeKind::Collection, p.as_str()).with_title("Internship"),
            Node::child("c2", NodeKind::Collection, p.as_str()).with_title("Private"),
            Node::child("p1", NodeKind::Page, "c1").with_title("Week 1"),
        ],
    )
    .await
    .unwrap();
    let (c1, p1, c2) = (random_doc(), random_doc(), random_doc());
    let now = server.clock.now();
    for (id, role, node) in [
        (&c1, DocumentRole::Collection, "c1"),
        (&p1, DocumentRole::Page, "p1"),
        (&c2, DocumentRole::Collection, "c2"),
    ] {
        let r = DocumentRecord {
            id: id.clone(),
            portfolio: p.clone(),
            role,
            node: NodeId::new(node),
        };
        assert!(s.register_document(&r, now).await.unwrap());
    }
    (c1, p1, c2)
}

async fn grant(
    server: &TestServer,
    p: &DocumentId,
    node: &str,
    to: &Account,
    level: Level,
    end: Option<Timestamp>,
) -> GrantId {
    let g = Grant::new(0, node, Subject::user(to.id.to_string()), level).between(None, end);
    let id = server
        .state
        .storage()
        .insert_grant(p, &g, GrantSource::Direct, None, server.clock.now())
        .await
        .unwrap();
    server.state.policy().grants_changed(p).await.unwrap();
    id
}

async fn listed(server: &TestServer, who: &Account) -> Vec<String> {
    let r = get(server, who, "/api/portfolios").await;
    assert_eq!(r.status(), 200);
    let body: Vec<Value> = r.json().await.unwrap();
    let mut ids: Vec<String> = body
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn documents(
    server: &TestServer,
    who: &Account,
    p: &str,
) -> Result<Vec<(String, String)>, (u16, Value)> {
    let r = get(server, who, &format!("/api/portfolios/{p}/documents")).await;
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    if status != 200 {
        return Err((status, body));
    }
    let mut out: Vec<(String, String)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(
                d["url"].as_str().unwrap(),
                format!("automerge:{}", d["id"].as_str().unwrap())
            );
            (
                d["id"].as_str().unwrap().to_owned(),
                d["node"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    Ok(out)
}

#[tokio::test]
async fn creating_a_portfolio_stores_a_valid_document_its_owner_can_open() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let r = create(&server, &olga, json!({ "title": "  My year  " })).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    let id = DocumentId::parse(body["id"].as_str().unwrap()).unwrap();
    assert_eq!(body["url"], format!("automerge:{id}"));
    assert_eq!(body["owner"], olga.id);
    let wire: folio_core::sync::DocumentId =
        id.as_str().parse().expect("an automerge-repo document id");

    // Registered as the portfolio's own document, and stored: it loads and validates.
    let record = server
        .state
        .storage()
        .document_record(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.role, DocumentRole::Portfolio);
    assert_eq!(record.node.as_str(), id.as_str());
    let stored = server.state.storage().load_document(&id).await.unwrap();
    let mut am = automerge::Automerge::new();
    for c in &stored.changes {
        am.load_incremental(&c.data).unwrap();
    }
    let doc = PortfolioDoc::from_automerge(am).unwrap();
    doc.validate().unwrap();
    assert_eq!(doc.read().title, body["title"].as_str().unwrap());

    // The owner lists it and syncs it.
    assert_eq!(listed(&server, &olga).await, vec![id.to_string()]);
    assert_eq!(
        documents(&server, &olga, id.as_str()).await.unwrap(),
        vec![(id.to_string(), id.to_string())]
    );
    let mut c = SyncClient::with_cookie(&server, &olga).await;
    c.find(wire).await;
    c.until(|c| {
        c.repo.doc(&wire).is_some_and(|d| {
            automerge::ReadDoc::get(d, automerge::ROOT, "kind")
                .ok()
                .flatten()
                .is_some()
        })
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn creating_needs_a_session_and_a_usable_title() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let anonymous = reqwest::Client::new()
        .post(server.url("/api/portfolios"))
        .json(&json!({ "title": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    for bad in [json!({ "title": "" }), json!({ "title": "x".repeat(201) })] {
        let r = create(&server, &olga, bad).await;
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_input");
        assert_eq!(body["error"]["field"], "title");
    }
    assert_eq!(
        create(&server, &olga, json!({ "name": "no title" }))
            .await
            .status(),
        400
    );
    assert!(
        listed(&server, &olga).await.is_empty(),
        "nothing was created by the refused requests"
    );
    server.stop().await;
}

#[tokio::test]
async fn each_caller_lists_the_portfolios_they_may_read_now() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let bert = account(&server, "bert@example.org").await;
    let cleo = account(&server, "cleo@example.org").await;
    let dirk = account(&server, "dirk@example.org").await;
    let eva = account(&server, "eva@example.org").await;
    let p1 = new_portfolio(&server, &olga, "Olga's").await;
    tree(&server, &p1).await;
    let p2 = new_portfolio(&server, &bert, "Bert's").await;

    let g = grant(&server, &p1, "c1", &cleo, Level::Read, None).await;
    let end = server.clock.now().plus_millis(3_600_000);
    grant(&server, &p1, "p1", &eva, Level::Comment, Some(end)).await;

    assert_eq!(listed(&server, &olga).await, vec![p1.to_string()]);
    assert_eq!(listed(&server, &bert).await, vec![p2.to_string()]);
    assert_eq!(
        listed(&server, &cleo).await,
        vec![p1.to_string()],
        "a grant on a collection shows its portfolio"
    );
    assert_eq!(listed(&server, &eva).await, vec![p1.to_string()]);
    assert!(
        listed(&server, &dirk).await.is_empty(),
        "no grant, no portfolio"
    );

    // A revoked grant and an expired one take the portfolio away.
    server.state.storage().delete_grant(g).await.unwrap();
    server.state.policy().grants_changed(&p1).await.unwrap();
    assert!(listed(&server, &cleo).await.is_empty());
    server.advance(Duration::from_secs(3601));
    assert!(
        listed(&server, &eva).await.is_empty(),
        "an expired grant lists nothing"
    );
    assert_eq!(listed(&server, &olga).await, vec![p1.to_string()]);
    server.stop().await;
}

#[tokio::test]
async fn documents_are_those_the_caller_may_read_and_unknown_is_forbidden() {
    let server = TestServer::start().await;
    let olga = account(&server, "olga@example.org").await;
    let cleo = account(&server, "cleo@example.org").await;
    let pam = account(&server, "pam@example.org").await;
    let dirk = account(&server, "dirk@example.org").await;
    let p = new_portfolio(&server, &olga, "Olga's").await;
    let (c1, p1, c2) = tree(&server, &p).await;
    grant(&server, &p, "c1", &cleo, Level::Read, None).await;
    grant(&server, &p, "p1", &pam, Level::Write, None).await;

    let pair = |d: &DocumentId, n: &str| (d.to_string(), n.to_owned());
    let mut all = vec![
        pair(&p, p.as_str()),
        pair(&c1, "c1"),
        pair(&p1, "p1"),
        pair(&c2, "c2"),
    ];
    all.sort();
    assert_eq!(
        documents(&server, &olga, p.as_str()).await.unwrap(),
        all,
        "the owner reads everything"
    );
    let mut cleo_sees = vec![pair(&c1, "c1"), pair(&p1, "p1")];
    cleo_sees.sort();
    assert_eq!(
        documents(&server, &cleo, p.as_str()).await.unwrap(),
        cleo_sees,
        "a collection and what is below it, not the portfolio document"
    );
    assert_eq!(
        documents(&server, &pam, p.as_str()).await.unwrap(),
        vec![pair(&p1, "p1")],
        "a page only"
    );

    // Forbidden, unknown and malformed: one answer.
    let forbidden = documents(&server, &dirk, p.as_str()).await.unwrap_err();
    let unknown = documents(&server, &olga, random_doc().as_str())
        .await
        .unwrap_err();
    let malformed = documents(&server, &olga, "not%20an%20id")
        .await
        .unwrap_err();
    assert_eq!(forbidden.0, 404);
    assert_eq!(forbidden, unknown);
    assert_eq!(forbidden, malformed);
    // Without a session: 401, before anything is looked up.
    let r = reqwest::Client::new()
        .get(server.url(&format!("/api/portfolios/{p}/documents")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let _ = UserId(olga.id);
    server.stop().await;
}
