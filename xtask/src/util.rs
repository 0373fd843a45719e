//! Small helpers for running commands and finding the workspace.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Prints a step header so a long log is easy to scan.
pub fn step(msg: &str) {
    eprintln!("\n==> {msg}");
}

/// Runs a command to completion, failing with its command line if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("    $ {}", shown.replace('"', ""));
    let status = cmd.status().with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Runs a command and returns its standard output, or `None` if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether an executable is on the PATH or at an absolute path.
pub fn have(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Whether this runs in CI (`CI` set to anything but empty or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// `cargo` as invoked by the user (respects `$CARGO`).
///
/// In CI every build starts from a clean clone, so incremental compilation
/// only costs: its caches took 1.8 GB of a 7.7 GB target directory, and a CI
/// machine that ran out of disk failed with the linker's bus error. Every
/// cargo command xtask runs gets the same setting, so no step rebuilds what
/// another built.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    if in_ci() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

/// `npm` in `web/`.
pub fn npm(args: &[&str]) -> Command {
    let mut cmd = Command::new("npm");
    cmd.args(args).current_dir(root().join("web"));
    cmd
}
