//! Identifiers that travel on the wire: document ids and peer ids.
//!
//! A document id is the automerge-repo one: 16 random bytes, written as a
//! base58check string (`bs58check`, Bitcoin alphabet, 4-byte double-SHA-256
//! checksum). The URL form adds the `automerge:` prefix; the wire form does
//! not. [`DocumentId::from_str`](std::str::FromStr) accepts both, and
//! [`DocumentId`]'s `Display` writes the wire form.
//!
//! ```
//! use folio_core::sync::DocumentId;
//! let id = DocumentId::from_bytes([7; 16]);
//! let wire = id.to_string();
//! assert_eq!(wire.parse::<DocumentId>().unwrap(), id);
//! assert_eq!(id.to_url().parse::<DocumentId>().unwrap(), id);
//! ```

use std::fmt;
use std::str::FromStr;

use super::error::WireError;

/// The `automerge:` URL scheme prefix of automerge-repo document URLs.
pub const URL_PREFIX: &str = "automerge:";

/// An automerge-repo document id: 16 bytes, shown as base58check.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    /// Wrap 16 bytes (normally random ones, drawn by the caller).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        DocumentId(bytes)
    }

    /// The 16 raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:…` URL of this document.
    pub fn to_url(&self) -> String {
        format!("{URL_PREFIX}{self}")
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = WireError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bare = s.strip_prefix(URL_PREFIX).unwrap_or(s);
        let invalid = || WireError::InvalidDocumentId { id: truncate(s) };
        let bytes = bs58::decode(bare)
            .with_check(None)
            .into_vec()
            .map_err(|_| invalid())?;
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| invalid())?;
        Ok(DocumentId(bytes))
    }
}

impl TryFrom<&[u8]> for DocumentId {
    type Error = WireError;

    /// Legacy binary form (a raw 16-byte CBOR byte string).
    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        let arr: [u8; 16] = bytes.try_into().map_err(|_| WireError::InvalidDocumentId {
            id: format!("<{} bytes>", bytes.len()),
        })?;
        Ok(DocumentId(arr))
    }
}

/// A peer id as automerge-repo uses it: an opaque string chosen by the peer
/// (`peer-…`, a storage id, anything). The server chooses its own.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(String);

impl PeerId {
    /// Wrap a string as a peer id.
    pub fn new(id: impl Into<String>) -> Self {
        PeerId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerId({:?})", self.0)
    }
}

impl From<&str> for PeerId {
    fn from(s: &str) -> Self {
        PeerId(s.to_owned())
    }
}

impl From<String> for PeerId {
    fn from(s: String) -> Self {
        PeerId(s)
    }
}

/// Shorten untrusted input before quoting it in an error message.
pub(crate) fn truncate(s: &str) -> String {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
