//! Folio's build driver.
fn main() {}
