//! Interop evidence: every frame an unmodified automerge-repo 2.5.6 client and
//! server exchanged (captured by `tests/interop/capture.mjs` into
//! `fixtures/sync/captured/`) decodes with Folio's codec as the message type it
//! was sent as, survives a re-encode, and its automerge payload parses.

use std::path::PathBuf;

use folio_core::sync::{Message, decode, encode};

fn captured() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/captured");
    let mut frames: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cbor"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    frames.sort();
    frames
}

/// `012-server-to-c2-sync.cbor` → `sync`; `023-…-doc-unavailable.cbor` → `doc-unavailable`.
fn sent_type(name: &str) -> &str {
    let stem = name.trim_end_matches(".cbor");
    let after_to = &stem[stem.find("-to-").unwrap() + 4..];
    &after_to[after_to.find('-').unwrap() + 1..]
}

#[test]
fn every_captured_automerge_repo_frame_decodes_as_the_type_it_was_sent_as() {
    let frames = captured();
    assert!(frames.len() >= 20, "expected the captured session, found {} frames", frames.len());
    for (name, bytes) in &frames {
        let message = decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(message.type_name(), sent_type(name), "{name}");
    }
}

#[test]
fn captured_frames_survive_a_reencode_unchanged_in_meaning() {
    for (name, bytes) in captured() {
        let message = decode(&bytes).unwrap();
        let again = decode(&encode(&message)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(format!("{message:?}"), format!("{again:?}"), "{name}");
    }
}

#[test]
fn captured_sync_payloads_are_automerge_sync_messages() {
    let mut syncs = 0;
    for (name, bytes) in captured() {
        if let Message::Sync(sync) = decode(&bytes).unwrap() {
            automerge::sync::Message::decode(&sync.data).unwrap_or_else(|e| panic!("{name}: {e}"));
            syncs += 1;
        }
    }
    assert!(syncs >= 10, "only {syncs} sync frames");
}
