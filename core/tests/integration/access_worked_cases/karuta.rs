//! Worked cases: Karuta share specs.

use super::*;

#[test]
fn karuta_public_unlimited_share_gives_anyone_with_the_link_read_only_forever() {
    let text = "student,all,?,4,unlimited,Share@en";
    let spec: ShareSpec = text.parse().unwrap();
    assert_eq!(spec.to_string(), text);
    let share = &spec.shares[0];
    assert_eq!(
        (share.level, share.validity),
        (ShareLevel::Public, Validity::Unlimited)
    );
    assert_eq!(share.recipients, vec![Recipient::Ask]);

    let mut e = olga();
    let out = share
        .evaluate(&e, &owner(), &id("pg"), Timestamp(0), &request())
        .unwrap();
    assert_eq!(out.link_expires, None);
    let ShareEffect::Grant { grant } = out.effect else {
        panic!("level 4 creates a link grant")
    };
    assert_eq!(
        (grant.level, grant.end, &grant.subject),
        (
            Level::Read,
            None,
            &Subject::Link {
                id: LinkId::from("lnk-1")
            }
        )
    );
    e.add_grant(grant).unwrap();
    let visitor = Principal::Link {
        id: LinkId::from("lnk-1"),
    };
    assert!(e.check(
        &visitor,
        Action::Read,
        &id("r"),
        Timestamp(10 * 365 * 24 * HOUR)
    ));
    assert!(!e.check(&visitor, Action::Comment, &id("pg"), Timestamp(0)));
    assert!(
        !e.check(&visitor, Action::Read, &id("c"), Timestamp(0)),
        "the link reaches only the shared subtree"
    );
}

#[test]
fn karuta_public_share_for_24_hours_stops_working_after_a_day() {
    let spec: ShareSpec = "student,all,?,4,24,Share@en".parse().unwrap();
    assert_eq!(spec.to_string(), "student,all,?,4,24,Share@en");
    let mut e = olga();
    let t0 = Timestamp(1_000);
    let out = spec.shares[0]
        .evaluate(&e, &owner(), &id("pg"), t0, &request())
        .unwrap();
    assert_eq!(out.link_expires, Some(t0.plus_hours(24)));
    let ShareEffect::Grant { grant } = out.effect else {
        panic!("level 4 creates a link grant")
    };
    e.add_grant(grant).unwrap();
    let visitor = Principal::Link {
        id: LinkId::from("lnk-1"),
    };
    assert!(e.check(
        &visitor,
        Action::Read,
        &id("pg"),
        t0.plus_hours(24).plus_millis(-1)
    ));
    assert!(!e.check(&visitor, Action::Read, &id("pg"), t0.plus_hours(24)));
    assert_eq!(e.next_change(&visitor, t0), Some(t0.plus_hours(24)));
}

#[test]
fn karuta_request_an_assessment_sends_teachers_a_direct_login_link_for_12_hours() {
    let spec: ShareSpec = "student,teacher,teacher,1,12,Request an Assessment@en"
        .parse()
        .unwrap();
    assert_eq!(
        spec.to_string(),
        "student,teacher,teacher,1,12,Request an Assessment@en"
    );
    let share = &spec.shares[0];
    assert_eq!(share.labels[0].text, "Request an Assessment");
    let e = olga();
    let out = share
        .evaluate(&e, &owner(), &id("pg"), Timestamp(0), &request())
        .unwrap();
    assert_eq!(out.level, ShareLevel::DirectLogin);
    assert_eq!(
        out.recipients,
        vec![Recipient::Role(RoleName::from("teacher"))]
    );
    assert_eq!(out.link_expires, Some(Timestamp(12 * HOUR)));
    assert_eq!(
        out.effect,
        ShareEffect::None,
        "level 1 logs in an account that already holds the role"
    );
    // Only the student (the owner) sees the button.
    let tom = Principal::user("tom").with_role("p", "teacher");
    assert_eq!(
        share.evaluate(&e, &tom, &id("pg"), Timestamp(0), &request()),
        Err(ShareDenied::NotSharerRole("student".into()))
    );
}

#[test]
fn karuta_request_an_assessment_from_a_named_supervisor_creates_a_guest_whose_role_ends_with_the_link()
 {
    let text = "student,supervisor,yves.lacoste@airfrance.com,3,12,Request an Assessment@en";
    let spec: ShareSpec = text.parse().unwrap();
    assert_eq!(spec.to_string(), text);
    let mut e = olga();
    e.add_grant(Grant::new(
        1,
        "p",
        Subject::role("supervisor"),
        Level::Comment,
    ))
    .unwrap();
    let t0 = Timestamp(5_000);
    let out = spec.shares[0]
        .evaluate(&e, &owner(), &id("pg"), t0, &request())
        .unwrap();
    assert_eq!(
        out.recipients,
        vec![Recipient::Email("yves.lacoste@airfrance.com".into())]
    );
    assert_eq!(out.level, ShareLevel::GuestAccount);
    let ShareEffect::AssignRole { membership } = out.effect else {
        panic!("level 3 assigns the role")
    };
    assert_eq!(membership.until, Some(t0.plus_hours(12)));
    // The guest account the server creates holds the role until the link ends.
    let yves = Principal::User(folio_core::access::UserPrincipal {
        id: UserId::from("guest-yves"),
        roles: vec![membership],
        orgs: vec![],
    });
    assert!(e.check(&yves, Action::Comment, &id("pg"), t0.plus_hours(11)));
    assert!(!e.check(&yves, Action::Read, &id("pg"), t0.plus_hours(12)));
    assert_eq!(e.next_change(&yves, t0), Some(t0.plus_hours(12)));
    let why = e.explain(&yves, Action::Comment, &id("pg"), t0.plus_hours(12));
    assert!(matches!(why.reasons[0], Reason::RoleEnded { .. }), "{why}");
}

#[test]
fn karuta_request_a_peer_comment_asks_the_sharer_for_an_email_and_links_it_to_the_peer_role() {
    let spec: ShareSpec = "student,peer,?,1,12,Request a Peer Comment@en"
        .parse()
        .unwrap();
    assert_eq!(
        spec.to_string(),
        "student,peer,?,1,12,Request a Peer Comment@en"
    );
    let e = olga();
    let out = spec.shares[0]
        .evaluate(&e, &owner(), &id("pg"), Timestamp(0), &request())
        .unwrap();
    assert_eq!(
        out.recipients,
        vec![Recipient::Email("ext@example.org".into())]
    );
    assert_eq!(out.recipient_role, RoleName::from("peer"));
    let no_email = ShareRequest {
        typed_emails: vec![],
        ..request()
    };
    assert_eq!(
        spec.shares[0].evaluate(&e, &owner(), &id("pg"), Timestamp(0), &no_email),
        Err(ShareDenied::NoRecipient)
    );
}

#[test]
fn a_share_button_with_a_condition_appears_only_once_the_page_is_submitted() {
    let spec: ShareSpec = "student,teacher,teacher|tutor,0,48,Ask@en/Vraag@nl,submitted == 'Y'"
        .parse()
        .unwrap();
    assert_eq!(
        spec.to_string(),
        "student,teacher,teacher|tutor,0,48,Ask@en/Vraag@nl,submitted == 'Y'"
    );
    let mut e = olga();
    assert!(
        spec.available(&e, &owner(), &id("pg"), Timestamp(0))
            .is_empty()
    );
    e.set_state(
        &id("pg"),
        NodeState {
            submitted: Some(Timestamp(1)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        spec.available(&e, &owner(), &id("pg"), Timestamp(0)),
        vec![0]
    );
}

#[test]
fn share_spec_errors_name_the_field_and_the_column() {
    let e = "student,all,?,4,forever,Share@en"
        .parse::<ShareSpec>()
        .unwrap_err();
    assert_eq!((e.field.as_str(), e.column), ("validity", 17));
    assert!(e.to_string().contains("`forever`"), "{e}");
    let e = "student,all,?,4,24".parse::<ShareSpec>().unwrap_err();
    assert_eq!(e.field.as_str(), "label");
    let e = "student,all,?,4,24,Share".parse::<ShareSpec>().unwrap_err();
    assert_eq!((e.field.as_str(), e.column), ("label", 20));
    let e = "student,all,?,4,24,Share@en,submitted == "
        .parse::<ShareSpec>()
        .unwrap_err();
    assert_eq!((e.field.as_str(), e.column), ("condition", 41));
    let e = "student,all,?,4,24,Share@en;teacher,peer,,1,1,X@en"
        .parse::<ShareSpec>()
        .unwrap_err();
    assert_eq!((e.field.as_str(), e.column), ("recipients", 42));
}

#[test]
fn a_grantee_may_share_only_up_to_their_own_level_and_not_after_their_access_expired() {
    let mut e = olga();
    let mut g = Grant::new(1, "c", Subject::user("ann"), Level::Comment)
        .between(None, Some(Timestamp(100)));
    g.may_share = true;
    e.add_grant(g).unwrap();
    e.add_grant(Grant::new(2, "p", Subject::role("peer"), Level::Write))
        .unwrap();
    let ann = Principal::user("ann");
    assert!(e.may_grant(
        &ann,
        &Grant::new(3, "pg", Subject::user("bo"), Level::Comment),
        Timestamp(50)
    ));
    assert!(!e.may_grant(
        &ann,
        &Grant::new(3, "pg", Subject::user("bo"), Level::Write),
        Timestamp(50)
    ));
    assert!(!e.may_grant(
        &ann,
        &Grant::new(3, "pg", Subject::user("bo"), Level::Read),
        Timestamp(100)
    ));
    assert!(e.check(&ann, Action::Share, &id("pg"), Timestamp(50)));
    assert!(!e.check(&ann, Action::Share, &id("pg"), Timestamp(100)));
    // Level 2 would link the recipient to `peer`, which has write: above ann's comment.
    let spec: ShareSpec = "all,peer,?,2,1,Invite@en".parse().unwrap();
    assert!(matches!(
        spec.shares[0].evaluate(&e, &ann, &id("pg"), Timestamp(50), &request()),
        Err(ShareDenied::AboveOwnLevel {
            role_level: Level::Write,
            own: Level::Comment,
            ..
        })
    ));
}
