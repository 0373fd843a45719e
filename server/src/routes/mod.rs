//! The HTTP routes, one file per resource.
//!
//! | route | file |
//! |---|---|
//! | `POST /api/session`, `DELETE /api/session` | `session.rs` |
//! | `GET /api/me` | `me.rs` |
//! | `GET /health` | `health.rs` |
//! | `GET /metrics` | `metrics.rs` |
//! | everything else | `web.rs` (the single-page app) |
//!
//! Every `/api` answer that is an error uses [`crate::error::ApiError`]'s JSON
//! shape, including unknown routes, wrong methods and unreadable bodies.

mod health;
mod json;
mod me;
mod metrics;
mod session;
mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

pub use json::ApiJson;

use crate::auth::origin::same_origin_writes;
use crate::error::ApiError;
use crate::state::AppState;

/// The whole application: API, health, metrics and the web app.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config().limits.max_body_bytes;
    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .nest("/api", api(state.clone()))
        .fallback(web::web_app)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn api(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/session", post(session::login).delete(session::logout))
        .route("/me", get(me::me))
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
