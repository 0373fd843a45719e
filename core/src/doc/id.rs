//! Document ids in automerge-repo's format.
//!
//! An automerge-repo document id is 16 random bytes, written as base58check
//! (base58 of the bytes followed by the first four bytes of their double
//! SHA-256), and a document URL is that string behind `automerge:`. Using the
//! same format means an unmodified automerge-repo client can name, request and
//! sync a Folio document.
//!
//! The core is sans-IO, so it never draws randomness itself: the caller passes
//! the 16 bytes (`crypto.getRandomValues` in the browser, the OS generator on
//! the server, fixed bytes in tests).
//!
//! ```
//! use folio_core::doc::DocumentId;
//! let id: DocumentId = "automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu".parse().unwrap();
//! assert_eq!(id.to_url(), "automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu");
//! assert_eq!(DocumentId::from_bytes(*id.as_bytes()), id);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The prefix of an automerge-repo document URL.
pub const URL_PREFIX: &str = "automerge:";

/// A document id: 16 bytes, shown as an `automerge:` URL.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId([u8; 16]);

/// Why a string is not a document id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    /// The string is not base58check (bad alphabet or checksum).
    #[error("`{0}` is not a base58check document id; copy the whole `automerge:` URL")]
    Encoding(String),
    /// The decoded payload is not 16 bytes.
    #[error("`{input}` decodes to {len} bytes, a document id has 16")]
    Length {
        /// The offending input.
        input: String,
        /// How many bytes it decoded to.
        len: usize,
    },
}

impl DocumentId {
    /// The id made of these 16 bytes (the caller supplies the randomness).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        DocumentId(bytes)
    }

    /// The raw 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The bare base58check id, as automerge-repo's `DocumentId` string.
    pub fn encoded(&self) -> String {
        bs58::encode(self.0).with_check().into_string()
    }

    /// The `automerge:` URL.
    pub fn to_url(&self) -> String {
        format!("{URL_PREFIX}{}", self.encoded())
    }

    /// Parse either an `automerge:` URL or a bare base58check id.
    pub fn parse(input: &str) -> Result<Self, DocumentIdError> {
        let bare = input.strip_prefix(URL_PREFIX).unwrap_or(input);
        // automerge-repo URLs may carry `#heads`; a document id never does.
        let bytes = bs58::decode(bare)
            .with_check(None)
            .into_vec()
            .map_err(|_| DocumentIdError::Encoding(input.to_owned()))?;
        let len = bytes.len();
        let arr: [u8; 16] = bytes.try_into().map_err(|_| DocumentIdError::Length {
            input: input.to_owned(),
            len,
        })?;
        Ok(DocumentId(arr))
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentId::parse(s)
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_url())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({})", self.to_url())
    }
}

impl Serialize for DocumentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_url())
    }
}

impl<'de> Deserialize<'de> for DocumentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DocumentId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automerge_repo_example_url_round_trips() {
        let id = DocumentId::parse("automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu").unwrap();
        assert_eq!(id.encoded(), "4NMNnkMhL8jXrdJ9jamS58PAVdXu");
        assert_eq!(DocumentId::parse("4NMNnkMhL8jXrdJ9jamS58PAVdXu").unwrap(), id);
    }

    #[test]
    fn bad_checksum_and_wrong_length_are_refused() {
        assert!(matches!(
            DocumentId::parse("automerge:badbadbad"),
            Err(DocumentIdError::Encoding(_))
        ));
        let short = bs58::encode([1u8, 2, 3]).with_check().into_string();
        assert!(matches!(
            DocumentId::parse(&short),
            Err(DocumentIdError::Length { len: 3, .. })
        ));
    }

    #[test]
    fn bytes_print_and_parse_back() {
        let id = DocumentId::from_bytes([7; 16]);
        assert_eq!(id.to_url().parse::<DocumentId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<DocumentId>(&json).unwrap(), id);
    }
}
