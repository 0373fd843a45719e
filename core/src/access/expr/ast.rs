//! The syntax tree: values and expressions.

use serde::{Deserialize, Serialize};

/// A value in the condition language and in node state fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(untagged)]
pub enum Value {
    /// No value: an unknown field.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (compared numerically).
    Num(f64),
    /// A string.
    Str(String),
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A literal value.
    Lit(Value),
    /// A node field, looked up at evaluation.
    Field(String),
    /// `!e`
    Not(Box<Expr>),
    /// `a && b`
    And(Box<Expr>, Box<Expr>),
    /// `a || b`
    Or(Box<Expr>, Box<Expr>),
    /// `a == b`
    Eq(Box<Expr>, Box<Expr>),
    /// `a != b`
    Ne(Box<Expr>, Box<Expr>),
}
