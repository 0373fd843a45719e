//! Values with rules: ids, email addresses, role names, document ids, content
//! hashes and types.
//!
//! Each is a newtype that can only be built valid, so the database never sees a
//! value the server would refuse, and handlers never pass bare strings and
//! integers around.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value given to a record constructor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not a plausible email address.
    #[error("`{0}` is not an email address; expected something like `name@example.org`")]
    Email(String),
    /// Not a role name.
    #[error("`{0}` is not a role name; use 1 to 40 lower-case letters, digits, `-` or `_`")]
    Role(String),
    /// Not a user kind.
    #[error("`{0}` is not a kind of user; expected `member`, `external` or `service`")]
    UserKind(String),
    /// A display name or title that is empty or too long.
    #[error("{what} must be 1 to {max} characters, got {len}")]
    Length {
        /// Which value.
        what: &'static str,
        /// Its length in characters.
        len: usize,
        /// The largest accepted length.
        max: usize,
    },
    /// Not a SHA-256 content hash.
    #[error("`{0}` is not a content hash; expected 64 lower-case hex digits (sha256)")]
    ContentHash(String),
    /// Not a MIME content type.
    #[error("`{0}` is not a content type; expected `type/subtype`, such as `image/png`")]
    ContentType(String),
    /// Not a document id.
    #[error("`{0}` is not a document id; expected 1 to 100 letters, digits, `:`, `-` or `_`")]
    DocumentId(String),
}

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(
    /// A user's row id.
    UserId
);
int_id!(
    /// An organisation's row id.
    OrgId
);
int_id!(
    /// A mail's row id in the outbox.
    MailId
);

/// Checks a short free-text value (names, titles): trimmed, 1..=max characters, no control characters.
pub fn checked_text(what: &'static str, value: &str, max: usize) -> Result<String, ValueError> {
    let value = value.trim();
    let len = value.chars().count();
    if len == 0 || len > max || value.chars().any(char::is_control) {
        return Err(ValueError::Length { what, len, max });
    }
    Ok(value.to_owned())
}

/// An email address, trimmed and lower-cased.
///
/// ```
/// use folio_server::storage::Email;
/// assert_eq!(Email::parse(" Ada@Example.ORG ").unwrap().as_str(), "ada@example.org");
/// assert!(Email::parse("not an address").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address. Deliberately permissive beyond
    /// `local@domain.tld` shape: the mail server is the final judge.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let value = raw.trim().to_lowercase();
        let bad = || ValueError::Email(raw.to_owned());
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || domain.contains('@') || !domain.contains('.') {
            return Err(bad());
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(bad());
        }
        Ok(Email(value))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of a role, in an organisation or in a portfolio (`teacher`, `peer`, …).
///
/// The access engine gives roles their meaning; storage only keeps them tidy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RoleName(String);

impl RoleName {
    /// Parses a role name: 1 to 40 of `a-z`, `0-9`, `-`, `_`.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let ok = !raw.is_empty()
            && raw.len() <= 40
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(RoleName(raw.to_owned()))
        } else {
            Err(ValueError::Role(raw.to_owned()))
        }
    }

    /// The role's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of account a user is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    /// A member of the institution, signing in with a password.
    Member,
    /// Someone outside the institution, invited by email.
    External,
    /// A system account that acts through API tokens.
    Service,
}

impl UserKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Member => "member",
            UserKind::External => "external",
            UserKind::Service => "service",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw {
            "member" => Ok(UserKind::Member),
            "external" => Ok(UserKind::External),
            "service" => Ok(UserKind::Service),
            other => Err(ValueError::UserKind(other.to_owned())),
        }
    }
}

/// A document's id as text (an automerge-repo id, base58check of 16 bytes, as
/// `folio-core` formats it). Storage treats it as an opaque, tidy key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DocumentId(String);

impl DocumentId {
    /// Accepts 1 to 100 of `A-Za-z0-9:-_`.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let ok = !raw.is_empty()
            && raw.len() <= 100
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'-' || b == b'_');
        if ok {
            Ok(DocumentId(raw.to_owned()))
        } else {
            Err(ValueError::DocumentId(raw.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 of a secret token (session, and later links and API tokens). Only this is stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix is enough to correlate in logs without being useful to anyone else.
        write!(f, "TokenHash({}…)", hex::encode(&self.0[..4]))
    }
}

/// A SHA-256 content hash, as 64 lower-case hex digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ContentHash(String);

impl ContentHash {
    /// Parses 64 lower-case hex digits. This is also what keeps blob paths inside the blob directory.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if raw.len() == 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(ContentHash(raw.to_owned()))
        } else {
            Err(ValueError::ContentHash(raw.to_owned()))
        }
    }

    /// From a finished digest.
    pub fn from_digest(digest: [u8; 32]) -> Self {
        ContentHash(hex::encode(digest))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.0)
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A MIME type such as `image/png` or `text/plain; charset=utf-8`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ContentType(String);

impl ContentType {
    /// Parses `type/subtype[; params]` (printable ASCII, at most 255 bytes), lower-casing the type.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let raw_trim = raw.trim_matches(' ');
        let bad = || ValueError::ContentType(raw.to_owned());
        if raw_trim.is_empty()
            || raw_trim.len() > 255
            || !raw.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Err(bad());
        }
        let (essence, params) = match raw_trim.split_once(';') {
            Some((e, p)) => (e.trim(), Some(p.trim())),
            None => (raw_trim, None),
        };
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        };
        let (ty, sub) = essence.split_once('/').ok_or_else(bad)?;
        if !token(ty) || !token(sub) {
            return Err(bad());
        }
        let essence = essence.to_ascii_lowercase();
        Ok(ContentType(match params {
            Some(p) if !p.is_empty() => format!("{essence}; {p}"),
            _ => essence,
        }))
    }

    /// `application/octet-stream`, for bytes of unknown type.
    pub fn octet_stream() -> Self {
        ContentType("application/octet-stream".to_owned())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lower_cased_and_shape_checked() {
        assert_eq!(Email::parse("  Bob@Uni.NL").unwrap().as_str(), "bob@uni.nl");
        for bad in [
            "",
            "bob",
            "bob@",
            "@uni.nl",
            "bob@uni",
            "a@b@c.nl",
            "bob @uni.nl",
            "bob@.nl",
            "bob@uni..nl",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn role_names_are_lower_case_slugs() {
        assert!(RoleName::parse("teacher").is_ok());
        assert!(RoleName::parse("peer-2_b").is_ok());
        for bad in ["", "Teacher", "a b", "x".repeat(41).as_str(), "rôle"] {
            assert!(RoleName::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn content_hashes_cannot_smuggle_paths() {
        assert!(ContentHash::parse(&"a".repeat(64)).is_ok());
        assert!(ContentHash::parse(&"A".repeat(64)).is_err());
        assert!(ContentHash::parse(&format!("../{}", "a".repeat(61))).is_err());
        assert!(ContentHash::parse("abc").is_err());
    }

    #[test]
    fn content_types_are_normalised_and_checked() {
        assert_eq!(
            ContentType::parse("Image/PNG").unwrap().as_str(),
            "image/png"
        );
        assert_eq!(
            ContentType::parse("text/plain;charset=utf-8")
                .unwrap()
                .as_str(),
            "text/plain; charset=utf-8"
        );
        for bad in ["", "png", "text/", "/plain", "text/pl ain", "text/plain\n"] {
            assert!(
                ContentType::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn display_names_must_be_short_printable_and_non_empty() {
        assert_eq!(checked_text("name", "  Ada  ", 10).unwrap(), "Ada");
        assert!(checked_text("name", "   ", 10).is_err());
        assert!(checked_text("name", "a\u{0}b", 10).is_err());
        assert!(checked_text("name", &"x".repeat(11), 10).is_err());
    }

    #[test]
    fn token_hash_debug_shows_only_a_prefix() {
        let shown = format!("{:?}", TokenHash([0xab; 32]));
        assert_eq!(shown, "TokenHash(abababab…)");
    }
}
