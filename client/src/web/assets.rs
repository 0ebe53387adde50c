//! The UI's static files, embedded in the binary: no CDN, no fonts from outside, no build step.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");
const ICON: &str = include_str!("../../assets/icon.svg");
/// The sessions' pages: their layout (live mode, previews) and the live mode's keys and the
/// minutes' autosave.
const SESSIONS_CSS: &str = include_str!("../../assets/sessions.css");
const SESSIONS_JS: &str = include_str!("../../assets/sessions.js");

fn asset(body: &'static str, kind: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // Embedded in this binary: the same for as long as the process runs.
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    r
}

pub async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

pub async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

pub async fn icon() -> Response {
    asset(ICON, "image/svg+xml")
}

pub async fn sessions_css() -> Response {
    asset(SESSIONS_CSS, "text/css; charset=utf-8")
}

pub async fn sessions_js() -> Response {
    asset(SESSIONS_JS, "text/javascript; charset=utf-8")
}
