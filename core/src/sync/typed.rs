//! The browser's sync client over typed documents.
//!
//! [`ClientRepo`] speaks the protocol over plain [`AutoCommit`] documents; the
//! UI edits and reads [typed documents](crate::doc::TypedDoc). [`TypedClient`]
//! joins the two: every document is held twice — the repo's copy, which the
//! sync protocol reads and writes, and a typed copy, which the UI edits and
//! reads — and the two are kept equal change by change:
//!
//! ```text
//!  edit(id, &Edit) ── typed.apply ──▶ DocPatches (for the view)
//!                     └─ its new change ─▶ repo copy.apply_changes ─▶ repo.sync ─▶ messages
//!  receive_frame ─── repo.receive ─▶ DocChanged ─▶ repo copy.get_changes(typed heads)
//!                                                  └─▶ typed.apply_remote ─▶ Changed{patches}
//!                                 ─▶ Rejected  ─▶ typed copy rebuilt from the repo's reset copy,
//!                                                  refused edits handed back (Refusal)
//! ```
//!
//! Why two copies rather than one: the typed layer is built on `Automerge`
//! transactions (one edit = one change with its own patch log), the repo on
//! `AutoCommit`'s sync helpers and its rejection recovery, and neither can
//! lend the other its document. Moving a change from one copy to the other is
//! `apply_changes` of that one change — proportional to the edit, not to the
//! document — and documents are page-sized, so the second copy costs memory
//! only. Only the typed copy is ever edited, so the repo's own actor never
//! writes a change.
//!
//! **Actors.** The server's guard refuses any change whose actor does not
//! carry the sender's principal tag (see [`actor`]), so the
//! typed copies edit as `actor_for(principal, session)`. After a rejection the
//! rebuilt document must not reuse the refused changes' sequence numbers, so it
//! edits under a new session: the caller's 16 random bytes with the last four
//! XORed with a generation counter.
//!
//! **Refusals.** On `folio-rejected` the repo resets the document to the
//! server's heads (keeping in-flight edits the server has not judged). The
//! [`Refusal`] event hands back everything that was set aside: the server's
//! reasons, the refused text in the guard's own terms
//! ([`guard::text_of_change`]), the edits as view
//! patches on top of the reset document, the document as it was, and the raw changes.

use std::collections::BTreeMap;

use automerge::{ActorId, AutoCommit, Change, ChangeHash, ReadDoc};

use super::client::{ClientEvent, ClientRepo, DocStatus};
use super::error::SyncError;
use super::ids::{DocumentId, PeerId};
use super::message::{Message, RejectionReason};
use super::recovery::RefusedEdits;
use crate::access::PolicySnapshot;
use crate::doc::{self, DocError, DocKind, DocPatch, DocView, Edit, EditError, NewDoc, NodeView, TypedDoc, actor};
use crate::guard::{self, RefusedText};

/// Why a [`TypedClient`] call did nothing.
#[derive(Debug, thiserror::Error)]
pub enum TypedClientError {
    /// The client does not hold this document.
    #[error("document `{0}` is not open here; `find` or `create` it first")]
    UnknownDocument(DocumentId),
    /// The document was asked for but has not arrived (or is unavailable).
    #[error("document `{0}` has not arrived from the server yet; wait for its `loaded` event")]
    NotReady(DocumentId),
    /// A document with this id is already held.
    #[error("document `{0}` is already open here; choose a fresh id")]
    AlreadyOpen(DocumentId),
    /// The edit was refused by the typed layer (nothing changed).
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The document could not be created, loaded or read.
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl TypedClientError {
    /// A machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            TypedClientError::UnknownDocument(_) => "unknown_document",
            TypedClientError::NotReady(_) => "not_ready",
            TypedClientError::AlreadyOpen(_) => "already_open",
            TypedClientError::Edit(e) => e.code(),
            TypedClientError::Doc(e) => doc::doc_error_code(e),
        }
    }
}

/// Local edits the server refused, handed back to the person who made them.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The document, now reset to the server's state (re-read it whole).
    pub document: DocumentId,
    /// The server's reasons, in plain words, per refused change.
    pub reasons: Vec<RejectionReason>,
    /// The text the refused changes would have added, by node and field.
    pub text: Vec<RefusedText>,
    /// The refused edits as view patches from the reset document to
    /// [`Refusal::previous`]: what re-applying them would show.
    pub patches: Vec<DocPatch>,
    /// The document as it was before the reset, refused edits included.
    pub previous: Option<DocView>,
    /// The refused changes' raw bytes, in causal order.
    pub changes: Vec<Vec<u8>>,
}

/// What happened, for the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedEvent {
    /// The handshake completed.
    Connected {
        /// The server's peer id.
        server: PeerId,
    },
    /// A document arrived for the first time: read it whole.
    Loaded {
        /// The document.
        document: DocumentId,
        /// Its kind.
        kind: DocKind,
    },
    /// Remote changes arrived.
    Changed {
        /// The document.
        document: DocumentId,
        /// What a view must update.
        patches: Vec<DocPatch>,
    },
    /// A document arrived but is not a valid Folio document.
    Unreadable {
        /// The document.
        document: DocumentId,
        /// Why, in words.
        message: String,
    },
    /// The server does not have the document or may not give it.
    Unavailable {
        /// The document.
        document: DocumentId,
    },
    /// Presence or cursor data from another peer.
    Ephemeral {
        /// The document.
        document: DocumentId,
        /// Who sent it.
        sender: PeerId,
        /// The payload.
        data: Vec<u8>,
    },
    /// A newer policy snapshot arrived; load it into the access engine.
    Policy {
        /// Its revision.
        revision: u64,
        /// The snapshot.
        snapshot: Box<PolicySnapshot>,
    },
    /// The server refused local edits; the document was reset.
    Rejected(Box<Refusal>),
    /// The server reported an error (or sent something unreadable).
    ServerError {
        /// In words.
        message: String,
    },
}

/// What one call produced: messages to send, in order, and events.
#[derive(Debug, Default)]
pub struct TypedOutput {
    /// Messages to send, in order ([`super::encode`] each into one frame).
    pub send: Vec<Message>,
    /// What happened, in order.
    pub events: Vec<TypedEvent>,
}

/// A local edit's result.
#[derive(Debug)]
pub struct Edited {
    /// What a view must update.
    pub patches: Vec<DocPatch>,
    /// Messages to send.
    pub send: Vec<Message>,
}

/// A sync client whose documents are typed. See the [module docs](self).
#[derive(Debug)]
pub struct TypedClient {
    repo: ClientRepo,
    typed: BTreeMap<DocumentId, TypedDoc>,
    principal: String,
    session: [u8; 16],
    generation: u32,
}

impl TypedClient {
    /// A client for peer `me`, editing as `principal` (the engine's principal
    /// key, e.g. `user:42`) in a session named by 16 random bytes.
    pub fn new(me: PeerId, principal: &str, session: [u8; 16]) -> Self {
        // The repo's own actor never writes; give it the session's actor anyway.
        let repo = ClientRepo::new(me, actor::actor_for(principal, session));
        TypedClient { repo, typed: BTreeMap::new(), principal: principal.to_owned(), session, generation: 0 }
    }

    /// The actor new edits are made under.
    pub fn actor(&self) -> ActorId {
        let mut session = self.session;
        for (s, g) in session[12..].iter_mut().zip(self.generation.to_be_bytes()) {
            *s ^= g;
        }
        actor::actor_for(&self.principal, session)
    }

    /// The protocol state underneath (read-only).
    pub fn repo(&self) -> &ClientRepo {
        &self.repo
    }

    /// The `join` to send when the socket opens.
    pub fn join(&self) -> Message {
        self.repo.join()
    }

    /// The socket closed: wait for the next `peer` before syncing again.
    pub fn disconnected(&mut self) {
        self.repo.disconnected();
    }

    /// Ask the server for a document; its `Loaded` event says when it is here.
    pub fn find(&mut self, id: DocumentId) -> Vec<Message> {
        self.repo.find(id)
    }

    /// Create a new document here and offer it to the server.
    pub fn create(&mut self, id: DocumentId, new: NewDoc) -> Result<Vec<Message>, TypedClientError> {
        let doc = TypedDoc::create(self.actor(), new)?;
        self.add(id, doc)
    }

    /// Hold a document loaded from saved bytes (an offline copy) and sync it.
    pub fn open(&mut self, id: DocumentId, bytes: &[u8]) -> Result<Vec<Message>, TypedClientError> {
        let doc = TypedDoc::load(bytes, self.actor())?;
        self.add(id, doc)
    }

    fn add(&mut self, id: DocumentId, doc: TypedDoc) -> Result<Vec<Message>, TypedClientError> {
        if self.repo.status(&id).is_some() {
            return Err(TypedClientError::AlreadyOpen(id));
        }
        let mut copy = AutoCommit::new();
        copy.apply_changes(doc.changes_since(&[])).map_err(DocError::from)?;
        self.typed.insert(id, doc);
        Ok(self.repo.add(id, copy))
    }

    /// Apply one edit to a held document; returns the view patches and the
    /// messages that carry the change to the server.
    pub fn edit(&mut self, id: &DocumentId, edit: &Edit) -> Result<Edited, TypedClientError> {
        let doc = self.ready(id)?;
        let before = doc.heads();
        let patches = doc.apply(edit)?;
        let changes = doc.changes_since(&before);
        if let Some(copy) = self.repo.doc_mut(id) {
            copy.apply_changes(changes).map_err(DocError::from)?;
        }
        Ok(Edited { patches, send: self.repo.sync(id) })
    }

    fn ready(&mut self, id: &DocumentId) -> Result<&mut TypedDoc, TypedClientError> {
        match self.repo.status(id) {
            None => Err(TypedClientError::UnknownDocument(*id)),
            Some(_) => self.typed.get_mut(id).ok_or(TypedClientError::NotReady(*id)),
        }
    }

    /// A held document, typed (`None` until it has arrived).
    pub fn doc(&self, id: &DocumentId) -> Option<&TypedDoc> {
        self.typed.get(id)
    }

    /// Read a whole document.
    pub fn read(&self, id: &DocumentId) -> Option<DocView> {
        self.typed.get(id).map(TypedDoc::read)
    }

    /// Read one node or feedback entry of a document.
    pub fn read_node(&self, id: &DocumentId, node: &str) -> Option<NodeView> {
        self.typed.get(id)?.read_node(node)
    }

    /// The length of a page node's text ([`TypedDoc::text_length`]).
    pub fn text_length(&self, id: &DocumentId, node: &str) -> Option<usize> {
        self.typed.get(id)?.text_length(node)
    }

    /// Where a document stands with the server.
    pub fn status(&self, id: &DocumentId) -> Option<DocStatus> {
        self.repo.status(id)
    }

    /// Save a held document (for an offline copy).
    pub fn save(&mut self, id: &DocumentId) -> Option<Vec<u8>> {
        self.typed.get_mut(id).map(TypedDoc::save)
    }

    /// An ephemeral message (presence, cursor) for a document's other readers.
    pub fn ephemeral(&mut self, id: DocumentId, data: Vec<u8>) -> Option<Message> {
        self.repo.ephemeral(id, data)
    }

    /// Handle one frame from the server (at most `max_bytes` long).
    pub fn receive_frame(&mut self, frame: &[u8], max_bytes: usize) -> Result<TypedOutput, SyncError> {
        let out = self.repo.receive_frame(frame, max_bytes)?;
        let mut typed = TypedOutput { send: out.send, events: Vec::with_capacity(out.events.len()) };
        for event in out.events {
            if let Some(e) = self.translate(event) {
                typed.events.push(e);
            }
        }
        Ok(typed)
    }

    fn translate(&mut self, event: ClientEvent) -> Option<TypedEvent> {
        Some(match event {
            ClientEvent::Connected { server } => TypedEvent::Connected { server },
            ClientEvent::DocChanged { document, .. } => self.catch_up(document),
            ClientEvent::DocUnavailable { document } => TypedEvent::Unavailable { document },
            ClientEvent::Ephemeral { document, sender, data } => TypedEvent::Ephemeral { document, sender, data },
            ClientEvent::PolicyUpdated { revision, snapshot } => match serde_json::from_slice::<PolicySnapshot>(&snapshot) {
                Ok(snapshot) => TypedEvent::Policy { revision, snapshot: Box::new(snapshot) },
                Err(e) => TypedEvent::ServerError { message: format!("policy snapshot revision {revision} is unreadable: {e}") },
            },
            ClientEvent::Rejected { document, edits } => return self.refused(document, edits),
            ClientEvent::ServerError { message } => TypedEvent::ServerError { message },
        })
    }

    /// Bring the typed copy up to the repo's copy.
    fn catch_up(&mut self, document: DocumentId) -> TypedEvent {
        let actor = self.actor();
        let Some(copy) = self.repo.doc_mut(&document) else {
            return TypedEvent::Unavailable { document };
        };
        match self.typed.get_mut(&document) {
            Some(doc) => {
                let changes: Vec<Change> = copy.get_changes(&doc.heads());
                match doc.apply_remote(changes) {
                    Ok(patches) => TypedEvent::Changed { document, patches },
                    Err(e) => TypedEvent::Unreadable { document, message: e.to_string() },
                }
            }
            None => match TypedDoc::from_automerge(copy.document().clone().with_actor(actor)) {
                Ok(doc) => {
                    let kind = doc.kind();
                    self.typed.insert(document, doc);
                    TypedEvent::Loaded { document, kind }
                }
                Err(e) => TypedEvent::Unreadable { document, message: e.to_string() },
            },
        }
    }

    /// The repo reset a document after a rejection: rebuild the typed copy
    /// and hand the refused edits back.
    fn refused(&mut self, document: DocumentId, edits: RefusedEdits) -> Option<TypedEvent> {
        let RefusedEdits { changes, reasons, previous, .. } = edits;
        let old = self.typed.remove(&document);
        let copy_heads: Option<Vec<ChangeHash>> = self.repo.doc_mut(&document).map(|c| c.get_heads());
        let unchanged = old.as_ref().zip(copy_heads.as_ref()).is_some_and(|(o, h)| o.heads() == *h);
        if unchanged && changes.is_empty() {
            // A stale rejection: nothing was set aside.
            if let Some(o) = old {
                self.typed.insert(document, o);
            }
            return None;
        }
        self.generation += 1;
        let actor = self.actor();
        if let Some(copy) = self.repo.doc_mut(&document) {
            match TypedDoc::from_automerge(copy.document().clone().with_actor(actor)) {
                Ok(doc) => {
                    self.typed.insert(document, doc);
                }
                Err(e) if !copy.get_heads().is_empty() => {
                    return Some(TypedEvent::Unreadable { document, message: e.to_string() });
                }
                // Reset to nothing: the server never accepted the document.
                Err(_) => {}
            }
        }
        let reset_heads = copy_heads.unwrap_or_default();
        let mut previous = previous.map(|p| *p);
        let prev_doc = previous.as_mut().map(|p| p.document().clone());
        let text = match &prev_doc {
            Some(p) => changes.iter().filter_map(|c| Change::from_bytes(c.clone()).ok()).flat_map(|c| guard::text_of_change(p, &c)).collect(),
            None => Vec::new(),
        };
        let (patches, previous_view) = match (prev_doc, old.as_ref().map(TypedDoc::kind)) {
            (Some(p), Some(kind)) => {
                let heads_after = p.get_heads();
                let kept: Vec<ChangeHash> = reset_heads.iter().filter(|h| p.get_missing_deps(std::slice::from_ref(h)).is_empty()).copied().collect();
                let patches = doc::patch_translate(kind, &p.diff(&kept, &heads_after));
                let view = TypedDoc::from_automerge(p).ok().map(|d| d.read());
                (patches, view)
            }
            _ => (Vec::new(), old.as_ref().map(TypedDoc::read)),
        };
        Some(TypedEvent::Rejected(Box::new(Refusal { document, reasons, text, patches, previous: previous_view, changes })))
    }
}
