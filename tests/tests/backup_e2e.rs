//! The IT person's backup and restore, on a real server process: a backup taken while serving,
//! a restore refused while the server runs or from a damaged file, and a restore from an older
//! backup after which the laptops give the server back what it lost (they keep everything they
//! recorded), so nothing a user saved is lost.

use doithoai_e2e::{Client, Server};

fn add(c: &Client, name: &str, content: &str) {
    c.ok(&["petition", "add", "--name", name, "--content", content]);
}

fn contents(c: &Client) -> Vec<String> {
    let mut v: Vec<String> = c
        .petitions()
        .iter()
        .filter_map(|p| p["content"].as_str().map(str::to_owned))
        .collect();
    v.sort();
    v
}

#[test]
fn a_restored_backup_is_refilled_by_the_laptops() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let tdp = Client::new(tmp.path().join("tdp"));
    let office = Client::new(tmp.path().join("office"));
    tdp.ok(&[
        "join",
        &server.url(),
        &server.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A"),
        "--name",
        "Tổ trưởng A",
    ]);
    office.ok(&[
        "join",
        &server.url(),
        &server.add_device("dk", "office", None, "Văn phòng"),
        "--name",
        "Văn phòng phường",
    ]);
    add(&tdp, "Nguyễn Văn Đức", "Đèn đường ngõ 12 hỏng");
    add(&tdp, "Lê Thị Hoa", "Cống ngõ 5 tắc");
    tdp.ok(&["sync"]);

    // A backup while the server is serving.
    let backup = tmp.path().join("usb").join("doithoai-backup.sqlite3");
    std::fs::create_dir_all(backup.parent().expect("parent")).expect("usb dir");
    let out = server.admin(&["backup", backup.to_str().expect("utf-8 path")]);
    assert!(
        out.contains("Đã sao lưu") && out.contains("ok"),
        "the backup reports its integrity check: {out}"
    );

    // Work goes on after the backup.
    add(&tdp, "Trần Văn Nam", "Rác tập kết sai giờ");
    tdp.ok(&["sync"]);

    // Restoring while the server runs is refused, and says why.
    let refused = server.admin_run(&["restore", backup.to_str().expect("utf-8 path")]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("Máy chủ đang chạy"), "{why}");

    // A damaged backup is refused and the data stays as it was.
    server.kill();
    let damaged = tmp.path().join("damaged.sqlite3");
    std::fs::write(&damaged, b"this is not a database").expect("write");
    let refused = server.admin_run(&["restore", damaged.to_str().expect("utf-8 path")]);
    assert!(!refused.status.success(), "a damaged file is not restored");

    // The disk died; the IT person restores last night's backup.
    let out = server.admin(&["restore", backup.to_str().expect("utf-8 path")]);
    assert!(out.contains("Đã khôi phục"), "{out}");
    server.restart();

    // Devices enrolled before the backup still authenticate; the TDP laptop still holds the
    // petition recorded after the backup and gives it back to the server.
    tdp.ok(&["sync"]);
    office.ok(&["sync"]);
    assert_eq!(
        contents(&office),
        vec![
            "Cống ngõ 5 tắc".to_owned(),
            "Rác tập kết sai giờ".to_owned(),
            "Đèn đường ngõ 12 hỏng".to_owned(),
        ],
        "the office sees all three petitions, the one recorded after the backup included"
    );
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The files of a directory, by name, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn devices(server: &Server) -> Vec<serde_json::Value> {
    serde_json::from_str(&server.admin(&["device", "list", "--json"])).expect("device list")
}

/// A mistyped path, an empty file, a text file, a laptop's database and a server database
/// with no ward are all refused with a reason, and nothing is created or changed: not the
/// mistyped file, not the server's data.
#[test]
fn restore_refuses_what_is_not_a_server_backup_and_creates_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    server.add_device("dk", "office", None, "Văn phòng");
    server.kill();
    let before = listing(&server.dir);
    let db_before = std::fs::read(server.db()).expect("db");

    // a laptop's own database: a doithoai file, but not a server's
    let laptop = Client::new(tmp.path().join("laptop"));
    laptop.ok(&["init", "--name", "Tổ trưởng A", "--point", "tdp-a"]);
    // a server that never got a ward
    let mut empty_server = Server::start(tmp.path().join("empty-server"));
    empty_server.kill();
    // a stopped server's file: its -wal is folded in by the last connection to close
    empty_server.admin(&["ward", "list"]);
    let empty = tmp.path().join("empty.sqlite3");
    std::fs::write(&empty, b"").expect("write");
    let text = tmp.path().join("ghi-chu.txt");
    std::fs::write(&text, "Sổ tiếp nhận tháng 11\n".repeat(20)).expect("write");
    let missing = tmp.path().join("usb").join("doithoai-sao-luu.sqlite3");

    let (laptop_db, empty_server_db) = (laptop.db(), empty_server.db());
    let cases: Vec<(&std::path::Path, &str)> = vec![
        (&missing, "Không có tệp"),
        (&empty, "rỗng"),
        (&text, "không phải bản sao lưu của doithoai-server"),
        (&laptop_db, "không phải của doithoai-server"),
        (&empty_server_db, "không có phường nào"),
        (tmp.path(), "là một thư mục"),
    ];
    for (file, why) in cases {
        let out = server.admin_run(&["restore", path(file)]);
        assert!(!out.status.success(), "{} was restored", file.display());
        let err = stderr(&out);
        assert!(err.contains(why), "{}: {err}", file.display());
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("Đã khôi phục"),
            "{}",
            file.display()
        );
        assert!(
            err.contains("không bị thay đổi") || file == tmp.path(),
            "says the data was not changed: {err}"
        );
    }
    assert!(!missing.exists(), "the mistyped path was not created");
    assert!(!missing.parent().expect("parent").exists());
    assert_eq!(
        std::fs::metadata(&empty).expect("empty").len(),
        0,
        "the empty file is left as it was"
    );
    assert_eq!(
        listing(&server.dir),
        before,
        "nothing was added to the data dir"
    );
    assert_eq!(
        std::fs::read(server.db()).expect("db"),
        db_before,
        "the data is unchanged"
    );
    server.restart();
    assert_eq!(devices(&server).len(), 1);
}

/// The data kept aside by a restore is a consistent copy: a server that was SIGKILLed still has
/// committed transactions in its -wal only, and they are in the copy. Two restores in the same
/// second keep two copies, and the restored file is private like the live one.
#[test]
fn restore_keeps_the_killed_servers_last_transactions_aside_and_never_overwrites_a_kept_copy() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    server.add_device("dk", "office", None, "Văn phòng");
    let backup = tmp.path().join("sao-luu.sqlite3");
    server.admin(&["backup", path(&backup)]);
    // Committed after the backup, while the server holds the database open.
    for i in 0..3 {
        server.add_device("dk", "collector", Some("tdp-a"), &format!("Laptop {i}"));
    }
    server.kill();
    let wal = server.dir.join("doithoai-server.sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the killed server left its last transactions in the -wal"
    );
    match doithoai_store::Store::inspect(&server.db()).expect("inspect") {
        doithoai_store::FileCheck::Database(s) => assert!(
            s.devices.unwrap_or(0) < 4,
            "precondition: the main file alone lacks the devices still in the -wal ({s:?})"
        ),
        other => panic!("{other:?}"),
    }

    let first = server.admin(&["restore", path(&backup)]);
    let second = server.admin(&["restore", path(&backup)]);
    for out in [&first, &second] {
        assert!(out.contains("Đã khôi phục"), "{out}");
    }
    let kept: Vec<String> = listing(&server.dir)
        .into_iter()
        .filter(|n| n.contains("before-restore"))
        .collect();
    assert_eq!(kept.len(), 2, "two restores keep two copies: {kept:?}");
    assert!(
        first.contains(&kept[0]) || first.contains(&kept[1]),
        "{first}"
    );
    // The first kept copy is the data of the killed server, its -wal included.
    let first_copy = kept
        .iter()
        .find(|k| first.contains(k.as_str()))
        .expect("first copy");
    match doithoai_store::Store::inspect(&server.dir.join(first_copy)).expect("inspect") {
        doithoai_store::FileCheck::Database(s) => {
            assert_eq!(s.devices, Some(4), "{s:?}");
            assert!(!s.wal_beside, "the kept copy is one self-contained file");
        }
        other => panic!("the kept copy is not a sound database: {other:?}"),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [server.db(), server.dir.join(first_copy)] {
            let mode = std::fs::metadata(&f).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
    // The restored server has what the backup had.
    server.restart();
    assert_eq!(devices(&server).len(), 1);
}

/// A backup to a folder that does not exist, to a folder, or onto an existing file is refused
/// with what to do, in Vietnamese and in English; `--force` overwrites.
#[test]
fn backup_says_what_is_wrong_with_its_target_and_force_overwrites() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let nowhere = tmp.path().join("usb-chua-cam").join("doithoai.sqlite3");
    let out = server.admin_run(&["backup", path(&nowhere)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("Thư mục") && err.contains("không tồn tại") && err.contains("mkdir -p"),
        "{err}"
    );
    assert!(!err.contains("unable to open"), "{err}");
    assert!(!nowhere.parent().expect("parent").exists());
    let out = server.admin_run(&["--lang", "en", "backup", path(&nowhere)]);
    assert!(
        stderr(&out).contains("does not exist. Create it"),
        "{}",
        stderr(&out)
    );

    let out = server.admin_run(&["backup", path(tmp.path())]);
    assert!(stderr(&out).contains("là một thư mục"), "{}", stderr(&out));

    let file = tmp.path().join("doithoai.sqlite3");
    std::fs::write(&file, b"old notes, not a backup").expect("write");
    let out = server.admin_run(&["backup", path(&file)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("đã có") && err.contains("--force"), "{err}");
    assert!(!err.contains("output file already exists"), "{err}");
    assert_eq!(
        std::fs::read(&file).expect("read"),
        b"old notes, not a backup"
    );
    let out = server.admin_run(&["--lang", "en", "backup", path(&file)]);
    assert!(
        stderr(&out).contains("add --force to overwrite"),
        "{}",
        stderr(&out)
    );

    // A mistyped data directory is said so; nothing is created there.
    let typo = tmp.path().join("sever");
    let out = std::process::Command::new(doithoai_e2e::bin("doithoai-server"))
        .arg("--data-dir")
        .arg(&typo)
        .args(["backup", path(&tmp.path().join("x.sqlite3"))])
        .env("DOITHOAI_LANG", "vi")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Không có dữ liệu máy chủ"),
        "{}",
        stderr(&out)
    );
    assert!(!typo.exists() && !tmp.path().join("x.sqlite3").exists());

    let out = server.admin(&["backup", path(&file), "--force"]);
    assert!(out.contains("Đã sao lưu"), "{out}");
    match doithoai_store::Store::inspect(&file).expect("inspect") {
        doithoai_store::FileCheck::Database(s) => assert_eq!(s.wards, Some(1)),
        other => panic!("{other:?}"),
    }
    assert!(
        listing(tmp.path()).iter().all(|n| !n.contains("partial")),
        "no temporary file is left behind"
    );
}
