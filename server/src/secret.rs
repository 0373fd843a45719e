//! A wrapper that keeps secrets out of logs.
//!
//! `Secret<T>` prints as `[redacted]` in `Debug` and has no `Display` or
//! `Serialize`, so a password, an SMTP URL with credentials or a password hash
//! cannot end up in a log line or a JSON response by accident. Reading the value
//! takes an explicit [`Secret::expose`].

use std::fmt;

/// A value that must never be printed.
///
/// ```
/// use folio_server::secret::Secret;
/// let s = Secret::new("hunter2".to_string());
/// assert_eq!(format!("{s:?}"), "[redacted]");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// Reads the value. Call sites are where secrets are used; keep them few.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl std::str::FromStr for Secret<String> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}
