//! The client's sync path against the server side's bookkeeping.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};

use super::*;

fn id() -> DocumentId {
    DocumentId::from_bytes([7; 16])
}

/// The server's side, as the document actor keeps it: the document and
/// one `DocPeerSync` for this client.
struct Server {
    doc: Automerge,
    sync: DocPeerSync,
}

impl Server {
    fn new() -> Self {
        let mut doc = Automerge::new().with_actor(ActorId::from(b"server".to_vec()));
        let mut tx = doc.transaction();
        tx.put_object(ROOT, "text", ObjType::Text).unwrap();
        tx.commit();
        Server { doc, sync: DocPeerSync::new(SyncMode::ReadWrite) }
    }

    fn type_char(&mut self) {
        let text = self.doc.get(ROOT, "text").unwrap().unwrap().1;
        let at = self.doc.length(&text);
        let mut tx = self.doc.transaction();
        tx.splice_text(&text, at, 0, "s").unwrap();
        tx.commit();
    }

    /// Takes the client's messages, answers until neither side has
    /// anything to say.
    fn exchange(&mut self, repo: &mut ClientRepo, mut to_server: Vec<Message>) {
        for _ in 0..50 {
            let mut to_client = Vec::new();
            for m in to_server.drain(..) {
                let (Message::Sync(m) | Message::Request(m)) = m else { panic!("unexpected {m:?}") };
                let incoming = IncomingSync::decode(m.document_id, &m.data).unwrap();
                let before = self.doc.get_heads();
                self.doc.load_incremental(&incoming.change_bytes()).unwrap();
                self.sync.record_received(&self.doc, incoming, &before, None).unwrap();
            }
            if let Some(data) = self.sync.generate(&self.doc) {
                to_client.push(Message::Sync(SyncMessage {
                    sender_id: PeerId::from("server"),
                    target_id: repo.peer_id().clone(),
                    document_id: id(),
                    data,
                }));
            }
            if to_client.is_empty() {
                return;
            }
            for m in to_client {
                to_server.extend(repo.receive(m).unwrap().send);
            }
        }
        panic!("the exchange does not settle");
    }
}

/// A client that has completed the handshake with the server.
fn joined() -> ClientRepo {
    let mut repo = ClientRepo::new(PeerId::from("client"), ActorId::from(b"client".to_vec()));
    repo.receive(Message::Peer(Peer {
        sender_id: PeerId::from("server"),
        peer_metadata: None,
        selected_protocol_version: PROTOCOL_V1.to_owned(),
        target_id: PeerId::from("client"),
    }))
    .unwrap();
    repo
}

fn connected() -> (ClientRepo, Server) {
    let mut repo = joined();
    let mut server = Server::new();
    let find = repo.find(id());
    server.exchange(&mut repo, find);
    (repo, server)
}

fn type_here(repo: &mut ClientRepo, s: &str) -> ChangeHash {
    let doc = repo.doc_mut(&id()).unwrap();
    let text = doc.get(ROOT, "text").unwrap().unwrap().1;
    let at = doc.length(&text);
    doc.splice_text(&text, at, 0, s).unwrap();
    doc.commit().unwrap()
}

fn changes_in(messages: &[Message]) -> Vec<ChangeHash> {
    messages
        .iter()
        .filter_map(|m| match m {
            Message::Sync(m) => Some(IncomingSync::decode(m.document_id, &m.data).unwrap().changes().unwrap()),
            _ => None,
        })
        .flatten()
        .map(|c| c.hash())
        .collect()
}

#[test]
fn local_edits_are_found_by_walking_back_dependencies_first() {
    let (mut repo, _server) = connected();
    let base = repo.doc_mut(&id()).unwrap().get_heads();
    let first = type_here(&mut repo, "a");
    let second = type_here(&mut repo, "b");
    let doc = repo.doc_mut(&id()).unwrap().document();
    let made = made_since(doc, &base).unwrap();
    assert_eq!(made.iter().map(Change::hash).collect::<Vec<_>>(), vec![first, second]);
    assert!(made_since(doc, &doc.get_heads()).unwrap().is_empty());
    // The walk stops at a change by another actor: the server's first
    // change is not "made here".
    assert!(made_since(doc, &[]).is_none());
}

#[test]
fn in_the_steady_state_local_edits_and_relays_keep_the_shortcut() {
    let (mut repo, mut server) = connected();
    for round in 0..5 {
        // A local edit: the server was complete at the heads it builds
        // on, and the message carries exactly that change.
        let before = repo.doc_mut(&id()).unwrap().get_heads();
        let mine = type_here(&mut repo, "c");
        let entry = &repo.docs[&id()];
        assert_eq!(entry.sync.complete_at(), Some(before.as_slice()), "round {round}");
        // The walk finds exactly that change, though automerge also made it
        // depend on our previous one (below the server's relayed change).
        let doc = repo.doc_mut(&id()).unwrap().document();
        let made = made_since(doc, &before).expect("the shortcut holds");
        assert_eq!(made.iter().map(Change::hash).collect::<Vec<_>>(), vec![mine], "round {round}");
        let out = repo.sync(&id());
        assert_eq!(changes_in(&out), vec![mine], "round {round}");
        server.exchange(&mut repo, out);
        // The server's own edit, relayed: the client applies it, and
        // what it now holds the server holds too.
        server.type_char();
        server.exchange(&mut repo, Vec::new());
        let heads = repo.doc_mut(&id()).unwrap().get_heads();
        assert_eq!(heads, server.doc.get_heads());
        assert_eq!(repo.docs[&id()].sync.complete_at(), Some(heads.as_slice()), "round {round}");
    }
    let doc = repo.doc_mut(&id()).unwrap();
    let text = doc.get(ROOT, "text").unwrap().unwrap().1;
    assert_eq!(doc.text(&text).unwrap(), server.doc.text(server.doc.get(ROOT, "text").unwrap().unwrap().1).unwrap());
    assert_eq!(doc.text(&text).unwrap(), "cscscscscs");
}

#[test]
fn our_earlier_changes_below_the_base_are_not_taken_for_new_ones() {
    // The client creates the document (three changes of its own, so the
    // history below the base is all ours), the server builds on it, then
    // the client types: automerge makes that keystroke depend on the
    // server's change *and* on our last change below it. Only the keystroke
    // is new; the message says so (debug builds check `have` against
    // automerge's own answer).
    let mut repo = joined();
    let mut doc = automerge::AutoCommit::new().with_actor(ActorId::from(b"client".to_vec()));
    let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
    doc.commit();
    doc.put(ROOT, "title", "mine").unwrap();
    doc.commit();
    doc.splice_text(&text, 0, 0, "a").unwrap();
    doc.commit();
    let mut server = Server { doc: Automerge::new().with_actor(ActorId::from(b"server".to_vec())), sync: DocPeerSync::new(SyncMode::ReadWrite) };
    let add = repo.add(id(), doc);
    server.exchange(&mut repo, add);
    server.type_char();
    server.exchange(&mut repo, Vec::new());
    let base = repo.doc_mut(&id()).unwrap().get_heads();
    assert_eq!(repo.docs[&id()].sync.complete_at(), Some(base.as_slice()));
    let mine = type_here(&mut repo, "b");
    let doc = repo.doc_mut(&id()).unwrap().document();
    assert_eq!(doc.get_change_by_hash(&mine).unwrap().deps().len(), 2, "automerge named our previous change too");
    let made = made_since(doc, &base).expect("the shortcut holds");
    assert_eq!(made.iter().map(Change::hash).collect::<Vec<_>>(), vec![mine]);
    let out = repo.sync(&id());
    assert_eq!(changes_in(&out), vec![mine]);
    server.exchange(&mut repo, out);
    assert_eq!(repo.doc_mut(&id()).unwrap().get_heads(), server.doc.get_heads());
}
