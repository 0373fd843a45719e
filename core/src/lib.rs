//! # folio-core
//!
//! Everything the browser and the server must agree on, in one sans-IO crate:
//! no tokio, no sockets, no clock, no files. Every function that depends on time
//! takes `now` as an argument; every function that depends on randomness takes the
//! random bytes (or an automerge actor) from its caller. The same code is compiled
//! natively for `folio-server` and to WebAssembly for the browser (`folio-wasm`),
//! so a decision made in one place is the decision made in the other.
#![deny(missing_docs)]

pub mod access;
pub mod doc;
pub mod guard;
pub mod sync;
pub mod time;

/// The version of this crate, so the browser can tell the server which rules it runs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
