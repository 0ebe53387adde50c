//! The office's command line end to end: the real `doithoai` binary on an office device records
//! petitions at its own desk, registers, classifies, assigns, answers, approves, notifies and
//! closes them, and writes the register as XLSX.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

mod common;
use common::{added_id, fails, ok};

#[test]
fn office_handles_a_petition_from_receipt_to_the_register() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
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

    let a = added_id(&ok(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "Nguyễn Văn Đức",
            "--address",
            "Số 5 ngõ 12 Lê Lợi",
            "--tdp",
            "TDP 3",
            "--id-number",
            "024123456789",
            "--field",
            "ha_tang",
            "--content",
            "Đèn đường ngõ 12 hỏng hai tháng nay",
            "--request",
            "Thay bóng đèn",
            "--place",
            "ngõ 12 Lê Lợi",
            "--people",
            "5",
            "--date",
            "12/02/2026 19:30",
        ],
    ));
    let b = added_id(&ok(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "Trần Thị Thủy",
            "--tdp",
            "TDP 3",
            "--field",
            "ha_tang",
            "--content",
            "Ngõ 12 Lê Lợi mất đèn chiếu sáng",
            "--place",
            "ngõ 12 Lê Lợi",
            "--people",
            "3",
            "--date",
            "13/02/2026 08:00",
        ],
    ));

    // Received on Friday 13/02/2026, just before Tết (16–20/02/2026).
    let out = ok(dir, &["handle", "receive", &a, &b, "--date", "13/02/2026"]);
    assert!(
        out.contains("Đã vào sổ số 1/2026 (ngày 13/02/2026)"),
        "{out}"
    );
    assert!(out.contains("Đã vào sổ số 2/2026"), "{out}");
    assert!(
        out.contains("06/03/2026"),
        "ten working days after Tết: {out}"
    );
    // Receiving twice is refused, in Vietnamese.
    let err = fails(dir, &["handle", "receive", &a]);
    assert!(err.contains("đã được vào sổ (số 1/2026)"), "{err}");
    // Skipping classification is refused with what to do next.
    let err = fails(
        dir,
        &["handle", "assign", "1/2026", "--department", "dia_chinh"],
    );
    assert!(err.contains("Hãy phân loại trước"), "{err}");
    assert!(err.contains("Lệnh: doithoai handle classify"), "{err}");

    let out = ok(
        dir,
        &["handle", "classify", "1/2026", "--competence", "phuong"],
    );
    assert!(out.contains("Đã phân loại số 1/2026"), "{out}");
    assert!(out.contains("Có thể trùng với"), "{out}");
    ok(dir, &["handle", "classify", &b]);
    let out = ok(dir, &["handle", "merge", &b, "--into", "1/2026"]);
    assert!(out.contains("Nhóm có 2 ý kiến, 8 người"), "{out}");

    let out = ok(
        dir,
        &[
            "handle",
            "assign",
            "1/2026",
            "--department",
            "Địa chính - Xây dựng - Đô thị và Môi trường",
        ],
    );
    assert!(out.contains("hạn 06/03/2026 (10 ngày làm việc"), "{out}");
    let err = fails(dir, &["handle", "approve", &a]);
    assert!(err.contains("Chưa có nội dung trả lời"), "{err}");
    ok(
        dir,
        &[
            "handle",
            "answer",
            &a,
            "--text",
            "Phường đã thay bóng đèn ngõ 12",
            "--doc-no",
            "45/UBND-ĐC",
            "--legal-basis",
            "Kế hoạch 45/KH-UBND",
            "--by",
            "Nguyễn Văn Minh",
            "--date",
            "02/03/2026",
        ],
    );
    ok(
        dir,
        &[
            "handle",
            "approve",
            &a,
            "--approver",
            "Chủ tịch UBND phường",
        ],
    );
    let out = ok(
        dir,
        &[
            "handle",
            "notify",
            &a,
            "--channel",
            "to_truong",
            "--date",
            "04/03/2026",
        ],
    );
    assert!(out.contains("qua tổ trưởng tổ dân phố"), "{out}");
    ok(dir, &["handle", "close", &a]);
    ok(dir, &["handle", "close", &b]);

    let list = ok(dir, &["petition", "list", "--status", "closed"]);
    assert!(list.contains("(2 ý kiến)"), "{list}");
    let show = ok(dir, &["handle", "show", "1/2026"]);
    for op in [
        "Vào sổ tiếp nhận",
        "Phân loại",
        "Giao xử lý",
        "Ghi nội dung trả lời",
        "Duyệt trả lời",
        "Thông báo cho người dân",
        "Kết thúc",
    ] {
        assert!(show.contains(op), "{op} missing from:\n{show}");
    }
    assert!(show.contains("Văn thư Lan"));
    assert_eq!(
        ok(dir, &["handle", "conflicts"]).trim(),
        "Không có xung đột nào cần giải quyết."
    );

    // The index keeps the handling across a rebuild.
    ok(dir, &["index", "rebuild"]);
    let list = ok(dir, &["petition", "list", "--status", "closed"]);
    assert!(list.contains("(2 ý kiến)"), "{list}");

    let xlsx = dir.join("so-tiep-nhan.xlsx");
    let out = ok(
        dir,
        &[
            "report",
            "register",
            "--year",
            "2026",
            "--format",
            "xlsx",
            "--output",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(out.contains("(2 ý kiến)"), "{out}");
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(std::fs::read(&xlsx).unwrap())).unwrap();
    let range = wb.worksheet_range("Sổ tiếp nhận").unwrap();
    let cell = |r: u32, c: u32| match range.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::DateTime(d)) => format!("serial {}", d.as_f64()),
        other => format!("{other:?}"),
    };
    assert_eq!(cell(3, 0), "STT");
    assert_eq!(cell(3, 11), "Theo dõi kết quả giải quyết");
    assert_eq!(cell(5, 0), "1");
    // 13/02/2026 is Excel day 46066.
    assert_eq!(cell(5, 1), "serial 46066");
    assert_eq!(cell(5, 2), "Nguyễn Văn Đức, Số 5 ngõ 12 Lê Lợi, TDP 3");
    assert_eq!(cell(5, 3), "024123456789");
    assert_eq!(cell(5, 6), "8");
    assert_eq!(
        cell(5, 8),
        "Địa chính - Xây dựng - Đô thị và Môi trường, hạn 06/03/2026"
    );
    assert_eq!(
        cell(5, 11),
        "Kết quả: Phường đã thay bóng đèn ngõ 12 (văn bản trả lời số 45/UBND-ĐC, ngày 02/03/2026); đã thông báo ngày 04/03/2026 (qua tổ trưởng tổ dân phố); đã kết thúc"
    );
    assert_eq!(cell(6, 0), "2");
    assert_eq!(
        cell(6, 11),
        "Trùng nội dung, gộp vào số 1/2026 (đã kết thúc)"
    );

    // The summary as CSV with a byte-order mark, and English on demand.
    let csv = dir.join("tong-hop.csv");
    ok(
        dir,
        &[
            "report",
            "summary",
            "--quarter",
            "1/2026",
            "--output",
            csv.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("\"Tổng số ý kiến, kiến nghị\",2\r\n"),
        "{text}"
    );
    let en = ok(
        dir,
        &[
            "--lang",
            "en",
            "report",
            "summary",
            "--month",
            "2/2026",
            "--as-of",
            "30/03/2026",
        ],
    );
    assert!(en.contains("SUMMARY OF RESIDENTS' PETITIONS"), "{en}");
    assert!(en.contains("Petitions: 2"), "{en}");
}

#[test]
fn overdue_renumber_refusals_and_roles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(
        dir,
        &[
            "init",
            "--name",
            "Văn thư Hoa",
            "--point",
            "van-phong",
            "--role",
            "office",
        ],
    );
    let a = added_id(&ok(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "Lê Văn Hùng",
            "--tdp",
            "TDP 5",
            "--kind",
            "khieu_nai",
            "--field",
            "dat_dai",
            "--content",
            "Khiếu nại quyết định thu hồi đất",
            "--date",
            "02/11/2026",
        ],
    ));
    let b = added_id(&ok(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "Phạm Thị Lan",
            "--tdp",
            "TDP 3",
            "--field",
            "moi_truong",
            "--content",
            "Rác thải tập kết sai nơi quy định",
            "--date",
            "02/11/2026",
        ],
    ));
    ok(dir, &["handle", "receive", "--all", "--date", "03/11/2026"]);
    // A complaint is flagged and cannot be assigned.
    let out = ok(dir, &["handle", "classify", &a]);
    assert!(out.contains("Luật Khiếu nại"), "{out}");
    let err = fails(dir, &["handle", "assign", &a, "--department", "dia_chinh"]);
    assert!(
        err.contains("không giao xử lý như kiến nghị thông thường"),
        "{err}"
    );
    ok(
        dir,
        &[
            "handle",
            "forward",
            &a,
            "--guide",
            "--to",
            "Chủ tịch UBND thành phố",
            "--letter",
            "15/HD-UBND",
            "--date",
            "05/11/2026",
        ],
    );
    // Filing needs a reason.
    ok(dir, &["handle", "classify", &b]);
    let err = fails(dir, &["handle", "file", &b, "--reason", " "]);
    // The library says which input; the terminal names the flag (a web page names the field).
    assert!(
        err.contains("Cần nhập lý do. (Ghi bằng --reason.)"),
        "{err}"
    );
    ok(
        dir,
        &[
            "handle",
            "assign",
            &b,
            "--department",
            "dia_chinh",
            "--deadline",
            "10/11/2026",
        ],
    );

    let out = ok(dir, &["handle", "overdue", "--date", "20/11/2026"]);
    assert!(out.contains("Quá hạn giải quyết"), "{out}");
    assert!(out.contains("10/11/2026"), "{out}");
    assert!(!out.contains("Chủ tịch UBND thành phố"), "{out}");

    // No silent renumbering.
    let err = fails(dir, &["handle", "renumber", &b]);
    assert!(err.contains("không bị trùng"), "{err}");
    let out = ok(
        dir,
        &["handle", "renumber", &b, "--reason", "Nhập nhầm ngày"],
    );
    assert!(out.contains("/2026 → 3/2026"), "{out}");
    let show = ok(dir, &["handle", "show", &b]);
    assert!(show.contains("Đánh lại số vào sổ"), "{show}");

    // The TDP leader's relay mark on the petition becomes the office's notification.
    let d = added_id(&ok(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "Đỗ Văn Nam",
            "--tdp",
            "TDP 5",
            "--field",
            "an_ninh",
            "--content",
            "Đề nghị tăng cường tuần tra ban đêm",
            "--date",
            "16/11/2026",
        ],
    ));
    ok(dir, &["handle", "receive", &d, "--date", "16/11/2026"]);
    ok(dir, &["handle", "classify", &d]);
    ok(dir, &["handle", "assign", &d, "--department", "cong_an"]);
    ok(
        dir,
        &[
            "handle",
            "answer",
            &d,
            "--text",
            "Công an phường tăng cường tuần tra từ 20/11",
        ],
    );
    let err = fails(dir, &["handle", "notify", &d]);
    assert!(err.contains("Cần chọn hình thức thông báo"), "{err}");
    assert!(err.contains("(Ghi bằng --channel.)"), "{err}");
    assert!(err.contains("Lệnh: doithoai handle notify"), "{err}");
    ok(dir, &["handle", "approve", &d]);
    let out = ok(dir, &["handle", "notify", "--relayed"]);
    assert!(out.contains("Không có ý kiến đã duyệt nào"), "{out}");
    ok(
        dir,
        &["petition", "edit", &d, "--relayed", "Đã báo tại họp tổ"],
    );
    let out = ok(dir, &["handle", "notify", "--relayed"]);
    assert!(out.contains("Đã ghi thông báo cho người dân"), "{out}");
    assert!(out.contains("qua tổ trưởng tổ dân phố"), "{out}");
    let show = ok(dir, &["handle", "show", &d]);
    assert!(show.contains("Đã báo tại họp tổ"), "{show}");
    ok(dir, &["handle", "close", &d]);

    // A TDP device may not handle petitions.
    let tdp = tempfile::tempdir().unwrap();
    ok(
        tdp.path(),
        &["init", "--name", "Tổ trưởng TDP 3", "--point", "tdp-03"],
    );
    let c = added_id(&ok(
        tdp.path(),
        &[
            "petition",
            "add",
            "--name",
            "Vũ Văn Bình",
            "--content",
            "Cống tắc",
        ],
    ));
    let err = fails(tdp.path(), &["handle", "receive", &c]);
    assert!(err.contains("Chỉ máy của văn phòng phường"), "{err}");
    let err = fails(tdp.path(), &["--lang", "en", "handle", "receive", &c]);
    assert!(err.contains("Only ward office devices"), "{err}");
}
