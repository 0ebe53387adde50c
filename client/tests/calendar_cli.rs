//! The working-day calendar end to end with the real `doithoai` binary: the computed calendar of
//! a year the built-in list never had (2024), a day off the office adds moving a deadline, the
//! mark on deadlines counted through a year the office has not confirmed, and collectors reading
//! but not editing.

use std::path::Path;

mod common;
use common::{added_id, fails, ok};

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

fn petition(dir: &Path, content: &str) -> String {
    added_id(&ok(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "Nguyễn Văn Đức",
            "--tdp",
            "TDP 3",
            "--field",
            "ha_tang",
            "--content",
            content,
            "--date",
            "05/02/2024 09:00",
        ],
    ))
}

/// The line of `handle receive` with the deadline.
fn deadline_line(out: &str) -> String {
    out.lines()
        .find(|l| l.contains("Hạn thông báo"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn an_office_day_off_moves_the_deadline_and_unconfirmed_years_are_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    office(dir);

    // Tết 2024 (08–14/02) is computed: the built-in list of earlier versions had no 2024.
    let tet = petition(dir, "Đèn đường ngõ 12 hỏng");
    let out = ok(dir, &["handle", "receive", &tet, "--date", "07/02/2024"]);
    assert!(
        deadline_line(&out).contains("28/02/2024 (lịch năm 2024 chưa được văn phòng xác nhận)"),
        "{out}"
    );
    assert!(
        out.contains("doithoai calendar confirm --year 2024"),
        "{out}"
    );

    // A plain fortnight: received Tuesday 05/03/2024, due Tuesday 19/03/2024.
    let a = petition(dir, "Rác thải ở đầu ngõ 5");
    let out = ok(dir, &["handle", "receive", &a, "--date", "05/03/2024"]);
    assert!(deadline_line(&out).contains("19/03/2024"), "{out}");

    // The office records a day off (say, the ward's decision) on Tuesday 12/03/2024.
    let out = ok(
        dir,
        &[
            "calendar",
            "add",
            "12/03/2024",
            "--off",
            "--note",
            "Nghỉ theo quyết định của UBND phường",
        ],
    );
    assert!(out.contains("Đã ghi: ngày 12/03/2024"), "{out}");
    let list = ok(dir, &["calendar", "list", "--year", "2024"]);
    assert!(
        list.contains(
            "12/03/2024 Thứ Ba    nghỉ      Nghỉ theo quyết định của UBND phường [văn phòng"
        ),
        "{list}"
    );
    assert!(list.contains("10/02/2024 Thứ Bảy"), "{list}");
    assert!(list.contains("[âm lịch]"), "{list}");

    // The same day of receipt now gives Wednesday 20/03/2024, on receipt and on assignment.
    let b = petition(dir, "Rác thải ở đầu ngõ 7");
    let out = ok(dir, &["handle", "receive", &b, "--date", "05/03/2024"]);
    assert!(deadline_line(&out).contains("20/03/2024"), "{out}");
    ok(dir, &["handle", "classify", &b, "--competence", "phuong"]);
    let out = ok(dir, &["handle", "assign", &b, "--department", "dia_chinh"]);
    assert!(
        out.contains("hạn 20/03/2024 (10 ngày làm việc kể từ ngày vào sổ 05/03/2024) (lịch năm 2024 chưa được văn phòng xác nhận)"),
        "{out}"
    );
    let shown = ok(dir, &["handle", "show", &b]);
    assert!(
        shown.contains("20/03/2024 (lịch năm 2024 chưa được văn phòng xác nhận)"),
        "{shown}"
    );

    // Adding the same again changes nothing, and says so; so does a day already off.
    let out = ok(
        dir,
        &[
            "calendar",
            "add",
            "12/03/2024",
            "--off",
            "--note",
            "Nghỉ theo quyết định của UBND phường",
        ],
    );
    assert!(out.contains("Không có gì thay đổi"), "{out}");
    let out = ok(dir, &["calendar", "add", "09/02/2024", "--off"]);
    assert!(
        out.contains("Không có gì thay đổi: ngày 09/02/2024 (Thứ Sáu) đã là ngày nghỉ (Tết Nguyên đán (30 tháng Chạp), âm lịch)"),
        "{out}"
    );
    // Bad input is refused and changes nothing.
    let err = fails(dir, &["calendar", "add", "13/03/2024"]);
    assert!(err.contains("--off (ngày nghỉ) hoặc --work"), "{err}");
    let err = fails(dir, &["calendar", "add", "31/02/2024", "--off"]);
    assert!(!err.is_empty());
    let err = fails(dir, &["calendar", "remove", "14/03/2024"]);
    assert!(err.contains("không có ghi chép nào của văn phòng"), "{err}");

    // Confirmed: the mark goes.
    let out = ok(
        dir,
        &[
            "calendar",
            "confirm",
            "--year",
            "2024",
            "--note",
            "Đã đối chiếu",
        ],
    );
    assert!(out.contains("Đã xác nhận lịch năm 2024"), "{out}");
    let shown = ok(dir, &["handle", "show", &b]);
    assert!(shown.contains("20/03/2024"), "{shown}");
    assert!(!shown.contains("chưa được văn phòng xác nhận"), "{shown}");
    let list = ok(dir, &["calendar", "list", "--year", "2024"]);
    assert!(
        list.contains("Lịch năm 2024: đã được văn phòng xác nhận (Đã đối chiếu)."),
        "{list}"
    );

    // Removing the day off brings the default back.
    let out = ok(dir, &["calendar", "remove", "12/03/2024"]);
    assert!(out.contains("ngày này nay là ngày làm việc"), "{out}");
    let c = petition(dir, "Rác thải ở đầu ngõ 9");
    let out = ok(dir, &["handle", "receive", &c, "--date", "05/03/2024"]);
    assert!(deadline_line(&out).contains("19/03/2024"), "{out}");
    assert!(!out.contains("chưa được văn phòng xác nhận"), "{out}");
}

#[test]
fn collectors_read_the_calendar_but_do_not_edit_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(
        dir,
        &["init", "--name", "Tổ trưởng Hoa", "--point", "tdp-03"],
    );
    let list = ok(dir, &["calendar", "list", "--year", "2030"]);
    // Vietnam's Tết 2030 is 02/02 (China's is 03/02).
    assert!(
        list.contains("02/02/2030 Thứ Bảy   nghỉ      Tết Nguyên đán (mùng 1) [âm lịch]"),
        "{list}"
    );
    let en = ok(dir, &["--lang", "en", "calendar", "list", "--year", "2027"]);
    assert!(
        en.contains("06/02/2027 Saturday  day off   Lunar New Year (Tết) (day 1 of the new year) [lunar calendar]"),
        "{en}"
    );
    let err = fails(dir, &["calendar", "add", "10/01/2030", "--off"]);
    assert!(err.contains("không được phép"), "{err}");
    let help = ok(dir, &["calendar", "add", "--help"]);
    assert!(help.contains("Ví dụ: doithoai calendar add"), "{help}");
}
