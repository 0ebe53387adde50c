//! Private files: data directories 0700, database files (and their -wal, -shm) 0600, whatever
//! the process's umask, on every platform that has modes. The files hold residents' personal
//! data and, on a laptop, the device token.

use std::io;
use std::path::{Path, PathBuf};

/// The mode of a data directory.
pub const DIR_MODE: u32 = 0o700;
/// The mode of a database file, its -wal and -shm, and of backups.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and its missing parents) readable by its owner only; a data directory that
/// already exists with access for others (made by an older version) is tightened, and that is
/// logged.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let existed = dir.is_dir();
        if !existed {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(DIR_MODE)
                .create(dir)?;
        }
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            // Only the directory's owner can change its mode: a directory of someone else's is
            // left as it is (SQLite then says whether it can write there).
            match std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE)) {
                Ok(()) if existed => {
                    tracing::info!(dir = %dir.display(), old_mode = format!("{:o}", mode & 0o777), "data directory made private (0700)");
                }
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), mode = format!("{:o}", mode & 0o777), error = %e, "cannot make the data directory private");
                }
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Makes sure the database file `path` exists with mode 0600 before SQLite opens it (SQLite
/// gives the -wal and -shm it creates the database file's mode), and tightens a database file,
/// -wal or -shm that others can read, logging it.
pub fn prepare_file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let exists = path.try_exists().unwrap_or(true);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(path)
        {
            // An empty file is a new, empty SQLite database.
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists || exists => {}
            Err(e) => return Err(e),
        }
        for file in with_sidecars(path) {
            tighten(&file)?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Opens the log file `path` for appending, creating it 0600 (and tightening an older one that
/// others can read): logs name devices, documents and errors.
pub fn open_append(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let file = options.open(path)?;
    tighten(path)?;
    Ok(file)
}

/// Gives an existing file mode 0600 if others can read or write it (a file that does not exist
/// is fine). Returns whether it was changed.
pub fn tighten(file: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(file) {
            Ok(m) => m.permissions().mode(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        if mode & 0o077 == 0 {
            return Ok(false);
        }
        match std::fs::set_permissions(file, std::fs::Permissions::from_mode(FILE_MODE)) {
            Ok(()) => {
                tracing::info!(file = %file.display(), old_mode = format!("{:o}", mode & 0o777), "file made private (0600)");
                Ok(true)
            }
            // Only the file's owner can change its mode.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                tracing::warn!(file = %file.display(), mode = format!("{:o}", mode & 0o777), error = %e, "cannot make the file private");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(false)
    }
}

/// `path`, `path-wal` and `path-shm`.
pub fn with_sidecars(path: &Path) -> [PathBuf; 3] {
    let side = |ext: &str| {
        let mut s = path.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    [path.to_path_buf(), side("-wal"), side("-shm")]
}

/// Writes `contents` to `path` as a private file (0600), atomically: into a temporary file
/// beside it, then renamed over it, so that a crash leaves the old file or the new one, never
/// half of one (a server's TLS key and certificate).
pub fn write_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(FILE_MODE);
    }
    let mut f = open.open(&tmp)?;
    io::Write::write_all(&mut f, contents)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    tighten(path)?;
    Ok(())
}
