//! The single-page web app, served from `--web-dir`.
//!
//! Existing files are served as they are; any other path gets `index.html`, so
//! the app's own router handles deep links. When the directory has no
//! `index.html` (the app was never built) every page is a 503 that says how to
//! build it. The check is made per request, so building the app while the server
//! runs needs no restart.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::state::AppState;

/// Serves the web app, falling back to `index.html`.
pub async fn web_app(State(state): State<AppState>, request: Request) -> Response {
    let dir = &state.config().web_dir;
    let index = dir.join("index.html");
    if !tokio::fs::try_exists(&index).await.unwrap_or(false) {
        return not_built(dir);
    }
    let service = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(&index));
    match service.oneshot(request).await {
        Ok(response) => {
            let mut response = response.map(Body::new);
            if response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|t| t.as_bytes().starts_with(b"text/html"))
            {
                // The shell must be re-fetched so a new build is picked up.
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    header::HeaderValue::from_static("no-cache"),
                );
            }
            response
        }
        Err(never) => match never {},
    }
}

fn not_built(dir: &std::path::Path) -> Response {
    let dir = dir
        .display()
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Folio: web app not built</title></head>\
         <body><h1>The Folio web app is not built</h1>\
         <p>The server is running, but there is no <code>index.html</code> in <code>{dir}</code>.</p>\
         <p>Build and start everything with <code>cargo xtask run</code>, \
         or point <code>--web-dir</code> (<code>FOLIO_WEB_DIR</code>) at a built app.</p></body></html>"
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
}
