//! `handle overdue` says why each petition is late as its state is: a classified petition past
//! the 10-working-day acceptance limit is not "Chưa phân loại" (issue: the summary and the
//! overdue list flagged classified items as unclassified).

mod common;
use common::ok;

#[test]
fn a_classified_petition_is_not_called_unclassified() {
    let tmp = tempfile::tempdir().expect("tempdir");
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
    for (name, content) in [
        ("Phạm Thị Lan", "Rác thải tập kết sai nơi quy định"),
        ("Nguyễn Văn Đức", "Đèn đường ngõ 12 hỏng hai tháng nay"),
    ] {
        ok(
            dir,
            &[
                "petition",
                "add",
                "--name",
                name,
                "--tdp",
                "TDP 3",
                "--field",
                "ha_tang",
                "--content",
                content,
                "--date",
                "02/11/2026",
            ],
        );
    }
    ok(dir, &["handle", "receive", "--all", "--date", "03/11/2026"]);
    ok(
        dir,
        &["handle", "classify", "1/2026", "--competence", "phuong"],
    );

    let out = ok(dir, &["handle", "overdue", "--date", "30/11/2026"]);
    let line = |no: &str| {
        out.lines()
            .find(|l| l.starts_with(no))
            .unwrap_or_else(|| panic!("no line for {no} in:\n{out}"))
            .to_owned()
    };
    let classified = line("1/2026");
    assert!(
        classified.contains("Đã phân loại, chưa thụ lý quá 10 ngày làm việc"),
        "{out}"
    );
    assert!(!classified.contains("Chưa phân loại"), "{out}");
    let waiting = line("2/2026");
    assert!(
        waiting.contains("Chưa phân loại, thụ lý quá 10 ngày làm việc"),
        "{out}"
    );

    let out = ok(
        dir,
        &["--lang", "en", "handle", "overdue", "--date", "30/11/2026"],
    );
    assert!(
        out.contains("Classified, not accepted or routed within 10 working days"),
        "{out}"
    );
}
