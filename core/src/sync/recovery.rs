//! Recovering from a `folio-rejected`: drop the refused branch, keep
//! everything else, and hand the refused edits back.
//!
//! Given the server's heads and the refused hashes:
//!
//! 1. `server` = every local change the server is known to have (the server
//!    heads we hold, and all their ancestors).
//! 2. `refused` = the listed hashes we hold, plus every local change that
//!    depends on one of them (automerge's hash DAG), minus `server`.
//!    If the server listed no hashes at all, every local change not in
//!    `server` is refused. If it listed hashes we do not hold, the rejection
//!    is stale (we already dropped them): nothing is refused.
//! 3. The document is rebuilt as a fork at the server heads we hold, plus the
//!    local changes that are neither in `server` nor refused (edits still in
//!    flight that the server has not judged yet). It gets a new actor id,
//!    so new edits never reuse a refused change's sequence numbers.
//!
//! The old document is returned whole in [`RefusedEdits::previous`], so
//! nothing typed is lost: the UI can show it, diff it, or re-apply by hand.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ActorId, AutoCommit, AutomergeError, Change, ChangeHash};

use super::message::RejectionReason;

/// Local edits the server refused, set aside for the person who typed them.
#[derive(Debug)]
pub struct RefusedEdits {
    /// The refused changes' hashes, in causal order.
    pub hashes: Vec<ChangeHash>,
    /// The refused changes' raw bytes, in causal order
    /// (`automerge::Change::from_bytes` reads them back).
    pub changes: Vec<Vec<u8>>,
    /// The server's reasons, in plain words.
    pub reasons: Vec<RejectionReason>,
    /// The document exactly as it was before the reset, refused edits included.
    pub previous: Option<Box<AutoCommit>>,
}

pub(crate) struct Recovery {
    pub(crate) rebuilt: Option<AutoCommit>,
    pub(crate) refused: Vec<Change>,
}

pub(crate) fn recover(
    doc: &mut AutoCommit,
    rejected: &[ChangeHash],
    server_heads: &[ChangeHash],
    actor: ActorId,
) -> Result<Recovery, AutomergeError> {
    let all = doc.get_changes(&[]);
    let deps: BTreeMap<ChangeHash, Vec<ChangeHash>> =
        all.iter().map(|c| (c.hash(), c.deps().to_vec())).collect();

    let known_heads: Vec<ChangeHash> = server_heads
        .iter()
        .filter(|h| deps.contains_key(h))
        .copied()
        .collect();
    let mut server: BTreeSet<ChangeHash> = BTreeSet::new();
    let mut stack = known_heads.clone();
    while let Some(h) = stack.pop() {
        if server.insert(h) {
            stack.extend(deps.get(&h).into_iter().flatten().copied());
        }
    }

    let seeds: BTreeSet<ChangeHash> = rejected
        .iter()
        .filter(|h| deps.contains_key(h) && !server.contains(h))
        .copied()
        .collect();
    let everything_unknown = rejected.is_empty();
    if seeds.is_empty() && !everything_unknown {
        return Ok(Recovery {
            rebuilt: None,
            refused: Vec::new(),
        });
    }

    let mut refused_set = BTreeSet::new();
    let mut refused = Vec::new();
    let mut kept = Vec::new();
    // `get_changes(&[])` is in causal order, so deps are decided first.
    for change in all {
        let h = change.hash();
        if server.contains(&h) {
            continue;
        }
        let is_refused = everything_unknown
            || seeds.contains(&h)
            || change.deps().iter().any(|d| refused_set.contains(d));
        if is_refused {
            refused_set.insert(h);
            refused.push(change);
        } else {
            kept.push(change);
        }
    }
    if refused.is_empty() {
        return Ok(Recovery {
            rebuilt: None,
            refused,
        });
    }
    let mut rebuilt = doc.fork_at(&known_heads)?;
    rebuilt.apply_changes(kept)?;
    rebuilt.set_actor(actor);
    Ok(Recovery {
        rebuilt: Some(rebuilt),
        refused,
    })
}
