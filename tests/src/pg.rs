//! A throwaway PostgreSQL cluster for the tests that run the server on PostgreSQL.
//!
//! [`PgCluster::start`] runs Debian's `initdb` in a temporary directory and `pg_ctl` on a free
//! port of 127.0.0.1 (trust authentication, fsync off: nothing of it outlives the test), and
//! stops and removes it when dropped. PostgreSQL refuses to run as root, and CI runs as root, so
//! there the cluster is made and run as `nobody` (`setpriv`), its directory owned by that user.
//!
//! The binaries are found in `DOITHOAI_PG_BIN`, else through `pg_config --bindir`, else in the
//! newest `/usr/lib/postgresql/*/bin`. When there are none, [`PgCluster::start_or_skip`] prints
//! why the test is skipped and returns `None` — except in CI (`CI` set), where a missing
//! PostgreSQL fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A running throwaway cluster; stopped and removed on drop.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    /// `(uid, gid)` the cluster runs as, when this process is root.
    run_as: Option<(u32, u32)>,
    next_db: std::sync::atomic::AtomicU32,
}

/// The role the tests connect as.
pub const PG_USER: &str = "doithoai";

/// The directory holding `initdb`, `pg_ctl` and `createdb`, if PostgreSQL is installed.
pub fn pg_bin_dir() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(d) = std::env::var_os("DOITHOAI_PG_BIN").map(PathBuf::from) {
        return has(&d).then_some(d);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has(&d) {
            return Some(d);
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            has(&bin).then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, d)| d)
}

/// `nobody`'s uid and gid (from /etc/passwd).
fn nobody() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find(|l| l.starts_with("nobody:"))
        .and_then(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
        })
        .unwrap_or((65534, 65534))
}

/// Whether this process runs as root (`/proc/self` belongs to the process's effective user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The binaries' directory, or `None` (with the reason printed) when PostgreSQL is not
/// installed and this is not CI. In CI a missing PostgreSQL fails the test.
pub fn bin_or_skip(test: &str) -> Option<PathBuf> {
    match pg_bin_dir() {
        Some(bin) => Some(bin),
        None if std::env::var_os("CI").is_some() => panic!(
            "{test}: PostgreSQL is required in CI and was not found (install Debian's postgresql, or set DOITHOAI_PG_BIN)"
        ),
        None => {
            eprintln!(
                "SKIPPED {test}: PostgreSQL binaries not found (install Debian's postgresql, or set DOITHOAI_PG_BIN to the directory holding initdb and pg_ctl)"
            );
            None
        }
    }
}

impl PgCluster {
    /// A cluster, or `None` (with the reason printed) when PostgreSQL is not installed and this
    /// is not CI. In CI a missing PostgreSQL fails the test.
    pub fn start_or_skip(test: &str) -> Option<PgCluster> {
        bin_or_skip(test).map(PgCluster::start_in)
    }

    /// Starts a cluster with the binaries in `bin`.
    pub fn start_in(bin: PathBuf) -> PgCluster {
        PgCluster::start_with(bin, None)
    }

    /// Starts a cluster with the binaries in `bin`, serving TLS with the certificate and key
    /// files `tls` when given (see `crate::pg_tls_cluster_or_skip` in the tests).
    pub fn start_with(bin: PathBuf, tls: Option<(&Path, &Path)>) -> PgCluster {
        let dir = tempfile::Builder::new()
            .prefix("doithoai-pg-")
            // As root the cluster runs as nobody, who must reach the directory: /tmp, not a
            // TMPDIR that may sit inside root's home.
            .tempdir_in(if is_root() {
                PathBuf::from("/tmp")
            } else {
                std::env::temp_dir()
            })
            .expect("temporary directory for PostgreSQL");
        let run_as = is_root().then(nobody);
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("give the cluster's directory to nobody");
        }
        let mut c = PgCluster {
            dir,
            bin,
            port: 0,
            run_as,
            next_db: Default::default(),
        };
        let data = c.data();
        let out = c
            .as_owner("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                PG_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut ssl = String::new();
        if let Some((cert, key)) = tls {
            for (from, to) in [(cert, "server.crt"), (key, "server.key")] {
                let to = data.join(to);
                std::fs::copy(from, &to).expect("copy the test certificate");
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                    .expect("chmod");
                if let Some((uid, gid)) = c.run_as {
                    std::os::unix::fs::chown(&to, Some(uid), Some(gid)).expect("chown");
                }
            }
            ssl = " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key".into();
        }
        // A port can be taken between choosing it and binding it: try a few.
        for _ in 0..5 {
            c.port = crate::free_port();
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200{ssl}",
                c.port,
                c.dir.path().display()
            );
            let out = c
                .as_owner("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(c.dir.path().join("postgres.log"))
                .args(["-o", &opts, "-w", "-t", "30", "start"])
                .output()
                .expect("run pg_ctl start");
            if out.status.success() {
                return c;
            }
            eprintln!(
                "pg_ctl start failed on port {}: {}\n{}",
                c.port,
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(c.dir.path().join("postgres.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("PostgreSQL did not start");
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A command of the cluster's binaries, run as the cluster's owner.
    fn as_owner(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        match self.run_as {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    /// The address of database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{PG_USER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a new, empty database and returns its address.
    pub fn new_database(&self) -> String {
        let n = self
            .next_db
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("doithoai_{n}");
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                PG_USER,
            ])
            .arg(&name)
            .output()
            .expect("run createdb");
        assert!(
            out.status.success(),
            "createdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.url(&name)
    }

    /// Runs one SQL statement with `psql` and returns what it printed (unaligned, no header).
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                url,
                "-c",
                sql,
            ])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Stops the cluster now (`-m immediate`: as if the machine lost power).
    pub fn stop(&self) {
        let _ = self
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Which database a test's server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database a test's server runs on, and for PostgreSQL the cluster that holds it.
pub enum TestDb {
    Sqlite,
    Postgres { cluster: PgCluster, url: String },
}

impl TestDb {
    /// What to give [`crate::Server::start_on`]: `None` for the SQLite file.
    pub fn url(&self) -> Option<String> {
        match self {
            TestDb::Sqlite => None,
            TestDb::Postgres { url, .. } => Some(url.clone()),
        }
    }
}

/// The database for `backend`: for PostgreSQL a new database on a new cluster. `None` when the
/// test must be skipped (PostgreSQL not installed, outside CI; the reason is printed).
pub fn database_for(backend: Backend, test: &str) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(TestDb::Sqlite),
        Backend::Postgres => {
            let cluster = PgCluster::start_or_skip(test)?;
            let url = cluster.new_database();
            Some(TestDb::Postgres { cluster, url })
        }
    }
}
