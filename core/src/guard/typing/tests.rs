//! The fast path against the general one: same verdicts, same patches,
//! same document, on random typing and deleting (and some edits that are
//! neither) from two concurrent clients.

use automerge::{Automerge, Change};
use proptest::prelude::*;

use super::super::{GuardCache, Sender, Verdict, guard_cached, guard_senders, run};
use crate::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
use crate::doc::{BlockKind, Format, PageDoc, actor};
use crate::time::Timestamp;

const NOW: Timestamp = Timestamp(500);

fn engine() -> Engine {
    let mut e = Engine::new();
    e.add_node(Node::portfolio("pf", "olga")).unwrap();
    e.add_node(Node::child("c1", NodeKind::Collection, "pf")).unwrap();
    e.add_node(Node::child("pg", NodeKind::Page, "c1")).unwrap();
    e.add_node(Node::child("s", NodeKind::Section, "pg")).unwrap();
    e.add_node(Node::child("t", NodeKind::Section, "pg")).unwrap();
    e.add_grant(Grant::new(1, "pg", Subject::user("wendy"), Level::Write)).unwrap();
    e.add_grant(Grant::new(2, "s", Subject::user("rita"), Level::Write)).unwrap();
    e.add_grant(Grant::new(3, "pg", Subject::user("carl"), Level::Comment)).unwrap();
    e
}

/// Sections `s` and `t` with text, `s` partly bold; `u` is not known to the engine.
fn page() -> Automerge {
    let mut p = PageDoc::create(actor::actor_for("user:olga", [0; 16]), "pg", "c1").unwrap();
    for id in ["s", "t", "u"] {
        p.add_section("pg", id, id, None).unwrap();
        p.splice_text(id, 0, 0, "Hello wörld ").unwrap();
    }
    p.format("s", 0, 5, Format::Bold, true).unwrap();
    p.into_automerge()
}

#[derive(Debug, Clone)]
enum Ed {
    Type(&'static str),
    Delete(usize),
    Bold,
    Block,
    DeleteNode,
}

fn edit() -> impl Strategy<Value = (usize, usize, usize, Ed)> {
    let ed = prop_oneof![
        6 => prop::sample::select(vec!["a", "é", "😀", "xyz", "ab😀c", " "]).prop_map(Ed::Type),
        3 => (1usize..4).prop_map(Ed::Delete),
        1 => Just(Ed::Bold),
        1 => Just(Ed::Block),
        1 => Just(Ed::DeleteNode),
    ];
    (0usize..2, 0usize..3, 0usize..100, ed)
}

/// Typing and deleting around one place of a section: many deleted elements
/// land at the same index, typed and not, which is where a burst has to work
/// out their order.
fn clustered_edit() -> impl Strategy<Value = (usize, usize, usize, Ed)> {
    let ed = prop_oneof![
        1 => prop::sample::select(vec!["a", "é", "xyz", "😀"]).prop_map(Ed::Type),
        1 => (1usize..3).prop_map(Ed::Delete),
    ];
    (0usize..2, 0usize..2, 40usize..60, ed)
}

/// Each client's changes, one per edit, made concurrently from the base.
fn changes(base: &Automerge, who: [&str; 2], edits: &[(usize, usize, usize, Ed)]) -> Vec<(usize, Change)> {
    let mut clients: Vec<PageDoc> = (0..2u8)
        .map(|i| PageDoc::load(&base.clone().save(), actor::actor_for(&format!("user:{}", who[usize::from(i)]), [i + 1; 16])).unwrap())
        .collect();
    let mut out = Vec::new();
    for (c, node, at, ed) in edits {
        let p = &mut clients[*c];
        let node = ["s", "t", "u"][*node];
        let Ok(text) = p.text(node) else { continue };
        let len = text.chars().count();
        let at = at * len / 100;
        let heads = p.heads();
        let _ = match ed {
            Ed::Type(s) => p.splice_text(node, at, 0, s),
            Ed::Delete(n) => p.splice_text(node, at, (*n).min(len - at), ""),
            Ed::Bold => p.format(node, at, len, Format::Bold, true),
            Ed::Block => p.set_block(node, at, BlockKind::Blockquote),
            Ed::DeleteNode => p.delete_node(node),
        };
        out.extend(p.changes_since(&heads).into_iter().map(|ch| (*c, ch)));
    }
    out
}

/// Guard each change on its own, in an interleaving of the two clients,
/// both ways; the verdicts and documents must agree.
fn both(who: [&str; 2], edits: &[(usize, usize, usize, Ed)]) -> (Vec<Verdict>, usize) {
    let base = page();
    let engine = engine();
    let people = who.map(Principal::user);
    let mut incoming = changes(&base, who, edits);
    // interleave: alternate clients while both have changes left
    incoming.sort_by_key(|(c, _)| *c);
    let split = incoming.iter().position(|(c, _)| *c == 1).unwrap_or(incoming.len());
    let (a, b) = incoming.split_at(split);
    let mut order = Vec::new();
    for i in 0..a.len().max(b.len()) {
        order.extend(a.get(i).cloned());
        order.extend(b.get(i).cloned());
    }
    let (mut fast_doc, mut slow_doc) = (base.clone(), base);
    let (mut fast_cache, mut slow_cache) = (GuardCache::default(), GuardCache::default());
    let mut verdicts = Vec::new();
    let mut typed = 0;
    for (c, ch) in order {
        let sender = Sender { principal: &people[c], profile: None };
        let f = guard_cached(&mut fast_cache, &mut fast_doc, vec![ch.clone()], sender, &engine, NOW);
        typed += usize::from(fast_cache.place.is_some());
        let s = run(&mut slow_cache, &mut slow_doc, vec![ch], sender, &engine, NOW, false);
        assert_eq!(f, s, "fast and general verdicts differ");
        assert!(slow_cache.place.is_none());
        verdicts.push(f);
    }
    assert_eq!(fast_doc.get_heads(), slow_doc.get_heads());
    (verdicts, typed)
}

#[test]
fn typing_takes_the_fast_path_and_reports_what_the_general_path_does() {
    let edits = [(0, 0, 50, Ed::Type("a")), (0, 0, 50, Ed::Type("b😀")), (1, 0, 50, Ed::Type("c")), (0, 1, 0, Ed::Type("d"))];
    let (verdicts, typed) = both(["wendy", "wendy"], &edits);
    assert!(verdicts.iter().all(Verdict::all_accepted));
    assert_eq!(typed, 4, "every keystroke went through the fast path");
}

#[test]
fn consecutive_keystrokes_land_where_the_general_path_says() {
    // Client 0 types at the end of `s` (each keystroke after the one
    // before, the index carried over), client 1 types in the middle.
    let mut edits = Vec::new();
    for ch in ["h", "é", "l", "😀", "o", "!"] {
        edits.push((0, 0, 100, Ed::Type(ch)));
    }
    edits.push((1, 0, 50, Ed::Type("x")));
    edits.push((1, 0, 50, Ed::Type("y")));
    let (verdicts, typed) = both(["wendy", "wendy"], &edits);
    assert!(verdicts.iter().all(Verdict::all_accepted));
    assert_eq!(typed, 8);
    // and alone, so every keystroke continues the previous one
    let (verdicts, typed) = both(["wendy", "wendy"], &edits[..6]);
    assert!(verdicts.iter().all(Verdict::all_accepted));
    assert_eq!(typed, 6);
}

#[test]
fn deleting_takes_the_fast_path_and_reports_what_the_general_path_does() {
    // Backspaces in the bold part, a forward delete of three, the last
    // character, a multi-byte one; then across a block marker.
    let edits = [
        (0, 0, 20, Ed::Delete(1)),
        (0, 0, 20, Ed::Delete(1)),
        (0, 0, 50, Ed::Delete(3)),
        (1, 0, 99, Ed::Delete(1)),
        (1, 0, 99, Ed::Delete(1)),
        (0, 1, 30, Ed::Block),
        (0, 1, 25, Ed::Delete(3)),
    ];
    let (verdicts, typed) = both(["wendy", "wendy"], &edits);
    assert!(verdicts.iter().all(Verdict::all_accepted));
    assert_eq!(typed, 6, "every deletion went through the fast path, the block did not");
    let deleted = |v: &Verdict| match &v.changes[0].outcome {
        super::super::Outcome::Accepted { patches } => patches.clone(),
        o => panic!("{o:?}"),
    };
    let three = crate::doc::DocPatch::TextDeleted { node: "s".into(), index: 5, length: 3 };
    assert_eq!(deleted(&verdicts[4]), [three], "one patch for a forward delete of three");
}

#[test]
fn deleting_what_another_deleted_meanwhile_goes_the_general_way() {
    // Both delete the same character concurrently: the second deletion
    // changes nothing visible.
    let edits = [(0, 0, 50, Ed::Delete(1)), (1, 0, 50, Ed::Delete(2)), (1, 0, 50, Ed::Type("x"))];
    let (verdicts, typed) = both(["wendy", "wendy"], &edits);
    assert!(verdicts.iter().all(Verdict::all_accepted));
    assert_eq!(typed, 2, "the overlapping deletion went the general way");
    // In one call, the overlap ends the burst and is judged on its own.
    at_once(["wendy", "wendy"], &edits);
    senders_at_once(["wendy", "wendy"], &edits, &[1]);
    // Also when one person's two devices send both in one message.
    let base = page();
    let all: Vec<Change> = changes(&base, ["wendy", "wendy"], &edits).into_iter().map(|(_, c)| c).collect();
    one_call_both_ways(base, all, "wendy");
}

/// `changes` from `who` in one call, the fast way and the general way:
/// same verdict, same document; whether the last change took the fast way.
fn one_call_both_ways(base: Automerge, changes: Vec<Change>, who: &str) -> bool {
    let engine = engine();
    let principal = Principal::user(who);
    let sender = Sender { principal: &principal, profile: None };
    let (mut fast, mut slow) = (base.clone(), base);
    let mut cache = GuardCache::default();
    let f = guard_cached(&mut cache, &mut fast, changes.clone(), sender, &engine, NOW);
    let s = run(&mut GuardCache::default(), &mut slow, changes, sender, &engine, NOW, false);
    assert_eq!(f, s);
    assert_eq!(fast.get_heads(), slow.get_heads());
    cache.place.is_some()
}

#[test]
fn a_deletion_out_of_document_order_reports_what_the_general_path_does() {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ReadDoc, ROOT};
    let base = page();
    let mut client = base.clone().with_actor(actor::actor_for("user:wendy", [3; 16]));
    let nodes = client.get(ROOT, "nodes").unwrap().unwrap().1;
    let s = client.get(&nodes, "s").unwrap().unwrap().1;
    let (_, text) = client.get(&s, "text").unwrap().unwrap();
    assert_eq!(client.object_type(&text).unwrap(), ObjType::Text);
    let mut tx = client.transaction();
    // backwards, and with gaps: 8, 7, then 3, then 10 (was 12)
    for i in [8, 7, 3, 9] {
        tx.delete(&text, i).unwrap();
    }
    tx.commit();
    let change = client.get_last_local_change().unwrap().clone();
    assert!(one_call_both_ways(base, vec![change], "wendy"), "it took the fast path");
}

#[test]
fn bursts_of_typing_and_deleting_report_each_where_it_happened() {
    // Each client types, backspaces and deletes forward, before and after
    // the other's edits; deletions land in bursts with the typing.
    let mut edits = Vec::new();
    for ch in ["h", "é", "l", "😀"] {
        edits.push((0, 0, 100, Ed::Type(ch)));
        edits.push((0, 0, 5, Ed::Delete(1)));
        edits.push((1, 0, 0, Ed::Type("xy")));
        edits.push((1, 0, 99, Ed::Delete(1)));
    }
    edits.push((1, 0, 75, Ed::Delete(3)));
    assert_eq!(at_once(["wendy", "wendy"], &edits), 17, "both calls were bursts");
    assert!(senders_at_once(["wendy", "wendy"], &edits, &[1, 2]) >= 10, "the messages were bursts");
    // Typos corrected at once: what a call typed, deleted in the same
    // call — one character, two, and across the other's typing.
    let mut edits = Vec::new();
    for ch in ["q", "é", "😀"] {
        edits.push((0, 0, 100, Ed::Type(ch)));
        edits.push((0, 0, 100, Ed::Type("zz")));
        edits.push((0, 0, 99, Ed::Delete(1)));
        edits.push((0, 0, 90, Ed::Delete(2)));
        edits.push((0, 0, 100, Ed::Type("ab")));
        edits.push((0, 0, 99, Ed::Delete(1)));
        edits.push((0, 0, 99, Ed::Delete(1)));
        edits.push((1, 0, 40, Ed::Type("ab")));
        edits.push((1, 0, 40, Ed::Delete(2)));
        edits.push((1, 0, 40, Ed::Type("c")));
    }
    assert_eq!(at_once(["wendy", "wendy"], &edits), 30, "both calls were bursts");
    assert!(senders_at_once(["wendy", "wendy"], &edits, &[1, 3]) >= 8, "the messages were bursts");
}

thread_local! {
    /// How many times a burst read an index at earlier heads (a walk over
    /// the whole text) on this thread.
    pub(super) static SLOW_READS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[test]
fn backspacing_over_what_a_burst_typed_is_ordered_without_walking_the_text() {
    // Typed and then backspaced over, in one call, in runs of one change
    // and of several, after one another: every deleted element lands at
    // the same index, and which came first follows from what was typed
    // after what.
    let mut edits = Vec::new();
    for ch in ["q", "é", "😀"] {
        edits.push((0, 0, 100, Ed::Type(ch)));
        edits.push((0, 0, 100, Ed::Type("zz")));
        edits.push((0, 0, 100, Ed::Type("w")));
        edits.push((0, 0, 99, Ed::Delete(1)));
        edits.push((0, 0, 99, Ed::Delete(1)));
        edits.push((0, 0, 99, Ed::Delete(1)));
        edits.push((0, 0, 99, Ed::Delete(1)));
    }
    SLOW_READS.with(|n| n.set(0));
    assert_eq!(at_once(["wendy", "wendy"], &edits), 21, "one burst");
    assert_eq!(SLOW_READS.with(std::cell::Cell::get), 0, "no index read at earlier heads");
}

#[test]
fn typing_then_deleting_around_it_is_ordered_without_walking_the_text() {
    // "Hello wörld ": type "xy" before "wö", delete "wö" forward, then
    // backspace over "xy" — all in one call, in `s` and in `t`. Each
    // deleted element lands at the same index; "xy" was typed after the
    // space, which is still there, and after "wö" existed, so it is before
    // them.
    let mut edits = Vec::new();
    for node in [0, 1] {
        edits.push((0, node, 50, Ed::Type("xy")));
        edits.push((0, node, 58, Ed::Delete(2)));
        edits.push((0, node, 59, Ed::Delete(1)));
        edits.push((0, node, 55, Ed::Delete(1)));
    }
    SLOW_READS.with(|n| n.set(0));
    assert_eq!(at_once(["wendy", "wendy"], &edits), 8, "one burst");
    assert_eq!(SLOW_READS.with(std::cell::Cell::get), 0, "no index read at earlier heads");
}

#[test]
fn refused_typing_goes_through_the_general_path() {
    // carl may only comment; rita may write `s` only.
    let edits = [(0, 0, 10, Ed::Type("y")), (1, 0, 10, Ed::Type("z")), (1, 1, 10, Ed::Type("x"))];
    let (verdicts, typed) = both(["carl", "rita"], &edits);
    let accepted: Vec<bool> = verdicts.iter().map(Verdict::all_accepted).collect();
    assert_eq!(accepted, [false, true, false]); // order: carl s, rita s, rita t
    assert_eq!(typed, 1);
    let reasons = verdicts[2].reasons(&verdicts[2].changes[0].hash);
    assert!(reasons[0].message.contains("edit the text of `t`"), "{reasons:?}");
    assert_eq!(verdicts[2].refused_text(&verdicts[2].changes[0].hash)[0].text, "x");
}

#[test]
fn typing_into_a_node_the_engine_does_not_know_is_judged_by_the_general_path() {
    let (verdicts, typed) = both(["wendy", "rita"], &[(0, 2, 0, Ed::Type("x")), (1, 2, 0, Ed::Type("y"))]);
    assert_eq!(verdicts.iter().map(Verdict::all_accepted).collect::<Vec<_>>(), [true, false]);
    assert_eq!(typed, 0);
}

#[test]
fn a_cache_from_another_state_of_the_document_is_not_trusted() {
    let base = page();
    let engine = engine();
    let wendy = Principal::user("wendy");
    let sender = Sender { principal: &wendy, profile: None };
    let typed = changes(&base, ["wendy", "wendy"], &[(0, 0, 0, Ed::Type("a"))]);
    let (_, keystroke) = typed[0].clone();
    // The owner deleted section `s` on the server meanwhile.
    let mut olga = PageDoc::from_automerge(base.clone()).unwrap();
    olga.delete_node("s").unwrap();
    let deleted = olga.into_automerge();
    // A cache filled by typing into `s` in a copy where it still exists …
    let mut cache = GuardCache::default();
    let mut other = base.clone();
    let first = guard_cached(&mut cache, &mut other, vec![keystroke.clone()], sender, &engine, NOW);
    assert!(first.all_accepted());
    assert!(cache.place.is_some());
    // … says nothing about the document where `s` is gone: the keystroke
    // is invisible there, so it changes nothing a view shows.
    let mut doc = deleted.clone();
    let v = guard_cached(&mut cache, &mut doc, vec![keystroke.clone()], sender, &engine, NOW);
    let mut fresh = deleted;
    let w = run(&mut GuardCache::default(), &mut fresh, vec![keystroke], sender, &engine, NOW, false);
    assert_eq!(v, w);
    assert_eq!(v.changes[0].outcome, super::super::Outcome::Accepted { patches: Vec::new() });
}

/// Each client's changes handed over in one call (as one sync message
/// brings them), bursts and all, against the general path on the same
/// calls; returns how many changes went through a burst.
fn at_once(who: [&str; 2], edits: &[(usize, usize, usize, Ed)]) -> usize {
    let base = page();
    let engine = engine();
    let people = who.map(Principal::user);
    let incoming = changes(&base, who, edits);
    let (mut fast_doc, mut slow_doc) = (base.clone(), base);
    let (mut fast_cache, mut slow_cache) = (GuardCache::default(), GuardCache::default());
    let mut burst = 0;
    for (c, person) in people.iter().enumerate() {
        let mine: Vec<Change> = incoming.iter().filter(|(k, _)| *k == c).map(|(_, ch)| ch.clone()).collect();
        if mine.is_empty() {
            continue;
        }
        let sender = Sender { principal: person, profile: None };
        let before = fast_doc.get_heads();
        let f = guard_cached(&mut fast_cache, &mut fast_doc, mine.clone(), sender, &engine, NOW);
        let s = run(&mut slow_cache, &mut slow_doc, mine, sender, &engine, NOW, false);
        assert_eq!(f, s, "a burst and the general path differ");
        assert_eq!(fast_doc.get_heads(), slow_doc.get_heads());
        if f.all_accepted() && f.changes.len() > 1 && fast_cache.place.is_some() && before != fast_doc.get_heads() {
            burst += f.changes.len();
        }
    }
    burst
}

#[test]
fn a_burst_of_keystrokes_reports_each_where_it_landed() {
    // Client 0 types at the end and in the middle; client 1, concurrently,
    // at the start and in the middle: two calls of several changes each.
    let mut edits = Vec::new();
    for (i, ch) in ["h", "é", "l", "😀", "o", "!"].into_iter().enumerate() {
        edits.push((0, 0, if i % 2 == 0 { 100 } else { 50 }, Ed::Type(ch)));
        edits.push((1, 0, if i % 3 == 0 { 0 } else { 50 }, Ed::Type("xy")));
    }
    assert!(at_once(["wendy", "wendy"], &edits) >= 12, "both calls were bursts");
}

#[test]
fn a_burst_stops_at_a_change_that_is_not_typing_or_not_permitted() {
    let edits = [
        (0, 0, 100, Ed::Type("a")),
        (0, 0, 100, Ed::Type("b")),
        (0, 0, 0, Ed::Bold),
        (0, 0, 100, Ed::Type("c")),
        (0, 1, 100, Ed::Type("d")), // rita may not write `t`
        (0, 0, 100, Ed::Type("e")),
    ];
    at_once(["rita", "carl"], &edits);
    at_once(["wendy", "carl"], &edits);
}

/// Messages of both clients, one after the other (`sizes`: how many of
/// its changes each message takes, alternating clients), judged in one
/// `guard_senders` call against the general path on each message in
/// turn; returns how many messages went into a burst with another.
fn senders_at_once(who: [&str; 2], edits: &[(usize, usize, usize, Ed)], sizes: &[usize]) -> usize {
    let base = page();
    let engine = engine();
    let people = who.map(Principal::user);
    let incoming = changes(&base, who, edits);
    let mut left: [std::collections::VecDeque<Change>; 2] = [0, 1].map(|c| incoming.iter().filter(|(k, _)| *k == c).map(|(_, ch)| ch.clone()).collect());
    let mut messages = Vec::new();
    for (j, n) in sizes.iter().cycle().take(sizes.len().max(1) * 40).enumerate() {
        let c = j % 2;
        let take: Vec<Change> = (0..*n).filter_map(|_| left[c].pop_front()).collect();
        if !take.is_empty() {
            messages.push((take, Sender { principal: &people[c], profile: None }));
        }
        if left.iter().all(std::collections::VecDeque::is_empty) {
            break;
        }
    }
    let (mut fast_doc, mut slow_doc) = (base.clone(), base);
    let mut slow_cache = GuardCache::default();
    let slow: Vec<Verdict> = messages.iter().map(|(m, s)| run(&mut slow_cache, &mut slow_doc, m.clone(), *s, &engine, NOW, false)).collect();
    let fast = guard_senders(&mut GuardCache::default(), &mut fast_doc, messages, &engine, NOW);
    assert_eq!(fast.len(), slow.len());
    for (f, s) in fast.iter().zip(&slow) {
        assert_eq!(f.changes, s.changes, "a message judged with others differs from the general path");
    }
    assert_eq!(fast_doc.get_heads(), slow_doc.get_heads());
    // Messages that share heads with the next one landed in one burst.
    fast.windows(2).filter(|w| !w[0].changes.is_empty() && w[0].heads == w[1].heads).count()
}

#[test]
fn keystrokes_of_several_senders_land_in_one_burst() {
    // Two people typing one keystroke per message, alternately, in two sections.
    let mut edits = Vec::new();
    for (i, ch) in ["h", "é", "l", "😀", "o", "!"].into_iter().enumerate() {
        edits.push((0, 0, 100, Ed::Type(ch)));
        edits.push((1, i % 2, 0, Ed::Type("xy")));
    }
    assert!(senders_at_once(["wendy", "wendy"], &edits, &[1]) >= 10, "the messages were one burst");
    // rita may not write `t`: her messages there go the usual way, and end the bursts.
    senders_at_once(["wendy", "rita"], &edits, &[1, 2]);
    senders_at_once(["carl", "wendy"], &edits, &[3, 1]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn several_senders_at_once_and_general_path_agree(
        who in prop::sample::select(vec![["wendy", "wendy"], ["wendy", "rita"], ["rita", "carl"]]),
        edits in prop::collection::vec(edit(), 1..24),
        sizes in prop::collection::vec(1usize..4, 1..4),
    ) {
        senders_at_once(who, &edits, &sizes);
    }

    #[test]
    fn fast_and_general_paths_agree(
        who in prop::sample::select(vec![["wendy", "wendy"], ["wendy", "rita"], ["rita", "carl"]]),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        both(who, &edits);
    }

    #[test]
    fn clustered_bursts_and_general_path_agree(
        who in prop::sample::select(vec![["wendy", "wendy"], ["wendy", "rita"]]),
        edits in prop::collection::vec(clustered_edit(), 1..32),
    ) {
        at_once(who, &edits);
    }

    #[test]
    fn bursts_and_general_path_agree(
        who in prop::sample::select(vec![["wendy", "wendy"], ["wendy", "rita"], ["rita", "carl"]]),
        edits in prop::collection::vec(edit(), 1..24),
    ) {
        at_once(who, &edits);
    }
}
