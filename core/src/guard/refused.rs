//! The text a refused change carried, read from its operations.
//!
//! A change refused after it was applied reports its text from its patches
//! (see `rules`). A change refused *before* it could be applied — it depends
//! on a refused change, or came under someone else's actor — has no patches,
//! so its inserted characters are read from its operations instead, grouped
//! by the object they were typed into and placed at a node where the
//! document still knows that object.

use automerge::legacy::{ObjectId, OpType};
use automerge::{Automerge, Change, Prop, ReadDoc, ScalarValue};

use super::RefusedText;

pub(crate) fn text_of(doc: &Automerge, change: &Change) -> Vec<RefusedText> {
    let expanded = change.decode();
    let mut out: Vec<(String, RefusedText)> = Vec::new();
    for op in &expanded.operations {
        let OpType::Put(ScalarValue::Str(s)) = &op.action else { continue };
        if !op.insert {
            continue;
        }
        let obj = match &op.obj {
            ObjectId::Id(id) => id.to_string(),
            ObjectId::Root => "_root".to_owned(),
        };
        if let Some((_, last)) = out.iter_mut().rev().find(|(o, _)| *o == obj) {
            last.text.push_str(s);
            continue;
        }
        let (node, field) = place(doc, &obj);
        out.push((obj, RefusedText { node, field, text: s.to_string() }));
    }
    out.into_iter().map(|(_, r)| r).collect()
}

fn place(doc: &Automerge, obj: &str) -> (Option<String>, Option<String>) {
    let Ok(id) = doc.import_obj(obj) else { return (None, None) };
    let Ok(parents) = doc.parents(&id) else { return (None, None) };
    let path = parents.path();
    let key = |i: usize| match path.get(i).map(|p| &p.1) {
        Some(Prop::Map(k)) => Some(k.clone()),
        _ => None,
    };
    (key(1), key(2))
}
