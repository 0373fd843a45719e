//! Structured logs with `tracing`.
//!
//! The filter comes from `FOLIO_LOG`, else `RUST_LOG`, else `info` (with sqlx's
//! per-query logs at `warn`); the format is chosen by `--log-format`. Logs go to
//! stderr so stdout carries only the lines scripts read (`folio listening on …`).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Call once, from `main`.
pub fn init(format: LogFormat) {
    let filter = std::env::var("FOLIO_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info,sqlx=warn".to_owned());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|e| {
        eprintln!("ignoring the log filter `{filter}`: {e}; using `info`");
        EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
