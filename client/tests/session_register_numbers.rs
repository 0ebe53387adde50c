//! A session names the register's petitions the way the office does: by register number
//! ("17/2026") as well as by id (issue: "accept them wherever a petition id is accepted").

mod common;
use common::{doithoai, ok};

#[test]
fn session_commands_accept_register_numbers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let today = doithoai_model::time::ward_now().date_naive();
    let date = doithoai_model::time::format_date(today);
    let year = chrono::Datelike::year(&today);
    ok(
        dir,
        &[
            "init",
            "--name",
            "Lê Thị Hoa - Văn phòng",
            "--point",
            "van-phong",
            "--role",
            "office",
        ],
    );
    ok(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "Trần Thị Thủy",
            "--tdp",
            "TDP 3",
            "--field",
            "moi_truong",
            "--content",
            "Rác tập kết sai giờ ở đầu ngõ",
        ],
    );
    let out = ok(dir, &["handle", "receive", "--all"]);
    let no = format!("1/{year}");
    assert!(out.contains(&no), "{out}");
    ok(
        dir,
        &[
            "session", "create", "--kind", "dinh_ky", "--date", &date, "--start", "08:00",
        ],
    );

    let out = ok(
        dir,
        &[
            "session",
            "speech",
            "add",
            "--name",
            "Trần Thị Thủy",
            "--unit",
            "TDP 3",
            "--summary",
            "Rác tập kết sai giờ",
            "--petition",
            &no,
        ],
    );
    assert!(out.contains("Ý kiến trong sổ:"), "{out}");
    let out = ok(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "Giao Địa chính kiểm tra giờ thu gom",
            "--department",
            "dia_chinh",
            "--petition",
            &no,
        ],
    );
    assert!(out.contains("— 1 ý kiến trong sổ."), "{out}");

    // A number no petition holds is refused with that number named.
    let out = doithoai(
        dir,
        &[
            "session",
            "conclusion",
            "add",
            "--text",
            "x",
            "--department",
            "dia_chinh",
            "--petition",
            "99/2026",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("99/2026"));
}
