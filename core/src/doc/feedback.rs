//! The feedback document: one person's contributions to one thread.
//!
//! A thread is anchored to a node (a page, a section, a resource). Each
//! participant writes into their *own* document for that thread, so
//! authorship is structural — the guard accepts changes to a feedback
//! document only from its author — and the hide-feedback rule is exact: a
//! reader who may only see their own and the owner's feedback is simply not
//! sent the other documents.
//!
//! Two fields are not the author's alone:
//!
//! - `hidden` on an entry is set by someone with Manage on the anchor (a
//!   moderator hiding a comment); it is the only thing they may change.
//! - `resolution` is each participant's own resolve/reopen action with its
//!   time. Resolving needs Comment on the anchor (as in common editors, anyone
//!   in the conversation may resolve it); a view folds the thread's documents
//!   and shows the most recent action ([`Feedback::resolution`]).
//!
//! `opener` names the principal who started the thread; every document of a
//! thread carries the same value (the server, which creates the thread and
//! hands out its document ids, sees to that).

use automerge::transaction::Transactable;
use automerge::{ActorId, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

use super::base::{Base, sorted_items, typed_doc};
use super::schema::{self, DocKind, keys};
use super::{DocError, DocPatch, DocumentId};
use crate::time::Timestamp;

/// A feedback document.
///
/// ```
/// use folio_core::doc::{FeedbackDoc, Anchor, Author, DocumentId, actor};
/// use folio_core::time::Timestamp;
/// let author = Author { principal: "user:tom".into(), name: "Tom".into(), role: Some("teacher".into()), organisation: None };
/// let anchor = Anchor { doc: DocumentId::from_bytes([3; 16]), node: "intro".into() };
/// let mut fb = FeedbackDoc::create(actor::actor_for("user:tom", [9; 16]), "t1", anchor, "user:tom", author).unwrap();
/// fb.add_comment("e1", "Nice start", Timestamp(10)).unwrap();
/// fb.edit_entry("e1", "Nice start!", Timestamp(11)).unwrap();
/// assert_eq!(fb.read().entries[0].body, "Nice start!");
/// ```
#[derive(Debug, Clone)]
pub struct FeedbackDoc {
    base: Base,
}

typed_doc!(FeedbackDoc, DocKind::Feedback);

/// Who wrote a feedback document, as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The principal key (the access engine's name for the person).
    pub principal: String,
    /// Display name.
    pub name: String,
    /// Role in the portfolio (teacher, peer, supervisor…).
    pub role: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
}

/// What a thread is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The document holding the node.
    pub doc: DocumentId,
    /// The node.
    pub node: String,
}

/// A progress evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The criterion evaluated.
    pub criterion: String,
    /// The level reached.
    pub level: String,
    /// An optional note.
    pub note: Option<String>,
}

/// The kind of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum EntryKind {
    /// A comment opening or continuing the conversation.
    Comment,
    /// A reply to an entry (possibly in another person's document of the thread).
    Reply {
        /// The entry replied to.
        to: String,
    },
    /// A progress evaluation.
    Evaluation(Evaluation),
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Entry id.
    pub id: String,
    /// Comment, reply or evaluation.
    pub kind: EntryKind,
    /// The text (empty once deleted).
    pub body: String,
    /// When written.
    pub created_at: Timestamp,
    /// When last edited.
    pub edited_at: Option<Timestamp>,
    /// Deleted by its author.
    pub deleted: bool,
    /// Hidden by a manager.
    pub hidden: bool,
}

/// The author's latest resolve or reopen action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Resolved (true) or reopened (false).
    pub resolved: bool,
    /// When.
    pub at: Timestamp,
}

/// A feedback document read for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// The thread id.
    pub thread: String,
    /// What the thread is about.
    pub anchor: Anchor,
    /// Who opened the thread.
    pub opener: String,
    /// Who wrote this document.
    pub author: Author,
    /// Entries in order of creation.
    pub entries: Vec<Entry>,
    /// This author's latest resolve/reopen.
    pub resolution: Option<Resolution>,
}

impl Feedback {
    /// Whether a thread is resolved, folding all of its documents: the most
    /// recent resolve or reopen wins (ties: resolved).
    pub fn resolution<'a>(docs: impl IntoIterator<Item = &'a Feedback>) -> bool {
        docs.into_iter()
            .filter_map(|d| d.resolution)
            .max_by_key(|r| (r.at, r.resolved))
            .is_some_and(|r| r.resolved)
    }
}

impl FeedbackDoc {
    /// A new feedback document for `author` in thread `thread` about `anchor`,
    /// opened by `opener`.
    pub fn create(actor: ActorId, thread: &str, anchor: Anchor, opener: &str, author: Author) -> Result<Self, DocError> {
        super::check_id(&anchor.node)?;
        let base = Base::create(DocKind::Feedback, actor, thread, |tx| {
            let a = tx.put_object(ROOT, keys::ANCHOR, ObjType::Map)?;
            tx.put(&a, keys::DOC, anchor.doc.to_url())?;
            tx.put(&a, keys::NODE, anchor.node.as_str())?;
            tx.put(ROOT, keys::OPENER, opener)?;
            let au = tx.put_object(ROOT, keys::AUTHOR, ObjType::Map)?;
            tx.put(&au, keys::PRINCIPAL, author.principal.as_str())?;
            tx.put(&au, keys::NAME, author.name.as_str())?;
            put_opt(tx, &au, keys::ROLE, author.role.as_deref())?;
            put_opt(tx, &au, keys::ORGANISATION, author.organisation.as_deref())?;
            Ok(())
        })?;
        Ok(FeedbackDoc { base })
    }

    /// Read as a plain struct.
    pub fn read(&self) -> Feedback {
        let doc = &self.base.doc;
        let anchor = schema::get_obj(doc, &ROOT, keys::ANCHOR, ObjType::Map);
        let author = schema::get_obj(doc, &ROOT, keys::AUTHOR, ObjType::Map);
        let s = |o: &Option<ObjId>, k| o.as_ref().and_then(|o| schema::get_str(doc, o, k));
        let items = self.base.items();
        let mut entries: Vec<Entry> = sorted_items(doc, &items, |_| true)
            .into_iter()
            .map(|(_, id, obj)| read_entry(doc, id, &obj))
            .collect();
        entries.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let resolution = schema::get_obj(doc, &ROOT, keys::RESOLUTION, ObjType::Map).map(|r| Resolution {
            resolved: schema::get_bool(doc, &r, keys::RESOLVED).unwrap_or(false),
            at: Timestamp(schema::get_i64(doc, &r, keys::AT).unwrap_or(0)),
        });
        Feedback {
            thread: self.base.node_id(),
            anchor: Anchor {
                doc: s(&anchor, keys::DOC).and_then(|d| DocumentId::parse(&d).ok()).unwrap_or(DocumentId::from_bytes([0; 16])),
                node: s(&anchor, keys::NODE).unwrap_or_default(),
            },
            opener: schema::get_str(doc, &ROOT, keys::OPENER).unwrap_or_default(),
            author: Author {
                principal: s(&author, keys::PRINCIPAL).unwrap_or_default(),
                name: s(&author, keys::NAME).unwrap_or_default(),
                role: s(&author, keys::ROLE),
                organisation: s(&author, keys::ORGANISATION),
            },
            entries,
            resolution,
        }
    }

    fn add(&mut self, id: &str, kind: &EntryKind, body: &str, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        super::check_id(id)?;
        if self.base.item(id).is_ok() {
            return Err(DocError::Duplicate(id.to_owned()));
        }
        self.base.edit(|tx, items| {
            let e = tx.put_object(items, id, ObjType::Map)?;
            match kind {
                EntryKind::Comment => tx.put(&e, keys::TYPE, "comment")?,
                EntryKind::Reply { to } => {
                    super::check_id(to)?;
                    tx.put(&e, keys::TYPE, "reply")?;
                    tx.put(&e, keys::REPLY_TO, to.as_str())?;
                }
                EntryKind::Evaluation(ev) => {
                    tx.put(&e, keys::TYPE, "evaluation")?;
                    tx.put(&e, keys::CRITERION, ev.criterion.as_str())?;
                    tx.put(&e, keys::LEVEL, ev.level.as_str())?;
                    if let Some(n) = &ev.note {
                        tx.put(&e, keys::NOTE, n.as_str())?;
                    }
                }
            }
            let t = tx.put_object(&e, keys::BODY, ObjType::Text)?;
            tx.splice_text(&t, 0, 0, body)?;
            tx.put(&e, keys::CREATED_AT, now.0)?;
            tx.put(&e, keys::DELETED, false)?;
            tx.put(&e, keys::HIDDEN, false)?;
            Ok(())
        })
    }

    /// Add a comment.
    pub fn add_comment(&mut self, id: &str, body: &str, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        self.add(id, &EntryKind::Comment, body, now)
    }

    /// Reply to entry `to` (of any document in the thread).
    pub fn reply(&mut self, id: &str, to: &str, body: &str, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        self.add(id, &EntryKind::Reply { to: to.to_owned() }, body, now)
    }

    /// Add a progress evaluation, with `body` as its explanation.
    pub fn evaluate(&mut self, id: &str, evaluation: Evaluation, body: &str, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        self.add(id, &EntryKind::Evaluation(evaluation), body, now)
    }

    fn body(&self, id: &str) -> Result<(ObjId, ObjId), DocError> {
        let e = self.base.item(id)?;
        let t = schema::get_obj(&self.base.doc, &e, keys::BODY, ObjType::Text).ok_or_else(|| DocError::NotFound(format!("{id}/body")))?;
        Ok((e, t))
    }

    /// Edit one's own entry (the text is diffed, so only what changed is sent).
    pub fn edit_entry(&mut self, id: &str, body: &str, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        let (e, t) = self.body(id)?;
        self.base.edit(|tx, _| {
            tx.update_text(&t, body)?;
            tx.put(&e, keys::EDITED_AT, now.0)?;
            Ok(())
        })
    }

    /// Delete one's own entry: it stays as a tombstone ("deleted") so replies keep their place.
    pub fn delete_entry(&mut self, id: &str, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        let (e, t) = self.body(id)?;
        let len = self.base.doc.length(&t);
        self.base.edit(|tx, _| {
            tx.splice_text(&t, 0, len as isize, "")?;
            tx.put(&e, keys::DELETED, true)?;
            tx.put(&e, keys::EDITED_AT, now.0)?;
            Ok(())
        })
    }

    /// Hide (or show again) an entry — for someone with Manage on the anchor.
    pub fn hide_entry(&mut self, id: &str, hidden: bool) -> Result<Vec<DocPatch>, DocError> {
        let e = self.base.item(id)?;
        self.base.edit(|tx, _| Ok(tx.put(&e, keys::HIDDEN, hidden)?))
    }

    /// Resolve (or reopen) the thread, recorded as this author's action.
    pub fn resolve(&mut self, resolved: bool, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        let existing = schema::get_obj(&self.base.doc, &ROOT, keys::RESOLUTION, ObjType::Map);
        self.base.edit(|tx, _| {
            let r = match existing {
                Some(r) => r,
                None => tx.put_object(ROOT, keys::RESOLUTION, ObjType::Map)?,
            };
            tx.put(&r, keys::RESOLVED, resolved)?;
            tx.put(&r, keys::AT, now.0)?;
            Ok(())
        })
    }
}

fn put_opt<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str, v: Option<&str>) -> Result<(), DocError> {
    match v {
        Some(v) => tx.put(obj, key, v)?,
        None => tx.put(obj, key, ScalarValue::Null)?,
    }
    Ok(())
}

fn read_entry<D: ReadDoc>(doc: &D, id: String, e: &ObjId) -> Entry {
    let s = |k| schema::get_str(doc, e, k).unwrap_or_default();
    let kind = match schema::get_str(doc, e, keys::TYPE).as_deref() {
        Some("reply") => EntryKind::Reply { to: s(keys::REPLY_TO) },
        Some("evaluation") => EntryKind::Evaluation(Evaluation {
            criterion: s(keys::CRITERION),
            level: s(keys::LEVEL),
            note: schema::get_str(doc, e, keys::NOTE),
        }),
        _ => EntryKind::Comment,
    };
    let body = match doc.get(e, keys::BODY).ok().flatten() {
        Some((Value::Object(ObjType::Text), t)) => doc.text(&t).unwrap_or_default(),
        _ => String::new(),
    };
    Entry {
        id,
        kind,
        body,
        created_at: Timestamp(schema::get_i64(doc, e, keys::CREATED_AT).unwrap_or(0)),
        edited_at: schema::get_i64(doc, e, keys::EDITED_AT).map(Timestamp),
        deleted: schema::get_bool(doc, e, keys::DELETED).unwrap_or(false),
        hidden: schema::get_bool(doc, e, keys::HIDDEN).unwrap_or(false),
    }
}
