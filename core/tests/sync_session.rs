//! Clients and a server-side machine talking in memory, every hop through
//! the CBOR codec, with a trivial in-test document actor.

use std::collections::{BTreeMap, VecDeque};

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Automerge, ObjType, ROOT, ReadDoc};
use folio_core::sync::*;
use folio_core::time::Timestamp;

const SERVER: &str = "folio-server";

fn doc_id() -> DocumentId {
    DocumentId::from_bytes([9; 16])
}

/// Which incoming changes the in-test "guard" refuses: none, or any change
/// that sets the root key `forbidden`.
#[derive(Clone, Copy, PartialEq)]
enum Guard {
    AcceptAll,
    RefuseForbiddenKey,
}

struct Conn {
    peer: ServerPeer,
    syncs: BTreeMap<DocumentId, DocPeerSync>,
    mode: SyncMode,
}

/// The server side: one document actor and one ServerPeer per connection.
struct Hub {
    doc: Automerge,
    guard: Guard,
    conns: BTreeMap<String, Conn>,
    now: Timestamp,
    closed: Vec<(String, SyncError)>,
    rejections: usize,
}

enum To {
    Client(String),
    Server(String),
}

impl Hub {
    fn new(guard: Guard) -> Self {
        let mut doc = Automerge::new();
        doc.set_actor(ActorId::from(b"server-actor".to_vec()));
        let mut tx = doc.transaction();
        tx.put(ROOT, "title", "Portfolio").unwrap();
        tx.put_object(ROOT, "body", ObjType::Text).unwrap();
        tx.commit();
        Hub {
            doc,
            guard,
            conns: BTreeMap::new(),
            now: Timestamp(1_000),
            closed: Vec::new(),
            rejections: 0,
        }
    }

    fn connect(&mut self, client: &str, mode: SyncMode, limits: Limits) {
        let peer = ServerPeer::new(
            PeerId::from(SERVER),
            PeerMetadata::folio_ephemeral(),
            limits,
            self.now,
        );
        self.conns.insert(
            client.to_owned(),
            Conn {
                peer,
                syncs: BTreeMap::new(),
                mode,
            },
        );
    }

    fn refuses(&self, incoming: &IncomingSync) -> bool {
        if self.guard == Guard::AcceptAll || !incoming.has_changes() {
            return false;
        }
        let mut fork = self.doc.fork();
        fork.load_incremental(&incoming.change_bytes()).unwrap();
        fork.get(ROOT, "forbidden").unwrap().is_some()
    }

    /// Handle one frame from `from`; returns frames for clients.
    fn receive(&mut self, from: &str, frame: &[u8]) -> Vec<(String, Message)> {
        let now = self.now;
        let effects = self.conns.get_mut(from).unwrap().peer.receive(frame, now);
        let mut out = Vec::new();
        for effect in effects {
            match effect {
                ServerEffect::Send(m) => out.push((from.to_owned(), m)),
                ServerEffect::Joined { .. } | ServerEffect::Left => {}
                ServerEffect::Close { error } => self.closed.push((from.to_owned(), error)),
                ServerEffect::Ephemeral { message, .. } => {
                    for (name, conn) in &self.conns {
                        if let Some(m) = conn.peer.relay_ephemeral(&message) {
                            out.push((name.clone(), m));
                        }
                    }
                }
                ServerEffect::DeliverToDoc { document, data, .. } => {
                    out.extend(self.deliver(from, document, &data));
                }
            }
        }
        out
    }

    fn deliver(&mut self, from: &str, document: DocumentId, data: &[u8]) -> Vec<(String, Message)> {
        let conn = self.conns.get_mut(from).unwrap();
        if document != doc_id() {
            return conn
                .peer
                .doc_unavailable(document)
                .map(|m| (from.to_owned(), m))
                .into_iter()
                .collect();
        }
        let incoming = IncomingSync::decode(document, data).unwrap();
        if self.refuses(&incoming) {
            let mut fork = self.doc.fork();
            fork.load_incremental(&incoming.change_bytes()).unwrap();
            let refused: Vec<_> = fork
                .get_changes(&self.doc.get_heads())
                .iter()
                .map(|c| c.hash())
                .collect();
            let reasons = refused
                .iter()
                .map(|h| RejectionReason {
                    hash: Some(*h),
                    reason: "you may not set `forbidden`".into(),
                })
                .collect();
            let conn = self.conns.get_mut(from).unwrap();
            let mode = conn.mode;
            conn.syncs
                .entry(document)
                .or_insert_with(|| DocPeerSync::new(mode))
                .refuse();
            self.rejections += 1;
            let msg = conn
                .peer
                .rejected(document, refused, reasons, self.doc.get_heads(), None)
                .unwrap();
            return vec![(from.to_owned(), msg)];
        }
        // Accepted: apply (a real actor commits durably here), then record.
        let before = self.doc.get_heads();
        if self.conns[from].mode == SyncMode::ReadWrite {
            self.doc.load_incremental(&incoming.change_bytes()).unwrap();
        }
        let conn = self.conns.get_mut(from).unwrap();
        let mode = conn.mode;
        conn.syncs
            .entry(document)
            .or_insert_with(|| DocPeerSync::new(mode))
            .record_received(&self.doc, incoming, &before, None)
            .unwrap();
        // Answer the sender and tell every other reader, in commit order.
        let mut out = Vec::new();
        for (name, conn) in self.conns.iter_mut() {
            if name != from && !conn.peer.open_documents().any(|d| *d == document) {
                continue;
            }
            let mode = conn.mode;
            let sync = conn
                .syncs
                .entry(document)
                .or_insert_with(|| DocPeerSync::new(mode));
            if let Some(data) = sync.generate(&self.doc) {
                out.push((name.clone(), conn.peer.sync(document, data).unwrap()));
            }
        }
        out
    }
}

struct World {
    hub: Hub,
    clients: BTreeMap<String, ClientRepo>,
    events: BTreeMap<String, Vec<ClientEvent>>,
    queue: VecDeque<(To, Vec<u8>)>,
}

impl World {
    fn new(guard: Guard) -> Self {
        World {
            hub: Hub::new(guard),
            clients: BTreeMap::new(),
            events: BTreeMap::new(),
            queue: VecDeque::new(),
        }
    }

    fn add_client(&mut self, name: &str, mode: SyncMode) {
        self.hub.connect(name, mode, Limits::default());
        let repo = ClientRepo::new(PeerId::from(name), ActorId::from(name.as_bytes().to_vec()));
        let join = repo.join();
        self.clients.insert(name.to_owned(), repo);
        self.send_to_server(name, vec![join]);
    }

    fn send_to_server(&mut self, from: &str, messages: Vec<Message>) {
        for m in messages {
            self.queue
                .push_back((To::Server(from.to_owned()), encode(&m)));
        }
    }

    fn client(&mut self, name: &str) -> &mut ClientRepo {
        self.clients.get_mut(name).unwrap()
    }

    fn edit(&mut self, name: &str, f: impl FnOnce(&mut AutoCommit)) {
        let repo = self.client(name);
        f(repo.doc_mut(&doc_id()).unwrap());
        let out = repo.sync(&doc_id());
        self.send_to_server(name, out);
    }

    /// Deliver frames until nobody has anything left to say.
    fn pump(&mut self) {
        let mut steps = 0;
        while let Some((to, frame)) = self.queue.pop_front() {
            steps += 1;
            assert!(steps < 10_000, "the exchange does not settle");
            self.deliver(to, frame);
        }
    }

    /// Deliver the oldest frame of one connection's direction (the
    /// `pick`-th among those with frames waiting): each direction of each
    /// connection stays in order, as over a websocket, but the connections
    /// and directions interleave freely.
    fn deliver_one(&mut self, pick: usize) {
        let mut lanes: Vec<(bool, String)> = Vec::new();
        for (to, _) in &self.queue {
            let lane = match to {
                To::Client(n) => (false, n.clone()),
                To::Server(n) => (true, n.clone()),
            };
            if !lanes.contains(&lane) {
                lanes.push(lane);
            }
        }
        if lanes.is_empty() {
            return;
        }
        let lane = &lanes[pick % lanes.len()];
        let at = self
            .queue
            .iter()
            .position(|(to, _)| match to {
                To::Client(n) => !lane.0 && *n == lane.1,
                To::Server(n) => lane.0 && *n == lane.1,
            })
            .expect("the lane has a frame");
        let (to, frame) = self.queue.remove(at).expect("in the queue");
        self.deliver(to, frame);
    }

    fn deliver(&mut self, to: To, frame: Vec<u8>) {
        match to {
            To::Server(from) => {
                for (client, m) in self.hub.receive(&from, &frame) {
                    self.queue.push_back((To::Client(client), encode(&m)));
                }
            }
            To::Client(name) => {
                let out = self
                    .clients
                    .get_mut(&name)
                    .unwrap()
                    .receive_frame(&frame, Limits::default().max_message_bytes)
                    .unwrap();
                self.events
                    .entry(name.clone())
                    .or_default()
                    .extend(out.events);
                self.send_to_server(&name, out.send);
            }
        }
    }

    fn text(&mut self, name: &str) -> String {
        let doc = self.client(name).doc(&doc_id()).unwrap();
        let (_, body) = doc.get(ROOT, "body").unwrap().unwrap();
        doc.text(&body).unwrap()
    }

    fn server_text(&self) -> String {
        let (_, body) = self.hub.doc.get(ROOT, "body").unwrap().unwrap();
        self.hub.doc.text(&body).unwrap()
    }

    fn heads(&mut self, name: &str) -> Vec<automerge::ChangeHash> {
        let repo = self.client(name);
        repo.doc_mut(&doc_id()).unwrap().get_heads()
    }
}

fn splice(doc: &mut AutoCommit, pos: usize, text: &str) {
    let (_, body) = doc.get(ROOT, "body").unwrap().unwrap();
    doc.splice_text(&body, pos, 0, text).unwrap();
}

fn connected_world(guard: Guard, names: &[&str]) -> World {
    let mut w = World::new(guard);
    for name in names {
        w.add_client(name, SyncMode::ReadWrite);
    }
    w.pump();
    for name in names {
        let out = w.client(name).find(doc_id());
        w.send_to_server(name, out);
    }
    w.pump();
    w
}

#[test]
fn a_client_finds_a_document_with_request_and_receives_it() {
    let mut w = World::new(Guard::AcceptAll);
    w.add_client("alice", SyncMode::ReadWrite);
    w.pump();
    assert_eq!(w.client("alice").server(), Some(&PeerId::from(SERVER)));
    let out = w.client("alice").find(doc_id());
    assert!(matches!(out.as_slice(), [Message::Request(_)]), "{out:?}");
    w.send_to_server("alice", out);
    w.pump();
    assert_eq!(w.client("alice").status(&doc_id()), Some(DocStatus::Ready));
    let doc = w.client("alice").doc(&doc_id()).unwrap();
    assert_eq!(
        doc.get(ROOT, "title").unwrap().unwrap().0.as_str(),
        Some("Portfolio")
    );
    let events = &w.events["alice"];
    assert!(matches!(events[0], ClientEvent::Connected { .. }));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::DocChanged { .. }))
    );
}

#[test]
fn two_clients_editing_concurrently_converge_with_the_server() {
    let mut w = connected_world(Guard::AcceptAll, &["alice", "bob"]);
    // Both type before either hears from the other.
    w.edit("alice", |d| splice(d, 0, "Hello "));
    w.edit("bob", |d| splice(d, 0, "world"));
    w.edit("alice", |d| d.put(ROOT, "by_alice", 1).unwrap());
    w.edit("bob", |d| d.put(ROOT, "by_bob", 2).unwrap());
    w.pump();

    let alice = w.text("alice");
    let bob = w.text("bob");
    assert_eq!(alice, bob);
    assert_eq!(alice, w.server_text());
    assert_eq!(alice.len(), "Hello world".len());
    assert_eq!(w.heads("alice"), w.heads("bob"));
    assert_eq!(w.heads("alice"), w.hub.doc.get_heads());
    let bob_doc = w.client("bob").doc(&doc_id()).unwrap();
    assert!(bob_doc.get(ROOT, "by_alice").unwrap().is_some());
}

#[test]
fn many_rounds_of_interleaved_edits_converge() {
    let mut w = connected_world(Guard::AcceptAll, &["alice", "bob", "carol"]);
    for round in 0..20 {
        for (i, name) in ["alice", "bob", "carol"].iter().enumerate() {
            w.edit(name, |d| splice(d, 0, &format!("{round}{i}")));
        }
        if round % 3 == 0 {
            w.pump();
        }
    }
    w.pump();
    let server = w.server_text();
    for name in ["alice", "bob", "carol"] {
        assert_eq!(w.text(name), server, "{name}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Typing anywhere while frames cross in any order between connections:
    /// every client ends with the server's text. (Every debug build also
    /// checks each message built by the steady-state shortcut, on both
    /// sides, against automerge's full computation.)
    #[test]
    fn typing_while_frames_interleave_converges(
        steps in proptest::collection::vec((0..3usize, 0..5u8, 0..8usize), 1..80),
    ) {
        let names = ["alice", "bob", "carol"];
        let mut w = connected_world(Guard::AcceptAll, &names);
        for (who, action, n) in steps {
            match action {
                // Typing, synced at once or (1) only with a later edit or
                // at the end, as a client that gathers keystrokes does.
                0 | 1 => {
                    let key = char::from(b'a' + (n as u8) % 26).to_string();
                    let repo = w.client(names[who]);
                    let d = repo.doc_mut(&doc_id()).unwrap();
                    let (_, body) = d.get(ROOT, "body").unwrap().unwrap();
                    let at = d.length(&body);
                    d.splice_text(&body, n.min(at), 0, &key).unwrap();
                    d.commit();
                    if action == 0 {
                        let out = repo.sync(&doc_id());
                        w.send_to_server(names[who], out);
                    }
                }
                _ => {
                    for k in 0..n {
                        w.deliver_one(who + k);
                    }
                }
            }
        }
        for name in names {
            let out = w.client(name).sync(&doc_id());
            w.send_to_server(name, out);
        }
        w.pump();
        let server = w.server_text();
        for name in names {
            proptest::prop_assert_eq!(w.text(name), server.clone(), "{}", name);
            proptest::prop_assert_eq!(w.heads(name), w.hub.doc.get_heads());
        }
    }
}

#[test]
fn a_refused_edit_is_dropped_handed_back_and_the_client_recovers() {
    let mut w = connected_world(Guard::RefuseForbiddenKey, &["alice", "bob"]);
    w.edit("alice", |d| splice(d, 0, "kept "));
    w.pump();
    w.edit("alice", |d| {
        d.put(ROOT, "forbidden", "secret note").unwrap();
        splice(d, 0, "typed after ");
    });
    w.pump();

    assert_eq!(w.hub.rejections, 1);
    // The server and bob never saw it.
    assert!(w.hub.doc.get(ROOT, "forbidden").unwrap().is_none());
    assert!(
        w.client("bob")
            .doc(&doc_id())
            .unwrap()
            .get(ROOT, "forbidden")
            .unwrap()
            .is_none()
    );
    // Alice's document is back at the server's state...
    assert!(
        w.client("alice")
            .doc(&doc_id())
            .unwrap()
            .get(ROOT, "forbidden")
            .unwrap()
            .is_none()
    );
    assert_eq!(w.text("alice"), "kept ");
    assert_eq!(w.heads("alice"), w.hub.doc.get_heads());
    // ...and what she typed is handed back, with the reason.
    let events = w.events.remove("alice").unwrap();
    let edits = events
        .into_iter()
        .find_map(|e| match e {
            ClientEvent::Rejected { edits, .. } => Some(edits),
            _ => None,
        })
        .expect("a Rejected event");
    assert_eq!(edits.hashes.len(), 1);
    assert_eq!(edits.changes.len(), 1);
    assert_eq!(edits.reasons[0].reason, "you may not set `forbidden`");
    let previous = edits.previous.expect("the old document");
    assert_eq!(
        previous.get(ROOT, "forbidden").unwrap().unwrap().0.as_str(),
        Some("secret note")
    );
    let change = automerge::Change::from_bytes(edits.changes[0].clone()).unwrap();
    assert_eq!(change.hash(), edits.hashes[0]);

    // Editing goes on normally afterwards, under a new actor.
    w.edit("alice", |d| splice(d, 0, "again "));
    w.pump();
    assert_eq!(w.server_text(), "again kept ");
    assert_eq!(w.text("bob"), "again kept ");
    assert_eq!(w.hub.rejections, 1);
}

#[test]
fn recovery_keeps_unjudged_earlier_edits_and_refuses_only_the_branch() {
    let mut w = connected_world(Guard::AcceptAll, &["alice"]);
    let server_heads = w.hub.doc.get_heads();
    let repo = w.client("alice");
    let doc = repo.doc_mut(&doc_id()).unwrap();
    splice(doc, 0, "fine ");
    let fine = doc.get_heads()[0];
    doc.put(ROOT, "forbidden", 1).unwrap();
    let bad = doc.get_heads()[0];
    doc.put(ROOT, "after", 2).unwrap();
    let after = doc.get_heads()[0];

    let out = repo
        .receive(Message::Rejected(Rejected {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            document_id: doc_id(),
            change_hashes: vec![bad],
            reasons: vec![],
            server_heads,
            refused: None,
        }))
        .unwrap();
    let Some(ClientEvent::Rejected { edits, .. }) = out.events.into_iter().next() else {
        panic!("expected Rejected");
    };
    assert_eq!(
        edits.hashes,
        vec![bad, after],
        "the refused change and its dependent"
    );
    let doc = repo.doc_mut(&doc_id()).unwrap();
    assert_eq!(doc.get_heads(), vec![fine], "the earlier edit stays");
    assert!(doc.get(ROOT, "forbidden").unwrap().is_none());
    assert_ne!(doc.get_actor(), &ActorId::from(b"alice".to_vec()));
    // A fresh sync message goes out at once.
    assert!(matches!(out.send.as_slice(), [Message::Sync(_)]));
}

#[test]
fn a_stale_rejection_refuses_nothing_and_only_restarts_the_exchange() {
    let mut w = connected_world(Guard::AcceptAll, &["alice"]);
    let heads = w.heads("alice");
    let out = w
        .client("alice")
        .receive(Message::Rejected(Rejected {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            document_id: doc_id(),
            change_hashes: vec![automerge::ChangeHash([7; 32])],
            reasons: vec![],
            server_heads: heads.clone(),
            refused: None,
        }))
        .unwrap();
    let Some(ClientEvent::Rejected { edits, .. }) = out.events.into_iter().next() else {
        panic!("expected Rejected");
    };
    assert!(edits.hashes.is_empty() && edits.previous.is_none());
    assert_eq!(w.heads("alice"), heads);
}

#[test]
fn a_read_only_peer_receives_but_its_changes_never_reach_the_server() {
    let mut w = World::new(Guard::AcceptAll);
    w.add_client("alice", SyncMode::ReadWrite);
    w.add_client("reader", SyncMode::ReadOnly);
    w.pump();
    for name in ["alice", "reader"] {
        let out = w.client(name).find(doc_id());
        w.send_to_server(name, out);
    }
    w.pump();
    w.edit("reader", |d| splice(d, 0, "vandal "));
    w.edit("alice", |d| splice(d, 0, "owner "));
    w.pump();
    assert_eq!(w.server_text(), "owner ");
    assert!(w.text("reader").contains("owner "));
}

#[test]
fn an_unknown_document_is_unavailable() {
    let mut w = connected_world(Guard::AcceptAll, &["alice"]);
    let other = DocumentId::from_bytes([1; 16]);
    let out = w.client("alice").find(other);
    w.send_to_server("alice", out);
    w.pump();
    assert_eq!(
        w.client("alice").status(&other),
        Some(DocStatus::Unavailable)
    );
    assert!(
        w.events["alice"]
            .iter()
            .any(|e| matches!(e, ClientEvent::DocUnavailable { document } if *document == other))
    );
}

#[test]
fn ephemeral_messages_reach_other_readers_once() {
    let mut w = connected_world(Guard::AcceptAll, &["alice", "bob"]);
    let m = w.client("alice").ephemeral(doc_id(), vec![0xa0]).unwrap();
    w.send_to_server("alice", vec![m.clone()]);
    w.pump();
    // The same message again (same session and count) is dropped by bob.
    w.send_to_server("alice", vec![m]);
    w.pump();
    let count = |w: &World, name: &str| {
        w.events.get(name).map_or(0, |es| {
            es.iter()
                .filter(|e| matches!(e, ClientEvent::Ephemeral { .. }))
                .count()
        })
    };
    assert_eq!(count(&w, "bob"), 1);
    assert_eq!(count(&w, "alice"), 0);
}

// ------------------------------------------------------------ server peer alone

fn server_peer(limits: Limits) -> ServerPeer {
    ServerPeer::new(
        PeerId::from(SERVER),
        PeerMetadata::folio_ephemeral(),
        limits,
        Timestamp(0),
    )
}

fn join(sender: &str, versions: Option<Vec<&str>>, folio: bool) -> Vec<u8> {
    encode(&Message::Join(Join {
        sender_id: PeerId::from(sender),
        peer_metadata: Some(PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(true),
            folio: folio.then_some(1),
        }),
        supported_protocol_versions: versions.map(|v| v.into_iter().map(String::from).collect()),
    }))
}

fn sync_frame(sender: &str, target: &str) -> Vec<u8> {
    encode(&Message::Sync(SyncMessage {
        sender_id: PeerId::from(sender),
        target_id: PeerId::from(target),
        document_id: doc_id(),
        data: vec![0x42],
    }))
}

#[test]
fn the_handshake_selects_protocol_version_one() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&join("alice", Some(vec!["0", "1"]), true), Timestamp(0));
    let ServerEffect::Send(Message::Peer(peer)) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert_eq!(peer.selected_protocol_version, "1");
    assert_eq!(peer.target_id, PeerId::from("alice"));
    assert!(matches!(&effects[1], ServerEffect::Joined { peer, .. } if peer.as_str() == "alice"));
    assert!(p.speaks_folio());
}

#[test]
fn a_join_without_a_version_list_means_version_one() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&join("old", None, false), Timestamp(0));
    assert!(matches!(&effects[0], ServerEffect::Send(Message::Peer(_))));
    assert!(!p.speaks_folio());
}

#[test]
fn an_unsupported_protocol_version_gets_an_error_and_a_close() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&join("alice", Some(vec!["2"]), true), Timestamp(0));
    let ServerEffect::Send(Message::Error(e)) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        e.message,
        "unsupported protocol versions `2`; this server speaks `1`"
    );
    assert_eq!(e.target_id, Some(PeerId::from("alice")));
    assert!(matches!(
        &effects[1],
        ServerEffect::Close {
            error: SyncError::UnsupportedVersion { .. }
        }
    ));
    assert!(p.is_closed());
    assert!(
        p.receive(&sync_frame("alice", SERVER), Timestamp(0))
            .is_empty()
    );
}

#[test]
fn sync_before_join_closes_the_connection() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    assert!(matches!(
        &effects[1],
        ServerEffect::Close {
            error: SyncError::NotJoined {
                message_type: "sync"
            }
        }
    ));
}

#[test]
fn a_spoofed_sender_or_a_wrong_target_closes_the_connection() {
    for frame in [
        sync_frame("mallory", SERVER),
        sync_frame("alice", "someone-else"),
    ] {
        let mut p = server_peer(Limits::default());
        p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
        let effects = p.receive(&frame, Timestamp(0));
        assert!(
            matches!(
                &effects[..],
                [
                    ServerEffect::Send(Message::Error(_)),
                    ServerEffect::Close { .. }
                ]
            ),
            "{effects:?}"
        );
    }
}

#[test]
fn an_unknown_message_type_gets_an_error_but_keeps_the_connection() {
    let mut p = server_peer(Limits::default());
    p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    let mut frame = Vec::new();
    let value = ciborium::Value::Map(vec![(
        ciborium::Value::Text("type".into()),
        ciborium::Value::Text("future-thing".into()),
    )]);
    ciborium::ser::into_writer(&value, &mut frame).unwrap();
    let effects = p.receive(&frame, Timestamp(0));
    let [ServerEffect::Send(Message::Error(e))] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(e.message, "unknown message type `future-thing`");
    assert!(!p.is_closed());
    assert!(matches!(
        &p.receive(&sync_frame("alice", SERVER), Timestamp(0))[..],
        [ServerEffect::DeliverToDoc { .. }]
    ));
}

#[test]
fn malformed_and_oversized_frames_close_the_connection() {
    let limits = Limits {
        max_message_bytes: 128,
        ..Limits::default()
    };
    for frame in [vec![0xff, 0xff, 0xff], vec![0x5a; 129]] {
        let mut p = server_peer(limits);
        p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
        let effects = p.receive(&frame, Timestamp(0));
        assert!(
            matches!(
                &effects[1],
                ServerEffect::Close {
                    error: SyncError::Wire(_)
                }
            ),
            "{effects:?}"
        );
    }
}

#[test]
fn a_flood_is_cut_off_by_the_rate_limit() {
    let limits = Limits {
        rate: RateLimit {
            burst: 3,
            per_second: 1,
        },
        ..Limits::default()
    };
    let mut p = server_peer(limits);
    p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    let effects = p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    let ServerEffect::Close { error } = &effects[1] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        error,
        &SyncError::RateLimited {
            retry_after_ms: 1000
        }
    );
}

#[test]
fn the_token_bucket_refills_with_time_and_never_beyond_the_burst() {
    let mut b = TokenBucket::new(
        RateLimit {
            burst: 2,
            per_second: 10,
        },
        Timestamp(0),
    );
    assert_eq!(b.check(Timestamp(0)), RateDecision::Allowed);
    assert_eq!(b.check(Timestamp(0)), RateDecision::Allowed);
    assert_eq!(
        b.check(Timestamp(0)),
        RateDecision::Limited {
            retry_at: Timestamp(100)
        }
    );
    assert_eq!(b.check(Timestamp(100)), RateDecision::Allowed);
    // A long pause refills only up to the burst.
    assert_eq!(b.check(Timestamp(1_000_000)), RateDecision::Allowed);
    assert_eq!(b.check(Timestamp(1_000_000)), RateDecision::Allowed);
    assert!(matches!(
        b.check(Timestamp(1_000_000)),
        RateDecision::Limited { .. }
    ));
    // A clock that goes backwards grants nothing.
    assert!(matches!(
        b.check(Timestamp(5)),
        RateDecision::Limited { .. }
    ));
    let mut never = TokenBucket::new(
        RateLimit {
            burst: 0,
            per_second: 0,
        },
        Timestamp(0),
    );
    assert_eq!(
        never.check(Timestamp(0)),
        RateDecision::Limited {
            retry_at: Timestamp::MAX
        }
    );
}

#[test]
fn policy_and_rejections_go_as_extensions_only_to_folio_peers() {
    let mut folio = server_peer(Limits::default());
    folio.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    let mut plain = server_peer(Limits::default());
    plain.receive(&join("js", Some(vec!["1"]), false), Timestamp(0));

    assert!(matches!(folio.policy(3, vec![1]), Some(Message::Policy(_))));
    assert_eq!(plain.policy(3, vec![1]), None);

    let reasons = vec![RejectionReason {
        hash: None,
        reason: "read-only link".into(),
    }];
    assert!(matches!(
        folio.rejected(doc_id(), vec![], reasons.clone(), vec![], None),
        Some(Message::Rejected(_))
    ));
    let Some(Message::Error(e)) = plain.rejected(doc_id(), vec![], reasons, vec![], None) else {
        panic!()
    };
    assert_eq!(
        e.message,
        format!(
            "changes to document `{}` were refused: read-only link",
            doc_id()
        )
    );
}

#[test]
fn the_client_applies_newer_policy_snapshots_and_ignores_stale_ones() {
    let mut repo = ClientRepo::new(PeerId::from("alice"), ActorId::from(b"alice".to_vec()));
    let policy = |revision| {
        Message::Policy(Policy {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            revision,
            snapshot: vec![revision as u8],
        })
    };
    assert_eq!(repo.receive(policy(2)).unwrap().events.len(), 1);
    assert_eq!(repo.receive(policy(1)).unwrap().events.len(), 0);
    assert_eq!(repo.receive(policy(2)).unwrap().events.len(), 0);
    let out = repo.receive(policy(5)).unwrap();
    assert!(
        matches!(&out.events[..], [ClientEvent::PolicyUpdated { revision: 5, snapshot }] if snapshot == &vec![5])
    );
    assert_eq!(repo.policy_revision(), Some(5));
}

#[test]
fn the_client_join_advertises_version_one_and_the_folio_extension() {
    let repo = ClientRepo::new(PeerId::from("alice"), ActorId::from(b"alice".to_vec()));
    let Message::Join(join) = repo.join() else {
        panic!()
    };
    assert_eq!(
        join.supported_protocol_versions,
        Some(vec!["1".to_string()])
    );
    assert!(join.peer_metadata.unwrap().speaks_folio());
}

#[test]
fn garbage_inside_a_sync_message_is_an_error_for_the_client() {
    let mut repo = ClientRepo::new(PeerId::from("alice"), ActorId::from(b"alice".to_vec()));
    let err = repo
        .receive(Message::Sync(SyncMessage {
            sender_id: PeerId::from(SERVER),
            target_id: PeerId::from("alice"),
            document_id: doc_id(),
            data: vec![1, 2, 3],
        }))
        .unwrap_err();
    assert!(matches!(err, SyncError::InvalidSyncMessage { .. }), "{err}");
    assert!(IncomingSync::decode(doc_id(), &[1, 2, 3]).is_err());
}

#[test]
fn ephemeral_messages_flow_only_for_documents_the_server_is_serving() {
    let mut p = server_peer(Limits::default());
    p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    let ephemeral = Ephemeral {
        sender_id: PeerId::from("alice"),
        target_id: PeerId::from(SERVER),
        count: 1,
        session_id: "s".into(),
        document_id: doc_id(),
        data: vec![0xa0],
    };
    let frame = encode(&Message::Ephemeral(ephemeral.clone()));
    // Asking for a document is not enough...
    p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    assert!(p.receive(&frame, Timestamp(0)).is_empty());
    // ...the server must have served it.
    assert!(p.sync(doc_id(), vec![0x42]).is_some());
    assert!(matches!(
        &p.receive(&frame, Timestamp(0))[..],
        [ServerEffect::Ephemeral { .. }]
    ));
    // And once unavailable, nothing flows either way.
    assert!(p.doc_unavailable(doc_id()).is_some());
    assert!(p.receive(&frame, Timestamp(0)).is_empty());
    let from_bob = Ephemeral {
        sender_id: PeerId::from("bob"),
        ..ephemeral
    };
    assert_eq!(p.relay_ephemeral(&from_bob), None);
}
