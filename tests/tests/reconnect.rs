//! Reconnecting costs what changed (issue 15), over a real server and real `doithoai` processes
//! on 127.0.0.1: a TDP laptop with a history of 900 petitions (the root intake document full,
//! a second volume full, a third one open) reconnects after nothing changed, after ten new
//! petitions, after the server was restored from an older backup, after its own saved sync
//! state was lost or went stale, and after its documents were compacted on either side. Each
//! ends with the laptop and the server holding equal heads for every document the server lists
//! (compared through the server's own answer), and with the office seeing every petition.

use std::path::Path;

use doithoai_e2e::{Client, Server};
use doithoai_model::{ChangeMeta, DocError, NewPetition, Registry, Resident, intake};
use doithoai_store::{Durability, Store};
use doithoai_sync::change;

fn petition(i: usize, reg: &Registry) -> doithoai_model::Petition {
    NewPetition {
        residents: vec![Resident {
            name: format!("Nguyễn Văn Đức {i}"),
            address: format!("Số {} đường Xương Giang", i % 90 + 1),
            tdp: "TDP A".into(),
            phone: None,
            id_number: None,
        }],
        field: Some("ha_tang".into()),
        content: format!("Ý kiến số {i}: đèn chiếu sáng hỏng"),
        ..Default::default()
    }
    .build("tdp-a", "seed", reg)
    .expect("valid petition")
}

/// Writes `n` petitions into the laptop's point (the root first, then volumes of 400 it
/// creates and registers at the next sync), as a year of work would.
async fn seed(dir: &Path, n: usize) {
    let app = doithoai_client::App::open(dir).await.expect("open");
    let reg = Registry::builtin();
    let root_id =
        doithoai_sync::parse_doc_id(app.device.intake.as_deref().expect("intake")).expect("id");
    let root = app.repo.get(&root_id).await.expect("root");
    let mut i = 0;
    while i < n {
        let take = (n - i).min(intake::VOLUME_CAPACITY);
        let batch: Vec<_> = (i..i + take).map(|k| petition(k, &reg)).collect();
        let meta = ChangeMeta::new("seed", "petition.add", vec![]);
        if i == 0 {
            change(&root, &meta, |tx| {
                batch.iter().try_for_each(|p| intake::put_petition(tx, p))
            })
            .expect("root batch");
        } else {
            let mut doc = intake::new_volume_document("tdp-a", &root_id.to_string()).expect("vol");
            doc.transact_with::<_, _, DocError, _>(
                |_| meta.commit_options(),
                |tx| batch.iter().try_for_each(|p| intake::put_petition(tx, p)),
            )
            .expect("volume batch");
            let h = app.repo.create(doc).await.expect("create");
            let vid = h.document_id().to_string();
            change(
                &root,
                &ChangeMeta::new("seed", "intake.volume", vec![]),
                |tx| intake::add_volume(tx, &vid, "seed"),
            )
            .expect("add volume");
            app.note_created(&vid, "intake").expect("note");
        }
        i += take;
    }
    app.reindex().await.expect("reindex");
    app.close().await.expect("close");
}

/// A GET with the device's token: (status, body).
fn get(server: &Server, path: &str, token: &str) -> (u16, String) {
    let auth = format!("Bearer {token}");
    server.http("GET", path, &[("Authorization", &auth)], "")
}

struct Ward {
    tmp: tempfile::TempDir,
    server: Server,
    tdp: Client,
    office: Client,
}

impl Ward {
    fn token(&self) -> String {
        let store = Store::open(&self.tdp.db(), Durability::Full).expect("store");
        store
            .meta_get("server.token")
            .expect("meta")
            .expect("token")
    }

    /// `status --json` of the laptop.
    fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.tdp.ok(&["status", "--json"])).expect("status json")
    }

    /// What the laptop's last sync moved: websocket bytes both ways and the list's bytes.
    fn traffic(&self) -> (u64, u64, u64, u64) {
        let t = &self.status()["last_sync_traffic"];
        let n = |k: &str| t[k].as_u64().unwrap_or_else(|| panic!("{k} in {t}"));
        (
            n("bytes_sent"),
            n("bytes_received"),
            n("messages_sent") + n("messages_received"),
            n("list_bytes"),
        )
    }

    /// Every document the server lists for the laptop has the same heads on both sides.
    fn assert_equal_heads(&self) {
        let (status, body) = get(&self.server, "/api/v1/documents", &self.token());
        assert_eq!(status, 200, "{body}");
        let listed: Vec<serde_json::Value> = serde_json::from_str(&body).expect("list");
        let st = self.status();
        let ours = st["documents"].as_array().expect("documents");
        assert!(
            listed.len() >= 4,
            "ward, handling, monitoring?, intake: {listed:?}"
        );
        for d in &listed {
            let id = d["id"].as_str().expect("id");
            let heads: Vec<automerge::ChangeHash> = ours
                .iter()
                .find(|o| o["id"] == id)
                .unwrap_or_else(|| panic!("the laptop holds {id}"))["heads"]
                .as_array()
                .expect("heads")
                .iter()
                .map(|h| h.as_str().expect("hex").parse().expect("hash"))
                .collect();
            assert_eq!(
                d["heads"].as_str(),
                Some(doithoai_sync::repo::heads_digest(&heads).as_str()),
                "heads of {id} ({}) differ between the laptop and the server",
                d["kind"]
            );
        }
    }

    fn office_count(&self) -> usize {
        self.office.ok(&["sync"]);
        self.office.petitions().len()
    }

    fn add(&self, i: usize) {
        self.tdp.ok(&[
            "petition",
            "add",
            "--name",
            &format!("Lê Thị Hoa {i}"),
            "--content",
            &format!("Cống ngõ {i} tắc"),
        ]);
    }

    fn sync(&self) -> String {
        self.tdp.ok(&["sync"])
    }
}

/// A ward whose TDP laptop holds 900 petitions in three documents, all on the server.
fn ward_with_history() -> Ward {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(tmp.path().join("server"));
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
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(seed(&tdp.dir, 900));
    let w = Ward {
        tmp,
        server,
        tdp,
        office,
    };
    w.sync();
    // A second pass: the volumes registered in the first are listed now.
    w.sync();
    w.assert_equal_heads();
    w
}

#[test]
fn nothing_changed_costs_next_to_nothing() {
    let w = ward_with_history();
    let out = w.sync();
    let (sent, received, messages, list) = w.traffic();
    let st = w.status();
    let docs = st["documents"].as_array().map_or(0, Vec::len);
    // The handshake (join and peer messages) and nothing per document; the list answered 304.
    assert!(
        sent + received < 600,
        "nothing changed yet {sent} B sent, {received} B received ({messages} messages) for {docs} documents"
    );
    assert_eq!(list, 0, "the unchanged document list is not sent again");
    assert!(
        out.contains("không đổi"),
        "sync says how much moved and what was unchanged: {out}"
    );
    w.assert_equal_heads();
    assert_eq!(w.office_count(), 900);
}

#[test]
fn ten_changes_cost_about_their_own_size() {
    let w = ward_with_history();
    for i in 0..10 {
        w.add(i);
    }
    w.sync();
    let (sent, received, messages, _) = w.traffic();
    // Ten petitions are about 3 KB of changes; the history (900 petitions, three documents)
    // would cost several times that with a fresh sync state for every document.
    assert!(
        sent + received < 12_000,
        "10 petitions cost {sent} B sent, {received} B received ({messages} messages)"
    );
    w.assert_equal_heads();
    assert_eq!(w.office_count(), 910);
}

#[test]
fn a_server_restored_from_an_older_backup_gets_back_what_it_lost() {
    let mut w = ward_with_history();
    let backup = w.tmp.path().join("backup.sqlite3");
    w.server
        .admin(&["backup", backup.to_str().expect("utf-8 path")]);
    for i in 0..5 {
        w.add(i);
    }
    w.sync();
    w.assert_equal_heads();
    w.server.kill();
    w.server
        .admin(&["restore", backup.to_str().expect("utf-8 path")]);
    w.server.restart();
    // The server's heads are older than those the laptop last synced: it syncs the documents
    // that differ, and the server has the five petitions again.
    w.sync();
    w.assert_equal_heads();
    assert_eq!(w.office_count(), 905);
}

/// The laptop's saved sync state: the heads cache, the list and its digest, the confirmed
/// heads, keyed per document.
fn sync_state_keys(store: &Store) -> Vec<String> {
    let mut keys = vec!["server.docs.digest".to_owned(), "server.docs".to_owned()];
    for id in store.chunk_doc_ids().expect("ids") {
        keys.push(format!("sync.stored.{id}"));
        keys.push(format!("sync.heads.{id}"));
    }
    keys
}

#[test]
fn a_lost_or_stale_saved_sync_state_is_harmless() {
    let w = ward_with_history();
    let store = Store::open(&w.tdp.db(), Durability::Full).expect("store");
    let old: Vec<(String, Option<String>)> = sync_state_keys(&store)
        .into_iter()
        .map(|k| {
            let v = store.meta_get(&k).expect("meta");
            (k, v)
        })
        .collect();
    // Lost: every saved key deleted.
    for i in 0..3 {
        w.add(i);
    }
    for (k, _) in &old {
        store.meta_delete(k).expect("delete");
    }
    w.sync();
    w.assert_equal_heads();
    assert_eq!(w.office_count(), 903);
    // Stale: the state saved before those three petitions put back, after three more.
    for i in 3..6 {
        w.add(i);
    }
    for (k, v) in &old {
        match v {
            Some(v) => store.meta_set(k, v).expect("set"),
            None => store.meta_delete(k).expect("delete"),
        }
    }
    w.sync();
    w.assert_equal_heads();
    assert_eq!(w.office_count(), 906);
    // And it is in step for good: the next reconnect moves next to nothing.
    w.sync();
    let (sent, received, _, _) = w.traffic();
    assert!(sent + received < 600, "{sent} B / {received} B");
}

/// The chunk keys of `doc` in a store.
fn chunk_keys(db: &Path, doc: &str) -> Vec<Vec<String>> {
    Store::open(db, Durability::Normal)
        .expect("store")
        .chunk_keys(&[doc.to_owned()])
        .expect("keys")
}

#[test]
fn compacted_documents_on_either_side_stay_in_step() {
    let w = ward_with_history();
    let st = w.status();
    let docs = st["documents"].as_array().expect("docs").clone();
    // The open volume: the one new petitions go to (the newest document of kind intake).
    for i in 0..12 {
        w.add(i);
    }
    let store = Store::open(&w.tdp.db(), Durability::Full).expect("store");
    let current = store
        .meta_get("intake.current_volume")
        .expect("meta")
        .or_else(|| {
            docs.iter()
                .rev()
                .find(|d| d["kind"] == "intake")
                .and_then(|d| d["id"].as_str().map(str::to_owned))
        })
        .expect("current volume");
    let laptop_before = chunk_keys(&w.tdp.db(), &current);
    let server_before = chunk_keys(&w.server.db(), &current);
    w.sync();
    w.assert_equal_heads();
    // samod compacts a document with more than ten chunks into one snapshot: on the laptop as
    // the petitions were added, on the server as they arrived.
    let server_after = chunk_keys(&w.server.db(), &current);
    assert!(
        server_after.iter().any(|k| k[1] == "snapshot") && server_after != server_before,
        "the server compacted the volume: {server_before:?} → {server_after:?}"
    );
    assert!(
        laptop_before.iter().any(|k| k[1] == "snapshot"),
        "the laptop compacted the volume: {laptop_before:?}"
    );
    // Both sides' keys are new; their heads are read again and found equal: nothing moves.
    w.sync();
    let (sent, received, _, _) = w.traffic();
    assert!(
        sent + received < 600,
        "compaction alone costs {sent} B / {received} B"
    );
    w.assert_equal_heads();
    assert_eq!(w.office_count(), 912);
}
