//! A small HTTP/1.1 client for the few JSON calls a device makes to its ward server (enrolment,
//! registering a new document, listing its documents). The server is on the ward's network or on
//! 127.0.0.1 in tests; plain HTTP, one request per connection.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
}

/// The host:port and path of an `http://` or `ws://` URL.
pub fn split_url(url: &str) -> Result<(String, String), HttpError> {
    let u = url::Url::parse(url).map_err(|_| HttpError::BadUrl(url.to_owned()))?;
    let host = u
        .host_str()
        .ok_or_else(|| HttpError::BadUrl(url.to_owned()))?;
    let port = u.port_or_known_default().unwrap_or(80);
    Ok((format!("{host}:{port}"), u.path().to_owned()))
}

/// Sends one request and returns the status and body of the answer.
pub async fn request(
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
    request_with(base, method, path, &headers, body, timeout).await
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
    let (addr, _) = split_url(base)?;
    let fut = async {
        let mut s = TcpStream::connect(&addr)
            .await
            .map_err(|e| HttpError::Unreachable {
                addr: addr.clone(),
                reason: e.to_string(),
                kind: e.kind(),
            })?;
        let body = body.unwrap_or("");
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            // A header value cannot carry a line break into the request.
            if value.contains(['\r', '\n']) || name.contains(['\r', '\n', ':']) {
                return Err(HttpError::BadHeader((*name).to_owned()));
            }
            req.push_str(&format!("{name}: {value}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        let io = |e: std::io::Error| HttpError::Unreachable {
            addr: addr.clone(),
            reason: e.to_string(),
            kind: e.kind(),
        };
        s.write_all(req.as_bytes()).await.map_err(io)?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.map_err(io)?;
        parse_response(&buf)
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| HttpError::Timeout)?
}

fn parse_response(buf: &[u8]) -> Result<(u16, String), HttpError> {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(HttpError::Malformed)?;
    let head = std::str::from_utf8(&buf[..split]).map_err(|_| HttpError::Malformed)?;
    let status: u16 = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or(HttpError::Malformed)?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:")
            && l.to_ascii_lowercase().contains("chunked")
    });
    let raw = &buf[split + 4..];
    let body = if chunked { dechunk(raw)? } else { raw.to_vec() };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, HttpError> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or(HttpError::Malformed)?;
        let size_str = std::str::from_utf8(&raw[..line_end]).map_err(|_| HttpError::Malformed)?;
        let size = usize::from_str_radix(size_str.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| HttpError::Malformed)?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if raw.len() < size {
            return Err(HttpError::Malformed);
        }
        out.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_answers() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (200, "{}".into()));
        let chunked = b"HTTP/1.1 401 Unauthorized\r\ntransfer-encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), (401, "abcdef".into()));
        assert!(parse_response(b"garbage").is_err());
    }
}
