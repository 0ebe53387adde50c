//! Private files, on real processes: the server's data directory, database, -wal, -shm,
//! admin.secret and backups, and a laptop's data directory and database (which holds the device
//! token in clear) are readable by their owner only, whatever the umask; the files an older
//! version left readable by others are tightened when opened. When the test runs as root, a
//! second local user (`nobody`) is shown to be unable to read them.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use doithoai_e2e::{Client, Server};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn sidecars(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|ext| PathBuf::from(format!("{}{ext}", db.display())))
        .filter(|p| p.exists())
        .collect()
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// Whether the user `nobody` can read `file` (run through setpriv, as root only).
fn nobody_can_read(file: &Path) -> bool {
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
        .arg(file)
        .output()
        .expect("setpriv");
    out.status.success()
}

#[test]
fn the_servers_and_the_laptops_files_are_readable_by_their_owner_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Everything below is reachable by other users, as a home directory or /srv would be: only
    // the modes doithoai gives its own files protect them.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    let laptop = Client::new(tmp.path().join("laptop"));
    laptop.ok(&["join", &server.url(), &code, "--name", "Tổ trưởng A"]);
    laptop.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--content",
        "Đèn đường hỏng",
    ]);
    laptop.ok(&["sync"]);
    let backups = tmp.path().join("usb");
    std::fs::create_dir(&backups).expect("usb");
    std::fs::set_permissions(&backups, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let backup = backups.join("doithoai.sqlite3");
    server.admin(&["backup", backup.to_str().expect("utf-8")]);

    let mut private = vec![backup.clone(), server.dir.join("admin.secret")];
    private.extend(sidecars(&server.db()));
    private.extend(sidecars(&laptop.db()));
    assert!(
        private
            .iter()
            .any(|p| p.to_string_lossy().ends_with("server.sqlite3-wal")),
        "the running server's -wal is checked: {private:?}"
    );
    for dir in [&server.dir, &laptop.dir] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    for f in &private {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    if is_root() {
        // The second user can reach the folders above (0755) but not doithoai's files.
        assert!(
            nobody_can_read(Path::new("/etc/hostname")) || !Path::new("/etc/hostname").exists()
        );
        for f in &private {
            assert!(!nobody_can_read(f), "nobody can read {}", f.display());
        }
    }
}

#[test]
fn files_left_readable_by_an_older_version_are_tightened_and_logged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    server.kill();
    // What an older version left: a world-readable directory, database and -wal.
    std::fs::set_permissions(&server.dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for f in sidecars(&server.db()) {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let laptop = Client::new(tmp.path().join("laptop"));
    laptop.ok(&["init", "--name", "Tổ trưởng A", "--point", "tdp-a"]);
    std::fs::set_permissions(&laptop.dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(laptop.db(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    if is_root() {
        assert!(
            nobody_can_read(&server.db()),
            "precondition: readable before"
        );
    }

    server.restart();
    server.admin(&["ward", "list"]);
    laptop.ok(&["petition", "list"]);
    for dir in [&server.dir, &laptop.dir] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    for f in sidecars(&server.db())
        .into_iter()
        .chain(sidecars(&laptop.db()))
    {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
        if is_root() {
            assert!(!nobody_can_read(&f), "nobody can read {}", f.display());
        }
    }
    assert!(
        server.log().contains("made private"),
        "the server logs what it tightened: {}",
        server.log()
    );
}
