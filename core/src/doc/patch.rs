//! From Automerge patches to what a view renders, and to what the guard checks.
//!
//! Automerge reports every change to the visible state as a [`Patch`]: the
//! object it touched, the path from the root to that object, and the action.
//! Because every Folio document has the same shape (root fields plus one item
//! map keyed by id, see [`schema`](super::schema)), every patch can be placed
//! by looking at the first three path steps: a root field, an item being
//! added or removed, or a field of an item (possibly deep inside it, such as
//! a character in its text). [`classify`] does exactly that, once, for both
//! consumers:
//!
//! - the typed layer turns touches into [`DocPatch`]es ("node added", "text
//!   spliced in node X") that a view applies without knowing Automerge;
//! - the guard turns them into (node, action) pairs for the access engine.

use automerge::marks::Mark;
use automerge::{ObjId, Patch, PatchAction, Prop, Value};
use serde::Serialize;

use super::schema::{DocKind, keys};

/// What a view needs to know after local or remote changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "patch", rename_all = "camelCase")]
pub enum DocPatch {
    /// A root field of the document changed (title, submission, author, resolution…).
    DocumentChanged {
        /// The root field.
        field: String,
    },
    /// A node (collection, page, section, resource) appeared.
    NodeAdded {
        /// The node.
        node: String,
    },
    /// A node disappeared.
    NodeRemoved {
        /// The node.
        node: String,
    },
    /// A field of a node changed: `title`, `parent` (moved), `pos` (reordered), `file`.
    NodeChanged {
        /// The node.
        node: String,
        /// The field.
        field: String,
    },
    /// Text was inserted into a node's rich text.
    TextSpliced {
        /// The node.
        node: String,
        /// Where, in the document's text units (Unicode code points by default).
        index: usize,
        /// What was inserted.
        text: String,
    },
    /// Text was removed from a node's rich text.
    TextDeleted {
        /// The node.
        node: String,
        /// From where.
        index: usize,
        /// How many units.
        length: usize,
    },
    /// Formatting or block structure of a node's text changed; re-read its spans.
    TextFormatted {
        /// The node.
        node: String,
    },
    /// A feedback entry (comment, reply, evaluation) appeared.
    EntryAdded {
        /// The entry id.
        entry: String,
    },
    /// A feedback entry was removed from the document (entries are normally
    /// soft-deleted, which is an [`DocPatch::EntryChanged`] of `deleted`).
    EntryRemoved {
        /// The entry id.
        entry: String,
    },
    /// A field of a feedback entry changed (`body`, `deleted`, `hidden`…).
    EntryChanged {
        /// The entry id.
        entry: String,
        /// The field.
        field: String,
    },
}

/// How a touched location changed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum What<'p> {
    /// A value was put (or an object created) at the location.
    Put(&'p Value<'static>),
    /// The location was deleted.
    Delete,
    /// A concurrent value now competes for the location.
    Conflict,
    /// Text inserted into the field's text object.
    TextInsert { index: usize, text: String },
    /// Text removed from the field's text object.
    TextDelete { index: usize, length: usize },
    /// Marks set or removed on the field's text object.
    Marks(&'p [Mark]),
    /// Something deeper inside the field's object changed (a block marker,
    /// a key of the `file` map, a counter…).
    Nested,
}

/// One patch, placed in the document's shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Touch<'p> {
    /// The item (node or entry id) it concerns, if any.
    pub item: Option<&'p str>,
    /// The root field (when `item` is `None`) or item field; `None` when an
    /// item itself was added, removed or conflicted.
    pub field: Option<&'p str>,
    /// How.
    pub what: What<'p>,
    /// The object the patch modified (for validating nested objects).
    pub obj: &'p ObjId,
}

fn key(p: &Prop) -> &str {
    match p {
        Prop::Map(s) => s.as_str(),
        Prop::Seq(_) => "",
    }
}

fn action_key(a: &PatchAction) -> Option<&str> {
    match a {
        PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => Some(key.as_str()),
        PatchAction::Conflict { prop } | PatchAction::Increment { prop, .. } => Some(key(prop)),
        _ => None,
    }
}

fn shallow(a: &PatchAction) -> What<'_> {
    match a {
        PatchAction::PutMap { value, .. } | PatchAction::PutSeq { value, .. } => What::Put(&value.0),
        PatchAction::DeleteMap { .. } | PatchAction::DeleteSeq { .. } => What::Delete,
        PatchAction::Conflict { .. } => What::Conflict,
        _ => What::Nested,
    }
}

fn deep(a: &PatchAction) -> What<'_> {
    match a {
        PatchAction::SpliceText { index, value, .. } => What::TextInsert { index: *index, text: value.make_string() },
        PatchAction::DeleteSeq { index, length } => What::TextDelete { index: *index, length: *length },
        PatchAction::Mark { marks } => What::Marks(marks),
        _ => What::Nested,
    }
}

/// Place one patch in a document of `kind`.
pub(crate) fn classify(kind: DocKind, p: &Patch) -> Touch<'_> {
    let items = kind.items_key();
    let path = &p.path;
    let obj = &p.obj;
    if path.is_empty() {
        return Touch { item: None, field: action_key(&p.action), what: shallow(&p.action), obj };
    }
    let first = key(&path[0].1);
    if first != items {
        // Inside a root field's object (anchor, author, resolution, a root text).
        return Touch { item: None, field: Some(first), what: What::Nested, obj };
    }
    match path.len() {
        1 => {
            Touch { item: action_key(&p.action), field: None, what: shallow(&p.action), obj }
        }
        2 => Touch { item: Some(key(&path[1].1)), field: action_key(&p.action), what: shallow(&p.action), obj },
        3 => Touch { item: Some(key(&path[1].1)), field: Some(key(&path[2].1)), what: deep(&p.action), obj },
        _ => Touch { item: Some(key(&path[1].1)), field: Some(key(&path[2].1)), what: What::Nested, obj },
    }
}

/// Translate automerge patches into view patches.
pub(crate) fn translate(kind: DocKind, patches: &[Patch]) -> Vec<DocPatch> {
    let mut out: Vec<DocPatch> = Vec::new();
    let mut added: Vec<&str> = Vec::new();
    let feedback = kind == DocKind::Feedback;
    for p in patches {
        let t = classify(kind, p);
        let next = match (t.item, t.field) {
            (None, Some(field)) => DocPatch::DocumentChanged { field: field.to_owned() },
            (None, None) => continue,
            (Some(item), None) => match t.what {
                What::Delete => {
                    added.retain(|a| *a != item);
                    if feedback {
                        DocPatch::EntryRemoved { entry: item.to_owned() }
                    } else {
                        DocPatch::NodeRemoved { node: item.to_owned() }
                    }
                }
                _ => {
                    added.push(item);
                    if feedback {
                        DocPatch::EntryAdded { entry: item.to_owned() }
                    } else {
                        DocPatch::NodeAdded { node: item.to_owned() }
                    }
                }
            },
            (Some(item), Some(field)) => {
                if added.contains(&item) {
                    continue; // the NodeAdded already tells the view to read it whole
                }
                if feedback {
                    DocPatch::EntryChanged { entry: item.to_owned(), field: field.to_owned() }
                } else if field == keys::TEXT {
                    match t.what {
                        What::TextInsert { index, text } => DocPatch::TextSpliced { node: item.to_owned(), index, text },
                        What::TextDelete { index, length } => DocPatch::TextDeleted { node: item.to_owned(), index, length },
                        What::Put(_) | What::Delete | What::Conflict => {
                            DocPatch::NodeChanged { node: item.to_owned(), field: field.to_owned() }
                        }
                        What::Marks(_) | What::Nested => DocPatch::TextFormatted { node: item.to_owned() },
                    }
                } else {
                    DocPatch::NodeChanged { node: item.to_owned(), field: field.to_owned() }
                }
            }
        };
        if out.last() != Some(&next) || matches!(next, DocPatch::TextSpliced { .. } | DocPatch::TextDeleted { .. }) {
            out.push(next);
        }
    }
    out
}
