//! One editor's connection: a complete automerge-repo peer (`ClientRepo`) over its own websocket,
//! with the decode-on-arrival and batched application the module docs of `main.rs` describe.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use automerge::{AutoCommit, ChangeHash, ROOT, ReadDoc};
use folio_core::doc::actor;
use folio_core::sync::{
    ClientEvent, ClientRepo, DocumentId, IncomingSync, Message, PeerId, SyncMessage, codec,
};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::Socket;
use crate::server::{Server, rand_bytes};

pub(crate) struct Client {
    pub(crate) socket: Socket,
    pub(crate) repo: ClientRepo,
    pub(crate) held: Option<Message>,
    /// Received, decoded, not yet applied: the latest sync message (with the
    /// original envelope) carrying every change received since the last
    /// application.
    pub(crate) inbox: Option<(SyncMessage, automerge::sync::Message, Vec<Vec<u8>>)>,
}

/// Bookkeeping shared by all editors of a phase.
#[derive(Default)]
pub(crate) struct Shared {
    /// change → (sent at, editors that still lack it)
    pub(crate) pending: HashMap<ChangeHash, (Instant, usize)>,
    pub(crate) latencies_us: Vec<u64>,
    pub(crate) sent: u64,
    pub(crate) acked: u64,
    /// Editors that typed their share of a fixed amount of work (`--edits`)
    /// and saw it acknowledged, and when the last of them did.
    pub(crate) finished: usize,
    pub(crate) finished_at: Option<Instant>,
}

impl Client {
    pub(crate) async fn connect(server: &Server) -> Client {
        let mut request = server.ws_url.clone().into_client_request().unwrap();
        if let Some(c) = &server.cookie {
            request.headers_mut().insert("cookie", c.parse().unwrap());
        }
        let (socket, _) = loop {
            match tokio_tungstenite::connect_async_with_config(request.clone(), None, true).await {
                Ok(s) => break s,
                Err(e) => {
                    eprintln!("connect failed ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        let repo = ClientRepo::new(
            PeerId::new(format!("load-{:x}", u128::from_le_bytes(rand_bytes()))),
            actor::actor_for("user:1", rand_bytes()),
        );
        let mut c = Client {
            socket,
            repo,
            held: None,
            inbox: None,
        };
        let join = c.repo.join();
        c.send(join).await;
        while c.repo.server().is_none() {
            c.step(Duration::from_secs(10), None, &mut Vec::new())
                .await
                .expect("handshake");
        }
        c
    }

    pub(crate) async fn send(&mut self, m: Message) {
        let _ = self.socket.send(Ws::Binary(codec::encode(&m).into())).await;
    }

    /// Messages generated in reply: sent at once if they carry changes,
    /// otherwise only the latest is held for the next flush.
    pub(crate) async fn reply(&mut self, out: Vec<Message>) {
        for m in out {
            let carries = match &m {
                Message::Sync(s) | Message::Request(s) => automerge::sync::Message::decode(&s.data)
                    .map(|d| !d.changes.is_empty())
                    .unwrap_or(true),
                _ => true,
            };
            if carries {
                self.send(m).await;
            } else {
                self.held = Some(m);
            }
        }
    }

    pub(crate) async fn flush(&mut self) {
        if let Some(m) = self.held.take() {
            self.send(m).await;
        }
    }

    /// One frame (or `limit` of silence). Returns the server's heads if it
    /// was a sync.
    ///
    /// With `shared` (the measured phase), a sync carrying changes is only
    /// decoded: its change hashes are checked off in `shared` and ack
    /// `in_flight`, and it goes to the inbox, applied with the rest of the
    /// inbox by [`Self::apply_inbox`] (see the module docs). Anything else,
    /// and every message outside the measured phase, is first preceded by
    /// the inbox and then handled at once by the repo.
    pub(crate) async fn step(
        &mut self,
        limit: Duration,
        shared: Option<&Mutex<Shared>>,
        in_flight: &mut Vec<ChangeHash>,
    ) -> Result<Option<Vec<ChangeHash>>, ()> {
        let frame = match tokio::time::timeout(limit, self.socket.next()).await {
            Err(_) => return Ok(None),
            Ok(Some(Ok(Ws::Binary(b)))) => b,
            Ok(Some(Ok(_))) => return Ok(None),
            Ok(_) => return Err(()),
        };
        let message = codec::decode(&frame).map_err(|_| ())?;
        let (Some(shared), Message::Sync(m)) = (shared, &message) else {
            let heads = match &message {
                Message::Sync(m) | Message::Request(m) => automerge::sync::Message::decode(&m.data)
                    .ok()
                    .map(|d| d.heads),
                _ => None,
            };
            self.apply_inbox().await?;
            self.handle(message).await?;
            return Ok(heads);
        };
        let Ok(incoming) = IncomingSync::decode(m.document_id, &m.data) else {
            // Let the repo report it.
            self.apply_inbox().await?;
            self.handle(message).await?;
            return Ok(None);
        };
        let heads = incoming.heads().to_vec();
        let changes = incoming.changes().map_err(|_| ())?;
        record_arrival(shared, in_flight, &heads, &changes);
        let Message::Sync(m) = message else { unreachable!("matched above") };
        let mut decoded = incoming.message().clone();
        // The changes received since the last application, in arrival order
        // (each message's chunks copied once, not the whole inbox again).
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        match self.inbox.take() {
            Some((prev, _, earlier)) if prev.document_id == m.document_id => {
                // Later heads, needs and bloom supersede earlier ones; the
                // changes of both are kept.
                chunks = earlier;
            }
            Some(other) => {
                self.inbox = Some(other);
                self.apply_inbox().await?;
            }
            None => {}
        }
        chunks.extend(decoded.changes.iter().map(<[u8]>::to_vec));
        decoded.changes = automerge::sync::ChunkList::empty();
        let reset = decoded
            .flags
            .is_some_and(|f| f.contains(automerge::sync::MessageFlags::SYNC_RESET));
        self.inbox = Some((m, decoded, chunks));
        if reset {
            self.apply_inbox().await?;
        }
        Ok(Some(heads))
    }

    /// Applies the inbox (the latest sync message, carrying every change
    /// received since the last application) through the repo.
    pub(crate) async fn apply_inbox(&mut self) -> Result<(), ()> {
        let Some((mut m, mut decoded, chunks)) = self.inbox.take() else {
            return Ok(());
        };
        decoded.changes = automerge::sync::ChunkList::from(chunks);
        m.data = decoded.encode();
        self.handle(Message::Sync(m)).await
    }

    /// Hands one message to the repo and sends its replies.
    pub(crate) async fn handle(&mut self, message: Message) -> Result<(), ()> {
        let out = self.repo.receive(message).map_err(|_| ())?;
        for e in &out.events {
            match e {
                ClientEvent::Rejected { edits, .. } => {
                    eprintln!(
                        "rejected: {:?}",
                        edits
                            .reasons
                            .iter()
                            .map(|r| r.reason.as_str())
                            .collect::<Vec<_>>()
                    );
                }
                ClientEvent::ServerError { message } => eprintln!("server error: {message}"),
                _ => {}
            }
        }
        self.reply(out.send).await;
        Ok(())
    }

    /// Folio: under the portfolio `portfolio` (open in this client), adds a
    /// collection with one page holding one section, as the web app does
    /// (each parent lists a document before the document is created; every
    /// change goes through the guard), and returns the page's document: the
    /// one the editors type into.
    pub(crate) async fn build_page(&mut self, portfolio: DocumentId) -> DocumentId {
        use folio_core::doc::{CollectionDoc, Edit, PageDoc, TypedDoc};
        let act = self.repo.doc_mut(&portfolio).expect("open").get_actor().clone();
        let (collection, page) = (DocumentId::from_bytes(rand_bytes()), DocumentId::from_bytes(rand_bytes()));
        let core_id = |d: &DocumentId| folio_core::doc::DocumentId::parse(&d.to_string()).expect("document id");
        let base = automerge::Automerge::load(&self.repo.doc_mut(&portfolio).expect("open").save()).unwrap();
        let before = base.get_heads();
        let mut typed = TypedDoc::from_automerge(base.with_actor(act.clone())).unwrap();
        typed
            .apply(&Edit::AddCollection { id: "load-c".into(), title: "Load".into(), document: core_id(&collection), index: None })
            .unwrap();
        let changes = typed.changes_since(&before);
        self.repo.doc_mut(&portfolio).unwrap().apply_changes(changes).unwrap();
        let out = self.repo.sync(&portfolio);
        for m in out {
            self.send(m).await;
        }
        // The server registers the collection's document once it has
        // accepted the portfolio's change: wait for its heads to say so.
        let mine = self.repo.doc_mut(&portfolio).unwrap().get_heads();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            assert!(Instant::now() < deadline, "the portfolio's change was never acknowledged");
            if let Ok(Some(heads)) = self.step(Duration::from_millis(100), None, &mut Vec::new()).await
                && mine.iter().all(|h| heads.contains(h))
            {
                break;
            }
            self.flush().await;
        }
        let mut c = CollectionDoc::create(act.clone(), "load-c", &portfolio.to_string()).unwrap();
        c.add_page("load-p", "Typing", core_id(&page), None).unwrap();
        // `open` returns once the server's heads include the collection's
        // change, and the server registers the page's document (reconcile)
        // before it relays a commit.
        self.open(collection, Some(AutoCommit::load(&c.save()).unwrap().with_actor(act.clone()))).await;
        let mut p = PageDoc::create(act.clone(), "load-p", "load-c").unwrap();
        p.add_section("load-p", SECTION, "Typed", None).unwrap();
        self.open(page, Some(AutoCommit::load(&p.save()).unwrap().with_actor(act))).await;
        page
    }

    pub(crate) async fn open(&mut self, doc: DocumentId, initial: Option<AutoCommit>) {
        let creating = initial.is_some();
        let m = match initial {
            Some(d) => self.repo.add(doc, d),
            None => self.repo.find(doc),
        };
        for m in m {
            self.send(m).await;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut server_has = false;
        loop {
            let have = self
                .repo
                .doc_mut(&doc)
                .is_some_and(|d| !d.get_heads().is_empty());
            if have && (!creating || server_has) {
                return;
            }
            assert!(Instant::now() < deadline, "document never arrived");
            if let Some(heads) = self
                .step(Duration::from_millis(100), None, &mut Vec::new())
                .await
                .expect("open")
            {
                let mine = self
                    .repo
                    .doc_mut(&doc)
                    .map(|d| d.get_heads())
                    .unwrap_or_default();
                server_has |= !mine.is_empty() && mine.iter().all(|h| heads.contains(h));
            }
            self.flush().await;
            if self.repo.status(&doc) == Some(folio_core::sync::DocStatus::Unavailable) {
                // Asked before the document reached the server: ask again.
                self.repo.remove(&doc);
                tokio::time::sleep(Duration::from_millis(100)).await;
                for m in self.repo.find(doc) {
                    self.send(m).await;
                }
            }
        }
    }
}

/// Books one sync message's arrival at an editor: the edits of its own it
/// acknowledges (taken off `in_flight`) and, for every change it carries, one
/// more editor that has seen it — the last one sets the change's fan-out
/// latency.
///
/// Acknowledged: the newest of this editor's edits the server names as a
/// head or that a relayed change builds on (the server relays only committed
/// changes); an editor's edits form one chain, so everything before it is
/// acknowledged too.
pub(crate) fn record_arrival(
    shared: &Mutex<Shared>,
    in_flight: &mut Vec<ChangeHash>,
    heads: &[ChangeHash],
    changes: &[automerge::Change],
) {
    let acked = in_flight
        .iter()
        .rposition(|h| heads.contains(h) || changes.iter().any(|c| c.deps().contains(h)))
        .map_or(0, |i| i + 1);
    if acked > 0 {
        in_flight.drain(..acked);
    }
    if changes.is_empty() && acked == 0 {
        return;
    }
    let now = Instant::now();
    let mut s = shared.lock().unwrap();
    s.acked += acked as u64;
    for c in changes {
        let h = c.hash();
        let done = match s.pending.get_mut(&h) {
            Some((at, left)) => {
                *left -= 1;
                (*left == 0).then(|| now.duration_since(*at))
            }
            None => None,
        };
        if let Some(d) = done {
            s.pending.remove(&h);
            s.latencies_us.push(d.as_micros() as u64);
        }
    }
}

/// The section of the Folio page the editors type into.
pub(crate) const SECTION: &str = "load-s";

/// The text being typed into: the page section's (Folio) or the root's
/// `text` (reference).
pub(crate) fn text_of(d: &AutoCommit) -> Option<automerge::ObjId> {
    use automerge::Value;
    let obj = |parent: &automerge::ObjId, key: &str| match d.get(parent, key).ok().flatten() {
        Some((Value::Object(_), o)) => Some(o),
        _ => None,
    };
    if let Some(t) = obj(&ROOT, "text") {
        return Some(t);
    }
    let nodes = obj(&ROOT, "nodes")?;
    let section = obj(&nodes, SECTION)?;
    obj(&section, "text")
}
