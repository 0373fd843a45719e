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
//!   maps become objects, 64-bit integers become numbers).
//! - A panic is a bug: the hook installed at start-up reports it on the console with
//!   its message and location instead of an opaque `RuntimeError: unreachable`.
#![deny(missing_docs)]

pub mod access;
pub mod answer;

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
