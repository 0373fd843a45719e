//! `POST /api/v1/documents/{doc}/edits`: an API token changes a document with
//! a typed edit, judged by the same guard as every peer. An edit within the
//! token's scope lands (stored, audited under `token:<id>`); one outside it is
//! refused with the guard's reasons and nothing is stored (the refusal is
//! audited too); bad input and unknown documents get clear errors.

use crate::support;

use folio_core::doc::PortfolioDoc;
use folio_server::storage::{DocumentId, Outcome};
use folio_tests::{TestServer, error_code};
use serde_json::{Value, json};
use support::{create_admin, post, service_token, token_for};

async fn edit(server: &TestServer, secret: &str, doc: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new().post(server.url(&format!("/api/v1/documents/{doc}/edits"))).bearer_auth(secret).json(&body).send().await.unwrap()
}

async fn title(server: &TestServer, id: &DocumentId) -> String {
    let doc = folio_server::docs::load_stored(&server.state, id).await.unwrap();
    PortfolioDoc::from_automerge(doc).unwrap().read().title
}

struct World {
    p: DocumentId,
    writer: (String, String),
    reader: (String, String),
    viewer: String,
}

/// Olga's portfolio, shared with the service user at Write; three tokens for
/// it: `edit: related` (may write what its account may), `edit: own` +
/// `view: related` (owns nothing, so may only read), and `view: related` alone.
async fn world(server: &TestServer) -> World {
    create_admin(server, "root@uni.nl", "pw-root-1234").await;
    server.create_user("olga@uni.nl", "pw-olga-123").await;
    let admin = server.client();
    let acsrf = server.login(&admin, "root@uni.nl", "pw-root-1234").await;
    let (service, writer_secret, writer_id) = service_token(server, &admin, &acsrf, "lms@svc.uni.nl", json!({"portfolios": {"edit": "related"}})).await;
    let (reader_secret, reader_id) = token_for(server, &admin, &acsrf, service, json!({"portfolios": {"view": "related", "edit": "own"}})).await;
    let (viewer, _) = token_for(server, &admin, &acsrf, service, json!({"portfolios": {"view": "related"}})).await;
    let owner = server.client();
    let csrf = server.login(&owner, "olga@uni.nl", "pw-olga-123").await;
    let r = post(server, &owner, &csrf, "/api/portfolios", json!({"title": "My year"})).await;
    assert_eq!(r.status(), 201);
    let p = DocumentId::parse(r.json::<Value>().await.unwrap()["id"].as_str().unwrap()).unwrap();
    let r = post(server, &owner, &csrf, &format!("/api/portfolios/{p}/access"), json!({"users": [service], "level": "write"})).await;
    assert_eq!(r.status(), 201);
    World { p, writer: (writer_secret, writer_id), reader: (reader_secret, reader_id), viewer }
}

#[tokio::test]
async fn an_edit_within_the_tokens_scope_lands_and_is_audited() {
    let server = TestServer::start().await;
    let w = world(&server).await;
    let r = edit(&server, &w.writer.0, &format!("automerge:{}", w.p), json!({"op": "set_metadata", "title": "Year two", "description": "from the LMS"})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["changes"].as_array().unwrap().len(), 1);
    assert!(!body["patches"].as_array().unwrap().is_empty(), "{body}");
    assert_eq!(title(&server, &w.p).await, "Year two", "stored durably");
    let audit = server.state.storage().audit_for_document(&w.p, 20).await.unwrap();
    let principal = format!("token:{}", w.writer.1);
    assert!(audit.iter().any(|a| a.principal == principal && a.outcome == Outcome::Accepted), "{audit:?}");
    server.stop().await;
}

#[tokio::test]
async fn an_edit_outside_the_tokens_scope_is_refused_with_reasons_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let w = world(&server).await;
    let changes_before = server.state.storage().load_document(&w.p).await.unwrap().changes.len();
    // `edit: own` does not reach Olga's portfolio; `view: related` reads it only.
    let r = edit(&server, &w.reader.0, w.p.as_str(), json!({"op": "set_metadata", "title": "Hijacked", "description": ""})).await;
    assert_eq!(r.status(), 403);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["code"], "edit_refused");
    assert!(err["error"]["message"].as_str().unwrap().contains("refused:"), "{err}");
    assert_eq!(title(&server, &w.p).await, "My year");
    assert_eq!(server.state.storage().load_document(&w.p).await.unwrap().changes.len(), changes_before, "nothing stored");
    let audit = server.state.storage().audit_for_document(&w.p, 20).await.unwrap();
    let principal = format!("token:{}", w.reader.1);
    assert!(audit.iter().any(|a| a.principal == principal && a.outcome == Outcome::Rejected && a.reason.is_some()), "{audit:?}");
    // No edit scope in the category at all: refused before anything is looked up.
    let r = edit(&server, &w.viewer, w.p.as_str(), json!({"op": "set_metadata", "title": "x", "description": ""})).await;
    assert_eq!(r.status(), 403);
    assert_eq!(error_code(r).await, "insufficient_scope");
    server.stop().await;
}

#[tokio::test]
async fn bad_edits_and_unknown_documents_get_clear_errors_and_change_nothing() {
    let server = TestServer::start().await;
    let w = world(&server).await;
    let p = w.p.as_str();
    // Not an edit at all.
    let r = edit(&server, &w.writer.0, p, json!({"op": "paint_it_black"})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(error_code(r).await, "invalid_json");
    // An edit for another kind of document.
    let r = edit(&server, &w.writer.0, p, json!({"op": "add_section", "parent": "pg", "id": "s1", "title": "Intro"})).await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["code"], "invalid_edit");
    assert!(err["error"]["message"].as_str().unwrap().contains("wrong_document"), "{err}");
    // Unknown documents, and no token.
    let unknown = edit(&server, &w.writer.0, "2Zf6Vq1nRbqXJ4kJ5y8Ltn3gWm7A", json!({"op": "set_metadata", "title": "x", "description": ""})).await;
    assert_eq!(unknown.status(), 404);
    let r = reqwest::Client::new().post(server.url(&format!("/api/v1/documents/{p}/edits"))).json(&json!({"op": "set_metadata", "title": "x", "description": ""})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(title(&server, &w.p).await, "My year");
    server.stop().await;
}
