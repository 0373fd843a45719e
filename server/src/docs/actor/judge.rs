//! Steps 1–2 of the document actor (see its module docs): holding changes
//! that wait for their dependencies, running the guard, and collecting what
//! to store, audit and answer into a [`Pending`] for the batch's commit.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use automerge::{Automerge, Change, ChangeHash, ROOT, ReadDoc};
use folio_core::doc::DocPatch;
use folio_core::doc::schema::{self, keys};
use folio_core::guard::{self, Outcome, Sender};
use folio_core::sync::{RejectionReason, SyncMode};

use super::super::messages::{ConnId, ConnSender, PeerInfo, ToConn};
use super::super::skeleton;
use super::DocActor;
use crate::policy::PortfolioPolicy;
use crate::storage::{AuditEntry, DocumentRole, Outcome as AuditOutcome};
use crate::sync::may_read;

impl DocActor {
    /// Takes a message's changes from peer `i`: holds those missing a
    /// dependency and judges the rest (see [`Self::judge_ready`]).
    pub(super) async fn judge(&mut self, i: usize, changes: Vec<Change>, pending: &mut Pending) -> Judged {
        if self.peers[i].info.mode == SyncMode::ReadOnly {
            return self.judge_ready(i, changes, pending).await;
        }
        let waited = self.peers[i].sync.held().waited();
        let held = self.peers[i].sync.hold(&self.doc, changes);
        if let Some(p) = self.peers.get(i) {
            let more = p.sync.held().waited().saturating_sub(waited);
            self.state.metrics().changes_held.fetch_add(more, Ordering::Relaxed);
        }
        match held {
            Ok(ready) if ready.is_empty() => Judged::Ok,
            Ok(ready) => self.judge_ready(i, ready, pending).await,
            Err(overflow) => {
                // Nothing of this message is judged or stored; the peer's
                // session ends (a reconnect syncs afresh), nobody else notices.
                let peer = self.peers.remove(i);
                tracing::warn!(document = %self.wire, conn = peer.info.conn, error = %overflow, "peer holds too many out-of-order changes; dropping it");
                let _ = peer.info.out.send(ToConn::Fatal(format!("document `{}`: {overflow}", self.wire)));
                Judged::Dropped
            }
        }
    }

    /// Whether a message's changes from peer `i` may wait to be judged with
    /// other messages of the batch ([`Self::judge_together`]): the peer may
    /// write and holds nothing back, the document exists, and every change's
    /// dependencies are in the document, in `waiting` (changes of earlier
    /// waiting messages) or in the message itself — so holding back would
    /// have let them all through as they are.
    pub(super) fn may_wait(&self, i: usize, changes: &[Change], waiting: &HashSet<ChangeHash>) -> bool {
        let peer = &self.peers[i];
        if peer.info.mode == SyncMode::ReadOnly || !peer.sync.held().is_empty() || self.broadcast_heads.is_empty() {
            return false;
        }
        let mine: HashSet<ChangeHash> = changes.iter().map(Change::hash).collect();
        changes
            .iter()
            .flat_map(Change::deps)
            .all(|d| mine.contains(d) || waiting.contains(d) || folio_core::sync::has_change(&self.doc, d))
    }

    /// Judges the waiting messages of a batch, in order, with one guard call
    /// (`guard::guard_senders`: consecutive keystrokes of different people
    /// applied in one go, the same verdicts as one call per message), and
    /// collects each into `pending` as [`Self::judge_ready`] does. Each
    /// message comes with a tag (the caller's index) and its connection;
    /// gives back the tag and outcome of each message judged; `None` to stop
    /// the actor.
    pub(super) async fn judge_together(&mut self, waiting: Vec<(usize, ConnId, Vec<Change>)>, pending: &mut Pending) -> Option<Vec<(usize, Judged)>> {
        if waiting.is_empty() {
            return Some(Vec::new());
        }
        let now = self.state.clock().now();
        let before = self.doc.get_heads();
        let policy = self.policy().await?;
        // A peer dropped earlier in the batch (too many held changes) has no
        // info: its message is ignored, as its other messages are.
        let infos: Vec<Option<PeerInfo>> = waiting.iter().map(|(_, conn, _)| self.peer_index(*conn).map(|i| self.peers[i].info.clone())).collect();
        let messages: Vec<guard::Message<'_>> = waiting
            .iter()
            .zip(&infos)
            .filter_map(|((_, _, changes), info)| info.as_ref().map(|info| (changes.clone(), Sender { principal: &info.principal, profile: info.profile.as_ref() })))
            .collect();
        let cache = &mut self.guard_cache;
        let doc = &mut self.doc;
        let mut verdicts = policy.read(|e| guard::guard_senders(cache, doc, messages, e, now)).into_iter();
        let mut out = Vec::with_capacity(waiting.len());
        for ((tag, conn, changes), info) in waiting.into_iter().zip(infos) {
            let Some(info) = info else { continue };
            let verdict = verdicts.next();
            let Some(i) = self.peer_index(conn) else { continue };
            out.push((tag, self.book(i, &info, now, &before, changes, verdict, &policy, pending)));
        }
        Some(out)
    }

    /// The portfolio's policy; `None` (logged) if it cannot be had.
    async fn policy(&self) -> Option<std::sync::Arc<crate::policy::PortfolioPolicy>> {
        match self.state.policy().portfolio(&self.record.portfolio).await {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(document = %self.wire, error = %e, "no policy for document");
                None
            }
        }
    }

    /// Guards changes of peer `i` whose history is complete, and collects
    /// what to store, audit and answer into `pending`.
    pub(super) async fn judge_ready(&mut self, i: usize, changes: Vec<Change>, pending: &mut Pending) -> Judged {
        let now = self.state.clock().now();
        let info = self.peers[i].info.clone();
        let before = self.doc.get_heads();
        let Some(policy) = self.policy().await else { return Judged::Stop };
        let verdict = if info.mode == SyncMode::ReadOnly {
            None
        } else {
            let sender = Sender { principal: &info.principal, profile: info.profile.as_ref() };
            let creating = before.is_empty();
            if creating {
                let mut fork = self.doc.clone();
                let mut v = policy.read(|e| guard::guard(&mut fork, changes.clone(), sender, e, now));
                if !v.accepted().is_empty() && !self.is_registered_shape(&fork) {
                    v = guard::Verdict { changes: Vec::new(), heads: before.clone() };
                } else {
                    self.doc = fork;
                }
                Some(v)
            } else {
                let cache = &mut self.guard_cache;
                Some(policy.read(|e| guard::guard_cached(cache, &mut self.doc, changes.clone(), sender, e, now)))
            }
        };
        self.book(i, &info, now, &before, changes, verdict, &policy, pending)
    }

    /// Collects what the guard's `verdict` on peer `i`'s `changes` leaves to
    /// store, audit and answer into `pending` (`None`: nothing was judged —
    /// a read-only peer — so every new change is refused). `before`: the
    /// document's heads before the changes were judged.
    #[allow(clippy::too_many_arguments, reason = "one message's judgement, handed over once")]
    fn book(
        &mut self,
        i: usize,
        info: &PeerInfo,
        now: folio_core::time::Timestamp,
        before: &[ChangeHash],
        changes: Vec<Change>,
        verdict: Option<guard::Verdict>,
        policy: &PortfolioPolicy,
        pending: &mut Pending,
    ) -> Judged {
        let key = guard::principal_key(&info.principal);
        // Refused: everything the guard refused, and everything it never
        // judged (read-only peer, a created document of the wrong shape).
        let known: HashSet<ChangeHash> = before.iter().copied().collect();
        let mut accepted: Vec<(ChangeHash, Vec<DocPatch>)> = Vec::new();
        let mut refused: Vec<(ChangeHash, Vec<String>, Option<String>)> = Vec::new();
        let judged: HashSet<ChangeHash> = verdict.iter().flat_map(|v| v.changes.iter().map(|c| c.hash)).collect();
        if let Some(v) = &verdict {
            for c in &v.changes {
                match &c.outcome {
                    Outcome::Accepted { patches } => accepted.push((c.hash, patches.clone())),
                    Outcome::Rejected { reasons, .. } => refused.push((
                        c.hash,
                        reasons.iter().map(|r| r.message.clone()).collect(),
                        reasons.iter().find_map(|r| r.node.clone()),
                    )),
                }
            }
        }
        for c in &changes {
            let h = c.hash();
            if !judged.contains(&h) && !known.contains(&h) && self.doc.get_change_by_hash(&h).is_none() {
                let why = if info.mode == SyncMode::ReadOnly {
                    "you have read-only access to this document".to_owned()
                } else {
                    format!("this document was registered as the {} of `{}`; the change made it something else", self.record.role.kind(), self.record.node)
                };
                refused.push((h, vec![why], None));
            }
        }
        // Held changes building on a refused one can never be accepted.
        if !refused.is_empty() {
            let hashes: Vec<ChangeHash> = refused.iter().map(|(h, _, _)| *h).collect();
            let purged = self.peers[i].sync.purge_dependents(&hashes);
            let doomed: HashSet<ChangeHash> = hashes.iter().copied().chain(purged.iter().map(Change::hash)).collect();
            for c in purged {
                let dep = c.deps().iter().find(|d| doomed.contains(*d)).map_or_else(|| "?".to_owned(), |d| d.to_string()[..12].to_owned());
                refused.push((c.hash(), vec![format!("it builds on change {dep} which was refused")], None));
            }
        }
        // Collected for the batch's one transaction (see `commit`).
        // The accepted changes as they arrived (asking the document for them
        // would rebuild each from the op set).
        let arrived: std::collections::HashMap<ChangeHash, &Change> = changes.iter().map(|c| (c.hash(), c)).collect();
        for (h, patches) in &accepted {
            pending.entries.push(self.audit_entry(&key, now, AuditOutcome::Accepted, self.record.node.to_string(), action_of(patches), Some(format!("change {h}"))));
            pending.structural |= skeleton::touches_structure(patches);
            let change = match arrived.get(h) {
                Some(c) => (*c).clone(),
                None => match self.doc.get_change_by_hash(h) {
                    Some(c) => c,
                    None => continue,
                },
            };
            pending.accepted.push(change);
        }
        for (h, reasons, node) in &refused {
            let node = node.clone().unwrap_or_else(|| self.record.node.to_string());
            pending.entries.push(self.audit_entry(&key, now, AuditOutcome::Rejected, node, "change".into(), Some(format!("change {h}: {}", reasons.join("; ")))));
        }
        pending.refused += refused.len();
        if !refused.is_empty() && before.is_empty() && !policy.read(|e| may_read(e, &info.principal, &self.record, now)) {
            // A document being created whose node the creator may no longer
            // read: deleted (by this very person, a moment after adding it,
            // as likely as by anyone) or access ended, and the connection has
            // not yet closed the document. It is gone for this peer, which
            // hears `doc-unavailable` once the batch is durable — the read
            // boundary's answer — not a refusal for lacking write access to
            // something it just deleted. The audit rows above still say what
            // arrived and why. (Changes to an existing document keep their
            // refusal, which gives the writer the refused text back; the
            // connection closes the document right after.)
            pending.ended.push(info.conn);
        } else if !refused.is_empty() {
            let reasons: Vec<RejectionReason> = refused
                .iter()
                .flat_map(|(h, rs, _)| rs.iter().map(move |r| RejectionReason { hash: Some(*h), reason: r.clone() }))
                .collect();
            pending.rejections.push((info.out.clone(), refused.iter().map(|(h, _, _)| *h).collect(), reasons));
        }
        if refused.is_empty() { Judged::Ok } else { Judged::Refused }
    }

    pub(super) fn audit_entry(&self, principal: &str, now: folio_core::time::Timestamp, outcome: AuditOutcome, node: String, action: String, reason: Option<String>) -> AuditEntry {
        AuditEntry {
            at: now,
            principal: principal.to_owned(),
            document: Some(self.record.id.clone()),
            node: Some(node),
            action,
            outcome,
            reason,
        }
    }

    /// Whether a document being created is what the registry expects.
    fn is_registered_shape(&self, doc: &Automerge) -> bool {
        let kind = schema::kind_of(doc).map(|k| k.as_str());
        let node = match doc.get(ROOT, keys::NODE).ok().flatten() {
            Some((automerge::Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
            _ => None,
        };
        match &self.record.role {
            // Exactly the registration (`routes::documents::feedback`): its
            // thread, anchor node, opener and author. Visibility (`may_read`)
            // is decided from the registration, so the document must agree.
            DocumentRole::Feedback { thread, author, opener } => {
                let text = |obj: &automerge::ObjId, key: &str| match doc.get(obj, key).ok().flatten() {
                    Some((automerge::Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
                    Some((automerge::Value::Object(automerge::ObjType::Text), t)) => doc.text(&t).ok(),
                    _ => None,
                };
                let map = |key: &str| match doc.get(ROOT, key).ok().flatten() {
                    Some((automerge::Value::Object(automerge::ObjType::Map), o)) => Some(o),
                    _ => None,
                };
                kind == Some("feedback")
                    && node.as_deref() == Some(thread.as_str())
                    && text(&ROOT, keys::OPENER).as_deref() == Some(opener.as_str())
                    && map(keys::ANCHOR).and_then(|a| text(&a, keys::NODE)).as_deref() == Some(self.record.node.as_str())
                    && map(keys::AUTHOR).and_then(|a| text(&a, keys::PRINCIPAL)).as_deref() == Some(author.as_str())
            }
            role => kind == Some(role.kind()) && node.as_deref() == Some(self.record.node.as_str()),
        }
    }
}

/// What a batch of judged messages leaves to do once it is durable.
#[derive(Default)]
pub(super) struct Pending {
    /// The accepted changes, in the order they were applied.
    pub(super) accepted: Vec<Change>,
    pub(super) entries: Vec<AuditEntry>,
    pub(super) rejections: Vec<(ConnSender, Vec<ChangeHash>, Vec<RejectionReason>)>,
    pub(super) refused: usize,
    pub(super) structural: bool,
    /// Peers whose released (held) changes were refused: their sync state
    /// is reset once the batch is durable, as for a refused message.
    pub(super) refused_peers: Vec<ConnId>,
    /// Peers whose creation of this document was refused after their read
    /// access to its node ended: dropped and told the document is
    /// unavailable once the batch is durable (see `book`).
    pub(super) ended: Vec<ConnId>,
}

pub(super) enum Judged {
    Ok,
    Refused,
    /// The peer was dropped (too many held changes); its message is ignored.
    Dropped,
    Stop,
}

/// A short name for what accepted patches did, for the audit log.
fn action_of(patches: &[DocPatch]) -> String {
    let first = patches.iter().find_map(|p| match p {
        DocPatch::NodeAdded { .. } | DocPatch::EntryAdded { .. } => Some("create"),
        DocPatch::NodeRemoved { .. } | DocPatch::EntryRemoved { .. } => Some("delete"),
        _ => None,
    });
    first.unwrap_or("write").to_owned()
}
