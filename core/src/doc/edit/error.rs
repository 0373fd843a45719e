//! Why an edit was refused: [`EditError`], and [`doc_error_code`], the
//! machine-readable names of errors for programs and the UI.

#[cfg(doc)]
use super::Edit;
use crate::doc::DocError;

/// Why an [`Edit`] was not applied. Nothing changed in either case.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The edit is for another kind of document.
    #[error("`{op}` edits a {expected} document, but this is a {found} document; send it to the right document")]
    WrongDocument {
        /// The edit's `op`.
        op: &'static str,
        /// The kind it needs.
        expected: &'static str,
        /// The kind it was given.
        found: &'static str,
    },
    /// The typed method refused it.
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl EditError {
    /// A machine-readable name for the error, for programs and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            EditError::WrongDocument { .. } => "wrong_document",
            EditError::Doc(e) => doc_error_code(e),
        }
    }
}

/// A machine-readable name for a [`DocError`].
pub fn doc_error_code(e: &DocError) -> &'static str {
    match e {
        DocError::Automerge(_) => "automerge",
        DocError::WrongKind { .. } => "wrong_kind",
        DocError::Schema(_) => "schema",
        DocError::NotFound(_) => "not_found",
        DocError::Duplicate(_) => "duplicate",
        DocError::BadId(_) => "bad_id",
        DocError::Range { .. } => "range",
        DocError::UnsafeLink(_) => "unsafe_link",
        DocError::HeadingLevel(_) => "heading_level",
        DocError::Unsupported { .. } => "unsupported",
        DocError::Cycle(_) => "cycle",
    }
}
