//! Every worked case from the sources, as a named test: the five Karuta share
//! use-cases, both Blackboard overwrite examples, the Portflow hide-feedback
//! rule, an organisation grant reaching a later member, an automatic
//! revocation on a date, and a token scoped `view:own`.

use folio_core::access::feedback::FeedbackEntry;
use folio_core::access::share::{
    Recipient, ShareDenied, ShareEffect, ShareLevel, ShareRequest, ShareSpec, Validity,
};
use folio_core::access::{
    Action, Category, Engine, Grant, GrantId, Level, LinkId, Node, NodeId, NodeKind, NodeState,
    Principal, Reason, RoleName, RoleRemoval, Scope, ScopeOp, Subject, TokenPrincipal, TokenScopes,
    UserId,
};
use folio_core::time::Timestamp;

const HOUR: i64 = 3_600_000;

fn id(s: &str) -> NodeId {
    NodeId::from(s)
}

/// Olga's portfolio: p › c (collection) › pg (page) › s (section) › r (resource),
/// plus a second collection c2 with page pg2.
fn olga() -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("p", "olga").with_title("Olga's internship"))
        .unwrap();
    e.add_node(Node::child("c", NodeKind::Collection, "p"))
        .unwrap();
    e.add_node(Node::child("pg", NodeKind::Page, "c")).unwrap();
    e.add_node(Node::child("s", NodeKind::Section, "pg"))
        .unwrap();
    e.add_node(Node::child("r", NodeKind::Resource, "s"))
        .unwrap();
    e.add_node(Node::child("c2", NodeKind::Collection, "p"))
        .unwrap();
    e.add_node(Node::child("pg2", NodeKind::Page, "c2"))
        .unwrap();
    e
}

fn request() -> ShareRequest {
    ShareRequest {
        typed_emails: vec!["ext@example.org".into()],
        link: LinkId::from("lnk-1"),
        grant_id: GrantId(900),
    }
}

fn owner() -> Principal {
    Principal::user("olga")
}

// ---- Karuta share specs -------------------------------------------------------

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

// ---- Blackboard overwrite ----------------------------------------------------

#[test]
fn blackboard_overwrite_on_a_folder_replaces_an_items_delete_with_read_and_write() {
    let mut e = olga();
    let kim = Subject::user("kim");
    e.add_grant(Grant::new(1, "pg", kim.clone(), Level::Remove))
        .unwrap();
    let removed = e
        .set_grant(Grant::new(2, "c", kim.clone(), Level::Write), true)
        .unwrap();
    assert_eq!(removed, vec![GrantId(1)]);
    let p = Principal::user("kim");
    assert_eq!(e.level(&p, &id("pg"), Timestamp(0)), Some(Level::Write));
    assert!(e.check(&p, Action::Write, &id("pg"), Timestamp(0)));
    assert!(!e.check(&p, Action::Delete, &id("pg"), Timestamp(0)));
    assert!(e.grants_on(&id("pg")).is_empty());
}

#[test]
fn blackboard_adding_manage_without_overwrite_keeps_an_items_delete_and_adds_manage() {
    let mut e = olga();
    let kim = Subject::user("kim");
    e.add_grant(Grant::new(1, "pg", kim.clone(), Level::Remove))
        .unwrap();
    let removed = e
        .set_grant(Grant::new(2, "c", kim.clone(), Level::Manage), false)
        .unwrap();
    assert!(removed.is_empty());
    let p = Principal::user("kim");
    assert_eq!(e.level(&p, &id("pg"), Timestamp(0)), Some(Level::Manage));
    assert_eq!(
        e.grants_on(&id("pg"))[0].level,
        Level::Remove,
        "the item keeps its explicit delete"
    );
    // …and once manage on the folder is revoked, delete on the item still stands.
    e.remove_grant(GrantId(2)).unwrap();
    assert!(e.check(&p, Action::Delete, &id("pg"), Timestamp(0)));
}

// ---- Portflow hide-feedback --------------------------------------------------

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

// ---- organisations, dates, tokens --------------------------------------------

#[test]
fn an_organisation_grant_reaches_a_member_who_joins_later() {
    let mut e = olga();
    e.add_grant(Grant::new(
        1,
        "c",
        Subject::Org {
            org: "airfrance".into(),
            role: Some("mentor".into()),
        },
        Level::Comment,
    ))
    .unwrap();
    // Later, lena joins Air France as a mentor: no grant changes.
    let lena_before = Principal::user("lena");
    let lena = Principal::user("lena").with_org("airfrance", Some("mentor"));
    let lena_clerk = Principal::user("lena").with_org("airfrance", Some("clerk"));
    assert!(!e.check(&lena_before, Action::Read, &id("pg"), Timestamp(0)));
    assert!(e.check(&lena, Action::Comment, &id("pg"), Timestamp(0)));
    assert!(
        !e.check(&lena_clerk, Action::Read, &id("pg"), Timestamp(0)),
        "the grant is narrowed to mentors"
    );
}

#[test]
fn access_is_revoked_automatically_on_its_end_date_and_falls_back_to_what_remains() {
    let mut e = olga();
    let june_30 = Timestamp(1_751_241_600_000);
    e.add_grant(
        Grant::new(1, "p", Subject::user("sam"), Level::Write).between(None, Some(june_30)),
    )
    .unwrap();
    e.add_grant(Grant::new(2, "c", Subject::user("sam"), Level::Read))
        .unwrap();
    let sam = Principal::user("sam");
    assert_eq!(
        e.level(&sam, &id("pg"), june_30.plus_millis(-1)),
        Some(Level::Write)
    );
    assert_eq!(
        e.level(&sam, &id("pg"), june_30),
        Some(Level::Read),
        "falls back to the read grant"
    );
    assert_eq!(e.level(&sam, &id("pg2"), june_30), None);
    assert_eq!(e.next_change(&sam, Timestamp(0)), Some(june_30));
    assert_eq!(e.next_change(&sam, june_30), None);
    let why = e.explain(&sam, Action::Write, &id("pg"), june_30);
    assert!(!why.allowed);
    assert!(
        why.reasons.iter().any(|r| matches!(
            r,
            Reason::Ended {
                grant: GrantId(1),
                ..
            }
        )),
        "{why}"
    );
    assert!(why.to_string().contains("ended"), "{why}");
}

#[test]
fn a_token_scoped_view_own_reads_its_owners_portfolios_and_nothing_else() {
    let mut e = olga();
    e.add_node(Node::portfolio("q", "tom")).unwrap();
    e.add_node(Node::child("qc", NodeKind::Collection, "q"))
        .unwrap();
    e.add_grant(Grant::new(1, "q", Subject::user("olga"), Level::Write))
        .unwrap();
    let scopes = TokenScopes::none()
        .with(Category::Portfolios, ScopeOp::View, Scope::Own)
        .expiring(Timestamp(1000));
    let token = Principal::Token(TokenPrincipal {
        id: "tok-1".into(),
        user: Some(folio_core::access::UserPrincipal {
            id: "olga".into(),
            roles: vec![],
            orgs: vec![],
        }),
        scopes,
    });
    assert!(e.check(&token, Action::Read, &id("pg"), Timestamp(0)));
    assert!(
        !e.check(&token, Action::Write, &id("pg"), Timestamp(0)),
        "view does not edit"
    );
    assert!(
        !e.check(&token, Action::Read, &id("qc"), Timestamp(0)),
        "olga may write there, but it is not hers"
    );
    assert!(
        !e.check(&token, Action::Read, &id("pg"), Timestamp(1000)),
        "expired"
    );
    let mut visible = e.visible(&token, Timestamp(0));
    visible.sort();
    assert_eq!(visible.len(), 7);
    assert!(!visible.contains(&id("q")));
    assert!(scopes.allows(
        Category::Portfolios,
        ScopeOp::View,
        folio_core::access::Relation::Own,
        Timestamp(0)
    ));
    assert!(!scopes.allows(
        Category::Feedback,
        ScopeOp::View,
        folio_core::access::Relation::Own,
        Timestamp(0)
    ));
}

// ---- self-removal, owner, conditions, explain -------------------------------

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
