//! Deriving the tree skeleton and child-document registrations from a document.
//!
//! The access engine needs the portfolio's tree; the documents hold it. After
//! the guard accepted changes that touched structure (items added, removed,
//! moved or renamed, a page submitted), and once whenever a document is
//! loaded, the actor reads the document's items and reconciles the engine
//! with them: the document is the source of truth for the part of the tree
//! it stores (a portfolio document: the collections; a collection document:
//! its pages; a page document: the page's state and its sections and
//! resources). This also heals the `nodes` table after a crash between
//! storing a change and updating the skeleton.
//!
//! A document never re-parents a node across documents: an item whose id
//! the engine already places outside this document (for a portfolio or
//! collection document: under another parent; for a page document: not
//! below this page) is skipped, with everything hung below it. Moving a page
//! to another collection is the server's own step (`routes::pages`), which
//! re-parents the node first and then edits the documents.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use folio_core::access::{Engine, Node, NodeId, NodeKind, NodeState};
use folio_core::doc::DocPatch;
use folio_core::doc::schema::keys;
use folio_core::time::Timestamp;

use crate::policy::TreeChange;
use crate::storage::{DocumentId, DocumentRecord, DocumentRole};

/// What a document says about the tree.
#[derive(Debug, Default)]
pub struct Derived {
    /// Changes to bring the engine in step.
    pub tree: Vec<TreeChange>,
    /// Child documents the document names (collections, pages).
    pub children: Vec<DocumentRecord>,
}

/// Whether accepted patches may have changed the skeleton.
pub fn touches_structure(patches: &[DocPatch]) -> bool {
    patches.iter().any(|p| match p {
        DocPatch::NodeAdded { .. } | DocPatch::NodeRemoved { .. } => true,
        DocPatch::NodeChanged { field, .. } => matches!(field.as_str(), "title" | "parent"),
        DocPatch::DocumentChanged { field } => {
            matches!(field.as_str(), "title" | "submitted" | "submitted_at")
        }
        _ => false,
    })
}

fn get_str(doc: &Automerge, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok().flatten()? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        (Value::Object(ObjType::Text), id) => doc.text(&id).ok(),
        _ => None,
    }
}

fn get_i64(doc: &Automerge, obj: &ObjId, key: &str) -> Option<i64> {
    match doc.get(obj, key).ok().flatten()? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Int(i) => Some(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).ok(),
            ScalarValue::Timestamp(t) => Some(*t),
            ScalarValue::F64(f) => Some(*f as i64),
            _ => None,
        },
        _ => None,
    }
}

fn items(doc: &Automerge, key: &str) -> Vec<(String, ObjId)> {
    let Some((Value::Object(ObjType::Map), map)) = doc.get(ROOT, key).ok().flatten() else {
        return Vec::new();
    };
    doc.keys(&map)
        .filter_map(|k| match doc.get(&map, k.as_str()).ok().flatten() {
            Some((Value::Object(ObjType::Map), obj)) => Some((k, obj)),
            _ => None,
        })
        .collect()
}

/// A document id as stored in an item's `doc` field (`automerge:…`).
fn doc_ref(s: &str) -> Option<DocumentId> {
    let bare = s.strip_prefix(folio_core::doc::URL_PREFIX).unwrap_or(s);
    folio_core::doc::DocumentId::parse(bare).ok()?;
    DocumentId::parse(bare).ok()
}

/// Nodes of the engine strictly below `root`.
fn descendants(engine: &Engine, root: &NodeId) -> Vec<NodeId> {
    let nodes = engine.nodes();
    let parent: HashMap<&NodeId, Option<&NodeId>> = nodes.iter().map(|n| (&n.id, n.parent.as_ref())).collect();
    let mut out = Vec::new();
    for n in &nodes {
        let mut p = n.parent.as_ref();
        let mut steps = 0;
        while let Some(id) = p {
            if id == root {
                out.push(n.id.clone());
                break;
            }
            steps += 1;
            if steps > 256 {
                break;
            }
            p = parent.get(id).copied().flatten();
        }
    }
    out
}

/// Reads the skeleton `doc` stores and compares it with `engine`.
pub fn derive(doc: &Automerge, record: &DocumentRecord, engine: &Engine) -> Derived {
    let mut out = Derived::default();
    let here = &record.node;
    let (child_kind, items_key, child_role) = match record.role {
        DocumentRole::Portfolio => (NodeKind::Collection, keys::COLLECTIONS, Some(DocumentRole::Collection)),
        DocumentRole::Collection => (NodeKind::Page, keys::PAGES, Some(DocumentRole::Page)),
        DocumentRole::Page => (NodeKind::Section, keys::NODES, None),
        DocumentRole::Feedback { .. } => return out,
    };
    // The document's own node: title (portfolio) or submission state (page).
    if let Some(mut own) = engine.node(here).cloned() {
        match record.role {
            DocumentRole::Portfolio => own.title = get_str(doc, &ROOT, keys::TITLE),
            DocumentRole::Page => {
                let submitted = get_str(doc, &ROOT, keys::SUBMITTED).as_deref() == Some("Y");
                own.state = NodeState {
                    submitted: submitted.then(|| Timestamp(get_i64(doc, &ROOT, keys::SUBMITTED_AT).unwrap_or(0))),
                    ..own.state.clone()
                };
            }
            _ => {}
        }
        if engine.node(here) != Some(&own) {
            out.tree.push(TreeChange::Upsert(own));
        }
    }
    let mut wanted: Vec<Node> = Vec::new();
    for (id, obj) in items(doc, items_key) {
        let title = get_str(doc, &obj, keys::TITLE);
        let (kind, parent) = if record.role == DocumentRole::Page {
            let kind = match get_str(doc, &obj, keys::TYPE).as_deref() {
                Some("section") => NodeKind::Section,
                _ => NodeKind::Resource,
            };
            (kind, get_str(doc, &obj, keys::PARENT).unwrap_or_else(|| here.to_string()))
        } else {
            (child_kind, here.to_string())
        };
        if let Some(role) = &child_role
            && let Some(child) = get_str(doc, &obj, keys::DOC).as_deref().and_then(doc_ref)
        {
            out.children.push(DocumentRecord {
                id: child,
                portfolio: record.portfolio.clone(),
                role: role.clone(),
                node: NodeId::new(id.as_str()),
            });
        }
        let mut node = Node::child(id.as_str(), kind, parent.as_str());
        node.title = title;
        if let Some(old) = engine.node(&node.id) {
            node.state = old.state.clone();
        }
        wanted.push(node);
    }
    // Parents before children (page items may come in any order).
    let ids: HashSet<NodeId> = wanted.iter().map(|n| n.id.clone()).collect();
    let mut placed: HashSet<NodeId> = HashSet::new();
    let mut ordered = Vec::with_capacity(wanted.len());
    let mut rest = wanted;
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, later): (Vec<Node>, Vec<Node>) = rest.into_iter().partition(|n| {
            n.parent.as_ref().is_none_or(|p| !ids.contains(p) || placed.contains(p))
        });
        for n in ready {
            placed.insert(n.id.clone());
            ordered.push(n);
        }
        rest = later;
        if rest.len() == before {
            break; // a cycle: the schema forbids it; leave those out
        }
    }
    // Removed: engine nodes this document owns that it no longer names.
    let owned: Vec<NodeId> = if record.role == DocumentRole::Page {
        descendants(engine, here)
    } else {
        engine
            .nodes()
            .into_iter()
            .filter(|n| n.parent.as_ref() == Some(here) && n.kind == child_kind)
            .map(|n| n.id.clone())
            .collect()
    };
    for id in owned {
        if !ids.contains(&id) {
            out.tree.push(TreeChange::Remove(id));
        }
    }
    // Never re-parent a node across documents: a document only places the
    // nodes it holds. An item naming a node the engine places outside this
    // document's reach (another collection's page, another page's section)
    // is left alone, and so is everything the document hangs below it. The
    // guard refuses such items; this is the second lock, for documents
    // written before it did and for the moment between the server's move of
    // a page and the old collection document forgetting it.
    let mut skipped: HashSet<NodeId> = HashSet::new();
    for n in ordered {
        if n.parent.as_ref().is_some_and(|p| skipped.contains(p)) || elsewhere(engine, &n, here, record.role == DocumentRole::Page) {
            tracing::debug!(node = %n.id, document = %record.id, "item names a node placed elsewhere; not re-parented");
            skipped.insert(n.id.clone());
            continue;
        }
        if engine.node(&n.id) != Some(&n) {
            out.tree.push(TreeChange::Upsert(n));
        }
    }
    out
}

/// Whether the engine knows `wanted`'s id as a node this document does not
/// hold: for a portfolio or collection document, one with another parent
/// than the document's node; for a page document, one not strictly below
/// the page.
fn elsewhere(engine: &Engine, wanted: &Node, here: &NodeId, page: bool) -> bool {
    let Some(old) = engine.node(&wanted.id) else { return false };
    if !page {
        return old.parent.as_ref() != Some(here);
    }
    let mut parent = old.parent.clone();
    for _ in 0..256 {
        match parent {
            Some(p) if &p == here => return false,
            Some(p) => parent = engine.node(&p).and_then(|n| n.parent.clone()),
            None => return true,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use folio_core::doc::{CollectionDoc, DocumentId as WireId, PageDoc, actor};

    use super::*;

    fn engine() -> Engine {
        let mut e = Engine::new();
        e.add_node(Node::portfolio("pf", "olga")).unwrap();
        e.add_node(Node::child("c1", NodeKind::Collection, "pf")).unwrap();
        e.add_node(Node::child("c2", NodeKind::Collection, "pf")).unwrap();
        e.add_node(Node::child("pg", NodeKind::Page, "c1")).unwrap();
        e.add_node(Node::child("pg2", NodeKind::Page, "c1")).unwrap();
        e.add_node(Node::child("u", NodeKind::Section, "pg2")).unwrap();
        e
    }

    fn record(role: DocumentRole, node: &str) -> DocumentRecord {
        let id = DocumentId::parse(&WireId::from_bytes([1; 16]).to_string()).unwrap();
        DocumentRecord { id: id.clone(), portfolio: id, role, node: NodeId::new(node) }
    }

    fn upserts(d: &Derived) -> Vec<String> {
        d.tree
            .iter()
            .filter_map(|c| match c {
                TreeChange::Upsert(n) => Some(n.id.to_string()),
                TreeChange::Remove(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_collection_document_never_re_parents_another_collections_page() {
        let mut c = CollectionDoc::create(actor::actor_for("server", [1; 16]), "c2", "pf").unwrap();
        c.add_page("pg", "Stolen", WireId::from_bytes([2; 16]), None).unwrap();
        c.add_page("new", "New", WireId::from_bytes([3; 16]), None).unwrap();
        let d = derive(c.automerge(), &record(DocumentRole::Collection, "c2"), &engine());
        assert_eq!(upserts(&d), ["new"]);
    }

    #[test]
    fn a_page_document_never_takes_another_pages_section() {
        let mut p = PageDoc::create(actor::actor_for("server", [1; 16]), "pg", "c1").unwrap();
        p.add_section("pg", "u", "Stolen", None).unwrap();
        p.add_section("u", "below", "Below the stolen one", None).unwrap();
        p.add_section("pg", "mine", "Mine", None).unwrap();
        let d = derive(p.automerge(), &record(DocumentRole::Page, "pg"), &engine());
        assert_eq!(upserts(&d), ["mine"]);
    }
}
