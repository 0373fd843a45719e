//! Extractors: who is asking.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::{csrf, token};
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{Session, User};

/// A signed-in user, from the session cookie.
///
/// Rejects with 401 `unauthenticated` when there is no valid session, and with
/// 403 `csrf_failed` when the method is unsafe and `X-CSRF-Token` is missing or
/// wrong. Handlers that take this extractor are therefore CSRF-protected.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// The user.
    pub user: User,
    /// Their session.
    pub session: Session,
    /// The session's token (to derive the CSRF token).
    pub token: token::SessionToken,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secure = state.config().secure_cookies();
        let token =
            token::from_headers(&parts.headers, secure).ok_or_else(ApiError::unauthenticated)?;
        let now = state.clock().now();
        let session = state
            .storage()
            .session(&token.hash(), now)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        let user = state
            .storage()
            .user(session.user)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        if !parts.method.is_safe() && !csrf::header_matches(&parts.headers, &token) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "this request needs the X-CSRF-Token header from GET /api/me; reload the page and try again",
            ));
        }
        Ok(Authenticated {
            user,
            session,
            token,
        })
    }
}

/// The client's IP address, when the server knows it (it does when serving with
/// connect info, as [`crate::serve`] does). Forwarded-for headers are not trusted.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}
