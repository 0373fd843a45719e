//! The validator: a report of violations, and the checks of a whole
//! document, of its root fields and of one item.

use automerge::{ObjId, ObjType, ROOT, ReadDoc};

use super::page::{Link, page_links, validate_page_node, walk_links};
use super::{
    DocKind, SCHEMA_VERSION, SchemaError, SchemaViolation, Shape, get, get_i64, get_obj, get_str, keys, kind_of, shape_of,
};
use crate::doc::rich;

/// Collects violations with their paths.
#[derive(Default)]
pub(crate) struct Report {
    pub(crate) violations: Vec<SchemaViolation>,
}

impl Report {
    pub(crate) fn push(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        self.violations.push(SchemaViolation { path: path.into(), problem: problem.into() });
    }

    pub(super) fn expect<D: ReadDoc>(&mut self, doc: &D, obj: &ObjId, base: &str, key: &str, want: &[Shape], required: bool) {
        let path = join(base, key);
        match get(doc, obj, key) {
            None if required => self.push(path, "is missing"),
            None => {}
            Some((v, _)) => {
                let got = shape_of(&v);
                if !want.contains(&got) {
                    let names: Vec<_> = want.iter().map(|s| s.name()).collect();
                    self.push(path, format!("should be {}, not {}", names.join(" or "), got.name()));
                }
            }
        }
    }

    pub(super) fn only_keys<D: ReadDoc>(&mut self, doc: &D, obj: &ObjId, base: &str, allowed: &[&str]) {
        for key in doc.keys(obj) {
            if !allowed.contains(&key.as_str()) {
                self.push(join(base, &key), "is not a known field");
            }
        }
    }

    pub(crate) fn into_result(self) -> Result<(), SchemaError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(SchemaError::Invalid(self.violations))
        }
    }
}

pub(crate) fn join(base: &str, key: &str) -> String {
    if base.is_empty() { key.to_owned() } else { format!("{base}/{key}") }
}

/// Validate a whole document. Returns its kind when it conforms.
pub fn validate<D: ReadDoc>(doc: &D) -> Result<DocKind, SchemaError> {
    let mut r = Report::default();
    let Some(kind) = kind_of(doc) else {
        r.push(keys::KIND, "should name a document kind (portfolio, collection, page, feedback)");
        r.into_result()?;
        unreachable!("a report with a violation is an error");
    };
    validate_root(doc, kind, &mut r);
    if let Some(items) = get_obj(doc, &ROOT, kind.items_key(), ObjType::Map) {
        if kind == DocKind::Page {
            // One pass reads every node's type and parent; the parent links are
            // then resolved once per node (memoised), so the whole page costs
            // linear time rather than one ancestor walk per node.
            let page = get_str(doc, &ROOT, keys::NODE);
            let links = page_links(doc, &items, page.as_deref());
            for id in doc.keys(&items) {
                let base = join(kind.items_key(), &id);
                check_id(&id, &base, &mut r);
                let Some(item) = get_obj(doc, &items, &id, ObjType::Map) else {
                    r.push(base, "should be a map");
                    continue;
                };
                validate_page_node(doc, &item, &id, &base, page.as_deref(), &mut r, || {
                    links.get(id.as_str()).cloned().unwrap_or(Link::Ok)
                });
            }
        } else {
            for id in doc.keys(&items) {
                validate_item(doc, kind, &items, &id, &mut r);
            }
        }
    }
    r.into_result().map(|()| kind)
}

/// Validate the root fields of a document of `kind` (not the items).
pub(crate) fn validate_root<D: ReadDoc>(doc: &D, kind: DocKind, r: &mut Report) {
    use keys::*;
    use Shape::*;
    r.only_keys(doc, &ROOT, "", kind.root_fields());
    r.expect(doc, &ROOT, "", KIND, &[Str], true);
    r.expect(doc, &ROOT, "", SCHEMA, &[Int], true);
    if let Some(v) = get_i64(doc, &ROOT, SCHEMA)
        && (v < 1 || v as u64 > SCHEMA_VERSION)
    {
        r.push(SCHEMA, format!("is version {v}; this build understands 1 to {SCHEMA_VERSION}, reload to update"));
    }
    r.expect(doc, &ROOT, "", NODE, &[Str], true);
    if let Some(n) = get_str(doc, &ROOT, NODE) {
        check_id(&n, NODE, r);
    }
    r.expect(doc, &ROOT, "", kind.items_key(), &[Map], true);
    match kind {
        DocKind::Portfolio => {
            r.expect(doc, &ROOT, "", TITLE, &[Str], true);
            r.expect(doc, &ROOT, "", DESCRIPTION, &[Str], false);
        }
        DocKind::Collection => r.expect(doc, &ROOT, "", PORTFOLIO, &[Str], true),
        DocKind::Page => {
            r.expect(doc, &ROOT, "", COLLECTION, &[Str], true);
            r.expect(doc, &ROOT, "", SUBMITTED, &[Str], true);
            if let Some(s) = get_str(doc, &ROOT, SUBMITTED)
                && s != "Y"
                && s != "N"
            {
                r.push(SUBMITTED, format!("should be \"Y\" or \"N\", not `{s}`"));
            }
            r.expect(doc, &ROOT, "", SUBMITTED_AT, &[Int, Null], false);
        }
        DocKind::Feedback => {
            r.expect(doc, &ROOT, "", OPENER, &[Str], true);
            r.expect(doc, &ROOT, "", ANCHOR, &[Map], true);
            if let Some(a) = get_obj(doc, &ROOT, ANCHOR, ObjType::Map) {
                r.only_keys(doc, &a, ANCHOR, &[DOC, NODE]);
                r.expect(doc, &a, ANCHOR, DOC, &[Str], true);
                r.expect(doc, &a, ANCHOR, NODE, &[Str], true);
                if let Some(d) = get_str(doc, &a, DOC)
                    && crate::doc::DocumentId::parse(&d).is_err()
                {
                    r.push("anchor/doc", format!("`{d}` is not an automerge: document URL"));
                }
            }
            r.expect(doc, &ROOT, "", AUTHOR, &[Map], true);
            if let Some(a) = get_obj(doc, &ROOT, AUTHOR, ObjType::Map) {
                r.only_keys(doc, &a, AUTHOR, &[PRINCIPAL, NAME, ROLE, ORGANISATION]);
                r.expect(doc, &a, AUTHOR, PRINCIPAL, &[Str], true);
                r.expect(doc, &a, AUTHOR, NAME, &[Str], true);
                r.expect(doc, &a, AUTHOR, ROLE, &[Str, Null], true);
                r.expect(doc, &a, AUTHOR, ORGANISATION, &[Str, Null], true);
            }
            r.expect(doc, &ROOT, "", RESOLUTION, &[Map], false);
            if let Some(res) = get_obj(doc, &ROOT, RESOLUTION, ObjType::Map) {
                r.only_keys(doc, &res, RESOLUTION, &[RESOLVED, AT]);
                r.expect(doc, &res, RESOLUTION, RESOLVED, &[Bool], true);
                r.expect(doc, &res, RESOLUTION, AT, &[Int], true);
            }
        }
    }
}

/// Ids are short, printable and free of path separators.
pub(crate) fn check_id(id: &str, path: &str, r: &mut Report) {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b':' || b == b'.');
    if !ok {
        r.push(path, format!("`{id}` is not a valid id (1 to 64 of A-Z a-z 0-9 _ - : .)"));
    }
}

/// Validate one item (`id`) of the item map `items`, including structural
/// rules (parent links) for page nodes.
pub(crate) fn validate_item<D: ReadDoc>(doc: &D, kind: DocKind, items: &ObjId, id: &str, r: &mut Report) {
    use keys::*;
    use Shape::*;
    let base = join(kind.items_key(), id);
    check_id(id, &base, r);
    let Some(item) = get_obj(doc, items, id, ObjType::Map) else {
        r.push(base, "should be a map");
        return;
    };
    match kind {
        DocKind::Portfolio | DocKind::Collection => {
            r.only_keys(doc, &item, &base, &[TITLE, POS, DOC]);
            r.expect(doc, &item, &base, TITLE, &[Str], true);
            r.expect(doc, &item, &base, POS, &[Num, Int], true);
            r.expect(doc, &item, &base, DOC, &[Str], true);
            if let Some(d) = get_str(doc, &item, DOC)
                && crate::doc::DocumentId::parse(&d).is_err()
            {
                r.push(join(&base, DOC), format!("`{d}` is not an automerge: document URL"));
            }
        }
        DocKind::Page => {
            let page = get_str(doc, &ROOT, NODE);
            validate_page_node(doc, &item, id, &base, page.as_deref(), r, || walk_links(doc, items, id, page.as_deref()));
        }
        DocKind::Feedback => {
            r.only_keys(
                doc,
                &item,
                &base,
                &[TYPE, REPLY_TO, BODY, CRITERION, LEVEL, NOTE, CREATED_AT, EDITED_AT, DELETED, HIDDEN],
            );
            r.expect(doc, &item, &base, TYPE, &[Str], true);
            r.expect(doc, &item, &base, CREATED_AT, &[Int], true);
            r.expect(doc, &item, &base, EDITED_AT, &[Int, Null], false);
            r.expect(doc, &item, &base, DELETED, &[Bool], true);
            r.expect(doc, &item, &base, HIDDEN, &[Bool], true);
            r.expect(doc, &item, &base, BODY, &[Text], true);
            match get_str(doc, &item, TYPE).as_deref() {
                Some("comment") => {}
                Some("reply") => {
                    r.expect(doc, &item, &base, REPLY_TO, &[Str], true);
                    if let Some(to) = get_str(doc, &item, REPLY_TO) {
                        check_id(&to, &join(&base, REPLY_TO), r);
                    }
                }
                Some("evaluation") => {
                    r.expect(doc, &item, &base, CRITERION, &[Str], true);
                    r.expect(doc, &item, &base, LEVEL, &[Str], true);
                    r.expect(doc, &item, &base, NOTE, &[Str], false);
                }
                Some(other) => r.push(join(&base, TYPE), format!("`{other}` is not comment, reply or evaluation")),
                None => {}
            }
        }
    }
}

/// Validate a block marker map inside rich text.
pub(crate) fn validate_block<D: ReadDoc>(doc: &D, block: &ObjId, base: &str, r: &mut Report) {
    rich::validate_block(doc, block, base, r);
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ObjType, ROOT};

    use super::*;

    /// The whole-page pass (memoised links) reports exactly what validating
    /// each item on its own (the guard's path, one ancestor walk per node)
    /// reports, in the same order, over random parent graphs with cycles,
    /// dangling links, links to non-sections and chains.
    #[test]
    fn whole_page_validation_matches_item_by_item_validation() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..200 {
            let n = 1 + next(40);
            let mut doc = Automerge::new();
            let mut tx = doc.transaction();
            tx.put(ROOT, keys::KIND, "page").unwrap();
            tx.put(ROOT, keys::SCHEMA, 1i64).unwrap();
            tx.put(ROOT, keys::NODE, "pg").unwrap();
            tx.put(ROOT, keys::COLLECTION, "c").unwrap();
            tx.put(ROOT, keys::SUBMITTED, "N").unwrap();
            let items = tx.put_object(ROOT, keys::NODES, ObjType::Map).unwrap();
            for i in 0..n {
                let id = if round % 7 == 0 && i == 0 { "pg".to_owned() } else { format!("n{i}") };
                if next(30) == 0 {
                    tx.put(&items, id.as_str(), "not a map").unwrap();
                    continue;
                }
                let node = tx.put_object(&items, id.as_str(), ObjType::Map).unwrap();
                let ty = ["section", "section", "section", "text", "file", "bogus"][next(6) as usize];
                if next(20) != 0 {
                    tx.put(&node, keys::TYPE, ty).unwrap();
                }
                let parent = match next(10) {
                    0 => "pg".to_owned(),
                    1 => "gone".to_owned(),
                    2 if next(3) == 0 => String::new(),
                    _ => format!("n{}", next(n)),
                };
                if parent.is_empty() {
                    tx.put(&node, keys::PARENT, 3i64).unwrap();
                } else {
                    tx.put(&node, keys::PARENT, parent.as_str()).unwrap();
                }
                tx.put(&node, keys::POS, 1.0).unwrap();
                tx.put(&node, keys::TITLE, "t").unwrap();
                if ty == "file" {
                    let f = tx.put_object(&node, keys::FILE, ObjType::Map).unwrap();
                    tx.put(&f, keys::HASH, "ab".repeat(32)).unwrap();
                    tx.put(&f, keys::NAME, "f").unwrap();
                    tx.put(&f, keys::MIME, "m").unwrap();
                    tx.put(&f, keys::SIZE, 1i64).unwrap();
                } else {
                    tx.put_object(&node, keys::TEXT, ObjType::Text).unwrap();
                }
            }
            tx.commit();
            let got = match validate(&doc) {
                Ok(_) => Vec::new(),
                Err(SchemaError::Invalid(v)) => v,
            };
            let mut r = Report::default();
            validate_root(&doc, DocKind::Page, &mut r);
            let items = get_obj(&doc, &ROOT, keys::NODES, ObjType::Map).unwrap();
            for id in doc.keys(&items) {
                validate_item(&doc, DocKind::Page, &items, &id, &mut r);
            }
            assert_eq!(got, r.violations, "round {round}");
        }
    }
}
