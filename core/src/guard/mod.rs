//! The change guard: decides every incoming edit before it is accepted.
//!
//! Browsers edit Automerge documents freely; the server must refuse every
//! change its author was not allowed to make *before* the change becomes part
//! of the authoritative document, using the same [access engine](crate::access)
//! the browser used to pre-check it. [`guard`] does that for a batch of
//! changes (or [`guard_chunk`] for raw bytes — a saved document, a V2 sync
//! message's whole-document chunk — which are unpacked and judged change by
//! change, never trusted as a whole).
//!
//! # How a change is judged
//!
//! Changes already in the document are skipped; the rest are put in causal
//! order. Then, for each change:
//!
//! 1. **Dependencies.** A change that depends on a refused change is refused
//!    too (Automerge's hash DAG makes "depends" exact), and so is one whose
//!    dependencies the server has never seen.
//! 2. **Authorship.** Its actor must belong to the sending principal (see
//!    [`actor`]: an actor id starts with the sender's
//!    tag), so nobody can send a change under someone else's actor.
//! 3. **Effect.** It is applied with patch logging, and every resulting patch
//!    is placed in the document's shape ([`schema`]) and
//!    mapped to *(node, action)* — "create a child in section S", "write node
//!    T", "delete node U", "comment on anchor A", "hide an entry (Manage)".
//!    Each pair is checked with the engine at `now`. Nodes the engine does not
//!    know yet (created in the document moments ago) are judged by their
//!    nearest known ancestor, following the document's parent links.
//! 4. **Feedback rules.** A feedback document accepts changes only from its
//!    author, except the `hidden` flag that someone with Manage on the anchor
//!    may set; author, role and organisation are written once, at creation,
//!    and must equal what the server knows of the principal; a hide-feedback
//!    visitor may only contribute to threads they can see (opened by
//!    themself or by the owner).
//! 5. **Schema.** Everything the change touched is validated (known keys,
//!    types, text where text belongs, parent links without cycles, safe links,
//!    known marks and block types).
//!
//! # The fork, and speed
//!
//! DESIGN.md asks that a change be judged on a fork before it touches the
//! authoritative document. Cloning a large document for every keystroke would
//! cost more than the edit, so the fork is logical: the guard takes the
//! document by `&mut` — nobody else can observe it meanwhile — applies each
//! change, and if one is refused it rebuilds the document from the
//! previously accepted changes before going on. When `guard` returns, the
//! document holds exactly its old state plus the accepted changes, and the
//! caller may persist and broadcast those. Rejections are rare (an attack, an
//! expired grant), so the common path pays only for patch logging and the
//! checks.
//!
//! Patches describe *visible* effects. An operation that changes nothing
//! visible (text typed into an object that a concurrent change deleted) is not
//! judged, because it can never become visible: Automerge cannot resurrect a
//! deleted object. A concurrent write that loses a conflict shows up as a
//! `Conflict` patch and is judged like the write it is.
//!
//! # Typing
//!
//! Most changes are keystrokes, and for those Automerge's patches cost more
//! than the check itself (each patch's path from the root is rebuilt by
//! listing the maps above it, the whole `nodes` map of a page included). A
//! change that only inserts one run of characters into a visible node's
//! `text`, or only deletes visible characters from it, is therefore judged
//! from its operations (the `typing` module's docs
//! say why that asks exactly what the patches would, and the tests compare
//! both on random edits): the same `Write` check, before the change is
//! applied; a refusal always goes the general way, for its reasons and
//! refused text. [`guard_cached`] also keeps, in a [`GuardCache`], where the
//! text being typed into is, valid while the document's heads are the ones
//! it was found at, so a typing session pays for that lookup once. `guard`
//! is `guard_cached` with a fresh cache. [`guard_senders`] judges several
//! senders' messages in one call, applying consecutive permitted keystrokes
//! of different people together, with the verdicts of one call per message
//! (the `senders` module says why they are the same).
//!
//! # What the client gets back
//!
//! The [`Verdict`] lists each new change as accepted or rejected with
//! [`Reason`]s in plain words, and for rejected changes the text that was
//! refused (inserted characters and new titles), so the browser can keep the
//! refused edits aside for their author after reloading from the server's
//! heads ([`Verdict::heads`]).

mod refused;
mod rules;
mod senders;
mod typing;

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash, PatchLog};

/// Whether the document holds a change (a hash-graph lookup).
use crate::sync::has_change as known;
use serde::Serialize;

use crate::access::{Engine, Principal};
use crate::doc::{Author, DocPatch, actor, schema};
use crate::time::Timestamp;

pub use rules::principal_key;
pub use senders::{Message, guard_senders};

/// Who is sending, and what the server knows about them.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    /// The authenticated principal.
    pub principal: &'a Principal,
    /// Display name, role and organisation as the server knows them; feedback
    /// documents must carry exactly these. `None` for principals that cannot
    /// write feedback under a name (links, anonymous).
    pub profile: Option<&'a Author>,
}

/// The outcome for one change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Outcome {
    /// Accepted: it is now part of the document.
    Accepted {
        /// What it changed, for views and for updating the server's node tree.
        patches: Vec<DocPatch>,
    },
    /// Refused: it is not in the document.
    Rejected {
        /// Why, in plain words.
        reasons: Vec<Reason>,
        /// Text the change would have added, to give back to its author.
        refused_text: Vec<RefusedText>,
    },
}

/// The verdict on one change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeVerdict {
    /// The change's hash (hex in JSON).
    #[serde(serialize_with = "ser_hash")]
    pub hash: ChangeHash,
    /// Accepted or rejected.
    #[serde(flatten)]
    pub outcome: Outcome,
}

fn ser_hash<S: serde::Serializer>(h: &ChangeHash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&h.to_string())
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The category, for programs.
    pub kind: ReasonKind,
    /// The node concerned, if any.
    pub node: Option<String>,
    /// A sentence for people.
    pub message: String,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Categories of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// The access engine said no.
    Forbidden,
    /// The change was made under an actor that is not the sender's.
    ForeignActor,
    /// A feedback document written by someone other than its author, or an
    /// author, role or organisation that is not the sender's.
    Authorship,
    /// The result would break the schema.
    Schema,
    /// A field that never changes after creation.
    Immutable,
    /// Depends on a refused change.
    DependsOnRejected,
    /// Depends on a change the server does not have.
    MissingDependency,
    /// Automerge could not apply it.
    Malformed,
}

/// Text a refused change would have added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedText {
    /// The node (or feedback entry) it was for, when known.
    pub node: Option<String>,
    /// The field (`text`, `title`, `body`…), when known.
    pub field: Option<String>,
    /// The characters.
    pub text: String,
}

/// The verdict on a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// One entry per new change, in the order they were judged (causal order).
    pub changes: Vec<ChangeVerdict>,
    /// The document's heads afterwards, for the client to reload from.
    #[serde(serialize_with = "ser_hashes")]
    pub heads: Vec<ChangeHash>,
}

fn ser_hashes<S: serde::Serializer>(h: &[ChangeHash], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(h.iter().map(|h| h.to_string()))
}

impl Verdict {
    /// Whether every change was accepted.
    pub fn all_accepted(&self) -> bool {
        self.changes.iter().all(|c| matches!(c.outcome, Outcome::Accepted { .. }))
    }

    /// Hashes of accepted changes.
    pub fn accepted(&self) -> Vec<ChangeHash> {
        self.changes.iter().filter(|c| matches!(c.outcome, Outcome::Accepted { .. })).map(|c| c.hash).collect()
    }

    /// Hashes of rejected changes.
    pub fn rejected(&self) -> Vec<ChangeHash> {
        self.changes.iter().filter(|c| matches!(c.outcome, Outcome::Rejected { .. })).map(|c| c.hash).collect()
    }

    /// The verdict on one change.
    pub fn get(&self, hash: &ChangeHash) -> Option<&ChangeVerdict> {
        self.changes.iter().find(|c| c.hash == *hash)
    }

    /// All refusal reasons of one change (empty if accepted or unknown).
    pub fn reasons(&self, hash: &ChangeHash) -> &[Reason] {
        match self.get(hash).map(|c| &c.outcome) {
            Some(Outcome::Rejected { reasons, .. }) => reasons,
            _ => &[],
        }
    }

    /// All refused text of one change.
    pub fn refused_text(&self, hash: &ChangeHash) -> &[RefusedText] {
        match self.get(hash).map(|c| &c.outcome) {
            Some(Outcome::Rejected { refused_text, .. }) => refused_text,
            _ => &[],
        }
    }
}

/// The text `change` would add (inserted characters, new titles), read from
/// its operations and placed at nodes through `doc`, a document that holds
/// the change. The browser uses it to hand refused edits back to their author
/// after a `folio-rejected`, with the same words the server's guard found.
pub fn text_of_change(doc: &Automerge, change: &Change) -> Vec<RefusedText> {
    refused::text_of(doc, change)
}

/// Why bytes could not be judged at all.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The bytes are not an Automerge document or change.
    #[error("the chunk is not an automerge document or change ({0}); send changes or a saved document")]
    Chunk(#[from] automerge::AutomergeError),
}

/// Judge `incoming` changes from `sender` against `doc` at `now`, applying
/// the accepted ones to `doc`.
///
/// `doc` must be the authoritative document (possibly empty, when the first
/// change creates it); `engine` holds the current tree and grants.
pub fn guard(doc: &mut Automerge, incoming: Vec<Change>, sender: Sender<'_>, engine: &Engine, now: Timestamp) -> Verdict {
    guard_cached(&mut GuardCache::default(), doc, incoming, sender, engine, now)
}

/// What [`guard_cached`] remembers between calls on one document: where the
/// text being typed into is, as found at the document's current heads (see
/// the module docs, "Typing"). It holds no decision — every change is still
/// checked with the engine at its `now` — and it is trusted only while the
/// document's heads are exactly the ones it was found at, so using it with
/// another document, or after other changes, only costs a lookup.
#[derive(Debug, Clone, Default)]
pub struct GuardCache {
    place: Option<typing::Place>,
}

/// [`guard`], remembering in `cache` what makes the next keystroke on the
/// same document cheaper to judge. Same verdicts as [`guard`].
pub fn guard_cached(
    cache: &mut GuardCache,
    doc: &mut Automerge,
    incoming: Vec<Change>,
    sender: Sender<'_>,
    engine: &Engine,
    now: Timestamp,
) -> Verdict {
    run(cache, doc, incoming, sender, engine, now, true)
}

/// The guard; `typing` off judges every change from its patches (the tests
/// compare both ways).
fn run(
    cache: &mut GuardCache,
    doc: &mut Automerge,
    incoming: Vec<Change>,
    sender: Sender<'_>,
    engine: &Engine,
    now: Timestamp,
    typing: bool,
) -> Verdict {
    let key = principal_key(sender.principal);
    let checker = engine.checker(sender.principal);
    let ctx = rules::Ctx { engine, checker: &checker, sender, key: &key, now };

    // New changes only, each once, in causal order.
    let mut seen = HashSet::new();
    let fresh: Vec<Change> = incoming
        .into_iter()
        .filter(|c| seen.insert(c.hash()) && !known(doc, &c.hash()))
        .collect();
    let ordered = causal_order(fresh);
    let batch: HashSet<ChangeHash> = ordered.iter().map(|c| c.hash()).collect();

    // The document's kind, read once and again only after a change that may
    // have set it (the first, creating one); rollbacks restore the old state.
    let mut kind = match &cache.place {
        Some(p) if p.heads == doc.get_heads() => Some(p.kind),
        _ => schema::kind_of(doc),
    };
    let mut verdicts = Vec::with_capacity(ordered.len());
    let mut rejected: HashSet<ChangeHash> = HashSet::new();
    let mut next = 0;
    while next < ordered.len() {
        // A burst of permitted typing is applied in one go (`typing`, "Bursts").
        if typing && next + 1 < ordered.len() {
            let accepted = burst(&ctx, cache, doc, kind, &ordered[next..], &rejected, &batch, &key);
            if !accepted.is_empty() {
                next += accepted.len();
                verdicts.extend(accepted);
                continue;
            }
        }
        let change = ordered[next].clone();
        next += 1;
        let hash = change.hash();
        let reject = |reasons: Vec<Reason>, doc: &Automerge, change: &Change| ChangeVerdict {
            hash,
            outcome: Outcome::Rejected { reasons, refused_text: refused::text_of(doc, change) },
        };
        // 1. dependencies
        if let Some(dep) = change.deps().iter().find(|d| rejected.contains(*d)) {
            rejected.insert(hash);
            let r = Reason {
                kind: ReasonKind::DependsOnRejected,
                node: None,
                message: format!("it builds on change {} which was refused", short(dep)),
            };
            verdicts.push(reject(vec![r], doc, &change));
            continue;
        }
        if let Some(dep) = change.deps().iter().find(|d| !batch.contains(*d) && !known(doc, d)) {
            rejected.insert(hash);
            let r = Reason {
                kind: ReasonKind::MissingDependency,
                node: None,
                message: format!("it builds on change {} which the server does not have; sync again", short(dep)),
            };
            verdicts.push(reject(vec![r], doc, &change));
            continue;
        }
        // 2. authorship of the actor
        if !actor::belongs_to(change.actor_id(), &key) {
            rejected.insert(hash);
            let r = Reason {
                kind: ReasonKind::ForeignActor,
                node: None,
                message: "it was made under an editing identity (actor) that is not yours; reload and edit again".to_owned(),
            };
            verdicts.push(reject(vec![r], doc, &change));
            continue;
        }
        // 3-5. apply and judge the effect: typing on the fast path when it
        // qualifies and is permitted (see `typing`), otherwise from patches.
        let before = doc.get_heads();
        let typed = if typing { typing::plan(&ctx, doc, kind, &before, cache.place.as_ref(), &change, &|_| None) } else { None };
        let outcome = match typed {
            Some(typing) => match doc.apply_changes([change.clone()]) {
                Err(e) => Err(malformed(&e)),
                Ok(()) => {
                    let (patches, place) = typing.applied(doc, &before);
                    cache.place = Some(place);
                    Ok(patches)
                }
            },
            None => {
                // Whatever happens next (a write to a map, a rollback that
                // rebuilds the document), forget the place.
                cache.place = None;
                let mut log = PatchLog::active();
                match doc.apply_changes_log_patches([change.clone()], &mut log) {
                    Err(e) => Err(malformed(&e)),
                    Ok(()) => {
                        let patches = doc.make_patches(&mut log);
                        let judged = rules::judge(&ctx, doc, &before, kind, &patches);
                        if judged.is_ok() {
                            // The change may have created the document.
                            kind = schema::kind_of(doc);
                        }
                        judged
                    }
                }
            }
        };
        match outcome {
            Ok(patches) => verdicts.push(ChangeVerdict { hash, outcome: Outcome::Accepted { patches } }),
            Err((reasons, mut refused_text)) => {
                rejected.insert(hash);
                cache.place = None;
                rollback(doc, &hash);
                if refused_text.is_empty() {
                    refused_text = refused::text_of(doc, &change);
                }
                verdicts.push(ChangeVerdict { hash, outcome: Outcome::Rejected { reasons, refused_text } });
            }
        }
    }
    Verdict { changes: verdicts, heads: doc.get_heads() }
}

/// The longest run (two or more) of `changes`, from the first, that takes
/// the typing path with nothing to refuse — dependencies present and not
/// refused, the sender's own actor, a permitted run of characters planned
/// against the document as it is — applied in one `apply_changes`, with each
/// change's verdict. Empty when there is no such run of two, or when
/// automerge would not apply it (rolled back: the changes are then judged one
/// by one, which reports why).
#[allow(clippy::too_many_arguments, reason = "the guard loop's state, passed once")]
fn burst(
    ctx: &rules::Ctx<'_>,
    cache: &mut GuardCache,
    doc: &mut Automerge,
    kind: Option<schema::DocKind>,
    changes: &[Change],
    rejected: &HashSet<ChangeHash>,
    batch: &HashSet<ChangeHash>,
    key: &str,
) -> Vec<ChangeVerdict> {
    let heads = doc.get_heads();
    let mut place = cache.place.clone();
    let mut planned = Vec::new();
    for change in changes {
        let deps_ok = change.deps().iter().all(|d| !rejected.contains(d) && (batch.contains(d) || known(doc, d)));
        if !deps_ok || !actor::belongs_to(change.actor_id(), key) {
            break;
        }
        let typed = |id: &_| planned.iter().find_map(|t: &typing::Typing| t.typed_width(id));
        let Some(t) = typing::plan(ctx, doc, kind, &heads, place.as_ref(), change, &typed) else { break };
        if t.deletes_again(&planned) {
            break;
        }
        place = Some(t.place().clone());
        planned.push(t);
    }
    if planned.len() < 2 {
        return Vec::new();
    }
    let taken: Vec<Change> = changes[..planned.len()].to_vec();
    let applied = doc.apply_changes(taken.iter().cloned()).is_ok();
    let done = if applied { typing::burst_applied(planned, doc, &heads) } else { None };
    let Some((patches, place)) = done else {
        cache.place = None;
        for c in taken.iter().rev() {
            if doc.get_change_meta_by_hash(&c.hash()).is_some() {
                rollback(doc, &c.hash());
            }
        }
        return Vec::new();
    };
    cache.place = Some(place);
    taken
        .iter()
        .zip(patches)
        .map(|(c, patches)| ChangeVerdict { hash: c.hash(), outcome: Outcome::Accepted { patches } })
        .collect()
}

fn malformed(e: &automerge::AutomergeError) -> (Vec<Reason>, Vec<RefusedText>) {
    let r = Reason { kind: ReasonKind::Malformed, node: None, message: format!("automerge could not apply it: {e}") };
    (vec![r], Vec::new())
}

/// Judge raw bytes — a saved document, a V2 sync message's document chunk, or
/// concatenated change chunks — exactly like [`guard`], change by change.
pub fn guard_chunk(doc: &mut Automerge, chunk: &[u8], sender: Sender<'_>, engine: &Engine, now: Timestamp) -> Result<Verdict, GuardError> {
    let unpacked = Automerge::load_with_options(
        chunk,
        automerge::LoadOptions::new().on_partial_load(automerge::OnPartialLoad::Error),
    )?;
    let changes: Vec<Change> = unpacked.get_changes(&[]);
    Ok(guard(doc, changes, sender, engine, now))
}

/// Remove an applied change again: rebuild from every other change.
fn rollback(doc: &mut Automerge, bad: &ChangeHash) {
    let keep: Vec<Change> = doc.get_changes(&[]).into_iter().filter(|c| c.hash() != *bad).collect();
    let mut fresh = Automerge::new_with_encoding(doc.text_encoding()).with_actor(doc.get_actor().clone());
    fresh
        .apply_changes(keep)
        .expect("changes that were part of the document apply again");
    *doc = fresh;
}

/// Order changes so every change comes after its dependencies in the batch
/// (stable otherwise).
fn causal_order(changes: Vec<Change>) -> Vec<Change> {
    let index: HashMap<ChangeHash, usize> = changes.iter().enumerate().map(|(i, c)| (c.hash(), i)).collect();
    let mut placed = vec![false; changes.len()];
    let mut order = Vec::with_capacity(changes.len());
    fn visit(i: usize, changes: &[Change], index: &HashMap<ChangeHash, usize>, placed: &mut [bool], order: &mut Vec<usize>) {
        // Iterative DFS to survive long chains.
        let mut stack = vec![(i, 0usize)];
        while let Some((n, d)) = stack.pop() {
            if placed[n] {
                continue;
            }
            let deps = changes[n].deps();
            if d < deps.len() {
                stack.push((n, d + 1));
                if let Some(&j) = index.get(&deps[d])
                    && !placed[j]
                {
                    stack.push((j, 0));
                }
            } else {
                placed[n] = true;
                order.push(n);
            }
        }
    }
    for i in 0..changes.len() {
        visit(i, &changes, &index, &mut placed, &mut order);
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

fn short(h: &ChangeHash) -> String {
    h.to_string()[..12].to_owned()
}
