//! Building `folio-wasm` for the browser and for Node.
//!
//! The wasm build has its own target directory, `target-wasm/`, so it and the
//! native build (possibly a different compiler, see [`Toolchain`]) never
//! invalidate each other's artifacts. Outputs:
//!
//! - `web/pkg/`: `--target web`, what the web app imports; optimised with
//!   `wasm-opt -Oz` (binaryen from the web app's npm packages: Debian 12's
//!   binaryen 108 corrupts wasm-bindgen's externref table) when `release` is set;
//! - `target-wasm/pkg-node/`: `--target nodejs`, loaded by the Node tests.

use crate::setup::{Toolchain, WasmCompiler};
use crate::util::{cargo, root, run, step};
use anyhow::{Context, Result};
use std::process::Command;

/// Builds both packages. `release` selects the size-optimised profile and wasm-opt.
pub fn build(toolchain: &Toolchain, release: bool) -> Result<()> {
    step(&format!("wasm: building folio-wasm ({})", if release { "wasm-release" } else { "dev" }));
    let target_dir = root().join("target-wasm");
    let profile = if release { "wasm-release" } else { "dev" };
    let mut cmd = cargo();
    cmd.args(["build", "--locked", "-p", "folio-wasm", "--target", "wasm32-unknown-unknown", "--profile", profile]);
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

    let dir = if release { "wasm-release" } else { "debug" };
    let wasm = target_dir.join("wasm32-unknown-unknown").join(dir).join("folio_wasm.wasm");
    let web_pkg = root().join("web/pkg");
    let node_pkg = target_dir.join("pkg-node");
    for (target, out) in [("web", &web_pkg), ("nodejs", &node_pkg)] {
        run(Command::new(&toolchain.wasm_bindgen)
            .arg(&wasm)
            .args(["--target", target, "--typescript", "--out-dir"])
            .arg(out))?;
    }
    if release {
        optimise(&web_pkg.join("folio_wasm_bg.wasm"))?;
    }
    let size = std::fs::metadata(web_pkg.join("folio_wasm_bg.wasm")).context("reading the built module")?.len();
    eprintln!("    web/pkg/folio_wasm_bg.wasm: {} KB", size / 1024);
    Ok(())
}

/// Shrinks a module in place with `wasm-opt -Oz`, when wasm-opt is installed.
fn optimise(path: &std::path::Path) -> Result<()> {
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
