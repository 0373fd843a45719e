//! Access requests: someone who found a link without rights asks; the owner
//! approves (a direct grant at the level asked, or the one the owner picks) or
//! declines; both sides are mailed. Asking about a portfolio one cannot see
//! answers the same whether or not it exists.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::{Grant, Level, NodeId, Subject};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::context::{PortfolioCtx, forbidden, public_link};
use crate::error::ApiError;
use crate::mail::{Lang, templates};
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{AccessRequest, DocumentId};

/// `POST /api/portfolios/{p}/access-requests`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    /// The node (default: the portfolio).
    pub node: Option<String>,
    /// `read` (default), `comment` or `write`.
    pub level: Option<String>,
    /// A note for the owner.
    #[serde(default)]
    pub message: String,
}

/// `POST /api/portfolios/{p}/access-requests`: 202 whether or not the portfolio exists.
#[utoipa::path(post, path = "/api/portfolios/{p}/access-requests", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), request_body = Ask, responses((status = 202, description = "noted (also for unknown portfolios: nothing leaks)"), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody)))]
pub async fn ask(State(state): State<AppState>, caller: Caller, Path(p): Path<String>, ApiJson(body): ApiJson<Ask>) -> Result<StatusCode, ApiError> {
    let me = caller.user()?.clone();
    let level = match body.level.as_deref() {
        None => Level::Read,
        Some(l) => l.parse::<Level>().map_err(|e| ApiError::invalid("level", e.to_string()))?,
    };
    if level > Level::Write {
        return Err(ApiError::invalid("level", "ask for read, comment or write"));
    }
    if body.message.chars().count() > 2000 || body.message.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::invalid("message", "the message must be at most 2000 characters of text"));
    }
    let Ok(id) = DocumentId::parse(&p) else { return Ok(StatusCode::ACCEPTED) };
    let Some(portfolio) = state.storage().portfolio(&id).await? else { return Ok(StatusCode::ACCEPTED) };
    let node = NodeId::new(body.node.unwrap_or_else(|| id.to_string()));
    let known = match state.policy().portfolio(&id).await {
        Ok(policy) => policy.read(|e| e.node(&node).is_some()),
        Err(_) => false,
    };
    if !known {
        return Ok(StatusCode::ACCEPTED);
    }
    let now = state.clock().now();
    state.storage().create_access_request(&id, &node, me.id, level, &body.message, now).await?;
    if let Some(owner) = state.storage().user(portfolio.owner).await? {
        let lang = state.storage().user_lang(owner.id).await?.and_then(|l| Lang::parse(&l)).unwrap_or_default();
        // The access screen lists pending requests with approve and decline.
        let link = public_link(&state, &format!("/#/p/{}/access", id.as_str()));
        state.mailer().send(&owner.email, templates::access_request(lang, &me.display_name, &portfolio.title, &body.message, &link)).await?;
    }
    Ok(StatusCode::ACCEPTED)
}

/// A request as listed: the stored request and who asks, by name.
#[derive(Debug, Serialize)]
pub struct RequestView {
    /// The request.
    #[serde(flatten)]
    pub request: AccessRequest,
    /// The requester's display name.
    pub requester_name: String,
}

/// `GET /api/portfolios/{p}/access-requests` (Manage).
#[utoipa::path(get, path = "/api/portfolios/{p}/access-requests", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), responses((status = 200, body = [serde_json::Value], description = "the requests"), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller, Path(p): Path<String>) -> Result<Json<Vec<RequestView>>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    ctx.require_manage(&caller, &ctx.root())?;
    let mut out = Vec::new();
    for request in state.storage().portfolio_access_requests(&ctx.portfolio.id).await? {
        let requester_name = state.storage().user(request.requester).await?.map(|u| u.display_name).unwrap_or_default();
        out.push(RequestView { request, requester_name });
    }
    Ok(Json(out))
}

/// `POST /api/portfolios/{p}/access-requests/{id}/approve|decline`.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    /// Level to give (default: what was asked).
    pub level: Option<String>,
    /// End of the access (ms).
    pub end: Option<i64>,
}

async fn decide(state: AppState, caller: Caller, p: String, id: i64, body: Decide, approve: bool) -> Result<Json<AccessRequest>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let request = state.storage().access_request(id).await?.filter(|r| r.portfolio == ctx.portfolio.id).ok_or_else(ApiError::not_found)?;
    ctx.require_manage(&caller, &ctx.root())?;
    let me = caller.user()?.clone();
    let grant = if approve {
        let level = match body.level.as_deref() {
            None => request.level,
            Some(l) => l.parse::<Level>().map_err(|e| ApiError::invalid("level", e.to_string()))?,
        };
        let g = Grant::new(0, request.node.clone(), Subject::user(request.requester.0.to_string()), level).between(None, body.end.map(folio_core::time::Timestamp));
        if !ctx.policy.read(|e| e.may_grant(&caller.principal, &g, ctx.now)) {
            return Err(forbidden(&format!("give {level} access")));
        }
        Some(g)
    } else {
        None
    };
    let decided = state.storage().decide_access_request(id, grant.as_ref(), me.id, ctx.now).await?
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "already_decided", "this request was decided already"))?;
    if approve {
        ctx.grants_changed(&state).await?;
    }
    if let Some(requester) = state.storage().user(request.requester).await? {
        let lang = state.storage().user_lang(requester.id).await?.and_then(|l| Lang::parse(&l)).unwrap_or_default();
        state.mailer().send(&requester.email, templates::request_decided(lang, &ctx.portfolio.title, approve)).await?;
    }
    Ok(Json(decided))
}

/// Approves a request.
#[utoipa::path(post, path = "/api/portfolios/{p}/access-requests/{id}/approve", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("id" = i64, Path, description = "request id")), request_body(content = Decide, description = "optional"), responses((status = 200, body = serde_json::Value, description = "the decided request"), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn approve(State(state): State<AppState>, caller: Caller, Path((p, id)): Path<(String, i64)>, body: axum::body::Bytes) -> Result<Json<AccessRequest>, ApiError> {
    let body: Decide = if body.iter().all(u8::is_ascii_whitespace) {
        Decide::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?
    };
    decide(state, caller, p, id, body, true).await
}

/// Declines a request.
#[utoipa::path(post, path = "/api/portfolios/{p}/access-requests/{id}/decline", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("id" = i64, Path, description = "request id")), responses((status = 200, body = serde_json::Value, description = "the decided request"), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn decline(State(state): State<AppState>, caller: Caller, Path((p, id)): Path<(String, i64)>) -> Result<Json<AccessRequest>, ApiError> {
    decide(state, caller, p, id, Decide::default(), false).await
}
