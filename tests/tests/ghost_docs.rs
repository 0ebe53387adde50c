//! Ghost documents, over real processes on 127.0.0.1: a collector's token registers document ids
//! that nobody ever writes (`POST /api/v1/documents {"doc_id": <fresh id>, "kind": "intake"}`),
//! and names them as volumes in its point's root intake. Before the fix, one ghost made every
//! `doithoai sync` of the office and the point fail, 101 made the ward and handling documents
//! fail too, and 301 hung `sync` for 14 minutes. Now registration is bounded (a rate and a quota
//! per device), a registered volume is listed to nobody until its point's root lists it, the
//! office sees and removes registrations, and a document nobody has never fails or hangs the
//! sync of the others: `sync` ends within a bound and names what it skipped.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use doithoai_e2e::{Background, Client, Server, saved_id};
use doithoai_model::{ChangeMeta, intake};
use doithoai_store::{Durability, Store};
use doithoai_sync::{DocumentId, LocalRepo, change, parse_doc_id};

/// The longest any `doithoai sync` may take in these tests.
const SYNC_BOUND: Duration = Duration::from_secs(90);

/// An HTTP request to the server with a bearer token: (status, body).
fn http(server: &Server, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let auth = format!("Bearer {token}");
    server.http(method, path, &[("Authorization", &auth)], body)
}

fn token_of(c: &Client) -> String {
    let store = Store::open(&c.db(), Durability::Full).unwrap();
    store.meta_get("server.token").unwrap().expect("token")
}

fn fresh_id() -> String {
    DocumentId::try_from(uuid::Uuid::new_v4().as_bytes().to_vec())
        .unwrap()
        .to_string()
}

/// Runs `doithoai ARGS`, killing it after `limit`: the output and how long it took.
fn run_bounded(c: &Client, args: &[&str], limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let mut cmd: Command = c.cmd();
    let mut child = cmd
        .args(args)
        .env("DOITHOAI_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child.wait_with_output().unwrap(), start.elapsed())
}

/// `doithoai sync` must end within the bound and succeed.
fn sync_ok(c: &Client, who: &str) -> String {
    let (out, took) = run_bounded(c, &["sync"], SYNC_BOUND);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < SYNC_BOUND, "{who}: sync hung ({took:?}): {text}");
    assert!(
        out.status.success(),
        "{who}: sync failed after {took:?}: {text}"
    );
    eprintln!("{who}: sync took {took:?}");
    text
}

/// Names `ids` as volumes in the root intake `root` held by `c`, as a hostile program would.
fn list_in_root(c: &Client, root: &str, ids: &[String]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&c.db(), Durability::Full).unwrap();
        let repo = LocalRepo::open(store, None).await;
        let h = repo.get(&parse_doc_id(root).unwrap()).await.unwrap();
        let meta = ChangeMeta::new("kẻ phá", "intake.volume", ids.to_vec());
        change(&h, &meta, |tx| {
            for id in ids {
                intake::add_volume(tx, id, "kẻ phá")?;
            }
            Ok(())
        })
        .unwrap();
        repo.stop().await;
    });
}

struct Ward {
    _tmp: tempfile::TempDir,
    server: Server,
    a: Client,
    b: Client,
    o: Client,
}

fn ward() -> Ward {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a", "b"]);
    let a = Client::new(tmp.path().join("a"));
    let b = Client::new(tmp.path().join("b"));
    let o = Client::new(tmp.path().join("o"));
    for (c, role, point, name) in [
        (&a, "collector", Some("tdp-a"), "Tổ trưởng A"),
        (&b, "collector", Some("tdp-b"), "Tổ trưởng B"),
        (&o, "office", None, "Văn phòng"),
    ] {
        c.ok(&[
            "join",
            &server.url(),
            &server.add_device("dk", role, point, name),
            "--name",
            name,
        ]);
    }
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn An",
        "--content",
        "Cống ngõ 3 tắc",
    ]);
    sync_ok(&a, "a");
    sync_ok(&o, "o");
    Ward {
        _tmp: tmp,
        server,
        a,
        b,
        o,
    }
}

/// A's token registers `n` fresh ids: how many the server took, and the refusals' bodies.
fn register_ghosts(w: &Ward, n: usize) -> (Vec<String>, Vec<(u16, String)>) {
    let token = token_of(&w.a);
    let mut taken = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..n {
        let id = fresh_id();
        let body = serde_json::json!({"doc_id": id, "kind": "intake"}).to_string();
        match http(&w.server, "POST", "/api/v1/documents", &token, &body) {
            (200, _) => taken.push(id),
            other => refused.push(other),
        }
    }
    (taken, refused)
}

/// After the attack, everyone's sync ends in time and succeeds, and a new petition of A still
/// reaches the office.
fn everyone_still_syncs(w: &Ward) {
    sync_ok(&w.o, "o");
    sync_ok(&w.a, "a");
    sync_ok(&w.b, "b");
    let out = w.a.ok(&[
        "petition",
        "add",
        "--name",
        "Lê Thị Hồng",
        "--content",
        "Rác ngõ 8",
    ]);
    let short = saved_id(&out).unwrap();
    sync_ok(&w.a, "a");
    sync_ok(&w.o, "o");
    assert!(
        w.o.petitions()
            .iter()
            .any(|p| p["id"].as_str().unwrap().starts_with(&short)),
        "A's new petition did not reach the office"
    );
}

#[test]
fn one_ghost_does_not_fail_anyones_sync() {
    let w = ward();
    let (taken, _) = register_ghosts(&w, 1);
    assert_eq!(taken.len(), 1);
    everyone_still_syncs(&w);
}

#[test]
fn registration_is_rate_limited_and_the_office_sees_and_removes_it() {
    let w = ward();
    let (taken, refused) = register_ghosts(&w, 101);
    assert!(
        taken.len() <= 10,
        "{} registrations taken in a burst",
        taken.len()
    );
    let (status, body) = refused.first().cloned().expect("some refused");
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("trong một phút"), "{body}");
    everyone_still_syncs(&w);

    // The office sees the registrations, unlisted in A's root, and removes one.
    let list = w.o.ok(&["documents", "list"]);
    assert!(
        taken.iter().all(|id| list.contains(id.as_str())) && list.contains("CHƯA có trong sổ gốc"),
        "{list}"
    );
    let out = w.o.ok(&["documents", "remove", &taken[0]]);
    assert!(out.contains("Đã gỡ đăng ký tài liệu"), "{out}");
    assert!(!w.o.ok(&["documents", "list"]).contains(taken[0].as_str()));
    // A collector may not see them, and the ward's own documents cannot be removed.
    let (status, _) = http(
        &w.server,
        "GET",
        "/api/v1/registrations",
        &token_of(&w.a),
        "",
    );
    assert_eq!(status, 403);
    let root = w.server.intake_of("tdp-a");
    let bad = w.o.run(&["documents", "remove", &root]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("không gỡ được"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let a_cmd = w.a.run(&["documents", "list"]);
    assert!(!a_cmd.status.success());
}

#[test]
fn three_hundred_and_one_ghosts_in_the_root_neither_fail_nor_hang_sync() {
    let w = ward();
    // As many registered as the server lets through, and 301 ghosts named in A's root.
    let (mut ghosts, _) = register_ghosts(&w, 301);
    while ghosts.len() < 301 {
        ghosts.push(fresh_id());
    }
    list_in_root(&w.a, &w.server.intake_of("tdp-a"), &ghosts);
    let text = sync_ok(&w.a, "a");
    assert!(text.contains("Bỏ qua"), "{text}");
    let text = sync_ok(&w.o, "o");
    assert!(
        text.contains("Bỏ qua 301 tài liệu") && text.contains("sổ tiếp nhận của tdp-a"),
        "{text}"
    );
    everyone_still_syncs(&w);

    // The office's background sync is not held up either: A's next petition shows up there.
    let _serve = Background(
        w.o.cmd()
            .arg("serve")
            .env("DOITHOAI_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let out = w.a.ok(&[
        "petition",
        "add",
        "--name",
        "Đỗ Văn Tú",
        "--content",
        "Ổ gà ngõ 2",
    ]);
    let short = saved_id(&out).unwrap();
    sync_ok(&w.a, "a");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !w
        .o
        .petitions()
        .iter()
        .any(|p| p["id"].as_str().unwrap().starts_with(&short))
    {
        assert!(
            Instant::now() < deadline,
            "serve on the office did not pick up A's petition"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}
