//! The lexer: condition text to tokens with their columns.

use super::error::ExprError;
use super::print::format_number;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
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
    pub(super) fn describe(&self) -> String {
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

pub(super) fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
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
