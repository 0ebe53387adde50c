//! A full disk: the CLI refuses the write with a clear message in Vietnamese, exits non-zero,
//! reports nothing as saved, and everything saved before is intact afterwards.
//!
//! The test mounts a small tmpfs, which needs root (as on CI); elsewhere it says so and skips.

use std::process::Command;

use doithoai_e2e::Client;

struct Mount(std::path::PathBuf);
impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_refused_clearly_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("small-disk");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=3M", "tmpfs"])
        .arg(&mnt)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    let _guard = Mount(mnt.clone());
    let c = Client::new(mnt.join("data"));
    c.ok(&["init", "--name", "Tổ trưởng TDP 9", "--point", "tdp-09"]);
    let mut saved = Vec::new();
    for i in 0..5 {
        let out = c.ok(&[
            "petition",
            "add",
            "--name",
            "Nguyễn Văn Đức",
            "--content",
            &format!("Ý kiến trước khi đầy đĩa số {i}"),
        ]);
        saved.push(doithoai_e2e::saved_id(&out).unwrap());
    }
    // Fill the disk.
    let filler = mnt.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k"])
        .arg(format!("of={}", filler.display()))
        .output();
    let mut refused = None;
    for i in 0..50 {
        let long = "Nội dung dài để lấp đầy đĩa. ".repeat(600);
        let out = c.run(&[
            "petition",
            "add",
            "--name",
            "Trần Thị Thủy",
            "--content",
            &format!("{long} {i}"),
        ]);
        if !out.status.success() {
            refused = Some(out);
            break;
        }
    }
    let out = refused.expect("the disk never filled up");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("refused with: {stderr}");
    assert!(
        stderr.contains("Đĩa đầy") || stderr.contains("đĩa"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("Đã lưu"),
        "a refused add was reported as saved"
    );
    // Free the space: every petition saved before is there and the file is intact.
    std::fs::remove_file(&filler).unwrap();
    let ids: Vec<String> = c
        .petitions()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    for s in &saved {
        assert!(ids.iter().any(|id| id.starts_with(s)), "petition {s} lost");
    }
    let store = doithoai_store::Store::open(&c.db(), doithoai_store::Durability::Full).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    c.ok(&[
        "petition",
        "add",
        "--name",
        "Lê Quang Đạo",
        "--content",
        "Sau khi giải phóng dung lượng",
    ]);
}
