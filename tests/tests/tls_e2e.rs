//! TLS end to end (issue 16): real `doithoai-server` and `doithoai` processes on 127.0.0.1.
//!
//! - A TDP laptop and the office sync through a server serving its self-signed certificate,
//!   pinned from the enrolment code; what crosses the wire holds neither the token nor the
//!   enrolment code (and, as a control, a `--plain-http` server's traffic holds both).
//! - A join against another server than the code's (another certificate) is refused in
//!   Vietnamese and writes nothing; a laptop enrolled with one server refuses an impostor that
//!   took its address, which receives no token.
//! - A server with `--tls-cert/--tls-key` from a ward CA: laptops that trust the CA through
//!   `DOITHOAI_TLS_CA` sync, and one that does not is refused.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use doithoai_e2e::{Client, Server, saved_id};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};

const RESIDENT: &str = "Nguyễn Văn Đức";

/// A TCP forwarder on 127.0.0.1 that keeps every byte it carries, both ways.
struct Tap {
    port: u16,
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    fn start(target: u16) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind tap");
        let port = listener.local_addr().expect("addr").port();
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let kept = bytes.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { return };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    ),
                    (server, client),
                ] {
                    let kept = kept.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        loop {
                            match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    kept.lock().expect("tap").extend_from_slice(&buf[..n]);
                                    if to.write_all(&buf[..n]).is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Tap { port, bytes }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn carried(&self, needle: &[u8]) -> bool {
        let b = self.bytes.lock().expect("tap");
        b.windows(needle.len()).any(|w| w == needle)
    }

    fn len(&self) -> usize {
        self.bytes.lock().expect("tap").len()
    }
}

fn device_config(c: &Client) -> serde_json::Value {
    let store =
        doithoai_store::Store::open(&c.db(), doithoai_store::Durability::Full).expect("store");
    let json = store
        .meta_get("device")
        .expect("meta")
        .expect("device config");
    serde_json::from_str(&json).expect("json")
}

fn token_of(c: &Client) -> String {
    let store =
        doithoai_store::Store::open(&c.db(), doithoai_store::Durability::Full).expect("store");
    store
        .meta_get("server.token")
        .expect("meta")
        .expect("token")
}

fn cert_sha256(path: &std::path::Path) -> String {
    let der = CertificateDer::pem_file_iter(path)
        .expect("read cert")
        .next()
        .expect("a certificate")
        .expect("pem");
    hex(&Sha256::digest(der.as_ref()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn add_petition(c: &Client, name: &str) -> String {
    let out = c.ok(&[
        "petition",
        "add",
        "--name",
        name,
        "--address",
        "Số 5 ngõ 12 Lê Lợi",
        "--field",
        "ha_tang",
        "--content",
        "Đèn đường ngõ 12 hỏng hai tháng nay",
        "--place",
        "ngõ 12",
    ]);
    saved_id(&out).expect("saved id")
}

fn stderr(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_tdp_and_the_office_sync_over_tls_pinned_by_the_enrolment_code() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    assert_eq!(server.served()["scheme"], "https", "TLS is the default");
    let cert = server.dir.join("tls-cert.pem");
    let fp = cert_sha256(&cert);
    assert_eq!(server.served()["fingerprint"], fp.as_str());

    // The code carries the fingerprint part; the key is the owner's only.
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    assert_eq!(code.len(), 40, "{code}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(server.dir.join("tls-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the TLS key is readable by others");
    }

    // The TDP laptop joins and syncs through a tap that keeps the bytes on the wire.
    let tap = Tap::start(server.port);
    let a = Client::new(tmp.path().join("a"));
    a.ok(&["init", "--name", "Tổ trưởng A", "--point", "tdp-a"]);
    add_petition(&a, RESIDENT);
    a.ok(&["join", &tap.url("https"), &code]);
    assert_eq!(
        device_config(&a)["tls_pin"],
        fp.as_str(),
        "join pinned the whole SHA-256"
    );
    a.ok(&["sync"]);

    // The office, directly.
    let office = Client::new(tmp.path().join("office"));
    let ocode = server.add_device("dk", "office", None, "Văn phòng");
    office.ok(&["join", &server.url(), &ocode, "--name", "Văn phòng"]);
    office.ok(&["sync"]);
    let seen = office.petitions();
    assert!(
        seen.iter().any(|p| p["residents"]
            .as_str()
            .unwrap_or_default()
            .contains(RESIDENT)),
        "the office does not have the TDP's petition: {seen:?}"
    );

    // Nothing readable crossed the wire: not the token, not the enrolment code.
    assert!(tap.len() > 1000, "the tap saw almost nothing");
    let token = token_of(&a);
    assert!(!tap.carried(token.as_bytes()), "the token crossed in clear");
    assert!(
        !tap.carried(RESIDENT.as_bytes()),
        "a resident's name crossed in clear"
    );
    assert!(
        !tap.carried(&code.as_bytes()[..13]),
        "the enrolment code crossed in clear"
    );

    // Control: the same tap in front of a plain-HTTP server sees both (the tap can tell).
    let plain = Server::start_with(
        tmp.path().join("plain"),
        Vec::new(),
        vec!["--plain-http".into()],
    );
    plain.setup_ward(&["a"]);
    assert_eq!(plain.served()["scheme"], "http");
    let pcode = plain.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    assert_eq!(
        pcode.len(),
        13,
        "a plain server's code carries no fingerprint: {pcode}"
    );
    let ptap = Tap::start(plain.port);
    let b = Client::new(tmp.path().join("b"));
    b.ok(&["init", "--name", "Tổ trưởng B", "--point", "tdp-a"]);
    add_petition(&b, RESIDENT);
    b.ok(&["join", &ptap.url("http"), &pcode]);
    b.ok(&["sync"]);
    assert!(ptap.carried(token_of(&b).as_bytes()));
    assert!(ptap.carried(pcode.as_bytes()));
}

#[test]
fn another_certificate_than_the_enrolled_one_is_refused_and_nothing_is_sent() {
    let tmp = tempfile::tempdir().unwrap();
    let mut real = Server::start(tmp.path().join("real"));
    real.setup_ward(&["a"]);
    let mut impostor = Server::start(tmp.path().join("impostor"));
    impostor.setup_ward(&["a"]);
    assert_ne!(
        cert_sha256(&real.dir.join("tls-cert.pem")),
        cert_sha256(&impostor.dir.join("tls-cert.pem"))
    );

    // A code of the real server used against the impostor: refused before anything is sent,
    // and the laptop's data directory is never made.
    let code = real.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    let fresh = Client::new(tmp.path().join("fresh"));
    let out = fresh.run(&["join", &impostor.url(), &code, "--name", "Tổ trưởng A"]);
    let said = stderr(&out);
    assert!(!out.status.success(), "joined another server: {said}");
    assert!(
        said.contains("không phải chứng chỉ của máy chủ mà thiết bị này đã đăng ký"),
        "{said}"
    );
    assert!(
        !fresh.dir.exists(),
        "a refused join wrote {}",
        fresh.dir.display()
    );
    let en = fresh
        .cmd()
        .args([
            "--lang",
            "en",
            "join",
            &impostor.url(),
            &code,
            "--name",
            "A",
        ])
        .output()
        .unwrap();
    assert!(
        stderr(&en).contains("not that of the server this device enrolled with"),
        "{}",
        stderr(&en)
    );
    // A mistyped fingerprint part is refused as such.
    let typo = format!("{}-{}", &code[..13], "Z".repeat(3));
    let out = fresh.run(&["join", &real.url(), &typo, "--name", "A"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("dấu vân tay"), "{}", stderr(&out));

    // The same code at the real server enrols (it was never spent).
    let a = Client::new(tmp.path().join("a"));
    a.ok(&["join", &real.url(), &code, "--name", "Tổ trưởng A"]);
    add_petition(&a, RESIDENT);
    a.ok(&["sync"]);

    // The impostor takes the real server's address: the enrolled laptop refuses it.
    real.kill();
    impostor.kill();
    impostor.port = real.port;
    impostor.restart();
    let out = a.run(&["sync"]);
    let said = stderr(&out);
    assert!(!out.status.success(), "synced with an impostor: {said}");
    assert!(
        said.contains("không phải chứng chỉ của máy chủ mà thiết bị này đã đăng ký"),
        "{said}"
    );
    // It never got a request: no token and no enrolment reached it.
    let (_, metrics) = impostor.http("GET", "/metrics", &[], "");
    for line in [
        "doithoai_tokens_refused_total 0",
        "doithoai_enrolments_refused_total 0",
    ] {
        assert!(
            metrics.contains(line),
            "the impostor was sent something: {metrics}"
        );
    }
    // Back to the real server: sync works again.
    impostor.kill();
    real.restart();
    a.ok(&["sync"]);
}

#[test]
fn a_server_with_a_ward_ca_certificate_syncs_with_laptops_that_trust_the_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = doithoai_e2e::ward_ca(&tmp.path().join("pki"));
    let server = Server::start_with(
        tmp.path().join("server"),
        Vec::new(),
        vec![
            "--tls-cert".into(),
            cert.display().to_string(),
            "--tls-key".into(),
            key.display().to_string(),
        ],
    );
    server.setup_ward(&["a"]);
    let served = server.served();
    assert_eq!(served["scheme"], "https");
    assert_eq!(served["self_signed"], false);
    assert!(
        !server.dir.join("tls-cert.pem").exists(),
        "a self-signed certificate was made though a certificate was given"
    );
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    assert_eq!(
        code.len(),
        13,
        "a real certificate's codes carry no fingerprint: {code}"
    );

    // Without the CA, the laptop does not trust the server: refused, nothing written.
    let untrusting = Client::new(tmp.path().join("untrusting"));
    let out = untrusting.run(&["join", &server.url(), &code, "--name", "A"]);
    assert!(
        !out.status.success(),
        "joined an untrusted server: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("không được tin cậy"),
        "{}",
        stderr(&out)
    );
    assert!(!untrusting.dir.exists());

    // With DOITHOAI_TLS_CA naming the ward CA: join, record, sync; the office gets it.
    let ca = ca.display().to_string();
    let trusting = |dir: &str| {
        let c = Client::new(tmp.path().join(dir));
        (c, ca.clone())
    };
    let (a, ca_a) = trusting("a");
    let run = |c: &Client, args: &[&str], ca: &str| {
        let out = c
            .cmd()
            .env("DOITHOAI_TLS_CA", ca)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "doithoai {args:?}: {}", stderr(&out));
    };
    run(
        &a,
        &["join", &server.url(), &code, "--name", "Tổ trưởng A"],
        &ca_a,
    );
    assert!(
        device_config(&a)["tls_pin"].is_null(),
        "a CA-checked server is not pinned"
    );
    add_petition(&a, RESIDENT);
    run(&a, &["sync"], &ca_a);
    let (office, ca_o) = trusting("office");
    let ocode = server.add_device("dk", "office", None, "Văn phòng");
    run(
        &office,
        &[
            "join",
            "https://localhost:PORT"
                .replace("PORT", &server.port.to_string())
                .as_str(),
            &ocode,
            "--name",
            "Văn phòng",
        ],
        &ca_o,
    );
    run(&office, &["sync"], &ca_o);
    let got = office
        .cmd()
        .env("DOITHOAI_TLS_CA", &ca_o)
        .args(["petition", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&got.stdout).contains(RESIDENT),
        "the office lacks the petition: {}",
        stderr(&got)
    );
    // And a sync of the enrolled laptop without the CA fails rather than go unverified.
    let out = a.run(&["sync"]);
    assert!(
        !out.status.success(),
        "synced without trusting the server: {}",
        stderr(&out)
    );
}
