//! The server on PostgreSQL (a throwaway cluster per test, tests/src/pg.rs): moving a ward of
//! 5,000 petitions from its SQLite file with `doithoai-server migrate`, and `/healthz` telling a
//! load balancer when the database does not answer. Skipped, with the reason printed, only where
//! PostgreSQL is not installed and `CI` is unset.

use std::time::Duration;

use doithoai_e2e::pg::PgCluster;
use doithoai_e2e::{Client, Server};
use doithoai_model::{ChangeMeta, NewPetition, Registry, Resident, intake};

fn petition(i: usize, reg: &Registry) -> doithoai_model::Petition {
    NewPetition {
        residents: vec![Resident {
            name: format!("Nguyễn Văn Đức {i}"),
            address: format!("Số {} đường Xương Giang", i % 90 + 1),
            tdp: "TDP A".into(),
            phone: None,
            id_number: None,
        }],
        field: Some(["ha_tang", "moi_truong", "dat_dai"][i % 3].into()),
        content: format!("Ý kiến số {i}: đèn chiếu sáng hỏng, cống thoát nước bị tắc"),
        ..Default::default()
    }
    .build("tdp-a", "Tổ trưởng A", reg)
    .expect("valid petition")
}

/// `GET path` on the server: the status code and the body.
fn get(server: &Server, path: &str) -> (u16, String) {
    server.http("GET", path, &[], "")
}

/// Writes `n` petitions into TDP A's intake on `server`, as a collector's device would (in
/// changes of 500), and waits until the server has them.
async fn record_petitions(server: &Server, dir: &std::path::Path, n: usize) {
    use doithoai_sync::link::LinkOptions;
    use doithoai_sync::{LocalRepo, change, parse_doc_id};

    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop A");
    let e = doithoai_e2e::enroll_raw(server, &code);
    let store =
        doithoai_store::Store::open(&dir.join("a.sqlite3"), doithoai_store::Durability::Full)
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
    let root_id = parse_doc_id(e["documents"]["intake"].as_str().unwrap()).unwrap();
    let root = repo.find(&root_id).await.unwrap().expect("A's intake");
    assert!(link.in_step(&root, true, Duration::from_secs(20)).await);
    let reg = Registry::builtin();
    for start in (0..n).step_by(500) {
        let batch: Vec<_> = (start..(start + 500).min(n))
            .map(|i| petition(i, &reg))
            .collect();
        let meta = ChangeMeta::new("Tổ trưởng A", "petition.add", vec![]);
        change(&root, &meta, |tx| {
            batch.iter().try_for_each(|p| intake::put_petition(tx, p))
        })
        .unwrap();
    }
    assert!(
        link.in_step(&root, true, Duration::from_secs(120)).await,
        "the server did not take A's petitions"
    );
    link.close();
    repo.stop().await;
}

/// `doc list --ward dk` of a server (its heads per document), sorted by document.
fn heads(server: &Server) -> Vec<serde_json::Value> {
    let out = server.admin(&["doc", "list", "--ward", "dk"]);
    let mut docs: Vec<serde_json::Value> = serde_json::from_str(&out).expect("doc list JSON");
    docs.sort_by_key(|d| d["id"].as_str().unwrap_or_default().to_owned());
    docs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_moves_a_ward_of_5000_petitions_with_identical_heads() {
    let Some(cluster) = PgCluster::start_or_skip("migrate_moves_a_ward_of_5000_petitions") else {
        return;
    };
    let n: usize = std::env::var("DOITHOAI_MIGRATE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let tmp = tempfile::tempdir().unwrap();
    let mut sqlite = Server::start(tmp.path().join("server"));
    sqlite.setup_ward(&["a", "b"]);
    record_petitions(&sqlite, tmp.path(), n).await;
    let office_code = sqlite.add_device("dk", "office", None, "Văn phòng");
    sqlite.stop();

    let url = cluster.new_database();
    let started = std::time::Instant::now();
    let out = sqlite.admin(&[
        "migrate",
        "--from",
        sqlite.dir.to_str().unwrap(),
        "--to",
        &url,
    ]);
    let took = started.elapsed();
    eprintln!("migrate of {n} petitions: {took:?}\n{out}");
    assert!(out.contains("Đã chuyển sang"), "{out}");
    assert!(out.contains("heads của"), "{out}");

    // Counts on both sides, by PostgreSQL itself.
    let src =
        doithoai_store::Store::open(&sqlite.db(), doithoai_store::Durability::Normal).unwrap();
    let chunks: i64 = cluster
        .psql(&url, "SELECT count(*) FROM chunk")
        .parse()
        .unwrap();
    assert_eq!(chunks, src.chunk_count().unwrap());
    assert_eq!(
        cluster.psql(&url, "SELECT count(*) FROM reg_device"),
        src.devices().unwrap().len().to_string()
    );
    drop(src);

    // Every document's heads, as each server reads them (samod loading its chunks). The node on
    // PostgreSQL serves the old server's certificate, which the codes made before the move pin.
    let pg = doithoai_e2e::second_node(&sqlite, tmp.path().join("pg-node"), &url);
    let before = heads(&sqlite);
    let after = heads(&pg);
    assert_eq!(before.len(), after.len());
    assert_eq!(
        before.len(),
        5,
        "ward, handling, monitoring, 2 intakes: {before:?}"
    );
    assert_eq!(before, after, "heads differ after the move");
    let intake_heads = before
        .iter()
        .filter(|d| d["kind"] == "intake")
        .map(|d| d["heads"].as_array().map(|h| h.len()).unwrap_or(0))
        .collect::<Vec<_>>();
    assert!(intake_heads.iter().any(|&h| h > 0), "{before:?}");

    // A second migrate into the same database refuses and changes nothing.
    let again = sqlite.admin_run(&[
        "migrate",
        "--from",
        sqlite.dir.to_str().unwrap(),
        "--to",
        &url,
    ]);
    assert!(!again.status.success());
    let msg = String::from_utf8_lossy(&again.stderr);
    assert!(msg.contains("đã có dữ liệu"), "{msg}");
    assert_eq!(heads(&pg), after);

    // The office enrols on the moved server (its code was made before the move) and gets every
    // petition.
    let o = Client::new(tmp.path().join("o"));
    o.ok(&[
        "join",
        &pg.url(),
        &office_code,
        "--name",
        "Chị Hoa - Văn phòng",
    ]);
    assert_eq!(
        o.petitions().len(),
        n,
        "the office sees every petition after the move"
    );
}

#[test]
fn healthz_fails_when_the_database_does_not_answer() {
    let Some(cluster) = PgCluster::start_or_skip("healthz_fails_when_the_database_does_not_answer")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_on(
        tmp.path().join("server"),
        Some(cluster.new_database()),
        Vec::new(),
    );
    let (status, body) = get(&server, "/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("postgres"), "{body}");
    cluster.stop();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = (0, String::new());
    while std::time::Instant::now() < deadline {
        last = get(&server, "/healthz");
        if last.0 == 503 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(last.0, 503, "{last:?}");
    assert!(last.1.contains("database unreachable"), "{last:?}");
}

/// TLS to PostgreSQL: with `sslmode=verify-full` and the city's CA every connection the server
/// makes is encrypted (PostgreSQL's `pg_stat_ssl` says so) and the ward works; with a CA that did
/// not sign the database's certificate the server refuses to start and says why; a mode libpq
/// does not know is refused by name.
#[test]
fn the_server_reaches_postgresql_over_tls_and_checks_its_certificate() {
    let Some((cluster, ca, _pki)) = doithoai_e2e::pg_tls_cluster_or_skip("postgres_tls") else {
        return;
    };
    let url = cluster.new_database();
    let tmp = tempfile::tempdir().unwrap();
    let verified = format!("{url}?sslmode=verify-full&sslrootcert={}", ca.display());
    let node = Server::start_on(tmp.path().join("node"), Some(verified), Vec::new());
    node.setup_ward(&["a"]);
    let t = Client::new(tmp.path().join("t"));
    let code = node.add_device("dk", "collector", Some("tdp-a"), "Laptop A");
    t.ok(&["join", &node.url(), &code, "--name", "Tổ trưởng A"]);
    let count = |ssl: bool| -> i64 {
        cluster
            .psql(
                &url,
                &format!(
                    "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                     WHERE a.application_name = 'doithoai-server' AND s.ssl = {ssl}"
                ),
            )
            .trim()
            .parse()
            .expect("a count")
    };
    assert!(count(true) >= 1, "no encrypted connection from the server");
    assert_eq!(count(false), 0, "the server has a connection in clear");

    let refused = |address: String| {
        let out = std::process::Command::new(doithoai_e2e::bin("doithoai-server"))
            .arg("--data-dir")
            .arg(tmp.path().join("other"))
            .args(["--database", &address, "--lang", "en", "ward", "list"])
            .output()
            .expect("run doithoai-server");
        assert!(!out.status.success(), "{address} was accepted");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let (other_ca, _, _) = doithoai_e2e::ward_ca(&tmp.path().join("other-pki"));
    let err = refused(format!(
        "{url}?sslmode=verify-full&sslrootcert={}",
        other_ca.display()
    ));
    assert!(
        err.to_lowercase().contains("certificate"),
        "the refusal does not say it is the certificate: {err}"
    );
    let err = refused(format!("{url}?sslmode=sometimes"));
    assert!(err.contains("sslmode=sometimes"), "{err}");
}
