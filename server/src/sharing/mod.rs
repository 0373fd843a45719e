//! # Sharing: links, share buttons, invitations, access management, requests
//!
//! The HTTP surface through which people give, inspect and end access. Every
//! rule is decided by `folio_core::access` (through the cached engines of
//! [`crate::policy::PolicyHub`]); this module authenticates ([`caller`]),
//! stores (the topic traits in [`crate::storage`]), mails ([`crate::mail`])
//! and calls `grants_changed` after every change to a portfolio's grants so
//! live sessions get a new policy snapshot and lose access at once.
//!
//! | route | file |
//! |---|---|
//! | `POST/GET /api/portfolios/{p}/links`, `DELETE …/links/{id}`, `POST /api/links/open`, `GET /api/links/view` | [`links`] |
//! | `GET/POST /api/portfolios/{p}/nodes/{node}/share-buttons[/{index}]` | [`buttons`] |
//! | `POST/GET /api/portfolios/{p}/invitations`, `PATCH/DELETE …/{id}`, `POST …/one-time-invitations` | [`invitations`] |
//! | `GET/POST /api/portfolios/{p}/access`, `PATCH/DELETE …/access/{grant}`, `DELETE …/access/me` | [`access`] |
//! | `GET /api/orgs`, `GET /api/orgs/{org}/members` | [`orgs`] |
//! | `GET /api/me/shares` (portfolios shared with me) | [`shared`] |
//! | `POST/GET /api/portfolios/{p}/access-requests`, `POST …/{id}/approve|decline` | [`requests`] |
//!
//! Unknown portfolios and portfolios the caller can see none of answer the
//! same 404 `not_found`; callers who can see a portfolio but may not do the
//! thing get 403 `forbidden`.

pub mod access;
pub mod buttons;
pub mod caller;
pub mod context;
pub mod invitations;
pub mod labels;
pub mod links;
pub mod orgs;
pub mod requests;
pub mod resolver;
pub mod secret;
pub mod shared;

use std::sync::Arc;

use axum::routing::{MethodRouter, delete, get, patch, post};

use crate::state::AppState;

/// Installs the token resolver into the policy hub (called by [`AppState::new`]).
pub fn install(state: &AppState) {
    state.policy().set_token_resolver(Arc::new(resolver::Resolver::new(state.storage_arc())));
}

/// The sharing routes, relative to `/api` (see [`crate::routes::api_routes`]).
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/portfolios/{p}/links", post(links::create).get(links::list)),
        ("/portfolios/{p}/links/{id}", delete(links::revoke)),
        ("/links/open", post(links::open)),
        ("/links/view", get(links::view)),
        ("/portfolios/{p}/nodes/{node}/share-buttons", get(buttons::list)),
        ("/portfolios/{p}/nodes/{node}/share-buttons/{index}", post(buttons::press)),
        ("/portfolios/{p}/invitations", post(invitations::create).get(invitations::list)),
        ("/portfolios/{p}/invitations/{id}", patch(invitations::edit).delete(invitations::revoke)),
        ("/portfolios/{p}/one-time-invitations", post(invitations::create_one_time)),
        ("/portfolios/{p}/access", get(access::list).post(access::add)),
        ("/portfolios/{p}/access/me", delete(access::leave)),
        ("/portfolios/{p}/access/{grant}", patch(access::edit).delete(access::revoke)),
        ("/orgs", get(orgs::list)),
        ("/orgs/{org}/members", get(orgs::members)),
        ("/me/shares", get(shared::list)),
        ("/portfolios/{p}/access-requests", post(requests::ask).get(requests::list)),
        ("/portfolios/{p}/access-requests/{id}/approve", post(requests::approve)),
        ("/portfolios/{p}/access-requests/{id}/decline", post(requests::decline)),
    ]
}
