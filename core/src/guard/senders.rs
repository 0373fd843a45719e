//! Judging the messages of several senders in one call.
//!
//! On a document many people type into at once, every sync message brings one
//! or two keystrokes, each from another editor, and automerge 0.12 spends most
//! of an `apply_changes` on work per call that grows with the document (see
//! [`typing`](super::typing), "Bursts"). [`guard_senders`] takes the messages
//! a document actor has queued, each with its sender, and judges them exactly
//! as calling [`guard_cached`](super::guard_cached) on each in turn would — but
//! consecutive messages whose every change is permitted typing or deleting
//! (by *its* sender) are applied together in one `apply_changes`. A message
//! with anything else in it (a change that is neither, is not permitted,
//! builds on a change the document does not have, is under someone else's
//! actor, or deletes what an earlier change of the burst deletes) first lets
//! the burst before it land, then goes the usual way.
//!
//! Why the verdicts are the same: a plan is made against the document before
//! the burst, which is all a plan needs — the text object existed before,
//! typing moves nothing, and whether the node may be written depends on the
//! sender, the engine and `now`, none of which the burst changes; the patches
//! are worked out after the burst as for one sender's burst
//! ([`typing::burst_applied`](super::typing)): the argument there does not
//! depend on who typed. Should automerge refuse the burst, it is rolled back
//! and every message in it is judged the usual way, which reports why.

use std::collections::HashSet;

use automerge::{Automerge, Change, ChangeHash};

use super::{ChangeVerdict, GuardCache, Outcome, Sender, Verdict, causal_order, known, rollback, rules, run, typing};
use crate::access::Engine;
use crate::doc::{actor, schema};
use crate::time::Timestamp;

/// One message to judge: its changes and who sent them.
pub type Message<'a> = (Vec<Change>, Sender<'a>);

/// Judge `messages` in order against `doc` at `now`, applying the accepted
/// changes: one [`Verdict`] per message, the same verdicts as
/// [`guard_cached`](super::guard_cached) on each message in turn (see the
/// module docs). A verdict's `heads` are the document's heads once its
/// message was applied — for a message applied in a burst with others, once
/// the burst was.
pub fn guard_senders(cache: &mut GuardCache, doc: &mut Automerge, messages: Vec<Message<'_>>, engine: &Engine, now: Timestamp) -> Vec<Verdict> {
    let mut verdicts: Vec<Option<Verdict>> = (0..messages.len()).map(|_| None).collect();
    let mut burst = Burst::default();
    for (m, (changes, sender)) in messages.into_iter().enumerate() {
        if let Some(planned) = burst.plan(cache, doc, &changes, sender, engine, now) {
            burst.messages.push((m, sender, planned));
            continue;
        }
        burst.land(cache, doc, engine, now, &mut verdicts);
        verdicts[m] = Some(run(cache, doc, changes, sender, engine, now, true));
    }
    burst.land(cache, doc, engine, now, &mut verdicts);
    verdicts.into_iter().map(|v| v.expect("every message was judged")).collect()
}

/// A message's new changes, each with its plan.
type Planned = Vec<(Change, typing::Typing)>;

/// Messages waiting to be applied together.
#[derive(Default)]
struct Burst<'a> {
    /// Message index, sender, and its planned changes.
    messages: Vec<(usize, Sender<'a>, Planned)>,
    /// The hashes of those changes.
    hashes: HashSet<ChangeHash>,
}

impl<'a> Burst<'a> {
    /// The message's new changes, each planned as permitted typing, or
    /// `None` if any is not (the message then goes the usual way).
    fn plan(
        &mut self,
        cache: &GuardCache,
        doc: &Automerge,
        changes: &[Change],
        sender: Sender<'a>,
        engine: &Engine,
        now: Timestamp,
    ) -> Option<Planned> {
        let heads = doc.get_heads();
        let place = self.last_place().or(cache.place.as_ref());
        let kind = match place {
            Some(p) if p.heads == heads => Some(p.kind),
            _ => schema::kind_of(doc),
        };
        let key = rules::principal_key(sender.principal);
        let checker = engine.checker(sender.principal);
        let ctx = rules::Ctx { engine, checker: &checker, sender, key: &key, now };
        let mut seen = HashSet::new();
        let fresh: Vec<Change> = changes
            .iter()
            .filter(|c| seen.insert(c.hash()) && !self.hashes.contains(&c.hash()) && !known(doc, &c.hash()))
            .cloned()
            .collect();
        let mut place = place.cloned();
        let mut planned = Vec::with_capacity(fresh.len());
        for change in causal_order(fresh) {
            let deps_ok = change.deps().iter().all(|d| self.hashes.contains(d) || seen.contains(d) || known(doc, d));
            if !deps_ok || !actor::belongs_to(change.actor_id(), &key) {
                return None;
            }
            // The burst's changes so far, this message's included.
            let earlier = || self.messages.iter().flat_map(|(_, _, p)| p).chain(&planned).map(|(_, t)| t);
            let t = typing::plan(&ctx, doc, kind, &heads, place.as_ref(), &change, &|id| earlier().find_map(|t| t.typed_width(id)))?;
            if t.deletes_again(earlier()) {
                return None;
            }
            place = Some(t.place().clone());
            planned.push((change, t));
        }
        self.hashes.extend(planned.iter().map(|(c, _)| c.hash()));
        Some(planned)
    }

    fn last_place(&self) -> Option<&typing::Place> {
        self.messages.iter().rev().flat_map(|(_, _, p)| p.last()).next().map(|(_, t)| t.place())
    }

    /// Applies the waiting messages in one `apply_changes` and gives each its
    /// verdict; if automerge will not, judges them one by one instead.
    fn land(&mut self, cache: &mut GuardCache, doc: &mut Automerge, engine: &Engine, now: Timestamp, verdicts: &mut [Option<Verdict>]) {
        let messages = std::mem::take(&mut self.messages);
        self.hashes.clear();
        if messages.is_empty() {
            return;
        }
        let mut changes = Vec::new();
        let mut plans = Vec::new();
        let mut judged = Vec::with_capacity(messages.len());
        for (m, sender, planned) in messages {
            let mut mine = Vec::with_capacity(planned.len());
            for (c, t) in planned {
                changes.push(c.clone());
                mine.push(c);
                plans.push(t);
            }
            judged.push((m, sender, mine));
        }
        let before = doc.get_heads();
        let applied = changes.is_empty() || doc.apply_changes(changes.iter().cloned()).is_ok();
        let done = if !applied {
            None
        } else if plans.is_empty() {
            Some((Vec::new(), cache.place.clone()))
        } else {
            typing::burst_applied(plans, doc, &before).map(|(patches, place)| (patches, Some(place)))
        };
        let Some((mut patches, place)) = done else {
            // Roll back what applied, then the usual way, message by message.
            cache.place = None;
            for c in changes.iter().rev() {
                if doc.get_change_meta_by_hash(&c.hash()).is_some() {
                    rollback(doc, &c.hash());
                }
            }
            for (m, sender, mine) in judged {
                verdicts[m] = Some(run(cache, doc, mine, sender, engine, now, true));
            }
            return;
        };
        cache.place = place;
        let heads = doc.get_heads();
        let mut patches = patches.drain(..);
        for (m, _, mine) in judged {
            let changes = mine
                .iter()
                .map(|c| ChangeVerdict { hash: c.hash(), outcome: Outcome::Accepted { patches: patches.next().unwrap_or_default() } })
                .collect();
            verdicts[m] = Some(Verdict { changes, heads: heads.clone() });
        }
    }
}
