//! Evaluation: an expression against a node's kind and state.

use super::ast::{Expr, Value};
use crate::access::tree::{NodeKind, NodeState};

impl Expr {
    /// Evaluates against a node's kind and state.
    pub fn eval(&self, kind: NodeKind, state: &NodeState) -> Value {
        self.eval_ref(kind, state).to_value()
    }

    /// Evaluation without allocating: values borrow from the expression and the state.
    pub(super) fn eval_ref<'a>(&'a self, kind: NodeKind, state: &'a NodeState) -> ValueRef<'a> {
        match self {
            Expr::Lit(v) => ValueRef::of(v),
            Expr::Field(name) => field(name, kind, state),
            Expr::Not(e) => ValueRef::Bool(!e.eval_ref(kind, state).is_true()),
            Expr::And(a, b) => ValueRef::Bool(
                a.eval_ref(kind, state).is_true() && b.eval_ref(kind, state).is_true(),
            ),
            Expr::Or(a, b) => ValueRef::Bool(
                a.eval_ref(kind, state).is_true() || b.eval_ref(kind, state).is_true(),
            ),
            Expr::Eq(a, b) => ValueRef::Bool(a.eval_ref(kind, state) == b.eval_ref(kind, state)),
            Expr::Ne(a, b) => ValueRef::Bool(a.eval_ref(kind, state) != b.eval_ref(kind, state)),
        }
    }
}

/// A borrowed [`Value`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ValueRef<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a str),
}

impl<'a> ValueRef<'a> {
    fn of(v: &'a Value) -> ValueRef<'a> {
        match v {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Num(n) => ValueRef::Num(*n),
            Value::Str(s) => ValueRef::Str(s),
        }
    }
    pub(super) fn is_true(self) -> bool {
        matches!(self, ValueRef::Bool(true))
    }
    fn to_value(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Num(n) => Value::Num(n),
            ValueRef::Str(s) => Value::Str(s.to_owned()),
        }
    }
}

fn field<'a>(name: &str, kind: NodeKind, state: &'a NodeState) -> ValueRef<'a> {
    match name {
        "submitted" => ValueRef::Str(if state.submitted.is_some() { "Y" } else { "N" }),
        "submitted_at" => state
            .submitted
            .map_or(ValueRef::Null, |t| ValueRef::Num(t.0 as f64)),
        "kind" => ValueRef::Str(kind.as_str()),
        other => state.fields.get(other).map_or(ValueRef::Null, ValueRef::of),
    }
}
