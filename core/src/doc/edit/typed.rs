//! [`TypedDoc`], any of the four documents behind one type: creating,
//! loading, saving, merging, reading and applying an [`Edit`] to it; and
//! [`NewDoc`], [`DocView`] and [`NodeView`], what goes in and comes out.

use automerge::{ActorId, Automerge, Change, ChangeHash};
use serde::{Deserialize, Serialize};

use super::{Edit, EditError};
use crate::doc::{
    Anchor, Author, Collection, CollectionDoc, CollectionEntry, DocError, DocKind, DocPatch, Entry, Feedback,
    FeedbackDoc, Page, PageDoc, PageEntry, PageNode, Portfolio, PortfolioDoc,
};

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
        let kind = crate::doc::schema::validate(&doc)?;
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
