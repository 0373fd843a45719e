//! The task that owns one open document.
//!
//! Everything that touches the authoritative document happens here, one
//! message at a time, so accepted changes are committed and relayed in one
//! order. For a batch of incoming changes:
//!
//! 1. unpack the sync message's chunks into changes (whole-document chunks
//!    are unpacked change by change, never trusted as a whole);
//! 2. run `folio_core::guard` with the portfolio's engine at the server's
//!    `now` (a read-only peer's changes are refused without looking);
//! 3. append the accepted changes to storage and wait until it is durable;
//! 4. only then acknowledge and relay: a fresh sync message to every peer,
//!    in join order; the sender gets `rejected` for what was refused;
//! 5. write one audit entry per change, update metrics, and reconcile the
//!    tree skeleton if the structure changed.
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
use crate::metrics::inc;
use crate::state::AppState;
use crate::storage::{AuditEntry, DocumentId, DocumentRecord, DocumentRole, Outcome as AuditOutcome, Snapshot, StoredChange};

/// Compact after this many stored changes.
const COMPACT_EVERY: usize = 500;

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

/// The changes a sync message carries, whole-document chunks unpacked.
fn unpack(incoming: &IncomingSync) -> Result<Vec<Change>, String> {
    let mut out = Vec::new();
    for chunk in incoming.chunks() {
        match Change::from_bytes(chunk.to_vec()) {
            Ok(c) => out.push(c),
            Err(_) => {
                let whole = Automerge::load_with_options(
                    chunk,
                    automerge::LoadOptions::new().on_partial_load(automerge::OnPartialLoad::Error),
                )
                .map_err(|e| format!("a chunk is neither a change nor a document: {e}"))?;
                out.extend(whole.get_changes(&[]));
            }
        }
    }
    Ok(out)
}

impl DocActor {
    pub(super) fn new(state: AppState, record: DocumentRecord, wire: WireId, doc: Automerge, uncompacted: Vec<ChangeHash>) -> Self {
        DocActor { state, record, wire, doc, uncompacted, peers: Vec::new() }
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
            if !self.handle(cmd).await {
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
                let sync = DocPeerSync::new(info.mode);
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
            DocCmd::Sync { conn, data } => self.on_sync(conn, data).await,
        }
    }

    fn peer_index(&self, conn: ConnId) -> Option<usize> {
        self.peers.iter().position(|p| p.info.conn == conn)
    }

    async fn on_sync(&mut self, conn: ConnId, data: Vec<u8>) -> bool {
        let Some(i) = self.peer_index(conn) else { return true };
        let incoming = match IncomingSync::decode(self.wire, &data) {
            Ok(m) => m,
            Err(e) => {
                let _ = self.peers[i].info.out.send(ToConn::Fatal(e.to_string()));
                return true;
            }
        };
        if incoming.has_changes() {
            let changes = match unpack(&incoming) {
                Ok(c) => c,
                Err(detail) => {
                    let _ = self.peers[i].info.out.send(ToConn::Fatal(format!(
                        "the sync message for document `{}` is malformed: {detail}",
                        self.wire
                    )));
                    return true;
                }
            };
            match self.judge(i, changes).await {
                Judged::Stop => return false,
                Judged::Refused => {
                    self.peers[i].sync.refuse();
                    self.broadcast();
                    return true;
                }
                Judged::Ok => {}
            }
        }
        let peer = &mut self.peers[i];
        if let Err(e) = peer.sync.record_received(&mut self.doc, incoming) {
            tracing::debug!(document = %self.wire, error = %e, "sync message not recorded");
            peer.sync.refuse();
        }
        self.broadcast();
        true
    }

    /// Sends every peer what it lacks, in join order.
    fn broadcast(&mut self) {
        for p in &mut self.peers {
            if let Some(data) = p.sync.generate(&self.doc) {
                let _ = p.info.out.send(ToConn::Sync { document: self.wire, data });
            }
        }
    }

    async fn judge(&mut self, i: usize, changes: Vec<Change>) -> Judged {
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
                Some(policy.read(|e| guard::guard(&mut self.doc, changes.clone(), sender, e, now)))
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
        // 3. durable before anything is acknowledged or relayed.
        if !accepted.is_empty() {
            let stored: Vec<StoredChange> = accepted
                .iter()
                .filter_map(|(h, _)| self.doc.get_change_by_hash(h).map(|c| StoredChange { hash: *h, data: c.raw_bytes().to_vec() }))
                .collect();
            if let Err(e) = self.state.storage().append_changes(&self.record.id, &stored, now).await {
                tracing::error!(document = %self.wire, error = %e, "cannot store accepted changes; unloading the document");
                return Judged::Stop;
            }
            self.uncompacted.extend(stored.iter().map(|c| c.hash));
        }
        // Refusals are audited before the sender hears of them (they are
        // rare; accepted changes are audited after the relay, off the hot path).
        for (h, reasons, node) in &refused {
            let node = node.clone().unwrap_or_else(|| self.record.node.to_string());
            self.audit(&key, now, AuditOutcome::Rejected, node, "change".into(), Some(format!("change {h}: {}", reasons.join("; ")))).await;
        }
        // 4. the sender learns what was refused.
        if !refused.is_empty() {
            let reasons: Vec<RejectionReason> = refused
                .iter()
                .flat_map(|(h, rs, _)| rs.iter().map(move |r| RejectionReason { hash: Some(*h), reason: r.clone() }))
                .collect();
            let _ = info.out.send(ToConn::Rejected {
                document: self.wire,
                hashes: refused.iter().map(|(h, _, _)| *h).collect(),
                reasons,
                heads: self.doc.get_heads(),
            });
        }
        // 5. audit, metrics, tree.
        let metrics = self.state.metrics();
        for _ in &accepted {
            inc(&metrics.changes_accepted);
        }
        for _ in &refused {
            inc(&metrics.changes_rejected);
        }
        let mut structural = false;
        for (h, patches) in &accepted {
            structural |= skeleton::touches_structure(patches);
            self.audit(&key, now, AuditOutcome::Accepted, self.record.node.to_string(), action_of(patches), Some(format!("change {h}"))).await;
        }
        if structural {
            self.reconcile().await;
        }
        if refused.is_empty() { Judged::Ok } else { Judged::Refused }
    }

    async fn audit(&self, principal: &str, now: folio_core::time::Timestamp, outcome: AuditOutcome, node: String, action: String, reason: Option<String>) {
        let entry = AuditEntry {
            at: now,
            principal: principal.to_owned(),
            document: Some(self.record.id.clone()),
            node: Some(node),
            action,
            outcome,
            reason,
        };
        if let Err(e) = self.state.storage().record_audit(&entry).await {
            tracing::error!(error = %e, "cannot write the audit log");
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
            DocumentRole::Feedback { .. } => kind == Some("feedback"),
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

enum Judged {
    Ok,
    Refused,
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
