//! `doithoai import`: an office's register of 300 petitions (XLSX, Mẫu 03's columns, a title
//! above the headings and the column numbers under them, as offices keep it) with three bad
//! rows is refused with their row numbers and nothing is written; the fixed file is imported
//! with its own register numbers and dates; imported again, nothing is added. A free list (CSV,
//! headings without diacritics) maps by its headings, and `--map` changes the mapping.

mod common;

use std::path::Path;

use common::{doithoai, ok};
use rust_xlsxwriter::Workbook;

const N: u32 = 300;
/// The sheet row of the data row `i` (1-based): a title, a subtitle, a blank row, the headings
/// (row 4), the column numbers (row 5), then the data from row 6.
fn sheet_row(i: u32) -> u32 {
    i + 5
}

const FIELDS: [&str; 4] = [
    "Hạ tầng, giao thông",
    "Môi trường",
    "Đất đai",
    "An ninh trật tự",
];

/// The register as an office keeps it; `bad` rows broken: 10 without content, 150 with a
/// 5-digit ID card number, 299 with "năm" people.
fn register_xlsx(path: &Path, bad: bool) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Sổ tiếp nhận").unwrap();
    ws.write(0, 0, "SỔ TIẾP NHẬN, XỬ LÝ Ý KIẾN, KIẾN NGHỊ CỦA NHÂN DÂN")
        .unwrap();
    ws.write(1, 0, "Phường Dĩnh Kế — Năm 2025").unwrap();
    let headings = [
        "STT",
        "Ngày tiếp nhận",
        "Họ tên, địa chỉ",
        "Số CCCD/CMND",
        "Tóm tắt nội dung vụ việc",
        "Phân loại",
        "Số người cùng nội dung",
        "Cơ quan, đơn vị đã giải quyết",
        "Thụ lý",
        "Trả lại đơn và hướng dẫn",
        "Chuyển đơn",
        "Theo dõi kết quả giải quyết",
    ];
    for (c, h) in headings.iter().enumerate() {
        ws.write(3, c as u16, *h).unwrap();
        ws.write(4, c as u16, format!("({})", c + 1)).unwrap();
    }
    let date_fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    for i in 1..=N {
        let r = sheet_row(i) - 1;
        let (month, day) = (1 + (i - 1) / 28 % 12, 1 + (i - 1) % 28);
        ws.write(r, 0, i).unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, month as u8, day as u8).unwrap();
        ws.write_datetime_with_format(r, 1, &d, &date_fmt).unwrap();
        ws.write(
            r,
            2,
            format!("Người dân số {i}, số {i} ngõ {} Lê Lợi", i % 20),
        )
        .unwrap();
        if bad && i == 150 {
            ws.write(r, 3, "12345").unwrap();
        } else if i % 3 == 0 {
            // A CCCD typed as a number: Excel drops its leading zero.
            ws.write(r, 3, 24_000_000_000u64 + u64::from(i)).unwrap();
        }
        if !(bad && i == 10) {
            ws.write(
                r,
                4,
                format!("Kiến nghị số {i}: sửa chữa hạ tầng ngõ {}", i % 20),
            )
            .unwrap();
        }
        ws.write(
            r,
            5,
            format!("Kiến nghị ({})", FIELDS[(i as usize) % FIELDS.len()]),
        )
        .unwrap();
        if bad && i == 299 {
            ws.write(r, 6, "năm").unwrap();
        } else {
            ws.write(r, 6, 1 + i % 4).unwrap();
        }
        ws.write(r, 11, "Đã trả lời").unwrap();
    }
    wb.save(path).unwrap();
}

fn count(dir: &Path) -> usize {
    let out = ok(dir, &["petition", "list", "--json", "--limit", "100000"]);
    serde_json::from_str::<Vec<serde_json::Value>>(&out)
        .unwrap()
        .len()
}

fn office(dir: &Path) {
    ok(
        dir,
        &[
            "init",
            "--name",
            "Văn thư Lan",
            "--point",
            "van-phong",
            "--role",
            "office",
        ],
    );
}

#[test]
fn a_register_of_300_with_three_bad_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    office(&dir);
    let bad = tmp.path().join("so-2025-loi.xlsx");
    register_xlsx(&bad, true);

    // The preview lists the three rows by their row numbers in the sheet, and writes nothing.
    let out = doithoai(&dir, &["import", bad.to_str().unwrap(), "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("tiêu đề ở dòng 4"), "{stdout}");
    assert!(
        stdout.contains("300 dòng: 297 ý kiến mới (297 có số vào sổ)"),
        "{stdout}"
    );
    assert!(stdout.contains("3 dòng có lỗi"), "{stdout}");
    let errs: Vec<&str> = stdout.lines().filter(|l| l.contains("Dòng ")).collect();
    assert_eq!(errs.len(), 3, "{stdout}");
    assert!(
        errs[0].contains(&format!("Dòng {}:", sheet_row(10))),
        "{stdout}"
    );
    assert!(errs[0].contains("Nội dung"), "{stdout}");
    assert!(
        errs[1].contains(&format!("Dòng {}:", sheet_row(150))),
        "{stdout}"
    );
    assert!(errs[1].contains("12345"), "{stdout}");
    assert!(
        errs[2].contains(&format!("Dòng {}:", sheet_row(299))),
        "{stdout}"
    );
    assert!(errs[2].contains("năm"), "{stdout}");
    assert!(stderr.contains("3 dòng có lỗi"), "{stderr}");
    assert_eq!(count(&dir), 0);

    // Importing is refused whole.
    let out = doithoai(&dir, &["import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("chưa nhập gì"));
    assert_eq!(count(&dir), 0);

    // Fixed: every row is imported, with its register number and its date.
    let good = tmp.path().join("so-2025.xlsx");
    register_xlsx(&good, false);
    let t = std::time::Instant::now();
    let out = ok(&dir, &["import", good.to_str().unwrap()]);
    eprintln!("import of {N} rows: {:?}", t.elapsed());
    assert!(
        out.contains(
            "Đã nhập 300 ý kiến (300 vào sổ với số và ngày tiếp nhận của tệp); 0 đã có từ trước."
        ),
        "{out}"
    );
    assert_eq!(count(&dir), 300);
    // Row 150: 150/2025, received on its own day (month 6, day 10), 3 people, land.
    let shown = ok(&dir, &["petition", "show", "150/2025"]);
    assert!(
        shown.contains("Kiến nghị số 150: sửa chữa hạ tầng ngõ 10"),
        "{shown}"
    );
    assert!(shown.contains("10/06/2025"), "{shown}");
    assert!(shown.contains("Người dân số 150"), "{shown}");
    // The CCCD typed as a number got its leading zero back.
    let shown = ok(&dir, &["petition", "show", "3/2025"]);
    assert!(shown.contains("024000000003"), "{shown}");

    // The same file again: nothing added.
    let out = ok(&dir, &["import", good.to_str().unwrap()]);
    assert!(
        out.contains(
            "Đã nhập 0 ý kiến (0 vào sổ với số và ngày tiếp nhận của tệp); 300 đã có từ trước."
        ),
        "{out}"
    );
    assert_eq!(count(&dir), 300);
    // The register has the file's numbers, one each.
    let reg = tmp.path().join("so.csv");
    ok(
        &dir,
        &[
            "report",
            "register",
            "--year",
            "2025",
            "--output",
            reg.to_str().unwrap(),
        ],
    );
    let csv = std::fs::read_to_string(&reg).unwrap();
    for i in [1, 150, 300] {
        assert!(
            csv.contains(&format!("\r\n{i},")),
            "register row {i} missing"
        );
    }
}

#[test]
fn a_free_list_in_csv_without_diacritics() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    office(&dir);
    let list = tmp.path().join("danh-sach.csv");
    std::fs::write(
        &list,
        "TT;Ho va ten;Dia chi;To dan pho;Noi dung y kien;Linh vuc;Ngay\r\n\
         1;Nguyễn Văn Đức;Số 5 ngõ 12;TDP 3;Đèn đường ngõ 12 hỏng;ha tang;05/03/2026\r\n\
         2;Trần Thị Thủy;Số 8 Xương Giang;TDP 3;Rác tập kết sai giờ;moi truong;06/03/2026\r\n",
    )
    .unwrap();
    let out = ok(&dir, &["import", list.to_str().unwrap(), "--dry-run"]);
    assert!(out.contains("Ho va ten"), "{out}");
    assert!(out.contains("→ Họ tên"), "{out}");
    assert!(out.contains("→ Nội dung"), "{out}");
    assert!(
        out.contains("2 dòng: 2 ý kiến mới (0 có số vào sổ)"),
        "{out}"
    );
    assert_eq!(count(&dir), 0);
    let out = ok(&dir, &["import", list.to_str().unwrap()]);
    assert!(out.contains("Đã nhập 2 ý kiến"), "{out}");
    // Not in the register: they wait for the office's receipt, dated as the file says.
    let rows = ok(&dir, &["petition", "list", "--json"]);
    let v: Vec<serde_json::Value> = serde_json::from_str(&rows).unwrap();
    assert!(v.iter().all(|r| r["status"] == "collected"), "{rows}");
    assert!(rows.contains("2026-03-05"), "{rows}");

    // --map: the address column read as the place instead.
    let again = ok(
        &dir,
        &[
            "import",
            list.to_str().unwrap(),
            "--dry-run",
            "--map",
            "C=place",
        ],
    );
    assert!(again.contains("→ Địa điểm"), "{again}");
    // The same rows (same date, name and content): still imported once.
    assert!(again.contains("2 đã nhập trước đây"), "{again}");
}

/// The figure: a 2,000-row import in under 10 s (run with `--ignored`, on a release
/// build for the figure that counts:
/// `cargo test --release -p doithoai-client --test import_cli -- --ignored --nocapture`).
#[test]
#[ignore]
fn a_2000_row_import_takes_under_ten_seconds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    office(&dir);
    let n: u32 = std::env::var("DOITHOAI_IMPORT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let path = tmp.path().join("lon.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Số vào sổ",
        "Ngày tiếp nhận",
        "Họ tên",
        "Địa chỉ",
        "Nội dung",
        "Lĩnh vực",
    ]
    .iter()
    .enumerate()
    {
        ws.write(0, c as u16, *h).unwrap();
    }
    for i in 1..=n {
        let r = i;
        ws.write(r, 0, i).unwrap();
        ws.write(r, 1, format!("{:02}/{:02}/2025", 1 + i % 28, 1 + i % 12))
            .unwrap();
        ws.write(r, 2, format!("Người dân {i}")).unwrap();
        ws.write(r, 3, format!("Số {i} đường Lê Lợi")).unwrap();
        ws.write(
            r,
            4,
            format!("Nội dung kiến nghị thứ {i} về hạ tầng, chiếu sáng và thoát nước"),
        )
        .unwrap();
        ws.write(r, 5, FIELDS[(i as usize) % FIELDS.len()]).unwrap();
    }
    wb.save(&path).unwrap();
    let t = std::time::Instant::now();
    let out = ok(&dir, &["import", path.to_str().unwrap()]);
    let took = t.elapsed();
    eprintln!("import of {n} rows: {took:?}");
    assert!(out.contains(&format!("Đã nhập {n} ý kiến")), "{out}");
    let t = std::time::Instant::now();
    let out = ok(&dir, &["import", path.to_str().unwrap()]);
    eprintln!("the same {n} rows again (nothing added): {:?}", t.elapsed());
    assert!(out.contains("Đã nhập 0 ý kiến"), "{out}");
    assert!(took.as_secs_f64() < 10.0, "{n} rows took {took:?}");
}

/// The register's handling columns (8 to 12 of Mẫu 03), as the office wrote them: rows
/// accepted and assigned (with a deadline and the result), returned with guidance, forwarded,
/// answered on the spot, only marked accepted, and one whose result cannot be taken (not
/// accepted). `bad`: row 7 names a department the ward does not have.
fn handled_register(path: &Path, bad: bool) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headings = [
        "STT",
        "Ngày tiếp nhận",
        "Họ tên, địa chỉ",
        "Số CCCD/CMND",
        "Tóm tắt nội dung vụ việc",
        "Phân loại",
        "Số người cùng nội dung",
        "Cơ quan, đơn vị đã giải quyết",
        "Thụ lý",
        "Trả lại đơn và hướng dẫn (người nhận, số văn bản)",
        "Chuyển đơn (nơi nhận, số văn bản)",
        "Theo dõi kết quả giải quyết",
        "Người ghi sổ",
    ];
    for (c, h) in headings.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    // (number, date, kind, prior, accepted, guided, forwarded, tracking)
    let mut rows = vec![
        (
            1,
            "06/01/2025",
            "Kiến nghị (Hạ tầng, giao thông)",
            "UBND phường đã trả lời năm 2024",
            "Địa chính - Xây dựng - Đô thị và Môi trường, hạn 20/01/2025",
            "",
            "",
            "Đã thay bóng đèn ngõ 12 ngày 15/01/2025",
        ),
        (
            2,
            "07/01/2025",
            "Khiếu nại (Đất đai)",
            "",
            "",
            "Tòa án nhân dân thành phố (văn bản số 15/HD-UBND ngày 10/01/2025)",
            "",
            "",
        ),
        (
            3,
            "08/01/2025",
            "Kiến nghị (Điện, nước)",
            "",
            "",
            "",
            "Công ty Điện lực thành phố (văn bản số 12/UBND ngày 09/01/2025)",
            "",
        ),
        (
            4,
            "09/01/2025",
            "Ý kiến (Chính sách xã hội)",
            "",
            "Trả lời tại chỗ",
            "",
            "",
            "Đã giải thích chế độ hộ nghèo tại buổi đối thoại",
        ),
        (
            5,
            "10/01/2025",
            "Kiến nghị (Môi trường)",
            "",
            "x",
            "",
            "",
            "",
        ),
        (
            6,
            "13/01/2025",
            "Phản ánh (Môi trường)",
            "",
            "",
            "",
            "",
            "Đã trả lời",
        ),
    ];
    if bad {
        rows.push((
            7,
            "14/01/2025",
            "Kiến nghị (Khác)",
            "",
            "Phòng Vũ trụ",
            "",
            "",
            "",
        ));
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write(row, 0, r.0).unwrap();
        ws.write(row, 1, r.1).unwrap();
        ws.write(row, 2, format!("Người dân {}, số {} ngõ 12", r.0, r.0))
            .unwrap();
        ws.write(row, 4, format!("Nội dung vụ việc số {}", r.0))
            .unwrap();
        ws.write(row, 5, r.2).unwrap();
        ws.write(row, 6, 1).unwrap();
        for (c, v) in [(7, r.3), (8, r.4), (9, r.5), (10, r.6), (11, r.7)] {
            if !v.is_empty() {
                ws.write(row, c, v).unwrap();
            }
        }
        ws.write(row, 12, "Văn thư Lan").unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn the_register_columns_8_to_12_become_the_handling() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    office(&dir);
    let bad = tmp.path().join("so-xu-ly-loi.xlsx");
    handled_register(&bad, true);
    let out = doithoai(&dir, &["import", bad.to_str().unwrap(), "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    // Every column says what it becomes; the one the product cannot take says so.
    assert!(stdout.contains("Cơ quan, đơn vị đã giải quyết"), "{stdout}");
    assert!(stdout.contains("→ Cơ quan đã giải quyết"), "{stdout}");
    assert!(stdout.contains("→ Thụ lý (bộ phận, hạn)"), "{stdout}");
    assert!(stdout.contains("→ Trả lại đơn và hướng dẫn"), "{stdout}");
    assert!(stdout.contains("→ Chuyển đơn"), "{stdout}");
    assert!(stdout.contains("→ Theo dõi kết quả"), "{stdout}");
    let ignored = stdout
        .lines()
        .position(|l| l.contains("Người ghi sổ"))
        .expect("the last column is listed");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[ignored].contains("(Không nhập)"), "{stdout}");
    assert!(
        lines[ignored + 1].contains("Không nhập: cột này bị bỏ qua."),
        "{stdout}"
    );
    assert!(
        stdout.contains("Dòng 8: Cột «Thụ lý» ghi «Phòng Vũ trụ», không phải tên bộ phận nào"),
        "{stdout}"
    );
    assert_eq!(count(&dir), 0);

    let good = tmp.path().join("so-xu-ly.xlsx");
    handled_register(&good, false);
    let out = ok(&dir, &["import", good.to_str().unwrap(), "--dry-run"]);
    assert!(
        out.contains(
            "Các cột xử lý (8–12 của Mẫu 03): 5 ý kiến được phân loại, 1 giao xử lý, 1 trả lời tại chỗ, 2 chuyển đơn hoặc trả lại và hướng dẫn, 2 có kết quả trả lời. Cột «Theo dõi kết quả» không nhập ở 1 dòng chưa thụ lý (chưa giao bộ phận)."
        ),
        "{out}"
    );
    ok(&dir, &["import", good.to_str().unwrap()]);
    let show = |no: &str| -> serde_json::Value {
        serde_json::from_str(&ok(&dir, &["handle", "show", no, "--json"])).unwrap()
    };
    let one = show("1/2025");
    let item = &one["item"];
    assert_eq!(item["status"], "answered", "{one}");
    assert_eq!(
        item["classification"]["prior"],
        "UBND phường đã trả lời năm 2024"
    );
    assert_eq!(item["assignment"]["department"], "dia_chinh");
    assert_eq!(item["assignment"]["deadline"], "2025-01-20");
    assert_eq!(
        item["answer"]["text"],
        "Đã thay bóng đèn ngõ 12 ngày 15/01/2025"
    );
    assert_eq!(item["answer"]["date"], "2025-01-15");
    let two = show("2/2025");
    assert_eq!(two["item"]["status"], "forwarded", "{two}");
    assert_eq!(two["item"]["forwarded"]["mode"], "guide");
    assert_eq!(two["item"]["forwarded"]["to"], "Tòa án nhân dân thành phố");
    assert_eq!(two["item"]["forwarded"]["letter_no"], "15/HD-UBND");
    assert_eq!(two["item"]["forwarded"]["date"], "2025-01-10");
    assert_eq!(two["item"]["classification"]["kind"], "khieu_nai");
    let three = show("3/2025");
    assert_eq!(three["item"]["forwarded"]["mode"], "forward", "{three}");
    assert_eq!(
        three["item"]["forwarded"]["to"],
        "Công ty Điện lực thành phố"
    );
    assert_eq!(show("4/2025")["item"]["status"], "notified");
    assert_eq!(show("5/2025")["item"]["status"], "classified");
    assert_eq!(show("6/2025")["item"]["status"], "received");

    // Read back: the register the product writes has the file's columns 8 to 11.
    let xlsx = tmp.path().join("so-2025.xlsx");
    ok(
        &dir,
        &[
            "report",
            "register",
            "--year",
            "2025",
            "--format",
            "xlsx",
            "--output",
            xlsx.to_str().unwrap(),
        ],
    );
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&xlsx).unwrap();
    let first = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&first).unwrap();
    let row_of = |content: &str| -> Vec<String> {
        range
            .rows()
            .find(|r| r.get(4).is_some_and(|c| c.to_string().starts_with(content)))
            .unwrap_or_else(|| panic!("no row {content}"))
            .iter()
            .map(|c| c.to_string())
            .collect()
    };
    let r1 = row_of("Nội dung vụ việc số 1");
    assert_eq!(r1[7], "UBND phường đã trả lời năm 2024");
    assert_eq!(
        r1[8],
        "Địa chính - Xây dựng - Đô thị và Môi trường, hạn 20/01/2025"
    );
    let r2 = row_of("Nội dung vụ việc số 2");
    assert_eq!(
        r2[9],
        "Tòa án nhân dân thành phố (văn bản số 15/HD-UBND ngày 10/01/2025)"
    );
    let r3 = row_of("Nội dung vụ việc số 3");
    assert_eq!(
        r3[10],
        "Công ty Điện lực thành phố (văn bản số 12/UBND ngày 09/01/2025)"
    );
    assert!(row_of("Nội dung vụ việc số 4")[8].contains("Trả lời tại chỗ"));
}
