//! `doithoai serve` and the CLI share a data directory: a petition added with the CLI while
//! `serve` runs reaches the server without restarting anything, also across a server outage.

use std::process::Stdio;
use std::time::{Duration, Instant};

use doithoai_e2e::{Background, Client, Server};

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn cli_writes_reach_the_server_through_a_running_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let a = Client::new(tmp.path().join("a"));
    let o = Client::new(tmp.path().join("o"));
    a.ok(&[
        "join",
        &server.url(),
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
            .env("DOITHOAI_PING_SECS", "0.5")
            .env("DOITHOAI_IDLE_SECS", "2")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(500));

    // Added with the CLI while serve runs: it reaches the office with no manual sync on A.
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--content",
        "Đèn đường hỏng",
    ]);
    wait_for(
        "the first petition at the office",
        Duration::from_secs(20),
        || {
            o.ok(&["sync"]);
            o.petitions().len() == 1
        },
    );

    // The server goes away; A keeps recording; when the server is back, serve redials and
    // delivers.
    server.kill();
    a.ok(&[
        "petition",
        "add",
        "--name",
        "Trần Thị Thủy",
        "--content",
        "Rác tập kết sai giờ",
    ]);
    std::thread::sleep(Duration::from_millis(800));
    server.restart();
    wait_for(
        "the second petition at the office",
        Duration::from_secs(40),
        || {
            let _ = o.run(&["sync"]);
            o.petitions().len() == 2
        },
    );
    // And A's status says everything is confirmed.
    wait_for("A's changes confirmed", Duration::from_secs(20), || {
        a.ok(&["status"]).contains("chưa được máy chủ xác nhận: 0")
    });
}
