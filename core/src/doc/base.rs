//! What every typed document shares: loading with kind and version checks,
//! one-transaction edits that report view patches, remote changes, ordering.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, ObjType, PatchLog, ROOT, ReadDoc};

use super::patch::{DocPatch, translate};
use super::schema::{self, DocKind, SCHEMA_VERSION, keys};
use super::DocError;

#[derive(Debug, Clone)]
pub(crate) struct Base {
    pub(crate) doc: Automerge,
    pub(crate) kind: DocKind,
}

impl Base {
    /// A new document whose first change writes the root fields.
    pub(crate) fn create<F>(kind: DocKind, actor: ActorId, node: &str, init: F) -> Result<Self, DocError>
    where
        F: FnOnce(&mut Transaction<'_>) -> Result<(), DocError>,
    {
        super::check_id(node)?;
        let mut doc = Automerge::new().with_actor(actor);
        doc.transact_with(
            |_| CommitOptions::default().with_message(format!("create {}", kind.as_str())),
            |tx| -> Result<(), DocError> {
                tx.put(ROOT, keys::KIND, kind.as_str())?;
                tx.put(ROOT, keys::SCHEMA, SCHEMA_VERSION as i64)?;
                tx.put(ROOT, keys::NODE, node)?;
                tx.put_object(ROOT, kind.items_key(), ObjType::Map)?;
                init(tx)
            },
        )
        .map_err(|f| f.error)?;
        Ok(Base { doc, kind })
    }

    /// Wrap an existing document after checking its kind and the schema.
    pub(crate) fn wrap(kind: DocKind, doc: Automerge) -> Result<Self, DocError> {
        let found = schema::validate(&doc)?;
        if found != kind {
            return Err(DocError::WrongKind { expected: kind.as_str(), found: found.as_str().to_owned() });
        }
        Ok(Base { doc, kind })
    }

    pub(crate) fn load(kind: DocKind, bytes: &[u8], actor: ActorId) -> Result<Self, DocError> {
        let doc = Automerge::load(bytes)?.with_actor(actor);
        Base::wrap(kind, doc)
    }

    pub(crate) fn items(&self) -> ObjId {
        schema::get_obj(&self.doc, &ROOT, self.kind.items_key(), ObjType::Map)
            .expect("a validated document has its item map")
    }

    pub(crate) fn item(&self, id: &str) -> Result<ObjId, DocError> {
        schema::get_obj(&self.doc, &self.items(), id, ObjType::Map).ok_or_else(|| DocError::NotFound(id.to_owned()))
    }

    pub(crate) fn node_id(&self) -> String {
        schema::get_str(&self.doc, &ROOT, keys::NODE).unwrap_or_default()
    }

    /// Run one edit as one change and report what a view must update.
    pub(crate) fn edit<F>(&mut self, f: F) -> Result<Vec<DocPatch>, DocError>
    where
        F: FnOnce(&mut Transaction<'_>, &ObjId) -> Result<(), DocError>,
    {
        let items = self.items();
        let ok = self.doc.transact_and_log_patches(|tx| f(tx, &items)).map_err(|f| f.error)?;
        let mut log = ok.patch_log;
        let patches = self.doc.make_patches(&mut log);
        Ok(translate(self.kind, &patches))
    }

    /// Apply changes received from elsewhere and report what changed.
    ///
    /// The caller decides whether to trust them: on the server they come
    /// through the guard; in the browser they come from the server.
    pub(crate) fn apply_remote(&mut self, changes: Vec<Change>) -> Result<Vec<DocPatch>, DocError> {
        let mut log = PatchLog::active();
        self.doc.apply_changes_log_patches(changes, &mut log)?;
        let patches = self.doc.make_patches(&mut log);
        Ok(translate(self.kind, &patches))
    }

    pub(crate) fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }
}

/// Sort key of an item: `(pos, id)`; ties break by id so every replica agrees.
pub(crate) fn sorted_items<D: ReadDoc>(doc: &D, items: &ObjId, filter: impl Fn(&ObjId) -> bool) -> Vec<(f64, String, ObjId)> {
    let mut out: Vec<(f64, String, ObjId)> = doc
        .keys(items)
        .filter_map(|id| {
            let obj = schema::get_obj(doc, items, &id, ObjType::Map)?;
            if !filter(&obj) {
                return None;
            }
            let pos = schema::get_f64(doc, &obj, keys::POS).unwrap_or(0.0);
            Some((pos, id, obj))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    out
}

/// Choose a `pos` for inserting at `index` among `siblings` (already sorted,
/// excluding the item being placed). Renumbers the siblings when floating
/// point runs out of room between two neighbours.
pub(crate) fn place<T: Transactable>(tx: &mut T, siblings: &[(f64, String, ObjId)], index: Option<usize>) -> Result<f64, DocError> {
    let index = index.unwrap_or(siblings.len()).min(siblings.len());
    let before = index.checked_sub(1).map(|i| siblings[i].0);
    let after = siblings.get(index).map(|s| s.0);
    let pos = match (before, after) {
        (None, None) => 1.0,
        (Some(a), None) => a + 1.0,
        (None, Some(b)) => b - 1.0,
        (Some(a), Some(b)) => (a + b) / 2.0,
    };
    let squeezed = before.is_some_and(|a| pos <= a) || after.is_some_and(|b| pos >= b) || !pos.is_finite();
    if !squeezed {
        return Ok(pos);
    }
    // Renumber 1, 2, 3… leaving a gap at `index`.
    for (i, (_, _, obj)) in siblings.iter().enumerate() {
        let n = if i < index { i + 1 } else { i + 2 };
        tx.put(obj, keys::POS, n as f64)?;
    }
    Ok((index + 1) as f64)
}

/// The common surface of every typed document.
macro_rules! typed_doc {
    ($ty:ident, $kind:expr) => {
        impl $ty {
            /// Open an Automerge document of this kind, checking kind and schema.
            pub fn from_automerge(doc: automerge::Automerge) -> Result<Self, $crate::doc::DocError> {
                Ok($ty { base: $crate::doc::base::Base::wrap($kind, doc)? })
            }

            /// Load saved bytes, editing as `actor` from now on.
            pub fn load(bytes: &[u8], actor: automerge::ActorId) -> Result<Self, $crate::doc::DocError> {
                Ok($ty { base: $crate::doc::base::Base::load($kind, bytes, actor)? })
            }

            /// The underlying Automerge document (read-only; edit through the typed methods).
            pub fn automerge(&self) -> &automerge::Automerge {
                &self.base.doc
            }

            /// Give up the typed wrapper.
            pub fn into_automerge(self) -> automerge::Automerge {
                self.base.doc
            }

            /// Save the whole document (compressed Automerge format).
            pub fn save(&mut self) -> Vec<u8> {
                self.base.doc.save()
            }

            /// The current heads.
            pub fn heads(&self) -> Vec<automerge::ChangeHash> {
                self.base.heads()
            }

            /// The node id this document stores (the thread id for feedback).
            pub fn node(&self) -> String {
                self.base.node_id()
            }

            /// Apply changes received from elsewhere and report what a view must update.
            pub fn apply_remote(&mut self, changes: Vec<automerge::Change>) -> Result<Vec<$crate::doc::DocPatch>, $crate::doc::DocError> {
                self.base.apply_remote(changes)
            }

            /// The changes made since `heads` (to send to the server).
            pub fn changes_since(&self, heads: &[automerge::ChangeHash]) -> Vec<automerge::Change> {
                self.base.doc.get_changes(heads)
            }

            /// Check the whole document against the schema.
            pub fn validate(&self) -> Result<(), $crate::doc::SchemaError> {
                $crate::doc::schema::validate(&self.base.doc).map(|_| ())
            }
        }
    };
}
pub(crate) use typed_doc;
