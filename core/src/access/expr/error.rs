//! Parse errors, with the column where parsing failed.

use super::{MAX_CONDITION_LEN, MAX_DEPTH};

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
