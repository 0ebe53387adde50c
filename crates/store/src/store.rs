//! The [`Store`] handle: opening the file, the write path with its retries, settings.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use crate::error::{Failure, StoreError, classify, failure_kind};
use crate::schema;

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
    conn: Mutex<Connection>,
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
            std::fs::create_dir_all(parent).map_err(|source| {
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
                conn: Mutex::new(conn),
            }),
        })
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

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave a transaction open (rusqlite rolls back
        // on drop), so the connection is still good.
        self.inner
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the connection, mapping its error.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let conn = self.lock();
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
        let mut conn = self.lock();
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
    /// while others keep reading and writing. `dest` must not exist yet.
    pub fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        let dest_str = dest.to_str().ok_or_else(|| StoreError::Open {
            path: dest.to_path_buf(),
            source: rusqlite::Error::InvalidPath(dest.to_path_buf()),
        })?;
        let conn = self.lock();
        conn.execute("VACUUM INTO ?1", [dest_str])
            .map(drop)
            .map_err(|e| match failure_kind(&e) {
                Failure::DiskFull => StoreError::DiskFull {
                    path: dest.to_path_buf(),
                },
                _ => classify(dest, e),
            })
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

    #[test]
    fn store_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Store>();
    }
}
