//! What a document actor just committed, handed to every peer's relay step
//! ([`DocPeerSync::generate_pushing`](super::DocPeerSync::generate_pushing)).
//!
//! Two things make a broadcast cheap, and both are here:
//!
//! - each change's bytes as they arrived, encoded once for all peers
//!   (automerge keeps no change's bytes and would rebuild each change from
//!   the op set for every peer);
//! - the document's heads *before* these changes, checked on construction
//!   to be, with the changes, exactly the document's heads now. A peer known
//!   to hold (or to have been sent) everything up to those heads lacks at
//!   most these changes, so what it lacks is found among them — a walk over
//!   a few changes instead of asking automerge for the changes its heads do
//!   not cover (which rebuilds a clock of the history and the metadata of
//!   every change since, per peer, per broadcast).

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash};

/// Changes a document actor just committed (see the module docs).
#[derive(Debug, Default)]
pub struct Fresh<'a> {
    /// The document's heads before these changes.
    before: Vec<ChangeHash>,
    /// Commit order (a change after its dependencies).
    order: Vec<ChangeHash>,
    changes: HashMap<ChangeHash, &'a Change>,
    /// The heads before plus these changes are the document's heads now.
    complete: bool,
}

impl<'a> Fresh<'a> {
    /// The changes committed to `doc` since its heads were `before`, in
    /// commit order, as they arrived. If they do not account for the
    /// document's heads now (a change applied some other way), they are
    /// still handed over, but no peer takes the shortcut of looking for what
    /// it lacks among them alone.
    pub fn new(doc: &Automerge, before: &[ChangeHash], committed: impl IntoIterator<Item = &'a Change>) -> Self {
        let mut order = Vec::new();
        let mut changes = HashMap::new();
        let mut heads: HashSet<ChangeHash> = before.iter().copied().collect();
        let mut complete = true;
        for change in committed {
            let hash = change.hash();
            if changes.contains_key(&hash) {
                continue;
            }
            if !super::has_change(doc, &hash) {
                complete = false;
                continue;
            }
            for d in change.deps() {
                heads.remove(d);
            }
            heads.insert(hash);
            order.push(hash);
            changes.insert(hash, change);
        }
        let mut heads: Vec<ChangeHash> = heads.into_iter().collect();
        heads.sort();
        complete &= heads == doc.get_heads();
        Fresh { before: before.to_vec(), order, changes, complete }
    }

    /// The heads the changes were committed on, if they account for the
    /// document's heads now.
    pub(super) fn base(&self) -> Option<&[ChangeHash]> {
        self.complete.then_some(self.before.as_slice())
    }

    /// The changes' hashes, in commit order.
    pub(super) fn hashes(&self) -> std::slice::Iter<'_, ChangeHash> {
        self.order.iter()
    }

    /// A change's bytes as it arrived.
    pub(super) fn bytes(&self, hash: &ChangeHash) -> Option<&'a [u8]> {
        self.changes.get(hash).map(|c| c.raw_bytes())
    }

    /// The changes in commit order that are not ancestors of (or among)
    /// `heads`. Only meaningful when [`Self::base`] is `Some`: then a fresh
    /// change is an ancestor of a head only through fresh changes (every
    /// other change is in the history of the base, whose ancestors are not
    /// fresh).
    pub(super) fn not_under(&self, heads: &[ChangeHash]) -> Vec<ChangeHash> {
        let mut covered: HashSet<ChangeHash> = HashSet::new();
        let mut stack: Vec<ChangeHash> = heads.iter().filter(|h| self.changes.contains_key(*h)).copied().collect();
        while let Some(h) = stack.pop() {
            if !covered.insert(h) {
                continue;
            }
            if let Some(c) = self.changes.get(&h) {
                stack.extend(c.deps().iter().filter(|d| self.changes.contains_key(*d) && !covered.contains(*d)));
            }
        }
        self.order.iter().filter(|h| !covered.contains(*h)).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT, ReadDoc};

    use super::*;

    fn edit(doc: &mut Automerge, v: i64) -> (ChangeHash, Change) {
        let mut tx = doc.transaction();
        tx.put(ROOT, "k", v).unwrap();
        let h = tx.commit().0.unwrap();
        (h, doc.get_change_by_hash(&h).unwrap())
    }

    #[test]
    fn fresh_changes_account_for_the_heads_or_are_not_trusted_for_the_shortcut() {
        let mut doc = Automerge::new().with_actor(ActorId::from(b"a".to_vec()));
        edit(&mut doc, 0);
        let before = doc.get_heads();
        let (h1, b1) = edit(&mut doc, 1);
        let (h2, b2) = edit(&mut doc, 2);
        let all = Fresh::new(&doc, &before, [&b1, &b2]);
        assert_eq!(all.base(), Some(before.as_slice()));
        assert_eq!(all.not_under(&before), vec![h1, h2]);
        assert_eq!(all.not_under(&[h1]), vec![h2]);
        assert!(all.not_under(&[h2]).is_empty());
        assert_eq!(all.bytes(&h1), Some(b1.raw_bytes()));
        // One change missing: the heads are not accounted for.
        let part = Fresh::new(&doc, &before, [&b1]);
        assert_eq!(part.base(), None);
        assert_eq!(part.bytes(&h1), Some(b1.raw_bytes()));
    }
}
