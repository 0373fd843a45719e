//! Guard + apply versus plain `apply_changes`.
//!
//! (a) single-keystroke changes to a 50-section page, (b) one 1,000-operation
//! paste, (c) the automerge-paper editing trace replayed into one section as
//! changes of 10 edits, (d) bursts of keystrokes from ten typists judged in
//! one call. (c) reads the trace from `$FOLIO_TRACES_DIR`
//! (default: `../shared/data/editing-traces` beside the workspace) and is
//! skipped, saying so, when the file is absent. Run: `cargo bench -p folio-core --bench guard`.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, Change, ObjType, ROOT, ReadDoc};
use criterion::{BatchSize, Criterion, criterion_group};
use folio_core::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
use folio_core::doc::{PageDoc, actor};
use folio_core::guard::{GuardCache, Sender, guard, guard_cached};
use folio_core::time::Timestamp;

const NOW: Timestamp = Timestamp(1_000);

fn engine(sections: usize) -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("pf", "olga")).unwrap();
    e.add_node(Node::child("c1", NodeKind::Collection, "pf")).unwrap();
    e.add_node(Node::child("pg", NodeKind::Page, "c1")).unwrap();
    for i in 0..sections {
        e.add_node(Node::child(format!("s{i}"), NodeKind::Section, "pg")).unwrap();
    }
    e.add_grant(Grant::new(1, "pg", Subject::user("wendy"), Level::Write)).unwrap();
    e
}

/// A page with `sections` sections of a little text each, owned by Olga.
fn page(sections: usize) -> Automerge {
    let mut p = PageDoc::create(actor::actor_for("user:olga", [0; 16]), "pg", "c1").unwrap();
    for i in 0..sections {
        let id = format!("s{i}");
        p.add_section("pg", &id, &format!("Section {i}"), None).unwrap();
        p.splice_text(&id, 0, 0, "Some text to start with. ").unwrap();
    }
    p.into_automerge()
}

fn wendy() -> Principal {
    Principal::user("wendy")
}

/// Changes made by Wendy on top of `base`, through the typed API.
fn typed_changes(base: &Automerge, edit: impl FnOnce(&mut PageDoc)) -> Vec<Change> {
    let mut c = PageDoc::load(&base.clone().save(), actor::actor_for("user:wendy", [1; 16])).unwrap();
    let heads = c.heads();
    edit(&mut c);
    c.changes_since(&heads)
}

#[inline(never)]
fn apply_each(doc: &mut Automerge, changes: &[Change]) {
    for c in changes {
        doc.apply_changes([c.clone()]).unwrap();
    }
}

/// Plain apply with patch logging, to show what the guard's patches cost by themselves.
fn apply_each_logging(doc: &mut Automerge, changes: &[Change]) {
    for c in changes {
        let mut log = automerge::PatchLog::active();
        doc.apply_changes_log_patches([c.clone()], &mut log).unwrap();
        black_box(doc.make_patches(&mut log));
    }
}

/// Each change guarded on its own, as it would arrive from a typing browser,
/// with one [`GuardCache`] for the document as the server's document actor
/// keeps it.
#[inline(never)]
fn guard_each(doc: &mut Automerge, changes: &[Change], engine: &Engine, who: &Principal) {
    let mut cache = GuardCache::default();
    for c in changes {
        let v = guard_cached(&mut cache, doc, vec![c.clone()], Sender { principal: who, profile: None }, engine, NOW);
        assert!(v.all_accepted(), "{v:?}");
    }
}

/// The same through [`guard`], which starts from an empty cache every call.
#[inline(never)]
fn guard_each_uncached(doc: &mut Automerge, changes: &[Change], engine: &Engine, who: &Principal) {
    for c in changes {
        let v = guard(doc, vec![c.clone()], Sender { principal: who, profile: None }, engine, NOW);
        assert!(v.all_accepted(), "{v:?}");
    }
}

fn keystrokes(c: &mut Criterion) {
    let base = page(50);
    let engine = engine(50);
    let who = wendy();
    let changes = typed_changes(&base, |p| {
        for (i, ch) in "The quick brown fox jumps over the lazy dog. ".chars().cycle().take(200).enumerate() {
            p.splice_text("s25", i, 0, &ch.to_string()).unwrap();
        }
    });
    let mut g = c.benchmark_group("a_keystrokes_50_sections_200_changes");
    g.bench_function("apply", |b| b.iter_batched(|| base.clone(), |mut d| apply_each(&mut d, &changes), BatchSize::LargeInput));
    g.bench_function("apply_logging_patches", |b| {
        b.iter_batched(|| base.clone(), |mut d| apply_each_logging(&mut d, &changes), BatchSize::LargeInput)
    });
    g.bench_function("guard_and_apply", |b| {
        b.iter_batched(|| base.clone(), |mut d| guard_each(&mut d, &changes, &engine, &who), BatchSize::LargeInput)
    });
    g.bench_function("guard_and_apply_uncached", |b| {
        b.iter_batched(|| base.clone(), |mut d| guard_each_uncached(&mut d, &changes, &engine, &who), BatchSize::LargeInput)
    });
    g.finish();
}

fn paste(c: &mut Criterion) {
    let base = page(50);
    let engine = engine(50);
    let who = wendy();
    let text: String = "lorem ipsum dolor sit amet ".chars().cycle().take(1000).collect();
    let changes = typed_changes(&base, |p| drop(p.splice_text("s10", 5, 0, &text).unwrap()));
    assert_eq!(changes.len(), 1);
    let mut g = c.benchmark_group("b_paste_1000_ops");
    g.bench_function("apply", |b| b.iter_batched(|| base.clone(), |mut d| apply_each(&mut d, &changes), BatchSize::LargeInput));
    g.bench_function("guard_and_apply", |b| {
        b.iter_batched(|| base.clone(), |mut d| guard_each(&mut d, &changes, &engine, &who), BatchSize::LargeInput)
    });
    g.finish();
}

/// `typists` sessions of Wendy's each typing `each` characters at its own
/// place in section `s25`, one character per change, taking turns; each
/// change builds on all before it (as relayed keystrokes do).
fn interleaved(base: &Automerge, typists: usize, each: usize) -> Vec<Change> {
    use automerge::ObjId;
    let mut d = automerge::AutoCommit::load(&base.save()).unwrap();
    let child = |d: &automerge::AutoCommit, parent: &ObjId, key: &str| d.get(parent, key).unwrap().expect("present").1;
    let nodes = child(&d, &ROOT, "nodes");
    let section = child(&d, &nodes, "s25");
    let text = child(&d, &section, "text");
    let heads = d.get_heads();
    let mut at: Vec<usize> = (0..typists).map(|e| e * 2).collect();
    for _ in 0..each {
        for e in 0..typists {
            d.set_actor(actor::actor_for("user:wendy", [e as u8 + 1; 16]));
            let p = at[e];
            d.splice_text(&text, p, 0, "x").unwrap();
            d.commit();
            for (f, a) in at.iter_mut().enumerate() {
                if f != e && *a > p {
                    *a += 1;
                }
            }
            at[e] += 1;
        }
    }
    d.get_changes(&heads).into_iter().collect()
}

/// (d) one call judging a burst of keystrokes from ten typists at ten
/// places of one text, as the server's actor judges what queued while it
/// was busy: bursts grow with the load.
fn bursts(c: &mut Criterion) {
    let base = page(50);
    let engine = engine(50);
    let who = wendy();
    let mut g = c.benchmark_group("d_burst_10_typists");
    for each in [16, 64] {
        let changes = interleaved(&base, 10, each);
        g.bench_function(format!("apply_{}", changes.len()), |b| {
            b.iter_batched(|| base.clone(), |mut d| d.apply_changes(changes.clone()).unwrap(), BatchSize::LargeInput)
        });
        g.bench_function(format!("guard_and_apply_{}", changes.len()), |b| {
            b.iter_batched(
                || base.clone(),
                |mut d| assert!(guard(&mut d, changes.clone(), Sender { principal: &who, profile: None }, &engine, NOW).all_accepted()),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, keystrokes, paste, bursts);

// ------------------------------------------------------------------ (c) the trace

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Trace {
    end_content: String,
    txns: Vec<Txn>,
}

#[derive(serde::Deserialize)]
struct Txn {
    patches: Vec<(usize, usize, String)>,
}

fn traces_dir() -> PathBuf {
    match std::env::var_os("FOLIO_TRACES_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/editing-traces"),
    }
}

fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn trace() {
    let path = traces_dir().join("automerge-paper.json.gz");
    let Ok(file) = std::fs::File::open(&path) else {
        println!("c_trace: SKIPPED — {} not found (set FOLIO_TRACES_DIR to the directory holding automerge-paper.json.gz)", path.display());
        return;
    };
    let mut json = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut json).expect("the trace is gzipped JSON");
    let trace: Trace = serde_json::from_str(&json).expect("the trace has the documented shape");
    let edits: Vec<&(usize, usize, String)> = trace.txns.iter().flat_map(|t| t.patches.iter()).collect();

    // Wendy replays the trace into section s0, 10 edits per change.
    let base = page(1);
    let engine = engine(1);
    let who = wendy();
    let mut client = PageDoc::load(&base.clone().save(), actor::actor_for("user:wendy", [1; 16])).unwrap().into_automerge();
    let nodes = client.get(ROOT, "nodes").unwrap().unwrap().1;
    let s0 = client.get(&nodes, "s0").unwrap().unwrap().1;
    let text = match client.get(&s0, "text").unwrap().unwrap() {
        (automerge::Value::Object(ObjType::Text), id) => id,
        _ => unreachable!(),
    };
    let start_len = client.length(&text);
    client.transact(|tx| tx.splice_text(&text, 0, start_len as isize, "")).unwrap();
    for chunk in edits.chunks(10) {
        client
            .transact(|tx| {
                for (pos, del, ins) in chunk {
                    tx.splice_text(&text, *pos, *del as isize, ins)?;
                }
                Ok::<_, automerge::AutomergeError>(())
            })
            .unwrap();
    }
    // the change clearing the starting text, then the trace
    let mut changes = client.get_changes(&base.get_heads());
    assert_eq!(client.text(&text).unwrap(), trace.end_content);
    // FOLIO_TRACE_LIMIT=n replays only the first n changes (a quick look;
    // the final text is then compared with plain apply's, not endContent).
    let limit: Option<usize> = std::env::var("FOLIO_TRACE_LIMIT").ok().and_then(|r| r.parse().ok());
    if let Some(n) = limit {
        changes.truncate(n);
    }
    let mut applied_text = String::new();

    let mut best_apply = Duration::MAX;
    let mut best_guard = Duration::MAX;
    let mut final_doc = None;
    // Applying one change at a time costs time linear in the document in
    // automerge 0.12, so the replay is long; FOLIO_TRACE_REPS (default 1) repeats it.
    let reps: usize = std::env::var("FOLIO_TRACE_REPS").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
    for _ in 0..reps.max(1) {
        let mut d = base.clone();
        let t = Instant::now();
        apply_each(&mut d, &changes);
        best_apply = best_apply.min(t.elapsed());
        applied_text = PageDoc::from_automerge(d).unwrap().text("s0").unwrap();

        let mut d = base.clone();
        let t = Instant::now();
        guard_each(&mut d, &changes, &engine, &who);
        best_guard = best_guard.min(t.elapsed());
        final_doc = Some(d);
    }
    let d = final_doc.unwrap();
    let page = PageDoc::from_automerge(d.clone()).unwrap();
    let guarded_text = page.text("s0").unwrap();
    assert_eq!(guarded_text, applied_text, "guard + apply ends with the text plain apply ends with");
    if limit.is_none() {
        assert_eq!(guarded_text, trace.end_content, "the replayed text equals the trace's endContent");
    }
    let saved = d.save();
    drop(page);
    drop(d);
    let before = rss_bytes();
    let loaded = Automerge::load(&saved).unwrap();
    let after = rss_bytes();
    black_box(&loaded);
    println!(
        "c_trace{}: {} edits in {} changes; apply {:.3} s, guard+apply {:.3} s, ratio {:.2}; saved size {} bytes; resident memory of the loaded document ≈ {}",
        limit.map(|n| format!(" (first {n} changes only)")).unwrap_or_default(),
        edits.len(),
        changes.len(),
        best_apply.as_secs_f64(),
        best_guard.as_secs_f64(),
        best_guard.as_secs_f64() / best_apply.as_secs_f64(),
        saved.len(),
        match (before, after) {
            (Some(b), Some(a)) => format!("{:.1} MiB", a.saturating_sub(b) as f64 / 1048576.0),
            _ => "unknown (no /proc)".to_owned(),
        }
    );
}

type Run = fn(&mut Automerge, &[Change], &Engine, &Principal);

/// `FOLIO_GUARD_ONCE=apply|guard|guard_uncached|paste_apply|paste_guard`: run one case once and
/// exit, for counting instructions (`valgrind --tool=callgrind
/// --toggle-collect='*apply_each*' --toggle-collect='*guard_each*'`), which is
/// steadier than wall time on a shared machine. `FOLIO_GUARD_ONCE=ratio`
/// times (a) and (b) in interleaved rounds (`FOLIO_GUARD_ROUNDS`, default 40).
fn once(which: &str) {
    let base = page(50);
    let engine = engine(50);
    let who = wendy();
    let keys = typed_changes(&base, |p| {
        for (i, ch) in "The quick brown fox jumps over the lazy dog. ".chars().cycle().take(200).enumerate() {
            p.splice_text("s25", i, 0, &ch.to_string()).unwrap();
        }
    });
    let text: String = "lorem ipsum dolor sit amet ".chars().cycle().take(1000).collect();
    let paste = typed_changes(&base, |p| drop(p.splice_text("s10", 5, 0, &text).unwrap()));
    let mut d = base.clone();
    match which {
        "apply" => apply_each(&mut d, &keys),
        "guard" => guard_each(&mut d, &keys, &engine, &who),
        "paste_apply" => apply_each(&mut d, &paste),
        "paste_guard" => guard_each(&mut d, &paste, &engine, &who),
        "guard_uncached" => guard_each_uncached(&mut d, &keys, &engine, &who),
        "ratio" => {
            // Interleaved rounds, so both sides see the same machine load.
            let rounds: usize = std::env::var("FOLIO_GUARD_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(40);
            for (name, changes) in [("a", &keys), ("b", &paste)] {
                let mut times: [Vec<Duration>; 3] = Default::default();
                for _ in 0..rounds {
                    let runs: [Run; 3] = [|d, c, _, _| apply_each(d, c), guard_each, guard_each_uncached];
                    for (t, run) in times.iter_mut().zip(runs) {
                        let mut d = base.clone();
                        let start = Instant::now();
                        run(&mut d, changes, &engine, &who);
                        t.push(start.elapsed());
                    }
                }
                let [a, g, u] = times.map(|mut t| {
                    t.sort();
                    (t[rounds / 2].as_secs_f64() * 1e3, t[0].as_secs_f64() * 1e3)
                });
                println!(
                    "{name}: apply median {:.3} ms (min {:.3}); guard_cached median {:.3} ms (min {:.3}), ratio {:.2} (of minima {:.2}); guard median {:.3} ms (min {:.3}), ratio {:.2} (of minima {:.2})",
                    a.0, a.1, g.0, g.1, g.0 / a.0, g.1 / a.1, u.0, u.1, u.0 / a.0, u.1 / a.1
                );
            }
        }
        other => panic!("FOLIO_GUARD_ONCE={other}: expected apply, guard, guard_uncached, paste_apply, paste_guard or ratio"),
    }
    black_box(&d);
}

fn main() {
    if let Ok(which) = std::env::var("FOLIO_GUARD_ONCE") {
        once(&which);
        return;
    }
    trace();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
