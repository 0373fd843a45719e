//! Who may change access: granting, revoking, removing a role.
//!
//! * Granting needs `manage` on the node, or `may_share` there; either way
//!   never above one's own level *now* (a grantee whose access has expired
//!   has no level, so cannot share). Passing on `may_share` itself needs the
//!   same right one would use.
//! * Revoking another's grant needs `manage` on the grant's node and a level
//!   at least the grant's. A grantee may always revoke a grant naming them
//!   (self-removal); never anyone else's.
//! * Roles: anybody may drop a role they hold; removing someone else's needs
//!   `manage` on the portfolio root. The owner's role can never be removed.
//! * Editing a grant (level, flags, window, condition) is revoking it and
//!   granting its replacement in one step, so it needs `manage` on the node
//!   and a level at least both the old and the new level. It never moves a
//!   grant to another node or subject (that is a different grant), and the
//!   self-removal exception does not apply: nobody raises their own grant.

use super::Engine;
use crate::access::grant::{Grant, Subject};
use crate::access::ids::{NodeId, RoleName, UserId};
use crate::access::level::Level;
use crate::access::principal::Principal;
use crate::time::Timestamp;

/// A request to take a role in a portfolio away from someone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleRemoval<'a> {
    /// The person losing the role.
    pub member: &'a UserId,
    /// The portfolio (root) where they hold it.
    pub portfolio: &'a NodeId,
    /// The role.
    pub role: &'a RoleName,
}

impl Engine {
    /// May `principal` create `grant` at `now`?
    pub fn may_grant(&self, principal: &Principal, grant: &Grant, now: Timestamp) -> bool {
        let a = self.access(principal, &grant.node, now);
        let Some(own) = a.level else { return false };
        (own >= Level::Manage || a.may_share) && grant.level <= own
    }

    /// May `principal` revoke `grant` at `now`? Self-removal is always allowed.
    pub fn may_revoke(&self, principal: &Principal, grant: &Grant, now: Timestamp) -> bool {
        if let (Subject::User { id }, Some(me)) = (&grant.subject, principal.user_id())
            && id == me
            && matches!(principal, Principal::User(_))
        {
            return true;
        }
        self.level(principal, &grant.node, now)
            .is_some_and(|own| own >= Level::Manage && grant.level <= own)
    }

    /// May `principal` replace `old` by `new` (same id, node and subject) at `now`?
    pub fn may_edit_grant(&self, principal: &Principal, old: &Grant, new: &Grant, now: Timestamp) -> bool {
        if old.id != new.id || old.node != new.node || old.subject != new.subject {
            return false;
        }
        self.level(principal, &old.node, now)
            .is_some_and(|own| own >= Level::Manage && old.level <= own && new.level <= own)
    }

    /// May `principal` remove `removal.role` from `removal.member` at `now`?
    pub fn may_remove_role(
        &self,
        principal: &Principal,
        removal: &RoleRemoval<'_>,
        now: Timestamp,
    ) -> bool {
        let Some(root) = self.node(removal.portfolio) else {
            return false;
        };
        if root.parent.is_some() {
            return false;
        }
        if removal.role.is_owner_role() {
            return false;
        }
        let Principal::User(me) = principal else {
            return false;
        };
        if &me.id == removal.member {
            return true;
        }
        self.level(principal, removal.portfolio, now)
            .is_some_and(|l| l >= Level::Manage)
    }
}
