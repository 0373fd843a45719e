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

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::tree::{NodeKind, NodeState};

/// The longest condition accepted, in bytes.
pub const MAX_CONDITION_LEN: usize = 4096;
/// The deepest nesting accepted (parentheses and `!`).
pub const MAX_DEPTH: usize = 64;

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

impl Expr {
    /// Evaluates against a node's kind and state.
    pub fn eval(&self, kind: NodeKind, state: &NodeState) -> Value {
        self.eval_ref(kind, state).to_value()
    }

    /// Evaluation without allocating: values borrow from the expression and the state.
    fn eval_ref<'a>(&'a self, kind: NodeKind, state: &'a NodeState) -> ValueRef<'a> {
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

    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(..) => 1,
            Expr::And(..) => 2,
            Expr::Not(..) => 3,
            Expr::Eq(..) | Expr::Ne(..) => 4,
            Expr::Lit(_) | Expr::Field(_) => 5,
        }
    }

    fn write(&self, out: &mut String, min: u8) {
        let paren = self.precedence() < min;
        if paren {
            out.push('(');
        }
        match self {
            Expr::Lit(v) => write_value(v, out),
            Expr::Field(f) => out.push_str(f),
            Expr::Not(e) => {
                out.push('!');
                e.write(out, 3);
            }
            // Left-associative chains print without parentheses on the left.
            Expr::Or(a, b) => {
                a.write(out, 1);
                out.push_str(" || ");
                b.write(out, 2);
            }
            Expr::And(a, b) => {
                a.write(out, 2);
                out.push_str(" && ");
                b.write(out, 3);
            }
            Expr::Eq(a, b) | Expr::Ne(a, b) => {
                a.write(out, 5);
                out.push_str(if matches!(self, Expr::Eq(..)) {
                    " == "
                } else {
                    " != "
                });
                b.write(out, 5);
            }
        }
        if paren {
            out.push(')');
        }
    }
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => out.push_str(&format_number(*n)),
        Value::Str(s) => {
            out.push('\'');
            for c in s.chars() {
                if c == '\'' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('\'');
        }
    }
}

fn format_number(n: f64) -> String {
    if n == 0.0 {
        // Covers -0.0, which compares equal to 0.
        "0".to_owned()
    } else {
        format!("{n}")
    }
}

/// A borrowed [`Value`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum ValueRef<'a> {
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
    fn is_true(self) -> bool {
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

/// Why a condition could not be parsed. Columns are 1-based character positions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// The condition is empty.
    #[error("condition is empty: write an expression such as `submitted == 'Y'`")]
    Empty,
    /// The condition is longer than [`MAX_CONDITION_LEN`].
    #[error("condition is {len} bytes long: the limit is {MAX_CONDITION_LEN}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("condition nests too deeply at column {column}: the limit is {MAX_DEPTH} levels")]
    TooDeep {
        /// Where.
        column: usize,
    },
    /// A character that starts no token.
    #[error("unexpected character `{found}` at column {column} in condition")]
    UnexpectedChar {
        /// Where.
        column: usize,
        /// The character.
        found: char,
    },
    /// A string literal without its closing quote.
    #[error("string starting at column {column} is not closed: add the closing quote")]
    UnterminatedString {
        /// Where the string starts.
        column: usize,
    },
    /// Something else was found where a token was expected.
    #[error("expected {expected} at column {column} in condition, found `{found}`")]
    Expected {
        /// Where.
        column: usize,
        /// What the parser wanted.
        expected: &'static str,
        /// What it found (`end of input` at the end).
        found: String,
    },
}

impl ExprError {
    /// The 1-based column where the error was found (0 for errors about the whole text).
    pub fn column(&self) -> usize {
        match self {
            ExprError::Empty | ExprError::TooLong { .. } => 0,
            ExprError::TooDeep { column }
            | ExprError::UnexpectedChar { column, .. }
            | ExprError::UnterminatedString { column }
            | ExprError::Expected { column, .. } => *column,
        }
    }

    /// The same error with its column shifted by `offset` characters, for
    /// conditions embedded in a longer text (a share spec).
    pub fn shifted(self, offset: usize) -> ExprError {
        match self {
            ExprError::TooDeep { column } => ExprError::TooDeep {
                column: column + offset,
            },
            ExprError::UnexpectedChar { column, found } => ExprError::UnexpectedChar {
                column: column + offset,
                found,
            },
            ExprError::UnterminatedString { column } => ExprError::UnterminatedString {
                column: column + offset,
            },
            ExprError::Expected {
                column,
                expected,
                found,
            } => ExprError::Expected {
                column: column + offset,
                expected,
                found,
            },
            other => other,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Str(String),
    Num(f64),
    Ident(String),
    LParen,
    RParen,
    Not,
    And,
    Or,
    EqEq,
    NotEq,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Str(s) => format!("'{s}'"),
            Tok::Num(n) => format_number(*n),
            Tok::Ident(i) => i.clone(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Not => "!".into(),
            Tok::And => "&&".into(),
            Tok::Or => "||".into(),
            Tok::EqEq => "==".into(),
            Tok::NotEq => "!=".into(),
            Tok::End => "end of input".into(),
        }
    }
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '(' => out.push((Tok::LParen, col)),
            ')' => out.push((Tok::RParen, col)),
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push((Tok::NotEq, col));
                i += 1;
            }
            '!' => out.push((Tok::Not, col)),
            '=' if chars.get(i + 1) == Some(&'=') => {
                out.push((Tok::EqEq, col));
                i += 1;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                out.push((Tok::And, col));
                i += 1;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                out.push((Tok::Or, col));
                i += 1;
            }
            '\'' | '"' => {
                let quote = c;
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => return Err(ExprError::UnterminatedString { column: col }),
                        Some('\\') if matches!(chars.get(j + 1), Some(&q) if q == quote || q == '\\') =>
                        {
                            s.push(chars[j + 1]);
                            j += 2;
                        }
                        Some(&q) if q == quote => break,
                        Some(&other) => {
                            s.push(other);
                            j += 1;
                        }
                    }
                }
                out.push((Tok::Str(s), col));
                i = j;
            }
            '-' | '0'..='9' => {
                let mut j = i + 1;
                if c == '-' && !chars.get(j).is_some_and(|d| d.is_ascii_digit()) {
                    return Err(ExprError::UnexpectedChar {
                        column: col,
                        found: c,
                    });
                }
                while chars.get(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
                if chars.get(j) == Some(&'.')
                    && chars.get(j + 1).is_some_and(|d| d.is_ascii_digit())
                {
                    j += 1;
                    while chars.get(j).is_some_and(|d| d.is_ascii_digit()) {
                        j += 1;
                    }
                }
                let text: String = chars[i..j].iter().collect();
                let n: f64 = text.parse().map_err(|_| ExprError::UnexpectedChar {
                    column: col,
                    found: c,
                })?;
                out.push((Tok::Num(n), col));
                i = j;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while chars
                    .get(j)
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == '.')
                {
                    j += 1;
                }
                out.push((Tok::Ident(chars[i..j].iter().collect()), col));
                i = j;
                continue;
            }
            other => {
                return Err(ExprError::UnexpectedChar {
                    column: col,
                    found: other,
                });
            }
        }
        i += 1;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn col(&self) -> usize {
        self.toks[self.pos].1
    }
    fn bump(&mut self) -> Tok {
        let t = self.toks[self.pos].0.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn expected(&self, what: &'static str) -> ExprError {
        ExprError::Expected {
            column: self.col(),
            expected: what,
            found: self.peek().describe(),
        }
    }
    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::TooDeep { column: self.col() });
        }
        Ok(())
    }
    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while *self.peek() == Tok::Or {
            self.bump();
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        while *self.peek() == Tok::And {
            self.bump();
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Expr, ExprError> {
        if *self.peek() == Tok::Not {
            self.enter()?;
            self.bump();
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.compare()
    }
    fn compare(&mut self) -> Result<Expr, ExprError> {
        let left = self.primary()?;
        match self.peek() {
            Tok::EqEq => {
                self.bump();
                Ok(Expr::Eq(Box::new(left), Box::new(self.primary()?)))
            }
            Tok::NotEq => {
                self.bump();
                Ok(Expr::Ne(Box::new(left), Box::new(self.primary()?)))
            }
            _ => Ok(left),
        }
    }
    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.bump();
                Ok(Expr::Lit(Value::Str(s)))
            }
            Tok::Num(n) => {
                self.bump();
                Ok(Expr::Lit(Value::Num(n)))
            }
            Tok::Ident(i) => {
                self.bump();
                Ok(match i.as_str() {
                    "true" => Expr::Lit(Value::Bool(true)),
                    "false" => Expr::Lit(Value::Bool(false)),
                    "null" => Expr::Lit(Value::Null),
                    _ => Expr::Field(i),
                })
            }
            Tok::LParen => {
                self.enter()?;
                self.bump();
                let e = self.or()?;
                if *self.peek() != Tok::RParen {
                    return Err(self.expected("`)`"));
                }
                self.bump();
                self.depth -= 1;
                Ok(e)
            }
            _ => Err(self.expected("a value, a field name, `!` or `(`")),
        }
    }
}

fn parse_expr(source: &str) -> Result<Expr, ExprError> {
    if source.len() > MAX_CONDITION_LEN {
        return Err(ExprError::TooLong { len: source.len() });
    }
    if source.trim().is_empty() {
        return Err(ExprError::Empty);
    }
    let toks = lex(source)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.or()?;
    if *p.peek() != Tok::End {
        return Err(p.expected("`&&`, `||`, `==`, `!=` or the end of the condition"));
    }
    Ok(e)
}
