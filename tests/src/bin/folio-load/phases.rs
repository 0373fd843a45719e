//! The phases: editors typing (paced or saturating) on one or many documents, and idle connections;
//! what each measures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ReadDoc};
use folio_core::doc::actor;
use folio_core::sync::{ClientRepo, DocumentId, PeerId, codec};
use futures::{FutureExt, SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::client::{Client, Shared, text_of};
use crate::{Args, Socket};
use crate::server::{Kind, Server, cpu_of, rand_bytes};
use crate::thin::Thin;
use crate::trace::Script;


/// When an editor types: paced (`rate` edits/s, the editors' phases spread
/// over one period) or saturating (up to `batch` edits per message, one
/// message per 20 ms, at most `window` edits unacknowledged; the server's
/// per-connection rate limit is 100 messages/s). The window is deep enough
/// that the server, not the window, sets the pace: with 32 both servers were
/// held at 32 × editors / round trip.
pub(crate) struct Pace {
    period: Option<Duration>,
    batch: usize,
    window: usize,
    next: Instant,
    /// Edits still to type, for a fixed amount of work (`--edits`).
    left: Option<usize>,
}

impl Pace {
    /// Editor `n`'s pace from `start`.
    pub(crate) fn new(rate: Option<f64>, (batch, window): (usize, usize), start: Instant, n: usize) -> Pace {
        let period = rate.map(|r| Duration::from_secs_f64(1.0 / r));
        let next = start + period.map_or(Duration::ZERO, |p| p.mul_f64((n % 97) as f64 / 97.0));
        Pace { period, batch, window, next, left: None }
    }

    /// Types `edits` in all, then stops.
    pub(crate) fn only(self, edits: Option<usize>) -> Pace {
        Pace { left: edits, ..self }
    }

    /// Whether the editor typed all it had to.
    fn done(&self) -> bool {
        self.left == Some(0)
    }

    fn paced(&self) -> bool {
        self.period.is_some()
    }

    /// How many edits to make now.
    fn due(&self, now: Instant, in_flight: usize) -> usize {
        let due = match self.period {
            Some(_) => usize::from(now >= self.next),
            None if now >= self.next => self.window.saturating_sub(in_flight).min(self.batch),
            None => 0,
        };
        self.left.map_or(due, |left| due.min(left))
    }

    /// The `edits` due at `now` were sent.
    fn sent(&mut self, now: Instant, edits: usize) {
        if let Some(left) = &mut self.left {
            *left -= edits;
        }
        self.next = match self.period {
            Some(p) => self.next + p,
            None => now + Duration::from_millis(20),
        };
    }

    /// How long to read before the next edit is due.
    fn wait(&self, now: Instant, end: Instant, in_flight: usize) -> Duration {
        if self.done() {
            // Nothing more to type: read as messages come (not every
            // millisecond), noticing within 50 ms that everyone is done.
            return end.saturating_duration_since(now).min(Duration::from_millis(50));
        }
        match self.period {
            Some(_) => self.next.saturating_duration_since(now).min(end.saturating_duration_since(now)),
            None if in_flight < self.window => self.next.saturating_duration_since(now).max(Duration::from_millis(1)),
            None => end.saturating_duration_since(now),
        }
    }
}

/// The keystroke editor `n` types as its `i`-th edit.
fn key(n: usize, i: u64) -> char {
    char::from(b'a' + ((n + i as usize) % 26) as u8)
}

/// Books an edit just sent: `peers` other editors are to see it.
fn book_sent(shared: &Mutex<Shared>, h: ChangeHash, peers: usize) {
    let mut s = shared.lock().unwrap();
    s.sent += 1;
    if peers > 0 {
        s.pending.insert(h, (Instant::now(), peers));
    }
}

/// What the editing loop ([`editor`]) needs of an editor, complete or thin.
pub(crate) trait Typist: Send {
    /// Makes `edits` edits — editor `n`'s numbers `from`, `from + 1`, … —
    /// and sends them; gives back the hashes of the changes made (an edit
    /// that changed nothing makes none).
    fn type_edits(&mut self, n: usize, from: u64, edits: usize, paced: bool) -> impl Future<Output = Result<Vec<ChangeHash>, ()>> + Send;
    /// Reads one frame (or waits `limit`), booking what arrived in `shared`.
    fn read(&mut self, limit: Duration, shared: &Mutex<Shared>, in_flight: &mut Vec<ChangeHash>) -> impl Future<Output = Result<(), ()>> + Send;
    /// The 10 Hz tick (automerge-repo's sync cadence).
    fn tick(&mut self) -> impl Future<Output = Result<(), ()>> + Send;
}

/// A complete editor typing into `doc`, keystrokes or a trace's transactions.
pub(crate) struct Complete {
    pub(crate) client: Client,
    pub(crate) doc: DocumentId,
    pub(crate) script: Option<Arc<Script>>,
}

impl Typist for Complete {
    async fn type_edits(&mut self, n: usize, from: u64, edits: usize, paced: bool) -> Result<Vec<ChangeHash>, ()> {
        let c = &mut self.client;
        // Paced, the edit builds on everything received so far. Saturating,
        // on what the last 10 Hz tick applied (at most 100 ms old, as behind
        // a network with that latency): applying before each of 50 messages
        // a second cost each editor an automerge apply whose cost grows with
        // the document, 50 times a second, and with ten editors in this one
        // process that work, not the server, set the pace.
        if paced {
            c.apply_inbox().await?;
        }
        let mut made = Vec::with_capacity(edits);
        for i in from..from + edits as u64 {
            let d = c.repo.doc_mut(&self.doc).unwrap();
            let text = text_of(d).expect("the document has the text being typed into");
            match &self.script {
                None => {
                    let at = d.length(&text);
                    d.splice_text(&text, at, 0, &key(n, i).to_string()).unwrap();
                }
                // The trace's positions are its own document's; here they
                // are kept inside this one.
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
            made.extend(d.commit());
        }
        c.held = None;
        for m in c.repo.sync(&self.doc) {
            c.send(m).await;
        }
        Ok(made)
    }

    async fn read(&mut self, limit: Duration, shared: &Mutex<Shared>, in_flight: &mut Vec<ChangeHash>) -> Result<(), ()> {
        self.client.step(limit, Some(shared), in_flight).await.map(|_| ())
    }

    async fn tick(&mut self) -> Result<(), ()> {
        self.client.apply_inbox().await?;
        self.client.flush().await;
        Ok(())
    }
}

impl Typist for Thin {
    async fn type_edits(&mut self, n: usize, from: u64, edits: usize, _paced: bool) -> Result<Vec<ChangeHash>, ()> {
        let (made, chunks): (Vec<_>, Vec<_>) = (from..from + edits as u64).map(|i| self.type_key(key(n, i))).unzip();
        self.send(chunks).await;
        Ok(made)
    }

    async fn read(&mut self, limit: Duration, shared: &Mutex<Shared>, in_flight: &mut Vec<ChangeHash>) -> Result<(), ()> {
        self.step(limit, shared, in_flight).await
    }

    async fn tick(&mut self) -> Result<(), ()> {
        self.flush().await;
        Ok(())
    }
}

/// One editor until `end`, typing at `pace`, then reading until `drain_end`
/// so its last edits arrive; `peers` other editors are to see each of its
/// edits. With a fixed amount of work, `editors` editors share it: one that
/// typed its share and saw it acknowledged reads on until every one has,
/// then two more seconds (each editor's drain, as after `end`).
pub(crate) async fn editor<T: Typist>(
    mut t: T,
    (peers, editors): (usize, usize),
    mut pace: Pace,
    (end, mut drain_end): (Instant, Instant),
    shared: Arc<Mutex<Shared>>,
    n: usize,
) -> T {
    let mut flush = tokio::time::interval(Duration::from_millis(100));
    let mut in_flight: Vec<ChangeHash> = Vec::new();
    let mut i = 0u64;
    let mut finished = false;
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        if pace.done() && in_flight.is_empty() {
            let mut s = shared.lock().unwrap();
            if !finished {
                finished = true;
                s.finished += 1;
                s.finished_at = Some(now);
            }
            if s.finished == editors {
                drain_end = now + Duration::from_secs(2);
                break;
            }
        }
        let edits = pace.due(now, in_flight.len());
        if edits > 0 {
            let Ok(made) = t.type_edits(n, i + 1, edits, pace.paced()).await else { break };
            i += edits as u64;
            for h in made {
                book_sent(&shared, h, peers);
                in_flight.push(h);
            }
            pace.sent(now, edits);
            continue;
        }
        let ticked = tokio::select! {
            r = t.read(pace.wait(now, end, in_flight.len()), &shared, &mut in_flight) => match r {
                Ok(()) => false,
                Err(()) => break,
            },
            _ = flush.tick() => true,
        };
        if ticked && t.tick().await.is_err() {
            break;
        }
    }
    while Instant::now() < drain_end {
        let _ = t.read(Duration::from_millis(50), &shared, &mut Vec::new()).await;
        let _ = t.tick().await;
    }
    t
}

// ---------------------------------------------------------------- phases

#[derive(Clone, Debug, Default)]
pub(crate) struct Report {
    pub(crate) edits_per_s: f64,
    pub(crate) acked_per_s: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) delivered: f64,
    pub(crate) cpu_s: f64,
    pub(crate) cpu_pct: f64,
    /// Server CPU per acknowledged edit, ms.
    pub(crate) cpu_ms_per_acked: f64,
    /// This load generator's own CPU over the phase, % of one core.
    pub(crate) gen_cpu_pct: f64,
    pub(crate) rss_mib: f64,
    pub(crate) hwm_mib: f64,
    /// Edits sent and acknowledged over the phase.
    pub(crate) sent: u64,
    pub(crate) acked: u64,
    /// Characters the phase added to the stored documents, read back after
    /// it (keystroke phases): at least `acked`, at most `sent`.
    pub(crate) stored: Option<u64>,
    /// With a fixed amount of work: the edits, and how long typing them and
    /// seeing them acknowledged took (`None`: not done within the phase).
    pub(crate) work: Option<(u64, Option<f64>)>,
    /// The phase's length, seconds.
    pub(crate) phase_s: u64,
}

pub(crate) fn pct(v: &mut [u64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i] as f64 / 1000.0
}

pub(crate) async fn run_editing(
    kind: Kind,
    args: &Args,
    editors: usize,
    docs: usize,
    rate: Option<f64>,
    work: Option<u64>,
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
    // The text's length in each document before the phase.
    let mut before: HashMap<DocumentId, usize> = HashMap::new();
    for (c, d) in clients.iter_mut() {
        before.entry(*d).or_insert_with(|| text_length(c, d));
    }
    let mut thin = Vec::new();
    if args.thin {
        for (c, d) in std::mem::take(&mut clients) {
            match Thin::from_client(c, d).await {
                Ok(t) => thin.push((t, d)),
                Err(e) => panic!("a thin editor could not take over: {e}"),
            }
        }
    }
    let shared = Arc::new(Mutex::new(Shared::default()));
    let cpu0 = server.cpu();
    let gen0 = cpu_of("self");
    let start = Instant::now() + Duration::from_millis(200);
    let end = start + Duration::from_secs(args.seconds);
    // Every editor until `end`, then reading for up to two more seconds so
    // the last edits arrive.
    let drain_end = end + Duration::from_secs(2);
    let batch = (args.batch as usize, args.window as usize);
    let mut tasks = Vec::new();
    // A fixed amount of work (saturating only), shared out evenly.
    let work = work.map(|w| w as usize);
    let share = |n: usize| work.map(|w| w / editors + usize::from(n < w % editors));
    for (n, (client, doc)) in clients.into_iter().enumerate() {
        let typist = Complete { client, doc, script: args.script.clone() };
        let (peers, pace) = ((per_doc[&doc] - 1, editors), Pace::new(rate, batch, start, n).only(share(n)));
        tasks.push(tokio::spawn(editor(typist, peers, pace, (end, drain_end), shared.clone(), n).map(|_| Vec::new())));
    }
    for (n, (t, d)) in thin.into_iter().enumerate() {
        let (peers, pace) = ((per_doc[&d] - 1, editors), Pace::new(rate, batch, start, n).only(share(n)));
        tasks.push(tokio::spawn(editor(t, peers, pace, (end, drain_end), shared.clone(), n).map(|t| t.unexpected)));
    }
    let mut unexpected = Vec::new();
    for t in tasks {
        unexpected.extend(t.await.expect("editor"));
    }
    for u in unexpected.iter().take(5) {
        eprintln!("  a thin editor got what it cannot answer: {u}");
    }
    let cpu = server.cpu() - cpu0;
    let gen_cpu = cpu_of("self") - gen0;
    let (rss, hwm) = server.memory();
    let mut report = {
        let mut s = shared.lock().unwrap();
        // Over the phase, or until the work was done and acknowledged.
        let took = match s.finished_at {
            Some(at) if work.is_some() && s.finished == editors => Some(at.duration_since(start).as_secs_f64()),
            _ => None,
        };
        let secs = took.unwrap_or(args.seconds as f64);
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
            sent: s.sent,
            acked: s.acked,
            stored: None,
            work: work.map(|w| (w as u64, took)),
            phase_s: args.seconds,
        };
        drop(s);
        report
    };
    if args.script.is_none() {
        // Every acknowledged keystroke is one more character in the stored
        // document, read back by a fresh complete client.
        let mut stored = 0;
        for (d, len) in &before {
            let mut c = Client::connect(&server).await;
            c.open(*d, None).await;
            stored += text_length(&mut c, d).saturating_sub(*len);
        }
        report.stored = Some(stored as u64);
    }
    server.stop().await;
    report
}

/// The length of the text being typed into, in `c`'s copy of `d`.
fn text_length(c: &mut Client, d: &DocumentId) -> usize {
    let doc = c.repo.doc_mut(d).expect("open");
    let text = text_of(doc).expect("the document has the text being typed into");
    doc.length(&text)
}

pub(crate) async fn run_idle(kind: Kind, args: &Args) -> (usize, f64, f64, f64) {
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
