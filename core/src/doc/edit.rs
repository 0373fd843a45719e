//! Edits as data, and one type over the four documents.
//!
//! The typed documents ([`PortfolioDoc`], [`CollectionDoc`], [`PageDoc`],
//! [`FeedbackDoc`]) each have their own edit methods. A browser, a test script
//! or a property test needs the same edits as *values* it can build, send,
//! log and replay, so [`Edit`] describes every one of them as one serde-tagged
//! enum, and [`TypedDoc::apply`] dispatches it to the typed method. The wire
//! shape is a plain object with an `op` tag and the method's arguments:
//!
//! ```
//! use folio_core::doc::{Edit, NewDoc, TypedDoc, actor};
//!
//! let me = actor::actor_for("user:ada", [1; 16]);
//! let mut page = TypedDoc::create(me, NewDoc::Page { node: "pg".into(), collection: "c1".into() }).unwrap();
//! let edit: Edit = serde_json::from_str(r#"{"op":"add_section","parent":"pg","id":"intro","title":"Intro"}"#).unwrap();
//! page.apply(&edit).unwrap();
//! let patches = page.apply(&Edit::SpliceText { node: "intro".into(), index: 0, delete: 0, insert: "Hi".into() }).unwrap();
//! assert_eq!(serde_json::to_string(&patches).unwrap(), r#"[{"patch":"textSpliced","node":"intro","index":0,"text":"Hi"}]"#);
//! assert_eq!(serde_json::to_value(page.read()).unwrap()["kind"], "page");
//! ```
//!
//! An edit meant for another kind of document is refused with
//! [`EditError::WrongDocument`] before anything changes; every other error is
//! the typed method's own [`DocError`], and [`EditError::code`] names it for
//! programs (`not_found`, `duplicate`, …).

use automerge::{ActorId, Automerge, Change, ChangeHash};
use serde::{Deserialize, Serialize};

use super::{
    Anchor, Author, BlockKind, Collection, CollectionDoc, CollectionEntry, DocError, DocKind, DocPatch, DocumentId,
    Entry, Evaluation, Feedback, FeedbackDoc, FileRef, Format, NodeSpec, Page, PageDoc, PageEntry, PageNode,
    Portfolio, PortfolioDoc,
};
use crate::time::Timestamp;

/// One edit of one document, as data. Field names are the typed methods'
/// argument names; `index` fields may be left out (`null`: at the end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    // ---------------------------------------------------------- portfolio
    /// [`PortfolioDoc::set_metadata`].
    SetMetadata {
        /// New title.
        title: String,
        /// New description.
        description: String,
    },
    /// [`PortfolioDoc::add_collection`].
    AddCollection {
        /// Collection node id.
        id: String,
        /// Its title.
        title: String,
        /// Its collection document.
        document: DocumentId,
        /// Position among the collections (`None`: last).
        #[serde(default)]
        index: Option<usize>,
    },
    /// [`PortfolioDoc::rename_collection`].
    RenameCollection {
        /// Collection node id.
        id: String,
        /// New title.
        title: String,
    },
    /// [`PortfolioDoc::move_collection`].
    MoveCollection {
        /// Collection node id.
        id: String,
        /// New position.
        index: usize,
    },
    /// [`PortfolioDoc::delete_collection`].
    DeleteCollection {
        /// Collection node id.
        id: String,
    },
    // --------------------------------------------------------- collection
    /// [`CollectionDoc::add_page`].
    AddPage {
        /// Page node id.
        id: String,
        /// Its title.
        title: String,
        /// Its page document.
        document: DocumentId,
        /// Position among the pages (`None`: last).
        #[serde(default)]
        index: Option<usize>,
    },
    /// [`CollectionDoc::rename_page`].
    RenamePage {
        /// Page node id.
        id: String,
        /// New title.
        title: String,
    },
    /// [`CollectionDoc::move_page`].
    MovePage {
        /// Page node id.
        id: String,
        /// New position.
        index: usize,
    },
    /// [`CollectionDoc::delete_page`].
    DeletePage {
        /// Page node id.
        id: String,
    },
    // --------------------------------------------------------------- page
    /// [`PageDoc::add_node`].
    AddNode {
        /// The page id or a section id.
        parent: String,
        /// New node id.
        id: String,
        /// Its title.
        title: String,
        /// Section, text or file.
        spec: NodeSpec,
        /// Position among its siblings (`None`: last).
        #[serde(default)]
        index: Option<usize>,
    },
    /// [`PageDoc::add_section`].
    AddSection {
        /// The page id or a section id.
        parent: String,
        /// New section id.
        id: String,
        /// Its title.
        title: String,
        /// Position among its siblings (`None`: last).
        #[serde(default)]
        index: Option<usize>,
    },
    /// [`PageDoc::attach_file`].
    AttachFile {
        /// The page id or a section id.
        parent: String,
        /// New resource id.
        id: String,
        /// The file.
        file: FileRef,
    },
    /// [`PageDoc::rename`].
    Rename {
        /// The node.
        node: String,
        /// New title.
        title: String,
    },
    /// [`PageDoc::move_node`].
    MoveNode {
        /// The node.
        node: String,
        /// New parent (the page or a section).
        parent: String,
        /// Position among its new siblings (`None`: last).
        #[serde(default)]
        index: Option<usize>,
    },
    /// [`PageDoc::delete_node`].
    DeleteNode {
        /// The node (its subtree goes with it).
        node: String,
    },
    /// [`PageDoc::splice_text`].
    SpliceText {
        /// The section or text resource.
        node: String,
        /// Where, in text units (Unicode code points).
        index: usize,
        /// How many units to delete there.
        #[serde(default)]
        delete: usize,
        /// What to insert there.
        #[serde(default)]
        insert: String,
    },
    /// [`PageDoc::format`].
    Format {
        /// The section or text resource.
        node: String,
        /// Start of the range.
        start: usize,
        /// End of the range (exclusive).
        end: usize,
        /// Bold, italic or a link.
        format: Format,
        /// Apply (`true`) or remove.
        on: bool,
    },
    /// [`PageDoc::set_block`].
    SetBlock {
        /// The section or text resource.
        node: String,
        /// Where the block starts.
        index: usize,
        /// Paragraph, heading, list item, quote.
        kind: BlockKind,
    },
    /// [`PageDoc::replace_file`].
    ReplaceFile {
        /// The file resource.
        node: String,
        /// The new file.
        file: FileRef,
    },
    /// [`PageDoc::submit`].
    Submit {
        /// When (ms since the epoch).
        now: Timestamp,
    },
    /// [`PageDoc::withdraw`].
    Withdraw,
    // ----------------------------------------------------------- feedback
    /// [`FeedbackDoc::add_comment`].
    AddComment {
        /// New entry id.
        id: String,
        /// The text.
        body: String,
        /// When.
        now: Timestamp,
    },
    /// [`FeedbackDoc::reply`].
    Reply {
        /// New entry id.
        id: String,
        /// The entry replied to.
        to: String,
        /// The text.
        body: String,
        /// When.
        now: Timestamp,
    },
    /// [`FeedbackDoc::evaluate`].
    Evaluate {
        /// New entry id.
        id: String,
        /// Criterion, level, note.
        evaluation: Evaluation,
        /// The explanation.
        body: String,
        /// When.
        now: Timestamp,
    },
    /// [`FeedbackDoc::edit_entry`].
    EditEntry {
        /// The entry.
        id: String,
        /// Its new text.
        body: String,
        /// When.
        now: Timestamp,
    },
    /// [`FeedbackDoc::delete_entry`].
    DeleteEntry {
        /// The entry.
        id: String,
        /// When.
        now: Timestamp,
    },
    /// [`FeedbackDoc::hide_entry`].
    HideEntry {
        /// The entry.
        id: String,
        /// Hide (`true`) or show again.
        hidden: bool,
    },
    /// [`FeedbackDoc::resolve`].
    Resolve {
        /// Resolve (`true`) or reopen.
        resolved: bool,
        /// When.
        now: Timestamp,
    },
}

impl Edit {
    /// The `op` tag, as on the wire.
    pub fn op(&self) -> &'static str {
        match self {
            Edit::SetMetadata { .. } => "set_metadata",
            Edit::AddCollection { .. } => "add_collection",
            Edit::RenameCollection { .. } => "rename_collection",
            Edit::MoveCollection { .. } => "move_collection",
            Edit::DeleteCollection { .. } => "delete_collection",
            Edit::AddPage { .. } => "add_page",
            Edit::RenamePage { .. } => "rename_page",
            Edit::MovePage { .. } => "move_page",
            Edit::DeletePage { .. } => "delete_page",
            Edit::AddNode { .. } => "add_node",
            Edit::AddSection { .. } => "add_section",
            Edit::AttachFile { .. } => "attach_file",
            Edit::Rename { .. } => "rename",
            Edit::MoveNode { .. } => "move_node",
            Edit::DeleteNode { .. } => "delete_node",
            Edit::SpliceText { .. } => "splice_text",
            Edit::Format { .. } => "format",
            Edit::SetBlock { .. } => "set_block",
            Edit::ReplaceFile { .. } => "replace_file",
            Edit::Submit { .. } => "submit",
            Edit::Withdraw => "withdraw",
            Edit::AddComment { .. } => "add_comment",
            Edit::Reply { .. } => "reply",
            Edit::Evaluate { .. } => "evaluate",
            Edit::EditEntry { .. } => "edit_entry",
            Edit::DeleteEntry { .. } => "delete_entry",
            Edit::HideEntry { .. } => "hide_entry",
            Edit::Resolve { .. } => "resolve",
        }
    }

    /// The kind of document this edit applies to.
    pub fn kind(&self) -> DocKind {
        use Edit::*;
        match self {
            SetMetadata { .. } | AddCollection { .. } | RenameCollection { .. } | MoveCollection { .. } | DeleteCollection { .. } => {
                DocKind::Portfolio
            }
            AddPage { .. } | RenamePage { .. } | MovePage { .. } | DeletePage { .. } => DocKind::Collection,
            AddComment { .. } | Reply { .. } | Evaluate { .. } | EditEntry { .. } | DeleteEntry { .. } | HideEntry { .. } | Resolve { .. } => {
                DocKind::Feedback
            }
            _ => DocKind::Page,
        }
    }
}

/// Why an [`Edit`] was not applied. Nothing changed in either case.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The edit is for another kind of document.
    #[error("`{op}` edits a {expected} document, but this is a {found} document; send it to the right document")]
    WrongDocument {
        /// The edit's `op`.
        op: &'static str,
        /// The kind it needs.
        expected: &'static str,
        /// The kind it was given.
        found: &'static str,
    },
    /// The typed method refused it.
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl EditError {
    /// A machine-readable name for the error, for programs and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            EditError::WrongDocument { .. } => "wrong_document",
            EditError::Doc(e) => doc_error_code(e),
        }
    }
}

/// A machine-readable name for a [`DocError`].
pub fn doc_error_code(e: &DocError) -> &'static str {
    match e {
        DocError::Automerge(_) => "automerge",
        DocError::WrongKind { .. } => "wrong_kind",
        DocError::Schema(_) => "schema",
        DocError::NotFound(_) => "not_found",
        DocError::Duplicate(_) => "duplicate",
        DocError::BadId(_) => "bad_id",
        DocError::Range { .. } => "range",
        DocError::UnsafeLink(_) => "unsafe_link",
        DocError::HeadingLevel(_) => "heading_level",
        DocError::Unsupported { .. } => "unsupported",
        DocError::Cycle(_) => "cycle",
    }
}

/// What a new document is: its kind and the fields its constructor needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NewDoc {
    /// [`PortfolioDoc::create`].
    Portfolio {
        /// Portfolio node id.
        node: String,
        /// Title.
        title: String,
    },
    /// [`CollectionDoc::create`].
    Collection {
        /// Collection node id.
        node: String,
        /// The portfolio node it belongs to.
        portfolio: String,
    },
    /// [`PageDoc::create`].
    Page {
        /// Page node id.
        node: String,
        /// The collection node it belongs to.
        collection: String,
    },
    /// [`FeedbackDoc::create`].
    Feedback {
        /// Thread id.
        thread: String,
        /// What the thread is about.
        anchor: Anchor,
        /// Who opened the thread.
        opener: String,
        /// Who writes this document.
        author: Author,
    },
}

/// A whole document read for display, tagged with its `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DocView {
    /// A portfolio.
    Portfolio(Portfolio),
    /// A collection.
    Collection(Collection),
    /// A page.
    Page(Page),
    /// One author's feedback in one thread.
    Feedback(Feedback),
}

/// One node (or feedback entry) read for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum NodeView {
    /// A collection as its portfolio lists it.
    Collection(CollectionEntry),
    /// A page as its collection lists it.
    Page(PageEntry),
    /// A section or resource of a page, with its subtree.
    PageNode(PageNode),
    /// A feedback entry.
    Entry(Entry),
}

/// Any of the four typed documents.
#[derive(Debug, Clone)]
pub enum TypedDoc {
    /// A portfolio document.
    Portfolio(PortfolioDoc),
    /// A collection document.
    Collection(CollectionDoc),
    /// A page document.
    Page(PageDoc),
    /// A feedback document.
    Feedback(FeedbackDoc),
}

macro_rules! each {
    ($self:expr, $d:ident => $body:expr) => {
        match $self {
            TypedDoc::Portfolio($d) => $body,
            TypedDoc::Collection($d) => $body,
            TypedDoc::Page($d) => $body,
            TypedDoc::Feedback($d) => $body,
        }
    };
}

impl TypedDoc {
    /// A new document, editing as `actor`.
    pub fn create(actor: ActorId, new: NewDoc) -> Result<Self, DocError> {
        Ok(match new {
            NewDoc::Portfolio { node, title } => TypedDoc::Portfolio(PortfolioDoc::create(actor, &node, &title)?),
            NewDoc::Collection { node, portfolio } => TypedDoc::Collection(CollectionDoc::create(actor, &node, &portfolio)?),
            NewDoc::Page { node, collection } => TypedDoc::Page(PageDoc::create(actor, &node, &collection)?),
            NewDoc::Feedback { thread, anchor, opener, author } => {
                TypedDoc::Feedback(FeedbackDoc::create(actor, &thread, anchor, &opener, author)?)
            }
        })
    }

    /// Open an Automerge document of any kind, checking its schema; the kind
    /// is read from the document itself.
    pub fn from_automerge(doc: Automerge) -> Result<Self, DocError> {
        let kind = super::schema::validate(&doc)?;
        Ok(match kind {
            DocKind::Portfolio => TypedDoc::Portfolio(PortfolioDoc::from_automerge(doc)?),
            DocKind::Collection => TypedDoc::Collection(CollectionDoc::from_automerge(doc)?),
            DocKind::Page => TypedDoc::Page(PageDoc::from_automerge(doc)?),
            DocKind::Feedback => TypedDoc::Feedback(FeedbackDoc::from_automerge(doc)?),
        })
    }

    /// Load saved bytes of any kind, editing as `actor` from now on.
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self, DocError> {
        TypedDoc::from_automerge(Automerge::load(bytes)?.with_actor(actor))
    }

    /// The kind of document.
    pub fn kind(&self) -> DocKind {
        match self {
            TypedDoc::Portfolio(_) => DocKind::Portfolio,
            TypedDoc::Collection(_) => DocKind::Collection,
            TypedDoc::Page(_) => DocKind::Page,
            TypedDoc::Feedback(_) => DocKind::Feedback,
        }
    }

    /// The underlying Automerge document (read-only).
    pub fn automerge(&self) -> &Automerge {
        each!(self, d => d.automerge())
    }

    /// Give up the typed wrapper.
    pub fn into_automerge(self) -> Automerge {
        each!(self, d => d.into_automerge())
    }

    /// Save the whole document.
    pub fn save(&mut self) -> Vec<u8> {
        each!(self, d => d.save())
    }

    /// The current heads.
    pub fn heads(&self) -> Vec<ChangeHash> {
        each!(self, d => d.heads())
    }

    /// The node id the document stores (the thread id for feedback).
    pub fn node(&self) -> String {
        each!(self, d => d.node())
    }

    /// The changes made since `heads`.
    pub fn changes_since(&self, heads: &[ChangeHash]) -> Vec<Change> {
        each!(self, d => d.changes_since(heads))
    }

    /// Apply changes from elsewhere and report what a view must update.
    pub fn apply_remote(&mut self, changes: Vec<Change>) -> Result<Vec<DocPatch>, DocError> {
        each!(self, d => d.apply_remote(changes))
    }

    /// Merge saved bytes or concatenated changes from elsewhere (another
    /// replica's `save`, changes read from storage) and report what changed.
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<Vec<DocPatch>, DocError> {
        // Changes may arrive before their dependencies; a fork sorts that out.
        let mut fork = self.automerge().clone();
        fork.load_incremental(bytes)?;
        let changes = fork.get_changes(&self.heads());
        self.apply_remote(changes)
    }

    /// Read the whole document.
    pub fn read(&self) -> DocView {
        match self {
            TypedDoc::Portfolio(d) => DocView::Portfolio(d.read()),
            TypedDoc::Collection(d) => DocView::Collection(d.read()),
            TypedDoc::Page(d) => DocView::Page(d.read()),
            TypedDoc::Feedback(d) => DocView::Feedback(d.read()),
        }
    }

    /// Read one node (or feedback entry) by id.
    pub fn read_node(&self, id: &str) -> Option<NodeView> {
        match self {
            TypedDoc::Portfolio(d) => d.read().collections.into_iter().find(|c| c.id == id).map(NodeView::Collection),
            TypedDoc::Collection(d) => d.read().pages.into_iter().find(|p| p.id == id).map(NodeView::Page),
            TypedDoc::Page(d) => find_node(d.read().children, id).map(NodeView::PageNode),
            TypedDoc::Feedback(d) => d.read().entries.into_iter().find(|e| e.id == id).map(NodeView::Entry),
        }
    }

    /// The length of a page node's text (see [`PageDoc::text_length`]), or
    /// `None` when there is no such text: another kind of document, an
    /// unknown node, a file.
    pub fn text_length(&self, node: &str) -> Option<usize> {
        match self {
            TypedDoc::Page(d) => d.text_length(node).ok(),
            _ => None,
        }
    }

    /// Apply one edit as one change; returns what a view must update.
    pub fn apply(&mut self, edit: &Edit) -> Result<Vec<DocPatch>, EditError> {
        let found = self.kind();
        let wrong = || EditError::WrongDocument { op: edit.op(), expected: edit.kind().as_str(), found: found.as_str() };
        let patches = match (self, edit) {
            (TypedDoc::Portfolio(d), e) => match e {
                Edit::SetMetadata { title, description } => d.set_metadata(title, description),
                Edit::AddCollection { id, title, document, index } => d.add_collection(id, title, *document, *index),
                Edit::RenameCollection { id, title } => d.rename_collection(id, title),
                Edit::MoveCollection { id, index } => d.move_collection(id, *index),
                Edit::DeleteCollection { id } => d.delete_collection(id),
                _ => return Err(wrong()),
            },
            (TypedDoc::Collection(d), e) => match e {
                Edit::AddPage { id, title, document, index } => d.add_page(id, title, *document, *index),
                Edit::RenamePage { id, title } => d.rename_page(id, title),
                Edit::MovePage { id, index } => d.move_page(id, *index),
                Edit::DeletePage { id } => d.delete_page(id),
                _ => return Err(wrong()),
            },
            (TypedDoc::Page(d), e) => match e {
                Edit::AddNode { parent, id, title, spec, index } => d.add_node(parent, id, title, spec.clone(), *index),
                Edit::AddSection { parent, id, title, index } => d.add_section(parent, id, title, *index),
                Edit::AttachFile { parent, id, file } => d.attach_file(parent, id, file.clone()),
                Edit::Rename { node, title } => d.rename(node, title),
                Edit::MoveNode { node, parent, index } => d.move_node(node, parent, *index),
                Edit::DeleteNode { node } => d.delete_node(node),
                Edit::SpliceText { node, index, delete, insert } => d.splice_text(node, *index, *delete, insert),
                Edit::Format { node, start, end, format, on } => d.format(node, *start, *end, format.clone(), *on),
                Edit::SetBlock { node, index, kind } => d.set_block(node, *index, *kind),
                Edit::ReplaceFile { node, file } => d.replace_file(node, file.clone()),
                Edit::Submit { now } => d.submit(*now),
                Edit::Withdraw => d.withdraw(),
                _ => return Err(wrong()),
            },
            (TypedDoc::Feedback(d), e) => match e {
                Edit::AddComment { id, body, now } => d.add_comment(id, body, *now),
                Edit::Reply { id, to, body, now } => d.reply(id, to, body, *now),
                Edit::Evaluate { id, evaluation, body, now } => d.evaluate(id, evaluation.clone(), body, *now),
                Edit::EditEntry { id, body, now } => d.edit_entry(id, body, *now),
                Edit::DeleteEntry { id, now } => d.delete_entry(id, *now),
                Edit::HideEntry { id, hidden } => d.hide_entry(id, *hidden),
                Edit::Resolve { resolved, now } => d.resolve(*resolved, *now),
                _ => return Err(wrong()),
            },
        }?;
        Ok(patches)
    }
}

fn find_node(nodes: Vec<PageNode>, id: &str) -> Option<PageNode> {
    let mut stack = nodes;
    while let Some(n) = stack.pop() {
        if n.id == id {
            return Some(n);
        }
        stack.extend(n.children);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::actor;

    fn me() -> ActorId {
        actor::actor_for("user:ada", [4; 16])
    }

    #[test]
    fn an_edit_for_another_kind_of_document_changes_nothing() {
        let mut p = TypedDoc::create(me(), NewDoc::Portfolio { node: "pf".into(), title: "Mine".into() }).unwrap();
        let heads = p.heads();
        let err = p.apply(&Edit::Withdraw).unwrap_err();
        assert_eq!(err.code(), "wrong_document");
        assert_eq!(err.to_string(), "`withdraw` edits a page document, but this is a portfolio document; send it to the right document");
        assert_eq!(p.heads(), heads);
    }

    #[test]
    fn edits_read_from_json_reach_every_kind_of_document() {
        let doc = DocumentId::from_bytes([5; 16]).to_url();
        let cases = [
            (NewDoc::Portfolio { node: "pf".into(), title: "T".into() }, format!(r#"{{"op":"add_collection","id":"c1","title":"Y1","document":"{doc}"}}"#)),
            (NewDoc::Collection { node: "c1".into(), portfolio: "pf".into() }, format!(r#"{{"op":"add_page","id":"p1","title":"P","document":"{doc}","index":0}}"#)),
            (NewDoc::Page { node: "p1".into(), collection: "c1".into() }, r#"{"op":"add_node","parent":"p1","id":"r","title":"R","spec":{"type":"text"}}"#.to_owned()),
            (
                NewDoc::Feedback {
                    thread: "t".into(),
                    anchor: Anchor { doc: DocumentId::from_bytes([5; 16]), node: "p1".into() },
                    opener: "user:ada".into(),
                    author: Author { principal: "user:ada".into(), name: "Ada".into(), role: None, organisation: None },
                },
                r#"{"op":"add_comment","id":"e1","body":"Good","now":5}"#.to_owned(),
            ),
        ];
        for (new, json) in cases {
            let mut d = TypedDoc::create(me(), new).unwrap();
            let edit: Edit = serde_json::from_str(&json).unwrap();
            let patches = d.apply(&edit).unwrap();
            assert!(!patches.is_empty(), "{json}");
            let id = ["c1", "p1", "r", "e1"].into_iter().find(|id| d.read_node(id).is_some());
            assert!(id.is_some(), "the added item reads back: {json}");
            d.validate_for_test();
        }
    }

    #[test]
    fn saved_bytes_load_as_the_same_kind_and_merge_back() {
        let mut a = TypedDoc::create(me(), NewDoc::Page { node: "pg".into(), collection: "c".into() }).unwrap();
        a.apply(&Edit::AddSection { parent: "pg".into(), id: "s".into(), title: "S".into(), index: None }).unwrap();
        let mut b = TypedDoc::load(&a.save(), actor::actor_for("user:bob", [1; 16])).unwrap();
        assert_eq!(b.kind(), DocKind::Page);
        b.apply(&Edit::SpliceText { node: "s".into(), index: 0, delete: 0, insert: "from b".into() }).unwrap();
        let patches = a.merge_bytes(&b.save()).unwrap();
        assert_eq!(patches, vec![DocPatch::TextSpliced { node: "s".into(), index: 0, text: "from b".into() }]);
        assert_eq!(a.read(), b.read());
    }

    #[test]
    fn text_length_counts_code_points_and_block_markers() {
        let mut d = TypedDoc::create(me(), NewDoc::Page { node: "pg".into(), collection: "c".into() }).unwrap();
        d.apply(&Edit::AddSection { parent: "pg".into(), id: "s".into(), title: "S".into(), index: None }).unwrap();
        assert_eq!(d.text_length("s"), Some(0));
        // "é" is one code point (two UTF-8 bytes), "😀" one code point (two UTF-16 units).
        d.apply(&Edit::SpliceText { node: "s".into(), index: 0, delete: 0, insert: "é😀b".into() }).unwrap();
        assert_eq!(d.text_length("s"), Some(3));
        // A block marker counts as one: a marker at 0 gives the first paragraph one.
        d.apply(&Edit::SetBlock { node: "s".into(), index: 0, kind: BlockKind::Heading(2) }).unwrap();
        assert_eq!(d.text_length("s"), Some(4));
        // The length is exactly what a splice may reach, and no further.
        d.apply(&Edit::SpliceText { node: "s".into(), index: 4, delete: 0, insert: "!".into() }).unwrap();
        assert!(d.apply(&Edit::SpliceText { node: "s".into(), index: 6, delete: 0, insert: "?".into() }).is_err());
        assert_eq!(d.text_length("s"), Some(5));
        assert_eq!(d.text_length("nope"), None);
        assert_eq!(d.text_length("pg"), None, "the page itself has no text");
        let p = TypedDoc::create(me(), NewDoc::Portfolio { node: "pf".into(), title: "T".into() }).unwrap();
        assert_eq!(p.text_length("pf"), None);
    }

    impl TypedDoc {
        fn validate_for_test(&self) {
            crate::doc::schema::validate(self.automerge()).unwrap();
        }
    }
}
