//! The per-connection rate limit and its token bucket.

use super::*;

#[test]
fn a_flood_is_cut_off_by_the_rate_limit() {
    let limits = Limits {
        rate: RateLimit {
            burst: 3,
            per_second: 1,
        },
        ..Limits::default()
    };
    let mut p = server_peer(limits);
    p.receive(&join("alice", Some(vec!["1"]), true), Timestamp(0));
    p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    let effects = p.receive(&sync_frame("alice", SERVER), Timestamp(0));
    let ServerEffect::Close { error } = &effects[1] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        error,
        &SyncError::RateLimited {
            retry_after_ms: 1000
        }
    );
}

#[test]
fn the_token_bucket_refills_with_time_and_never_beyond_the_burst() {
    let mut b = TokenBucket::new(
        RateLimit {
            burst: 2,
            per_second: 10,
        },
        Timestamp(0),
    );
    assert_eq!(b.check(Timestamp(0)), RateDecision::Allowed);
    assert_eq!(b.check(Timestamp(0)), RateDecision::Allowed);
    assert_eq!(
        b.check(Timestamp(0)),
        RateDecision::Limited {
            retry_at: Timestamp(100)
        }
    );
    assert_eq!(b.check(Timestamp(100)), RateDecision::Allowed);
    // A long pause refills only up to the burst.
    assert_eq!(b.check(Timestamp(1_000_000)), RateDecision::Allowed);
    assert_eq!(b.check(Timestamp(1_000_000)), RateDecision::Allowed);
    assert!(matches!(
        b.check(Timestamp(1_000_000)),
        RateDecision::Limited { .. }
    ));
    // A clock that goes backwards grants nothing.
    assert!(matches!(
        b.check(Timestamp(5)),
        RateDecision::Limited { .. }
    ));
    let mut never = TokenBucket::new(
        RateLimit {
            burst: 0,
            per_second: 0,
        },
        Timestamp(0),
    );
    assert_eq!(
        never.check(Timestamp(0)),
        RateDecision::Limited {
            retry_at: Timestamp::MAX
        }
    );
}
