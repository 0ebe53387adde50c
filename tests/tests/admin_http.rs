//! The IT person's admin HTTP API on a real server process: create a ward, add a point, add a
//! device and enrol it with the code the API gave, list devices, revoke one. A wrong admin secret
//! is refused in Vietnamese and changes nothing.

use std::time::Duration;

use doithoai_e2e::{Client, Server};

fn secret(server: &Server) -> String {
    std::fs::read_to_string(server.dir.join("admin.secret"))
        .expect("the server writes its admin secret on first start")
        .trim()
        .to_owned()
}

async fn call(
    server: &Server,
    secret: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let body = body.map(|b| b.to_string());
    let (status, text) = doithoai_sync::http::Client::new(&server.trust())
        .expect("client")
        .request_with(
            &server.url(),
            method,
            path,
            &[("x-admin-secret", secret)],
            body.as_deref(),
            Duration::from_secs(20),
        )
        .await
        .expect("the server answers");
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[tokio::test]
async fn the_admin_api_enrols_lists_and_revokes_devices() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(tmp.path().join("server"));
    let key = secret(&server);

    // A wrong secret: refused with a message in Vietnamese, and nothing is created.
    let (status, answer) = call(
        &server,
        "not-the-secret",
        "POST",
        "/api/v1/admin/ward",
        Some(serde_json::json!({"id": "dk", "name": "Phường Dĩnh Kế"})),
    )
    .await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer.to_string().contains("Sai khóa quản trị"), "{answer}");
    let (status, _) = call(
        &server,
        "not-the-secret",
        "GET",
        "/api/v1/admin/device",
        None,
    )
    .await;
    assert_eq!(status, 401);

    let (status, ward) = call(
        &server,
        &key,
        "POST",
        "/api/v1/admin/ward",
        Some(serde_json::json!({"id": "dk", "name": "Phường Dĩnh Kế"})),
    )
    .await;
    assert_eq!(status, 200, "{ward}");
    let (status, point) = call(
        &server,
        &key,
        "POST",
        "/api/v1/admin/point",
        Some(serde_json::json!({"ward": "dk", "kind": "tdp", "id": "tdp-3", "name": "TDP số 3"})),
    )
    .await;
    assert_eq!(status, 200, "{point}");

    // A collector without a point is refused, with the reason.
    let (status, answer) = call(
        &server,
        &key,
        "POST",
        "/api/v1/admin/device",
        Some(serde_json::json!({"ward": "dk", "role": "collector", "name": "Laptop TDP 3"})),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("collector"), "{answer}");

    let (status, added) = call(
        &server,
        &key,
        "POST",
        "/api/v1/admin/device",
        Some(serde_json::json!({"ward": "dk", "role": "collector", "point": "tdp-3", "name": "Laptop TDP 3"})),
    )
    .await;
    assert_eq!(status, 200, "{added}");
    let code = added["code"].as_str().expect("a code").to_owned();
    let device_id = added["device"]["id"].as_str().expect("an id").to_owned();

    // The laptop enrols with that code, records a petition and syncs it.
    let laptop = Client::new(tmp.path().join("laptop"));
    laptop.ok(&["init", "--name", "Tổ trưởng TDP 3"]);
    laptop.ok(&["join", &server.url(), &code]);
    laptop.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Thị Lan",
        "--address",
        "Số 4 ngõ 7",
        "--content",
        "Đèn đường ngõ 7 hỏng",
    ]);
    laptop.ok(&["sync"]);

    let (status, list) = call(&server, &key, "GET", "/api/v1/admin/device", None).await;
    assert_eq!(status, 200, "{list}");
    let devices = list["devices"].as_array().expect("devices");
    let row = devices
        .iter()
        .find(|d| d["id"] == device_id.as_str())
        .expect("the new device is listed");
    assert!(row["enrolled_at"].is_string(), "{row}");
    assert!(row["revoked_at"].is_null(), "{row}");

    // Revoked: the laptop's next sync is refused and says what to do; its data stays.
    let (status, revoked) = call(
        &server,
        &key,
        "POST",
        &format!("/api/v1/admin/device/{device_id}/revoke"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    let out = laptop.run(&["sync"]);
    assert!(!out.status.success(), "a revoked device cannot sync");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("từ chối"), "{err}");
    let listed = laptop.ok(&["petition", "list"]);
    assert!(listed.contains("Nguyễn Thị Lan"), "{listed}");

    // An unknown device id is a clear 400, not a crash.
    let (status, answer) = call(
        &server,
        &key,
        "POST",
        "/api/v1/admin/device/nope/revoke",
        None,
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("nope"), "{answer}");
}
