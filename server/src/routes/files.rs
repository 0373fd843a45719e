//! Attachments, checked against the node they belong to:
//!
//! - `POST /api/portfolios/{p}/nodes/{node}/files` — the body is the file;
//!   `Content-Type` is recorded. Needs Write on the node. Answers the content
//!   hash to put in the page document's `file` reference. The body streams
//!   to disk up to `max_upload_bytes` (413 `too_large` beyond, 400
//!   `upload_incomplete` if it breaks off); either way no partial file stays.
//!   The same bytes uploaded twice are one blob (content-addressed).
//! - `GET /api/portfolios/{p}/nodes/{node}/files/{hash}` — needs Read on the
//!   node, and the file must have been uploaded to that node (knowing a hash
//!   is not enough). Everything refused answers 404, like unknown things.

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

/// The request body as an [`AsyncRead`](tokio::io::AsyncRead), so the blob
/// store streams it to disk (hashing and counting) instead of buffering it.
/// A body that ends early (the client went away) reads as an error, never as
/// a short file.
struct BodyReader {
    stream: axum::body::BodyDataStream,
    chunk: axum::body::Bytes,
}

/// The body broke off before its end.
#[derive(Debug, thiserror::Error)]
#[error("the upload broke off: {0}")]
struct BodyBroken(axum::Error);

impl tokio::io::AsyncRead for BodyReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use futures::Stream;
        use std::task::Poll;
        loop {
            if !self.chunk.is_empty() {
                let n = buf.remaining().min(self.chunk.len());
                let part = self.chunk.split_to(n);
                buf.put_slice(&part);
                return Poll::Ready(Ok(()));
            }
            match std::pin::Pin::new(&mut self.stream).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(bytes))) => self.chunk = bytes,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(std::io::Error::other(BodyBroken(e)))),
                Poll::Ready(None) => return Poll::Ready(Ok(())),
            }
        }
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        BlobError::TooLarge { limit }.to_string(),
    )
}

/// `POST …/files`. The body streams into the blob store (never buffered
/// whole, so the limit is `max_upload_bytes`, not the JSON body limit); a
/// declared `Content-Length` over the limit is refused before reading, and a
/// body that grows past it, or breaks off, leaves nothing behind.
pub async fn upload(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((portfolio, node)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    let (portfolio, node) = allowed(&state, &auth, &portfolio, &node, Action::Write).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| ContentType::parse(v).map_err(|e| ApiError::invalid("content_type", e.to_string())))
        .transpose()?
        .unwrap_or_else(ContentType::octet_stream);
    let limit = state.blobs().max_bytes();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let now = state.clock().now();
    let reader = BodyReader { stream: body.into_data_stream(), chunk: axum::body::Bytes::new() };
    let meta = state.blobs().put(reader, content_type, now).await.map_err(|e| match e {
        BlobError::TooLarge { limit } => too_large(limit),
        BlobError::Io { source, .. } if source.get_ref().is_some_and(|e| e.is::<BodyBroken>()) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "upload_incomplete",
            "the upload broke off before its end; nothing was stored, send the file again",
        ),
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
