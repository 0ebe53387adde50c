//! A client that sends a request's header a byte at a time, or starts one and stops (slowloris),
//! is cut off after the server's header read timeout (10 s) instead of holding a connection for
//! ever; meanwhile the server answers everyone else. Against a real `doithoai-server` process.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use doithoai_e2e::Server;

#[test]
fn connections_that_never_finish_their_header_are_closed_and_others_are_served() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        tmp.path().join("server"),
        Vec::new(),
        vec!["--plain-http".into()],
    );
    let mut slow: Vec<TcpStream> = (0..40)
        .map(|i| {
            let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
            let partial = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-{i}: ");
            s.write_all(partial.as_bytes()).expect("write");
            s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    // Everyone else is served while the slow connections are open.
    let (status, _) = server.http("GET", "/healthz", &[], "");
    assert_eq!(status, 200);
    // One trickles a byte every 2 s: still cut off at the deadline.
    let mut closed_at = vec![None; slow.len()];
    while started.elapsed() < Duration::from_secs(20) && closed_at.iter().any(Option::is_none) {
        for (i, s) in slow.iter_mut().enumerate() {
            if closed_at[i].is_some() {
                continue;
            }
            if i == 0 {
                let _ = s.write_all(b"x");
            }
            let mut buf = [0u8; 512];
            match s.read(&mut buf) {
                Ok(0) => closed_at[i] = Some(started.elapsed()),
                Ok(_) => {
                    // hyper may answer 408 before closing: read on until the close.
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => closed_at[i] = Some(started.elapsed()),
            }
        }
    }
    let open = closed_at.iter().filter(|c| c.is_none()).count();
    assert_eq!(
        open, 0,
        "{open} slow connections were still open after 20 s"
    );
    let first = closed_at.iter().flatten().min().copied().unwrap();
    assert!(
        first >= Duration::from_secs(8),
        "a slow connection was closed too early ({first:?})"
    );
    eprintln!(
        "slow connections closed between {first:?} and {:?}",
        closed_at.iter().flatten().max().unwrap()
    );
    let (status, _) = server.http("GET", "/healthz", &[], "");
    assert_eq!(status, 200);
}
