//! The `folio` binary: `folio serve` and `folio admin …`.

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use folio_server::clock::SystemClock;
use folio_server::config::{Cli, Command};
use folio_server::server::{shutdown_signal, start};
use folio_server::{admin, logging, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    match cli.command {
        Command::Serve(config) => {
            tracing::info!(?config, version = folio_core::VERSION, "starting");
            let started = start(config).await.context("cannot start the server")?;
            let shutdown = shutdown_signal().context("cannot install signal handlers")?;
            let mut stdout = std::io::stdout().lock();
            if let Some(first) = &started.first_login {
                writeln!(stdout, "{}", first.line())?;
                tracing::info!(file = %first.file.display(), "first administrator created; the password is also in this file");
            }
            writeln!(stdout, "folio listening on http://{}", started.local_addr)?;
            stdout.flush()?;
            drop(stdout);
            serve(started.listener, started.state, shutdown)
                .await
                .context("the server failed")?;
        }
        Command::Admin(args) => {
            let mut stdout = std::io::stdout().lock();
            admin::run(args, &SystemClock, &mut stdout).await?;
        }
    }
    Ok(())
}
