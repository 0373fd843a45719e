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

impl Typing {
    /// A deletion's elements (none for typing).
    fn targets(&self) -> &[Target] {
        match &self.edit {
            Edit::Delete { targets } => targets,
            Edit::Insert { .. } => &[],
        }
    }
}

mod burst;

pub(super) use burst::burst_applied;

#[cfg(test)]
mod tests;
