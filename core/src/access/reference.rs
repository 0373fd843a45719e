//! The reference evaluator: slow, obviously correct, no index, no caching.
//!
//! It answers from a plain [`World`] (a list of nodes and a list of grants) by
//! walking ancestors with linear searches and scanning every grant. The
//! property tests hold [`super::Engine`] to exactly these answers; if they ever
//! differ, this file is the one to believe.

use serde::{Deserialize, Serialize};

use super::grant::Grant;
use super::ids::NodeId;
use super::level::Action;
use super::principal::Principal;
use super::rules::{Acc, Access, concerns, principal_matches};
use super::token::Relation;
use super::tree::Node;
use crate::time::Timestamp;

/// Nodes and grants as plain lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// Every node.
    pub nodes: Vec<Node>,
    /// Every grant.
    pub grants: Vec<Grant>,
}

impl World {
    fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == *id)
    }

    /// The node and its ancestors, nearest first.
    fn path(&self, id: &NodeId) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut cur = self.node(id);
        while let Some(n) = cur {
            out.push(n);
            cur = n.parent.as_ref().and_then(|p| self.node(p));
        }
        out
    }

    /// Level and flags of `p` on `node` at `now`.
    pub fn access(&self, p: &Principal, node: &NodeId, now: Timestamp) -> Access {
        let path = self.path(node);
        let Some(root) = path.last() else {
            return Access::NONE;
        };
        match p {
            Principal::Token(t) => {
                if t.scopes.expired(now) {
                    return Access::NONE;
                }
                let mut acc = Acc::default();
                for g in self.in_force(&path, now) {
                    if principal_matches(p, &g.subject, &root.id, Some(now)) {
                        acc.add(g.level, g.may_share, g.hide_feedback);
                    }
                }
                let user_access = t
                    .user
                    .as_ref()
                    .map(|u| self.access(&Principal::User(u.clone()), node, now));
                let relation = match (&t.user, user_access) {
                    (Some(u), _) if root.owner.as_ref() == Some(&u.id) => Relation::Own,
                    (Some(_), Some(a)) if a.level.is_some() => Relation::Related,
                    _ => Relation::Other,
                };
                // Each way the scope can reach this node, taken separately; the highest wins.
                let mut ways: Vec<(crate::access::Level, bool)> = Vec::new();
                if let Some(l) = t.scopes.portfolio_level(Relation::Other, now) {
                    ways.push((l, false));
                }
                if relation == Relation::Own {
                    ways.extend(
                        t.scopes
                            .portfolio_level(Relation::Own, now)
                            .map(|l| (l, false)),
                    );
                }
                if let (Relation::Related, Some(a), Some(cap)) = (
                    relation,
                    user_access,
                    t.scopes.portfolio_level(Relation::Related, now),
                ) {
                    ways.push((cap.min(a.level.unwrap()), a.hide_feedback));
                }
                if let Some(best) = ways.iter().map(|w| w.0).max() {
                    let hide = ways.iter().filter(|w| w.0 == best).all(|w| w.1);
                    acc.add(best, false, hide);
                }
                acc.finish()
            }
            _ => {
                if let Principal::User(u) = p
                    && root.owner.as_ref() == Some(&u.id)
                {
                    return Access::OWNER;
                }
                let mut acc = Acc::default();
                for g in self.in_force(&path, now) {
                    if principal_matches(p, &g.subject, &root.id, Some(now)) {
                        acc.add(g.level, g.may_share, g.hide_feedback);
                    }
                }
                acc.finish()
            }
        }
    }

    /// Grants attached to a node of `path` that are in force at `now`.
    fn in_force<'a>(
        &'a self,
        path: &'a [&'a Node],
        now: Timestamp,
    ) -> impl Iterator<Item = &'a Grant> + 'a {
        self.grants.iter().filter(move |g| {
            path.iter().any(|n| {
                n.id == g.node
                    && g.in_window(now)
                    && g.condition
                        .as_ref()
                        .is_none_or(|c| c.holds(n.kind, &n.state))
            })
        })
    }

    /// May `p` do `action` on `node` at `now`?
    pub fn check(&self, p: &Principal, action: Action, node: &NodeId, now: Timestamp) -> bool {
        match self.node(node) {
            None => false,
            Some(n) => self.access(p, node, now).permits(action, n.kind),
        }
    }

    /// May `p` move page `node` into collection `new_parent` at `now`
    /// (`Engine::may_move`): both exist, a page into a collection of the
    /// same portfolio that is not its own, with Remove on the page and
    /// Write (create a child) on the target.
    pub fn may_move(&self, p: &Principal, node: &NodeId, new_parent: &NodeId, now: Timestamp) -> bool {
        use super::tree::NodeKind;
        let (Some(n), Some(t)) = (self.node(node), self.node(new_parent)) else {
            return false;
        };
        let root = |id: &NodeId| self.path(id).last().map(|r| r.id.clone());
        n.kind == NodeKind::Page
            && t.kind == NodeKind::Collection
            && root(node) == root(new_parent)
            && n.parent.as_ref() != Some(new_parent)
            && self.check(p, Action::Delete, node, now)
            && self.check(p, Action::CreateChild, new_parent, now)
    }

    /// Every node `p` may read at `now`, sorted by id.
    pub fn visible(&self, p: &Principal, now: Timestamp) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = self
            .nodes
            .iter()
            .filter(|n| self.check(p, Action::Read, &n.id, now))
            .map(|n| n.id.clone())
            .collect();
        out.sort();
        out
    }

    /// Whether `p` has more than Read on `within` or any node below it at `now`.
    pub fn holds_above_read(&self, p: &Principal, within: &NodeId, now: Timestamp) -> bool {
        self.nodes
            .iter()
            .filter(|n| self.path(&n.id).iter().any(|a| a.id == *within))
            .any(|n| self.access(p, &n.id, now).level > Some(crate::access::Level::Read))
    }

    /// The earliest start or end after `now` of any grant concerning `p`, any
    /// role end and the token's expiry.
    pub fn next_change(&self, p: &Principal, now: Timestamp) -> Option<Timestamp> {
        let mut times: Vec<Timestamp> = Vec::new();
        for g in &self.grants {
            let path = self.path(&g.node);
            let Some(root) = path.last() else { continue };
            if concerns(p, &g.subject, &root.id) {
                times.extend(g.start);
                times.extend(g.end);
            }
        }
        let user = match p {
            Principal::User(u) => Some(u),
            Principal::Token(t) => {
                times.extend(t.scopes.expires);
                t.user.as_ref()
            }
            _ => None,
        };
        if let Some(u) = user {
            times.extend(u.roles.iter().filter_map(|m| m.until));
        }
        times.into_iter().filter(|&t| t > now).min()
    }
}
