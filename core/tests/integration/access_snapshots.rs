//! Golden policy snapshots: for every principal of every corpus fixture, the
//! snapshot the server would send and the decisions an engine loaded from it
//! must give. The wasm tests (Node and Chromium) load the same files into
//! `folio-wasm`'s `PolicyEngine` and must give the same decisions.
//!
//! Regenerate after an intended change with `FOLIO_BLESS=1 cargo test -p folio-core --test access_snapshots`.

use std::path::PathBuf;

use folio_core::access::corpus::{Fixture, load};
use folio_core::access::{Action, Engine};
use folio_core::time::Timestamp;
use serde_json::{Value, json};

const INSTANTS: [i64; 4] = [0, 3_600_000, 86_400_000, 40 * 86_400_000];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/access")
}

/// Everything an engine loaded from `snapshot` decides, for every node it knows and every action.
fn decisions(engine: &Engine, snapshot_engine: &Engine, principal: &folio_core::access::Principal, nodes: &[String], now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    for node in nodes {
        let node_id = node.as_str().into();
        for action in Action::ALL {
            let allowed = snapshot_engine.check(principal, action, &node_id, now);
            // The snapshot's answer must be the full engine's answer.
            assert_eq!(allowed, engine.check(principal, action, &node_id, now), "{node} {action:?}");
            out.push(json!({ "node": node, "action": action, "allowed": allowed }));
        }
        out.push(json!({ "node": node, "level": snapshot_engine.level(principal, &node_id, now) }));
    }
    out
}

#[test]
fn snapshots_of_every_corpus_principal_decide_like_the_full_engine_and_match_the_golden_files() {
    let bless = std::env::var_os("FOLIO_BLESS").is_some();
    let out_dir = fixtures_dir().join("snapshots");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut written = 0;
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let fixture: Fixture = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let engine = load(&fixture).unwrap();
        let nodes: Vec<String> = fixture.nodes.iter().map(|n| n.id.to_string()).collect();
        let mut names: Vec<_> = fixture.principals.keys().cloned().collect();
        names.sort();
        for name in names {
            let principal = &fixture.principals[&name];
            for now in INSTANTS.map(Timestamp) {
                let snapshot = engine.snapshot_for(principal, now);
                let snapshot_engine = Engine::from_snapshot(&snapshot).unwrap();
                let golden = json!({
                    "fixture": fixture.name,
                    "principal": name,
                    "now": now,
                    "snapshot": snapshot,
                    "decisions": decisions(&engine, &snapshot_engine, principal, &nodes, now),
                });
                let file = out_dir.join(format!("{}--{}--{}.json", path.file_stem().unwrap().to_string_lossy(), name, now.millis()));
                let text = serde_json::to_string_pretty(&golden).unwrap() + "\n";
                if bless {
                    std::fs::write(&file, &text).unwrap();
                } else {
                    let expected = std::fs::read_to_string(&file).unwrap_or_else(|_| {
                        panic!("{} is missing; run with FOLIO_BLESS=1 to write it", file.display())
                    });
                    assert_eq!(text, expected, "{} changed; rerun with FOLIO_BLESS=1 if intended", file.display());
                }
                written += 1;
            }
        }
    }
    assert!(written >= 50, "only {written} snapshots");
}
