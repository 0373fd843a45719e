//! Storage topics of access control and of the document registry:
//! [`GrantStore`] (the authoritative grants) and [`TreeStore`] (the node
//! skeleton, which document stores which node, attachments per node, and the
//! roles a user holds everywhere). The engine that gives them meaning is
//! `folio_core::access`; the cache around it is [`crate::policy::PolicyHub`].

use std::fmt;

use folio_core::access::{Grant, GrantId, Node, NodeId};
use folio_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ContentHash, DocumentId, PortfolioRole, StorageFuture, UserId};

/// How a grant came to be (shown in access management).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantSource {
    /// Given by someone with Manage, directly.
    Direct,
    /// From an accepted invitation (externals).
    Invitation,
    /// An organisation rule (present and future members of a role).
    OrganisationRule,
    /// Attached to a share link.
    ShareLink,
    /// A one-time invitation for one assessment.
    OneTime,
    /// Held by an API token.
    Token,
}

impl GrantSource {
    /// The value stored in the `source` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            GrantSource::Direct => "direct",
            GrantSource::Invitation => "invitation",
            GrantSource::OrganisationRule => "organisation-rule",
            GrantSource::ShareLink => "share-link",
            GrantSource::OneTime => "one-time",
            GrantSource::Token => "token",
        }
    }

    /// The source named by a stored value.
    pub fn parse(s: &str) -> Option<GrantSource> {
        Some(match s {
            "direct" => GrantSource::Direct,
            "invitation" => GrantSource::Invitation,
            "organisation-rule" => GrantSource::OrganisationRule,
            "share-link" => GrantSource::ShareLink,
            "one-time" => GrantSource::OneTime,
            "token" => GrantSource::Token,
            _ => return None,
        })
    }
}

impl fmt::Display for GrantSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A grant as stored: the engine's [`Grant`] plus where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredGrant {
    /// The portfolio whose tree `grant.node` belongs to.
    pub portfolio: DocumentId,
    /// The rule itself (`grant.id` is the row id).
    pub grant: Grant,
    /// How it came to be.
    pub source: GrantSource,
    /// Who made it (`None` for the system or a deleted account).
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: Timestamp,
}

/// Which Automerge document stores what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentRole {
    /// The portfolio document (its node is the portfolio node).
    Portfolio,
    /// A collection document.
    Collection,
    /// A page document.
    Page,
    /// One author's contributions to one feedback thread.
    Feedback {
        /// The thread id (the feedback document's `node`).
        thread: String,
        /// The author's principal key (`user:7`).
        author: String,
        /// The principal key of whoever opened the thread.
        opener: String,
    },
}

impl DocumentRole {
    /// The `kind` column value.
    pub fn kind(&self) -> &'static str {
        match self {
            DocumentRole::Portfolio => "portfolio",
            DocumentRole::Collection => "collection",
            DocumentRole::Page => "page",
            DocumentRole::Feedback { .. } => "feedback",
        }
    }
}

/// One row of the document registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentRecord {
    /// The automerge-repo document id (wire form, no `automerge:` prefix).
    pub id: DocumentId,
    /// The portfolio it belongs to.
    pub portfolio: DocumentId,
    /// What it stores.
    pub role: DocumentRole,
    /// The node it stores (for feedback: the anchor node). Reading the
    /// document means reading this node.
    pub node: NodeId,
}

/// The authoritative grants.
pub trait GrantStore {
    /// Stores a grant; its `id` is ignored and the new row id returned.
    fn insert_grant<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        grant: &'a Grant,
        source: GrantSource,
        created_by: Option<UserId>,
        now: Timestamp,
    ) -> StorageFuture<'a, GrantId>;
    /// Deletes the grants `remove` and stores `add` in one transaction: an
    /// overwrite either replaces the subject's grants below completely or
    /// leaves everything as it was. Returns the new ids, in `add`'s order.
    fn replace_grants<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        remove: &'a [GrantId],
        add: &'a [(Grant, GrantSource)],
        created_by: Option<UserId>,
        now: Timestamp,
    ) -> StorageFuture<'a, Vec<GrantId>>;
    /// Replaces the rule of an existing grant (level, window, condition, flags,
    /// subject, node). [`super::StorageError::NotFound`] if there is none.
    fn update_grant<'a>(&'a self, grant: &'a Grant) -> StorageFuture<'a, ()>;
    /// Deletes a grant; returns it if it existed.
    fn delete_grant(&self, id: GrantId) -> StorageFuture<'_, Option<StoredGrant>>;
    /// One grant.
    fn stored_grant(&self, id: GrantId) -> StorageFuture<'_, Option<StoredGrant>>;
    /// Every grant of a portfolio, by id.
    fn portfolio_grants<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<StoredGrant>>;
    /// Portfolios with at least one grant whose subject is one of these
    /// (exact JSON of a `Subject`), for "portfolios shared with me".
    fn portfolios_with_subjects<'a>(
        &'a self,
        subjects: &'a [String],
    ) -> StorageFuture<'a, Vec<DocumentId>>;
}

/// The node skeleton, the document registry, attachments per node, and the
/// roles of one user across portfolios.
pub trait TreeStore {
    /// Inserts or replaces nodes of one portfolio, in one transaction.
    fn put_nodes<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        nodes: &'a [Node],
    ) -> StorageFuture<'a, ()>;
    /// Deletes nodes of one portfolio (not their descendants: pass them all).
    fn remove_nodes<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        nodes: &'a [NodeId],
    ) -> StorageFuture<'a, ()>;
    /// Every node of a portfolio, parents before children. The portfolio
    /// node carries its owner (from the `portfolios` table).
    fn portfolio_nodes<'a>(&'a self, portfolio: &'a DocumentId)
    -> StorageFuture<'a, Vec<Node>>;
    /// Registers a document; a registration that exists already is kept
    /// unchanged. `true` if it was new.
    fn register_document<'a>(
        &'a self,
        record: &'a DocumentRecord,
        now: Timestamp,
    ) -> StorageFuture<'a, bool>;
    /// A registered document.
    fn document_record<'a>(
        &'a self,
        id: &'a DocumentId,
    ) -> StorageFuture<'a, Option<DocumentRecord>>;
    /// Every registered document of a portfolio.
    fn portfolio_documents<'a>(
        &'a self,
        portfolio: &'a DocumentId,
    ) -> StorageFuture<'a, Vec<DocumentRecord>>;
    /// Records that an attachment was uploaded to a node; idempotent.
    fn attach_file<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        node: &'a NodeId,
        hash: &'a ContentHash,
        now: Timestamp,
    ) -> StorageFuture<'a, ()>;
    /// Whether an attachment was uploaded to a node.
    fn node_has_file<'a>(
        &'a self,
        portfolio: &'a DocumentId,
        node: &'a NodeId,
        hash: &'a ContentHash,
    ) -> StorageFuture<'a, bool>;
    /// Every portfolio role a user holds, in any portfolio.
    fn roles_of_user(&self, user: UserId) -> StorageFuture<'_, Vec<PortfolioRole>>;
}
