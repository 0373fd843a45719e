//! Descriptions of routes whose handlers live in modules not annotated in
//! place (sessions, `/api/me`, portfolios and their documents and files).
//! Each function here only carries its `#[utoipa::path]` and is never routed;
//! the types are the wire shapes those handlers answer.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;

/// `POST /api/session`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// The signed-in user (`GET /api/me`, and signing in).
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Email address.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Administrator?
    pub is_admin: bool,
    /// `member`, `external` or `service`.
    pub kind: String,
    /// Send this as `X-CSRF-Token` with every write.
    pub csrf_token: String,
}

/// The answer to a right password for an account with a second factor.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecondFactorNeeded {
    /// Always `totp`.
    pub second_factor: String,
    /// Send it to `POST /api/session/totp` with the code (valid 5 minutes).
    pub pending: String,
}

/// `POST /api/portfolios`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPortfolio {
    /// The title.
    pub title: String,
}

/// A portfolio.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioView {
    /// Its id (also its root node and its portfolio document).
    pub id: String,
    /// The portfolio document's `automerge:` URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Owner's user id.
    pub owner: i64,
}

/// A document the caller may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    /// Document id.
    pub id: String,
    /// Its `automerge:` URL.
    pub url: String,
    /// `portfolio`, `collection`, `page`, or `{feedback: {thread, author, opener}}`.
    #[schema(value_type = Object)]
    pub role: serde_json::Value,
    /// The node it stores.
    pub node: String,
}

/// Signs in with email and password. Answers like `GET /api/me` with the
/// session cookie, or, for an account with a second factor, `SecondFactorNeeded`.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = Me, description = "signed in (or `SecondFactorNeeded`)"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub fn login() {}

/// Signs out (needs the CSRF token).
#[utoipa::path(delete, path = "/api/session", tag = "session", security(("session" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub fn logout() {}

/// Who is signed in, and the CSRF token.
#[utoipa::path(get, path = "/api/me", tag = "account", security(("session" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub fn me() {}

/// Creates a portfolio owned by the caller.
#[utoipa::path(post, path = "/api/portfolios", tag = "portfolios", security(("session" = [])), request_body = NewPortfolio,
    responses((status = 201, body = PortfolioView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub fn create_portfolio() {}

/// Portfolios the caller may read anything in.
#[utoipa::path(get, path = "/api/portfolios", tag = "portfolios", security(("session" = [])),
    responses((status = 200, body = [PortfolioView]), (status = 401, body = ErrorBody)))]
pub fn list_portfolios() {}

/// The documents of a portfolio the caller may read now (unknown and forbidden: 404).
#[utoipa::path(get, path = "/api/portfolios/{id}/documents", tag = "portfolios", security(("session" = [])),
    params(("id" = String, Path, description = "portfolio id")),
    responses((status = 200, body = [DocumentView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub fn documents() {}

/// Uploads a file (the raw body) attached to a node; answers its content hash.
#[utoipa::path(post, path = "/api/portfolios/{portfolio}/nodes/{node}/files", tag = "portfolios", security(("session" = [])),
    params(("portfolio" = String, Path, description = "portfolio id"), ("node" = String, Path, description = "node id")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "stored", body = serde_json::Value), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub fn upload() {}

/// Downloads a file attached to a node.
#[utoipa::path(get, path = "/api/portfolios/{portfolio}/nodes/{node}/files/{hash}", tag = "portfolios", security(("session" = [])),
    params(("portfolio" = String, Path, description = "portfolio id"), ("node" = String, Path, description = "node id"), ("hash" = String, Path, description = "sha256, hex")),
    responses((status = 200, description = "the bytes", content_type = "application/octet-stream"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub fn download() {}
