//! The tagged success/failure value every fallible binding returns.

use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const ANSWER_TS: &str = r#"
/** What every fallible folio-wasm function returns: never throws for bad input. */
export type Answer<T> =
  | { type: "success"; value: T }
  | { type: "failure"; error: { kind: string; message: string } };
"#;

/// A success value or a failure with a machine-readable kind and a readable message.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Answer<T: Serialize> {
    /// The call succeeded.
    Success {
        /// What it produced.
        value: T,
    },
    /// The call failed; nothing changed.
    Failure {
        /// Why.
        error: Failure,
    },
}

/// Why a call failed.
#[derive(Serialize)]
pub struct Failure {
    /// Machine-readable category, e.g. `share_spec`.
    pub kind: &'static str,
    /// A sentence a person can read.
    pub message: String,
}

impl<T: Serialize> Answer<T> {
    /// Wraps a core result, naming the failure's kind.
    pub fn from_result<E: std::fmt::Display>(kind: &'static str, result: Result<T, E>) -> Self {
        match result {
            Ok(value) => Answer::Success { value },
            Err(e) => Answer::Failure { error: Failure { kind, message: e.to_string() } },
        }
    }

    /// Converts to a plain JavaScript object.
    pub fn into_js(self) -> JsValue {
        to_js(&self)
    }
}

/// Serialises a value as a plain, JSON-compatible JavaScript object; byte
/// strings (serialised with `serialize_bytes`) become `Uint8Array`s.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false);
    value.serialize(&serializer).unwrap_or_else(|e| {
        // Serialising our own plain data cannot fail; if it ever does, say so as a failure value.
        Answer::<()>::Failure { error: Failure { kind: "internal", message: e.to_string() } }
            .serialize(&serializer)
            .unwrap_or(JsValue::NULL)
    })
}

/// Reads a plain JavaScript object into a Rust value, or a failure naming what was wrong.
pub fn from_js<T: serde::de::DeserializeOwned>(kind: &'static str, value: JsValue) -> Result<T, Answer<()>> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| Answer::Failure { error: Failure { kind, message: format!("invalid input: {e}") } })
}
