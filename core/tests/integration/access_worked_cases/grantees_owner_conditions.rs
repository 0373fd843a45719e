//! Worked cases: self-removal, owner, conditions, explain.

use super::*;

#[test]
fn a_grantee_may_remove_their_own_grant_and_role_but_nobody_elses() {
    let mut e = olga();
    e.add_grant(Grant::new(1, "c", Subject::user("ann"), Level::Write))
        .unwrap();
    e.add_grant(Grant::new(2, "c", Subject::user("bo"), Level::Read))
        .unwrap();
    let ann = Principal::user("ann").with_role("p", "peer");
    let g1 = e.grant(GrantId(1)).unwrap().clone();
    let g2 = e.grant(GrantId(2)).unwrap().clone();
    assert!(e.may_revoke(&ann, &g1, Timestamp(0)));
    assert!(!e.may_revoke(&ann, &g2, Timestamp(0)));
    assert!(e.may_revoke(&owner(), &g2, Timestamp(0)));
    let (p, peer, ann_id, bo) = (
        id("p"),
        RoleName::from("peer"),
        UserId::from("ann"),
        UserId::from("bo"),
    );
    assert!(e.may_remove_role(
        &ann,
        &RoleRemoval {
            member: &ann_id,
            portfolio: &p,
            role: &peer
        },
        Timestamp(0)
    ));
    assert!(!e.may_remove_role(
        &ann,
        &RoleRemoval {
            member: &bo,
            portfolio: &p,
            role: &peer
        },
        Timestamp(0)
    ));
    assert!(e.may_remove_role(
        &owner(),
        &RoleRemoval {
            member: &bo,
            portfolio: &p,
            role: &peer
        },
        Timestamp(0)
    ));
    let olga_id = UserId::from("olga");
    let student = RoleName::from("student");
    assert!(!e.may_remove_role(
        &owner(),
        &RoleRemoval {
            member: &olga_id,
            portfolio: &p,
            role: &student
        },
        Timestamp(0)
    ));
}

#[test]
fn the_owner_always_has_manage_and_strangers_get_nothing() {
    let e = olga();
    for n in ["p", "c", "pg", "s", "r"] {
        assert_eq!(e.level(&owner(), &id(n), Timestamp(0)), Some(Level::Manage));
        assert_eq!(e.level(&Principal::user("zed"), &id(n), Timestamp(0)), None);
        assert_eq!(e.level(&Principal::Anonymous, &id(n), Timestamp(0)), None);
    }
    assert!(
        !e.check(&owner(), Action::CreateChild, &id("r"), Timestamp(0)),
        "resources hold nothing"
    );
    assert!(e.check(&owner(), Action::CreateChild, &id("s"), Timestamp(0)));
}

#[test]
fn a_conditional_grant_applies_only_while_its_node_is_submitted() {
    let mut e = olga();
    let mut g = Grant::new(1, "pg", Subject::role("teacher"), Level::Comment);
    g.condition = Some("submitted == 'Y'".parse().unwrap());
    e.add_grant(g).unwrap();
    let tom = Principal::user("tom").with_role("p", "teacher");
    assert!(!e.check(&tom, Action::Comment, &id("s"), Timestamp(0)));
    let why = e.explain(&tom, Action::Comment, &id("s"), Timestamp(0));
    assert!(
        matches!(&why.reasons[0], Reason::ConditionFailed { condition, .. } if condition == "submitted == 'Y'"),
        "{why}"
    );
    e.set_state(
        &id("pg"),
        NodeState {
            submitted: Some(Timestamp(5)),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(e.check(&tom, Action::Comment, &id("s"), Timestamp(0)));
    let why = e.explain(&tom, Action::Comment, &id("s"), Timestamp(0));
    assert!(
        matches!(
            why.reasons[0],
            Reason::Granted {
                inherited: true,
                ..
            }
        ),
        "{why}"
    );
}

#[test]
fn a_malformed_condition_is_a_parse_error_with_its_column() {
    let err = "submitted == 'Y' && (kind == 'page'"
        .parse::<folio_core::access::Condition>()
        .unwrap_err();
    assert_eq!(err.column(), 36);
    assert!(err.to_string().contains("column 36"), "{err}");
    let err = "submitted = 'Y'"
        .parse::<folio_core::access::Condition>()
        .unwrap_err();
    assert_eq!(err.column(), 11);
    let json =
        r#"{"id":1,"node":"p","subject":{"type":"public"},"level":"read","condition":"a &&"}"#;
    assert!(
        serde_json::from_str::<Grant>(json).is_err(),
        "malformed conditions are rejected at load"
    );
}

#[test]
fn moving_a_subtree_carries_its_grants_and_changes_what_it_inherits() {
    let mut e = olga();
    e.add_grant(Grant::new(1, "c2", Subject::user("ann"), Level::Write))
        .unwrap();
    e.add_grant(Grant::new(2, "s", Subject::user("bo"), Level::Read))
        .unwrap();
    let (ann, bo) = (Principal::user("ann"), Principal::user("bo"));
    assert_eq!(e.level(&ann, &id("r"), Timestamp(0)), None);
    let rev = e.revision();
    e.move_node(&id("pg"), &id("c2")).unwrap();
    assert!(e.revision() > rev);
    assert_eq!(e.level(&ann, &id("r"), Timestamp(0)), Some(Level::Write));
    assert_eq!(e.level(&bo, &id("r"), Timestamp(0)), Some(Level::Read));
    assert!(e.move_node(&id("c2"), &id("pg")).is_err());
    let removed = e.remove_subtree(&id("pg")).unwrap();
    assert_eq!(removed.len(), 3);
    assert!(
        e.grant(GrantId(2)).is_none(),
        "grants inside a deleted subtree go with it"
    );
    assert_eq!(e.level(&bo, &id("r"), Timestamp(0)), None);
}
