//! # folio-server
//!
//! The runtime around `folio-core`: it owns the clock, the sockets and the disk,
//! and asks the core for every decision.
//!
//! ## How the pieces fit
//!
//! - [`config`]: the `folio` command line (`serve`, `admin`), every flag with a `FOLIO_…` variable.
//! - [`state::AppState`]: configuration, [`storage::Storage`], [`clock::Clock`],
//!   [`blobs::BlobStore`], [`metrics::Metrics`] and the sign-in limiter, shared by every handler.
//! - [`app`] builds the router from a state; [`serve`] runs it on an already-bound
//!   listener until a shutdown future completes; [`server::start`] does what
//!   `folio serve` does before that (data directory, database, first administrator, bind).
//! - [`storage`]: the storage trait and its SQLite implementation with embedded migrations.
//! - [`auth`]: passwords, session cookies, CSRF, sign-in throttling; [`routes`]: the HTTP API.
//! - [`admin`]: `folio admin`, working on the same database file.
//!
//! ## Testing
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use folio_core::time::Timestamp;
//! use folio_server::{AppState, clock::ManualClock, config::ServeConfig, storage::SqliteStorage};
//!
//! let dir = tempfile::tempdir()?;
//! let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
//! let storage = Arc::new(SqliteStorage::in_memory().await?);
//! let state = AppState::new(ServeConfig::for_tests(dir.path().into()), storage, clock.clone())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(folio_server::serve(listener, state, async { let _ = stopped.await; }));
//! // … speak HTTP to it, move `clock` …
//! let _ = stop.send(());
//! server.await??;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod blobs;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod docs;
pub mod error;
pub mod logging;
pub mod logo;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod policy;
pub mod routes;
pub mod secret;
pub mod server;
pub mod sharing;
pub mod state;
pub mod storage;
pub mod sync;
pub mod tokens;

pub use routes::app;
pub use server::serve;
pub use state::AppState;
