//! Enrolment brute force, from outside on 127.0.0.1 against a real server: every code that does
//! not enrol (unknown id, live id with a wrong secret, a code out of tries) gets the very same
//! answer, so the answers never tell which code ids exist; a flood of attempts is answered 429
//! with a Vietnamese message and Retry-After; refusals are logged; and once the limiter's window
//! has passed a legitimate enrolment works.

use std::time::{Duration, Instant};

use doithoai_e2e::{Client, Server};

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: String,
}

fn enroll(server: &Server, code: &str) -> Answer {
    let body = serde_json::json!({"code": code, "name": "thử"}).to_string();
    let (status, head, body) = server.http_full("POST", "/api/v1/enroll", &[], &body);
    let retry_after = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("retry-after")
            .then(|| v.trim().parse().ok())?
    });
    Answer {
        status,
        retry_after,
        body,
    }
}

/// Another secret for the same code id.
fn wrong_secret(code: &str) -> String {
    // The code itself, without the fingerprint part a self-signed server's codes carry.
    let (id, secret) = code[..13].split_once('-').expect("code");
    let flipped: String = secret
        .chars()
        .map(|c| if c == 'Z' { 'Y' } else { 'Z' })
        .collect();
    format!("{id}-{flipped}")
}

#[test]
fn wrong_codes_look_alike_floods_get_429_and_a_real_enrolment_still_works() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start_with_env(
        tmp.path().join("server"),
        vec![("DOITHOAI_ENROLL_LIMIT".to_owned(), "10/5s".to_owned())],
    );
    server.setup_ward(&["a"]);
    let victim = server.add_device("dk", "collector", Some("tdp-a"), "Laptop TDP A");
    let legit = server.add_device("dk", "office", None, "Văn phòng");
    let unknown_id = if victim.starts_with("ZZZZ") || legit.starts_with("ZZZZ") {
        "YYYY-ABCDEFGH"
    } else {
        "ZZZZ-ABCDEFGH"
    };

    // One unknown code, then the live code's id with wrong secrets until it is out of tries,
    // then its right secret: seven refusals, byte for byte the same.
    let first = enroll(&server, unknown_id);
    assert_eq!(first.status, 403, "{}", first.body);
    let msg: serde_json::Value = serde_json::from_str(&first.body).expect("json");
    assert!(
        msg["message"]
            .as_str()
            .is_some_and(|m| m.contains("Mã đăng ký không dùng được")),
        "{}",
        first.body
    );
    let mut others = Vec::new();
    for _ in 0..5 {
        others.push((
            "live id, wrong secret",
            enroll(&server, &wrong_secret(&victim)),
        ));
    }
    others.push((
        "live id out of tries, right secret",
        enroll(&server, &victim),
    ));
    others.push(("malformed", enroll(&server, "ABC")));
    for (what, a) in &others {
        assert_eq!(
            (a.status, a.body.as_str()),
            (first.status, first.body.as_str()),
            "{what} answers like an unknown code"
        );
    }

    // A flood from one address: bounded, and refused with 429 and Retry-After.
    let mut limited = Vec::new();
    let mut passed = 0;
    for _ in 0..200 {
        let a = enroll(&server, unknown_id);
        match a.status {
            429 => limited.push(a),
            403 => passed += 1,
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    assert!(
        limited.len() >= 150,
        "{} of 200 were limited",
        limited.len()
    );
    assert!(
        passed <= 10,
        "{passed} wrong codes were checked during the flood"
    );
    let a = &limited[0];
    let retry = a.retry_after.expect("Retry-After");
    assert!((1..=5).contains(&retry), "Retry-After: {retry}");
    let j: serde_json::Value = serde_json::from_str(&a.body).expect("json");
    assert!(
        j["message"]
            .as_str()
            .is_some_and(|m| m.contains("quá nhiều lần") && m.contains("giây")),
        "{}",
        a.body
    );

    // After the window, the real office laptop enrols.
    let until = Instant::now() + Duration::from_secs(retry);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    let office = Client::new(tmp.path().join("office"));
    office.ok(&["join", &server.url(), &legit, "--name", "Văn phòng phường"]);

    let log = server.log();
    assert!(
        log.contains("enrolment refused"),
        "refusals are logged: {log}"
    );
    assert!(log.contains("too many attempts"), "{log}");
    assert!(log.contains("device enrolled"), "{log}");
}
