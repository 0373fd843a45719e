//! Access management of one portfolio: the list of every grant with its
//! source, level, flags and window; adding people (users picked from an
//! organisation's role holders) or an organisation rule (every present and
//! future holder of a role there); an automatic revocation date (the grant's
//! end); revoking one grant; and a grantee removing their own access (the
//! owner is told by mail); editing one grant's level, flags and window. The
//! engine decides every change (`may_grant`, `may_revoke`, `may_edit_grant`,
//! `may_remove_role`); this module stores and notifies.
//!
//! Decisions:
//! * Subjects are labelled with people's and organisations' names
//!   ([`super::labels`]); the raw subject stays in the answer for programs.
//! * Only grants given here (`direct`, `organisation-rule`) are edited here.
//!   Invitation, one-time and share-link grants belong to their invitation or
//!   link (which carries the same level and end, and the mail that was sent):
//!   editing them here answers 409 `managed_elsewhere` naming where to go.
//! * Leaving is one transaction: the grants naming the person, their
//!   portfolio roles, their timed link roles here and their invitations go,
//!   and the owner's notice is queued in the outbox, together or not at all.
//!   Access that comes only from an organisation rule, a role grant or the
//!   public is not theirs to drop: 409 `nothing_to_leave`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use folio_core::access::{Grant, GrantId, Level, RoleRemoval, Subject};
use folio_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::context::{PortfolioCtx, forbidden};
use super::labels::Labels;
use crate::error::ApiError;
use crate::mail::{Lang, Mailer, templates};
use crate::routes::ApiJson;
use crate::state::AppState;
use crate::storage::{Departure, GrantSource, OrgId, RoleName, StoredGrant, User, UserId};

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

fn grant_view(g: &StoredGrant, labels: &Labels, now: Timestamp) -> GrantView {
    let state = match g.grant.timing(now) {
        folio_core::access::Timing::NotStarted(_) => "not_started",
        folio_core::access::Timing::Current => "active",
        folio_core::access::Timing::Ended(_) => "ended",
    };
    GrantView {
        id: g.grant.id.0,
        node: g.grant.node.to_string(),
        subject: g.grant.subject.clone(),
        subject_label: labels.label(&g.grant.subject),
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
    /// Their display name.
    pub name: String,
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
    let people: Vec<folio_core::access::Subject> = roles.iter().map(|r| Subject::user(r.user.0.to_string())).collect();
    let subjects: Vec<&Subject> = grants.iter().map(|g| &g.grant.subject).chain(people.iter()).collect();
    let labels = Labels::load(&state, &subjects).await?;
    Ok(Json(AccessList {
        owner: ctx.portfolio.owner.0,
        grants: grants.iter().map(|g| grant_view(g, &labels, ctx.now)).collect(),
        roles: roles
            .iter()
            .map(|r| RoleView { user: r.user.0, name: labels.user(&r.user.0.to_string()).unwrap_or_default().to_owned(), role: r.role.to_string() })
            .collect(),
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
    let mut stored = Vec::new();
    for id in ids {
        if let Some(g) = state.storage().stored_grant(id).await? {
            stored.push(g);
        }
    }
    let subjects: Vec<&Subject> = stored.iter().map(|g| &g.grant.subject).collect();
    let labels = Labels::load(&state, &subjects).await?;
    let out = stored.iter().map(|g| grant_view(g, &labels, ctx.now)).collect();
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

/// `PATCH /api/portfolios/{p}/access/{grant}` body: what to change; absent fields stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditAccess {
    /// New level.
    pub level: Option<String>,
    /// May pass access on.
    pub may_share: Option<bool>,
    /// Sees only own and owner's feedback.
    pub hide_feedback: Option<bool>,
    /// Start (ms); `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub start: Option<Option<i64>>,
    /// Automatic revocation date (ms); `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub end: Option<Option<i64>>,
}

/// A field that is present (even as `null`) is `Some`; an absent one stays `None` (by `default`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `PATCH /api/portfolios/{p}/access/{grant}`: edits one grant (the engine's `may_edit_grant`).
#[utoipa::path(patch, path = "/api/portfolios/{p}/access/{grant}", tag = "sharing", params(("p" = String, Path, description = "portfolio id"), ("grant" = u64, Path, description = "grant id")), request_body = EditAccess, responses((status = 200, body = GrantView), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn edit(State(state): State<AppState>, caller: Caller, Path((p, id)): Path<(String, u64)>, ApiJson(body): ApiJson<EditAccess>) -> Result<Json<GrantView>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let stored = state.storage().stored_grant(GrantId(id)).await?.filter(|g| g.portfolio == ctx.portfolio.id).ok_or_else(ApiError::not_found)?;
    ctx.require_manage(&caller, &stored.grant.node)?;
    let old = stored.grant.clone();
    let mut new = old.clone();
    if let Some(level) = body.level.as_deref() {
        new.level = level.parse().map_err(|e: folio_core::access::ParseLevelError| ApiError::invalid("level", e.to_string()))?;
    }
    if let Some(v) = body.may_share {
        new.may_share = v;
    }
    if let Some(v) = body.hide_feedback {
        new.hide_feedback = v;
    }
    if let Some(start) = body.start {
        new.start = start.map(Timestamp);
    }
    if let Some(end) = body.end {
        new.end = end.map(Timestamp);
    }
    if let (Some(s), Some(e)) = (new.start, new.end)
        && e <= s
    {
        return Err(ApiError::invalid("end", "the end must be after the start"));
    }
    let owner_of = match stored.source {
        GrantSource::Direct | GrantSource::OrganisationRule => None,
        GrantSource::Invitation | GrantSource::OneTime => Some("its invitation"),
        GrantSource::ShareLink => Some("its share link"),
        GrantSource::Token => Some("its API token"),
    };
    if let Some(place) = owner_of {
        return Err(ApiError::new(StatusCode::CONFLICT, "managed_elsewhere", format!("this grant belongs to {place}; change it there")));
    }
    if !ctx.policy.read(|e| e.may_edit_grant(&caller.principal, &old, &new, ctx.now)) {
        return Err(forbidden(&format!("give {} access to `{}`", new.level, new.node)));
    }
    state.storage().update_grant(&new).await?;
    ctx.grants_changed(&state).await?;
    let stored = StoredGrant { grant: new, ..stored };
    let labels = Labels::load(&state, &[&stored.grant.subject]).await?;
    Ok(Json(grant_view(&stored, &labels, ctx.now)))
}

/// What the caller would give up by leaving, if the engine lets them; else
/// the refusal (403 `forbidden`, 409 `owner_cannot_leave` or `nothing_to_leave`).
pub async fn plan_departure(state: &AppState, ctx: &PortfolioCtx, caller: &Caller, me: &User) -> Result<Departure, ApiError> {
    if me.id == ctx.portfolio.owner {
        return Err(ApiError::new(StatusCode::CONFLICT, "owner_cannot_leave", "the owner always keeps their portfolio"));
    }
    let key = me.id.0.to_string();
    let mine: Vec<StoredGrant> = state
        .storage()
        .portfolio_grants(&ctx.portfolio.id)
        .await?
        .into_iter()
        .filter(|g| matches!(&g.grant.subject, Subject::User { id } if id.as_str() == key))
        .collect();
    for g in &mine {
        if !ctx.policy.read(|e| e.may_revoke(&caller.principal, &g.grant, ctx.now)) {
            return Err(forbidden("remove this access"));
        }
    }
    let mut roles: Vec<RoleName> = state.storage().portfolio_roles(&ctx.portfolio.id).await?.into_iter().filter(|r| r.user == me.id).map(|r| r.role).collect();
    let link_roles: Vec<RoleName> = state.storage().link_roles_of_user(me.id).await?.into_iter().filter(|(p, _, _)| *p == ctx.portfolio.id).map(|(_, r, _)| r).collect();
    let root = ctx.root();
    for r in roles.iter().chain(link_roles.iter()) {
        let removal = RoleRemoval { member: &key.as_str().into(), portfolio: &root, role: &r.as_str().into() };
        if !ctx.policy.read(|e| e.may_remove_role(&caller.principal, &removal, ctx.now)) {
            return Err(forbidden(&format!("drop the role `{r}`")));
        }
    }
    roles.dedup();
    let invitations: Vec<i64> = state
        .storage()
        .portfolio_invitations(&ctx.portfolio.id)
        .await?
        .into_iter()
        .filter(|inv| inv.user == me.id && inv.revoked_at.is_none())
        .map(|inv| inv.id)
        .collect();
    let departure = Departure {
        portfolio: ctx.portfolio.id.clone(),
        user: me.id,
        grants: mine.iter().map(|g| g.grant.id).collect(),
        roles,
        link_roles: !link_roles.is_empty(),
        invitations,
    };
    if departure.grants.is_empty() && departure.roles.is_empty() && !departure.link_roles && departure.invitations.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "nothing_to_leave",
            "your access comes from an organisation rule, a role or the public, not from you; ask the owner to change it",
        ));
    }
    Ok(departure)
}

/// `DELETE /api/portfolios/{p}/access/me`: the caller removes their own
/// access (grants naming them, their roles, their invitations) and the owner
/// is mailed, in one transaction (see the module docs).
#[utoipa::path(delete, path = "/api/portfolios/{p}/access/me", tag = "sharing", params(("p" = String, Path, description = "portfolio id")), responses((status = 204), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn leave(State(state): State<AppState>, caller: Caller, Path(p): Path<String>) -> Result<StatusCode, ApiError> {
    let me = caller.user()?.clone();
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    let departure = plan_departure(&state, &ctx, &caller, &me).await?;
    let owner = state.storage().user(ctx.portfolio.owner).await?.ok_or_else(|| ApiError::internal(&"the portfolio's owner has no account"))?;
    let lang = state.storage().user_lang(owner.id).await?.and_then(|l| Lang::parse(&l)).unwrap_or_default();
    let notice = Mailer::compose(&owner.email, templates::self_removed(lang, &me.display_name, &ctx.portfolio.title));
    let mail = state.storage().leave_portfolio(&departure, &notice, ctx.now).await?;
    state.mailer().queued(mail, &notice);
    ctx.grants_changed(&state).await?;
    state.policy().principals_changed();
    Ok(StatusCode::NO_CONTENT)
}
