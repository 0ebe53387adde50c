//! Backup and restore of the server's database, for the ward's IT person.
//!
//! A backup is a consistent, compacted copy (`VACUUM INTO`) made while the server serves,
//! 0600, never overwriting a file unless asked. A restore first proves that the file is a
//! doithoai server database holding a registry, creating nothing if it is not; it keeps the live
//! data aside as a consistent copy (the committed transactions still in the `-wal` of a killed
//! server included) under a name no other restore takes, then puts a copy of the backup in place
//! with the live file's mode and owner.

use std::path::{Path, PathBuf};

use doithoai_model::{Lang, Localize};
use doithoai_store::schema::CORE_VERSION;
use doithoai_store::{DbSummary, Durability, FileCheck, Store, StoreError};

use crate::DB_FILE;

/// Why a backup or a restore was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the folder {0} does not exist")]
    NoFolder(PathBuf),
    #[error("there is no server data in {0}")]
    NoData(PathBuf),
    #[error("{0} is a folder, not a file")]
    IsFolder(PathBuf),
    #[error("{0} already exists (use --force to overwrite it)")]
    Exists(PathBuf),
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{0} is empty")]
    Empty(PathBuf),
    #[error("{0} is not a SQLite database")]
    NotSqlite(PathBuf),
    #[error("{0} is damaged: {1}")]
    Damaged(PathBuf, String),
    #[error("{0} is not a doithoai server database")]
    NotServerDb(PathBuf),
    #[error("{0} holds no ward")]
    NoWard(PathBuf),
    #[error("{0} was written by a newer doithoai-server (schema {1}, this one knows {2})")]
    TooNew(PathBuf, i64, i64),
    #[error("{0} has a -wal file beside it: it is a live database, not a backup")]
    WalBeside(PathBuf),
    #[error("the backup {0} failed its integrity check: {1}")]
    BadCopy(PathBuf, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Localize for BackupError {
    fn localize(&self, lang: Lang) -> String {
        use BackupError::*;
        let d = |p: &PathBuf| p.display().to_string();
        match (self, lang) {
            (NoFolder(p), Lang::Vi) => format!(
                "Thư mục {} không tồn tại. Hãy tạo thư mục (mkdir -p {}) hoặc cắm ổ USB, rồi chạy lại lệnh sao lưu.",
                d(p),
                d(p)
            ),
            (NoFolder(p), Lang::En) => format!(
                "The folder {} does not exist. Create it (mkdir -p {}) or plug in the USB drive, then run the backup again.",
                d(p),
                d(p)
            ),
            (NoData(p), Lang::Vi) => format!(
                "Không có dữ liệu máy chủ trong thư mục {}. Hãy kiểm tra --data-dir (thư mục dữ liệu của máy chủ đang chạy); không có gì được tạo.",
                d(p)
            ),
            (NoData(p), Lang::En) => format!(
                "There is no server data in {}. Check --data-dir (the running server's data directory); nothing was created.",
                d(p)
            ),
            (IsFolder(p), Lang::Vi) => format!(
                "{} là một thư mục. Hãy nêu tên tệp sao lưu, ví dụ: {}",
                d(p),
                p.join("doithoai-sao-luu.sqlite3").display()
            ),
            (IsFolder(p), Lang::En) => format!(
                "{} is a folder. Give the backup's file name, for example: {}",
                d(p),
                p.join("doithoai-backup.sqlite3").display()
            ),
            (Exists(p), Lang::Vi) => format!(
                "Tệp {} đã có. Hãy chọn tên tệp khác, hoặc thêm --force để ghi đè tệp đó.",
                d(p)
            ),
            (Exists(p), Lang::En) => format!(
                "{} already exists. Choose another file name, or add --force to overwrite it.",
                d(p)
            ),
            (Missing(p), Lang::Vi) => format!(
                "Không có tệp {}. Hãy kiểm tra lại đường dẫn tệp sao lưu; dữ liệu của máy chủ không bị thay đổi.",
                d(p)
            ),
            (Missing(p), Lang::En) => format!(
                "There is no file {}. Check the backup's path; the server's data was not changed.",
                d(p)
            ),
            (Empty(p), Lang::Vi) => format!(
                "Tệp {} rỗng (0 byte), không phải bản sao lưu. Dữ liệu của máy chủ không bị thay đổi.",
                d(p)
            ),
            (Empty(p), Lang::En) => format!(
                "{} is empty (0 bytes), not a backup. The server's data was not changed.",
                d(p)
            ),
            (NotSqlite(p), Lang::Vi) => format!(
                "Tệp {} không phải bản sao lưu của doithoai-server (không phải cơ sở dữ liệu SQLite). Dữ liệu của máy chủ không bị thay đổi.",
                d(p)
            ),
            (NotSqlite(p), Lang::En) => format!(
                "{} is not a doithoai-server backup (not a SQLite database). The server's data was not changed.",
                d(p)
            ),
            (Damaged(p, why), Lang::Vi) => format!(
                "Tệp sao lưu {} bị hỏng ({why}). Hãy dùng bản sao lưu khác; dữ liệu của máy chủ không bị thay đổi.",
                d(p)
            ),
            (Damaged(p, why), Lang::En) => format!(
                "The backup {} is damaged ({why}). Use another backup; the server's data was not changed.",
                d(p)
            ),
            (NotServerDb(p), Lang::Vi) => format!(
                "Tệp {} là cơ sở dữ liệu SQLite nhưng không phải của doithoai-server (có thể là tệp của một laptop). Dữ liệu của máy chủ không bị thay đổi.",
                d(p)
            ),
            (NotServerDb(p), Lang::En) => format!(
                "{} is a SQLite database but not a doithoai-server one (perhaps a laptop's file). The server's data was not changed.",
                d(p)
            ),
            (NoWard(p), Lang::Vi) => format!(
                "Tệp {} không có phường nào: đó không phải bản sao lưu của một máy chủ đang dùng. Dữ liệu của máy chủ không bị thay đổi.",
                d(p)
            ),
            (NoWard(p), Lang::En) => format!(
                "{} holds no ward: it is not the backup of a server in use. The server's data was not changed.",
                d(p)
            ),
            (TooNew(p, found, known), Lang::Vi) => format!(
                "Tệp {} do phiên bản doithoai-server mới hơn tạo (lược đồ {found}, phiên bản này hiểu {known}). Hãy cập nhật doithoai-server trước.",
                d(p)
            ),
            (TooNew(p, found, known), Lang::En) => format!(
                "{} was written by a newer doithoai-server (schema {found}, this one knows {known}). Update doithoai-server first.",
                d(p)
            ),
            (WalBeside(p), Lang::Vi) => format!(
                "Bên cạnh {} có tệp -wal: đây là dữ liệu của một máy chủ đang (hoặc vừa) chạy, không phải bản sao lưu, và những thay đổi cuối nằm trong tệp -wal. Hãy tạo bản sao lưu bằng lệnh: doithoai-server --data-dir <thư mục đó> backup <tệp>",
                d(p)
            ),
            (WalBeside(p), Lang::En) => format!(
                "{} has a -wal file beside it: it is a running (or just stopped) server's data, not a backup, and its last changes are in the -wal. Make a backup with: doithoai-server --data-dir <that folder> backup <file>",
                d(p)
            ),
            (BadCopy(p, why), Lang::Vi) => format!(
                "Bản sao lưu {} không qua được kiểm tra toàn vẹn ({why}) và đã bị xoá. Hãy thử lại, hoặc sao lưu vào ổ đĩa khác.",
                d(p)
            ),
            (BadCopy(p, why), Lang::En) => format!(
                "The backup {} failed its integrity check ({why}) and was removed. Try again, or back up to another drive.",
                d(p)
            ),
            (Store(e), l) => e.localize(l),
            (Io(e), Lang::Vi) => format!("Lỗi đọc/ghi tệp: {e}."),
            (Io(e), Lang::En) => format!("File error: {e}."),
        }
    }
}

/// Writes a backup of `store` to `dest`: refused if its folder does not exist, if it is a
/// folder, or if it exists and `force` is not given. The copy is checked before this returns.
pub fn backup(store: &Store, dest: &Path, force: bool) -> Result<(), BackupError> {
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(BackupError::NoFolder(folder));
    }
    if dest.is_dir() {
        return Err(BackupError::IsFolder(dest.to_path_buf()));
    }
    if dest.exists() && !force {
        return Err(BackupError::Exists(dest.to_path_buf()));
    }
    match store.backup_with(dest, force) {
        Ok(()) => {}
        Err(StoreError::BackupTarget { source, .. })
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            return Err(BackupError::Exists(dest.to_path_buf()));
        }
        Err(e) => return Err(e.into()),
    }
    match Store::inspect(dest)? {
        FileCheck::Database(_) => {
            tracing::info!(backup = %dest.display(), "backup written");
            Ok(())
        }
        other => {
            let _ = std::fs::remove_file(dest);
            Err(BackupError::BadCopy(
                dest.to_path_buf(),
                format!("{other:?}"),
            ))
        }
    }
}

/// Checks that `file` is a doithoai server database holding at least one ward; reads only.
pub fn check_server_db(file: &Path) -> Result<DbSummary, BackupError> {
    let p = || file.to_path_buf();
    let summary = match Store::inspect(file)? {
        FileCheck::Missing => return Err(BackupError::Missing(p())),
        FileCheck::NotAFile => return Err(BackupError::IsFolder(p())),
        FileCheck::Empty => return Err(BackupError::Empty(p())),
        FileCheck::NotSqlite => return Err(BackupError::NotSqlite(p())),
        FileCheck::Damaged(why) => return Err(BackupError::Damaged(p(), why)),
        FileCheck::Database(s) => s,
    };
    if summary.wal_beside {
        return Err(BackupError::WalBeside(p()));
    }
    if summary.core_version > CORE_VERSION {
        return Err(BackupError::TooNew(p(), summary.core_version, CORE_VERSION));
    }
    let has = |t: &str| summary.tables.iter().any(|x| x == t);
    if summary.core_version < 1
        || !["chunk", "meta", "reg_ward", "reg_device", "reg_doc"]
            .iter()
            .all(|t| has(t))
    {
        return Err(BackupError::NotServerDb(p()));
    }
    if summary.wards.unwrap_or(0) < 1 {
        return Err(BackupError::NoWard(p()));
    }
    Ok(summary)
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// Where the data that was live is kept (a consistent copy), if there was any.
    pub kept_at: Option<PathBuf>,
    /// What the restored file holds.
    pub summary: DbSummary,
}

/// Restores `file` as the server's database in `data_dir` (the server must be stopped).
pub fn restore(data_dir: &Path, file: &Path) -> Result<Restored, BackupError> {
    let summary = check_server_db(file)?;
    let target = data_dir.join(DB_FILE);
    // Nothing is created before the file has been proven to be a backup.
    doithoai_store::private::create_dir(data_dir)?;
    let staged = data_dir.join(format!(".{DB_FILE}.restoring"));
    for f in doithoai_store::private::with_sidecars(&staged) {
        let _ = std::fs::remove_file(f);
    }
    Store::copy_database(file, &staged)?;
    if let Err(e) = check_server_db(&staged) {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    let live = std::fs::metadata(&target).ok();
    let kept_at = if live.is_some() {
        match keep_aside(&target) {
            Ok(p) => Some(p),
            Err(e) => {
                let _ = std::fs::remove_file(&staged);
                return Err(e);
            }
        }
    } else {
        None
    };
    if let Some(meta) = &live {
        same_owner_and_mode(&staged, meta);
    }
    // The old -wal must not be applied to the restored file.
    let [_, wal, shm] = doithoai_store::private::with_sidecars(&target);
    for f in [&wal, &shm] {
        match std::fs::remove_file(f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    std::fs::rename(&staged, &target)?;
    tracing::info!(from = %file.display(), kept_at = ?kept_at, "database restored");
    Ok(Restored { kept_at, summary })
}

/// Keeps a consistent copy of the live database beside it, under a name no other restore
/// takes: `<db>.before-restore-<UTC time>[-n]`. The copy is made through SQLite, so the
/// committed transactions still in the `-wal` (a server that was killed) are in it. A live file
/// SQLite cannot open is moved aside with its `-wal` instead.
fn keep_aside(target: &Path) -> Result<PathBuf, BackupError> {
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let name = |n: u32| {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        target.with_file_name(format!("{DB_FILE}.before-restore-{stamp}{suffix}"))
    };
    let opened = Store::open(target, Durability::Normal);
    for n in 0..1000 {
        let aside = name(n);
        let taken = doithoai_store::private::with_sidecars(&aside)
            .iter()
            .any(|f| f.exists());
        if taken {
            continue;
        }
        match &opened {
            Ok(store) => match store.backup_to(&aside) {
                Ok(()) => return Ok(aside),
                Err(StoreError::BackupTarget { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    continue;
                }
                Err(e) => return Err(e.into()),
            },
            Err(e) => {
                tracing::warn!(error = %e, "the live database cannot be opened: moving it aside with its -wal");
                let [db, wal, _] = doithoai_store::private::with_sidecars(target);
                let [aside_db, aside_wal, _] = doithoai_store::private::with_sidecars(&aside);
                std::fs::rename(&db, &aside_db)?;
                if wal.exists() {
                    std::fs::rename(&wal, &aside_wal)?;
                }
                return Ok(aside);
            }
        }
    }
    Err(BackupError::Exists(name(1000)))
}

/// Gives `file` the mode (owner bits only) and, when allowed, the owner of the live database it
/// replaces.
fn same_owner_and_mode(file: &Path, live: &std::fs::Metadata) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // Never looser than 0600, even if the live file predates private files.
        let mode = live.permissions().mode() & 0o700;
        if let Err(e) = std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(error = %e, "cannot give the restored file the live file's mode");
        }
        if let Ok(mine) = std::fs::metadata(file)
            && (mine.uid() != live.uid() || mine.gid() != live.gid())
            && let Err(e) = std::os::unix::fs::chown(file, Some(live.uid()), Some(live.gid()))
        {
            tracing::warn!(error = %e, "cannot give the restored file the live file's owner");
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, live);
    }
}
