//! Changes that arrived before the changes they build on.
//!
//! Automerge's sync protocol does not promise causal delivery: a bloom filter
//! false positive, a resend after a reset, or a peer that syncs through
//! several routes can deliver a change before one of its dependencies.
//! Automerge itself queues such a change inside the document until the
//! dependency arrives. The server cannot: its authoritative document must
//! only ever hold changes the [guard](crate::guard) accepted, and the guard
//! can only judge a change whose history it has. So the server holds such
//! changes *beside* the document, one [`Holdback`] per peer and document
//! (inside [`DocPeerSync`](super::DocPeerSync)), and judges them as soon as
//! everything they build on is present.
//!
//! Decisions written down here:
//!
//! - **Where.** In `folio-core`, next to the per-peer sync state, because it
//!   is protocol logic: what the server asks the peer for (`need`) depends on
//!   it, exactly as automerge's own `missing_deps_from` walks its queue. The
//!   server's document actor only calls [`Holdback::admit`] /
//!   [`Holdback::release`] and hands what comes out to the guard.
//! - **Asking for what is missing.** While changes are held,
//!   [`Holdback::missing`] walks from the peer's heads through the held
//!   changes to the hashes neither the document nor the holdback has — the
//!   very walk automerge does over its queue — and the outgoing sync message
//!   asks for those. Like automerge, the `have` is withheld while a needed
//!   hash is not one of the peer's heads, so the peer answers with exactly
//!   the changes asked for instead of guessing from a bloom filter again.
//! - **Bounded.** A peer may make the server hold at most
//!   [`HoldLimits::max_changes`] changes and [`HoldLimits::max_bytes`] bytes
//!   per document. Going over is a [`HoldOverflow`]: the holdback is emptied,
//!   nothing of the offending message is judged or stored, and the caller
//!   ends that peer's session with an `error` (its changes were never
//!   acknowledged, so a reconnect and a fresh sync lose nothing). Other peers
//!   are not touched.
//! - **Never acknowledged.** Held changes are not in the document, so they
//!   are neither stored, nor in the server's heads, nor relayed. Dropping a
//!   holdback (the peer disconnects, the document unloads) loses nothing that
//!   was promised.
//! - **Refusals.** When the guard refuses a change, held changes that build
//!   on it can never be accepted: [`Holdback::purge_dependents`] takes them
//!   out so they are refused with it. Changes that wait for something else
//!   stay held (like automerge's orphans) until their dependencies arrive,
//!   the cap is reached or the peer leaves. One consequence, accepted: a
//!   change that builds on a change refused in an *earlier* message is held,
//!   not refused at once (the refused change is not remembered). A Folio
//!   client has already reset to the server's heads and set both aside, so
//!   the orphan only occupies the holdback (bounded) until the peer leaves;
//!   it is never asked for, because asking starts from the peer's heads.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash};

use super::has_change as has;

/// How much one peer may make the server hold for one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldLimits {
    /// Most changes held.
    pub max_changes: usize,
    /// Most bytes held (the changes' encoded size).
    pub max_bytes: usize,
}

impl Default for HoldLimits {
    /// 1024 changes and 8 MiB: far more than a burst of typing that arrives
    /// out of order, far less than what would strain the server.
    fn default() -> Self {
        HoldLimits { max_changes: 1024, max_bytes: 8 * 1024 * 1024 }
    }
}

/// A peer sent more changes with missing dependencies than it may have held.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "too many changes are waiting for changes they build on ({changes} changes, {bytes} bytes; \
     the limit is {} changes and {} bytes); nothing of this message was stored — reconnect and sync again",
    limits.max_changes,
    limits.max_bytes
)]
pub struct HoldOverflow {
    /// Changes that would have been held.
    pub changes: usize,
    /// Their size in bytes.
    pub bytes: usize,
    /// The limits in force.
    pub limits: HoldLimits,
}

/// Changes from one peer waiting for their dependencies.
#[derive(Clone, Debug, Default)]
pub struct Holdback {
    limits: HoldLimits,
    held: HashMap<ChangeHash, Change>,
    /// Arrival order, so released changes keep it among equals.
    order: Vec<ChangeHash>,
    bytes: usize,
    /// Changes that had to wait, ever (for metrics).
    waited: u64,
}

impl Holdback {
    /// An empty holdback under `limits`.
    pub fn new(limits: HoldLimits) -> Self {
        Holdback { limits, ..Holdback::default() }
    }

    /// How many changes are held.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// The held changes' size in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// How many changes ever had to wait here for a dependency.
    pub fn waited(&self) -> u64 {
        self.waited
    }

    /// Whether `hash` is held.
    pub fn contains(&self, hash: &ChangeHash) -> bool {
        self.held.contains_key(hash)
    }

    /// Takes `incoming` changes from the peer and returns every change
    /// (incoming or held before) whose history is now complete, in causal
    /// order, for the guard. The rest stay held. Changes `doc` already has
    /// and duplicates are dropped.
    ///
    /// Over the limits, the holdback is emptied and nothing is returned: see
    /// the module docs.
    pub fn admit(&mut self, doc: &Automerge, incoming: Vec<Change>) -> Result<Vec<Change>, HoldOverflow> {
        let mut added = Vec::new();
        for change in incoming {
            let h = change.hash();
            if self.held.contains_key(&h) || has(doc, &h) {
                continue;
            }
            self.bytes += change.raw_bytes().len();
            self.order.push(h);
            self.held.insert(h, change);
            added.push(h);
        }
        let ready = self.release(doc);
        self.waited += added.iter().filter(|h| self.held.contains_key(h)).count() as u64;
        if self.held.len() > self.limits.max_changes || self.bytes > self.limits.max_bytes {
            let overflow = HoldOverflow { changes: self.held.len(), bytes: self.bytes, limits: self.limits };
            self.clear();
            return Err(overflow);
        }
        Ok(ready)
    }

    /// Takes out every held change whose dependencies are all in `doc` or
    /// released with it, in causal order (arrival order among independent
    /// ones). Call it after other changes were added to `doc` too: a peer's
    /// change may wait for one that another peer sent.
    pub fn release(&mut self, doc: &Automerge) -> Vec<Change> {
        if self.held.is_empty() {
            return Vec::new();
        }
        // ready(h) = every dependency is in the document or ready itself.
        // Memoised depth-first, iterative (chains can be long).
        let mut ready: HashMap<ChangeHash, bool> = HashMap::with_capacity(self.held.len());
        let mut released: Vec<ChangeHash> = Vec::new();
        for start in &self.order {
            if ready.contains_key(start) {
                continue;
            }
            let mut stack: Vec<(ChangeHash, usize)> = vec![(*start, 0)];
            while let Some((h, i)) = stack.pop() {
                if ready.contains_key(&h) {
                    continue;
                }
                let deps = self.held[&h].deps();
                match deps.get(i) {
                    None => {
                        ready.insert(h, true);
                        released.push(h);
                    }
                    Some(d) if self.held.contains_key(d) => match ready.get(d) {
                        Some(true) => stack.push((h, i + 1)),
                        Some(false) => {
                            ready.insert(h, false);
                        }
                        None => {
                            stack.push((h, i));
                            stack.push((*d, 0));
                        }
                    },
                    Some(d) if has(doc, d) => stack.push((h, i + 1)),
                    Some(_) => {
                        ready.insert(h, false);
                    }
                }
            }
        }
        // `released` is in post-order: every change after its dependencies.
        let set: HashSet<ChangeHash> = released.iter().copied().collect();
        self.order.retain(|h| !set.contains(h));
        released
            .into_iter()
            .filter_map(|h| self.held.remove(&h))
            .inspect(|c| self.bytes -= c.raw_bytes().len())
            .collect()
    }

    /// Takes out every held change that builds, directly or through other
    /// held changes, on one of `refused`: they can never be accepted.
    pub fn purge_dependents(&mut self, refused: &[ChangeHash]) -> Vec<Change> {
        if self.held.is_empty() || refused.is_empty() {
            return Vec::new();
        }
        let mut doomed: HashSet<ChangeHash> = refused.iter().copied().collect();
        loop {
            let before = doomed.len();
            for (h, c) in &self.held {
                if !doomed.contains(h) && c.deps().iter().any(|d| doomed.contains(d)) {
                    doomed.insert(*h);
                }
            }
            if doomed.len() == before {
                break;
            }
        }
        let mut out = Vec::new();
        self.order.retain(|h| {
            if doomed.contains(h) {
                if let Some(c) = self.held.remove(h) {
                    self.bytes -= c.raw_bytes().len();
                    out.push(c);
                }
                false
            } else {
                true
            }
        });
        out
    }

    /// What to ask the peer for: starting at `their_heads`, every hash that
    /// neither `doc` nor the holdback has, walking through held changes to
    /// their dependencies (automerge's `missing_deps_from` over its queue).
    /// Sorted.
    pub fn missing(&self, doc: &Automerge, their_heads: impl IntoIterator<Item = ChangeHash>) -> Vec<ChangeHash> {
        let mut missing = HashSet::new();
        let mut seen = HashSet::new();
        // Only from the peer's heads, as automerge does: held orphans the
        // peer no longer builds on (it reset after a rejection) are not asked
        // for, since a request the peer cannot satisfy would stall its sync.
        let mut stack: Vec<ChangeHash> = their_heads.into_iter().collect();
        while let Some(h) = stack.pop() {
            if !seen.insert(h) || has(doc, &h) {
                continue;
            }
            match self.held.get(&h) {
                Some(c) => stack.extend(c.deps().iter().copied()),
                None => {
                    missing.insert(h);
                }
            }
        }
        let mut missing: Vec<ChangeHash> = missing.into_iter().collect();
        missing.sort();
        missing
    }

    /// Drops everything held.
    pub fn clear(&mut self) {
        self.held.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, AutoCommit, ROOT};

    use super::*;

    /// A chain of `n` changes on top of an empty document.
    fn chain(n: usize) -> Vec<Change> {
        let mut d = AutoCommit::new().with_actor(ActorId::from(b"holdback-test".as_slice()));
        for i in 0..n {
            d.put(ROOT, "x", i as i64).unwrap();
            d.commit();
        }
        d.get_changes(&[])
    }

    #[test]
    fn a_change_waits_for_its_dependency_and_both_come_out_in_order() {
        let c = chain(3);
        let doc = Automerge::new();
        let mut hb = Holdback::new(HoldLimits::default());
        assert!(hb.admit(&doc, vec![c[2].clone()]).unwrap().is_empty());
        assert!(hb.admit(&doc, vec![c[1].clone()]).unwrap().is_empty());
        assert_eq!(hb.len(), 2);
        assert_eq!(hb.waited(), 2);
        assert_eq!(hb.missing(&doc, [c[2].hash()]), vec![c[0].hash()]);
        let out: Vec<ChangeHash> = hb.admit(&doc, vec![c[0].clone()]).unwrap().iter().map(Change::hash).collect();
        assert_eq!(out, c.iter().map(Change::hash).collect::<Vec<_>>());
        assert!(hb.is_empty());
        assert_eq!(hb.waited(), 2, "the last one never waited");
        assert_eq!(hb.bytes(), 0);
    }

    #[test]
    fn changes_the_document_has_are_not_held_and_ready_ones_pass_straight_through() {
        let c = chain(2);
        let mut doc = Automerge::new();
        doc.apply_changes([c[0].clone()]).unwrap();
        let mut hb = Holdback::new(HoldLimits::default());
        let out = hb.admit(&doc, vec![c[0].clone(), c[1].clone()]).unwrap();
        assert_eq!(out.iter().map(Change::hash).collect::<Vec<_>>(), vec![c[1].hash()]);
        assert!(hb.is_empty());
    }

    #[test]
    fn going_over_the_count_or_byte_cap_empties_the_holdback_with_a_clear_error() {
        let c = chain(4);
        let doc = Automerge::new();
        let mut hb = Holdback::new(HoldLimits { max_changes: 2, max_bytes: 1 << 20 });
        assert!(hb.admit(&doc, vec![c[3].clone(), c[2].clone()]).unwrap().is_empty());
        let err = hb.admit(&doc, vec![c[1].clone()]).unwrap_err();
        assert_eq!(err.changes, 3);
        assert!(err.to_string().contains("limit is 2 changes"), "{err}");
        assert!(hb.is_empty());
        assert_eq!(hb.bytes(), 0);

        let size = c[3].raw_bytes().len();
        let mut hb = Holdback::new(HoldLimits { max_changes: 100, max_bytes: size });
        assert!(hb.admit(&doc, vec![c[3].clone()]).unwrap().is_empty());
        assert!(hb.admit(&doc, vec![c[2].clone()]).is_err());
        assert!(hb.is_empty());
    }

    #[test]
    fn dependents_of_a_refused_change_are_purged_and_others_stay() {
        let c = chain(4);
        let doc = Automerge::new();
        let mut hb = Holdback::new(HoldLimits::default());
        hb.admit(&doc, vec![c[3].clone(), c[2].clone()]).unwrap();
        let purged = hb.purge_dependents(&[c[1].hash()]);
        assert_eq!(purged.len(), 2);
        assert!(hb.is_empty());
        hb.admit(&doc, vec![c[3].clone()]).unwrap();
        assert!(hb.purge_dependents(&[c[0].hash()]).is_empty(), "c3 builds on c2, which is not refused");
        assert_eq!(hb.len(), 1);
    }
}
