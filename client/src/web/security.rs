//! The UI's guard, run before every handler (static assets too): the Host header, the secret
//! exchanged for a cookie, the CSRF token of every POST, and the security headers of every
//! answer.
//!
//! - The address `serve` prints carries `?key=…`, made at each start. A request carrying the key
//!   gets an HttpOnly, SameSite=Strict cookie holding another secret and a redirect to the same
//!   path without the key, so the key leaves the address bar and the history.
//! - Every other request must carry that cookie: another user of the machine, or a page on the
//!   web, cannot read or change anything without the key.
//! - Every POST must carry the CSRF token (a hidden `_csrf` field, or an `x-csrf-token` header
//!   from the script): SameSite=Strict already keeps cross-site forms out, this is the second lock.
//! - The Host header must be 127.0.0.1 or localhost (with this port): a DNS-rebinding page whose
//!   name resolves to 127.0.0.1 sends its own name and is refused.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use doithoai_model::Lang;

use super::AppState;
use super::error::{ErrorPage, Forbidden, render_error};

/// The secrets of one run of `serve`.
pub struct Secrets {
    /// In the printed address, exchanged for the cookie.
    pub key: String,
    /// The cookie's value.
    pub session: String,
    /// The token every form carries.
    pub csrf: String,
}

/// The cookie's name: one per port, so that two data directories served at once do not
/// overwrite each other's cookie (cookies do not tell ports apart).
pub fn cookie_name(port: u16) -> String {
    format!("doithoai_{port}")
}

/// The language cookie.
pub const LANG_COOKIE: &str = "doithoai_lang";

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language of a request: its cookie, else the default.
pub fn lang_of(headers: &HeaderMap, default: Lang) -> Lang {
    match cookie(headers, LANG_COOKIE) {
        Some("en") => Lang::En,
        Some("vi") => Lang::Vi,
        _ => default,
    }
}

fn host_ok(headers: &HeaderMap, port: u16) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let host = host.trim().to_ascii_lowercase();
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host.as_str(), None),
    };
    matches!(name, "127.0.0.1" | "localhost") && p.is_none_or(|p| p == port.to_string())
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The largest POST body the UI accepts (a petition's texts are at most 20,000 characters).
const MAX_BODY: usize = 1 << 20;
/// The largest file upload (a spreadsheet to import), as a multipart form.
const MAX_UPLOAD: usize = doithoai_device::import::MAX_BYTES + (64 << 10);

/// The CSRF token in a multipart form (the import page's upload): its `_csrf` field.
async fn csrf_in_multipart(content_type: &str, body: &Bytes, token: &str) -> bool {
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return false;
    };
    let body = body.clone();
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("_csrf") {
            return field
                .text()
                .await
                .is_ok_and(|v| same_secret(v.trim(), token));
        }
    }
    false
}

fn csrf_in_form(body: &Bytes, token: &str) -> bool {
    let Ok(pairs) = serde_urlencoded_pairs(body) else {
        return false;
    };
    pairs
        .iter()
        .any(|(k, v)| k == "_csrf" && same_secret(v, token))
}

fn serde_urlencoded_pairs(body: &Bytes) -> Result<Vec<(String, String)>, ()> {
    serde_urlencoded::from_bytes(body).map_err(|_| ())
}

fn refuse(state: &AppState, lang: Lang, why: Forbidden) -> Response {
    let page = ErrorPage::forbidden(why);
    render_error(&page, lang, state.port)
}

/// Adds the headers every answer carries.
fn harden(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

/// The guard (an axum middleware over every route).
pub async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers(), state.default_lang);
    if !host_ok(req.headers(), state.port) {
        tracing::warn!(host = ?req.headers().get(header::HOST), "refused a foreign Host header");
        return harden(refuse(&state, lang, Forbidden::Host));
    }
    if let Some(key) = req.uri().query().and_then(|q| query_param(q, "key")) {
        if !same_secret(key, &state.secrets.key) {
            return harden(refuse(&state, lang, Forbidden::BadKey));
        }
        let cookie = format!(
            "{}={}; HttpOnly; SameSite=Strict; Path=/",
            cookie_name(state.port),
            state.secrets.session
        );
        let path = req.uri().path().to_owned();
        let mut resp = (StatusCode::SEE_OTHER, [(header::LOCATION, path)]).into_response();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
        return harden(resp);
    }
    let has_cookie = cookie(req.headers(), &cookie_name(state.port))
        .is_some_and(|v| same_secret(v, &state.secrets.session));
    if !has_cookie {
        return harden(refuse(&state, lang, Forbidden::NoSecret));
    }
    let req = if req.method() == Method::POST {
        let header_ok = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| same_secret(v, &state.secrets.csrf));
        let (parts, body) = req.into_parts();
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.starts_with("multipart/form-data"))
            .map(str::to_owned);
        let limit = if multipart.is_some() {
            MAX_UPLOAD
        } else {
            MAX_BODY
        };
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => return harden(refuse(&state, lang, Forbidden::TooLarge)),
        };
        let form_ok = match &multipart {
            Some(ct) => csrf_in_multipart(ct, &bytes, &state.secrets.csrf).await,
            None => csrf_in_form(&bytes, &state.secrets.csrf),
        };
        if !header_ok && !form_ok {
            tracing::warn!(path = %parts.uri.path(), "refused a POST without the CSRF token");
            return harden(refuse(&state, lang, Forbidden::Csrf));
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let resp = next.run(req).await;
    // A handler's error carries its page; it is rendered here, where the language is known.
    let resp = match resp.extensions().get::<ErrorPage>().cloned() {
        Some(page) => render_error(&page, lang, state.port),
        None => resp,
    };
    harden(resp)
}
