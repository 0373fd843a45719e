//! # folio-wasm
//!
//! A thin wasm-bindgen layer over `folio-core`: it converts types and errors,
//! nothing else. No rule is decided here; every answer comes from the core, so
//! the browser and the server decide identically.
//!
//! ## Conventions
//!
//! - Every fallible function returns an [`answer::Answer`]: a plain JavaScript object
//!   `{ type: "success", value }` or `{ type: "failure", error: { kind, message } }`.
//!   `kind` is machine-readable (e.g. `"share_spec"`, `"corpus"`, `"document"`);
//!   `message` is a sentence a person can read. Nothing throws for bad input.
//! - Values cross the boundary as plain objects (serde-wasm-bindgen, JSON-compatible:
//!   maps become objects, 64-bit integers become numbers); byte strings (sync
//!   frames, saved documents) are `Uint8Array`s.
//! - A panic is a bug: the hook installed at start-up reports it on the console with
//!   its message and location instead of an opaque `RuntimeError: unreachable`.
//!
//! ## What is exposed
//!
//! - [`access`]: `PolicyEngine` (loaded from the server's policy snapshots),
//!   `parseShareSpec`, and (feature `testing`) the corpus/parity runners.
//! - [`doc`]: `FolioDoc`, one typed document outside a sync session (create,
//!   load, save, `apply(edit)`, `read`, `readNode`, `merge`, `onChange`), and
//!   id helpers (`actorFor`, `newDocumentId`, `freshId`).
//! - [`sync`]: `SyncClient`, the client side of the sync protocol over typed
//!   documents (bytes in, bytes out; the caller owns the websocket).
//! - `bench` (feature `testing`): `AccessBench`, the access benchmark's world for
//!   `web/bench/` only.
//!
//! The feature `testing` adds the test- and benchmark-only bindings; the app's
//! package (`web/pkg`) is built without it, to keep the module small.
//! - The TypeScript shapes of every plain object (`Edit`, `DocPatch`,
//!   `DocView`, `SyncEvent`, …) are declared in `folio_wasm.d.ts`.
#![deny(missing_docs)]

pub mod access;
pub mod answer;
#[cfg(feature = "testing")]
pub mod bench;
pub mod doc;
pub mod sync;
mod types;

use wasm_bindgen::prelude::*;

/// Installs the panic hook; runs once when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The version of the rules compiled into this module.
#[wasm_bindgen]
pub fn version() -> String {
    folio_core::VERSION.to_string()
}
