//! The typing fast path: a change that only types characters into one node's
//! text, or only deletes from it, judged from its operations instead of from
//! Automerge's patches.
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
//! A change into a document that already exists and is not a feedback
//! document, whose operations all touch one text object that is, visibly,
//! the `text` field of an item (`nodes/<id>/text`, `pages/<id>/text`, …)
//! that the access engine knows, and either
//!
//! - are all *insertions of characters* (string scalars, no predecessors),
//!   each after the one before it (so they form one run) — what typing and
//!   pasting produce; or
//! - are all *deletions* of elements of that text (characters, block
//!   markers), each removing the operation that inserted its element, where
//!   every such element is, before the change, visible with that operation as
//!   its only value — what backspace, delete and cutting produce. (An element
//!   deleted already by someone else, or overwritten, goes the general way.)
//!
//! A change that deletes and types (typing over a selection) goes the
//! general way.
//!
//! # Why the verdict is the same
//!
//! For such a change the general path would see exactly one kind of patch —
//! characters spliced into `<items>/<id>/text` (`What::TextInsert`), or
//! removed from it (`What::TextDelete`) — because the change writes no map
//! key, creates nothing, sets no mark and inserts no block marker, and the
//! object is visible, so its elements are. The rules (`rules::Judge::tree`)
//! ask for exactly one thing for either patch: `Write` on the item (the
//! engine knows it, so it is its own nearest known node), and neither is
//! re-validated (characters cannot break the schema, nor can removing them
//! or a block marker; marks and new block markers, which can, never take this
//! path). The fast path asks the same question of the same checker at the
//! same `now` *before* applying the change; only when the answer is yes does
//! it apply it, so a refusal always goes through the general path and gets
//! its usual reasons and refused text. Nothing about the change can move the
//! text object, since it writes nothing but elements inside it.
//!
//! The accepted change's view patches are the ones the general path would
//! report. For typing: one `TextSpliced` with the run's characters at the
//! index of its first character, read back with an Automerge cursor on the
//! first inserted element after applying. For a deletion: automerge 0.12
//! applies a change's operations in document order and logs each removal at
//! the element's index with the change's earlier removals gone, joining
//! removals at the same index into one `DeleteSeq`; each element's index
//! and width are read before applying (a cursor, and the element's value),
//! which is all that needs. `guard`'s tests compare both paths on random
//! edits, including multi-byte characters, marked text, block markers,
//! deletions out of document order and concurrent edits at the same place.
//!
//! # Bursts: one apply for several keystrokes
//!
//! Consecutive changes of one call that all qualify and are permitted —
//! planned against the document before any of them, which is all a plan
//! needs (the text object existed before, the node and the sender's right
//! do not change with typing; a deletion's elements must have existed
//! before or been typed earlier in the burst, and no two changes of a burst
//! delete the same one) — are applied
//! in one `apply_changes`, and each change's patches are worked out
//! afterwards (see [`burst_applied`]). Nothing
//! in a burst is refused (a change that would be ends it, and goes the
//! general way); should automerge refuse to apply the burst, it is rolled
//! back and judged change by change.

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{Automerge, Change, ChangeHash, Cursor, ObjType, Prop, ReadDoc, ScalarValue, TextEncoding, Value};

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

/// A change found to be typing — a run of characters typed, or characters
/// deleted — into one node's text, and permitted.
pub(super) struct Typing {
    kind: DocKind,
    place: Place,
    edit: Edit,
    hash: ChangeHash,
}

/// What a [`Typing`] change does to the text.
enum Edit {
    /// A run of characters inserted, each after the one before.
    Insert {
        cursor: Cursor,
        text: String,
        /// Where the run lands, when known without a cursor (see `Place::end`).
        index: Option<usize>,
        /// The run's first operation, and each element's width (one
        /// operation each, so the last is `first + widths.len() - 1`).
        first: OpId,
        widths: Vec<usize>,
        /// The element the run was typed after (`None`: the text's start).
        after: Option<OpId>,
    },
    /// Elements of the text (characters, block markers) deleted, each visible
    /// before the change, in document order.
    Delete { targets: Vec<Target> },
}

/// One element a deletion removes, as it was when the change was planned.
struct Target {
    id: OpId,
    cursor: Cursor,
    /// Its index in the text (the units before it); `None` for an element
    /// typed by an earlier change of the same burst.
    before: Option<usize>,
    /// Its width in the document's text units.
    width: usize,
}

/// How many of the document's text units `s` counts for; `None` for an
/// encoding the fast path does not count (grapheme clusters: the general
/// path judges those documents).
fn units(encoding: TextEncoding, s: &str) -> Option<usize> {
    match encoding {
        TextEncoding::UnicodeCodePoint => Some(s.chars().count()),
        TextEncoding::Utf16CodeUnit => Some(s.encode_utf16().count()),
        TextEncoding::Utf8CodeUnit => Some(s.len()),
        _ => None,
    }
}

/// The last operation of a run that starts at `first`.
fn last_op(first: &OpId, widths: &[usize]) -> Option<OpId> {
    let len = u64::try_from(widths.len()).ok()?;
    Some(OpId(first.0.checked_add(len.checked_sub(1)?)?, first.1.clone()))
}

/// How a block marker (an object in the text) counts: as U+FFFC.
const PLACEHOLDER: &str = "\u{fffc}";

/// Whether `change` qualifies (see the module docs) *and* its sender may
/// write the node's text at `now`. `None` sends it through the general path.
/// `known` is a place found earlier, used if `heads` are still its heads.
/// `typed` gives the width of an element typed by an earlier change of the
/// burst being planned (see [`Typing::typed_width`]), which a deletion may
/// delete too.
pub(super) fn plan(
    ctx: &Ctx<'_>,
    doc: &Automerge,
    kind: Option<DocKind>,
    heads: &[ChangeHash],
    known: Option<&Place>,
    change: &Change,
    typed: &dyn Fn(&OpId) -> Option<usize>,
) -> Option<Typing> {
    let kind = kind?;
    if kind == DocKind::Feedback || change.is_empty() || change.len() > MAX_OPS {
        return None;
    }
    let encoding = doc.text_encoding();
    units(encoding, "")?;
    let expanded = change.decode();
    let first = expanded.operations.first()?;
    let ObjectId::Id(obj) = &first.obj else { return None };
    let ops = &expanded.operations;
    let parsed = match &first.action {
        OpType::Put(_) => Parsed::Insert(insertion(change, ops, encoding)?),
        OpType::Delete => Parsed::Delete(deletion(ops)?),
        _ => return None,
    };
    let place = match known {
        Some(p) if p.heads == heads && p.obj == *obj => p.clone(),
        _ => find(doc, kind, heads, obj)?,
    };
    let id = NodeId::new(place.node.as_str());
    ctx.engine.node(&id)?;
    if !ctx.checker.check(Action::Write, &id, ctx.now) {
        return None;
    }
    let edit = match parsed {
        Parsed::Insert((text, widths)) => {
            let index = match (&place.end, &first.key) {
                (Some((last, end)), Key::Seq(ElementId::Id(after))) if after == last => Some(*end),
                _ => None,
            };
            let cursor = Cursor::try_from(format!("{}@{}", change.start_op(), change.actor_id())).ok()?;
            let first_op = OpId(change.start_op().get(), change.actor_id().clone());
            let after = match &first.key {
                Key::Seq(ElementId::Id(e)) => Some(e.clone()),
                _ => None,
            };
            Edit::Insert { cursor, text, index, first: first_op, widths, after }
        }
        Parsed::Delete(ids) => Edit::Delete { targets: targets(doc, &place.text_obj, encoding, ids, typed)? },
    };
    Some(Typing { kind, place, edit, hash: change.hash() })
}

/// A change's operations, read.
enum Parsed {
    /// The characters, each one's width.
    Insert((String, Vec<usize>)),
    /// The elements deleted.
    Delete(Vec<OpId>),
}

/// The characters of a change that inserts one run of them into the object
/// of its first operation, and each character's width; `None` if it does
/// anything else.
fn insertion(change: &Change, ops: &[automerge::legacy::Op], encoding: TextEncoding) -> Option<(String, Vec<usize>)> {
    let obj = &ops.first()?.obj;
    let mut text = String::new();
    let mut widths = Vec::with_capacity(ops.len());
    let mut prev: Option<u64> = None;
    for (i, op) in ops.iter().enumerate() {
        let OpType::Put(ScalarValue::Str(s)) = &op.action else { return None };
        if s.is_empty() || !op.insert || !op.pred.is_empty() || op.obj != *obj {
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
        widths.push(units(encoding, s)?);
    }
    Some((text, widths))
}

/// The elements a change deletes from the object of its first operation,
/// each deleted by removing the operation that inserted it (what a splice
/// does), each once; `None` if it does anything else.
fn deletion(ops: &[automerge::legacy::Op]) -> Option<Vec<OpId>> {
    let obj = &ops.first()?.obj;
    let mut ids: Vec<OpId> = Vec::with_capacity(ops.len());
    for op in ops {
        let Key::Seq(ElementId::Id(e)) = &op.key else { return None };
        if !matches!(op.action, OpType::Delete) || op.insert || op.obj != *obj || op.pred.len() != 1 || op.pred.get(0) != Some(e) || ids.contains(e) {
            return None;
        }
        ids.push(e.clone());
    }
    Some(ids)
}

/// Each deleted element's index and width, if every one is visible with the
/// operation that inserted it as its only value — so deleting that operation
/// hides it, and nothing else changes — sorted in document order. `None`
/// otherwise (an element deleted already, overwritten, in conflict): the
/// general path says what that does. An element `typed` by an earlier
/// change of the burst is visible, with that insertion as its only value.
fn targets(doc: &Automerge, text: &automerge::ObjId, encoding: TextEncoding, ids: Vec<OpId>, typed: &dyn Fn(&OpId) -> Option<usize>) -> Option<Vec<Target>> {
    let mut targets = Vec::with_capacity(ids.len());
    for id in ids {
        let cursor = Cursor::try_from(format!("{}@{}", id.0, id.1)).ok()?;
        if let Some(width) = typed(&id) {
            targets.push(Target { id, cursor, before: None, width });
            continue;
        }
        let before = doc.get_cursor_position(text, &cursor, None).ok()?;
        // A hidden element's index is the next visible one's: what is there
        // must be the element itself, and nothing else.
        let values = doc.get_all(text, before).ok()?;
        let [(value, automerge::ObjId::Id(ctr, actor, _))] = values.as_slice() else { return None };
        if *ctr != id.0 || *actor != id.1 {
            return None;
        }
        let width = match value {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => units(encoding, s)?,
                _ => return None,
            },
            Value::Object(_) => units(encoding, PLACEHOLDER)?,
        };
        if width == 0 {
            return None;
        }
        targets.push(Target { id, cursor, before: Some(before), width });
    }
    targets.sort_by_key(|t| t.before);
    Some(targets)
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

/// A deletion's patches, as automerge's patch log reports them: the
/// elements, in document order, each with its index when it was removed (the
/// change's earlier removals already gone) and its width; adjacent removals
/// at the same index are one patch.
fn removals(node: &str, removed: impl Iterator<Item = (usize, usize)>) -> Vec<DocPatch> {
    let mut patches: Vec<DocPatch> = Vec::new();
    for (index, width) in removed {
        if let Some(DocPatch::TextDeleted { index: i, length, .. }) = patches.last_mut()
            && *i == index
        {
            *length += width;
            continue;
        }
        patches.push(DocPatch::TextDeleted { node: node.to_owned(), index, length: width });
    }
    patches
}

impl Typing {
    /// The view patch of the applied change, as the general path reports it,
    /// and the place, valid at the document's new heads. `before` are the
    /// heads before the change: should the inserted characters not be found
    /// by their cursor, the patches are diffed from the heads.
    pub(super) fn applied(self, doc: &Automerge, before: &[ChangeHash]) -> (Vec<DocPatch>, Place) {
        let heads = doc.get_heads();
        let diffed = |place: Place| {
            let patches = crate::doc::patch_translate(self.kind, &doc.diff(before, &heads));
            (patches, Place { heads: heads.clone(), end: None, ..place })
        };
        let (cursor, text, index, last) = match self.edit {
            Edit::Insert { cursor, text, index, first, widths, .. } => (cursor, text, index, last_op(&first, &widths)),
            Edit::Delete { targets } => {
                // Planned on its own, every element was in the document before.
                let Some(removed) = in_order(targets.iter().map(|t| t.before.map(|b| (b, t.width)))) else {
                    return diffed(self.place);
                };
                return (removals(&self.place.node, removed.into_iter()), Place { heads: heads.clone(), end: None, ..self.place });
            }
        };
        let index = index.or_else(|| doc.get_cursor_position(&self.place.text_obj, &cursor, None).ok());
        let Some(index) = index else {
            return diffed(self.place);
        };
        let end = match (doc.text_encoding(), last) {
            (TextEncoding::UnicodeCodePoint, Some(last)) => Some((last, index + text.chars().count())),
            _ => None,
        };
        let patches = vec![DocPatch::TextSpliced { node: self.place.node.clone(), index, text }];
        (patches, Place { heads, end, ..self.place })
    }

    /// The place the change was planned at (for the next change of a burst).
    pub(super) fn place(&self) -> &Place {
        &self.place
    }

    /// The width of element `id` if this change typed it.
    pub(super) fn typed_width(&self, id: &OpId) -> Option<usize> {
        let Edit::Insert { first, widths, .. } = &self.edit else { return None };
        if id.1 != first.1 {
            return None;
        }
        let offset = usize::try_from(id.0.checked_sub(first.0)?).ok()?;
        widths.get(offset).copied()
    }

    /// Whether this change deletes an element one of `earlier` deletes: in a
    /// burst the second would delete what is gone already (no patch), so it
    /// ends the burst and goes on its own.
    pub(super) fn deletes_again<'t>(&self, earlier: impl IntoIterator<Item = &'t Typing>) -> bool {
        let Edit::Delete { targets } = &self.edit else { return false };
        earlier.into_iter().any(|e| match &e.edit {
            Edit::Delete { targets: theirs } => theirs.iter().any(|a| targets.iter().any(|b| a.id == b.id)),
            Edit::Insert { .. } => false,
        })
    }
}

/// Removals given as (index before the change, width), in document order:
/// each with its index when removed, the change's earlier removals gone.
/// `None` if an index is unknown.
fn in_order(targets: impl Iterator<Item = Option<(usize, usize)>>) -> Option<Vec<(usize, usize)>> {
    let mut gone = 0;
    let mut out = Vec::new();
    for t in targets {
        let (before, width) = t?;
        out.push((before.checked_sub(gone)?, width));
        gone += width;
    }
    Some(out)
}

/// A burst: consecutive changes of one call, each permitted typing into a
/// text that existed before the burst, planned against the document as it
/// was (`plan` with the burst's first place) and applied in one
/// `apply_changes` — automerge 0.12 spends most of an apply's time on work
/// per call that grows with the document (a 5,000-character text: 1.5 ms per
/// single change, 0.13 ms per change in calls of 16), and a message of 16
/// keystrokes is the common case for a fast typist whose client batches.
///
/// Each change's patches are still the ones the general path reports: where
/// *that* change's characters landed, or where its deletions happened, when
/// the changes are applied one by one in order. Both are an element's index
/// in the text just after the change (`S(k)`: for a deleted element, the
/// index of what follows it, which is where it was removed, the change's
/// earlier removals gone), and `S(k)` is the final text `F` less the
/// elements typed after `k` and still there, plus the elements deleted after
/// `k` that existed at `k`. Automerge tells, in `F`, each touched element's
/// index: a visible one's own, a deleted one's the index of the visible text
/// after it. That orders an element `z` before `y`
///
/// - if both are visible: by index;
/// - if one is deleted: a visible `z` is before a deleted `y` iff its index
///   is smaller, a deleted `z` before a visible `y` iff not larger (the
///   visible one is at least one unit wide);
/// - if both are deleted: by index if they differ; if not, by where they
///   were before the burst when both existed then (both were visible then);
///   otherwise, when one was typed in the burst after the other, or after
///   what was typed after it, and so on (a typo corrected at once:
///   backspace over what was just typed), that one is later — in a text an
///   element inserted after another stays after it, whatever is inserted
///   between them later; and an element typed in the burst is before one
///   that existed, when the typing started after a character still there
///   and the other's operation counter is the lower ([`TypedAfter::typed_before`]
///   says why: text typed next to something deleted, then deleted too);
///
/// and a later change's run is wholly before or after an element that
/// existed when it landed (it was contiguous), so its first character
/// decides. What stays unordered is read from automerge at the document as
/// it was just after the change (`get_cursor_position` at those heads:
/// exact, but a walk over the whole text where the rest costs a lookup;
/// replaying the editing trace, these walks were 45 % of the server's time
/// before the two rules on typed elements, and are rare since).
/// `None` when an element cannot be found (then the caller rolls the burst
/// back and judges the changes one by one).
pub(super) fn burst_applied(burst: Vec<Typing>, doc: &Automerge, before: &[ChangeHash]) -> Option<(Vec<Vec<DocPatch>>, Place)> {
    let encoding = doc.text_encoding();
    let n = burst.len();
    // Which earlier change of the burst typed an element, if one did.
    let owner = |id: &OpId, k: usize| (0..k).find(|&i| burst[i].typed_width(id).is_some());
    let deleted_ids: std::collections::HashSet<&OpId> = burst.iter().flat_map(|t| t.targets().iter().map(|d| &d.id)).collect();
    let typed_after = TypedAfter::of(&burst, doc);
    // Where each change's elements are in `F`.
    let mut landed: Vec<Landed> = Vec::with_capacity(n);
    for (k, t) in burst.iter().enumerate() {
        let text = &t.place.text_obj;
        landed.push(match &t.edit {
            Edit::Insert { cursor, first, widths, .. } => {
                let index = doc.get_cursor_position(text, cursor, None).ok()?;
                let first_at = At { id: first.clone(), index, visible: !deleted_ids.contains(first), before: None };
                let visible: usize = (first.0..)
                    .zip(widths)
                    .filter(|(ctr, _)| !deleted_ids.contains(&OpId(*ctr, first.1.clone())))
                    .map(|(_, w)| w)
                    .sum();
                Landed::Run { first: first_at, visible }
            }
            Edit::Delete { targets } => {
                let mut removed = Vec::with_capacity(targets.len());
                for d in targets {
                    let index = doc.get_cursor_position(text, &d.cursor, None).ok()?;
                    removed.push((At { id: d.id.clone(), index, visible: false, before: d.before }, owner(&d.id, k), d.width));
                }
                Landed::Removed(removed)
            }
        });
    }
    // `y`'s index just after change `k`, if every comparison is decided.
    let after = |k: usize, y: &At| -> Option<usize> {
        let mut index = y.index;
        for j in k + 1..n {
            if burst[j].place.obj != burst[k].place.obj {
                continue;
            }
            match &landed[j] {
                Landed::Run { first, visible } => {
                    if *visible > 0 && first.before_(y, &typed_after, &burst[k].place.text_obj)? {
                        index = index.checked_sub(*visible)?;
                    }
                }
                Landed::Removed(removed) => {
                    for (d, typed_by, width) in removed {
                        let existed = typed_by.is_none_or(|i| i <= k);
                        if existed && d.before_(y, &typed_after, &burst[k].place.text_obj)? {
                            index += width;
                        }
                    }
                }
            }
        }
        Some(index)
    };
    // The heads just after change `k`, for reading an index the slow way.
    let heads_after = |k: usize| -> Vec<ChangeHash> { before.iter().copied().chain(burst[..=k].iter().map(|t| t.hash)).collect() };
    let mut patches = Vec::with_capacity(n);
    let mut last_landing = 0;
    for (k, t) in burst.iter().enumerate() {
        let node = &t.place.node;
        let text = &t.place.text_obj;
        match (&t.edit, &landed[k]) {
            (Edit::Insert { text: typed, cursor, .. }, Landed::Run { first: x, .. }) => {
                let index = match after(k, x) {
                    Some(i) => i,
                    None => position_at(doc, text, cursor, &heads_after(k))?,
                };
                last_landing = index;
                patches.push(vec![DocPatch::TextSpliced { node: node.clone(), index, text: typed.clone() }]);
            }
            (Edit::Delete { targets }, Landed::Removed(gone)) => {
                let decided: Option<Vec<(usize, usize)>> = gone.iter().map(|(e, _, width)| Some((after(k, e)?, *width))).collect();
                let mut removed = match decided {
                    Some(r) => r,
                    None => {
                        // Where each was just before the change, the slow way.
                        let heads = if k == 0 { before.to_vec() } else { heads_after(k - 1) };
                        let mut at: Vec<(usize, usize)> = targets
                            .iter()
                            .map(|t| Some((position_at(doc, text, &t.cursor, &heads)?, t.width)))
                            .collect::<Option<_>>()?;
                        at.sort_by_key(|(i, _)| *i);
                        in_order(at.into_iter().map(Some))?
                    }
                };
                removed.sort_by_key(|(i, _)| *i);
                patches.push(removals(node, removed.into_iter()));
            }
            _ => return None,
        }
    }
    let last = burst.last()?;
    let end = match (encoding, &last.edit) {
        (TextEncoding::UnicodeCodePoint, Edit::Insert { first, widths, text, .. }) => Some((last_op(first, widths)?, last_landing + units(encoding, text)?)),
        _ => None,
    };
    let place = Place { heads: doc.get_heads(), end, ..last.place.clone() };
    Some((patches, place))
}

/// An element's index in the text as it was at `heads`: automerge walks
/// the whole text for it (see [`burst_applied`]).
fn position_at(doc: &Automerge, text: &automerge::ObjId, cursor: &Cursor, heads: &[ChangeHash]) -> Option<usize> {
    #[cfg(test)]
    tests::SLOW_READS.with(|n| n.set(n.get() + 1));
    doc.get_cursor_position(text, cursor, Some(heads)).ok()
}

/// Where a change of a burst left its elements in the final document.
enum Landed {
    /// A run: its first character, and how many of its units are still there.
    Run { first: At, visible: usize },
    /// Deleted elements: each with the earlier change that typed it (if one
    /// did) and its width.
    Removed(Vec<(At, Option<usize>, usize)>),
}

/// Where an element is in the document after a burst (see [`burst_applied`]).
struct At {
    id: OpId,
    /// Its index if visible, else the index of the visible text after it.
    index: usize,
    visible: bool,
    /// Its index before the burst, if it existed then.
    before: Option<usize>,
}

impl At {
    /// Whether `self` is before `y` (both in `text`); `None` if that cannot
    /// be told.
    fn before_(&self, y: &At, typed_after: &TypedAfter<'_>, text: &automerge::ObjId) -> Option<bool> {
        if self.id == y.id {
            return Some(false);
        }
        match (self.visible, y.visible) {
            (true, true) | (true, false) => Some(self.index < y.index),
            (false, true) => Some(self.index <= y.index),
            (false, false) if self.index != y.index => Some(self.index < y.index),
            (false, false) => match (self.before, y.before) {
                (Some(a), Some(b)) => Some(a < b),
                _ if typed_after.descends(&y.id, &self.id) => Some(true),
                _ if typed_after.descends(&self.id, &y.id) => Some(false),
                (None, Some(b)) => typed_after.typed_before(&self.id, &y.id, b, text),
                (Some(a), None) => typed_after.typed_before(&y.id, &self.id, a, text).map(|x_first| !x_first),
                (None, None) => typed_after.siblings_before(&self.id, &y.id),
            },
        }
    }
}

/// For each element typed in a burst, the element it was typed after
/// (`None`: the text's start): a run's first character after the element
/// its change names, each other character after the one before it. Worked
/// out on first use: most bursts never need it.
struct TypedAfter<'b> {
    burst: &'b [Typing],
    doc: &'b Automerge,
    map: std::cell::OnceCell<std::collections::HashMap<OpId, Option<OpId>>>,
    existing: std::cell::OnceCell<std::collections::HashMap<OpId, usize>>,
}

impl<'b> TypedAfter<'b> {
    fn of(burst: &'b [Typing], doc: &'b Automerge) -> Self {
        TypedAfter { burst, doc, map: std::cell::OnceCell::new(), existing: std::cell::OnceCell::new() }
    }

    fn map(&self) -> &std::collections::HashMap<OpId, Option<OpId>> {
        self.map.get_or_init(|| {
            let mut map = std::collections::HashMap::new();
            for t in self.burst {
                let Edit::Insert { first, widths, after, .. } = &t.edit else { continue };
                let mut prev = after.clone();
                for i in 0..widths.len() as u64 {
                    let id = OpId(first.0 + i, first.1.clone());
                    map.insert(id.clone(), prev);
                    prev = Some(id);
                }
            }
            map
        })
    }

    /// Whether `x` was typed after `ancestor`, or after an element typed
    /// after it, and so on — then `x` is after `ancestor` in the text. Only
    /// the burst's own elements are followed.
    fn descends(&self, x: &OpId, ancestor: &OpId) -> bool {
        let map = self.map();
        let mut at = x;
        // Each step goes to an element typed before (a smaller counter), so
        // this ends; the bound only guards the loop.
        for _ in 0..=map.len() {
            match map.get(at) {
                Some(Some(after)) if after == ancestor => return true,
                Some(Some(after)) => at = after,
                _ => return false,
            }
        }
        false
    }

    /// `x`'s root: the burst's element `x0` it was typed after (itself,
    /// or after an element typed after it, and so on) that was typed after
    /// an element the burst did not type, `r` (`None`: the text's start).
    fn root<'m>(&'m self, x: &'m OpId) -> Option<(&'m OpId, Option<&'m OpId>)> {
        let map = self.map();
        let mut x0 = x;
        for _ in 0..=map.len() {
            match map.get(x0)? {
                Some(after) if map.contains_key(after) => x0 = after,
                r => return Some((x0, r.as_ref())),
            }
        }
        None
    }

    /// Whether `x`, typed in the burst, is before `e`, an element that
    /// existed before it at index `e_before`, when both are deleted at the
    /// same index of the final text and neither is typed after the other;
    /// `None` if that cannot be told this way.
    ///
    /// With `x0` and `r` its [`root`](Self::root): in a text an element
    /// typed after `r` goes right after it, before the elements typed after
    /// `r` earlier — those with a smaller operation id — and everything
    /// typed after those. So if `e` is before `r`, it is before `x`. If
    /// `e` is after `r`, and its counter is below `x0`'s, then so is the
    /// counter of whichever element typed after `r` that `e` was typed
    /// after, directly or not (each element's counter exceeds that of the
    /// one it was typed after), so `x0` comes before it, and `x` (after
    /// `x0`, typed after it) before `e`. `e` is after `r` when `r` is still
    /// visible (everything deleted at the index of `x` comes after the
    /// visible text before that index, `r` included); when `r` was deleted
    /// in the burst, their indexes before it tell (text typed next to
    /// something deleted, then deleted too).
    fn typed_before(&self, x: &OpId, e: &OpId, e_before: usize, text: &automerge::ObjId) -> Option<bool> {
        let (x0, r) = self.root(x)?;
        let e_after_r = match r {
            None => true,
            Some(r) if self.visible(r, text) => true,
            Some(r) => e_before > *self.existing().get(r)?,
        };
        if !e_after_r {
            return Some(false);
        }
        (e.0 < x0.0).then_some(true)
    }

    /// Whether `x` is before `y`, both typed in the burst, neither after
    /// the other, when both runs were typed after the same element: the
    /// run with the greater operation id goes first (`None` otherwise).
    fn siblings_before(&self, x: &OpId, y: &OpId) -> Option<bool> {
        let ((x0, rx), (y0, ry)) = (self.root(x)?, self.root(y)?);
        if rx != ry || x0 == y0 {
            return None;
        }
        Some((x0.0, &x0.1) > (y0.0, &y0.1))
    }

    /// The elements the burst deletes that existed before it, each with its
    /// index then.
    fn existing(&self) -> &std::collections::HashMap<OpId, usize> {
        self.existing.get_or_init(|| {
            self.burst
                .iter()
                .flat_map(|t| t.targets().iter().filter_map(|d| Some((d.id.clone(), d.before?))))
                .collect()
        })
    }

    /// Whether element `r` of `text` is visible in the document, with the
    /// operation that inserted it as its value.
    fn visible(&self, r: &OpId, text: &automerge::ObjId) -> bool {
        let Ok(cursor) = Cursor::try_from(format!("{}@{}", r.0, r.1)) else { return false };
        let Ok(index) = self.doc.get_cursor_position(text, &cursor, None) else { return false };
        let Ok(values) = self.doc.get_all(text, index) else { return false };
        matches!(values.as_slice(), [(_, automerge::ObjId::Id(ctr, actor, _))] if *ctr == r.0 && *actor == r.1)
    }
}

impl Typing {
    /// A deletion's elements (none for typing).
    fn targets(&self) -> &[Target] {
        match &self.edit {
            Edit::Delete { targets } => targets,
            Edit::Insert { .. } => &[],
        }
    }
}

#[cfg(test)]
mod tests;
