//! `GET /api/me`: who is signed in, and the CSRF token for their writes.

use axum::Json;
use serde::Serialize;

use crate::auth::Authenticated;
use crate::auth::token::SessionToken;
use crate::storage::{Email, User, UserId, UserKind};

/// The signed-in user, as the API shows them.
#[derive(Debug, Serialize)]
pub struct Me {
    /// User id.
    pub id: UserId,
    /// Email address.
    pub email: Email,
    /// Display name.
    pub display_name: String,
    /// Administrator?
    pub is_admin: bool,
    /// `member`, `external` or `service`.
    pub kind: UserKind,
    /// Send this as `X-CSRF-Token` with every write.
    pub csrf_token: String,
}

impl Me {
    /// The view of `user` in the session of `token`.
    pub fn new(user: &User, token: &SessionToken) -> Self {
        Me {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            is_admin: user.is_admin,
            kind: user.kind,
            csrf_token: token.csrf_token(),
        }
    }
}

/// `GET /api/me`.
pub async fn me(auth: Authenticated) -> Json<Me> {
    Json(Me::new(&auth.user, &auth.token))
}
