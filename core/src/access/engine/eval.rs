//! The hot path: resolving a principal, `access`/`check`, `visible`, `next_change`.

use super::{Engine, Key, NONE};
use crate::access::ids::NodeId;
use crate::access::level::{Action, Level};
use crate::access::principal::{Principal, UserPrincipal};
use crate::access::rules::{Acc, Access};
use crate::access::token::{Relation, TokenScopes};
use crate::time::Timestamp;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    User,
    Link,
    Token,
    Anonymous,
}

/// A principal with its strings replaced by the engine's interned numbers.
/// Strings no grant mentions become [`NONE`] and match nothing.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    pub(crate) kind: Kind,
    pub(crate) user: u32,
    /// (portfolio slot, role, until)
    pub(crate) roles: Vec<(u32, u32, Option<Timestamp>)>,
    /// (org, role in org or NONE)
    pub(crate) orgs: Vec<(u32, u32)>,
    pub(crate) link: u32,
    pub(crate) token: u32,
    pub(crate) scopes: TokenScopes,
    pub(crate) token_user: Option<Box<Resolved>>,
}

impl Resolved {
    fn empty(kind: Kind) -> Resolved {
        Resolved {
            kind,
            user: NONE,
            roles: Vec::new(),
            orgs: Vec::new(),
            link: NONE,
            token: NONE,
            scopes: TokenScopes::default(),
            token_user: None,
        }
    }

    /// Whether a grant keyed `key`, in portfolio slot `root`, applies at `now`
    /// (`None` = ignoring time).
    #[inline]
    pub(crate) fn matches(&self, key: Key, root: u32, now: Option<Timestamp>) -> bool {
        match key {
            Key::Public => true,
            Key::User(u) => u == self.user && u != NONE,
            Key::Role(r) => self.roles.iter().any(|&(p, role, until)| {
                p == root && role == r && now.is_none_or(|t| until.is_none_or(|u| t < u))
            }),
            Key::Org(o, r) => self
                .orgs
                .iter()
                .any(|&(org, role)| org == o && (r == NONE || role == r)),
            Key::Link(l) => l == self.link && l != NONE,
            Key::Token(t) => t == self.token && t != NONE,
        }
    }

    /// Whether the grant can ever concern this principal (its account included).
    pub(crate) fn concerns(&self, key: Key, root: u32) -> bool {
        self.matches(key, root, None)
            || self
                .token_user
                .as_ref()
                .is_some_and(|u| u.matches(key, root, None))
    }

    /// The subject keys this principal (its account included) could match.
    pub(crate) fn keys(&self, out: &mut Vec<Key>) {
        out.push(Key::Public);
        if self.user != NONE {
            out.push(Key::User(self.user));
        }
        if self.link != NONE {
            out.push(Key::Link(self.link));
        }
        if self.token != NONE {
            out.push(Key::Token(self.token));
        }
        for &(_, r, _) in &self.roles {
            if !out.contains(&Key::Role(r)) {
                out.push(Key::Role(r));
            }
        }
        for &(o, r) in &self.orgs {
            for k in [Key::Org(o, NONE), Key::Org(o, r)] {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        if let Some(u) = &self.token_user {
            u.keys(out);
        }
    }
}

/// A principal resolved against one engine, for many checks in a row
/// (the change guard checks every patch of a change with one).
///
/// It borrows the engine, so it cannot outlive a change to it.
#[derive(Clone, Debug)]
pub struct Checker<'e> {
    engine: &'e Engine,
    resolved: Resolved,
}

impl<'e> Checker<'e> {
    /// Like [`Engine::check`].
    #[inline]
    pub fn check(&self, action: Action, node: &NodeId, now: Timestamp) -> bool {
        match self.engine.by_id.get(node) {
            None => false,
            Some(&i) => {
                let a = self.engine.access_slot(&self.resolved, i, now);
                a.permits(action, self.engine.slots[i as usize].node.kind)
            }
        }
    }

    /// Like [`Engine::access`].
    pub fn access(&self, node: &NodeId, now: Timestamp) -> Access {
        self.engine.by_id.get(node).map_or(Access::NONE, |&i| {
            self.engine.access_slot(&self.resolved, i, now)
        })
    }
}

impl Engine {
    pub(crate) fn resolve(&self, p: &Principal) -> Resolved {
        match p {
            Principal::User(u) => self.resolve_user(u),
            Principal::Link { id } => {
                let mut r = Resolved::empty(Kind::Link);
                r.link = self.links.get(id.as_str());
                r
            }
            Principal::Token(t) => {
                let mut r = Resolved::empty(Kind::Token);
                r.token = self.tokens.get(t.id.as_str());
                r.scopes = t.scopes;
                r.token_user = t.user.as_ref().map(|u| Box::new(self.resolve_user(u)));
                r
            }
            Principal::Anonymous => Resolved::empty(Kind::Anonymous),
        }
    }

    fn resolve_user(&self, u: &UserPrincipal) -> Resolved {
        let mut r = Resolved::empty(Kind::User);
        r.user = self.users.get(u.id.as_str());
        for m in &u.roles {
            let role = self.roles.get(m.role.as_str());
            if role == NONE {
                continue;
            }
            if let Some(&p) = self.by_id.get(&m.portfolio)
                && self.slots[p as usize].parent == NONE
            {
                r.roles.push((p, role, m.until));
            }
        }
        for m in &u.orgs {
            let org = self.orgs.get(m.org.as_str());
            if org != NONE {
                r.orgs.push((
                    org,
                    m.role.as_ref().map_or(NONE, |x| self.roles.get(x.as_str())),
                ));
            }
        }
        r
    }

    /// Resolves a principal once for many checks.
    pub fn checker(&self, principal: &Principal) -> Checker<'_> {
        Checker {
            engine: self,
            resolved: self.resolve(principal),
        }
    }

    /// May `principal` do `action` on `node` at `now`? Unknown nodes are denied.
    pub fn check(
        &self,
        principal: &Principal,
        action: Action,
        node: &NodeId,
        now: Timestamp,
    ) -> bool {
        match self.by_id.get(node) {
            None => false,
            Some(&i) => {
                let r = self.resolve(principal);
                self.access_slot(&r, i, now)
                    .permits(action, self.slots[i as usize].node.kind)
            }
        }
    }

    /// The effective level of `principal` on `node` at `now` (`None` = no access).
    pub fn level(&self, principal: &Principal, node: &NodeId, now: Timestamp) -> Option<Level> {
        self.access(principal, node, now).level
    }

    /// Level and flags of `principal` on `node` at `now`.
    pub fn access(&self, principal: &Principal, node: &NodeId, now: Timestamp) -> Access {
        match self.by_id.get(node) {
            None => Access::NONE,
            Some(&i) => self.access_slot(&self.resolve(principal), i, now),
        }
    }

    pub(crate) fn access_slot(&self, r: &Resolved, i: u32, now: Timestamp) -> Access {
        let root = self.root_of(i);
        if r.kind == Kind::Token {
            return self.token_access(r, i, root, now);
        }
        self.grant_access(r, i, root, now)
    }

    fn grant_access(&self, r: &Resolved, i: u32, root: u32, now: Timestamp) -> Access {
        if r.user != NONE && self.slots[root as usize].owner == r.user {
            return Access::OWNER;
        }
        let mut acc = Acc::default();
        let mut cur = i;
        loop {
            let s = &self.slots[cur as usize];
            for &g in &s.grants {
                let gs = self.grant_slot(g);
                let gr = &gs.grant;
                if r.matches(gs.key, root, Some(now))
                    && gr.in_window(now)
                    && gr
                        .condition
                        .as_ref()
                        .is_none_or(|c| c.holds(s.node.kind, &s.node.state))
                {
                    acc.add(gr.level, gr.may_share, gr.hide_feedback);
                }
            }
            if s.parent == NONE {
                break;
            }
            cur = s.parent;
        }
        acc.finish()
    }

    /// The relation of slot `i` (in portfolio `root`) to a token's account, with
    /// that account's access.
    pub(crate) fn token_relation(
        &self,
        r: &Resolved,
        i: u32,
        root: u32,
        now: Timestamp,
    ) -> (Relation, Access) {
        match &r.token_user {
            None => (Relation::Other, Access::NONE),
            Some(u) => {
                if u.user != NONE && self.slots[root as usize].owner == u.user {
                    (Relation::Own, Access::OWNER)
                } else {
                    let a = self.grant_access(u, i, root, now);
                    (
                        if a.level.is_some() {
                            Relation::Related
                        } else {
                            Relation::Other
                        },
                        a,
                    )
                }
            }
        }
    }

    fn token_access(&self, r: &Resolved, i: u32, root: u32, now: Timestamp) -> Access {
        if r.scopes.expired(now) {
            return Access::NONE;
        }
        let explicit = self.grant_access(r, i, root, now);
        let mut acc = Acc::default();
        if let Some(l) = explicit.level {
            // Re-add the explicit grants' combined effect.
            acc.add(l, explicit.may_share, explicit.hide_feedback);
        }
        let (relation, user) = self.token_relation(r, i, root, now);
        if let Some((level, hide)) = scoped_level(&r.scopes, relation, user, now) {
            acc.add(level, false, hide);
        }
        acc.finish()
    }

    /// Every node `principal` may read at `now`, each once, in no particular order.
    ///
    /// Cost is proportional to the principal's grants and the size of what they
    /// may read, not to the size of the whole tree.
    pub fn visible(&self, principal: &Principal, now: Timestamp) -> Vec<NodeId> {
        let r = self.resolve(principal);
        let mut marks = vec![0u64; self.slots.len().div_ceil(64)];
        let mut out = Vec::new();
        self.visible_into(&r, now, &mut marks, &mut out);
        out.into_iter()
            .map(|i| self.slots[i as usize].node.id.clone())
            .collect()
    }

    /// Whether `principal` may read `node` at `now`.
    pub fn can_read(&self, principal: &Principal, node: &NodeId, now: Timestamp) -> bool {
        self.check(principal, Action::Read, node, now)
    }

    pub(crate) fn visible_into(
        &self,
        r: &Resolved,
        now: Timestamp,
        marks: &mut [u64],
        out: &mut Vec<u32>,
    ) {
        let mut anchors: Vec<u32> = Vec::new();
        match r.kind {
            Kind::Token => {
                if r.scopes.expired(now) {
                    return;
                }
                self.grant_anchors(r, now, &mut anchors);
                if r.scopes.portfolio_level(Relation::Other, now).is_some() {
                    anchors.extend(self.roots.iter().copied());
                } else if let Some(u) = &r.token_user {
                    if r.scopes.portfolio_level(Relation::Related, now).is_some() {
                        self.grant_anchors(u, now, &mut anchors);
                    }
                    if r.scopes.portfolio_level(Relation::Own, now).is_some() {
                        self.owned_roots(u, &mut anchors);
                    }
                }
            }
            _ => {
                self.owned_roots(r, &mut anchors);
                self.grant_anchors(r, now, &mut anchors);
            }
        }
        let mut stack = Vec::new();
        for a in anchors {
            if marks[(a / 64) as usize] & (1 << (a % 64)) != 0 {
                continue;
            }
            stack.push(a);
            while let Some(n) = stack.pop() {
                let bit = 1u64 << (n % 64);
                let w = &mut marks[(n / 64) as usize];
                if *w & bit != 0 {
                    continue;
                }
                *w |= bit;
                out.push(n);
                stack.extend_from_slice(&self.slots[n as usize].children);
            }
        }
    }

    fn owned_roots(&self, r: &Resolved, out: &mut Vec<u32>) {
        if r.user != NONE {
            out.extend(
                self.roots
                    .iter()
                    .copied()
                    .filter(|&p| self.slots[p as usize].owner == r.user),
            );
        }
    }

    /// Anchors of the grants of `r` itself (not its token account) in force at `now`.
    fn grant_anchors(&self, r: &Resolved, now: Timestamp, out: &mut Vec<u32>) {
        let mut keys = Vec::with_capacity(8);
        let mut own = r.clone();
        own.token_user = None;
        own.keys(&mut keys);
        for key in keys {
            let Some(list) = self.by_key.get(&key) else {
                continue;
            };
            for &g in list {
                let gs = self.grant_slot(g);
                let gr = &gs.grant;
                if !gr.in_window(now) {
                    continue;
                }
                let root = if matches!(key, Key::Role(_)) {
                    self.root_of(gs.node)
                } else {
                    NONE
                };
                if matches!(key, Key::Role(_)) && !r.matches(key, root, Some(now)) {
                    continue;
                }
                let s = &self.slots[gs.node as usize];
                if gr
                    .condition
                    .as_ref()
                    .is_none_or(|c| c.holds(s.node.kind, &s.node.state))
                {
                    out.push(gs.node);
                }
            }
        }
    }

    /// The earliest instant after `now` at which any decision for `principal`
    /// could change: a grant concerning them starts or ends, a role they hold
    /// ends, their token expires. `None` = nothing is scheduled to change.
    pub fn next_change(&self, principal: &Principal, now: Timestamp) -> Option<Timestamp> {
        let r = self.resolve(principal);
        let mut best: Option<Timestamp> = None;
        let mut consider = |t: Option<Timestamp>| {
            if let Some(t) = t.filter(|&t| t > now) {
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        };
        for g in self.concerning(&r) {
            let gr = &self.grant_slot(g).grant;
            consider(gr.start);
            consider(gr.end);
        }
        match principal {
            Principal::User(u) => u.roles.iter().for_each(|m| consider(m.until)),
            Principal::Token(t) => {
                consider(t.scopes.expires);
                if let Some(u) = &t.user {
                    u.roles.iter().for_each(|m| consider(m.until));
                }
            }
            _ => {}
        }
        best
    }

    /// The earliest instant after `now` at which any grant anywhere starts or
    /// ends: one server-wide timer.
    pub fn next_change_any(&self, now: Timestamp) -> Option<Timestamp> {
        self.grants
            .iter()
            .flatten()
            .flat_map(|g| [g.grant.start, g.grant.end])
            .flatten()
            .filter(|&t| t > now)
            .min()
    }

    /// Grant slots that can ever concern `r` (its token account included).
    pub(crate) fn concerning(&self, r: &Resolved) -> Vec<u32> {
        let mut keys = Vec::with_capacity(8);
        r.keys(&mut keys);
        let mut out = Vec::new();
        for key in keys {
            let Some(list) = self.by_key.get(&key) else {
                continue;
            };
            for &g in list {
                let gs = self.grant_slot(g);
                if !matches!(key, Key::Role(_)) || r.concerns(key, self.root_of(gs.node)) {
                    out.push(g);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// What a token's `portfolios` scope gives on a node with this relation to its
/// account (whose access there is `user`), and whether it hides feedback.
///
/// `all` reaches every node at its full cap; `own` the account's portfolios;
/// `related` reaches what the account may read, capped at the account's level.
/// Taking the highest of these keeps access monotonic down the tree.
pub(crate) fn scoped_level(
    scopes: &TokenScopes,
    relation: Relation,
    user: Access,
    now: Timestamp,
) -> Option<(Level, bool)> {
    let everywhere = scopes
        .portfolio_level(Relation::Other, now)
        .map(|l| (l, false));
    let here = match relation {
        Relation::Own => scopes
            .portfolio_level(Relation::Own, now)
            .map(|l| (l, false)),
        Relation::Related => match (scopes.portfolio_level(Relation::Related, now), user.level) {
            (Some(cap), Some(l)) => Some((cap.min(l), user.hide_feedback)),
            _ => None,
        },
        Relation::Other => None,
    };
    match (everywhere, here) {
        (Some(a), Some(b)) if a.0 > b.0 => Some(a),
        (Some(a), Some(b)) if a.0 == b.0 => Some((a.0, a.1 && b.1)),
        (_, Some(b)) => Some(b),
        (a, None) => a,
    }
}
