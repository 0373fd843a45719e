//! Key names, shared by the typed layer, the validator and the guard.

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
