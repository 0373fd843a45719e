//! Read-side decisions for one peer: may it read a document, in which mode,
//! and the policy snapshot it is sent.

use folio_core::access::feedback::FeedbackEntry;
use folio_core::access::{Engine, Principal, UserId};
use folio_core::sync::SyncMode;
use folio_core::time::Timestamp;

use crate::storage::{DocumentRecord, DocumentRole};

fn user_of(key: &str) -> UserId {
    UserId::new(key.strip_prefix("user:").unwrap_or(""))
}

/// Whether `principal` may read the document at `now`. A feedback document
/// also needs the hide-feedback rule to let its author's thread through.
pub fn may_read(engine: &Engine, principal: &Principal, record: &DocumentRecord, now: Timestamp) -> bool {
    if !engine.can_read(principal, &record.node, now) {
        return false;
    }
    match &record.role {
        DocumentRole::Feedback { author, opener, .. } => {
            let entry = FeedbackEntry { author: user_of(author), thread_starter: user_of(opener) };
            engine.feedback_visible(principal, &record.node, &entry, now)
        }
        _ => true,
    }
}

/// Read-only (automerge's read-only sync state: the peer is told not to send
/// changes) when nothing the principal holds in this portfolio goes beyond
/// Read; otherwise read-write, and the guard judges every change. Asked of
/// the engine's subject index ([`Engine::holds_above_read`] on the portfolio
/// root), not by building a policy snapshot.
pub fn mode(engine: &Engine, principal: &Principal, record: &DocumentRecord, now: Timestamp) -> SyncMode {
    let within = engine.portfolio_of(&record.node).unwrap_or(&record.node);
    if engine.holds_above_read(principal, within, now) {
        SyncMode::ReadWrite
    } else {
        SyncMode::ReadOnly
    }
}
