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
//!    in join order; the sender gets `rejected` for what was refused — or,
//!    if it was creating the document and may no longer read its node (it
//!    deleted the node a moment after adding it), `doc-unavailable`;
//! 5. update metrics, and reconcile the tree skeleton if the structure
//!    changed.
//!
//! Group commit: sync messages already queued when the actor takes one (up
//! to `MAX_BATCH`) go through steps 1–2 in order, then share steps 3–5:
//! one transaction, one fsync, one broadcast. Under load this turns N fsyncs
//! and N broadcasts into one each; an idle document still answers at once.
//! In step 2, consecutive messages that need no holding back (every
//! dependency present, a peer that may write and holds nothing) are judged
//! with one guard call (`folio_core::guard::guard_senders`), which applies
//! the keystrokes of many people in one `apply_changes` and gives each
//! message the verdict it would have had alone (`judge` module).
//!
//! Crash safety (tested by `server/tests/process/crash.rs`, which SIGKILLs the real
//! binary under load): an acknowledged change was committed before the
//! acknowledgement left, so a restart finds it, with its audit row.
//!
//! If storage fails in step 3, the in-memory document holds changes that
//! are not durable: the actor tells every peer the document is unavailable
//! and stops, so the next use reloads what was really stored.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use automerge::{Automerge, Change, ChangeHash};
use folio_core::guard;
use folio_core::sync::{Ancestry, DocPeerSync, DocumentId as WireId, IncomingSync};
use tokio::sync::mpsc;

mod judge;

use judge::{Judged, Pending};

use super::messages::{ConnId, DocCmd, PeerInfo, ToConn};
use super::skeleton;
use crate::state::AppState;
use crate::storage::{DocumentId, DocumentRecord, Outcome as AuditOutcome, Snapshot, StoredChange};

/// A judged message to record: the message, and the document's heads
/// before its changes were applied.
type Received = (IncomingSync, Vec<ChangeHash>);

/// Messages of a batch waiting to be judged together: their index in the
/// batch's list of received messages, connection and changes; and the
/// hashes of those changes.
#[derive(Default)]
struct Waiting {
    messages: Vec<(usize, ConnId, Vec<Change>)>,
    hashes: HashSet<ChangeHash>,
}

/// Shortest time between two relays of changes of a document. Under load
/// every commit would otherwise go out to every peer as its own message
/// (100 editors typing: hundreds of messages a second to each browser);
/// waiting this long gathers them, and an idle document is not delayed at
/// all (its last relay is long past). Relays that only answer head
/// announcements do not count.
const RELAY_EVERY: Duration = Duration::from_millis(10);

/// Compact after this many stored changes, when the structure changes.
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
    /// The stored size of the `uncompacted` changes, and of the snapshot.
    uncompacted_bytes: usize,
    snapshot_bytes: usize,
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
    /// Vector clocks of the changes committed lately: which of them a
    /// peer's heads cover (`folio_core::sync::ancestry`).
    ancestry: Ancestry,
    /// When the last relay carrying changes went out.
    last_relay: Option<std::time::Instant>,
}

/// A document as loaded from storage, with what its actor needs to know of
/// what is stored.
pub(super) struct Loaded {
    pub(super) doc: Automerge,
    uncompacted: Vec<ChangeHash>,
    uncompacted_bytes: usize,
    snapshot_bytes: usize,
}

/// Loads a document from storage.
pub(super) async fn load(state: &AppState, id: &DocumentId) -> Result<Loaded, String> {
    let stored = state.storage().load_document(id).await.map_err(|e| e.to_string())?;
    let doc = stored.rebuild()?;
    Ok(Loaded {
        doc,
        uncompacted: stored.changes.iter().map(|c| c.hash).collect(),
        uncompacted_bytes: stored.changes.iter().map(|c| c.data.len()).sum(),
        snapshot_bytes: stored.snapshot.as_ref().map_or(0, |s| s.data.len()),
    })
}

impl DocActor {
    pub(super) fn new(state: AppState, record: DocumentRecord, wire: WireId, loaded: Loaded) -> Self {
        let Loaded { doc, uncompacted, uncompacted_bytes, snapshot_bytes } = loaded;
        let broadcast_heads = doc.get_heads();
        DocActor { state, record, wire, doc, uncompacted, uncompacted_bytes, snapshot_bytes, peers: Vec::new(), broadcast_heads, stale: HashSet::new(), guard_cache: guard::GuardCache::default(), ancestry: Ancestry::default(), last_relay: None }
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
                    // A busy document relays at most once per `RELAY_EVERY`:
                    // what arrives meanwhile joins this batch.
                    if let Some(wait) = self.last_relay.map(|t| RELAY_EVERY.saturating_sub(t.elapsed()))
                        && !wait.is_zero()
                    {
                        tokio::time::sleep(wait).await;
                    }
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
        let has = |doc: &Automerge, h: &ChangeHash| folio_core::sync::has_change(doc, h);
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
        }
        pending.accepted = fresh;
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
        // Messages judged together (see `judge::may_wait`), by their index
        // in `received`, and the hashes of their changes.
        let mut waiting = Waiting::default();
        for (conn, data) in batch {
            let Some(i) = self.peer_index(conn) else { continue };
            let incoming = match IncomingSync::decode(self.wire, &data) {
                Ok(m) => m,
                Err(e) => {
                    let _ = self.peers[i].info.out.send(ToConn::Fatal(e.to_string()));
                    continue;
                }
            };
            if incoming.has_changes() {
                let changes = match incoming.changes() {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = self.peers[i].info.out.send(ToConn::Fatal(e.to_string()));
                        continue;
                    }
                };
                if self.may_wait(i, &changes, &waiting.hashes) {
                    waiting.hashes.extend(changes.iter().map(Change::hash));
                    waiting.messages.push((received.len(), conn, changes));
                    received.push((conn, Some((incoming, self.doc.get_heads()))));
                    continue;
                }
                // Anything else is judged after the messages before it.
                if !self.judge_waiting(&mut waiting, &mut received, &mut pending).await {
                    return false;
                }
                let before = self.doc.get_heads();
                match self.judge(i, changes, &mut pending).await {
                    Judged::Stop => return false,
                    Judged::Refused => {
                        received.push((conn, None));
                        continue;
                    }
                    Judged::Dropped => continue,
                    Judged::Ok => {}
                }
                received.push((conn, Some((incoming, before))));
                continue;
            }
            let heads = self.doc.get_heads();
            received.push((conn, Some((incoming, heads))));
        }
        if !self.judge_waiting(&mut waiting, &mut received, &mut pending).await {
            return false;
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
                    if let Err(e) = peer.sync.record_received(&self.doc, incoming, &before, Some(&self.ancestry)) {
                        tracing::debug!(document = %self.wire, error = %e, "sync message not recorded");
                        peer.sync.refuse();
                    }
                }
            }
        }
        self.relay(&fresh, &touched);
        // After any batch, once the changes stored since the snapshot weigh
        // `--compact-bytes` and more than the snapshot (automerge-repo's
        // rule, with a floor). Typing changes nothing structural, so without
        // this a document typed into for hours kept every keystroke as its
        // own row until its actor unloaded: unbounded rows, and as many
        // changes to apply after a crash. A keystroke is about 100 bytes and
        // a typed text saves small (190,000 keystrokes of one person: a
        // 403-byte snapshot, saved in 5 ms), so the default 1 MiB is one
        // compaction per ~10,000 keystrokes.
        let floor = usize::try_from(self.state.config().limits.compact_bytes).unwrap_or(usize::MAX);
        if self.uncompacted_bytes >= self.snapshot_bytes.max(floor) {
            self.compact().await;
        }
        true
    }

    /// Judges the messages waiting in `waiting` together; a refused one's
    /// entry in `received` becomes `None`. `false` when the actor must stop.
    async fn judge_waiting(&mut self, waiting: &mut Waiting, received: &mut [(ConnId, Option<Received>)], pending: &mut Pending) -> bool {
        waiting.hashes.clear();
        let messages = std::mem::take(&mut waiting.messages);
        let Some(judged) = self.judge_together(messages, pending).await else { return false };
        for (k, outcome) in judged {
            if matches!(outcome, Judged::Refused | Judged::Dropped) {
                received[k].1 = None;
            }
        }
        true
    }

    /// After a commit: everyone hears of `fresh` if the heads moved since the
    /// last broadcast, otherwise only the `touched` peers (see `broadcast`).
    fn relay(&mut self, fresh: &[Change], touched: &HashSet<ConnId>) {
        if !fresh.is_empty() {
            self.last_relay = Some(std::time::Instant::now());
        }
        let heads = self.doc.get_heads();
        let before = std::mem::replace(&mut self.broadcast_heads, heads.clone());
        let changed = heads != before;
        let fresh = folio_core::sync::Fresh::new(&self.doc, &before, fresh);
        self.broadcast(&fresh, |conn| changed || touched.contains(&conn));
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
    /// for each peer; and what a peer lacks is found among them when it had
    /// everything before, otherwise from its heads — never from its bloom
    /// filter over the whole history (`DocPeerSync::generate_pushing`).
    fn broadcast(&mut self, fresh: &folio_core::sync::Fresh<'_>, dirty: impl Fn(ConnId) -> bool) {
        for p in &mut self.peers {
            if !dirty(p.info.conn) {
                continue;
            }
            if let Some(data) = p.sync.generate_pushing(&self.doc, fresh) {
                let _ = p.info.out.send(ToConn::Sync { document: self.wire, data });
            }
        }
    }


    /// Brings the engine's tree in step with this document and registers the
    /// documents it names — in that order, so a registered document's node is
    /// already in the tree: the creator's offer of a new document, racing
    /// this, finds either no registration (`doc-unavailable`, offered again)
    /// or a node it may write, never a registration without its node.
    pub(super) async fn reconcile(&mut self) {
        let Ok(policy) = self.state.policy().portfolio(&self.record.portfolio).await else { return };
        let derived = policy.read(|e| skeleton::derive(&self.doc, &self.record, e));
        if let Err(e) = self.state.policy().apply_tree(&self.record.portfolio, &derived.tree).await {
            tracing::warn!(error = %e, "cannot update the tree");
        }
        let now = self.state.clock().now();
        for child in &derived.children {
            if let Err(e) = self.state.storage().register_document(child, now).await {
                tracing::warn!(error = %e, "cannot register a child document");
            }
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
            Ok(()) => {
                self.uncompacted.clear();
                self.uncompacted_bytes = 0;
                self.snapshot_bytes = snapshot.data.len();
            }
            Err(e) => tracing::warn!(document = %self.wire, error = %e, "compaction failed; changes stay"),
        }
    }
}

impl DocActor {
    /// 3.–5.: makes the batch durable, then tells the senders of refused
    /// changes, counts, and reconciles the tree. `None` if accepted changes
    /// could not be stored (the actor must stop: memory is ahead of disk).
    /// Gives back the stored changes, for the broadcast.
    async fn commit(&mut self, pending: Pending) -> Option<Vec<Change>> {
        let Pending { accepted, entries, rejections, refused, structural, ended, .. } = pending;
        // Stored as they arrived.
        let stored: Vec<StoredChange> = accepted.iter().map(|c| StoredChange { hash: c.hash(), data: c.raw_bytes().to_vec() }).collect();
        // 3. durable before anything is acknowledged or relayed: the accepted
        // changes and the audit rows of every judged change (accepted and
        // refused) go into one transaction, so an acknowledged change always
        // has its audit row and no audit row names a change that was lost.
        if !entries.is_empty() {
            let now = self.state.clock().now();
            let written = self.state.storage().append_changes_audited(&self.record.id, stored, entries, now).await;
            if let Err(e) = written {
                if !accepted.is_empty() {
                    tracing::error!(document = %self.wire, error = %e, "cannot store accepted changes; unloading the document");
                    return None;
                }
                tracing::error!(document = %self.wire, error = %e, "cannot write the audit log");
            }
            self.uncompacted.extend(accepted.iter().map(Change::hash));
            self.uncompacted_bytes += accepted.iter().map(|c| c.raw_bytes().len()).sum::<usize>();
            for c in &accepted {
                self.ancestry.add(&self.doc, c);
            }
        }
        // 4. the senders learn what was refused, with the server's heads.
        let heads = self.doc.get_heads();
        for (out, hashes, reasons) in rejections {
            let _ = out.send(ToConn::Rejected { document: self.wire, hashes, reasons, heads: heads.clone() });
        }
        // Peers that may no longer read the document leave it (see `book`).
        for conn in ended {
            if let Some(i) = self.peer_index(conn) {
                let peer = self.peers.remove(i);
                let _ = peer.info.out.send(ToConn::Unavailable { document: self.wire });
            }
        }
        // 5. metrics, tree.
        let metrics = self.state.metrics();
        metrics.changes_accepted.fetch_add(accepted.len() as u64, Ordering::Relaxed);
        metrics.changes_rejected.fetch_add(refused as u64, Ordering::Relaxed);
        if structural {
            self.reconcile().await;
        }
        Some(accepted)
    }
}
