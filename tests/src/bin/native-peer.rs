//! `native-peer`: the native side of the WebAssembly round-trip and sync tests.
//!
//! Reads one JSON request per line on stdin and answers one JSON line on
//! stdout. Bytes travel as hex.
//!
//! | request | answer |
//! |---|---|
//! | `{"cmd":"hello"}` | `{"document","principal","page"}`: the page document's URL, the client's principal key, the page node |
//! | `{"cmd":"fixture"}` | `{"hex","view"}`: a page made natively (saved bytes) and how it reads |
//! | `{"cmd":"load","hex"}` | `{"kind","view"}` or `{"error"}`: saved bytes loaded natively |
//! | `{"cmd":"frame","hex"}` | `{"frames":[hex…],"refused"}`: one frame from the client through the guarded peer |
//! | `{"cmd":"edit","edit":Edit}` | `{"frames":[hex…]}` or `{"error"}`: the owner edits the page here |
//! | `{"cmd":"read"}` | `{"view","heads","refused"}`: the authoritative page, and how many changes the guard refused |

use std::io::{BufRead, Write};

use folio_core::doc::{Edit, TypedDoc, actor};
use folio_core::guard::principal_key;
use folio_tests::native_peer::{NativePeer, client_principal, fixture_page, page_document};
use serde_json::{Value, json};

fn answer(peer: &mut NativePeer, request: &Value) -> Value {
    let hex_arg = || hex::decode(request["hex"].as_str().unwrap_or_default());
    match request["cmd"].as_str().unwrap_or_default() {
        "hello" => json!({
            "document": page_document().to_url(),
            "principal": principal_key(&client_principal()),
            "page": "pg",
        }),
        "fixture" => {
            let mut page = fixture_page();
            json!({ "hex": hex::encode(page.save()), "view": TypedDoc::Page(page).read() })
        }
        "load" => match hex_arg().map_err(|e| e.to_string()).and_then(|b| {
            TypedDoc::load(&b, actor::actor_for("user:native", [3; 16])).map_err(|e| e.to_string())
        }) {
            Ok(doc) => json!({ "kind": doc.kind(), "view": doc.read() }),
            Err(e) => json!({ "error": e }),
        },
        "frame" => match hex_arg() {
            Ok(frame) => {
                let frames: Vec<String> = peer.receive(&frame).iter().map(hex::encode).collect();
                json!({ "frames": frames, "refused": peer.refused })
            }
            Err(e) => json!({ "error": e.to_string() }),
        },
        "edit" => match serde_json::from_value::<Edit>(request["edit"].clone()) {
            Ok(edit) => match peer.edit(&edit) {
                Ok(frames) => json!({ "frames": frames.iter().map(hex::encode).collect::<Vec<_>>() }),
                Err(e) => json!({ "error": e.to_string() }),
            },
            Err(e) => json!({ "error": e.to_string() }),
        },
        "read" => json!({ "view": peer.read(), "heads": peer.heads(), "refused": peer.refused }),
        other => json!({ "error": format!("unknown command `{other}`") }),
    }
}

fn main() {
    let mut peer = NativePeer::new();
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(request) => answer(&mut peer, &request),
            Err(e) => json!({ "error": format!("not JSON: {e}") }),
        };
        if writeln!(stdout, "{reply}").and_then(|()| stdout.flush()).is_err() {
            break;
        }
    }
}
