//! Property tests: the fast engine equals the reference evaluator, and the
//! model's invariants hold, on random trees, grants, subjects, conditions and
//! times. Also: snapshots answer like the full engine, and share specs and
//! conditions round-trip through print and parse.

use std::collections::BTreeSet;

use folio_core::access::expr::Expr;
use folio_core::access::feedback::FeedbackEntry;
use folio_core::access::share::{
    Label, Recipient, Separator, Share, ShareLevel, ShareSpec, Validity,
};
use folio_core::access::{
    Action, Category, Condition, Engine, Grant, GrantId, Level, LinkId, Node, NodeId, NodeKind,
    NodeState, OrgId, OrgMembership, Principal, RoleMembership, RoleName, Scope, ScopeOp, Subject,
    TokenId, TokenPrincipal, TokenScopes, UserId, UserPrincipal, Value, World,
};
use folio_core::time::Timestamp;
use proptest::prelude::*;
use proptest::sample::Index;

const ROLES: [&str; 3] = ["teacher", "peer", "external"];
const CONDITIONS: [&str; 4] = [
    "submitted == 'Y'",
    "submitted != 'Y'",
    "grade == 'A' || kind == 'section'",
    "!(grade == 'draft')",
];
const HORIZON: u8 = 40;

#[derive(Debug, Clone)]
struct Case {
    nodes: Vec<Node>,
    grants: Vec<Grant>,
    principals: Vec<Principal>,
}

fn arb_nodes() -> impl Strategy<Value = Vec<Node>> {
    prop::collection::vec((any::<Index>(), any::<u8>(), 0u8..4), 0..36).prop_map(|specs| {
        let mut nodes = vec![Node::portfolio("p0", "u0"), Node::portfolio("p1", "u1")];
        for (i, (parent, kind, state)) in specs.into_iter().enumerate() {
            let containers: Vec<&Node> = nodes.iter().filter(|n| n.kind.is_container()).collect();
            let parent = containers[parent.index(containers.len())];
            let kinds: Vec<NodeKind> = [
                NodeKind::Collection,
                NodeKind::Page,
                NodeKind::Section,
                NodeKind::Resource,
            ]
            .into_iter()
            .filter(|k| parent.kind.can_contain(*k))
            .collect();
            let mut node = Node::child(
                format!("n{i}"),
                kinds[kind as usize % kinds.len()],
                parent.id.clone(),
            );
            if state & 1 == 1 {
                node.state.submitted = Some(Timestamp(3));
            }
            if state & 2 == 2 {
                node.state.fields.insert(
                    "grade".into(),
                    Value::Str(if i % 2 == 0 { "A" } else { "draft" }.into()),
                );
            }
            nodes.push(node);
        }
        nodes
    })
}

fn time(t: Option<u8>) -> Option<Timestamp> {
    t.map(|t| Timestamp((t % HORIZON) as i64))
}

fn arb_subject() -> impl Strategy<Value = Subject> {
    prop_oneof![
        (0u8..5).prop_map(|u| Subject::user(format!("u{u}"))),
        (0usize..3).prop_map(|r| Subject::role(ROLES[r])),
        (0u8..2, prop::option::of(0usize..2)).prop_map(|(o, r)| Subject::Org {
            org: OrgId(format!("o{o}")),
            role: r.map(|r| RoleName::from(["staff", "student"][r]))
        }),
        (0u8..2).prop_map(|l| Subject::Link {
            id: LinkId(format!("l{l}"))
        }),
        (0u8..2).prop_map(|t| Subject::Token {
            id: TokenId(format!("t{t}"))
        }),
        Just(Subject::Public),
    ]
}

fn arb_grants(nodes: &[Node]) -> impl Strategy<Value = Vec<Grant>> + use<> {
    let ids: Vec<NodeId> = nodes.iter().map(|n| n.id.clone()).collect();
    prop::collection::vec(
        (
            any::<Index>(),
            arb_subject(),
            0usize..5,
            prop::option::weighted(0.2, any::<u8>()),
            prop::option::weighted(0.35, any::<u8>()),
            prop::option::weighted(0.2, 0usize..CONDITIONS.len()),
            any::<bool>(),
            prop::bool::weighted(0.3),
        ),
        0..24,
    )
    .prop_map(move |specs| {
        specs
            .into_iter()
            .enumerate()
            .map(
                |(i, (node, subject, level, start, end, cond, share, hide))| {
                    let mut g = Grant::new(
                        i as u64 + 1,
                        ids[node.index(ids.len())].clone(),
                        subject,
                        Level::ALL[level],
                    )
                    .between(time(start), time(end));
                    g.condition = cond.map(|c| CONDITIONS[c].parse().unwrap());
                    g.may_share = share;
                    g.hide_feedback = hide;
                    g
                },
            )
            .collect()
    })
}

fn arb_user(u: u8) -> impl Strategy<Value = UserPrincipal> {
    (
        prop::collection::vec(
            (0u8..3, 0usize..3, prop::option::weighted(0.3, any::<u8>())),
            0..3,
        ),
        prop::collection::vec((0u8..2, prop::option::of(0usize..3)), 0..2),
    )
        .prop_map(move |(roles, orgs)| UserPrincipal {
            id: UserId(format!("u{u}")),
            roles: roles
                .into_iter()
                .map(|(p, r, until)| RoleMembership {
                    portfolio: NodeId(format!("p{p}")),
                    role: ROLES[r].into(),
                    until: time(until),
                })
                .collect(),
            orgs: orgs
                .into_iter()
                .map(|(o, r)| OrgMembership {
                    org: OrgId(format!("o{o}")),
                    role: r.map(|r| ["staff", "student", "x"][r].into()),
                })
                .collect(),
        })
}

fn arb_scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::None),
        Just(Scope::Own),
        Just(Scope::Related),
        Just(Scope::All)
    ]
}

fn arb_principals() -> impl Strategy<Value = Vec<Principal>> {
    (
        (
            arb_user(0),
            arb_user(1),
            arb_user(2),
            arb_user(3),
            arb_user(4),
        ),
        prop::option::of(arb_user(2)),
        (arb_scope(), arb_scope(), arb_scope()),
        prop::option::of(any::<u8>()),
    )
        .prop_map(|((a, b, c, d, e), token_user, (view, edit, fb), expires)| {
            let mut scopes = TokenScopes::none()
                .with(Category::Portfolios, ScopeOp::View, view)
                .with(Category::Portfolios, ScopeOp::Edit, edit)
                .with(Category::Feedback, ScopeOp::View, fb);
            scopes.expires = time(expires);
            vec![
                Principal::User(a),
                Principal::User(b),
                Principal::User(c),
                Principal::User(d),
                Principal::User(e),
                Principal::Link {
                    id: LinkId::from("l0"),
                },
                Principal::Token(TokenPrincipal {
                    id: "t0".into(),
                    user: token_user,
                    scopes,
                }),
                Principal::Token(TokenPrincipal {
                    id: "t1".into(),
                    user: None,
                    scopes: TokenScopes::none(),
                }),
                Principal::Anonymous,
                Principal::user("nobody"),
            ]
        })
}

fn arb_case() -> impl Strategy<Value = Case> {
    arb_nodes().prop_flat_map(|nodes| {
        let grants = arb_grants(&nodes);
        (Just(nodes), grants, arb_principals()).prop_map(|(nodes, grants, principals)| Case {
            nodes,
            grants,
            principals,
        })
    })
}

fn engine(c: &Case) -> Engine {
    Engine::build(c.nodes.clone(), c.grants.clone()).unwrap()
}

fn world(c: &Case) -> World {
    World {
        nodes: c.nodes.clone(),
        grants: c.grants.clone(),
    }
}

fn sorted(mut v: Vec<NodeId>) -> Vec<NodeId> {
    v.sort();
    v
}

fn assert_same(
    e: &Engine,
    w: &World,
    principals: &[Principal],
    now: Timestamp,
) -> Result<(), TestCaseError> {
    for p in principals {
        for n in &w.nodes {
            prop_assert_eq!(
                e.access(p, &n.id, now),
                w.access(p, &n.id, now),
                "access of {:?} on {} at {:?}",
                p,
                n.id,
                now
            );
            prop_assert_eq!(
                e.holds_above_read(p, &n.id, now),
                w.holds_above_read(p, &n.id, now),
                "holds_above_read of {:?} within {} at {:?}",
                p,
                n.id,
                now
            );
            for a in Action::ALL {
                prop_assert_eq!(e.check(p, a, &n.id, now), w.check(p, a, &n.id, now));
                prop_assert_eq!(
                    e.explain(p, a, &n.id, now).allowed,
                    w.check(p, a, &n.id, now)
                );
            }
        }
        for n in w.nodes.iter().filter(|n| n.kind == NodeKind::Page) {
            for t in w.nodes.iter().filter(|t| t.kind != NodeKind::Page) {
                prop_assert_eq!(
                    e.may_move(p, &n.id, &t.id, now),
                    w.may_move(p, &n.id, &t.id, now),
                    "may_move of {:?}: {} into {} at {:?}",
                    p,
                    n.id,
                    t.id,
                    now
                );
            }
        }
        prop_assert_eq!(
            sorted(e.visible(p, now)),
            w.visible(p, now),
            "visible for {:?} at {:?}",
            p,
            now
        );
        prop_assert_eq!(
            e.next_change(p, now),
            w.next_change(p, now),
            "next_change for {:?}",
            p
        );
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Op {
    Move(Index, Index),
    Remove(Index),
    SetGrant(Index, Subject, usize, bool),
    Revoke(Index),
    Submit(Index, bool),
    Add(Index, u8),
}

fn arb_ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Op::Move(a, b)),
            any::<Index>().prop_map(Op::Remove),
            (any::<Index>(), arb_subject(), 0usize..5, any::<bool>())
                .prop_map(|(n, s, l, o)| Op::SetGrant(n, s, l, o)),
            any::<Index>().prop_map(Op::Revoke),
            (any::<Index>(), any::<bool>()).prop_map(|(n, b)| Op::Submit(n, b)),
            (any::<Index>(), any::<u8>()).prop_map(|(n, k)| Op::Add(n, k)),
        ],
        1..10,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_agrees_with_the_reference(c in arb_case(), t in 0..HORIZON + 2) {
        assert_same(&engine(&c), &world(&c), &c.principals, Timestamp(t as i64))?;
    }

    #[test]
    fn incremental_updates_agree_with_a_rebuild_and_with_the_reference(c in arb_case(), ops in arb_ops(), t in 0..HORIZON) {
        let mut e = engine(&c);
        let mut next_id = 1000;
        for op in ops {
            let ids: Vec<NodeId> = e.nodes().into_iter().map(|n| n.id.clone()).collect();
            let grants: Vec<GrantId> = e.grants().into_iter().map(|g| g.id).collect();
            if ids.is_empty() {
                break;
            }
            // Errors (a cycle, a kind mismatch) must leave the engine unchanged; they are part of the test.
            let before = e.to_world();
            let result = match op {
                Op::Move(a, b) => e.move_node(&ids[a.index(ids.len())], &ids[b.index(ids.len())]).map(drop),
                Op::Remove(a) => e.remove_subtree(&ids[a.index(ids.len())]).map(drop),
                Op::SetGrant(n, s, l, o) => {
                    next_id += 1;
                    e.set_grant(Grant::new(next_id, ids[n.index(ids.len())].clone(), s, Level::ALL[l]), o).map(drop)
                }
                Op::Revoke(g) if !grants.is_empty() => e.remove_grant(grants[g.index(grants.len())]).map(drop),
                Op::Revoke(_) => Ok(()),
                Op::Submit(n, b) => e.set_state(&ids[n.index(ids.len())], NodeState { submitted: b.then_some(Timestamp(1)), ..Default::default() }),
                Op::Add(n, k) => {
                    next_id += 1;
                    let kinds = [NodeKind::Collection, NodeKind::Page, NodeKind::Section, NodeKind::Resource];
                    e.add_node(Node::child(format!("x{next_id}"), kinds[k as usize % 4], ids[n.index(ids.len())].clone()))
                }
            };
            if result.is_err() {
                prop_assert_eq!(e.to_world(), before);
            }
        }
        let w = e.to_world();
        let rebuilt = Engine::build(w.nodes.clone(), w.grants.clone()).unwrap();
        assert_same(&e, &w, &c.principals, Timestamp(t as i64))?;
        assert_same(&rebuilt, &w, &c.principals, Timestamp(t as i64))?;
    }

    #[test]
    fn access_is_denied_by_default(nodes in arb_nodes(), t in 0..HORIZON) {
        let e = Engine::build(nodes.clone(), Vec::new()).unwrap();
        for n in &nodes {
            for p in [Principal::user("nobody"), Principal::Anonymous, Principal::Link { id: "l0".into() }] {
                prop_assert_eq!(e.level(&p, &n.id, Timestamp(t as i64)), None);
            }
        }
        prop_assert!(e.visible(&Principal::Anonymous, Timestamp(t as i64)).is_empty());
    }

    #[test]
    fn access_never_shrinks_going_down_the_tree(c in arb_case(), t in 0..HORIZON) {
        let e = engine(&c);
        let now = Timestamp(t as i64);
        for p in &c.principals {
            for n in &c.nodes {
                if let Some(parent) = &n.parent {
                    let (below, above) = (e.access(p, &n.id, now), e.access(p, parent, now));
                    prop_assert!(below.level >= above.level, "{:?}: {} below {}", p, n.id, parent);
                    prop_assert!(below.may_share >= above.may_share);
                }
            }
        }
    }

    #[test]
    fn the_order_of_grants_does_not_matter(c in arb_case(), rot in any::<Index>(), t in 0..HORIZON) {
        let e = engine(&c);
        let mut shuffled = c.grants.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let k = rot.index(shuffled.len());
            shuffled.rotate_left(k);
        }
        let f = Engine::build(c.nodes.clone(), shuffled).unwrap();
        let now = Timestamp(t as i64);
        for p in &c.principals {
            for n in &c.nodes {
                prop_assert_eq!(e.access(p, &n.id, now), f.access(p, &n.id, now));
                prop_assert_eq!(e.explain(p, Action::Write, &n.id, now), f.explain(p, Action::Write, &n.id, now));
            }
            prop_assert_eq!(sorted(e.visible(p, now)), sorted(f.visible(p, now)));
        }
    }

    #[test]
    fn an_expired_grant_falls_back_to_whatever_else_applies(c in arb_case(), pick in any::<Index>(), end in 0..HORIZON, after in 0..HORIZON) {
        prop_assume!(!c.grants.is_empty());
        let k = pick.index(c.grants.len());
        let mut grants = c.grants.clone();
        grants[k].end = Some(Timestamp(end as i64));
        let with = Engine::build(c.nodes.clone(), grants.clone()).unwrap();
        grants.remove(k);
        let without = Engine::build(c.nodes.clone(), grants).unwrap();
        let now = Timestamp(end as i64 + after as i64);
        for p in &c.principals {
            for n in &c.nodes {
                prop_assert_eq!(with.access(p, &n.id, now), without.access(p, &n.id, now));
            }
        }
    }

    #[test]
    fn overwrite_replaces_the_subjects_grants_below_and_merge_keeps_them(c in arb_case(), at in any::<Index>(), subject in arb_subject(), level in 0usize..5, overwrite in any::<bool>()) {
        let mut e = engine(&c);
        let node = c.nodes[at.index(c.nodes.len())].id.clone();
        let below = |e: &Engine, keep_top: bool| -> BTreeSet<u64> {
            e.grants().into_iter()
                .filter(|g| g.subject == subject && (keep_top || g.node != node))
                .filter(|g| { let mut cur = e.node(&g.node).and_then(|n| n.parent.clone()); let mut inside = g.node == node;
                    while let Some(p) = cur { inside |= p == node; cur = e.node(&p).and_then(|n| n.parent.clone()); } inside })
                .map(|g| g.id.0).collect()
        };
        let before = below(&e, false);
        let others: BTreeSet<u64> = e.grants().into_iter().filter(|g| g.subject != subject).map(|g| g.id.0).collect();
        let removed = e.set_grant(Grant::new(10_000, node.clone(), subject.clone(), Level::ALL[level]), overwrite).unwrap();
        let after = below(&e, false);
        if overwrite {
            prop_assert!(after.is_empty());
            prop_assert!(before.iter().all(|id| removed.contains(&GrantId(*id))));
        } else {
            prop_assert_eq!(after, before);
        }
        let others_after: BTreeSet<u64> = e.grants().into_iter().filter(|g| g.subject != subject).map(|g| g.id.0).collect();
        prop_assert_eq!(others, others_after, "other subjects' grants are never touched");
        prop_assert_eq!(e.grants_on(&node).iter().filter(|g| g.subject == subject).count(), 1);
    }

    #[test]
    fn a_snapshot_answers_like_the_full_engine_until_it_must_be_replaced(c in arb_case(), t in 0..HORIZON, dt in 0..HORIZON) {
        let e = engine(&c);
        let now = Timestamp(t as i64);
        for p in &c.principals {
            let snap = e.snapshot_for(p, now);
            let json = serde_json::to_string(&snap).unwrap();
            let back: folio_core::access::PolicySnapshot = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &snap);
            let s = Engine::from_snapshot(&back).unwrap();
            let later = Timestamp(now.0 + dt as i64);
            for at in [now, later] {
                if snap.valid_until.is_some_and(|v| at >= v) {
                    continue;
                }
                prop_assert_eq!(sorted(e.visible(p, at)), sorted(s.visible(p, at)));
                for n in &c.nodes {
                    prop_assert_eq!(e.access(p, &n.id, at), s.access(p, &n.id, at), "{:?} on {}", p, n.id);
                    for a in Action::ALL {
                        prop_assert_eq!(e.check(p, a, &n.id, at), s.check(p, a, &n.id, at));
                        if s.node(&n.id).is_some() {
                            prop_assert_eq!(e.explain(p, a, &n.id, at), s.explain(p, a, &n.id, at));
                        }
                    }
                    for (author, starter) in [("u3", "u3"), ("u0", "u3"), ("u0", "u0"), ("u2", "u0")] {
                        let entry = FeedbackEntry { author: author.into(), thread_starter: starter.into() };
                        prop_assert_eq!(e.feedback_visible(p, &n.id, &entry, at), s.feedback_visible(p, &n.id, &entry, at));
                    }
                }
            }
            let readable: BTreeSet<&NodeId> = snap.nodes.iter().filter(|n| n.readable).map(|n| &n.id).collect();
            let visible: Vec<NodeId> = e.visible(p, now);
            prop_assert_eq!(readable, visible.iter().collect::<BTreeSet<_>>(), "a snapshot holds exactly the readable nodes and their path");
        }
    }
}

// ---- round trips ---------------------------------------------------------------

fn arb_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,8}"
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        Just(Expr::Lit(Value::Null)),
        any::<bool>().prop_map(|b| Expr::Lit(Value::Bool(b))),
        (-1000i32..1000, prop::bool::ANY)
            .prop_map(|(n, half)| Expr::Lit(Value::Num(n as f64 + if half { 0.5 } else { 0.0 }))),
        "[a-zA-Z '\"\\\\,;@/]{0,6}".prop_map(|s| Expr::Lit(Value::Str(s))),
        "[a-z][a-z0-9_]{0,8}"
            .prop_filter("not a keyword", |s| !["true", "false", "null"]
                .contains(&s.as_str()))
            .prop_map(Expr::Field),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Or(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Eq(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Expr::Ne(Box::new(a), Box::new(b))),
        ]
    })
}

fn arb_share() -> impl Strategy<Value = Share> {
    (
        (arb_name(), arb_name()),
        prop::collection::vec(
            prop_oneof![
                arb_name().prop_map(|r| Recipient::Role(r.into())),
                (arb_name(), arb_name())
                    .prop_map(|(a, b)| Recipient::Email(format!("{a}@{b}.org"))),
                Just(Recipient::Ask),
            ],
            1..4,
        ),
        any::<bool>(),
        0usize..5,
        prop::option::of(0u32..10_000),
        prop::collection::vec(("[A-Za-z][A-Za-z ,'@]{0,12}[a-z]", "[a-z]{2}"), 1..3),
        prop::option::of(arb_expr()),
    )
        .prop_map(
            |((sharer, role), recipients, pipe, level, hours, labels, cond)| Share {
                sharer_role: sharer.into(),
                recipient_role: role.into(),
                recipients,
                separator: if pipe {
                    Separator::Pipe
                } else {
                    Separator::Space
                },
                level: [
                    ShareLevel::LoginWithRole,
                    ShareLevel::DirectLogin,
                    ShareLevel::LinkAccount,
                    ShareLevel::GuestAccount,
                    ShareLevel::Public,
                ][level],
                validity: hours.map_or(Validity::Unlimited, Validity::Hours),
                labels: labels
                    .into_iter()
                    .map(|(text, lang)| Label {
                        text: text.replace([',', ';'], "x"),
                        lang,
                    })
                    .collect(),
                condition: cond.map(Condition::from_expr),
            },
        )
}

proptest! {
    #[test]
    fn conditions_round_trip_through_print_and_parse(e in arb_expr()) {
        let c = Condition::from_expr(e.clone());
        let parsed = Condition::parse(c.as_str()).unwrap();
        prop_assert_eq!(parsed.expr(), &e, "text: {}", c.as_str());
        prop_assert_eq!(parsed.as_str(), c.as_str());
    }

    #[test]
    fn share_specs_round_trip_through_print_and_parse(shares in prop::collection::vec(arb_share(), 1..4)) {
        // A single recipient has no separator to remember.
        let shares: Vec<Share> = shares.into_iter().map(|mut s| { if s.recipients.len() == 1 { s.separator = Separator::Space; } s }).collect();
        let spec = ShareSpec { shares };
        let text = spec.to_string();
        let parsed: ShareSpec = text.parse().map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        prop_assert_eq!(&parsed, &spec);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in "\\PC{0,60}") {
        let _ = s.parse::<ShareSpec>();
        let _ = s.parse::<Condition>();
    }
}
