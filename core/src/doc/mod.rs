//! Portfolio documents: a typed API over Automerge.
//!
//! Folio keeps what people write in [Automerge](https://automerge.org)
//! documents, edited concurrently in browsers and checked by the server's
//! [guard](crate::guard) before they are accepted. DESIGN.md fixes the layout,
//! because *the read boundary is the document* — a document is sent whole or
//! not at all:
//!
//! | type              | one per                    | holds |
//! |-------------------|----------------------------|-------|
//! | [`PortfolioDoc`]  | portfolio                  | title, description, collections (title, order, document id) |
//! | [`CollectionDoc`] | collection                 | its pages (title, order, document id) |
//! | [`PageDoc`]       | page                       | sections (nested), resources, rich text, attachments, submission |
//! | [`FeedbackDoc`]   | (thread, author)           | one person's comments, replies and evaluations in one thread |
//!
//! Every edit — in the browser and in tests — goes through these types. Each
//! edit method is one Automerge transaction, hence one change, and returns the
//! [`DocPatch`]es a view needs; [`PageDoc::apply_remote`] (and its siblings)
//! do the same for changes that arrive from elsewhere. Reading returns plain
//! serde structs ([`Page`], [`Portfolio`], …) for rendering or JSON.
//!
//! The shapes, keys and validation rules are in [`schema`]; rich text (marks
//! and block markers) is in [`rich`]; how actor ids are tied to people is in
//! [`actor`].
//!
//! ```
//! use folio_core::doc::{PageDoc, NodeSpec, actor};
//! use folio_core::time::Timestamp;
//!
//! let me = actor::actor_for("user:ada", [1; 16]);
//! let mut page = PageDoc::create(me, "page-1", "coll-1").unwrap();
//! page.add_section("page-1", "intro", "Introduction", None).unwrap();
//! let patches = page.splice_text("intro", 0, 0, "Hello").unwrap();
//! assert_eq!(format!("{patches:?}"), r#"[TextSpliced { node: "intro", index: 0, text: "Hello" }]"#);
//! page.submit(Timestamp(1_700_000_000_000)).unwrap();
//! let view = page.read();
//! assert_eq!(view.children[0].title, "Introduction");
//! assert_eq!(view.submitted_at, Some(Timestamp(1_700_000_000_000)));
//! # let _ = NodeSpec::Section;
//! ```
//!
//! Ids of nodes and entries are chosen by the caller (sans-IO: no randomness
//! here); [`fresh_id`] turns random bytes into a compact id.

pub mod actor;
mod base;
mod collection;
mod edit;
mod feedback;
mod id;
mod page;
mod patch;
mod portfolio;
pub mod rich;
pub mod schema;

pub use collection::{Collection, CollectionDoc, PageEntry};
pub use edit::{DocView, Edit, EditError, NewDoc, NodeView, TypedDoc, doc_error_code};
pub use feedback::{Anchor, Author, Entry, EntryKind, Evaluation, Feedback, FeedbackDoc, Resolution};
pub use id::{DocumentId, DocumentIdError, URL_PREFIX};
pub use page::{FileRef, NodeContent, NodeSpec, Page, PageDoc, PageNode};
pub use patch::DocPatch;
pub(crate) use patch::{Touch, What, classify, translate as patch_translate};
pub use portfolio::{CollectionEntry, Portfolio, PortfolioDoc};
pub use rich::{Block, BlockKind, Format, RichText, Run};
pub use schema::{DocKind, SCHEMA_VERSION, SchemaError, SchemaViolation};

/// Errors of the typed document layer.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// Automerge refused an operation or could not load bytes.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The document is not of the expected kind.
    #[error("expected a `{expected}` document, found `{found}`; open it with the matching type")]
    WrongKind {
        /// What the caller asked for.
        expected: &'static str,
        /// What the document says it is.
        found: String,
    },
    /// The document breaks the schema.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// No node or entry with this id.
    #[error("there is no `{0}` in this document")]
    NotFound(String),
    /// The id is already used in this document.
    #[error("`{0}` is already used in this document; choose a fresh id")]
    Duplicate(String),
    /// The id is malformed.
    #[error("`{0}` is not a valid id (1 to 64 of A-Z a-z 0-9 _ - : .)")]
    BadId(String),
    /// A text range lies outside the text.
    #[error("range `{start}..{end}` lies outside a text of length {len}")]
    Range {
        /// Start of the range.
        start: usize,
        /// End of the range.
        end: usize,
        /// Length of the text.
        len: usize,
    },
    /// A link target that is not http, https or mailto.
    #[error("link target `{0}` is not an http, https or mailto address")]
    UnsafeLink(String),
    /// A heading level outside 1 to 6.
    #[error("heading level `{0}` is not between 1 and 6")]
    HeadingLevel(u8),
    /// The node cannot take this operation (e.g. text on a file, children under a resource).
    #[error("`{node}` {problem}")]
    Unsupported {
        /// The node.
        node: String,
        /// What is not possible.
        problem: &'static str,
    },
    /// A move would put a node inside itself.
    #[error("moving `{0}` there would put it inside itself")]
    Cycle(String),
}

/// A compact id from random bytes (the caller supplies them): base58, 16–17 characters.
///
/// ```
/// assert_eq!(folio_core::doc::fresh_id([0; 12]).len(), 12);
/// assert!(folio_core::doc::fresh_id([200; 12]).len() >= 16);
/// ```
pub fn fresh_id(random: [u8; 12]) -> String {
    bs58::encode(random).into_string()
}

pub(crate) fn check_id(id: &str) -> Result<(), DocError> {
    let mut r = schema::Report::default();
    schema::check_id(id, "", &mut r);
    if r.violations.is_empty() { Ok(()) } else { Err(DocError::BadId(id.to_owned())) }
}
