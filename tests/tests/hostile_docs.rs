//! A buggy or hostile collector writing garbage into its own intake document (issue 16), over
//! real processes on 127.0.0.1: wrong types, a petition that is a list, one whose residents are
//! a string, a huge string, deep nesting. The server accepts the write (A may write its own
//! intake) and flags it; the office's client syncs, keeps serving, indexes every readable
//! petition (A's good one, B's) and tells the office which entries it skipped and why.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc as _};
use doithoai_e2e::{Client, Server, saved_id};
use doithoai_model::ChangeMeta;
use doithoai_store::{Durability, Store};
use doithoai_sync::{LocalRepo, change, parse_doc_id};

/// Writes garbage straight into the intake document `doc` held in `client`'s store, as a
/// program other than doithoai would.
fn write_garbage(client: &Client, doc: &str) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&client.db(), Durability::Full).unwrap();
        let repo = LocalRepo::open(store, None).await;
        let h = repo.get(&parse_doc_id(doc).unwrap()).await.unwrap();
        // Distinct first eight digits (bad00001…), the short id the office's pages show.
        let keys: Vec<String> = (1..=5u128)
            .map(|n| {
                uuid::Uuid::from_u128(((0xbad0_0000 + n) << 96) | 0x4000_8000_0000_0000).to_string()
            })
            .collect();
        let meta = ChangeMeta::new("chương trình lỗi", "petition.add", keys.clone());
        change(&h, &meta, |tx| {
            let Some((_, petitions)) = tx.get(ROOT, "petitions").unwrap() else {
                panic!("no petitions map")
            };
            // 1. a petition that is a list, not a map
            let l = tx
                .put_object(&petitions, keys[0].as_str(), ObjType::List)
                .unwrap();
            tx.insert(&l, 0, "rác").unwrap();
            // 2. a petition whose created_at is a number and residents a string
            let m = tx
                .put_object(&petitions, keys[1].as_str(), ObjType::Map)
                .unwrap();
            tx.put(&m, "id", keys[1].as_str()).unwrap();
            tx.put(&m, "created_at", 12345_i64).unwrap();
            tx.put(&m, "residents", "không phải danh sách").unwrap();
            // 3. a petition with an id that is not a UUID
            let m = tx
                .put_object(&petitions, keys[2].as_str(), ObjType::Map)
                .unwrap();
            tx.put(&m, "id", "not-a-uuid").unwrap();
            tx.put(&m, "created_at", "2026-03-05T08:30:00+07:00")
                .unwrap();
            // 4. a readable petition with a 1 MB content, wrong types elsewhere and deep nesting
            let m = tx
                .put_object(&petitions, keys[3].as_str(), ObjType::Map)
                .unwrap();
            tx.put(&m, "id", keys[3].as_str()).unwrap();
            tx.put(&m, "created_at", "2026-03-05T08:30:00+07:00")
                .unwrap();
            tx.put(&m, "point", "tdp-a").unwrap();
            tx.put(&m, "content", "Ồ".repeat(350_000)).unwrap();
            tx.put(&m, "people_count", "mười").unwrap();
            tx.put(&m, "wants_to_speak", 7_i64).unwrap();
            let mut o = tx.put_object(&m, "residents", ObjType::List).unwrap();
            for i in 0..2_000 {
                o = if i % 2 == 0 {
                    tx.insert_object(&o, 0, ObjType::Map).unwrap()
                } else {
                    tx.put_object(&o, "name", ObjType::List).unwrap()
                };
            }
            // 5. a scalar where a petition should be
            tx.put(&petitions, keys[4].as_str(), true).unwrap();
            Ok(())
        })
        .unwrap();
        repo.stop().await;
        keys
    })
}

#[test]
fn a_hostile_collectors_garbage_is_flagged_and_everything_else_still_works() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a", "b"]);
    let a = Client::new(tmp.path().join("a"));
    let b = Client::new(tmp.path().join("b"));
    let office = Client::new(tmp.path().join("office"));
    let join = |c: &Client, role: &str, point: Option<&str>, name: &str| {
        c.ok(&[
            "join",
            &server.url(),
            &server.add_device("dk", role, point, name),
            "--name",
            name,
        ]);
    };
    join(&a, "collector", Some("tdp-a"), "Tổ trưởng A");
    join(&b, "collector", Some("tdp-b"), "Tổ trưởng B");
    join(&office, "office", None, "Văn phòng");

    let good_a = saved_id(&a.ok(&[
        "petition",
        "add",
        "--name",
        "Trần Thị Hoa",
        "--content",
        "Đèn đường ngõ 5 hỏng",
    ]))
    .expect("saved id");
    let good_b = saved_id(&b.ok(&[
        "petition",
        "add",
        "--name",
        "Lê Văn Nam",
        "--content",
        "Cống thoát nước tắc",
    ]))
    .expect("saved id");
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    let keys = write_garbage(&a, &server.intake_of("tdp-a"));
    a.ok(&["sync"]);

    // The office syncs without failing, and lists every readable petition.
    office.ok(&["sync"]);
    let list = office.petitions();
    let ids: Vec<&str> = list.iter().filter_map(|p| p["id"].as_str()).collect();
    assert!(
        ids.iter().any(|i| i.starts_with(&good_a)),
        "A's good petition is missing: {ids:?}"
    );
    assert!(
        ids.iter().any(|i| i.starts_with(&good_b)),
        "B's petition is missing: {ids:?}"
    );
    for bad in [&keys[0], &keys[1], &keys[2], &keys[4]] {
        assert!(
            !ids.contains(&bad.as_str()),
            "an unreadable entry {bad} was listed"
        );
    }
    // The readable one with wrong types is indexed with the defaults, its content whole.
    let shown = office.ok(&["petition", "show", &keys[3], "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        shown["petition"]["content"]
            .as_str()
            .map(|c| c.chars().count()),
        Some(350_000)
    );

    // The office is told which entries were skipped, and why.
    let conflicts = office.ok(&["handle", "conflicts"]);
    for bad in [&keys[0], &keys[1], &keys[2], &keys[4]] {
        assert!(
            conflicts.contains(&bad[..8]),
            "skipped entry {bad} not shown to the office:\n{conflicts}"
        );
    }
    // The server flagged the document too (it looks every second).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let docs = office.ok(&["documents", "list"]);
        if docs.contains("Máy chủ đánh dấu") && docs.contains("sai cấu trúc") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not flag the write:\n{docs}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }

    // A rebuilt index says the same, and the other laptop still syncs.
    office.ok(&["index", "rebuild"]);
    assert_eq!(office.petitions().len(), list.len());
    b.ok(&["sync"]);
}
