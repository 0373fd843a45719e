//! The schema: which keys each kind of document holds, and the validator.
//!
//! Every Folio document has the same three root fields — `kind`, `schema`
//! (the version number below) and `node` (the id of the tree node the document
//! stores) — and one *item map* whose keys are ids:
//!
//! | kind         | root fields                                        | item map      | item fields |
//! |--------------|----------------------------------------------------|---------------|-------------|
//! | `portfolio`  | `title`, `description`                             | `collections` | `title`, `pos`, `doc` |
//! | `collection` | `portfolio`                                        | `pages`       | `title`, `pos`, `doc` |
//! | `page`       | `collection`, `submitted` (`"Y"`/`"N"`), `submitted_at` | `nodes`  | `type`, `parent`, `pos`, `title`, `text` / `file` |
//! | `feedback`   | `anchor`, `opener`, `author`, `resolution` | `entries`   | `type`, `reply_to`, `body`, `criterion`, `level`, `note`, `created_at`, `edited_at`, `deleted`, `hidden` |
//!
//! Items live in a map keyed by id rather than in nested lists, for two
//! reasons. Automerge has no move operation, so a nested tree could only move
//! a section by copying it (losing its history and anything typed into it
//! concurrently); with a flat map and a `parent` link, a move is one field
//! write and concurrent moves resolve last-writer-wins. And map keys are unique
//! by construction, so "ids are unique" cannot be broken by a merge. Order
//! among siblings is a floating-point `pos` (fractional indexing).
//!
//! # Validation
//!
//! [`validate`] checks a whole document: known keys only, the right types,
//! `text` where text belongs, parent links that point at an existing node of
//! a kind that may contain children and never form a cycle, and safe links.
//! The guard calls the same per-item checks ([`validate_root`],
//! [`validate_item`]) on just what a change touched, so a keystroke costs
//! one item's validation rather than the whole page's.
//!
//! # Versions and migration
//!
//! [`SCHEMA_VERSION`] is stored in every document. A reader refuses documents
//! from a newer schema (it would misread them) and accepts older ones. A future
//! migration is an ordinary, deterministic change: the server (the only party
//! that may touch `schema`) loads the document, runs the step function
//! `migrate_vN_to_vN+1` inside one transaction with the fixed, well-known
//! actor [`MIGRATION_ACTOR`], and sets `schema`. Because the actor, the
//! operations and the dependencies are the same everywhere, two servers
//! migrating the same heads produce the same change hash, so migrations never
//! conflict with each other; clients receive it like any other change.
//! Clients on an older build see a newer `schema`, refuse to edit, and ask for
//! a reload.

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};

use super::rich;

/// The schema version this build writes and fully understands.
pub const SCHEMA_VERSION: u64 = 1;

/// The actor used for server-side schema migrations (see the module docs).
pub const MIGRATION_ACTOR: &[u8] = b"folio-migration\0";

/// The four kinds of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// One per portfolio: its metadata and its collections with titles.
    Portfolio,
    /// One per collection: its pages, their titles and order.
    Collection,
    /// One per page: sections, resources, rich text, attachments.
    Page,
    /// One per (feedback thread, author): that person's contributions.
    Feedback,
}

impl DocKind {
    /// The value stored in the `kind` field.
    pub const fn as_str(self) -> &'static str {
        match self {
            DocKind::Portfolio => "portfolio",
            DocKind::Collection => "collection",
            DocKind::Page => "page",
            DocKind::Feedback => "feedback",
        }
    }

    /// The kind named by a `kind` field value.
    pub fn parse(s: &str) -> Option<DocKind> {
        Some(match s {
            "portfolio" => DocKind::Portfolio,
            "collection" => DocKind::Collection,
            "page" => DocKind::Page,
            "feedback" => DocKind::Feedback,
            _ => return None,
        })
    }

    /// The root key of this kind's item map.
    pub const fn items_key(self) -> &'static str {
        match self {
            DocKind::Portfolio => keys::COLLECTIONS,
            DocKind::Collection => keys::PAGES,
            DocKind::Page => keys::NODES,
            DocKind::Feedback => keys::ENTRIES,
        }
    }

    fn root_fields(self) -> &'static [&'static str] {
        use keys::*;
        match self {
            DocKind::Portfolio => &[KIND, SCHEMA, NODE, TITLE, DESCRIPTION, COLLECTIONS],
            DocKind::Collection => &[KIND, SCHEMA, NODE, PORTFOLIO, PAGES],
            DocKind::Page => &[KIND, SCHEMA, NODE, COLLECTION, SUBMITTED, SUBMITTED_AT, NODES],
            DocKind::Feedback => &[
                KIND, SCHEMA, NODE, ANCHOR, OPENER, AUTHOR, RESOLUTION, ENTRIES,
            ],
        }
    }
}

/// Key names, shared by the typed layer, the validator and the guard.
pub mod keys {
    /// Root: the document kind.
    pub const KIND: &str = "kind";
    /// Root: the schema version.
    pub const SCHEMA: &str = "schema";
    /// Root: the node this document stores (for feedback: the thread id).
    pub const NODE: &str = "node";
    /// Portfolio root / item: a title.
    pub const TITLE: &str = "title";
    /// Portfolio root: a description.
    pub const DESCRIPTION: &str = "description";
    /// Portfolio root: the collections.
    pub const COLLECTIONS: &str = "collections";
    /// Collection root: the portfolio node it belongs to.
    pub const PORTFOLIO: &str = "portfolio";
    /// Collection root: the pages.
    pub const PAGES: &str = "pages";
    /// Page root: the collection node it belongs to.
    pub const COLLECTION: &str = "collection";
    /// Page root: `"Y"` once submitted, else `"N"`.
    pub const SUBMITTED: &str = "submitted";
    /// Page root: when it was submitted (ms since epoch).
    pub const SUBMITTED_AT: &str = "submitted_at";
    /// Page root: sections and resources.
    pub const NODES: &str = "nodes";
    /// Item: ordering among siblings.
    pub const POS: &str = "pos";
    /// Item: the document that stores it.
    pub const DOC: &str = "doc";
    /// Item: the item's type.
    pub const TYPE: &str = "type";
    /// Page item: the parent node.
    pub const PARENT: &str = "parent";
    /// Page item: rich text.
    pub const TEXT: &str = "text";
    /// Page item: the attachment of a file resource.
    pub const FILE: &str = "file";
    /// File: content hash.
    pub const HASH: &str = "hash";
    /// File / author: name.
    pub const NAME: &str = "name";
    /// File: media type.
    pub const MIME: &str = "mime";
    /// File: size in bytes.
    pub const SIZE: &str = "size";
    /// Feedback root: what the thread is about (`doc`, `node`).
    pub const ANCHOR: &str = "anchor";
    /// Feedback root: the principal who opened the thread.
    pub const OPENER: &str = "opener";
    /// Feedback root: the author of this document.
    pub const AUTHOR: &str = "author";
    /// Author: the principal key.
    pub const PRINCIPAL: &str = "principal";
    /// Author: role.
    pub const ROLE: &str = "role";
    /// Author: organisation.
    pub const ORGANISATION: &str = "organisation";
    /// Feedback root: resolve/reopen state (`resolved`, `at`).
    pub const RESOLUTION: &str = "resolution";
    /// Resolution: whether resolved.
    pub const RESOLVED: &str = "resolved";
    /// Resolution: when.
    pub const AT: &str = "at";
    /// Feedback root: the entries.
    pub const ENTRIES: &str = "entries";
    /// Entry: the entry it answers.
    pub const REPLY_TO: &str = "reply_to";
    /// Entry: the text.
    pub const BODY: &str = "body";
    /// Evaluation: criterion.
    pub const CRITERION: &str = "criterion";
    /// Evaluation: level reached.
    pub const LEVEL: &str = "level";
    /// Evaluation: a note.
    pub const NOTE: &str = "note";
    /// Entry: creation time.
    pub const CREATED_AT: &str = "created_at";
    /// Entry: last edit time.
    pub const EDITED_AT: &str = "edited_at";
    /// Entry: deleted by its author.
    pub const DELETED: &str = "deleted";
    /// Entry: hidden by a manager.
    pub const HIDDEN: &str = "hidden";
}

/// One way in which a document breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaViolation {
    /// Where, as a slash path (`nodes/s1/title`).
    pub path: String,
    /// What is wrong, in plain words.
    pub problem: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` {}", self.path, self.problem)
    }
}

/// Why a document could not be validated at all, or the list of violations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The document breaks the schema.
    #[error("the document breaks the schema: {}", .0.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<SchemaViolation>),
}

// ---------------------------------------------------------------- reading

/// What a field holds, for validation and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Str,
    Int,
    Num,
    Bool,
    Null,
    Text,
    Map,
    List,
    Other,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Str => "a string",
            Shape::Int => "an integer",
            Shape::Num => "a number",
            Shape::Bool => "a boolean",
            Shape::Null => "null",
            Shape::Text => "text",
            Shape::Map => "a map",
            Shape::List => "a list",
            Shape::Other => "an unsupported value",
        }
    }
}

pub(crate) fn shape_of(v: &Value<'_>) -> Shape {
    match v {
        Value::Object(ObjType::Text) => Shape::Text,
        Value::Object(ObjType::Map) | Value::Object(ObjType::Table) => Shape::Map,
        Value::Object(ObjType::List) => Shape::List,
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(_) => Shape::Str,
            ScalarValue::Int(_) | ScalarValue::Uint(_) | ScalarValue::Timestamp(_) => Shape::Int,
            ScalarValue::F64(_) => Shape::Num,
            ScalarValue::Boolean(_) => Shape::Bool,
            ScalarValue::Null => Shape::Null,
            _ => Shape::Other,
        },
    }
}

pub(crate) fn get<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<(Value<'static>, ObjId)> {
    doc.get(obj, key).ok().flatten().map(|(v, id)| (v.into_owned(), id))
}

pub(crate) fn get_str<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn get_i64<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<i64> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Some(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).ok(),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn get_f64<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<f64> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::F64(f) => Some(*f),
            ScalarValue::Int(i) => Some(*i as f64),
            ScalarValue::Uint(u) => Some(*u as f64),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn get_bool<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<bool> {
    match doc.get(obj, key).ok().flatten()?.0 {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Boolean(b) => Some(*b),
            _ => None,
        },
        _ => None,
    }
}

/// The object at `key` if it is of type `typ`.
pub(crate) fn get_obj<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str, typ: ObjType) -> Option<ObjId> {
    match doc.get(obj, key).ok().flatten()? {
        (Value::Object(t), id) if t == typ => Some(id),
        _ => None,
    }
}

/// The kind stored in a document, if it names one.
pub fn kind_of<D: ReadDoc>(doc: &D) -> Option<DocKind> {
    get_str(doc, &ROOT, keys::KIND).as_deref().and_then(DocKind::parse)
}

// ---------------------------------------------------------------- validating

/// Collects violations with their paths.
#[derive(Default)]
pub(crate) struct Report {
    pub(crate) violations: Vec<SchemaViolation>,
}

impl Report {
    pub(crate) fn push(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        self.violations.push(SchemaViolation { path: path.into(), problem: problem.into() });
    }

    fn expect<D: ReadDoc>(&mut self, doc: &D, obj: &ObjId, base: &str, key: &str, want: &[Shape], required: bool) {
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

    fn only_keys<D: ReadDoc>(&mut self, doc: &D, obj: &ObjId, base: &str, allowed: &[&str]) {
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
                    && super::DocumentId::parse(&d).is_err()
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
                && super::DocumentId::parse(&d).is_err()
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

/// The page node types.
pub(crate) const NODE_TYPES: &[&str] = &["section", "text", "file"];

fn validate_page_node<D: ReadDoc>(
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
enum Link {
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
fn walk_links<D: ReadDoc>(doc: &D, items: &ObjId, id: &str, page: Option<&str>) -> Link {
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
fn page_links<D: ReadDoc>(doc: &D, items: &ObjId, page: Option<&str>) -> std::collections::HashMap<String, Link> {
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
