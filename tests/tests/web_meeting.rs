//! A TDP leader's meeting through the web UI, in a real headless Chromium against a real
//! `doithoai serve` and a real `doithoai-server`:
//!
//! - enrolment from the browser (set-up page);
//! - a whole meeting offline (server stopped): ten petitions entered by keyboard only (typed
//!   text and Tab), one of them after a validation error shown beside its fields, one reusing the
//!   previous resident's details;
//! - the browser killed in the middle of the eleventh, reopened: the draft is there;
//! - `serve` SIGKILLed right after "Đã lưu": the petition is there after restart;
//! - back online: the office laptop (CLI) has all eleven; the office answers one: it appears on
//!   the TDP's petition page; "Đã báo lại" reaches the office; the office's session lists the
//!   TDP's petition on the schedule page.
//!
//! Screenshots of every screen at 1366×768 are saved under `target/screenshots/`.

use std::time::{Duration, Instant};

use doithoai_e2e::browser::{Browser, ENTER, Locator, SPACE, Serve, TAB};
use doithoai_e2e::{Client, Server, free_port};

const SHIFT: &str = "\u{E008}";
const NULL: &str = "\u{E000}";

struct Entry {
    name: &'static str,
    address: &'static str,
    phone: &'static str,
    people: &'static str,
    field: &'static str,
    content: &'static str,
    request: &'static str,
    place: &'static str,
    speak: bool,
}

const ENTRIES: [Entry; 9] = [
    Entry {
        name: "Nguyễn Văn Đức",
        address: "Số 5 ngõ 12 Lê Lợi",
        phone: "0912345678",
        people: "5",
        field: "ha tang",
        content: "Đèn đường ngõ 12 hỏng hai tháng nay",
        request: "Đề nghị thay bóng đèn",
        place: "ngõ 12 đường Lê Lợi",
        speak: true,
    },
    Entry {
        name: "Trần Thị Thủy",
        address: "Số 8 đường Xương Giang",
        phone: "",
        people: "",
        field: "moi truong",
        content: "Rác tập kết sai giờ ở đầu ngõ",
        request: "",
        place: "đường Xương Giang",
        speak: false,
    },
    Entry {
        name: "Lê Văn Bình",
        address: "Số 21 ngõ 3",
        phone: "0987 654 321",
        people: "2",
        field: "an ninh",
        content: "Xe máy phóng nhanh trong ngõ vào giờ tan học",
        request: "Đề nghị đặt biển hạn chế tốc độ",
        place: "ngõ 3",
        speak: false,
    },
    Entry {
        name: "Phạm Thị Lan",
        address: "Số 2 ngõ 9",
        phone: "",
        people: "12",
        field: "dat dai",
        content: "Chưa được cấp giấy chứng nhận quyền sử dụng đất sau hai năm",
        request: "",
        place: "",
        speak: true,
    },
    Entry {
        name: "Hoàng Văn Nam",
        address: "Số 14 ngõ 6",
        phone: "",
        people: "",
        field: "ha tang",
        content: "Cống thoát nước ngõ 6 ngập khi mưa to",
        request: "Nạo vét cống",
        place: "ngõ 6",
        speak: false,
    },
    // The same resident again ("Lưu, ghi tiếp ý kiến khác của người này"): name left as is.
    Entry {
        name: "",
        address: "",
        phone: "",
        people: "",
        field: "dien nuoc",
        content: "Nước sinh hoạt yếu vào buổi tối",
        request: "",
        place: "ngõ 6",
        speak: false,
    },
    Entry {
        name: "Vũ Thị Hằng",
        address: "Số 30 Lê Lợi",
        phone: "",
        people: "",
        field: "y te giao duc",
        content: "Trạm y tế phường thiếu thuốc cho người cao tuổi",
        request: "",
        place: "",
        speak: false,
    },
    Entry {
        name: "Đỗ Văn Hùng",
        address: "",
        phone: "",
        people: "",
        field: "van hoa",
        content: "Loa phát thanh tổ dân phố bật quá to buổi sáng",
        request: "",
        place: "nhà văn hoá",
        speak: false,
    },
    Entry {
        name: "Ngô Thị Mai",
        address: "Số 1 ngõ 1",
        phone: "",
        people: "",
        field: "thu tuc",
        content: "Thủ tục xác nhận cư trú phải đi lại nhiều lần",
        request: "",
        place: "",
        speak: false,
    },
];

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

async fn open(b: &Browser, serve: &Serve, path: &str) {
    b.web()
        .goto(&serve.url)
        .await
        .expect("open the address with its key");
    b.web().goto(&serve.at(path)).await.expect("goto");
}

/// Types one petition by keyboard, starting with the focus on the name field; ends with the
/// focus on the chosen save button, pressed with Enter.
async fn type_entry(b: &Browser, e: &Entry, same_next: bool, check_order: bool) {
    let steps: [(&str, &str); 6] = [
        ("name", e.name),
        ("address", e.address),
        (
            "tdp",
            if e.name.is_empty() {
                ""
            } else {
                "Tổ dân phố A"
            },
        ),
        ("phone", e.phone),
        ("people", e.people),
        ("kind", ""),
    ];
    for (id, text) in steps {
        if check_order {
            assert_eq!(b.focused_id().await, id, "Tab order");
        }
        b.type_keys(&format!("{text}{TAB}")).await;
    }
    for (id, text) in [
        ("field", e.field),
        ("content", e.content),
        ("request", e.request),
        ("place", e.place),
    ] {
        if check_order {
            assert_eq!(b.focused_id().await, id, "Tab order");
        }
        b.type_keys(&format!("{text}{TAB}")).await;
    }
    if check_order {
        assert_eq!(b.focused_id().await, "speak", "Tab order");
    }
    if e.speak {
        b.type_keys(SPACE).await;
    }
    b.type_keys(TAB).await;
    if same_next {
        b.type_keys(TAB).await;
        assert_eq!(b.focused_id().await, "save-same");
    } else {
        assert_eq!(
            b.focused_id().await,
            "save",
            "Tab order ends on the save button"
        );
    }
    b.type_keys(ENTER).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_offline_in_the_browser_reaches_the_office_and_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let office = Client::new(tmp.path().join("office"));
    office.ok(&[
        "join",
        &server.url(),
        &server.add_device("dk", "office", None, "Văn phòng"),
        "--name",
        "Chị Hoa - Văn phòng",
    ]);
    let code = server.add_device("dk", "collector", Some("tdp-a"), "Laptop tổ trưởng A");
    let tdp = Client::new(tmp.path().join("tdp"));
    let mut serve = Serve::start(&tdp, free_port());

    // Set-up from the browser: the first page a fresh data directory shows.
    let mut b = Browser::start().await;
    b.web().goto(&serve.url).await.expect("goto");
    b.wait_text("h1", "Thiết lập", Duration::from_secs(5)).await;
    b.screenshot("01-thiet-lap").await;
    for (css, text) in [
        ("#join-url", server.url()),
        ("#join-code", code.clone()),
        ("#join-name", "Nguyễn Thị Hoa - Tổ trưởng TDP A".to_owned()),
    ] {
        b.web()
            .find(Locator::Css(css))
            .await
            .expect(css)
            .send_keys(&text)
            .await
            .expect("type");
    }
    b.web()
        .find(Locator::Css("#join"))
        .await
        .expect("join button")
        .click()
        .await
        .expect("click");
    b.wait_text("#flash", "Đã đăng ký", Duration::from_secs(60))
        .await;
    b.wait_text("#device", "Tổ dân phố A", Duration::from_secs(5))
        .await;
    b.wait_text("#st-online", "Trực tuyến", Duration::from_secs(30))
        .await;
    b.screenshot("02-thiet-lap-da-dang-ky").await;

    // The meeting: no network.
    server.kill();
    b.web().goto(&serve.at("/capture")).await.expect("goto");
    b.wait_text("#st-online", "Ngoại tuyến", Duration::from_secs(40))
        .await;
    b.screenshot("03-ghi-y-kien").await;
    assert_eq!(
        b.focused_id().await,
        "name",
        "the cursor starts in the name field"
    );
    // The meeting's place, once: Shift+Tab back from the name field.
    b.type_keys(&format!("{SHIFT}{TAB}{NULL}")).await;
    assert_eq!(b.focused_id().await, "meeting_place");
    b.type_keys(&format!("Nhà văn hoá tổ dân phố A{TAB}")).await;
    assert_eq!(b.focused_id().await, "name");

    let mut saved_ids = Vec::new();
    for (i, e) in ENTRIES.iter().enumerate() {
        if i == 5 {
            // The resident's details came back from the previous petition.
            assert_eq!(b.value("#name").await, "Hoàng Văn Nam");
            assert_eq!(b.value("#address").await, "Số 14 ngõ 6");
        }
        type_entry(&b, e, i == 4, i == 0).await;
        let t = b
            .wait_text("#saved", "Đã lưu ý kiến", Duration::from_secs(10))
            .await;
        saved_ids.push(t);
        if i == 0 {
            b.screenshot("05-ghi-y-kien-da-luu").await;
        }
        // Remembered for the next petition.
        assert_eq!(b.value("#meeting_place").await, "Nhà văn hoá tổ dân phố A");
    }

    // The tenth: a phone number and a field that do not exist; the errors show beside their
    // fields, what was typed stays, nothing is saved until corrected.
    let bad = Entry {
        name: "Lê Thị Sai",
        address: "Số 9 ngõ 9",
        phone: "12",
        people: "",
        field: "khong co",
        content: "Vỉa hè bị lấn chiếm làm nơi bán hàng",
        request: "",
        place: "đường Lê Lợi",
        speak: false,
    };
    type_entry(&b, &bad, false, false).await;
    b.wait_text("#form-errors", "Chưa lưu", Duration::from_secs(10))
        .await;
    let phone_err = b.wait_text("#phone-err", "", Duration::from_secs(2)).await;
    assert!(phone_err.contains("12"), "{phone_err}");
    let field_err = b
        .wait_text("#field-err", "khong co", Duration::from_secs(2))
        .await;
    assert!(field_err.contains("Lĩnh vực"), "{field_err}");
    assert_eq!(b.value("#name").await, "Lê Thị Sai");
    assert_eq!(b.value("#content").await, bad.content);
    b.screenshot("04-ghi-y-kien-loi").await;
    assert_eq!(tdp.petitions().len(), 9, "a refused form saved nothing");
    for (css, text) in [("#phone", "0911222333"), ("#field", "xay dung")] {
        let el = b.web().find(Locator::Css(css)).await.expect(css);
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }
    b.web()
        .find(Locator::Css("#save"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    b.wait_text("#saved", "Lê Thị Sai", Duration::from_secs(10))
        .await;
    assert_eq!(tdp.petitions().len(), 10);

    // The eleventh, interrupted: the browser dies after the autosave.
    assert_eq!(b.focused_id().await, "name");
    b.type_keys(&format!("Bùi Văn Tâm{TAB}Số 40 ngõ 7{TAB}"))
        .await;
    b.web()
        .find(Locator::Css("#content"))
        .await
        .expect("content")
        .send_keys("Cống thoát nước ngõ 7 bị tắc")
        .await
        .expect("type");
    b.wait_text("#draft-status", "Đã lưu nháp", Duration::from_secs(10))
        .await;
    b.kill();
    let b = Browser::start().await;
    open(&b, &serve, "/capture").await;
    b.wait_text("#restored", "khôi phục", Duration::from_secs(5))
        .await;
    assert_eq!(b.value("#name").await, "Bùi Văn Tâm");
    assert_eq!(b.value("#address").await, "Số 40 ngõ 7");
    assert_eq!(b.value("#content").await, "Cống thoát nước ngõ 7 bị tắc");
    b.screenshot("06-ban-nhap-khoi-phuc").await;
    b.web()
        .find(Locator::Css("#save"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    b.wait_text("#saved", "Bùi Văn Tâm", Duration::from_secs(10))
        .await;
    // Killed right after "Đã lưu".
    serve.kill();
    let mut serve = Serve::start(&tdp, free_port());
    let b = Browser::start().await;
    open(&b, &serve, "/petitions").await;
    let rows = b
        .web()
        .find_all(Locator::Css("#petitions tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 11, "every petition told saved is there");
    b.wait_text(
        "#petitions",
        "Cống thoát nước ngõ 7 bị tắc",
        Duration::from_secs(2),
    )
    .await;
    b.screenshot("07-y-kien-cua-to").await;
    // The draft was done with the save.
    b.web().goto(&serve.at("/capture")).await.expect("goto");
    assert!(b.web().find(Locator::Css("#restored")).await.is_err());
    assert_eq!(b.value("#name").await, "");
    // Search without diacritics.
    b.web()
        .goto(&serve.at("/petitions?q=den+duong"))
        .await
        .expect("goto");
    let rows = b
        .web()
        .find_all(Locator::Css("#petitions tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    b.wait_text("#petitions", "Đèn đường ngõ 12", Duration::from_secs(2))
        .await;
    b.screenshot("08-tim-khong-dau").await;

    // Back online: everything reaches the office.
    server.restart();
    wait_for(
        "the office to have all eleven",
        Duration::from_secs(120),
        || {
            office.run(&["sync"]);
            office.petitions().len() == 11
        },
    );
    let lamp = office
        .petitions()
        .into_iter()
        .find(|p| p["content"] == "Đèn đường ngõ 12 hỏng hai tháng nay")
        .expect("the lamp petition at the office");
    let id = lamp["id"].as_str().expect("id").to_owned();
    let short = id[..8].to_owned();
    office.ok(&["handle", "receive", "--all"]);
    office.ok(&[
        "handle",
        "classify",
        &short,
        "--field",
        "ha_tang",
        "--competence",
        "phuong",
    ]);
    office.ok(&["handle", "assign", &short, "--department", "dia_chinh"]);
    office.ok(&[
        "handle",
        "answer",
        &short,
        "--text",
        "Phường đã thay bóng đèn ngõ 12",
        "--by",
        "Cán bộ địa chính",
    ]);
    office.ok(&[
        "handle",
        "approve",
        &short,
        "--approver",
        "Chủ tịch UBND phường",
    ]);
    office.ok(&["sync"]);
    let page = serve.at(&format!("/petitions/{id}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        b.web().goto(&page).await.expect("goto");
        if let Ok(e) = b.web().find(Locator::Css("#answer")).await
            && e.text().await.unwrap_or_default().contains("thay bóng đèn")
            && let Ok(w) = b.web().find(Locator::Css("#ward")).await
            && w.text().await.unwrap_or_default().contains("Số vào sổ")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the ward's answer and register number never reached the TDP"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    // The register number and the status the office gave, in the TDP's index (it arrived
    // live, with no sync pass).
    b.wait_text("#ward", "Số vào sổ", Duration::from_secs(5))
        .await;
    let ward = b
        .wait_text("#ward", "Trạng thái", Duration::from_secs(1))
        .await;
    assert!(!ward.contains("Mới ghi nhận"), "{ward}");
    b.wait_text("#st-online", "Trực tuyến", Duration::from_secs(30))
        .await;
    b.screenshot("09-mot-y-kien").await;

    // "Đã báo lại cho người dân" reaches the office.
    b.web()
        .find(Locator::Css("#note"))
        .await
        .expect("note")
        .send_keys("Đã báo tại họp tổ")
        .await
        .expect("type");
    b.web()
        .find(Locator::Css("#relay"))
        .await
        .expect("relay")
        .click()
        .await
        .expect("click");
    b.wait_text("#flash", "đã báo lại", Duration::from_secs(10))
        .await;
    b.wait_text("#relayed", "Đã báo tại họp tổ", Duration::from_secs(2))
        .await;
    b.screenshot("10-da-bao-lai").await;
    wait_for("the relay at the office", Duration::from_secs(60), || {
        office.run(&["sync"]);
        let out = office.ok(&["petition", "show", &short, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v["petition"]["relayed"]["note"] == "Đã báo tại họp tổ"
    });

    // Edit with the same validation.
    b.web()
        .goto(&serve.at(&format!("/petitions/{id}/edit")))
        .await
        .expect("goto");
    b.screenshot("11-sua-y-kien").await;
    let people = b.web().find(Locator::Css("#people")).await.expect("people");
    people.clear().await.expect("clear");
    people.send_keys("7").await.expect("type");
    b.web()
        .find(Locator::Css("#save"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    b.wait_text("#flash", "Đã lưu thay đổi", Duration::from_secs(10))
        .await;
    // The history names the edit and what it changed.
    let history = b
        .wait_text(".history", "«5» → «7»", Duration::from_secs(2))
        .await;
    assert!(history.contains("số người"), "{history}");

    // The office schedules a session; the TDP's petitions registered to speak are listed.
    let date = format_day(chrono_today() + 10);
    office.ok(&[
        "session",
        "create",
        "--kind",
        "dinh_ky",
        "--date",
        &date,
        "--start",
        "08:00",
        "--place",
        "Hội trường UBND phường",
    ]);
    office.ok(&["session", "speaker", "import"]);
    office.ok(&["sync"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        b.web().goto(&serve.at("/schedule")).await.expect("goto");
        if let Ok(e) = b.web().find(Locator::Css(".session")).await
            && e.text()
                .await
                .unwrap_or_default()
                .contains("Nguyễn Văn Đức")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the session never reached the TDP"
        );
        if let Ok(btn) = b.web().find(Locator::Css("#sync-now")).await {
            let _ = btn.click().await;
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    b.wait_text(".session", "Hội trường UBND phường", Duration::from_secs(2))
        .await;
    b.screenshot("12-lich-doi-thoai").await;

    // English.
    b.web().goto(&serve.at("/capture")).await.expect("goto");
    b.web()
        .find(Locator::Css("button[lang=en]"))
        .await
        .expect("language switch")
        .click()
        .await
        .expect("click");
    b.wait_text(
        "h1",
        "Record petitions at a meeting",
        Duration::from_secs(5),
    )
    .await;
    b.screenshot("13-english").await;

    // Without the key, a new browser is refused.
    let stranger = Browser::start().await;
    stranger
        .web()
        .goto(&serve.at("/petitions"))
        .await
        .expect("goto");
    stranger
        .wait_text("#error-message", "mã truy cập", Duration::from_secs(5))
        .await;
    stranger.screenshot("14-tu-choi").await;
    serve.kill();
}

/// Days since 1970 of today (UTC is close enough for a session ten days ahead).
fn chrono_today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs / 86_400
}

/// dd/mm/yyyy of a day number (days since 1970-01-01), by the civil-from-days algorithm.
fn format_day(days: i64) -> String {
    let z: i64 = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{d:02}/{m:02}/{y}")
}
