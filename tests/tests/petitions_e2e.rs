//! Petitions across enrolment, with a real server and real clients: the history of petitions
//! recorded before `join` survives on the leader's laptop and on the office's; `status` after
//! the device was revoked says so; a refused `join` leaves no half-made data directory.

use doithoai_e2e::{Client, Server};

fn history_ops(v: &serde_json::Value) -> Vec<String> {
    v["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["op"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn history_recorded_before_enrolment_survives_on_every_laptop() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let a = Client::new(tmp.path().join("a"));
    let o = Client::new(tmp.path().join("o"));

    a.ok(&["init", "--name", "Tổ trưởng A", "--point", "tdp-a"]);
    let out = a.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--field",
        "ha_tang",
        "--content",
        "Đèn đường ngõ 12 hỏng",
        "--people",
        "5",
    ]);
    let id = doithoai_e2e::saved_id(&out).expect("id");
    a.ok(&[
        "petition",
        "edit",
        &id,
        "--people",
        "12",
        "--place",
        "ngõ 12 và ngõ 14",
    ]);

    let out = a.ok(&[
        "join",
        &server.url(),
        &server.add_device("dk", "collector", Some("tdp-a"), "Laptop A"),
    ]);
    assert!(out.contains("Đã chuyển 1 ý kiến"), "{out}");

    let check = |c: &Client, who: &str| {
        let v: serde_json::Value =
            serde_json::from_str(&c.ok(&["petition", "show", &id, "--json"])).unwrap();
        let ops = history_ops(&v);
        assert_eq!(
            ops,
            ["petition.add", "petition.edit", "petition.enrol"],
            "{who}: {v}"
        );
        let h = &v["history"];
        assert_eq!(h[0]["by"], "Tổ trưởng A", "{who}");
        let edit: Vec<(String, String, String)> = h[1]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["field"].as_str().unwrap_or("").to_owned(),
                    f["before"].as_str().unwrap_or("").to_owned(),
                    f["after"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert!(
            edit.contains(&("people_count".into(), "5".into(), "12".into())),
            "{who}: {edit:?}"
        );
        assert!(
            edit.contains(&("place".into(), "".into(), "ngõ 12 và ngõ 14".into())),
            "{who}: {edit:?}"
        );
        assert!(
            h[0]["at"].as_i64().unwrap() <= h[1]["at"].as_i64().unwrap(),
            "{who}: oldest first"
        );
        // The copy itself shows as the move, not as every field written anew.
        assert!(
            h[2]["fields"].as_array().unwrap().len() <= 1,
            "{who}: {}",
            h[2]
        );
        let text = c.ok(&["petition", "show", &id]);
        assert!(text.contains("ghi nhận ý kiến"), "{who}: {text}");
        assert!(text.contains("sửa ý kiến"), "{who}: {text}");
        assert!(text.contains("số người: «5» → «12»"), "{who}: {text}");
    };
    check(&a, "the leader's laptop");

    // A later edit after enrolment follows the carried history.
    a.ok(&["petition", "edit", &id, "--request", "Thay bóng đèn"]);
    a.ok(&["sync"]);
    let v: serde_json::Value =
        serde_json::from_str(&a.ok(&["petition", "show", &id, "--json"])).unwrap();
    assert_eq!(history_ops(&v).len(), 4, "{v}");

    o.ok(&[
        "join",
        &server.url(),
        &server.add_device("dk", "office", None, "Văn phòng"),
        "--name",
        "Văn thư Lan",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&o.ok(&["petition", "show", &id, "--json"])).unwrap();
    assert_eq!(
        history_ops(&v),
        [
            "petition.add",
            "petition.edit",
            "petition.enrol",
            "petition.edit"
        ],
        "the office's laptop: {v}"
    );
    assert_eq!(v["history"][0]["by"], "Tổ trưởng A");
}

#[test]
fn a_refused_join_leaves_nothing_and_a_revoked_device_is_told() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop A");
    let a = Client::new(tmp.path().join("a"));
    a.ok(&["join", &server.url(), &code, "--name", "Tổ trưởng A"]);

    // The same code again, into a new data directory: refused, and nothing is made.
    let fresh = tmp.path().join("fresh");
    let again = Client::new(&fresh).run(&["join", &server.url(), &code, "--name", "Máy khác"]);
    assert!(!again.status.success());
    assert!(!fresh.exists(), "a refused join made {}", fresh.display());
    // A wrong server address too.
    let again = Client::new(&fresh).run(&["join", "http://127.0.0.1:1", &code, "--name", "X"]);
    assert!(!again.status.success());
    assert!(!fresh.exists());

    let st = a.ok(&["status"]);
    assert!(st.contains("trực tuyến"), "{st}");
    let devices: serde_json::Value =
        serde_json::from_str(&server.admin(&["device", "list", "--json"])).unwrap();
    let id = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["point_id"] == "tdp-a")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.admin(&["device", "revoke", &id]);
    let st = a.ok(&["status"]);
    assert!(!st.contains("(trực tuyến)"), "{st}");
    assert!(st.contains("máy chủ từ chối thiết bị này"), "{st}");
    assert!(st.contains("thu hồi"), "{st}");
    let json: serde_json::Value = serde_json::from_str(&a.ok(&["status", "--json"])).unwrap();
    assert!(json["refused"]["vi"].is_string(), "{json}");
}
