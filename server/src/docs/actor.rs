//! The task that owns one open document.
//!
//! Everything that touches the authoritative document happens here, one
//! message at a time, so accepted changes are committed and relayed in one
//! order. For a batch of incoming changes:
//!
//! 1. unpack the sync message's chunks into changes without applying any
//!    (whole-document chunks are unpacked change by change, never trusted as
//!    a whole: [`IncomingSync::changes`]);
//! 2. hold the changes whose dependencies have not arrived yet in the peer's
//!    [`DocPeerSync`] (`folio_core::sync::holdback`: bounded per peer and
//!    document by `--max-held-changes`/`--max-held-bytes`; over the cap the
//!    peer gets an `error` and is dropped, nothing of the message stored,
//!    nobody else disturbed), and run `folio_core::guard` with the
//!    portfolio's engine at the server's `now` on the rest (a read-only
//!    peer's changes are refused without looking). Once a message's changes
//!    are judged, every peer's held changes whose history is now complete are
//!    judged too, as their own sender (a change may wait for one another peer
//!    sent); held changes that build on a refused one are refused with it.
//!    A held change is not in the document: it is neither stored, nor
//!    acknowledged, nor relayed, and it is dropped when its peer leaves;
//! 3. append the accepted changes *and* one audit entry per judged change
//!    (accepted or refused) to storage in one transaction, and wait until it
//!    is durable (`synchronous=FULL`);
//! 4. only then acknowledge and relay: a fresh sync message to every peer,
//!    in join order; the sender gets `rejected` for what was refused;
//! 5. update metrics, and reconcile the tree skeleton if the structure
//!    changed.
//!
//! Group commit: sync messages already queued when the actor takes one (up
//! to `MAX_BATCH`) go through steps 1–2 one by one, then share steps 3–5:
//! one transaction, one fsync, one broadcast. Under load this turns N fsyncs
//! and N broadcasts into one each; an idle document still answers at once.
//!
//! Crash safety (tested by `server/tests/crash.rs`, which SIGKILLs the real
//! binary under load): an acknowledged change was committed before the
//! acknowledgement left, so a restart finds it, with its audit row.
//!
//! If storage fails in step 3, the in-memory document holds changes that
//! are not durable: the actor tells every peer the document is unavailable
//! and stops, so the next use reloads what was really stored.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use automerge::{Automerge, Change, ChangeHash, ReadDoc, ROOT};
use folio_core::doc::DocPatch;
use folio_core::doc::schema::{self, keys};
use folio_core::guard::{self, Outcome, Sender};
use folio_core::sync::{DocPeerSync, DocumentId as WireId, IncomingSync, RejectionReason, SyncMode};
use tokio::sync::mpsc;

use super::messages::{ConnId, DocCmd, PeerInfo, ToConn};
use super::skeleton;
use crate::state::AppState;
use crate::storage::{AuditEntry, DocumentId, DocumentRecord, DocumentRole, Outcome as AuditOutcome, Snapshot, StoredChange};

/// A judged message to record: the message, and the document's heads
/// before its changes were applied.
type Received = (IncomingSync, Vec<ChangeHash>);

/// Compact after this many stored changes.
const COMPACT_EVERY: usize = 500;

/// Most sync messages judged and committed together. Large because each
/// batch ends with one fsync and one broadcast (see `broadcast`): on a busy
/// document most queued messages are peers' head announcements, and taking
/// everything queued (up to the document channel's capacity of 1024) means
/// one broadcast per batch of edits. An idle document still answers at
/// once: a batch is only what is already queued.
const MAX_BATCH: usize = 512;

struct Peer {
    info: PeerInfo,
    sync: DocPeerSync,
}

pub(super) struct DocActor {
    pub(super) state: AppState,
    pub(super) record: DocumentRecord,
    pub(super) wire: WireId,
    pub(super) doc: Automerge,
    pub(super) uncompacted: Vec<ChangeHash>,
    peers: Vec<Peer>,
    /// The document's heads at the last broadcast.
    broadcast_heads: Vec<ChangeHash>,
    /// Peers whose sync state changed outside a batch (joined, mode
    /// switched): asked at the next broadcast whatever it carries.
    stale: HashSet<ConnId>,
    /// Where the text being typed into is, between keystrokes (see
    /// `folio_core::guard::guard_cached`; trusted only at the heads it was
    /// found at, so it never outlives a change of the document).
    guard_cache: guard::GuardCache,
}

/// Loads a document from storage.
pub(super) async fn load(state: &AppState, id: &DocumentId) -> Result<(Automerge, Vec<ChangeHash>), String> {
    let stored = state.storage().load_document(id).await.map_err(|e| e.to_string())?;
    let mut doc = match &stored.snapshot {
        Some(s) => Automerge::load(&s.data).map_err(|e| e.to_string())?,
        None => Automerge::new(),
    };
    let mut hashes = Vec::with_capacity(stored.changes.len());
    for c in &stored.changes {
        doc.load_incremental(&c.data).map_err(|e| e.to_string())?;
        hashes.push(c.hash);
    }
    Ok((doc, hashes))
}

impl DocActor {
    pub(super) fn new(state: AppState, record: DocumentRecord, wire: WireId, doc: Automerge, uncompacted: Vec<ChangeHash>) -> Self {
        DocActor { state, record, wire, doc, uncompacted, peers: Vec::new(), broadcast_heads: Vec::new(), stale: HashSet::new(), guard_cache: guard::GuardCache::default() }
    }

    /// Runs until idle for `idle` with no peers, or until storage fails.
    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<DocCmd>, registry: super::DocRegistry, idle: Duration) {
        self.reconcile().await;
        loop {
            let cmd = if self.peers.is_empty() {
                match tokio::time::timeout(idle, rx.recv()).await {
                    Ok(Some(cmd)) => cmd,
                    Ok(None) => break,
                    Err(_) => {
                        if registry.retire(&self.wire, &rx) {
                            break;
                        }
                        continue;
                    }
                }
            } else {
                match rx.recv().await {
                    Some(cmd) => cmd,
                    None => break,
                }
            };
            // Group commit: sync messages already queued behind this one are
            // judged together and committed in one transaction (one fsync),
            // then relayed with one broadcast. Anything else ends the batch
            // and runs after it, so the order of commands is kept.
            let (ok, rest) = match cmd {
                DocCmd::Sync { conn, data } => {
                    let mut batch = vec![(conn, data)];
                    let mut rest = None;
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(DocCmd::Sync { conn, data }) => batch.push((conn, data)),
                            Ok(other) => {
                                rest = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    (self.on_syncs(batch).await, rest)
                }
                other => (self.handle(other).await, None),
            };
            let ok = match rest {
                Some(cmd) if ok => self.handle(cmd).await,
                _ => ok,
            };
            if !ok {
                registry.forget(&self.wire);
                for p in &self.peers {
                    let _ = p.info.out.send(ToConn::Unavailable { document: self.wire });
                }
                self.state.metrics().documents_open.fetch_sub(1, Ordering::Relaxed);
                return;
            }
        }
        self.compact().await;
        self.state.metrics().documents_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// Handles one command; `false` when the actor must stop.
    async fn handle(&mut self, cmd: DocCmd) -> bool {
        match cmd {
            DocCmd::Open(info) => {
                self.peers.retain(|p| p.info.conn != info.conn);
                let sync = DocPeerSync::with_limits(info.mode, self.state.config().limits.hold());
                self.stale.insert(info.conn);
                self.peers.push(Peer { info, sync });
                true
            }
            DocCmd::Close { conn } => {
                self.peers.retain(|p| p.info.conn != conn);
                true
            }
            DocCmd::Access { conn, principal, mode } => {
                if let Some(p) = self.peers.iter_mut().find(|p| p.info.conn == conn) {
                    p.info.principal = principal;
                    if p.info.mode != mode {
                        p.info.mode = mode;
                        p.sync.set_mode(mode);
                        self.stale.insert(conn);
                    }
                }
                true
            }
            DocCmd::Ephemeral { conn, message } => {
                for p in self.peers.iter().filter(|p| p.info.conn != conn) {
                    let _ = p.info.out.send(ToConn::Ephemeral(message.clone()));
                }
                true
            }
            DocCmd::Sync { conn, data } => self.on_syncs(vec![(conn, data)]).await,
            DocCmd::Authored { changes, principal, action, reason, reply } => {
                let (ok, answer) = self.on_authored(changes, &principal, action, reason).await;
                let _ = reply.send(answer);
                ok
            }
        }
    }

    /// Applies changes the server authored (see [`DocCmd::Authored`]):
    /// no guard, otherwise steps 3–5 as for accepted changes. Changes the
    /// document already has are skipped, so a repeated step is a no-op.
    async fn on_authored(&mut self, changes: Vec<Change>, principal: &str, action: String, reason: String) -> (bool, Result<(), String>) {
        // Whether the document has a change (asking for the change itself
        // would rebuild it from the op set).
        let has = |doc: &Automerge, h: &ChangeHash| doc.get_change_meta_by_hash(h).is_some();
        let fresh: Vec<Change> = changes.into_iter().filter(|c| !has(&self.doc, &c.hash())).collect();
        if fresh.is_empty() {
            return (true, Ok(()));
        }
        let ours: HashSet<ChangeHash> = fresh.iter().map(Change::hash).collect();
        if fresh.iter().flat_map(|c| c.deps()).any(|d| !ours.contains(d) && !has(&self.doc, d)) {
            return (true, Err("the change builds on changes this document does not have".into()));
        }
        if let Err(e) = self.doc.apply_changes(fresh.clone()) {
            // The document may hold part of it now: unload, the next use reloads what is stored.
            tracing::warn!(document = %self.wire, error = %e, "a server-authored change does not apply");
            return (false, Err(e.to_string()));
        }
        let now = self.state.clock().now();
        let key = principal.to_owned();
        let mut pending = Pending::default();
        for c in &fresh {
            pending.entries.push(self.audit_entry(&key, now, AuditOutcome::Accepted, self.record.node.to_string(), action.clone(), Some(format!("change {}: {reason}", c.hash()))));
            pending.stored.push(StoredChange { hash: c.hash(), data: c.raw_bytes().to_vec() });
        }
        pending.structural = true;
        let Some(stored) = self.commit(pending).await else {
            return (false, Err("the change could not be stored".into()));
        };
        let stale: HashSet<ConnId> = self.stale.drain().collect();
        self.relay(&stored, &stale);
        (true, Ok(()))
    }

    fn peer_index(&self, conn: ConnId) -> Option<usize> {
        self.peers.iter().position(|p| p.info.conn == conn)
    }

    /// Judges a batch of sync messages, commits what was accepted (with the
    /// audit rows of everything judged) in one transaction, and only then
    /// answers: rejections, then one broadcast.
    async fn on_syncs(&mut self, batch: Vec<(ConnId, Vec<u8>)>) -> bool {
        let mut pending = Pending::default();
        // Per message: the decoded message to record with the document's
        // heads before its changes, or `None` if refused.
        let mut received: Vec<(ConnId, Option<Received>)> = Vec::with_capacity(batch.len());
        for (conn, data) in batch {
            let Some(i) = self.peer_index(conn) else { continue };
            let incoming = match IncomingSync::decode(self.wire, &data) {
                Ok(m) => m,
                Err(e) => {
                    let _ = self.peers[i].info.out.send(ToConn::Fatal(e.to_string()));
                    continue;
                }
            };
            let before = self.doc.get_heads();
            if incoming.has_changes() {
                let changes = match incoming.changes() {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = self.peers[i].info.out.send(ToConn::Fatal(e.to_string()));
                        continue;
                    }
                };
                match self.judge(i, changes, &mut pending).await {
                    Judged::Stop => return false,
                    Judged::Refused => {
                        received.push((conn, None));
                        continue;
                    }
                    Judged::Dropped => continue,
                    Judged::Ok => {}
                }
            }
            received.push((conn, Some((incoming, before))));
        }
        // Held changes whose history this batch completed, any peer's.
        loop {
            let mut progress = false;
            for j in 0..self.peers.len() {
                let ready = self.peers[j].sync.release(&self.doc);
                if ready.is_empty() {
                    continue;
                }
                progress = true;
                match self.judge_ready(j, ready, &mut pending).await {
                    Judged::Stop => return false,
                    Judged::Refused => pending.refused_peers.push(self.peers[j].info.conn),
                    Judged::Ok | Judged::Dropped => {}
                }
            }
            if !progress {
                break;
            }
        }
        let refused_peers = std::mem::take(&mut pending.refused_peers);
        let Some(fresh) = self.commit(pending).await else {
            return false;
        };
        // Who may have something new to hear: everyone if the document
        // changed; otherwise only the peers whose sync state this batch
        // touched (see `broadcast`).
        let mut touched: HashSet<ConnId> = received.iter().map(|(c, _)| *c).collect();
        touched.extend(refused_peers.iter().copied());
        touched.extend(self.stale.drain());
        for conn in refused_peers {
            if let Some(i) = self.peer_index(conn) {
                self.peers[i].sync.refuse();
            }
        }
        for (conn, incoming) in received {
            let Some(i) = self.peer_index(conn) else { continue };
            let peer = &mut self.peers[i];
            match incoming {
                None => peer.sync.refuse(),
                Some((incoming, before)) => {
                    if let Err(e) = peer.sync.record_received(&mut self.doc, incoming, &before) {
                        tracing::debug!(document = %self.wire, error = %e, "sync message not recorded");
                        peer.sync.refuse();
                    }
                }
            }
        }
        self.relay(&fresh, &touched);
        true
    }

    /// After a commit: everyone hears of `fresh` if the heads moved since the
    /// last broadcast, otherwise only the `touched` peers (see `broadcast`).
    fn relay(&mut self, fresh: &[StoredChange], touched: &HashSet<ConnId>) {
        let heads = self.doc.get_heads();
        let changed = heads != self.broadcast_heads;
        self.broadcast_heads = heads;
        self.broadcast(fresh, |conn| changed || touched.contains(&conn));
    }

    /// Sends what it lacks to every peer `dirty` selects, in join order.
    ///
    /// Automerge's `generate_sync_message` builds a bloom filter of the
    /// changes since the last shared heads and works out what to send
    /// before deciding there is nothing to say, so asking all 100 peers of a
    /// busy document after every batch costs 100 of those. A peer whose
    /// sync state did not change (no message from it in this batch, not
    /// reset) and whose document did not change since the last broadcast
    /// would get nothing — its previous answer already covered this state
    /// (automerge answers once per state, then waits: `in_flight`) — so
    /// when the heads are unchanged only the peers this batch touched are
    /// asked.
    ///
    /// The changes this batch committed (`fresh`) are handed over as they
    /// arrived, encoded once for all peers, rather than rebuilt by automerge
    /// for each peer; and what a peer lacks is found from its heads, not from
    /// its bloom filter over the whole history (`DocPeerSync::generate_pushing`).
    fn broadcast(&mut self, fresh: &[StoredChange], dirty: impl Fn(ConnId) -> bool) {
        let fresh: folio_core::sync::Fresh<'_> = fresh.iter().map(|c| (c.hash, c.data.as_slice())).collect();
        for p in &mut self.peers {
            if !dirty(p.info.conn) {
                continue;
            }
            if let Some(data) = p.sync.generate_pushing(&self.doc, &fresh) {
                let _ = p.info.out.send(ToConn::Sync { document: self.wire, data });
            }
        }
    }

    /// Takes a message's changes from peer `i`: holds those missing a
    /// dependency and judges the rest (see [`Self::judge_ready`]).
    async fn judge(&mut self, i: usize, changes: Vec<Change>, pending: &mut Pending) -> Judged {
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

    /// Guards changes of peer `i` whose history is complete, and collects
    /// what to store, audit and answer into `pending`.
    async fn judge_ready(&mut self, i: usize, changes: Vec<Change>, pending: &mut Pending) -> Judged {
        let now = self.state.clock().now();
        let info = self.peers[i].info.clone();
        let key = guard::principal_key(&info.principal);
        let before = self.doc.get_heads();
        let policy = match self.state.policy().portfolio(&self.record.portfolio).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(document = %self.wire, error = %e, "no policy for document");
                return Judged::Stop;
            }
        };
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
        // The accepted changes' bytes as they arrived (asking the document
        // for them would rebuild each from the op set).
        let arrived: std::collections::HashMap<ChangeHash, &Change> = changes.iter().map(|c| (c.hash(), c)).collect();
        for (h, patches) in &accepted {
            pending.entries.push(self.audit_entry(&key, now, AuditOutcome::Accepted, self.record.node.to_string(), action_of(patches), Some(format!("change {h}"))));
            pending.structural |= skeleton::touches_structure(patches);
            let data = match arrived.get(h) {
                Some(c) => c.raw_bytes().to_vec(),
                None => match self.doc.get_change_by_hash(h) {
                    Some(c) => c.raw_bytes().to_vec(),
                    None => continue,
                },
            };
            pending.stored.push(StoredChange { hash: *h, data });
        }
        for (h, reasons, node) in &refused {
            let node = node.clone().unwrap_or_else(|| self.record.node.to_string());
            pending.entries.push(self.audit_entry(&key, now, AuditOutcome::Rejected, node, "change".into(), Some(format!("change {h}: {}", reasons.join("; ")))));
        }
        pending.refused += refused.len();
        if !refused.is_empty() {
            let reasons: Vec<RejectionReason> = refused
                .iter()
                .flat_map(|(h, rs, _)| rs.iter().map(move |r| RejectionReason { hash: Some(*h), reason: r.clone() }))
                .collect();
            pending.rejections.push((info.out.clone(), refused.iter().map(|(h, _, _)| *h).collect(), reasons));
        }
        if refused.is_empty() { Judged::Ok } else { Judged::Refused }
    }

    fn audit_entry(&self, principal: &str, now: folio_core::time::Timestamp, outcome: AuditOutcome, node: String, action: String, reason: Option<String>) -> AuditEntry {
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

    /// Brings the engine's tree in step with this document and registers the
    /// documents it names.
    pub(super) async fn reconcile(&mut self) {
        let Ok(policy) = self.state.policy().portfolio(&self.record.portfolio).await else { return };
        let derived = policy.read(|e| skeleton::derive(&self.doc, &self.record, e));
        let now = self.state.clock().now();
        for child in &derived.children {
            if let Err(e) = self.state.storage().register_document(child, now).await {
                tracing::warn!(error = %e, "cannot register a child document");
            }
        }
        if let Err(e) = self.state.policy().apply_tree(&self.record.portfolio, &derived.tree).await {
            tracing::warn!(error = %e, "cannot update the tree");
        }
        if self.uncompacted.len() >= COMPACT_EVERY {
            self.compact().await;
        }
    }

    /// Saves a snapshot and drops the changes it covers (atomically).
    async fn compact(&mut self) {
        if self.uncompacted.is_empty() {
            return;
        }
        let snapshot = Snapshot { heads: self.doc.get_heads(), data: self.doc.save() };
        let now = self.state.clock().now();
        match self.state.storage().compact(&self.record.id, &snapshot, &self.uncompacted, now).await {
            Ok(()) => self.uncompacted.clear(),
            Err(e) => tracing::warn!(document = %self.wire, error = %e, "compaction failed; changes stay"),
        }
    }
}

/// What a batch of judged messages leaves to do once it is durable.
#[derive(Default)]
struct Pending {
    stored: Vec<StoredChange>,
    entries: Vec<AuditEntry>,
    rejections: Vec<(super::ConnSender, Vec<ChangeHash>, Vec<RejectionReason>)>,
    refused: usize,
    structural: bool,
    /// Peers whose released (held) changes were refused: their sync state
    /// is reset once the batch is durable, as for a refused message.
    refused_peers: Vec<ConnId>,
}

impl DocActor {
    /// 3.–5.: makes the batch durable, then tells the senders of refused
    /// changes, counts, and reconciles the tree. `None` if accepted changes
    /// could not be stored (the actor must stop: memory is ahead of disk).
    /// Gives back the stored changes, for the broadcast.
    async fn commit(&mut self, pending: Pending) -> Option<Vec<StoredChange>> {
        let Pending { stored, entries, rejections, refused, structural, .. } = pending;
        // 3. durable before anything is acknowledged or relayed: the accepted
        // changes and the audit rows of every judged change (accepted and
        // refused) go into one transaction, so an acknowledged change always
        // has its audit row and no audit row names a change that was lost.
        if !entries.is_empty() {
            let now = self.state.clock().now();
            let written = self.state.storage().append_changes_audited(&self.record.id, &stored, &entries, now).await;
            if let Err(e) = written {
                if !stored.is_empty() {
                    tracing::error!(document = %self.wire, error = %e, "cannot store accepted changes; unloading the document");
                    return None;
                }
                tracing::error!(document = %self.wire, error = %e, "cannot write the audit log");
            }
            self.uncompacted.extend(stored.iter().map(|c| c.hash));
        }
        // 4. the senders learn what was refused, with the server's heads.
        let heads = self.doc.get_heads();
        for (out, hashes, reasons) in rejections {
            let _ = out.send(ToConn::Rejected { document: self.wire, hashes, reasons, heads: heads.clone() });
        }
        // 5. metrics, tree.
        let metrics = self.state.metrics();
        metrics.changes_accepted.fetch_add(stored.len() as u64, Ordering::Relaxed);
        metrics.changes_rejected.fetch_add(refused as u64, Ordering::Relaxed);
        if structural {
            self.reconcile().await;
        }
        Some(stored)
    }
}

enum Judged {
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
