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
