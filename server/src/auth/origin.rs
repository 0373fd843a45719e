//! Refusing cross-site writes before they reach a handler (see [`crate::auth`]).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ApiError;
use crate::state::AppState;

/// Middleware: unsafe requests must come from this server's own origin.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !request.method().is_safe() && !is_same_origin(request.headers(), state.public_origin()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "this request came from another site; open Folio at its own address and try again",
        ));
    }
    Ok(next.run(request).await)
}

/// Whether the request's `Origin` (or, lacking one, `Sec-Fetch-Site`) shows it comes from
/// this server. Requests without either header (non-browser clients) pass; they
/// carry no ambient cookies an attacker could abuse, and cookie-authenticated ones
/// still need the CSRF token.
pub fn is_same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            let origin = origin.to_ascii_lowercase();
            match public_origin {
                Some(expected) => origin == expected,
                None => {
                    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
                        return false;
                    };
                    let host = host.to_ascii_lowercase();
                    origin == format!("http://{host}") || origin == format!("https://{host}")
                }
            }
        }
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) != Some("cross-site"),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn an_origin_matching_the_host_is_same_origin() {
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:8080")
            ]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:8080")]),
            None
        ));
    }

    #[test]
    fn a_configured_public_origin_is_the_only_one_accepted() {
        let h = headers(&[
            ("origin", "https://folio.example.org"),
            ("host", "10.0.0.5:8080"),
        ]);
        assert!(is_same_origin(&h, Some("https://folio.example.org")));
        let h = headers(&[
            ("origin", "http://10.0.0.5:8080"),
            ("host", "10.0.0.5:8080"),
        ]);
        assert!(!is_same_origin(&h, Some("https://folio.example.org")));
    }

    #[test]
    fn without_an_origin_only_browser_marked_cross_site_requests_fail() {
        assert!(is_same_origin(&headers(&[]), None));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
    }
}
