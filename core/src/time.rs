//! Time as an argument.
//!
//! The core never reads a clock. Every decision that depends on time takes a
//! [`Timestamp`] called `now`, supplied by the caller: the server's clock on the
//! server, `Date.now()` in the browser, a fixed instant in tests. This is what
//! lets the same decision be replayed anywhere and tested without sleeping.

use serde::{Deserialize, Serialize};

/// An instant in UTC, in whole milliseconds since the Unix epoch.
///
/// Serialised as a plain integer so JavaScript (`Date.now()`), SQLite and JSON
/// fixtures can all carry it without conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The earliest representable instant; useful as "always started".
    pub const MIN: Timestamp = Timestamp(i64::MIN);
    /// The latest representable instant; useful as "never ends".
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    /// Milliseconds since the Unix epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This instant plus a number of whole hours, saturating instead of overflowing.
    ///
    /// ```
    /// use folio_core::time::Timestamp;
    /// assert_eq!(Timestamp(0).plus_hours(2), Timestamp(7_200_000));
    /// assert_eq!(Timestamp::MAX.plus_hours(1), Timestamp::MAX);
    /// ```
    pub const fn plus_hours(self, hours: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(hours.saturating_mul(3_600_000)))
    }

    /// This instant plus a number of milliseconds, saturating.
    pub const fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }
}
