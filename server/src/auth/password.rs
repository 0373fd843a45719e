//! Password hashing with argon2id (the `argon2` crate's default parameters).
//!
//! Hashing and verifying cost tens of milliseconds of CPU on purpose; async
//! callers run them in `tokio::task::spawn_blocking`. [`verify`] does the same
//! work whether or not the account exists, so response time does not tell an
//! attacker which email addresses have accounts.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use rand::rngs::OsRng;

use crate::secret::Secret;

/// Shortest accepted new password, in characters.
pub const MIN_LEN: usize = 10;
/// Longest accepted password, in bytes (argon2 takes any length; this bounds the work).
pub const MAX_LEN: usize = 1024;

/// Why a password cannot be set or hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too short.
    #[error("the password is too short; use at least {MIN_LEN} characters")]
    TooShort,
    /// Too long.
    #[error("the password is too long; use at most {MAX_LEN} bytes")]
    TooLong,
    /// The hasher failed (should not happen with valid parameters).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Checks the rules for a new password.
pub fn check_new(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    if password.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    Ok(())
}

/// Hashes a new password (checking [`check_new`] first) into an argon2id PHC string.
pub fn hash(password: &str) -> Result<Secret<String>, PasswordError> {
    check_new(password)?;
    let salt = SaltString::generate(&mut OsRng);
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(Secret::new(phc.to_string()))
}

/// A hash of nothing anyone knows, verified against when an account is missing.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    let random = generate();
    Argon2::default()
        .hash_password(random.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Whether `password` matches `stored`. With `None` (no such account, or no
/// password sign-in) it still spends the time of a verification and returns false.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    if password.len() > MAX_LEN {
        return false;
    }
    let (phc, real) = match stored {
        Some(s) => (s, true),
        None => (DUMMY.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && real
}

/// A random password of 20 characters from an unambiguous alphabet (~115 bits).
pub fn generate() -> Secret<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    Secret::new(
        (0..20)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.expose().starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(h.expose())));
        assert!(!verify("wrong horse battery", Some(h.expose())));
    }

    #[test]
    fn a_missing_account_never_verifies() {
        assert!(!verify("anything at all", None));
        assert!(!verify("anything at all", Some("not a phc string")));
    }

    #[test]
    fn new_passwords_must_be_long_enough_but_not_huge() {
        assert!(matches!(hash("short"), Err(PasswordError::TooShort)));
        assert!(matches!(
            check_new(&"x".repeat(MAX_LEN + 1)),
            Err(PasswordError::TooLong)
        ));
    }

    #[test]
    fn generated_passwords_are_long_distinct_and_acceptable() {
        let a = generate();
        let b = generate();
        assert_eq!(a.expose().len(), 20);
        assert_ne!(a, b);
        check_new(a.expose()).unwrap();
    }
}
