//! Moving a page to another collection: Remove on the page where it is and
//! Write on the target; a page into a collection of the same portfolio that
//! is not its own.

use folio_core::access::{Engine, Grant, Level, MoveRefusal, Node, NodeKind, Principal, Subject};
use folio_core::time::Timestamp;

fn engine() -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("pf", "olga")).unwrap();
    e.add_node(Node::child("a", NodeKind::Collection, "pf")).unwrap();
    e.add_node(Node::child("b", NodeKind::Collection, "pf")).unwrap();
    e.add_node(Node::child("pg", NodeKind::Page, "a")).unwrap();
    e.add_node(Node::child("s", NodeKind::Section, "pg")).unwrap();
    e.add_node(Node::portfolio("other", "olga")).unwrap();
    e.add_node(Node::child("x", NodeKind::Collection, "other")).unwrap();
    for g in [
        Grant::new(1, "a", Subject::user("rob"), Level::Remove),
        Grant::new(2, "b", Subject::user("rob"), Level::Write),
        Grant::new(3, "b", Subject::user("wil"), Level::Write),
        Grant::new(4, "a", Subject::user("wil"), Level::Write),
        Grant::new(5, "pg", Subject::user("tim"), Level::Remove).between(None, Some(Timestamp(100))),
        Grant::new(6, "b", Subject::user("tim"), Level::Write),
    ] {
        e.add_grant(g).unwrap();
    }
    e
}

#[test]
fn remove_on_the_page_and_write_on_the_target_are_both_needed() {
    let e = engine();
    let now = Timestamp(10);
    let (pg, a, b) = (&"pg".into(), &"a".into(), &"b".into());
    assert!(e.may_move(&Principal::user("olga"), pg, b, now), "the owner");
    assert!(e.may_move(&Principal::user("rob"), pg, b, now), "Remove on the old collection, Write on the new");
    assert_eq!(e.move_check(&Principal::user("wil"), pg, b, now), Err(MoveRefusal::Forbidden), "Write only on the page");
    assert!(e.may_move(&Principal::user("tim"), pg, b, now), "Remove on the page itself, while it lasts");
    assert!(!e.may_move(&Principal::user("tim"), pg, b, Timestamp(100)), "time is an argument");
    assert_eq!(e.move_check(&Principal::user("olga"), pg, a, now), Err(MoveRefusal::SameCollection));
    assert_eq!(e.move_check(&Principal::user("olga"), &"s".into(), b, now), Err(MoveRefusal::NotAPage));
    assert_eq!(e.move_check(&Principal::user("olga"), pg, &"pf".into(), now), Err(MoveRefusal::NotACollection));
    assert_eq!(e.move_check(&Principal::user("olga"), pg, &"nope".into(), now), Err(MoveRefusal::NotACollection));
    assert_eq!(e.move_check(&Principal::user("olga"), &"nope".into(), b, now), Err(MoveRefusal::UnknownNode));
    assert_eq!(e.move_check(&Principal::user("olga"), pg, &"x".into(), now), Err(MoveRefusal::OtherPortfolio));
    assert!(!e.may_move(&Principal::Anonymous, pg, b, now));
}
