//! Property tests: random permitted edits pass; a forbidden one fails with its dependents.

use super::*;
use proptest::prelude::*;

/// Principals and what they may do in the world above.
#[derive(Debug, Clone, Copy)]
enum Who {
    Olga,
    Rita,
    Wendy,
}

#[derive(Debug, Clone)]
enum Edit {
    Type { node: usize, at: usize, text: String },
    Erase { node: usize, at: usize, len: usize },
    AddSection { parent: usize },
    Rename { node: usize },
    Bold { node: usize },
}

/// Permitted target nodes for each principal, as indexes into its own view.
fn targets(who: Who, page: &PageDoc) -> Vec<String> {
    let all: Vec<String> = {
        fn walk(n: &[folio_core::doc::PageNode], out: &mut Vec<(String, Vec<String>)>, path: Vec<String>) {
            for c in n {
                let mut p = path.clone();
                p.push(c.id.clone());
                out.push((c.id.clone(), p.clone()));
                walk(&c.children, out, p);
            }
        }
        let mut out = Vec::new();
        walk(&page.read().children, &mut out, Vec::new());
        out.into_iter()
            .filter(|(_, path)| match who {
                Who::Rita => path.first().map(String::as_str) == Some("s"),
                _ => true,
            })
            .map(|(id, _)| id)
            .collect()
    };
    all
}

fn apply(who: Who, page: &mut PageDoc, edit: &Edit, counter: &mut usize) {
    let nodes = targets(who, page);
    if nodes.is_empty() {
        return;
    }
    let pick = |i: usize| nodes[i % nodes.len()].clone();
    match edit {
        Edit::Type { node, at, text } => {
            let n = pick(*node);
            let len = page.text(&n).unwrap().chars().count();
            page.splice_text(&n, at % (len + 1), 0, text).unwrap();
        }
        Edit::Erase { node, at, len } => {
            let n = pick(*node);
            let total = page.text(&n).unwrap().chars().count();
            if total > 0 {
                let at = at % total;
                page.splice_text(&n, at, (*len).min(total - at), "").unwrap();
            }
        }
        Edit::AddSection { parent } => {
            *counter += 1;
            let p = pick(*parent);
            page.add_section(&p, &format!("n{counter}-{:?}", who as u8), "new", None).unwrap();
        }
        Edit::Rename { node } => drop(page.rename(&pick(*node), "renamed").unwrap()),
        Edit::Bold { node } => {
            let n = pick(*node);
            let len = page.text(&n).unwrap().chars().count();
            if len > 0 {
                page.format(&n, 0, len, folio_core::doc::Format::Bold, true).unwrap();
            }
        }
    }
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..8usize, 0..50usize, "[a-z ]{1,6}").prop_map(|(node, at, text)| Edit::Type { node, at, text }),
        (0..8usize, 0..50usize, 1..4usize).prop_map(|(node, at, len)| Edit::Erase { node, at, len }),
        (0..8usize).prop_map(|parent| Edit::AddSection { parent }),
        (0..8usize).prop_map(|node| Edit::Rename { node }),
        (0..8usize).prop_map(|node| Edit::Bold { node }),
    ]
}

fn who_strategy() -> impl Strategy<Value = Who> {
    prop_oneof![Just(Who::Olga), Just(Who::Rita), Just(Who::Wendy)]
}

fn principal_of(who: Who) -> Principal {
    user(match who {
        Who::Olga => "olga",
        Who::Rita => "rita",
        Who::Wendy => "wendy",
    })
}

/// Run rounds of edits: in each round every principal edits its copy, sends,
/// and pulls. Returns (verdicts, the hash of the injected change if any).
fn run(rounds: &[Vec<(Who, Edit)>], inject: Option<(usize, usize)>) -> (Vec<Verdict>, Option<ChangeHash>, Automerge) {
    let engine = engine();
    let mut server = server_page();
    let mut copies: Vec<(Who, PageDoc)> = [Who::Olga, Who::Rita, Who::Wendy]
        .into_iter()
        .map(|w| (w, client(&server, &principal_of(w), w as u8 + 1).0))
        .collect();
    let mut verdicts = Vec::new();
    let mut injected = None;
    let mut counter = 0;
    for (r, round) in rounds.iter().enumerate() {
        let mut sent: Vec<(Who, Vec<automerge::Change>)> = Vec::new();
        for (i, (who, edit)) in round.iter().enumerate() {
            let copy = &mut copies.iter_mut().find(|(w, _)| *w as u8 == *who as u8).unwrap().1;
            let heads = server.get_heads();
            apply(*who, copy, edit, &mut counter);
            if inject == Some((r, i)) {
                // Rita types into `t`, which she may not write.
                let before = copy.heads();
                copy.splice_text("t", 0, 0, "FORBIDDEN").unwrap();
                injected = copy.changes_since(&before).first().map(|c| c.hash());
                // …and keeps typing on top of it in `s`.
                copy.splice_text("s", 0, 0, "after").unwrap();
            }
            sent.push((*who, copy.changes_since(&heads)));
        }
        for (who, changes) in sent {
            let p = principal_of(who);
            verdicts.push(guard(&mut server, changes, Sender { principal: &p, profile: None }, &engine, NOW));
        }
        // Everyone pulls what the server accepted (clients whose branch was
        // refused keep it locally: later changes depend on it and are refused too).
        let snapshot = server.clone();
        for (_, copy) in copies.iter_mut() {
            copy.apply_remote(snapshot.get_changes(&[])).unwrap();
        }
    }
    (verdicts, injected, server)
}

fn rounds_strategy() -> impl Strategy<Value = Vec<Vec<(Who, Edit)>>> {
    prop::collection::vec(prop::collection::vec((who_strategy(), edit_strategy()), 1..4), 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn random_permitted_edits_from_several_principals_always_pass(rounds in rounds_strategy()) {
        let (verdicts, _, server) = run(&rounds, None);
        for v in &verdicts {
            prop_assert!(v.all_accepted(), "{:#?}", v);
        }
        PageDoc::from_automerge(server).unwrap().validate().unwrap();
    }

    #[test]
    fn one_injected_forbidden_edit_fails_exactly_with_its_dependents(rounds in rounds_strategy(), pick in any::<prop::sample::Index>()) {
        // inject in Rita's first edit, or give her one
        let mut rounds = rounds;
        let r = pick.index(rounds.len());
        rounds[r].push((Who::Rita, Edit::Rename { node: 0 }));
        let i = rounds[r].len() - 1;
        let (verdicts, injected, server) = run(&rounds, Some((r, i)));
        let injected = injected.unwrap();
        // Everything rejected is the injected change or descends from it.
        let mut rejected: Vec<ChangeHash> = Vec::new();
        for v in &verdicts {
            for c in &v.changes {
                if let Outcome::Rejected { reasons, .. } = &c.outcome {
                    if c.hash == injected {
                        prop_assert_eq!(reasons[0].kind, ReasonKind::Forbidden);
                    } else {
                        prop_assert_eq!(reasons[0].kind, ReasonKind::DependsOnRejected, "{:#?}", reasons);
                    }
                    rejected.push(c.hash);
                }
            }
        }
        prop_assert!(rejected.contains(&injected));
        prop_assert!(rejected.len() >= 2, "the edit typed on top of it is refused too");
        prop_assert!(!PageDoc::from_automerge(server.clone()).unwrap().text("t").unwrap().contains("FORBIDDEN"));
        PageDoc::from_automerge(server).unwrap().validate().unwrap();
    }
}
