//! Access management of one portfolio: the list of every grant with its
//! source, level, flags and window; adding people (users picked from an
//! organisation's role holders) or an organisation rule (every present and
//! future holder of a role there); an automatic revocation date (the grant's
//! end); revoking one grant; and a grantee removing their own access (the
//! owner is told by mail). The engine decides every change (`may_grant`,
//! `may_revoke`, `may_remove_role`); this module stores and notifies.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use folio_core::access::{Grant, GrantId, Level, RoleRemoval, Subject};
use folio_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::context::{PortfolioCtx, forbidden};
use crate::error::ApiError;
use crate::mail::{Lang, templates};
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{GrantSource, OrgId, PortfolioRole, RoleName, StoredGrant, UserId};

/// One grant in the access list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    /// Grant id.
    pub id: u64,
    /// The node.
    pub node: String,
    /// Who.
    #[schema(value_type = Object)]
    pub subject: Subject,
    /// Who, in words.
    pub subject_label: String,
    /// How it came to be.
    #[schema(value_type = String)]
    pub source: GrantSource,
    /// Level.
    #[schema(value_type = String)]
    pub level: Level,
    /// May pass access on.
    pub may_share: bool,
    /// Sees only own and owner's feedback.
    pub hide_feedback: bool,
    /// Start.
    #[schema(value_type = Option<i64>)]
    pub start: Option<Timestamp>,
    /// End (automatic revocation).
    #[schema(value_type = Option<i64>)]
    pub end: Option<Timestamp>,
    /// Condition.
    pub condition: Option<String>,
    /// `active`, `not_started` or `ended`.
    pub state: &'static str,
}

fn grant_view(g: &StoredGrant, now: Timestamp) -> GrantView {
    let state = match g.grant.timing(now) {
        folio_core::access::Timing::NotStarted(_) => "not_started",
        folio_core::access::Timing::Current => "active",
        folio_core::access::Timing::Ended(_) => "ended",
    };
    GrantView {
        id: g.grant.id.0,
        node: g.grant.node.to_string(),
        subject: g.grant.subject.clone(),
        subject_label: g.grant.subject.to_string(),
        source: g.source,
        level: g.grant.level,
        may_share: g.grant.may_share,
        hide_feedback: g.grant.hide_feedback,
        start: g.grant.start,
        end: g.grant.end,
        condition: g.grant.condition.as_ref().map(|c| c.as_str().to_owned()),
        state,
    }
}

/// The access list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessList {
    /// The owner's account id.
    pub owner: i64,
    /// Every grant.
    pub grants: Vec<GrantView>,
    /// Portfolio roles held.
    pub roles: Vec<RoleView>,
}

/// One portfolio role.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleView {
    /// The user.
    pub user: i64,
    /// The role.
    pub role: String,
}

/// `GET /api/portfolios/{p}/access` (Manage).
#[utoipa::path(get, path = "/api/portfolios/{p}/access", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), responses((status = 200, body = AccessList), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller, Path(p): Path<String>) -> Result<Json<AccessList>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    ctx.require_manage(&caller, &ctx.root())?;
    let grants = state.storage().portfolio_grants(&ctx.portfolio.id).await?;
    let roles = state.storage().portfolio_roles(&ctx.portfolio.id).await?;
    Ok(Json(AccessList {
        owner: ctx.portfolio.owner.0,
        grants: grants.iter().map(|g| grant_view(g, ctx.now)).collect(),
        roles: roles.iter().map(|r| RoleView { user: r.user.0, role: r.role.to_string() }).collect(),
    }))
}

/// `POST /api/portfolios/{p}/access`: adds grants.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAccess {
    /// Node (default: the portfolio).
    pub node: Option<String>,
    /// People (account ids), e.g. picked from `GET /api/orgs/{org}/members?role=…`.
    #[serde(default)]
    pub users: Vec<i64>,
    /// An organisation rule: this organisation…
    pub organisation: Option<i64>,
    /// …narrowed to this role there (recommended: never more than the role needs).
    pub org_role: Option<String>,
    /// A portfolio role.
    pub role: Option<String>,
    /// Level.
    pub level: String,
    /// May pass access on.
    #[serde(default)]
    pub may_share: bool,
    /// Hide-feedback.
    #[serde(default)]
    pub hide_feedback: bool,
    /// Start (ms).
    pub start: Option<i64>,
    /// Automatic revocation date (ms).
    pub end: Option<i64>,
    /// Replace the subjects' explicit grants below the node.
    #[serde(default)]
    pub overwrite: bool,
}

/// `POST /api/portfolios/{p}/access`: grants to people, an organisation rule or a role.
#[utoipa::path(post, path = "/api/portfolios/{p}/access", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), request_body = AddAccess, responses((status = 201, body = [GrantView]), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn add(State(state): State<AppState>, caller: Caller, Path(p): Path<String>, ApiJson(body): ApiJson<AddAccess>) -> Result<(StatusCode, Json<Vec<GrantView>>), ApiError> {
    let me = caller.user()?.clone();
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let node = ctx.node(&caller, body.node.as_deref(), "node")?;
    let level: Level = body.level.parse().map_err(|e: folio_core::access::ParseLevelError| ApiError::invalid("level", e.to_string()))?;
    let start = body.start.map(Timestamp);
    let end = body.end.map(Timestamp);
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(ApiError::invalid("end", "the end must be after the start"));
    }
    let mut subjects: Vec<(Subject, GrantSource)> = Vec::new();
    for id in &body.users {
        if state.storage().user(UserId(*id)).await?.is_none() {
            return Err(ApiError::invalid("users", format!("there is no account `{id}`")));
        }
        subjects.push((Subject::user(id.to_string()), GrantSource::Direct));
    }
    if let Some(org) = body.organisation {
        let known = state.storage().list_orgs().await?.iter().any(|o| o.id == OrgId(org));
        if !known {
            return Err(ApiError::invalid("organisation", format!("there is no organisation `{org}`")));
        }
        let role = body.org_role.as_deref().map(RoleName::parse).transpose().map_err(|e| ApiError::invalid("org_role", e.to_string()))?;
        subjects.push((Subject::Org { org: org.to_string().into(), role: role.map(|r| r.as_str().into()) }, GrantSource::OrganisationRule));
    } else if body.org_role.is_some() {
        return Err(ApiError::invalid("organisation", "an organisation role needs an organisation"));
    }
    if let Some(role) = body.role.as_deref() {
        let role = RoleName::parse(role).map_err(|e| ApiError::invalid("role", e.to_string()))?;
        subjects.push((Subject::role(role.as_str()), GrantSource::Direct));
    }
    if subjects.is_empty() {
        return Err(ApiError::invalid("users", "name people, an organisation or a role to give access to"));
    }
    let grants: Vec<(Grant, GrantSource)> = subjects
        .into_iter()
        .map(|(subject, source)| {
            let g = Grant { may_share: body.may_share, hide_feedback: body.hide_feedback, ..Grant::new(0, node.clone(), subject, level).between(start, end) };
            (g, source)
        })
        .collect();
    // Decide everything before writing anything.
    let mut doomed: Vec<GrantId> = Vec::new();
    for (g, _) in &grants {
        let ok = ctx.policy.read(|e| e.may_grant(&caller.principal, g, ctx.now));
        if !ok {
            return Err(forbidden(&format!("give {} access to `{}`", g.level, g.node)));
        }
        let removed = ctx.policy.read(|e| {
            let mut sim = e.clone();
            let mut g2 = g.clone();
            g2.id = GrantId(u64::MAX);
            sim.set_grant(g2, body.overwrite).unwrap_or_default()
        });
        doomed.extend(removed.into_iter().filter(|id| id.0 != u64::MAX));
    }
    // One transaction: an overwrite never leaves the old grants half replaced.
    let ids = state.storage().replace_grants(&ctx.portfolio.id, &doomed, &grants, Some(me.id), ctx.now).await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(stored) = state.storage().stored_grant(id).await? {
            out.push(grant_view(&stored, ctx.now));
        }
    }
    ctx.grants_changed(&state).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// `DELETE /api/portfolios/{p}/access/{grant}`: revokes one grant (the engine's `may_revoke`).
#[utoipa::path(delete, path = "/api/portfolios/{p}/access/{grant}", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("grant" = u64, Path, description = "grant id")), responses((status = 204), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke(State(state): State<AppState>, caller: Caller, Path((p, id)): Path<(String, u64)>) -> Result<StatusCode, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let stored = state.storage().stored_grant(GrantId(id)).await?.filter(|g| g.portfolio == ctx.portfolio.id).ok_or_else(ApiError::not_found)?;
    if !ctx.policy.read(|e| e.may_revoke(&caller.principal, &stored.grant, ctx.now)) {
        return Err(forbidden("revoke this grant"));
    }
    state.storage().delete_grant(stored.grant.id).await?;
    ctx.grants_changed(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/portfolios/{p}/access/me`: the caller removes their own
/// access (grants naming them, their roles, their invitations); the owner is mailed.
#[utoipa::path(delete, path = "/api/portfolios/{p}/access/me", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), responses((status = 204), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn leave(State(state): State<AppState>, caller: Caller, Path(p): Path<String>) -> Result<StatusCode, ApiError> {
    let me = caller.user()?.clone();
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    if me.id == ctx.portfolio.owner {
        return Err(ApiError::new(StatusCode::CONFLICT, "owner_cannot_leave", "the owner always keeps their portfolio"));
    }
    let key = me.id.0.to_string();
    let mine: Vec<StoredGrant> = state.storage().portfolio_grants(&ctx.portfolio.id).await?
        .into_iter()
        .filter(|g| matches!(&g.grant.subject, Subject::User { id } if id.as_str() == key))
        .collect();
    for g in &mine {
        if !ctx.policy.read(|e| e.may_revoke(&caller.principal, &g.grant, ctx.now)) {
            return Err(forbidden("remove this access"));
        }
    }
    let roles: Vec<PortfolioRole> = state.storage().portfolio_roles(&ctx.portfolio.id).await?.into_iter().filter(|r| r.user == me.id).collect();
    let root = ctx.root();
    for r in &roles {
        let removal = RoleRemoval { member: &key.as_str().into(), portfolio: &root, role: &r.role.as_str().into() };
        if !ctx.policy.read(|e| e.may_remove_role(&caller.principal, &removal, ctx.now)) {
            return Err(forbidden(&format!("drop the role `{}`", r.role)));
        }
    }
    for inv in state.storage().portfolio_invitations(&ctx.portfolio.id).await? {
        if inv.user == me.id && inv.revoked_at.is_none() {
            state.storage().revoke_invitation(inv.id, ctx.now).await?;
        }
    }
    for g in &mine {
        state.storage().delete_grant(g.grant.id).await?;
    }
    for r in &roles {
        state.storage().remove_portfolio_role(r).await?;
    }
    ctx.grants_changed(&state).await?;
    state.policy().principals_changed();
    if let Some(owner) = state.storage().user(ctx.portfolio.owner).await? {
        let lang = state.storage().user_lang(owner.id).await?.and_then(|l| Lang::parse(&l)).unwrap_or_default();
        state.mailer().send(&owner.email, templates::self_removed(lang, &me.display_name, &ctx.portfolio.title)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/orgs/{org}/members?role=…`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Only holders of this role.
    pub role: Option<String>,
}

/// A person to pick.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Person {
    /// Account id.
    pub id: i64,
    /// Name.
    pub display_name: String,
    /// Role in the organisation.
    pub role: String,
}

/// `GET /api/orgs/{org}/members?role=…`: people holding a role in an
/// organisation, to add them to a portfolio (members only, not externals).
#[utoipa::path(get, path = "/api/orgs/{org}/members", tag = "sharing", params(("org" = i64, Path, description = "organisation id"), MembersQuery), responses((status = 200, body = [Person]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn members(State(state): State<AppState>, caller: Caller, Path(org): Path<i64>, Query(q): Query<MembersQuery>) -> Result<Json<Vec<Person>>, ApiError> {
    let me = caller.user()?;
    if me.kind != crate::storage::UserKind::Member {
        return Err(forbidden("list organisation members"));
    }
    let mut out = Vec::new();
    for m in state.storage().org_members(OrgId(org)).await? {
        if q.role.as_deref().is_some_and(|r| r != m.role.as_str()) {
            continue;
        }
        if let Some(u) = state.storage().user(m.user).await? {
            out.push(Person { id: u.id.0, display_name: u.display_name, role: m.role.to_string() });
        }
    }
    Ok(Json(out))
}
