//! `cargo xtask run`: build everything and start Folio on its embedded defaults.

use crate::setup::setup;
use crate::util::{cargo, root, run as run_cmd, step};
use anyhow::{Result, bail};
use std::process::Command;

/// Flags for `cargo xtask run`; anything after `--` goes to `folio serve`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Where Folio keeps its database and files.
    #[arg(long, default_value = ".folio")]
    data_dir: String,
    /// Extra arguments for `folio serve`.
    #[arg(last = true)]
    rest: Vec<String>,
}

/// Sets up, builds the wasm package, the web app and the server, then serves.
pub fn run(args: RunArgs) -> Result<()> {
    let toolchain = setup()?;
    crate::wasm::build_app(&toolchain, true)?;
    crate::wasm::build_web()?;
    step("server: building folio (release)");
    run_cmd(cargo().args(["build", "--locked", "--release", "-p", "folio-server", "--bin", "folio"]))?;
    let data_dir = root().join(&args.data_dir);
    step(&format!("starting Folio at http://{} (data in {})", args.listen, data_dir.display()));
    eprintln!("    the first start creates an administrator and prints how to sign in;");
    eprintln!("    later starts keep it in {}/first-login.txt. Stop with Ctrl-C.", data_dir.display());
    let status = Command::new(root().join("target/release/folio"))
        .arg("serve")
        .arg("--listen").arg(&args.listen)
        .arg("--data-dir").arg(&data_dir)
        .arg("--web-dir").arg(root().join("web/dist"))
        .args(&args.rest)
        .status()?;
    if !status.success() {
        bail!("folio exited with {status}");
    }
    Ok(())
}
