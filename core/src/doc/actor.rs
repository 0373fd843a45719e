//! Binding Automerge actors to people.
//!
//! Every Automerge change names the *actor* that made it, and the guard must
//! know which person that is: otherwise anyone could send a change under the
//! owner's actor id and have it judged as the owner's. Folio's rule:
//!
//! > **An actor id is 32 bytes: the 16-byte tag of a principal followed by 16
//! > random bytes for the session.** The tag is the first 16 bytes of
//! > `SHA-256("folio/actor/v1\0" ‖ principal key)`.
//!
//! The server knows who is sending (the authenticated connection), computes
//! that principal's tag and refuses every new change whose actor does not
//! start with it. A forged change reusing the owner's actor therefore fails:
//! its actor carries the *owner's* tag, not the sender's. The tag is public —
//! and need not be secret — because it is only ever compared with the
//! authenticated sender; knowing the owner's tag does not let anyone send as
//! the owner.
//!
//! We chose a derived tag over a server-side registry of actor ids because it
//! needs no state, cannot race (the first change under a fresh actor would
//! otherwise bind it), and is checkable anywhere, including in the browser
//! before sending. The session half keeps two tabs of the same person from
//! colliding (Automerge requires each actor's changes to be sequential). The
//! cost: a client must set its actor (automerge-repo clients do so with
//! `Automerge.clone(doc, { actor })`); a client using a random actor can read
//! but every change it sends is refused with a message saying why.
//!
//! ```
//! use folio_core::doc::actor::{actor_for, belongs_to};
//! let ada = actor_for("user:ada", [7; 16]);
//! assert!(belongs_to(&ada, "user:ada"));
//! assert!(!belongs_to(&ada, "user:eve"));
//! ```

use automerge::ActorId;
use sha2::{Digest, Sha256};

/// Length of the principal tag at the start of an actor id.
pub const TAG_LEN: usize = 16;

/// The tag of a principal: the first 16 bytes of `SHA-256("folio/actor/v1\0" ‖ key)`.
pub fn principal_tag(principal: &str) -> [u8; TAG_LEN] {
    let mut h = Sha256::new();
    h.update(b"folio/actor/v1\0");
    h.update(principal.as_bytes());
    let digest = h.finalize();
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&digest[..TAG_LEN]);
    tag
}

/// The actor id for `principal` in a session identified by 16 random bytes
/// (the caller supplies the randomness).
pub fn actor_for(principal: &str, session: [u8; 16]) -> ActorId {
    let mut bytes = Vec::with_capacity(TAG_LEN + 16);
    bytes.extend_from_slice(&principal_tag(principal));
    bytes.extend_from_slice(&session);
    ActorId::from(bytes)
}

/// Whether `actor` was issued to `principal` under the rule above.
pub fn belongs_to(actor: &ActorId, principal: &str) -> bool {
    let bytes = actor.to_bytes();
    bytes.len() == TAG_LEN + 16 && bytes[..TAG_LEN] == principal_tag(principal)
}

/// The actor to continue with after the server refused this one's changes:
/// the same principal tag (or, for an actor not made by [`actor_for`], the
/// same leading bytes) and a new, deterministic session half derived from the
/// old actor and `generation`. The rebuilt document must not reuse the old
/// actor (its refused changes already used those sequence numbers), and it
/// must still [`belong_to`](belongs_to) the same principal.
///
/// ```
/// use folio_core::doc::actor::{actor_for, belongs_to, successor};
/// let ada = actor_for("user:ada", [7; 16]);
/// let next = successor(&ada, 1);
/// assert!(belongs_to(&next, "user:ada"));
/// assert_ne!(next, ada);
/// assert_ne!(successor(&ada, 2), next);
/// ```
pub fn successor(actor: &ActorId, generation: u32) -> ActorId {
    let bytes = actor.to_bytes();
    let keep = bytes.len().saturating_sub(16);
    let mut h = Sha256::new();
    h.update(b"folio/actor/successor/v1\0");
    h.update(bytes);
    h.update(generation.to_be_bytes());
    let digest = h.finalize();
    let mut next = bytes[..keep].to_vec();
    next.extend_from_slice(&digest[..bytes.len() - keep]);
    ActorId::from(next)
}
