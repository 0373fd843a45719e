//! The browser's side: a small repo of [`AutoCommit`] documents synced with
//! one server over the automerge-repo protocol, plus Folio's extensions.
//!
//! ```text
//!  ClientRepo                                   server
//!  ──────────                                   ──────
//!  join() ───────── join{peerMetadata.folio:1} ──▶
//!         ◀──────── peer{selected:"1"} ──────────  receive() → Connected + sync/request per doc
//!  find(id) ─────── request{doc,data} ───────────▶
//!  edit doc_mut(id); sync(id) ── sync{doc,data} ─▶
//!         ◀──────── sync{doc,data} ──────────────  receive() → DocChanged{before,after}
//!         ◀──────── doc-unavailable ─────────────  receive() → DocUnavailable
//!         ◀──────── folio-policy{rev,snapshot} ──  receive() → PolicyUpdated
//!         ◀──────── folio-rejected{..} ──────────  receive() → Rejected{edits} + fresh sync
//! ```
//!
//! A `sync` for a document the repo does not hold creates it (the server
//! only pushes documents this peer may read). The repo never touches a
//! socket or a clock. Every call returns the
//! messages to send ([`ClientOutput::send`]) and what happened
//! ([`ClientOutput::events`]); the caller encodes with
//! [`codec::encode`] and sends one frame per message.

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::{ActorId, AutoCommit, Automerge, Change, ChangeHash};

use super::codec;
use super::doc_sync::{DocPeerSync, IncomingSync, SyncMode};
use super::error::SyncError;
use super::fresh::Fresh;
use super::ids::{DocumentId, PeerId};
use super::message::*;
use super::recovery::{RefusedEdits, recover};

/// Where a document stands with the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocStatus {
    /// Asked for; nothing received yet.
    Requesting,
    /// Held locally (created here or received).
    Ready,
    /// The server said it does not have it, or may not give it.
    Unavailable,
}

/// Something the UI should know about.
#[derive(Debug)]
pub enum ClientEvent {
    /// The handshake completed.
    Connected {
        /// The server's peer id.
        server: PeerId,
    },
    /// Remote changes arrived; `doc.diff(before, after)` gives the patches.
    DocChanged {
        /// The document.
        document: DocumentId,
        /// Heads before applying.
        before: Vec<ChangeHash>,
        /// Heads after applying.
        after: Vec<ChangeHash>,
    },
    /// The server does not have the document or may not give it.
    DocUnavailable {
        /// The document.
        document: DocumentId,
    },
    /// Presence or cursor data from another peer.
    Ephemeral {
        /// The document.
        document: DocumentId,
        /// Who sent it.
        sender: PeerId,
        /// The payload (CBOR, by automerge-repo convention).
        data: Vec<u8>,
    },
    /// A newer policy snapshot arrived.
    PolicyUpdated {
        /// Its revision.
        revision: u64,
        /// The encoded snapshot, for the access engine.
        snapshot: Vec<u8>,
    },
    /// The server refused changes; the document was reset to the server's
    /// state (re-read it whole — old heads may no longer exist in it).
    Rejected {
        /// The document.
        document: DocumentId,
        /// What was set aside, with the reasons.
        edits: RefusedEdits,
    },
    /// The server sent an `error`.
    ServerError {
        /// Its text.
        message: String,
    },
}

/// What one call produced.
#[derive(Debug, Default)]
pub struct ClientOutput {
    /// Messages to send, in order.
    pub send: Vec<Message>,
    /// Things that happened, in order.
    pub events: Vec<ClientEvent>,
}

#[derive(Debug)]
struct ClientDoc {
    doc: AutoCommit,
    /// The exchange with the server over this document: automerge's sync
    /// state kept with the server side's bookkeeping, which needs no walk
    /// over the history per message (see `on_sync` and `outgoing`).
    sync: DocPeerSync,
    status: DocStatus,
}

fn fresh_exchange() -> DocPeerSync {
    DocPeerSync::new(SyncMode::ReadWrite)
}

/// The client's protocol state and documents.
#[derive(Debug)]
pub struct ClientRepo {
    me: PeerId,
    metadata: PeerMetadata,
    actor: ActorId,
    generation: u32,
    session_id: String,
    ephemeral_count: u64,
    seen_ephemeral: BTreeMap<(PeerId, String), u64>,
    server: Option<PeerId>,
    docs: BTreeMap<DocumentId, ClientDoc>,
    policy_revision: Option<u64>,
}

impl ClientRepo {
    /// A repo for peer `me`. `actor` (random bytes from the caller) is the
    /// actor of documents this repo creates; documents rebuilt after a
    /// rejection get [`successor`](crate::doc::actor::successor) actors: the
    /// same principal tag, a new session half per generation.
    pub fn new(me: PeerId, actor: ActorId) -> Self {
        ClientRepo {
            session_id: me.to_string(),
            me,
            metadata: PeerMetadata::folio_ephemeral(),
            actor,
            generation: 0,
            ephemeral_count: 0,
            seen_ephemeral: BTreeMap::new(),
            server: None,
            docs: BTreeMap::new(),
            policy_revision: None,
        }
    }

    /// Use `session_id` for ephemeral messages (default: the peer id).
    pub fn with_session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = session_id.into();
        self
    }

    /// This peer's id.
    pub fn peer_id(&self) -> &PeerId {
        &self.me
    }

    /// The server's peer id, while connected.
    pub fn server(&self) -> Option<&PeerId> {
        self.server.as_ref()
    }

    /// The `join` to send when the socket opens.
    pub fn join(&self) -> Message {
        Message::Join(Join {
            sender_id: self.me.clone(),
            peer_metadata: Some(self.metadata.clone()),
            supported_protocol_versions: Some(vec![PROTOCOL_V1.to_owned()]),
        })
    }

    /// The socket closed: wait for the next `peer` before syncing again.
    pub fn disconnected(&mut self) {
        self.server = None;
    }

    /// A document held by this repo.
    pub fn doc(&self, id: &DocumentId) -> Option<&AutoCommit> {
        self.docs.get(id).map(|d| &d.doc)
    }

    /// A document to edit; call [`Self::sync`] afterwards.
    pub fn doc_mut(&mut self, id: &DocumentId) -> Option<&mut AutoCommit> {
        self.docs.get_mut(id).map(|d| &mut d.doc)
    }

    /// Where a document stands.
    pub fn status(&self, id: &DocumentId) -> Option<DocStatus> {
        self.docs.get(id).map(|d| d.status)
    }

    /// Ids of all documents held.
    pub fn documents(&self) -> impl Iterator<Item = &DocumentId> {
        self.docs.keys()
    }

    /// The revision of the last policy snapshot received.
    pub fn policy_revision(&self) -> Option<u64> {
        self.policy_revision
    }

    /// Start holding a document created or loaded here; returns what to send.
    pub fn add(&mut self, id: DocumentId, doc: AutoCommit) -> Vec<Message> {
        self.docs.insert(
            id,
            ClientDoc {
                doc,
                sync: fresh_exchange(),
                status: DocStatus::Ready,
            },
        );
        self.sync(&id)
    }

    /// Ask the server for a document this repo does not hold yet.
    pub fn find(&mut self, id: DocumentId) -> Vec<Message> {
        if !self.docs.contains_key(&id) {
            let doc = AutoCommit::new().with_actor(self.actor.clone());
            self.docs.insert(
                id,
                ClientDoc {
                    doc,
                    sync: fresh_exchange(),
                    status: DocStatus::Requesting,
                },
            );
        }
        self.sync(&id)
    }

    /// Stop holding a document and hand it back.
    pub fn remove(&mut self, id: &DocumentId) -> Option<AutoCommit> {
        self.docs.remove(id).map(|d| d.doc)
    }

    /// Messages for one document after local edits (empty if nothing to say
    /// or not connected).
    pub fn sync(&mut self, id: &DocumentId) -> Vec<Message> {
        self.outgoing(id).into_iter().collect()
    }

    /// Messages for every document.
    pub fn sync_all(&mut self) -> Vec<Message> {
        let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
        ids.iter().filter_map(|id| self.outgoing(id)).collect()
    }

    /// An ephemeral message (presence, cursor) for a document's other readers.
    pub fn ephemeral(&mut self, id: DocumentId, data: Vec<u8>) -> Option<Message> {
        let target_id = self.server.clone()?;
        self.ephemeral_count += 1;
        Some(Message::Ephemeral(Ephemeral {
            sender_id: self.me.clone(),
            target_id,
            count: self.ephemeral_count,
            session_id: self.session_id.clone(),
            document_id: id,
            data,
        }))
    }

    fn outgoing(&mut self, id: &DocumentId) -> Option<Message> {
        let target_id = self.server.clone()?;
        let entry = self.docs.get_mut(id)?;
        // What was typed here since the server was last known to hold
        // everything goes through the steady-state shortcut; otherwise the
        // message is built from the sequence clock or by automerge (see
        // `DocPeerSync::generate_pushing`).
        let doc = entry.doc.document();
        let (base, made) = entry
            .sync
            .complete_at()
            .and_then(|base| Some((base.to_vec(), made_since(doc, base)?)))
            .unwrap_or_else(|| (doc.get_heads(), Vec::new()));
        let data = entry.sync.generate_pushing(doc, &Fresh::new(doc, &base, &made))?;
        let m = SyncMessage {
            sender_id: self.me.clone(),
            target_id,
            document_id: *id,
            data,
        };
        // automerge-repo asks with `request` while it holds nothing of the document.
        if entry.status == DocStatus::Requesting && entry.doc.get_heads().is_empty() {
            Some(Message::Request(m))
        } else {
            Some(Message::Sync(m))
        }
    }

    /// Handle one frame from the server.
    pub fn receive_frame(
        &mut self,
        frame: &[u8],
        max_bytes: usize,
    ) -> Result<ClientOutput, SyncError> {
        let message = codec::decode_with_limit(frame, max_bytes)?;
        self.receive(message)
    }

    /// Handle one decoded message from the server.
    pub fn receive(&mut self, message: Message) -> Result<ClientOutput, SyncError> {
        let mut out = ClientOutput::default();
        match message {
            Message::Peer(peer) => {
                self.server = Some(peer.sender_id.clone());
                // A new connection: every exchange starts afresh.
                for entry in self.docs.values_mut() {
                    entry.sync = fresh_exchange();
                }
                out.events.push(ClientEvent::Connected {
                    server: peer.sender_id,
                });
                out.send = self.sync_all();
            }
            Message::Error(e) => out
                .events
                .push(ClientEvent::ServerError { message: e.message }),
            Message::Sync(m) | Message::Request(m) => self.on_sync(m, &mut out)?,
            Message::DocUnavailable(m) => {
                if let Some(entry) = self.docs.get_mut(&m.document_id) {
                    entry.status = DocStatus::Unavailable;
                }
                out.events.push(ClientEvent::DocUnavailable {
                    document: m.document_id,
                });
            }
            Message::Ephemeral(m) => {
                let key = (m.sender_id.clone(), m.session_id.clone());
                let fresh = self
                    .seen_ephemeral
                    .get(&key)
                    .is_none_or(|last| m.count > *last);
                if fresh && self.docs.contains_key(&m.document_id) {
                    self.seen_ephemeral.insert(key, m.count);
                    out.events.push(ClientEvent::Ephemeral {
                        document: m.document_id,
                        sender: m.sender_id,
                        data: m.data,
                    });
                }
            }
            Message::Policy(p) => {
                if self.policy_revision.is_none_or(|r| p.revision > r) {
                    self.policy_revision = Some(p.revision);
                    out.events.push(ClientEvent::PolicyUpdated {
                        revision: p.revision,
                        snapshot: p.snapshot,
                    });
                }
            }
            Message::Rejected(r) => self.on_rejected(r, &mut out)?,
            Message::Join(_) | Message::Leave(_) => {
                return Err(SyncError::Unexpected {
                    message_type: message.type_name(),
                    side: "client",
                });
            }
            // Advisory gossip Folio does not use.
            Message::RemoteSubscriptionChange(_) | Message::RemoteHeadsChanged(_) => {}
        }
        Ok(out)
    }

    /// A sync message: its changes are loaded into the document as
    /// automerge's `receive_sync_message` would (`load_incremental`, with
    /// the document's patch log), and what it says of the server goes
    /// through [`DocPeerSync::record_received`] — automerge's own
    /// bookkeeping, step for step, except that it does not walk the whole
    /// history on every message to forget the sent changes the server's heads
    /// cover (automerge does: on a document with thousands of changes that
    /// walk was most of a client's time under live typing).
    fn on_sync(&mut self, m: SyncMessage, out: &mut ClientOutput) -> Result<(), SyncError> {
        let document = m.document_id;
        let incoming = IncomingSync::decode(document, &m.data)?;
        let actor = self.actor.clone();
        let entry = self.docs.entry(document).or_insert_with(|| ClientDoc {
            doc: AutoCommit::new().with_actor(actor),
            sync: fresh_exchange(),
            status: DocStatus::Requesting,
        });
        let before = entry.doc.get_heads();
        if incoming.has_changes() {
            entry.doc.load_incremental(&incoming.change_bytes()).map_err(|e| SyncError::Automerge {
                document: document.to_string(),
                detail: e.to_string(),
            })?;
        }
        entry.sync.record_received(entry.doc.document(), incoming, &before, None)?;
        let after = entry.doc.get_heads();
        entry.sync.peer_sent(&before, &after);
        if !after.is_empty() {
            entry.status = DocStatus::Ready;
        }
        if before != after {
            out.events.push(ClientEvent::DocChanged {
                document,
                before,
                after,
            });
        }
        out.send.extend(self.outgoing(&document));
        Ok(())
    }

    fn on_rejected(&mut self, r: Rejected, out: &mut ClientOutput) -> Result<(), SyncError> {
        let document = r.document_id;
        let Some(entry) = self.docs.get_mut(&document) else {
            return Ok(());
        };
        // A fresh session half under the same principal tag, so the guard
        // still recognises the rebuilt document's author.
        let next_actor = crate::doc::actor::successor(&self.actor, self.generation + 1);
        let recovery = recover(&mut entry.doc, &r.change_hashes, &r.server_heads, next_actor)
        .map_err(|e| SyncError::Automerge {
            document: document.to_string(),
            detail: e.to_string(),
        })?;
        let previous = match recovery.rebuilt {
            Some(rebuilt) => {
                self.generation += 1;
                Some(Box::new(std::mem::replace(&mut entry.doc, rebuilt)))
            }
            None => None,
        };
        // Both sides forget the exchange and start afresh.
        entry.sync = fresh_exchange();
        let edits = RefusedEdits {
            hashes: recovery.refused.iter().map(|c| c.hash()).collect(),
            changes: recovery
                .refused
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect(),
            reasons: r.reasons,
            previous,
        };
        out.events.push(ClientEvent::Rejected { document, edits });
        out.send.extend(self.outgoing(&document));
        Ok(())
    }
}

/// At most this many changes made here between two messages are looked up
/// by walking back from the heads; more go automerge's way.
const MADE_WALK: usize = 256;

/// The changes made on `doc` since its heads were `base`, dependencies
/// first, found by walking back from the heads — or `None` if the walk
/// meets a change by another actor that `base` does not cover (something
/// else was applied since) or more than [`MADE_WALK`] changes: then the
/// message is built without the shortcut.
///
/// Automerge makes every local change depend on the actor's previous
/// change, even when that one is already below another dependency (after a
/// remote change built on it arrived): a redundant dependency, and the
/// common case while others type too. So the walk does not follow a
/// dependency on one of our changes that `base` already covers — ours form
/// one chain, so those are exactly the ones with a sequence number up to
/// our highest under `base` ([`our_seq_under`]).
fn made_since(doc: &Automerge, base: &[ChangeHash]) -> Option<Vec<Change>> {
    use automerge::ReadDoc;
    let ours = doc.get_actor();
    let mut covered_up_to: Option<u64> = None;
    let base_set: HashSet<ChangeHash> = base.iter().copied().collect();
    let mut under: HashSet<ChangeHash> = HashSet::new();
    let mut found: HashMap<ChangeHash, Change> = HashMap::new();
    let mut stack: Vec<ChangeHash> = doc.get_heads().into_iter().filter(|h| !base_set.contains(h)).collect();
    while let Some(h) = stack.pop() {
        if found.contains_key(&h) || under.contains(&h) {
            continue;
        }
        if found.len() == MADE_WALK {
            return None;
        }
        let change = doc.get_change_by_hash(&h)?;
        if change.actor_id() != ours {
            return None;
        }
        let covered = match covered_up_to {
            Some(seq) => seq,
            None => *covered_up_to.insert(our_seq_under(doc, base)?),
        };
        if change.seq() <= covered {
            under.insert(h);
            continue;
        }
        stack.extend(change.deps().iter().filter(|d| !base_set.contains(*d) && !found.contains_key(*d)));
        found.insert(h, change);
    }
    // Dependencies first: repeatedly take the changes whose dependencies
    // among the found ones are taken.
    let mut order = Vec::with_capacity(found.len());
    let mut placed: HashSet<ChangeHash> = HashSet::new();
    while !found.is_empty() {
        let ready: Vec<ChangeHash> =
            found.iter().filter(|(_, c)| c.deps().iter().all(|d| base_set.contains(d) || under.contains(d) || placed.contains(d))).map(|(h, _)| *h).collect();
        if ready.is_empty() {
            return None;
        }
        for h in ready {
            placed.insert(h);
            order.push(found.remove(&h).expect("found above"));
        }
    }
    Some(order)
}

/// The highest sequence number of this document's actor among the changes
/// `base` covers (0 if none), found by walking back from `base` and stopping
/// at our changes (below one of ours there are only earlier ones of ours) —
/// so it visits what others did since our last change. `None` past
/// [`MADE_WALK`] changes (e.g. the first keystroke in a long document we
/// never edited: that message is built without the shortcut, as before).
fn our_seq_under(doc: &Automerge, base: &[ChangeHash]) -> Option<u64> {
    let ours = doc.get_actor();
    let mut highest = 0;
    let mut seen: HashSet<ChangeHash> = HashSet::new();
    let mut stack: Vec<ChangeHash> = base.to_vec();
    while let Some(h) = stack.pop() {
        if !seen.insert(h) {
            continue;
        }
        if seen.len() > MADE_WALK {
            return None;
        }
        let meta = doc.get_change_meta_by_hash(&h)?;
        if meta.actor.as_ref() == ours {
            highest = highest.max(meta.seq);
        } else {
            stack.extend(meta.deps.iter().filter(|d| !seen.contains(*d)));
        }
    }
    Some(highest)
}


#[cfg(test)]
mod tests;
