//! Portfolios and their documents:
//!
//! - `POST /api/portfolios` `{ "title": … }` — create a portfolio owned by the
//!   caller: registers it, its root node, and its portfolio document (written
//!   by the server, so it needs no guard), and answers its `automerge:` URL.
//! - `GET /api/portfolios` — portfolios the caller may read anything in.
//! - `GET /api/portfolios/{id}/documents` — the documents of one portfolio the
//!   caller may read now. An unknown and a forbidden portfolio both answer 404.
//! - `POST /api/portfolios/{id}/feedback-threads` `{ "node", "thread"? }` —
//!   registers the caller's feedback document for a thread (see below).
//!
//! ## Feedback documents: how one comes to exist
//!
//! Feedback is one document per (thread, author) (DESIGN.md). Its id must be
//! in the registry before anything syncs it, or it is unavailable like any
//! unknown document. The client therefore announces it over HTTP first:
//!
//! 1. `POST …/feedback-threads` with the anchor `node` and, to take part in
//!    an existing thread, its `thread` id (omitted: a new thread). The caller
//!    needs Comment on the node; a new thread is opened by the caller; in an
//!    existing thread the caller must be able to see its opening under the
//!    hide-feedback rule (the engine's `feedback_visible`), and the anchor is
//!    the thread's. Anything refused answers 404, like an unknown portfolio.
//! 2. The server picks the document id (so nobody claims ids for others),
//!    registers `(thread, author = the caller, opener)` and answers the id,
//!    the opener and the exact `author` the document must name. Asking again
//!    answers the same document (a unique index makes this race-free).
//! 3. The client creates the document (`FeedbackDoc::create`) with those
//!    values and syncs it. The actor accepts the first changes only if they
//!    make a feedback document of exactly that registration (thread, anchor
//!    node, opener, author), and the guard checks authorship and Comment.
//!
//! Reading follows `sync::may_read`: Read on the anchor plus
//! `feedback_visible` for (author, opener), so a hide-feedback visitor is
//! never sent other people's feedback documents, only their own and the
//! owner's in threads they or the owner opened. The same filter applies to
//! the document list above.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::feedback::FeedbackEntry;
use folio_core::access::{Action, Node, NodeId, Principal, Subject, UserId as CoreUserId};
use folio_core::guard::principal_key;
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

/// The automerge URL of a stored id (stored ids may already carry the prefix).
fn url_of(id: &DocumentId) -> String {
    let id = id.as_str();
    if id.starts_with(folio_core::doc::URL_PREFIX) { id.to_owned() } else { format!("{}{id}", folio_core::doc::URL_PREFIX) }
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

/// `POST /api/portfolios/{id}/feedback-threads` body.
#[derive(Debug, Deserialize)]
pub struct NewFeedback {
    /// The anchor node (a page, section or resource, or any node one may comment on).
    pub node: String,
    /// The thread to take part in; omitted to open a new one.
    pub thread: Option<String>,
}

/// The caller's feedback document in a thread.
#[derive(Debug, Serialize)]
pub struct FeedbackView {
    /// The document id (wire form).
    pub id: DocumentId,
    /// Its `automerge:` URL.
    pub url: String,
    /// The thread id (the feedback document's `node`).
    pub thread: String,
    /// The anchor node.
    pub node: String,
    /// Principal key of whoever opened the thread (the document's `opener`).
    pub opener: String,
    /// What the document's `author` must say.
    pub author: folio_core::doc::Author,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.'))
}

fn feedback_view(r: &DocumentRecord, author: folio_core::doc::Author) -> Option<FeedbackView> {
    match &r.role {
        DocumentRole::Feedback { thread, opener, .. } => Some(FeedbackView {
            id: r.id.clone(),
            url: url_of(&r.id),
            thread: thread.clone(),
            node: r.node.to_string(),
            opener: opener.clone(),
            author,
        }),
        _ => None,
    }
}

/// Registers (or finds) the caller's feedback document in a thread: needs
/// Comment on the anchor node; answers the document id, the thread's opener
/// and the `author` the document must name (unknown and forbidden: 404).
#[utoipa::path(post, path = "/api/portfolios/{id}/feedback-threads", tag = "portfolios", security(("session" = [])),
    params(("id" = String, Path, description = "portfolio id")),
    request_body(content = serde_json::Value, description = "`{ \"node\": anchor node id, \"thread\": thread id (omit to open a new thread) }`", content_type = "application/json"),
    responses((status = 201, description = "registered: `{ id, url, thread, node, opener, author }`", body = serde_json::Value),
        (status = 200, description = "already registered: the same document", body = serde_json::Value),
        (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody),
        (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
#[allow(dead_code, reason = "only its OpenAPI description (`crate::openapi`) is used")]
pub fn feedback_threads_described() {}

/// `POST /api/portfolios/{id}/feedback-threads`: registers (or finds) the
/// caller's feedback document in a thread. See the module documentation.
pub async fn feedback(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewFeedback>,
) -> Result<(StatusCode, Json<FeedbackView>), ApiError> {
    let portfolio = DocumentId::parse(&id).map_err(|_| ApiError::not_found())?;
    if !valid_id(&body.node) {
        return Err(ApiError::invalid("node", "a node id is 1 to 64 of A-Z a-z 0-9 _ - : ."));
    }
    if body.thread.as_deref().is_some_and(|t| !valid_id(t)) {
        return Err(ApiError::invalid("thread", "a thread id is 1 to 64 of A-Z a-z 0-9 _ - : ."));
    }
    let principal = state.policy().principal_for_user(auth.user.id).await.map_err(|e| ApiError::internal(&e))?;
    let policy = state.policy().portfolio(&portfolio).await.map_err(|_| ApiError::not_found())?;
    let now = state.clock().now();
    let node = NodeId::new(body.node.as_str());
    if !policy.read(|e| e.check(&principal, Action::Comment, &node, now)) {
        return Err(ApiError::not_found());
    }
    let key = principal_key(&principal);
    let author = crate::routes::orgs::author_profile(&state, auth.user.id, &auth.user.display_name, key.clone(), &portfolio).await?;
    let thread = match body.thread {
        Some(t) => t,
        None => {
            let mut random = [0u8; 12];
            rand::rngs::OsRng.fill_bytes(&mut random);
            folio_core::doc::fresh_id(random)
        }
    };
    let in_thread = |records: &[DocumentRecord]| -> Vec<DocumentRecord> {
        records
            .iter()
            .filter(|r| matches!(&r.role, DocumentRole::Feedback { thread: t, .. } if *t == thread))
            .cloned()
            .collect()
    };
    let existing = in_thread(&state.storage().portfolio_documents(&portfolio).await?);
    let opener = match existing.first() {
        None => key.clone(),
        Some(first) => {
            let DocumentRole::Feedback { opener, .. } = &first.role else { unreachable!("filtered") };
            // The thread's anchor is fixed; a different node is another thread.
            if first.node != node {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "thread_elsewhere",
                    "this thread is about another node; open a new thread for this one",
                )
                .with_field("thread"));
            }
            opener.clone()
        }
    };
    if opener != key {
        let starter = CoreUserId::new(opener.strip_prefix("user:").unwrap_or(""));
        let opening = FeedbackEntry { author: starter.clone(), thread_starter: starter };
        if !policy.read(|e| e.feedback_visible(&principal, &node, &opening, now)) {
            return Err(ApiError::not_found());
        }
    }
    if let Some(mine) = existing.iter().find(|r| matches!(&r.role, DocumentRole::Feedback { author, .. } if *author == key)) {
        return Ok((StatusCode::OK, Json(feedback_view(mine, author).expect("feedback"))));
    }
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let doc = DocumentId::parse(&WireId::from_bytes(bytes).to_string()).map_err(|e| ApiError::internal(&e))?;
    let record = DocumentRecord {
        id: doc,
        portfolio: portfolio.clone(),
        role: DocumentRole::Feedback { thread: thread.clone(), author: key.clone(), opener },
        node,
    };
    if !state.storage().register_document(&record, now).await? {
        // Registered concurrently (the unique index): answer that one.
        let again = in_thread(&state.storage().portfolio_documents(&portfolio).await?);
        let mine = again
            .iter()
            .find(|r| matches!(&r.role, DocumentRole::Feedback { author, .. } if *author == key))
            .ok_or_else(|| ApiError::internal(&"a feedback document was neither registered nor found"))?;
        return Ok((StatusCode::OK, Json(feedback_view(mine, author).expect("feedback"))));
    }
    Ok((StatusCode::CREATED, Json(feedback_view(&record, author).expect("feedback"))))
}
