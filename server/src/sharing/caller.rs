//! Who is calling a sharing or API route: a signed-in user (session cookie,
//! CSRF-checked on writes), a bearer secret (`Authorization: Bearer …`: an
//! API token or a share link), or nobody. An API token that fails answers
//! 401 `invalid_token`, `token_revoked` or `token_expired` (see
//! [`crate::tokens::auth`]); a share link that fails, 401 `invalid_token`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use folio_core::access::Principal;

use crate::auth::Authenticated;
use crate::auth::token;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{User, UserId};

/// The caller and their principal.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The account, when signed in (or acting through an API token).
    pub user: Option<User>,
    /// What the access engine sees.
    pub principal: Principal,
}

impl Caller {
    /// The signed-in account, or 401.
    pub fn user(&self) -> Result<&User, ApiError> {
        match (&self.user, &self.principal) {
            (Some(u), Principal::User(_)) => Ok(u),
            _ => Err(ApiError::unauthenticated()),
        }
    }

    /// A short name for audit lines: `user:7`, `token:…`, `link:…`, `anonymous`.
    pub fn audit_name(&self) -> String {
        match &self.principal {
            Principal::User(u) => format!("user:{}", u.id),
            Principal::Token(t) => format!("token:{}", t.id),
            Principal::Link { id } => format!("link:{id}"),
            Principal::Anonymous => "anonymous".into(),
        }
    }
}

/// The principal of an account, as the policy hub resolves it (roles, the
/// timed roles of level-2 and level-3 links, organisations) — the same one
/// `/sync`, documents and files use.
pub async fn principal_for(state: &AppState, user: UserId) -> Result<Principal, ApiError> {
    state.policy().principal_for_user(user).await.map_err(|e| ApiError::internal(&e))
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(secret) = bearer(parts) {
            if super::secret::kind_of(secret) == Some(super::secret::Kind::Api) {
                // API tokens say why they fail: unknown, revoked or expired.
                let (token, principal) = crate::tokens::auth::authenticate(state, secret).await?;
                let user = state.storage().user(token.user).await?;
                return Ok(Caller { user, principal: Principal::Token(principal) });
            }
            let principal = state.policy().resolve_token(secret).await.ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "this token is unknown, revoked or expired",
                )
            })?;
            let user = match principal.user_id() {
                Some(id) => match id.as_str().parse::<i64>() {
                    Ok(n) => state.storage().user(UserId(n)).await?,
                    Err(_) => None,
                },
                None => None,
            };
            return Ok(Caller { user, principal });
        }
        if token::from_headers(&parts.headers, state.config().secure_cookies()).is_some() {
            let auth = match Authenticated::from_request_parts(parts, state).await {
                Ok(auth) => auth,
                // A stale cookie is nobody; a failed CSRF check is still refused.
                Err(e) if e.code == "unauthenticated" => {
                    return Ok(Caller { user: None, principal: Principal::Anonymous });
                }
                Err(e) => return Err(e),
            };
            let principal = principal_for(state, auth.user.id).await?;
            return Ok(Caller { user: Some(auth.user), principal });
        }
        Ok(Caller { user: None, principal: Principal::Anonymous })
    }
}
