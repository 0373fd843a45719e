//! "Seeing as others see": `GET /api/portfolios/{p}/view-as?…` answers the
//! policy snapshot the engine gives another principal now, so a manager can
//! render exactly what that person, role or link sees (the browser loads it
//! into its `PolicyEngine`) and ask the engine's `explain` why.
//!
//! Exactly one of:
//!
//! | query | principal |
//! |---|---|
//! | `user=7` | that account, resolved like every session (`PolicyHub::principal_for_user`) |
//! | `role=teacher` | someone holding that role in this portfolio and nothing else |
//! | `org=3` (`&org_role=staff`) | a member of that organisation (with that role there) and nothing else |
//! | `link=<id>` | whoever presents that level-4 share link (`Principal::Link`) |
//!
//! ## Decisions
//!
//! - **One code path.** The answer is `Engine::snapshot_for(principal, now)`
//!   on the portfolio's cached engine, the call `/sync` makes for its
//!   `policy` message. Nothing here decides access; this module only picks
//!   the principal.
//! - **Who may ask:** whoever holds Manage on the portfolio (the owner or a
//!   manager), like the access list. Unknown portfolios and portfolios the
//!   caller sees nothing of answer 404; callers who see it but do not manage
//!   it, 403 (the sharing routes' convention). Manage on the portfolio itself,
//!   not only on a part of it: the snapshot shows everything the principal
//!   sees, which may lie outside a part the caller manages.
//! - **Only principals relevant to this portfolio,** so the endpoint cannot
//!   be used to probe other people: a user must own it, hold a role in it, be
//!   named by one of its grants, or see something in it; a role must be named
//!   by a grant, held by someone, or given by a share link here; an
//!   organisation must be named by a grant; a link must belong to it. Anything
//!   else answers 404 naming the field (a well-formed but unknown subject),
//!   malformed values 400.
//! - **A user's principal is narrowed to this portfolio:** only their roles in
//!   this portfolio and their memberships of organisations its grants name.
//!   The engine of one portfolio consults nothing else (roles are per
//!   portfolio; organisations matter only through grants naming them), so every
//!   decision is unchanged, while a manager learns nothing about the person's
//!   other portfolios or memberships.
//! - **Roles and organisations** are viewed through a synthetic user whose id
//!   (`view-as:role:…`, `view-as:org:…`) is not a decimal account id, so no
//!   grant to a person and no ownership can match it: what it sees is what the
//!   role or organisation rule alone gives.
//! - **Links of levels 0–3** are not principals: opening them signs someone in
//!   or gives a role. Asking for one answers 400 naming the role to view as.
//! - `now` is the server clock's; the snapshot's `valid_until` says how long
//!   the browser may evaluate it at later instants.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use folio_core::access::{
    Engine, LinkId, OrgMembership, PolicySnapshot, Principal, RoleMembership, Subject, UserPrincipal,
};
use serde::Deserialize;

use crate::error::ApiError;
use crate::sharing::caller::{Caller, principal_for};
use crate::sharing::context::PortfolioCtx;
use crate::state::AppState;
use crate::storage::{RoleName, UserId};

/// `GET /api/portfolios/{p}/view-as` query: exactly one of `user`, `role`,
/// `org` (optionally with `org_role`) or `link`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ViewAsQuery {
    /// An account id.
    pub user: Option<String>,
    /// A role in this portfolio.
    pub role: Option<String>,
    /// An organisation id.
    pub org: Option<String>,
    /// With `org`: a role in that organisation.
    pub org_role: Option<String>,
    /// A share link id (level 4).
    pub link: Option<String>,
}

/// Whom to view as, parsed but not yet checked against the portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    User(i64),
    Role(RoleName),
    Org(i64, Option<RoleName>),
    Link(String),
}

fn parse_target(q: &ViewAsQuery) -> Result<Target, ApiError> {
    let named = [q.user.is_some(), q.role.is_some(), q.org.is_some(), q.link.is_some()];
    if named.iter().filter(|b| **b).count() != 1 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "name exactly one of `user`, `role`, `org` (with `org_role` if you like) or `link`",
        ));
    }
    if q.org_role.is_some() && q.org.is_none() {
        return Err(ApiError::invalid("org_role", "`org_role` narrows an organisation: give `org` too"));
    }
    let role = |field: &'static str, raw: &str| {
        RoleName::parse(raw).map_err(|_| ApiError::invalid(field, format!("`{raw}` is not a role name: use 1 to 40 of a-z, 0-9, - and _")))
    };
    let number = |field: &'static str, raw: &str, what: &str| {
        raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| ApiError::invalid(field, format!("`{raw}` is not {what}: use its number")))
    };
    if let Some(u) = &q.user {
        return Ok(Target::User(number("user", u, "an account id")?));
    }
    if let Some(r) = &q.role {
        return Ok(Target::Role(role("role", r)?));
    }
    if let Some(o) = &q.org {
        let org = number("org", o, "an organisation id")?;
        let r = q.org_role.as_deref().map(|r| role("org_role", r)).transpose()?;
        return Ok(Target::Org(org, r));
    }
    let link = q.link.as_deref().unwrap_or_default();
    if link.is_empty() || link.len() > 100 || !link.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')) {
        return Err(ApiError::invalid("link", format!("`{link}` is not a link id")));
    }
    Ok(Target::Link(link.to_owned()))
}

fn unknown(field: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", message).with_field(field)
}

/// A person's principal narrowed to what this portfolio's engine consults
/// (see the module documentation).
fn narrowed(principal: Principal, ctx: &PortfolioCtx, engine: &Engine) -> Principal {
    let Principal::User(u) = principal else { return principal };
    let here = ctx.root();
    let roles: Vec<RoleMembership> = u.roles.into_iter().filter(|r| r.portfolio == here).collect();
    let grants = engine.grants();
    let orgs: Vec<OrgMembership> = u
        .orgs
        .into_iter()
        .filter(|m| grants.iter().any(|g| matches!(&g.subject, Subject::Org { org, .. } if *org == m.org)))
        .collect();
    Principal::User(UserPrincipal { id: u.id, roles, orgs })
}

async fn principal_of(state: &AppState, ctx: &PortfolioCtx, target: Target) -> Result<Principal, ApiError> {
    let here = ctx.root();
    match target {
        Target::User(id) => {
            let user = UserId(id);
            let nobody = || unknown("user", format!("nobody with the account id `{id}` has or had access to this portfolio"));
            if state.storage().user(user).await?.is_none() {
                return Err(nobody());
            }
            let full = principal_for(state, user).await?;
            let key = id.to_string();
            let (principal, relevant) = ctx.policy.read(|e| {
                let p = narrowed(full, ctx, e);
                let named = e.grants().iter().any(|g| matches!(&g.subject, Subject::User { id } if id.as_str() == key));
                let holds_role = matches!(&p, Principal::User(u) if !u.roles.is_empty());
                let sees = !e.visible(&p, ctx.now).is_empty();
                (p, user == ctx.portfolio.owner || named || holds_role || sees)
            });
            if relevant { Ok(principal) } else { Err(nobody()) }
        }
        Target::Role(role) => {
            let named = ctx.policy.read(|e| e.grants().iter().any(|g| matches!(&g.subject, Subject::Role { role: r } if r.as_str() == role.as_str())));
            let held = state.storage().portfolio_roles(&ctx.portfolio.id).await?.iter().any(|r| r.role == role);
            let by_link = state.storage().portfolio_links(&ctx.portfolio.id).await?.iter().any(|l| l.recipient_role == role);
            if !(named || held || by_link) {
                return Err(unknown("role", format!("no grant, person or link here uses the role `{role}`")));
            }
            Ok(Principal::User(UserPrincipal {
                id: format!("view-as:role:{role}").into(),
                roles: vec![RoleMembership { portfolio: here, role: role.as_str().into(), until: None }],
                orgs: Vec::new(),
            }))
        }
        Target::Org(org, role) => {
            let key = org.to_string();
            let named = ctx.policy.read(|e| e.grants().iter().any(|g| matches!(&g.subject, Subject::Org { org: o, .. } if o.as_str() == key)));
            if !named {
                return Err(unknown("org", format!("no grant here names the organisation `{org}`")));
            }
            let suffix = role.as_ref().map_or_else(String::new, |r| format!(":{r}"));
            Ok(Principal::User(UserPrincipal {
                id: format!("view-as:org:{org}{suffix}").into(),
                roles: Vec::new(),
                orgs: vec![OrgMembership { org: key.into(), role: role.map(|r| r.as_str().into()) }],
            }))
        }
        Target::Link(raw) => {
            let id = LinkId::new(raw.as_str());
            let link = state
                .storage()
                .link(&id)
                .await?
                .filter(|l| l.portfolio == ctx.portfolio.id)
                .ok_or_else(|| unknown("link", format!("this portfolio has no share link `{raw}`")))?;
            if link.level != 4 {
                return Err(ApiError::invalid(
                    "link",
                    format!(
                        "a level-{} link is not a visitor of its own: opening it gives the role `{}`; view as that role instead",
                        link.level, link.recipient_role
                    ),
                ));
            }
            Ok(Principal::Link { id })
        }
    }
}

/// `GET /api/portfolios/{p}/view-as?user=…|role=…|org=…[&org_role=…]|link=…`:
/// the policy snapshot the engine gives that principal now (Manage).
#[utoipa::path(get, path = "/api/portfolios/{p}/view-as", tag = "sharing", security(("session" = []), ("bearer" = [])),
    params(("p" = String, Path, description = "portfolio id"), ViewAsQuery),
    responses((status = 200, description = "the policy snapshot (`{ revision, principal, issued_at, valid_until, nodes, grants }`) exactly as `/sync` would send it to that principal now", body = serde_json::Value),
        (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody),
        (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn view_as(
    State(state): State<AppState>,
    caller: Caller,
    Path(p): Path<String>,
    query: Result<Query<ViewAsQuery>, QueryRejection>,
) -> Result<Json<PolicySnapshot>, ApiError> {
    let ctx = PortfolioCtx::load(&state, &caller, &p).await?;
    ctx.require_manage(&caller, &ctx.root())?;
    let Query(q) = query.map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", format!("{}; name exactly one of `user`, `role`, `org` (with `org_role`) or `link`", e.body_text()))
    })?;
    let target = parse_target(&q)?;
    let principal = principal_of(&state, &ctx, target).await?;
    Ok(Json(ctx.policy.read(|e| e.snapshot_for(&principal, ctx.now))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> ViewAsQuery {
        let mut q = ViewAsQuery::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "user" => q.user = v,
                "role" => q.role = v,
                "org" => q.org = v,
                "org_role" => q.org_role = v,
                "link" => q.link = v,
                _ => unreachable!(),
            }
        }
        q
    }

    #[test]
    fn exactly_one_subject_is_named() {
        assert_eq!(parse_target(&q(&[("user", "7")])).unwrap(), Target::User(7));
        assert_eq!(parse_target(&q(&[("role", "teacher")])).unwrap(), Target::Role(RoleName::parse("teacher").unwrap()));
        assert_eq!(
            parse_target(&q(&[("org", "3"), ("org_role", "staff")])).unwrap(),
            Target::Org(3, Some(RoleName::parse("staff").unwrap()))
        );
        assert_eq!(parse_target(&q(&[("link", "lk_abc")])).unwrap(), Target::Link("lk_abc".into()));
        for bad in [q(&[]), q(&[("user", "7"), ("role", "teacher")])] {
            assert_eq!(parse_target(&bad).unwrap_err().status, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn malformed_values_name_their_field() {
        for (pairs, field) in [
            (vec![("user", "seven")], "user"),
            (vec![("user", "-1")], "user"),
            (vec![("role", "Teacher!")], "role"),
            (vec![("org", "x")], "org"),
            (vec![("org", "3"), ("org_role", "")], "org_role"),
            (vec![("role", "peer"), ("org_role", "staff")], "org_role"),
            (vec![("link", "a/b")], "link"),
        ] {
            let e = parse_target(&q(&pairs)).unwrap_err();
            assert_eq!((e.status, e.field), (StatusCode::BAD_REQUEST, Some(field)), "{pairs:?}");
        }
    }
}
