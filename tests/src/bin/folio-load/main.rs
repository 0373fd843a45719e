//! `folio-load`: a load generator for sync servers speaking the
//! automerge-repo protocol (core's `ClientRepo` and codec over real
//! websockets), run against Folio's `folio` binary and the stock
//! automerge-repo sync server (`tests/interop/reference-server.mjs`), with the
//! ratios of one run. Loopback only; every phase has a fixed duration (the
//! saturating one, with `--edits`, a fixed amount of work).
//!
//! ```text
//! folio-load --folio-bin target/release/folio --interop tests/interop
//!            [--editors 100] [--rate 5] [--seconds 15] [--docs 20]
//!            [--saturate-editors 10] [--idle 10000] [--only folio|reference]
//!            [--phases one-doc,many-docs,saturate] [--batch 16] [--window 128] [--edits N]
//!            [--thin | --trace ../shared/data/editing-traces/clownschool.json.gz]
//! ```
//!
//! (`--help` says what each flag does.)
//!
//! Phases, each on a fresh server process:
//! - `one-doc`: `editors` editors on one document, each making `rate` edits/s;
//! - `many-docs`: the same editors spread over `docs` documents;
//! - `saturate`: `saturate-editors` editors on one document, each as fast as
//!   the server acknowledges (at most `window` edits in flight, `batch` per message):
//!   sustained edits/s — over `seconds`, or, with `--edits N`, over the time
//!   the editors take to type and have acknowledged N edits in all;
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
//!
//! # Thin editors (`--thin`)
//!
//! Even so, 100 complete editors on one document apply 49,500 deliveries a
//! second on the server's two cores, and the generator (155 % CPU), not the
//! server (43 %), set the latency. A thin editor (`thin.rs`) is set up as a
//! complete one and then keeps only the document's heads, its highest
//! operation counter and where it types: each keystroke is still a real
//! Automerge change, built on everything the editor has received, in an
//! ordinary sync message — the server decodes, guards, stores and relays
//! it like any other — but received changes are decoded and hashed, not
//! applied. Keystrokes only (no `--trace`), each after the editor's own
//! previous character.
//!
//! Every keystroke phase, thin or not, ends by reading the stored documents
//! back with a fresh complete client: the characters the phase added must
//! number at least the acknowledged edits and at most the sent ones.

mod client;
mod phases;
mod server;
mod thin;
mod trace;

use std::collections::HashMap;
use std::sync::Arc;

use phases::{Report, run_editing, run_idle};
use server::Kind;
use trace::Script;

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Load generator for sync servers speaking the automerge-repo protocol:
/// Folio's `folio serve` against the stock automerge-repo sync server, same
/// load, one run, ratios.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "folio-load")]
pub(crate) struct Args {
    /// The `folio` binary to start.
    #[arg(long, default_value = "target/release/folio")]
    pub(crate) folio_bin: String,
    /// The interop kit (`tests/interop`) holding the reference server.
    #[arg(long, default_value = "tests/interop")]
    pub(crate) interop: String,
    /// Node.js, for the reference server.
    #[arg(long, default_value = "node")]
    pub(crate) node: String,
    /// Editors in the `one-doc` and `many-docs` phases.
    #[arg(long, default_value_t = 100)]
    pub(crate) editors: usize,
    /// Edits per second per editor (paced phases).
    #[arg(long, default_value_t = 5.0)]
    pub(crate) rate: f64,
    /// Length of each phase.
    #[arg(long, default_value_t = 15)]
    pub(crate) seconds: u64,
    /// Documents the `many-docs` phase spreads its editors over.
    #[arg(long, default_value_t = 20)]
    pub(crate) docs: usize,
    /// Editors in the `saturate` phase.
    #[arg(long, default_value_t = 10)]
    pub(crate) saturate_editors: usize,
    /// Edits per message at most in the `saturate` phase (one message per
    /// 20 ms per editor).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) batch: u64,
    /// Edits unacknowledged at most per editor in the `saturate` phase.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub(crate) window: u64,
    /// The `saturate` phase types this many edits in all (each editor its
    /// share) and is timed until the last is acknowledged, instead of
    /// typing for `--seconds` (which then only bounds it). Both servers do
    /// the same work: with a fixed duration the faster one types a longer
    /// text, and automerge's cost of applying a batch of changes grows with
    /// the length of the text they touch.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) edits: Option<u64>,
    /// Idle connections in the `idle` phase (0: skip it).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) idle: usize,
    /// Run against one server only.
    #[arg(long, value_parser = ["folio", "reference"])]
    pub(crate) only: Option<String>,
    /// Editing phases to run, comma-separated; all if absent.
    #[arg(long, value_delimiter = ',', value_parser = ["one-doc", "many-docs", "saturate"])]
    pub(crate) phases: Vec<String>,
    /// Replay a concurrent editing trace (e.g. `../shared/data/editing-traces/clownschool.json.gz`)
    /// across its agents instead of typing one character at the end: editor
    /// `n` plays agent `n mod agents`, one transaction per edit.
    #[arg(long)]
    pub(crate) trace: Option<std::path::PathBuf>,
    /// Thin editors: each editor keeps the document's heads instead of a
    /// replica, so the load generator does not apply every edit 99 times on
    /// the server's cores (same changes and messages on the wire; see
    /// `thin.rs`). Keystrokes only: not with `--trace`.
    #[arg(long, conflicts_with = "trace")]
    pub(crate) thin: bool,
    /// The trace, loaded.
    #[arg(skip)]
    pub(crate) script: Option<Arc<Script>>,
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
    if let Some((edits, secs)) = r.work {
        match secs {
            Some(secs) => println!("  {:<10} {edits} edits typed and acknowledged in {secs:.2} s (the rates above are over that time)", ""),
            None => println!("  {:<10} {edits} edits NOT all acknowledged within the phase's {} s: rates over the phase", "", r.phase_s),
        }
    }
    if let Some(stored) = r.stored {
        let verdict = if stored < r.acked {
            "LOST ACKNOWLEDGED EDITS"
        } else if stored > r.sent {
            "MORE THAN WAS SENT"
        } else {
            "every acknowledged edit is stored"
        };
        println!("  {:<10} stored {stored} characters for {} acknowledged of {} sent edits: {verdict}", "", r.acked, r.sent);
    }
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
        "folio-load: {} {} editors × {} edits/s, {} s per phase, many-docs over {} documents, saturate with {} editors{}, {} idle connections",
        args.editors,
        if args.thin { "thin" } else { "complete" },
        args.rate,
        args.seconds,
        args.docs,
        args.saturate_editors,
        args.edits.map_or(String::new(), |n| format!(" until {n} edits are acknowledged")),
        args.idle
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
            let r = run_editing(*kind, &args, args.editors, 1, Some(args.rate), None).await;
            show("one-doc", &r);
            results.insert((*kind, "one-doc"), r);
        }
        if wanted("many-docs") {
            let r = run_editing(*kind, &args, args.editors, args.docs, Some(args.rate), None).await;
            show("many-docs", &r);
            results.insert((*kind, "many-docs"), r);
        }
        if wanted("saturate") {
            let r = run_editing(*kind, &args, args.saturate_editors, 1, None, args.edits).await;
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
