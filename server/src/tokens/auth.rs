//! Authenticating a bearer API token, with a distinct answer for each way it
//! can fail, and the [`TokenCaller`] extractor of `/api/v1`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use folio_core::access::{Category, Principal, Scope, ScopeOp, TokenPrincipal};

use crate::error::ApiError;
use crate::policy::principal_for_user;
use crate::sharing::secret::{self, Kind};
use crate::state::AppState;
use crate::storage::{ApiToken, User};

/// 401 `invalid_token`.
pub fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "this token is unknown; check that it was copied whole",
    )
}

/// Checks an `ft_…` secret at the clock's `now`: unknown → 401 `invalid_token`,
/// revoked (or rotated away) → 401 `token_revoked`, expired → 401 `token_expired`.
/// On success records the use and returns the token with its principal.
pub async fn authenticate(
    state: &AppState,
    raw: &str,
) -> Result<(ApiToken, TokenPrincipal), ApiError> {
    if secret::kind_of(raw) != Some(Kind::Api) {
        return Err(invalid_token());
    }
    let token = state
        .storage()
        .api_token_by_hash(&secret::hash(raw))
        .await?
        .ok_or_else(invalid_token)?;
    let now = state.clock().now();
    if token.revoked_at.is_some() {
        let message = if token.replaced_by.is_some() {
            "this token was rotated; use the token that replaced it"
        } else {
            "this token was revoked by an administrator"
        };
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "token_revoked",
            message,
        ));
    }
    if token.scopes.expired(now) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "this token has expired; ask an administrator for a new one",
        ));
    }
    state.storage().touch_api_token(&token.id, now).await?;
    let user = match principal_for_user(state.storage(), token.user)
        .await
        .map_err(|e| ApiError::internal(&e))?
    {
        Principal::User(u) => Some(u),
        _ => None,
    };
    let principal = TokenPrincipal {
        id: token.id.clone(),
        user,
        scopes: token.scopes,
    };
    Ok((token, principal))
}

/// The bearer secret of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim)
}

/// A caller of `/api/v1`: an active API token, its account and principal.
#[derive(Clone, Debug)]
pub struct TokenCaller {
    /// The token.
    pub token: ApiToken,
    /// The service user it acts for.
    pub user: User,
    /// What the access engine sees.
    pub principal: Principal,
}

impl TokenCaller {
    /// The token's engine principal.
    pub fn token_principal(&self) -> Option<&TokenPrincipal> {
        match &self.principal {
            Principal::Token(t) => Some(t),
            _ => None,
        }
    }

    /// How far `op` reaches in `category`; 403 `insufficient_scope` if not at all.
    pub fn reach(&self, category: Category, op: ScopeOp) -> Result<Scope, ApiError> {
        let c = self.token.scopes.get(category);
        let reach = match op {
            ScopeOp::View => c.view.max(c.edit),
            ScopeOp::Edit => c.edit,
        };
        if reach == Scope::None {
            let name = serde_json::to_value(category)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let verb = if op == ScopeOp::View { "view" } else { "edit" };
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!(
                    "this token may not {verb} `{name}`; ask an administrator for a token with that scope"
                ),
            ));
        }
        Ok(reach)
    }

    /// The audit name, `token:<id>`.
    pub fn audit_name(&self) -> String {
        format!("token:{}", self.token.id)
    }
}

impl FromRequestParts<AppState> for TokenCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let raw = bearer(parts).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send an API token as `Authorization: Bearer ft_…`",
            )
        })?;
        let (token, principal) = authenticate(state, raw).await?;
        let user = state
            .storage()
            .user(token.user)
            .await?
            .ok_or_else(invalid_token)?;
        Ok(TokenCaller {
            token,
            user,
            principal: Principal::Token(principal),
        })
    }
}
