//! `POST /api/v1/documents/{doc}/edits`: an external system changes a
//! document with an API token, through the same guard as everyone else.
//!
//! The body is one `folio_core::doc::Edit` (`{"op": "add_section", …}`).
//! The server:
//!
//! 1. checks the token's category scope first (`portfolios` edit, or
//!    `feedback` edit for a feedback document): 403 `insufficient_scope`
//!    before anything is looked up;
//! 2. finds the document and answers 404 `not_found` alike for an unknown
//!    document and one the token may not read (`sync::may_read`);
//! 3. applies the edit to a copy of the stored document under an actor of the
//!    token's principal (`token:<id>`), refusing an edit that does not fit the
//!    document with 400 `invalid_edit` (the edit's own error code and words);
//! 4. hands the resulting change to the document's actor *as a sync peer with
//!    the token's principal*, over the actor's ordinary interface
//!    (`DocCmd::Open`/`Sync`/`Close`), so the very same guard judges it at
//!    the server's `now`, the actor commits it durably with its audit row,
//!    and live peers receive it;
//! 5. answers 201 with the change and the patches once the actor's heads
//!    contain it, or 403 `edit_refused` with the guard's reasons when the
//!    actor refuses it (nothing is stored; the refusal is audited too).
//!
//! Decisions: the token's level comes from the engine (its `portfolios`
//! scope gives at most Write, and grants naming the token), never from this
//! module; the change is not applied anywhere before the actor accepts it;
//! a document whose actor does not answer within [`ANSWER_WITHIN`] gives 503.

use std::time::Duration;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::{Category, ScopeOp};
use folio_core::doc::{DocPatch, Edit, TypedDoc, actor};
use folio_core::guard::principal_key;
use folio_core::sync::SyncMode;
use rand::RngCore;
use serde::Serialize;
use tokio::sync::mpsc;
use utoipa::ToSchema;

use super::auth::TokenCaller;
use crate::docs::{DocCmd, DocHandle, PeerInfo, ToConn, load_stored};
use crate::error::ApiError;
use crate::openapi::ErrorBody;
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{DocumentId, DocumentRole};

/// How long the document's actor may take to judge the change.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// Sync round trips allowed before giving up (two suffice: heads, then the change).
const MAX_ROUNDS: usize = 8;

/// An accepted edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditApplied {
    /// The document.
    pub document: String,
    /// The new change(s), hex hashes.
    pub changes: Vec<String>,
    /// What the edit did, as the schema's patches.
    #[schema(value_type = Vec<Object>)]
    pub patches: Vec<DocPatch>,
}

fn refused(reasons: Vec<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "edit_refused", format!("the edit was refused: {}", reasons.join("; ")))
}

fn unavailable() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "document_busy", "the document did not answer in time; nothing was changed, try again")
}

/// Applies one typed edit to a document as the token.
#[utoipa::path(post, path = "/api/v1/documents/{doc}/edits", tag = "v1", security(("bearer" = [])),
    params(("doc" = String, Path, description = "document id (with or without `automerge:`)")),
    request_body(content = Object, description = "one `folio_core::doc::Edit`, e.g. `{\"op\":\"add_section\",\"parent\":\"pg\",\"id\":\"s1\",\"title\":\"Intro\"}`"),
    responses((status = 201, body = EditApplied), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    caller: TokenCaller,
    Path(doc): Path<String>,
    ApiJson(edit): ApiJson<Edit>,
) -> Result<(StatusCode, Json<EditApplied>), ApiError> {
    let raw = doc.strip_prefix(folio_core::doc::URL_PREFIX).unwrap_or(&doc);
    let id = DocumentId::parse(raw).map_err(|_| ApiError::not_found())?;
    let record = state.storage().document_record(&id).await?;
    let category = match record.as_ref().map(|r| &r.role) {
        Some(DocumentRole::Feedback { .. }) => Category::Feedback,
        _ => Category::Portfolios,
    };
    caller.reach(category, ScopeOp::Edit)?;
    let record = record.ok_or_else(ApiError::not_found)?;
    let policy = state.policy().portfolio(&record.portfolio).await.map_err(|_| ApiError::not_found())?;
    let now = state.clock().now();
    if !policy.read(|e| crate::sync::may_read(e, &caller.principal, &record, now)) {
        return Err(ApiError::not_found());
    }

    // The change, made on a copy under the token's own actor.
    let mut base = load_stored(&state, &record.id).await.map_err(|e| ApiError::internal(&e))?;
    let before = base.get_heads();
    let mut session = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut session);
    base.set_actor(actor::actor_for(&principal_key(&caller.principal), session));
    let mut typed = TypedDoc::from_automerge(base).map_err(|e| ApiError::internal(&e))?;
    let patches = typed.apply(&edit).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_edit", format!("{} ({})", e, e.code())).with_field("op")
    })?;
    let mine: Vec<ChangeHash> = typed.changes_since(&before).iter().map(automerge::Change::hash).collect();
    if mine.is_empty() {
        return Ok((StatusCode::OK, Json(EditApplied { document: record.id.to_string(), changes: Vec::new(), patches })));
    }
    let local = typed.into_automerge();

    // Handed to the actor like any peer's change.
    let handle = state.docs().open(&state, &record).await.map_err(|e| ApiError::internal(&e))?;
    let registration = state.sync().register();
    let conn = registration.id;
    let (out, mut answers) = mpsc::unbounded_channel();
    let info = PeerInfo { conn, principal: caller.principal.clone(), profile: None, mode: SyncMode::ReadWrite, out };
    send(&handle, DocCmd::Open(info.clone())).await?;
    let verdict = tokio::time::timeout(ANSWER_WITHIN, exchange(&handle, info, local, &mine, &mut answers)).await;
    let _ = handle.send(DocCmd::Close { conn }).await;
    drop(registration);
    match verdict {
        Err(_) => Err(unavailable()),
        Ok(Err(e)) => Err(e),
        Ok(Ok(())) => Ok((
            StatusCode::CREATED,
            Json(EditApplied { document: record.id.to_string(), changes: mine.iter().map(ToString::to_string).collect(), patches }),
        )),
    }
}

/// Syncs `local` with the actor until the actor's heads include `mine`
/// (accepted) or it refuses them.
///
/// Automerge does not answer a message after which both sides have the same
/// heads, so an accepted change may get no reply at all. Hence, right after
/// the message that carries the change, this peer starts over (`Open` again
/// and a fresh first message): the actor handles commands in order, so its
/// answer to that comes after its verdict on the change (a refusal is sent
/// before it) and names its heads.
async fn exchange(
    handle: &DocHandle,
    info: PeerInfo,
    mut local: Automerge,
    mine: &[ChangeHash],
    answers: &mut mpsc::UnboundedReceiver<ToConn>,
) -> Result<(), ApiError> {
    let conn = info.conn;
    let mut st = sync::State::new();
    send(handle, DocCmd::Sync { conn, data: hello(&mut local, &mut st) }).await?;
    for _ in 0..MAX_ROUNDS {
        let Some(answer) = answers.recv().await else { return Err(unavailable()) };
        match answer {
            ToConn::Rejected { hashes, reasons, .. } if hashes.iter().any(|h| mine.contains(h)) => {
                return Err(refused(reasons.into_iter().map(|r| r.reason).collect()));
            }
            ToConn::Sync { data, .. } => {
                let message = sync::Message::decode(&data).map_err(|e| ApiError::internal(&e))?;
                local.receive_sync_message(&mut st, message).map_err(|e| ApiError::internal(&e))?;
                let theirs = st.their_heads.clone().unwrap_or_default();
                let known = !theirs.is_empty() && theirs.iter().all(|h| local.get_change_by_hash(h).is_some());
                if known {
                    let missing: Vec<ChangeHash> = local.get_changes(&theirs).iter().map(|c| c.hash()).collect();
                    if !mine.iter().any(|h| missing.contains(h)) {
                        return Ok(());
                    }
                }
                let Some(next) = local.generate_sync_message(&mut st) else { continue };
                let carries_changes = !next.changes.is_empty();
                send(handle, DocCmd::Sync { conn, data: next.encode() }).await?;
                if carries_changes {
                    st = sync::State::new();
                    send(handle, DocCmd::Open(info.clone())).await?;
                    send(handle, DocCmd::Sync { conn, data: hello(&mut local, &mut st) }).await?;
                }
            }
            ToConn::Unavailable { .. } => return Err(ApiError::not_found()),
            ToConn::Fatal(text) => return Err(ApiError::internal(&text)),
            ToConn::Rejected { .. } | ToConn::Ephemeral(_) => {}
        }
    }
    Err(unavailable())
}

/// The first message of a fresh exchange (always something: heads and bloom).
fn hello(local: &mut Automerge, st: &mut sync::State) -> Vec<u8> {
    local.generate_sync_message(st).map(sync::Message::encode).unwrap_or_default()
}

async fn send(handle: &DocHandle, cmd: DocCmd) -> Result<(), ApiError> {
    handle.send(cmd).await.map_err(|_| unavailable())
}
