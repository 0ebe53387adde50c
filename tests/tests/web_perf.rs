//! The web UI's speed with 10,000 petitions in the store (issue 11's figures): the capture page
//! and a saved petition each under 50 ms, the list with a search under 100 ms (asserted), and
//! `serve`'s idle RSS (reported against its 40 MiB budget). Measured over HTTP against a real
//! `doithoai serve` (debug or release, as built); prints the medians.
//!
//! Run: `cargo test --release -p doithoai-e2e --test web_perf -- --ignored --nocapture`
//! (`DOITHOAI_BENCH_N` for another store size).

use std::path::Path;
use std::time::{Duration, Instant};

use doithoai_client::App;
use doithoai_e2e::browser::{Serve, raw_http};
use doithoai_e2e::{Client, free_port};
use doithoai_model::{ChangeMeta, DocError, Lang, NewPetition, Registry, Resident, intake};
use doithoai_sync::change;

fn petition(i: usize, reg: &Registry) -> doithoai_model::Petition {
    const NAMES: [&str; 4] = [
        "Nguyễn Văn Đức",
        "Trần Thị Thủy",
        "Lê Quang Đạo",
        "Vũ Thị Lan",
    ];
    NewPetition {
        residents: vec![Resident {
            name: format!("{} {i}", NAMES[i % NAMES.len()]),
            address: format!("Số {} đường Xương Giang", i % 90 + 1),
            tdp: "TDP 1".into(),
            phone: None,
            id_number: None,
        }],
        field: Some(["ha_tang", "moi_truong", "dat_dai"][i % 3].into()),
        content: format!("Ý kiến số {i}: đèn chiếu sáng hỏng, cống thoát nước bị tắc"),
        ..Default::default()
    }
    .build("tdp-01", "bench", reg)
    .expect("valid petition")
}

async fn seed(dir: &Path, n: usize) {
    let app = App::init(dir, "Máy đo", "tdp-01", "collector", Lang::Vi)
        .await
        .expect("init");
    let reg = Registry::builtin();
    let root_id =
        doithoai_sync::parse_doc_id(app.device.intake.as_deref().expect("intake")).expect("id");
    let root = app.repo.get(&root_id).await.expect("root");
    let mut i = 0;
    let mut first = true;
    while i < n {
        let take = (n - i).min(intake::VOLUME_CAPACITY);
        let batch: Vec<_> = (i..i + take).map(|k| petition(k, &reg)).collect();
        let meta = ChangeMeta::new("bench", "petition.add", vec![]);
        if first {
            change(&root, &meta, |tx| {
                batch.iter().try_for_each(|p| intake::put_petition(tx, p))
            })
            .expect("root batch");
            first = false;
        } else {
            let mut doc = intake::new_volume_document("tdp-01", &root_id.to_string()).expect("vol");
            doc.transact_with::<_, _, DocError, _>(
                |_| meta.commit_options(),
                |tx| batch.iter().try_for_each(|p| intake::put_petition(tx, p)),
            )
            .expect("volume batch");
            let h = app.repo.create(doc).await.expect("create");
            let vid = h.document_id().to_string();
            change(
                &root,
                &ChangeMeta::new("bench", "intake.volume", vec![]),
                |tx| intake::add_volume(tx, &vid, "bench"),
            )
            .expect("add volume");
        }
        i += take;
    }
    app.reindex().await.expect("reindex");
    app.close().await.expect("close");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore = "a benchmark: run with --ignored (10,000 petitions take a while to seed)"]
fn the_ui_answers_fast_with_ten_thousand_petitions() {
    let n: usize = std::env::var("DOITHOAI_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("tdp");
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(seed(&dir, n));
    let tdp = Client::new(&dir);
    let port = free_port();
    let serve = Serve::start(&tdp, port);
    let key = serve.url.split("key=").nth(1).expect("key").to_owned();
    let host = format!("127.0.0.1:{port}");
    let (_, head, _) = raw_http(
        port,
        &format!("GET /?key={key} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    );
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();
    let get = |path: &str| {
        let t = Instant::now();
        let (status, _, body) = raw_http(
            port,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
            ),
        );
        assert_eq!(status, 200, "{path}");
        (t.elapsed(), body)
    };
    let (_, page) = get("/capture");
    let csrf = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf")
        .to_owned();
    let runs = 20;
    let capture: Vec<_> = (0..runs).map(|_| get("/capture").0).collect();
    let save: Vec<_> = (0..runs)
        .map(|i| {
            let body = format!(
                "_csrf={csrf}&name=Ng%C6%B0%E1%BB%9Di+%C4%91o+{i}&content=%C3%9D+ki%E1%BA%BFn+%C4%91o+{i}&field=ha+tang"
            );
            let t = Instant::now();
            let (status, _, _) = raw_http(
                port,
                &format!(
                    "POST /capture HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            );
            assert_eq!(status, 303);
            t.elapsed()
        })
        .collect();
    let search: Vec<_> = (0..runs)
        .map(|_| {
            let (d, body) = get("/petitions?q=nguyen+van+duc");
            assert!(body.contains("Nguyễn Văn Đức"));
            d
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let rss_kib: u64 = std::fs::read_to_string(format!("/proc/{}/status", serve.child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0);
    let (c, s, q) = (median(capture), median(save), median(search));
    println!(
        "{n} petitions: capture page {c:?}, save a petition {s:?}, list with a search {q:?}, serve idle RSS {} MiB",
        rss_kib / 1024
    );
    assert!(c < Duration::from_millis(50), "capture page {c:?}");
    assert!(s < Duration::from_millis(50), "save {s:?}");
    assert!(q < Duration::from_millis(100), "search {q:?}");
    // Not asserted (a debug build holds more): 32 MiB in the release build on 2026-12-02, with
    // the background sync holding only the documents it loaded.
    if rss_kib >= 40 * 1024 {
        println!(
            "serve idle RSS is over the 40 MiB budget: {} MiB",
            rss_kib / 1024
        );
    }
}
