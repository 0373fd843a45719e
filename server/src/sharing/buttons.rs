//! Share buttons: the Karuta share spec stored on a node (its state field
//! `share`) defines the buttons; the engine says which ones the caller may use
//! here and now, and pressing one evaluates it and makes the link (and grant).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use folio_core::access::share::{Recipient, ShareRequest};
use folio_core::access::{GrantId, LinkId, ShareSpec, Value};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::context::PortfolioCtx;
use super::links::{create_from_outcome, lang_of, parse_emails};
use super::secret;
use crate::error::ApiError;
use crate::routes::ApiJson;
use crate::state::AppState;

fn spec_of(ctx: &PortfolioCtx, node: &folio_core::access::NodeId) -> Result<Option<ShareSpec>, ApiError> {
    let text = ctx.policy.read(|e| match e.node(node).and_then(|n| n.state.fields.get("share")) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    });
    text.map(|t| ShareSpec::parse(&t).map_err(|e| ApiError::internal(&e))).transpose()
}

/// A button the caller may press.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Button {
    /// Its index in the spec.
    pub index: usize,
    /// Labels by language.
    #[schema(value_type = Vec<Object>)]
    pub labels: Vec<folio_core::access::share::Label>,
    /// Link level 0–4.
    pub level: u8,
    /// Whether the caller types the recipient's address.
    pub asks_email: bool,
}

/// `GET /api/portfolios/{p}/nodes/{node}/share-buttons`.
#[utoipa::path(get, path = "/api/portfolios/{p}/nodes/{node}/share-buttons", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("node" = String, Path, description = "node id")), responses((status = 200, body = [Button]), (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller, Path((p, node)): Path<(String, String)>) -> Result<Json<Vec<Button>>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let node = ctx.node(&caller, Some(&node), "node")?;
    let Some(spec) = spec_of(&ctx, &node)? else { return Ok(Json(Vec::new())) };
    let available = ctx.policy.read(|e| spec.available(e, &caller.principal, &node, ctx.now));
    Ok(Json(available.into_iter().map(|i| {
        let s = &spec.shares[i];
        Button { index: i, labels: s.labels.clone(), level: s.level.digit(), asks_email: s.recipients.contains(&Recipient::Ask) }
    }).collect()))
}

/// Pressing a button.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Press {
    /// Addresses for `?`.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Mail language.
    pub lang: Option<String>,
}

/// `POST /api/portfolios/{p}/nodes/{node}/share-buttons/{index}`.
#[utoipa::path(post, path = "/api/portfolios/{p}/nodes/{node}/share-buttons/{index}", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("node" = String, Path, description = "node id"), ("index" = usize, Path, description = "button index")), request_body = Press, responses((status = 201, body = super::links::CreatedLink), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn press(State(state): State<AppState>, caller: Caller, Path((p, node, index)): Path<(String, String, usize)>, ApiJson(body): ApiJson<Press>) -> Result<Response, ApiError> {
    caller.user()?;
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let node = ctx.node(&caller, Some(&node), "node")?;
    let spec = spec_of(&ctx, &node)?.ok_or_else(ApiError::not_found)?;
    let share = spec.shares.get(index).ok_or_else(ApiError::not_found)?;
    let emails = parse_emails(&body.emails, "emails")?;
    let request = ShareRequest { typed_emails: emails.iter().map(ToString::to_string).collect(), link: LinkId::new(secret::handle()), grant_id: GrantId(0) };
    let outcome = ctx.policy.read(|e| share.evaluate(e, &caller.principal, &node, ctx.now, &request)).map_err(|d| match d {
        folio_core::access::share::ShareDenied::NoRecipient => ApiError::invalid("emails", d.to_string()),
        other => ApiError::new(StatusCode::FORBIDDEN, "forbidden", other.to_string()),
    })?;
    let label = share.labels.first().map(|l| l.text.clone());
    let created = create_from_outcome(&state, &ctx, &caller, outcome, label, lang_of(body.lang.as_deref())?).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}
