//! Who wrote the feedback one may read, and organisation logos:
//!
//! - `GET /api/portfolios/{id}/feedback-authors` — the authors of the feedback
//!   documents the caller may read in a portfolio (the same filter as the
//!   document list: Read on the anchor plus the hide-feedback rule), each with
//!   their display name, their role in the portfolio and, for an external,
//!   the organisation their invitation names (id, name, logo URL). An unknown
//!   portfolio and one the caller may read nothing in both answer 404.
//! - `GET /api/portfolios/{id}/orgs/{org}/logo` — the organisation's logo,
//!   to whoever may read a feedback entry naming that organisation in that
//!   portfolio (exactly: an author in the answer above carries it). Anyone
//!   else, and an organisation without a logo, gets 404.
//! - `PUT /api/admin/orgs/{org}/logo` — an administrator sets (or replaces)
//!   a logo: the body is the image, `Content-Type` one of PNG, JPEG, GIF or
//!   WebP, at most [`logo::MAX_BYTES`]; the bytes must be what the type says
//!   (checked by their signature). SVG is refused: it can carry scripts.
//! - `GET /api/admin/orgs` — administrators: every organisation with its
//!   current logo (type, date, and the address below), for the logo screen.
//! - `GET /api/admin/orgs/{org}/logo` — administrators: the logo itself
//!   (404 without one), served like the portfolio-scoped one.
//! - `DELETE /api/admin/orgs/{org}/logo` — administrators: remove the logo
//!   (204, also when there was none; 404 for an unknown organisation).
//!
//! ## Decisions
//!
//! - Authorship details come from the server's records, not from the
//!   feedback document: the document names its author's principal, and the
//!   invitation that let an external in is what says their role and
//!   organisation ("an external may change their display name but never their
//!   role or organisation"). The display name is the account's current one.
//! - The logo URL is scoped to a portfolio so the permission is checkable in
//!   one place: seeing an entry in *this* portfolio that names the
//!   organisation. A logo is served with `nosniff` and a CSP that forbids
//!   everything, so even a mislabelled image cannot run anything.
//! - Logos live in the blob store (content-addressed, size-limited) like
//!   attachments; the database links an organisation to its current blob.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use folio_core::access::Principal;
use serde::Serialize;

use crate::admin::web::Admin;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{DocumentId, DocumentRole, Invitation, OrgId, StorageError, UserId};
use folio_core::doc::Author;
use crate::logo;
use crate::sync::may_read;

/// An organisation as shown with an entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    /// Organisation id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The logo's URL (scoped to the portfolio), or `null` without a logo.
    pub logo: Option<String>,
}

/// The author of feedback documents one may read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthorView {
    /// The principal key the feedback document names (`user:7`).
    pub principal: String,
    /// The account's display name.
    pub name: String,
    /// Their role in the portfolio (`owner`, `teacher`, `supervisor`, …), if any.
    pub role: Option<String>,
    /// Whether they came in through an invitation (an external).
    pub external: bool,
    /// For an external: the organisation their invitation names.
    pub organisation: Option<OrgView>,
}

fn logo_path(portfolio: &DocumentId, org: OrgId) -> String {
    format!("/api/portfolios/{}/orgs/{}/logo", portfolio.as_str(), org.0)
}

/// Where `user` stands in a portfolio, as the server knows it: their role
/// (`owner`, else the role of their latest invitation, else their portfolio
/// role) and that invitation, which names an external's organisation.
/// `invitations` are the portfolio's (newest first, as storage lists them).
async fn standing<'i>(
    state: &AppState,
    portfolio: &DocumentId,
    user: UserId,
    owner: Option<UserId>,
    invitations: &'i [Invitation],
) -> Result<(Option<String>, Option<&'i Invitation>), StorageError> {
    let invitation = invitations.iter().filter(|i| i.user == user).max_by_key(|i| (i.revoked_at.is_none(), i.created_at));
    let role = if owner == Some(user) {
        Some("owner".to_owned())
    } else if let Some(inv) = invitation {
        Some(inv.role.as_str().to_owned())
    } else {
        state.storage().roles_of_user(user).await?.into_iter().find(|r| r.portfolio == *portfolio).map(|r| r.role.as_str().to_owned())
    };
    Ok((role, invitation))
}

/// The author a feedback document of `user` in `portfolio` must name: the
/// principal key, the display name, and their role and organisation (name) as
/// the server knows them. The registration answers it (`POST
/// …/feedback-threads`) and the sync connection hands the same to the guard,
/// which refuses a new feedback document naming anything else.
pub(crate) async fn author_profile(state: &AppState, user: UserId, name: &str, key: String, portfolio: &DocumentId) -> Result<Author, StorageError> {
    let owner = state.storage().portfolio(portfolio).await?.map(|p| p.owner);
    let invitations = state.storage().portfolio_invitations(portfolio).await?;
    let (role, invitation) = standing(state, portfolio, user, owner, &invitations).await?;
    let organisation = match invitation.and_then(|i| i.org) {
        Some(org) => state.storage().org_by_id(org).await?.map(|o| o.name),
        None => None,
    };
    Ok(Author { principal: key, name: name.to_owned(), role, organisation })
}

/// The authors of the feedback documents `principal` may read in `portfolio`,
/// or `None` when they may read nothing there (answered 404 like an unknown one).
async fn readable_authors(state: &AppState, user: UserId, portfolio: &DocumentId) -> Result<Option<Vec<AuthorView>>, ApiError> {
    let principal: Principal = state.policy().principal_for_user(user).await.map_err(|e| ApiError::internal(&e))?;
    let Ok(policy) = state.policy().portfolio(portfolio).await else { return Ok(None) };
    let now = state.clock().now();
    if policy.read(|e| e.visible(&principal, now).is_empty()) {
        return Ok(None);
    }
    let records = state.storage().portfolio_documents(portfolio).await?;
    let keys: Vec<String> = policy.read(|e| {
        records
            .iter()
            .filter(|r| may_read(e, &principal, r, now))
            .filter_map(|r| match &r.role {
                DocumentRole::Feedback { author, .. } => Some(author.clone()),
                _ => None,
            })
            .collect()
    });
    let mut keys = keys;
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let owner = state.storage().portfolio(portfolio).await?.map(|p| p.owner);
    let invitations = state.storage().portfolio_invitations(portfolio).await?;
    let mut out = Vec::new();
    let mut orgs: BTreeMap<i64, Option<OrgView>> = BTreeMap::new();
    for key in keys {
        let Some(id) = key.strip_prefix("user:").and_then(|n| n.parse::<i64>().ok()) else { continue };
        let Some(account) = state.storage().user(UserId(id)).await? else { continue };
        let (role, invitation) = standing(state, portfolio, UserId(id), owner, &invitations).await?;
        let organisation = match invitation.and_then(|i| i.org) {
            None => None,
            Some(org) => {
                if let Some(known) = orgs.get(&org.0) {
                    known.as_ref().map(|o| OrgView { id: o.id, name: o.name.clone(), logo: o.logo.clone() })
                } else {
                    let view = match state.storage().org_by_id(org).await? {
                        None => None,
                        Some(o) => {
                            let logo = state.storage().org_logo(org).await?.map(|_| logo_path(portfolio, org));
                            Some(OrgView { id: o.id.0, name: o.name, logo })
                        }
                    };
                    orgs.insert(org.0, view.as_ref().map(|o| OrgView { id: o.id, name: o.name.clone(), logo: o.logo.clone() }));
                    view
                }
            }
        };
        out.push(AuthorView { principal: key, name: account.display_name, role, external: invitation.is_some(), organisation });
    }
    Ok(Some(out))
}

/// The authors of the feedback the caller may read in a portfolio.
#[utoipa::path(get, path = "/api/portfolios/{id}/feedback-authors", tag = "portfolios", security(("session" = [])),
    params(("id" = String, Path, description = "portfolio id")),
    responses((status = 200, body = [AuthorView]), (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn feedback_authors(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Vec<AuthorView>>, ApiError> {
    let portfolio = DocumentId::parse(&id).map_err(|_| ApiError::not_found())?;
    readable_authors(&state, auth.user.id, &portfolio).await?.map(Json).ok_or_else(ApiError::not_found)
}

/// An organisation's logo, for those who may read an entry naming it in the portfolio.
#[utoipa::path(get, path = "/api/portfolios/{id}/orgs/{org}/logo", tag = "portfolios", security(("session" = [])),
    params(("id" = String, Path, description = "portfolio id"), ("org" = i64, Path, description = "organisation id")),
    responses((status = 200, description = "the image", content_type = "image/*"), (status = 401, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn logo(
    State(state): State<AppState>,
    auth: Authenticated,
    Path((id, org)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let portfolio = DocumentId::parse(&id).map_err(|_| ApiError::not_found())?;
    let org: i64 = org.parse().map_err(|_| ApiError::not_found())?;
    let authors = readable_authors(&state, auth.user.id, &portfolio).await?.ok_or_else(ApiError::not_found)?;
    if !authors.iter().any(|a| a.organisation.as_ref().is_some_and(|o| o.id == org && o.logo.is_some())) {
        return Err(ApiError::not_found());
    }
    logo_image(&state, OrgId(org)).await
}

/// An organisation's logo image (404 without one), served so that even a
/// mislabelled image cannot run anything.
async fn logo_image(state: &AppState, org: OrgId) -> Result<Response, ApiError> {
    let logo = state.storage().org_logo(org).await?.ok_or_else(ApiError::not_found)?;
    let (_, bytes) = state.blobs().read(&logo.hash).await.map_err(|e| ApiError::internal(&e))?.ok_or_else(ApiError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, logo.content_type.as_str().to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'".to_owned()),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// An organisation's current logo, as administrators see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminLogoView {
    /// Where administrators fetch it (`GET /api/admin/orgs/{org}/logo`); the
    /// query names the version, so a replaced logo is never served from cache.
    pub url: String,
    /// Its image type.
    pub content_type: String,
    /// When it was set (ms since the epoch).
    pub updated_at: i64,
}

/// An organisation in the administrators' list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminOrgView {
    /// Organisation id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its logo, or `null` without one.
    pub logo: Option<AdminLogoView>,
}

/// Every organisation with its logo (administrators).
#[utoipa::path(get, path = "/api/admin/orgs", tag = "admin", security(("session" = [])),
    responses((status = 200, body = [AdminOrgView]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn admin_list(State(state): State<AppState>, Admin(_admin): Admin) -> Result<Json<Vec<AdminOrgView>>, ApiError> {
    let mut out = Vec::new();
    for org in state.storage().list_orgs().await? {
        let logo = state.storage().org_logo(org.id).await?.map(|l| AdminLogoView {
            url: format!("/api/admin/orgs/{}/logo?v={}", org.id.0, l.updated_at.millis()),
            content_type: l.content_type.as_str().to_owned(),
            updated_at: l.updated_at.millis(),
        });
        out.push(AdminOrgView { id: org.id.0, name: org.name, logo });
    }
    Ok(Json(out))
}

/// An organisation's logo, for administrators (404 without one).
#[utoipa::path(get, path = "/api/admin/orgs/{org}/logo", tag = "admin", security(("session" = [])),
    params(("org" = i64, Path, description = "organisation id")),
    responses((status = 200, description = "the image", content_type = "image/*"), (status = 401, body = crate::openapi::ErrorBody),
        (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn admin_logo(State(state): State<AppState>, Admin(_admin): Admin, Path(org): Path<String>) -> Result<Response, ApiError> {
    let org: i64 = org.parse().map_err(|_| ApiError::not_found())?;
    logo_image(&state, OrgId(org)).await
}

/// Removes an organisation's logo (administrators). Answers 204 whether or
/// not it had one; an unknown organisation answers 404.
#[utoipa::path(delete, path = "/api/admin/orgs/{org}/logo", tag = "admin", security(("session" = [])),
    params(("org" = i64, Path, description = "organisation id")),
    responses((status = 204, description = "the organisation has no logo now"), (status = 401, body = crate::openapi::ErrorBody),
        (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn remove_logo(State(state): State<AppState>, Admin(_admin): Admin, Path(org): Path<String>) -> Result<StatusCode, ApiError> {
    let org: i64 = org.parse().map_err(|_| ApiError::not_found())?;
    state.storage().org_by_id(OrgId(org)).await?.ok_or_else(ApiError::not_found)?;
    state.storage().remove_org_logo(OrgId(org)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The declared type must be a logo type and the bytes must be of it.
fn image_type(content_type: &str, bytes: &[u8]) -> Result<&'static str, ApiError> {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let Some(declared) = logo::TYPES.iter().copied().find(|t| *t == essence) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_type",
            "a logo must be a PNG, JPEG, GIF or WebP image (Content-Type image/png, image/jpeg, image/gif or image/webp)",
        )
        .with_field("content-type"));
    };
    if logo::sniff(bytes) != Some(declared) {
        return Err(ApiError::invalid("logo", format!("the bytes are not a {declared} image")));
    }
    Ok(declared)
}

/// What `PUT /api/admin/orgs/{org}/logo` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogoSet {
    /// Organisation id.
    pub org: i64,
    /// Its name.
    pub name: String,
    /// The image type stored.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// Sets an organisation's logo (administrators).
#[utoipa::path(put, path = "/api/admin/orgs/{org}/logo", tag = "admin", security(("session" = [])),
    params(("org" = i64, Path, description = "organisation id")),
    request_body(content = Vec<u8>, description = "the image (PNG, JPEG, GIF or WebP, at most 256 KiB)", content_type = "image/png"),
    responses((status = 200, body = LogoSet), (status = 400, body = crate::openapi::ErrorBody), (status = 401, body = crate::openapi::ErrorBody),
        (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody),
        (status = 413, body = crate::openapi::ErrorBody), (status = 415, body = crate::openapi::ErrorBody)))]
pub async fn set_logo(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LogoSet>, ApiError> {
    let org: i64 = org.parse().map_err(|_| ApiError::not_found())?;
    let organisation = state.storage().org_by_id(OrgId(org)).await?.ok_or_else(ApiError::not_found)?;
    if body.len() > logo::MAX_BYTES {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("a logo may be at most {} KiB", logo::MAX_BYTES / 1024))
            .with_field("logo"));
    }
    if body.is_empty() {
        return Err(ApiError::invalid("logo", "the body is empty; send the image"));
    }
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let kind = image_type(declared, &body)?;
    let size = logo::store(state.storage(), state.blobs(), OrgId(org), &body, kind, state.clock().now())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(LogoSet { org, name: organisation.name, content_type: kind.to_owned(), size }))
}

#[cfg(test)]
mod tests {
    use super::image_type;

    #[test]
    fn logos_must_be_what_their_type_says() {
        assert_eq!(image_type("image/png", b"\x89PNG\r\n\x1a\n....").unwrap(), "image/png");
        assert_eq!(image_type("image/JPEG; q=1", &[0xff, 0xd8, 0xff, 0xe0]).unwrap(), "image/jpeg");
        assert_eq!(image_type("image/webp", b"RIFF\0\0\0\0WEBPVP8 ").unwrap(), "image/webp");
        assert_eq!(image_type("image/png", b"GIF89a").unwrap_err().code, "invalid_input");
        assert_eq!(image_type("image/svg+xml", b"<svg/>").unwrap_err().code, "unsupported_type");
        assert_eq!(image_type("", b"").unwrap_err().code, "unsupported_type");
    }
}
