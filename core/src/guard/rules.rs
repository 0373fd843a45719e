//! Mapping one change's patches to (node, action) checks, authorship rules
//! and schema validation.

use std::collections::HashSet;

use automerge::{Automerge, ChangeHash, ObjId, ObjType, Patch, ROOT, ReadDoc, ScalarValue, Value};

use super::{Reason, ReasonKind, RefusedText, Sender};
use crate::access::feedback::FeedbackEntry;
use crate::access::{Action, Checker, Engine, NodeId, Principal, UserId};
use crate::doc::schema::{self, DocKind, Report, keys};
use crate::doc::{DocPatch, Touch, What, classify, rich};
use crate::time::Timestamp;

/// The stable key naming a principal in feedback documents and actor tags:
/// `user:<id>`, `link:<id>`, `token:<id>` or `anonymous`.
///
/// ```
/// use folio_core::access::Principal;
/// assert_eq!(folio_core::guard::principal_key(&Principal::user("ada")), "user:ada");
/// ```
pub fn principal_key(p: &Principal) -> String {
    match p {
        Principal::User(u) => format!("user:{}", u.id),
        Principal::Link { id } => format!("link:{id}"),
        Principal::Token(t) => format!("token:{}", t.id),
        Principal::Anonymous => "anonymous".to_owned(),
    }
}

pub(crate) struct Ctx<'a> {
    pub engine: &'a Engine,
    pub checker: &'a Checker<'a>,
    pub sender: Sender<'a>,
    pub key: &'a str,
    pub now: Timestamp,
}

type Judged = Result<Vec<DocPatch>, (Vec<Reason>, Vec<RefusedText>)>;

struct Judge<'a, 'p> {
    ctx: &'a Ctx<'a>,
    doc: &'a Automerge,
    before: &'a [ChangeHash],
    kind: DocKind,
    node: String,
    created: bool,
    reasons: Vec<Reason>,
    needs: Vec<(String, Action, String)>,
    refused: Vec<RefusedText>,
    added: HashSet<&'p str>,
    removed: HashSet<&'p str>,
    touched: HashSet<&'p str>,
    root_touched: bool,
    blocks: Vec<(ObjId, String)>,
}

fn reason(kind: ReasonKind, node: Option<&str>, message: String) -> Reason {
    Reason { kind, node: node.map(str::to_owned), message }
}

/// Judge the patches one change produced. `before` are the heads before it.
pub(crate) fn judge(ctx: &Ctx<'_>, doc: &Automerge, before: &[ChangeHash], kind_before: Option<DocKind>, patches: &[Patch]) -> Judged {
    let Some(kind) = schema::kind_of(doc) else {
        let r = reason(ReasonKind::Schema, None, "the document does not say what kind of Folio document it is (`kind`)".into());
        return Err((vec![r], Vec::new()));
    };
    let mut j = Judge {
        ctx,
        doc,
        before,
        kind,
        node: schema::get_str(doc, &ROOT, keys::NODE).unwrap_or_default(),
        created: kind_before.is_none(),
        reasons: Vec::new(),
        needs: Vec::new(),
        refused: Vec::new(),
        added: HashSet::new(),
        removed: HashSet::new(),
        touched: HashSet::new(),
        root_touched: false,
        blocks: Vec::new(),
    };
    let touches: Vec<Touch<'_>> = patches.iter().map(|p| classify(kind, p)).collect();
    for t in &touches {
        j.collect_refused(t);
    }
    if kind == DocKind::Feedback {
        j.feedback(&touches);
    } else {
        for t in &touches {
            j.tree(t);
        }
    }
    j.validate();
    j.check_needs();
    if j.reasons.is_empty() {
        Ok(crate::doc::patch_translate(kind, patches))
    } else {
        let mut reasons = j.reasons;
        let mut seen = HashSet::new();
        reasons.retain(|r| seen.insert(r.message.clone()));
        Err((reasons, j.refused))
    }
}

impl<'a, 'p> Judge<'a, 'p> {
    fn need(&mut self, node: &str, action: Action, what: String) {
        if !self.needs.iter().any(|(n, a, _)| n == node && *a == action) {
            self.needs.push((node.to_owned(), action, what));
        }
    }

    fn collect_refused(&mut self, t: &Touch<'p>) {
        let text = match &t.what {
            What::TextInsert { text, .. } => text.clone(),
            What::Put(Value::Scalar(s)) => match s.as_ref() {
                ScalarValue::Str(s) if matches!(t.field, Some(keys::TITLE | keys::DESCRIPTION)) => s.to_string(),
                _ => return,
            },
            _ => return,
        };
        if let Some(last) = self.refused.last_mut()
            && last.node.as_deref() == t.item
            && last.field.as_deref() == t.field
            && matches!(t.what, What::TextInsert { .. })
        {
            last.text.push_str(&text);
            return;
        }
        self.refused.push(RefusedText { node: t.item.map(str::to_owned), field: t.field.map(str::to_owned), text });
    }

    // ------------------------------------------------------------ tree documents

    fn immutable(&mut self, field: &str) {
        self.reasons.push(reason(
            ReasonKind::Immutable,
            None,
            format!("`{field}` is fixed when the document is created and cannot change"),
        ));
    }

    fn tree(&mut self, t: &Touch<'p>) {
        let doc_node = self.node.clone();
        match (t.item, t.field) {
            (None, Some(field)) => {
                self.root_touched = true;
                if self.created {
                    self.need(&doc_node, Action::Write, format!("create the document of `{doc_node}`"));
                    return;
                }
                match (self.kind, field) {
                    (_, keys::KIND | keys::SCHEMA | keys::NODE | keys::COLLECTION | keys::PORTFOLIO) => self.immutable(field),
                    (_, f) if f == self.kind.items_key() => self.immutable(field),
                    (DocKind::Page, keys::SUBMITTED | keys::SUBMITTED_AT) => {
                        self.need(&doc_node, Action::Write, format!("submit or withdraw page `{doc_node}`"))
                    }
                    _ => self.need(&doc_node, Action::Write, format!("edit `{doc_node}`")),
                }
            }
            (None, None) => {}
            (Some(item), None) => {
                self.touched.insert(item);
                match t.what {
                    What::Delete => {
                        self.removed.insert(item);
                        let target = self.resolve(item, true);
                        self.need(&target, Action::Delete, format!("delete `{item}`"));
                    }
                    _ => {
                        if self.existed(item) {
                            // Replacing an existing item object is deleting it and creating another.
                            let target = self.resolve(item, true);
                            self.need(&target, Action::Delete, format!("replace `{item}`"));
                        } else if self.lives_elsewhere(item) {
                            // An item's id is its node id: naming a node that
                            // exists elsewhere would re-parent it (and its
                            // grants' reach) on the server.
                            self.reasons.push(reason(
                                ReasonKind::Forbidden,
                                Some(item),
                                format!("`{item}` already exists elsewhere in the portfolio; a new item needs a new id (moving a page between collections is the server's move)"),
                            ));
                        }
                        self.added.insert(item);
                        let parent = self.parent_now(item).unwrap_or_else(|| doc_node.clone());
                        let target = self.resolve(&parent, false);
                        self.need(&target, Action::CreateChild, format!("add `{item}` to `{parent}`"));
                    }
                }
            }
            (Some(item), Some(field)) => {
                // Characters spliced into a text object cannot break the schema
                // (marks are checked below, block markers are `Nested`), so a
                // keystroke does not re-validate its node.
                if !matches!(t.what, What::TextInsert { .. } | What::TextDelete { .. } | What::Marks(_)) {
                    self.touched.insert(item);
                }
                if self.added.contains(item) {
                    return; // judged as part of creating it
                }
                if let What::Marks(marks) = &t.what {
                    for m in marks.iter() {
                        if let Err(e) = rich::check_mark(m) {
                            self.reasons.push(reason(ReasonKind::Schema, Some(item), format!("in `{item}`: {e}")));
                        }
                    }
                }
                if field == keys::TEXT && matches!(t.what, What::Nested) {
                    self.blocks.push((t.obj.clone(), format!("{}/{item}/text", self.kind.items_key())));
                }
                match (self.kind, field) {
                    (DocKind::Page, keys::PARENT) => {
                        let target = self.resolve(item, true);
                        self.need(&target, Action::Delete, format!("move `{item}` away from where it is"));
                        let parent = self.parent_now(item).unwrap_or_else(|| doc_node.clone());
                        let target = self.resolve(&parent, false);
                        self.need(&target, Action::CreateChild, format!("move `{item}` into `{parent}`"));
                    }
                    (DocKind::Page, keys::TYPE) => self.reasons.push(reason(
                        ReasonKind::Immutable,
                        Some(item),
                        format!("the type of `{item}` cannot change; delete it and add a new one"),
                    )),
                    (DocKind::Portfolio | DocKind::Collection, keys::DOC) => self.reasons.push(reason(
                        ReasonKind::Immutable,
                        Some(item),
                        format!("the document of `{item}` cannot change"),
                    )),
                    (_, keys::POS) => {
                        let parent = self.parent_now(item).unwrap_or_else(|| doc_node.clone());
                        let target = self.resolve(&parent, false);
                        self.need(&target, Action::Write, format!("reorder the contents of `{parent}`"));
                    }
                    _ => {
                        let target = self.resolve(item, false);
                        let what = if field == keys::TEXT { format!("edit the text of `{item}`") } else { format!("change the {field} of `{item}`") };
                        self.need(&target, Action::Write, what);
                    }
                }
            }
        }
    }

    fn items(&self, heads: Option<&[ChangeHash]>) -> Option<ObjId> {
        let key = self.kind.items_key();
        let v = match heads {
            None => self.doc.get(ROOT, key),
            Some(h) => self.doc.get_at(ROOT, key, h),
        };
        match v.ok().flatten() {
            Some((Value::Object(ObjType::Map), id)) => Some(id),
            _ => None,
        }
    }

    fn item_parent(&self, id: &str, heads: Option<&[ChangeHash]>) -> Option<Option<String>> {
        let items = self.items(heads)?;
        let node = match heads {
            None => self.doc.get(&items, id),
            Some(h) => self.doc.get_at(&items, id, h),
        };
        let (Value::Object(ObjType::Map), node) = node.ok().flatten()? else { return None };
        if self.kind != DocKind::Page {
            return Some(Some(self.node.clone()));
        }
        let p = match heads {
            None => self.doc.get(&node, keys::PARENT),
            Some(h) => self.doc.get_at(&node, keys::PARENT, h),
        };
        Some(match p.ok().flatten() {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        })
    }

    /// Whether the engine knows `id` as a node outside this document's
    /// reach, so that adding an item with that id would steal it:
    ///
    /// - portfolio and collection documents hold their items directly, so
    ///   an item is within reach iff the engine's parent of `id` is this
    ///   document's node (that is also how a page the server just moved
    ///   here is re-listed: the engine already places it here);
    /// - a page document holds nested sections and resources, so an item is
    ///   within reach iff the engine places it strictly below this page (at
    ///   any depth); the page's own node and anything above or beside it are
    ///   not.
    ///
    /// Unknown ids are new nodes and always fine.
    fn lives_elsewhere(&self, id: &str) -> bool {
        let engine = self.ctx.engine;
        let Some(node) = engine.node(&NodeId::new(id)) else { return false };
        if self.kind != DocKind::Page {
            return node.parent.as_ref().map(NodeId::as_str) != Some(self.node.as_str());
        }
        let mut parent = node.parent.clone();
        for _ in 0..256 {
            match parent {
                Some(p) if p.as_str() == self.node => return false,
                Some(p) => parent = engine.node(&p).and_then(|n| n.parent.clone()),
                None => return true,
            }
        }
        true
    }

    fn existed(&self, id: &str) -> bool {
        !self.created && self.item_parent(id, Some(self.before)).is_some()
    }

    fn parent_now(&self, id: &str) -> Option<String> {
        self.item_parent(id, None).flatten()
    }

    /// The node the engine should judge: `id` if it knows it, else the nearest
    /// ancestor it knows (following the document's parent links, before the
    /// change when `prefer_before`), else the document's own node.
    fn resolve(&self, id: &str, prefer_before: bool) -> String {
        let mut cur = id.to_owned();
        for _ in 0..64 {
            if self.ctx.engine.node(&NodeId::new(cur.as_str())).is_some() {
                return cur;
            }
            if cur == self.node || self.kind != DocKind::Page {
                break;
            }
            let before = if self.created { None } else { self.item_parent(&cur, Some(self.before)).flatten() };
            let now = self.parent_now(&cur);
            let next = if prefer_before { before.or(now) } else { now.or(before) };
            match next {
                Some(p) => cur = p,
                None => break,
            }
        }
        self.node.clone()
    }

    // ------------------------------------------------------------ feedback

    fn feedback(&mut self, touches: &[Touch<'p>]) {
        let anchor = schema::get_obj(self.doc, &ROOT, keys::ANCHOR, ObjType::Map)
            .and_then(|a| schema::get_str(self.doc, &a, keys::NODE))
            .unwrap_or_default();
        let author_obj = schema::get_obj(self.doc, &ROOT, keys::AUTHOR, ObjType::Map);
        let author_of = |k| author_obj.as_ref().and_then(|a| schema::get_str(self.doc, a, k));
        let author = author_of(keys::PRINCIPAL).unwrap_or_default();
        let is_author = author == self.ctx.key;
        if self.ctx.engine.node(&NodeId::new(anchor.as_str())).is_none() {
            self.reasons.push(reason(
                ReasonKind::Forbidden,
                Some(&anchor),
                format!("the thread is about `{anchor}`, which you cannot see"),
            ));
            return;
        }
        if self.created {
            self.root_touched = true;
            if !is_author {
                self.reasons.push(reason(
                    ReasonKind::Authorship,
                    None,
                    format!("a feedback document must be written by its author; it names `{author}`, you are `{}`", self.ctx.key),
                ));
            }
            let profile = self.ctx.sender.profile;
            let same = profile.is_some_and(|p| {
                author_of(keys::NAME).as_deref() == Some(p.name.as_str())
                    && author_of(keys::ROLE) == p.role
                    && author_of(keys::ORGANISATION) == p.organisation
            });
            if !same {
                self.reasons.push(reason(
                    ReasonKind::Authorship,
                    None,
                    "the name, role and organisation on your feedback must be yours as the server knows them".into(),
                ));
            }
            self.need(&anchor, Action::Comment, format!("start feedback on `{anchor}`"));
        }
        // Hide-feedback visitors take part only in threads they can see: the
        // engine's feedback visibility rule, applied to the thread's opening.
        let opener = schema::get_str(self.doc, &ROOT, keys::OPENER).unwrap_or_default();
        if opener != self.ctx.key {
            let starter = UserId::new(opener.strip_prefix("user:").unwrap_or(""));
            let opening = FeedbackEntry { author: starter.clone(), thread_starter: starter };
            let anchor_id = NodeId::new(anchor.as_str());
            if !self.ctx.engine.feedback_visible(self.ctx.sender.principal, &anchor_id, &opening, self.ctx.now) {
                self.reasons.push(reason(
                    ReasonKind::Forbidden,
                    Some(&anchor),
                    "you cannot see this thread, so you cannot write in it (you see only threads opened by yourself or by the portfolio's owner)".into(),
                ));
            }
        }
        for t in touches {
            match (t.item, t.field) {
                (None, Some(field)) => {
                    self.root_touched = true;
                    if self.created {
                        continue;
                    }
                    if !is_author {
                        self.not_author(&author);
                    } else if field == keys::RESOLUTION {
                        self.need(&anchor, Action::Comment, format!("resolve or reopen the thread on `{anchor}`"));
                    } else if field == keys::AUTHOR {
                        self.reasons.push(reason(
                            ReasonKind::Authorship,
                            None,
                            "the author, role and organisation of feedback are fixed when it is written".into(),
                        ));
                    } else {
                        self.immutable(field);
                    }
                }
                (None, None) => {}
                (Some(item), field) => {
                    self.touched.insert(item);
                    if field.is_none() {
                        if matches!(t.what, What::Delete) {
                            self.removed.insert(item);
                        } else {
                            self.added.insert(item);
                        }
                    }
                    if field == Some(keys::HIDDEN) && !self.added.contains(item) {
                        self.need(&anchor, Action::Manage, format!("hide or show entry `{item}`"));
                        continue;
                    }
                    if !is_author {
                        self.not_author(&author);
                        continue;
                    }
                    self.need(&anchor, Action::Comment, format!("write feedback on `{anchor}`"));
                }
            }
        }
    }

    fn not_author(&mut self, author: &str) {
        self.reasons.push(reason(
            ReasonKind::Authorship,
            None,
            format!("only its author (`{author}`) writes to this feedback document; managers may only hide entries"),
        ));
    }

    // ------------------------------------------------------------ checks

    fn check_needs(&mut self) {
        for (node, action, what) in std::mem::take(&mut self.needs) {
            if !self.ctx.checker.check(action, &NodeId::new(node.as_str()), self.ctx.now) {
                let level = action.required_level();
                self.reasons.push(reason(
                    ReasonKind::Forbidden,
                    Some(&node),
                    format!("you may not {what}: that needs {level} access to `{node}`, which you do not have now"),
                ));
            }
        }
    }

    fn validate(&mut self) {
        let doc = self.doc;
        if self.created {
            if let Err(schema::SchemaError::Invalid(v)) = schema::validate(doc) {
                self.schema_reasons(v);
            }
            return;
        }
        let mut r = Report::default();
        if self.root_touched {
            schema::validate_root(doc, self.kind, &mut r);
        }
        let items = self.items(None);
        if let Some(items) = &items {
            let mut touched: Vec<&str> = self.touched.iter().copied().collect();
            touched.sort_unstable();
            for id in touched {
                if doc.get(items, id).ok().flatten().is_some() {
                    schema::validate_item(doc, self.kind, items, id, &mut r);
                }
            }
            if self.kind == DocKind::Page && !self.removed.is_empty() {
                for id in doc.keys(items) {
                    if let Some(obj) = schema::get_obj(doc, items, &id, ObjType::Map)
                        && let Some(p) = schema::get_str(doc, &obj, keys::PARENT)
                        && self.removed.contains(p.as_str())
                    {
                        r.push(format!("nodes/{id}"), format!("would be left without its parent `{p}`; delete it too"));
                    }
                }
            }
        }
        // Block markers: an object inserted into the text itself (the patch
        // names the text, not the new object) means every object in that
        // text is checked; a patch inside a marker may sit in one of its
        // nested objects (`attrs`, `parents`): the marker that holds it is
        // checked. Each marker once.
        let mut seen = HashSet::new();
        for (obj, base) in std::mem::take(&mut self.blocks) {
            let markers: Vec<ObjId> = if matches!(doc.object_type(&obj), Ok(ObjType::Text)) {
                doc.list_range(&obj, ..).filter(|item| matches!(item.value, automerge::ValueRef::Object(_))).map(|item| item.id()).collect()
            } else {
                match block_of(doc, &obj) {
                    Some(block) => vec![block],
                    None => {
                        r.push(base.clone(), "holds objects nested deeper than a block marker allows");
                        continue;
                    }
                }
            };
            for block in markers {
                if !seen.insert(block.clone()) {
                    continue;
                }
                if matches!(doc.object_type(&block), Ok(ObjType::Map)) {
                    schema::validate_block(doc, &block, &base, &mut r);
                } else {
                    r.push(base.clone(), "holds an object that is not a block marker (a map)");
                }
            }
        }
        self.schema_reasons(r.violations);
    }

    fn schema_reasons(&mut self, v: Vec<schema::SchemaViolation>) {
        for v in v {
            self.reasons.push(reason(ReasonKind::Schema, None, format!("the result would break the document's structure: {v}")));
        }
    }
}

/// The block marker (a map directly inside a text object) that holds `obj`,
/// which may be the marker itself or an object nested in it.
fn block_of(doc: &Automerge, obj: &ObjId) -> Option<ObjId> {
    let mut current = obj.clone();
    for _ in 0..8 {
        let parent = doc.parents(&current).ok()?.next()?;
        if matches!(doc.object_type(&parent.obj), Ok(ObjType::Text)) {
            return Some(current);
        }
        current = parent.obj;
    }
    None
}
