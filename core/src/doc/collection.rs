//! The collection document: its pages, their titles and order.

use automerge::transaction::Transactable;
use automerge::{ActorId, ROOT};
use serde::{Deserialize, Serialize};

use super::base::{Base, sorted_items, typed_doc};
use super::portfolio::{add_entry, delete_entry, move_entry, rename_entry};
use super::schema::{self, DocKind, keys};
use super::{DocError, DocPatch, DocumentId};

/// A collection document.
///
/// Moving a page to another collection is not a pair of client edits: the
/// guard refuses listing a page the engine places in another collection (its
/// id would re-parent the node, and its access with it). The server moves it
/// (`POST /api/portfolios/{p}/pages/{page}/move`, rule `Engine::may_move`):
/// it re-parents the node and writes the three documents itself — the entry
/// added to the target collection, removed from this one, and the page
/// document's `collection`.
#[derive(Debug, Clone)]
pub struct CollectionDoc {
    base: Base,
}

typed_doc!(CollectionDoc, DocKind::Collection);

/// A page as listed in its collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageEntry {
    /// The page node id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The page document.
    pub document: Option<DocumentId>,
}

/// A collection read for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// The collection node id.
    pub node: String,
    /// The portfolio node it belongs to.
    pub portfolio: String,
    /// Pages in order.
    pub pages: Vec<PageEntry>,
}

impl CollectionDoc {
    /// A new collection document for node `node` in portfolio `portfolio`.
    pub fn create(actor: ActorId, node: &str, portfolio: &str) -> Result<Self, DocError> {
        super::check_id(portfolio)?;
        let base = Base::create(DocKind::Collection, actor, node, |tx| {
            tx.put(ROOT, keys::PORTFOLIO, portfolio)?;
            Ok(())
        })?;
        Ok(CollectionDoc { base })
    }

    /// Read as a plain struct.
    pub fn read(&self) -> Collection {
        let doc = &self.base.doc;
        Collection {
            node: self.base.node_id(),
            portfolio: schema::get_str(doc, &ROOT, keys::PORTFOLIO).unwrap_or_default(),
            pages: sorted_items(doc, &self.base.items(), |_| true)
                .into_iter()
                .map(|(_, id, obj)| PageEntry {
                    id,
                    title: schema::get_str(doc, &obj, keys::TITLE).unwrap_or_default(),
                    document: schema::get_str(doc, &obj, keys::DOC).and_then(|d| DocumentId::parse(&d).ok()),
                })
                .collect(),
        }
    }

    /// Add a page stored in `document` at `index` (`None`: last).
    pub fn add_page(&mut self, id: &str, title: &str, document: DocumentId, index: Option<usize>) -> Result<Vec<DocPatch>, DocError> {
        add_entry(&mut self.base, id, title, document, index)
    }

    /// Rename a page.
    pub fn rename_page(&mut self, id: &str, title: &str) -> Result<Vec<DocPatch>, DocError> {
        rename_entry(&mut self.base, id, title)
    }

    /// Move a page to `index`.
    pub fn move_page(&mut self, id: &str, index: usize) -> Result<Vec<DocPatch>, DocError> {
        move_entry(&mut self.base, id, index)
    }

    /// Remove a page from the collection.
    pub fn delete_page(&mut self, id: &str) -> Result<Vec<DocPatch>, DocError> {
        delete_entry(&mut self.base, id)
    }
}
