//! `POST /api/portfolios/{p}/pages/{page}/move` `{ "collection": …, "index"?: … }`:
//! moves a page to another collection of the same portfolio.
//!
//! ## The rule
//!
//! `folio_core`'s [`Engine::move_check`](folio_core::access::Engine::move_check)
//! (the browser asks the same engine, `PolicyEngine.mayMove`, to offer the
//! action): Remove on the page where it is now and Write on the target
//! collection, at the server's `now`. The page keeps its node id, its
//! document and every grant attached to it or below it; what it inherits
//! changes — grants on the old collection no longer reach it, grants on the
//! new one do. That is the meaning of a move (the UI says so).
//!
//! ## The steps
//!
//! A move touches the engine's tree and three documents. After the check, in
//! this order, each step skipped when it is already done:
//!
//! 1. **list the page in the target collection document** (same id, title
//!    and `doc`, at `index` or last);
//! 2. **re-parent the node** in the engine's tree and the `nodes` table
//!    (`PolicyHub::apply_tree` with an `Upsert`, audited as `move`): from
//!    here on access follows the target, and every live connection gets a
//!    new policy snapshot;
//! 3. **remove the entry from every other collection document** that still
//!    lists the page (normally only the old one);
//! 4. **set the page document's `collection`** to the target.
//!
//! Listing before re-parenting is deliberate: a collection document's
//! reconcile removes from the tree the pages the engine places under that
//! collection that the document does not list (that is how a deletion
//! reaches the tree). Re-parenting first would open a window in which any
//! edit to the target collection document removes the moving page — and its
//! subtree — from the tree. Listed first, the target document names a page
//! the engine still places in the old collection; its reconcile leaves it
//! alone (`docs::skeleton`: a document never re-parents a node across
//! documents), as does the old collection's after step 2.
//!
//! ## How the document steps pass the guard: they do not need to
//!
//! Steps 1, 3 and 4 are server-authored changes, made with typed edits
//! (`folio_core::doc::Edit::AddPage`/`DeletePage`) on the stored document
//! under the mover's actor and handed to each document's actor as
//! [`DocCmd::Authored`](crate::docs::DocCmd::Authored): applied without the
//! guard, because the server already decided with the engine, but otherwise
//! like every accepted change — durable with an audit row naming the mover
//! (action `move`) before it is relayed live to the peers of that document,
//! and followed by the tree's reconcile. The guard could not judge these
//! steps well by itself: between the steps the engine and the documents
//! disagree on purpose (deleting the old entry needs Remove on a page whose
//! access now follows the target), and the page document's `collection`
//! stays immutable for every client — only this step writes it.
//!
//! ## Idempotence
//!
//! Every step looks at the current state first (is the page listed in the
//! target? where does the engine place it? which other collection documents
//! still list it? what does the page document say?), so re-sending the same
//! request after a crash or a timeout completes what is missing and answers
//! 200. When everything is already done, 409 `same_collection`. The rule is
//! asked each time: for a half-done move, Remove on the page and Write on the
//! target.
//!
//! ## Answers
//!
//! - 404 `not_found` for an unknown portfolio, an unknown page and a page the
//!   caller may not read — the same answer;
//! - 409 `bad_target` when the target is not a collection of this portfolio
//!   the caller can see (unknown, another kind, another portfolio),
//!   `same_collection` when the page is already there, `no_document` when a
//!   document the move needs does not exist yet;
//! - 403 `move_forbidden` when the caller may see both but lacks Remove on
//!   the page or Write on the target;
//! - 200 with `{ page, collection, from }` once every step is done.

use automerge::{Automerge, ROOT, ReadDoc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::{MoveRefusal, NodeId, NodeKind};
use folio_core::doc::schema::{self, keys};
use folio_core::doc::{Edit, TypedDoc, actor};
use folio_core::guard::principal_key;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::docs::{apply_authored, load_stored};
use crate::error::ApiError;
use crate::openapi::ErrorBody;
use crate::policy::TreeChange;
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{AuditEntry, DocumentId, DocumentRecord, DocumentRole, Outcome as AuditOutcome};

/// `POST …/pages/{page}/move` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MovePage {
    /// The target collection's node id.
    pub collection: String,
    /// Position among the target's pages (omitted or past the end: last).
    #[serde(default)]
    pub index: Option<usize>,
}

/// A finished move.
#[derive(Debug, Serialize, ToSchema)]
pub struct Moved {
    /// The page's node id.
    pub page: String,
    /// The collection it is in now.
    pub collection: String,
    /// The collections whose documents listed it before (normally one).
    pub from: Vec<String>,
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

fn fresh_actor(principal: &str) -> automerge::ActorId {
    let mut session = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut session);
    actor::actor_for(principal, session)
}

fn collection_lists(doc: &Automerge, page: &str) -> bool {
    use automerge::{ObjType, Value};
    match doc.get(ROOT, keys::PAGES).ok().flatten() {
        Some((Value::Object(ObjType::Map), pages)) => matches!(doc.get(&pages, page).ok().flatten(), Some((Value::Object(ObjType::Map), _))),
        _ => false,
    }
}

fn collection_of(page_doc: &Automerge) -> Option<String> {
    match page_doc.get(ROOT, keys::COLLECTION).ok().flatten()? {
        (automerge::Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        _ => None,
    }
}

/// Applies `edit` to the stored document of `record` under the mover's
/// actor and hands the change to its actor.
async fn authored_edit(state: &AppState, record: &DocumentRecord, mover: &str, edit: &Edit, what: &str) -> Result<(), ApiError> {
    let base = load_stored(state, &record.id).await.map_err(|e| ApiError::internal(&e))?;
    let before = base.get_heads();
    let mut typed = TypedDoc::from_automerge(base.with_actor(fresh_actor(mover))).map_err(|e| ApiError::internal(&e))?;
    typed.apply(edit).map_err(|e| ApiError::internal(&e))?;
    let changes = typed.changes_since(&before);
    apply_authored(state, record, changes, mover, "move", what).await.map_err(|e| ApiError::internal(&e))
}

/// Moves a page to another collection of the same portfolio (see the module docs).
#[utoipa::path(post, path = "/api/portfolios/{p}/pages/{page}/move", tag = "portfolios", security(("session" = [])),
    params(("p" = String, Path, description = "portfolio id"), ("page" = String, Path, description = "the page's node id")),
    request_body = MovePage,
    responses((status = 200, body = Moved, description = "moved (or a half-done move completed)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`move_forbidden`: needs Remove on the page and Write on the target"),
        (status = 404, body = ErrorBody, description = "unknown or unreadable portfolio or page (the same answer)"),
        (status = 409, body = ErrorBody, description = "`bad_target`, `same_collection` or `no_document`")))]
pub async fn move_page(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((p, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<MovePage>,
) -> Result<Json<Moved>, ApiError> {
    let portfolio = DocumentId::parse(&p).map_err(|_| ApiError::not_found())?;
    let principal = state.policy().principal_for_user(auth.user.id).await.map_err(|e| ApiError::internal(&e))?;
    let policy = state.policy().portfolio(&portfolio).await.map_err(|_| ApiError::not_found())?;
    let now = state.clock().now();
    let page_id = NodeId::new(page.as_str());
    let target = NodeId::new(body.collection.as_str());
    let (node, check) = policy.read(|e| {
        let node = e.node(&page_id).filter(|n| n.kind == NodeKind::Page && e.can_read(&principal, &page_id, now)).cloned();
        let visible_target = e.node(&target).is_some_and(|_| e.can_read(&principal, &target, now));
        let check = if visible_target { e.move_check(&principal, &page_id, &target, now) } else { Err(MoveRefusal::NotACollection) };
        // `SameCollection` comes after the rights are checked: for a
        // half-done move (the engine already places the page in the target)
        // it means the caller may complete it.
        (node, check)
    });
    let Some(node) = node else { return Err(ApiError::not_found()) };
    let already_there = match check {
        Ok(()) => false,
        Err(MoveRefusal::SameCollection) => true,
        Err(MoveRefusal::UnknownNode | MoveRefusal::NotAPage) => return Err(ApiError::not_found()),
        Err(r @ (MoveRefusal::NotACollection | MoveRefusal::OtherPortfolio)) => {
            return Err(conflict("bad_target", format!("`{}`: {}", body.collection, r.message())).with_field("collection"));
        }
        Err(r @ MoveRefusal::Forbidden) => return Err(ApiError::new(StatusCode::FORBIDDEN, "move_forbidden", r.message())),
    };

    let records = state.storage().portfolio_documents(&portfolio).await?;
    let find = |role: DocumentRole, id: &NodeId| records.iter().find(|r| r.role == role && &r.node == id).cloned();
    let no_document = |what: &str| conflict("no_document", format!("{what} has no document yet; open it once and try again"));
    let page_record = find(DocumentRole::Page, &page_id).ok_or_else(|| no_document("the page"))?;
    let target_record = find(DocumentRole::Collection, &target).ok_or_else(|| no_document("the target collection"))?;
    let page_doc_id = folio_core::doc::DocumentId::parse(page_record.id.as_str()).map_err(|e| ApiError::internal(&e))?;
    let mover = principal_key(&principal);

    // What is done already (a repeated request completes the rest).
    let target_doc = load_stored(&state, &target_record.id).await.map_err(|e| ApiError::internal(&e))?;
    if schema::kind_of(&target_doc).is_none() {
        return Err(no_document("the target collection"));
    }
    let listed_in_target = collection_lists(&target_doc, &page);
    let mut others = Vec::new();
    for r in records.iter().filter(|r| r.role == DocumentRole::Collection && r.id != target_record.id) {
        let doc = load_stored(&state, &r.id).await.map_err(|e| ApiError::internal(&e))?;
        if collection_lists(&doc, &page) {
            others.push(r.clone());
        }
    }
    let page_doc = load_stored(&state, &page_record.id).await.map_err(|e| ApiError::internal(&e))?;
    let page_says = collection_of(&page_doc);
    let page_done = schema::kind_of(&page_doc).is_none() || page_says.as_deref() == Some(target.as_str());
    if already_there && listed_in_target && others.is_empty() && page_done {
        return Err(conflict("same_collection", MoveRefusal::SameCollection.message()).with_field("collection"));
    }
    let what = format!("move page `{page}` to collection `{target}`");

    // 1. List it in the target.
    if !listed_in_target {
        let title = node.title.clone().unwrap_or_default();
        let edit = Edit::AddPage { id: page.clone(), title, document: page_doc_id, index: body.index };
        authored_edit(&state, &target_record, &mover, &edit, &what).await?;
    }
    // 2. Re-parent the node.
    if !already_there {
        let mut moved = node.clone();
        moved.parent = Some(target.clone());
        moved.owner = None;
        state.policy().apply_tree(&portfolio, &[TreeChange::Upsert(moved)]).await.map_err(|e| ApiError::internal(&e))?;
        if policy.read(|e| e.node(&page_id).and_then(|n| n.parent.clone())) != Some(target.clone()) {
            return Err(ApiError::internal(&"the tree refused the move"));
        }
        let entry = AuditEntry {
            at: now,
            principal: mover.clone(),
            document: None,
            node: Some(page.clone()),
            action: "move".into(),
            outcome: AuditOutcome::Accepted,
            reason: Some(format!("{what}: re-parented in the tree (was `{}`)", node.parent.as_ref().map(NodeId::as_str).unwrap_or("?"))),
        };
        if let Err(e) = state.storage().record_audit(&entry).await {
            tracing::warn!(error = %e, "cannot write the audit log");
        }
    }
    // 3. Forget it everywhere else.
    for r in &others {
        authored_edit(&state, r, &mover, &Edit::DeletePage { id: page.clone() }, &what).await?;
    }
    // 4. The page document names its collection.
    // (A page document nobody has written yet is created with its
    // collection by whoever opens it first; there is nothing to change.)
    if schema::kind_of(&page_doc).is_some() && page_says.as_deref() != Some(target.as_str()) {
        let mut doc = page_doc.with_actor(fresh_actor(&mover));
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            use automerge::transaction::Transactable;
            tx.put(ROOT, keys::COLLECTION, target.as_str())
        })
        .map_err(|e| ApiError::internal(&e.error))?;
        let changes = doc.get_changes(&before);
        apply_authored(&state, &page_record, changes, &mover, "move", &what).await.map_err(|e| ApiError::internal(&e))?;
    }
    let from = others.iter().map(|r| r.node.to_string()).collect();
    Ok(Json(Moved { page, collection: body.collection, from }))
}
