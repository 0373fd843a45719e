//! The [`Edit`] enum: every edit of every kind of document as one
//! serde-tagged value, with its `op` tag and the kind of document it needs.

use serde::{Deserialize, Serialize};

use crate::doc::{BlockKind, DocKind, DocumentId, Evaluation, FileRef, Format, NodeSpec};
#[cfg(doc)]
use crate::doc::{CollectionDoc, FeedbackDoc, PageDoc, PortfolioDoc};
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
