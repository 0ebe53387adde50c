//! A device's connection to its ward server: dial with the token (redialling with backoff and
//! jitter), wait for the handshake, and bring documents in step with the server.

use std::sync::Arc;
use std::time::Duration;

use samod::{BackoffConfig, DialerEvent, DialerFailed, DialerHandle};

use crate::dial::{TokenDialer, TokenRefused, sync_url};
use crate::link::{LinkOptions, LinkStats};
use crate::{DocHandle, LocalRepo};

/// Why a device could not connect.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectError {
    #[error("the server refused this device's token: {0}")]
    Refused(TokenRefused),
    #[error("cannot reach the server ({0})")]
    Unreachable(String),
    #[error("bad server address {0:?}")]
    BadUrl(String),
    /// The server's certificate was refused: not the enrolled server's, or not trusted.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsFailure),
}

impl doithoai_model::Localize for ConnectError {
    fn localize(&self, lang: doithoai_model::Lang) -> String {
        use doithoai_model::Lang;
        match (self, lang) {
            (ConnectError::Refused(_), Lang::Vi) => "Máy chủ từ chối mã truy cập của thiết bị (thiết bị có thể đã bị thu hồi). Xin cán bộ CNTT cấp mã đăng ký mới rồi chạy: doithoai join URL MÃ".into(),
            (ConnectError::Refused(_), Lang::En) => "The server refused this device's token (it may have been revoked). Ask for a new enrolment code, then run: doithoai join URL CODE".into(),
            (ConnectError::Unreachable(why), Lang::Vi) => format!("Không kết nối được máy chủ ({}). Dữ liệu vẫn an toàn trên máy; hãy thử lại khi có mạng.", unreachable_reason(why, Lang::Vi)),
            (ConnectError::Unreachable(why), Lang::En) => format!("Cannot reach the server ({why}). Your data is safe on this laptop; try again when online."),
            (ConnectError::BadUrl(u), Lang::Vi) => format!("Địa chỉ máy chủ «{u}» không hợp lệ (ví dụ: https://192.168.1.10:8800)."),
            (ConnectError::BadUrl(u), Lang::En) => format!("Bad server address {u:?} (e.g. https://192.168.1.10:8800)."),
            (ConnectError::Tls(e), l) => doithoai_model::Localize::localize(e, l),
        }
    }
}

/// Why the dialer could not connect, from its (English) error text, in `lang`; the text itself
/// stays in the log. Kinds the text does not name are told as the server not answering.
fn unreachable_reason(why: &str, lang: doithoai_model::Lang) -> String {
    use std::io::ErrorKind as K;
    let t = why.to_ascii_lowercase();
    let kind = if t.contains("refused") {
        Some(K::ConnectionRefused)
    } else if t.contains("timed out") || t.contains("timeout") {
        Some(K::TimedOut)
    } else if t.contains("no route") || t.contains("unreachable") {
        Some(K::HostUnreachable)
    } else if t.contains("reset") || t.contains("broken pipe") || t.contains("aborted") {
        Some(K::ConnectionReset)
    } else {
        None
    };
    match kind {
        Some(k) => doithoai_model::lang::io_reason(k, lang),
        None if t.contains("lookup") || t.contains("resolve") || t.contains("name or service") => {
            lang.pick(
                "không tìm thấy tên máy chủ",
                "the server's name was not found",
            )
            .to_owned()
        }
        None => lang
            .pick("máy chủ không trả lời", "the server did not answer")
            .to_owned(),
    }
}

/// A live (or redialling) link to the server.
pub struct ServerLink {
    dialer: DialerHandle<TokenRefused>,
    seen: Arc<crate::tls::Seen>,
    last_error: Arc<std::sync::Mutex<Option<String>>>,
    current: Arc<std::sync::Mutex<Option<url::Url>>>,
    connects: Arc<std::sync::atomic::AtomicU64>,
    pub stats: Arc<LinkStats>,
}

impl LocalRepo {
    /// Starts dialling the server. `retries: None` redials forever (background sync);
    /// `Some(n)` gives up after n failed attempts (a one-off `doithoai sync`). A `wss://`
    /// server's certificate is checked against the roots only; see [`Self::dial_server_with`].
    pub fn dial_server(
        &self,
        server_url: &str,
        token: &str,
        opts: LinkOptions,
        retries: Option<u32>,
    ) -> Result<ServerLink, ConnectError> {
        self.dial_server_with(
            server_url,
            token,
            &crate::tls::Trust::default(),
            opts,
            retries,
        )
    }

    /// [`Self::dial_server`], checking the server's certificate as `trust` says (the pinned
    /// fingerprint of a ward's self-signed certificate, or the roots).
    pub fn dial_server_with(
        &self,
        server_url: &str,
        token: &str,
        trust: &crate::tls::Trust,
        opts: LinkOptions,
        retries: Option<u32>,
    ) -> Result<ServerLink, ConnectError> {
        self.dial_servers_with(&[server_url.to_owned()], token, trust, opts, retries)
    }

    /// [`Self::dial_server_with`] over the nodes of one service: `servers[0]` first; an
    /// attempt that fails moves on to the next, so a node that stops answering costs one
    /// attempt of the backoff. Every node must serve the certificate `trust` accepts.
    pub fn dial_servers_with(
        &self,
        servers: &[String],
        token: &str,
        trust: &crate::tls::Trust,
        opts: LinkOptions,
        retries: Option<u32>,
    ) -> Result<ServerLink, ConnectError> {
        let urls = servers
            .iter()
            .map(|s| sync_url(s).map_err(|_| ConnectError::BadUrl(s.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        if urls.is_empty() {
            return Err(ConnectError::BadUrl(String::new()));
        }
        let stats = Arc::new(LinkStats::default());
        let tls = crate::tls::ClientTls::new(trust)?;
        let seen = tls.seen.clone();
        let dialer = TokenDialer::with_fallbacks(urls, token.to_owned(), opts, stats.clone(), tls);
        let last_error = dialer.last_error();
        let current = dialer.current();
        let connects = dialer.connects();
        let backoff = BackoffConfig {
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            max_retries: retries,
        };
        let handle = self
            .samod()
            .dial(backoff, Arc::new(dialer))
            .map_err(|_| ConnectError::Unreachable("repository stopped".into()))?;
        Ok(ServerLink {
            dialer: handle,
            seen,
            last_error,
            current,
            connects,
            stats,
        })
    }
}

/// What the link is doing, for status displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    Connected,
    Disconnected(String),
    Reconnecting(u32),
    GaveUp,
}

impl ServerLink {
    /// Waits for the first successful connection and handshake.
    pub async fn established(&self) -> Result<(), ConnectError> {
        match self.dialer.established().await {
            Ok(_) => Ok(()),
            Err(DialerFailed::PermanentFailure(e)) => Err(ConnectError::Refused((*e).clone())),
            Err(DialerFailed::MaxRetriesReached) if self.seen.failure().is_some() => {
                Err(ConnectError::Tls(self.seen.failure().unwrap_or(
                    crate::tls::TlsFailure::Setup("certificate refused".into()),
                )))
            }
            Err(DialerFailed::MaxRetriesReached) => Err(ConnectError::Unreachable(
                self.last_error
                    .lock()
                    .ok()
                    .and_then(|e| e.clone())
                    .unwrap_or_else(|| "no answer".into()),
            )),
        }
    }

    /// The base URL (`https://host:port`) of the server the link last connected to, `None`
    /// before the first connection.
    pub fn server(&self) -> Option<String> {
        let mut u = self.current.lock().ok()?.clone()?;
        let scheme = if u.scheme() == "wss" { "https" } else { "http" };
        u.set_scheme(scheme).ok()?;
        u.set_path("");
        Some(u.as_str().trim_end_matches('/').to_owned())
    }

    /// How many connections this link has made so far: a larger number than before means the
    /// link was dropped and redialled (perhaps to another node) in between.
    pub fn connections(&self) -> u64 {
        self.connects.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn is_connected(&self) -> bool {
        self.dialer.is_connected()
    }

    /// The link's events (connected, disconnected, reconnecting).
    pub fn events(&self) -> impl futures::Stream<Item = LinkEvent> + Unpin + '_ {
        use futures::StreamExt;
        self.dialer.events().map(|e| match e {
            DialerEvent::Connected { .. } => LinkEvent::Connected,
            DialerEvent::Disconnected { reason } => LinkEvent::Disconnected(reason),
            DialerEvent::Reconnecting { attempt } => LinkEvent::Reconnecting(attempt),
            DialerEvent::MaxRetriesReached | DialerEvent::PermanentFailure => LinkEvent::GaveUp,
        })
    }

    /// Waits until the server has every change of `handle` and we have every change the server
    /// has, on the current connection; `false` on timeout (the server refuses the document or
    /// the link is too slow) or when not connected.
    ///
    /// For a document this device may only read, the server ignores its changes, so only the
    /// second half is awaited.
    pub async fn in_step(&self, handle: &DocHandle, writable: bool, timeout: Duration) -> bool {
        let Some(conn) = self.dialer.connection_id() else {
            return false;
        };
        let both = async {
            if writable {
                handle.they_have_our_changes(conn).await;
            }
            handle.we_have_their_changes(conn).await;
        };
        // Give up as soon as that connection is gone (the dialer redials on a new one).
        let dropped = async {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if self.dialer.connection_id() != Some(conn) {
                    return;
                }
            }
        };
        tokio::select! {
            r = tokio::time::timeout(timeout, both) => r.is_ok(),
            _ = dropped => false,
        }
    }

    /// Stops dialling and closes the link.
    pub fn close(&self) {
        self.dialer.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doithoai_model::{Lang, Localize};

    #[test]
    fn an_unreachable_server_is_told_without_english_system_text() {
        let e = ConnectError::Unreachable("IO error: Connection refused (os error 111)".into());
        let vi = e.localize(Lang::Vi);
        assert!(vi.contains("máy chủ từ chối kết nối"), "{vi}");
        assert!(!vi.contains("os error") && !vi.contains("refused"), "{vi}");
        let e = ConnectError::Unreachable("no answer".into());
        assert!(e.localize(Lang::Vi).contains("máy chủ không trả lời"));
    }
}
