//! The page document: sections (nested), resources, rich text, attachments.

use automerge::transaction::Transactable;
use automerge::{ActorId, ObjId, ObjType, ROOT, ReadDoc};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::base::{Base, place, sorted_items, typed_doc};
use super::rich::{self, BlockKind, Format, RichText};
use super::schema::{self, DocKind, keys};
use super::{DocError, DocPatch};
use crate::time::Timestamp;

/// One node of a page as read once by [`PageDoc::read`].
struct Item {
    pos: f64,
    id: String,
    obj: ObjId,
}

/// A page document. See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct PageDoc {
    base: Base,
}

typed_doc!(PageDoc, DocKind::Page);

/// What kind of node to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NodeSpec {
    /// A section: a title, a rich-text body, and children.
    Section,
    /// A rich-text resource.
    Text,
    /// A file attachment.
    File(FileRef),
}

/// A file attachment: the bytes live in the server's blob store under `hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Lower-case hex SHA-256 of the content.
    pub hash: String,
    /// The file name shown to people.
    pub name: String,
    /// The media type (`application/pdf`).
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NodeContent {
    /// A section with its body text.
    Section {
        /// The body.
        text: RichText,
    },
    /// A rich-text resource.
    Text {
        /// The text.
        text: RichText,
    },
    /// An attachment.
    File(FileRef),
}

/// A node of a page, with its children in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageNode {
    /// The node id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it holds.
    pub content: NodeContent,
    /// Children in order (sections only have children).
    pub children: Vec<PageNode>,
}

/// A page read for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// The page node id.
    pub node: String,
    /// The collection node it belongs to.
    pub collection: String,
    /// When it was submitted, if it is.
    pub submitted_at: Option<Timestamp>,
    /// Top-level nodes in order.
    pub children: Vec<PageNode>,
}

impl PageDoc {
    /// A new, empty page document for page node `page` in collection `collection`.
    pub fn create(actor: ActorId, page: &str, collection: &str) -> Result<Self, DocError> {
        super::check_id(collection)?;
        let base = Base::create(DocKind::Page, actor, page, |tx| {
            tx.put(ROOT, keys::COLLECTION, collection)?;
            tx.put(ROOT, keys::SUBMITTED, "N")?;
            Ok(())
        })?;
        Ok(PageDoc { base })
    }

    /// Read the whole page as nested plain structs.
    ///
    /// Each node's fields are read once into a parent → children map (linear
    /// in the number of nodes), then the tree is built from the map.
    pub fn read(&self) -> Page {
        let doc = &self.base.doc;
        let items = self.base.items();
        let page = self.base.node_id();
        let mut by_parent: HashMap<String, Vec<Item>> = HashMap::new();
        let mut count = 0usize;
        for id in doc.keys(&items) {
            let Some(obj) = schema::get_obj(doc, &items, &id, ObjType::Map) else { continue };
            count += 1;
            let Some(parent) = schema::get_str(doc, &obj, keys::PARENT) else { continue };
            let pos = schema::get_f64(doc, &obj, keys::POS).unwrap_or(0.0);
            by_parent.entry(parent).or_default().push(Item { pos, id, obj });
        }
        for siblings in by_parent.values_mut() {
            // The same order as `sorted_items`: `(pos, id)`.
            siblings.sort_by(|a, b| a.pos.total_cmp(&b.pos).then_with(|| a.id.cmp(&b.id)));
        }
        let children = self.children_of(&mut by_parent, &page, 0, count);
        Page {
            node: page,
            collection: schema::get_str(doc, &ROOT, keys::COLLECTION).unwrap_or_default(),
            submitted_at: if schema::get_str(doc, &ROOT, keys::SUBMITTED).as_deref() == Some("Y") {
                schema::get_i64(doc, &ROOT, keys::SUBMITTED_AT).map(Timestamp)
            } else {
                None
            },
            children,
        }
    }

    fn children_of(&self, by_parent: &mut HashMap<String, Vec<Item>>, parent: &str, depth: usize, count: usize) -> Vec<PageNode> {
        let doc = &self.base.doc;
        if depth > count {
            return Vec::new(); // a cycle merged in concurrently; the guard refuses these, but never loop
        }
        // Taking the list out means each node is built at most once.
        let Some(siblings) = by_parent.remove(parent) else { return Vec::new() };
        siblings
            .into_iter()
            .map(|Item { id, obj, .. }| {
                let text = || schema::get_obj(doc, &obj, keys::TEXT, ObjType::Text).map(|t| rich::read(doc, &t)).unwrap_or_default();
                let content = match schema::get_str(doc, &obj, keys::TYPE).as_deref() {
                    Some("file") => NodeContent::File(read_file(doc, &obj)),
                    Some("text") => NodeContent::Text { text: text() },
                    _ => NodeContent::Section { text: text() },
                };
                let children = if matches!(content, NodeContent::Section { .. }) { self.children_of(by_parent, &id, depth + 1, count) } else { Vec::new() };
                let title = schema::get_str(doc, &obj, keys::TITLE).unwrap_or_default();
                PageNode { id, title, content, children }
            })
            .collect()
    }

    /// The parent of a node (the page id for top-level nodes).
    pub fn parent_of(&self, node: &str) -> Option<String> {
        let obj = self.base.item(node).ok()?;
        schema::get_str(&self.base.doc, &obj, keys::PARENT)
    }

    /// Whether the page has been submitted.
    pub fn is_submitted(&self) -> bool {
        schema::get_str(&self.base.doc, &ROOT, keys::SUBMITTED).as_deref() == Some("Y")
    }

    fn check_container(&self, parent: &str) -> Result<(), DocError> {
        if parent == self.base.node_id() {
            return Ok(());
        }
        let obj = self.base.item(parent)?;
        match schema::get_str(&self.base.doc, &obj, keys::TYPE).as_deref() {
            Some("section") => Ok(()),
            _ => Err(DocError::Unsupported { node: parent.to_owned(), problem: "is not a section, so it cannot contain anything" }),
        }
    }

    fn siblings(&self, parent: &str, except: Option<&str>) -> Vec<(f64, String, ObjId)> {
        let doc = &self.base.doc;
        sorted_items(doc, &self.base.items(), |obj| schema::get_str(doc, obj, keys::PARENT).as_deref() == Some(parent))
            .into_iter()
            .filter(|(_, id, _)| Some(id.as_str()) != except)
            .collect()
    }

    /// Add a node under `parent` (the page or a section) at sibling `index`
    /// (`None`: at the end).
    pub fn add_node(&mut self, parent: &str, id: &str, title: &str, spec: NodeSpec, index: Option<usize>) -> Result<Vec<DocPatch>, DocError> {
        super::check_id(id)?;
        if id == self.base.node_id() || self.base.item(id).is_ok() {
            return Err(DocError::Duplicate(id.to_owned()));
        }
        self.check_container(parent)?;
        if let NodeSpec::File(f) = &spec {
            check_file(f)?;
        }
        let siblings = self.siblings(parent, None);
        self.base.edit(|tx, items| {
            let pos = place(tx, &siblings, index)?;
            let node = tx.put_object(items, id, ObjType::Map)?;
            let ty = match &spec {
                NodeSpec::Section => "section",
                NodeSpec::Text => "text",
                NodeSpec::File(_) => "file",
            };
            tx.put(&node, keys::TYPE, ty)?;
            tx.put(&node, keys::PARENT, parent)?;
            tx.put(&node, keys::POS, pos)?;
            tx.put(&node, keys::TITLE, title)?;
            match &spec {
                NodeSpec::Section | NodeSpec::Text => {
                    tx.put_object(&node, keys::TEXT, ObjType::Text)?;
                }
                NodeSpec::File(f) => {
                    let file = tx.put_object(&node, keys::FILE, ObjType::Map)?;
                    tx.put(&file, keys::HASH, f.hash.as_str())?;
                    tx.put(&file, keys::NAME, f.name.as_str())?;
                    tx.put(&file, keys::MIME, f.mime.as_str())?;
                    tx.put(&file, keys::SIZE, f.size)?;
                }
            }
            Ok(())
        })
    }

    /// Add a section (shorthand for [`PageDoc::add_node`]).
    pub fn add_section(&mut self, parent: &str, id: &str, title: &str, index: Option<usize>) -> Result<Vec<DocPatch>, DocError> {
        self.add_node(parent, id, title, NodeSpec::Section, index)
    }

    /// Attach a file as a resource under `parent`.
    pub fn attach_file(&mut self, parent: &str, id: &str, file: FileRef) -> Result<Vec<DocPatch>, DocError> {
        let title = file.name.clone();
        self.add_node(parent, id, &title, NodeSpec::File(file), None)
    }

    /// Rename a node.
    pub fn rename(&mut self, node: &str, title: &str) -> Result<Vec<DocPatch>, DocError> {
        let obj = self.base.item(node)?;
        self.base.edit(|tx, _| Ok(tx.put(&obj, keys::TITLE, title)?))
    }

    /// Move a node under `parent` at sibling `index` (also used to reorder).
    pub fn move_node(&mut self, node: &str, parent: &str, index: Option<usize>) -> Result<Vec<DocPatch>, DocError> {
        let obj = self.base.item(node)?;
        self.check_container(parent)?;
        // Refuse to move a section into its own subtree.
        let mut cur = parent.to_owned();
        let page = self.base.node_id();
        let mut steps = 0;
        while cur != page {
            if cur == node || steps > self.base.doc.length(self.base.items()) {
                return Err(DocError::Cycle(node.to_owned()));
            }
            cur = self.parent_of(&cur).unwrap_or_else(|| page.clone());
            steps += 1;
        }
        let siblings = self.siblings(parent, Some(node));
        let same_parent = self.parent_of(node).as_deref() == Some(parent);
        self.base.edit(|tx, _| {
            let pos = place(tx, &siblings, index)?;
            if !same_parent {
                tx.put(&obj, keys::PARENT, parent)?;
            }
            tx.put(&obj, keys::POS, pos)?;
            Ok(())
        })
    }

    /// Delete a node and everything under it.
    pub fn delete_node(&mut self, node: &str) -> Result<Vec<DocPatch>, DocError> {
        self.base.item(node)?;
        let doc = &self.base.doc;
        let items = self.base.items();
        // Collect the subtree so no orphan is left behind.
        let mut doomed = vec![node.to_owned()];
        let mut i = 0;
        while i < doomed.len() {
            let parent = doomed[i].clone();
            for id in doc.keys(&items) {
                if let Some(obj) = schema::get_obj(doc, &items, &id, ObjType::Map)
                    && schema::get_str(doc, &obj, keys::PARENT).as_deref() == Some(parent.as_str())
                    && !doomed.contains(&id)
                {
                    doomed.push(id);
                }
            }
            i += 1;
        }
        self.base.edit(|tx, items| {
            for id in doomed.iter().rev() {
                tx.delete(items, id.as_str())?;
            }
            Ok(())
        })
    }

    fn text_obj(&self, node: &str) -> Result<ObjId, DocError> {
        let obj = self.base.item(node)?;
        schema::get_obj(&self.base.doc, &obj, keys::TEXT, ObjType::Text)
            .ok_or_else(|| DocError::Unsupported { node: node.to_owned(), problem: "has no text (it is a file)" })
    }

    /// The plain characters of a node's text (block markers appear as U+FFFC).
    pub fn text(&self, node: &str) -> Result<String, DocError> {
        let t = self.text_obj(node)?;
        Ok(self.base.doc.text(&t)?)
    }

    /// The length of a node's text in the units every text position and
    /// splice counts (Unicode code points, the document's text encoding), a
    /// block marker counting as one. It says, for instance, whether the first
    /// paragraph has a marker: [`rich_text`](Self::rich_text) does not.
    pub fn text_length(&self, node: &str) -> Result<usize, DocError> {
        let t = self.text_obj(node)?;
        Ok(self.base.doc.length(&t))
    }

    /// A node's rich text.
    pub fn rich_text(&self, node: &str) -> Result<RichText, DocError> {
        let t = self.text_obj(node)?;
        Ok(rich::read(&self.base.doc, &t))
    }

    /// Delete `delete` units at `index` of a node's text and insert `insert` there.
    pub fn splice_text(&mut self, node: &str, index: usize, delete: usize, insert: &str) -> Result<Vec<DocPatch>, DocError> {
        let t = self.text_obj(node)?;
        let len = self.base.doc.length(&t);
        if index + delete > len {
            return Err(DocError::Range { start: index, end: index + delete, len });
        }
        self.base.edit(|tx, _| Ok(tx.splice_text(&t, index, delete as isize, insert)?))
    }

    /// Apply (`on`) or remove an inline format on `start..end` of a node's text.
    pub fn format(&mut self, node: &str, start: usize, end: usize, format: Format, on: bool) -> Result<Vec<DocPatch>, DocError> {
        let t = self.text_obj(node)?;
        self.base.edit(|tx, _| rich::format(tx, &t, start, end, &format, on))
    }

    /// Start a block of `kind` at `index` of a node's text (or change the block starting there).
    pub fn set_block(&mut self, node: &str, index: usize, kind: BlockKind) -> Result<Vec<DocPatch>, DocError> {
        let t = self.text_obj(node)?;
        self.base.edit(|tx, _| rich::set_block(tx, &t, index, kind))
    }

    /// Replace the attachment of a file resource.
    pub fn replace_file(&mut self, node: &str, file: FileRef) -> Result<Vec<DocPatch>, DocError> {
        check_file(&file)?;
        let obj = self.base.item(node)?;
        let f = schema::get_obj(&self.base.doc, &obj, keys::FILE, ObjType::Map)
            .ok_or_else(|| DocError::Unsupported { node: node.to_owned(), problem: "is not a file resource" })?;
        self.base.edit(|tx, _| {
            tx.put(&f, keys::HASH, file.hash.as_str())?;
            tx.put(&f, keys::NAME, file.name.as_str())?;
            tx.put(&f, keys::MIME, file.mime.as_str())?;
            tx.put(&f, keys::SIZE, file.size)?;
            Ok(())
        })
    }

    /// Submit the page (state `submitted` = `"Y"` with the date).
    pub fn submit(&mut self, now: Timestamp) -> Result<Vec<DocPatch>, DocError> {
        self.base.edit(|tx, _| {
            tx.put(ROOT, keys::SUBMITTED, "Y")?;
            tx.put(ROOT, keys::SUBMITTED_AT, now.0)?;
            Ok(())
        })
    }

    /// Withdraw a submission.
    pub fn withdraw(&mut self) -> Result<Vec<DocPatch>, DocError> {
        self.base.edit(|tx, _| {
            tx.put(ROOT, keys::SUBMITTED, "N")?;
            tx.delete(ROOT, keys::SUBMITTED_AT)?;
            Ok(())
        })
    }
}

fn check_file(f: &FileRef) -> Result<(), DocError> {
    if f.hash.len() == 64 && f.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(DocError::Unsupported { node: f.hash.clone(), problem: "is not a hex SHA-256 content hash" })
    }
}

fn read_file<D: ReadDoc>(doc: &D, node: &ObjId) -> FileRef {
    let f = schema::get_obj(doc, node, keys::FILE, ObjType::Map);
    let s = |k| f.as_ref().and_then(|f| schema::get_str(doc, f, k)).unwrap_or_default();
    FileRef {
        hash: s(keys::HASH),
        name: s(keys::NAME),
        mime: s(keys::MIME),
        size: f.as_ref().and_then(|f| schema::get_i64(doc, f, keys::SIZE)).unwrap_or(0).max(0) as u64,
    }
}
