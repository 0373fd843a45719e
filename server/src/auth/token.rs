//! Session tokens and the session cookie.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::secret::Secret;
use crate::storage::TokenHash;

/// The cookie's name over plain http.
pub const COOKIE: &str = "folio_session";
/// The cookie's name over https (the `__Host-` prefix pins it to this host and path `/`).
pub const SECURE_COOKIE: &str = "__Host-folio_session";

/// A session's secret token, as sent in the cookie: 32 random bytes, base64url.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionToken(Secret<String>);

impl SessionToken {
    /// A fresh random token.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        SessionToken(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Accepts only what [`SessionToken::generate`] produces (43 base64url characters).
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 43
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| SessionToken(Secret::new(raw.to_owned())))
    }

    /// What the database stores.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.expose().as_bytes()).into())
    }

    /// The CSRF token bound to this session (see [`crate::auth`]).
    pub fn csrf_token(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"folio-csrf\0");
        h.update(self.0.expose().as_bytes());
        URL_SAFE_NO_PAD.encode(h.finalize())
    }

    /// The token text, for the cookie.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// The cookie name in use.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_COOKIE } else { COOKIE }
}

/// `Set-Cookie` that stores `token` for `max_age_secs`.
pub fn set_cookie(token: &SessionToken, max_age_secs: u64, secure: bool) -> HeaderValue {
    let value = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        cookie_name(secure),
        token.expose(),
        if secure { "; Secure" } else { "" }
    );
    // Only base64url, digits and fixed ASCII: always a valid header value.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that deletes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "__Host-folio_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static("folio_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// The session token from the request's cookies, if there is a well-formed one.
pub fn from_headers(headers: &HeaderMap, secure: bool) -> Option<SessionToken> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| SessionToken::parse(v.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_to_their_sha256() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a, b);
        assert_eq!(
            a.hash().0,
            <[u8; 32]>::from(Sha256::digest(a.expose().as_bytes()))
        );
        assert_ne!(a.csrf_token(), b.csrf_token());
        assert_ne!(a.csrf_token(), a.expose());
    }

    #[test]
    fn the_cookie_is_found_among_others_and_malformed_ones_are_ignored() {
        let t = SessionToken::generate();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; folio_session={}", t.expose())).unwrap(),
        );
        assert_eq!(from_headers(&headers, false), Some(t.clone()));
        assert_eq!(from_headers(&headers, true), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("folio_session=../../etc"),
        );
        assert_eq!(from_headers(&headers, false), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_only_over_https() {
        let t = SessionToken::generate();
        let plain = set_cookie(&t, 60, false);
        let plain = plain.to_str().unwrap();
        assert!(
            plain.starts_with("folio_session=")
                && plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
        );
        assert!(!plain.contains("Secure"));
        let secure = set_cookie(&t, 60, true);
        let secure = secure.to_str().unwrap();
        assert!(secure.starts_with("__Host-folio_session=") && secure.ends_with("; Secure"));
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let t = SessionToken::generate();
        assert!(!format!("{t:?}").contains(t.expose()));
    }
}
