//! `GET /api/me/shares`: the portfolios shared with the signed-in person, for
//! the dashboard: my level and roles, who shared it, until when, and whether
//! I may remove my own access.
//!
//! Decisions:
//! * Candidates are the portfolios where a grant names me, my organisation
//!   (with or without my role there) or the public, where I hold a portfolio
//!   role, a timed link role or an invitation; listed are those of which the
//!   engine lets me see something now, not my own.
//! * *Level* is my highest level on any node I can see (the engine's
//!   `level`); *roles* are my portfolio roles, link roles and invitation role.
//! * *Shared by* is whoever created the newest grant concerning me (the
//!   engine's `concerns`), or my invitation's sender; the owner when neither
//!   is known (roles given by an administrator, say).
//! * *Until* is when the last grant that concerns me and is in force or
//!   still to start ends, a role grant ending no later than the timed role it
//!   needs; `null` when something has no end. It is informative: the engine
//!   still decides every request at its own `now`.
//! * *May leave* is the same plan [`super::access::leave`] carries out.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use folio_core::access::{Principal, Subject, Timing, concerns};
use folio_core::time::Timestamp;
use serde::Serialize;

use super::access::plan_departure;
use super::caller::Caller;
use super::context::PortfolioCtx;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{DocumentId, UserId};

/// A person, by id and name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    /// Account id.
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// One portfolio shared with me.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SharedPortfolio {
    /// Portfolio id.
    pub portfolio: String,
    /// Its title.
    pub title: String,
    /// My highest level on anything I can see in it.
    pub level: Option<String>,
    /// My roles there.
    pub roles: Vec<String>,
    /// Its owner.
    pub owner: PersonRef,
    /// Who shared it with me.
    pub shared_by: PersonRef,
    /// When my access ends (ms); `null`: no end.
    #[schema(value_type = Option<i64>)]
    pub until: Option<Timestamp>,
    /// Whether `DELETE /api/portfolios/{p}/access/me` would succeed.
    pub may_leave: bool,
}

fn subject_keys(p: &Principal) -> Vec<String> {
    let json = |s: &Subject| serde_json::to_string(s).expect("a subject serialises");
    let mut out = vec![json(&Subject::Public)];
    if let Principal::User(u) = p {
        out.push(json(&Subject::user(u.id.as_str())));
        for m in &u.orgs {
            out.push(json(&Subject::org(m.org.as_str())));
            out.push(json(&Subject::Org { org: m.org.clone(), role: m.role.clone() }));
        }
    }
    out
}

async fn person(state: &AppState, id: UserId) -> Result<PersonRef, ApiError> {
    let name = state.storage().user(id).await?.map(|u| u.display_name).unwrap_or_default();
    Ok(PersonRef { id: id.0, name })
}

/// `GET /api/me/shares`.
#[utoipa::path(get, path = "/api/me/shares", tag = "sharing", responses((status = 200, body = [SharedPortfolio]), (status = 401, body = crate::openapi::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<SharedPortfolio>>, ApiError> {
    let me = caller.user()?.clone();
    let storage = state.storage();
    let mut ids: BTreeSet<DocumentId> = storage.portfolios_with_subjects(&subject_keys(&caller.principal)).await?.into_iter().collect();
    ids.extend(storage.roles_of_user(me.id).await?.into_iter().map(|r| r.portfolio));
    ids.extend(storage.link_roles_of_user(me.id).await?.into_iter().map(|(p, _, _)| p));
    let mut out = Vec::new();
    for id in ids {
        let ctx = match PortfolioCtx::load(&state, &caller, id.as_str()).await {
            Ok(ctx) => ctx,
            Err(e) if e.code == "not_found" => continue,
            Err(e) => return Err(e),
        };
        if ctx.portfolio.owner == me.id {
            continue;
        }
        out.push(describe(&state, &ctx, &caller, &me).await?);
    }
    Ok(Json(out))
}

async fn describe(state: &AppState, ctx: &PortfolioCtx, caller: &Caller, me: &crate::storage::User) -> Result<SharedPortfolio, ApiError> {
    let p = &caller.principal;
    let now = ctx.now;
    let root = ctx.root();
    let level = ctx.policy.read(|e| e.visible(p, now).iter().filter_map(|n| e.level(p, n, now)).max());
    let held: Vec<(String, Option<Timestamp>)> = match p {
        Principal::User(u) => u.roles.iter().filter(|r| r.portfolio == root && r.held_at(now)).map(|r| (r.role.to_string(), r.until)).collect(),
        _ => Vec::new(),
    };
    let invitations: Vec<_> = state.storage().portfolio_invitations(&ctx.portfolio.id).await?.into_iter().filter(|i| i.user == me.id && i.revoked_at.is_none()).collect();
    let mut roles: BTreeSet<String> = held.iter().map(|(r, _)| r.clone()).collect();
    roles.extend(invitations.iter().map(|i| i.role.to_string()));

    let grants: Vec<_> = state.storage().portfolio_grants(&ctx.portfolio.id).await?.into_iter().filter(|g| concerns(p, &g.grant.subject, &root)).collect();
    let mut until: Option<Timestamp> = None;
    let mut endless = false;
    for g in grants.iter().filter(|g| !matches!(g.grant.timing(now), Timing::Ended(_))) {
        let role_end = match &g.grant.subject {
            Subject::Role { role } => held.iter().filter(|(r, _)| r == role.as_str()).map(|(_, u)| *u).max_by_key(|u| u.map_or(i64::MAX, Timestamp::millis)).flatten(),
            _ => None,
        };
        let end = match (g.grant.end, role_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match end {
            None => endless = true,
            Some(t) => until = Some(until.map_or(t, |u| u.max(t))),
        }
    }
    let shared_by = match grants.iter().filter_map(|g| g.created_by.map(|by| (g.created_at, by))).max() {
        Some((_, by)) => by,
        None => invitations.first().map_or(ctx.portfolio.owner, |i| i.created_by),
    };
    let may_leave = match plan_departure(state, ctx, caller, me).await {
        Ok(_) => true,
        Err(e) if ["forbidden", "owner_cannot_leave", "nothing_to_leave"].contains(&e.code) => false,
        Err(e) => return Err(e),
    };
    Ok(SharedPortfolio {
        portfolio: ctx.portfolio.id.to_string(),
        title: ctx.portfolio.title.clone(),
        level: level.map(|l| l.to_string()),
        roles: roles.into_iter().collect(),
        owner: person(state, ctx.portfolio.owner).await?,
        shared_by: person(state, shared_by).await?,
        until: if endless { None } else { until },
        may_leave,
    })
}
