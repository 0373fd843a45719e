//! # API tokens: service users, scoped bearer tokens and the REST API they open
//!
//! An administrator creates a *service user* (an account of kind `service`,
//! without a password) and one or more tokens acting for it. A token carries
//! [`TokenScopes`](folio_core::access::TokenScopes): per category (portfolios,
//! feedback, users, tokens, settings, roles) a `view` and an `edit` reach of
//! `none`, `own`, `related` or `all`, and an expiry. `folio_core` decides what
//! a scope covers ([`TokenScopes::allows`](folio_core::access::TokenScopes::allows));
//! this module stores, authenticates and audits.
//!
//! | route | file |
//! |---|---|
//! | `GET/POST /api/admin/service-users`, `GET/POST /api/admin/tokens`, `POST /api/admin/tokens/{id}/rotate`, `DELETE /api/admin/tokens/{id}` | [`admin`] |
//! | `GET /api/v1/portfolios`, `GET /api/v1/portfolios/{p}/feedback`, `GET /api/v1/users`, `GET/POST /api/v1/tokens` | [`v1`] |
//! | `POST /api/v1/documents/{doc}/edits` (typed edits through the guard) | [`edits`] |
//!
//! ## Decisions
//!
//! - The secret (`ft_` + 256 random bits, base64url) is shown once, in the
//!   answer that creates or rotates it; only its SHA-256 is stored.
//! - Rotation keeps the name, account, scopes and expiry, revokes the old
//!   token and stores the new one in one transaction (the old row points at
//!   its successor).
//! - Every administrative action on tokens (create, list, rotate, revoke) and
//!   every token made through `POST /api/v1/tokens` is written to the audit log.
//! - `/api/v1` accepts only `Authorization: Bearer ft_…`. A missing header is
//!   401 `unauthenticated`; an unknown or malformed secret 401 `invalid_token`;
//!   a revoked one 401 `token_revoked`; an expired one 401 `token_expired`.
//!   A token without the category's scope gets 403 `insufficient_scope`
//!   before anything is looked up, so it learns nothing about what exists.
//! - A token never mints a wider token: `POST /api/v1/tokens` accepts only
//!   scopes each no wider than the caller's and an expiry no later than its own.
//! - Relations (`own`, `related`, `all`) per category: portfolios — owned by
//!   the token's account / readable by it / every one (the engine's rule);
//!   feedback — threads in such portfolios, filtered by the engine's
//!   `feedback_visible` (hide-feedback applies); users — the account itself /
//!   plus members of its organisations / everyone; tokens — tokens acting for
//!   the account / plus tokens it created / every token.
//! - Administrators act through their session (CSRF-checked); a token cannot
//!   reach `/api/admin`.

pub mod admin;
pub mod auth;
pub mod edits;
pub mod v1;
pub mod view;

use axum::routing::{MethodRouter, delete, get, post};

use crate::state::AppState;

/// The token routes, nested under `/api`.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/admin/service-users", post(admin::create_service_user).get(admin::list_service_users)),
        ("/admin/tokens", post(admin::create).get(admin::list)),
        ("/admin/tokens/{id}/rotate", post(admin::rotate)),
        ("/admin/tokens/{id}", delete(admin::revoke)),
        ("/v1/portfolios", get(v1::portfolios)),
        ("/v1/portfolios/{p}/feedback", get(v1::feedback)),
        ("/v1/users", get(v1::users)),
        ("/v1/tokens", get(v1::tokens).post(v1::create_token)),
        ("/v1/documents/{doc}/edits", post(edits::apply)),
    ]
}
