//! Out-of-order changes: held until their history is complete, then guarded.
//!
//! The world is the guard tests' (`guard/mod.rs`): Olga owns portfolio `pf`
//! › collection `c1` › page `pg` with sections `s` and `t`; Wendy may write
//! the page; Carl may only comment.
//! Each writer edits their own copy (with merges of the other's work, so the
//! history branches and joins), and the server side is simulated exactly as
//! the document actor runs it: one [`DocPeerSync`] per writer, `hold` on
//! arrival, the real guard on what comes out, `release` on every peer after
//! each commit, `purge_dependents` after a refusal.

use std::collections::HashSet;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};
use folio_core::access::{Engine, Principal};
use folio_core::doc::{PageDoc, actor};
use folio_core::guard::{Sender, Verdict, guard, principal_key};
use folio_core::sync::{DocPeerSync, DocumentId, HoldLimits, IncomingSync, SyncMode};
use proptest::prelude::*;

// The guard tests' world: Olga's portfolio `pf` › `c1` › page `pg` with
// sections `s` and `t`; Wendy may write the page.
use crate::guard::{NOW, engine, server_page};

const WHO: [&str; 2] = ["olga", "wendy"];

/// The server side: the document, and one sync state per writer.
struct Server {
    doc: Automerge,
    engine: Engine,
    peers: Vec<(Principal, DocPeerSync)>,
    refused: Vec<ChangeHash>,
}

impl Server {
    fn new(writers: &[&str]) -> Self {
        let peers = writers.iter().map(|w| (Principal::user(*w), DocPeerSync::new(SyncMode::ReadWrite))).collect();
        Server { doc: server_page(), engine: engine(), peers, refused: Vec::new() }
    }

    fn judge(&mut self, i: usize, ready: Vec<Change>) {
        if ready.is_empty() {
            return;
        }
        let principal = self.peers[i].0.clone();
        let v: Verdict = guard(&mut self.doc, ready, Sender { principal: &principal, profile: None }, &self.engine, NOW);
        let rejected = v.rejected();
        if !rejected.is_empty() {
            let purged = self.peers[i].1.purge_dependents(&rejected);
            self.refused.extend(purged.iter().map(Change::hash));
            self.refused.extend(rejected);
        }
    }

    /// One message from writer `i` carrying `changes`, as the actor takes it.
    fn receive(&mut self, i: usize, changes: Vec<Change>) {
        let ready = self.peers[i].1.hold(&self.doc, changes).expect("within the limits");
        self.judge(i, ready);
        // Anything accepted may complete another writer's held changes.
        loop {
            let mut progress = false;
            for j in 0..self.peers.len() {
                let ready = self.peers[j].1.release(&self.doc);
                progress |= !ready.is_empty();
                self.judge(j, ready);
            }
            if !progress {
                break;
            }
        }
    }

    fn held(&self) -> usize {
        self.peers.iter().map(|p| p.1.held().len()).sum()
    }
}

/// Two writers' copies after `ops` (who, what): type in `s`, type in `t`, or
/// merge the other writer's work. Returns every new change with its writer,
/// in a causal order.
fn history(ops: &[(usize, u8)]) -> Vec<(usize, Change)> {
    let base = server_page();
    let heads = base.get_heads();
    let mut copies: Vec<PageDoc> = WHO
        .iter()
        .enumerate()
        .map(|(n, w)| PageDoc::load(&base.clone().save(), actor::actor_for(&principal_key(&Principal::user(*w)), [n as u8 + 1; 16])).unwrap())
        .collect();
    let mut out: Vec<(usize, Change)> = Vec::new();
    let mut seen: HashSet<ChangeHash> = HashSet::new();
    for (n, &(who, what)) in ops.iter().enumerate() {
        match what {
            0 => {
                copies[who].splice_text("s", 0, 0, &format!("{n}")).unwrap();
            }
            1 => {
                copies[who].splice_text("t", 0, 0, &format!("<{n}>")).unwrap();
            }
            _ => {
                let theirs = copies[1 - who].changes_since(&heads);
                copies[who].apply_remote(theirs).unwrap();
                copies[who].splice_text("s", 0, 0, "m").unwrap();
            }
        }
        for c in copies[who].changes_since(&heads) {
            if seen.insert(c.hash()) {
                out.push((who, c));
            }
        }
    }
    out
}

fn text(doc: &Automerge) -> (String, String) {
    let page = PageDoc::from_automerge(doc.clone()).unwrap();
    (page.text("s").unwrap(), page.text("t").unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any delivery order of a valid change set ends with the same accepted
    /// heads as in-order delivery, nothing refused and nothing left held.
    #[test]
    fn any_delivery_order_converges_to_the_in_order_heads(
        ops in prop::collection::vec((0usize..2, 0u8..3), 1..14),
        keys in prop::collection::vec(any::<u32>(), 64),
        batch in 1usize..4,
    ) {
        let changes = history(&ops);
        let mut in_order = Server::new(&WHO);
        for (who, c) in &changes {
            in_order.receive(*who, vec![c.clone()]);
        }
        prop_assert!(in_order.refused.is_empty(), "{:?}", in_order.refused);
        prop_assert_eq!(in_order.held(), 0);

        let mut shuffled: Vec<(usize, (usize, Change))> = changes.into_iter().enumerate().collect();
        shuffled.sort_by_key(|(i, _)| (keys[i % keys.len()], *i));
        let mut any_order = Server::new(&WHO);
        // Messages of up to `batch` changes from one writer at a time.
        let mut queue: Vec<(usize, Change)> = shuffled.into_iter().map(|(_, wc)| wc).collect();
        while !queue.is_empty() {
            let who = queue[0].0;
            let mut message = Vec::new();
            queue.retain(|(w, c)| {
                if *w == who && message.len() < batch {
                    message.push(c.clone());
                    false
                } else {
                    true
                }
            });
            any_order.receive(who, message);
        }
        prop_assert!(any_order.refused.is_empty(), "{:?}", any_order.refused);
        prop_assert_eq!(any_order.held(), 0);
        prop_assert_eq!(any_order.doc.get_heads(), in_order.doc.get_heads());
        // The same content (the saved bytes may order concurrent changes
        // differently; the document they describe is the same).
        prop_assert_eq!(text(&any_order.doc), text(&in_order.doc));
    }
}

#[test]
fn a_refused_change_takes_the_held_changes_that_build_on_it_along() {
    let base = server_page();
    let heads = base.get_heads();
    let mut carl = PageDoc::load(&base.clone().save(), actor::actor_for("user:carl", [9; 16])).unwrap();
    carl.splice_text("s", 0, 0, "a").unwrap(); // a commenter may not edit text
    carl.splice_text("s", 0, 0, "b").unwrap();
    carl.splice_text("s", 0, 0, "c").unwrap();
    let c = carl.changes_since(&heads);
    let mut server = Server::new(&["carl"]);
    server.receive(0, vec![c[2].clone()]);
    server.receive(0, vec![c[1].clone()]);
    assert_eq!(server.held(), 2);
    assert!(server.refused.is_empty());
    server.receive(0, vec![c[0].clone()]);
    assert_eq!(server.held(), 0);
    let refused: HashSet<ChangeHash> = server.refused.iter().copied().collect();
    assert_eq!(refused, c.iter().map(Change::hash).collect());
    assert_eq!(server.doc.get_heads(), heads, "nothing was accepted");
}

/// The protocol end to end with automerge's own sync on the client side: the
/// first message reaches the server without the change the others build on
/// (as after a bloom filter false positive); the server holds the rest, asks
/// for exactly the missing change, and accepts everything once it arrives.
#[test]
fn the_server_asks_for_what_held_changes_miss_and_the_peer_sends_it() {
    let id = DocumentId::from_bytes([7; 16]);
    let mut server = Server::new(&["olga"]);
    let mut olga = PageDoc::load(&server.doc.clone().save(), actor::actor_for("user:olga", [3; 16])).unwrap();
    let heads = olga.heads();
    for n in 0..4 {
        olga.splice_text("s", 0, 0, &format!("{n}")).unwrap();
    }
    let all = olga.changes_since(&heads);
    let mut client_doc = olga.into_automerge();
    let mut client_state = sync::State::new();

    // A hand-made first message: the client's heads, all changes but the first.
    let first = sync::Message {
        heads: client_doc.get_heads(),
        need: Vec::new(),
        have: Vec::new(),
        changes: all[1..].iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>().into(),
        version: sync::MessageVersion::V1,
        flags: None,
    };
    let incoming = IncomingSync::decode(id, &first.encode()).unwrap();
    server.receive(0, incoming.changes().unwrap());
    assert_eq!(server.held(), 3);
    let before = server.doc.get_heads();
    server.peers[0].1.record_received(&server.doc, incoming, &before, None).unwrap();

    // The server asks for the missing change only, without a bloom filter.
    let ask = server.peers[0].1.generate(&server.doc).expect("the server asks");
    let decoded = sync::Message::decode(&ask).unwrap();
    assert_eq!(decoded.need, vec![all[0].hash()]);
    assert!(decoded.have.is_empty());

    // The client's automerge answers with exactly that change.
    client_doc.receive_sync_message(&mut client_state, decoded).unwrap();
    let answer = client_doc.generate_sync_message(&mut client_state).expect("the client answers");
    let incoming = IncomingSync::decode(id, &answer.encode()).unwrap();
    let carried: Vec<ChangeHash> = incoming.changes().unwrap().iter().map(Change::hash).collect();
    assert_eq!(carried, vec![all[0].hash()]);
    server.receive(0, incoming.changes().unwrap());
    assert_eq!(server.held(), 0);
    assert!(server.refused.is_empty());
    assert_eq!(server.doc.get_heads(), client_doc.get_heads());
}

#[test]
fn concatenated_change_chunks_bundles_and_documents_unpack_without_applying() {
    let id = DocumentId::from_bytes([8; 16]);
    let base = server_page();
    let heads = base.get_heads();
    let mut olga = PageDoc::load(&base.clone().save(), actor::actor_for("user:olga", [4; 16])).unwrap();
    olga.splice_text("s", 0, 0, "x").unwrap();
    olga.splice_text("s", 0, 0, "y").unwrap();
    let mine: Vec<Change> = olga.changes_since(&heads);
    let hashes: Vec<ChangeHash> = mine.iter().map(Change::hash).collect();
    let unpacked = |chunks: Vec<Vec<u8>>| {
        let m = sync::Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: Vec::new(),
            changes: chunks.into(),
                version: sync::MessageVersion::V2,
            flags: None,
        };
        IncomingSync::decode(id, &m.encode()).unwrap().changes()
    };
    // Only the second change, concatenated with nothing: its dependency is absent.
    let got = unpacked(vec![mine[1].raw_bytes().to_vec()]).unwrap();
    assert_eq!(got.iter().map(Change::hash).collect::<Vec<_>>(), vec![hashes[1]]);
    // Both in one chunk, as sync v2 sends them.
    let joined: Vec<u8> = mine.iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
    let got = unpacked(vec![joined]).unwrap();
    assert_eq!(got.iter().map(Change::hash).collect::<Vec<_>>(), hashes);
    // A bundle of both.
    let bundle = olga.automerge().bundle(hashes.clone()).unwrap();
    let got = unpacked(vec![bundle.bytes().to_vec()]).unwrap();
    let got: HashSet<ChangeHash> = got.iter().map(Change::hash).collect();
    assert_eq!(got, hashes.iter().copied().collect());
    // A whole document: every change in it.
    let got = unpacked(vec![olga.save()]).unwrap();
    assert_eq!(got.len(), olga.automerge().get_changes(&[]).len());
    // Garbage is a clear error, not a panic.
    let err = unpacked(vec![vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 0xff, 0x01]]).unwrap_err();
    assert!(err.to_string().contains("claims"), "{err}");
    let err = unpacked(vec![b"not a chunk".to_vec()]).unwrap_err();
    assert!(err.to_string().contains("magic"), "{err}");
}

#[test]
fn a_peer_over_the_hold_limit_gets_a_clear_error_and_nothing_is_held() {
    let base = server_page();
    let heads = base.get_heads();
    let mut olga = PageDoc::load(&base.clone().save(), actor::actor_for("user:olga", [5; 16])).unwrap();
    for n in 0..5 {
        olga.splice_text("s", 0, 0, &format!("{n}")).unwrap();
    }
    let c = olga.changes_since(&heads);
    let mut peer = DocPeerSync::with_limits(SyncMode::ReadWrite, HoldLimits { max_changes: 3, max_bytes: 1 << 20 });
    assert!(peer.hold(&base, c[1..4].to_vec()).unwrap().is_empty());
    let err = peer.hold(&base, vec![c[4].clone()]).unwrap_err();
    assert!(err.to_string().contains("too many changes are waiting"), "{err}");
    assert!(peer.held().is_empty());
}
