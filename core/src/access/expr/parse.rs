//! The parser: tokens to an [`Expr`], by recursive descent over the grammar.

use super::ast::{Expr, Value};
use super::error::ExprError;
use super::lex::{Tok, lex};
use super::{MAX_CONDITION_LEN, MAX_DEPTH};

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

pub(super) fn parse_expr(source: &str) -> Result<Expr, ExprError> {
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
