//! Integration tests: a real `folio` server on port 0 (in-process, or the
//! built binary where a test needs a process to kill) driven over HTTP and
//! websockets by real clients — native sync peers, the wasm client, an
//! unmodified automerge-repo client in Node, an SMTP sink.
//!
//! One test binary with a module per topic, not one binary per file: every
//! integration binary links the whole server, and linking thirty of them cost
//! minutes and gigabytes of disk in every clean build.

mod support;

mod accounts_totp;
mod api_errors;
mod authz_matrix;
mod blobs;
mod documents_portfolios;
mod feedback_authors;
mod feedback_documents;
mod files_attachments;
mod load_smoke;
mod login_throttling;
mod openapi;
mod operations;
mod pages_move;
mod sessions;
mod sharing_access;
mod sharing_invitations;
mod sharing_links;
mod sharing_people;
mod sync_bad_input;
mod sync_interop;
mod sync_origin;
mod sync_out_of_order;
mod sync_sessions;
mod sync_tree;
mod tokens_api;
mod tokens_edits;
mod view_as;
mod wasm_peer;
