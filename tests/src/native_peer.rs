//! A native peer for the WebAssembly tests: the server's half of the sync
//! protocol over one guarded page, in memory, built only from `folio-core`.
//!
//! The world: Olga owns portfolio `pf` › collection `c1` › page `pg`, whose
//! document holds sections `s` and `t` with some text. The connected client is
//! Rita, who may write in section `s` and only read the rest of the page. Every
//! change Rita sends goes through the real [`guard`](folio_core::guard): typing
//! in `s` is accepted, typing in `t` is refused with the guard's reasons.
//! Olga's own edits are made here with [`NativePeer::edit`] and synced to Rita.
//!
//! The `native-peer` binary drives this over stdin/stdout (one JSON request
//! per line, one JSON answer per line) so the Node and Chromium tests can pair
//! the wasm `SyncClient` with it; `tests/tests/integration/wasm_peer.rs` drives the same
//! type with the native `TypedClient`.

use automerge::{Automerge, Change};
use folio_core::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
use folio_core::doc::{DocView, Edit, EditError, NodeSpec, PageDoc, TypedDoc, actor};
use folio_core::guard::{GuardError, Outcome, Sender, guard, principal_key};
use folio_core::sync::{
    DocPeerSync, DocumentId, IncomingSync, Limits, Message, PeerId, PeerMetadata, RejectionReason, ServerEffect,
    ServerPeer, SyncMode, encode,
};
use folio_core::time::Timestamp;

/// When everything happens.
pub const NOW: Timestamp = Timestamp(1_735_689_600_000);

/// The page document's id.
pub fn page_document() -> DocumentId {
    DocumentId::from_bytes([42; 16])
}

/// The connected client's principal.
pub fn client_principal() -> Principal {
    Principal::user("rita")
}

fn engine() -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("pf", "olga")).unwrap();
    e.add_node(Node::child("c1", NodeKind::Collection, "pf")).unwrap();
    e.add_node(Node::child("pg", NodeKind::Page, "c1")).unwrap();
    e.add_node(Node::child("s", NodeKind::Section, "pg")).unwrap();
    e.add_node(Node::child("t", NodeKind::Section, "pg")).unwrap();
    e.add_grant(Grant::new(1, "pg", Subject::user("rita"), Level::Read)).unwrap();
    e.add_grant(Grant::new(2, "s", Subject::user("rita"), Level::Write)).unwrap();
    e
}

/// A page made natively with every kind of content, for round trips.
pub fn fixture_page() -> PageDoc {
    let mut p = PageDoc::create(actor::actor_for("user:olga", [0; 16]), "pg", "c1").unwrap();
    p.add_section("pg", "s", "Section S", None).unwrap();
    p.add_section("pg", "t", "Section T", None).unwrap();
    p.add_section("s", "s1", "Nested", None).unwrap();
    p.splice_text("s", 0, 0, "Written natively: héllo 🌍").unwrap();
    p.splice_text("t", 0, 0, "Olga's text").unwrap();
    p.format("s", 0, 7, folio_core::doc::Format::Bold, true).unwrap();
    p.set_block("t", 0, folio_core::doc::BlockKind::Heading(2)).unwrap();
    p.add_node("pg", "r", "Notes", NodeSpec::Text, Some(0)).unwrap();
    p.attach_file(
        "s1",
        "f",
        folio_core::doc::FileRef { hash: "ab".repeat(32), name: "cv.pdf".into(), mime: "application/pdf".into(), size: 1234 },
    )
    .unwrap();
    p.submit(Timestamp(1_700_000_000_000)).unwrap();
    p
}

/// The changes a sync message carries: single changes, or (sync v2) whole
/// documents unpacked change by change, as the server's document actor does.
fn unpack(incoming: &IncomingSync) -> Result<Vec<Change>, GuardError> {
    let mut out = Vec::new();
    for chunk in incoming.chunks() {
        match Change::from_bytes(chunk.to_vec()) {
            Ok(c) => out.push(c),
            Err(_) => {
                let options = automerge::LoadOptions::new().on_partial_load(automerge::OnPartialLoad::Error);
                out.extend(Automerge::load_with_options(chunk, options)?.get_changes(&[]));
            }
        }
    }
    Ok(out)
}

/// The server side of one connection to one guarded page.
pub struct NativePeer {
    peer: ServerPeer,
    sync: DocPeerSync,
    doc: Automerge,
    engine: Engine,
    principal: Principal,
    /// How many changes the guard refused so far.
    pub refused: usize,
}

impl Default for NativePeer {
    fn default() -> Self {
        Self::new()
    }
}

impl NativePeer {
    /// A fresh server holding Olga's page.
    pub fn new() -> Self {
        let mut p = PageDoc::create(actor::actor_for("user:olga", [1; 16]), "pg", "c1").unwrap();
        p.add_section("pg", "s", "S", None).unwrap();
        p.add_section("pg", "t", "T", None).unwrap();
        p.splice_text("s", 0, 0, "in s").unwrap();
        p.splice_text("t", 0, 0, "in t").unwrap();
        NativePeer {
            peer: ServerPeer::new(PeerId::from("native-server"), PeerMetadata::folio_ephemeral(), Limits::default(), NOW),
            sync: DocPeerSync::new(SyncMode::ReadWrite),
            doc: p.into_automerge(),
            engine: engine(),
            principal: client_principal(),
            refused: 0,
        }
    }

    /// Handle one frame from the client; returns the frames to send back.
    pub fn receive(&mut self, frame: &[u8]) -> Vec<Vec<u8>> {
        let mut out: Vec<Message> = Vec::new();
        for effect in self.peer.receive(frame, NOW) {
            match effect {
                ServerEffect::Send(m) => out.push(m),
                ServerEffect::Joined { .. } => {
                    let snapshot = self.engine.snapshot_for(&self.principal, NOW);
                    let bytes = serde_json::to_vec(&snapshot).expect("a snapshot serialises");
                    out.extend(self.peer.policy(self.engine.revision(), bytes));
                }
                ServerEffect::DeliverToDoc { document, data, .. } => out.extend(self.deliver(document, &data)),
                ServerEffect::Ephemeral { .. } | ServerEffect::Left | ServerEffect::Close { .. } => {}
            }
        }
        out.iter().map(encode).collect()
    }

    fn deliver(&mut self, document: DocumentId, data: &[u8]) -> Vec<Message> {
        if document != page_document() {
            return self.peer.doc_unavailable(document).into_iter().collect();
        }
        let Ok(incoming) = IncomingSync::decode(document, data) else { return Vec::new() };
        let mut out = Vec::new();
        let mut rejected = false;
        let before = self.doc.get_heads();
        if incoming.has_changes() {
            let sender = Sender { principal: &self.principal, profile: None };
            match unpack(&incoming).map(|changes| guard(&mut self.doc, changes, sender, &self.engine, NOW)) {
                Ok(verdict) if verdict.all_accepted() => {}
                Ok(verdict) => {
                    rejected = true;
                    let mut reasons = Vec::new();
                    for c in &verdict.changes {
                        if let Outcome::Rejected { reasons: rs, .. } = &c.outcome {
                            self.refused += 1;
                            reasons.extend(rs.iter().map(|r| RejectionReason { hash: Some(c.hash), reason: r.message.clone() }));
                        }
                    }
                    out.extend(self.peer.rejected(document, verdict.rejected(), reasons, verdict.heads.clone(), None));
                }
                Err(e) => {
                    rejected = true;
                    let reasons = vec![RejectionReason { hash: None, reason: e.to_string() }];
                    out.extend(self.peer.rejected(document, Vec::new(), reasons, self.doc.get_heads(), None));
                }
            }
        }
        if rejected {
            self.sync.refuse();
        } else if self.sync.record_received(&self.doc, incoming, &before, None).is_err() {
            return out;
        }
        out.extend(self.outgoing());
        out
    }

    fn outgoing(&mut self) -> Option<Message> {
        let data = self.sync.generate(&self.doc)?;
        self.peer.sync(page_document(), data)
    }

    /// Olga edits the page here; returns the frames that carry it to the client.
    pub fn edit(&mut self, edit: &Edit) -> Result<Vec<Vec<u8>>, EditError> {
        let doc = std::mem::take(&mut self.doc).with_actor(actor::actor_for(&principal_key(&Principal::user("olga")), [2; 16]));
        let mut typed = TypedDoc::from_automerge(doc).expect("the authoritative page is valid");
        let result = typed.apply(edit);
        self.doc = typed.into_automerge();
        result?;
        Ok(self.outgoing().iter().map(encode).collect())
    }

    /// The authoritative page, read.
    pub fn read(&self) -> DocView {
        TypedDoc::from_automerge(self.doc.clone()).expect("valid").read()
    }

    /// The authoritative heads, as hex strings.
    pub fn heads(&self) -> Vec<String> {
        self.doc.get_heads().iter().map(ToString::to_string).collect()
    }
}
