//! Helpers for doithoai's end-to-end tests: locate the real binaries that cargo built, run the
//! client in a data directory, start and stop the server.
//!
//! The binaries are the ones `cargo test --workspace` builds beside the test executables (the
//! client and server packages have integration tests, so cargo builds their binaries too).

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
        c.arg("--data-dir").arg(&self.dir).env("DOITHOAI_LANG", "vi");
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
