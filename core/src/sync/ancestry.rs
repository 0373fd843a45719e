//! Which recent changes a peer's heads cover, without walking the history.
//!
//! After every message from a peer, the server forgets the changes it sent
//! that the peer's heads now cover (automerge's `sent_hashes`). Automerge
//! answers "is `c` an ancestor of these heads" by walking every ancestor of
//! the heads; `get_changes_meta` by building a clock of the heads and the
//! metadata of every change they do not cover. On a busy document whose
//! peers lag a little (100 editors, hundreds of changes a second) either
//! was most of the server's time.
//!
//! [`Ancestry`] keeps, for the changes a document actor committed lately (a
//! window of the last `cap`, in commit order), each change's vector clock:
//! the highest sequence number of every actor among its ancestors. A change
//! by actor `a` with sequence `s` is an ancestor of heads `H` exactly when
//! the clock of `H` (the greatest of its heads' clocks) has `a` at `s` or
//! more — an actor's changes form one chain, each building on the one
//! before.
//!
//! Why a window suffices: the window is a suffix of the commit order, which
//! is a topological order, so every descendant of a change in the window is
//! in the window too. A clock computed from the clocks of the window's
//! dependencies (and, for a dependency from before the window, just that
//! dependency's own actor and sequence) is therefore exact for every change
//! *in* the window: any path down to a window change runs through window
//! changes only. Questions about changes outside it get `None`, and the
//! caller asks automerge.
//!
//! Sequence numbers are kept as `u32` (a clock is one per actor seen, per
//! change in the window: 4,096 changes × 100 actors is 1.6 MiB so); a
//! document whose actor got past `u32::MAX` changes turns the window off
//! for good, and every question goes to automerge.

use std::collections::{HashMap, VecDeque};

use automerge::{ActorId, Automerge, Change, ChangeHash};

/// Vector clocks of the changes committed lately (see the module docs).
#[derive(Debug, Clone)]
pub struct Ancestry {
    actors: HashMap<ActorId, usize>,
    entries: HashMap<ChangeHash, Entry>,
    order: VecDeque<ChangeHash>,
    cap: usize,
    /// A sequence number did not fit: nothing is answered any more.
    off: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    actor: usize,
    seq: u32,
    /// By actor index; actors interned after this change are 0.
    clock: Box<[u32]>,
}

/// The clock of a set of heads (see [`Ancestry::clock`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock(Vec<u32>);

impl Default for Ancestry {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl Ancestry {
    /// Remembers the clocks of the last `cap` changes added.
    pub fn new(cap: usize) -> Self {
        Ancestry { actors: HashMap::new(), entries: HashMap::new(), order: VecDeque::new(), cap: cap.max(1), off: false }
    }

    /// Adds a change of `doc`, committed after every change added before it
    /// (commit order).
    pub fn add(&mut self, doc: &Automerge, change: &Change) {
        let hash = change.hash();
        if self.off || self.entries.contains_key(&hash) {
            return;
        }
        let Ok(seq) = u32::try_from(change.seq()) else { return self.turn_off() };
        let next = self.actors.len();
        let actor = *self.actors.entry(change.actor_id().clone()).or_insert(next);
        let mut clock = vec![0u32; self.actors.len()];
        for d in change.deps() {
            match self.entries.get(d) {
                Some(e) => {
                    for (mine, theirs) in clock.iter_mut().zip(e.clock.iter()) {
                        *mine = (*mine).max(*theirs);
                    }
                }
                // Before the window: its own place in its actor's chain.
                None => {
                    if let Some(m) = doc.get_change_meta_by_hash(d) {
                        let Ok(dep_seq) = u32::try_from(m.seq) else { return self.turn_off() };
                        let next = self.actors.len();
                        let a = *self.actors.entry(m.actor.into_owned()).or_insert(next);
                        if clock.len() <= a {
                            clock.resize(a + 1, 0);
                        }
                        clock[a] = clock[a].max(dep_seq);
                    }
                }
            }
        }
        clock[actor] = clock[actor].max(seq);
        self.entries.insert(hash, Entry { actor, seq, clock: clock.into_boxed_slice() });
        self.order.push_back(hash);
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }

    fn turn_off(&mut self) {
        self.off = true;
        self.entries.clear();
        self.order.clear();
    }

    /// The clock of `heads`, if every head is in the window.
    pub fn clock(&self, heads: &[ChangeHash]) -> Option<Clock> {
        let mut clock = vec![0u32; self.actors.len()];
        for h in heads {
            let e = self.entries.get(h)?;
            for (mine, theirs) in clock.iter_mut().zip(e.clock.iter()) {
                *mine = (*mine).max(*theirs);
            }
        }
        Some(Clock(clock))
    }

    /// Whether heads of `clock` cover change `hash` (is it one of them or
    /// an ancestor); `None` if the change is not in the window.
    pub fn covers(&self, clock: &Clock, hash: &ChangeHash) -> Option<bool> {
        let e = self.entries.get(hash)?;
        Some(clock.0.get(e.actor).is_some_and(|s| *s >= e.seq))
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ROOT, ReadDoc};
    use proptest::prelude::*;

    use super::*;

    /// Random edits by three actors that merge now and then, added in
    /// commit order to a small window; every answer it gives matches the
    /// document's own ancestry.
    fn check(steps: &[(usize, bool)], cap: usize) {
        let mut docs: Vec<Automerge> = (0..3u8).map(|i| Automerge::new().with_actor(ActorId::from(vec![i + 1; 4]))).collect();
        let mut server = Automerge::new();
        let mut ancestry = Ancestry::new(cap);
        let mut all = Vec::new();
        for (n, (who, merge)) in steps.iter().enumerate() {
            let d = &mut docs[*who];
            if *merge {
                d.merge(&mut server.clone()).unwrap();
            }
            let mut tx = d.transaction();
            tx.put(ROOT, "k", n as i64).unwrap();
            let h = tx.commit().0.unwrap();
            let c = d.get_change_by_hash(&h).unwrap().clone();
            server.apply_changes([c.clone()]).unwrap();
            ancestry.add(&server, &c);
            all.push(h);
        }
        for heads in all.iter().map(|h| vec![*h]).chain([server.get_heads()]) {
            let Some(clock) = ancestry.clock(&heads) else { continue };
            let not_covered: std::collections::HashSet<ChangeHash> = server.get_changes_meta(&heads).into_iter().map(|m| m.hash).collect();
            for h in &all {
                if let Some(covered) = ancestry.covers(&clock, h) {
                    assert_eq!(covered, !not_covered.contains(h), "wrong answer for a change in the window");
                }
            }
        }
    }

    #[test]
    fn once_turned_off_it_answers_nothing_and_learns_nothing() {
        let mut doc = Automerge::new();
        let add = |doc: &mut Automerge, ancestry: &mut Ancestry, v: i64| {
            let mut tx = doc.transaction();
            tx.put(ROOT, "k", v).unwrap();
            let h = tx.commit().0.unwrap();
            ancestry.add(doc, &doc.get_change_by_hash(&h).unwrap());
            h
        };
        let mut ancestry = Ancestry::default();
        let first = add(&mut doc, &mut ancestry, 1);
        assert!(ancestry.clock(&[first]).is_some());
        // What a sequence number past `u32::MAX` does.
        ancestry.turn_off();
        assert!(ancestry.clock(&[first]).is_none());
        let second = add(&mut doc, &mut ancestry, 2);
        assert!(ancestry.clock(&[second]).is_none());
    }

    proptest! {
        #[test]
        fn answers_match_the_documents_ancestry(steps in prop::collection::vec((0usize..3, any::<bool>()), 1..40), cap in 1usize..50) {
            check(&steps, cap);
        }
    }
}
