//! The administrators' HTTP surface that is not about tokens: the
//! [`Admin`] extractor (a signed-in administrator) and `GET /api/admin/outbox`.

use axum::Json;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::OutboxMail;

/// A signed-in administrator (session cookie; CSRF-checked on writes).
/// Anyone else gets 401 `unauthenticated` or 403 `admin_only`, before any lookup.
#[derive(Clone, Debug)]
pub struct Admin(pub Authenticated);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        if !auth.user.is_admin {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_only",
                "only administrators may do this",
            ));
        }
        Ok(Admin(auth))
    }
}

/// `GET /api/admin/outbox?limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// How many mails, newest first (1–500, default 100).
    pub limit: Option<u32>,
}

/// One mail in the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailView {
    /// Outbox id.
    pub id: i64,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// When queued (ms).
    pub created_at: i64,
    /// When delivered to SMTP (ms), if it was.
    pub sent_at: Option<i64>,
    /// Delivery attempts.
    pub attempts: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
}

impl From<OutboxMail> for MailView {
    fn from(m: OutboxMail) -> Self {
        MailView {
            id: m.id.0,
            to: m.mail.to.to_string(),
            subject: m.mail.subject,
            body: m.mail.body_text,
            created_at: m.created_at.millis(),
            sent_at: m.sent_at.map(|t| t.millis()),
            attempts: m.attempts,
            last_error: m.last_error,
        }
    }
}

/// The outbox, newest first, sent or not (administrators only).
#[utoipa::path(get, path = "/api/admin/outbox", tag = "admin", params(OutboxQuery),
    responses((status = 200, body = [MailView]), (status = 401, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn outbox(
    State(state): State<AppState>,
    _admin: Admin,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Vec<MailView>>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("`{limit}` is out of range; ask for 1 to 500 mails"),
        ));
    }
    let mails = state.storage().list_mail(limit).await?;
    Ok(Json(mails.into_iter().map(MailView::from).collect()))
}
