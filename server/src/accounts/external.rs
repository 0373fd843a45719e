//! External sign-in: the invitation link plus a one-time code mailed each time.
//!
//! `POST /api/external/code {invitation}` mails a fresh code (earlier unused
//! codes stop working); `POST /api/external/session {invitation, code}` checks
//! it and starts a session (cookie, like `POST /api/session`), ending no later
//! than the invitation. Unknown, revoked and expired invitations answer
//! 404 `invitation_unknown`, 410 `invitation_revoked`, 410 `invitation_expired`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;

use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::mail::{Lang, templates};
use crate::routes::ApiJson;
use crate::sharing::links::session_cookie;
use crate::sharing::secret::{self, Kind};
use crate::state::AppState;
use crate::storage::{Invitation, TokenHash};
use folio_core::time::Timestamp;
use sha2::{Digest, Sha256};

const CODE_MINUTES: u32 = 10;
const MAX_GUESSES: u32 = 5;

/// `POST /api/external/code`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The invitation secret from the mailed link.
    pub invitation: String,
}

/// `POST /api/external/session`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeSignIn {
    /// The invitation secret.
    pub invitation: String,
    /// The mailed code.
    pub code: String,
}

fn code_hash(invitation: i64, code: &str) -> TokenHash {
    let mut h = Sha256::new();
    h.update(b"folio-login-code\0");
    h.update(invitation.to_le_bytes());
    h.update(code.as_bytes());
    TokenHash(h.finalize().into())
}

async fn usable_invitation(state: &AppState, raw: &str, now: Timestamp) -> Result<Invitation, ApiError> {
    let unknown = || ApiError::new(StatusCode::NOT_FOUND, "invitation_unknown", "this invitation link does not exist; check that it was copied whole").with_field("invitation");
    if secret::kind_of(raw) != Some(Kind::Invitation) {
        return Err(unknown());
    }
    let inv = state.storage().invitation_by_hash(&secret::hash(raw)).await?.ok_or_else(unknown)?;
    if inv.revoked_at.is_some() {
        return Err(ApiError::new(StatusCode::GONE, "invitation_revoked", "this invitation was revoked by the portfolio's owner"));
    }
    if inv.ends_at.is_some_and(|e| e <= now) {
        return Err(ApiError::new(StatusCode::GONE, "invitation_expired", "this invitation has ended; ask the portfolio's owner to invite you again"));
    }
    Ok(inv)
}

fn throttled(state: &AppState, key: &str, ip: Option<std::net::IpAddr>, now: Timestamp) -> Result<(), ApiError> {
    if let Err(locked) = state.limiter().check(key, ip, now) {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "too many attempts; wait a while before trying again");
        e.retry_after_secs = Some(locked.retry_after_secs(now));
        return Err(e);
    }
    Ok(())
}

/// `POST /api/external/code`: mails a one-time code to the invitee.
#[utoipa::path(post, path = "/api/external/code", tag = "session", request_body = CodeRequest, responses((status = 202, description = "a code was mailed"), (status = 400, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 410, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
pub async fn send_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock().now();
    let inv = usable_invitation(&state, body.invitation.trim(), now).await?;
    let key = format!("invitation:{}", inv.id);
    throttled(&state, &key, ip, now)?;
    // Each mailed code counts as an attempt, so codes cannot be requested without limit.
    state.limiter().record_failure(&key, None, now);
    let user = state.storage().user(inv.user).await?.ok_or_else(ApiError::not_found)?;
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let expires = now.plus_millis(i64::from(CODE_MINUTES) * 60_000);
    state.storage().create_login_code(inv.id, &code_hash(inv.id, &code), now, expires).await?;
    let lang = Lang::parse(&inv.lang).unwrap_or_default();
    state.mailer().send(&user.email, templates::one_time_code(lang, &code, CODE_MINUTES)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /api/external/session`: checks the code and signs the external in.
#[utoipa::path(post, path = "/api/external/session", tag = "session", request_body = CodeSignIn, responses((status = 200, description = "signed in; session cookie set"), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 410, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<CodeSignIn>,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let code = body.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("code", "the code is the 6 digits from the mail"));
    }
    let inv = usable_invitation(&state, body.invitation.trim(), now).await?;
    let key = format!("invitation:{}", inv.id);
    throttled(&state, &key, ip, now)?;
    let wrong = || ApiError::new(StatusCode::UNAUTHORIZED, "invalid_code", "this code is wrong or no longer valid; ask for a new one").with_field("code");
    let stored = state.storage().latest_login_code(inv.id).await?.ok_or_else(wrong)?;
    if stored.expires_at <= now || stored.attempts >= MAX_GUESSES {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "code_expired", "this code has expired; ask for a new one").with_field("code"));
    }
    if stored.code_hash != code_hash(inv.id, code) {
        state.storage().bump_login_code(stored.id).await?;
        state.limiter().record_failure(&key, ip, now);
        return Err(wrong());
    }
    if !state.storage().use_login_code(stored.id, now).await? {
        return Err(wrong());
    }
    state.limiter().record_success(&key);
    let user = state.storage().user(inv.user).await?.ok_or_else(ApiError::not_found)?;
    state.storage().touch_invitation(inv.id, now).await?;
    let cookie = session_cookie(&state, &user, now, inv.ends_at).await?;
    // The CSRF token comes from GET /api/me with the new cookie.
    let mut response = Json(serde_json::json!({
        "id": user.id, "email": user.email, "display_name": user.display_name, "kind": user.kind,
        "portfolio": inv.portfolio, "role": inv.role,
    }))
    .into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}
