//! One `/sync` connection: frames in, effects out, access re-checked live.
//!
//! Writes are batched: after a document message arrives, whatever else the
//! document actors queued for this connection (up to [`MAX_DRAIN`]) is
//! handled too, and all resulting frames are fed to the socket and flushed
//! once — one write instead of one per message when a busy document
//! broadcasts faster than this task is scheduled. Order is kept.

use std::collections::HashMap;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use folio_core::access::Principal;
use folio_core::doc::Author;
use folio_core::guard::principal_key;
use folio_core::sync::{
    DocumentId as WireId, Message, PeerId, PeerMetadata, ServerEffect, ServerPeer, encode,
};
use futures::SinkExt;
use tokio::sync::{broadcast, mpsc};

/// Most queued document messages handled before writing to the socket.
const MAX_DRAIN: usize = 64;

use super::access::{may_read, mode};
use super::MAX_QUEUED;
use crate::docs::{ConnId, DocCmd, DocHandle, PeerInfo, ToConn, stored_id};
use crate::policy::PolicyEvent;
use crate::state::AppState;
use crate::storage::{DocumentId, DocumentRecord, UserId};

/// How the peer authenticated (kept to resolve the principal again).
#[derive(Clone, Debug)]
pub enum Auth {
    /// A signed-in account.
    User {
        /// The account.
        id: UserId,
        /// Its display name (for feedback authorship).
        name: String,
    },
    /// A share link or API token secret.
    Token(String),
}

struct OpenDoc {
    record: DocumentRecord,
    handle: DocHandle,
}

struct Conn {
    id: ConnId,
    state: AppState,
    auth: Auth,
    principal: Principal,
    peer: ServerPeer,
    open: HashMap<WireId, OpenDoc>,
    out: mpsc::UnboundedSender<ToConn>,
    send: Vec<Message>,
    close: Option<String>,
}

/// Serves one upgraded websocket until either side ends it.
pub async fn run_connection(mut socket: WebSocket, state: AppState, auth: Auth, principal: Principal) {
    let hub = state.sync();
    let registration = hub.register();
    let mut shutdown = hub.shutdown_signal();
    state.metrics().connections.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let limits = state.config().limits.sync();
    let me = PeerId::new(format!("folio-server-{}", std::process::id()));
    let meta = PeerMetadata { storage_id: None, is_ephemeral: Some(false), folio: Some(folio_core::sync::FOLIO_EXTENSION_VERSION) };
    let (out, mut from_docs) = mpsc::unbounded_channel();
    let mut events = state.policy().subscribe();
    let mut conn = Conn {
        id: registration.id,
        peer: ServerPeer::new(me, meta, limits, state.clock().now()),
        state: state.clone(),
        auth,
        principal,
        open: HashMap::new(),
        out,
        send: Vec::new(),
        close: None,
    };
    loop {
        tokio::select! {
            frame = socket.recv() => match frame {
                Some(Ok(WsMessage::Binary(bytes))) => conn.on_frame(&bytes).await,
                Some(Ok(WsMessage::Text(_))) => {
                    let m = conn.peer.error("text frames are not part of the protocol; send CBOR in binary frames");
                    conn.send.push(m);
                    conn.close = Some("text frame".into());
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            Some(msg) = from_docs.recv() => {
                if from_docs.len() > MAX_QUEUED {
                    conn.close = Some("the peer does not read its messages".into());
                }
                conn.on_doc(msg);
                // What else the documents queued goes out in the same write.
                for _ in 0..MAX_DRAIN {
                    let Ok(msg) = from_docs.try_recv() else { break };
                    conn.on_doc(msg);
                }
            }
            event = events.recv() => match event {
                Ok(e) => conn.on_policy(Some(e)).await,
                Err(broadcast::error::RecvError::Lagged(_)) => conn.on_policy(None).await,
                Err(broadcast::error::RecvError::Closed) => {}
            },
            _ = shutdown.changed() => {
                let _ = socket.send(WsMessage::Close(Some(CloseFrame { code: 1001, reason: "server shutting down".into() }))).await;
                break;
            }
        }
        // One flush (one write to the socket) for everything queued.
        let mut failed = false;
        let queued = !conn.send.is_empty();
        for m in conn.send.drain(..) {
            if socket.feed(WsMessage::Binary(encode(&m).into())).await.is_err() {
                failed = true;
                break;
            }
        }
        if failed || (queued && socket.flush().await.is_err()) {
            break;
        }
        if let Some(why) = conn.close.take() {
            tracing::debug!(conn = conn.id, reason = %why, "closing sync connection");
            let _ = socket.send(WsMessage::Close(Some(CloseFrame { code: 1008, reason: why.chars().take(120).collect::<String>().into() }))).await;
            break;
        }
    }
    for doc in conn.open.values() {
        let _ = doc.handle.send(DocCmd::Close { conn: conn.id }).await;
    }
    state.metrics().connections.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    drop(registration);
}

impl Conn {
    /// Who the guard holds this connection's person to be in the document's
    /// portfolio: name, role and organisation as the server knows them (the
    /// same answer as the feedback registration's, see
    /// `routes::orgs::author_profile`). Only a feedback document's creation
    /// asks for it, so other documents skip the lookups. Tokens write no
    /// feedback: `None`.
    async fn profile_for(&self, record: &DocumentRecord) -> Option<Author> {
        let Auth::User { id, name } = &self.auth else { return None };
        let key = principal_key(&self.principal);
        if !matches!(record.role, crate::storage::DocumentRole::Feedback { .. }) {
            return Some(Author { principal: key, name: name.clone(), role: None, organisation: None });
        }
        match crate::routes::orgs::author_profile(&self.state, *id, name, key, &record.portfolio).await {
            Ok(author) => Some(author),
            Err(e) => {
                // Without it a new feedback document is refused (authorship), never wrongly accepted.
                tracing::warn!(error = %e, "cannot look up the author's role and organisation");
                None
            }
        }
    }

    async fn on_frame(&mut self, bytes: &[u8]) {
        let now = self.state.clock().now();
        for effect in self.peer.receive(bytes, now) {
            match effect {
                ServerEffect::Send(m) => self.send.push(m),
                ServerEffect::Joined { .. } => {}
                ServerEffect::DeliverToDoc { document, data, .. } => self.deliver(document, data).await,
                ServerEffect::Ephemeral { document, message } => {
                    if let Some(doc) = self.open.get(&document) {
                        let _ = doc.handle.send(DocCmd::Ephemeral { conn: self.id, message }).await;
                    }
                }
                ServerEffect::Left => self.close = Some("the peer left".into()),
                ServerEffect::Close { error } => self.close = Some(error.to_string()),
            }
        }
    }

    fn unavailable(&mut self, document: WireId) {
        if let Some(m) = self.peer.doc_unavailable(document) {
            self.send.push(m);
        }
    }

    /// Sync bytes for a document: to its actor if open; else check access,
    /// open it, then hand them over. Unknown and forbidden look the same.
    async fn deliver(&mut self, document: WireId, data: Vec<u8>) {
        if let Some(doc) = self.open.get(&document) {
            let cmd = DocCmd::Sync { conn: self.id, data };
            match doc.handle.send(cmd).await {
                Ok(()) => return,
                Err(DocCmd::Sync { data, .. }) => {
                    // The actor stopped (storage failure): open afresh.
                    self.open.remove(&document);
                    return Box::pin(self.deliver(document, data)).await;
                }
                Err(_) => return,
            }
        }
        let record = match self.state.storage().document_record(&stored_id(&document)).await {
            Ok(Some(r)) => r,
            Ok(None) => return self.unavailable(document),
            Err(e) => {
                tracing::warn!(error = %e, "document registry unavailable");
                return self.unavailable(document);
            }
        };
        let Ok(policy) = self.state.policy().portfolio(&record.portfolio).await else {
            return self.unavailable(document);
        };
        let now = self.state.clock().now();
        let decided = policy.read(|e| may_read(e, &self.principal, &record, now).then(|| mode(e, &self.principal, &record, now)));
        let Some(sync_mode) = decided else { return self.unavailable(document) };
        let handle = match self.state.docs().open(&self.state, &record).await {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "cannot open document");
                return self.unavailable(document);
            }
        };
        let first_of_portfolio = !self.open.values().any(|d| d.record.portfolio == record.portfolio);
        let profile = self.profile_for(&record).await;
        let info = PeerInfo { conn: self.id, principal: self.principal.clone(), profile, mode: sync_mode, out: self.out.clone() };
        if handle.send(DocCmd::Open(info)).await.is_err() || handle.send(DocCmd::Sync { conn: self.id, data }).await.is_err() {
            return self.unavailable(document);
        }
        let portfolio = record.portfolio.clone();
        self.open.insert(document, OpenDoc { record, handle });
        if first_of_portfolio {
            self.send_policy(&portfolio).await;
        }
    }

    fn on_doc(&mut self, msg: ToConn) {
        match msg {
            ToConn::Sync { document, data } => {
                if self.open.contains_key(&document)
                    && let Some(m) = self.peer.sync(document, data)
                {
                    self.send.push(m);
                }
            }
            ToConn::Unavailable { document } => {
                self.open.remove(&document);
                self.unavailable(document);
            }
            ToConn::Rejected { document, hashes, reasons, heads } => {
                if let Some(m) = self.peer.rejected(document, hashes, reasons, heads, None) {
                    self.send.push(m);
                }
            }
            ToConn::Ephemeral(message) => {
                if let Some(m) = self.peer.relay_ephemeral(&message) {
                    self.send.push(m);
                }
            }
            ToConn::Fatal(text) => {
                let m = self.peer.error(&text);
                self.send.push(m);
                self.close = Some(text);
            }
        }
    }

    async fn send_policy(&mut self, portfolio: &DocumentId) {
        if !self.peer.speaks_folio() {
            return;
        }
        let Ok(policy) = self.state.policy().portfolio(portfolio).await else { return };
        let now = self.state.clock().now();
        let (revision, snapshot) = policy.read(|e| (e.revision(), e.snapshot_for(&self.principal, now)));
        let bytes = serde_json::to_vec(&snapshot).expect("a snapshot serialises");
        if let Some(m) = self.peer.policy(revision, bytes) {
            self.send.push(m);
        }
    }

    /// Access may have changed: re-resolve (if principals changed), close
    /// what may no longer be read, update modes, re-send policies.
    async fn on_policy(&mut self, event: Option<PolicyEvent>) {
        let portfolio = match &event {
            Some(PolicyEvent::Portfolio { portfolio, .. }) => Some(portfolio.clone()),
            Some(PolicyEvent::Everyone) | None => None,
        };
        if portfolio.is_none() {
            let fresh = match &self.auth {
                Auth::User { id, .. } => self.state.policy().principal_for_user(*id).await.ok(),
                Auth::Token(t) => self.state.policy().resolve_token(t).await,
            };
            match fresh {
                Some(p) => self.principal = p,
                None => {
                    let docs: Vec<WireId> = self.open.keys().copied().collect();
                    for d in docs {
                        if let Some(doc) = self.open.remove(&d) {
                            let _ = doc.handle.send(DocCmd::Close { conn: self.id }).await;
                        }
                        self.unavailable(d);
                    }
                    let m = self.peer.error("your access has ended; sign in or open the link again");
                    self.send.push(m);
                    self.close = Some("access ended".into());
                    return;
                }
            }
        }
        let mut portfolios: Vec<DocumentId> = self
            .open
            .values()
            .map(|d| d.record.portfolio.clone())
            .filter(|p| portfolio.as_ref().is_none_or(|q| q == p))
            .collect();
        portfolios.sort();
        portfolios.dedup();
        let now = self.state.clock().now();
        for p in portfolios {
            let Ok(policy) = self.state.policy().portfolio(&p).await else { continue };
            let docs: Vec<(WireId, DocumentRecord)> =
                self.open.iter().filter(|(_, d)| d.record.portfolio == p).map(|(w, d)| (*w, d.record.clone())).collect();
            for (wire, record) in docs {
                let decided = policy.read(|e| may_read(e, &self.principal, &record, now).then(|| mode(e, &self.principal, &record, now)));
                let Some(doc) = self.open.get(&wire) else { continue };
                match decided {
                    None => {
                        let _ = doc.handle.send(DocCmd::Close { conn: self.id }).await;
                        self.open.remove(&wire);
                        self.unavailable(wire);
                    }
                    Some(m) => {
                        let cmd = DocCmd::Access { conn: self.id, principal: self.principal.clone(), mode: m };
                        let _ = doc.handle.send(cmd).await;
                    }
                }
            }
            self.send_policy(&p).await;
        }
    }
}
