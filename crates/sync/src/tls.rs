//! How a device checks its ward server's certificate (issue 16).
//!
//! Two ways, and never none:
//! - **A pinned fingerprint.** A ward without a domain serves a self-signed certificate that its
//!   server made on first start; the enrolment code carries the first 128 bits of its SHA-256
//!   ([`Pin`]), `join` checks them and keeps the whole SHA-256 of the certificate it saw, which
//!   every later connection checks exactly. Names and dates do not matter then (the laptop may
//!   reach the server under a new address), but the handshake's signature is still checked
//!   against the pinned certificate's key, so only its holder can answer.
//! - **The roots.** A ward with a real certificate (its own domain, or a CA of its own) is
//!   checked by the platform's verifier against the system's roots, plus the PEM certificates in
//!   the file named by `DOITHOAI_TLS_CA` (a ward's own CA, or a test's).
//!
//! A pinned device whose server shows another certificate accepts it only if the roots vouch for
//! it (a ward that moved from its self-signed certificate to a real one); otherwise the
//! connection fails with [`TlsFailure::NotEnrolledServer`]. Nothing falls back to unverified.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

use doithoai_model::{Lang, Localize};

/// The environment variable naming a PEM file of extra root certificates to trust.
pub const EXTRA_ROOTS_ENV: &str = "DOITHOAI_TLS_CA";

/// How many bytes of the SHA-256 an enrolment code carries (128 bits: finding another
/// certificate with the same first 128 bits of its hash is out of anyone's reach).
pub const CODE_PIN_BYTES: usize = 16;

/// The crypto provider every doithoai TLS configuration uses (ring).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The SHA-256 of a certificate (DER).
pub fn fingerprint(cert_der: &[u8]) -> [u8; 32] {
    Sha256::digest(cert_der).into()
}

/// A fingerprint as people read it: `AB:CD:…` (the form browsers and `openssl x509
/// -fingerprint -sha256` show).
pub fn fingerprint_colons(fp: &[u8]) -> String {
    fp.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Crockford's base32: no I, L, O, U; read back case-insensitively with O as 0 and I, L as 1.
fn crockford() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzOoIiLl");
    spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ001111");
    spec.ignore.push('-');
    // Only the 128-bit prefix is ever encoded: 26 symbols, the last with 2 spare bits.
    spec.check_trailing_bits = false;
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE32_NOPAD.clone())
}

/// A pin on the server's certificate: all or the first [`CODE_PIN_BYTES`] bytes of its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin(Vec<u8>);

impl Pin {
    /// The whole SHA-256 of a certificate, as kept after `join`.
    pub fn full(fp: [u8; 32]) -> Pin {
        Pin(fp.to_vec())
    }

    /// The part an enrolment code carries, in base32 (26 symbols).
    pub fn code_part(fp: &[u8; 32]) -> String {
        crockford().encode(&fp[..CODE_PIN_BYTES])
    }

    /// Reads the part of an enrolment code after the code itself.
    pub fn from_code_part(s: &str) -> Option<Pin> {
        let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = crockford().decode(cleaned.as_bytes()).ok()?;
        (bytes.len() == CODE_PIN_BYTES).then_some(Pin(bytes))
    }

    /// Reads a pin kept as hex (a whole SHA-256).
    pub fn from_hex(s: &str) -> Option<Pin> {
        let b = hex_decode(s.trim())?;
        (b.len() == 32).then_some(Pin(b))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether a certificate's fingerprint matches.
    pub fn matches(&self, fp: &[u8; 32]) -> bool {
        !self.0.is_empty() && fp.starts_with(&self.0)
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What a device trusts in its server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    pub pin: Option<Pin>,
}

impl Trust {
    pub fn pinned(pin: Pin) -> Trust {
        Trust { pin: Some(pin) }
    }
}

/// Why a TLS set-up or connection failed, in words a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TlsFailure {
    /// The server's certificate is neither the pinned one nor vouched for by the roots.
    #[error(
        "the server's certificate (SHA-256 {seen}) is not the one this device enrolled with: this is not the server you enrolled with, or its certificate was replaced"
    )]
    NotEnrolledServer { seen: String },
    /// The roots do not vouch for the certificate (no pin to check instead).
    #[error("the server's certificate is not trusted: {0}")]
    Untrusted(String),
    #[error("cannot read the extra root certificates in {path} ({EXTRA_ROOTS_ENV}): {reason}")]
    ExtraRoots { path: String, reason: String },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

impl Localize for TlsFailure {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (TlsFailure::NotEnrolledServer { seen }, Lang::Vi) => format!(
                "Chứng chỉ của máy chủ (SHA-256 {seen}) không phải chứng chỉ của máy chủ mà thiết bị này đã đăng ký: đây không phải máy chủ đã đăng ký, hoặc chứng chỉ của máy chủ đã bị thay. Không gửi dữ liệu nào. Hãy hỏi cán bộ CNTT của phường."
            ),
            (TlsFailure::NotEnrolledServer { seen }, Lang::En) => format!(
                "The server's certificate (SHA-256 {seen}) is not that of the server this device enrolled with: this is not the server you enrolled with, or its certificate was replaced. Nothing was sent. Ask the ward's IT person."
            ),
            (TlsFailure::Untrusted(why), Lang::Vi) => format!(
                "Chứng chỉ của máy chủ không được tin cậy ({why}). Nếu phường dùng chứng chỉ tự ký, hãy đăng ký bằng mã đăng ký đầy đủ (có phần dấu vân tay) do máy chủ in ra."
            ),
            (TlsFailure::Untrusted(why), Lang::En) => format!(
                "The server's certificate is not trusted ({why}). If the ward uses a self-signed certificate, enrol with the whole enrolment code (with its fingerprint part) that the server printed."
            ),
            (TlsFailure::ExtraRoots { path, reason }, Lang::Vi) => format!(
                "Không đọc được tệp chứng chỉ gốc bổ sung {path} ({EXTRA_ROOTS_ENV}): {reason}"
            ),
            (TlsFailure::Setup(why), Lang::Vi) => format!("Không thiết lập được TLS: {why}"),
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// What the verifier saw, for the caller to tell why a connection failed and what to keep.
#[derive(Debug, Default)]
pub struct Seen {
    fingerprint: Mutex<Option<[u8; 32]>>,
    refusal: Mutex<Option<TlsFailure>>,
    pin_matched: AtomicBool,
}

impl Seen {
    /// The SHA-256 of the last certificate the server showed.
    pub fn fingerprint(&self) -> Option<[u8; 32]> {
        self.fingerprint.lock().ok().and_then(|g| *g)
    }

    /// Whether the last certificate was refused for not being the pinned one.
    pub fn mismatch(&self) -> bool {
        matches!(self.failure(), Some(TlsFailure::NotEnrolledServer { .. }))
    }

    /// Whether the last certificate was accepted by its pin.
    pub fn pin_matched(&self) -> bool {
        self.pin_matched.load(Ordering::SeqCst)
    }

    /// The failure to report for a connection that failed, if it was the certificate's.
    pub fn failure(&self) -> Option<TlsFailure> {
        self.refusal.lock().ok().and_then(|g| g.clone())
    }

    fn refuse(&self, f: TlsFailure) {
        if let Ok(mut g) = self.refusal.lock() {
            *g = Some(f);
        }
    }
}

/// A marker error inside rustls's, for the log.
#[derive(Debug)]
struct PinMismatch;

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("certificate fingerprint does not match the pinned one")
    }
}

impl std::error::Error for PinMismatch {}

#[derive(Debug)]
struct Verifier {
    pin: Option<Pin>,
    roots: Option<Arc<dyn ServerCertVerifier>>,
    provider: Arc<CryptoProvider>,
    seen: Arc<Seen>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fp = fingerprint(end_entity.as_ref());
        if let Ok(mut g) = self.seen.fingerprint.lock() {
            *g = Some(fp);
        }
        if let Ok(mut g) = self.seen.refusal.lock() {
            *g = None;
        }
        self.seen.pin_matched.store(false, Ordering::SeqCst);
        if let Some(pin) = &self.pin
            && pin.matches(&fp)
        {
            self.seen.pin_matched.store(true, Ordering::SeqCst);
            return Ok(ServerCertVerified::assertion());
        }
        let by_roots = match &self.roots {
            Some(r) => {
                r.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        };
        match by_roots {
            Ok(v) => Ok(v),
            Err(e) if self.pin.is_some() => {
                tracing::error!(
                    seen = %fingerprint_colons(&fp),
                    roots = %e,
                    "the server's certificate is not the pinned one"
                );
                self.seen.refuse(TlsFailure::NotEnrolledServer {
                    seen: fingerprint_colons(&fp),
                });
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    OtherError(Arc::new(PinMismatch)),
                )))
            }
            Err(e) => {
                tracing::error!(error = %e, "the server's certificate is not trusted");
                self.seen.refuse(TlsFailure::Untrusted(e.to_string()));
                Err(e)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The extra roots named by `DOITHOAI_TLS_CA`, if set.
pub fn extra_roots() -> Result<Vec<CertificateDer<'static>>, TlsFailure> {
    let Some(path) = std::env::var_os(EXTRA_ROOTS_ENV).filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let shown = std::path::Path::new(&path).display().to_string();
    let fail = |reason: String| TlsFailure::ExtraRoots {
        path: shown.clone(),
        reason,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&path)
        .map_err(|e| fail(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| fail(e.to_string()))?;
    if certs.is_empty() {
        return Err(fail("no certificate in the file".into()));
    }
    Ok(certs)
}

/// A client TLS configuration for `trust`, and where its verifier says what it saw.
#[derive(Clone)]
pub struct ClientTls {
    pub config: Arc<rustls::ClientConfig>,
    pub seen: Arc<Seen>,
}

impl ClientTls {
    pub fn new(trust: &Trust) -> Result<ClientTls, TlsFailure> {
        let provider = provider();
        // Whatever in the process asks rustls for its default provider gets the same one.
        let _ = (*provider).clone().install_default();
        let extra = extra_roots()?;
        let roots: Option<Arc<dyn ServerCertVerifier>> =
            match rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            {
                Ok(v) => Some(Arc::new(v)),
                // Without roots only a pinned certificate can be accepted (and none without a
                // pin: every TLS connection is then refused, as untrusted).
                Err(e) => {
                    tracing::warn!(error = %e, "no root certificates: only a pinned certificate is accepted");
                    None
                }
            };
        let seen = Arc::new(Seen::default());
        let verifier = Verifier {
            pin: trust.pin.clone(),
            roots,
            provider: provider.clone(),
            seen: seen.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsFailure::Setup(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(ClientTls {
            config: Arc::new(config),
            seen,
        })
    }
}

/// Whether a URL's host is this machine (where plain HTTP is no risk).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The warning for a server reached in clear over the network (`http://` or `ws://` to another
/// machine), if that is the case: Vietnamese and English.
pub fn plain_warning(server: &str) -> Option<(String, String)> {
    let u = url::Url::parse(server.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "ws") || is_loopback(&u) {
        return None;
    }
    let host = u.host_str().unwrap_or_default().to_owned();
    Some((
        format!(
            "Cảnh báo: kết nối tới máy chủ {host} không được mã hoá (http://): mã truy cập và dữ liệu của người dân đi qua mạng ở dạng đọc được. Hãy dùng https:// (xem README, phần TLS)."
        ),
        format!(
            "Warning: the connection to the server {host} is not encrypted (http://): the token and residents' data cross the network readable by anyone on it. Use https:// (see README, TLS)."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_parts_read_back_whatever_the_case_and_dashes() {
        let fp = fingerprint(b"a certificate");
        let part = Pin::code_part(&fp);
        assert_eq!(part.len(), 26);
        let typed = format!(
            "{}-{} ",
            part[..13].to_lowercase(),
            part[13..].replace('0', "O")
        );
        let pin = Pin::from_code_part(&typed).expect("reads back");
        assert!(pin.matches(&fp));
        assert!(!pin.matches(&fingerprint(b"another certificate")));
        assert_eq!(Pin::from_code_part("ABC"), None);
        let full = Pin::full(fp);
        assert_eq!(Pin::from_hex(&full.to_hex()), Some(full));
    }

    #[test]
    fn plain_http_warns_only_off_this_machine() {
        assert!(plain_warning("http://127.0.0.1:8800").is_none());
        assert!(plain_warning("http://localhost:8800").is_none());
        assert!(plain_warning("https://192.168.1.10:8800").is_none());
        assert!(plain_warning("http://192.168.1.10:8800").is_some());
        assert!(plain_warning("ws://phuong.example/sync").is_some());
    }
}
