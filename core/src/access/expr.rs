//! The condition language: a tiny, safe expression language over node state.
//!
//! Grants and share specs may carry a condition such as `submitted == 'Y'`.
//! Conditions are parsed once, into an [`Expr`] tree, and evaluated many times;
//! text is never evaluated. A malformed condition is an [`ExprError`] naming the
//! column (1-based, in characters) where parsing failed.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! or      := and ( "||" and )*
//! and     := unary ( "&&" unary )*
//! unary   := "!" unary | compare
//! compare := primary ( ("==" | "!=") primary )?
//! primary := string | number | "true" | "false" | "null" | field | "(" or ")"
//! string  := '…' | "…"          (backslash escapes the quote and itself)
//! number  := -?digits(.digits)?
//! field   := [A-Za-z_][A-Za-z0-9_.]*
//! ```
//!
//! Fields are looked up on the node a grant is attached to (or, for a share
//! spec, the node holding the share button): `submitted` is `'Y'` or `'N'`,
//! `submitted_at` the submission instant in milliseconds (or `null`), `kind`
//! the node kind (`'page'`, …), and any designer-defined field in
//! [`NodeState::fields`]. An unknown field is `null`.
//!
//! Evaluation is total: `==`/`!=` compare values (numbers numerically, different
//! types are unequal), `&&`, `||` and `!` treat only `true` as true. A condition
//! holds exactly when it evaluates to `true`, so a type mismatch fails closed.
//!
//! ```
//! use folio_core::access::{Condition, NodeKind, NodeState};
//! let c: Condition = "submitted == 'Y' && kind != 'resource'".parse().unwrap();
//! let mut state = NodeState::default();
//! assert!(!c.holds(NodeKind::Page, &state));
//! state.submitted = Some(folio_core::time::Timestamp(1));
//! assert!(c.holds(NodeKind::Page, &state));
//! let err = "submitted == ".parse::<Condition>().unwrap_err();
//! assert_eq!(err.column(), 14);
//! ```

mod ast;
mod error;
mod eval;
mod lex;
mod parse;
mod print;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::tree::{NodeKind, NodeState};
use parse::parse_expr;

pub use ast::{Expr, Value};
pub use error::ExprError;

/// The longest condition accepted, in bytes.
pub const MAX_CONDITION_LEN: usize = 4096;
/// The deepest nesting accepted (parentheses and `!`).
pub const MAX_DEPTH: usize = 64;

/// A parsed condition together with its canonical text.
///
/// Serialises as its canonical text; deserialising parses, so a malformed
/// condition in JSON is rejected at load time.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    expr: Expr,
    text: String,
}

impl Condition {
    /// Parses a condition.
    pub fn parse(source: &str) -> Result<Condition, ExprError> {
        let expr = parse_expr(source)?;
        Ok(Condition::from_expr(expr))
    }

    /// Wraps an already-built expression.
    pub fn from_expr(expr: Expr) -> Condition {
        let mut text = String::new();
        expr.write(&mut text, 0);
        Condition { expr, text }
    }

    /// The parsed expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The canonical text: `print(parse(s))`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the condition holds for a node of this kind and state.
    pub fn holds(&self, kind: NodeKind, state: &NodeState) -> bool {
        self.expr.eval_ref(kind, state).is_true()
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Condition {
    type Err = ExprError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Condition::parse(s)
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Condition::parse(&s).map_err(serde::de::Error::custom)
    }
}
