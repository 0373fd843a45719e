//! The relay's two shortcuts against automerge's own sync, on random
//! sessions of one server document and several peers:
//!
//! - `DocPeerSync::record_received` leaves exactly the state automerge's
//!   `receive_sync_message` leaves (checked on every message);
//! - `DocPeerSync::generate_pushing` (fresh changes encoded once, appended
//!   to automerge's message, each peer's own left out) lets every peer
//!   converge with the server, as plain `generate` does (`PLAIN=1` runs the
//!   same sessions without the shortcut, to tell a harness fault from one of
//!   the shortcut).


use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ROOT};
use folio_core::sync::{Ancestry, DocPeerSync, DocumentId, IncomingSync, SyncMode};
use proptest::prelude::*;

fn doc_id() -> DocumentId {
    DocumentId::from_bytes([7; 16])
}

struct Peer {
    doc: Automerge,
    state: sync::State,
    /// What the peer sent the server and the server has not read yet.
    outbox: Vec<Vec<u8>>,
    /// What the server sent the peer and it has not read yet.
    inbox: Vec<Vec<u8>>,
}

struct Server {
    doc: Automerge,
    peers: Vec<DocPeerSync>,
    /// Changes committed since the last broadcast.
    fresh: Vec<automerge::Change>,
    /// The document's heads at the last broadcast.
    broadcast_heads: Vec<ChangeHash>,
    /// Clocks of the changes committed lately (a small window, so that
    /// changes fall out of it during a session).
    ancestry: Ancestry,
}

#[derive(Clone, Debug)]
enum Step {
    /// Peer `i` edits its copy and offers a sync message.
    Edit(usize, u8),
    /// The server reads what peer `i` sent.
    ServerReads(usize),
    /// The server tells every peer what changed (pushing fresh changes).
    Broadcast,
    /// Peer `i` reads what the server sent, and answers.
    PeerReads(usize),
}

fn step(n: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..n, any::<u8>()).prop_map(|(i, v)| Step::Edit(i, v)),
        3 => (0..n).prop_map(Step::ServerReads),
        2 => Just(Step::Broadcast),
        3 => (0..n).prop_map(Step::PeerReads),
    ]
}

impl Server {
    /// Reads one message from peer `i` as the document actor does: apply the
    /// changes (no guard here), then record the rest — checking the state
    /// against automerge's own `receive_sync_message`.
    fn read(&mut self, i: usize, data: &[u8]) {
        let incoming = IncomingSync::decode(doc_id(), data).unwrap();
        // Automerge's answer: the whole message received by a copy of the
        // document as it was, with a copy of the state.
        let mut expected = self.peers[i].state().clone();
        let mut copy = self.doc.clone();
        copy.receive_sync_message(&mut expected, incoming.message().clone()).unwrap();
        let before = self.doc.get_heads();
        for c in incoming.changes().unwrap() {
            let h = c.hash();
            if self.doc.get_change_meta_by_hash(&h).is_none() {
                self.doc.apply_changes([c.clone()]).unwrap();
                if self.doc.get_change_meta_by_hash(&h).is_some() {
                    self.ancestry.add(&self.doc, &c);
                    self.fresh.push(c);
                }
            }
        }
        self.peers[i].record_received(&self.doc, incoming, &before, Some(&self.ancestry)).unwrap();
        same_as_automerge(&self.doc, self.peers[i].state(), &expected);
    }

    fn broadcast(&mut self, peers: &mut [Peer]) {
        let theirs = folio_core::sync::Fresh::new(&self.doc, &self.broadcast_heads, &self.fresh);
        for (i, p) in self.peers.iter_mut().enumerate() {
            if let Some(m) = if std::env::var("PLAIN").is_ok() { p.generate(&self.doc) } else { p.generate_pushing(&self.doc, &theirs) } {
                peers[i].inbox.push(m);
            }
        }
        self.fresh.clear();
        self.broadcast_heads = self.doc.get_heads();
    }
}

/// `record_received` leaves automerge's state, except that it trims the
/// hashes sent from a window of recent changes, the rest only once there
/// are many: ours may name more, but only changes the peer's heads cover.
fn same_as_automerge(doc: &Automerge, ours: &sync::State, automerge: &sync::State) {
    let mut ours = ours.clone();
    if ours.sent_hashes != automerge.sent_hashes {
        let covered: std::collections::HashSet<ChangeHash> = match &automerge.their_heads {
            Some(heads) => {
                let unseen: std::collections::HashSet<ChangeHash> = doc.get_changes_meta(heads).into_iter().map(|m| m.hash).collect();
                ours.sent_hashes.iter().filter(|h| !unseen.contains(*h)).copied().collect()
            }
            None => Default::default(),
        };
        assert!(automerge.sent_hashes.is_subset(&ours.sent_hashes), "record_received forgot a change on its way");
        let extra: std::collections::HashSet<ChangeHash> = ours.sent_hashes.difference(&automerge.sent_hashes).copied().collect();
        assert!(extra.iter().all(|h| covered.contains(h)), "record_received kept a change the peer's heads do not cover");
        ours.sent_hashes.clone_from(&automerge.sent_hashes);
    }
    assert_eq!(&ours, automerge, "record_received differs from automerge");
}

fn peer_reads(p: &mut Peer) {
    for m in std::mem::take(&mut p.inbox) {
        let m = sync::Message::decode(&m).unwrap();
        p.doc.receive_sync_message(&mut p.state, m).unwrap();
    }
    if let Some(m) = p.doc.generate_sync_message(&mut p.state) {
        p.outbox.push(m.encode());
    }
}

fn run(n: usize, steps: &[Step]) {
    let mut base = Automerge::new();
    base.set_actor(ActorId::from(b"server".to_vec()));
    let mut tx = base.transaction();
    tx.put(ROOT, "title", "start").unwrap();
    tx.commit();
    let mut server = Server {
        broadcast_heads: base.get_heads(),
        ancestry: Ancestry::new(8),
        doc: base.clone(),
        peers: (0..n).map(|_| DocPeerSync::new(SyncMode::ReadWrite)).collect(),
        fresh: Vec::new(),
    };
    let mut peers: Vec<Peer> = (0..n)
        .map(|i| Peer {
            doc: Automerge::new().with_actor(ActorId::from(format!("peer-{i}").into_bytes())),
            state: sync::State::new(),
            outbox: Vec::new(),
            inbox: Vec::new(),
        })
        .collect();
    // Each peer opens the exchange.
    for p in &mut peers {
        peer_reads(p);
    }
    for s in steps {
        match *s {
            Step::Edit(i, v) => {
                let p = &mut peers[i];
                let mut tx = p.doc.transaction();
                tx.put(ROOT, format!("k{}", v % 8), i64::from(v)).unwrap();
                tx.commit();
                if let Some(m) = p.doc.generate_sync_message(&mut p.state) {
                    p.outbox.push(m.encode());
                }
            }
            Step::ServerReads(i) => {
                for m in std::mem::take(&mut peers[i].outbox) {
                    server.read(i, &m);
                }
            }
            Step::Broadcast => server.broadcast(&mut peers),
            Step::PeerReads(i) => peer_reads(&mut peers[i]),
        }
    }
    // Quiesce: everything flows until nobody has anything to say.
    for _ in 0..50 {
        for (i, p) in peers.iter_mut().enumerate() {
            for m in std::mem::take(&mut p.outbox) {
                server.read(i, &m);
            }
        }
        server.broadcast(&mut peers);
        for p in &mut peers {
            peer_reads(p);
        }
        if peers.iter().all(|p| p.outbox.is_empty() && p.inbox.is_empty()) {
            break;
        }
    }
    let heads = server.doc.get_heads();
    for (i, p) in peers.iter().enumerate() {
        assert_eq!(p.doc.get_heads(), heads, "peer {i} did not converge with the server");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn relay_shortcuts_agree_with_automerge(steps in prop::collection::vec(step(4), 0..80)) {
        run(4, &steps);
    }
}

#[test]
fn many_edits_between_broadcasts_reach_everyone() {
    let mut steps = Vec::new();
    for round in 0..10u8 {
        for i in 0..3 {
            steps.push(Step::Edit(i, round));
            steps.push(Step::ServerReads(i));
        }
        steps.push(Step::Broadcast);
        if round % 3 == 0 {
            for i in 0..3 {
                steps.push(Step::PeerReads(i));
            }
        }
    }
    run(3, &steps);
}

/// A long session: one peer reads rarely, so more than the trimming
/// threshold is on its way to it at once; the state still matches
/// automerge's up to hashes its heads cover, and everyone converges.
#[test]
fn a_long_session_trims_what_was_sent() {
    let mut steps = Vec::new();
    for round in 0..120u8 {
        for i in 0..2 {
            steps.push(Step::Edit(i, round));
            steps.push(Step::ServerReads(i));
        }
        steps.push(Step::Broadcast);
        steps.push(Step::PeerReads(0));
        steps.push(Step::PeerReads(1));
        if round % 50 == 49 {
            steps.push(Step::PeerReads(2));
            steps.push(Step::ServerReads(2));
        }
    }
    run(3, &steps);
}

/// Found by the property: a peer that supports sync v2 gets one chunk of
/// concatenated changes; pushed changes must join that chunk.
#[test]
fn pushed_changes_join_a_v2_message() {
    use Step::*;
    run(4, &[Broadcast, Edit(3, 0), PeerReads(3), Edit(2, 0), PeerReads(2), Edit(0, 0), Edit(0, 0)]);
}


/// A peer alone on a document still hears that its change was taken: the
/// server's next message names it among the heads (found broken: the state
/// recorded after the change was applied made the server think the peer
/// already knew its heads, so a lone writer was never acknowledged).
#[test]
fn a_lone_writer_is_acknowledged() {
    let mut server_doc = Automerge::new();
    let mut tx = server_doc.transaction();
    tx.put(ROOT, "title", "start").unwrap();
    tx.commit();
    let mut server = DocPeerSync::new(SyncMode::ReadWrite);
    let mut peer = Automerge::new().with_actor(ActorId::from(b"writer".to_vec()));
    let mut state = sync::State::new();
    // Sync up first.
    for _ in 0..6 {
        if let Some(m) = peer.generate_sync_message(&mut state) {
            let before = server_doc.get_heads();
            let incoming = IncomingSync::decode(doc_id(), &m.encode()).unwrap();
            server_doc.apply_changes(incoming.changes().unwrap()).unwrap();
            server.record_received(&server_doc, incoming, &before, None).unwrap();
        }
        if let Some(m) = server.generate(&server_doc) {
            peer.receive_sync_message(&mut state, sync::Message::decode(&m).unwrap()).unwrap();
        }
    }
    assert_eq!(peer.get_heads(), server_doc.get_heads());
    // The peer writes; the server takes the change and answers. (About one
    // time in a hundred the server's last bloom filter names the new change
    // by chance and the peer holds it back for a round, as automerge does:
    // the answer then says the server lacks it, and the next round brings it.)
    let mut tx = peer.transaction();
    tx.put(ROOT, "title", "mine").unwrap();
    let (mine, _) = tx.commit();
    let mine = mine.unwrap();
    for _ in 0..4 {
        let m = peer.generate_sync_message(&mut state).expect("the change goes out");
        let before = server_doc.get_heads();
        let incoming = IncomingSync::decode(doc_id(), &m.encode()).unwrap();
        server_doc.apply_changes(incoming.changes().unwrap()).unwrap();
        server.record_received(&server_doc, incoming, &before, None).unwrap();
        let fresh: folio_core::sync::Fresh<'_> = Default::default();
        let answer = server.generate_pushing(&server_doc, &fresh).expect("the writer is answered");
        let answer = sync::Message::decode(&answer).unwrap();
        if !folio_core::sync::has_change(&server_doc, &mine) {
            assert!(!answer.heads.contains(&mine));
            peer.receive_sync_message(&mut state, answer).unwrap();
            continue;
        }
        assert!(answer.heads.contains(&mine), "the answer names the change: {:?}", answer.heads);
        assert!(answer.changes.is_empty(), "and does not send it back");
        return;
    }
    panic!("the change never reached the server");
}
