//! Helpers for doithoai's end-to-end tests: locate the real binaries that cargo built, run the
//! client in a data directory, start and stop the server.
//!
//! The binaries are the ones `cargo test --workspace` builds beside the test executables (the
//! client and server packages have integration tests, so cargo builds their binaries too).

pub mod browser;
pub mod pg;
pub mod proxy;
pub mod scenario;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The path of a workspace binary built in the same profile as the running test.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile directory");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace --bins` (or `cargo test --workspace`) first",
        path.display()
    );
    path
}

/// A client data directory and the commands run in it.
pub struct Client {
    pub dir: PathBuf,
}

impl Client {
    pub fn new(dir: impl Into<PathBuf>) -> Client {
        Client { dir: dir.into() }
    }

    /// A `doithoai` command with this client's data directory.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(bin("doithoai"));
        c.arg("--data-dir")
            .arg(&self.dir)
            .env("DOITHOAI_LANG", "vi");
        c
    }

    /// Runs `doithoai ARGS`, returning its output whatever the exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run doithoai")
    }

    /// Runs `doithoai ARGS` and returns stdout, failing the test with stderr if it fails.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "doithoai {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `petition list --json` as JSON values.
    pub fn petitions(&self) -> Vec<serde_json::Value> {
        let out = self.ok(&["petition", "list", "--json", "--limit", "100000"]);
        serde_json::from_str(&out).expect("petition list --json")
    }

    /// The SQLite file of this client.
    pub fn db(&self) -> PathBuf {
        self.dir.join("doithoai.sqlite3")
    }
}

/// The short id printed by `petition add` ("Đã lưu ý kiến 1a2b3c4d — ...").
pub fn saved_id(stdout: &str) -> Option<String> {
    let rest = stdout.split("Đã lưu ý kiến ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_owned())
}

/// A small deterministic random generator for test schedules (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    #[allow(clippy::should_implement_trait)] // a generator, not an iterator: it never ends
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A real `doithoai-server` process on 127.0.0.1 with its own data directory, serving TLS with
/// its self-signed certificate (the server's default) unless [`Server::args`] say otherwise.
pub struct Server {
    pub dir: PathBuf,
    pub port: u16,
    child: Option<std::process::Child>,
    /// Extra environment for the server process (keepalive settings in fault tests).
    pub env: Vec<(String, String)>,
    /// Extra arguments of `serve` (`--plain-http`, `--tls-cert F --tls-key F`).
    pub args: Vec<String>,
    /// `postgres://…`: the server (and its admin commands) run on this database instead of the
    /// SQLite file in `dir`.
    pub database: Option<String>,
}

impl Server {
    /// Starts a server in `dir` on a free port and waits until it answers.
    pub fn start(dir: impl Into<PathBuf>) -> Server {
        Server::start_with_env(dir, Vec::new())
    }

    pub fn start_with_env(dir: impl Into<PathBuf>, env: Vec<(String, String)>) -> Server {
        Server::start_with(dir, env, Vec::new())
    }

    /// Starts a server on `database` (`postgres://…`; `None`: the SQLite file in `dir`).
    pub fn start_on(
        dir: impl Into<PathBuf>,
        database: Option<String>,
        env: Vec<(String, String)>,
    ) -> Server {
        Server::start_full(dir, database, env, Vec::new())
    }

    /// Starts a server with extra `serve` arguments.
    pub fn start_with(
        dir: impl Into<PathBuf>,
        env: Vec<(String, String)>,
        args: Vec<String>,
    ) -> Server {
        Server::start_full(dir, None, env, args)
    }

    /// Starts a server on `database` with extra `serve` arguments.
    pub fn start_full(
        dir: impl Into<PathBuf>,
        database: Option<String>,
        env: Vec<(String, String)>,
        args: Vec<String>,
    ) -> Server {
        let mut s = Server {
            dir: dir.into(),
            port: free_port(),
            child: None,
            env,
            args,
            database,
        };
        s.restart();
        s
    }

    /// Whether the server serves plain HTTP (`--plain-http`).
    pub fn plain(&self) -> bool {
        self.args.iter().any(|a| a == "--plain-http")
    }

    /// `https://127.0.0.1:PORT` (or `http://` for a plain server).
    pub fn url(&self) -> String {
        let scheme = if self.plain() { "http" } else { "https" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// `wss://127.0.0.1:PORT/sync` (or `ws://`).
    pub fn ws_url(&self) -> String {
        let scheme = if self.plain() { "ws" } else { "wss" };
        format!("{scheme}://127.0.0.1:{}/sync", self.port)
    }

    /// How the server last said it serves (`server.tls`).
    pub fn served(&self) -> serde_json::Value {
        let s = std::fs::read_to_string(self.dir.join("server.tls")).unwrap_or_default();
        serde_json::from_str(&s).unwrap_or_default()
    }

    /// A trust that pins the certificate this server serves (for protocol-level tests).
    pub fn trust(&self) -> doithoai_sync::tls::Trust {
        doithoai_sync::tls::Trust {
            pin: self.served()["fingerprint"]
                .as_str()
                .and_then(doithoai_sync::tls::Pin::from_hex),
        }
    }

    /// The TLS set-up of a client that trusts this server.
    pub fn client_tls(&self) -> doithoai_sync::tls::ClientTls {
        doithoai_sync::tls::ClientTls::new(&self.trust()).expect("client TLS")
    }

    /// Opens a websocket to this server's `/sync` with `req` (over TLS unless plain).
    pub async fn ws_connect(
        &self,
        req: tokio_tungstenite::tungstenite::handshake::client::Request,
    ) -> Result<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        tokio_tungstenite::tungstenite::Error,
    > {
        let connector = if self.plain() {
            tokio_tungstenite::Connector::Plain
        } else {
            tokio_tungstenite::Connector::Rustls(self.client_tls().config)
        };
        tokio_tungstenite::connect_async_tls_with_config(req, None, false, Some(connector))
            .await
            .map(|(ws, _)| ws)
    }

    /// One raw HTTP/1.1 request to this server (over TLS unless plain): the status and body.
    pub fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let (status, _, body) = self.http_full(method, path, headers, body);
        (status, body)
    }

    /// [`Server::http`], with the answer's head (status line and headers) too.
    pub fn http_full(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String, String) {
        use std::io::{Read, Write};
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        let tcp = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .expect("timeout");
        let mut buf = Vec::new();
        if self.plain() {
            let mut s = tcp;
            s.write_all(req.as_bytes()).expect("write");
            let _ = s.read_to_end(&mut buf);
        } else {
            let name = rustls_pki_types::ServerName::try_from("127.0.0.1").expect("name");
            let conn = rustls::ClientConnection::new(self.client_tls().config, name)
                .expect("TLS connection");
            let mut s = rustls::StreamOwned::new(conn, tcp);
            s.write_all(req.as_bytes()).expect("write");
            // A close without close_notify ends the answer as well.
            let _ = s.read_to_end(&mut buf);
        }
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, head.to_owned(), body)
    }

    fn admin_cmd(&self) -> Command {
        let mut c = Command::new(bin("doithoai-server"));
        c.arg("--data-dir")
            .arg(&self.dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .env("DOITHOAI_LANG", "vi")
            .env("DOITHOAI_LOG", "warn");
        if let Some(db) = &self.database {
            c.arg("--database").arg(db);
        }
        c
    }

    /// Runs an admin subcommand and returns its output, whether it succeeded or not.
    pub fn admin_run(&self, args: &[&str]) -> std::process::Output {
        self.admin_cmd()
            .args(args)
            .output()
            .expect("run doithoai-server")
    }

    /// Runs an admin subcommand and returns stdout (fails the test on error).
    pub fn admin(&self, args: &[&str]) -> String {
        let out = self
            .admin_cmd()
            .args(args)
            .output()
            .expect("run doithoai-server");
        assert!(
            out.status.success(),
            "doithoai-server {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Creates the test ward `dk` ("Phường Dĩnh Kế") with TDP collection points `tdp-<x>` named
    /// "Tổ dân phố <X>", one per letter in `points`.
    pub fn setup_ward(&self, points: &[&str]) {
        self.admin(&["ward", "create", "--id", "dk", "--name", "Phường Dĩnh Kế"]);
        for p in points {
            let id = format!("tdp-{p}");
            let name = format!("Tổ dân phố {}", p.to_uppercase());
            self.admin(&[
                "point", "add", "--ward", "dk", "--kind", "tdp", "--id", &id, "--name", &name,
            ]);
        }
    }

    /// The root intake document id of `point` in ward `dk` (from `point list`).
    pub fn intake_of(&self, point: &str) -> String {
        self.admin(&["point", "list", "--ward", "dk"])
            .lines()
            .find(|l| l.starts_with(&format!("{point}\t")))
            .and_then(|l| l.split('\t').nth(3))
            .expect("intake doc of point")
            .to_owned()
    }

    /// Adds a device and returns its one-time enrolment code.
    pub fn add_device(&self, ward: &str, role: &str, point: Option<&str>, name: &str) -> String {
        let mut args = vec![
            "device", "add", "--ward", ward, "--role", role, "--name", name,
        ];
        if let Some(p) = point {
            args.extend(["--point", p]);
        }
        let out = self.admin(&args);
        code_in(&out).unwrap_or_else(|| panic!("no code in {out:?}"))
    }

    /// Starts (or starts again) the server process and waits for `/healthz`.
    pub fn restart(&mut self) {
        self.kill();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.with_extension("log"))
            .expect("server log");
        std::fs::create_dir_all(&self.dir).expect("server dir");
        let mut c = self.admin_cmd();
        c.arg("serve")
            .args(&self.args)
            .env("DOITHOAI_LOG", "info")
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        self.child = Some(c.spawn().expect("start doithoai-server"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        panic!(
            "doithoai-server did not start; see {}",
            self.dir.with_extension("log").display()
        );
    }

    /// Stops the server process as a service manager does (SIGTERM) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(30));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGKILLs the server process.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The server's SQLite file.
    pub fn db(&self) -> PathBuf {
        self.dir.join("doithoai-server.sqlite3")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.with_extension("log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The enrolment code in a `device add` output: `IIII-SSSSSSSS`, with the fingerprint part
/// `-PPPPPPPPPPPPPPPPPPPPPPPPPP` when the server uses its self-signed certificate.
pub fn code_in(out: &str) -> Option<String> {
    out.split_whitespace()
        .find(|w| {
            let b = w.as_bytes();
            (b.len() == 13 || (b.len() == 40 && b[13] == b'-'))
                && b[4] == b'-'
                && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
}

fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = raw.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        raw = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A second server node on the same database as `first`, serving `first`'s certificate (as every
/// node behind one address must: an enrolment code pins one certificate, and a laptop that fails
/// over to another node checks the same pin).
pub fn second_node(first: &Server, dir: impl Into<PathBuf>, database: &str) -> Server {
    let dir = dir.into();
    std::fs::create_dir_all(&dir).expect("node dir");
    for f in ["tls-cert.pem", "tls-key.pem"] {
        std::fs::copy(first.dir.join(f), dir.join(f)).expect("copy the first node's certificate");
    }
    Server::start_on(dir, Some(database.to_owned()), Vec::new())
}

/// Enrols over HTTP(S) without the client (for protocol-level tests): returns the JSON answer.
pub fn enroll_raw(server: &Server, code: &str) -> serde_json::Value {
    let body = serde_json::json!({"code": code, "name": "test"}).to_string();
    let (status, text) = server.http("POST", "/api/v1/enroll", &[], &body);
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("bad enroll answer {status} {text:?}"))
}

/// A background process (`doithoai serve`) that is killed when the test ends.
pub struct Background(pub std::process::Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A ward CA and a server certificate it signed for 127.0.0.1, as PEM files in `dir`.
pub fn ward_ca(
    dir: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    std::fs::create_dir_all(dir).expect("test certificate");
    let ca_key = KeyPair::generate().expect("test certificate");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("test certificate");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "CA của Phường Dĩnh Kế (thử)");
    let ca_cert = ca.self_signed(&ca_key).expect("test certificate");
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("test certificate");
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("test certificate");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.distinguished_name
        .push(DnType::CommonName, "doithoai.dinh-ke.test");
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .expect("test certificate");
    let (ca_pem, cert_pem, key_pem) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&ca_pem, ca_cert.pem()).expect("test certificate");
    std::fs::write(&cert_pem, leaf_cert.pem()).expect("test certificate");
    std::fs::write(&key_pem, leaf_key.serialize_pem()).expect("test certificate");
    (ca_pem, cert_pem, key_pem)
}

/// A PostgreSQL cluster serving TLS with a certificate for 127.0.0.1 signed by a test CA, the
/// CA's PEM file, and the directory holding them; `None` as [`pg::PgCluster::start_or_skip`].
pub fn pg_tls_cluster_or_skip(test: &str) -> Option<(pg::PgCluster, PathBuf, tempfile::TempDir)> {
    let bin = pg::bin_or_skip(test)?;
    let pki = tempfile::tempdir().expect("pki dir");
    let (ca, cert, key) = ward_ca(pki.path());
    let cluster = pg::PgCluster::start_with(bin, Some((&cert, &key)));
    Some((cluster, ca, pki))
}
