//! TLS to PostgreSQL, chosen by libpq's words in the database address, so that a city's DBA
//! reads them as in any other client:
//!
//! - `sslmode=disable`: plain TCP.
//! - `sslmode=prefer` (the default, as in libpq) and `allow`: TLS when the server offers it,
//!   plain otherwise; the certificate is not checked (encrypted against someone listening, not
//!   against someone in the middle). A warning is logged when the database is not on this
//!   machine.
//! - `sslmode=require`: TLS or no connection; the certificate is checked only when
//!   `sslrootcert` is given (libpq's rule).
//! - `sslmode=verify-ca` and `verify-full`: TLS, and the certificate must chain to the roots in
//!   `sslrootcert=FILE` (PEM), or to the system's roots without it, and name the host (rustls
//!   always checks the name, so `verify-ca` is as strict as `verify-full`).
//!
//! rustls with ring, as everywhere in doithoai; tokio-postgres-rustls joins it to the driver.

use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres::config::SslMode;

/// The connector for every connection to the database (the pool's and the listener's).
#[derive(Clone)]
pub(crate) enum Tls {
    Off,
    On(tokio_postgres_rustls::MakeRustlsConnect),
}

/// The driver's configuration and the TLS it needs, from the database address.
pub(crate) struct Connection {
    pub config: tokio_postgres::Config,
    pub tls: Tls,
    /// Whether the server's certificate is checked.
    pub verified: bool,
}

/// Reads the address: `sslmode` and `sslrootcert` are taken out (tokio-postgres does not know
/// every libpq mode, nor `sslrootcert`), the rest goes to the driver. The error says what is
/// wrong, in English (the caller wraps it).
pub(crate) fn parse(address: &str) -> Result<Connection, String> {
    let mut url = url::Url::parse(address).map_err(|e| format!("invalid address: {e}"))?;
    let mut mode: Option<String> = None;
    let mut root: Option<String> = None;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| match k.as_ref() {
            "sslmode" => {
                mode = Some(v.into_owned());
                None
            }
            "sslrootcert" => {
                root = Some(v.into_owned());
                None
            }
            _ => Some((k.into_owned(), v.into_owned())),
        })
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let mut config = tokio_postgres::Config::from_str(url.as_str())
        .map_err(|e| format!("invalid address: {e}"))?;
    let (ssl, verified) = match mode.as_deref().unwrap_or("prefer") {
        "disable" => (SslMode::Disable, false),
        "allow" | "prefer" => (SslMode::Prefer, root.is_some()),
        "require" => (SslMode::Require, root.is_some()),
        "verify-ca" | "verify-full" => (SslMode::Require, true),
        other => {
            return Err(format!(
                "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
            ));
        }
    };
    config.ssl_mode(ssl);
    let tls = if ssl == SslMode::Disable {
        Tls::Off
    } else {
        Tls::On(tokio_postgres_rustls::MakeRustlsConnect::new(
            client_config(verified, root.as_deref())?,
        ))
    };
    let local = url.host().is_none_or(|h| match h {
        url::Host::Ipv4(a) => a.is_loopback(),
        url::Host::Ipv6(a) => a.is_loopback(),
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost") || d.starts_with('/'),
    });
    if !verified && !local {
        tracing::warn!(
            "the PostgreSQL server's certificate is not checked: add sslmode=verify-full (and sslrootcert=FILE for a CA of the city's own) to the database address"
        );
    }
    Ok(Connection {
        config,
        tls,
        verified,
    })
}

fn client_config(verified: bool, root: Option<&str>) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match (verified, root) {
        (false, _) => Arc::new(Unchecked {
            provider: provider.clone(),
        }),
        (true, Some(path)) => {
            let mut roots = rustls::RootCertStore::empty();
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert={path}: {e}"))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("sslrootcert={path}: {e}"))?;
            if certs.is_empty() {
                return Err(format!("sslrootcert={path}: no certificate in the file"));
            }
            for c in certs {
                roots
                    .add(c)
                    .map_err(|e| format!("sslrootcert={path}: {e}"))?;
            }
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| format!("sslrootcert={path}: {e}"))?
        }
        (true, None) => Arc::new(
            rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| format!("no system root certificates: {e}"))?,
        ),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// libpq's `prefer` and `require` without roots: any certificate, but the handshake's
/// signatures are still checked against it.
#[derive(Debug)]
struct Unchecked {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_words_are_taken_out_and_understood() {
        let c =
            parse("postgres://u:p@db.city.vn:5433/dk?sslmode=disable&connect_timeout=3").unwrap();
        assert!(matches!(c.tls, Tls::Off));
        assert_eq!(c.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(
            c.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(3))
        );
        let c = parse("postgres://u@db.city.vn/dk").unwrap();
        assert_eq!(c.config.get_ssl_mode(), SslMode::Prefer);
        assert!(matches!(c.tls, Tls::On(_)) && !c.verified);
        let c = parse("postgres://u@db.city.vn/dk?sslmode=verify-full").unwrap();
        assert_eq!(c.config.get_ssl_mode(), SslMode::Require);
        assert!(c.verified);
        let e = parse("postgres://u@db/dk?sslmode=sometimes").err().unwrap();
        assert!(e.contains("sslmode=sometimes"), "{e}");
        let e = parse("postgres://u@db/dk?sslmode=verify-full&sslrootcert=/nonexistent.pem")
            .err()
            .unwrap();
        assert!(e.contains("sslrootcert=/nonexistent.pem"), "{e}");
    }
}
