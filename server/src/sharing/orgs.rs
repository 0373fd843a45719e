//! Organisations, for "add people by organisation and role".
//!
//! * `GET /api/orgs`: the organisations the caller may pick people from,
//!   each with the roles its members hold and the caller's own roles there.
//! * `GET /api/orgs/{org}/members?role=…`: the people holding a role there.
//!
//! Decision (who may list): administrators see every organisation; a member
//! of the institution sees the organisations they belong to (any role), and
//! nothing else. Membership lists are personal data, and one needs no more
//! than one's own organisations to share a portfolio with colleagues. An
//! organisation the caller does not belong to answers 404 exactly like one
//! that does not exist, so nobody learns which organisations exist by
//! probing. Externals and service accounts (who have no institution role)
//! get 403 on both routes.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use super::context::forbidden;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{OrgId, User, UserKind};

/// One organisation the caller may pick people from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    /// Organisation id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The roles its members hold, sorted.
    pub roles: Vec<String>,
    /// The caller's own roles there (empty for an administrator who is not a member).
    pub my_roles: Vec<String>,
}

fn member_or_admin(caller: &Caller) -> Result<&User, ApiError> {
    let me = caller.user()?;
    if me.kind != UserKind::Member {
        return Err(forbidden("list organisations"));
    }
    Ok(me)
}

/// Whether `me` may see `org`: administrators always, members of it too.
async fn may_see(state: &AppState, me: &User, org: OrgId) -> Result<bool, ApiError> {
    if me.is_admin {
        return Ok(true);
    }
    Ok(state.storage().user_memberships(me.id).await?.iter().any(|m| m.org == org))
}

/// `GET /api/orgs`.
#[utoipa::path(get, path = "/api/orgs", tag = "sharing", responses((status = 200, body = [OrgView]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<OrgView>>, ApiError> {
    let me = member_or_admin(&caller)?;
    let mine = state.storage().user_memberships(me.id).await?;
    let mut out = Vec::new();
    for org in state.storage().list_orgs().await? {
        let my_roles: Vec<String> = mine.iter().filter(|m| m.org == org.id).map(|m| m.role.to_string()).collect();
        if !me.is_admin && my_roles.is_empty() {
            continue;
        }
        let roles: BTreeSet<String> = state.storage().org_members(org.id).await?.into_iter().map(|m| m.role.to_string()).collect();
        out.push(OrgView { id: org.id.0, name: org.name, roles: roles.into_iter().collect(), my_roles });
    }
    Ok(Json(out))
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
/// organisation, to add them to a portfolio (administrators and members of
/// that organisation only; see the module docs).
#[utoipa::path(get, path = "/api/orgs/{org}/members", tag = "sharing", params(("org" = i64, Path, description = "organisation id"), MembersQuery), responses((status = 200, body = [Person]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn members(State(state): State<AppState>, caller: Caller, Path(org): Path<i64>, Query(q): Query<MembersQuery>) -> Result<Json<Vec<Person>>, ApiError> {
    let me = member_or_admin(&caller)?;
    let org = OrgId(org);
    if !may_see(&state, me, org).await? {
        return Err(ApiError::not_found());
    }
    let members = state.storage().org_members(org).await?;
    if members.is_empty() && !state.storage().list_orgs().await?.iter().any(|o| o.id == org) {
        return Err(ApiError::not_found());
    }
    let mut out = Vec::new();
    for m in members {
        if q.role.as_deref().is_some_and(|r| r != m.role.as_str()) {
            continue;
        }
        if let Some(u) = state.storage().user(m.user).await? {
            out.push(Person { id: u.id.0, display_name: u.display_name, role: m.role.to_string() });
        }
    }
    Ok(Json(out))
}
