//! Canonical printing: the text a parsed expression prints back as.

use super::ast::{Expr, Value};

impl Expr {
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(..) => 1,
            Expr::And(..) => 2,
            Expr::Not(..) => 3,
            Expr::Eq(..) | Expr::Ne(..) => 4,
            Expr::Lit(_) | Expr::Field(_) => 5,
        }
    }

    pub(super) fn write(&self, out: &mut String, min: u8) {
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

pub(super) fn format_number(n: f64) -> String {
    if n == 0.0 {
        // Covers -0.0, which compares equal to 0.
        "0".to_owned()
    } else {
        format!("{n}")
    }
}
