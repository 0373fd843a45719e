//! The join/peer handshake and protocol version selection.

use super::*;

#[test]
fn the_handshake_selects_protocol_version_one() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&join("alice", Some(vec!["0", "1"]), true), Timestamp(0));
    let ServerEffect::Send(Message::Peer(peer)) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert_eq!(peer.selected_protocol_version, "1");
    assert_eq!(peer.target_id, PeerId::from("alice"));
    assert!(matches!(&effects[1], ServerEffect::Joined { peer, .. } if peer.as_str() == "alice"));
    assert!(p.speaks_folio());
}

#[test]
fn a_join_without_a_version_list_means_version_one() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&join("old", None, false), Timestamp(0));
    assert!(matches!(&effects[0], ServerEffect::Send(Message::Peer(_))));
    assert!(!p.speaks_folio());
}

#[test]
fn an_unsupported_protocol_version_gets_an_error_and_a_close() {
    let mut p = server_peer(Limits::default());
    let effects = p.receive(&join("alice", Some(vec!["2"]), true), Timestamp(0));
    let ServerEffect::Send(Message::Error(e)) = &effects[0] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        e.message,
        "unsupported protocol versions `2`; this server speaks `1`"
    );
    assert_eq!(e.target_id, Some(PeerId::from("alice")));
    assert!(matches!(
        &effects[1],
        ServerEffect::Close {
            error: SyncError::UnsupportedVersion { .. }
        }
    ));
    assert!(p.is_closed());
    assert!(
        p.receive(&sync_frame("alice", SERVER), Timestamp(0))
            .is_empty()
    );
}

#[test]
fn the_client_join_advertises_version_one_and_the_folio_extension() {
    let repo = ClientRepo::new(PeerId::from("alice"), ActorId::from(b"alice".to_vec()));
    let Message::Join(join) = repo.join() else {
        panic!()
    };
    assert_eq!(
        join.supported_protocol_versions,
        Some(vec!["1".to_string()])
    );
    assert!(join.peer_metadata.unwrap().speaks_folio());
}
