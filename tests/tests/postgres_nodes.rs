//! Two server nodes on one PostgreSQL database (a throwaway cluster, tests/src/pg.rs): a TDP
//! laptop on node A, the office on node B; petitions and answers cross; an enrolment code made on
//! one node enrols on the other; a revocation on node A closes the device's link on node B within
//! a second; a node SIGKILLed while a laptop syncs, the laptop moving to the other. Skipped, with the reason printed, only where PostgreSQL is not installed and `CI` is
//! unset.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use doithoai_e2e::pg::PgCluster;
use doithoai_e2e::{Client, Server};

#[test]
fn a_tdp_on_node_a_and_the_office_on_node_b_see_each_others_work() {
    let Some(cluster) = PgCluster::start_or_skip("two_nodes_share_a_ward") else {
        return;
    };
    let url = cluster.new_database();
    let tmp = tempfile::tempdir().unwrap();
    let node_a = Server::start_on(tmp.path().join("node-a"), Some(url.clone()), Vec::new());
    let node_b = doithoai_e2e::second_node(&node_a, tmp.path().join("node-b"), &url);
    node_a.setup_ward(&["a"]);

    // The office enrols on B with a code made on A, and syncs there first, so that B holds the
    // TDP's intake document in memory before the TDP writes to it through A.
    let o = Client::new(tmp.path().join("o"));
    let office_code = node_a.add_device("dk", "office", None, "Văn phòng");
    o.ok(&[
        "join",
        &node_b.url(),
        &office_code,
        "--name",
        "Chị Hoa - Văn phòng",
    ]);
    assert!(o.petitions().is_empty());

    let t = Client::new(tmp.path().join("t"));
    let tdp_code = node_b.add_device("dk", "collector", Some("tdp-a"), "Laptop A");
    t.ok(&["join", &node_a.url(), &tdp_code, "--name", "Tổ trưởng A"]);
    t.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--field",
        "ha_tang",
        "--content",
        "Đèn đường ngõ 12 hỏng",
    ]);
    let out = t.ok(&["sync"]);
    assert!(out.contains("máy chủ đã có mọi thay đổi"), "{out}");

    // Node B merges what node A stored; the office's next sync through B brings the petition.
    let started = Instant::now();
    let seen = loop {
        o.ok(&["sync"]);
        let seen = o.petitions();
        if !seen.is_empty() || started.elapsed() > Duration::from_secs(10) {
            break seen;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!(
        "petition on node A → office on node B: {:?}",
        started.elapsed()
    );
    assert_eq!(
        seen.len(),
        1,
        "the office on node B did not get A's petition"
    );
    assert_eq!(seen[0]["content"], "Đèn đường ngõ 12 hỏng");
    let id = seen[0]["id"].as_str().unwrap().to_owned();
    let short = &id[..8];

    // The office answers on B; the TDP sees the answer through A.
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
    let started = Instant::now();
    let status = loop {
        t.ok(&["sync"]);
        let at_t = t.petitions();
        let status = at_t
            .iter()
            .find(|p| p["id"] == id.as_str())
            .map(|p| p["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        if status == "approved" || started.elapsed() > Duration::from_secs(10) {
            break status;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        status, "approved",
        "the answer made on node B did not reach node A's TDP"
    );
    for node in [&node_a, &node_b] {
        assert!(!node.log().contains("could not merge"), "{}", node.log());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_node_a_closes_the_devices_link_on_node_b_within_a_second() {
    use doithoai_sync::LocalRepo;
    use doithoai_sync::link::LinkOptions;

    let Some(cluster) = PgCluster::start_or_skip("revocation_across_nodes") else {
        return;
    };
    let url = cluster.new_database();
    let tmp = tempfile::tempdir().unwrap();
    let node_a = Server::start_on(tmp.path().join("node-a"), Some(url.clone()), Vec::new());
    let node_b = doithoai_e2e::second_node(&node_a, tmp.path().join("node-b"), &url);
    node_a.setup_ward(&["a"]);
    let e = doithoai_e2e::enroll_raw(
        &node_b,
        &node_a.add_device("dk", "collector", Some("tdp-a"), "Laptop A"),
    );
    let device_id = e["device_id"].as_str().unwrap().to_owned();
    let store = doithoai_store::Store::open(
        &tmp.path().join("a.sqlite3"),
        doithoai_store::Durability::Full,
    )
    .unwrap();
    let repo = LocalRepo::open(store, Some(e["peer_id"].as_str().unwrap().to_owned())).await;
    let link = repo
        .dial_server_with(
            &node_b.url(),
            e["token"].as_str().unwrap(),
            &node_b.trust(),
            LinkOptions::default(),
            Some(2),
        )
        .unwrap();
    link.established().await.unwrap();
    assert!(link.is_connected());

    node_a.admin(&["device", "revoke", &device_id]);
    let revoked = Instant::now();
    while link.is_connected() && revoked.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = revoked.elapsed();
    eprintln!("revocation on node A → link on node B closed after {took:?}");
    assert!(
        !link.is_connected(),
        "node B kept the revoked device's link"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
    link.close();
    repo.stop().await;
}

/// The TDP's laptop knows both nodes (`join … --fallback`). Node A, which it enrolled with, is
/// SIGKILLed while the laptop syncs: the laptop moves to node B, and every petition
/// `petition add` reported saved reaches the office on node B, identical and once.
#[test]
fn a_node_killed_mid_sync_the_laptop_fails_over_and_loses_nothing() {
    let Some(cluster) =
        PgCluster::start_or_skip("a_node_killed_mid_sync_the_laptop_fails_over_and_loses_nothing")
    else {
        return;
    };
    let url = cluster.new_database();
    let tmp = tempfile::tempdir().unwrap();
    let mut node_a = Server::start_on(tmp.path().join("node-a"), Some(url.clone()), Vec::new());
    let node_b = doithoai_e2e::second_node(&node_a, tmp.path().join("node-b"), &url);
    node_a.setup_ward(&["a"]);

    let o = Client::new(tmp.path().join("o"));
    let office_code = node_a.add_device("dk", "office", None, "Văn phòng");
    o.ok(&["join", &node_b.url(), &office_code, "--name", "Văn phòng"]);

    // The laptop reaches node A over a slow link (the test proxy), so that a sync takes long
    // enough to lose its node in the middle.
    let slow = doithoai_e2e::proxy::Proxy::start(std::net::SocketAddr::from((
        std::net::Ipv4Addr::LOCALHOST,
        node_a.port,
    )));
    let t = Client::new(tmp.path().join("t"));
    let tdp_code = node_a.add_device("dk", "collector", Some("tdp-a"), "Laptop A");
    let out = t.ok(&[
        "join",
        &slow.url(),
        &tdp_code,
        "--name",
        "Tổ trưởng A",
        "--fallback",
        &node_b.url(),
    ]);
    assert!(
        out.contains(&node_b.url()),
        "join names the fallback: {out}"
    );

    let add = |i: usize| {
        t.ok(&[
            "petition",
            "add",
            "--name",
            &format!("Người dân số {i}"),
            "--field",
            "ha_tang",
            "--content",
            &format!(
                "Ý kiến số {i}: cống thoát nước ngõ {i} tắc từ đầu tháng, mỗi lần mưa nước tràn vào nhà dân, {}",
                "bà con đề nghị phường cho nạo vét và thay nắp cống bị vỡ. ".repeat(6)
            ),
        ]);
    };
    for i in 0..25 {
        add(i);
    }
    // Node A dies while the laptop syncs.
    slow.set(|f| f.bytes_per_sec = Some(4_000));
    let mut sync = t
        .cmd()
        .arg("sync")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn doithoai sync");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        sync.try_wait().expect("sync running").is_none(),
        "the sync ended before node A was killed: the link is not slow enough for this test"
    );
    node_a.kill();
    let first = sync.wait_with_output().expect("wait for doithoai sync");
    eprintln!(
        "the sync that lost node A: {}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert!(
        first.status.success(),
        "the sync that lost node A did not finish on node B: {}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    // Node A stays dead: the next petitions go through node B alone.
    for i in 25..30 {
        add(i);
    }
    let out = t.ok(&["sync"]);
    assert!(out.contains("máy chủ đã có mọi thay đổi"), "{out}");

    let mine: BTreeMap<String, String> = t
        .petitions()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["content"].to_string(),
            )
        })
        .collect();
    assert_eq!(mine.len(), 30);
    let started = Instant::now();
    let seen = loop {
        o.ok(&["sync"]);
        let seen = o.petitions();
        if seen.len() >= 30 || started.elapsed() > Duration::from_secs(15) {
            break seen;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let theirs: BTreeMap<String, String> = seen
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["content"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen.len(),
        theirs.len(),
        "a petition shows twice at the office"
    );
    assert_eq!(
        theirs, mine,
        "the office on node B lacks or changed petitions"
    );
}

/// Two nodes started with `--advertise`: the enrolment answer names both (and `join` keeps the
/// other as the fallback); one device's sync links are counted across both nodes (4 in all, a
/// slot freed on one node usable on the other); wrong enrolment codes spend one shared limit
/// whichever node they reach.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn limits_hold_across_nodes_and_the_enrolment_answer_names_the_nodes() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let Some(cluster) = PgCluster::start_or_skip("limits_across_nodes") else {
        return;
    };
    let url = cluster.new_database();
    let tmp = tempfile::tempdir().unwrap();
    let limit = ("DOITHOAI_ENROLL_LIMIT".to_owned(), "3/600s".to_owned());
    let mut node_a = Server::start_on(tmp.path().join("node-a"), Some(url.clone()), Vec::new());
    node_a.args = vec!["--advertise".into(), node_a.url()];
    node_a.env = vec![limit.clone()];
    node_a.restart();
    let mut node_b = doithoai_e2e::second_node(&node_a, tmp.path().join("node-b"), &url);
    node_b.args = vec!["--advertise".into(), node_b.url()];
    node_b.env = vec![limit];
    node_b.restart();
    node_a.setup_ward(&["a"]);

    // The answer names both nodes, whichever node enrolled the device.
    let e = doithoai_e2e::enroll_raw(
        &node_b,
        &node_a.add_device("dk", "collector", Some("tdp-a"), "Laptop A"),
    );
    let servers: Vec<String> = e["servers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        servers.contains(&node_a.url()) && servers.contains(&node_b.url()),
        "the enrolment answer named {servers:?}"
    );
    // `join` keeps the other node as its fallback.
    let t = Client::new(tmp.path().join("t"));
    let code = node_a.add_device("dk", "collector", Some("tdp-a"), "Laptop A2");
    let out = t.ok(&["join", &node_a.url(), &code, "--name", "Tổ trưởng A"]);
    assert!(
        out.contains("Máy chủ dự phòng") && out.contains(&node_b.url()),
        "{out}"
    );

    // Four links for one device in all: two on A, two on B; a fifth on either is refused.
    let token = e["token"].as_str().unwrap().to_owned();
    let req = |s: &Server| {
        format!("{}?token={token}", s.ws_url())
            .into_client_request()
            .unwrap()
    };
    let mut on_a = Vec::new();
    let mut on_b = Vec::new();
    for _ in 0..2 {
        on_a.push(node_a.ws_connect(req(&node_a)).await.expect("a link on A"));
        on_b.push(node_b.ws_connect(req(&node_b)).await.expect("a link on B"));
    }
    for (name, s) in [("A", &node_a), ("B", &node_b)] {
        match s.ws_connect(req(s)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status().as_u16(), 429, "node {name}")
            }
            Ok(_) => panic!("a fifth link was accepted on node {name}"),
            Err(e) => panic!("the fifth link on node {name} failed otherwise: {e}"),
        }
    }
    // A link closed on A frees a slot that B gives.
    let mut closed = on_a.pop().unwrap();
    let _ = closed.close(None).await;
    drop(closed);
    let started = Instant::now();
    let fifth = loop {
        match node_b.ws_connect(req(&node_b)).await {
            Ok(ws) => break Some(ws),
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(_) => break None,
        }
    };
    assert!(fifth.is_some(), "the slot freed on A was not given on B");
    eprintln!("slot freed on A, taken on B after {:?}", started.elapsed());
    assert!(
        node_b.ws_connect(req(&node_b)).await.is_err(),
        "a fifth link was accepted"
    );

    // Wrong codes: 3 per address in all, whichever node they reach.
    let wrong = |s: &Server| {
        let body = serde_json::json!({"code": "AAAA-BBBBCCCC", "name": "x"}).to_string();
        s.http("POST", "/api/v1/enroll", &[], &body).0
    };
    assert_eq!(wrong(&node_a), 403);
    assert_eq!(wrong(&node_b), 403);
    assert_eq!(wrong(&node_a), 403);
    assert_eq!(wrong(&node_b), 429, "the fourth wrong code, on node B");
    assert_eq!(wrong(&node_a), 429, "the fifth wrong code, on node A");

    // Node A SIGKILLed with the device's link still open on it: the slot it held is free on B
    // once A has been silent for 10 s.
    node_a.kill();
    let killed = Instant::now();
    let after_kill = loop {
        match node_b.ws_connect(req(&node_b)).await {
            Ok(ws) => break Some(ws),
            Err(_) if killed.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            Err(_) => break None,
        }
    };
    eprintln!(
        "node A killed, its slot taken on B after {:?}",
        killed.elapsed()
    );
    assert!(
        after_kill.is_some(),
        "the slot of the killed node was never freed"
    );
    drop((on_a, on_b, fifth));
}
