//! `cargo xtask test`: every test, in the order that fails fastest.
//!
//! 1. clippy over the workspace with warnings as errors;
//! 2. the API docs (`cargo doc`), broken or private intra-doc links as errors;
//! 3. native unit, property and integration tests of every crate (`cargo test`);
//! 4. the wasm package, then its tests in Node (`web/test-wasm/`);
//! 5. the web app: type check, unit tests (vitest), production build;
//! 6. browser tests in headless Chromium (`web/e2e/`): the same wasm decision
//!    corpus in a real browser, and end-to-end tests against a real `folio`
//!    server started on port 0.

use crate::setup::{Purpose, chromium, setup_for};
use crate::util::{cargo, in_ci, npm, root, run, step};
use anyhow::{Context, Result};
use std::time::Instant;

/// Flags for `cargo xtask test`.
#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip clippy (it always runs in CI).
    #[arg(long)]
    no_clippy: bool,
    /// Only the native cargo tests (skip wasm, web and browser suites).
    #[arg(long)]
    native_only: bool,
}

/// Runs the suites and prints how long each took.
pub fn test(args: TestArgs) -> Result<()> {
    let started = Instant::now();
    let mut done: Vec<(&str, f64)> = Vec::new();
    let mut timed = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        let t = Instant::now();
        f().with_context(|| format!("suite `{name}` failed"))?;
        done.push((name, t.elapsed().as_secs_f64()));
        Ok(())
    };

    let toolchain = if args.native_only { None } else { Some(setup_for(Purpose::Test)?) };
    let ci = in_ci();
    if !args.no_clippy || ci {
        timed("clippy", &mut || {
            step("clippy: the whole workspace, warnings are errors");
            run(cargo().args(["clippy", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings"]))
        })?;
    }
    timed("docs", &mut || {
        step("docs: cargo doc --workspace, broken or private links are errors");
        run(cargo().args(["doc", "--locked", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"))
    })?;
    timed("native", &mut || {
        step("native: cargo test --workspace");
        run(cargo().args(["test", "--locked", "--workspace"]))
    })?;
    if let Some(toolchain) = toolchain {
        timed("wasm-build", &mut || crate::wasm::build(&toolchain, true))?;
        timed("wasm-node", &mut || {
            step("wasm in Node: the decision corpus, document round trips and sync with the native peer");
            run(&mut test_binaries())?;
            run(npm(&["run", "--silent", "test:wasm-node"]).env("FOLIO_WASM_NODE_PKG", root().join("target-wasm/pkg-node")))
        })?;
        timed("web", &mut || {
            crate::wasm::build_web()?;
            step("web: unit tests (vitest)");
            run(&mut npm(&["run", "--silent", "test"]))
        })?;
        timed("browser", &mut || {
            step("browser: headless Chromium against a real server");
            run(&mut test_binaries())?;
            let chromium = chromium().context("no Chromium found (set FOLIO_CHROMIUM)")?;
            run(npm(&["run", "--silent", "test:e2e"])
                .env("FOLIO_BIN", root().join("target/debug/folio"))
                .env("FOLIO_WEB_DIST", root().join("web/dist"))
                .env("FOLIO_CHROMIUM", chromium))
        })?;
    }
    eprintln!("\nxtask test: every suite passed in {:.0} s", started.elapsed().as_secs_f64());
    for (name, secs) in done {
        eprintln!("    {name:<12} {secs:>7.1} s");
    }
    Ok(())
}

/// Makes sure the binaries the Node and browser suites start (`native-peer`,
/// `folio`) are built, the way the native suite built them.
///
/// `cargo build -p folio-tests --bin native-peer` would resolve features for
/// that one package and rebuild dozens of dependencies beside the test build,
/// minutes and gigabytes for nothing. `cargo test --no-run` over the workspace
/// resolves them exactly as the native suite did, so after it this is a no-op.
fn test_binaries() -> std::process::Command {
    let mut cmd = cargo();
    cmd.args(["test", "--locked", "--workspace", "--no-run"]);
    cmd
}
