//! Limits as data: the biggest frame a peer may send and how fast it may send.
//!
//! The rate limiter is a token bucket that is a pure function of `now`: it
//! holds no timer and reads no clock. Each message costs one token; the
//! bucket holds at most `burst` tokens and refills at `per_second` tokens per
//! second, computed in integer milli-tokens so native and wasm agree exactly.
//!
//! ```
//! use folio_core::sync::{RateLimit, TokenBucket, RateDecision};
//! use folio_core::time::Timestamp;
//! let mut bucket = TokenBucket::new(RateLimit { burst: 2, per_second: 1 }, Timestamp(0));
//! assert_eq!(bucket.check(Timestamp(0)), RateDecision::Allowed);
//! assert_eq!(bucket.check(Timestamp(0)), RateDecision::Allowed);
//! assert_eq!(bucket.check(Timestamp(0)), RateDecision::Limited { retry_at: Timestamp(1000) });
//! assert_eq!(bucket.check(Timestamp(1000)), RateDecision::Allowed);
//! ```

use crate::time::Timestamp;

/// A sustained rate with an allowed burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Most messages accepted back to back (the bucket's capacity).
    pub burst: u32,
    /// Tokens added per second.
    pub per_second: u32,
}

/// The limits one connection runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame accepted, in bytes.
    pub max_message_bytes: usize,
    /// Message rate per connection.
    pub rate: RateLimit,
}

impl Default for Limits {
    /// 8 MiB frames (a whole-document sync of a large page fits), 200
    /// messages burst, 100 per second sustained (fast typists with cursors).
    fn default() -> Self {
        Limits {
            max_message_bytes: 8 * 1024 * 1024,
            rate: RateLimit {
                burst: 200,
                per_second: 100,
            },
        }
    }
}

/// The outcome of one [`TokenBucket::check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateDecision {
    /// The message is within the limit; a token was taken.
    Allowed,
    /// Over the limit; the next token arrives at `retry_at`.
    Limited {
        /// The earliest instant one more message will be allowed.
        retry_at: Timestamp,
    },
}

const MILLI: i64 = 1000;

/// A token bucket driven by the caller's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    limit: RateLimit,
    /// Tokens ×1000.
    milli_tokens: i64,
    last: Timestamp,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn new(limit: RateLimit, now: Timestamp) -> Self {
        TokenBucket {
            limit,
            milli_tokens: i64::from(limit.burst) * MILLI,
            last: now,
        }
    }

    /// The limit this bucket enforces.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    fn refill(&mut self, now: Timestamp) {
        // A clock going backwards refills nothing and does not move `last` back.
        let elapsed = now.millis().saturating_sub(self.last.millis()).max(0);
        // per_second tokens per 1000 ms = per_second milli-tokens per ms.
        let gained = elapsed.saturating_mul(i64::from(self.limit.per_second));
        let cap = i64::from(self.limit.burst) * MILLI;
        self.milli_tokens = self.milli_tokens.saturating_add(gained).min(cap);
        if now > self.last {
            self.last = now;
        }
    }

    /// Take one token at `now` if there is one.
    pub fn check(&mut self, now: Timestamp) -> RateDecision {
        self.check_cost(now, 1)
    }

    /// Take `cost` tokens at `now` if there are that many.
    pub fn check_cost(&mut self, now: Timestamp, cost: u32) -> RateDecision {
        self.refill(now);
        let need = i64::from(cost) * MILLI;
        if self.milli_tokens >= need {
            self.milli_tokens -= need;
            return RateDecision::Allowed;
        }
        let missing = need - self.milli_tokens;
        let retry_at = if self.limit.per_second == 0 || need > i64::from(self.limit.burst) * MILLI {
            Timestamp::MAX
        } else {
            let per_ms = i64::from(self.limit.per_second);
            self.last.plus_millis((missing + per_ms - 1) / per_ms)
        };
        RateDecision::Limited { retry_at }
    }
}
