//! The `folio` binary as a process: what it prints and how it starts, stops
//! and is configured (`binary`), and that a SIGKILL under load loses no
//! acknowledged change (`crash`). One test binary, linked once.

mod binary;
mod crash;
