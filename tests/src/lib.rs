//! Helpers shared by Folio's cross-crate tests.
