//! # OpenAPI: the HTTP API described from the code
//!
//! [`ApiDoc`] is derived with utoipa from the `#[utoipa::path]` annotations
//! on the handlers and the `ToSchema` derives on their request and response
//! types; `GET /api/openapi.json` serves it. Handlers owned by other modules
//! that are not annotated in place (sessions, documents, files) are described
//! in [`described`], next to each other, with the types they exchange.
//!
//! Every error answer has the stable shape [`ErrorBody`]:
//! `{ "error": { "code", "message", "field" } }`.
//!
//! The test `tests/tests/integration/openapi.rs` checks that the document lists exactly
//! the routes the router has ([`crate::routes::api_paths`]) with the
//! methods it answers.

pub mod described;

use axum::Json;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// The stable error shape of every `/api` error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code (`snake_case`), e.g. `invalid_input`, `not_found`, `token_expired`.
    pub code: String,
    /// What happened and what to do, for people.
    pub message: String,
    /// The request field at fault, if any.
    pub field: Option<String>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ft_… (API token) or fl_… (share link)")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("folio_session"))),
        );
    }
}

/// The OpenAPI document of Folio's HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Folio API", description = "Folio's HTTP API. Cookie-authenticated writes need `X-CSRF-Token` (from `GET /api/me`). Errors: `{error:{code,message,field}}`."),
    modifiers(&Security),
    paths(
        openapi_json,
        described::login,
        described::logout,
        crate::accounts::totp::second_factor,
        crate::accounts::external::send_code,
        crate::accounts::external::sign_in,
        described::me,
        crate::accounts::profile::edit,
        crate::accounts::totp::status,
        crate::accounts::totp::enrol,
        crate::accounts::totp::confirm,
        crate::accounts::totp::disable,
        described::create_portfolio,
        described::list_portfolios,
        described::documents,
        crate::routes::documents::feedback_threads_described,
        crate::routes::orgs::feedback_authors,
        crate::routes::orgs::logo,
        crate::routes::orgs::set_logo,
        crate::routes::orgs::admin_list,
        crate::routes::orgs::admin_logo,
        crate::routes::orgs::remove_logo,
        described::upload,
        described::download,
        crate::sharing::links::create,
        crate::sharing::links::list,
        crate::sharing::links::revoke,
        crate::sharing::links::open,
        crate::sharing::links::view,
        crate::sharing::buttons::list,
        crate::sharing::buttons::press,
        crate::sharing::invitations::create,
        crate::sharing::invitations::create_one_time,
        crate::sharing::invitations::list,
        crate::sharing::invitations::edit,
        crate::sharing::invitations::revoke,
        crate::sharing::access::list,
        crate::sharing::access::add,
        crate::sharing::access::edit,
        crate::sharing::access::revoke,
        crate::sharing::access::leave,
        crate::sharing::orgs::list,
        crate::sharing::orgs::members,
        crate::sharing::shared::list,
        crate::sharing::requests::ask,
        crate::sharing::requests::list,
        crate::sharing::requests::approve,
        crate::sharing::requests::decline,
        crate::admin::web::outbox,
        crate::routes::view_as::view_as,
        crate::routes::pages::move_page,
        crate::tokens::admin::create_service_user,
        crate::tokens::admin::list_service_users,
        crate::tokens::admin::create,
        crate::tokens::admin::list,
        crate::tokens::admin::rotate,
        crate::tokens::admin::revoke,
        crate::tokens::v1::portfolios,
        crate::tokens::v1::feedback,
        crate::tokens::v1::users,
        crate::tokens::v1::tokens,
        crate::tokens::v1::create_token,
        crate::tokens::edits::apply,
    ),
    components(schemas(ErrorBody, ErrorDetail, described::SecondFactorNeeded)),
    tags(
        (name = "session", description = "Signing in and out, second factor"),
        (name = "account", description = "One's own account"),
        (name = "portfolios", description = "Portfolios and their documents and files"),
        (name = "sharing", description = "Links, share buttons, invitations, access management, access requests"),
        (name = "admin", description = "Administrators: service users, API tokens, outbox"),
        (name = "v1", description = "The versioned REST API for external systems (API tokens)"),
        (name = "meta", description = "This description"),
    )
)]
pub struct ApiDoc;

/// This OpenAPI document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(ApiDoc::openapi()),
    )
}
