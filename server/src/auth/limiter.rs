//! Progressive lock-out of failed sign-ins, per account and per client IP.
//!
//! Each key (a normalised email, or an IP address) has a count of recent
//! failures. Once the count reaches the policy's threshold, every further
//! failure locks the key for `base × 2^(failures − threshold)`, capped at `max`.
//! While locked, attempts are refused without checking the password (and count
//! as failures for the metrics, not for the lock). A failure older than `forget_after`
//! starts the count afresh. A successful sign-in clears the account's count but
//! not the IP's, so an attacker cannot reset an IP lock by signing into their own
//! account between guesses.
//!
//! Lock-out by account applies to any email, existing or not, so the answer
//! does not reveal which addresses have accounts. State is in memory: a restart
//! forgets it, and several instances each count their own share, which is an
//! accepted weakening for the embedded deployment.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use folio_core::time::Timestamp;

/// How one kind of key is throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before the first lock.
    pub threshold: u32,
    /// The first lock's length, in milliseconds.
    pub base_lock_ms: i64,
    /// The longest lock, in milliseconds.
    pub max_lock_ms: i64,
    /// A failure this old (ms) no longer counts.
    pub forget_after_ms: i64,
}

impl Policy {
    /// Per account: 5 free failures, then 30 s, 1 min, 2 min, … up to 1 h.
    pub const ACCOUNT: Policy = Policy {
        threshold: 5,
        base_lock_ms: 30_000,
        max_lock_ms: 3_600_000,
        forget_after_ms: 3_600_000,
    };
    /// Per IP (shared by many people behind one NAT): 20 free failures, then 1 min doubling up to 1 h.
    pub const IP: Policy = Policy {
        threshold: 20,
        base_lock_ms: 60_000,
        max_lock_ms: 3_600_000,
        forget_after_ms: 3_600_000,
    };

    fn lock_ms(&self, failures: u32) -> i64 {
        let steps = failures.saturating_sub(self.threshold).min(32);
        self.base_lock_ms
            .saturating_mul(1i64 << steps)
            .min(self.max_lock_ms)
    }
}

#[derive(Clone, Copy, Debug)]
struct Record {
    failures: u32,
    last_failure: Timestamp,
    locked_until: Timestamp,
}

#[derive(Debug)]
struct Table<K> {
    policy: Policy,
    records: HashMap<K, Record>,
}

impl<K: std::hash::Hash + Eq + Clone> Table<K> {
    fn locked_until(&self, key: &K, now: Timestamp) -> Option<Timestamp> {
        self.records
            .get(key)
            .map(|r| r.locked_until)
            .filter(|until| *until > now)
    }

    fn fail(&mut self, key: &K, now: Timestamp) {
        let policy = self.policy;
        let r = self.records.entry(key.clone()).or_insert(Record {
            failures: 0,
            last_failure: now,
            locked_until: Timestamp::MIN,
        });
        if now.millis().saturating_sub(r.last_failure.millis()) > policy.forget_after_ms {
            r.failures = 0;
        }
        r.failures = r.failures.saturating_add(1);
        r.last_failure = now;
        if r.failures >= policy.threshold {
            r.locked_until = now.plus_millis(policy.lock_ms(r.failures));
        }
    }

    fn prune(&mut self, now: Timestamp) {
        let forget = self.policy.forget_after_ms;
        self.records.retain(|_, r| {
            r.locked_until > now || now.millis().saturating_sub(r.last_failure.millis()) <= forget
        });
    }
}

/// Sign-in refused because a key is locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Locked {
    /// When trying again makes sense.
    pub until: Timestamp,
}

impl Locked {
    /// Whole seconds from `now` until the lock ends (at least 1).
    pub fn retry_after_secs(&self, now: Timestamp) -> u64 {
        let ms = self.until.millis().saturating_sub(now.millis()).max(1);
        u64::try_from((ms + 999) / 1000).unwrap_or(1)
    }
}

/// Failed sign-in counters per account and per IP.
#[derive(Debug)]
pub struct LoginLimiter {
    accounts: Mutex<Table<String>>,
    ips: Mutex<Table<IpAddr>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(Policy::ACCOUNT, Policy::IP)
    }
}

/// Entries kept before a failure triggers pruning of stale ones.
const PRUNE_ABOVE: usize = 10_000;

impl LoginLimiter {
    /// A limiter with the given policies.
    pub fn new(account: Policy, ip: Policy) -> Self {
        LoginLimiter {
            accounts: Mutex::new(Table {
                policy: account,
                records: HashMap::new(),
            }),
            ips: Mutex::new(Table {
                policy: ip,
                records: HashMap::new(),
            }),
        }
    }

    /// Refuses when the account or the IP is locked at `now`.
    pub fn check(&self, account: &str, ip: Option<IpAddr>, now: Timestamp) -> Result<(), Locked> {
        let by_account = lock(&self.accounts).locked_until(&account.to_owned(), now);
        let by_ip = ip.and_then(|ip| lock(&self.ips).locked_until(&ip, now));
        match by_account.max(by_ip) {
            Some(until) => Err(Locked { until }),
            None => Ok(()),
        }
    }

    /// Counts a wrong password.
    pub fn record_failure(&self, account: &str, ip: Option<IpAddr>, now: Timestamp) {
        let mut accounts = lock(&self.accounts);
        accounts.fail(&account.to_owned(), now);
        if accounts.records.len() > PRUNE_ABOVE {
            accounts.prune(now);
        }
        drop(accounts);
        if let Some(ip) = ip {
            let mut ips = lock(&self.ips);
            ips.fail(&ip, now);
            if ips.records.len() > PRUNE_ABOVE {
                ips.prune(now);
            }
        }
    }

    /// Clears the account's failures after a successful sign-in.
    pub fn record_success(&self, account: &str) {
        lock(&self.accounts).records.remove(account);
    }

    /// Forgets stale entries (called periodically).
    pub fn prune(&self, now: Timestamp) {
        lock(&self.accounts).prune(now);
        lock(&self.ips).prune(now);
    }
}

/// Locks a table; a panic while holding the lock cannot corrupt plain counters, so poison is ignored.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));

    fn fail_n(l: &LoginLimiter, account: &str, ip: Option<IpAddr>, n: u32, now: Timestamp) {
        for _ in 0..n {
            l.record_failure(account, ip, now);
        }
    }

    #[test]
    fn an_account_locks_after_the_threshold_and_the_lock_doubles() {
        let l = LoginLimiter::default();
        let t0 = Timestamp(1_000_000);
        fail_n(&l, "ada@uni.nl", IP, 4, t0);
        assert_eq!(l.check("ada@uni.nl", IP, t0), Ok(()));
        l.record_failure("ada@uni.nl", IP, t0);
        assert_eq!(
            l.check("ada@uni.nl", IP, t0),
            Err(Locked {
                until: t0.plus_millis(30_000)
            })
        );
        assert_eq!(l.check("ada@uni.nl", IP, t0.plus_millis(30_000)), Ok(()));
        // The sixth failure locks for twice as long.
        let t1 = t0.plus_millis(30_000);
        l.record_failure("ada@uni.nl", IP, t1);
        assert_eq!(
            l.check("ada@uni.nl", IP, t1.plus_millis(59_999))
                .map_err(|e| e.until),
            Err(t1.plus_millis(60_000))
        );
    }

    #[test]
    fn locks_never_exceed_the_maximum() {
        let l = LoginLimiter::default();
        fail_n(&l, "ada@uni.nl", None, 60, Timestamp(0));
        let Err(locked) = l.check("ada@uni.nl", None, Timestamp(0)) else {
            panic!("expected a lock")
        };
        assert_eq!(locked.until, Timestamp(Policy::ACCOUNT.max_lock_ms));
    }

    #[test]
    fn another_account_is_not_locked_by_someone_elses_failures() {
        let l = LoginLimiter::default();
        fail_n(&l, "ada@uni.nl", None, 5, Timestamp(0));
        assert!(l.check("bob@uni.nl", None, Timestamp(0)).is_ok());
    }

    #[test]
    fn an_ip_locks_after_many_failures_across_accounts() {
        let l = LoginLimiter::default();
        for i in 0..20 {
            l.record_failure(&format!("user{i}@uni.nl"), IP, Timestamp(0));
        }
        assert!(l.check("fresh@uni.nl", IP, Timestamp(0)).is_err());
        assert!(l.check("fresh@uni.nl", None, Timestamp(0)).is_ok());
    }

    #[test]
    fn success_clears_the_account_but_not_the_ip() {
        let l = LoginLimiter::default();
        fail_n(&l, "ada@uni.nl", IP, 4, Timestamp(0));
        l.record_success("ada@uni.nl");
        l.record_failure("ada@uni.nl", IP, Timestamp(0));
        assert!(
            l.check("ada@uni.nl", IP, Timestamp(0)).is_ok(),
            "count restarted after success"
        );
        fail_n(&l, "other@uni.nl", IP, 15, Timestamp(0));
        assert!(
            l.check("x@uni.nl", IP, Timestamp(0)).is_err(),
            "the ip still counts all 20"
        );
    }

    #[test]
    fn old_failures_are_forgotten() {
        let l = LoginLimiter::default();
        fail_n(&l, "ada@uni.nl", None, 4, Timestamp(0));
        let later = Timestamp(Policy::ACCOUNT.forget_after_ms + 1);
        l.record_failure("ada@uni.nl", None, later);
        assert!(l.check("ada@uni.nl", None, later).is_ok());
        l.prune(Timestamp(i64::MAX / 2));
        assert!(lock(&l.accounts).records.is_empty());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let locked = Locked {
            until: Timestamp(1_500),
        };
        assert_eq!(locked.retry_after_secs(Timestamp(0)), 2);
        assert_eq!(locked.retry_after_secs(Timestamp(1_499)), 1);
    }
}
