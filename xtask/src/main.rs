//! Folio's build driver: `cargo xtask <command>`.
//!
//! | command | what it does |
//! |---|---|
//! | `setup` | installs what is missing: system packages, the WebAssembly toolchain, `wasm-bindgen-cli` at the locked version, the web app's npm packages |
//! | `wasm`  | builds `folio-wasm` into `web/pkg` (the app), and with the `testing` feature into `web/pkg-test` (browser tests, bench) and `target-wasm/pkg-node` (Node tests) |
//! | `web`   | builds the wasm package and the web app into `web/dist` |
//! | `run`   | `setup` + `web`, then starts `folio serve` on 127.0.0.1:8080 with data in `.folio/` |
//! | `test`  | `setup` + every test: native, wasm in Node and Chromium, web unit, browser end-to-end |
//! | `bench` | runs the benchmarks and prints their figures |
//!
//! Every step is idempotent: a second run skips what is already installed, and
//! cargo and vite skip what is already built.

mod bench;
mod run;
mod setup;
mod test;
mod util;
mod wasm;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Folio's build driver")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing (system packages, wasm toolchain, wasm-bindgen-cli, npm packages).
    Setup,
    /// Build the WebAssembly package for the browser and for Node.
    Wasm {
        /// Build without optimisation (faster, bigger).
        #[arg(long)]
        dev: bool,
    },
    /// Build the wasm package and the web app.
    Web,
    /// Build everything and start Folio on its embedded defaults.
    Run(run::RunArgs),
    /// Run every test.
    Test(test::TestArgs),
    /// Run the benchmarks and print their figures.
    Bench(bench::BenchArgs),
}

fn main() {
    let cli = Cli::parse();
    let result: Result<()> = match cli.command {
        Command::Setup => setup::setup().map(|_| ()),
        Command::Wasm { dev } => setup::setup().and_then(|tc| wasm::build(&tc, !dev)),
        Command::Web => setup::setup().and_then(|tc| wasm::build(&tc, true).and_then(|_| wasm::build_web())),
        Command::Run(args) => run::run(args),
        Command::Test(args) => test::test(args),
        Command::Bench(args) => bench::bench(args),
    };
    if let Err(err) = result {
        eprintln!("xtask: error: {err:#}");
        std::process::exit(1);
    }
}
