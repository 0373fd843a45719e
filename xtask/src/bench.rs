//! `cargo xtask bench`: run the benchmarks and print their figures.
//!
//! | part | what it measures | where the figures are kept |
//! |---|---|---|
//! | `core` | criterion: access engine (`check`, `visible`, index build) and the guard vs plain apply | `core/README.md` |
//! | `wasm` | the browser budgets in headless Chromium: module size, `can` latency and rate, outline + page load | `core/README.md` ("WebAssembly") |
//! | `sync` | `scripts/bench-sync.sh` (thin editors; the same 100,000 keystrokes for both servers; complete editors): the sync server under N editors vs the stock automerge-repo server | `README.md` ("Performance") |
//!
//! The guard's editing-trace case reads `../shared/data/editing-traces` (or
//! `$FOLIO_TRACES_DIR`) and says so and skips when it is absent.

use crate::setup::{Purpose, chromium, setup_for};
use crate::util::{cargo, root, run, step};
use anyhow::Result;
use std::process::Command;

/// Flags for `cargo xtask bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Only these parts: core, wasm, sync (default: all).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Only criterion benchmarks whose name contains this (the `core` part).
    filter: Option<String>,
}

/// Runs each part in turn.
pub fn bench(args: BenchArgs) -> Result<()> {
    let wants = |part: &str| args.only.is_empty() || args.only.iter().any(|p| p == part);
    if wants("core") {
        step("bench: cargo bench (folio-core)");
        let mut cmd = cargo();
        cmd.args(["bench", "--locked", "-p", "folio-core"]);
        if let Some(f) = &args.filter {
            cmd.args(["--", f]);
        }
        run(&mut cmd)?;
    }
    if wants("wasm") {
        let toolchain = setup_for(Purpose::Test)?;
        crate::wasm::build(&toolchain, true)?;
        step("bench: folio-wasm budgets in headless Chromium");
        let mut cmd = Command::new("node");
        cmd.arg("web/bench/wasm-bench.mjs").current_dir(root());
        if let Some(c) = chromium() {
            cmd.env("FOLIO_CHROMIUM", c);
        }
        run(&mut cmd)?;
    }
    if wants("sync") {
        // Thin editors first: the server's figures, with a load generator
        // that does not apply every edit once per editor on the server's
        // cores; then complete editors, each a full replica.
        step("bench: sync server vs the stock automerge-repo server, thin editors");
        run(Command::new("bash").args(["scripts/bench-sync.sh", "--thin"]).current_dir(root()))?;
        // The same work for both servers: with a fixed duration the faster
        // one types a longer text, and automerge's cost of applying changes
        // grows with the length of the text they touch.
        step("bench: sync server vs the stock automerge-repo server, 100,000 keystrokes at 128 a message");
        let same_work = ["--thin", "--phases", "saturate", "--batch", "128", "--edits", "100000", "--seconds", "120", "--idle", "0"];
        run(Command::new("bash").arg("scripts/bench-sync.sh").args(same_work).current_dir(root()))?;
        step("bench: sync server vs the stock automerge-repo server, complete editors");
        run(Command::new("bash").arg("scripts/bench-sync.sh").current_dir(root()))?;
    }
    Ok(())
}
