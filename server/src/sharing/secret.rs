//! Bearer secrets of links, invitations and API tokens: 256 random bits,
//! base64url, with a prefix that says what they open (`fl_` share link,
//! `fi_` invitation, `ft_` API token). Only their SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::secret::Secret;
use crate::storage::TokenHash;

/// What a bearer secret opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A share link.
    Link,
    /// An invitation.
    Invitation,
    /// An API token.
    Api,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Link => "fl_",
            Kind::Invitation => "fi_",
            Kind::Api => "ft_",
        }
    }
}

/// A fresh secret of `kind`: shown once, then only its hash is kept.
pub fn generate(kind: Kind) -> Secret<String> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    Secret::new(format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes)))
}

/// A short random public handle (16 bytes, base64url): ids of links and tokens.
pub fn handle() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Which kind a presented secret claims to be, if it is well-formed.
pub fn kind_of(raw: &str) -> Option<Kind> {
    let body_ok = |b: &str| b.len() == 43 && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    [Kind::Link, Kind::Invitation, Kind::Api]
        .into_iter()
        .find(|k| raw.strip_prefix(k.prefix()).is_some_and(body_ok))
}

/// The stored hash of a secret.
pub fn hash(raw: &str) -> TokenHash {
    TokenHash(Sha256::digest(raw.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_256_random_bits_and_their_kind() {
        let a = generate(Kind::Link);
        let b = generate(Kind::Link);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(kind_of(a.expose()), Some(Kind::Link));
        assert_eq!(kind_of(generate(Kind::Api).expose()), Some(Kind::Api));
        assert_eq!(kind_of("fl_short"), None);
        assert_eq!(kind_of("zz_"), None);
        assert_ne!(hash(a.expose()), hash(b.expose()));
    }
}
