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

/// A real `doithoai-server` process on 127.0.0.1 with its own data directory.
pub struct Server {
    pub dir: PathBuf,
    pub port: u16,
    child: Option<std::process::Child>,
    /// Extra environment for the server process (keepalive settings in fault tests).
    pub env: Vec<(String, String)>,
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
        Server::start_on(dir, None, env)
    }

    /// Starts a server on `database` (`postgres://…`; `None`: the SQLite file in `dir`).
    pub fn start_on(
        dir: impl Into<PathBuf>,
        database: Option<String>,
        env: Vec<(String, String)>,
    ) -> Server {
        let mut s = Server {
            dir: dir.into(),
            port: free_port(),
            child: None,
            env,
            database,
        };
        s.restart();
        s
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
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

    /// Adds a device and returns its one-time enrolment code.
    pub fn add_device(&self, ward: &str, role: &str, point: Option<&str>, name: &str) -> String {
        let mut args = vec![
            "device", "add", "--ward", ward, "--role", role, "--name", name,
        ];
        if let Some(p) = point {
            args.extend(["--point", p]);
        }
        let out = self.admin(&args);
        out.split_whitespace()
            .find(|w| w.len() == 13 && w.as_bytes()[4] == b'-')
            .unwrap_or_else(|| panic!("no code in {out:?}"))
            .to_owned()
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

/// Enrols over HTTP without the client (for protocol-level tests): returns the JSON answer.
pub fn enroll_raw(server: &str, code: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let addr = server.trim_start_matches("http://");
    let body = serde_json::json!({"code": code, "name": "test"}).to_string();
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "POST /api/v1/enroll HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut buf = String::new();
    s.read_to_string(&mut buf).expect("read");
    let json = buf.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(json).unwrap_or_else(|_| panic!("bad enroll answer {buf:?}"))
}

/// A background process (`doithoai serve`) that is killed when the test ends.
pub struct Background(pub std::process::Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
