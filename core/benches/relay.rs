//! Benchmarks of the document actor's relay on a busy document: 100 peers, thousands of
//! changes, a batch of fresh ones to hand to everyone.
//!
//! `cargo bench -p folio-core --bench relay`
//!
//! - `relay/generate` vs `relay/generate_pushing` vs `relay/pushing_by_heads`:
//!   one broadcast of 50 fresh changes to 100 peers in the steady state,
//!   automerge rebuilding each change per peer vs the changes' bytes encoded
//!   once, what each peer lacks found among the fresh changes (every peer had
//!   everything before them) vs from each peer's heads (the document's
//!   sequence clock);
//! - `receive/automerge` vs `receive/record_received`: taking one peer's
//!   heads announcement (nothing but heads, needs and a bloom filter) while
//!   50 sent changes wait for acknowledgement.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ROOT, ReadDoc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use folio_core::sync::{DocPeerSync, DocumentId, Fresh, IncomingSync, SyncMode};

const PEERS: usize = 100;
const HISTORY: usize = 3_000;
const FRESH: usize = 50;

fn edit(doc: &mut Automerge, actor: usize, n: usize) -> ChangeHash {
    doc.set_actor(ActorId::from(format!("editor-{actor}").into_bytes()));
    let mut tx = doc.transaction();
    tx.put(ROOT, format!("k{}", n % 16), n as i64).unwrap();
    tx.commit().0.unwrap()
}

/// A server document and `PEERS` peer states that have just synced it.
fn steady() -> (Automerge, Vec<DocPeerSync>, Vec<sync::State>) {
    let mut doc = Automerge::new();
    for n in 0..HISTORY {
        edit(&mut doc, n % PEERS, n);
    }
    let mut servers = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..PEERS {
        let mut peer = doc.fork();
        let mut s = DocPeerSync::new(SyncMode::ReadWrite);
        let mut c = sync::State::new();
        // Until neither side has anything to say: the peer's last summary
        // starts at the document's heads, as on a live, caught-up peer.
        for _ in 0..10 {
            let up = peer.generate_sync_message(&mut c);
            if let Some(m) = &up {
                let inc = IncomingSync::decode(DocumentId::from_bytes([1; 16]), &m.clone().encode()).unwrap();
                let before = doc.get_heads();
                s.record_received(&doc, inc, &before, None).unwrap();
            }
            let down = s.generate(&doc);
            if let Some(m) = &down {
                peer.receive_sync_message(&mut c, sync::Message::decode(m).unwrap()).unwrap();
            }
            if up.is_none() && down.is_none() {
                break;
            }
        }
        // The relay learns that the peer lacks nothing at these heads.
        let heads = doc.get_heads();
        assert!(s.generate_pushing(&doc, &Fresh::new(&doc, &heads, std::iter::empty())).is_none());
        servers.push(s);
        clients.push(c);
    }
    (doc, servers, clients)
}

fn bench(c: &mut Criterion) {
    let (base, states, _) = steady();
    let mut doc = base.clone();
    let fresh: Vec<automerge::Change> = (0..FRESH)
        .map(|n| {
            let h = edit(&mut doc, n % PEERS, HISTORY + n);
            doc.get_change_by_hash(&h).unwrap()
        })
        .collect();
    let pushed = Fresh::new(&doc, &base.get_heads(), &fresh);
    // The same changes, without the heads they were committed on.
    let by_heads = Fresh::new(&doc, &[], &fresh);

    let mut g = c.benchmark_group("relay");
    g.sample_size(10);
    g.bench_function("generate", |b| {
        b.iter_batched(
            || states.clone(),
            |mut states| {
                for s in &mut states {
                    std::hint::black_box(s.generate(&doc));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("generate_pushing", |b| {
        b.iter_batched(
            || states.clone(),
            |mut states| {
                for s in &mut states {
                    std::hint::black_box(s.generate_pushing(&doc, &pushed));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("pushing_by_heads", |b| {
        b.iter_batched(
            || states.clone(),
            |mut states| {
                for s in &mut states {
                    std::hint::black_box(s.generate_pushing(&doc, &by_heads));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // One peer has been sent the fresh changes and announces heads from before them.
    let mut sent = states[0].clone();
    sent.generate_pushing(&doc, &pushed).unwrap();
    let peer = base.fork();
    let mut pc = sync::State::new();
    let announce = peer.generate_sync_message(&mut pc).unwrap_or_else(|| sync::Message::decode(&[0x42, 0, 0, 0, 0]).unwrap());
    let announce = announce.encode();
    // The clocks of the last 4,096 changes, as the document actor keeps them.
    let mut ancestry = folio_core::sync::Ancestry::default();
    for c in doc.get_changes(&[]) {
        ancestry.add(&doc, &c);
    }
    let mut g = c.benchmark_group("receive");
    g.bench_function("automerge", |b| {
        b.iter_batched(
            || (sent.state().clone(), doc.clone()),
            |(mut st, mut d)| {
                d.receive_sync_message(&mut st, sync::Message::decode(&announce).unwrap()).unwrap();
                st
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("record_received", |b| {
        b.iter_batched(
            || (sent.clone(), doc.clone()),
            |(mut s, d)| {
                let inc = IncomingSync::decode(DocumentId::from_bytes([1; 16]), &announce).unwrap();
                let before = d.get_heads();
                s.record_received(&d, inc, &before, Some(&ancestry)).unwrap();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);

criterion_main!(benches);
