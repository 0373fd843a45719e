//! Worked cases: Portflow hide-feedback.

use super::*;

#[test]
fn portflow_hide_feedback_shows_a_visitor_only_their_own_and_the_owners_feedback() {
    let mut e = olga();
    let mut g = Grant::new(1, "p", Subject::user("vera"), Level::Comment);
    g.hide_feedback = true;
    e.add_grant(g).unwrap();
    e.add_grant(Grant::new(2, "p", Subject::user("tom"), Level::Comment))
        .unwrap();
    let vera = Principal::user("vera");
    let tom = Principal::user("tom");
    let entry = |author: &str, starter: &str| FeedbackEntry {
        author: author.into(),
        thread_starter: starter.into(),
    };
    let now = Timestamp(0);
    let node = id("pg");
    assert!(e.feedback_visible(&vera, &node, &entry("vera", "vera"), now));
    assert!(
        e.feedback_visible(&vera, &node, &entry("olga", "vera"), now),
        "the owner's reply to vera"
    );
    assert!(
        e.feedback_visible(&vera, &node, &entry("olga", "olga"), now),
        "the owner's own thread"
    );
    assert!(
        !e.feedback_visible(&vera, &node, &entry("tom", "tom"), now),
        "someone else's feedback"
    );
    assert!(
        !e.feedback_visible(&vera, &node, &entry("tom", "olga"), now),
        "someone else's reply in the owner's thread"
    );
    assert!(
        e.feedback_visible(&tom, &node, &entry("vera", "vera"), now),
        "tom has no hide_feedback"
    );
    assert!(e.feedback_visible(&owner(), &node, &entry("tom", "tom"), now));
}

#[test]
fn portflow_hide_feedback_hides_the_owners_reply_in_a_thread_someone_else_started() {
    let mut e = olga();
    let mut g = Grant::new(1, "p", Subject::user("vera"), Level::Read);
    g.hide_feedback = true;
    e.add_grant(g).unwrap();
    let reply = FeedbackEntry {
        author: "olga".into(),
        thread_starter: "tom".into(),
    };
    assert!(!e.feedback_visible(&Principal::user("vera"), &id("pg"), &reply, Timestamp(0)));
    // Once a grant without the flag also applies, the restriction lifts.
    e.add_grant(Grant::new(2, "c", Subject::user("vera"), Level::Read))
        .unwrap();
    assert!(e.feedback_visible(&Principal::user("vera"), &id("pg"), &reply, Timestamp(0)));
    assert!(!e.feedback_visible(&Principal::user("vera"), &id("pg2"), &reply, Timestamp(0)));
}
