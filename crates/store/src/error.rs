//! The store's errors, each with a Vietnamese and an English message for the user.

use std::io;
use std::path::PathBuf;

use doithoai_model::{Lang, Localize};
use rusqlite::ErrorCode;

/// Everything that can go wrong in the store.
///
/// The variants a caller may want to react to are specific: [`StoreError::DiskFull`] (free some
/// space), [`StoreError::WriteFailed`] (a write was retried and still failed: nothing was saved),
/// [`StoreError::ReadOnly`], [`StoreError::Corrupt`] and [`StoreError::SchemaTooNew`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory that should hold the database file could not be created.
    #[error("cannot create directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The database file (or its -wal, -shm) could not be created or made private (0600).
    #[error("cannot create {} or make it private: {source}", path.display())]
    Permissions {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A backup could not be created at this path: it exists, its folder does not, or it is not
    /// writable (the kind of `source` says which).
    #[error("cannot create the backup {}: {source}", path.display())]
    BackupTarget {
        /// The backup file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The database file could not be opened or set up.
    #[error("cannot open database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The disk (or the database's size limit) is full: the write was not saved.
    #[error("disk full: cannot write to {}", path.display())]
    DiskFull {
        /// The database file.
        path: PathBuf,
    },
    /// The database file or its directory is not writable.
    #[error("database {} is read-only or not accessible: {source}", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file is damaged or is not a SQLite database.
    #[error("database {} is corrupt or not a database: {source}", path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file was written by a newer version of the program.
    #[error(
        "database {} has schema version {found}, newer than this program supports ({supported})",
        path.display()
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The core schema version found in the file.
        found: i64,
        /// The newest core schema version this program knows.
        supported: i64,
    },
    /// A write still failed after being retried; nothing of it was saved.
    #[error("write failed after {attempts} attempts: {source}")]
    WriteFailed {
        /// How many times the write was tried.
        attempts: u32,
        /// The last error.
        source: rusqlite::Error,
    },
    /// A chunk key has an empty component or a component containing '/'.
    #[error("invalid storage key {key:?}: components must be non-empty and must not contain '/'")]
    InvalidKey {
        /// The key as given.
        key: Vec<String>,
    },
    /// A date bound of a filter is not of the form `YYYY-MM-DD`.
    #[error("invalid date {value:?}: expected YYYY-MM-DD")]
    InvalidDate {
        /// The value as given.
        value: String,
    },
    /// Any other SQLite error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// An error of another database behind [`crate::ServerDb`] (PostgreSQL): what was being done
    /// and what the database said.
    #[error("database {db}: {what}: {message}")]
    Remote {
        /// The database (its address without the password).
        db: String,
        /// The operation.
        what: &'static str,
        /// What the database or its driver said.
        message: String,
    },
    /// The operation needs the local SQLite file, and this store keeps its chunks in another
    /// database (a server on PostgreSQL).
    #[error("{what} needs a local SQLite database; this store is {db}")]
    NotLocal {
        /// The operation.
        what: &'static str,
        /// The database in use.
        db: String,
    },
}

impl StoreError {
    /// Whether this is [`StoreError::DiskFull`].
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::DiskFull { .. })
    }
}

impl Localize for StoreError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (StoreError::CreateDir { path, source }, Lang::Vi) => {
                format!("Không tạo được thư mục {}: {source}.", path.display())
            }
            (StoreError::CreateDir { path, source }, Lang::En) => {
                format!("Cannot create the directory {}: {source}.", path.display())
            }
            (StoreError::Permissions { path, source }, Lang::Vi) => format!(
                "Không tạo được tệp {} hoặc không đặt được quyền riêng (chỉ chủ tệp đọc được): {source}. Hãy kiểm tra quyền của tệp và thư mục.",
                path.display()
            ),
            (StoreError::Permissions { path, source }, Lang::En) => format!(
                "Cannot create {} or make it private (readable by its owner only): {source}. Check the file and folder permissions.",
                path.display()
            ),
            (StoreError::BackupTarget { path, source }, lang) => {
                let p = path.display();
                match (source.kind(), lang) {
                    (io::ErrorKind::AlreadyExists, Lang::Vi) => format!(
                        "Tệp {p} đã có: bản sao lưu không ghi đè tệp có sẵn. Hãy chọn tên tệp khác."
                    ),
                    (io::ErrorKind::AlreadyExists, Lang::En) => format!(
                        "{p} already exists: a backup does not overwrite an existing file. Choose another file name."
                    ),
                    (io::ErrorKind::NotFound, Lang::Vi) => format!(
                        "Thư mục chứa {p} không tồn tại. Hãy tạo thư mục đó (hoặc cắm ổ USB) rồi thử lại."
                    ),
                    (io::ErrorKind::NotFound, Lang::En) => format!(
                        "The folder of {p} does not exist. Create it (or plug in the USB drive) and try again."
                    ),
                    (io::ErrorKind::IsADirectory, Lang::Vi) => {
                        format!("{p} là một thư mục. Hãy nêu tên tệp trong thư mục đó.")
                    }
                    (io::ErrorKind::IsADirectory, Lang::En) => {
                        format!("{p} is a folder. Give a file name inside it.")
                    }
                    (_, Lang::Vi) => format!(
                        "Không tạo được tệp sao lưu {p}: {source}. Hãy kiểm tra quyền ghi vào thư mục."
                    ),
                    (_, Lang::En) => format!(
                        "Cannot create the backup {p}: {source}. Check that the folder is writable."
                    ),
                }
            }
            (StoreError::Open { path, source }, Lang::Vi) => {
                format!("Không mở được tệp dữ liệu {}: {source}.", path.display())
            }
            (StoreError::Open { path, source }, Lang::En) => {
                format!("Cannot open the data file {}: {source}.", path.display())
            }
            (StoreError::DiskFull { path }, Lang::Vi) => format!(
                "Đĩa đầy: không ghi được dữ liệu vào {}. Hãy giải phóng dung lượng rồi thử lại.",
                path.display()
            ),
            (StoreError::DiskFull { path }, Lang::En) => format!(
                "Disk full: could not write data to {}. Free up some space and try again.",
                path.display()
            ),
            (StoreError::ReadOnly { path, .. }, Lang::Vi) => format!(
                "Không có quyền ghi vào tệp dữ liệu {}. Hãy kiểm tra quyền truy cập tệp và thư mục.",
                path.display()
            ),
            (StoreError::ReadOnly { path, .. }, Lang::En) => format!(
                "No permission to write to the data file {}. Check the file and folder permissions.",
                path.display()
            ),
            (StoreError::Corrupt { path, .. }, Lang::Vi) => format!(
                "Tệp dữ liệu {} bị hỏng hoặc không phải tệp dữ liệu của doithoai. Hãy khôi phục từ bản sao lưu.",
                path.display()
            ),
            (StoreError::Corrupt { path, .. }, Lang::En) => format!(
                "The data file {} is damaged or is not a doithoai data file. Restore it from a backup.",
                path.display()
            ),
            (
                StoreError::SchemaTooNew {
                    path,
                    found,
                    supported,
                },
                Lang::Vi,
            ) => format!(
                "Tệp dữ liệu {} được tạo bởi phiên bản doithoai mới hơn (lược đồ {found}, phiên bản này chỉ hỗ trợ đến {supported}). Hãy cập nhật chương trình.",
                path.display()
            ),
            (
                StoreError::SchemaTooNew {
                    path,
                    found,
                    supported,
                },
                Lang::En,
            ) => format!(
                "The data file {} was written by a newer version of doithoai (schema {found}, this version supports up to {supported}). Please update the program.",
                path.display()
            ),
            (StoreError::WriteFailed { attempts, source }, Lang::Vi) => format!(
                "Không ghi được dữ liệu sau {attempts} lần thử ({source}). Dữ liệu chưa được lưu; hãy thử lại."
            ),
            (StoreError::WriteFailed { attempts, source }, Lang::En) => format!(
                "Could not write data after {attempts} attempts ({source}). Nothing was saved; please try again."
            ),
            (StoreError::InvalidKey { key }, Lang::Vi) => format!(
                "Khóa lưu trữ không hợp lệ: {key:?}. Mỗi thành phần phải khác rỗng và không chứa dấu '/'."
            ),
            (StoreError::InvalidKey { key }, Lang::En) => format!(
                "Invalid storage key {key:?}: every component must be non-empty and must not contain '/'."
            ),
            (StoreError::InvalidDate { value }, Lang::Vi) => format!(
                "Ngày không hợp lệ: “{value}”. Hãy nhập theo dạng năm-tháng-ngày, ví dụ 2026-11-28."
            ),
            (StoreError::InvalidDate { value }, Lang::En) => format!(
                "Invalid date “{value}”. Use the form year-month-day, for example 2026-11-28."
            ),
            (StoreError::Sqlite(e), Lang::Vi) => format!("Lỗi cơ sở dữ liệu: {e}."),
            (StoreError::Sqlite(e), Lang::En) => format!("Database error: {e}."),
            (StoreError::Remote { db, what, message }, Lang::Vi) => {
                format!("Lỗi cơ sở dữ liệu {db} ({what}): {message}.")
            }
            (StoreError::Remote { db, what, message }, Lang::En) => {
                format!("Database error on {db} ({what}): {message}.")
            }
            (StoreError::NotLocal { what, db }, Lang::Vi) => format!(
                "Thao tác {what} chỉ làm được với tệp SQLite cục bộ; máy chủ này dùng {db}."
            ),
            (StoreError::NotLocal { what, db }, Lang::En) => {
                format!("{what} works only on a local SQLite file; this server uses {db}.")
            }
        }
    }
}

/// How the store treats a failed SQLite call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Out of space: reported at once as [`StoreError::DiskFull`].
    DiskFull,
    /// Busy, locked or an I/O error: worth retrying.
    Transient,
    /// Anything else (constraint, logic, corruption): reported at once.
    Permanent,
}

pub(crate) fn failure_kind(e: &rusqlite::Error) -> Failure {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => Failure::DiskFull,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::SystemIoFailure) => {
            Failure::Transient
        }
        _ => Failure::Permanent,
    }
}

impl StoreError {
    /// Whether another connection held the lock: trying again later may succeed.
    pub fn is_busy(&self) -> bool {
        let source = match self {
            StoreError::Open { source, .. } | StoreError::Sqlite(source) => source,
            _ => return false,
        };
        matches!(
            source.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        )
    }
}

/// Maps a SQLite error on the database at `path` to the most specific [`StoreError`].
pub(crate) fn classify(path: &std::path::Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull {
            path: path.to_path_buf(),
        },
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => StoreError::ReadOnly {
            path: path.to_path_buf(),
            source: e,
        },
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt {
            path: path.to_path_buf(),
            source: e,
        },
        // SQLite reports a write into a full file system as a generic I/O error when it happens
        // while growing the WAL index or the journal; an I/O error on a disk with no room left
        // is a full disk, and the user must be told so.
        Some(ErrorCode::SystemIoFailure) if no_space_left(path) => StoreError::DiskFull {
            path: path.to_path_buf(),
        },
        _ => StoreError::Sqlite(e),
    }
}

/// Whether the file system holding `path` has (almost) no space left.
fn no_space_left(path: &std::path::Path) -> bool {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    free_bytes(dir).is_some_and(|free| free < 256 * 1024)
}

#[cfg(unix)]
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized, writable struct.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_bytes(_dir: &std::path::Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_full_message_in_both_languages() {
        let e = StoreError::DiskFull {
            path: PathBuf::from("/tmp/x.sqlite"),
        };
        assert_eq!(
            e.localize(Lang::Vi),
            "Đĩa đầy: không ghi được dữ liệu vào /tmp/x.sqlite. Hãy giải phóng dung lượng rồi thử lại."
        );
        assert!(e.localize(Lang::En).starts_with("Disk full"));
    }
}
