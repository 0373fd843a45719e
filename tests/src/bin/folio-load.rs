//! `folio-load`: a load generator for sync servers speaking the
//! automerge-repo protocol (core's `ClientRepo` and codec over real
//! websockets), run against Folio's `folio` binary and the stock
//! automerge-repo sync server (`tests/interop/reference-server.mjs`), with the
//! ratios of one run. Loopback only; every phase has a fixed duration.
//!
//! ```text
//! folio-load --folio-bin target/release/folio --interop tests/interop
//!            [--editors 100] [--rate 5] [--seconds 15] [--docs 20]
//!            [--saturate-editors 10] [--idle 10000] [--only folio|reference]
//!            [--phases one-doc,many-docs,saturate]
//!            [--trace ../shared/data/editing-traces/clownschool.json.gz]
//! ```
//!
//! (`--help` says what each flag does.)
//!
//! Phases, each on a fresh server process:
//! - `one-doc`: `editors` editors on one document, each making `rate` edits/s;
//! - `many-docs`: the same editors spread over `docs` documents;
//! - `saturate`: `saturate-editors` editors on one document, each as fast as
//!   the server acknowledges (at most 128 edits in flight, 16 per message):
//!   sustained edits/s;
//! - `idle`: `idle` connections that joined and stay idle: server memory.
//!
//! `FOLIO_LOAD_SERVER_LOG=1` shows the server's log (with `FOLIO_LOG=debug`
//! for more).
//!
//! With `--trace`, an edit is instead the next transaction of a recorded
//! editing session (josephg/editing-traces format): editor `n` plays the
//! trace's agent `n mod agents` — insertions and deletions anywhere in the
//! text, some of several characters — with positions kept inside the text
//! as it is here (the live interleaving is not the recorded one, so the
//! final text is not the trace's).
//!
//! Otherwise an edit is one keystroke: a character typed at the end of a text — for
//! Folio the text of a section of a page document (built through the guard
//! at the start of each phase, as the web app builds one: the portfolio lists
//! a collection, the collection a page, the page holds the section), for the
//! reference server the text at the root of its document. Fan-out latency is
//! edit sent → the change received (decoded from a sync message) by every
//! other editor of its document. Server CPU is utime+stime
//! from `/proc/<pid>/stat` over the phase, peak RSS `VmHWM` from
//! `/proc/<pid>/status`; the load generator's own CPU over the phase is
//! printed too (if it nears 200 % on 2 cores it, not the server, is the
//! limit). Client behaviour as automerge-repo's: local edits are
//! sent at once (automerge-repo would hold them up to its 100 ms
//! `syncDebounceRate`); replies that only announce heads are coalesced to
//! one per 100 ms per document (that same rate).
//!
//! # What an editor does, and why the figure is still the server's
//!
//! 100 editors on one document at 5 edits/s means 49,500 change deliveries a
//! second. When every editor applied every delivery to its own document the
//! moment it arrived (and then scanned its history to find what was new and
//! what was acknowledged), the load generator needed more CPU than the two
//! cores had, sent a third of the edits it was asked for, and measured its
//! own queueing rather than the server. Each editor is still a complete
//! automerge-repo peer — its own websocket, its own `ClientRepo` (its own
//! Automerge document, actor and sync state), `join`/`peer` handshake,
//! `request`/`sync` with real `automerge::sync` messages, rejection
//! recovery — and every change it makes is a real Automerge change that the
//! server decodes, guards, stores and relays like any other. What changed is
//! *when* it does the client-side work:
//!
//! - **Arrival is seen on decode.** A `sync` frame is decoded (CBOR, the
//!   automerge sync message, its change chunks → change hashes) as soon as it
//!   is read; that instant is when the edit is "seen" by this editor. This is
//!   what the server controls: the frame has left it and reached the peer.
//!   Applying the change to the editor's document is client work that a
//!   browser does too, but not something the server's fan-out latency should
//!   include — nor what a load generator on the server's cores should spend
//!   them on.
//! - **Received changes are applied in batches.** Decoded messages go to an
//!   inbox: the latest message (its heads, needs and bloom filter supersede
//!   earlier ones) carrying every change received since the last application.
//!   The inbox goes through the repo (`ClientRepo::receive`, i.e.
//!   automerge's own `receive_sync_message`) every 100 ms (automerge-repo's
//!   sync cadence: fewer, larger batches cost automerge less per change than
//!   one batch per relay), before any other message (`rejected`, `error`,
//!   …) so order is kept, and, for a paced editor, before each local edit —
//!   so its edit builds on everything it has received, as a real editor's
//!   would. A saturating editor sends 50 messages a second and builds on
//!   what the last 100 ms tick applied (as behind a network with that
//!   latency): applying before each of them made the ten editors' automerge
//!   work in this one process, not the server, the limit of the phase. The reply automerge generates is sent as
//!   before (at once if it carries changes, otherwise coalesced).
//! - **Acknowledgement without history scans.** An edit counts as acked when
//!   the server names it (or a newer one of this editor's chain) among its
//!   heads, or relays a change that builds on it — both mean it was
//!   committed. The previous version walked the document's history for every
//!   message.
//!
//! Both servers get exactly the same editors, rates and documents.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ObjType, ROOT, ReadDoc};
use folio_core::doc::actor;
use folio_core::sync::{
    ClientEvent, ClientRepo, DocumentId, IncomingSync, Message, PeerId, SyncMessage, codec,
};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Load generator for sync servers speaking the automerge-repo protocol:
/// Folio's `folio serve` against the stock automerge-repo sync server, same
/// load, one run, ratios.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "folio-load")]
struct Args {
    /// The `folio` binary to start.
    #[arg(long, default_value = "target/release/folio")]
    folio_bin: String,
    /// The interop kit (`tests/interop`) holding the reference server.
    #[arg(long, default_value = "tests/interop")]
    interop: String,
    /// Node.js, for the reference server.
    #[arg(long, default_value = "node")]
    node: String,
    /// Editors in the `one-doc` and `many-docs` phases.
    #[arg(long, default_value_t = 100)]
    editors: usize,
    /// Edits per second per editor (paced phases).
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Length of each phase.
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Documents the `many-docs` phase spreads its editors over.
    #[arg(long, default_value_t = 20)]
    docs: usize,
    /// Editors in the `saturate` phase.
    #[arg(long, default_value_t = 10)]
    saturate_editors: usize,
    /// Idle connections in the `idle` phase (0: skip it).
    #[arg(long, default_value_t = 10_000)]
    idle: usize,
    /// Run against one server only.
    #[arg(long, value_parser = ["folio", "reference"])]
    only: Option<String>,
    /// Editing phases to run, comma-separated; all if absent.
    #[arg(long, value_delimiter = ',', value_parser = ["one-doc", "many-docs", "saturate"])]
    phases: Vec<String>,
    /// Replay a concurrent editing trace (e.g. `../shared/data/editing-traces/clownschool.json.gz`)
    /// across its agents instead of typing one character at the end: editor
    /// `n` plays agent `n mod agents`, one transaction per edit.
    #[arg(long)]
    trace: Option<std::path::PathBuf>,
    /// The trace, loaded.
    #[arg(skip)]
    script: Option<Arc<Script>>,
}

/// One patch of a trace: at this position (Unicode code points), delete so
/// many characters, insert this text.
type Patch = (usize, usize, String);

/// A trace's transactions per agent, in trace order (see `--trace`).
#[derive(Debug)]
struct Script {
    agents: Vec<Vec<Vec<Patch>>>,
}

impl Script {
    /// Reads a gzipped editing trace (josephg/editing-traces format:
    /// `{txns: [{agent?, patches: [[pos, deleted, inserted], …]}, …]}`; a
    /// sequential trace has no agents and plays as agent 0).
    fn load(path: &std::path::Path) -> Result<Script, String> {
        use serde_json::Value;
        use std::io::Read;
        let shown = path.display();
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open the trace {shown}: {e}"))?;
        let mut json = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut json)
            .map_err(|e| format!("the trace {shown} is not gzipped text: {e}"))?;
        let v: Value = serde_json::from_str(&json).map_err(|e| format!("the trace {shown} is not JSON: {e}"))?;
        let txns = v.get("txns").and_then(Value::as_array).ok_or_else(|| format!("the trace {shown} has no `txns` list"))?;
        let mut agents: Vec<Vec<Vec<Patch>>> = Vec::new();
        for (i, t) in txns.iter().enumerate() {
            let bad = || format!("transaction {i} of the trace {shown} is not {{agent, patches: [[pos, deleted, inserted], …]}}");
            let agent = match t.get("agent") {
                None => 0,
                // Agents are numbered from 0; more agents than
                // transactions is no trace.
                Some(a) => a.as_u64().filter(|a| *a < txns.len() as u64).ok_or_else(bad)? as usize,
            };
            let mut txn = Vec::new();
            for p in t.get("patches").and_then(Value::as_array).ok_or_else(bad)? {
                let (Some(pos), Some(del), Some(ins)) = (
                    p.get(0).and_then(Value::as_u64),
                    p.get(1).and_then(Value::as_u64),
                    p.get(2).and_then(Value::as_str),
                ) else {
                    return Err(bad());
                };
                txn.push((pos as usize, del as usize, ins.to_owned()));
            }
            if agents.len() <= agent {
                agents.resize(agent + 1, Vec::new());
            }
            agents[agent].push(txn);
        }
        agents.retain(|a| !a.is_empty());
        if agents.is_empty() {
            return Err(format!("the trace {shown} has no transactions"));
        }
        Ok(Script { agents })
    }

    /// Edit `i` of editor `n`: the editors playing one agent start at
    /// different places in its transactions, and wrap around.
    fn txn(&self, n: usize, i: u64) -> &[Patch] {
        let agent = &self.agents[n % self.agents.len()];
        let start = (n / self.agents.len()) * 997;
        &agent[(start + i as usize) % agent.len()]
    }
}

// ---------------------------------------------------------------- servers

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Folio,
    Reference,
}

struct Server {
    kind: Kind,
    child: Child,
    ws_url: String,
    http: String,
    cookie: Option<String>,
    csrf: String,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(kind: Kind, args: &Args) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = match kind {
            Kind::Folio => {
                let mut c = Command::new(&args.folio_bin);
                c.arg("serve").arg("--data-dir").arg(dir.path()).args([
                    "--web-dir",
                    "/nonexistent",
                    "--listen",
                    "127.0.0.1:0",
                ]);
                c.env("RUST_LOG", "error");
                c
            }
            Kind::Reference => {
                let mut c = Command::new(&args.node);
                c.current_dir(&args.interop)
                    .arg("reference-server.mjs")
                    .arg("0")
                    .arg("--data")
                    .arg(dir.path());
                c
            }
        };
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("FOLIO_LOAD_SERVER_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .kill_on_drop(true)
            .spawn()
            .expect("start the server");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut password = None;
        let addr = loop {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await
                .expect("server starts")
                .expect("stdout")
                .expect("line");
            if let Some(p) = line.strip_prefix("first sign-in: admin@folio.local / ") {
                password = Some(p.to_owned());
            } else if let Some(a) = line.strip_prefix("folio listening on http://") {
                break a.to_owned();
            } else if let Some(a) = line.strip_prefix("listening on ws://") {
                break a.trim_end_matches("/sync").to_owned();
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut s = Server {
            kind,
            child,
            ws_url: format!("ws://{addr}/sync"),
            http: format!("http://{addr}"),
            cookie: None,
            csrf: String::new(),
            _dir: dir,
        };
        if kind == Kind::Folio {
            let r = reqwest::Client::new()
                .post(format!("{}/api/session", s.http))
                .json(&serde_json::json!({"email": "admin@folio.local", "password": password.expect("first password")}))
                .send()
                .await
                .expect("login");
            s.cookie = Some(
                r.headers()["set-cookie"]
                    .to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_owned(),
            );
            let me: serde_json::Value = r.json().await.unwrap();
            s.csrf = me["csrf_token"].as_str().unwrap().to_owned();
        }
        s
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// CPU seconds used so far (utime + stime).
    fn cpu(&self) -> f64 {
        cpu_of(&self.pid().to_string())
    }

    /// (VmRSS, VmHWM) in KiB.
    fn memory(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let get = |k: &str| {
            status
                .lines()
                .find(|l| l.starts_with(k))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (get("VmRSS:"), get("VmHWM:"))
    }

    /// A document to edit: Folio creates a portfolio (its document);
    /// the reference server gets one from its first editor.
    async fn new_doc(&self) -> (DocumentId, Option<AutoCommit>) {
        match self.kind {
            Kind::Folio => {
                let r = reqwest::Client::new()
                    .post(format!("{}/api/portfolios", self.http))
                    .header("cookie", self.cookie.as_deref().unwrap())
                    .header("x-csrf-token", &self.csrf)
                    .json(&serde_json::json!({"title": "load"}))
                    .send()
                    .await
                    .expect("create portfolio");
                assert_eq!(r.status(), 201);
                let body: serde_json::Value = r.json().await.unwrap();
                (body["id"].as_str().unwrap().parse().unwrap(), None)
            }
            Kind::Reference => {
                let mut doc = AutoCommit::new();
                let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
                doc.splice_text(&text, 0, 0, "start ").unwrap();
                (DocumentId::from_bytes(rand_bytes()), Some(doc))
            }
        }
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// CPU seconds a process (`self` or a pid) used so far (utime + stime).
fn cpu_of(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn rand_bytes() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 16];
    for c in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(Instant::now().elapsed().as_nanos());
        c.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

// ---------------------------------------------------------------- clients

struct Client {
    socket: Socket,
    repo: ClientRepo,
    held: Option<Message>,
    /// Received, decoded, not yet applied: the latest sync message (with the
    /// original envelope) carrying every change received since the last
    /// application.
    inbox: Option<(SyncMessage, automerge::sync::Message, Vec<Vec<u8>>)>,
}

/// Bookkeeping shared by all editors of a phase.
#[derive(Default)]
struct Shared {
    /// change → (sent at, editors that still lack it)
    pending: HashMap<ChangeHash, (Instant, usize)>,
    latencies_us: Vec<u64>,
    sent: u64,
    acked: u64,
}

impl Client {
    async fn connect(server: &Server) -> Client {
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

    async fn send(&mut self, m: Message) {
        let _ = self.socket.send(Ws::Binary(codec::encode(&m).into())).await;
    }

    /// Messages generated in reply: sent at once if they carry changes,
    /// otherwise only the latest is held for the next flush.
    async fn reply(&mut self, out: Vec<Message>) {
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

    async fn flush(&mut self) {
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
    async fn step(
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
        // Acknowledged: the newest of ours the server names as a head or
        // that a relayed change builds on (the server relays only committed
        // changes); ours form one chain, so everything before it is too.
        let acked = in_flight
            .iter()
            .rposition(|h| heads.contains(h) || changes.iter().any(|c| c.deps().contains(h)))
            .map_or(0, |i| i + 1);
        if acked > 0 {
            in_flight.drain(..acked);
        }
        if !changes.is_empty() || acked > 0 {
            let now = Instant::now();
            let mut s = shared.lock().unwrap();
            s.acked += acked as u64;
            for c in &changes {
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
    async fn apply_inbox(&mut self) -> Result<(), ()> {
        let Some((mut m, mut decoded, chunks)) = self.inbox.take() else {
            return Ok(());
        };
        decoded.changes = automerge::sync::ChunkList::from(chunks);
        m.data = decoded.encode();
        self.handle(Message::Sync(m)).await
    }

    /// Hands one message to the repo and sends its replies.
    async fn handle(&mut self, message: Message) -> Result<(), ()> {
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
    async fn build_page(&mut self, portfolio: DocumentId) -> DocumentId {
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

    async fn open(&mut self, doc: DocumentId, initial: Option<AutoCommit>) {
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

/// The section of the Folio page the editors type into.
const SECTION: &str = "load-s";

/// The text being typed into: the page section's (Folio) or the root's
/// `text` (reference).
fn text_of(d: &AutoCommit) -> Option<automerge::ObjId> {
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

/// Saturating editors: most edits unacknowledged at once.
const WINDOW: usize = 128;

/// One editor until `end`: `rate` edits/s (or, if `None`, as fast as acknowledged).
#[allow(
    clippy::too_many_arguments,
    reason = "one editor's whole configuration, passed once"
)]
async fn editor(
    mut c: Client,
    doc: DocumentId,
    peers: usize,
    rate: Option<f64>,
    start: Instant,
    end: Instant,
    shared: Arc<Mutex<Shared>>,
    n: usize,
    script: Option<Arc<Script>>,
) -> Client {
    // Inbox applied and head replies sent at automerge-repo's 10 Hz.
    let mut flush = tokio::time::interval(Duration::from_millis(100));
    let period = rate.map(|r| Duration::from_secs_f64(1.0 / r));
    // Spread the editors' phases over one period.
    let mut next = start + period.map_or(Duration::ZERO, |p| p.mul_f64((n % 97) as f64 / 97.0));
    let mut in_flight: Vec<ChangeHash> = Vec::new();
    let mut i = 0u64;
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        // Paced: one edit when due. Saturating: up to 16 edits per message,
        // one message per 20 ms, at most 128 edits unacknowledged (the
        // server's per-connection rate limit is 100 messages/s). The window
        // is deep enough that the server, not the window, sets the pace:
        // with 32 both servers were held at 32 × editors / round trip.
        let edits = match period {
            Some(_) => usize::from(now >= next),
            None if now >= next => WINDOW.saturating_sub(in_flight.len()).min(16),
            None => 0,
        };
        if edits > 0 {
            // Paced, the edit builds on everything received so far.
            // Saturating, on what the last 10 Hz tick applied (at most 100 ms
            // old, as behind a network with that latency): applying before
            // each of 50 messages a second cost each editor an automerge
            // apply whose cost grows with the document, 50 times a second,
            // and with ten editors in this one process that work, not the
            // server, set the pace.
            if period.is_some() && c.apply_inbox().await.is_err() {
                break;
            }
            for _ in 0..edits {
                i += 1;
                let d = c.repo.doc_mut(&doc).unwrap();
                let text = text_of(d).expect("the document has the text being typed into");
                match &script {
                    None => {
                        let at = d.length(&text);
                        let key = char::from(b'a' + ((n + i as usize) % 26) as u8);
                        d.splice_text(&text, at, 0, &key.to_string()).unwrap();
                    }
                    // The trace's positions are its own document's; here
                    // they are kept inside this one.
                    Some(script) => {
                        for (pos, del, ins) in script.txn(n, i) {
                            let len = d.length(&text);
                            let at = (*pos).min(len);
                            let del = (*del).min(len - at) as isize;
                            d.splice_text(&text, at, del, ins).unwrap();
                        }
                    }
                }
                // A transaction that changed nothing here makes no change.
                let Some(h) = d.commit() else { continue };
                let mut s = shared.lock().unwrap();
                s.sent += 1;
                if peers > 0 {
                    s.pending.insert(h, (Instant::now(), peers));
                }
                in_flight.push(h);
            }
            c.held = None;
            for m in c.repo.sync(&doc) {
                c.send(m).await;
            }
            next = match period {
                Some(p) => next + p,
                None => now + Duration::from_millis(20),
            };
            continue;
        }
        let wait = match period {
            Some(_) => next
                .saturating_duration_since(now)
                .min(end.saturating_duration_since(now)),
            None if in_flight.len() < WINDOW => next
                .saturating_duration_since(now)
                .max(Duration::from_millis(1)),
            None => end.saturating_duration_since(now),
        };
        tokio::select! {
            r = c.step(wait, Some(&shared), &mut in_flight) => if r.is_err() {
                break;
            },
            _ = flush.tick() => {
                if c.apply_inbox().await.is_err() {
                    break;
                }
                c.flush().await;
            }
        }
    }
    c
}

// ---------------------------------------------------------------- phases

#[derive(Clone, Debug, Default)]
struct Report {
    edits_per_s: f64,
    acked_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    delivered: f64,
    cpu_s: f64,
    cpu_pct: f64,
    /// Server CPU per acknowledged edit, ms.
    cpu_ms_per_acked: f64,
    /// This load generator's own CPU over the phase, % of one core.
    gen_cpu_pct: f64,
    rss_mib: f64,
    hwm_mib: f64,
}

fn pct(v: &mut [u64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i] as f64 / 1000.0
}

async fn run_editing(
    kind: Kind,
    args: &Args,
    editors: usize,
    docs: usize,
    rate: Option<f64>,
) -> Report {
    let server = Server::start(kind, args).await;
    let mut doc_ids = Vec::new();
    let mut clients: Vec<(Client, DocumentId)> = Vec::new();
    for d in 0..docs {
        let (id, initial) = server.new_doc().await;
        let mut first = Client::connect(&server).await;
        first.open(id, initial).await;
        let id = match kind {
            Kind::Folio => first.build_page(id).await,
            Kind::Reference => id,
        };
        doc_ids.push(id);
        clients.push((first, id));
        let _ = d;
    }
    for e in docs..editors {
        let id = doc_ids[e % docs];
        let mut c = Client::connect(&server).await;
        c.open(id, None).await;
        clients.push((c, id));
    }
    // Let every client settle.
    for (c, _) in clients.iter_mut() {
        while c.step(Duration::from_millis(5), None, &mut Vec::new()).await == Ok(None) && c.held.is_some() {
            c.flush().await;
        }
        c.flush().await;
    }
    let per_doc: HashMap<DocumentId, usize> =
        clients.iter().fold(HashMap::new(), |mut m, (_, d)| {
            *m.entry(*d).or_default() += 1;
            m
        });
    let shared = Arc::new(Mutex::new(Shared::default()));
    let cpu0 = server.cpu();
    let gen0 = cpu_of("self");
    let start = Instant::now() + Duration::from_millis(200);
    let end = start + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for (n, (c, d)) in clients.into_iter().enumerate() {
        let peers = per_doc[&d] - 1;
        tasks.push(tokio::spawn(editor(
            c,
            d,
            peers,
            rate,
            start,
            end,
            shared.clone(),
            n,
            args.script.clone(),
        )));
    }
    let mut clients = Vec::new();
    for t in tasks {
        clients.push(t.await.expect("editor"));
    }
    // Let the last edits arrive (bounded), still reading.
    let drain_end = Instant::now() + Duration::from_secs(2);
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            let shared = shared.clone();
            tokio::spawn(async move {
                while Instant::now() < drain_end {
                    let _ = c
                        .step(Duration::from_millis(50), Some(&shared), &mut Vec::new())
                        .await;
                    let _ = c.apply_inbox().await;
                    c.flush().await;
                }
            })
        })
        .collect();
    for r in readers {
        let _ = r.await;
    }
    let cpu = server.cpu() - cpu0;
    let gen_cpu = cpu_of("self") - gen0;
    let (rss, hwm) = server.memory();
    let secs = args.seconds as f64;
    let report = {
        let mut s = shared.lock().unwrap();
        let fanned = s.latencies_us.len() as f64;
        let expected = if per_doc.values().all(|&n| n > 1) {
            s.sent as f64
        } else {
            0.0
        };
        let report = Report {
            edits_per_s: s.sent as f64 / secs,
            acked_per_s: s.acked as f64 / secs,
            p50_ms: pct(&mut s.latencies_us, 0.50),
            p99_ms: pct(&mut s.latencies_us, 0.99),
            delivered: if expected > 0.0 {
                fanned / expected
            } else {
                f64::NAN
            },
            cpu_s: cpu,
            cpu_pct: 100.0 * cpu / (secs + 2.0),
            cpu_ms_per_acked: 1000.0 * cpu / (s.acked as f64).max(1.0),
            gen_cpu_pct: 100.0 * gen_cpu / (secs + 2.0),
            rss_mib: rss as f64 / 1024.0,
            hwm_mib: hwm as f64 / 1024.0,
        };
        drop(s);
        report
    };
    server.stop().await;
    report
}

async fn run_idle(kind: Kind, args: &Args) -> (usize, f64, f64, f64) {
    let server = Server::start(kind, args).await;
    let (rss0, _) = server.memory();
    let mut open: Vec<Socket> = Vec::new();
    let mut failed = 0;
    let batch = 200;
    while open.len() < args.idle && failed < 3 {
        let want = batch.min(args.idle - open.len());
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..want {
            let url = server.ws_url.clone();
            let cookie = server.cookie.clone();
            set.spawn(async move {
                let mut request = url.into_client_request().unwrap();
                if let Some(c) = cookie {
                    request.headers_mut().insert("cookie", c.parse().unwrap());
                }
                let (mut socket, _) =
                    tokio_tungstenite::connect_async_with_config(request, None, true)
                        .await
                        .map_err(|e| e.to_string())?;
                let repo = ClientRepo::new(
                    PeerId::new(format!("idle-{:x}", u128::from_le_bytes(rand_bytes()))),
                    actor::actor_for("user:1", rand_bytes()),
                );
                socket
                    .send(Ws::Binary(codec::encode(&repo.join()).into()))
                    .await
                    .map_err(|e| e.to_string())?;
                // Wait for `peer`.
                match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
                    Ok(Some(Ok(Ws::Binary(_)))) => Ok(socket),
                    other => Err(format!("no peer: {other:?}")),
                }
            });
        }
        while let Some(r) = set.join_next().await {
            match r.expect("task") {
                Ok(s) => open.push(s),
                Err(e) => {
                    failed += 1;
                    eprintln!("idle connection {} failed: {e}", open.len());
                }
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss, hwm) = server.memory();
    let n = open.len();
    let per_conn_kib = (rss.saturating_sub(rss0)) as f64 / n.max(1) as f64;
    drop(open);
    server.stop().await;
    (n, rss as f64 / 1024.0, hwm as f64 / 1024.0, per_conn_kib)
}

fn show(name: &str, r: &Report) {
    println!(
        "  {name:<10} sent {:>8.1} edits/s  acked {:>8.1}/s  fan-out p50 {:>7.1} ms  p99 {:>7.1} ms  delivered {:>5.1}%  server CPU {:>5.1} s ({:>5.1}% of one core, {:.3} ms per acked edit)  load generator CPU {:>5.1}%  RSS {:>6.1} MiB  peak RSS {:>6.1} MiB",
        r.edits_per_s,
        r.acked_per_s,
        r.p50_ms,
        r.p99_ms,
        100.0 * r.delivered,
        r.cpu_s,
        r.cpu_pct,
        r.cpu_ms_per_acked,
        r.gen_cpu_pct,
        r.rss_mib,
        r.hwm_mib
    );
}

#[tokio::main]
async fn main() {
    let mut args = <Args as clap::Parser>::parse();
    if let Some(path) = &args.trace {
        match Script::load(path) {
            Ok(s) => args.script = Some(Arc::new(s)),
            Err(e) => {
                eprintln!("folio-load: {e}");
                std::process::exit(2);
            }
        }
    }
    let limit = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let nofile = limit
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or("")
        .to_owned();
    println!(
        "folio-load: {} editors × {} edits/s, {} s per phase, many-docs over {} documents, saturate with {} editors, {} idle connections",
        args.editors, args.rate, args.seconds, args.docs, args.saturate_editors, args.idle
    );
    println!(
        "cores: {}; {nofile}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let kinds: Vec<Kind> = match args.only.as_deref() {
        Some("folio") => vec![Kind::Folio],
        Some("reference") => vec![Kind::Reference],
        _ => vec![Kind::Folio, Kind::Reference],
    };
    let mut results: HashMap<(Kind, &str), Report> = HashMap::new();
    let mut idle: HashMap<Kind, (usize, f64, f64, f64)> = HashMap::new();
    let wanted = |phase: &str| args.phases.is_empty() || args.phases.iter().any(|p| p == phase);
    for kind in &kinds {
        println!("{kind:?}:");
        if wanted("one-doc") {
            let r = run_editing(*kind, &args, args.editors, 1, Some(args.rate)).await;
            show("one-doc", &r);
            results.insert((*kind, "one-doc"), r);
        }
        if wanted("many-docs") {
            let r = run_editing(*kind, &args, args.editors, args.docs, Some(args.rate)).await;
            show("many-docs", &r);
            results.insert((*kind, "many-docs"), r);
        }
        if wanted("saturate") {
            let r = run_editing(*kind, &args, args.saturate_editors, 1, None).await;
            show("saturate", &r);
            results.insert((*kind, "saturate"), r);
        }
        if args.idle > 0 {
            let (n, rss, hwm, per) = run_idle(*kind, &args).await;
            println!(
                "  idle       {n} connections: RSS {rss:.1} MiB, peak {hwm:.1} MiB, {per:.1} KiB per connection"
            );
            idle.insert(*kind, (n, rss, hwm, per));
        }
    }
    if kinds.len() == 2 {
        println!("Folio / reference:");
        for phase in ["one-doc", "many-docs", "saturate"] {
            let (Some(f), Some(r)) = (results.get(&(Kind::Folio, phase)), results.get(&(Kind::Reference, phase))) else {
                continue;
            };
            println!(
                "  {phase:<10} acked edits/s ×{:.2}  p50 ×{:.2}  p99 ×{:.2}  CPU ×{:.2}  CPU per acked edit ×{:.3}  peak RSS ×{:.2}",
                f.acked_per_s / r.acked_per_s,
                f.p50_ms / r.p50_ms,
                f.p99_ms / r.p99_ms,
                f.cpu_s / r.cpu_s,
                f.cpu_ms_per_acked / r.cpu_ms_per_acked,
                f.hwm_mib / r.hwm_mib
            );
        }
        if let (Some(f), Some(r)) = (idle.get(&Kind::Folio), idle.get(&Kind::Reference)) {
            println!(
                "  idle       RSS per connection ×{:.2} ({:.1} vs {:.1} KiB)",
                f.3 / r.3,
                f.3,
                r.3
            );
        }
    }
}
