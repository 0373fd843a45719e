//! One document's sync with one peer: the server's state for each
//! connection, and (through [`ClientRepo`](super::ClientRepo)) the client's
//! state for its server — the same bookkeeping and the same steady-state
//! shortcuts on both sides.
//!
//! On the server, the document actor owns the authoritative [`Automerge`] document and one
//! [`DocPeerSync`] per peer syncing it. This type never applies a change: it
//! decodes what arrived ([`IncomingSync`]), lets the actor guard and commit
//! the changes, then records what the peer told us. Outgoing messages come from
//! [`DocPeerSync::generate`], which reads the document the actor passes in.
//!
//! ```text
//!  connection task                 document actor
//!  ───────────────                 ─────────────────────────────────────────
//!  DeliverToDoc{data} ─────────▶  let inc = IncomingSync::decode(&data)?;
//!                                 ready = peer_sync.hold(&doc, inc.changes()?)?
//!                                   (changes missing a dependency wait, bounded)
//!                                 guard(ready) on the document
//!                                   ├─ accepted: commit durably;
//!                                   │            peer_sync.record_received(&doc, inc)?
//!                                   └─ refused:  purge_dependents; refuse(); folio-rejected
//!                                 after any commit: every peer_sync.release(&doc) → guard
//!  Send(sync{data}) ◀──────────── for each reader: peer_sync.generate(&doc)
//!                                   (asks for what held changes miss)
//! ```

use std::collections::HashSet;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};

use super::ancestry::Ancestry;
use super::error::SyncError;
use super::fresh::Fresh;
use super::holdback::{HoldLimits, HoldOverflow, Holdback};
use super::ids::DocumentId;

/// A decoded `automerge::sync::Message` awaiting the guard's verdict.
#[derive(Clone, Debug)]
pub struct IncomingSync {
    document: DocumentId,
    message: sync::Message,
}

impl IncomingSync {
    /// Decode the `data` of a `sync`/`request` message for `document`.
    pub fn decode(document: DocumentId, data: &[u8]) -> Result<Self, SyncError> {
        let message = sync::Message::decode(data).map_err(|e| SyncError::InvalidSyncMessage {
            document: document.to_string(),
            detail: e.to_string(),
        })?;
        Ok(IncomingSync { document, message })
    }

    /// The document this message is about.
    pub fn document(&self) -> DocumentId {
        self.document
    }

    /// Whether the message carries any changes (or a whole document).
    pub fn has_changes(&self) -> bool {
        !self.message.changes.is_empty()
    }

    /// The carried changes as one byte string, ready for
    /// `Automerge::load_incremental` on a fork (the guard) and then on the
    /// authoritative document. May hold individual changes or, in sync
    /// protocol v2, a whole compressed document.
    pub fn change_bytes(&self) -> Vec<u8> {
        self.message.changes.iter().flatten().copied().collect()
    }

    /// The carried chunks, one by one, as they arrived.
    pub fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.message.changes.iter()
    }

    /// The carried changes, unpacked without applying any of them: change
    /// chunks as they are, several change chunks concatenated in one (sync
    /// v2), bundles, and whole documents (never trusted as a whole: their
    /// changes are judged one by one like any other). Unlike loading the
    /// bytes into a document, this keeps changes whose dependencies have not
    /// arrived yet, so they can be held (see [`super::holdback`]).
    pub fn changes(&self) -> Result<Vec<Change>, SyncError> {
        let bad = |detail: String| SyncError::InvalidSyncMessage { document: self.document.to_string(), detail };
        let mut out = Vec::new();
        for chunk in self.chunks() {
            for piece in split_chunks(chunk).map_err(bad)? {
                out.extend(unpack_chunk(piece).map_err(bad)?);
            }
        }
        Ok(out)
    }

    /// The sender's heads.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.message.heads
    }

    /// The decoded automerge message.
    pub fn message(&self) -> &sync::Message {
        &self.message
    }

    fn without_changes(mut self) -> sync::Message {
        self.message.changes = sync::ChunkList::empty();
        self.message
    }
}

/// What [`DocPeerSync::generate_pushing`] found for a peer.
enum Steady {
    Message(sync::Message),
    Nothing,
    Unsettled,
}

/// Whether a peer may write to a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// Changes flow both ways (subject to the guard).
    ReadWrite,
    /// The peer only receives. Uses automerge's read-only sync state, which
    /// tells the peer (automerge ≥ 0.12) not to send changes at all.
    ReadOnly,
}

/// Whether `doc` holds the change `hash`: a lookup in its hash graph.
/// (`get_change_meta_by_hash` would also build the change's metadata from
/// the document's columns, which costs time that grows with the history.)
pub fn has_change(doc: &Automerge, hash: &ChangeHash) -> bool {
    use automerge::ReadDoc;
    let missing = doc.get_missing_deps(std::slice::from_ref(hash));
    if missing.is_empty() {
        return true;
    }
    if missing.contains(hash) {
        return false;
    }
    // Changes wait in the document's queue for dependencies (never on the
    // server, whose guard applies only complete histories): `hash` may be
    // one of them, which the document does not hold yet.
    doc.get_change_meta_by_hash(hash).is_some()
}

/// The magic bytes that open every automerge storage chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Splits concatenated automerge storage chunks (magic, checksum, type,
/// uLEB128 length, body) without interpreting them.
fn split_chunks(mut bytes: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 9 || bytes[..4] != MAGIC {
            return Err("a chunk does not start with automerge's magic bytes".into());
        }
        let (mut len, mut shift, mut at) = (0u64, 0u32, 9usize);
        loop {
            let Some(&b) = bytes.get(at) else { return Err("a chunk's length is cut off".into()) };
            if shift > 63 {
                return Err("a chunk's length does not fit 64 bits".into());
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            at += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| at.checked_add(l))
            .filter(|end| *end <= bytes.len())
            .ok_or_else(|| format!("a chunk claims {len} bytes but only {} follow", bytes.len() - at))?;
        out.push(&bytes[..end]);
        bytes = &bytes[end..];
    }
    Ok(out)
}

/// The changes in one chunk: a change, a bundle of changes or a document.
fn unpack_chunk(piece: &[u8]) -> Result<Vec<Change>, String> {
    match piece[8] {
        // document
        0 => {
            let doc = Automerge::load_with_options(
                piece,
                automerge::LoadOptions::new().on_partial_load(automerge::OnPartialLoad::Error),
            )
            .map_err(|e| format!("a document chunk does not load: {e}"))?;
            Ok(doc.get_changes(&[]))
        }
        // change, compressed change
        1 | 2 => Change::try_from(piece).map(|c| vec![c]).map_err(|e| format!("a change chunk does not parse: {e}")),
        // bundle
        3 => automerge::Bundle::try_from(piece)
            .map_err(|e| e.to_string())
            .and_then(|b| b.to_changes().map_err(|e| e.to_string()))
            .map_err(|e| format!("a bundle chunk does not unpack: {e}")),
        other => Err(format!("unknown chunk type {other}")),
    }
}

/// Per (document, peer) sync state, with the peer's changes that wait for
/// their dependencies ([`Holdback`], the server's; a client leaves waiting
/// to automerge's own queue and holds nothing here).
#[derive(Clone, Debug)]
pub struct DocPeerSync {
    state: sync::State,
    held: Holdback,
    /// Document heads up to which the peer has, or has been sent, every
    /// change: everything in their history is among the ancestors of the
    /// peer's heads or in `sent_hashes`. Set by the steady relay, forgotten
    /// whenever the exchange starts over or automerge builds the message.
    complete_at: Option<Vec<ChangeHash>>,
    /// How many sent changes the window of recent clocks may fail to settle
    /// before automerge is asked (see [`Self::trim_sent`]).
    untrimmed_allowance: usize,
}

/// Sent changes outside the window of recent clocks are settled by asking
/// automerge once this many more have piled up (see
/// [`DocPeerSync::record_received`]).
const TRIM_SENT_AT: usize = 128;

impl DocPeerSync {
    /// A fresh state, as at the start of a connection, holding at most the
    /// default [`HoldLimits`].
    pub fn new(mode: SyncMode) -> Self {
        Self::with_limits(mode, HoldLimits::default())
    }

    /// A fresh state holding at most `limits` of out-of-order changes.
    pub fn with_limits(mode: SyncMode, limits: HoldLimits) -> Self {
        let state = match mode {
            SyncMode::ReadWrite => sync::State::new(),
            SyncMode::ReadOnly => sync::State::new_read_only(),
        };
        DocPeerSync { state, held: Holdback::new(limits), complete_at: None, untrimmed_allowance: TRIM_SENT_AT }
    }

    /// Takes the peer's incoming changes; returns those whose history is
    /// complete (with any held ones they completed), for the guard. See
    /// [`Holdback::admit`].
    pub fn hold(&mut self, doc: &Automerge, incoming: Vec<Change>) -> Result<Vec<Change>, HoldOverflow> {
        self.held.admit(doc, incoming)
    }

    /// Held changes whose dependencies `doc` now has (see [`Holdback::release`]).
    pub fn release(&mut self, doc: &Automerge) -> Vec<Change> {
        self.held.release(doc)
    }

    /// Takes out held changes that build on a refused one.
    pub fn purge_dependents(&mut self, refused: &[ChangeHash]) -> Vec<Change> {
        self.held.purge_dependents(refused)
    }

    /// The peer's changes waiting for their dependencies.
    pub fn held(&self) -> &Holdback {
        &self.held
    }

    /// The current mode.
    pub fn mode(&self) -> SyncMode {
        if self.state.read_only {
            SyncMode::ReadOnly
        } else {
            SyncMode::ReadWrite
        }
    }

    /// Switch mode when the peer's access level changes. Switching to
    /// read-write resets the exchange so the peer resends what was ignored.
    pub fn set_mode(&mut self, mode: SyncMode) {
        self.complete_at = None;
        self.state.set_read_only(mode == SyncMode::ReadOnly);
    }

    /// The next encoded sync message for this peer, if there is anything to
    /// say. While changes are held, it asks for what they are missing, as
    /// automerge does for its own queue (see [`super::holdback`]).
    pub fn generate(&mut self, doc: &Automerge) -> Option<Vec<u8>> {
        self.complete_at = None;
        self.message(doc).map(sync::Message::encode)
    }

    /// Like [`Self::generate`], for a relay: changes the document actor just
    /// committed are handed over as they arrived (`fresh`, encoded once for
    /// every peer) instead of being rebuilt by automerge for each peer.
    ///
    /// Why: automerge keeps no change's bytes — `generate_sync_message`
    /// rebuilds every change it sends from the op set — and it works out
    /// what a peer lacks from the peer's bloom filter over every change since
    /// the peer's last summary, which for a peer that stays quiet (a reader)
    /// is the whole history, at every broadcast. Profiled on 100 editors of
    /// one document: ~78 % of the server's CPU, seconds per broadcast.
    ///
    /// For a peer in the steady state — it told us its heads, we have all of
    /// them, it needs nothing, it applies what it receives, and we hold none
    /// of its changes back — what it lacks is exactly the changes its heads
    /// do not cover (a document holding a change holds its ancestors), less
    /// those already on their way (`sent_hashes`): found from the
    /// document's per-actor sequence clock, in time proportional to what it
    /// lacks. The message is the one automerge would build for that peer —
    /// our heads, the same flags and version, the same state updates and
    /// the same "nothing to say" rule — except that a bloom filter's false
    /// positive never withholds a change, and what we have is said from the
    /// fresh changes' base when the peer was complete at it (that base, and
    /// a filter of the fresh changes: the same set as automerge's shared
    /// heads and filter of everything since, hashed in time proportional to
    /// the batch, not to how far the peer lags). A peer in any other state
    /// gets exactly [`Self::generate`]. `core/tests/integration/sync_relay.rs` checks convergence on
    /// random sessions; `cargo bench -p folio-core --bench relay` measures it.
    pub fn generate_pushing(&mut self, doc: &Automerge, fresh: &Fresh<'_>) -> Option<Vec<u8>> {
        match self.steady_message(doc, fresh) {
            Steady::Message(m) => Some(m.encode()),
            Steady::Nothing => None,
            Steady::Unsettled => self.generate(doc),
        }
    }

    fn steady_message(&mut self, doc: &Automerge, fresh: &Fresh<'_>) -> Steady {
        use automerge::ReadDoc;
        use automerge::sync::{Capability, Have, Message, MessageFlags, MessageVersion};
        let known = |h: &ChangeHash| has_change(doc, h);
        let st = &self.state;
        let (Some(their_heads), Some(their_need), Some(their_have)) = (&st.their_heads, &st.their_need, &st.their_have) else {
            return Steady::Unsettled;
        };
        let summary_known = their_have.first().is_none_or(|h| h.last_sync.iter().all(known));
        if their_heads.is_empty()
            || !their_need.is_empty()
            || st.peer_read_only
            || st.needs_reset
            || !self.held.is_empty()
            || !summary_known
            || !their_heads.iter().all(known)
        {
            return Steady::Unsettled;
        }
        let our_heads = doc.get_heads();
        // What the peer lacks, in the document's order (dependencies first):
        // among the fresh changes if it was complete before them, otherwise
        // from the document's per-actor sequence clock.
        let shortcut = fresh.base().is_some() && fresh.base() == self.complete_at.as_deref();
        let lacking: Vec<ChangeHash> = if shortcut {
            let lacking: Vec<ChangeHash> = fresh.not_under(their_heads).into_iter().filter(|h| !st.sent_hashes.contains(h)).collect();
            #[cfg(debug_assertions)]
            {
                // Every test (and debug server) checks the shortcut.
                let full: HashSet<ChangeHash> = doc.get_changes_meta(their_heads).into_iter().map(|m| m.hash).filter(|h| !st.sent_hashes.contains(h)).collect();
                assert_eq!(full, lacking.iter().copied().collect::<HashSet<_>>(), "the relay's shortcut missed what a peer lacks");
            }
            lacking
        } else {
            doc.get_changes_meta(their_heads).into_iter().map(|m| m.hash).filter(|h| !st.sent_hashes.contains(h)).collect()
        };
        let heads_unchanged = st.last_sent_heads == our_heads;
        let heads_equal = *their_heads == our_heads;
        if heads_unchanged && st.have_responded && (((heads_equal || st.read_only) && lacking.is_empty()) || st.in_flight) {
            if lacking.is_empty() {
                self.complete_at = Some(our_heads);
            }
            return Steady::Nothing;
        }
        let mut chunks: Vec<Vec<u8>> = Vec::with_capacity(lacking.len());
        for h in &lacking {
            match fresh.bytes(h) {
                Some(bytes) => chunks.push(bytes.to_vec()),
                None => match doc.get_change_by_hash(h) {
                    Some(c) => chunks.push(c.raw_bytes().to_vec()),
                    None => return Steady::Unsettled,
                },
            }
        }
        let v2 = st.their_capabilities.as_ref().is_some_and(|c| c.contains(&Capability::MessageV2));
        let (version, changes) = if v2 {
            let one: Vec<u8> = chunks.concat();
            (MessageVersion::V2, if one.is_empty() { Vec::new() } else { vec![one] })
        } else {
            (MessageVersion::V1, chunks)
        };
        // What we have: everything under `last_sync`, and what the filter
        // names. Automerge says so from the heads it shares with the peer,
        // naming every change since — on a busy document, with peers that
        // lag, thousands of changes hashed into a filter for every peer on
        // every relay. When the peer was complete at the fresh changes' base,
        // it holds the base by the time it reads this message (messages
        // arrive in order), and we have exactly the base's history plus the
        // fresh changes: so the base and a filter of the fresh changes say
        // the same, and the peer sends back exactly what it has and we lack.
        let have = if shortcut && let Some(base) = fresh.base() {
            #[cfg(debug_assertions)]
            {
                let since: HashSet<ChangeHash> = doc.get_changes_meta(base).into_iter().map(|m| m.hash).collect();
                assert_eq!(since, fresh.hashes().copied().collect::<HashSet<_>>(), "the fresh changes are not all we have beyond their base");
            }
            Have { last_sync: base.to_vec(), bloom: sync::BloomFilter::from_hashes(fresh.hashes()) }
        } else {
            let since_shared: Vec<ChangeHash> = doc.get_changes_meta(&st.shared_heads).into_iter().map(|m| m.hash).collect();
            Have { last_sync: st.shared_heads.clone(), bloom: sync::BloomFilter::from_hashes(since_shared.iter()) }
        };
        let have = vec![have];
        let mut flags = MessageFlags::new();
        flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
        if st.read_only {
            flags.set(MessageFlags::READ_ONLY);
        }
        let st = &mut self.state;
        st.have_responded = true;
        st.last_sent_heads.clone_from(&our_heads);
        st.sent_hashes.extend(lacking.iter().copied());
        st.in_flight = true;
        self.complete_at = Some(our_heads.clone());
        Steady::Message(Message { heads: our_heads, need: Vec::new(), have, changes: changes.into(), flags: Some(flags), version })
    }

    /// The next sync message, not yet encoded (see [`Self::generate`]).
    fn message(&mut self, doc: &Automerge) -> Option<sync::Message> {
        let mut message = doc.generate_sync_message(&mut self.state)?;
        if !self.held.is_empty() && !self.state.read_only {
            let their: Vec<ChangeHash> = self.state.their_heads.iter().flatten().copied().collect();
            let need = self.held.missing(doc, their.iter().copied());
            let their: HashSet<ChangeHash> = their.into_iter().collect();
            if !need.iter().all(|h| their.contains(h)) {
                message.have = Vec::new();
            }
            message.need = need;
        }
        Some(message)
    }

    /// Record a received message whose changes the caller has already
    /// guarded and applied to `doc` (or which carried none). The changes are
    /// stripped first, so this never modifies `doc`; it only updates what we
    /// know of the peer (heads, needs, bloom, capabilities).
    ///
    /// This is automerge's `receive_sync_message` for a message without
    /// changes (automerge 0.12, `receive_sync_message_inner`), step for step,
    /// except one: trimming `sent_hashes` to what the peer has not seen.
    /// Automerge walks every ancestor of the peer's heads — the whole history,
    /// for every message, even when nothing was sent — which on a busy
    /// document (100 peers announcing their heads after each relay, thousands
    /// of changes) was the largest cost left after the relay itself. Here a
    /// sent change the peer's heads cover is found from the vector clocks of
    /// the changes committed lately (`ancestry`, see [`Ancestry`]), a lookup
    /// per sent change; a change outside that window stays until more than
    /// `TRIM_SENT_AT` are left, when the document's per-actor sequence clock
    /// (`get_changes_meta`) settles them all. Until then `sent_hashes` may name
    /// changes the peer already has, which only keeps them from being sent
    /// again — and a peer that lost them says so (a reset, or empty heads),
    /// which clears them as in automerge. A test compares the resulting state
    /// with automerge's.
    ///
    /// `before`: the document's heads before this message's changes were
    /// applied (for a message without changes, its heads now): what the
    /// message brought advances the heads both sides share, as in automerge.
    pub fn record_received(&mut self, doc: &Automerge, incoming: IncomingSync, before: &[ChangeHash], ancestry: Option<&Ancestry>) -> Result<(), SyncError> {
        let carried = incoming.has_changes();
        let message = incoming.without_changes();
        let starts_over = message.heads.is_empty() || message.flags.is_some_and(|f| f.contains(sync::MessageFlags::SYNC_RESET));
        if starts_over {
            self.complete_at = None;
        }
        let known_heads = record_without_changes(&mut self.state, doc, message, carried.then_some(before));
        self.trim_sent(doc, &known_heads, ancestry);
        Ok(())
    }

    /// Forgets the sent changes that `heads` (the peer's, all in `doc`)
    /// cover: those in `ancestry`'s window at once, the others once more than
    /// `TRIM_SENT_AT` of them have piled up since the last time automerge
    /// was asked (see [`Self::record_received`]).
    fn trim_sent(&mut self, doc: &Automerge, heads: &[ChangeHash], ancestry: Option<&Ancestry>) {
        let sent = &mut self.state.sent_hashes;
        if sent.is_empty() || heads.is_empty() {
            return;
        }
        let outside = match ancestry.and_then(|a| Some((a, a.clock(heads)?))) {
            Some((ancestry, clock)) => {
                let mut outside = 0;
                sent.retain(|h| match ancestry.covers(&clock, h) {
                    Some(covered) => !covered,
                    None => {
                        outside += 1;
                        true
                    }
                });
                outside
            }
            None => sent.len(),
        };
        if outside > self.untrimmed_allowance {
            let unseen: HashSet<ChangeHash> = doc.get_changes_meta(heads).into_iter().map(|m| m.hash).collect();
            sent.retain(|h| unseen.contains(h));
            self.untrimmed_allowance = sent.len() + TRIM_SENT_AT;
        }
    }

    /// The document heads up to which the peer has, or has been sent, every
    /// change, when known (see [`Self::generate_pushing`]).
    pub fn complete_at(&self) -> Option<&[ChangeHash]> {
        self.complete_at.as_deref()
    }

    /// Changes the peer itself sent were applied, taking the document's
    /// heads from `before` to `after` (the client's side: everything the
    /// server sends, it holds). If the peer held, or had been sent,
    /// everything up to `before`, it now holds everything up to `after`:
    /// the next relay of local changes can take the shortcut.
    pub fn peer_sent(&mut self, before: &[ChangeHash], after: &[ChangeHash]) {
        if self.complete_at.as_deref() == Some(before) {
            self.complete_at = Some(after.to_vec());
        }
    }

    /// The peer's changes were refused: forget the exchange so we neither ask
    /// for the refused hashes again nor assume the peer has them. A Folio peer
    /// resets its side on `folio-rejected`; both then start afresh. Held
    /// changes stay (take out those that build on refused ones with
    /// [`Self::purge_dependents`] first).
    pub fn refuse(&mut self) {
        let read_only = self.state.read_only;
        self.complete_at = None;
        self.state = sync::State::new();
        self.state.read_only = read_only;
    }

    /// The underlying automerge state (for persistence of `shared_heads`).
    pub fn state(&self) -> &sync::State {
        &self.state
    }
}

/// `receive_sync_message` of a message without changes (see
/// [`DocPeerSync::record_received`]).
///
/// `carried`: the message carried changes, already applied by the caller to
/// a document whose heads were these. Automerge then advances the shared
/// heads by what they brought and leaves `last_sent_heads` alone, so the
/// next message to the peer names the new heads: the sender's
/// acknowledgement.
fn record_without_changes(state: &mut sync::State, doc: &Automerge, message: sync::Message, carried: Option<&[ChangeHash]>) -> Vec<ChangeHash> {
    use automerge::sync::{Capability, MessageFlags};
    let known = |h: &ChangeHash| has_change(doc, h);
    state.in_flight = false;
    let sync::Message { heads, need, have, flags, .. } = message;
    if let Some(flags) = flags {
        let mut caps = vec![Capability::MessageV2];
        if flags.contains(MessageFlags::SUPPORTS_SYNC_RESET) {
            caps.push(Capability::SyncReset);
        }
        state.their_capabilities = Some(caps);
        if flags.contains(MessageFlags::SYNC_RESET) {
            state.sent_hashes.clear();
        }
        state.peer_read_only = flags.contains(MessageFlags::READ_ONLY);
    }
    let now = doc.get_heads();
    if let Some(before) = carried
        && !state.read_only
    {
        // automerge's `advance_heads`: heads the changes added, and shared
        // heads that are still heads.
        let mut shared: Vec<ChangeHash> = now
            .iter()
            .filter(|h| !before.contains(h))
            .chain(state.shared_heads.iter().filter(|h| now.contains(h)))
            .copied()
            .collect();
        shared.sort();
        shared.dedup();
        state.shared_heads = shared;
    }
    let known_heads: Vec<ChangeHash> = heads.iter().copied().filter(known).collect();
    if carried.is_none() && heads == now {
        state.last_sent_heads.clone_from(&heads);
    }
    if known_heads.len() == heads.len() {
        state.shared_heads.clone_from(&heads);
        if heads.is_empty() {
            // The peer lost everything: start over.
            state.last_sent_heads = Vec::new();
            state.sent_hashes = Default::default();
        }
    } else {
        let mut shared: Vec<ChangeHash> = state.shared_heads.iter().chain(known_heads.iter()).copied().collect();
        shared.sort();
        shared.dedup();
        state.shared_heads = shared;
    }
    state.their_have = Some(have);
    state.their_heads = Some(heads);
    state.their_need = Some(need);
    known_heads
}
