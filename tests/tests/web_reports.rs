//! The office's *Nhập từ Excel* and *Báo cáo* pages in a real headless Chromium, against a real
//! `doithoai serve` enrolled with a real `doithoai-server` as the office's reception desk:
//!
//! - a 300-row register (XLSX, made here with rust_xlsxwriter) with three bad rows: the preview
//!   lists them by row number, offers no import, and nothing is written;
//! - the fixed file: imported (their register numbers and dates kept); the same file again:
//!   nothing new;
//! - a few petitions handled with the CLI (beside the running `serve`), then the reports page:
//!   the downloads read back (calamine for the register's XLSX, the summary's DOCX XML) and
//!   checked cell by cell against the petitions; the SVG charts' numbers equal the summary's
//!   (its CSV download).
//!
//! Screenshots at 1366×768 under `target/screenshots/` (report-*, import-*).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use doithoai_e2e::browser::{Browser, Locator, Serve};
use doithoai_e2e::{Client, Server, free_port};

const N: u32 = 300;
const TDPS: [&str; 4] = ["Tổ dân phố A", "Tổ dân phố B", "Tổ dân phố C", "TDP D"];
const FIELDS: [(&str, &str); 4] = [
    ("Hạ tầng", "ha_tang"),
    ("Môi trường", "moi_truong"),
    ("Đất đai", "dat_dai"),
    ("An ninh trật tự", "an_ninh"),
];

/// Row `i` of the register: the sheet row (headings on row 1), and what it holds.
fn sheet_row(i: u32) -> u32 {
    i + 1
}
fn month_of(i: u32) -> u32 {
    1 + (i - 1) % 12
}
fn day_of(i: u32) -> u32 {
    1 + (i - 1) % 28
}
/// Rows with a number in the register; the others are a list to be received.
fn numbered(i: u32) -> bool {
    !i.is_multiple_of(5)
}
fn content(i: u32) -> String {
    format!(
        "Ý kiến số {i} về {} ở ngõ {}",
        FIELDS[(i % 4) as usize].0,
        i % 17
    )
}
fn people(i: u32) -> u32 {
    1 + i % 3
}

/// The register: number, date, name, address, TDP, content, field, people. `bad`: row 7 has
/// no name, row 120 a phone of letters, row 260 an unknown field.
fn register_xlsx(path: &Path, bad: bool) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Số vào sổ",
        "Ngày tiếp nhận",
        "Họ và tên",
        "Địa chỉ",
        "Tổ dân phố",
        "Số điện thoại",
        "Nội dung kiến nghị",
        "Lĩnh vực",
        "Số người",
    ]
    .iter()
    .enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    for i in 1..=N {
        let r = sheet_row(i) - 1;
        if numbered(i) {
            ws.write(r, 0, i).unwrap();
        }
        ws.write(r, 1, format!("{:02}/{:02}/2025", day_of(i), month_of(i)))
            .unwrap();
        if !(bad && i == 7) {
            ws.write(r, 2, format!("Người dân {i}")).unwrap();
        }
        ws.write(r, 3, format!("Số {i} ngõ {}", i % 17)).unwrap();
        ws.write(r, 4, TDPS[(i % 4) as usize]).unwrap();
        if bad && i == 120 {
            ws.write(r, 5, "không có").unwrap();
        }
        ws.write(r, 6, content(i)).unwrap();
        let field = if bad && i == 260 {
            "Vũ trụ"
        } else {
            FIELDS[(i % 4) as usize].0
        };
        ws.write(r, 7, field).unwrap();
        ws.write(r, 8, people(i)).unwrap();
    }
    wb.save(path).unwrap();
}

async fn open(b: &Browser, serve: &Serve, path: &str) {
    b.web().goto(&serve.url).await.expect("open with key");
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

async fn upload(b: &Browser, serve: &Serve, file: &Path) {
    open(b, serve, "/import").await;
    b.web()
        .find(Locator::Css("#file"))
        .await
        .expect("file input")
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choose the file");
    click(b, "#upload").await;
    b.wait_text("h1", "xem trước", Duration::from_secs(60))
        .await;
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.web()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .text()
        .await
        .expect("text")
}

async fn exists(b: &Browser, css: &str) -> bool {
    !b.web()
        .find_all(Locator::Css(css))
        .await
        .expect("find")
        .is_empty()
}

/// A GET with the session cookie: status and body bytes.
fn get(port: u16, cookie: &str, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).ok();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let at = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8_lossy(&buf[..at]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head, buf[at + 4..].to_vec())
}

/// The session cookie, from the address with its key.
fn cookie(serve: &Serve) -> String {
    let path = serve.url.split_once(&format!(":{}", serve.port)).unwrap().1;
    let (status, head, _) = get(serve.port, "", path);
    assert_eq!(status, 303, "{head}");
    head.lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .expect("a cookie")
        .to_owned()
}

fn count(office: &Client) -> usize {
    office.petitions().len()
}

/// The texts of a DOCX's document.xml, in order.
fn docx_texts(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|c| c.into_owned()))
        .collect();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    let mut out = Vec::new();
    let mut rest = xml.as_str();
    while let Some(i) = rest.find("<w:t") {
        rest = &rest[i..];
        // <w:t> or <w:t xml:space=…>, not <w:tbl>, <w:tc>, <w:tr>…
        if !matches!(rest.as_bytes().get(4), Some(b'>' | b' ')) {
            rest = &rest[4..];
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let Some(end) = rest.find("</w:t>") else {
            break;
        };
        if gt < end {
            out.push(
                rest[gt + 1..end]
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'"),
            );
        }
        rest = &rest[end + 6..];
    }
    (out, names)
}

/// The count tables of the summary CSV: section title → label → (petitions, people).
fn csv_counts(csv: &str) -> BTreeMap<String, BTreeMap<String, (u32, u32)>> {
    let mut out: BTreeMap<String, BTreeMap<String, (u32, u32)>> = BTreeMap::new();
    let mut section = String::new();
    for line in csv.split("\r\n") {
        let cells: Vec<String> = line
            .split(',')
            .map(|c| c.trim_matches('"').to_owned())
            .collect();
        if cells.len() == 1 && line.starts_with("Thống kê") {
            section = cells[0].clone();
            continue;
        }
        if line.is_empty() {
            section.clear();
            continue;
        }
        if !section.is_empty()
            && cells.len() >= 3
            && let (Ok(a), Ok(b)) = (
                cells[cells.len() - 2].parse(),
                cells[cells.len() - 1].parse(),
            )
        {
            let label = cells[..cells.len() - 2].join(",");
            out.entry(section.clone())
                .or_default()
                .insert(label, (a, b));
        }
    }
    out
}

/// The totals lines of the summary CSV.
fn csv_totals(csv: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let mut on = false;
    for line in csv.split("\r\n") {
        if line == "Tổng hợp" {
            on = true;
            continue;
        }
        if on {
            if line.is_empty() {
                break;
            }
            if let Some((l, n)) = line.rsplit_once(',')
                && let Ok(n) = n.parse()
            {
                out.insert(l.trim_matches('"').to_owned(), n);
            }
        }
    }
    out
}

/// The figures of the chart `id` on the page: label → value.
async fn chart(b: &Browser, id: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for g in b
        .web()
        .find_all(Locator::Css(&format!("svg[data-chart='{id}'] g.bar")))
        .await
        .expect("bars")
    {
        let label = g.attr("data-label").await.unwrap().unwrap_or_default();
        let value: u32 = g
            .attr("data-value")
            .await
            .unwrap()
            .unwrap_or_default()
            .parse()
            .unwrap();
        // The number is written on the chart, not only in an attribute.
        let text = g.text().await.unwrap_or_default();
        assert!(text.contains(&value.to_string()), "{id}: {label}: {text:?}");
        out.push((label, value));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_then_report_in_the_browser() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = Server::start(tmp.path().join("server"));
    server.setup_ward(&["a", "b", "c"]);
    server.admin(&[
        "point",
        "add",
        "--ward",
        "dk",
        "--kind",
        "office",
        "--id",
        "van-phong",
        "--name",
        "Văn phòng phường",
    ]);
    let office = Client::new(tmp.path().join("office"));
    office.ok(&[
        "join",
        &server.url(),
        &server.add_device("dk", "office", Some("van-phong"), "Bàn tiếp nhận"),
        "--name",
        "Văn thư Lan",
    ]);
    let serve = Serve::start(&office, free_port());
    let mut b = Browser::start().await;

    // The upload page.
    open(&b, &serve, "/import").await;
    b.wait_text("h1", "Nhập từ Excel", Duration::from_secs(10))
        .await;
    b.screenshot("import-01-chon-tep").await;

    // Three bad rows: listed by their row numbers, no import offered, nothing written.
    let bad = tmp.path().join("so-tiep-nhan-2025-loi.xlsx");
    register_xlsx(&bad, true);
    upload(&b, &serve, &bad).await;
    assert_eq!(text_of(&b, "#count-total").await, "300");
    assert_eq!(text_of(&b, "#count-invalid").await, "3");
    let mut rows = Vec::new();
    for tr in b
        .web()
        .find_all(Locator::Css("#row-errors tbody tr"))
        .await
        .unwrap()
    {
        rows.push(tr.attr("data-row").await.unwrap().unwrap_or_default());
    }
    assert_eq!(
        rows,
        [7, 120, 260].map(|i| sheet_row(i).to_string()).to_vec()
    );
    let errors = text_of(&b, "#row-errors").await;
    assert!(
        errors.contains("họ tên") || errors.contains("Họ tên"),
        "{errors}"
    );
    assert!(errors.contains("không có"), "{errors}");
    assert!(errors.contains("Vũ trụ"), "{errors}");
    assert!(!exists(&b, "#confirm-import").await);
    assert!(exists(&b, "#cannot-import").await);
    // The mapping guessed from the headings.
    assert_eq!(b.value("#col0").await, "register_no");
    assert_eq!(b.value("#col2").await, "name");
    assert_eq!(b.value("#col6").await, "content");
    b.screenshot("import-02-xem-truoc-co-loi").await;
    assert_eq!(count(&office), 0, "nothing written before confirmation");

    // Fixed: the preview offers the import; confirmed, all 300 are in.
    let good = tmp.path().join("so-tiep-nhan-2025.xlsx");
    register_xlsx(&good, false);
    upload(&b, &serve, &good).await;
    assert_eq!(text_of(&b, "#count-new").await, "300");
    assert_eq!(text_of(&b, "#count-invalid").await, "0");
    b.screenshot("import-03-xem-truoc").await;
    assert_eq!(count(&office), 0, "still nothing before confirmation");
    let t = Instant::now();
    click(&b, "#confirm-import").await;
    b.wait_text(
        "#import-done",
        "Đã nhập 300 ý kiến",
        Duration::from_secs(120),
    )
    .await;
    eprintln!("import of {N} rows in the browser: {:?}", t.elapsed());
    let done = text_of(&b, "#import-done").await;
    assert!(done.contains("(240 vào sổ"), "{done}");
    b.screenshot("import-04-da-nhap").await;
    assert_eq!(count(&office), 300);

    // The same file again: nothing new, nothing to import.
    upload(&b, &serve, &good).await;
    assert_eq!(text_of(&b, "#count-new").await, "0");
    assert_eq!(text_of(&b, "#count-imported").await, "300");
    assert!(!exists(&b, "#confirm-import").await);
    assert!(exists(&b, "#nothing-new").await);
    b.screenshot("import-05-nhap-lai").await;
    assert_eq!(count(&office), 300);

    // Some handling with the CLI beside the running serve: 12 registered petitions classified,
    // 6 of them answered on the spot, 4 assigned.
    let handled: Vec<u32> = (1..=N).filter(|i| numbered(*i)).take(12).collect();
    let (on_spot, assigned) = (&handled[..6], &handled[6..10]);
    for i in &handled {
        office.ok(&["handle", "classify", &format!("{i}/2025")]);
    }
    for i in on_spot {
        office.ok(&[
            "handle",
            "answer",
            &format!("{i}/2025"),
            "--on-spot",
            "--text",
            "Đã trả lời tại hội nghị",
            "--by",
            "Chủ tịch UBND",
        ]);
    }
    for i in assigned {
        office.ok(&[
            "handle",
            "assign",
            &format!("{i}/2025"),
            "--department",
            "dia_chinh",
        ]);
    }

    // The reports page for 2025.
    open(&b, &serve, "/reports?period=year&year=2025").await;
    b.wait_text("#period-label", "Năm 2025", Duration::from_secs(30))
        .await;
    b.screenshot("report-01-ca-nam").await;
    let svgs = b.web().find_all(Locator::Css("svg.chart")).await.unwrap();
    assert_eq!(svgs.len(), 5, "five charts");
    for svg in &svgs {
        // Accessible: a title and a description that says the numbers.
        let html = svg.html(false).await.unwrap();
        assert!(html.contains("<title id="), "{html}");
        assert!(html.contains("<desc id="), "{html}");
    }
    let by_field = chart(&b, "linh-vuc").await;
    let by_tdp = chart(&b, "to-dan-pho").await;
    let by_month = chart(&b, "theo-thang").await;
    let funnel = chart(&b, "tien-do").await;
    let outcome = chart(&b, "tai-cho-giao").await;

    let ck = cookie(&serve);
    let q = "period=year&year=2025";
    // The summary CSV: the charts say what it says.
    let (st, head, csv) = get(
        serve.port,
        &ck,
        &format!("/reports/download?kind=summary&format=csv&{q}"),
    );
    assert_eq!(st, 200, "{head}");
    assert!(
        head.to_lowercase()
            .contains("attachment; filename=\"tong-hop-2025.csv\""),
        "{head}"
    );
    let csv = String::from_utf8(csv).unwrap();
    let counts = csv_counts(&csv);
    let totals = csv_totals(&csv);
    let fields = &counts["Thống kê theo lĩnh vực"];
    assert_eq!(by_field.len(), fields.len(), "{by_field:?} {fields:?}");
    for (label, v) in &by_field {
        assert_eq!(fields[label].0, *v, "field {label}");
    }
    for (name, code) in FIELDS {
        let label = by_field
            .iter()
            .find(|(l, _)| l.starts_with(name))
            .unwrap_or_else(|| panic!("{code} in {by_field:?}"));
        assert_eq!(label.1, N / 4, "{code}");
    }
    let tdps = &counts["Thống kê theo tổ dân phố"];
    assert_eq!(by_tdp.len(), tdps.len());
    for (label, v) in &by_tdp {
        assert_eq!(tdps[label].0, *v, "TDP {label}");
        assert_eq!(*v, N / 4, "TDP {label}");
    }
    assert_eq!(by_month.len(), 12);
    for (m, (_, v)) in by_month.iter().enumerate() {
        assert_eq!(
            *v,
            (1..=N).filter(|i| month_of(*i) == m as u32 + 1).count() as u32
        );
    }
    let statuses = &counts["Thống kê theo trạng thái"];
    let st = |l: &str| statuses[l].0;
    assert_eq!(funnel[0].1, totals["Tổng số ý kiến, kiến nghị"]);
    assert_eq!(funnel[0].1, N);
    assert_eq!(funnel[1].1, N - st("Mới ghi nhận"));
    assert_eq!(funnel[1].1, 240);
    assert_eq!(
        funnel[5].1,
        st("Đã thông báo") + st("Đã kết thúc"),
        "answered on the spot means told"
    );
    assert_eq!(funnel[5].1, 6);
    let of = |l: &str| outcome.iter().find(|(x, _)| x == l).unwrap().1;
    assert_eq!(of("Trả lời tại chỗ"), totals["Trả lời tại chỗ"]);
    assert_eq!(of("Trả lời tại chỗ"), 6);
    assert_eq!(of("Giao xử lý"), totals["Giao xử lý"]);
    assert_eq!(of("Giao xử lý"), 4);
    assert_eq!(outcome.iter().map(|(_, v)| v).sum::<u32>(), N);

    // The register (XLSX), read back with calamine: row by row, cell by cell.
    let (st, head, xlsx) = get(
        serve.port,
        &ck,
        &format!("/reports/download?kind=register&format=xlsx&{q}"),
    );
    assert_eq!(st, 200, "{head}");
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let text = |d: &Data| match d {
        Data::Float(f) => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        other => other.to_string(),
    };
    let data: Vec<Vec<String>> = range
        .rows()
        .skip(5)
        .map(|r| r.iter().map(text).collect())
        .filter(|r: &Vec<String>| !r.iter().all(String::is_empty))
        .collect();
    let registered: Vec<u32> = (1..=N).filter(|i| numbered(*i)).collect();
    assert_eq!(data.len(), registered.len());
    for (row, i) in data.iter().zip(&registered) {
        let i = *i;
        assert_eq!(row[0], i.to_string(), "(1) number of {i}");
        assert_eq!(
            row[1],
            format!("{:02}/{:02}/2025", day_of(i), month_of(i)),
            "(2) date of {i}"
        );
        assert_eq!(
            row[2],
            format!(
                "Người dân {i}, Số {i} ngõ {}, {}",
                i % 17,
                TDPS[(i % 4) as usize]
            ),
            "(3) of {i}"
        );
        assert_eq!(row[3], "", "(4) of {i}");
        assert_eq!(row[4], content(i), "(5) of {i}");
        assert!(row[5].starts_with("Kiến nghị ("), "(6) of {i}: {}", row[5]);
        assert!(
            row[5].contains(FIELDS[(i % 4) as usize].0),
            "(6) of {i}: {}",
            row[5]
        );
        assert_eq!(row[6], people(i).to_string(), "(7) of {i}");
        if on_spot.contains(&i) {
            assert_eq!(row[8], "Trả lời tại chỗ", "(9) of {i}");
        }
        if assigned.contains(&i) {
            assert!(row[8].starts_with("Địa chính"), "(9) of {i}: {}", row[8]);
        }
    }

    // The summary (DOCX): its totals and count tables say what the CSV says; the five charts
    // are in it, each as a PNG with its SVG.
    let (st, head, docx) = get(
        serve.port,
        &ck,
        &format!("/reports/download?kind=summary&format=docx&{q}"),
    );
    assert_eq!(st, 200, "{head}");
    let (texts, parts) = docx_texts(&docx);
    for n in 1..=5 {
        assert!(
            parts.contains(&format!("word/media/chart{n}.png")),
            "{parts:?}"
        );
        assert!(
            parts.contains(&format!("word/media/chart{n}.svg")),
            "{parts:?}"
        );
    }
    let after = |label: &str| -> Vec<String> {
        let i = texts
            .iter()
            .position(|t| t == label)
            .unwrap_or_else(|| panic!("{label} in the DOCX"));
        texts[i + 1..i + 3].to_vec()
    };
    for (label, n) in &totals {
        assert_eq!(after(label)[0], n.to_string(), "DOCX total {label}");
    }
    for (label, (p, ppl)) in fields.iter().chain(tdps.iter()) {
        assert_eq!(
            after(label),
            vec![p.to_string(), ppl.to_string()],
            "DOCX {label}"
        );
    }
    // The register's DOCX: every registered row's number and content.
    let (st, _, docx) = get(
        serve.port,
        &ck,
        &format!("/reports/download?kind=register&format=docx&{q}"),
    );
    assert_eq!(st, 200);
    let (texts, _) = docx_texts(&docx);
    for i in &registered {
        assert!(texts.contains(&content(*i)), "register DOCX row {i}");
    }
    std::fs::write(
        doithoai_e2e::browser::screenshot_dir().join("report-tong-hop-2025.docx"),
        &docx,
    )
    .ok();

    // Another period: a quarter; a month; a bad range is said beside the form.
    open(&b, &serve, "/reports?period=quarter&quarter=1&year=2025").await;
    b.wait_text("#period-label", "Quý I năm 2025", Duration::from_secs(30))
        .await;
    let q1 = chart(&b, "theo-thang").await;
    assert_eq!(q1.len(), 3);
    b.screenshot("report-02-quy-1").await;
    // The page scrolled to the charts, as a committee member would look at them.
    b.web()
        .execute(
            "document.getElementById('chart-tien-do').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    b.screenshot("report-03-bieu-do").await;
    open(
        &b,
        &serve,
        "/reports?period=range&from=31/12/2025&to=01/01/2025",
    )
    .await;
    b.wait_text("#period-error", "không hợp lệ", Duration::from_secs(10))
        .await;
    b.screenshot("report-04-ky-sai").await;

    b.kill();
}
