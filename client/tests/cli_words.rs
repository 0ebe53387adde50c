//! What the command line says around the commands: clap's errors and help in Vietnamese, and the
//! log kept off the user's terminal (issue: "English leaks into the Vietnamese interface").

use std::process::{Command, Output};

fn doithoai(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doithoai"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DOITHOAI_LOG")
        .env_remove("DOITHOAI_LANG")
        .output()
        .expect("run doithoai")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const CLAP_ENGLISH: [&str; 8] = [
    "error:",
    "Usage:",
    "Options:",
    "Commands:",
    "Print help",
    "unexpected argument",
    "invalid value",
    "For more information",
];

#[test]
fn parse_errors_say_what_is_wrong_in_vietnamese() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, expect) in [
        (
            &["petition", "add", "--people", "năm"][..],
            "giá trị «năm» không hợp lệ cho --people",
        ),
        (&["petition", "add", "--peple", "3"][..], "«--people»"),
        (&["petiton", "list"][..], "không có lệnh «petiton»"),
        (&["petition", "show"][..], "thiếu tham số bắt buộc"),
    ] {
        let out = doithoai(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = text(&out);
        assert!(said.contains(expect), "{args:?}: {said}");
        assert!(said.contains("Cách dùng: doithoai"), "{args:?}: {said}");
        for english in CLAP_ENGLISH {
            assert!(!said.contains(english), "{english:?} in {args:?}: {said}");
        }
    }
}

#[test]
fn help_is_vietnamese_and_english_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["--help"][..],
        &["petition", "--help"][..],
        &["petition", "add", "--help"][..],
        &["help", "petition", "list"][..],
    ] {
        let out = doithoai(dir.path(), args);
        assert!(out.status.success(), "{args:?}");
        let said = text(&out);
        assert!(said.contains("Cách dùng:"), "{args:?}: {said}");
        for english in CLAP_ENGLISH {
            assert!(!said.contains(english), "{english:?} in {args:?}: {said}");
        }
    }
    let out = doithoai(
        dir.path(),
        &["--lang", "en", "petition", "add", "--peple", "1"],
    );
    assert!(text(&out).contains("error: unexpected argument"));
}

#[test]
fn the_log_goes_to_a_file_not_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = doithoai(
        dir.path(),
        &["init", "--name", "Nguyễn Thị Hoa", "--point", "tdp-03"],
    );
    assert!(out.status.success(), "{}", text(&out));
    // A sync with no server configured fails: its reason is told once, in Vietnamese, and no log
    // line (INFO/WARN …) reaches the terminal.
    let out = doithoai(dir.path(), &["sync"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.starts_with("Lỗi: "), "{said}");
    for level in [" INFO ", " WARN ", " ERROR ", " DEBUG "] {
        assert!(!said.contains(level), "log on the terminal: {said}");
    }
    let log = std::fs::read_to_string(dir.path().join("doithoai.log")).expect("log file");
    assert!(log.contains("command failed"), "{log}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("doithoai.log"))
            .expect("log metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the log is readable by others: {mode:o}");
    }
    let out = doithoai(dir.path(), &["-v", "sync"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARN"));
}

/// Every flag of `doithoai` has a description and every command an example (issue: "Every flag
/// has a description and every command an example").
#[test]
fn every_flag_is_described_and_every_command_has_an_example() {
    let problems = doithoai_clilang::help_problems(
        <doithoai_client::cli::Cli as clap::CommandFactory>::command(),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `--lang en --help` is English (issue: "`--lang en --help` is still Vietnamese"): every command
/// and flag of `doithoai` has an English text, and no Vietnamese word is left in any English help
/// but in the example commands.
#[test]
fn every_command_and_flag_has_an_english_text() {
    let problems = doithoai_clilang::english_help_problems(
        <doithoai_client::cli::Cli as clap::CommandFactory>::command(),
        doithoai_client::help_en::HELP_EN,
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn english_help_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, expect) in [
        (
            &["--lang", "en", "--help"][..],
            "a ward's register of residents' petitions",
        ),
        (
            &["--lang", "en", "handle", "assign", "--help"][..],
            "Assign a department to handle a petition",
        ),
        (
            &["--lang", "en", "handle", "assign", "--help"][..],
            "Examples:",
        ),
        (
            &["--lang", "en", "handle", "assign", "--help"][..],
            "doithoai handle assign 17/2026 --department cong_an --deadline 15/12/2026",
        ),
        (
            &["--lang", "en", "petition", "add", "-h"][..],
            "Citizen ID (CCCD) number",
        ),
    ] {
        let out = doithoai(dir.path(), args);
        assert!(out.status.success(), "{args:?}");
        let said = text(&out);
        assert!(said.contains(expect), "{expect:?} not in {args:?}: {said}");
        assert!(said.contains("Usage:"), "{args:?}: {said}");
        for vi in ["Cách dùng", "Tùy chọn", "Ví dụ", "ý kiến", "Mã ý kiến"] {
            assert!(!said.contains(vi), "{vi:?} in {args:?}: {said}");
        }
    }
}
