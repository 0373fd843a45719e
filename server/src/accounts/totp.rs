//! The TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps, one
//! step of skew either way), with recovery codes.
//!
//! - `POST /api/account/totp` starts (or restarts) an enrolment: a fresh
//!   160-bit secret, answered as base32, as an `otpauth://` URI for an
//!   authenticator app, and as that URI drawn as a QR code in SVG (the
//!   `qrcode` crate, error correction M, no image codecs; SVG scales sharply
//!   and the web app shows it as an image without drawing anything itself).
//! - `POST /api/account/totp/confirm {code}` proves the app has the secret and
//!   enables the factor; the answer holds 10 recovery codes, shown this once
//!   and stored as SHA-256 only.
//! - `DELETE /api/account/totp {code | recovery_code}` disables it.
//! - `GET /api/account/totp` says whether it is enabled (or an enrolment is
//!   pending) and how many recovery codes are left; never the secret.
//! - Signing in (`POST /api/session`) with a correct password for an enrolled
//!   account answers `{ "second_factor": "totp", "pending": … }` instead of a
//!   session; `POST /api/session/totp {pending, code | recovery_code}` finishes
//!   it. A pending sign-in lives 5 minutes, in memory, and dies after 5 wrong
//!   codes.
//!
//! Every code check goes through the progressive
//! [`LoginLimiter`](crate::auth::limiter::LoginLimiter) keyed `totp:<user>`
//! (and the client IP), so guessing codes is as slow as guessing passwords.
//! A time step is accepted once: the database keeps the last accepted step
//! and only a later one passes (a code seen over someone's shoulder is
//! worthless once used).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use folio_core::time::Timestamp;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret as TotpSecret, Totp};
use utoipa::ToSchema;

use crate::auth::{Authenticated, ClientIp};
use crate::error::ApiError;
use crate::openapi::ErrorBody;
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{TokenHash, TotpRecord, User, UserId};

/// How long a password-checked sign-in waits for its second factor.
pub const PENDING_MINUTES: i64 = 5;
/// Wrong codes a pending sign-in survives.
pub const PENDING_GUESSES: u32 = 5;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;
const STEP_SECS: u64 = 30;

/// Why a TOTP secret is unusable.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The stored or given secret is not a valid TOTP secret.
    #[error("the TOTP secret is unusable: {0}; enrol again")]
    Secret(String),
}

fn totp(secret: &[u8], account: &str) -> Result<Totp, TotpError> {
    Builder::new()
        .with_secret(TotpSecret::new(secret.to_vec().into_boxed_slice()))
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_account_name(account)
        .with_issuer(Some("Folio"))
        .build()
        .map_err(|e| TotpError::Secret(e.to_string()))
}

fn unix_secs(t: Timestamp) -> u64 {
    u64::try_from(t.millis().max(0) / 1000).unwrap_or(0)
}

/// The code an authenticator shows at `at` for a base32 secret (for tests and tools).
pub fn code_at(secret_base32: &str, at: Timestamp) -> Result<String, TotpError> {
    let secret =
        TotpSecret::try_from_base32(secret_base32).map_err(|e| TotpError::Secret(e.to_string()))?;
    let t = totp(secret.as_ref(), "x")?;
    Ok(t.generate(unix_secs(at)).to_string())
}

/// The time step a code matches at `now` (±1 step), if any.
fn matching_step(rec: &TotpRecord, code: &str, now: Timestamp) -> Option<i64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(&rec.secret, "x").ok()?;
    t.check(code, unix_secs(now))
        .and_then(|s| i64::try_from(s).ok())
}

fn recovery_hash(user: UserId, code: &str) -> TokenHash {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut h = Sha256::new();
    h.update(b"folio-recovery\0");
    h.update(user.0.to_le_bytes());
    h.update(normal.as_bytes());
    TokenHash(h.finalize().into())
}

fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = OsRng;
    let mut s = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            s.push('-');
        }
        s.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
    }
    s
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    user: UserId,
    expires: Timestamp,
    wrong: u32,
}

/// Sign-ins whose password was right and that wait for the second factor.
/// In memory: a restart asks for the password again.
#[derive(Debug, Default)]
pub struct PendingLogins {
    map: Mutex<HashMap<[u8; 32], Pending>>,
}

impl PendingLogins {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Pending>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A fresh pending-login token for `user` (shown to the client, kept hashed).
    pub fn issue(&self, user: UserId, now: Timestamp) -> String {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let raw = format!("fp_{}", URL_SAFE_NO_PAD.encode(bytes));
        let mut map = self.lock();
        map.retain(|_, p| p.expires > now);
        map.insert(
            Sha256::digest(raw.as_bytes()).into(),
            Pending {
                user,
                expires: now.plus_millis(PENDING_MINUTES * 60_000),
                wrong: 0,
            },
        );
        raw
    }

    /// Whose sign-in `raw` continues, if it is still pending at `now`.
    fn user(&self, raw: &str, now: Timestamp) -> Option<UserId> {
        let key: [u8; 32] = Sha256::digest(raw.as_bytes()).into();
        self.lock()
            .get(&key)
            .filter(|p| p.expires > now)
            .map(|p| p.user)
    }

    fn wrong(&self, raw: &str) {
        let key: [u8; 32] = Sha256::digest(raw.as_bytes()).into();
        let mut map = self.lock();
        if let Some(p) = map.get_mut(&key) {
            p.wrong += 1;
            if p.wrong >= PENDING_GUESSES {
                map.remove(&key);
            }
        }
    }

    fn take(&self, raw: &str) -> bool {
        let key: [u8; 32] = Sha256::digest(raw.as_bytes()).into();
        self.lock().remove(&key).is_some()
    }
}

/// Whether `user` signs in with a second factor.
pub async fn enrolled(state: &AppState, user: UserId) -> Result<bool, ApiError> {
    Ok(state
        .storage()
        .totp(user)
        .await?
        .is_some_and(|r| r.enabled_at.is_some()))
}

fn throttled(
    state: &AppState,
    key: &str,
    ip: Option<std::net::IpAddr>,
    now: Timestamp,
) -> Result<(), ApiError> {
    if let Err(locked) = state.limiter().check(key, ip, now) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many wrong codes; wait a while before trying again",
        );
        e.retry_after_secs = Some(locked.retry_after_secs(now));
        return Err(e);
    }
    Ok(())
}

fn limiter_key(user: UserId) -> String {
    format!("totp:{user}")
}

/// The second factor as sent: a code from the app or a recovery code.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactorInput {
    /// The 6 digits the authenticator app shows.
    pub code: Option<String>,
    /// One of the recovery codes (each works once).
    pub recovery_code: Option<String>,
}

/// Checks a factor for an enrolled user, consuming the step or recovery code,
/// through the limiter. `Err` is the answer to give.
async fn verify(
    state: &AppState,
    user: UserId,
    input: &FactorInput,
    ip: Option<std::net::IpAddr>,
    wrong_status: StatusCode,
) -> Result<(), ApiError> {
    let now = state.clock().now();
    let key = limiter_key(user);
    throttled(state, &key, ip, now)?;
    let ok = match (
        input.code.as_deref().map(str::trim),
        input.recovery_code.as_deref().map(str::trim),
    ) {
        (Some(code), None) => {
            let rec = state
                .storage()
                .totp(user)
                .await?
                .filter(|r| r.enabled_at.is_some());
            match rec.and_then(|r| matching_step(&r, code, now)) {
                Some(step) => state.storage().advance_totp_step(user, step).await?,
                None => false,
            }
        }
        (None, Some(rc)) => {
            state
                .storage()
                .use_recovery_code(user, &recovery_hash(user, rc), now)
                .await?
        }
        _ => {
            return Err(ApiError::invalid(
                "code",
                "send either `code` (6 digits) or `recovery_code`",
            ));
        }
    };
    if !ok {
        state.limiter().record_failure(&key, ip, now);
        let field = if input.code.is_some() {
            "code"
        } else {
            "recovery_code"
        };
        return Err(ApiError::new(
            wrong_status,
            "invalid_code",
            "this code is wrong or was used already; wait for the next one",
        )
        .with_field(field));
    }
    state.limiter().record_success(&key);
    Ok(())
}

/// The answer to starting an enrolment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    /// The secret, base32 (to type into an app by hand).
    pub secret: String,
    /// `otpauth://totp/Folio:…?secret=…&issuer=Folio`.
    pub otpauth_uri: String,
    /// `otpauth_uri` as a QR code: a standalone SVG document (black on white, with its quiet zone).
    pub qr_svg: String,
}

/// `data` as a QR code in SVG, at least 240 px square with the quiet zone.
pub fn qr_svg(data: &str) -> Result<String, qrcode::types::QrError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// Starts (or restarts) a TOTP enrolment for the signed-in account.
#[utoipa::path(post, path = "/api/account/totp", tag = "account", security(("session" = [])),
    responses((status = 201, body = Enrolment), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<(StatusCode, Json<Enrolment>), ApiError> {
    if enrolled(&state, auth.user.id).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "totp_enabled",
            "a second factor is enabled already; disable it first to enrol a new one",
        ));
    }
    let mut secret = [0u8; 20];
    OsRng.fill_bytes(&mut secret);
    let t = totp(&secret, auth.user.email.as_str()).map_err(|e| ApiError::internal(&e))?;
    let uri = t.to_url().map_err(|e| ApiError::internal(&e))?;
    state
        .storage()
        .begin_totp(auth.user.id, &secret, state.clock().now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Enrolment {
            secret: t.secret().to_base32(),
            qr_svg: qr_svg(&uri).map_err(|e| ApiError::internal(&e))?,
            otpauth_uri: uri,
        }),
    ))
}

/// `POST /api/account/totp/confirm`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// The 6 digits the app shows now.
    pub code: String,
}

/// The recovery codes, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Each signs in once instead of a code; keep them somewhere safe.
    pub recovery_codes: Vec<String>,
}

/// Confirms the enrolment with a code from the app and enables the factor.
#[utoipa::path(post, path = "/api/account/totp/confirm", tag = "account", security(("session" = [])), request_body = Confirm,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: Authenticated,
    ApiJson(body): ApiJson<Confirm>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let user = auth.user.id;
    let now = state.clock().now();
    let rec = state
        .storage()
        .totp(user)
        .await?
        .filter(|r| r.enabled_at.is_none())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "totp_not_pending",
                "there is no enrolment to confirm; start one with POST /api/account/totp",
            )
        })?;
    let key = limiter_key(user);
    throttled(&state, &key, ip, now)?;
    let Some(step) = matching_step(&rec, body.code.trim(), now) else {
        state.limiter().record_failure(&key, ip, now);
        return Err(ApiError::invalid(
            "code",
            "this code does not match; check the app's clock and enter the code it shows now",
        )
        .with_field("code"));
    };
    state.limiter().record_success(&key);
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<TokenHash> = codes.iter().map(|c| recovery_hash(user, c)).collect();
    state
        .storage()
        .enable_totp(user, step, &hashes, now)
        .await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Whether the second factor is on.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpStatus {
    /// Signing in asks for a code.
    pub enabled: bool,
    /// An enrolment was started and not confirmed yet.
    pub pending: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

/// The signed-in account's second factor.
#[utoipa::path(get, path = "/api/account/totp", tag = "account", security(("session" = [])),
    responses((status = 200, body = TotpStatus), (status = 401, body = ErrorBody)))]
pub async fn status(State(state): State<AppState>, auth: Authenticated) -> Result<Json<TotpStatus>, ApiError> {
    let record = state.storage().totp(auth.user.id).await?;
    let enabled = record.as_ref().is_some_and(|r| r.enabled_at.is_some());
    let left = if enabled { state.storage().recovery_codes_left(auth.user.id).await? } else { 0 };
    Ok(Json(TotpStatus { enabled, pending: record.is_some() && !enabled, recovery_codes_left: left }))
}

/// Disables the second factor; needs a current code or a recovery code.
#[utoipa::path(delete, path = "/api/account/totp", tag = "account", security(("session" = [])), request_body = FactorInput,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    auth: Authenticated,
    ApiJson(body): ApiJson<FactorInput>,
) -> Result<StatusCode, ApiError> {
    if !enrolled(&state, auth.user.id).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "totp_not_enabled",
            "no second factor is enabled",
        ));
    }
    verify(&state, auth.user.id, &body, ip, StatusCode::BAD_REQUEST).await?;
    state.storage().disable_totp(auth.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/session/totp`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactor {
    /// The `pending` value from `POST /api/session`.
    pub pending: String,
    /// The 6 digits from the app.
    pub code: Option<String>,
    /// Or a recovery code.
    pub recovery_code: Option<String>,
}

/// Finishes a sign-in with the second factor; answers like `POST /api/session`.
#[utoipa::path(post, path = "/api/session/totp", tag = "session", request_body = SecondFactor,
    responses((status = 200, description = "signed in; like GET /api/me, with the session cookie"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SecondFactor>,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let expired = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "login_expired",
            "this sign-in has expired or had too many wrong codes; enter your password again",
        )
        .with_field("pending")
    };
    let user_id = state
        .pending_logins()
        .user(body.pending.trim(), now)
        .ok_or_else(expired)?;
    let input = FactorInput {
        code: body.code,
        recovery_code: body.recovery_code,
    };
    if let Err(e) = verify(&state, user_id, &input, ip, StatusCode::UNAUTHORIZED).await {
        if e.code == "invalid_code" {
            state.pending_logins().wrong(body.pending.trim());
        }
        return Err(e);
    }
    if !state.pending_logins().take(body.pending.trim()) {
        return Err(expired());
    }
    let user: User = state.storage().user(user_id).await?.ok_or_else(expired)?;
    crate::routes::start_session(&state, &headers, &user, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_neighbouring_ones_only() {
        let rec = TotpRecord {
            secret: vec![7; 20],
            enabled_at: None,
            last_step: -1,
        };
        let b32 = totp(&rec.secret, "x").unwrap().secret().to_base32();
        let now = Timestamp(1_735_689_600_000);
        let code = code_at(&b32, now).unwrap();
        assert_eq!(matching_step(&rec, &code, now), Some(1_735_689_600 / 30));
        assert!(matching_step(&rec, &code, now.plus_millis(30_000)).is_some());
        assert!(matching_step(&rec, &code, now.plus_millis(90_000)).is_none());
        assert!(matching_step(&rec, "12a456", now).is_none());
    }

    #[test]
    fn recovery_codes_hash_per_user_and_ignore_case_and_dashes() {
        let c = recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(
            recovery_hash(UserId(1), &c),
            recovery_hash(UserId(1), &c.to_uppercase().replace('-', ""))
        );
        assert_ne!(recovery_hash(UserId(1), &c), recovery_hash(UserId(2), &c));
    }

    #[test]
    fn a_pending_login_expires_and_dies_after_too_many_wrong_codes() {
        let p = PendingLogins::default();
        let now = Timestamp(0);
        let raw = p.issue(UserId(3), now);
        assert_eq!(p.user(&raw, now), Some(UserId(3)));
        assert_eq!(
            p.user(&raw, now.plus_millis(PENDING_MINUTES * 60_000)),
            None
        );
        for _ in 0..PENDING_GUESSES {
            p.wrong(&raw);
        }
        assert_eq!(p.user(&raw, now), None);
    }
}
