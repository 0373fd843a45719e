//! Errors of the policy layer.

use crate::storage::StorageError;

/// Why the policy hub could not answer.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The portfolio is not registered (or has no portfolio node).
    #[error("portfolio `{0}` does not exist")]
    UnknownPortfolio(String),
    /// The stored tree or grants do not form a valid engine.
    #[error("the stored access rules of portfolio `{portfolio}` are inconsistent: {detail}")]
    Inconsistent {
        /// The portfolio.
        portfolio: String,
        /// What the engine refused.
        detail: String,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}
