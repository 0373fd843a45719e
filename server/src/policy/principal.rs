//! Who is asking: principals from accounts, and the token hook.

use std::fmt::Debug;

use folio_core::access::{OrgId, OrgMembership, Principal, RoleMembership, UserPrincipal};
use folio_core::time::Timestamp;
use futures::future::BoxFuture;

use super::PolicyError;
use crate::storage::{Storage, UserId};

/// Turns the bearer secret of a share link or an API token (the `?token=` of
/// `/sync`, or an `Authorization: Bearer` header) into a principal.
///
/// The sharing code implements this over its link and token stores (which
/// keep only hashes) and installs it with
/// [`PolicyHub::set_token_resolver`](super::PolicyHub::set_token_resolver).
/// Until one is installed, every token is refused.
pub trait TokenResolver: Debug + Send + Sync + 'static {
    /// The principal presenting `token` at `now`, or `None` if the token is
    /// unknown, revoked or expired (the caller answers all three alike).
    fn resolve<'a>(&'a self, token: &'a str, now: Timestamp) -> BoxFuture<'a, Option<Principal>>;
}

/// The principal of a signed-in account: its id as the engine's user id
/// (the decimal row id, so grants name users as `"7"`), its roles in every
/// portfolio (portfolio node id = portfolio id) — both the roles given
/// directly and the timed roles a level-2 or level-3 share link gave it, which
/// end with the link — and its organisation memberships (organisation id as
/// decimal text, role in it).
pub async fn principal_for_user(storage: &dyn Storage, user: UserId) -> Result<Principal, PolicyError> {
    let mut roles: Vec<RoleMembership> = storage
        .roles_of_user(user)
        .await?
        .into_iter()
        .map(|r| RoleMembership {
            portfolio: r.portfolio.as_str().into(),
            role: r.role.as_str().into(),
            until: None,
        })
        .collect();
    for (portfolio, role, until) in storage.link_roles_of_user(user).await? {
        roles.push(RoleMembership { portfolio: portfolio.as_str().into(), role: role.as_str().into(), until });
    }
    let orgs = storage
        .user_memberships(user)
        .await?
        .into_iter()
        .map(|m| OrgMembership {
            org: OrgId::new(m.org.0.to_string()),
            role: Some(m.role.as_str().into()),
        })
        .collect();
    Ok(Principal::User(UserPrincipal {
        id: user.0.to_string().into(),
        roles,
        orgs,
    }))
}
