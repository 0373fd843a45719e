//! Documents in the browser: create, load, save, edit, read, subscribe.
//! Conversion only; `folio_core::doc` does the work.

use folio_core::doc::{DocPatch, DocumentId, Edit, NewDoc, TypedDoc, actor, fresh_id};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::answer::{Answer, Failure, from_js, to_js};

/// A byte string that crosses as a `Uint8Array`.
pub(crate) struct Bytes<'a>(pub &'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

pub(crate) fn failure(kind: &'static str, message: impl Into<String>) -> JsValue {
    Answer::<()>::Failure { error: Failure { kind, message: message.into() } }.into_js()
}

/// `{ type: "success", value }` around a value that is not plain data (a class instance).
pub(crate) fn success_with(value: JsValue) -> JsValue {
    let answer = js_sys::Object::new();
    // Setting properties on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&answer, &"type".into(), &"success".into());
    let _ = js_sys::Reflect::set(&answer, &"value".into(), &value);
    answer.into()
}

pub(crate) fn session(bytes: &[u8]) -> Result<[u8; 16], JsValue> {
    bytes
        .try_into()
        .map_err(|_| failure("session", format!("the session must be 16 random bytes, got {}; use crypto.getRandomValues(new Uint8Array(16))", bytes.len())))
}

/// A text length as a JS number (texts are far below 2^32 code points).
pub(crate) fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The actor id (hex) a principal edits under in a session: the principal's
/// tag followed by the 16 session bytes. The server refuses changes made under
/// any other principal's actor. Returns `Answer<string>`.
#[wasm_bindgen(js_name = actorFor, unchecked_return_type = "Answer<string>")]
pub fn actor_for(principal: &str, session_bytes: &[u8]) -> JsValue {
    match session(session_bytes) {
        Ok(s) => Answer::Success { value: actor::actor_for(principal, s).to_hex_string() }.into_js(),
        Err(f) => f,
    }
}

/// A fresh `automerge:` document URL from 16 random bytes
/// (`crypto.getRandomValues(new Uint8Array(16))`). Returns `Answer<DocId>`.
#[wasm_bindgen(js_name = newDocumentId, unchecked_return_type = "Answer<DocId>")]
pub fn new_document_id(random: &[u8]) -> JsValue {
    match <[u8; 16]>::try_from(random) {
        Ok(b) => Answer::Success { value: DocumentId::from_bytes(b).to_url() }.into_js(),
        Err(_) => failure("document_id", format!("a document id needs 16 random bytes, got {}", random.len())),
    }
}

/// A compact fresh node or entry id from 12 random bytes. Returns `Answer<string>`.
#[wasm_bindgen(js_name = freshId, unchecked_return_type = "Answer<string>")]
pub fn fresh_node_id(random: &[u8]) -> JsValue {
    match <[u8; 12]>::try_from(random) {
        Ok(b) => Answer::Success { value: fresh_id(b) }.into_js(),
        Err(_) => failure("id", format!("a fresh id needs 12 random bytes, got {}", random.len())),
    }
}

/// One Folio document (portfolio, collection, page or feedback) held in the
/// browser, outside any sync session: for offline copies, previews, tests.
/// (Documents that sync with the server live in a [`crate::sync::SyncClient`].)
#[wasm_bindgen]
pub struct FolioDoc {
    doc: TypedDoc,
    listeners: Vec<(u32, js_sys::Function)>,
    next_listener: u32,
}

impl FolioDoc {
    fn new(doc: TypedDoc) -> FolioDoc {
        FolioDoc { doc, listeners: Vec::new(), next_listener: 1 }
    }

    fn notify(&self, patches: &[DocPatch], origin: &str) {
        if patches.is_empty() {
            return;
        }
        let value = to_js(patches);
        let origin = JsValue::from_str(origin);
        for (_, f) in &self.listeners {
            // A throwing listener must not break the edit that already happened.
            let _ = f.call2(&JsValue::NULL, &value, &origin);
        }
    }
}

#[wasm_bindgen]
impl FolioDoc {
    /// A new document of the kind `spec` names, editing as `principal` in a
    /// session named by 16 random bytes. Returns `Answer<FolioDoc>`.
    #[wasm_bindgen(unchecked_return_type = "Answer<FolioDoc>")]
    pub fn create(#[wasm_bindgen(unchecked_param_type = "NewDoc")] spec: JsValue, principal: &str, session_bytes: &[u8]) -> JsValue {
        let s = match session(session_bytes) {
            Ok(s) => s,
            Err(f) => return f,
        };
        let spec: NewDoc = match from_js("new_doc", spec) {
            Ok(spec) => spec,
            Err(f) => return f.into_js(),
        };
        match TypedDoc::create(actor::actor_for(principal, s), spec) {
            Ok(doc) => success_with(FolioDoc::new(doc).into()),
            Err(e) => failure("document", e.to_string()),
        }
    }

    /// Loads saved bytes of any kind (checking the schema), editing as
    /// `principal` from now on. Returns `Answer<FolioDoc>`.
    #[wasm_bindgen(unchecked_return_type = "Answer<FolioDoc>")]
    pub fn load(bytes: &[u8], principal: &str, session_bytes: &[u8]) -> JsValue {
        let s = match session(session_bytes) {
            Ok(s) => s,
            Err(f) => return f,
        };
        match TypedDoc::load(bytes, actor::actor_for(principal, s)) {
            Ok(doc) => success_with(FolioDoc::new(doc).into()),
            Err(e) => failure("document", e.to_string()),
        }
    }

    /// `"portfolio"`, `"collection"`, `"page"` or `"feedback"`.
    #[wasm_bindgen(getter, unchecked_return_type = "DocKind")]
    pub fn kind(&self) -> String {
        self.doc.kind().as_str().to_owned()
    }

    /// The node id the document stores (the thread id for feedback).
    #[wasm_bindgen(getter)]
    pub fn node(&self) -> String {
        self.doc.node()
    }

    /// The whole document, compressed (Automerge's format).
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The current heads (hex change hashes).
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn heads(&self) -> JsValue {
        to_js(&self.doc.heads().iter().map(ToString::to_string).collect::<Vec<_>>())
    }

    /// The whole document as a plain object, ready to render.
    #[wasm_bindgen(unchecked_return_type = "DocView")]
    pub fn read(&self) -> JsValue {
        to_js(&self.doc.read())
    }

    /// One node (collection, page, section, resource) or feedback entry, or `undefined`.
    #[wasm_bindgen(js_name = readNode, unchecked_return_type = "NodeView | undefined")]
    pub fn read_node(&self, id: &str) -> JsValue {
        self.doc.read_node(id).map_or(JsValue::UNDEFINED, |n| to_js(&n))
    }

    /// The length of a page node's text in the units of every text position
    /// (code points, a block marker counting as one), or `undefined` for an
    /// unknown node, a node without text, or another kind of document.
    #[wasm_bindgen(js_name = textLength)]
    pub fn text_length(&self, id: &str) -> Option<u32> {
        self.doc.text_length(id).map(len32)
    }

    /// Applies one edit as one change. Returns `Answer<DocPatch[]>`; listeners
    /// registered with `onChange` get the same patches with origin `"local"`.
    #[wasm_bindgen(unchecked_return_type = "Answer<DocPatch[]>")]
    pub fn apply(&mut self, #[wasm_bindgen(unchecked_param_type = "Edit")] edit: JsValue) -> JsValue {
        let edit: Edit = match from_js("edit", edit) {
            Ok(e) => e,
            Err(f) => return f.into_js(),
        };
        match self.doc.apply(&edit) {
            Ok(patches) => {
                self.notify(&patches, "local");
                Answer::Success { value: patches }.into_js()
            }
            Err(e) => failure(e.code(), e.to_string()),
        }
    }

    /// Merges another replica's saved bytes or changes. Returns
    /// `Answer<DocPatch[]>`; listeners get them with origin `"remote"`.
    #[wasm_bindgen(unchecked_return_type = "Answer<DocPatch[]>")]
    pub fn merge(&mut self, bytes: &[u8]) -> JsValue {
        match self.doc.merge_bytes(bytes) {
            Ok(patches) => {
                self.notify(&patches, "remote");
                Answer::Success { value: patches }.into_js()
            }
            Err(e) => failure("document", e.to_string()),
        }
    }

    /// Calls `listener(patches, origin)` after every edit (`"local"`) and
    /// merge (`"remote"`) that changed something. Returns an id for `offChange`.
    #[wasm_bindgen(js_name = onChange)]
    pub fn on_change(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "(patches: DocPatch[], origin: \"local\" | \"remote\") => void")] listener: js_sys::Function,
    ) -> u32 {
        let id = self.next_listener;
        self.next_listener += 1;
        self.listeners.push((id, listener));
        id
    }

    /// Removes a listener registered with `onChange`.
    #[wasm_bindgen(js_name = offChange)]
    pub fn off_change(&mut self, id: u32) {
        self.listeners.retain(|(i, _)| *i != id);
    }
}
