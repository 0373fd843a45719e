//! # folio-wasm
//!
//! A thin wasm-bindgen layer over `folio-core`: it converts types and errors, nothing else.
#![deny(missing_docs)]

use wasm_bindgen::prelude::*;

/// The version of the rules compiled into this module.
#[wasm_bindgen]
pub fn version() -> String {
    folio_core::VERSION.to_string()
}
