//! The in-memory world: a hub (server peers and a trivial document actor) and client repos.

use std::collections::{BTreeMap, VecDeque};

use super::*;

/// Which incoming changes the in-test "guard" refuses: none, or any change
/// that sets the root key `forbidden`.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Guard {
    AcceptAll,
    RefuseForbiddenKey,
}

struct Conn {
    peer: ServerPeer,
    syncs: BTreeMap<DocumentId, DocPeerSync>,
    mode: SyncMode,
}

/// The server side: one document actor and one ServerPeer per connection.
pub(crate) struct Hub {
    pub(crate) doc: Automerge,
    guard: Guard,
    conns: BTreeMap<String, Conn>,
    now: Timestamp,
    closed: Vec<(String, SyncError)>,
    pub(crate) rejections: usize,
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

pub(crate) struct World {
    pub(crate) hub: Hub,
    clients: BTreeMap<String, ClientRepo>,
    pub(crate) events: BTreeMap<String, Vec<ClientEvent>>,
    queue: VecDeque<(To, Vec<u8>)>,
}

impl World {
    pub(crate) fn new(guard: Guard) -> Self {
        World {
            hub: Hub::new(guard),
            clients: BTreeMap::new(),
            events: BTreeMap::new(),
            queue: VecDeque::new(),
        }
    }

    pub(crate) fn add_client(&mut self, name: &str, mode: SyncMode) {
        self.hub.connect(name, mode, Limits::default());
        let repo = ClientRepo::new(PeerId::from(name), ActorId::from(name.as_bytes().to_vec()));
        let join = repo.join();
        self.clients.insert(name.to_owned(), repo);
        self.send_to_server(name, vec![join]);
    }

    pub(crate) fn send_to_server(&mut self, from: &str, messages: Vec<Message>) {
        for m in messages {
            self.queue
                .push_back((To::Server(from.to_owned()), encode(&m)));
        }
    }

    pub(crate) fn client(&mut self, name: &str) -> &mut ClientRepo {
        self.clients.get_mut(name).unwrap()
    }

    pub(crate) fn edit(&mut self, name: &str, f: impl FnOnce(&mut AutoCommit)) {
        let repo = self.client(name);
        f(repo.doc_mut(&doc_id()).unwrap());
        let out = repo.sync(&doc_id());
        self.send_to_server(name, out);
    }

    /// Deliver frames until nobody has anything left to say.
    pub(crate) fn pump(&mut self) {
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
    pub(crate) fn deliver_one(&mut self, pick: usize) {
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

    pub(crate) fn text(&mut self, name: &str) -> String {
        let doc = self.client(name).doc(&doc_id()).unwrap();
        let (_, body) = doc.get(ROOT, "body").unwrap().unwrap();
        doc.text(&body).unwrap()
    }

    pub(crate) fn server_text(&self) -> String {
        let (_, body) = self.hub.doc.get(ROOT, "body").unwrap().unwrap();
        self.hub.doc.text(&body).unwrap()
    }

    pub(crate) fn heads(&mut self, name: &str) -> Vec<automerge::ChangeHash> {
        let repo = self.client(name);
        repo.doc_mut(&doc_id()).unwrap().get_heads()
    }
}

pub(crate) fn splice(doc: &mut AutoCommit, pos: usize, text: &str) {
    let (_, body) = doc.get(ROOT, "body").unwrap().unwrap();
    doc.splice_text(&body, pos, 0, text).unwrap();
}

pub(crate) fn connected_world(guard: Guard, names: &[&str]) -> World {
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
