//! Page nodes: their fields, and their parent links (to the page or a
//! section, without cycles), one node at a time or a whole page at once.

use automerge::{ObjId, ObjType, ReadDoc};

use super::{Report, Shape, get_i64, get_obj, get_str, join, keys};

/// The page node types.
pub(crate) const NODE_TYPES: &[&str] = &["section", "text", "file"];

pub(super) fn validate_page_node<D: ReadDoc>(
    doc: &D,
    item: &ObjId,
    id: &str,
    base: &str,
    page: Option<&str>,
    r: &mut Report,
    link: impl FnOnce() -> Link,
) {
    use keys::*;
    use Shape::*;
    let ty = get_str(doc, item, TYPE);
    match ty.as_deref() {
        Some("section") | Some("text") => {
            r.only_keys(doc, item, base, &[TYPE, PARENT, POS, TITLE, TEXT]);
            r.expect(doc, item, base, TEXT, &[Text], true);
        }
        Some("file") => {
            r.only_keys(doc, item, base, &[TYPE, PARENT, POS, TITLE, FILE]);
            r.expect(doc, item, base, FILE, &[Map], true);
            if let Some(f) = get_obj(doc, item, FILE, ObjType::Map) {
                let fb = join(base, FILE);
                r.only_keys(doc, &f, &fb, &[HASH, NAME, MIME, SIZE]);
                r.expect(doc, &f, &fb, HASH, &[Str], true);
                r.expect(doc, &f, &fb, NAME, &[Str], true);
                r.expect(doc, &f, &fb, MIME, &[Str], true);
                r.expect(doc, &f, &fb, SIZE, &[Int], true);
                if let Some(h) = get_str(doc, &f, HASH)
                    && !(h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                {
                    r.push(join(&fb, HASH), format!("`{h}` is not a hex SHA-256 content hash"));
                }
                if get_i64(doc, &f, SIZE).is_some_and(|s| s < 0) {
                    r.push(join(&fb, SIZE), "should not be negative");
                }
            }
        }
        Some(other) => {
            r.push(join(base, TYPE), format!("`{other}` is not one of {}", NODE_TYPES.join(", ")));
            return;
        }
        None => {
            r.expect(doc, item, base, TYPE, &[Str], true);
            return;
        }
    }
    r.expect(doc, item, base, TITLE, &[Str], true);
    r.expect(doc, item, base, POS, &[Num, Int], true);
    r.expect(doc, item, base, PARENT, &[Str], true);
    // Parent links: to the page itself or to an existing section, without cycles.
    if page == Some(id) {
        r.push(base, "reuses the page's own id");
    }
    match link() {
        Link::Ok => {}
        Link::Missing(parent) => r.push(join(base, PARENT), format!("`{parent}` is neither the page nor a node on it")),
        Link::NotSection(parent) => r.push(join(base, PARENT), format!("`{parent}` is not a section, so it cannot contain anything")),
        Link::Cycle => r.push(join(base, PARENT), "makes the node its own ancestor"),
    }
}

/// The outcome of following a page node's parent links up to the page: the
/// first broken link on the way, or a cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Link {
    Ok,
    /// A link to `parent`, which is not a node of the page.
    Missing(String),
    /// A link to `parent`, which is not a section.
    NotSection(String),
    /// The walk comes back to a node it has passed (the node is in or under a cycle).
    Cycle,
}

/// Follow the parent links from `id` (one node, as the guard does for what a
/// change touched).
pub(super) fn walk_links<D: ReadDoc>(doc: &D, items: &ObjId, id: &str, page: Option<&str>) -> Link {
    let mut current = id.to_owned();
    let mut steps = 0usize;
    let limit = doc.length(items) + 1;
    while let Some(node) = get_obj(doc, items, &current, ObjType::Map) {
        let Some(parent) = get_str(doc, &node, keys::PARENT) else { break };
        if Some(parent.as_str()) == page {
            break;
        }
        match get_obj(doc, items, &parent, ObjType::Map) {
            None => return Link::Missing(parent),
            Some(p) => {
                if get_str(doc, &p, keys::TYPE).as_deref() != Some("section") {
                    return Link::NotSection(parent);
                }
            }
        }
        steps += 1;
        if parent == id || steps > limit {
            return Link::Cycle;
        }
        current = parent;
    }
    Link::Ok
}

/// [`walk_links`] for every node of a page at once: each node's type and
/// parent are read once, and each node's outcome is computed once (a node's
/// outcome is its own link's problem, else its parent's outcome).
pub(super) fn page_links<D: ReadDoc>(doc: &D, items: &ObjId, page: Option<&str>) -> std::collections::HashMap<String, Link> {
    use std::collections::{HashMap, HashSet};
    // id -> (is a section, parent)
    let mut info: HashMap<String, (bool, Option<String>)> = HashMap::new();
    for id in doc.keys(items) {
        if let Some(node) = get_obj(doc, items, &id, ObjType::Map) {
            let section = get_str(doc, &node, keys::TYPE).as_deref() == Some("section");
            info.insert(id, (section, get_str(doc, &node, keys::PARENT)));
        }
    }
    let mut done: HashMap<String, Link> = HashMap::with_capacity(info.len());
    let mut path: Vec<&str> = Vec::new();
    let mut on_path: HashSet<&str> = HashSet::new();
    for start in info.keys() {
        if done.contains_key(start.as_str()) {
            continue;
        }
        path.clear();
        on_path.clear();
        let mut cur: &str = start;
        let outcome = loop {
            if let Some(l) = done.get(cur) {
                break l.clone();
            }
            if !on_path.insert(cur) {
                break Link::Cycle;
            }
            path.push(cur);
            let Some((_, Some(parent))) = info.get(cur) else { break Link::Ok };
            if Some(parent.as_str()) == page {
                break Link::Ok;
            }
            match info.get_key_value(parent.as_str()) {
                None => break Link::Missing(parent.clone()),
                Some((_, (false, _))) => break Link::NotSection(parent.clone()),
                Some((key, (true, _))) => cur = key,
            }
        };
        for id in &path {
            done.insert((*id).to_owned(), outcome.clone());
        }
    }
    done
}
