//! The few JSON calls a device makes to its ward server (enrolment, registering a new document,
//! listing its documents), over reqwest with rustls. The certificate is checked as
//! [`crate::tls`] says: the pinned fingerprint of a ward's self-signed certificate, or the roots
//! for a real one; `http://` stays possible (a server behind a reverse proxy on the same machine,
//! or tests), with a warning when the server is another machine.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::tls::{ClientTls, Seen, TlsFailure, Trust};

/// What went wrong with an HTTP call.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("bad server URL {0:?}")]
    BadUrl(String),
    #[error("header {0:?} holds a line break")]
    BadHeader(String),
    #[error("cannot reach the server at {addr}: {reason}")]
    Unreachable {
        addr: String,
        /// What the operating system said (English, for the log).
        reason: String,
        /// Its kind, for telling the user in their language.
        kind: std::io::ErrorKind,
    },
    #[error("the server did not answer in time")]
    Timeout,
    #[error("malformed answer from the server")]
    Malformed,
    #[error("the server answered {status}: {body}")]
    Status { status: u16, body: String },
    /// The server's certificate was refused (or TLS could not be set up).
    #[error(transparent)]
    Tls(#[from] TlsFailure),
}

/// The host:port and path of an `http(s)://` or `ws(s)://` URL.
pub fn split_url(url: &str) -> Result<(String, String), HttpError> {
    let u = url::Url::parse(url).map_err(|_| HttpError::BadUrl(url.to_owned()))?;
    if !matches!(u.scheme(), "http" | "https" | "ws" | "wss") {
        return Err(HttpError::BadUrl(url.to_owned()));
    }
    let host = u
        .host_str()
        .ok_or_else(|| HttpError::BadUrl(url.to_owned()))?;
    let port = u.port_or_known_default().unwrap_or(80);
    Ok((format!("{host}:{port}"), u.path().to_owned()))
}

/// An HTTP client that checks the server's certificate as `trust` says.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::Client,
    seen: Arc<Seen>,
}

/// A trust and the extra roots in force: what a cached client was made for.
type CacheKey = (Option<String>, Option<std::ffi::OsString>);

/// One client per trust (a client holds its TLS set-up, the system's roots read once, and its
/// pool of connections).
fn cache() -> &'static Mutex<HashMap<CacheKey, Client>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, Client>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

impl Client {
    /// The client for `trust` (made once per process).
    pub fn new(trust: &Trust) -> Result<Client, HttpError> {
        let key = (
            trust.pin.as_ref().map(|p| p.to_hex()),
            std::env::var_os(crate::tls::EXTRA_ROOTS_ENV),
        );
        if let Some(c) = cache().lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let tls = ClientTls::new(trust)?;
        let config: rustls::ClientConfig = (*tls.config).clone();
        let inner = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .no_proxy()
            .connect_timeout(Duration::from_secs(15))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| HttpError::Tls(TlsFailure::Setup(e.to_string())))?;
        let c = Client {
            inner,
            seen: tls.seen,
        };
        if let Ok(mut m) = cache().lock() {
            m.insert(key, c.clone());
        }
        Ok(c)
    }

    /// What the certificate check saw on the last connection.
    pub fn seen(&self) -> &Seen {
        &self.seen
    }

    /// Sends one request and returns the status and body of the answer.
    pub async fn request(
        &self,
        base: &str,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<(u16, String), HttpError> {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| ("Authorization", a))
            .into_iter()
            .collect();
        self.request_with(base, method, path, &headers, body, timeout)
            .await
    }

    /// [`Client::request`] with the given extra headers (the admin API's `x-admin-secret`).
    pub async fn request_with(
        &self,
        base: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<(u16, String), HttpError> {
        let (addr, _) = split_url(base)?;
        let mut url =
            url::Url::parse(base.trim()).map_err(|_| HttpError::BadUrl(base.to_owned()))?;
        let scheme = match url.scheme() {
            "ws" => "http",
            "wss" => "https",
            s => s,
        }
        .to_owned();
        url.set_scheme(&scheme)
            .map_err(|_| HttpError::BadUrl(base.to_owned()))?;
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        url.set_path(p);
        url.set_query((!q.is_empty()).then_some(q));
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| HttpError::BadHeader(method.to_owned()))?;
        let mut req = self
            .inner
            .request(method, url)
            .timeout(timeout)
            .header("accept", "application/json")
            .header("content-type", "application/json");
        for (name, value) in headers {
            // A header value cannot carry a line break into the request.
            if value.contains(['\r', '\n']) || name.contains(['\r', '\n', ':']) {
                return Err(HttpError::BadHeader((*name).to_owned()));
            }
            req = req.header(*name, *value);
        }
        req = req.body(body.unwrap_or("").to_owned());
        let resp = req.send().await.map_err(|e| self.error(&addr, e))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| self.error(&addr, e))?;
        Ok((status, text))
    }

    fn error(&self, addr: &str, e: reqwest::Error) -> HttpError {
        if let Some(f) = self.seen.failure() {
            return HttpError::Tls(f);
        }
        if e.is_timeout() {
            return HttpError::Timeout;
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut io_kind = None;
        while let Some(s) = source {
            if let Some(t) = s.downcast_ref::<rustls::Error>() {
                return HttpError::Tls(TlsFailure::Untrusted(t.to_string()));
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    return HttpError::Tls(TlsFailure::Untrusted(t.to_string()));
                }
                io_kind.get_or_insert(io.kind());
            }
            source = s.source();
        }
        if e.is_decode() || e.is_body() {
            return HttpError::Malformed;
        }
        let mut reason = e.to_string();
        let mut s = std::error::Error::source(&e);
        while let Some(inner) = s {
            reason = format!("{reason}: {inner}");
            s = inner.source();
        }
        HttpError::Unreachable {
            addr: addr.to_owned(),
            reason,
            kind: io_kind.unwrap_or(std::io::ErrorKind::ConnectionAborted),
        }
    }
}

/// Sends one request, checking the certificate against the roots only (no pin).
pub async fn request(
    base: &str,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&str>,
    timeout: Duration,
) -> Result<(u16, String), HttpError> {
    Client::new(&Trust::default())?
        .request(base, method, path, bearer, body, timeout)
        .await
}

/// [`request`] with the given extra headers (the admin API's `x-admin-secret`).
pub async fn request_with(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    timeout: Duration,
) -> Result<(u16, String), HttpError> {
    Client::new(&Trust::default())?
        .request_with(base, method, path, headers, body, timeout)
        .await
}
