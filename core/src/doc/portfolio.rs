//! The portfolio document: metadata and the collections with their titles.

use automerge::transaction::Transactable;
use automerge::{ActorId, ObjType, ROOT};
use serde::{Deserialize, Serialize};

use super::base::{Base, place, sorted_items, typed_doc};
use super::schema::{self, DocKind, keys};
use super::{DocError, DocPatch, DocumentId};

/// A portfolio document.
///
/// ```
/// use folio_core::doc::{PortfolioDoc, DocumentId, actor};
/// let mut p = PortfolioDoc::create(actor::actor_for("user:ada", [0; 16]), "pf", "Ada's portfolio").unwrap();
/// p.add_collection("c1", "Year 1", DocumentId::from_bytes([1; 16]), None).unwrap();
/// p.add_collection("c0", "Foundation", DocumentId::from_bytes([2; 16]), Some(0)).unwrap();
/// let titles: Vec<_> = p.read().collections.into_iter().map(|c| c.title).collect();
/// assert_eq!(titles, ["Foundation", "Year 1"]);
/// ```
#[derive(Debug, Clone)]
pub struct PortfolioDoc {
    base: Base,
}

typed_doc!(PortfolioDoc, DocKind::Portfolio);

/// A collection as listed in its portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionEntry {
    /// The collection node id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The collection document.
    pub document: Option<DocumentId>,
}

/// A portfolio read for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    /// The portfolio node id.
    pub node: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Collections in order.
    pub collections: Vec<CollectionEntry>,
}

impl PortfolioDoc {
    /// A new portfolio document for portfolio node `node`.
    pub fn create(actor: ActorId, node: &str, title: &str) -> Result<Self, DocError> {
        let base = Base::create(DocKind::Portfolio, actor, node, |tx| {
            tx.put(ROOT, keys::TITLE, title)?;
            tx.put(ROOT, keys::DESCRIPTION, "")?;
            Ok(())
        })?;
        Ok(PortfolioDoc { base })
    }

    /// Read as a plain struct.
    pub fn read(&self) -> Portfolio {
        let doc = &self.base.doc;
        Portfolio {
            node: self.base.node_id(),
            title: schema::get_str(doc, &ROOT, keys::TITLE).unwrap_or_default(),
            description: schema::get_str(doc, &ROOT, keys::DESCRIPTION).unwrap_or_default(),
            collections: sorted_items(doc, &self.base.items(), |_| true)
                .into_iter()
                .map(|(_, id, obj)| CollectionEntry {
                    id,
                    title: schema::get_str(doc, &obj, keys::TITLE).unwrap_or_default(),
                    document: schema::get_str(doc, &obj, keys::DOC).and_then(|d| DocumentId::parse(&d).ok()),
                })
                .collect(),
        }
    }

    /// Set title and description.
    pub fn set_metadata(&mut self, title: &str, description: &str) -> Result<Vec<DocPatch>, DocError> {
        self.base.edit(|tx, _| {
            tx.put(ROOT, keys::TITLE, title)?;
            tx.put(ROOT, keys::DESCRIPTION, description)?;
            Ok(())
        })
    }

    /// Add a collection stored in document `document` at `index` (`None`: last).
    pub fn add_collection(&mut self, id: &str, title: &str, document: DocumentId, index: Option<usize>) -> Result<Vec<DocPatch>, DocError> {
        add_entry(&mut self.base, id, title, document, index)
    }

    /// Rename a collection.
    pub fn rename_collection(&mut self, id: &str, title: &str) -> Result<Vec<DocPatch>, DocError> {
        rename_entry(&mut self.base, id, title)
    }

    /// Move a collection to `index`.
    pub fn move_collection(&mut self, id: &str, index: usize) -> Result<Vec<DocPatch>, DocError> {
        move_entry(&mut self.base, id, index)
    }

    /// Remove a collection from the portfolio.
    pub fn delete_collection(&mut self, id: &str) -> Result<Vec<DocPatch>, DocError> {
        delete_entry(&mut self.base, id)
    }
}

pub(crate) fn add_entry(base: &mut Base, id: &str, title: &str, document: DocumentId, index: Option<usize>) -> Result<Vec<DocPatch>, DocError> {
    super::check_id(id)?;
    if id == base.node_id() || base.item(id).is_ok() {
        return Err(DocError::Duplicate(id.to_owned()));
    }
    let siblings = sorted_items(&base.doc, &base.items(), |_| true);
    base.edit(|tx, items| {
        let pos = place(tx, &siblings, index)?;
        let e = tx.put_object(items, id, ObjType::Map)?;
        tx.put(&e, keys::TITLE, title)?;
        tx.put(&e, keys::POS, pos)?;
        tx.put(&e, keys::DOC, document.to_url())?;
        Ok(())
    })
}

pub(crate) fn rename_entry(base: &mut Base, id: &str, title: &str) -> Result<Vec<DocPatch>, DocError> {
    let obj = base.item(id)?;
    base.edit(|tx, _| Ok(tx.put(&obj, keys::TITLE, title)?))
}

pub(crate) fn move_entry(base: &mut Base, id: &str, index: usize) -> Result<Vec<DocPatch>, DocError> {
    let obj = base.item(id)?;
    let siblings: Vec<_> = sorted_items(&base.doc, &base.items(), |_| true).into_iter().filter(|s| s.1 != id).collect();
    base.edit(|tx, _| {
        let pos = place(tx, &siblings, Some(index))?;
        Ok(tx.put(&obj, keys::POS, pos)?)
    })
}

pub(crate) fn delete_entry(base: &mut Base, id: &str) -> Result<Vec<DocPatch>, DocError> {
    base.item(id)?;
    base.edit(|tx, items| Ok(tx.delete(items, id)?))
}
