//! The [`Store`] handle: opening the file, the write path with its retries, settings.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use crate::error::{Failure, StoreError, classify, failure_kind};
use crate::{private, schema};

/// How hard a commit works to reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `PRAGMA synchronous=FULL`: every commit is on disk when it returns, even across a power
    /// cut. For client laptops, whose writes exist nowhere else until synced.
    #[default]
    Full,
    /// `PRAGMA synchronous=NORMAL`: a power cut may lose the last commits (never corrupt the
    /// file). For the server, whose clients keep their data until it is confirmed.
    Normal,
}

/// Tuning of [`Store::open_with`]. [`StoreOptions::new`] gives the defaults used by
/// [`Store::open`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How commits reach the disk.
    pub durability: Durability,
    /// How long one statement waits for another connection's lock (`busy_timeout`). 5 s.
    pub busy_timeout: Duration,
    /// How many times a write is tried in all before [`StoreError::WriteFailed`]. 5.
    pub write_attempts: u32,
    /// The wait after the first failed attempt; it doubles after each further one. 20 ms.
    pub retry_backoff: Duration,
}

impl StoreOptions {
    /// The defaults, with the given durability.
    pub fn new(durability: Durability) -> StoreOptions {
        StoreOptions {
            durability,
            busy_timeout: Duration::from_secs(5),
            write_attempts: 5,
            retry_backoff: Duration::from_millis(20),
        }
    }
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions::new(Durability::Full)
    }
}

/// A handle on one SQLite database file. Cheap to clone; all clones share one connection.
///
/// Several handles (in one process or in several) may open the same file: each sees the others'
/// committed writes.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    options: StoreOptions,
    /// The SQLite connection; `None` for a store over another database ([`Store::over`]).
    conn: Option<Mutex<Connection>>,
    /// Where the chunks are when they are not in the SQLite file ([`Store::over`]).
    external: Option<Arc<dyn crate::ServerDb>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("durability", &self.inner.options.durability)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating it and its parent directories if needed) the database at `path`, in WAL
    /// mode with a 5 s busy timeout, and brings its schema up to date.
    pub fn open(path: &Path, durability: Durability) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::new(durability))
    }

    /// [`Store::open`] with explicit options.
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            private::create_dir(parent).map_err(|source| {
                if source.kind() == std::io::ErrorKind::StorageFull {
                    StoreError::DiskFull {
                        path: path.to_path_buf(),
                    }
                } else {
                    StoreError::CreateDir {
                        path: parent.to_path_buf(),
                        source,
                    }
                }
            })?;
        }
        // The file holds personal data (and, on a laptop, the device token): it is made 0600
        // before SQLite opens it, so its -wal and -shm, which SQLite creates with the database
        // file's mode, are 0600 too; files of an older version are tightened here.
        private::prepare_file(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::StorageFull {
                StoreError::DiskFull {
                    path: path.to_path_buf(),
                }
            } else {
                StoreError::Permissions {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        // Another process (the CLI beside `doithoai serve`) may be opening, migrating or
        // switching the same new file to WAL at this moment. SQLite does not always wait on its
        // busy handler there (changing the journal mode, upgrading a read to a write), so the
        // whole setup is retried on a busy or locked database until `busy_timeout` has passed.
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(5);
        let conn = loop {
            match Self::connect(path, &options) {
                Ok(conn) => break conn,
                Err(e) if e.is_busy() && started.elapsed() < options.busy_timeout => {
                    tracing::debug!(path = %path.display(), error = %e, "database busy while opening; retrying");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(e),
            }
        };
        tracing::debug!(path = %path.display(), ?options.durability, "store opened");
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                options,
                conn: Some(Mutex::new(conn)),
                external: None,
            }),
        })
    }

    /// A store whose chunk space is `db` (a server on PostgreSQL): the sync layer reads and
    /// writes samod's chunks through it as through a SQLite store. It has no local file: the
    /// settings, the index and backups answer [`StoreError::NotLocal`].
    pub fn over(db: Arc<dyn crate::ServerDb>) -> Store {
        Store {
            inner: Arc::new(Inner {
                path: PathBuf::from(db.describe()),
                options: StoreOptions::new(Durability::Normal),
                conn: None,
                external: Some(db),
            }),
        }
    }

    /// The database behind a store made by [`Store::over`].
    pub(crate) fn external(&self) -> Option<&Arc<dyn crate::ServerDb>> {
        self.inner.external.as_ref()
    }

    /// Opens a connection to `path` and sets it up: WAL, durability, schema.
    fn connect(path: &Path, options: &StoreOptions) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open_err = |source: rusqlite::Error| match classify(path, source) {
            StoreError::Sqlite(source) => StoreError::Open {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        };
        let mut conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        conn.busy_timeout(options.busy_timeout).map_err(open_err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), %mode, "could not switch the database to WAL mode");
        }
        let synchronous = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous)
            .map_err(open_err)?;
        if options.durability == Durability::Full {
            // macOS: fsync() does not flush the drive's cache, F_FULLFSYNC does (no-op elsewhere).
            conn.pragma_update(None, "fullfsync", "ON")
                .map_err(open_err)?;
            conn.pragma_update(None, "checkpoint_fullfsync", "ON")
                .map_err(open_err)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        // 16 MiB of page cache (the default is 2 MiB): a rebuild of the index of a ward's
        // petitions then stays in memory until commit.
        conn.pragma_update(None, "cache_size", -16_384)
            .map_err(open_err)?;
        schema::migrate(&mut conn, path)?;
        Ok(conn)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The durability this handle was opened with.
    pub fn durability(&self) -> Durability {
        self.inner.options.durability
    }

    fn lock(&self, what: &'static str) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let Some(conn) = &self.inner.conn else {
            return Err(StoreError::NotLocal {
                what,
                db: self.inner.path.display().to_string(),
            });
        };
        // A panic while the lock was held cannot leave a transaction open (rusqlite rolls back
        // on drop), so the connection is still good.
        Ok(conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Runs `f` on the connection, mapping its error.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let conn = self.lock("read")?;
        f(&conn).map_err(|e| classify(self.path(), e))
    }

    /// Runs `f` in a write (`BEGIN IMMEDIATE`) transaction and commits it. On a transient
    /// failure (busy, locked, I/O error) the whole transaction is rolled back and tried again, up
    /// to [`StoreOptions::write_attempts`] times with a doubling backoff; then
    /// [`StoreError::WriteFailed`]. A full disk is [`StoreError::DiskFull`] at once; any other
    /// error is returned at once.
    pub(crate) fn write<T>(
        &self,
        what: &'static str,
        mut f: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock(what)?;
        let attempts = self.inner.options.write_attempts.max(1);
        let mut backoff = self.inner.options.retry_backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = (|| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let value = f(&tx)?;
                tx.commit()?;
                Ok(value)
            })();
            let err = match result {
                Ok(value) => {
                    if attempt > 1 {
                        tracing::info!(what, attempt, "write succeeded after retrying");
                    }
                    return Ok(value);
                }
                Err(err) => err,
            };
            match failure_kind(&err) {
                Failure::DiskFull => {
                    tracing::error!(what, path = %self.path().display(), error = %err, "disk full: write not saved");
                    return Err(StoreError::DiskFull {
                        path: self.path().to_path_buf(),
                    });
                }
                Failure::Transient if attempt < attempts => {
                    tracing::warn!(what, attempt, error = %err, retry_in = ?backoff, "write failed, retrying");
                    std::thread::sleep(backoff);
                    backoff = backoff.saturating_mul(2);
                }
                Failure::Transient => {
                    tracing::error!(what, attempts = attempt, error = %err, "write failed, giving up");
                    return Err(StoreError::WriteFailed {
                        attempts: attempt,
                        source: err,
                    });
                }
                Failure::Permanent => {
                    tracing::error!(what, error = %err, "write failed");
                    return Err(classify(self.path(), err));
                }
            }
        }
    }

    // ---- settings -------------------------------------------------------------------------

    /// The setting `key`, if set.
    pub fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()
        })
    }

    /// Sets `key` to `value` (retried like every write).
    pub fn meta_set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write("meta_set", |tx| {
            tx.prepare_cached(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])
            .map(drop)
        })
    }

    /// Removes `key`; removing a missing key is not an error.
    pub fn meta_delete(&self, key: &str) -> Result<(), StoreError> {
        self.write("meta_delete", |tx| {
            tx.prepare_cached("DELETE FROM meta WHERE key = ?1")?
                .execute([key])
                .map(drop)
        })
    }

    // ---- maintenance ----------------------------------------------------------------------

    /// `PRAGMA integrity_check`: `"ok"` for a sound file, otherwise SQLite's findings, one per
    /// line.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare("PRAGMA integrity_check")?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.join("\n"))
        })
    }

    /// `PRAGMA data_version`: a number that changes whenever another connection (another
    /// handle or process) commits to the file. Poll it to notice changes made elsewhere.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.read(|c| c.query_row("PRAGMA data_version", [], |r| r.get(0)))
    }

    /// Writes a consistent, compacted copy of the whole database to `dest` (`VACUUM INTO`),
    /// while others keep reading and writing. `dest` must not exist yet; it is made 0600.
    pub fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        self.backup_with(dest, false)
    }

    /// [`Store::backup_to`]; with `replace`, an existing `dest` is replaced (the copy is written
    /// beside it and renamed over it, so `dest` is never half written).
    pub fn backup_with(&self, dest: &Path, replace: bool) -> Result<(), StoreError> {
        let conn = self.lock("backup")?;
        vacuum_into(&conn, dest, replace)
    }

    /// Writes a consistent, compacted copy of the database file `src` to `dest` (which must not
    /// exist; it is made 0600), reading `src` without changing or creating anything beside it.
    pub fn copy_database(src: &Path, dest: &Path) -> Result<(), StoreError> {
        let conn = open_immutable(src)?;
        vacuum_into(&conn, dest, false)
    }

    /// What the file at `path` is, found without creating, locking or changing anything: missing,
    /// not a regular file, empty, not SQLite, a damaged SQLite file, or a database and what it
    /// holds. Only the main file is read: a `-wal` beside it is reported, not applied.
    pub fn inspect(path: &Path) -> Result<FileCheck, StoreError> {
        use std::io::Read;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileCheck::Missing),
            Err(source) => {
                return Err(StoreError::Permissions {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        if !meta.is_file() {
            return Ok(FileCheck::NotAFile);
        }
        if meta.len() == 0 {
            return Ok(FileCheck::Empty);
        }
        let mut header = [0u8; 16];
        let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
        match read {
            Ok(()) if &header == b"SQLite format 3\0" => {}
            Ok(()) => return Ok(FileCheck::NotSqlite),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Ok(FileCheck::NotSqlite);
            }
            Err(source) => {
                return Err(StoreError::Permissions {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
        let conn = open_immutable(path)?;
        let summary = (|| -> rusqlite::Result<Result<DbSummary, String>> {
            let integrity = {
                let mut stmt = conn.prepare("PRAGMA integrity_check")?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows.join("\n")
            };
            if integrity != "ok" {
                return Ok(Err(integrity));
            }
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let mut stmt =
                conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
            let tables = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let count = |table: &str| -> rusqlite::Result<Option<i64>> {
                if tables.iter().any(|t| t == table) {
                    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                        r.get(0)
                    })
                    .map(Some)
                } else {
                    Ok(None)
                }
            };
            Ok(Ok(DbSummary {
                core_version: version / 1000,
                wards: count("reg_ward")?,
                devices: count("reg_device")?,
                chunks: count("chunk")?,
                tables,
                wal_beside: false,
            }))
        })();
        let mut summary = match summary {
            Ok(Ok(s)) => s,
            Ok(Err(findings)) => return Ok(FileCheck::Damaged(findings)),
            Err(e) => match classify(path, e) {
                StoreError::Corrupt { source, .. } => {
                    return Ok(FileCheck::Damaged(source.to_string()));
                }
                other => return Err(other),
            },
        };
        let [_, wal, _] = private::with_sidecars(path);
        summary.wal_beside = std::fs::metadata(wal).is_ok_and(|m| m.len() > 0);
        Ok(FileCheck::Database(summary))
    }

    /// Limits the database to `pages` pages (`PRAGMA max_page_count`, this connection only), so
    /// that tests can make the "disk" full. Returns the limit now in force.
    #[doc(hidden)]
    pub fn testing_set_max_page_count(&self, pages: u64) -> Result<u64, StoreError> {
        self.read(|c| c.pragma_update_and_check(None, "max_page_count", pages, |r| r.get(0)))
    }

    /// The number of pages the database has now (`PRAGMA page_count`).
    #[doc(hidden)]
    pub fn testing_page_count(&self) -> Result<u64, StoreError> {
        self.read(|c| c.query_row("PRAGMA page_count", [], |r| r.get(0)))
    }
}

/// What [`Store::inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileCheck {
    /// No such file.
    Missing,
    /// A directory or something else that is not a regular file.
    NotAFile,
    /// A file of 0 bytes.
    Empty,
    /// Not a SQLite database (its header says otherwise).
    NotSqlite,
    /// A SQLite file that fails `PRAGMA integrity_check` (SQLite's findings).
    Damaged(String),
    /// A sound SQLite database.
    Database(DbSummary),
}

/// What a sound database holds (see [`Store::inspect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbSummary {
    /// The version of its core tables ([`crate::schema::CORE_VERSION`] for a current file, 0
    /// for a database that is not doithoai's).
    pub core_version: i64,
    /// Its tables, by name.
    pub tables: Vec<String>,
    /// Rows of the server's registry of wards, if it has that table.
    pub wards: Option<i64>,
    /// Rows of the server's registry of devices, if it has that table.
    pub devices: Option<i64>,
    /// Document chunks, if it has that table.
    pub chunks: Option<i64>,
    /// A non-empty `-wal` file lies beside it: the file is (or was, until killed) in use, and
    /// its latest transactions are in that `-wal`, not in the file itself.
    pub wal_beside: bool,
}

/// A read-only connection to `path` that reads only the main file and creates nothing beside it
/// (`immutable=1`: no -wal, -shm or locks).
fn open_immutable(path: &Path) -> Result<Connection, StoreError> {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'-' | b'_' | b'~' => {
                uri.push(*b as char)
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(&uri, flags).map_err(|source| match classify(path, source) {
        StoreError::Sqlite(source) => StoreError::Open {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

/// `VACUUM INTO dest` from `conn`: `dest` is created 0600 first (SQLite writes into an empty
/// file), and synced to disk before this returns. With `replace`, the copy is written to a
/// temporary file beside `dest` and renamed over it.
fn vacuum_into(conn: &Connection, dest: &Path, replace: bool) -> Result<(), StoreError> {
    let target_err = |source: std::io::Error| StoreError::BackupTarget {
        path: dest.to_path_buf(),
        source,
    };
    let write_to = if replace {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        dest.with_file_name(format!(".{name}.partial-{}", std::process::id()))
    } else {
        dest.to_path_buf()
    };
    if replace {
        let _ = std::fs::remove_file(&write_to);
        if dest.is_dir() {
            return Err(target_err(std::io::Error::from(
                std::io::ErrorKind::IsADirectory,
            )));
        }
    }
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        create.mode(private::FILE_MODE);
    }
    // create_new: an existing file is never overwritten, even by a backup started at the same
    // moment.
    create.open(&write_to).map_err(target_err)?;
    let result = (|| {
        let dest_str = write_to.to_str().ok_or_else(|| StoreError::Open {
            path: write_to.clone(),
            source: rusqlite::Error::InvalidPath(write_to.clone()),
        })?;
        conn.execute("VACUUM INTO ?1", [dest_str])
            .map(drop)
            .map_err(|e| match failure_kind(&e) {
                Failure::DiskFull => StoreError::DiskFull {
                    path: dest.to_path_buf(),
                },
                _ => classify(dest, e),
            })?;
        std::fs::File::open(&write_to)
            .and_then(|f| f.sync_all())
            .map_err(target_err)?;
        if replace {
            std::fs::rename(&write_to, dest).map_err(target_err)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&write_to);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn failing(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open_with(
            &dir.path().join("t.sqlite"),
            StoreOptions {
                retry_backoff: Duration::from_millis(1),
                ..StoreOptions::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn constraint_and_logic_errors_are_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        for code in [
            ffi::SQLITE_CONSTRAINT,
            ffi::SQLITE_MISMATCH,
            ffi::SQLITE_ERROR,
        ] {
            let mut calls = 0;
            let err = store
                .write("test", |_| {
                    calls += 1;
                    Err::<(), _>(failing(code))
                })
                .unwrap_err();
            assert_eq!(calls, 1, "{err:?}");
            assert!(matches!(err, StoreError::Sqlite(_)), "{err:?}");
        }
    }

    #[test]
    fn transient_errors_are_retried_a_bounded_number_of_times() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        for code in [ffi::SQLITE_BUSY, ffi::SQLITE_LOCKED, ffi::SQLITE_IOERR] {
            let mut calls = 0;
            let err = store
                .write("test", |_| {
                    calls += 1;
                    Err::<(), _>(failing(code))
                })
                .unwrap_err();
            assert_eq!(calls, 5);
            assert!(
                matches!(err, StoreError::WriteFailed { attempts: 5, .. }),
                "{err:?}"
            );
        }
        // a write that fails twice and then succeeds is saved, once
        let mut calls = 0;
        store
            .write("test", |tx| {
                calls += 1;
                tx.execute("INSERT INTO meta(key, value) VALUES ('n', ?1)", [calls])?;
                if calls < 3 {
                    return Err(failing(ffi::SQLITE_IOERR));
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(store.meta_get("n").unwrap().as_deref(), Some("3"));
    }

    #[test]
    fn disk_full_is_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let mut calls = 0;
        let err = store
            .write("test", |_| {
                calls += 1;
                Err::<(), _>(failing(ffi::SQLITE_FULL))
            })
            .unwrap_err();
        assert_eq!(calls, 1);
        assert!(err.is_disk_full());
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn a_new_data_directory_database_and_its_wal_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data").join("nested");
        let path = data.join("t.sqlite");
        let store = Store::open(&path, Durability::Full).unwrap();
        store.meta_set("k", "v").unwrap();
        assert_eq!(mode(&data), 0o700);
        for f in private::with_sidecars(&path) {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
        let backup = dir.path().join("b.sqlite");
        store.backup_to(&backup).unwrap();
        assert_eq!(mode(&backup), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn files_of_an_older_version_that_others_can_read_are_tightened_at_open() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let path = data.join("t.sqlite");
        drop(Store::open(&path, Durability::Full).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        let store = Store::open(&path, Durability::Full).unwrap();
        store.meta_set("k", "v").unwrap();
        assert_eq!(mode(&data), 0o700);
        for f in private::with_sidecars(&path) {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }

    #[test]
    fn inspect_tells_what_a_file_is_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no").join("such.sqlite");
        assert_eq!(Store::inspect(&missing).unwrap(), FileCheck::Missing);
        assert!(!missing.parent().unwrap().exists());
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(Store::inspect(&empty).unwrap(), FileCheck::Empty);
        let text = dir.path().join("text");
        std::fs::write(&text, "không phải cơ sở dữ liệu ".repeat(50)).unwrap();
        assert_eq!(Store::inspect(&text).unwrap(), FileCheck::NotSqlite);
        assert_eq!(Store::inspect(dir.path()).unwrap(), FileCheck::NotAFile);

        let live = dir.path().join("live.sqlite");
        let store = Store::open(&live, Durability::Full).unwrap();
        store.meta_set("k", "v").unwrap();
        let copy = dir.path().join("copy.sqlite");
        store.backup_to(&copy).unwrap();
        let before = std::fs::read_dir(dir.path()).unwrap().count();
        match Store::inspect(&copy).unwrap() {
            FileCheck::Database(s) => {
                assert_eq!(s.core_version, crate::schema::CORE_VERSION);
                assert_eq!(s.chunks, Some(0));
                assert_eq!(s.wards, None);
                assert!(s.tables.contains(&"meta".to_owned()));
                assert!(!s.wal_beside);
            }
            other => panic!("{other:?}"),
        }
        let after = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(before, after, "no -wal or -shm was created beside the copy");
        match Store::inspect(&live).unwrap() {
            FileCheck::Database(s) => assert!(s.wal_beside, "the open store's -wal is seen"),
            other => panic!("{other:?}"),
        }
        // a file whose pages are garbage past the header
        let mut bytes = std::fs::read(&copy).unwrap();
        for b in bytes.iter_mut().skip(100) {
            *b = 0xA5;
        }
        let damaged = dir.path().join("damaged.sqlite");
        std::fs::write(&damaged, bytes).unwrap();
        assert!(
            matches!(Store::inspect(&damaged).unwrap(), FileCheck::Damaged(_)),
            "{:?}",
            Store::inspect(&damaged)
        );
    }

    #[test]
    fn backup_with_replace_overwrites_and_without_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let dest = dir.path().join("b.sqlite");
        std::fs::write(&dest, b"old").unwrap();
        let err = store.backup_to(&dest).unwrap_err();
        assert!(
            matches!(&err, StoreError::BackupTarget { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists),
            "{err:?}"
        );
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        store.backup_with(&dest, true).unwrap();
        assert!(matches!(
            Store::inspect(&dest).unwrap(),
            FileCheck::Database(_)
        ));
    }

    #[test]
    fn store_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Store>();
    }
}
