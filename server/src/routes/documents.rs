//! Portfolios and their documents:
//!
//! - `POST /api/portfolios` `{ "title": … }` — create a portfolio owned by the
//!   caller: registers it, its root node, and its portfolio document (written
//!   by the server, so it needs no guard), and answers its `automerge:` URL.
//! - `GET /api/portfolios` — portfolios the caller may read anything in.
//! - `GET /api/portfolios/{id}/documents` — the documents of one portfolio the
//!   caller may read now. An unknown and a forbidden portfolio both answer 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::{Node, Principal, Subject};
use folio_core::doc::{PortfolioDoc, actor};
use folio_core::sync::DocumentId as WireId;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{DocumentId, DocumentRecord, DocumentRole, Portfolio, StoredChange, checked_text};
use crate::sync::may_read;

/// `POST /api/portfolios` body.
#[derive(Debug, Deserialize)]
pub struct NewPortfolio {
    /// The title.
    pub title: String,
}

/// A portfolio as listed.
#[derive(Debug, Serialize)]
pub struct PortfolioView {
    /// Its id (also its root node id and its portfolio document's id).
    pub id: DocumentId,
    /// The portfolio document's `automerge:` URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Owner's user id.
    pub owner: i64,
}

/// A readable document.
#[derive(Debug, Serialize)]
pub struct DocumentView {
    /// The document id (wire form).
    pub id: DocumentId,
    /// Its `automerge:` URL.
    pub url: String,
    /// What it stores.
    pub role: DocumentRole,
    /// The node it stores (for feedback: the anchor).
    pub node: String,
}

fn url_of(id: &DocumentId) -> String {
    format!("{}{}", folio_core::doc::URL_PREFIX, id)
}

fn view(p: &Portfolio) -> PortfolioView {
    PortfolioView { id: p.id.clone(), url: url_of(&p.id), title: p.title.clone(), owner: p.owner.0 }
}

/// `POST /api/portfolios`.
pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewPortfolio>,
) -> Result<(StatusCode, Json<PortfolioView>), ApiError> {
    let title = checked_text("title", &body.title, 200).map_err(|e| ApiError::invalid("title", e.to_string()))?;
    let now = state.clock().now();
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let wire = WireId::from_bytes(bytes);
    let id = DocumentId::parse(&wire.to_string()).map_err(|e| ApiError::internal(&e))?;
    let owner = auth.user.id;
    let portfolio = Portfolio { id: id.clone(), owner, title: title.clone(), created_at: now };
    state.storage().create_portfolio(&portfolio).await?;
    let root = Node::portfolio(id.as_str(), owner.0.to_string()).with_title(title.as_str());
    state.storage().put_nodes(&id, std::slice::from_ref(&root)).await?;
    let mut session = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut session);
    let doc = PortfolioDoc::create(actor::actor_for("server", session), id.as_str(), &title)
        .map_err(|e| ApiError::internal(&e))?;
    let changes: Vec<StoredChange> = doc
        .automerge()
        .get_changes(&[])
        .into_iter()
        .map(|c| StoredChange { hash: c.hash(), data: c.raw_bytes().to_vec() })
        .collect();
    state.storage().append_changes(&id, &changes, now).await?;
    let record = DocumentRecord { id: id.clone(), portfolio: id.clone(), role: DocumentRole::Portfolio, node: id.as_str().into() };
    state.storage().register_document(&record, now).await?;
    Ok((StatusCode::CREATED, Json(view(&portfolio))))
}

/// Grant subjects that may name this principal (for listing candidates).
fn subjects_of(p: &Principal) -> Vec<String> {
    let mut out = vec![serde_json::to_string(&Subject::Public).expect("json")];
    if let Principal::User(u) = p {
        out.push(serde_json::to_string(&Subject::user(u.id.as_str())).expect("json"));
        for m in &u.orgs {
            out.push(serde_json::to_string(&Subject::org(m.org.as_str())).expect("json"));
            out.push(
                serde_json::to_string(&Subject::Org { org: m.org.clone(), role: m.role.clone() }).expect("json"),
            );
        }
    }
    out
}

/// `GET /api/portfolios`.
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Vec<PortfolioView>>, ApiError> {
    let principal = state.policy().principal_for_user(auth.user.id).await.map_err(|e| ApiError::internal(&e))?;
    let mut ids: Vec<DocumentId> = state.storage().portfolios_owned_by(auth.user.id).await?.into_iter().map(|p| p.id).collect();
    ids.extend(state.storage().roles_of_user(auth.user.id).await?.into_iter().map(|r| r.portfolio));
    ids.extend(state.storage().portfolios_with_subjects(&subjects_of(&principal)).await?);
    ids.sort();
    ids.dedup();
    let now = state.clock().now();
    let mut out = Vec::new();
    for id in ids {
        let Ok(policy) = state.policy().portfolio(&id).await else { continue };
        if policy.read(|e| e.visible(&principal, now).is_empty()) {
            continue;
        }
        if let Some(p) = state.storage().portfolio(&id).await? {
            out.push(view(&p));
        }
    }
    Ok(Json(out))
}

/// `GET /api/portfolios/{id}/documents`.
pub async fn documents(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    let id = DocumentId::parse(&id).map_err(|_| ApiError::not_found())?;
    let principal = state.policy().principal_for_user(auth.user.id).await.map_err(|e| ApiError::internal(&e))?;
    let policy = state.policy().portfolio(&id).await.map_err(|_| ApiError::not_found())?;
    let now = state.clock().now();
    let records = state.storage().portfolio_documents(&id).await?;
    let readable: Vec<DocumentView> = policy.read(|e| {
        records
            .into_iter()
            .filter(|r| may_read(e, &principal, r, now))
            .map(|r| DocumentView { url: url_of(&r.id), id: r.id, role: r.role, node: r.node.to_string() })
            .collect()
    });
    if readable.is_empty() {
        return Err(ApiError::not_found());
    }
    Ok(Json(readable))
}
