//! Access engine benchmark over a generated world: 10,000 nodes in 20
//! portfolios (one of 1,000 nodes), 1,000 users in 20 organisations, 2,000
//! grants mixing user, role, organisation, link, token and public subjects, a
//! quarter with an end, some with a start, some with a condition.
//!
//! Criterion reports means. Percentiles of `check` are measured by timing
//! single calls over many random questions and printed as `p50`/`p99`.
//!
//! `cargo bench -p folio-core --bench access`

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use folio_core::access::corpus::{GeneratedWorld, WorldSize, generate_questions, generate_world};
use folio_core::access::{Engine, Principal};
use folio_core::time::Timestamp;

fn world() -> (GeneratedWorld, Engine) {
    let w = generate_world(2024, &WorldSize::BENCH);
    let e = Engine::build(w.nodes.clone(), w.grants.clone()).unwrap();
    (w, e)
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    (at(0.50), at(0.99), at(0.999))
}

fn timer_overhead() -> Duration {
    let mut s = Vec::with_capacity(100_000);
    for _ in 0..100_000 {
        let t = Instant::now();
        s.push(t.elapsed());
    }
    percentiles(s).0
}

fn report_percentiles(w: &GeneratedWorld, e: &Engine) {
    let questions = generate_questions(7, w, WorldSize::BENCH.horizon, 200_000);
    // Warm up.
    for q in questions.iter().take(20_000) {
        black_box(e.check(&w.principals[q.principal], q.action, &q.node, q.now));
    }
    let overhead = timer_overhead();
    let mut samples = Vec::with_capacity(questions.len());
    let mut allowed = 0usize;
    for q in &questions {
        let p = &w.principals[q.principal];
        let t = Instant::now();
        let ok = e.check(black_box(p), q.action, &q.node, q.now);
        samples.push(t.elapsed().saturating_sub(overhead));
        allowed += ok as usize;
    }
    let (p50, p99, p999) = percentiles(samples);
    println!(
        "check: p50 {p50:?}, p99 {p99:?}, p99.9 {p999:?} over {} random checks ({allowed} allowed; timer overhead {overhead:?} subtracted)",
        questions.len()
    );

    let owner = Principal::user("u0");
    let mut samples = Vec::new();
    for _ in 0..2_000 {
        let t = Instant::now();
        black_box(e.visible(&owner, Timestamp(500_000)));
        samples.push(t.elapsed());
    }
    let (p50, p99, _) = percentiles(samples);
    let n = e.visible(&owner, Timestamp(500_000)).len();
    println!("visible (owner of the 1,000-node portfolio, {n} nodes): p50 {p50:?}, p99 {p99:?}");

    let mut samples = Vec::new();
    for _ in 0..20 {
        let (nodes, grants) = (w.nodes.clone(), w.grants.clone());
        let t = Instant::now();
        black_box(Engine::build(nodes, grants).unwrap());
        samples.push(t.elapsed());
    }
    let (p50, p99, _) = percentiles(samples);
    println!("index build (10,000 nodes, 2,000 grants): p50 {p50:?}, max-ish {p99:?}");
}

fn bench(c: &mut Criterion) {
    let (w, e) = world();
    report_percentiles(&w, &e);

    let questions = generate_questions(11, &w, WorldSize::BENCH.horizon, 65_536);
    let mut i = 0usize;
    c.bench_function("check (random principal, action, node, now)", |b| {
        b.iter(|| {
            let q = &questions[i & 65_535];
            i = i.wrapping_add(1);
            black_box(e.check(&w.principals[q.principal], q.action, &q.node, q.now))
        })
    });

    let checker = e.checker(&w.principals[1]);
    let mut j = 0usize;
    c.bench_function("check with a resolved principal (Checker)", |b| {
        b.iter(|| {
            let q = &questions[j & 65_535];
            j = j.wrapping_add(1);
            black_box(checker.check(q.action, &q.node, q.now))
        })
    });

    let owner = Principal::user("u0");
    c.bench_function("visible (1,000-node portfolio, owner)", |b| {
        b.iter(|| black_box(e.visible(&owner, Timestamp(500_000))))
    });

    let users: Vec<&Principal> = w.principals.iter().take(1_000).collect();
    let mut k = 0usize;
    c.bench_function("visible (random user)", |b| {
        b.iter(|| {
            k = k.wrapping_add(1);
            black_box(e.visible(users[k % users.len()], Timestamp(500_000)))
        })
    });

    c.bench_function("next_change (random user)", |b| {
        b.iter(|| {
            k = k.wrapping_add(1);
            black_box(e.next_change(users[k % users.len()], Timestamp(500_000)))
        })
    });

    c.bench_function("snapshot_for (random user)", |b| {
        b.iter(|| {
            k = k.wrapping_add(1);
            black_box(e.snapshot_for(users[k % users.len()], Timestamp(500_000)))
        })
    });

    c.bench_function("index build (10,000 nodes, 2,000 grants)", |b| {
        b.iter_batched(
            || (w.nodes.clone(), w.grants.clone()),
            |(nodes, grants)| black_box(Engine::build(nodes, grants).unwrap()),
            BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
