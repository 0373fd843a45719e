//! Read-side decisions for one peer: may it read a document, in which mode,
//! and the policy snapshot it is sent.

use folio_core::access::feedback::FeedbackEntry;
use folio_core::access::{Engine, Level, Principal, UserId};
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
/// Read; otherwise read-write, and the guard judges every change.
pub fn mode(engine: &Engine, principal: &Principal, record: &DocumentRecord, now: Timestamp) -> SyncMode {
    if engine.level(principal, &record.node, now).is_some_and(|l| l > Level::Read) {
        return SyncMode::ReadWrite;
    }
    let snapshot = engine.snapshot_for(principal, now);
    if snapshot.grants.iter().any(|g| g.level > Level::Read && g.in_window(now)) {
        SyncMode::ReadWrite
    } else {
        SyncMode::ReadOnly
    }
}
