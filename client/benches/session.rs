//! W5 — a live session (issue 13): the secretary's live actions in the web UI, timed as the
//! browser waits for them, over HTTP against a real `doithoai serve` on 127.0.0.1 (the bench's
//! own build of the binary: release under `cargo bench`).
//!
//! The session is seeded through the library (crates/device, as the CLI does it): an office
//! laptop, 60 petitions asking to speak imported as 60 speakers, 30 speeches already recorded,
//! 10 conclusions, and 20,000 characters of minutes (the most the minutes may hold). Then each
//! action is the form's POST (answered by a redirect) plus the GET of the live page it redirects
//! to, as the browser does it: record a step's start time, the next speaker's speech with the
//! petitions they raised answered on the spot, skip a speaker, a walk-in with a matter (a
//! petition entered in the register), a speech by someone not registered, an on-the-spot answer
//! to an earlier speech, a conclusion assigned to a department with a deadline, the minutes
//! saved (the form, and the page's autosave in JSON), present counts. Then the DOCX report and
//! minutes as downloaded. Median and p90 per action (targets: 50 ms per live action, 500 ms for
//! the DOCX report).
//!
//! Run: `cargo bench -p doithoai-client --bench session` (`DOITHOAI_BENCH_RUNS` per action,
//! default 20; `DOITHOAI_BENCH_SPEAKERS`, default 60).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use doithoai_client::App;
use doithoai_model::session::{NewSession, NewSpeech, SessionKind};
use doithoai_model::{Lang, NewPetition, Resident};

mod common;
use common::{FIELDS, NAMES};

const MINUTES_MAX: usize = 20_000;

/// A paragraph of the minutes, about 200 characters with diacritics.
fn paragraph(i: usize) -> String {
    format!(
        "Ông (bà) {} ở TDP {} phát biểu: đề nghị phường kiểm tra việc lấn chiếm vỉa hè, sửa đèn chiếu sáng và nạo vét cống thoát nước trước mùa mưa; đồng chí Chủ tịch UBND trả lời tại chỗ.\n",
        NAMES[i % NAMES.len()],
        i % 12 + 1
    )
}

/// Minutes of exactly `n` characters.
fn minutes_of(n: usize, tail: &str) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.chars().count() < n {
        s.push_str(&paragraph(i));
        i += 1;
    }
    let keep = n.saturating_sub(tail.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(tail);
    out
}

async fn seed(dir: &Path, speakers: usize) -> String {
    let app = App::init(
        dir,
        "Lê Thị Hoa - Văn phòng",
        "van-phong",
        "office",
        Lang::Vi,
    )
    .await
    .expect("init");
    let now = doithoai_model::time::ward_now();
    let yesterday = now - chrono::Duration::days(1);
    for i in 0..speakers {
        app.add_petition(NewPetition {
            residents: vec![Resident {
                name: format!("{} {i}", NAMES[i % NAMES.len()]),
                address: format!("Số {} đường Xương Giang", i % 90 + 1),
                tdp: format!("TDP {}", i % 12 + 1),
                phone: None,
                id_number: None,
            }],
            field: Some(FIELDS[i % FIELDS.len()].into()),
            content: format!(
                "Ý kiến số {i}: đèn chiếu sáng hỏng, cống thoát nước bị tắc gây ngập khi mưa lớn"
            ),
            request: "Đề nghị phường kiểm tra, sửa chữa sớm".into(),
            wants_to_speak: true,
            created_at: Some(yesterday + chrono::Duration::seconds(i as i64)),
            ..Default::default()
        })
        .await
        .expect("petition");
    }
    let (doc_id, _) = app
        .create_session(NewSession {
            kind: SessionKind::DinhKy,
            topic: String::new(),
            title: String::new(),
            date: now.date_naive(),
            start: Some("07:30".into()),
            end: None,
            place: "Hội trường UBND phường".into(),
            chairs: Vec::new(),
            secretary: "Lê Thị Hoa".into(),
            plan_id: None,
        })
        .await
        .expect("session");
    app.reindex().await.expect("reindex");
    let (_, added) = app
        .import_speakers(Some(&doc_id), &Default::default())
        .await
        .expect("import");
    assert_eq!(added.len(), speakers, "every petition is a speaker");
    for n in 1..=3u8 {
        app.record_step(
            Some(&doc_id),
            n,
            Some(format!("07:{:02}", 30 + n)),
            None,
            None,
        )
        .await
        .expect("step");
    }
    let mut speech_ids = Vec::new();
    for (i, speaker) in added.iter().enumerate().take(speakers / 2) {
        let (_, id) = app
            .add_speech(
                Some(&doc_id),
                Some(speaker.as_str()),
                NewSpeech {
                    summary: format!("Phản ánh số {i}: cống thoát nước bị tắc, đề nghị nạo vét"),
                    on_spot: i % 2 == 0,
                    answer: if i % 2 == 0 {
                        "Phường sẽ nạo vét trong tuần".into()
                    } else {
                        String::new()
                    },
                    answered_by: if i % 2 == 0 {
                        "Đồng chí Chủ tịch UBND".into()
                    } else {
                        String::new()
                    },
                    ..Default::default()
                },
                &[],
            )
            .await
            .expect("speech");
        speech_ids.push(id);
    }
    for i in 0..10 {
        app.add_conclusion(
            Some(&doc_id),
            &format!("Kết luận {i}: giao bộ phận kiểm tra, xử lý dứt điểm các ý kiến đã nêu"),
            Some("dia_chinh".into()),
            None,
            &[],
            &[speech_ids[2 * i + 1].clone()],
        )
        .await
        .expect("conclusion");
    }
    app.write_minutes(Some(&doc_id), &minutes_of(MINUTES_MAX, ""), false)
        .await
        .expect("minutes");
    app.close().await.expect("close");
    doc_id
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// One HTTP/1.1 exchange on a fresh connection: (status, head, body).
fn http(port: u16, request: &str) -> (u16, String, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    s.write_all(request.as_bytes()).expect("write");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let body = buf.get(split + 4..).unwrap_or_default().to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head, body)
}

struct Ui {
    port: u16,
    host: String,
    cookie: String,
    csrf: String,
    child: Child,
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Ui {
    fn start(dir: &Path) -> Ui {
        let port = free_port();
        let log = std::fs::File::create(dir.with_extension("serve.log")).expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_doithoai"))
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start doithoai serve");
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            if let Ok(u) = std::fs::read_to_string(dir.join("ui.url"))
                && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            {
                break u.trim().to_owned();
            }
            assert!(Instant::now() < deadline, "doithoai serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        let key = url.split("key=").nth(1).expect("key").to_owned();
        let host = format!("127.0.0.1:{port}");
        let (_, head, _) = http(
            port,
            &format!("GET /?key={key} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        let cookie = head
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .and_then(|c| c.split(';').next())
            .expect("cookie")
            .to_owned();
        let mut ui = Ui {
            port,
            host,
            cookie,
            csrf: String::new(),
            child,
        };
        let (_, page) = ui.get("/sessions");
        ui.csrf = between(&page, "name=\"_csrf\" value=\"", "\"").expect("csrf");
        ui
    }

    fn get(&self, path: &str) -> (Duration, String) {
        let (d, status, body) = self.get_bytes(path);
        assert_eq!(status, 200, "GET {path}");
        (d, String::from_utf8_lossy(&body).into_owned())
    }

    fn get_bytes(&self, path: &str) -> (Duration, u16, Vec<u8>) {
        let t = Instant::now();
        let (status, _, body) = http(
            self.port,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
                self.host, self.cookie
            ),
        );
        (t.elapsed(), status, body)
    }

    /// Posts a form; returns the POST's time and where it redirected to.
    fn post(&self, path: &str, fields: &[(&str, &str)]) -> (Duration, String, u16, String) {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).expect("form");
        let t = Instant::now();
        let (status, head, resp) = http(
            self.port,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                self.host,
                self.cookie,
                body.len()
            ),
        );
        let d = t.elapsed();
        let location = head
            .lines()
            .find_map(|l| l.strip_prefix("location: "))
            .unwrap_or_default()
            .to_owned();
        (
            d,
            location,
            status,
            String::from_utf8_lossy(&resp).into_owned(),
        )
    }

    /// A form as the browser sends it: the POST, then the page it redirects to. Fails on a
    /// refusal (the page's error line).
    fn action(&self, path: &str, fields: &[(&str, &str)]) -> Timing {
        let (post, location, status, _) = self.post(path, fields);
        assert_eq!(status, 303, "POST {path}");
        let target = location.split('#').next().unwrap_or_default().to_owned();
        assert!(
            !target.contains("err="),
            "POST {path} refused: {}",
            urldecode(&target)
        );
        let (page, _) = self.get(&target);
        Timing { post, page }
    }
}

fn urldecode(s: &str) -> String {
    let q = s.split_once('?').map(|(_, q)| q).unwrap_or(s);
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .map(|v| {
            v.into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        })
        .unwrap_or_else(|_| s.to_owned())
}

fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let rest = s.split(start).nth(1)?;
    Some(rest.split(end).next()?.to_owned())
}

fn all_between(s: &str, start: &str, end: &str) -> Vec<String> {
    s.split(start)
        .skip(1)
        .filter_map(|r| r.split(end).next().map(str::to_owned))
        .collect()
}

/// Undoes the HTML escaping askama applies to an attribute's value.
fn unescape(s: &str) -> String {
    s.replace("&#43;", "+")
        .replace("&#x2B;", "+")
        .replace("&#47;", "/")
        .replace("&#x2F;", "/")
        .replace("&#61;", "=")
        .replace("&#x3D;", "=")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[derive(Clone, Copy)]
struct Timing {
    post: Duration,
    page: Duration,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn q(ds: &[Duration], p: f64) -> Duration {
    let mut v = ds.to_vec();
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, ts: &[Timing], target_ms: f64) {
    let post: Vec<Duration> = ts.iter().map(|t| t.post).collect();
    let page: Vec<Duration> = ts.iter().map(|t| t.page).collect();
    let total: Vec<Duration> = ts.iter().map(|t| t.post + t.page).collect();
    let p90 = ms(q(&total, 0.9));
    println!(
        "{name:<46} POST {:>6.1} / {:>6.1}   page {:>6.1} / {:>6.1}   total {:>6.1} / {:>6.1} ms  {}",
        ms(q(&post, 0.5)),
        ms(q(&post, 0.9)),
        ms(q(&page, 0.5)),
        ms(q(&page, 0.9)),
        ms(q(&total, 0.5)),
        p90,
        if p90 < target_ms { "ok" } else { "OVER" }
    );
}

fn report_get(name: &str, ds: &[Duration], target_ms: f64, bytes: usize) {
    let p90 = ms(q(ds, 0.9));
    println!(
        "{name:<46} median {:>6.1} ms   p90 {:>6.1} ms   ({} KiB)  {}",
        ms(q(ds, 0.5)),
        p90,
        bytes / 1024,
        if p90 < target_ms { "ok" } else { "OVER" }
    );
}

fn main() {
    let runs: usize = std::env::var("DOITHOAI_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let speakers: usize = std::env::var("DOITHOAI_BENCH_SPEAKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("office");
    let t = Instant::now();
    let doc_id = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(seed(&dir, speakers));
    println!(
        "seeded: {speakers} speakers (from petitions asking to speak), {} speeches, 10 conclusions, {MINUTES_MAX} characters of minutes, in {:.1} s",
        speakers / 2,
        t.elapsed().as_secs_f64()
    );
    let ui = Ui::start(&dir);
    let live = format!("/sessions/{doc_id}/live");
    let base = format!("/sessions/{doc_id}");
    // Warm up (the first request opens the documents).
    for _ in 0..3 {
        ui.get(&live);
    }
    println!(
        "{:<46} POST median / p90   page median / p90   total median / p90 (target 50 ms)",
        "live action (the form, then the page)"
    );

    let page: Vec<Duration> = (0..runs).map(|_| ui.get(&live).0).collect();
    let (_, html) = ui.get(&live);
    report_get("the live page alone (GET)", &page, 50.0, html.len());

    let steps: Vec<Timing> = (0..runs)
        .map(|i| {
            let n = (i % 6 + 1).to_string();
            let at = format!("08:{:02}", i % 60);
            ui.action(&format!("{base}/step"), &[("n", &n), ("at", &at)])
        })
        .collect();
    report("record a step's start time", &steps, 50.0);

    let next_key = |html: &str| -> String {
        let form = html.split("id=\"speech\"").nth(1).expect("speech form");
        between(form, "name=\"speaker\" value=\"", "\"").expect("a next speaker")
    };
    let skips: Vec<Timing> = (0..runs)
        .map(|_| {
            let (_, html) = ui.get(&live);
            let key = next_key(&html);
            ui.action(&format!("{base}/skip"), &[("speaker", &key)])
        })
        .collect();
    report("skip a speaker (to the end of the queue)", &skips, 50.0);

    let nexts: Vec<Timing> = (0..runs.min(speakers / 2 - 1))
        .map(|i| {
            let (_, html) = ui.get(&live);
            let key = next_key(&html);
            let summary = format!("Ý kiến của người tiếp theo số {i}: đường ngõ xuống cấp");
            ui.action(
                &format!("{base}/speech"),
                &[
                    ("speaker", &key),
                    ("summary", &summary),
                    ("on_spot", "1"),
                    ("answer", "Phường đưa vào kế hoạch sửa chữa quý tới"),
                    ("answered_by", "Đồng chí Chủ tịch UBND"),
                ],
            )
        })
        .collect();
    report("next speaker: speech + petitions answered", &nexts, 50.0);

    let walkins: Vec<Timing> = (0..runs)
        .map(|i| {
            let name = format!("Đào Văn Hùng {i}");
            let content = format!("Ý kiến tại hội trường số {i}: trường mầm non xuống cấp");
            ui.action(
                &format!("{base}/speakers/add"),
                &[
                    ("name", &name),
                    ("unit", "TDP 5"),
                    ("content", &content),
                    ("field", "y_te_giao_duc"),
                    ("back", "live"),
                ],
            )
        })
        .collect();
    report("add a walk-in (matter into the register)", &walkins, 50.0);

    let unregistered: Vec<Timing> = (0..runs)
        .map(|i| {
            let summary = format!("Ý kiến thêm số {i}: rác thải chưa thu gom đúng giờ");
            ui.action(
                &format!("{base}/speech"),
                &[
                    ("name", "Ngô Thị Mai"),
                    ("unit", "TDP 3"),
                    ("summary", &summary),
                    ("field", "moi_truong"),
                ],
            )
        })
        .collect();
    report("a speech by someone not registered", &unregistered, 50.0);

    let (_, html) = ui.get(&live);
    let mut speech_ids = all_between(&html, "name=\"speech\" value=\"", "\"");
    speech_ids.sort();
    speech_ids.dedup();
    assert!(speech_ids.len() >= 2, "speeches on the page");
    let answers: Vec<Timing> = (0..runs)
        .map(|i| {
            let id = &speech_ids[i % speech_ids.len()];
            ui.action(
                &format!("{base}/answer"),
                &[
                    ("speech", id),
                    ("answer", "Đã kiểm tra, sẽ xử lý trong tháng"),
                    ("answered_by", "Cán bộ địa chính"),
                ],
            )
        })
        .collect();
    report("an on-the-spot answer to a speech", &answers, 50.0);

    let deadline = doithoai_model::time::format_date(
        doithoai_model::time::ward_now().date_naive() + chrono::Duration::days(30),
    );
    let conclusions: Vec<Timing> = (0..runs)
        .map(|i| {
            let text = format!("Kết luận thêm {i}: giao Địa chính kiểm tra, xử lý");
            let a = &speech_ids[(2 * i) % speech_ids.len()];
            let b = &speech_ids[(2 * i + 1) % speech_ids.len()];
            ui.action(
                &format!("{base}/conclusion"),
                &[
                    ("text", &text),
                    ("department", "dia_chinh"),
                    ("deadline", &deadline),
                    ("speech", a),
                    ("speech", b),
                ],
            )
        })
        .collect();
    report("a conclusion (department, deadline)", &conclusions, 50.0);

    let present: Vec<Timing> = (0..runs)
        .map(|i| {
            let n = (90 + i).to_string();
            ui.action(
                &format!("{base}/present"),
                &[("present_nhan_dan", &n), ("present_can_bo", "12")],
            )
        })
        .collect();
    report("present counts", &present, 50.0);

    let minutes: Vec<Timing> = (0..runs)
        .map(|i| {
            let (_, html) = ui.get(&live);
            let heads =
                unescape(&between(&html, "id=\"minutes-heads\" value=\"", "\"").expect("heads"));
            let text = minutes_of(MINUTES_MAX, &format!("\nKết thúc lần ghi {i:04}."));
            ui.action(
                &format!("{base}/minutes"),
                &[("heads", &heads), ("minutes", &text)],
            )
        })
        .collect();
    report("save the minutes (20,000 characters, form)", &minutes, 50.0);

    let mut heads = {
        let (_, html) = ui.get(&live);
        unescape(&between(&html, "id=\"minutes-heads\" value=\"", "\"").expect("heads"))
    };
    let autosave: Vec<Duration> = (0..runs)
        .map(|i| {
            let text = minutes_of(MINUTES_MAX, &format!("\nTự lưu lần thứ {i:04}."));
            let (d, _, status, body) = ui.post(
                &format!("/api/sessions/{doc_id}/minutes"),
                &[("heads", &heads), ("minutes", &text)],
            );
            assert_eq!(status, 200, "autosave: {body}");
            let v: serde_json::Value = serde_json::from_str(&body).expect("json");
            heads = v["heads"].as_str().expect("heads").to_owned();
            d
        })
        .collect();
    report_get(
        "minutes autosave (JSON, 20,000 characters)",
        &autosave,
        50.0,
        0,
    );

    println!("{:<46} median / p90 (target 500 ms)", "after the session");
    for (name, path) in [
        ("the after page (report preview)", format!("{base}/after")),
        ("DOCX report download", format!("{base}/report.docx")),
        ("DOCX minutes download", format!("{base}/minutes.docx")),
    ] {
        let mut size = 0;
        let ds: Vec<Duration> = (0..runs)
            .map(|_| {
                let (d, status, body) = ui.get_bytes(&path);
                assert_eq!(status, 200, "GET {path}");
                size = body.len();
                d
            })
            .collect();
        report_get(name, &ds, 500.0, size);
    }
    let (_, html) = ui.get(&live);
    println!(
        "at the end: {} speeches on the live page ({} KiB of HTML)",
        html.matches("<li id=\"speech-").count(),
        html.len() / 1024
    );
}
