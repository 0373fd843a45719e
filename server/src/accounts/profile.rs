//! `PATCH /api/account`: a person changes their own display name or mail
//! language. Role and organisation are not theirs to change: sending them is
//! answered 403 `read_only_field`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::mail::Lang;
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::checked_text;

/// The editable fields.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EditAccount {
    /// New display name.
    pub display_name: Option<String>,
    /// `en` or `nl`.
    pub lang: Option<String>,
    /// Anything else (refused).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub rest: serde_json::Map<String, Value>,
}

/// `PATCH /api/account`.
#[utoipa::path(patch, path = "/api/account", tag = "account", security(("session" = [])), request_body = EditAccount, responses((status = 200, description = "the account"), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn edit(State(state): State<AppState>, auth: Authenticated, ApiJson(body): ApiJson<EditAccount>) -> Result<Json<Value>, ApiError> {
    for (key, field) in [("role", "role"), ("organisation", "organisation"), ("email", "email"), ("kind", "kind"), ("is_admin", "is_admin")] {
        if body.rest.contains_key(key) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "read_only_field", format!("you cannot change your own {key}; the portfolio's owner or an administrator sets it")).with_field(field));
        }
    }
    if let Some(k) = body.rest.keys().next() {
        return Err(ApiError::invalid("body", format!("unknown field `{k}`; send `display_name` and/or `lang`")));
    }
    let name = body.display_name.as_deref().map(|n| checked_text("the display name", n, 200)).transpose().map_err(|e| ApiError::invalid("display_name", e.to_string()))?;
    let lang = body.lang.as_deref().map(|l| Lang::parse(l).ok_or_else(|| ApiError::invalid("lang", format!("`{l}` is not a language Folio writes; use `en` or `nl`")))).transpose()?;
    if let Some(n) = &name {
        state.storage().set_display_name(auth.user.id, n).await?;
    }
    if let Some(l) = lang {
        state.storage().set_user_lang(auth.user.id, l.as_str()).await?;
    }
    let user = state.storage().user(auth.user.id).await?.ok_or_else(ApiError::unauthenticated)?;
    Ok(Json(serde_json::json!({"id": user.id, "display_name": user.display_name, "email": user.email, "kind": user.kind})))
}
