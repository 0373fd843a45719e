//! Moving a page to another collection.
//!
//! A page keeps its node id, its document and the grants attached to it (or
//! below it) when it moves; what it inherits changes: from the moment it
//! hangs under the target collection, grants on the old collection no longer
//! reach it and grants on the target do. That is the meaning of a move, and
//! why it needs both halves of the rights it combines:
//!
//! * **Remove** (`Action::Delete`) on the page where it is now — taking it
//!   out of its collection is deleting it from there;
//! * **Write** (`Action::CreateChild`) on the target collection — putting it
//!   there is creating a child there.
//!
//! And it must make sense: the node is a page, the target a collection of the
//! same portfolio, and not the page's collection already (a no-op is
//! refused, so that a caller learns nothing happened).
//!
//! The browser asks this to offer "Move to…" only where it would be allowed;
//! the server asks it again at its own `now` before it moves anything
//! (`POST /api/portfolios/{p}/pages/{page}/move`).

use super::Engine;
use crate::access::ids::NodeId;
use crate::access::level::Action;
use crate::access::principal::Principal;
use crate::access::tree::NodeKind;
use crate::time::Timestamp;

/// Why a move is refused, in the order it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveRefusal {
    /// The node does not exist (or is not known to this engine).
    UnknownNode,
    /// Only pages move between collections.
    NotAPage,
    /// The target does not exist or is not a collection.
    NotACollection,
    /// The target is in another portfolio.
    OtherPortfolio,
    /// The principal lacks Remove on the page or Write on the target.
    Forbidden,
    /// The page is already in the target collection (asked last: only
    /// someone who may move the page learns that nothing would happen).
    SameCollection,
}

impl MoveRefusal {
    /// A sentence for people.
    pub const fn message(self) -> &'static str {
        match self {
            MoveRefusal::UnknownNode => "there is no such page",
            MoveRefusal::NotAPage => "only pages can be moved to another collection",
            MoveRefusal::NotACollection => "a page can only be moved into a collection of this portfolio",
            MoveRefusal::OtherPortfolio => "a page can only be moved within its own portfolio",
            MoveRefusal::SameCollection => "the page is already in that collection",
            MoveRefusal::Forbidden => {
                "moving a page needs Remove on the page and Write on the collection it goes to"
            }
        }
    }
}

impl Engine {
    /// Whether `principal` may move `node` (a page) into `new_parent` (a
    /// collection of the same portfolio) at `now`; see the module docs.
    pub fn move_check(
        &self,
        principal: &Principal,
        node: &NodeId,
        new_parent: &NodeId,
        now: Timestamp,
    ) -> Result<(), MoveRefusal> {
        let n = self.node(node).ok_or(MoveRefusal::UnknownNode)?;
        if n.kind != NodeKind::Page {
            return Err(MoveRefusal::NotAPage);
        }
        let target = self.node(new_parent).ok_or(MoveRefusal::NotACollection)?;
        if target.kind != NodeKind::Collection {
            return Err(MoveRefusal::NotACollection);
        }
        if self.portfolio_of(node) != self.portfolio_of(new_parent) {
            return Err(MoveRefusal::OtherPortfolio);
        }
        let c = self.checker(principal);
        if !(c.check(Action::Delete, node, now) && c.check(Action::CreateChild, new_parent, now)) {
            return Err(MoveRefusal::Forbidden);
        }
        if n.parent.as_ref() == Some(new_parent) {
            return Err(MoveRefusal::SameCollection);
        }
        Ok(())
    }

    /// [`Engine::move_check`] as a yes or no.
    pub fn may_move(&self, principal: &Principal, node: &NodeId, new_parent: &NodeId, now: Timestamp) -> bool {
        self.move_check(principal, node, new_parent, now).is_ok()
    }
}
