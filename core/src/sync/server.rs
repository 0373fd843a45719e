//! The server's side of one websocket connection: handshake, framing,
//! routing, limits. It holds no document; it tells the caller what to do.
//!
//! ```text
//!  client                        ServerPeer::receive(frame, now)         caller
//!  ──────                        ───────────────────────────────         ──────
//!  join{versions:["1"]} ───────▶ Send(peer{selected:"1"}), Joined ─────▶ authenticate, register
//!  request|sync{doc,data} ─────▶ DeliverToDoc{doc,data,request} ───────▶ check read access,
//!                                                                         hand to the doc actor
//!  ephemeral{doc,...} ─────────▶ Ephemeral{doc,message} ───────────────▶ relay to readers via
//!                                                                         other.relay_ephemeral()
//!  leave ──────────────────────▶ Left
//!  garbage / flood / too big ──▶ Send(error{...}), Close{error}
//!
//!  actor → peer: peer.sync(doc, data) · peer.doc_unavailable(doc)
//!                peer.policy(rev, snapshot) · peer.rejected(..)
//! ```
//!
//! Decisions written down here:
//! - Anything but `join` before the handshake, a spoofed `senderId`, a
//!   `targetId` that is not this server, oversized or malformed frames and
//!   floods answer with an `error` and close. Unknown message *types* answer
//!   with an `error` but keep the connection, so a newer automerge-repo that
//!   adds a message type does not get disconnected.
//! - A document is *open* for a peer from the first `sync` the server sends
//!   it ([`ServerPeer::sync`], called only after the access check) until
//!   [`ServerPeer::doc_unavailable`]. Ephemeral messages flow only for open
//!   documents, so asking for a document is not enough to see its presence.
//! - `remote-subscription-change` and `remote-heads-changed` are accepted and
//!   ignored: Folio does not gossip remote heads.
//! - Folio extension messages go only to peers whose `join` carried
//!   `peerMetadata.folio`. An unmodified automerge-repo client gets its
//!   rejections as an `error` message in plain words (its adapter logs it);
//!   the refused change simply never reaches the document.

use std::collections::BTreeSet;

use automerge::ChangeHash;

use super::codec;
use super::error::{SyncError, WireError};
use super::ids::{DocumentId, PeerId};
use super::limits::{Limits, RateDecision, TokenBucket};
use super::message::*;
use crate::time::Timestamp;

/// What the connection task must do after [`ServerPeer::receive`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEffect {
    /// Encode ([`codec::encode`]) and send this message on the socket.
    Send(Message),
    /// The handshake completed: the peer is who it says it joined as.
    Joined {
        /// The peer's id.
        peer: PeerId,
        /// What the peer said about itself.
        metadata: Option<PeerMetadata>,
    },
    /// Incoming sync bytes for a document: check the peer may read it (an
    /// unknown and a forbidden document both get [`ServerPeer::doc_unavailable`]),
    /// then hand them to the document's actor.
    DeliverToDoc {
        /// The document.
        document: DocumentId,
        /// The encoded `automerge::sync::Message`.
        data: Vec<u8>,
        /// Whether it came as `request` (the peer does not have the document yet).
        request: bool,
    },
    /// An ephemeral message to relay to the document's other readers.
    Ephemeral {
        /// The document.
        document: DocumentId,
        /// The message as received.
        message: Ephemeral,
    },
    /// The peer said it is leaving.
    Left,
    /// Close the connection (after sending anything before this effect).
    Close {
        /// Why, for logs and metrics.
        error: SyncError,
    },
}

#[derive(Clone, Debug)]
struct Remote {
    id: PeerId,
    metadata: Option<PeerMetadata>,
}

/// Protocol state of one server-side connection.
#[derive(Clone, Debug)]
pub struct ServerPeer {
    me: PeerId,
    metadata: PeerMetadata,
    limits: Limits,
    bucket: TokenBucket,
    remote: Option<Remote>,
    open: BTreeSet<DocumentId>,
    closed: bool,
}

impl ServerPeer {
    /// A new connection at `now`, for a server whose peer id is `me`.
    pub fn new(me: PeerId, metadata: PeerMetadata, limits: Limits, now: Timestamp) -> Self {
        ServerPeer {
            me,
            metadata,
            bucket: TokenBucket::new(limits.rate, now),
            limits,
            remote: None,
            open: BTreeSet::new(),
            closed: false,
        }
    }

    /// The joined peer, once the handshake is done.
    pub fn remote(&self) -> Option<&PeerId> {
        self.remote.as_ref().map(|r| &r.id)
    }

    /// Whether the joined peer understands Folio's extension messages.
    pub fn speaks_folio(&self) -> bool {
        self.remote
            .as_ref()
            .and_then(|r| r.metadata.as_ref())
            .is_some_and(PeerMetadata::speaks_folio)
    }

    /// Whether a `Close` effect has been produced; later frames are ignored.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Documents the server is serving to this peer: those it has sent a
    /// `sync` for (so access was granted) and not since declared unavailable.
    /// Ephemeral messages flow only for these, in both directions.
    pub fn open_documents(&self) -> impl Iterator<Item = &DocumentId> {
        self.open.iter()
    }

    /// Handle one binary frame received at `now`.
    pub fn receive(&mut self, frame: &[u8], now: Timestamp) -> Vec<ServerEffect> {
        if self.closed {
            return Vec::new();
        }
        if let RateDecision::Limited { retry_at } = self.bucket.check(now) {
            return self.fail(SyncError::RateLimited {
                retry_after_ms: retry_at.millis().saturating_sub(now.millis()),
            });
        }
        match codec::decode_with_limit(frame, self.limits.max_message_bytes) {
            Ok(message) => self.receive_message(message),
            Err(e @ WireError::UnknownType { .. }) => {
                vec![ServerEffect::Send(self.error(&e.to_string()))]
            }
            Err(e) => self.fail(e.into()),
        }
    }

    fn fail(&mut self, error: SyncError) -> Vec<ServerEffect> {
        self.closed = true;
        vec![
            ServerEffect::Send(self.error(&error.to_string())),
            ServerEffect::Close { error },
        ]
    }

    fn receive_message(&mut self, message: Message) -> Vec<ServerEffect> {
        if let Message::Join(join) = message {
            return self.on_join(join);
        }
        let Some(remote) = &self.remote else {
            return self.fail(SyncError::NotJoined {
                message_type: message.type_name(),
            });
        };
        if let Some(sender) = message.sender_id()
            && *sender != remote.id
        {
            let error = SyncError::WrongSender {
                claimed: sender.to_string(),
                joined: remote.id.to_string(),
            };
            return self.fail(error);
        }
        match message {
            Message::Request(m) | Message::Sync(m) if m.target_id != self.me => {
                self.wrong_target(&m.target_id)
            }
            Message::Request(m) => self.deliver(m, true),
            Message::Sync(m) => self.deliver(m, false),
            Message::Ephemeral(m) if m.target_id != self.me => self.wrong_target(&m.target_id),
            Message::Ephemeral(m) => {
                if self.open.contains(&m.document_id) {
                    vec![ServerEffect::Ephemeral {
                        document: m.document_id,
                        message: m,
                    }]
                } else {
                    Vec::new()
                }
            }
            Message::Leave(_) => {
                self.closed = true;
                vec![ServerEffect::Left]
            }
            Message::Error(e) => {
                self.closed = true;
                vec![ServerEffect::Close {
                    error: SyncError::PeerError {
                        message: super::ids::truncate(&e.message),
                    },
                }]
            }
            // The server is authoritative; a client's "I don't have it" changes nothing.
            Message::DocUnavailable(_)
            | Message::RemoteSubscriptionChange(_)
            | Message::RemoteHeadsChanged(_) => Vec::new(),
            other @ (Message::Peer(_) | Message::Policy(_) | Message::Rejected(_)) => {
                self.fail(SyncError::Unexpected {
                    message_type: other.type_name(),
                    side: "server",
                })
            }
            Message::Join(_) => unreachable!("handled above"),
        }
    }

    fn wrong_target(&mut self, target: &PeerId) -> Vec<ServerEffect> {
        let error = SyncError::WrongTarget {
            target: target.to_string(),
            me: self.me.to_string(),
        };
        self.fail(error)
    }

    fn deliver(&mut self, m: SyncMessage, request: bool) -> Vec<ServerEffect> {
        vec![ServerEffect::DeliverToDoc {
            document: m.document_id,
            data: m.data,
            request,
        }]
    }

    fn on_join(&mut self, join: Join) -> Vec<ServerEffect> {
        if let Some(remote) = &self.remote {
            if remote.id != join.sender_id {
                let error = SyncError::AlreadyJoined {
                    joined: remote.id.to_string(),
                    claimed: join.sender_id.to_string(),
                };
                return self.fail(error);
            }
            // A repeated join from the same peer: answer again, nothing else changes.
            return vec![ServerEffect::Send(self.peer_message(&join.sender_id))];
        }
        let supported = match &join.supported_protocol_versions {
            // automerge-repo's selectProtocol: no list means version 1.
            None => true,
            Some(versions) => versions.iter().any(|v| v == PROTOCOL_V1),
        };
        if !supported {
            let offered = join
                .supported_protocol_versions
                .unwrap_or_default()
                .join(",");
            // Address the error to the peer even though it never joined.
            self.closed = true;
            let error = SyncError::UnsupportedVersion { offered };
            let message = Message::Error(ErrorMessage {
                sender_id: Some(self.me.clone()),
                message: error.to_string(),
                target_id: Some(join.sender_id),
            });
            return vec![ServerEffect::Send(message), ServerEffect::Close { error }];
        }
        let reply = self.peer_message(&join.sender_id);
        self.remote = Some(Remote {
            id: join.sender_id.clone(),
            metadata: join.peer_metadata.clone(),
        });
        vec![
            ServerEffect::Send(reply),
            ServerEffect::Joined {
                peer: join.sender_id,
                metadata: join.peer_metadata,
            },
        ]
    }

    fn peer_message(&self, target: &PeerId) -> Message {
        Message::Peer(Peer {
            sender_id: self.me.clone(),
            peer_metadata: Some(self.metadata.clone()),
            selected_protocol_version: PROTOCOL_V1.to_owned(),
            target_id: target.clone(),
        })
    }

    fn target(&self) -> Option<PeerId> {
        self.remote.as_ref().map(|r| r.id.clone())
    }

    /// An `error` message to the peer (addressed if the peer has joined).
    pub fn error(&self, text: &str) -> Message {
        Message::Error(ErrorMessage {
            sender_id: Some(self.me.clone()),
            message: text.to_owned(),
            target_id: self.target(),
        })
    }

    /// Wrap sync bytes produced by the document actor as a `sync` message.
    /// `None` before the handshake.
    pub fn sync(&mut self, document: DocumentId, data: Vec<u8>) -> Option<Message> {
        let target_id = self.target()?;
        self.open.insert(document);
        Some(Message::Sync(SyncMessage {
            sender_id: self.me.clone(),
            target_id,
            document_id: document,
            data,
        }))
    }

    /// Tell the peer the document is unavailable (unknown, forbidden, or no
    /// longer readable — the same answer for all three) and stop routing it.
    pub fn doc_unavailable(&mut self, document: DocumentId) -> Option<Message> {
        let target_id = self.target()?;
        self.open.remove(&document);
        Some(Message::DocUnavailable(DocUnavailable {
            sender_id: self.me.clone(),
            target_id,
            document_id: document,
        }))
    }

    /// Relay another peer's ephemeral message to this peer, if this peer is
    /// syncing that document. The original sender, count and session stay,
    /// as automerge-repo relays them.
    pub fn relay_ephemeral(&self, message: &Ephemeral) -> Option<Message> {
        let target_id = self.target()?;
        if !self.open.contains(&message.document_id) || message.sender_id == target_id {
            return None;
        }
        Some(Message::Ephemeral(Ephemeral {
            target_id,
            ..message.clone()
        }))
    }

    /// A `folio-policy` message, or `None` if the peer does not speak Folio.
    pub fn policy(&self, revision: u64, snapshot: Vec<u8>) -> Option<Message> {
        if !self.speaks_folio() {
            return None;
        }
        Some(Message::Policy(Policy {
            sender_id: self.me.clone(),
            target_id: self.target()?,
            revision,
            snapshot,
        }))
    }

    /// Tell the peer its changes were refused: `folio-rejected` for Folio
    /// peers, an `error` listing the reasons for plain automerge-repo peers.
    /// `None` before the handshake.
    pub fn rejected(
        &self,
        document: DocumentId,
        change_hashes: Vec<ChangeHash>,
        reasons: Vec<RejectionReason>,
        server_heads: Vec<ChangeHash>,
        refused: Option<Vec<u8>>,
    ) -> Option<Message> {
        let target_id = self.target()?;
        if self.speaks_folio() {
            return Some(Message::Rejected(Rejected {
                sender_id: self.me.clone(),
                target_id,
                document_id: document,
                change_hashes,
                reasons,
                server_heads,
                refused,
            }));
        }
        let words: Vec<&str> = reasons.iter().map(|r| r.reason.as_str()).collect();
        Some(self.error(&format!(
            "changes to document `{document}` were refused: {}",
            words.join("; ")
        )))
    }
}
