//! Accounts: passwords, sessions, CSRF protection and sign-in throttling.
//!
//! ## Sessions
//!
//! Signing in creates a random 256-bit token, sends it in an `HttpOnly`,
//! `SameSite=Lax` cookie (also `Secure`, and named with the `__Host-` prefix,
//! when the public URL is https) and stores only its SHA-256. Every sign-in
//! starts a new session and ends the one the browser presented, if any
//! (rotation: a token planted before sign-in is worthless after it).
//!
//! ## CSRF
//!
//! Chosen defence: a *session-bound token in a custom header*, plus an *Origin
//! check*. Every cookie-authenticated request with an unsafe method (anything but
//! GET, HEAD, OPTIONS, TRACE) must carry `X-CSRF-Token`, whose value the client
//! received from `POST /api/session` or `GET /api/me`. The value is derived from
//! the session token (`sha256("folio-csrf\0" ‖ token)`), so it needs no storage,
//! changes with every session, and a cross-site page can neither read it nor
//! send a custom header without a CORS preflight we never grant. In addition,
//! any unsafe `/api` request whose `Origin` is not this server's (the configured
//! public URL, else the `Host` it was addressed to), or that a browser marks
//! `Sec-Fetch-Site: cross-site`, is refused before it reaches a handler; that
//! also covers sign-in itself (login CSRF). JSON bodies are only accepted with
//! `Content-Type: application/json`, which a plain HTML form cannot send.
//!
//! ## Throttling
//!
//! [`limiter::LoginLimiter`] counts failed sign-ins per account and per client
//! IP, in memory, and locks progressively (see its docs). It reads time only
//! from the [`crate::clock::Clock`], so tests move a manual clock instead of sleeping.

pub mod csrf;
pub mod extract;
pub mod limiter;
pub mod origin;
pub mod password;
pub mod token;

pub use extract::{Authenticated, ClientIp};
