//! The web UI refuses what does not come from this machine's user: a request without the secret
//! printed by `serve`, a POST without the CSRF token, a foreign Host header (DNS rebinding). The
//! requests are raw HTTP over TCP, as an attacker's page or another local user would send them.

use doithoai_e2e::browser::{Serve, raw_http};
use doithoai_e2e::{Client, free_port};

fn get(port: u16, path: &str, host: &str, cookie: Option<&str>) -> (u16, String, String) {
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    raw_http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{cookie}Connection: close\r\n\r\n"),
    )
}

fn post(port: u16, path: &str, cookie: &str, body: &str) -> (u16, String, String) {
    raw_http(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn refuses_requests_without_the_secret_the_csrf_token_or_a_local_host() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tdp = Client::new(tmp.path().join("tdp"));
    tdp.ok(&["init", "--name", "Nguyễn Thị Hoa", "--point", "tdp-a"]);
    let port = free_port();
    let serve = Serve::start(&tdp, port);
    let host = format!("127.0.0.1:{port}");
    let key = serve.url.split("key=").nth(1).expect("key in the address");

    // Without the secret: every page and every asset is refused, in Vietnamese.
    for path in [
        "/",
        "/capture",
        "/petitions",
        "/api/status",
        "/assets/app.css",
    ] {
        let (status, head, body) = get(port, path, &host, None);
        assert_eq!(status, 403, "{path} without the secret: {head}");
        assert!(body.contains("mã truy cập"), "{path}: {body}");
        assert!(head.to_ascii_lowercase().contains("x-frame-options: deny"));
    }
    // A wrong key is refused; the right one is exchanged for an HttpOnly, SameSite=Strict cookie
    // and a redirect that drops it from the address.
    let (status, _, _) = get(port, "/?key=0000", &host, None);
    assert_eq!(status, 403);
    let (status, head, _) = get(port, &format!("/capture?key={key}"), &host, None);
    assert_eq!(status, 303, "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("location: /capture\r\n"), "{head}");
    assert!(
        lower.contains("httponly") && lower.contains("samesite=strict"),
        "{head}"
    );
    let cookie = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().split(';').next().unwrap_or("").to_owned())
        })
        .expect("a cookie");
    let (status, head, body) = get(port, "/capture", &host, Some(&cookie));
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("Ghi ý kiến tại cuộc họp"));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-security-policy: default-src 'self'")
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("referrer-policy: no-referrer")
    );
    let csrf = body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF token in the form")
        .to_owned();
    // localhost is this machine too.
    let (status, _, _) = get(
        port,
        "/capture",
        &format!("localhost:{port}"),
        Some(&cookie),
    );
    assert_eq!(status, 200);

    // The office's pages on a TDP laptop: refused (403) with what the role allows, not an error.
    for path in ["/office/inbox", "/office/overdue", "/office/duplicates"] {
        let (status, head, body) = get(port, path, &host, Some(&cookie));
        assert_eq!(status, 403, "{path} on a TDP laptop: {head}");
        assert!(body.contains("Không được phép"), "{path}: {body}");
    }

    // A foreign Host header is refused even with the cookie (DNS rebinding).
    for h in [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("127.0.0.1.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let (status, _, body) = get(port, "/capture", &h, Some(&cookie));
        assert_eq!(status, 403, "Host {h}");
        assert!(body.contains("127.0.0.1"), "{body}");
    }

    // A POST without the CSRF token changes nothing; with it, the petition is saved.
    let form = "name=Tr%E1%BA%A7n+V%C4%83n+An&content=%C4%90%C3%A8n+h%E1%BB%8Fng&field=ha+tang";
    let (status, _, body) = post(port, "/capture", &cookie, form);
    assert_eq!(status, 403);
    assert!(body.contains("mã bảo vệ"), "{body}");
    let (status, _, _) = post(port, "/capture", &cookie, &format!("_csrf=bad&{form}"));
    assert_eq!(status, 403);
    assert!(tdp.petitions().is_empty(), "a refused POST saved something");
    let (status, head, _) = post(port, "/capture", &cookie, &format!("_csrf={csrf}&{form}"));
    assert_eq!(status, 303, "{head}");
    let saved = tdp.petitions();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0]["residents"], "Trần Văn An");
    assert_eq!(saved[0]["field"], "ha_tang");

    // `doithoai ui` finds the running serve of this data directory and gives its address; the
    // file that holds it is readable by this user only.
    let out = tdp.ok(&["ui"]);
    assert!(out.contains(&serve.url), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tdp.dir.join("ui.url"))
            .expect("ui.url")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "ui.url is readable by others: {mode:o}");
    }

    // `serve --listen` refuses an address other machines could reach.
    let out = tdp.run(&["serve", "--listen", "0.0.0.0:18999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("chỉ mở trên chính máy này"));
}

/// The cookie and a CSRF token of a fresh `serve` (the key exchanged as the browser does).
fn log_in(serve: &Serve, port: u16) -> (String, String) {
    let host = format!("127.0.0.1:{port}");
    let key = serve.url.split("key=").nth(1).expect("key in the address");
    let (_, head, _) = get(port, &format!("/sessions?key={key}"), &host, None);
    let cookie = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().split(';').next().unwrap_or("").to_owned())
        })
        .expect("a cookie");
    let (status, _, body) = get(port, "/sessions", &host, Some(&cookie));
    assert_eq!(status, 200, "{body}");
    let csrf = body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF token in the form")
        .to_owned();
    (cookie, csrf)
}

/// A session created and a step recorded from the web UI are on disk once the page answers:
/// `serve` SIGKILLed right after, the CLI reads both back. (Before, session edits lived only in
/// the running repository until it closed.)
#[test]
fn session_edits_are_on_disk_when_the_page_answers() {
    let tmp = tempfile::tempdir().expect("tmp");
    let office = Client::new(tmp.path().join("office"));
    office.ok(&["init", "--name", "Lê Thị Hoa", "--role", "office"]);
    let port = free_port();
    let mut serve = Serve::start(&office, port);
    let (cookie, csrf) = log_in(&serve, port);
    let form = format!(
        "_csrf={csrf}&kind=dinh_ky&date=15%2F06%2F2026&start=08%3A00&place=H%E1%BB%99i+tr%C6%B0%E1%BB%9Dng+UBND+ph%C6%B0%E1%BB%9Dng&secretary=L%C3%AA+Th%E1%BB%8B+Hoa"
    );
    let (status, head, body) = post(port, "/sessions", &cookie, &form);
    assert_eq!(status, 303, "{head}{body}");
    let location = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("location:")
                .then(|| l[9..].trim().to_owned())
        })
        .expect("a redirect");
    let id = location
        .trim_start_matches("/sessions/")
        .split(['?', '/', '#'])
        .next()
        .expect("a session id")
        .to_owned();
    let (status, head, body) = post(
        port,
        &format!("/sessions/{id}/step"),
        &cookie,
        &format!("_csrf={csrf}&n=1&at=08%3A05"),
    );
    assert!(status == 303 || status == 200, "{head}{body}");
    eprintln!("step: {head}");
    serve.kill();

    let shown = office.ok(&["session", "show", "--json"]);
    let s: serde_json::Value = serde_json::from_str(&shown).expect("session JSON");
    let s = &s["session"];
    assert_eq!(s["place"], "Hội trường UBND phường", "{shown}");
    assert!(
        shown.contains("08:00"),
        "the session's start time is not on disk: {shown}"
    );
    assert!(
        s["steps"][0]["at"].is_string(),
        "the recorded step is not on disk: {shown}"
    );
}

/// The fallback servers of an enrolled device are set from the Thiết lập page: a mistyped
/// address is refused beside the field with what was typed kept, nothing saved; a good list is
/// saved, shown on the page and used by the CLI (`status --json` lists the servers).
#[test]
fn the_setup_page_sets_the_fallback_servers_and_refuses_a_bad_address() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = doithoai_e2e::Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let t = Client::new(tmp.path().join("t"));
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop A");
    t.ok(&["join", &server.url(), &code, "--name", "Tổ trưởng A"]);
    let port = free_port();
    let serve = Serve::start(&t, port);
    let (cookie, csrf) = log_in(&serve, port);
    let host = format!("127.0.0.1:{port}");

    let (status, _, body) = post(
        port,
        "/setup/servers",
        &cookie,
        &format!(
            "_csrf={csrf}&fallback=https%3A%2F%2Fmay5.phuong.vn%3A8800%0D%0Ahttp%3A%2F%2F%5Bkh%C3%B4ng"
        ),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("class=\"field-error\" id=\"servers-fallback-error\"")
            && body.contains("không phải địa chỉ máy chủ"),
        "{body}"
    );
    assert!(
        body.contains("https://may5.phuong.vn:8800"),
        "what was typed is kept: {body}"
    );
    let (_, _, page) = get(port, "/setup", &host, Some(&cookie));
    assert!(
        !page.contains("may5.phuong.vn"),
        "a refused list was saved: {page}"
    );

    let (status, head, body) = post(
        port,
        "/setup/servers",
        &cookie,
        &format!(
            "_csrf={csrf}&fallback=https%3A%2F%2Fmay5.phuong.vn%3A8800%2F%0D%0Amay6.phuong.vn%3A8800"
        ),
    );
    assert_eq!(status, 303, "{head}{body}");
    let (_, _, page) = get(port, "/setup?ok=servers", &host, Some(&cookie));
    assert!(page.contains("Đã lưu các máy chủ dự phòng"), "{page}");
    assert!(
        page.contains("https://may5.phuong.vn:8800, https://may6.phuong.vn:8800"),
        "{page}"
    );
    drop(serve);
    let status: serde_json::Value =
        serde_json::from_str(&t.ok(&["status", "--json"])).expect("status JSON");
    assert_eq!(
        status["servers"],
        serde_json::json!([
            server.url(),
            "https://may5.phuong.vn:8800",
            "https://may6.phuong.vn:8800"
        ]),
        "{status}"
    );
}
