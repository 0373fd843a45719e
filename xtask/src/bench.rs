//! `cargo xtask bench`: run the benchmarks and print their figures.

use crate::util::{cargo, run, step};
use anyhow::Result;

/// Flags for `cargo xtask bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Only benchmarks whose name contains this.
    filter: Option<String>,
}

/// Runs the criterion benchmarks of every crate that has them.
pub fn bench(args: BenchArgs) -> Result<()> {
    step("bench: cargo bench (folio-core)");
    let mut cmd = cargo();
    cmd.args(["bench", "--locked", "-p", "folio-core"]);
    if let Some(f) = &args.filter {
        cmd.args(["--", f]);
    }
    run(&mut cmd)
}
