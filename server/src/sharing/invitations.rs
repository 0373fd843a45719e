//! Invitations of externals and one-time invitations for one assessment.
//!
//! An invitation makes (or reuses) an *external* account for the address and
//! gives it one user grant per chosen node (the whole portfolio by default),
//! all with the invitation's level, hide-feedback switch and end. The role and
//! organisation are recorded on the invitation (shown with the external's
//! feedback); they are not portfolio roles, so an external never reaches
//! beyond the chosen nodes or the end date through a role grant. The mail
//! carries a link (`/invite/fi_…`); each sign-in through it also needs a
//! one-time code mailed at that moment (see `crate::accounts::external`).
//!
//! A one-time invitation is one grant on one assessment node with the
//! condition `submitted != 'Y'` and an end: the engine stops it when the
//! assessment is submitted or its time runs out, whichever is first.
//!
//! Revoking deletes the grants and tells the policy hub, so live sessions lose
//! access within a second; reaching the end does the same through the hub's timer.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use folio_core::access::{Condition, Grant, Level, NodeId, Subject};
use folio_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::context::{PortfolioCtx, forbidden, format_instant, public_link};
use super::links::lang_of;
use super::secret::{self, Kind};
use crate::error::ApiError;
use crate::mail::{Lang, templates};
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{Email, Invitation, InvitationKind, NewInvitation, RoleName, checked_text};

/// `POST /api/portfolios/{p}/invitations`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitation {
    /// Display name of the invitee.
    pub name: String,
    /// Their address.
    pub email: String,
    /// Their role (`supervisor`, `external`, …).
    pub role: String,
    /// Their organisation's name, if any (must exist).
    pub organisation: Option<String>,
    /// `read`, `comment` (default) or `write`.
    pub level: Option<String>,
    /// Sees only their own and the owner's feedback.
    #[serde(default)]
    pub hide_feedback: bool,
    /// Collections (or other nodes) to open; default the whole portfolio.
    #[serde(default)]
    pub nodes: Vec<String>,
    /// End instant (ms since the epoch); or use `days`.
    pub until: Option<i64>,
    /// Duration in days from now.
    pub days: Option<u32>,
    /// Mail language.
    pub lang: Option<String>,
}

/// An invitation as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    /// Id.
    pub id: i64,
    /// `external` or `one-time`.
    #[schema(value_type = String)]
    pub kind: InvitationKind,
    /// The invitee's account id.
    pub user: i64,
    /// Their address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Organisation id.
    pub organisation: Option<i64>,
    /// Level.
    #[schema(value_type = String)]
    pub level: Level,
    /// Hide-feedback switch.
    pub hide_feedback: bool,
    /// Nodes opened.
    pub nodes: Vec<String>,
    /// Start.
    #[schema(value_type = i64)]
    pub starts_at: Timestamp,
    /// End.
    #[schema(value_type = Option<i64>)]
    pub ends_at: Option<Timestamp>,
    /// `active`, `expired` or `revoked`.
    pub state: &'static str,
    /// Last sign-in.
    #[schema(value_type = Option<i64>)]
    pub last_sign_in: Option<Timestamp>,
}

/// The state of an invitation at `now`.
pub fn invitation_state(inv: &Invitation, now: Timestamp) -> &'static str {
    if inv.revoked_at.is_some() {
        "revoked"
    } else if inv.ends_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        "active"
    }
}

async fn view(state: &AppState, inv: &Invitation, now: Timestamp) -> Result<InvitationView, ApiError> {
    let user = state.storage().user(inv.user).await?;
    Ok(InvitationView {
        id: inv.id,
        kind: inv.kind,
        user: inv.user.0,
        email: user.as_ref().map(|u| u.email.to_string()).unwrap_or_default(),
        name: user.map(|u| u.display_name).unwrap_or_default(),
        role: inv.role.to_string(),
        organisation: inv.org.map(|o| o.0),
        level: inv.level,
        hide_feedback: inv.hide_feedback,
        nodes: inv.nodes.iter().map(ToString::to_string).collect(),
        starts_at: inv.starts_at,
        ends_at: inv.ends_at,
        state: invitation_state(inv, now),
        last_sign_in: inv.last_sign_in,
    })
}

/// The answer to an invitation: the view and the URL mailed (shown this once).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedInvitation {
    /// The invitation.
    pub invitation: InvitationView,
    /// The link the invitee received.
    pub url: String,
}

fn parse_level(raw: Option<&str>) -> Result<Level, ApiError> {
    let level = match raw {
        None => Level::Comment,
        Some(l) => l.parse::<Level>().map_err(|e| ApiError::invalid("level", e.to_string()))?,
    };
    if level > Level::Write {
        return Err(ApiError::invalid("level", "an invitation gives read, comment or write; managing stays with members"));
    }
    Ok(level)
}

fn end_of(now: Timestamp, until: Option<i64>, days: Option<u32>, hours: Option<u32>) -> Result<Option<Timestamp>, ApiError> {
    let given = [until.is_some(), days.is_some(), hours.is_some()].iter().filter(|b| **b).count();
    if given > 1 {
        return Err(ApiError::invalid("until", "give an end date or a duration, not both"));
    }
    let end = match (until, days, hours) {
        (Some(u), _, _) => Some(Timestamp(u)),
        (_, Some(d), _) => Some(now.plus_hours(i64::from(d) * 24)),
        (_, _, Some(h)) => Some(now.plus_hours(i64::from(h))),
        _ => None,
    };
    if let Some(e) = end
        && e <= now
    {
        return Err(ApiError::invalid("until", "the end must be in the future"));
    }
    Ok(end)
}

struct Invite {
    kind: InvitationKind,
    name: String,
    email: Email,
    role: RoleName,
    org: Option<crate::storage::OrgId>,
    level: Level,
    hide_feedback: bool,
    nodes: Vec<NodeId>,
    condition: Option<Condition>,
    end: Option<Timestamp>,
    lang: Lang,
}

async fn invite(state: &AppState, ctx: &PortfolioCtx, caller: &Caller, inv: Invite) -> Result<CreatedInvitation, ApiError> {
    let me = caller.user()?;
    let templates_: Vec<Grant> = inv
        .nodes
        .iter()
        .map(|n| Grant {
            condition: inv.condition.clone(),
            hide_feedback: inv.hide_feedback,
            ..Grant::new(0, n.clone(), Subject::user("\u{0}invitee"), inv.level).between(Some(ctx.now), inv.end)
        })
        .collect();
    for g in &templates_ {
        if !ctx.policy.read(|e| e.may_grant(&caller.principal, g, ctx.now)) {
            return Err(forbidden(&format!("give {} access to `{}`", g.level, g.node)));
        }
    }
    if let Some(existing) = state.storage().user_by_email(&inv.email).await?
        && existing.id == ctx.portfolio.owner
    {
        return Err(ApiError::invalid("email", "you cannot invite yourself"));
    }
    let secret = secret::generate(Kind::Invitation);
    let new = NewInvitation {
        kind: inv.kind,
        token_hash: secret::hash(secret.expose()),
        portfolio: ctx.portfolio.id.clone(),
        email: inv.email.clone(),
        display_name: inv.name,
        role: inv.role.clone(),
        org: inv.org,
        level: inv.level,
        hide_feedback: inv.hide_feedback,
        nodes: inv.nodes,
        lang: inv.lang.as_str().into(),
        starts_at: ctx.now,
        ends_at: inv.end,
        created_by: me.id,
    };
    let stored = state.storage().create_invitation(&new, &templates_, ctx.now).await?;
    ctx.grants_changed(state).await?;
    let url = public_link(state, &format!("/invite/{}", secret.expose()));
    let until = inv.end.map(format_instant);
    let mail = templates::invitation(inv.lang, &me.display_name, &ctx.portfolio.title, inv.role.as_str(), &url, until.as_deref());
    state.mailer().send(&inv.email, mail).await?;
    Ok(CreatedInvitation { invitation: view(state, &stored, ctx.now).await?, url })
}

/// `POST /api/portfolios/{p}/invitations`: invites an external.
#[utoipa::path(post, path = "/api/portfolios/{p}/invitations", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), request_body = CreateInvitation, responses((status = 201, body = CreatedInvitation), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(p): Path<String>,
    ApiJson(body): ApiJson<CreateInvitation>,
) -> Result<Response, ApiError> {
    caller.user()?;
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let name = checked_text("the name", &body.name, 200).map_err(|e| ApiError::invalid("name", e.to_string()))?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::invalid("email", e.to_string()))?;
    let role = RoleName::parse(&body.role).map_err(|e| ApiError::invalid("role", e.to_string()))?;
    if role.as_str() == "owner" || role.as_str() == "student" {
        return Err(ApiError::invalid("role", "an external cannot be the portfolio's owner"));
    }
    let org = match body.organisation.as_deref() {
        None => None,
        Some(name) => Some(
            state.storage().org_by_name(name.trim()).await?
                .ok_or_else(|| ApiError::invalid("organisation", format!("there is no organisation `{name}`")))?
                .id,
        ),
    };
    let level = parse_level(body.level.as_deref())?;
    let mut nodes = Vec::new();
    for n in &body.nodes {
        let node = ctx.node(&caller, Some(n), "nodes")?;
        if !nodes.contains(&node) {
            nodes.push(node);
        }
    }
    if nodes.is_empty() {
        nodes.push(ctx.root());
    }
    let end = end_of(ctx.now, body.until, body.days, None)?;
    let lang = lang_of(body.lang.as_deref())?;
    let created = invite(&state, &ctx, &caller, Invite {
        kind: InvitationKind::External, name, email, role, org, level, hide_feedback: body.hide_feedback, nodes, condition: None, end, lang,
    }).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `POST /api/portfolios/{p}/one-time-invitations`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOneTime {
    /// Name of the assessor.
    pub name: String,
    /// Their address.
    pub email: String,
    /// The assessment node.
    pub node: String,
    /// How long, in hours.
    pub hours: u32,
    /// Their role (default `assessor`).
    pub role: Option<String>,
    /// Mail language.
    pub lang: Option<String>,
}

/// `POST /api/portfolios/{p}/one-time-invitations`: one assessor for one
/// assessment, until it is submitted or `hours` pass.
#[utoipa::path(post, path = "/api/portfolios/{p}/one-time-invitations", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), request_body = CreateOneTime, responses((status = 201, body = CreatedInvitation), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn create_one_time(
    State(state): State<AppState>,
    caller: Caller,
    Path(p): Path<String>,
    ApiJson(body): ApiJson<CreateOneTime>,
) -> Result<Response, ApiError> {
    caller.user()?;
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let name = checked_text("the name", &body.name, 200).map_err(|e| ApiError::invalid("name", e.to_string()))?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::invalid("email", e.to_string()))?;
    let role = RoleName::parse(body.role.as_deref().unwrap_or("assessor")).map_err(|e| ApiError::invalid("role", e.to_string()))?;
    let node = ctx.node(&caller, Some(&body.node), "node")?;
    if body.hours == 0 || body.hours > 24 * 366 {
        return Err(ApiError::invalid("hours", "give between 1 and 8784 hours"));
    }
    let end = end_of(ctx.now, None, None, Some(body.hours))?;
    let condition = Condition::parse("submitted != 'Y'").map_err(|e| ApiError::internal(&e))?;
    let lang = lang_of(body.lang.as_deref())?;
    let created = invite(&state, &ctx, &caller, Invite {
        kind: InvitationKind::OneTime, name, email, role, org: None, level: Level::Comment, hide_feedback: true, nodes: vec![node], condition: Some(condition), end, lang,
    }).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `GET /api/portfolios/{p}/invitations` (Manage).
#[utoipa::path(get, path = "/api/portfolios/{p}/invitations", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), responses((status = 200, body = [InvitationView]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller, Path(p): Path<String>) -> Result<Json<Vec<InvitationView>>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    ctx.require_manage(&caller, &ctx.root())?;
    let mut out = Vec::new();
    for inv in state.storage().portfolio_invitations(&ctx.portfolio.id).await? {
        out.push(view(&state, &inv, ctx.now).await?);
    }
    Ok(Json(out))
}

/// `PATCH /api/portfolios/{p}/invitations/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInvitation {
    /// New end (ms), or use `days`; `null` keeps the end.
    pub until: Option<i64>,
    /// New duration in days from now.
    pub days: Option<u32>,
    /// New level.
    pub level: Option<String>,
    /// New hide-feedback switch.
    pub hide_feedback: Option<bool>,
}

async fn owned_invitation(state: &AppState, caller: &Caller, p: &str, id: i64) -> Result<(PortfolioCtx, Invitation), ApiError> {
    let ctx = PortfolioCtx::load(state, caller, p).await?;
    let inv = state.storage().invitation(id).await?.filter(|i| i.portfolio == ctx.portfolio.id).ok_or_else(ApiError::not_found)?;
    ctx.require_manage(caller, &ctx.root())?;
    Ok((ctx, inv))
}

/// `PATCH /api/portfolios/{p}/invitations/{id}`: changes end, level or hide-feedback.
#[utoipa::path(patch, path = "/api/portfolios/{p}/invitations/{id}", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("id" = i64, Path, description = "invitation id")), request_body = EditInvitation, responses((status = 200, body = InvitationView), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path((p, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<EditInvitation>,
) -> Result<Json<InvitationView>, ApiError> {
    let (ctx, inv) = owned_invitation(&state, &caller, &p, id).await?;
    if inv.revoked_at.is_some() {
        return Err(ApiError::new(StatusCode::CONFLICT, "invitation_revoked", "this invitation was revoked; invite again instead"));
    }
    let level = match body.level.as_deref() {
        Some(l) => parse_level(Some(l))?,
        None => inv.level,
    };
    let end = match end_of(ctx.now, body.until, body.days, None)? {
        Some(e) => Some(e),
        None => inv.ends_at,
    };
    state.storage().update_invitation(inv.id, end, level, body.hide_feedback.unwrap_or(inv.hide_feedback)).await?;
    ctx.grants_changed(&state).await?;
    let inv = state.storage().invitation(id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(view(&state, &inv, ctx.now).await?))
}

/// `DELETE /api/portfolios/{p}/invitations/{id}`: revokes; the invitee is told by mail.
#[utoipa::path(delete, path = "/api/portfolios/{p}/invitations/{id}", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("id" = i64, Path, description = "invitation id")), responses((status = 204), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke(State(state): State<AppState>, caller: Caller, Path((p, id)): Path<(String, i64)>) -> Result<StatusCode, ApiError> {
    let (ctx, inv) = owned_invitation(&state, &caller, &p, id).await?;
    if !state.storage().revoke_invitation(inv.id, ctx.now).await? {
        return Err(ApiError::new(StatusCode::CONFLICT, "invitation_revoked", "this invitation was revoked already"));
    }
    ctx.grants_changed(&state).await?;
    if let Some(user) = state.storage().user(inv.user).await? {
        let lang = Lang::parse(&inv.lang).unwrap_or_default();
        state.mailer().send(&user.email, templates::revocation(lang, &ctx.portfolio.title)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
