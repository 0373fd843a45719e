//! Worked cases: organisations, dates, tokens.

use super::*;

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
