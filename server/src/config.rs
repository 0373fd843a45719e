//! Command line and configuration.
//!
//! Every `serve` flag has an environment variable (`FOLIO_…`), so the same
//! binary is configured by flags in development and by the environment in a
//! container. [`ServeConfig`] is what the library needs to run; tests build one
//! with [`ServeConfig::for_tests`]. Its `Debug` output redacts secrets (see
//! [`crate::secret::Secret`]), so the whole configuration can be logged at start.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::secret::Secret;

/// `folio`: the Folio server and its administration tool.
#[derive(Debug, Parser)]
#[command(name = "folio", version, about)]
pub struct Cli {
    /// Log output format.
    #[arg(long, global = true, env = "FOLIO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeConfig),
    /// Administer users and organisations in a data directory (the server may be running).
    Admin(crate::admin::AdminArgs),
}

/// How log lines look. The level filter comes from `FOLIO_LOG`, else `RUST_LOG`, else `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, coloured when a terminal.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Everything `folio serve` needs.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "FOLIO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the database, blobs and the first-login file (created if missing).
    #[arg(long, env = "FOLIO_DATA_DIR", default_value = "./.folio")]
    pub data_dir: PathBuf,
    /// The built web app (`cargo xtask web` writes it).
    #[arg(long, env = "FOLIO_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,
    /// The URL people use to reach this server, e.g. `https://folio.example.org`.
    /// When it is https (TLS at a proxy), cookies are marked `Secure`; it is also
    /// the origin accepted for browser writes.
    #[arg(long, env = "FOLIO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SMTP server for outgoing mail, `smtp://user:password@host:port` (unset: mail stays in the outbox).
    #[arg(long, env = "FOLIO_SMTP_URL")]
    pub smtp_url: Option<Secret<String>>,
    /// The sender of Folio's mail, `Name <address>` or a bare address.
    #[arg(long, env = "FOLIO_MAIL_FROM", default_value = "Folio <folio@localhost>")]
    pub mail_from: String,
    /// Limits on what clients may send.
    #[command(flatten)]
    pub limits: Limits,
    /// How long a sign-in lasts, in hours.
    #[arg(long, env = "FOLIO_SESSION_HOURS", default_value_t = 24 * 14, value_parser = clap::value_parser!(u32).range(1..=24 * 366))]
    pub session_hours: u32,
}

/// Size limits.
#[derive(Clone, Copy, Debug, Args)]
pub struct Limits {
    /// Largest websocket frame accepted, in bytes.
    #[arg(long, env = "FOLIO_MAX_FRAME_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_frame_bytes: usize,
    /// Largest HTTP request body accepted by the JSON API, in bytes.
    #[arg(long, env = "FOLIO_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest file upload accepted, in bytes.
    #[arg(long, env = "FOLIO_MAX_UPLOAD_BYTES", default_value_t = 50 * 1024 * 1024)]
    pub max_upload_bytes: u64,
    /// Most changes one peer may have waiting for their dependencies, per document.
    #[arg(long, env = "FOLIO_MAX_HELD_CHANGES", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_held_changes: u32,
    /// Most bytes of changes one peer may have waiting for their dependencies, per document.
    #[arg(long, env = "FOLIO_MAX_HELD_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_held_bytes: usize,
    /// Sync messages one connection may send per second, sustained.
    #[arg(long, env = "FOLIO_SYNC_RATE", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub sync_rate: u32,
    /// Sync messages one connection may send back to back before the rate applies.
    #[arg(long, env = "FOLIO_SYNC_BURST", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub sync_burst: u32,
    /// A document's changes stored since its snapshot are compacted into a
    /// new one once they weigh this many bytes and more than the snapshot.
    #[arg(long, env = "FOLIO_COMPACT_BYTES", default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub compact_bytes: u64,
}

impl Limits {
    /// What one sync connection runs under: frame size and message rate.
    pub fn sync(&self) -> folio_core::sync::Limits {
        folio_core::sync::Limits {
            max_message_bytes: self.max_frame_bytes,
            rate: folio_core::sync::RateLimit { burst: self.sync_burst, per_second: self.sync_rate },
        }
    }

    /// The out-of-order holding limits for the sync layer.
    pub fn hold(&self) -> folio_core::sync::HoldLimits {
        folio_core::sync::HoldLimits { max_changes: self.max_held_changes as usize, max_bytes: self.max_held_bytes }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: 4 * 1024 * 1024,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 50 * 1024 * 1024,
            max_held_changes: 1024,
            max_held_bytes: 8 * 1024 * 1024,
            sync_rate: 100,
            sync_burst: 200,
            compact_bytes: 1024 * 1024,
        }
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--public-url` is not an http(s) origin.
    #[error("`{0}` is not a public URL; expected something like `https://folio.example.org`")]
    PublicUrl(String),
    /// The mail settings are unusable.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
}

impl ServeConfig {
    /// A configuration for tests: port 0 on loopback, the given data directory, no web app.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        ServeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            web_dir: data_dir.join("no-web-app"),
            data_dir,
            public_url: None,
            smtp_url: None,
            mail_from: "Folio <folio@localhost>".to_owned(),
            limits: Limits::default(),
            session_hours: 24 * 14,
        }
    }

    /// The public origin (`scheme://host[:port]`, no path), if one is configured.
    pub fn public_origin(&self) -> Result<Option<String>, ConfigError> {
        let Some(url) = &self.public_url else {
            return Ok(None);
        };
        let bad = || ConfigError::PublicUrl(url.clone());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        let host = rest
            .split('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if host.is_empty() || host.contains(['@', ' ', '?', '#']) {
            return Err(bad());
        }
        Ok(Some(format!("{scheme}://{host}")))
    }

    /// Whether cookies must carry `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        matches!(self.public_origin(), Ok(Some(o)) if o.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_the_configuration_redacts_the_smtp_password() {
        let mut config = ServeConfig::for_tests("/tmp/x".into());
        config.smtp_url = Some(Secret::new(
            "smtp://mailer:s3cret-pw@mail.example.org".into(),
        ));
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn serve_flags_parse_with_their_defaults() {
        let cli = Cli::try_parse_from([
            "folio",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--max-upload-bytes",
            "10",
        ])
        .unwrap();
        let Command::Serve(config) = cli.command else {
            panic!("expected serve")
        };
        assert_eq!(config.listen.port(), 0);
        assert_eq!(config.limits.max_upload_bytes, 10);
        assert_eq!(config.limits.max_body_bytes, 1024 * 1024);
        assert_eq!(config.limits.hold(), folio_core::sync::HoldLimits::default());
        // The sync defaults are folio-core's (one place decides them).
        assert_eq!(config.limits.sync().rate, folio_core::sync::Limits::default().rate);
        assert_eq!(config.data_dir, PathBuf::from("./.folio"));
        assert_eq!(cli.log_format, LogFormat::Pretty);
    }

    #[test]
    fn the_sync_rate_is_configurable_and_zero_is_refused() {
        let cli = Cli::try_parse_from(["folio", "serve", "--sync-rate", "5", "--sync-burst", "7"]).unwrap();
        let Command::Serve(config) = cli.command else {
            panic!("expected serve")
        };
        assert_eq!(config.limits.sync().rate, folio_core::sync::RateLimit { burst: 7, per_second: 5 });
        let err = Cli::try_parse_from(["folio", "serve", "--sync-rate", "0"]).unwrap_err().to_string();
        assert!(err.contains("--sync-rate"), "{err}");
    }

    #[test]
    fn a_bad_listen_address_is_a_clear_error() {
        let err = Cli::try_parse_from(["folio", "serve", "--listen", "localhost"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--listen"), "{err}");
    }

    #[test]
    fn public_urls_reduce_to_an_origin_and_decide_secure_cookies() {
        let mut config = ServeConfig::for_tests("/tmp/x".into());
        assert!(!config.secure_cookies());
        config.public_url = Some("https://Folio.Example.org/app/".into());
        assert_eq!(
            config.public_origin().unwrap().as_deref(),
            Some("https://folio.example.org")
        );
        assert!(config.secure_cookies());
        config.public_url = Some("ftp://x".into());
        assert!(config.public_origin().is_err());
    }
}
