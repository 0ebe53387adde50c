//! The ward's whole flow over real processes on 127.0.0.1: a server, an office laptop and two
//! TDP laptops. TDP A records offline and syncs later; the office sees A's petitions; TDP B
//! never receives A's intake document; A's write to the ward document is ignored; a revoked
//! device is refused; a server crash and restart lose nothing. The whole flow runs twice: on the
//! server's embedded SQLite and on PostgreSQL (a throwaway cluster, tests/src/pg.rs).

use std::time::Duration;

use doithoai_e2e::pg::{Backend, TestDb, database_for};
use doithoai_e2e::{Client, Server};

fn code(server: &Server, role: &str, point: Option<&str>, name: &str) -> String {
    server.add_device("dk", role, point, name)
}

#[test]
fn office_and_two_tdps() {
    office_and_two_tdps_on(Backend::Sqlite);
}

#[test]
fn office_and_two_tdps_on_postgres() {
    office_and_two_tdps_on(Backend::Postgres);
}

fn office_and_two_tdps_on(backend: Backend) {
    let Some(db) = database_for(backend, "office_and_two_tdps_on_postgres") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start_on(tmp.path().join("server"), db.url(), Vec::new());
    server.setup_ward(&["a", "b"]);
    let a = Client::new(tmp.path().join("a"));
    let b = Client::new(tmp.path().join("b"));
    let o = Client::new(tmp.path().join("o"));

    // A records two petitions before enrolment, then joins (they move to the point's intake).
    a.ok(&["init", "--name", "Tổ trưởng A", "--point", "tdp-a"]);
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--field",
        "ha_tang",
        "--content",
        "Đèn đường ngõ 12 hỏng",
    ]);
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Lê Quang Đạo",
        "--content",
        "Cống ngõ 5 tắc",
        "--speak",
    ]);
    let out = a.ok(&[
        "join",
        &server.url(),
        &code(&server, "collector", Some("tdp-a"), "Laptop A"),
    ]);
    assert!(out.contains("Đã chuyển 2 ý kiến"), "{out}");

    // The meeting hall has no network: the server is unreachable, A keeps working.
    server.kill();
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Trần Thị Thủy",
        "--field",
        "moi_truong",
        "--content",
        "Rác tập kết sai giờ",
    ]);
    let failed = a.run(&["sync"]);
    assert!(!failed.status.success());
    let msg = String::from_utf8_lossy(&failed.stderr);
    assert!(msg.contains("Không kết nối được máy chủ"), "{msg}");
    let st = a.ok(&["status"]);
    assert!(
        st.contains("ngoại tuyến") && !st.contains("chưa được máy chủ xác nhận: 0"),
        "{st}"
    );

    // Back online.
    server.restart();
    let out = a.ok(&["sync"]);
    assert!(out.contains("máy chủ đã có mọi thay đổi"), "{out}");
    assert!(a.ok(&["status"]).contains("chưa được máy chủ xác nhận: 0"));

    // The office sees A's three petitions, with their content.
    o.ok(&[
        "join",
        &server.url(),
        &code(&server, "office", None, "Văn phòng"),
        "--name",
        "Chị Hoa - Văn phòng",
    ]);
    let seen = o.petitions();
    assert_eq!(seen.len(), 3, "{seen:#?}");
    let contents: Vec<&str> = seen
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    for c in [
        "Đèn đường ngõ 12 hỏng",
        "Cống ngõ 5 tắc",
        "Rác tập kết sai giờ",
    ] {
        assert!(contents.contains(&c), "{contents:?}");
    }
    assert!(seen.iter().all(|p| p["point"] == "tdp-a"));
    // Searching without diacritics works on the office too.
    assert_eq!(
        o.ok(&["petition", "list", "--text", "den duong", "--json"])
            .matches("\"id\"")
            .count(),
        1
    );

    // The office handles the street-light petition; its answer reaches A.
    let lamp = seen
        .iter()
        .find(|p| p["content"] == "Đèn đường ngõ 12 hỏng")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let short = &lamp[..8];
    o.ok(&["handle", "receive", "--all"]);
    o.ok(&[
        "handle",
        "classify",
        short,
        "--field",
        "ha_tang",
        "--competence",
        "phuong",
    ]);
    o.ok(&["handle", "assign", short, "--department", "dia_chinh"]);
    o.ok(&[
        "handle",
        "answer",
        short,
        "--text",
        "Phường đã thay bóng đèn ngõ 12 ngày 05/12",
        "--by",
        "Cán bộ địa chính",
    ]);
    o.ok(&[
        "handle",
        "approve",
        short,
        "--approver",
        "Chủ tịch UBND phường",
    ]);
    o.ok(&["sync"]);
    a.ok(&["sync"]);
    let at_a = a.petitions();
    let lamp_at_a = at_a.iter().find(|p| p["id"] == lamp.as_str()).unwrap();
    assert_eq!(lamp_at_a["status"], "approved", "{lamp_at_a:#?}");
    assert!(
        lamp_at_a["register_no"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{lamp_at_a:#?}"
    );

    // B joins and never receives A's intake document.
    b.ok(&[
        "join",
        &server.url(),
        &code(&server, "collector", Some("tdp-b"), "Laptop B"),
        "--name",
        "Tổ trưởng B",
    ]);
    assert!(b.petitions().is_empty());
    let a_intake = server.intake_of("tdp-a");
    let refused = b.run(&["sync", "--doc", &a_intake]);
    assert!(!refused.status.success(), "B fetched A's intake document");
    let b_store = doithoai_store::Store::open(&b.db(), doithoai_store::Durability::Full).unwrap();
    let bare = a_intake.trim_start_matches("automerge:");
    assert!(
        !b_store.chunk_doc_ids().unwrap().iter().any(|d| d == bare),
        "A's intake document reached B's disk"
    );
    drop(b_store);

    // A new petition reaches the office through a later sync.
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Phạm Thị Hương",
        "--content",
        "Vỉa hè bị lấn chiếm",
    ]);
    a.ok(&["sync"]);
    o.ok(&["sync"]);
    assert_eq!(o.petitions().len(), 4);

    // A revoked device is refused, with a clear message.
    let devices = server.admin(&["device", "list", "--json"]);
    let devices: serde_json::Value = serde_json::from_str(&devices).unwrap();
    let b_id = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["point_id"] == "tdp-b")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.admin(&["device", "revoke", &b_id]);
    let refused = b.run(&["sync"]);
    assert!(!refused.status.success());
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(msg.contains("từ chối") || msg.contains("thu hồi"), "{msg}");

    // The server crashes (SIGKILL) and restarts: nothing is lost. A new office laptop gets all.
    server.kill();
    std::thread::sleep(Duration::from_millis(100));
    server.restart();
    let o2 = Client::new(tmp.path().join("o2"));
    o2.ok(&[
        "join",
        &server.url(),
        &code(&server, "office", None, "Văn phòng 2"),
        "--name",
        "Anh Nam - Văn phòng",
    ]);
    assert_eq!(o2.petitions().len(), 4);
    match &db {
        TestDb::Sqlite => {
            let db = doithoai_store::Store::open(&server.db(), doithoai_store::Durability::Normal)
                .unwrap();
            assert_eq!(db.integrity_check().unwrap(), "ok");
        }
        TestDb::Postgres { cluster, url } => {
            // Everything is in PostgreSQL, nothing in a SQLite file beside it.
            assert!(
                !server.db().exists(),
                "a SQLite file was made beside PostgreSQL"
            );
            let devices = cluster.psql(url, "SELECT count(*) FROM reg_device");
            assert_eq!(devices, "4", "A, the office, B (revoked) and office 2");
            let chunks: u64 = cluster
                .psql(url, "SELECT count(*) FROM chunk")
                .parse()
                .unwrap();
            assert!(chunks > 0);
        }
    }
}

/// A device that connects with a token and writes where its role does not allow: the server
/// must ignore the write and pass it to nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collectors_write_to_the_ward_document_is_ignored() {
    use doithoai_model::ChangeMeta;
    use doithoai_model::doc::{Reader, put_str};
    use doithoai_sync::automerge::ROOT;
    use doithoai_sync::link::LinkOptions;
    use doithoai_sync::{LocalRepo, change, parse_doc_id, read};

    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);

    async fn device(
        server: &Server,
        dir: &std::path::Path,
        role: &str,
        point: Option<&str>,
    ) -> (
        LocalRepo,
        doithoai_sync::client::ServerLink,
        serde_json::Value,
    ) {
        let code = server.add_device("dk", role, point, role);
        let e = doithoai_e2e::enroll_raw(server, &code);
        let store =
            doithoai_store::Store::open(&dir.join("db.sqlite3"), doithoai_store::Durability::Full)
                .unwrap();
        let repo = LocalRepo::open(store, Some(e["peer_id"].as_str().unwrap().to_owned())).await;
        let link = repo
            .dial_server_with(
                &server.url(),
                e["token"].as_str().unwrap(),
                &server.trust(),
                LinkOptions::default(),
                Some(2),
            )
            .unwrap();
        link.established().await.unwrap();
        (repo, link, e)
    }

    let (repo_a, link_a, ea) =
        device(&server, &tmp.path().join("a"), "collector", Some("tdp-a")).await;
    let ward_id = parse_doc_id(ea["documents"]["ward"].as_str().unwrap()).unwrap();
    let ward_a = repo_a
        .find(&ward_id)
        .await
        .unwrap()
        .expect("A may read the ward document");
    assert!(
        link_a
            .in_step(&ward_a, false, Duration::from_secs(10))
            .await
    );
    let meta = ChangeMeta::new("kẻ giả mạo", "ward.rename", vec![]);
    change(&ward_a, &meta, |tx| {
        put_str(tx, &ROOT, "name", "Phường Giả Mạo")
    })
    .unwrap();
    // The server never confirms A's change: it is not accepted.
    assert!(!link_a.in_step(&ward_a, true, Duration::from_secs(2)).await);
    link_a.close();
    repo_a.stop().await;

    let name = |repo: LocalRepo, h: doithoai_sync::DocHandle| {
        let _ = repo;
        read(&h, |d| Reader::new(d).string(&ROOT, "name"))
    };
    let (repo_o, link_o, _) = device(&server, &tmp.path().join("o"), "office", None).await;
    let ward_o = repo_o.find(&ward_id).await.unwrap().unwrap();
    assert!(link_o.in_step(&ward_o, true, Duration::from_secs(10)).await);
    assert_eq!(name(repo_o.clone(), ward_o), "Phường Dĩnh Kế");
    link_o.close();
    repo_o.stop().await;

    // Nor did the server keep it: after a restart a new office device reads the true name.
    server.kill();
    server.restart();
    let (repo_o2, link_o2, _) = device(&server, &tmp.path().join("o2"), "office", None).await;
    let ward_o2 = repo_o2.find(&ward_id).await.unwrap().unwrap();
    assert!(
        link_o2
            .in_step(&ward_o2, true, Duration::from_secs(10))
            .await
    );
    assert_eq!(name(repo_o2.clone(), ward_o2), "Phường Dĩnh Kế");
    link_o2.close();
    repo_o2.stop().await;
}

/// A document a device creates while connected is announced before it is registered; once
/// registered, it syncs on the same connection (the share decision is re-evaluated).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_created_while_online_syncs_once_registered() {
    use doithoai_sync::link::LinkOptions;
    use doithoai_sync::{LocalRepo, parse_doc_id};

    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let e = doithoai_e2e::enroll_raw(
        &server,
        &server.add_device("dk", "collector", Some("tdp-a"), "A"),
    );
    let token = e["token"].as_str().unwrap().to_owned();
    let store = doithoai_store::Store::open(
        &tmp.path().join("a.sqlite3"),
        doithoai_store::Durability::Full,
    )
    .unwrap();
    let repo = LocalRepo::open(store, Some(e["peer_id"].as_str().unwrap().to_owned())).await;
    let link = repo
        .dial_server_with(
            &server.url(),
            &token,
            &server.trust(),
            LinkOptions::default(),
            Some(2),
        )
        .unwrap();
    link.established().await.unwrap();
    let root = parse_doc_id(e["documents"]["intake"].as_str().unwrap()).unwrap();
    let volume = repo
        .create(doithoai_model::intake::new_volume_document("tdp-a", &root.to_string()).unwrap())
        .await
        .unwrap();
    // Announced before registration: refused for now.
    assert!(
        !link
            .in_step(&volume, true, Duration::from_millis(800))
            .await
    );
    let body = serde_json::json!({"doc_id": volume.document_id().to_string(), "kind": "intake"})
        .to_string();
    let (status, _) = doithoai_sync::http::Client::new(&server.trust())
        .unwrap()
        .request(
            &server.url(),
            "POST",
            "/api/v1/documents",
            Some(&token),
            Some(&body),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(
        link.in_step(&volume, true, Duration::from_secs(10)).await,
        "the registered volume did not sync on the live connection"
    );
    link.close();
    repo.stop().await;
}

/// The office's reception desk (an office device enrolled with a point) writes that point's
/// intake, so past a volume's 400 petitions it must be able to register the next volume; an
/// office device without a point may not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_desk_registers_its_next_intake_volume() {
    use doithoai_sync::{LocalRepo, parse_doc_id};

    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["desk"]);
    let srv = &server;
    let register = |code: String, name: &'static str| {
        let server_url = server.url();
        let trust = server.trust();
        let dir = tmp.path().join(name);
        async move {
            let e = doithoai_e2e::enroll_raw(srv, &code);
            let token = e["token"].as_str().unwrap().to_owned();
            let store = doithoai_store::Store::open(
                &dir.with_extension("sqlite3"),
                doithoai_store::Durability::Full,
            )
            .unwrap();
            let repo =
                LocalRepo::open(store, Some(e["peer_id"].as_str().unwrap().to_owned())).await;
            let root = parse_doc_id(e["documents"]["intake"].as_str().unwrap_or_default());
            let root = root.map(|r| r.to_string()).unwrap_or_default();
            let volume = repo
                .create(doithoai_model::intake::new_volume_document("tdp-desk", &root).unwrap())
                .await
                .unwrap();
            let body =
                serde_json::json!({"doc_id": volume.document_id().to_string(), "kind": "intake"})
                    .to_string();
            let (status, _) = doithoai_sync::http::Client::new(&trust)
                .unwrap()
                .request(
                    &server_url,
                    "POST",
                    "/api/v1/documents",
                    Some(&token),
                    Some(&body),
                    Duration::from_secs(10),
                )
                .await
                .unwrap();
            repo.stop().await;
            status
        }
    };
    let desk = server.add_device("dk", "office", Some("tdp-desk"), "Bàn tiếp dân");
    assert_eq!(
        register(desk, "desk").await,
        200,
        "the desk's volume was refused"
    );
    let clerk = server.add_device("dk", "office", None, "Văn phòng");
    assert_eq!(
        register(clerk, "clerk").await,
        403,
        "an office device without a point registered an intake volume"
    );
}
