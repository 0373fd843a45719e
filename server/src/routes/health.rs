//! `GET /health`: is the server up and its database answering?

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// 200 `{"status":"ok","db":"ok","version":…}`, or 503 with `"db":"error"`.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let version = env!("CARGO_PKG_VERSION");
    match state.storage().ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "db": "ok", "version": version })),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "db": "error", "version": version })),
            )
        }
    }
}
