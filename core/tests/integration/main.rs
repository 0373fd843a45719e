//! The core crate from outside, through its public API only: the access
//! engine against worked cases, a reference model and a pinned corpus; the
//! documents and their typed edits; the guard; and the sync protocol's
//! machines talking through the real codec.
//!
//! One test binary with a module per topic rather than one per file, so a
//! clean build links it once.

mod access_corpus;
mod access_grant_edits;
mod access_moves;
mod access_properties;
mod access_snapshots;
mod access_worked_cases;
mod doc;
mod doc_edits;
mod doc_large;
mod guard;
mod sync_captured;
mod sync_holdback;
mod sync_relay;
mod sync_session;
mod sync_wire;
