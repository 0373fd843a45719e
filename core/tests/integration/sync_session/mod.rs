//! Clients and a server-side machine talking in memory, every hop through
//! the CBOR codec, with a trivial in-test document actor.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Automerge, ObjType, ROOT, ReadDoc};
use folio_core::sync::*;
use folio_core::time::Timestamp;

mod world;

mod convergence;
mod ephemeral;
mod handshake;
mod policy;
mod protocol_errors;
mod rate_limit;
mod rejection;

const SERVER: &str = "folio-server";

fn doc_id() -> DocumentId {
    DocumentId::from_bytes([9; 16])
}

// ------------------------------------------------------------ server peer alone

fn server_peer(limits: Limits) -> ServerPeer {
    ServerPeer::new(
        PeerId::from(SERVER),
        PeerMetadata::folio_ephemeral(),
        limits,
        Timestamp(0),
    )
}

fn join(sender: &str, versions: Option<Vec<&str>>, folio: bool) -> Vec<u8> {
    encode(&Message::Join(Join {
        sender_id: PeerId::from(sender),
        peer_metadata: Some(PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(true),
            folio: folio.then_some(1),
        }),
        supported_protocol_versions: versions.map(|v| v.into_iter().map(String::from).collect()),
    }))
}

fn sync_frame(sender: &str, target: &str) -> Vec<u8> {
    encode(&Message::Sync(SyncMessage {
        sender_id: PeerId::from(sender),
        target_id: PeerId::from(target),
        document_id: doc_id(),
        data: vec![0x42],
    }))
}
