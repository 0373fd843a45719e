//! The sync client in the browser: `folio_core::sync::TypedClient` with bytes
//! in and bytes out. The caller owns the websocket: send what `join`, `find`,
//! `edit` and `receive` return, one frame per `Uint8Array`, and feed every
//! frame received to `receive`.

use folio_core::doc::{DocPatch, DocView, Edit, NewDoc};
use folio_core::guard::RefusedText;
use folio_core::sync::{DocStatus, DocumentId, Limits, Message, RejectionReason, TypedClient, TypedEvent, encode};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::answer::{Answer, from_js, to_js};
use crate::doc::{Bytes, failure, len32, session};

fn doc_id(text: &str) -> Result<DocumentId, JsValue> {
    folio_core::doc::DocumentId::parse(text)
        .map(|d| DocumentId::from_bytes(*d.as_bytes()))
        .map_err(|e| failure("document_id", e.to_string()))
}

fn frames(messages: &[Message]) -> Vec<Vec<u8>> {
    messages.iter().map(encode).collect()
}

#[derive(Serialize)]
struct Reason {
    hash: Option<String>,
    reason: String,
}

/// What the UI hears about, as plain objects tagged by `type`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case", rename_all_fields = "camelCase")]
enum Event<'a> {
    Connected { server: &'a str },
    Loaded { doc_id: String, kind: &'static str },
    Changed { doc_id: String, patches: &'a [DocPatch] },
    Unreadable { doc_id: String, message: &'a str },
    Unavailable { doc_id: String },
    Ephemeral { doc_id: String, sender: &'a str, data: Bytes<'a> },
    Policy { revision: u64, snapshot: &'a folio_core::access::PolicySnapshot },
    Rejected {
        doc_id: String,
        reasons: Vec<Reason>,
        text: &'a [RefusedText],
        patches: &'a [DocPatch],
        previous: Option<&'a DocView>,
        changes: Vec<Bytes<'a>>,
    },
    ServerError { message: &'a str },
}

fn event(e: &TypedEvent) -> Event<'_> {
    match e {
        TypedEvent::Connected { server } => Event::Connected { server: server.as_str() },
        TypedEvent::Loaded { document, kind } => Event::Loaded { doc_id: document.to_url(), kind: kind.as_str() },
        TypedEvent::Changed { document, patches } => Event::Changed { doc_id: document.to_url(), patches },
        TypedEvent::Unreadable { document, message } => Event::Unreadable { doc_id: document.to_url(), message },
        TypedEvent::Unavailable { document } => Event::Unavailable { doc_id: document.to_url() },
        TypedEvent::Ephemeral { document, sender, data } => {
            Event::Ephemeral { doc_id: document.to_url(), sender: sender.as_str(), data: Bytes(data) }
        }
        TypedEvent::Policy { revision, snapshot } => Event::Policy { revision: *revision, snapshot },
        TypedEvent::Rejected(r) => Event::Rejected {
            doc_id: r.document.to_url(),
            reasons: r.reasons.iter().map(|x: &RejectionReason| Reason { hash: x.hash.map(|h| h.to_string()), reason: x.reason.clone() }).collect(),
            text: &r.text,
            patches: &r.patches,
            previous: r.previous.as_ref(),
            changes: r.changes.iter().map(|c| Bytes(c)).collect(),
        },
        TypedEvent::ServerError { message } => Event::ServerError { message },
    }
}

#[derive(Serialize)]
struct Received<'a> {
    send: Vec<Bytes<'a>>,
    events: Vec<Event<'a>>,
}

#[derive(Serialize)]
struct Edited<'a> {
    patches: &'a [DocPatch],
    send: Vec<Bytes<'a>>,
}

/// The browser's side of the sync protocol, over typed documents.
///
/// ```js
/// const client = new SyncClient(crypto.randomUUID(), `user:${me.id}`, crypto.getRandomValues(new Uint8Array(16)));
/// ws.onopen = () => ws.send(client.join());
/// ws.onmessage = (m) => {
///   const r = client.receive(new Uint8Array(m.data));
///   if (r.type === "failure") return console.warn(r.error.message);
///   r.value.send.forEach((f) => ws.send(f));
///   for (const e of r.value.events) handle(e); // loaded, changed, policy → engine.load(e.snapshot), rejected …
/// };
/// client.find(url).value.forEach((f) => ws.send(f));
/// ```
#[wasm_bindgen]
pub struct SyncClient {
    inner: TypedClient,
    max_frame: usize,
}

#[wasm_bindgen]
impl SyncClient {
    /// A client for peer `peerId`, editing as `principal` (the engine's
    /// principal key, `user:<id>` for a signed-in user: the server refuses
    /// changes under anyone else's actor) in a session named by 16 random
    /// bytes. Throws only if `session` is not 16 bytes long.
    #[wasm_bindgen(constructor)]
    pub fn new(peer_id: &str, principal: &str, session_bytes: &[u8]) -> Result<SyncClient, JsError> {
        let s = session(session_bytes).map_err(|_| JsError::new("the session must be 16 random bytes"))?;
        Ok(SyncClient { inner: TypedClient::new(peer_id.into(), principal, s), max_frame: Limits::default().max_message_bytes })
    }

    /// The actor id (hex) new edits are made under; it changes after a rejection.
    #[wasm_bindgen(getter)]
    pub fn actor(&self) -> String {
        self.inner.actor().to_hex_string()
    }

    /// The frame to send when the socket opens.
    pub fn join(&self) -> Vec<u8> {
        encode(&self.inner.join())
    }

    /// The socket closed: call `join` again on the next one.
    pub fn disconnected(&mut self) {
        self.inner.disconnected();
    }

    /// Asks the server for a document (its `loaded` event says when it is
    /// here). Returns `Answer<Uint8Array[]>`: frames to send.
    #[wasm_bindgen(unchecked_return_type = "Answer<Uint8Array[]>")]
    pub fn find(&mut self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str) -> JsValue {
        match doc_id(doc) {
            Ok(id) => {
                let f = frames(&self.inner.find(id));
                Answer::Success { value: f.iter().map(|b| Bytes(b)).collect::<Vec<_>>() }.into_js()
            }
            Err(e) => e,
        }
    }

    /// Creates a document here and offers it to the server. Returns
    /// `Answer<Uint8Array[]>`: frames to send.
    #[wasm_bindgen(js_name = createDoc, unchecked_return_type = "Answer<Uint8Array[]>")]
    pub fn create_doc(&mut self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str, #[wasm_bindgen(unchecked_param_type = "NewDoc")] spec: JsValue) -> JsValue {
        let id = match doc_id(doc) {
            Ok(id) => id,
            Err(e) => return e,
        };
        let spec: NewDoc = match from_js("new_doc", spec) {
            Ok(s) => s,
            Err(f) => return f.into_js(),
        };
        match self.inner.create(id, spec) {
            Ok(messages) => {
                let f = frames(&messages);
                Answer::Success { value: f.iter().map(|b| Bytes(b)).collect::<Vec<_>>() }.into_js()
            }
            Err(e) => failure(e.code(), e.to_string()),
        }
    }

    /// Holds a document from saved bytes (an offline copy) and syncs it.
    /// Returns `Answer<Uint8Array[]>`: frames to send.
    #[wasm_bindgen(unchecked_return_type = "Answer<Uint8Array[]>")]
    pub fn open(&mut self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str, bytes: &[u8]) -> JsValue {
        let id = match doc_id(doc) {
            Ok(id) => id,
            Err(e) => return e,
        };
        match self.inner.open(id, bytes) {
            Ok(messages) => {
                let f = frames(&messages);
                Answer::Success { value: f.iter().map(|b| Bytes(b)).collect::<Vec<_>>() }.into_js()
            }
            Err(e) => failure(e.code(), e.to_string()),
        }
    }

    /// Handles one frame from the server. Returns
    /// `Answer<{ send: Uint8Array[], events: SyncEvent[] }>`; a failure means
    /// the frame was unreadable (nothing changed).
    #[wasm_bindgen(unchecked_return_type = "Answer<{ send: Uint8Array[]; events: SyncEvent[] }>")]
    pub fn receive(&mut self, frame: &[u8]) -> JsValue {
        match self.inner.receive_frame(frame, self.max_frame) {
            Ok(out) => {
                let f = frames(&out.send);
                let value = Received { send: f.iter().map(|b| Bytes(b)).collect(), events: out.events.iter().map(event).collect() };
                Answer::Success { value }.into_js()
            }
            Err(e) => failure("sync", e.to_string()),
        }
    }

    /// Applies one edit to a held document. Returns
    /// `Answer<{ patches: DocPatch[], send: Uint8Array[] }>`.
    #[wasm_bindgen(unchecked_return_type = "Answer<{ patches: DocPatch[]; send: Uint8Array[] }>")]
    pub fn edit(&mut self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str, #[wasm_bindgen(unchecked_param_type = "Edit")] edit: JsValue) -> JsValue {
        let id = match doc_id(doc) {
            Ok(id) => id,
            Err(e) => return e,
        };
        let edit: Edit = match from_js("edit", edit) {
            Ok(e) => e,
            Err(f) => return f.into_js(),
        };
        match self.inner.edit(&id, &edit) {
            Ok(done) => {
                let f = frames(&done.send);
                Answer::Success { value: Edited { patches: &done.patches, send: f.iter().map(|b| Bytes(b)).collect() } }.into_js()
            }
            Err(e) => failure(e.code(), e.to_string()),
        }
    }

    /// A held document as a plain object, or `undefined` until it has arrived.
    #[wasm_bindgen(unchecked_return_type = "DocView | undefined")]
    pub fn read(&self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str) -> JsValue {
        doc_id(doc).ok().and_then(|id| self.inner.read(&id)).map_or(JsValue::UNDEFINED, |v| to_js(&v))
    }

    /// One node or feedback entry of a held document, or `undefined`.
    #[wasm_bindgen(js_name = readNode, unchecked_return_type = "NodeView | undefined")]
    pub fn read_node(&self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str, node: &str) -> JsValue {
        doc_id(doc).ok().and_then(|id| self.inner.read_node(&id, node)).map_or(JsValue::UNDEFINED, |v| to_js(&v))
    }

    /// The length of a page node's text in the units of every text position
    /// (`splice_text`, `format`, `set_block`, patches): Unicode code points, a
    /// block marker counting as one. `undefined` for an unknown document or
    /// node, or a node without text.
    #[wasm_bindgen(js_name = textLength)]
    pub fn text_length(&self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str, node: &str) -> Option<u32> {
        doc_id(doc).ok().and_then(|id| self.inner.text_length(&id, node)).map(len32)
    }

    /// `"requesting"`, `"ready"`, `"unavailable"`, or `undefined` if not held.
    #[wasm_bindgen(unchecked_return_type = "\"requesting\" | \"ready\" | \"unavailable\" | undefined")]
    pub fn status(&self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str) -> JsValue {
        match doc_id(doc).ok().and_then(|id| self.inner.status(&id)) {
            Some(DocStatus::Requesting) => "requesting".into(),
            Some(DocStatus::Ready) => "ready".into(),
            Some(DocStatus::Unavailable) => "unavailable".into(),
            None => JsValue::UNDEFINED,
        }
    }

    /// A held document saved whole (for an offline copy), or `undefined`.
    pub fn save(&mut self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str) -> Option<Vec<u8>> {
        doc_id(doc).ok().and_then(|id| self.inner.save(&id))
    }

    /// A presence/cursor frame for a document's other readers, or `undefined`
    /// while not connected.
    pub fn ephemeral(&mut self, #[wasm_bindgen(unchecked_param_type = "DocId")] doc: &str, data: &[u8]) -> Option<Vec<u8>> {
        let id = doc_id(doc).ok()?;
        self.inner.ephemeral(id, data.to_vec()).map(|m| encode(&m))
    }
}
