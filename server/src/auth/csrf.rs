//! Comparing CSRF tokens (see [`crate::auth`] for the scheme).

use axum::http::HeaderMap;

use super::token::SessionToken;

/// The header that carries the CSRF token.
pub const HEADER: &str = "x-csrf-token";

/// Whether the request carries the CSRF token of `session`. Constant-time in the token's length.
pub fn header_matches(headers: &HeaderMap, session: &SessionToken) -> bool {
    let Some(sent) = headers.get(HEADER).map(|v| v.as_bytes()) else {
        return false;
    };
    let expected = session.csrf_token();
    let expected = expected.as_bytes();
    sent.len() == expected.len()
        && sent
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn only_the_sessions_own_token_matches() {
        let session = SessionToken::generate();
        let mut headers = HeaderMap::new();
        assert!(!header_matches(&headers, &session));
        headers.insert(
            HEADER,
            HeaderValue::from_str(&SessionToken::generate().csrf_token()).unwrap(),
        );
        assert!(!header_matches(&headers, &session));
        headers.insert(
            HEADER,
            HeaderValue::from_str(&session.csrf_token()).unwrap(),
        );
        assert!(header_matches(&headers, &session));
    }
}
