//! Who sees which feedback: the `hide_feedback` rule (as in Portflow).
//!
//! Feedback lives in threads anchored to a node; each entry has an author, and
//! each thread was started by someone. A viewer whose access carries
//! `hide_feedback` sees only
//!
//! * entries they wrote themself, and
//! * entries the owner wrote — **except** the owner's replies in threads started
//!   by someone else (neither the viewer nor the owner): answering another
//!   person's feedback would reveal it.
//!
//! Everyone else who may read the node sees every entry. The owner always sees
//! everything.
//!
//! ```
//! use folio_core::access::feedback::{feedback_visible, FeedbackEntry};
//! use folio_core::access::UserId;
//! let (viewer, owner, other) = (UserId::from("vera"), UserId::from("olga"), UserId::from("tom"));
//! let owner_reply_to_tom = FeedbackEntry { author: owner.clone(), thread_starter: other.clone() };
//! assert!(feedback_visible(Some(&viewer), &owner, &owner_reply_to_tom, false));
//! assert!(!feedback_visible(Some(&viewer), &owner, &owner_reply_to_tom, true));
//! ```

use serde::{Deserialize, Serialize};

use super::engine::Engine;
use super::ids::{NodeId, UserId};
use super::level::Action;
use super::principal::Principal;
use super::token::{Category, Relation, ScopeOp};
use crate::time::Timestamp;

/// One feedback entry, as far as visibility is concerned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackEntry {
    /// Who wrote the entry.
    pub author: UserId,
    /// Who started the thread the entry belongs to.
    pub thread_starter: UserId,
}

/// The rule on its own: may `viewer` (`None` for links, anonymous visitors and
/// tokens without an account) see `entry` in `owner`'s portfolio, given whether
/// their access carries `hide_feedback`?
pub fn feedback_visible(
    viewer: Option<&UserId>,
    owner: &UserId,
    entry: &FeedbackEntry,
    hide_feedback: bool,
) -> bool {
    if !hide_feedback || viewer == Some(owner) {
        return true;
    }
    let by_viewer = viewer == Some(&entry.author);
    let by_owner = entry.author == *owner;
    let thread_of_viewer_or_owner =
        viewer == Some(&entry.thread_starter) || entry.thread_starter == *owner;
    by_viewer || (by_owner && thread_of_viewer_or_owner)
}

impl Engine {
    /// May `principal` see a feedback `entry` in a thread anchored to `node` at `now`?
    ///
    /// They must be able to read the node, and the `hide_feedback` rule applies
    /// if their access there carries it. A token also needs a `feedback` view
    /// scope reaching the node.
    pub fn feedback_visible(
        &self,
        principal: &Principal,
        node: &NodeId,
        entry: &FeedbackEntry,
        now: Timestamp,
    ) -> bool {
        let access = self.access(principal, node, now);
        let Some(owner) = self
            .portfolio_of(node)
            .and_then(|p| self.node(p))
            .and_then(|p| p.owner.clone())
        else {
            return false;
        };
        if !access.permits(
            Action::Read,
            self.node(node).map_or(super::NodeKind::Page, |n| n.kind),
        ) {
            return false;
        }
        if let Principal::Token(t) = principal {
            let relation = match t.user.as_ref() {
                Some(u) if u.id == owner => Relation::Own,
                Some(u) if self.level(&Principal::User(u.clone()), node, now).is_some() => {
                    Relation::Related
                }
                _ => Relation::Other,
            };
            if !t
                .scopes
                .allows(Category::Feedback, ScopeOp::View, relation, now)
            {
                return false;
            }
        }
        feedback_visible(principal.user_id(), &owner, entry, access.hide_feedback)
    }
}
