//! Applying a burst of typing in one call, and giving each of its changes
//! the patches it would have had alone (see [`burst_applied`]).

use automerge::legacy::OpId;
use automerge::{Automerge, ChangeHash, Cursor, ReadDoc, TextEncoding};

use super::{Edit, Place, Typing, in_order, last_op, removals, units};
use crate::doc::DocPatch;

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
pub(in crate::guard) fn burst_applied(burst: Vec<Typing>, doc: &Automerge, before: &[ChangeHash]) -> Option<(Vec<Vec<DocPatch>>, Place)> {
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
    // A burst that deletes nothing, the common case, leaves every element
    // visible: `after` then only subtracts the later runs that start before
    // the element in `F`, which a Fenwick tree answers for every change at
    // once instead of comparing each change with all the later ones.
    let typed_only = if deleted_ids.is_empty() { landings_typing_only(&burst, &landed) } else { None };
    // The heads just after change `k`, for reading an index the slow way.
    let heads_after = |k: usize| -> Vec<ChangeHash> { before.iter().copied().chain(burst[..=k].iter().map(|t| t.hash)).collect() };
    let mut patches = Vec::with_capacity(n);
    let mut last_landing = 0;
    for (k, t) in burst.iter().enumerate() {
        let node = &t.place.node;
        let text = &t.place.text_obj;
        match (&t.edit, &landed[k]) {
            (Edit::Insert { text: typed, cursor, .. }, Landed::Run { first: x, .. }) => {
                // Debug builds (every test) check the two ways agree.
                debug_assert!(typed_only.as_ref().is_none_or(|at| after(k, x).is_none_or(|slow| slow == at[k])), "change {k}: the Fenwick landing differs");
                let index = match typed_only.as_ref().map(|at| at[k]).or_else(|| after(k, x)) {
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

/// For a burst whose every element is visible in `F` (it deletes nothing):
/// each change's run's index just after it landed — its first character's
/// index in `F` less the visible widths of the later runs in the same text
/// that start before it (the rule for two visible elements: by index).
/// Visits the changes from the last, adding each run to a Fenwick tree over
/// `F`'s indices of its text: O(n log n) for what `after` does in O(n²).
/// `None` if a change is not a run, or the widths do not add up.
fn landings_typing_only(burst: &[Typing], landed: &[Landed]) -> Option<Vec<usize>> {
    let size = landed.iter().map(|l| if let Landed::Run { first, .. } = l { first.index + 1 } else { 0 }).max()?;
    let mut trees: std::collections::HashMap<&OpId, Fenwick> = std::collections::HashMap::new();
    let mut out = vec![0; burst.len()];
    for k in (0..burst.len()).rev() {
        let Landed::Run { first, visible } = &landed[k] else { return None };
        let tree = trees.entry(&burst[k].place.obj).or_insert_with(|| Fenwick(vec![0; size + 1]));
        out[k] = first.index.checked_sub(tree.sum_below(first.index))?;
        tree.add(first.index, *visible);
    }
    Some(out)
}

/// Sums of widths by index (a binary indexed tree; index `i` at `i + 1`).
struct Fenwick(Vec<usize>);

impl Fenwick {
    fn add(&mut self, index: usize, width: usize) {
        let mut i = index + 1;
        while i < self.0.len() {
            self.0[i] += width;
            i += i & i.wrapping_neg();
        }
    }

    /// The sum over the indices below `index`.
    fn sum_below(&self, index: usize) -> usize {
        let (mut i, mut sum) = (index, 0);
        while i > 0 {
            sum += self.0[i];
            i &= i - 1;
        }
        sum
    }
}

/// An element's index in the text as it was at `heads`: automerge walks
/// the whole text for it (see [`burst_applied`]).
fn position_at(doc: &Automerge, text: &automerge::ObjId, cursor: &Cursor, heads: &[ChangeHash]) -> Option<usize> {
    #[cfg(test)]
    super::tests::SLOW_READS.with(|n| n.set(n.get() + 1));
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
    ///
    /// Automerge gives each operation a counter above every one its author
    /// had seen, which is what "each element's counter exceeds" rests on. A
    /// hand-made change that broke it could only misplace its burst's
    /// patches, never change a verdict: typing is judged by the `Write`
    /// check on the node, wherever it lands.
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

