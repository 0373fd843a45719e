//! Thin editors (`--thin`): real changes in ordinary sync messages, without
//! keeping a replica of the document.
//!
//! A complete editor ([`crate::client::Client`]) applies every change it
//! receives to its own Automerge document. With 100 editors on one document
//! at 5 edits/s that is 49,500 applications a second in this one process,
//! on the same two cores as the server under test: 77 % of the load
//! generator's CPU, and the generator, not the server, sets the fan-out
//! latency (see the README's figures).
//!
//! A thin editor is set up as a complete one (handshake, `request`, the whole
//! document received and applied), then keeps only what it needs to make
//! its next change correctly: the document's heads and highest operation
//! counter (from the headers of the changes it receives, which it decodes
//! and hashes as a complete editor does), its actor's sequence number, the
//! text object, and the element it typed last. Each keystroke is a real
//! Automerge change built from those (`automerge::ExpandedChange`): one
//! character inserted after the editor's previous one, its dependencies the
//! heads of everything the editor has received, so it builds on all of it
//! as a complete editor's change would. It is sent in an ordinary
//! `automerge::sync::Message` whose heads and `have` say truthfully what
//! the editor has, and heads-only replies are coalesced to one per 100 ms,
//! like a complete editor's.
//!
//! The server cannot tell the difference: it decodes, guards, stores and
//! relays these changes like any other, and at the end of the phase a fresh
//! complete client loads the stored document and checks that every
//! acknowledged keystroke is in it. What a thin editor cannot do is type
//! anywhere but after its own last character, so it replays no trace.

use std::collections::HashSet;
use std::num::NonZeroU64;
use std::sync::Mutex;
use std::time::Duration;

use automerge::legacy::{ElementId, Key, ObjectId, Op, OpId, OpType, SortedVec};
use automerge::sync::{BloomFilter, ChunkList, Have, MessageVersion};
use automerge::{ActorId, ChangeHash, ExpandedChange, ObjId, ScalarValue};
use folio_core::sync::{DocumentId, IncomingSync, Message, PeerId, SyncMessage, codec};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Ws;

use crate::Socket;
use crate::client::{Client, Shared, record_arrival, text_of};

pub(crate) struct Thin {
    socket: Socket,
    me: PeerId,
    server: PeerId,
    doc: DocumentId,
    actor: ActorId,
    /// Our actor's last sequence number.
    seq: u64,
    /// The highest operation counter in the document as we know it.
    max_op: u64,
    text: ObjectId,
    /// Where the next character goes: after our last one (first: the start).
    after: ElementId,
    heads: Vec<ChangeHash>,
    known: HashSet<ChangeHash>,
    /// The heads last told to the server, and the changes we have had
    /// since (received or made): our `have`.
    announced: Vec<ChangeHash>,
    since: Vec<ChangeHash>,
    /// Messages the server sent that a thin editor cannot answer (it asked
    /// for changes by hash, or refused ours): reported at the end.
    pub(crate) unexpected: Vec<String>,
}

impl Thin {
    /// Takes over a complete editor that has the whole document `doc`.
    pub(crate) async fn from_client(mut c: Client, doc: DocumentId) -> Result<Thin, String> {
        c.apply_inbox().await.map_err(|()| "the set-up's last changes did not apply".to_owned())?;
        c.flush().await;
        let me = c.repo.peer_id().clone();
        let server = c.repo.server().cloned().ok_or("no server peer")?;
        let d = c.repo.doc_mut(&doc).ok_or("the document is not open")?;
        let actor = d.get_actor().clone();
        let text = match text_of(d).ok_or("the document has no text to type into")? {
            ObjId::Id(counter, creator, _) => ObjectId::Id(OpId(counter, creator)),
            ObjId::Root => return Err("the text is the root".into()),
        };
        let heads = d.get_heads();
        let changes = d.get_changes(&[]);
        let known = changes.iter().map(|c| c.hash()).collect();
        let max_op = changes.iter().map(|c| c.max_op()).max().unwrap_or(0);
        let seq = changes.iter().filter(|c| *c.actor_id() == actor).map(|c| c.seq()).max().unwrap_or(0);
        Ok(Thin {
            socket: c.socket,
            me,
            server,
            doc,
            actor,
            seq,
            max_op,
            text,
            after: ElementId::Head,
            announced: heads.clone(),
            since: Vec::new(),
            heads,
            known,
            unexpected: Vec::new(),
        })
    }

    /// Types `key` after our previous character: a new change on top of
    /// everything received. Returns its hash and its encoded bytes.
    pub(crate) fn type_key(&mut self, key: char) -> (ChangeHash, Vec<u8>) {
        let op = self.max_op + 1;
        let mut deps = self.heads.clone();
        deps.sort();
        let change = automerge::Change::from(ExpandedChange {
            operations: vec![Op {
                action: OpType::Put(ScalarValue::Str(key.to_string().into())),
                obj: self.text.clone(),
                key: Key::Seq(self.after.clone()),
                pred: SortedVec::new(),
                insert: true,
            }],
            actor_id: self.actor.clone(),
            hash: None,
            seq: self.seq + 1,
            start_op: NonZeroU64::new(op).expect("counters start at 1"),
            time: 0,
            message: None,
            deps,
            extra_bytes: Vec::new(),
            author: None,
        });
        let hash = change.hash();
        self.seq += 1;
        self.max_op = op;
        self.after = ElementId::Id(OpId(op, self.actor.clone()));
        self.known.insert(hash);
        self.since.push(hash);
        self.heads = vec![hash];
        (hash, change.raw_bytes().to_vec())
    }

    /// Sends our heads with these changes (possibly none).
    pub(crate) async fn send(&mut self, changes: Vec<Vec<u8>>) {
        let message = automerge::sync::Message {
            heads: self.heads.clone(),
            need: Vec::new(),
            // Everything up to the heads last announced (the server has
            // those: they are what it sent us and what we sent it), and
            // what we have had since.
            have: vec![Have { last_sync: self.announced.clone(), bloom: BloomFilter::from_hashes(self.since.drain(..)) }],
            changes: ChunkList::from(changes),
            flags: None,
            version: MessageVersion::V1,
        };
        self.announced = self.heads.clone();
        let envelope = Message::Sync(SyncMessage {
            sender_id: self.me.clone(),
            target_id: self.server.clone(),
            document_id: self.doc,
            data: message.encode(),
        });
        let _ = self.socket.send(Ws::Binary(codec::encode(&envelope).into())).await;
    }

    /// Tells the server our heads if they moved since we last did.
    pub(crate) async fn flush(&mut self) {
        if self.heads != self.announced {
            self.send(Vec::new()).await;
        }
    }

    /// One frame (or `limit` of silence): received changes are booked in
    /// `shared` and extend our view of the document's history.
    pub(crate) async fn step(&mut self, limit: Duration, shared: &Mutex<Shared>, in_flight: &mut Vec<ChangeHash>) -> Result<(), ()> {
        let frame = match tokio::time::timeout(limit, self.socket.next()).await {
            Err(_) => return Ok(()),
            Ok(Some(Ok(Ws::Binary(b)))) => b,
            Ok(Some(Ok(_))) => return Ok(()),
            Ok(_) => return Err(()),
        };
        let message = codec::decode(&frame).map_err(|_| ())?;
        let m = match message {
            Message::Sync(m) | Message::Request(m) if m.document_id == self.doc => m,
            // The documents the set-up opened besides the one typed into
            // (the first editor of a document built its portfolio and
            // collection): nothing happens in them during the phase.
            Message::Sync(_) | Message::Request(_) | Message::Ephemeral(_) | Message::Policy(_) | Message::Peer(_) => return Ok(()),
            other => {
                self.unexpected.push(format!("{other:?}").chars().take(200).collect());
                return Ok(());
            }
        };
        let incoming = IncomingSync::decode(m.document_id, &m.data).map_err(|_| ())?;
        let changes = incoming.changes().map_err(|_| ())?;
        record_arrival(shared, in_flight, incoming.heads(), &changes);
        if !incoming.message().need.is_empty() {
            self.unexpected.push(format!("the server asked for {} change(s) by hash", incoming.message().need.len()));
        }
        // The server relays in commit order, so a change's dependencies
        // arrive before it.
        for c in &changes {
            if self.known.insert(c.hash()) {
                self.since.push(c.hash());
                self.heads.retain(|h| !c.deps().contains(h));
                self.heads.push(c.hash());
                self.max_op = self.max_op.max(c.max_op());
            }
        }
        Ok(())
    }
}
