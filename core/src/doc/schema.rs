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
//! The guard calls the same per-item checks (`validate_root`,
//! `validate_item`) on just what a change touched, so a keystroke costs
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

pub mod keys;
mod page;
mod read;
mod validator;

pub use read::kind_of;
pub(crate) use read::{Shape, get, get_bool, get_f64, get_i64, get_obj, get_str, shape_of};
pub use validator::validate;
pub(crate) use validator::{Report, check_id, join, validate_block, validate_item, validate_root};

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
