//! The decision corpus: every fixture in `core/fixtures/access/` must give its
//! expected answers, and the generated corpus must agree with the reference.
//! The wasm build runs the same fixtures and seeds and compares.

use std::path::Path;

use folio_core::access::corpus::{self, WorldSize, generate_world};
use folio_core::access::{Engine, World};

fn fixtures() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/access");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_case_gives_its_expected_answer() {
    let files = fixtures();
    assert!(files.len() >= 3, "fixtures are missing");
    let mut total = 0;
    for (path, json) in files {
        let report = corpus::run(&json).unwrap_or_else(|e| panic!("{path}: {e}"));
        for d in &report.decisions {
            assert!(
                d.pass,
                "{path}: `{}` decided {:?}/{:?}, expected {:?}/{:?}\n{}",
                d.name, d.allowed, d.level, d.expected_allowed, d.expected_level, d.explanation
            );
        }
        assert_eq!(report.failures, 0);
        total += report.decisions.len();
    }
    assert!(total >= 40, "only {total} cases");
}

#[test]
fn every_fixture_case_agrees_with_the_reference_evaluator() {
    for (path, json) in fixtures() {
        let fixture: corpus::Fixture = serde_json::from_str(&json).unwrap();
        let engine = corpus::load(&fixture).unwrap();
        let world: World = engine.to_world();
        for case in &fixture.cases {
            let p = &fixture.principals[&case.principal];
            assert_eq!(
                world.check(p, case.action, &case.node, case.now),
                case.allowed,
                "{path}: {}",
                case.name
            );
        }
    }
}

#[test]
fn a_malformed_fixture_is_an_error_that_says_what_is_wrong() {
    let err = corpus::run(r#"{"name":"x","nodes":[],"principals":{},"cases":[{"name":"c","principal":"ghost","action":"read","node":"n","now":0,"allowed":false}]}"#).unwrap_err();
    assert!(err.to_string().contains("`ghost`"), "{err}");
    let err = corpus::run(
        r#"{"name":"x","nodes":[{"id":"a","kind":"page"}],"principals":{},"cases":[]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("`a`"), "{err}");
}

#[test]
fn ten_thousand_generated_cases_agree_with_the_reference_and_are_deterministic() {
    let seed = 0x000F_0110;
    let report = corpus::random_cases(seed, 10_000);
    assert_eq!(report.decisions.len(), 10_000);
    assert_eq!(
        corpus::random_cases(seed, 10_000).digest,
        report.digest,
        "same seed, same answers"
    );
    let world = generate_world(seed, &WorldSize::CORPUS);
    let reference = World {
        nodes: world.nodes.clone(),
        grants: world.grants.clone(),
    };
    let mut allowed = 0;
    for d in &report.decisions {
        let p = &world.principals[d.question.principal];
        let want = reference.access(p, &d.question.node, d.question.now);
        assert_eq!(d.level, want.level, "{:?}", d.question);
        assert_eq!(
            d.allowed,
            reference.check(p, d.question.action, &d.question.node, d.question.now),
            "{:?}",
            d.question
        );
        allowed += d.allowed as usize;
    }
    // The generated world is neither all-allow nor all-deny.
    assert!(
        allowed > 500 && allowed < 9_500,
        "{allowed} allowed of 10000"
    );
}

#[test]
fn the_generated_corpus_digest_is_pinned_so_wasm_can_compare_against_it() {
    // If the generator or the rules change on purpose, update this value and the wasm test's.
    let report = corpus::random_cases(42, 10_000);
    let pinned = include_str!("../../fixtures/access/random_digest_seed42_n10000.txt").trim();
    assert_eq!(format!("{:016x}", report.digest), pinned);
}

#[test]
fn the_benchmark_world_has_the_promised_shape() {
    let w = generate_world(1, &WorldSize::BENCH);
    assert_eq!(w.nodes.len(), 10_000);
    assert_eq!(w.grants.len(), 2_000);
    let e = Engine::build(w.nodes.clone(), w.grants.clone()).unwrap();
    let p0 = e
        .nodes()
        .into_iter()
        .filter(|n| e.portfolio_of(&n.id).is_some_and(|p| p.as_str() == "p0"))
        .count();
    assert_eq!(p0, 1_000);
    let expiring = w.grants.iter().filter(|g| g.end.is_some()).count();
    assert!(
        (400..=600).contains(&expiring),
        "{expiring} expiring grants"
    );
    assert!(w.grants.iter().any(|g| g.condition.is_some()));
}
