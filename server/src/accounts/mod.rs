//! Account features beyond password sign-in: externals signing in with a
//! mailed one-time code ([`external`]), changing their own display name
//! ([`profile`]) and the TOTP second factor with recovery codes ([`totp`]).
//!
//! Decisions: a one-time code is 6 digits, valid 10 minutes, works once, and
//! dies after 5 wrong guesses; sending and checking codes go through the same
//! progressive [`crate::auth::limiter::LoginLimiter`] as passwords (keyed by
//! the invitation), so guessing is as slow as guessing passwords. An
//! external's role and organisation belong to their invitation and cannot be
//! changed by them; their display name can.

pub mod external;
pub mod profile;
pub mod totp;

use axum::routing::{MethodRouter, get, patch, post};

use crate::state::AppState;

/// The account routes, relative to `/api` (see [`crate::routes::api_routes`]).
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/external/code", post(external::send_code)),
        ("/external/session", post(external::sign_in)),
        ("/account", patch(profile::edit)),
        ("/account/totp", get(totp::status).post(totp::enrol).delete(totp::disable)),
        ("/account/totp/confirm", post(totp::confirm)),
    ]
}
