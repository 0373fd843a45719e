//! `POST /api/session` (sign in) and `DELETE /api/session` (sign out).
//!
//! An account with a TOTP second factor gets `{ "second_factor": "totp", "pending": … }`
//! instead of a session after the right password; `POST /api/session/totp`
//! (`crate::accounts::totp`) finishes the sign-in.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::ApiJson;
use super::me::Me;
use crate::auth::token::{self, SessionToken};
use crate::auth::{Authenticated, ClientIp, password};
use crate::error::ApiError;
use crate::metrics::inc;
use crate::state::AppState;
use crate::storage::{Email, Session, User};
use folio_core::time::Timestamp;

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginRequest {
    email: String,
    password: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the email address or the password is wrong",
    )
}

/// Signs in: checks throttling and the password, ends the presented session if
/// any, starts a new one and sets its cookie. Answers like `GET /api/me`.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(form): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let email = Email::parse(&form.email).map_err(|e| ApiError::invalid("email", e.to_string()))?;
    if form.password.is_empty() {
        return Err(ApiError::invalid("password", "enter your password"));
    }
    let now = state.clock().now();
    if let Err(locked) = state.limiter().check(email.as_str(), ip, now) {
        inc(&state.metrics().logins_failed);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed sign-ins; wait a while before trying again",
        );
        e.retry_after_secs = Some(locked.retry_after_secs(now));
        return Err(e);
    }

    let user = state.storage().user_by_email(&email).await?;
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.as_ref())
        .map(|h| h.expose().clone());
    let candidate = form.password;
    let ok = tokio::task::spawn_blocking(move || password::verify(&candidate, stored.as_deref()))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let user = match user {
        Some(user) if ok => user,
        _ => {
            state.limiter().record_failure(email.as_str(), ip, now);
            inc(&state.metrics().logins_failed);
            tracing::info!(email = %email, ?ip, "sign-in failed");
            return Err(invalid_credentials());
        }
    };
    state.limiter().record_success(email.as_str());
    if crate::accounts::totp::enrolled(&state, user.id).await? {
        // The password was right; the session waits for the second factor.
        let pending = state.pending_logins().issue(user.id, now);
        let mut response = Json(serde_json::json!({ "second_factor": "totp", "pending": pending })).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    start_session(&state, &headers, &user, now).await
}

/// Ends the session the browser presented (if any), starts a new one for
/// `user`, sets its cookie and answers like `GET /api/me`.
pub async fn start_session(state: &AppState, headers: &HeaderMap, user: &User, now: Timestamp) -> Result<Response, ApiError> {
    let secure = state.config().secure_cookies();
    if let Some(old) = token::from_headers(headers, secure) {
        state.storage().delete_session(&old.hash()).await?;
    }
    let token = SessionToken::generate();
    let ttl_secs = u64::from(state.config().session_hours) * 3600;
    let session = Session {
        token_hash: token.hash(),
        user: user.id,
        created_at: now,
        expires_at: now.plus_millis(i64::try_from(ttl_secs * 1000).unwrap_or(i64::MAX)),
    };
    state.storage().create_session(&session).await?;
    inc(&state.metrics().logins_succeeded);
    tracing::info!(user = %user.id, "signed in");

    let mut response = Json(Me::new(user, &token)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        token::set_cookie(&token, ttl_secs, secure),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Signs out: ends the session and clears the cookie. Needs the CSRF token.
pub async fn logout(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Response, ApiError> {
    state
        .storage()
        .delete_session(&auth.session.token_hash)
        .await?;
    let secure = state.config().secure_cookies();
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, token::clear_cookie(secure))],
    )
        .into_response())
}
