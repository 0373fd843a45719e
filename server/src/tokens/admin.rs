//! Administrators manage service users and their tokens (session, CSRF-checked).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::TokenId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::view::{CreatedToken, ScopesInput, TokenView, audit, expiry};
use crate::admin::web::Admin;
use crate::error::ApiError;
use crate::openapi::ErrorBody;
use crate::routes::ApiJson;
use crate::sharing::secret::{self, Kind};
use crate::state::AppState;
use crate::storage::{ApiToken, Email, NewUser, StorageError, UserId, UserKind, checked_text};

/// `POST /api/admin/service-users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceUser {
    /// A unique address naming the system (it receives no mail).
    pub email: String,
    /// The name shown in audit views.
    pub display_name: String,
}

/// A service user.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceUserView {
    /// Account id (use it as `user` when creating tokens).
    pub id: i64,
    /// Address.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Always `service`.
    pub kind: String,
}

/// Creates a service user: an account without a password that acts only through tokens.
#[utoipa::path(post, path = "/api/admin/service-users", tag = "admin", request_body = NewServiceUser,
    responses((status = 201, body = ServiceUserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_service_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewServiceUser>,
) -> Result<(StatusCode, Json<ServiceUserView>), ApiError> {
    let email = Email::parse(&body.email).map_err(|e| ApiError::invalid("email", e.to_string()))?;
    let name = checked_text("the display name", &body.display_name, 200)
        .map_err(|e| ApiError::invalid("display_name", e.to_string()))?;
    let new = NewUser {
        email,
        display_name: name,
        password_hash: None,
        is_admin: false,
        kind: UserKind::Service,
    };
    let user = match state.storage().create_user(&new, state.clock().now()).await {
        Ok(u) => u,
        Err(StorageError::Conflict { value, .. }) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("an account `{value}` already exists"),
            )
            .with_field("email"));
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        &state,
        format!("user:{}", admin.user.id),
        "service-user.create",
        None,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ServiceUserView {
            id: user.id.0,
            email: user.email.to_string(),
            display_name: user.display_name,
            kind: "service".into(),
        }),
    ))
}

/// Every service user, by id (to pick one when creating a token).
#[utoipa::path(get, path = "/api/admin/service-users", tag = "admin",
    responses((status = 200, body = [ServiceUserView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_service_users(State(state): State<AppState>, Admin(_admin): Admin) -> Result<Json<Vec<ServiceUserView>>, ApiError> {
    let users = state.storage().list_users().await?;
    Ok(Json(
        users
            .into_iter()
            .filter(|u| u.kind == UserKind::Service)
            .map(|u| ServiceUserView { id: u.id.0, email: u.email.to_string(), display_name: u.display_name, kind: "service".into() })
            .collect(),
    ))
}

/// `POST /api/admin/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The service user it acts for.
    pub user: i64,
    /// A name for people (`grades export`).
    pub name: String,
    /// Rights per category.
    #[serde(default)]
    pub scopes: ScopesInput,
    /// Expiry, ms since the epoch (or give `days`).
    pub expires_at: Option<i64>,
    /// Lifetime in days (default 90, at most 731).
    pub days: Option<u32>,
}

/// Mints a secret and a handle for a token.
pub fn mint() -> (TokenId, crate::secret::Secret<String>) {
    (TokenId::new(secret::handle()), secret::generate(Kind::Api))
}

/// Creates a token for a service user; the secret is in this answer only.
#[utoipa::path(post, path = "/api/admin/tokens", tag = "admin", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let now = state.clock().now();
    let name = checked_text("the token name", &body.name, 100)
        .map_err(|e| ApiError::invalid("name", e.to_string()))?;
    let user = state
        .storage()
        .user(UserId(body.user))
        .await?
        .ok_or_else(|| ApiError::invalid("user", format!("there is no account `{}`", body.user)))?;
    if user.kind != UserKind::Service {
        return Err(ApiError::invalid(
            "user",
            format!(
                "account `{}` is not a service user; create one with POST /api/admin/service-users",
                body.user
            ),
        ));
    }
    let expires = expiry(now, body.expires_at, body.days)?;
    let (id, raw) = mint();
    let token = ApiToken {
        id,
        user: user.id,
        name,
        scopes: body.scopes.to_scopes(expires),
        created_by: Some(admin.user.id),
        created_at: now,
        revoked_at: None,
        last_used_at: None,
        replaced_by: None,
    };
    state
        .storage()
        .create_api_token(&token, &secret::hash(raw.expose()))
        .await?;
    audit(
        &state,
        format!("user:{}", admin.user.id),
        "token.create",
        Some(token.id.as_str()),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: TokenView::new(&token, now),
            secret: raw.expose().clone(),
        }),
    ))
}

/// Every token, newest first (never the secrets).
#[utoipa::path(get, path = "/api/admin/tokens", tag = "admin",
    responses((status = 200, body = [TokenView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let now = state.clock().now();
    let tokens = state.storage().list_api_tokens().await?;
    audit(
        &state,
        format!("user:{}", admin.user.id),
        "token.list",
        None,
    )
    .await?;
    Ok(Json(
        tokens.iter().map(|t| TokenView::new(t, now)).collect(),
    ))
}

fn unknown_token() -> ApiError {
    ApiError::not_found()
}

fn not_active(state: &'static str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "token_not_active",
        format!("this token is {state} already; create a new one instead"),
    )
}

/// Replaces a token by a new secret with the same name, account, scopes and
/// expiry; the old secret stops working at once.
#[utoipa::path(post, path = "/api/admin/tokens/{id}/rotate", tag = "admin", params(("id" = String, Path, description = "token handle")),
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rotate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let now = state.clock().now();
    let old = state
        .storage()
        .api_token(&TokenId::new(id))
        .await?
        .ok_or_else(unknown_token)?;
    let current = super::view::token_state(&old, now);
    if current != "active" {
        return Err(not_active(current));
    }
    let (new_id, raw) = mint();
    let new = ApiToken {
        id: new_id,
        created_by: Some(admin.user.id),
        created_at: now,
        revoked_at: None,
        last_used_at: None,
        replaced_by: None,
        ..old.clone()
    };
    if !state
        .storage()
        .rotate_api_token(&old.id, &new, &secret::hash(raw.expose()), now)
        .await?
    {
        return Err(not_active("revoked"));
    }
    audit(
        &state,
        format!("user:{}", admin.user.id),
        "token.rotate",
        Some(old.id.as_str()),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: TokenView::new(&new, now),
            secret: raw.expose().clone(),
        }),
    ))
}

/// Revokes a token; it stops working at once.
#[utoipa::path(delete, path = "/api/admin/tokens/{id}", tag = "admin", params(("id" = String, Path, description = "token handle")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock().now();
    let token = state
        .storage()
        .api_token(&TokenId::new(id))
        .await?
        .ok_or_else(unknown_token)?;
    if !state.storage().revoke_api_token(&token.id, now).await? {
        return Err(not_active("revoked"));
    }
    state.policy().principals_changed();
    audit(
        &state,
        format!("user:{}", admin.user.id),
        "token.revoke",
        Some(token.id.as_str()),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
