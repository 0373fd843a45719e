//! # folio-server
//!
//! The runtime around `folio-core`: it owns the clock, the sockets and the disk, and
//! asks the core for every decision.
#![deny(missing_docs)]

use axum::{Router, routing::get};

/// Builds the HTTP router.
pub fn app() -> Router {
    Router::new().route("/health", get(|| async { "ok" }))
}
