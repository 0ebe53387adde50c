//! A collector forging another TDP's petitions, over real processes on 127.0.0.1.
//!
//! TDP A's laptop (or anyone holding its token) writes into A's own intake document, with
//! Automerge directly as a hostile program would: a petition keyed by one of TDP B's petition
//! ids with other content, and a new petition claiming `point: "tdp-b"`. The server accepts the
//! write (A may write its own intake). The office must still show B's petition as B wrote it,
//! count the forged one for TDP A, and show both as irregularities, in lists, `petition show`,
//! `handle conflicts` and the Mẫu 03 register, before and after `index rebuild`; the server
//! flags the writes too (`doithoai documents list`).

use doithoai_e2e::{Client, Server, saved_id};
use doithoai_model::{ChangeMeta, NewPetition, Registry, Resident, intake};
use doithoai_store::{Durability, Store};
use doithoai_sync::{LocalRepo, change, parse_doc_id};

/// Writes petitions straight into the intake document `doc` held in `client`'s store, as a
/// program other than doithoai would (no validation, no index).
fn forge(client: &Client, doc: &str, petitions: Vec<doithoai_model::Petition>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&client.db(), Durability::Full).unwrap();
        let repo = LocalRepo::open(store, None).await;
        let h = repo.get(&parse_doc_id(doc).unwrap()).await.unwrap();
        for p in petitions {
            let meta = ChangeMeta::new("kẻ giả mạo", "petition.add", vec![p.id.to_string()]);
            change(&h, &meta, |tx| intake::put_petition(tx, &p)).unwrap();
        }
        repo.stop().await;
    });
}

fn petition(point: &str, name: &str, content: &str) -> doithoai_model::Petition {
    NewPetition {
        residents: vec![Resident {
            name: name.into(),
            address: "Số 1 ngõ 9".into(),
            tdp: point.into(),
            phone: None,
            id_number: None,
        }],
        people_count: None,
        kind: None,
        field: None,
        content: content.into(),
        request: String::new(),
        place: String::new(),
        wants_to_speak: false,
        created_at: None,
    }
    .build(point, "Tổ trưởng A", &Registry::builtin())
    .unwrap()
}

fn contents(list: &[serde_json::Value]) -> Vec<(String, String)> {
    list.iter()
        .map(|p| {
            (
                p["point"].as_str().unwrap_or_default().to_owned(),
                p["content"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const ORIGINAL: &str = "Đèn đường ngõ 7 hỏng đã hai tuần";
const FORGED: &str = "NỘI DUNG GIẢ MẠO thay cho ý kiến của TDP B";
const CLAIMING: &str = "Ý KIẾN GIẢ tự nhận là của TDP B";

#[test]
fn a_collector_cannot_forge_another_points_petitions() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a", "b"]);
    let a = Client::new(tmp.path().join("a"));
    let b = Client::new(tmp.path().join("b"));
    let o = Client::new(tmp.path().join("o"));
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
    join(&o, "office", None, "Văn phòng");

    // B records a petition; the office receives it (it gets a register number).
    let out = b.ok(&[
        "petition",
        "add",
        "--name",
        "Phạm Văn Bình",
        "--content",
        ORIGINAL,
    ]);
    let short = saved_id(&out).expect("saved id");
    b.ok(&["sync"]);
    o.ok(&["sync"]);
    let seen = o.petitions();
    let b_id = seen
        .iter()
        .find(|p| p["id"].as_str().unwrap().starts_with(&short))
        .and_then(|p| p["id"].as_str())
        .expect("B's petition at the office")
        .to_owned();
    o.ok(&["handle", "receive", &b_id]);

    // A forges: B's petition id with other content and B's point, and a new petition that
    // claims to be B's.
    let mut overwrite = petition("tdp-b", "Kẻ Mạo Danh", FORGED);
    overwrite.id = b_id.parse().unwrap();
    let claiming = petition("tdp-b", "Người Không Có Thật", CLAIMING);
    let claiming_id = claiming.id.to_string();
    forge(&a, &server.intake_of("tdp-a"), vec![overwrite, claiming]);
    // The server takes A's write to A's own intake, and flags it for the office.
    a.ok(&["sync"]);
    o.ok(&["sync"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let list = o.ok(&["documents", "list"]);
        if list.contains("Máy chủ đánh dấu")
            && list.contains("tự ghi là của điểm «tdp-b»")
            && list.contains(&format!("ý kiến {}: trùng mã", &b_id[..8]))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not flag the forged writes: {list}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }

    let check = |when: &str| {
        // Lists: TDP B shows exactly B's original; the claiming petition counts for TDP A.
        let list_b: Vec<serde_json::Value> =
            serde_json::from_str(&o.ok(&["petition", "list", "--point", "tdp-b", "--json"]))
                .unwrap();
        assert_eq!(
            contents(&list_b),
            vec![("tdp-b".to_owned(), ORIGINAL.to_owned())],
            "{when}: the office's list of TDP B"
        );
        let all = o.petitions();
        assert!(
            !all.iter().any(|p| p["content"] == FORGED),
            "{when}: the forged overwrite is listed: {all:#?}"
        );
        let claim = all
            .iter()
            .find(|p| p["id"] == claiming_id.as_str())
            .unwrap_or_else(|| panic!("{when}: the claiming petition is not listed"));
        assert_eq!(claim["point"], "tdp-a", "{when}: {claim:#}");

        // petition show: B's point and content, and the clash.
        let show = o.ok(&["petition", "show", &b_id]);
        assert!(
            show.contains("Điểm tiếp nhận: Tổ dân phố B") && show.contains(ORIGINAL),
            "{when}: {show}"
        );
        assert!(
            show.contains("có trong 2 sổ tiếp nhận") && show.contains(FORGED),
            "{when}: the clash is not shown: {show}"
        );
        let show = o.ok(&["petition", "show", &claiming_id]);
        assert!(
            show.contains("Điểm tiếp nhận: Tổ dân phố A")
                && show.contains("tự ghi là của Tổ dân phố B"),
            "{when}: {show}"
        );

        // handle conflicts names both.
        let conflicts = o.ok(&["handle", "conflicts"]);
        assert!(
            conflicts.contains("Bất thường trong sổ tiếp nhận")
                && conflicts.contains(&b_id[..8])
                && conflicts.contains(&claiming_id[..8]),
            "{when}: {conflicts}"
        );

        // The Mẫu 03 register holds B's original under TDP B, nothing forged.
        let year = all
            .iter()
            .find(|p| p["id"] == b_id.as_str())
            .and_then(|p| p["created_at"].as_str())
            .map(|s| s[..4].to_owned())
            .unwrap();
        let register = o.ok(&["report", "register", "--year", &year]);
        assert!(
            register.contains(ORIGINAL)
                && !register.contains(FORGED)
                && !register.contains("Kẻ Mạo Danh"),
            "{when}: {register}"
        );
    };
    check("after sync");
    o.ok(&["index", "rebuild"]);
    check("after index rebuild");

    // B's laptop still shows its own petition.
    b.ok(&["sync"]);
    let show = b.ok(&["petition", "show", &b_id]);
    assert!(show.contains(ORIGINAL) && !show.contains(FORGED), "{show}");
}
