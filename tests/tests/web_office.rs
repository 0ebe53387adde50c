//! The office's desk through the web UI, in a real headless Chromium against a real
//! `doithoai serve` on an office laptop and a real `doithoai-server`:
//!
//! - the whole flow: the inbox lists the new petitions of two TDPs newest first with their point
//!   and number of people; three are received by keyboard with a date (register numbers and the
//!   10-working-day acceptance deadline shown at once); classified by keyboard (a complaint is
//!   flagged with what the law requires next); a duplicate merged (people summed), split off
//!   again (undo by reopening) and merged again; assigned (the computed deadline shown),
//!   answered, approved, notified and closed, each step in the petition's log; the overdue page
//!   and the header's count; the TDP laptop sees the answer after a sync;
//! - two office laptops working offline on the same petitions (one in the browser, one with the
//!   CLI), then synced: the conflicts page shows the shared register number and the two statuses,
//!   and resolves both.
//!
//! Screenshots of every screen at 1366×768 under `target/screenshots/office-*.png`.

use std::time::{Duration, Instant};

use doithoai_e2e::browser::{Browser, ENTER, Locator, SPACE, Serve, TAB};
use doithoai_e2e::{Client, Server, free_port};

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

async fn goto(b: &Browser, serve: &Serve, path: &str) {
    b.web().goto(&serve.at(path)).await.expect("goto");
}

async fn click(b: &Browser, css: &str) {
    b.web()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .expect("click");
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let e = b
        .web()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"));
    e.clear().await.expect("clear");
    e.send_keys(text).await.expect("type");
}

/// The handling of a petition as the CLI shows it (`handle show --json`).
fn show(c: &Client, id: &str) -> serde_json::Value {
    serde_json::from_str(&c.ok(&["handle", "show", id, "--json"])).expect("json")
}

fn status(c: &Client, id: &str) -> String {
    show(c, id)["item"]["status"]
        .as_str()
        .unwrap_or("collected")
        .to_owned()
}

fn id_of(c: &Client, content: &str) -> String {
    c.petitions()
        .into_iter()
        .find(|p| p["content"] == content)
        .and_then(|p| p["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no petition {content:?}"))
}

/// dd/mm/yyyy of the ward's today minus `days` (the ward is at UTC+7).
fn day_ago(days: i64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + 7 * 3600;
    let z: i64 = secs / 86_400 - days + 719_468;
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

/// Days since 1970 of a dd/mm/yyyy date.
fn days_of(s: &str) -> i64 {
    let p: Vec<i64> = s.split('/').filter_map(|x| x.parse().ok()).collect();
    assert_eq!(p.len(), 3, "{s:?} is not dd/mm/yyyy");
    let (d, m, y) = (p[0], p[1], p[2]);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn join(server: &Server, c: &Client, role: &str, point: Option<&str>, name: &str) {
    let code = server.add_device("dk", role, point, name);
    c.ok(&["join", &server.url(), &code, "--name", name]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_desk_from_inbox_to_closed_in_the_browser() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a", "b"]);
    let office = Client::new(tmp.path().join("office"));
    join(&server, &office, "office", None, "Chị Hoa - Văn phòng");
    let tdp_a = Client::new(tmp.path().join("tdp-a"));
    join(&server, &tdp_a, "collector", Some("tdp-a"), "Tổ trưởng A");
    let tdp_b = Client::new(tmp.path().join("tdp-b"));
    join(&server, &tdp_b, "collector", Some("tdp-b"), "Tổ trưởng B");

    // Collected at the TDPs: an old one of A never registered, one of A registered long ago
    // and assigned with a deadline now past, then (newest last) the lamp of A, the same lamp
    // seen by B, a complaint of A.
    let old = "Cống thoát nước ngõ 6 ngập khi mưa to";
    let late = "Vỉa hè đường Xương Giang bị lấn chiếm";
    let lamp = "Đèn đường ngõ 12 hỏng hai tháng nay, tối không đi lại được";
    let lamp_b = "Đèn đường ngõ 12 hỏng, buổi tối rất tối, không đi lại được";
    let complaint = "Khiếu nại quyết định thu hồi đất của hộ ông Bình";
    tdp_a.ok(&[
        "petition",
        "add",
        "--name",
        "Hoàng Văn Nam",
        "--content",
        old,
        "--field",
        "ha tang",
        "--date",
        &day_ago(30),
    ]);
    tdp_a.ok(&[
        "petition",
        "add",
        "--name",
        "Vũ Thị Hằng",
        "--content",
        late,
        "--field",
        "xay dung",
        "--date",
        &day_ago(40),
    ]);
    tdp_a.ok(&[
        "petition",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--people",
        "5",
        "--content",
        lamp,
        "--field",
        "ha tang",
        "--place",
        "ngõ 12 đường Lê Lợi",
    ]);
    std::thread::sleep(Duration::from_millis(1100));
    tdp_b.ok(&[
        "petition",
        "add",
        "--name",
        "Trần Thị Thủy",
        "--people",
        "3",
        "--content",
        lamp_b,
        "--field",
        "ha tang",
        "--place",
        "ngõ 12 Lê Lợi",
    ]);
    std::thread::sleep(Duration::from_millis(1100));
    tdp_a.ok(&[
        "petition",
        "add",
        "--name",
        "Lê Văn Bình",
        "--kind",
        "khieu_nai",
        "--content",
        complaint,
        "--field",
        "dat dai",
    ]);
    tdp_a.ok(&["sync"]);
    tdp_b.ok(&["sync"]);
    wait_for(
        "the office to have all five",
        Duration::from_secs(120),
        || {
            office.run(&["sync"]);
            office.petitions().len() == 5
        },
    );
    let (old_id, late_id, lamp_id, lamp_b_id, complaint_id) = (
        id_of(&office, old),
        id_of(&office, late),
        id_of(&office, lamp),
        id_of(&office, lamp_b),
        id_of(&office, complaint),
    );
    // The late one, by the CLI: received 35 days ago, assigned with a deadline 20 days ago.
    office.ok(&["handle", "receive", &late_id[..8], "--date", &day_ago(35)]);
    office.ok(&[
        "handle",
        "classify",
        &late_id[..8],
        "--competence",
        "phuong",
    ]);
    office.ok(&[
        "handle",
        "assign",
        &late_id[..8],
        "--department",
        "dia_chinh",
        "--deadline",
        &day_ago(20),
    ]);

    let mut serve = Serve::start(&office, free_port());
    let b = Browser::start().await;

    // The inbox: four new petitions, newest first, with the point and the people.
    open(&b, &serve, "/office/inbox").await;
    b.wait_text("h1", "Hộp thư đến", Duration::from_secs(10))
        .await;
    b.wait_text("#new-count", "4", Duration::from_secs(5)).await;
    let rows = b
        .web()
        .find_all(Locator::Css("#inbox tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 4);
    let mut texts = Vec::new();
    for r in &rows {
        texts.push(r.text().await.expect("text"));
    }
    assert!(texts[0].contains("Khiếu nại"), "newest first: {texts:?}");
    assert!(
        texts[1].contains("Đèn đường ngõ 12 hỏng, buổi tối"),
        "{texts:?}"
    );
    assert!(texts[1].contains("Tổ dân phố B"), "the point: {texts:?}");
    assert!(
        texts[2].contains("Tổ dân phố A") && texts[2].contains('5'),
        "{texts:?}"
    );
    assert!(texts[3].contains(old), "oldest last: {texts:?}");
    b.screenshot("office-01-hop-thu-den").await;

    // Receive the three newest by keyboard: Space ticks, Tab moves on.
    assert_eq!(b.focused_id().await, format!("pick-{}", &complaint_id[..8]));
    b.type_keys(&format!("{SPACE}{TAB}{SPACE}{TAB}{SPACE}{TAB}{TAB}"))
        .await;
    assert_eq!(b.focused_id().await, "receive-date");
    assert_eq!(b.value("#receive-date").await, day_ago(0));
    b.type_keys(TAB).await;
    assert_eq!(b.focused_id().await, "receive-selected");
    b.type_keys(ENTER).await;
    let receipts = b
        .wait_text("#receipts", "Đã vào sổ 3", Duration::from_secs(10))
        .await;
    // Numbers follow arrival (1 is the late one's), each with its acceptance deadline.
    for no in ["2/", "3/", "4/"] {
        assert!(receipts.contains(no), "{receipts}");
    }
    let dues = b
        .web()
        .find_all(Locator::Css("#receipts .due"))
        .await
        .expect("dues");
    assert_eq!(dues.len(), 3);
    for d in dues {
        let t = d.text().await.expect("text");
        // Ten working days are at least two calendar weeks.
        assert!(days_of(&t) - days_of(&day_ago(0)) >= 14, "{t}");
    }
    assert_eq!(status(&office, &lamp_id), "received");
    assert_eq!(status(&office, &old_id), "collected");
    b.screenshot("office-02-da-vao-so").await;

    // Classify by keyboard, starting on the first one (the complaint, newest first).
    assert_eq!(b.focused_id().await, format!("kind-{}", &complaint_id[..8]));
    b.type_keys(&format!(
        "{TAB}{TAB}{TAB}UBND phường đã trả lời năm 2025{TAB}"
    ))
    .await;
    assert_eq!(
        b.focused_id().await,
        format!("classify-{}", &complaint_id[..8])
    );
    b.type_keys(ENTER).await;
    b.wait_text("#classified", "Khiếu nại", Duration::from_secs(10))
        .await;
    b.wait_text(
        "#classified-warning",
        "Luật Khiếu nại",
        Duration::from_secs(2),
    )
    .await;
    b.screenshot("office-03-phan-loai").await;
    let c = show(&office, &complaint_id);
    assert_eq!(c["item"]["classification"]["kind"], "khieu_nai");
    assert_eq!(
        c["item"]["classification"]["prior"],
        "UBND phường đã trả lời năm 2025"
    );
    // The next one has the focus: both lamps with what the TDP suggested.
    for id in [&lamp_b_id, &lamp_id] {
        assert_eq!(b.focused_id().await, format!("kind-{}", &id[..8]));
        b.type_keys(&format!("{TAB}{TAB}{TAB}{TAB}{ENTER}")).await;
        b.wait_text("#classified", "Hạ tầng", Duration::from_secs(10))
            .await;
    }
    assert_eq!(status(&office, &lamp_id), "classified");
    b.wait_text("#to-route", "Luật Khiếu nại", Duration::from_secs(2))
        .await;

    // Duplicates: the two lamps side by side, the differences marked; merged by keyboard.
    goto(&b, &serve, "/office/duplicates").await;
    b.wait_text("#pair-1", "Đèn đường ngõ 12", Duration::from_secs(10))
        .await;
    b.wait_text("#pair-1 .people-after", "8", Duration::from_secs(2))
        .await;
    let marked = b
        .web()
        .find_all(Locator::Css("#pair-1 mark"))
        .await
        .expect("marks");
    assert!(!marked.is_empty(), "differences are highlighted");
    b.screenshot("office-04-trung-lap").await;
    b.type_keys(ENTER).await;
    b.wait_text("#flash", "8 người", Duration::from_secs(10))
        .await;
    assert_eq!(status(&office, &lamp_b_id), "merged");
    assert_eq!(
        show(&office, &lamp_b_id)["item"]["merged"]["into"],
        lamp_id.as_str()
    );
    b.screenshot("office-05-da-gop").await;
    // Undo: split it off again (a reason is required), then merge it again.
    click(&b, ".split").await;
    b.wait_text("#error", "lý do", Duration::from_secs(10))
        .await;
    type_into(&b, &format!("#split-{lamp_b_id}"), "Gộp nhầm").await;
    click(&b, ".split").await;
    b.wait_text("#flash", "Đã tách ra", Duration::from_secs(10))
        .await;
    assert_eq!(status(&office, &lamp_b_id), "classified");
    b.wait_text("#pair-1", "Đèn đường ngõ 12", Duration::from_secs(2))
        .await;
    click(&b, "#pair-1 .merge").await;
    b.wait_text("#flash", "Đã gộp", Duration::from_secs(10))
        .await;
    assert_eq!(status(&office, &lamp_b_id), "merged");

    // The original, from assignment to closing, on its petition page.
    goto(&b, &serve, &format!("/petitions/{lamp_id}")).await;
    b.wait_text("#office-status", "Đã phân loại", Duration::from_secs(10))
        .await;
    let default_deadline = b
        .wait_text("#default-deadline", "/", Duration::from_secs(2))
        .await;
    assert_eq!(b.focused_id().await, "a-dept");
    b.screenshot("office-06-giao-xu-ly").await;
    // The department by typing the start of its name (the select's own type-ahead).
    b.type_keys("Địa").await;
    b.type_keys(&format!("{TAB}{TAB}Kiểm tra, thay bóng trong tuần{TAB}"))
        .await;
    assert_eq!(b.focused_id().await, "do-assign");
    b.type_keys(ENTER).await;
    b.wait_text("#office-flash", "Đã giao xử lý", Duration::from_secs(10))
        .await;
    let facts = b
        .wait_text(
            "#office-facts",
            "ngày làm việc kể từ ngày vào sổ",
            Duration::from_secs(2),
        )
        .await;
    assert!(facts.contains(&default_deadline), "{facts}");
    assert!(facts.contains("Địa chính"), "{facts}");
    let item = show(&office, &lamp_id);
    assert_eq!(item["item"]["assignment"]["department"], "dia_chinh");

    assert_eq!(b.focused_id().await, "an-text");
    b.type_keys(&format!(
        "Phường đã thay bóng đèn ngõ 12 ngày hôm nay{TAB}Cán bộ địa chính{TAB}{TAB}{TAB}{TAB}"
    ))
    .await;
    assert_eq!(b.focused_id().await, "do-answer");
    b.type_keys(ENTER).await;
    b.wait_text("#office-flash", "Đã ghi trả lời", Duration::from_secs(10))
        .await;
    b.screenshot("office-07-tra-loi").await;

    assert_eq!(b.focused_id().await, "ap-who");
    b.type_keys(&format!("Chủ tịch UBND phường{TAB}{TAB}{ENTER}"))
        .await;
    b.wait_text("#office-flash", "Đã duyệt", Duration::from_secs(10))
        .await;
    b.screenshot("office-08-duyet").await;

    assert_eq!(b.focused_id().await, "n-channel");
    b.type_keys(&format!(
        "{TAB}{TAB}Báo qua tổ trưởng tại họp tổ{TAB}{ENTER}"
    ))
    .await;
    b.wait_text("#office-flash", "thông báo", Duration::from_secs(10))
        .await;
    assert_eq!(
        show(&office, &lamp_id)["item"]["notification"]["channel"],
        "tdp_leader"
    );

    assert_eq!(b.focused_id().await, "c-note");
    b.type_keys(&format!("Đã xong{TAB}{ENTER}")).await;
    b.wait_text("#office-flash", "Đã kết thúc", Duration::from_secs(10))
        .await;
    b.wait_text("#office-status", "Đã kết thúc", Duration::from_secs(2))
        .await;
    let log = b
        .wait_text("#office-log", "Kết thúc", Duration::from_secs(2))
        .await;
    for step in [
        "Vào sổ tiếp nhận",
        "Phân loại",
        "Giao xử lý",
        "Ghi nội dung trả lời",
        "Duyệt trả lời",
        "Thông báo cho người dân",
    ] {
        assert!(log.contains(step), "{step} in the log: {log}");
    }
    b.screenshot("office-09-ket-thuc").await;
    assert_eq!(status(&office, &lamp_id), "closed");

    // The complaint: flagged, with the forwarding form in place of the assignment.
    goto(&b, &serve, &format!("/petitions/{complaint_id}")).await;
    b.wait_text("#office-warning", "Luật Khiếu nại", Duration::from_secs(10))
        .await;
    assert!(b.web().find(Locator::Css("#step-assign")).await.is_err());
    assert_eq!(b.focused_id().await, "f-mode");
    b.screenshot("office-10-khieu-nai").await;
    b.type_keys(&format!(
        "{TAB}TAND thành phố Bắc Giang{TAB}{TAB}{TAB}{ENTER}"
    ))
    .await;
    // A complaint starts on «return with guidance» (the Law on Complaints).
    b.wait_text("#office-flash", "chuyển đơn", Duration::from_secs(10))
        .await;
    assert_eq!(
        show(&office, &complaint_id)["item"]["forwarded"]["mode"],
        "guide"
    );

    // Overdue: by department and by days late; the count in the header.
    goto(&b, &serve, "/office/overdue").await;
    b.wait_text("#overdue-total", "2", Duration::from_secs(10))
        .await;
    b.wait_text("#h-dept + h3", "Địa chính", Duration::from_secs(2))
        .await;
    b.wait_text("#not-received", "Cống thoát nước", Duration::from_secs(2))
        .await;
    b.wait_text(".overdue", "20 ngày", Duration::from_secs(2))
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        goto(&b, &serve, "/office/overdue").await;
        if b.wait_text("#st-overdue", "quá hạn", Duration::from_secs(5))
            .await
            .starts_with('2')
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the header never counted 2 overdue"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    b.screenshot("office-11-qua-han").await;
    goto(&b, &serve, "/office/overdue?min=25").await;
    b.wait_text("#overdue-total", "2", Duration::from_secs(10))
        .await;
    assert!(
        b.web().find(Locator::Css("#h-dept + h3")).await.is_err(),
        "20 days late is not > 25"
    );

    // The TDP laptop sees the answer after a sync.
    wait_for("the answer at TDP A", Duration::from_secs(90), || {
        tdp_a.run(&["sync"]);
        let out = tdp_a.ok(&["petition", "show", &lamp_id[..8], "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v["answer"]["text"] == "Phường đã thay bóng đèn ngõ 12 ngày hôm nay"
            && v["answer"]["approved"] == true
    });
    serve.kill();
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_office_laptops_offline_then_the_conflicts_page_resolves_the_clash() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    let one = Client::new(tmp.path().join("office-1"));
    join(&server, &one, "office", None, "Chị Hoa - Văn phòng");
    let two = Client::new(tmp.path().join("office-2"));
    join(&server, &two, "office", None, "Anh Tuấn - Văn phòng");
    let tdp = Client::new(tmp.path().join("tdp"));
    join(&server, &tdp, "collector", Some("tdp-a"), "Tổ trưởng A");
    let (q1, q2, q3) = (
        "Xe tải đỗ trên vỉa hè đường Lê Lợi",
        "Trạm y tế thiếu thuốc cho người cao tuổi",
        "Loa phát thanh bật quá to buổi sáng",
    );
    for (c, f) in [(q1, "an ninh"), (q2, "y te"), (q3, "van hoa")] {
        tdp.ok(&[
            "petition",
            "add",
            "--name",
            "Ngô Thị Mai",
            "--content",
            c,
            "--field",
            f,
        ]);
    }
    tdp.ok(&["sync"]);
    wait_for(
        "both offices to have the three",
        Duration::from_secs(120),
        || {
            one.run(&["sync"]);
            two.run(&["sync"]);
            one.petitions().len() == 3 && two.petitions().len() == 3
        },
    );
    let (id1, id2, id3) = (id_of(&two, q1), id_of(&two, q2), id_of(&two, q3));
    // Together, before the network goes: the third is received and classified on laptop 2.
    two.ok(&["handle", "receive", &id3[..8]]);
    two.ok(&["handle", "classify", &id3[..8], "--competence", "phuong"]);
    two.ok(&["sync"]);
    wait_for(
        "laptop 1 to see it classified",
        Duration::from_secs(60),
        || {
            one.run(&["sync"]);
            status(&one, &id3) == "classified"
        },
    );

    let mut serve = Serve::start(&one, free_port());
    let b = Browser::start().await;
    open(&b, &serve, "/office/conflicts").await;
    b.wait_text(
        "#no-conflicts",
        "Không có xung đột",
        Duration::from_secs(10),
    )
    .await;
    b.screenshot("office-12-khong-xung-dot").await;

    // Offline: laptop 1 (browser) receives the first and files the third; laptop 2 (CLI)
    // receives the second and assigns the third.
    server.kill();
    goto(&b, &serve, "/office/inbox").await;
    b.wait_text("#inbox", q1, Duration::from_secs(10)).await;
    click(&b, &format!("#pick-{}", &id1[..8])).await;
    click(&b, "#receive-selected").await;
    let r1 = b
        .wait_text("#receipts .regno", "/", Duration::from_secs(10))
        .await;
    goto(&b, &serve, &format!("/petitions/{id3}")).await;
    type_into(&b, "#fi-reason", "Đã giải quyết tại buổi họp tổ").await;
    click(&b, "#do-file").await;
    b.wait_text(
        "#office-flash",
        "Đã lưu, không xử lý",
        Duration::from_secs(10),
    )
    .await;
    let out = two.ok(&["handle", "receive", &id2[..8]]);
    assert!(out.contains(&r1), "both laptops gave {r1}: {out}");
    two.ok(&[
        "handle",
        "assign",
        &id3[..8],
        "--department",
        "van_hoa_xa_hoi",
    ]);

    // Back online: both sync; the conflicts page shows the clash.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        two.run(&["sync"]);
        goto(&b, &serve, "/office/conflicts").await;
        let n = b
            .wait_text("#conflict-count", "", Duration::from_secs(5))
            .await;
        if n.trim() == "2" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the conflicts never reached laptop 1 (showing {n})"
        );
        if let Ok(btn) = b.web().find(Locator::Css("#sync-now")).await {
            let _ = btn.click().await;
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    let page = b
        .wait_text(
            "main",
            &format!("Số vào sổ {r1} bị cấp cho 2 ý kiến"),
            Duration::from_secs(2),
        )
        .await;
    assert!(page.contains("Các máy ghi trạng thái khác nhau"), "{page}");
    assert!(
        page.contains("Đã giao xử lý") && page.contains("Lưu, không xử lý"),
        "{page}"
    );
    b.wait_text("#st-conflicts", "2 xung đột", Duration::from_secs(10))
        .await;
    b.screenshot("office-13-xung-dot").await;

    // Resolved from the page: a new number for one, the assignment kept for the other.
    click(&b, "#conflict-1 button.primary").await;
    b.wait_text("#flash", "Đã giải quyết", Duration::from_secs(10))
        .await;
    let keep = b
        .web()
        .find_all(Locator::Css("button.choice[data-action=resolve]"))
        .await
        .expect("status choices");
    let mut clicked = false;
    for k in keep {
        if k.text().await.unwrap_or_default().contains("Đã giao xử lý") {
            k.click().await.expect("click");
            clicked = true;
            break;
        }
    }
    assert!(clicked, "a choice to keep the assignment");
    b.wait_text(
        "#no-conflicts",
        "Không có xung đột",
        Duration::from_secs(10),
    )
    .await;
    b.screenshot("office-14-da-giai-quyet").await;
    assert_eq!(status(&one, &id3), "assigned");
    let (n1, n2) = (
        show(&one, &id1)["item"]["numbers"].clone(),
        show(&one, &id2)["item"]["numbers"].clone(),
    );
    assert_ne!(n1, n2, "two numbers now");
    // Laptop 2 gets the resolution with the next sync.
    wait_for(
        "laptop 2 to see no conflict",
        Duration::from_secs(90),
        || {
            two.run(&["sync"]);
            two.ok(&["handle", "conflicts"])
                .contains("Không có xung đột")
        },
    );
    serve.kill();
    server.kill();
}

/// An office laptop whose intake books hold what the index must flag: one petition id in two
/// books (a forged copy), a petition claiming another point, a record naming another id.
/// Written with the library, as a sync from misbehaving devices would leave them.
async fn seed_intake_issues(dir: &std::path::Path) -> (String, String, String) {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    use doithoai_client::App;
    use doithoai_model::{ChangeMeta, DocError, Lang, NewPetition, Registry, Resident, intake};
    let app = App::init(dir, "Văn thư Lan", "van-phong", "office", Lang::Vi)
        .await
        .expect("init");
    let reg = Registry::builtin();
    let new = |point: &str, content: &str| {
        NewPetition {
            residents: vec![Resident {
                name: "Nguyễn Văn Đức".into(),
                address: "Số 5 ngõ 12".into(),
                tdp: "TDP 3".into(),
                phone: None,
                id_number: None,
            }],
            field: Some("ha_tang".into()),
            content: content.into(),
            ..Default::default()
        }
        .build(point, "Văn thư Lan", &reg)
        .expect("petition")
    };
    let genuine = new("van-phong", "Đèn đường ngõ 12 hỏng đã hai tuần");
    let elsewhere = new("tdp-07", "Rác tập kết sai giờ ở chợ");
    let renamed = new("van-phong", "Cống thoát nước ngõ 5 bị tắc");
    let root_id =
        doithoai_sync::parse_doc_id(app.device.intake.as_deref().expect("intake")).expect("id");
    let root = app.repo.get(&root_id).await.expect("root");
    let meta = ChangeMeta::new("Văn thư Lan", "petition.add", vec![]);
    doithoai_sync::change(&root, &meta, |tx| {
        intake::put_petition(tx, &genuine)?;
        intake::put_petition(tx, &elsewhere)?;
        intake::put_petition(tx, &renamed)?;
        // The record under `renamed`'s key names another id.
        let (_, petitions) = tx
            .get(automerge::ROOT, "petitions")?
            .ok_or(DocError::Missing("petitions"))?;
        let (_, rec) = tx
            .get(&petitions, renamed.id.to_string())?
            .ok_or(DocError::Missing("record"))?;
        tx.put(&rec, "id", uuid::Uuid::new_v4().to_string())?;
        Ok::<(), DocError>(())
    })
    .expect("root");
    // A second book holding a copy of `genuine` with other words.
    let mut forged = genuine.clone();
    forged.content = "Đề nghị cấp tiền hỗ trợ cho hộ ông Đức".into();
    let mut doc = intake::new_volume_document("van-phong", &root_id.to_string()).expect("volume");
    doc.transact_with::<_, _, DocError, _>(
        |_| meta.commit_options(),
        |tx| intake::put_petition(tx, &forged),
    )
    .expect("forged copy");
    let h = app.repo.create(doc).await.expect("create");
    let vid = h.document_id().to_string();
    doithoai_sync::change(
        &root,
        &ChangeMeta::new("Văn thư Lan", "intake.volume", vec![]),
        |tx| intake::add_volume(tx, &vid, "Văn thư Lan"),
    )
    .expect("add volume");
    app.reindex().await.expect("reindex");
    app.close().await.expect("close");
    (
        genuine.id.to_string(),
        elsewhere.id.to_string(),
        renamed.id.to_string(),
    )
}

/// A logged-in HTTP session with `serve`: GET and form POST with the cookie and CSRF token.
struct Http {
    port: u16,
    cookie: String,
    csrf: String,
}

impl Http {
    fn open(serve: &Serve) -> Http {
        let key = serve.url.split("key=").nth(1).expect("key").to_owned();
        let port = serve.port;
        let (_, head, _) = doithoai_e2e::browser::raw_http(
            port,
            &format!(
                "GET /?key={key} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
            ),
        );
        let cookie = head
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .and_then(|c| c.split(';').next())
            .expect("cookie")
            .to_owned();
        let mut h = Http {
            port,
            cookie,
            csrf: String::new(),
        };
        let (_, page) = h.get("/office/inbox");
        h.csrf = page
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("csrf")
            .to_owned();
        h
    }

    fn get(&self, path: &str) -> (u16, String) {
        let (status, _, body) = doithoai_e2e::browser::raw_http(
            self.port,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
                self.port, self.cookie
            ),
        );
        (status, body)
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut body = format!("_csrf={}", self.csrf);
        for (k, v) in form {
            body.push('&');
            body.push_str(k);
            body.push('=');
            body.push_str(&pct(v));
        }
        let (status, _, page) = doithoai_e2e::browser::raw_http(
            self.port,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                self.port,
                self.cookie,
                body.len()
            ),
        );
        (status, page)
    }
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of the element with `id` in `page` (its first line of markup, tags removed).
fn element_text(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{id}\""))?;
    let rest = &page[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find("</")? + start;
    Some(rest[start..end].trim().to_owned())
}

/// The conflicts page shows what the index flagged in the intake books, with what the clerk can
/// do; a refused handling step says what to type beside the field, never a CLI flag, while the
/// terminal names the flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_issues_on_the_conflicts_page_and_field_errors_beside_their_fields() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("office");
    let (genuine, elsewhere, renamed) = seed_intake_issues(&dir).await;
    let office = Client::new(&dir);
    let port = free_port();
    let serve = Serve::start(&office, port);
    let http = Http::open(&serve);

    // The intake issues, each with what to do.
    let (status, page) = http.get("/office/conflicts");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"intake-issues\""), "{page}");
    assert_eq!(
        element_text(&page, "issue-count").as_deref(),
        Some("3"),
        "{page}"
    );
    assert!(!page.contains("id=\"no-conflicts\""), "{page}");
    let card = |kind: &str| -> String {
        let at = page
            .find(&format!("data-kind=\"{kind}\""))
            .unwrap_or_else(|| panic!("no {kind} card: {page}"));
        let end = page[at..].find("</article>").map_or(page.len(), |e| at + e);
        page[at..end].to_owned()
    };
    let same = card("same_id");
    assert!(
        same.contains(&format!("Một mã ý kiến ({})", &genuine[..8])),
        "{same}"
    );
    assert!(same.contains("có trong 2 sổ tiếp nhận khác nhau"), "{same}");
    assert!(same.contains("Đèn đường ngõ 12 hỏng đã hai tuần"), "{same}");
    assert!(
        same.contains("Đề nghị cấp tiền hỗ trợ cho hộ ông Đức"),
        "{same}"
    );
    assert!(same.contains("bản đang hiển thị"), "{same}");
    assert!(
        same.contains(&format!("href=\"/petitions/{genuine}\"")),
        "{same}"
    );
    assert!(same.contains("Cách xử lý:"), "{same}");
    assert!(same.contains("hỏi tổ trưởng"), "{same}");
    // Not enrolled: no registration to remove from here.
    assert!(!same.contains("data-action=\"unregister\""), "{same}");
    let point = card("point");
    assert!(
        point.contains(&format!("Ý kiến {}", &elsewhere[..8])),
        "{point}"
    );
    assert!(point.contains("tự ghi là của tdp-07"), "{point}");
    assert!(point.contains("được tính cho van-phong"), "{point}");
    let bad = card("unreadable");
    assert!(bad.contains(&format!("Ý kiến {}", &renamed[..8])), "{bad}");
    assert!(bad.contains("không đúng cấu trúc sổ tiếp nhận"), "{bad}");
    assert!(bad.contains("cập nhật doithoai"), "{bad}");

    // A received, classified petition: refused steps name the field, beside it.
    office.ok(&["handle", "receive", &elsewhere]);
    office.ok(&["handle", "classify", &elsewhere, "--competence", "phuong"]);
    let path = format!("/office/petitions/{elsewhere}");
    let (status, page) = http.post(&path, &[("op", "file"), ("reason", " ")]);
    assert_eq!(status, 422, "{page}");
    assert_eq!(
        element_text(&page, "fi-reason-error").as_deref(),
        Some("Cần nhập lý do."),
        "{page}"
    );
    assert!(!page.contains("id=\"office-error\""), "{page}");
    let (status, page) = http.post(
        &path,
        &[
            ("op", "assign"),
            ("department", "dia_chinh"),
            ("deadline", "01/01/2001"),
        ],
    );
    assert_eq!(status, 422, "{page}");
    let msg = element_text(&page, "a-deadline-error").expect("deadline error");
    assert!(
        msg.starts_with("Hạn giải quyết 01/01/2001 trước ngày vào sổ"),
        "{msg}"
    );
    assert!(
        page.contains("aria-describedby=\"a-deadline-error"),
        "{page}"
    );
    let (status, page) = http.post(&path, &[("op", "forward"), ("to", ""), ("date", "")]);
    assert_eq!(status, 422, "{page}");
    assert_eq!(
        element_text(&page, "f-to-error").as_deref(),
        Some("Cần nhập nơi nhận."),
        "{page}"
    );
    // Assigned; a step out of order says the next step in words, not a command.
    let (status, page) = http.post(
        &path,
        &[
            ("op", "assign"),
            ("department", "dia_chinh"),
            ("deadline", ""),
        ],
    );
    assert_eq!(status, 303, "{page}");
    let (status, page) = http.post(&path, &[("op", "approve"), ("approver", "Chủ tịch")]);
    assert_eq!(status, 422, "{page}");
    let top = element_text(&page, "office-error").expect("top error");
    assert!(
        top.contains("Chưa có nội dung trả lời: hãy ghi trả lời trước."),
        "{top}"
    );
    for m in [&top, &msg] {
        for flag in ["--", "doithoai handle"] {
            assert!(!m.contains(flag), "{flag} in a page's message: {m}");
        }
    }
    // The terminal names the flag and the command.
    let out = office.run(&[
        "handle",
        "assign",
        &elsewhere,
        "--department",
        "dia_chinh",
        "--deadline",
        "01/01/2001",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("trước ngày vào sổ"), "{err}");
    assert!(err.contains("(Ghi bằng --deadline.)"), "{err}");

    // Seen in the browser, at 1366×768.
    let b = Browser::start().await;
    open(&b, &serve, "/office/conflicts").await;
    b.screenshot("office-15-bat-thuong-so-tiep-nhan").await;
    goto(&b, &serve, &format!("/petitions/{elsewhere}")).await;
    type_into(&b, "#a-deadline", "01/01/2001").await;
    click(&b, "#do-assign").await;
    b.wait_text(
        "#a-deadline-error",
        "trước ngày vào sổ",
        Duration::from_secs(10),
    )
    .await;
    b.screenshot("office-16-loi-canh-o-nhap").await;

    // The import preview of a register with Mẫu 03's handling columns: what each becomes, and
    // the column it leaves out, in words.
    let xlsx = tmp.path().join("so-co-xu-ly.xlsx");
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in [
            "STT",
            "Ngày tiếp nhận",
            "Họ tên, địa chỉ",
            "Tóm tắt nội dung vụ việc",
            "Phân loại",
            "Cơ quan, đơn vị đã giải quyết",
            "Thụ lý",
            "Chuyển đơn (nơi nhận, số văn bản)",
            "Theo dõi kết quả giải quyết",
            "Người ghi sổ",
        ]
        .iter()
        .enumerate()
        {
            ws.write(0, c as u16, *h).expect("xlsx");
        }
        for i in 1..=3u32 {
            ws.write(i, 0, i).expect("xlsx");
            ws.write(i, 1, format!("0{i}/02/2025")).expect("xlsx");
            ws.write(i, 2, format!("Người dân {i}, ngõ {i}"))
                .expect("xlsx");
            ws.write(i, 3, format!("Kiến nghị nhập số {i}"))
                .expect("xlsx");
            ws.write(i, 4, "Kiến nghị (Hạ tầng, giao thông)")
                .expect("xlsx");
            ws.write(i, 9, "Văn thư Lan").expect("xlsx");
        }
        ws.write(1, 6, "Văn hoá - Xã hội, hạn 14/02/2025")
            .expect("xlsx");
        ws.write(1, 8, "Đã tổ chức kiểm tra").expect("xlsx");
        ws.write(2, 7, "UBND thành phố (văn bản số 3/UBND ngày 05/02/2025)")
            .expect("xlsx");
        ws.write(3, 8, "Đã trả lời").expect("xlsx");
        wb.save(&xlsx).expect("save xlsx");
    }
    goto(&b, &serve, "/import").await;
    b.web()
        .find(Locator::Css("#file"))
        .await
        .expect("file input")
        .send_keys(xlsx.to_str().expect("path"))
        .await
        .expect("choose the file");
    click(&b, "#upload").await;
    let handled = b
        .wait_text("#import-handling", "Các cột xử lý", Duration::from_secs(30))
        .await;
    assert!(
        handled.contains("2 ý kiến được phân loại, 1 giao xử lý, 1 chuyển đơn hoặc trả lại và hướng dẫn, 1 có kết quả trả lời"),
        "{handled}"
    );
    assert!(
        handled.contains("không nhập ở 1 dòng chưa thụ lý"),
        "{handled}"
    );
    let left_out = b
        .wait_text("#explain9", "Không nhập", Duration::from_secs(5))
        .await;
    assert!(left_out.contains("bị bỏ qua"), "{left_out}");
    let accepted = b
        .wait_text("#explain6", "Thụ lý", Duration::from_secs(5))
        .await;
    assert!(accepted.contains("giao bộ phận"), "{accepted}");
    b.screenshot("import-06-cot-xu-ly").await;
    drop(b);
    drop(serve);
}
