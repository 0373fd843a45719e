//! Building `folio-wasm` for the browser and for Node.
//!
//! The wasm build has its own target directory, `target-wasm/`, so it and the
//! native build (possibly a different compiler, see [`Toolchain`]) never
//! invalidate each other's artifacts. It is built twice:
//!
//! - the app's module, without features: `web/pkg/` (`--target web`, what the
//!   web app imports), size-optimised (profile `wasm-release`) and shrunk with
//!   `wasm-opt -Oz` (binaryen from the web app's npm packages: Debian 12's
//!   binaryen 108 corrupts wasm-bindgen's externref table) when `release` is set;
//! - the test module, with the feature `testing` (the corpus and parity runners,
//!   the access benchmark's world) and the same code generation (profile
//!   `wasm-testing` inherits `wasm-release`, so both stay cached):
//!   `target-wasm/pkg-node/` (`--target nodejs`, loaded by the Node tests) and
//!   `web/pkg-test/` (`--target web`, loaded by the Chromium test pages and
//!   `web/bench/`), also run through wasm-opt so the benchmark times what ships.

use crate::setup::{Toolchain, WasmCompiler};
use crate::util::{cargo, root, run, step};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the app's package and the test packages. `release` selects the
/// size-optimised profiles and wasm-opt.
pub fn build(toolchain: &Toolchain, release: bool) -> Result<()> {
    build_app(toolchain, release)?;
    build_tests(toolchain, release)
}

/// Builds only the app's package, `web/pkg` (what `cargo xtask run` serves).
pub fn build_app(toolchain: &Toolchain, release: bool) -> Result<()> {
    let app = compile(toolchain, release, false)?;
    let web_pkg = root().join("web/pkg");
    bindgen(toolchain, &app, "web", &web_pkg)?;
    if release {
        optimise(&web_pkg.join("folio_wasm_bg.wasm"))?;
    }
    let module = web_pkg.join("folio_wasm_bg.wasm");
    let size = std::fs::metadata(&module).context("reading the built module")?.len();
    match gzip9(&module) {
        Some(gz) => eprintln!("    web/pkg/folio_wasm_bg.wasm: {} KB, {} KB gzipped (-9)", size / 1024, gz / 1024),
        None => eprintln!("    web/pkg/folio_wasm_bg.wasm: {} KB", size / 1024),
    }
    Ok(())
}

/// Builds the test packages: `web/pkg-test` and `target-wasm/pkg-node`.
fn build_tests(toolchain: &Toolchain, release: bool) -> Result<()> {
    let testing = compile(toolchain, release, true)?;
    let test_pkg = root().join("web/pkg-test");
    bindgen(toolchain, &testing, "web", &test_pkg)?;
    bindgen(toolchain, &testing, "nodejs", &root().join("target-wasm/pkg-node"))?;
    if release {
        optimise(&test_pkg.join("folio_wasm_bg.wasm"))?;
    }
    Ok(())
}

/// Compiles `folio-wasm` (with the feature `testing` when `testing`) and
/// returns the path of the linked module.
fn compile(toolchain: &Toolchain, release: bool, testing: bool) -> Result<PathBuf> {
    let profile = match (release, testing) {
        (true, false) => "wasm-release",
        (true, true) => "wasm-testing",
        (false, _) => "dev",
    };
    let what = if testing { "test module" } else { "app module" };
    step(&format!("wasm: building folio-wasm, {what} ({profile})"));
    let target_dir = root().join("target-wasm");
    let mut cmd = cargo();
    cmd.args(["build", "--locked", "-p", "folio-wasm", "--target", "wasm32-unknown-unknown", "--profile", profile]);
    if testing {
        cmd.args(["--features", "testing"]);
    }
    cmd.arg("--target-dir").arg(&target_dir);
    // getrandom 0.3 picks its browser backend only when asked to.
    cmd.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", "--cfg getrandom_backend=\"wasm_js\"");
    if let WasmCompiler::Debian { rustc, rustdoc } = &toolchain.compiler {
        cmd.env("RUSTC", rustc)
            .env("RUSTDOC", rustdoc)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", "wasm-ld")
            .arg("-Zbuild-std=std,panic_abort");
    }
    run(&mut cmd)?;
    let dir = if release { profile } else { "debug" };
    Ok(target_dir.join("wasm32-unknown-unknown").join(dir).join("folio_wasm.wasm"))
}

/// Runs wasm-bindgen on `wasm` for `target` (`web` or `nodejs`) into `out`.
fn bindgen(toolchain: &Toolchain, wasm: &Path, target: &str, out: &Path) -> Result<()> {
    run(Command::new(&toolchain.wasm_bindgen)
        .arg(wasm)
        .args(["--target", target, "--typescript", "--out-dir"])
        .arg(out))
}

/// The size of `path` compressed with gzip -9 (the budget's measure), when gzip is installed.
fn gzip9(path: &Path) -> Option<u64> {
    let output = Command::new("gzip").args(["-9", "-c"]).arg(path).output().ok()?;
    output.status.success().then_some(output.stdout.len() as u64)
}

/// Shrinks a module in place with `wasm-opt -Oz`, when wasm-opt is installed.
fn optimise(path: &Path) -> Result<()> {
    let npm_wasm_opt = root().join("web/node_modules/.bin/wasm-opt");
    if !npm_wasm_opt.is_file() {
        eprintln!("    wasm-opt not found (web/node_modules/.bin): skipping optimisation");
        return Ok(());
    }
    let tmp = path.with_extension("opt.wasm");
    let status = Command::new(&npm_wasm_opt)
        .arg(path)
        .args(["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
               "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", "-o"])
        .arg(&tmp)
        .status()?;
    if status.success() {
        std::fs::rename(&tmp, path)?;
    } else {
        // An older wasm-opt may not understand a newer compiler's output; the
        // unoptimised module is correct, only larger.
        let _ = std::fs::remove_file(&tmp);
        eprintln!("    wasm-opt failed: keeping the unoptimised module");
    }
    Ok(())
}

/// Builds the web app into `web/dist` (expects `web/pkg` to be built).
pub fn build_web() -> Result<()> {
    step("web: type-checking and building the web app");
    run(&mut crate::util::npm(&["run", "--silent", "check"]))?;
    run(&mut crate::util::npm(&["run", "--silent", "build"]))
}
