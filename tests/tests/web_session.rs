//! A dialogue session through the web UI (issue 13), in real headless Chromium against real
//! `doithoai serve` processes and a real `doithoai-server`:
//!
//! - the annual plan and its verdict; preparation (header, invited, the announcement that a TDP
//!   laptop shows on its schedule page, the speaker register imported from the TDP's petitions
//!   and reordered by keyboard);
//! - the session live with the server stopped: the six steps at one key each, four speakers (one
//!   a walk-in registered at the hall), one skipped and called later, two on-the-spot answers,
//!   two conclusions, attendance by category and by name; a second secretary on a second laptop
//!   writes the minutes at the same time as the first;
//! - back online: both laptops hold every speech and every word of both secretaries' minutes;
//!   concluding assigns into the office's handling and sends the on-the-spot answers to
//!   notified; the DOCX report's counts are the page's;
//! - an MTTQ laptop writes a remark on a conclusion; the office sees it; a TDP laptop does not.
//!
//! Screenshots of every screen at 1366×768: `target/screenshots/session-*.png`, `monitor-*.png`.

use std::time::{Duration, Instant};

use doithoai_e2e::browser::{Browser, ENTER, Locator, Serve};
use doithoai_e2e::{Client, Server, free_port};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(400));
    }
}

async fn open(b: &Browser, serve: &Serve, path: &str) {
    b.web().goto(&serve.url).await.expect("open with the key");
    b.web().goto(&serve.at(path)).await.expect("goto");
}

async fn goto(b: &Browser, serve: &Serve, path: &str) {
    b.web().goto(&serve.at(path)).await.expect("goto");
}

async fn fill(b: &Browser, css: &str, text: &str) {
    let e = b.web().find(Locator::Css(css)).await.expect(css);
    e.clear().await.expect("clear");
    e.send_keys(text).await.expect("type");
}

async fn click(b: &Browser, css: &str) {
    b.web()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .expect("click");
}

/// Presses one key with the focus on the page (no field focused).
async fn press(b: &Browser, key: char) {
    b.web()
        .execute(
            "document.activeElement && document.activeElement.blur()",
            vec![],
        )
        .await
        .expect("blur");
    let keys = KeyActions::new("k".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.web().perform_actions(keys).await.expect("key");
}

/// Waits for the page's success line to say `want`; an error line fails at once with its words.
async fn flash(b: &Browser, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(e) = b.web().find(Locator::Css("#flash-err")).await {
            panic!("refused: {}", e.text().await.unwrap_or_default());
        }
        if let Ok(e) = b.web().find(Locator::Css("#flash")).await
            && e.text().await.unwrap_or_default().contains(want)
        {
            return;
        }
        if Instant::now() > deadline {
            let main = b.web().find(Locator::Css("body")).await.expect("body");
            panic!(
                "never said {want:?}: {}",
                main.text().await.unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The speaker register's names, in order.
async fn register(b: &Browser) -> Vec<String> {
    let mut out = Vec::new();
    for e in b
        .web()
        .find_all(Locator::Css("#speakers li strong"))
        .await
        .expect("rows")
    {
        out.push(e.text().await.expect("name"));
    }
    out
}

async fn text(b: &Browser, css: &str) -> String {
    b.web()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .text()
        .await
        .expect("text")
}

async fn count(b: &Browser, css: &str) -> usize {
    b.web()
        .find_all(Locator::Css(css))
        .await
        .map(|v| v.len())
        .unwrap_or(0)
}

/// Reloads `path` until `css` shows `want`.
async fn reload_until(b: &Browser, serve: &Serve, path: &str, css: &str, want: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        goto(b, serve, path).await;
        // "Đồng bộ ngay": what a new session document needs to be fetched.
        if let Ok(s) = b.web().find(Locator::Css("#sync-now")).await {
            let _ = s.click().await;
        }
        if let Ok(e) = b.web().find(Locator::Css(css)).await
            && e.text().await.unwrap_or_default().contains(want)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: {css} never showed {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(800)).await;
    }
}

/// The textarea's value after reloading `path` until it holds every one of `words`.
async fn minutes_until(
    b: &Browser,
    serve: &Serve,
    path: &str,
    words: &[&str],
    secs: u64,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        goto(b, serve, path).await;
        let v = b.value("#minutes").await;
        if words.iter().all(|w| v.contains(w)) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "the minutes never held all of {words:?}: {v:?}"
        );
        tokio::time::sleep(Duration::from_millis(800)).await;
    }
}

/// Downloads `path` through the page (with its cookie) and returns the bytes.
async fn download(b: &Browser, path: &str) -> Vec<u8> {
    let js = r#"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], { credentials: 'same-origin' })
          .then(r => r.arrayBuffer())
          .then(buf => done(Array.from(new Uint8Array(buf)).map(x => x.toString(16).padStart(2, '0')).join('')))
          .catch(e => done('ERR ' + e));
    "#;
    let v = b
        .web()
        .execute_async(js, vec![serde_json::Value::from(path)])
        .await
        .expect("fetch");
    let hex = v.as_str().expect("hex").to_owned();
    assert!(!hex.starts_with("ERR"), "{hex}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The words of a DOCX's body.
fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("read");
    let mut out = String::new();
    let mut in_tag = false;
    for c in xml.replace("</w:p>", "\n").chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
}

const MINUTES_A: &str = "Khai mạc lúc 8 giờ. Đồng chí Chủ tịch UBND phường thông báo nội dung đối thoại về thoát nước đô thị.";
const MINUTES_B: &str = "Thư ký hai ghi: ông Đức đề nghị nạo vét cống ngõ 6 trước mùa mưa; bà Lan hỏi về giấy chứng nhận.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_live_offline_in_two_browsers_reaches_the_office_and_the_front() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a"]);
    server.admin(&[
        "point",
        "add",
        "--ward",
        "dk",
        "--kind",
        "office",
        "--id",
        "vp",
        "--name",
        "Văn phòng phường",
    ]);
    let join = |c: &Client, role: &str, point: Option<&str>, name: &str| {
        c.ok(&[
            "join",
            &server.url(),
            &server.add_device("dk", role, point, name),
            "--name",
            name,
        ]);
    };
    let office = Client::new(tmp.path().join("office"));
    join(&office, "office", Some("vp"), "Chị Hoa - Thư ký");
    let second = Client::new(tmp.path().join("second"));
    join(&second, "office", None, "Anh Nam - Thư ký hai");
    let tdp = Client::new(tmp.path().join("tdp"));
    join(&tdp, "collector", Some("tdp-a"), "Tổ trưởng TDP A");
    let mttq = Client::new(tmp.path().join("mttq"));
    join(&mttq, "monitor", None, "Bà Mai - UB MTTQ");

    // Three residents of TDP A asked to speak.
    for (name, content, field) in [
        (
            "Nguyễn Văn Đức",
            "Cống thoát nước ngõ 6 ngập khi mưa to",
            "ha_tang",
        ),
        (
            "Phạm Thị Lan",
            "Chưa được cấp giấy chứng nhận quyền sử dụng đất",
            "dat_dai",
        ),
        (
            "Lê Văn Bình",
            "Xe máy phóng nhanh trong ngõ 3 giờ tan học",
            "an_ninh",
        ),
    ] {
        tdp.ok(&[
            "petition",
            "add",
            "--name",
            name,
            "--content",
            content,
            "--field",
            field,
            "--speak",
        ]);
    }
    tdp.ok(&["sync"]);
    wait_for(
        "the office to hold the TDP's petitions",
        Duration::from_secs(90),
        || {
            office.run(&["sync"]);
            office.petitions().len() == 3
        },
    );

    let a_serve = Serve::start(&office, free_port());
    let b_serve = Serve::start(&second, free_port());
    let tdp_serve = Serve::start(&tdp, free_port());
    let mttq_serve = Serve::start(&mttq, free_port());
    let a = Browser::start().await;

    // --- the annual plan -------------------------------------------------------------------
    open(&a, &a_serve, "/plan").await;
    a.wait_text("h1", "Kế hoạch", Duration::from_secs(5)).await;
    click(&a, "#plan-template").await;
    flash(&a, "Đã thêm 2").await;
    assert_eq!(count(&a, "#plan tbody tr").await, 2);
    let verdict = text(&a, "#verdict").await;
    assert!(verdict.contains("CHƯA ĐẠT"), "{verdict}");
    a.wait_text("#missing", "chuyên đề", Duration::from_secs(2))
        .await;
    a.screenshot("session-01-ke-hoach-nam").await;

    // --- preparation -----------------------------------------------------------------------
    let today = doithoai_model::time::format_date(doithoai_model::time::ward_now().date_naive());
    goto(&a, &a_serve, "/sessions").await;
    for (css, v) in [
        ("#topic", "Thoát nước đô thị"),
        ("#date", today.as_str()),
        ("#start", "08:00"),
        ("#end", "11:30"),
        ("#place", "Hội trường UBND phường"),
        ("#bi_thu", "Đỗ Huy Hoàng"),
        ("#ct_ubnd", "Trần Văn Nam"),
        ("#secretary", "Lê Thị Hoa"),
    ] {
        fill(&a, css, v).await;
    }
    a.web()
        .find(Locator::Css("#kind option[value=chuyen_de]"))
        .await
        .expect("kind")
        .click()
        .await
        .expect("pick");
    a.screenshot("session-02-tao-moi").await;
    click(&a, "#create").await;
    flash(&a, "Đã tạo").await;
    let url = a.web().current_url().await.expect("url");
    let sid = url
        .path()
        .trim_start_matches("/sessions/")
        .split('/')
        .next()
        .expect("id")
        .to_owned();
    let live = format!("/sessions/{sid}/live");
    let after = format!("/sessions/{sid}/after");
    for (css, v) in [
        ("#invited_thuong_truc", "5"),
        ("#invited_co_so", "12"),
        ("#invited_nhan_dan", "40"),
    ] {
        fill(&a, css, v).await;
    }
    click(&a, "#save-invited").await;
    a.wait_text("#invited-total", "57", Duration::from_secs(10))
        .await;
    fill(
        &a,
        "#notice",
        "Kính mời Nhân dân dự hội nghị đối thoại chuyên đề thoát nước đô thị, 8 giờ tại Hội trường UBND phường.",
    )
    .await;
    click(&a, "#announce").await;
    flash(&a, "Đã gửi thông báo").await;
    click(&a, "#import").await;
    flash(&a, "Đã đăng ký 3").await;
    assert_eq!(count(&a, "#speakers li").await, 3);
    // Reorder by keyboard: Lê Văn Bình (third) up one, with Enter on its ↑ button; the focus
    // comes back to the button.
    let third = a
        .web()
        .find(Locator::Css("#speakers li:nth-child(3)"))
        .await
        .expect("third")
        .attr("data-key")
        .await
        .expect("key")
        .expect("data-key");
    let names_before = register(&a).await;
    a.web()
        .find(Locator::Css(&format!("#up-{third}")))
        .await
        .expect("up")
        .send_keys(ENTER)
        .await
        .expect("enter");
    flash(&a, "Đã đổi thứ tự").await;
    assert_eq!(a.focused_id().await, format!("up-{third}"));
    let q = register(&a).await;
    assert_eq!(
        q,
        vec![
            names_before[0].clone(),
            names_before[2].clone(),
            names_before[1].clone()
        ],
        "the third moved up one"
    );
    a.screenshot("session-03-chuan-bi").await;

    // The TDP laptop shows the announcement on its schedule page.
    let t = Browser::start().await;
    open(&t, &tdp_serve, "/schedule").await;
    reload_until(
        &t,
        &tdp_serve,
        "/schedule",
        "main",
        "Kính mời Nhân dân dự hội nghị",
        90,
    )
    .await;
    t.screenshot("session-04-lich-tdp").await;

    // The second secretary's laptop has the session before the hall.
    let b = Browser::start().await;
    open(&b, &b_serve, &live).await;
    reload_until(&b, &b_serve, &live, "#queue-h", "còn chờ 3", 90).await;

    // --- live, offline ---------------------------------------------------------------------
    server.kill();
    goto(&a, &a_serve, &live).await;
    a.wait_text("#st-online", "Ngoại tuyến", Duration::from_secs(40))
        .await;
    b.wait_text("#st-online", "Ngoại tuyến", Duration::from_secs(40))
        .await;
    press(&a, '1').await;
    flash(&a, "Bước 1").await;
    press(&a, '2').await;
    flash(&a, "Bước 2").await;
    press(&a, '3').await;
    a.wait_text("#step-3-at", ":", Duration::from_secs(10))
        .await;

    // Both secretaries write the minutes at the same time.
    b.web()
        .find(Locator::Css("#minutes"))
        .await
        .expect("minutes")
        .send_keys(MINUTES_B)
        .await
        .expect("type");
    a.web()
        .find(Locator::Css("#minutes"))
        .await
        .expect("minutes")
        .send_keys(MINUTES_A)
        .await
        .expect("type");
    a.wait_text(
        "#minutes-status",
        "Đã lưu biên bản",
        Duration::from_secs(10),
    )
    .await;
    b.wait_text(
        "#minutes-status",
        "Đã lưu biên bản",
        Duration::from_secs(10),
    )
    .await;

    // The first in the register: answered on the spot.
    a.wait_text("#next-speaker", &q[0], Duration::from_secs(2))
        .await;
    press(&a, 'n').await;
    assert_eq!(a.focused_id().await, "speech-summary");
    click(&a, "#speech-on-spot").await;
    fill(
        &a,
        "#speech-answer",
        "Phường sẽ nạo vét cống ngõ 6 trong tháng này",
    )
    .await;
    fill(&a, "#speech-answered-by", "Chủ tịch UBND phường").await;
    a.screenshot("session-05-truc-tiep").await;
    click(&a, "#speech-save").await;
    flash(&a, "thứ 1").await;
    // The second is not in the hall yet: skipped; the third speaks.
    a.wait_text("#next-speaker", &q[1], Duration::from_secs(2))
        .await;
    press(&a, 's').await;
    flash(&a, "cuối danh sách").await;
    a.wait_text("#next-speaker", &q[2], Duration::from_secs(2))
        .await;
    fill(
        &a,
        "#speech-summary",
        &format!("{} nêu lại ý kiến đã gửi qua tổ dân phố", q[2]),
    )
    .await;
    click(&a, "#speech-save").await;
    flash(&a, "thứ 2").await;
    // A walk-in registered at the hall, then the skipped one comes back.
    press(&a, 'w').await;
    assert_eq!(a.focused_id().await, "walkin-name");
    fill(&a, "#walkin-name", "Hoàng Văn Tư").await;
    fill(&a, "#walkin-unit", "Tổ dân phố A").await;
    fill(&a, "#walkin-content", "Rác tập kết sai giờ ở đầu ngõ 9").await;
    fill(&a, "#walkin-field", "moi_truong").await;
    click(&a, "#walkin-add").await;
    flash(&a, "sổ tiếp nhận số").await;
    a.wait_text("#next-speaker", &q[1], Duration::from_secs(2))
        .await;
    click(&a, "#speech-save").await;
    flash(&a, "thứ 3").await;
    a.wait_text("#next-speaker", "Hoàng Văn Tư", Duration::from_secs(2))
        .await;
    click(&a, "#speech-save").await;
    flash(&a, "thứ 4").await;
    press(&a, '4').await;
    flash(&a, "Bước 4").await;
    // The second on-the-spot answer: the skipped one's (speech 3), from its answer form.
    let speeches = a
        .web()
        .find_all(Locator::Css("#speeches > li"))
        .await
        .expect("speeches");
    assert_eq!(speeches.len(), 4);
    fill(
        &a,
        "#speeches > li:nth-child(3) input[name=answer]",
        "Công an phường bố trí tuần tra giờ tan học",
    )
    .await;
    fill(
        &a,
        "#speeches > li:nth-child(3) input[name=answered_by]",
        "Trưởng Công an phường",
    )
    .await;
    click(&a, "#ans-go-3").await;
    flash(&a, "trả lời tại chỗ").await;
    press(&a, '5').await;
    flash(&a, "Bước 5").await;
    press(&a, '6').await;
    flash(&a, "Bước 6").await;
    // Two conclusions: speech 2 (the third in the register), the walk-in's.
    for (n, textv, dept, speech) in [
        (
            1,
            "Giao Địa chính - Xây dựng kiểm tra và trả lời ý kiến thứ hai",
            "dia_chinh",
            "#cs-2",
        ),
        (
            2,
            "Giao Văn hóa - Xã hội làm việc với đơn vị thu gom rác về giờ tập kết ngõ 9",
            "van_hoa_xa_hoi",
            "#cs-4",
        ),
    ] {
        press(&a, 'k').await;
        assert_eq!(a.focused_id().await, "conclusion-text");
        a.type_keys(textv).await;
        let opt = format!("#conclusion-dept option[value={dept}]");
        let pick = a.web().find(Locator::Css(&opt)).await;
        match pick {
            Ok(o) => o.click().await.expect("dept"),
            Err(_) => a
                .web()
                .find(Locator::Css("#conclusion-dept option:nth-child(2)"))
                .await
                .expect("a department")
                .click()
                .await
                .expect("dept"),
        }
        click(&a, speech).await;
        click(&a, "#conclusion-save").await;
        flash(&a, &format!("kết luận thứ {n}")).await;
    }
    // Attendance: counts by category and one attendee by name.
    for (css, v) in [
        ("#present_thuong_truc", "4"),
        ("#present_co_so", "10"),
        ("#present_nhan_dan", "35"),
    ] {
        fill(&a, css, v).await;
    }
    click(&a, "#present-save").await;
    flash(&a, "số người dự").await;
    fill(&a, "#attendee-name", "Nguyễn Thị Mai").await;
    fill(&a, "#attendee-unit", "UB MTTQ phường").await;
    a.web()
        .find(Locator::Css("#attendee-category option[value=mttq]"))
        .await
        .expect("category")
        .click()
        .await
        .expect("pick");
    click(&a, "#attendee-add").await;
    a.wait_text("#attendees", "Nguyễn Thị Mai", Duration::from_secs(10))
        .await;
    let present = text(&a, "#present-total").await;
    assert_eq!(present, "50");
    // The minutes as this laptop has them (B's words are not here yet: no network).
    let b_min = b.value("#minutes").await;
    assert!(
        b_min.contains(MINUTES_B) && !b_min.contains(MINUTES_A),
        "{b_min}"
    );
    a.wait_text("#steps", "6.", Duration::from_secs(1)).await;
    a.screenshot("session-06-truc-tiep-ket-luan").await;
    b.screenshot("session-07-thu-ky-hai").await;

    // --- back online: both laptops hold everything -----------------------------------------
    server.restart();
    let both = [MINUTES_A, MINUTES_B];
    let a_text = minutes_until(&a, &a_serve, &live, &both, 120).await;
    let b_text = minutes_until(&b, &b_serve, &live, &both, 120).await;
    assert_eq!(a_text, b_text, "both laptops hold the same minutes");
    reload_until(&b, &b_serve, &live, "#speech-count", "4", 60).await;
    reload_until(&b, &b_serve, &live, "#conclusion-count", "2", 60).await;
    for who in q.iter().map(String::as_str).chain(["Hoàng Văn Tư"]) {
        b.wait_text("#speeches", who, Duration::from_secs(1)).await;
    }
    b.screenshot("session-08-sau-dong-bo").await;

    // --- after: conclude --------------------------------------------------------------------
    goto(&a, &a_serve, &after).await;
    click(&a, "#conclude").await;
    flash(&a, "Đã kết luận").await;
    a.wait_text("#concluded", "Chị Hoa", Duration::from_secs(2))
        .await;
    let n_speeches = text(&a, "#n-speeches").await;
    let n_total = text(&a, "#n-total").await;
    let n_on_spot = text(&a, "#n-on-spot").await;
    let n_assigned = text(&a, "#n-assigned").await;
    let n_noted = text(&a, "#n-noted").await;
    let n_present = text(&a, "#n-present").await;
    let n_invited = text(&a, "#n-invited").await;
    assert_eq!(n_speeches, "4");
    assert_eq!(n_on_spot, "2");
    assert_eq!(n_assigned, "2");
    assert_eq!(n_present, "50");
    assert_eq!(n_invited, "57");
    a.wait_text("#applied", "Giao giải quyết", Duration::from_secs(2))
        .await;
    a.screenshot("session-09-sau-doi-thoai").await;
    let report = docx_text(&download(&a, &format!("/sessions/{sid}/report.docx")).await);
    let line = format!(
        "có {n_speeches} lượt ý kiến phát biểu, nêu {n_total} nội dung; trong đó {n_on_spot} nội dung được trả lời trực tiếp tại hội nghị, {n_assigned} nội dung được giao các bộ phận chuyên môn giải quyết, {n_noted} nội dung được tiếp thu, ghi nhận"
    );
    assert!(
        report.contains(&line),
        "the report's counts are the page's: {line}\n{report}"
    );
    assert!(
        report.contains(&format!(
            "có {n_present} người dự/{n_invited} người được mời"
        )),
        "{report}"
    );
    let minutes_doc = docx_text(&download(&a, &format!("/sessions/{sid}/minutes.docx")).await);
    for w in ["nạo vét cống ngõ 6 trước mùa mưa", "thoát nước đô thị"] {
        assert!(minutes_doc.contains(w), "{w} in the minutes' DOCX");
    }
    // The office's handling: the on-the-spot answers notified, the conclusions assigned.
    let statuses: Vec<(String, String)> = office
        .petitions()
        .iter()
        .map(|p| {
            (
                p["content"].as_str().unwrap_or_default().to_owned(),
                p["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let content_of = |name: &str| {
        office
            .petitions()
            .iter()
            .find(|p| p["residents"].as_str().unwrap_or_default().contains(name))
            .and_then(|p| p["content"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("{name}'s petition not at the office"))
    };
    let status_of = |c: &str| {
        statuses
            .iter()
            .find(|(t, _)| t.contains(c))
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("{c} not at the office: {statuses:?}"))
    };
    assert_eq!(status_of(&content_of(&q[0])), "notified");
    assert_eq!(status_of(&content_of(&q[1])), "notified");
    assert_eq!(status_of(&content_of(&q[2])), "assigned");
    assert_eq!(status_of("Rác tập kết sai giờ"), "assigned");

    // --- the Front monitors; the office sees its remark; the TDP does not -----------------
    let m = Browser::start().await;
    open(&m, &mttq_serve, "/monitor").await;
    reload_until(
        &m,
        &mttq_serve,
        "/monitor",
        "#monitor",
        "Giao Địa chính",
        90,
    )
    .await;
    let remark = "MTTQ đề nghị báo cáo tiến độ cấp giấy chứng nhận trước ngày hạn";
    fill(&m, "#monitor tbody tr:first-child textarea", remark).await;
    click(&m, "#remark-go-1").await;
    flash(&m, "Đã ghi ý kiến giám sát").await;
    m.wait_text("#monitor", remark, Duration::from_secs(2))
        .await;
    m.screenshot("monitor-01-mttq").await;
    reload_until(&a, &a_serve, "/monitor", "#monitor", remark, 90).await;
    assert_eq!(
        count(&a, "#monitor textarea").await,
        0,
        "the office reads, does not write"
    );
    a.screenshot("monitor-02-van-phong").await;
    reload_until(&a, &a_serve, &after, "#after-conclusions", remark, 10).await;
    goto(&t, &tdp_serve, "/monitor").await;
    t.wait_text(
        "#not-allowed",
        "không có sổ giám sát",
        Duration::from_secs(5),
    )
    .await;
    let page = text(&t, "main").await;
    assert!(
        !page.contains(remark) && !page.contains("Giao Địa chính"),
        "{page}"
    );
    assert_eq!(
        count(&t, "#nav-monitor").await,
        0,
        "no monitoring link on a TDP laptop"
    );
    t.screenshot("monitor-03-tdp-khong-thay").await;
    drop((a_serve, b_serve, tdp_serve, mttq_serve));
}

/// The value of input `css`, read by its property (what the page shows in it).
async fn prop(b: &Browser, css: &str) -> String {
    b.value(css).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_session_form_says_why_beside_the_input_and_keeps_what_was_typed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let office = Client::new(tmp.path().join("office"));
    office.ok(&[
        "init",
        "--name",
        "Chị Hoa - Thư ký",
        "--point",
        "vp",
        "--role",
        "office",
    ]);
    let day = doithoai_model::time::format_date(doithoai_model::time::ward_now().date_naive());
    let made = office.ok(&[
        "session",
        "create",
        "--kind",
        "dinh_ky",
        "--date",
        &day,
        "--start",
        "08:00",
        "--place",
        "Hội trường UBND phường",
    ]);
    let sid = made
        .split("(mã ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .expect("the session's id")
        .to_owned();
    office.ok(&[
        "session",
        "speech",
        "add",
        "--name",
        "Nguyễn Văn Đức",
        "--unit",
        "TDP A",
        "--summary",
        "Cống ngõ 6 ngập khi mưa to",
    ]);
    let serve = Serve::start(&office, free_port());
    let b = Browser::start().await;
    let live = format!("/sessions/{sid}/live");
    open(&b, &serve, &live).await;

    // A deadline before the session: the message is beside the deadline, the rest stays.
    let typed = "Giao Địa chính kiểm tra, nạo vét cống ngõ 6 trước mùa mưa";
    fill(&b, "#conclusion-text", typed).await;
    b.web()
        .find(Locator::Css("#conclusion-dept option[value=dia_chinh]"))
        .await
        .expect("department")
        .click()
        .await
        .expect("pick");
    click(&b, "#cs-1").await;
    fill(&b, "#conclusion-deadline", "01/01/2020").await;
    click(&b, "#conclusion-save").await;
    let said = b
        .wait_text(
            "#conclusion-deadline-err",
            "hãy nhập một ngày từ",
            Duration::from_secs(10),
        )
        .await;
    assert!(
        said.contains(&format!(
            "Thời hạn 01/01/2020 sớm hơn ngày đối thoại {day}: hãy nhập một ngày từ {day} trở đi, dạng dd/mm/yyyy."
        )),
        "{said}"
    );
    assert!(
        text_of_flash_err(&b).await.contains("Chưa lưu"),
        "the top line says nothing was saved"
    );
    assert_eq!(prop(&b, "#conclusion-text").await, typed);
    assert_eq!(prop(&b, "#conclusion-dept").await, "dia_chinh");
    assert_eq!(prop(&b, "#conclusion-deadline").await, "01/01/2020");
    assert_eq!(
        b.web()
            .find(Locator::Css("#cs-1"))
            .await
            .expect("box")
            .prop("checked")
            .await
            .expect("checked")
            .as_deref(),
        Some("true"),
        "the speech stays ticked"
    );
    assert_eq!(
        b.web()
            .find(Locator::Css("#conclusion-deadline"))
            .await
            .expect("deadline")
            .attr("aria-invalid")
            .await
            .expect("attr")
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        b.focused_id().await,
        "conclusion-deadline",
        "the focus is on the input to correct"
    );
    assert_eq!(text(&b, "#conclusion-count").await, "0", "nothing written");
    b.screenshot("session-loi-han-ket-luan").await;

    // Words instead of a date, then no deadline (the default): saved.
    fill(&b, "#conclusion-deadline", "ngày mai").await;
    click(&b, "#conclusion-save").await;
    b.wait_text(
        "#conclusion-deadline-err",
        "Không đọc được ngày «ngày mai». Hãy viết theo dạng dd/mm/yyyy",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(prop(&b, "#conclusion-text").await, typed);
    fill(&b, "#conclusion-deadline", "").await;
    click(&b, "#conclusion-save").await;
    flash(&b, "Đã ghi kết luận thứ 1.").await;
    assert_eq!(count(&b, "#conclusion-deadline-err").await, 0);

    // A step's time that is no time, beside that step's time.
    fill(&b, "#step-2-time", "25:99").await;
    click(&b, "#step-2-go").await;
    b.wait_text(
        "#step-2-err",
        "Không đọc được giờ «25:99». Hãy viết dạng HH:MM, ví dụ 08:30.",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(prop(&b, "#step-2-time").await, "25:99");

    // The header: an impossible date beside the date, the place kept.
    goto(&b, &serve, &format!("/sessions/{sid}")).await;
    fill(&b, "#date", "31/02/2026").await;
    fill(&b, "#place", "Nhà văn hóa TDP A").await;
    click(&b, "#save-header").await;
    b.wait_text("#date-err", "31/02/2026", Duration::from_secs(10))
        .await;
    assert_eq!(prop(&b, "#place").await, "Nhà văn hóa TDP A");
    assert_eq!(prop(&b, "#date").await, "31/02/2026");
    // The line under the title says what is saved, not what was typed and refused.
    let saved = text(&b, "#session-when").await;
    assert!(!saved.contains("Nhà văn hóa TDP A"), "{saved}");
    b.screenshot("session-loi-ngay").await;
    drop(serve);
}

async fn text_of_flash_err(b: &Browser) -> String {
    text(b, "#flash-err").await
}
