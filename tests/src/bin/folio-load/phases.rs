//! The phases: editors typing (paced or saturating) on one or many documents, and idle connections;
//! what each measures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ReadDoc};
use folio_core::doc::actor;
use folio_core::sync::{ClientRepo, DocumentId, PeerId, codec};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::client::{Client, Shared, text_of};
use crate::{Args, Socket};
use crate::server::{Kind, Server, cpu_of, rand_bytes};
use crate::trace::Script;

/// Saturating editors: most edits unacknowledged at once.
pub(crate) const WINDOW: usize = 128;

/// One editor until `end`: `rate` edits/s (or, if `None`, as fast as acknowledged).
#[allow(
    clippy::too_many_arguments,
    reason = "one editor's whole configuration, passed once"
)]
pub(crate) async fn editor(
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
