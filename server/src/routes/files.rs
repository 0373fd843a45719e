//! Attachments, checked against the node they belong to:
//!
//! - `POST /api/portfolios/{p}/nodes/{node}/files` — the body is the file;
//!   `Content-Type` is recorded. Needs Write on the node. Answers the content
//!   hash to put in the page document's `file` reference.
//! - `GET /api/portfolios/{p}/nodes/{node}/files/{hash}` — needs Read on the
//!   node, and the file must have been uploaded to that node (knowing a hash
//!   is not enough). Everything refused answers 404, like unknown things.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::Json;
use folio_core::access::{Action, NodeId};

use crate::auth::Authenticated;
use crate::blobs::BlobError;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{ContentHash, ContentType, DocumentId};

/// An uploaded attachment.
#[derive(Debug, serde::Serialize)]
pub struct Uploaded {
    /// Content hash (sha256, hex).
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// Recorded content type.
    pub content_type: String,
}

async fn allowed(state: &AppState, auth: &Authenticated, portfolio: &str, node: &str, action: Action) -> Result<(DocumentId, NodeId), ApiError> {
    let portfolio = DocumentId::parse(portfolio).map_err(|_| ApiError::not_found())?;
    let node = NodeId::new(node);
    let principal = state.policy().principal_for_user(auth.user.id).await.map_err(|e| ApiError::internal(&e))?;
    let policy = state.policy().portfolio(&portfolio).await.map_err(|_| ApiError::not_found())?;
    let now = state.clock().now();
    if !policy.read(|e| e.check(&principal, action, &node, now)) {
        return Err(ApiError::not_found());
    }
    Ok((portfolio, node))
}

/// `POST …/files`.
pub async fn upload(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((portfolio, node)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    let (portfolio, node) = allowed(&state, &auth, &portfolio, &node, Action::Write).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| ContentType::parse(v).map_err(|e| ApiError::invalid("content_type", e.to_string())))
        .transpose()?
        .unwrap_or_else(ContentType::octet_stream);
    let now = state.clock().now();
    let meta = state.blobs().put_bytes(&body, content_type, now).await.map_err(|e| match e {
        BlobError::TooLarge { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string()),
        other => ApiError::internal(&other),
    })?;
    state.storage().attach_file(&portfolio, &node, &meta.hash, now).await?;
    Ok((StatusCode::CREATED, Json(Uploaded { hash: meta.hash.as_str().to_owned(), size: meta.size, content_type: meta.content_type.as_str().to_owned() })))
}

/// `GET …/files/{hash}`.
pub async fn download(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((portfolio, node, hash)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (portfolio, node) = allowed(&state, &auth, &portfolio, &node, Action::Read).await?;
    let hash = ContentHash::parse(&hash).map_err(|_| ApiError::not_found())?;
    if !state.storage().node_has_file(&portfolio, &node, &hash).await? {
        return Err(ApiError::not_found());
    }
    let (meta, bytes) = state.blobs().read(&hash).await.map_err(|e| ApiError::internal(&e))?.ok_or_else(ApiError::not_found)?;
    Ok(([(header::CONTENT_TYPE, meta.content_type.as_str().to_owned())], bytes).into_response())
}
