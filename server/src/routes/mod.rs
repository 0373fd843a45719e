//! The HTTP routes, one file per resource.
//!
//! | route | file |
//! |---|---|
//! | `POST /api/session`, `DELETE /api/session` | `session.rs` |
//! | `GET /api/me` | `me.rs` |
//! | `GET /sync` (websocket) | `sync.rs` |
//! | `POST/GET /api/portfolios`, `GET /api/portfolios/{id}/documents`, `POST /api/portfolios/{id}/feedback-threads` | `documents.rs` |
//! | `POST/GET /api/portfolios/{p}/nodes/{n}/files[/{hash}]` | `files.rs` |
//! | `GET /api/portfolios/{p}/view-as` | `view_as.rs` |
//! | `POST /api/portfolios/{p}/pages/{page}/move` | `pages.rs` |
//! | `GET /api/portfolios/{id}/feedback-authors`, `GET /api/portfolios/{id}/orgs/{org}/logo`, `GET /api/admin/orgs`, `PUT/GET/DELETE /api/admin/orgs/{org}/logo` | `orgs.rs` |
//! | `GET /health` | `health.rs` |
//! | `GET /metrics` | `metrics.rs` |
//! | everything else | `web.rs` (the single-page app) |
//!
//! Every `/api` answer that is an error uses [`crate::error::ApiError`]'s JSON
//! shape, including unknown routes, wrong methods and unreadable bodies.

pub(crate) mod documents;
mod files;
mod health;
mod json;
mod me;
mod metrics;
pub(crate) mod orgs;
pub(crate) mod pages;
mod session;
mod sync;
pub(crate) mod view_as;
mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{MethodRouter, get, post, put};
use tower_http::trace::TraceLayer;

pub use json::ApiJson;
pub use session::start_session;

use crate::auth::origin::same_origin_writes;
use crate::error::ApiError;
use crate::state::AppState;

/// The whole application: API, health, metrics and the web app.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config().limits.max_body_bytes;
    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .route("/sync", get(sync::sync))
        .nest("/api", api(state.clone()))
        .fallback(web::web_app)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn api(state: AppState) -> Router<AppState> {
    api_routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this address does not accept that method",
            )
        })
        .layer(middleware::from_fn_with_state(state, same_origin_writes))
}

/// Every `/api` route, relative to `/api`. The router is built from this list
/// and nothing else, so [`api_paths`] is exactly what it serves (the OpenAPI
/// test compares it with `GET /api/openapi.json`). Add new routes here.
pub fn api_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    let mut routes: Vec<(&'static str, MethodRouter<AppState>)> = vec![
        ("/session", post(session::login).delete(session::logout)),
        ("/session/totp", post(crate::accounts::totp::second_factor)),
        ("/me", get(me::me)),
        ("/portfolios", post(documents::create).get(documents::list)),
        ("/portfolios/{id}/documents", get(documents::documents)),
        ("/portfolios/{id}/feedback-threads", post(documents::feedback)),
        ("/portfolios/{id}/feedback-authors", get(orgs::feedback_authors)),
        ("/portfolios/{id}/orgs/{org}/logo", get(orgs::logo)),
        ("/admin/orgs", get(orgs::admin_list)),
        ("/admin/orgs/{org}/logo", put(orgs::set_logo).get(orgs::admin_logo).delete(orgs::remove_logo)),
        ("/portfolios/{portfolio}/nodes/{node}/files", post(files::upload)),
        ("/portfolios/{portfolio}/nodes/{node}/files/{hash}", get(files::download)),
        ("/openapi.json", get(crate::openapi::openapi_json)),
        ("/admin/outbox", get(crate::admin::web::outbox)),
        ("/portfolios/{p}/view-as", get(view_as::view_as)),
        ("/portfolios/{p}/pages/{page}/move", post(pages::move_page)),
    ];
    routes.extend(crate::sharing::routes());
    routes.extend(crate::accounts::routes());
    routes.extend(crate::tokens::routes());
    routes
}

/// The paths of [`api_routes`], with the `/api` prefix.
pub fn api_paths() -> Vec<String> {
    api_routes().into_iter().map(|(path, _)| format!("/api{path}")).collect()
}
