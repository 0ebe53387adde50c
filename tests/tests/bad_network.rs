//! Sync over bad networks, through the fault-injecting proxy: a link that dies silently (half
//! open) is noticed by the keepalive and redialled; a 2G-class link with long latency still
//! delivers; connections cut in the middle of messages, and refused for a while, lose nothing.

use std::process::Stdio;
use std::time::{Duration, Instant};

use doithoai_e2e::proxy::Proxy;
use doithoai_e2e::{Background, Client, Server};

fn arrives(o: &Client, n: usize, within: Duration) -> Duration {
    let log = o.dir.with_file_name("serve.log");
    let t = Instant::now();
    while t.elapsed() < within {
        let _ = o.run(&["sync"]);
        if o.petitions().len() >= n {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(60).collect();
    panic!(
        "petition {n} did not reach the office within {within:?}; serve log tail:\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn keepalive_redial_and_slow_links_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // Keepalive scaled down for a test: pings every second; the client drops a link after 6 s
    // of silence, the server after 10 s (on a 2G-class link a pong can wait behind data).
    let server = Server::start_with_env(
        tmp.path().join("server"),
        vec![
            ("DOITHOAI_PING_SECS".into(), "1".into()),
            ("DOITHOAI_IDLE_SECS".into(), "10".into()),
        ],
    );
    server.setup_ward(&["a"]);
    let proxy = Proxy::start(format!("127.0.0.1:{}", server.port).parse().unwrap());
    let a = Client::new(tmp.path().join("a"));
    let o = Client::new(tmp.path().join("o"));
    a.ok(&[
        "join",
        &proxy.url(),
        &server.add_device("dk", "collector", Some("tdp-a"), "A"),
        "--name",
        "Tổ trưởng A",
    ]);
    o.ok(&[
        "join",
        &server.url(),
        &server.add_device("dk", "office", None, "O"),
        "--name",
        "Văn phòng",
    ]);
    let _serve = Background(
        a.cmd()
            .arg("serve")
            .env("DOITHOAI_PING_SECS", "1")
            .env("DOITHOAI_IDLE_SECS", "6")
            .env(
                "DOITHOAI_LOG",
                "info,doithoai_sync=debug,doithoai_client=debug",
            )
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(tmp.path().join("serve.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(500));
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--content",
        "Trước sự cố",
    ]);
    arrives(&o, 1, Duration::from_secs(20));

    // The live link dies silently while the network comes back: only the keepalive can tell.
    proxy.freeze_existing();
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Trần Thị Thủy",
        "--content",
        "Khi đường truyền chết lặng",
    ]);
    let took = arrives(&o, 2, Duration::from_secs(30));
    eprintln!("half-open link noticed and redialled; delivered in {took:?}");

    // A 2G-class link: 8 KB/s, 300 ms ± 200 ms latency each way.
    proxy.set(|f| {
        f.bytes_per_sec = Some(8_000);
        f.latency = Duration::from_millis(300);
        f.jitter = Duration::from_millis(200);
    });
    proxy.cut_all();
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Lê Quang Đạo",
        "--content",
        "Qua mạng 2G chậm",
    ]);
    let took = arrives(&o, 3, Duration::from_secs(60));
    eprintln!("2G-class link delivered in {took:?}");

    // Connections cut after a few hundred bytes, then refused for a while, then healed.
    proxy.heal();
    proxy.set(|f| f.cut_after_bytes = Some(700));
    proxy.cut_all();
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Phạm Thị Hương",
        "--content",
        "Kết nối bị cắt giữa chừng",
    ]);
    std::thread::sleep(Duration::from_secs(2));
    proxy.set(|f| {
        f.cut_after_bytes = None;
        f.refuse = true;
    });
    proxy.cut_all();
    std::thread::sleep(Duration::from_secs(2));
    proxy.heal();
    let took = arrives(&o, 4, Duration::from_secs(60));
    eprintln!("cut and refused connections healed; delivered in {took:?}");
    let st = a.ok(&["status"]);
    assert!(st.contains("trực tuyến"), "{st}");
}
