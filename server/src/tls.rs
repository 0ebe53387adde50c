//! TLS on the server (issue 16): how it serves, the certificate it serves with, and a listener
//! that does the handshakes.
//!
//! Three ways, chosen at start:
//! - **self-signed** (the default): for a ward without a domain. On first start the server makes
//!   a certificate (ECDSA P-256, rcgen) for the names and addresses it is served under, keeps it
//!   and its key in the data directory (`tls-cert.pem`, `tls-key.pem`, 0600) and serves it from
//!   then on. Enrolment codes carry the first 128 bits of its SHA-256, which `doithoai join`
//!   pins.
//! - **certificate files** (`--tls-cert FILE --tls-key FILE`): a ward with a real certificate;
//!   laptops check it against the system's roots (codes carry no fingerprint).
//! - **plain HTTP** (`--plain-http`): behind a reverse proxy that does TLS (README).
//!
//! How the server last served is written to `server.tls` in the data directory, so that the
//! admin subcommands (which may run while the server does not) know whether a code must carry a
//! fingerprint and how to reach the running server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};

use doithoai_model::{Lang, Localize};
use doithoai_sync::tls::{Pin, fingerprint, fingerprint_colons};

/// The self-signed certificate, in the data directory.
pub const CERT_FILE: &str = "tls-cert.pem";
/// Its private key.
pub const KEY_FILE: &str = "tls-key.pem";
/// How the server last served (JSON, [`Served`]).
pub const MODE_FILE: &str = "server.tls";

/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
/// How many handshakes may be under way at once.
const MAX_HANDSHAKES: usize = 512;

/// How the server is to serve.
#[derive(Debug, Clone)]
pub enum TlsMode {
    /// The data directory's self-signed certificate, made for `names` if there is none yet.
    SelfSigned { names: Vec<String>, explicit: bool },
    /// A certificate (chain) and key from files.
    Files { cert: PathBuf, key: PathBuf },
    /// No TLS: a reverse proxy in front does it.
    Plain,
}

/// Errors of the TLS set-up, told to the operator.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no certificate in {0}")]
    NoCert(PathBuf),
    #[error("the certificate and key cannot be used together: {0}")]
    Config(String),
    #[error("cannot make the self-signed certificate: {0}")]
    Make(String),
    #[error("--tls-cert and --tls-key go together")]
    HalfFiles,
}

impl Localize for TlsError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (TlsError::Read { path, reason }, Lang::Vi) => {
                format!("Không đọc được {}: {reason}", path.display())
            }
            (TlsError::Write { path, source }, Lang::Vi) => {
                format!("Không ghi được {}: {source}", path.display())
            }
            (TlsError::NoCert(p), Lang::Vi) => {
                format!("Tệp {} không chứa chứng chỉ nào (PEM).", p.display())
            }
            (TlsError::Config(why), Lang::Vi) => {
                format!("Chứng chỉ và khoá không dùng được cùng nhau: {why}")
            }
            (TlsError::Make(why), Lang::Vi) => {
                format!("Không tạo được chứng chỉ tự ký: {why}")
            }
            (TlsError::HalfFiles, Lang::Vi) => "--tls-cert và --tls-key phải đi cùng nhau.".into(),
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// How the server serves (or last served): what `server.tls` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Served {
    /// `https` or `http`.
    pub scheme: String,
    /// Whether the certificate is the data directory's self-signed one (codes then pin it).
    pub self_signed: bool,
    /// The SHA-256 of the certificate served (hex), for TLS.
    pub fingerprint: Option<String>,
    /// The names and addresses the self-signed certificate was made for.
    #[serde(default)]
    pub names: Vec<String>,
}

impl Served {
    /// The part an enrolment code carries: the fingerprint of a self-signed certificate.
    pub fn code_pin(&self) -> Option<String> {
        if !self.self_signed {
            return None;
        }
        let fp: [u8; 32] = hex::decode(self.fingerprint.as_deref()?)
            .ok()?
            .try_into()
            .ok()?;
        Some(Pin::code_part(&fp))
    }

    /// The pin on the whole certificate, for the admin subcommands talking to the running server.
    pub fn pin(&self) -> Option<Pin> {
        Pin::from_hex(self.fingerprint.as_deref()?)
    }
}

/// What `serve` listens with.
pub struct Ready {
    pub config: Option<Arc<rustls::ServerConfig>>,
    pub served: Served,
}

/// The names a self-signed certificate is made for when none are given: this machine's name,
/// `localhost`, the loopback addresses, and the address listened on if it is a particular one.
pub fn default_names(listen: Option<SocketAddr>) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(h) = hostname() {
        names.push(h);
    }
    names.extend(["localhost", "127.0.0.1", "::1"].map(String::from));
    if let Some(a) = listen
        && !a.ip().is_unspecified()
    {
        names.push(a.ip().to_string());
    }
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|n| seen.insert(n.to_ascii_lowercase()));
    names
}

fn hostname() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that many
        // bytes.
        let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if r == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            let h = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
            if !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                return Some(h);
            }
        }
        None
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").ok().filter(|h| !h.is_empty())
    }
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn load_pem(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| read_err(cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| read_err(cert, e))?;
    if certs.is_empty() {
        return Err(TlsError::NoCert(cert.to_owned()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| read_err(key, e))?;
    Ok((certs, key_der))
}

/// The data directory's self-signed certificate and key, made now (for `names`) if there is
/// none. Returns them and whether they were just made.
pub fn self_signed(
    data_dir: &Path,
    names: &[String],
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, bool), TlsError> {
    let (cert_path, key_path) = (data_dir.join(CERT_FILE), data_dir.join(KEY_FILE));
    if cert_path.is_file() && key_path.is_file() {
        for p in [&cert_path, &key_path] {
            doithoai_store::private::tighten(p).map_err(|e| read_err(p, e))?;
        }
        let (c, k) = load_pem(&cert_path, &key_path)?;
        return Ok((c, k, false));
    }
    doithoai_store::private::create_dir(data_dir).map_err(|source| TlsError::Write {
        path: data_dir.to_owned(),
        source,
    })?;
    let key = rcgen::KeyPair::generate().map_err(|e| TlsError::Make(e.to_string()))?;
    let mut params =
        rcgen::CertificateParams::new(names.to_vec()).map_err(|e| TlsError::Make(e.to_string()))?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(
        rcgen::DnType::CommonName,
        format!(
            "doithoai-server {}",
            names.first().map(String::as_str).unwrap_or("")
        ),
    );
    dn.push(rcgen::DnType::OrganizationName, "doithoai");
    params.distinguished_name = dn;
    let year = chrono::Datelike::year(&chrono::Utc::now());
    params.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
    // Laptops pin the certificate itself, so its dates do not matter to them; other clients (a
    // browser, the JS client) see a long-lived certificate.
    params.not_after = rcgen::date_time_ymd(year + 30, 1, 1);
    let cert = params
        .self_signed(&key)
        .map_err(|e| TlsError::Make(e.to_string()))?;
    // The key first: a certificate on disk without its key would be kept and fail at start.
    let write = |path: &Path, bytes: &[u8]| {
        doithoai_store::private::write_file(path, bytes).map_err(|source| TlsError::Write {
            path: path.to_owned(),
            source,
        })
    };
    write(&key_path, key.serialize_pem().as_bytes())?;
    write(&cert_path, cert.pem().as_bytes())?;
    tracing::info!(names = ?names, fingerprint = %fingerprint_colons(&fingerprint(cert.der())), "self-signed certificate made");
    let (c, k) = load_pem(&cert_path, &key_path)?;
    Ok((c, k, true))
}

fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(doithoai_sync::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Reads how the server last served, if it ever did.
pub fn last_served(data_dir: &Path) -> Option<Served> {
    let s = std::fs::read_to_string(data_dir.join(MODE_FILE)).ok()?;
    serde_json::from_str(&s).ok()
}

/// Sets up TLS as `mode` says and records it in `server.tls`.
pub fn prepare(data_dir: &Path, mode: &TlsMode) -> Result<Ready, TlsError> {
    let ready = match mode {
        TlsMode::Plain => Ready {
            config: None,
            served: Served {
                scheme: "http".into(),
                self_signed: false,
                fingerprint: None,
                names: Vec::new(),
            },
        },
        TlsMode::Files { cert, key } => {
            let (certs, key) = load_pem(cert, key)?;
            let fp = fingerprint(certs[0].as_ref());
            Ready {
                config: Some(server_config(certs, key)?),
                served: Served {
                    scheme: "https".into(),
                    self_signed: false,
                    fingerprint: Some(hex::encode(fp)),
                    names: Vec::new(),
                },
            }
        }
        TlsMode::SelfSigned { names, explicit } => {
            let before = last_served(data_dir);
            let (certs, key, made) = self_signed(data_dir, names)?;
            let fp = hex::encode(fingerprint(certs[0].as_ref()));
            // The names a kept certificate was made for (the record of the run that made it).
            let made_for = match (&before, made) {
                (_, true) => names.clone(),
                (Some(b), false) if b.self_signed && b.fingerprint.as_deref() == Some(&fp) => {
                    b.names.clone()
                }
                _ => Vec::new(),
            };
            if *explicit && !made && !made_for.is_empty() && made_for != *names {
                tracing::warn!(
                    kept = ?made_for,
                    asked = ?names,
                    "the self-signed certificate is kept for the names it was made for: laptops pin it, so a new one would make every laptop enrol again; to make one anyway, stop the server and remove tls-cert.pem and tls-key.pem"
                );
            }
            Ready {
                config: Some(server_config(certs, key)?),
                served: Served {
                    scheme: "https".into(),
                    self_signed: true,
                    fingerprint: Some(fp),
                    names: made_for,
                },
            }
        }
    };
    let path = data_dir.join(MODE_FILE);
    let json = serde_json::to_string_pretty(&ready.served).unwrap_or_default();
    doithoai_store::private::write_file(&path, json.as_bytes())
        .map_err(|source| TlsError::Write { path, source })?;
    Ok(ready)
}

/// The fingerprint part of the enrolment codes made now, for an admin subcommand: that of the
/// self-signed certificate when the server serves (or last served) with it, or will by default
/// (it has never run: the certificate is made now, for the default names).
pub fn code_pin_for_admin(data_dir: &Path) -> Result<Option<String>, TlsError> {
    match last_served(data_dir) {
        Some(s) => Ok(s.code_pin()),
        None => {
            let (certs, _, _) = self_signed(data_dir, &default_names(None))?;
            Ok(Some(Pin::code_part(&fingerprint(certs[0].as_ref()))))
        }
    }
}

/// A listener that does TLS handshakes off the accept loop (a slow or silent client holds up
/// nobody) and hands axum the connections that completed one.
pub struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(
        tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
        SocketAddr,
    )>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(
        listener: tokio::net::TcpListener,
        config: Arc<rustls::ServerConfig>,
    ) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let permits = Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = tx.closed() => return,
                    a = listener.accept() => a,
                };
                let (tcp, addr) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    tracing::warn!(%addr, "too many TLS handshakes under way: connection dropped");
                    continue;
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, addr)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { rx, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(c) => c,
            // The accept loop only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
