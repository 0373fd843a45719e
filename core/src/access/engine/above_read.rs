//! Whether a principal may do more than read anywhere in a subtree.
//!
//! The server syncs a document read-only (automerge's read-only sync state:
//! the peer is told not to send changes) when its reader can change nothing
//! in it, and read-write otherwise (the guard then judges every change).
//! That needs "does this principal hold more than Read on this node or on
//! any node below it, at `now`?" — answered here from the subject index,
//! without building a [`PolicySnapshot`](crate::access::PolicySnapshot):
//!
//! 1. the node's own effective level (its own and its ancestors' grants, the
//!    owner, a token's scopes) — the common case, one ancestor walk;
//! 2. otherwise, for people, links and the public, more than Read somewhere
//!    below can only come from a grant attached below the node: the
//!    principal's grants (subject index) above Read, in force at `now`,
//!    whose condition holds where they are attached;
//! 3. a token's scopes depend on its account's access node by node
//!    (`related` caps the account's own level), so for tokens the subtree is
//!    walked node by node — tokens are rare and their subtrees small.
//!
//! The reference ([`World::holds_above_read`](crate::access::World::holds_above_read))
//! states the meaning plainly: some node of the subtree has an effective
//! level above Read. The property tests hold this to it.

use super::eval::Kind;
use super::{Engine, NONE};
use crate::access::ids::NodeId;
use crate::access::level::Level;
use crate::access::principal::Principal;
use crate::time::Timestamp;

impl Engine {
    /// Whether `principal` has more than Read on `within` or on any node
    /// below it at `now`. Unknown nodes: `false`.
    ///
    /// ```
    /// use folio_core::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
    /// use folio_core::time::Timestamp;
    /// let mut e = Engine::new();
    /// e.add_node(Node::portfolio("p", "olga")).unwrap();
    /// e.add_node(Node::child("c", NodeKind::Collection, "p")).unwrap();
    /// e.add_node(Node::child("pg", NodeKind::Page, "c")).unwrap();
    /// e.add_node(Node::child("s", NodeKind::Section, "pg")).unwrap();
    /// e.add_grant(Grant::new(1, "pg", Subject::user("rita"), Level::Read)).unwrap();
    /// e.add_grant(Grant::new(2, "s", Subject::user("rita"), Level::Write)).unwrap();
    /// let rita = Principal::user("rita");
    /// assert_eq!(e.level(&rita, &"pg".into(), Timestamp(0)), Some(Level::Read));
    /// assert!(e.holds_above_read(&rita, &"pg".into(), Timestamp(0))); // section `s`
    /// assert!(!e.holds_above_read(&Principal::user("bram"), &"p".into(), Timestamp(0)));
    /// ```
    pub fn holds_above_read(&self, principal: &Principal, within: &NodeId, now: Timestamp) -> bool {
        let Some(&w) = self.by_id.get(within) else {
            return false;
        };
        let r = self.resolve(principal);
        let above = |i: u32| self.access_slot(&r, i, now).level > Some(Level::Read);
        if above(w) {
            return true;
        }
        if r.kind == Kind::Token {
            let mut stack: Vec<u32> = self.slots[w as usize].children.clone();
            while let Some(i) = stack.pop() {
                if above(i) {
                    return true;
                }
                stack.extend(self.slots[i as usize].children.iter().copied());
            }
            return false;
        }
        self.concerning(&r).into_iter().any(|g| {
            let gs = self.grant_slot(g);
            let grant = &gs.grant;
            let at = &self.slots[gs.node as usize].node;
            grant.level > Level::Read
                && gs.node != w
                && grant.in_window(now)
                && self.is_below(gs.node, w)
                && r.matches(gs.key, self.root_of(gs.node), Some(now))
                && grant.condition.as_ref().is_none_or(|c| c.holds(at.kind, &at.state))
        })
    }

    /// Whether slot `i` is `ancestor` or lies below it.
    fn is_below(&self, mut i: u32, ancestor: u32) -> bool {
        while i != NONE {
            if i == ancestor {
                return true;
            }
            i = self.slots[i as usize].parent;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
    use crate::time::Timestamp;

    fn engine() -> Engine {
        let mut e = Engine::new();
        e.add_node(Node::portfolio("p", "olga")).unwrap();
        e.add_node(Node::child("c1", NodeKind::Collection, "p")).unwrap();
        e.add_node(Node::child("c2", NodeKind::Collection, "p")).unwrap();
        e.add_node(Node::child("pg", NodeKind::Page, "c1")).unwrap();
        e.add_node(Node::child("s", NodeKind::Section, "pg")).unwrap();
        e
    }

    #[test]
    fn the_owner_and_a_writer_on_the_node_hold_more_than_read() {
        let mut e = engine();
        e.add_grant(Grant::new(1, "c1", Subject::user("wim"), Level::Comment)).unwrap();
        assert!(e.holds_above_read(&Principal::user("olga"), &"s".into(), Timestamp(0)));
        assert!(e.holds_above_read(&Principal::user("wim"), &"pg".into(), Timestamp(0)));
        assert!(!e.holds_above_read(&Principal::user("wim"), &"c2".into(), Timestamp(0)));
    }

    #[test]
    fn a_grant_below_counts_only_inside_its_window_and_a_reader_alone_holds_nothing_more() {
        let mut e = engine();
        e.add_grant(Grant::new(1, "p", Subject::user("rea"), Level::Read)).unwrap();
        e.add_grant(Grant::new(2, "s", Subject::user("rea"), Level::Write).between(Some(Timestamp(10)), Some(Timestamp(20))))
            .unwrap();
        let rea = Principal::user("rea");
        assert!(!e.holds_above_read(&rea, &"p".into(), Timestamp(5)));
        assert!(e.holds_above_read(&rea, &"p".into(), Timestamp(10)));
        assert!(e.holds_above_read(&rea, &"c1".into(), Timestamp(19)));
        assert!(!e.holds_above_read(&rea, &"c2".into(), Timestamp(15)), "the grant is not below c2");
        assert!(!e.holds_above_read(&rea, &"p".into(), Timestamp(20)));
    }

    #[test]
    fn unknown_nodes_and_strangers_hold_nothing() {
        let e = engine();
        assert!(!e.holds_above_read(&Principal::user("olga"), &"nope".into(), Timestamp(0)));
        assert!(!e.holds_above_read(&Principal::Anonymous, &"p".into(), Timestamp(0)));
    }
}
