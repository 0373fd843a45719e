//! The `folio` binary.
fn main() {
    println!("folio {}", folio_core::VERSION);
}
