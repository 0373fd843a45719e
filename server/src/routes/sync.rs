//! `GET /sync`: the automerge-repo websocket (see [`crate::sync`]).
//!
//! Authentication happens here, once: the session cookie, or `?token=` (a
//! share link's or an API token's secret, resolved by the policy hub's token
//! hook). No credentials, or credentials that do not resolve, answer 401
//! before any upgrade.
//!
//! Cross-site websocket hijacking: browsers attach cookies to a websocket
//! upgrade from any page, and the same-origin policy does not apply to
//! websockets, so a foreign page could otherwise open a sync session as the
//! signed-in person. A cookie-authenticated upgrade must therefore pass the
//! same origin rule as cookie-authenticated writes
//! ([`is_same_origin`](crate::auth::origin::is_same_origin), used by
//! `same_origin_writes`); otherwise it gets 403 `forbidden_origin` before any
//! upgrade. A token in the URL is accepted from any origin: it is not ambient
//! (a foreign page has to know it), and automerge-repo's Node clients send no
//! `Origin` at all. When both are present the token decides, as it always did.

use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::origin::is_same_origin;
use crate::auth::token;
use crate::error::ApiError;
use crate::state::AppState;
use crate::sync::{Auth, run_connection};

/// Bytes read from a sync socket at a time.
const READ_BUFFER: usize = 4 * 1024;

/// The query string of `/sync`.
#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    /// A share-link or API-token secret.
    token: Option<String>,
}

/// Upgrades to the sync protocol after authenticating.
pub async fn sync(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Query(query): Query<SyncQuery>,
    headers: HeaderMap,
) -> Response {
    let (auth, principal) = match authenticate(&state, query.token, &headers).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let limit = state.config().limits.max_frame_bytes;
    // Small socket buffers: an idle connection then costs a few KiB instead
    // of tungstenite's default 128 KiB read buffer (10,000 idle peers must
    // fit in well under 1 GiB); bigger frames still arrive, in more reads.
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(limit.saturating_mul(2))
        .max_frame_size(limit.saturating_mul(2))
        .on_upgrade(move |socket| run_connection(socket, state, auth, principal))
}

async fn authenticate(
    state: &AppState,
    token: Option<String>,
    headers: &HeaderMap,
) -> Result<(Auth, folio_core::access::Principal), ApiError> {
    if let Some(secret) = token {
        let principal = state.policy().resolve_token(&secret).await.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "invalid_token",
                "this link or token is unknown, revoked or expired; ask its owner for a new one",
            )
        })?;
        return Ok((Auth::Token(secret), principal));
    }
    let secure = state.config().secure_cookies();
    let session_token = token::from_headers(headers, secure).ok_or_else(ApiError::unauthenticated)?;
    if !is_same_origin(headers, state.public_origin()) {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden_origin",
            "this sync connection was opened from another site; open Folio at its own address, or connect with a link or API token",
        ));
    }
    let now = state.clock().now();
    let session = state
        .storage()
        .session(&session_token.hash(), now)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let user = state.storage().user(session.user).await?.ok_or_else(ApiError::unauthenticated)?;
    let principal = state
        .policy()
        .principal_for_user(user.id)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok((Auth::User { id: user.id, name: user.display_name }, principal))
}
