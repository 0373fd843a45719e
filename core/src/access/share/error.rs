//! Parse errors: which field, at which column.

use std::fmt;

/// The fields of a share, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareField {
    /// `role-who-shares`
    SharerRole,
    /// `recipient-role`
    RecipientRole,
    /// `roles-and/or-emails`
    Recipients,
    /// `level`
    Level,
    /// `validity`
    Validity,
    /// `label@lang`
    Label,
    /// the condition
    Condition,
}

impl ShareField {
    pub(super) const ORDER: [ShareField; 7] = [
        ShareField::SharerRole,
        ShareField::RecipientRole,
        ShareField::Recipients,
        ShareField::Level,
        ShareField::Validity,
        ShareField::Label,
        ShareField::Condition,
    ];

    /// The field's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ShareField::SharerRole => "role-who-shares",
            ShareField::RecipientRole => "recipient-role",
            ShareField::Recipients => "recipients",
            ShareField::Level => "level",
            ShareField::Validity => "validity",
            ShareField::Label => "label",
            ShareField::Condition => "condition",
        }
    }
}

impl fmt::Display for ShareField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a share spec could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("share spec field `{field}` at column {column}: {problem}")]
pub struct ShareSpecError {
    /// Which field.
    pub field: ShareField,
    /// 1-based character column in the whole spec.
    pub column: usize,
    /// What is wrong, quoting the offending text.
    pub problem: String,
}

pub(super) fn err(field: ShareField, column: usize, problem: impl Into<String>) -> ShareSpecError {
    ShareSpecError {
        field,
        column,
        problem: problem.into(),
    }
}
