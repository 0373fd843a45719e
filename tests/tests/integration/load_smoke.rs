//! The load generator against a debug build of the server, briefly: a few
//! editors typing on one document, on several, and as fast as acknowledged.
//!
//! Not a benchmark (figures come from `scripts/bench-sync.sh` with release
//! builds). It runs many complete automerge-repo peers concurrently against
//! the real binary with every debug assertion of the sync shortcuts on —
//! the client's walk for what it made since the server was complete, the
//! relay's shortcut for what each peer lacks — which the unit tests only
//! exercise one interleaving at a time. A failed assertion on either side
//! ends the run with an error. The same run with thin editors (`--thin`)
//! checks that the changes they build without a replica are accepted by
//! the guard and stored, and with a fixed amount of work (`--edits`) that
//! the saturating phase ends when all of it is acknowledged. Each phase ends
//! by reading the stored documents back: every acknowledged edit must be in
//! them.

use std::process::Command;

/// Runs `folio-load` with `extra` flags against the debug server and checks
/// every phase acknowledged and stored what it should.
fn run(extra: &[&str]) {
    let load = std::path::PathBuf::from(env!("CARGO_BIN_EXE_folio-load"));
    let folio = load.with_file_name("folio");
    assert!(
        folio.exists(),
        "{} is missing: build it with `cargo build -p folio-server --bin folio` (`cargo test --workspace` does)",
        folio.display()
    );
    let out = Command::new(&load)
        .args(["--folio-bin"])
        .arg(&folio)
        .args(["--only", "folio", "--phases", "one-doc,many-docs,saturate", "--editors", "8", "--docs", "3"])
        .args(["--rate", "5", "--saturate-editors", "3", "--seconds", "3", "--idle", "0"])
        .args(extra)
        .output()
        .expect("folio-load runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "folio-load failed ({}):\n{stdout}\n{stderr}", out.status);
    assert!(!stderr.contains("rejected:"), "the server refused an editor's change:\n{stderr}");
    assert!(!stderr.contains("cannot answer"), "a thin editor got a message it cannot answer:\n{stderr}");
    for phase in ["one-doc", "many-docs", "saturate"] {
        let mut lines = stdout.lines().skip_while(|l| !l.trim_start().starts_with(phase));
        let line = lines.next().unwrap_or_else(|| panic!("no {phase} line:\n{stdout}"));
        let acked: f64 = line
            .split("acked")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.trim_end_matches("/s").parse().ok())
            .unwrap_or_else(|| panic!("no acked figure in {line:?}"));
        assert!(acked > 0.0, "{phase}: nothing was acknowledged: {line}");
        let mut stored = lines.next().unwrap_or_default();
        if stored.contains(" edits ") {
            // A fixed amount of work (`--edits`): all of it typed and acknowledged.
            assert!(stored.contains("typed and acknowledged in"), "{phase}: {stored:?}\n{stdout}");
            stored = lines.next().unwrap_or_default();
        }
        assert!(stored.ends_with("every acknowledged edit is stored"), "{phase}: {stored:?}\n{stdout}");
    }
}

#[test]
fn concurrent_editors_run_clean_against_a_debug_server() {
    run(&[]);
}

#[test]
fn thin_editors_changes_are_accepted_and_stored() {
    run(&["--thin"]);
}

#[test]
fn a_fixed_amount_of_work_is_typed_acknowledged_and_timed() {
    run(&["--thin", "--edits", "150"]);
}
