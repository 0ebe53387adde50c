//! Crash safety: SIGKILL the CLI in the middle of a batch of `petition add` runs; every add that
//! reported success must be there after a restart, and the SQLite file must be intact.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use doithoai_e2e::{Client, Rng, saved_id};

#[test]
fn every_reported_add_survives_sigkill() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Client::new(tmp.path().join("tdp"));
    c.ok(&["init", "--name", "Tổ trưởng TDP 5", "--point", "tdp-05"]);
    let seed: u64 = std::env::var("DOITHOAI_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261128);
    let mut rng = Rng::new(seed);
    let mut reported = Vec::new();
    let (mut killed, mut finished) = (0, 0);
    for i in 0..60 {
        let content = format!("Ý kiến số {i}: cống thoát nước ngõ {} bị tắc", i % 9);
        let mut child = c
            .cmd()
            .args([
                "petition",
                "add",
                "--name",
                "Nguyễn Văn Đức",
                "--field",
                "ha_tang",
                "--content",
                &content,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Kill at a random moment within the command's usual run time (or let it finish).
        let deadline = Instant::now() + Duration::from_micros(rng.below(40_000));
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(300));
        }
        let _ = child.kill(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            finished += 1;
            let stdout = String::from_utf8_lossy(&out.stdout);
            reported.push(saved_id(&stdout).unwrap_or_else(|| panic!("no id in {stdout:?}")));
        } else {
            killed += 1;
        }
    }
    eprintln!("seed {seed}: {finished} adds reported success, {killed} were killed");
    assert!(
        killed > 0 && finished > 0,
        "the schedule must both kill and finish adds"
    );

    // After a restart every reported add is listed, once.
    let ids: Vec<String> = c
        .petitions()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate petitions listed");
    for short in &reported {
        assert!(
            ids.iter().any(|id| id.starts_with(short)),
            "reported petition {short} lost (seed {seed})"
        );
    }
    // The index rebuilt from the documents agrees: nothing reported lives only in the index.
    c.ok(&["index", "rebuild"]);
    let rebuilt: BTreeSet<String> = c
        .petitions()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    for short in &reported {
        assert!(
            rebuilt.iter().any(|id| id.starts_with(short)),
            "petition {short} only in the index (seed {seed})"
        );
    }
    assert!(rebuilt.len() >= ids.len());
    let store = doithoai_store::Store::open(&c.db(), doithoai_store::Durability::Full).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    // And the device still works.
    c.ok(&[
        "petition",
        "add",
        "--name",
        "Trần Thị Thủy",
        "--content",
        "Sau sự cố vẫn ghi được",
    ]);
}
