//! The typing fast path: a change that only types characters into one node's
//! text, judged from its operations instead of from Automerge's patches.
//!
//! # Why
//!
//! Judging a change the general way (see the [module docs](super)) applies
//! it with patch logging and asks Automerge for the patches. For a keystroke
//! almost all of the guard's cost is in that last step: Automerge builds each
//! patch's *path* from the root by listing every key of every map on the way
//! (`PatchBuilder::get_path` → `update_path_map`), so on a page the whole
//! `nodes` map is walked for every keystroke — about 125,000 instructions on a
//! 50-section page, a quarter of applying the keystroke itself, and growing
//! with the number of sections. The patch log cannot be handed a path cache
//! from outside Automerge.
//!
//! # What qualifies
//!
//! A change whose operations are all *insertions of characters* (string
//! scalars, no predecessors) into one text object, each after the one before
//! it (so they form one run), into a document that already exists and is not
//! a feedback document, where that text object is, visibly, the `text` field
//! of an item (`nodes/<id>/text`, `pages/<id>/text`, …) that the access
//! engine knows. That is what typing and pasting produce.
//!
//! # Why the verdict is the same
//!
//! For such a change the general path would see exactly one kind of patch —
//! characters spliced into `<items>/<id>/text` (`What::TextInsert`) — because
//! the change writes no map key, creates and deletes nothing, sets no mark and
//! inserts no block marker, and the object is visible, so the characters are.
//! The rules (`rules::Judge::tree`) ask for exactly one thing for that patch:
//! `Write` on the item (the engine knows it, so it is its own nearest known
//! node), and a splice is not re-validated (characters cannot break the
//! schema; marks and block markers, which can, never take this path). The
//! fast path asks the same question of the same checker at the same `now`
//! *before* applying the change; only when the answer is yes does it apply
//! it, so a refusal always goes through the general path and gets its usual
//! reasons and refused text. Nothing about the change can move the text
//! object, since it writes nothing but characters inside it.
//!
//! The accepted change's view patch is the one the general path would report
//! — one `TextSpliced` with the run's characters at the index of its first
//! character — read back with an Automerge cursor on the first inserted
//! element after applying. `guard`'s tests compare both paths on random runs,
//! including multi-byte characters, marked text and concurrent inserts at the
//! same place.
//!
//! # Bursts: one apply for several keystrokes
//!
//! Consecutive changes of one call that all qualify and are permitted —
//! planned against the document before any of them, which is all a plan
//! needs (the text object existed before, the node and the sender's right
//! do not change with typing) — are applied in one `apply_changes`, and each
//! change's patch is worked out afterwards (see [`burst_applied`]). Nothing
//! in a burst is refused (a change that would be ends it, and goes the
//! general way); should automerge refuse to apply the burst, it is rolled
//! back and judged change by change.

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{Automerge, Change, ChangeHash, Cursor, ObjType, Prop, ReadDoc, ScalarValue};

use super::rules::Ctx;
use crate::access::{Action, NodeId};
use crate::doc::DocPatch;
use crate::doc::schema::{DocKind, keys};

/// Changes with more operations than this go through the general path:
/// decoding costs about 2,500 instructions per operation, while the general
/// path's extra cost is per *patch* (one per run of characters), so a long
/// paste is cheaper there.
pub(super) const MAX_OPS: usize = 32;

/// Where a text object is, as found at `heads`.
///
/// An Automerge object never moves — its parent and key are fixed by the
/// operation that made it — but whether it is *visible* there can change
/// with any change to the maps above it. So a place is trusted only while
/// the document is exactly as it was when the place was found or when a
/// change taking this path (which writes no map) was applied: same heads,
/// same state.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub(super) heads: Vec<ChangeHash>,
    pub(super) kind: DocKind,
    obj: OpId,
    text_obj: automerge::ObjId,
    node: String,
    /// The last character the previous change on this path typed, and the
    /// index just after it, when the document counts code points (its
    /// default): a keystroke right after it lands exactly there, as nothing
    /// else has changed since (same heads) and nobody else can have
    /// inserted after a character that is not yet theirs.
    end: Option<(OpId, usize)>,
}

/// A change found to be a run of characters typed into one node's text, and
/// permitted.
pub(super) struct Typing {
    kind: DocKind,
    place: Place,
    cursor: Cursor,
    text: String,
    /// Where the run lands, when known without a cursor (see `Place::end`).
    index: Option<usize>,
    /// The run's last operation.
    last: Option<OpId>,
}

/// Whether `change` qualifies (see the module docs) *and* its sender may
/// write the node's text at `now`. `None` sends it through the general path.
/// `known` is a place found earlier, used if `heads` are still its heads.
pub(super) fn plan(
    ctx: &Ctx<'_>,
    doc: &Automerge,
    kind: Option<DocKind>,
    heads: &[ChangeHash],
    known: Option<&Place>,
    change: &Change,
) -> Option<Typing> {
    let kind = kind?;
    if kind == DocKind::Feedback || change.is_empty() || change.len() > MAX_OPS {
        return None;
    }
    let expanded = change.decode();
    let first = expanded.operations.first()?;
    let ObjectId::Id(obj) = &first.obj else { return None };
    let mut text = String::new();
    let mut prev: Option<u64> = None;
    for (i, op) in expanded.operations.iter().enumerate() {
        let OpType::Put(ScalarValue::Str(s)) = &op.action else { return None };
        if s.is_empty() || !op.insert || !op.pred.is_empty() || op.obj != first.obj {
            return None;
        }
        // Each character after the one before it: one contiguous run.
        if let Some(p) = prev {
            match &op.key {
                Key::Seq(ElementId::Id(e)) if e.0 == p && e.1 == *change.actor_id() => {}
                _ => return None,
            }
        }
        prev = Some(change.start_op().get().checked_add(u64::try_from(i).ok()?)?);
        text.push_str(s);
    }
    let place = match known {
        Some(p) if p.heads == heads && p.obj == *obj => p.clone(),
        _ => find(doc, kind, heads, obj)?,
    };
    let id = NodeId::new(place.node.as_str());
    ctx.engine.node(&id)?;
    if !ctx.checker.check(Action::Write, &id, ctx.now) {
        return None;
    }
    let index = match (&place.end, &first.key) {
        (Some((last, end)), Key::Seq(ElementId::Id(after))) if after == last => Some(*end),
        _ => None,
    };
    let cursor = Cursor::try_from(format!("{}@{}", change.start_op(), change.actor_id())).ok()?;
    let last = prev.map(|p| OpId(p, change.actor_id().clone()));
    Some(Typing { kind, place, cursor, text, index, last })
}

/// Find where text object `obj` is: visibly `<items>/<id>/text`, or `None`.
fn find(doc: &Automerge, kind: DocKind, heads: &[ChangeHash], obj: &OpId) -> Option<Place> {
    let text_obj = doc.import_obj(&format!("{}@{}", obj.0, obj.1)).ok()?;
    if !matches!(doc.object_type(&text_obj), Ok(ObjType::Text)) {
        return None;
    }
    let path = doc.parents(&text_obj).ok()?.visible_path()?;
    let [(_, Prop::Map(items)), (_, Prop::Map(node)), (_, Prop::Map(field))] = path.as_slice() else { return None };
    if items != kind.items_key() || field != keys::TEXT {
        return None;
    }
    Some(Place { heads: heads.to_vec(), kind, obj: obj.clone(), text_obj, node: node.clone(), end: None })
}

impl Typing {
    /// The view patch of the applied change, as the general path reports it,
    /// and the place, valid at the document's new heads. `before` are the
    /// heads before the change: should the inserted characters not be found
    /// by their cursor, the patches are diffed from the heads.
    pub(super) fn applied(self, doc: &Automerge, before: &[ChangeHash]) -> (Vec<DocPatch>, Place) {
        let heads = doc.get_heads();
        let index = self.index.or_else(|| doc.get_cursor_position(&self.place.text_obj, &self.cursor, None).ok());
        let Some(index) = index else {
            let patches = crate::doc::patch_translate(self.kind, &doc.diff(before, &heads));
            return (patches, Place { heads, end: None, ..self.place });
        };
        let end = match (doc.text_encoding(), self.last) {
            (automerge::TextEncoding::UnicodeCodePoint, Some(last)) => Some((last, index + self.text.chars().count())),
            _ => None,
        };
        let patches = vec![DocPatch::TextSpliced { node: self.place.node.clone(), index, text: self.text }];
        (patches, Place { heads, end, ..self.place })
    }
}

/// A burst: consecutive changes of one call, each a permitted run of
/// characters into a text that existed before the burst, planned against the
/// document as it was (`plan` with the burst's first place) and applied in
/// one `apply_changes` — automerge 0.12 spends most of an apply's time on
/// work per call that grows with the document (a 5,000-character text:
/// 1.5 ms per single change, 0.13 ms per change in calls of 16), and a
/// message of 16 keystrokes is the common case for a fast typist whose
/// client batches.
///
/// Each change's patch is still the one the general path reports: the index
/// at which *that* run landed when applied in order. Only insertions happen
/// in a burst, so the characters present when run `k` landed are those of the
/// final document less the runs applied after it; a later run lies wholly
/// before or wholly after `k`'s first character (it was contiguous when it
/// landed, and `k`'s character was already there), so
/// `landing(k) = final(k) − Σ units(j)` over later runs `j` into the same
/// text whose first character ends up before `k`'s. `None` when a run cannot be found again
/// (then the caller rolls the burst back and judges the changes one by one).
pub(super) fn burst_applied(burst: Vec<Typing>, doc: &Automerge) -> Option<(Vec<Vec<DocPatch>>, Place)> {
    let encoding = doc.text_encoding();
    let units = |t: &str| match encoding {
        automerge::TextEncoding::UnicodeCodePoint => t.chars().count(),
        automerge::TextEncoding::Utf16CodeUnit => t.encode_utf16().count(),
        automerge::TextEncoding::Utf8CodeUnit => t.len(),
        _ => t.chars().count(),
    };
    let mut finals = Vec::with_capacity(burst.len());
    for t in &burst {
        finals.push(doc.get_cursor_position(&t.place.text_obj, &t.cursor, None).ok()?);
    }
    let sizes: Vec<usize> = burst.iter().map(|t| units(&t.text)).collect();
    let mut patches = Vec::with_capacity(burst.len());
    for (k, t) in burst.iter().enumerate() {
        let later_before: usize = (k + 1..burst.len())
            .filter(|&j| burst[j].place.obj == t.place.obj && finals[j] < finals[k])
            .map(|j| sizes[j])
            .sum();
        let index = finals[k] - later_before;
        patches.push(vec![DocPatch::TextSpliced { node: t.place.node.clone(), index, text: t.text.clone() }]);
    }
    let last = burst.last()?;
    let end = match (encoding, &last.last) {
        (automerge::TextEncoding::UnicodeCodePoint, Some(op)) => Some((op.clone(), finals[burst.len() - 1] + sizes[burst.len() - 1])),
        _ => None,
    };
    let place = Place { heads: doc.get_heads(), end, ..last.place.clone() };
    Some((patches, place))
}

impl Typing {
    /// The place the run was planned at (for the next change of a burst).
    pub(super) fn place(&self) -> &Place {
        &self.place
    }
}

#[cfg(test)]
mod tests {
    //! The fast path against the general one: same verdicts, same patches,
    //! same document, on random typing (and some edits that are not typing)
    //! from two concurrent clients.

    use automerge::{Automerge, Change};
    use proptest::prelude::*;

    use super::super::{GuardCache, Sender, Verdict, guard_cached, guard_senders, run};
    use crate::access::{Engine, Grant, Level, Node, NodeKind, Principal, Subject};
    use crate::doc::{Format, PageDoc, actor};
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
        DeleteNode,
    }

    fn edit() -> impl Strategy<Value = (usize, usize, usize, Ed)> {
        let ed = prop_oneof![
            6 => prop::sample::select(vec!["a", "é", "😀", "xyz", "ab😀c", " "]).prop_map(Ed::Type),
            1 => (1usize..3).prop_map(Ed::Delete),
            1 => Just(Ed::Bold),
            1 => Just(Ed::DeleteNode),
        ];
        (0usize..2, 0usize..3, 0usize..100, ed)
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
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
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
        fn bursts_and_general_path_agree(
            who in prop::sample::select(vec![["wendy", "wendy"], ["wendy", "rita"], ["rita", "carl"]]),
            edits in prop::collection::vec(edit(), 1..24),
        ) {
            at_once(who, &edits);
        }
    }
}
