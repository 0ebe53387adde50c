//! The device side of a link: a samod dialer that presents the device token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use samod::{DialError, Dialer, Transport};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::link::{LinkOptions, LinkStats, link};
use crate::tls::ClientTls;

/// Why the server refused the token: the device must be enrolled again.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the server refused this device's token ({status}): {reason}")]
pub struct TokenRefused {
    pub status: u16,
    pub reason: String,
}

/// Dials `wss://server/sync` (or `ws://`) with `Authorization: Bearer TOKEN`, checking the
/// server's certificate with `tls` (see [`crate::tls`]).
///
/// Given several servers (the nodes of one ward's service), each attempt dials the one the last
/// attempt left off at, and a failed attempt moves on to the next: a node that stops answering
/// costs one attempt of the backoff, and the link stays on the node that answers.
pub struct TokenDialer {
    urls: Vec<url::Url>,
    next: Arc<AtomicUsize>,
    current: Arc<Mutex<Option<url::Url>>>,
    connects: Arc<std::sync::atomic::AtomicU64>,
    token: String,
    opts: LinkOptions,
    stats: Arc<LinkStats>,
    last_error: Arc<Mutex<Option<String>>>,
    tls: ClientTls,
}

impl TokenDialer {
    pub fn new(
        url: url::Url,
        token: String,
        opts: LinkOptions,
        stats: Arc<LinkStats>,
        tls: ClientTls,
    ) -> Self {
        Self::with_fallbacks(vec![url], token, opts, stats, tls)
    }

    /// A dialer over several servers, tried in turn from the first (`urls` must not be empty).
    pub fn with_fallbacks(
        urls: Vec<url::Url>,
        token: String,
        opts: LinkOptions,
        stats: Arc<LinkStats>,
        tls: ClientTls,
    ) -> Self {
        TokenDialer {
            urls,
            next: Arc::default(),
            current: Arc::default(),
            connects: Arc::default(),
            token,
            opts,
            stats,
            last_error: Arc::default(),
            tls,
        }
    }

    /// What the certificate check saw.
    pub fn tls(&self) -> &ClientTls {
        &self.tls
    }

    /// The server the link last connected to (its `/sync` URL).
    pub fn current(&self) -> Arc<Mutex<Option<url::Url>>> {
        self.current.clone()
    }

    /// How many connections the dialer has made (a redial makes another).
    pub fn connects(&self) -> Arc<std::sync::atomic::AtomicU64> {
        self.connects.clone()
    }

    /// The last transient dial error (for status displays).
    pub fn last_error(&self) -> Arc<Mutex<Option<String>>> {
        self.last_error.clone()
    }
}

/// The websocket URL of a server base URL: `http://h:p` → `ws://h:p/sync`.
pub fn sync_url(server: &str) -> Result<url::Url, crate::http::HttpError> {
    let mut u = url::Url::parse(server.trim())
        .map_err(|_| crate::http::HttpError::BadUrl(server.to_owned()))?;
    let scheme = match u.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return Err(crate::http::HttpError::BadUrl(server.to_owned())),
    };
    u.set_scheme(scheme)
        .map_err(|_| crate::http::HttpError::BadUrl(server.to_owned()))?;
    if !u.path().ends_with("/sync") {
        u.set_path("/sync");
    }
    Ok(u)
}

impl Dialer for TokenDialer {
    type Error = TokenRefused;

    fn url(&self) -> url::Url {
        self.current
            .lock()
            .ok()
            .and_then(|c| c.clone())
            .or_else(|| self.urls.first().cloned())
            .unwrap_or_else(|| url::Url::parse("wss://invalid/sync").expect("a valid URL"))
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<TokenRefused>>> {
        let n = self.urls.len().max(1);
        let at = self.next.load(Ordering::Relaxed) % n;
        let Some(url) = self.urls.get(at).cloned() else {
            return Box::pin(async { Err(DialError::TransientFailure("no server".into())) });
        };
        let next = self.next.clone();
        let current = self.current.clone();
        let connects = self.connects.clone();
        // The next attempt, if this one fails, tries the next server.
        let move_on = move || {
            if n > 1 {
                let _ =
                    next.compare_exchange(at, (at + 1) % n, Ordering::Relaxed, Ordering::Relaxed);
            }
        };
        let token = self.token.clone();
        let opts = self.opts;
        let stats = self.stats.clone();
        let last_error = self.last_error.clone();
        let tls = self.tls.clone();
        Box::pin(async move {
            let mut req = url
                .as_str()
                .into_client_request()
                .map_err(DialError::transient)?;
            let header = format!("Bearer {token}")
                .parse()
                .map_err(DialError::transient)?;
            req.headers_mut().insert("authorization", header);
            let mut config = WebSocketConfig::default();
            config.max_message_size = Some(opts.max_frame_bytes);
            config.max_frame_size = Some(opts.max_frame_bytes);
            let connector = tokio_tungstenite::Connector::Rustls(tls.config.clone());
            let connect = tokio_tungstenite::connect_async_tls_with_config(
                req,
                Some(config),
                true,
                Some(connector),
            );
            let result = tokio::time::timeout(opts.idle_timeout, connect).await;
            let (ws, _resp) = match result {
                Err(_) => {
                    move_on();
                    let msg = format!(
                        "connection attempt to {} timed out",
                        url.host_str().unwrap_or("")
                    );
                    if let Ok(mut l) = last_error.lock() {
                        *l = Some(msg.clone());
                    }
                    return Err(DialError::TransientFailure(msg.into()));
                }
                Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp)))
                    if resp.status() == 401 || resp.status() == 403 =>
                {
                    let reason = resp
                        .body()
                        .as_ref()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .unwrap_or_default();
                    tracing::warn!(status = %resp.status(), %reason, "token refused");
                    return Err(DialError::PermanentFailure(TokenRefused {
                        status: resp.status().as_u16(),
                        reason,
                    }));
                }
                Ok(Err(e)) => {
                    // A certificate that is not the enrolled server's is said as such; the
                    // dialer still retries (a captive portal on the way may go), but never
                    // without the check.
                    let msg = match tls.seen.failure() {
                        Some(f) => f.to_string(),
                        None => e.to_string(),
                    };
                    tracing::debug!(error = %msg, server = %url, "dial failed");
                    move_on();
                    if let Ok(mut l) = last_error.lock() {
                        *l = Some(msg.clone());
                    }
                    return Err(DialError::TransientFailure(msg.into()));
                }
                Ok(Ok(ok)) => ok,
            };
            if let Ok(mut l) = last_error.lock() {
                *l = None;
            }
            if let Ok(mut c) = current.lock() {
                *c = Some(url.clone());
            }
            connects.fetch_add(1, Ordering::Relaxed);
            let (transport, _handle) = link(ws, opts, stats);
            Ok(transport)
        })
    }
}
