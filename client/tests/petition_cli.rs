//! What the TDP leader and the clerk are told about petitions, through the real `doithoai`
//! binary: edits that store what they say they store, register numbers where ids are typed,
//! labels instead of codes, validation that says what is wrong, and the interactive
//! `petition add` driven through a real pseudo-terminal.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;
use common::{added_id, fails, ok};

fn show_json(dir: &Path, id: &str) -> serde_json::Value {
    serde_json::from_str(&ok(dir, &["petition", "show", id, "--json"])).expect("show --json")
}

fn init(dir: &Path, role: &str) {
    ok(
        dir,
        &[
            "init",
            "--name",
            "Nguyễn Thị Hoa",
            "--point",
            "tdp-03",
            "--role",
            role,
        ],
    );
}

fn add(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["petition", "add", "--name", "Nguyễn Văn Đức"];
    if !extra.contains(&"--content") {
        args.extend(["--content", "Đèn đường ngõ 12 hỏng"]);
    }
    args.extend_from_slice(extra);
    added_id(&ok(dir, &args))
}

#[test]
fn an_edit_of_a_resident_without_name_is_stored_and_in_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "collector");
    let id = add(dir, &["--address", "Số 5 ngõ 12", "--tdp", "TDP 3"]);

    let out = ok(
        dir,
        &[
            "petition",
            "edit",
            &id,
            "--id-number",
            "024123456789",
            "--phone",
            "0912 345 678",
        ],
    );
    assert!(out.contains("Đã cập nhật ý kiến"), "{out}");
    let v = show_json(dir, &id);
    let r = &v["petition"]["residents"][0];
    assert_eq!(r["id_number"], "024123456789", "{v}");
    assert_eq!(r["phone"], "0912 345 678", "{v}");
    // Name and address stay as they were.
    assert_eq!(r["name"], "Nguyễn Văn Đức", "{v}");
    assert_eq!(r["address"], "Số 5 ngõ 12", "{v}");
    let history = v["history"].as_array().unwrap().clone();
    assert_eq!(history.len(), 2, "{v}");
    assert_eq!(history[1]["op"], "petition.edit");
    let after = history[1]["fields"][0]["after"].as_str().unwrap();
    assert!(after.contains("024123456789"), "{after}");

    ok(dir, &["petition", "edit", &id, "--address", "Số 7 ngõ 12"]);
    let v = show_json(dir, &id);
    assert_eq!(v["petition"]["residents"][0]["address"], "Số 7 ngõ 12");
    assert_eq!(
        v["petition"]["residents"][0]["id_number"], "024123456789",
        "an address edit keeps the ID number"
    );
    let text = ok(dir, &["petition", "show", &id]);
    assert!(
        text.contains("Số 5 ngõ 12") && text.contains("Số 7 ngõ 12"),
        "{text}"
    );

    // The same values again: nothing is written, and the user is told so.
    let out = ok(dir, &["petition", "edit", &id, "--address", "Số 7 ngõ 12"]);
    assert!(out.contains("Không có gì thay đổi"), "{out}");
    assert!(!out.contains("Đã cập nhật"), "{out}");
    assert_eq!(show_json(dir, &id)["history"].as_array().unwrap().len(), 3);
    // Nothing to change at all is a mistake.
    let err = fails(dir, &["petition", "edit", &id]);
    assert!(err.contains("Chưa nêu mục nào để sửa"), "{err}");
    // A second resident needs a name.
    let err = fails(
        dir,
        &[
            "petition",
            "edit",
            &id,
            "--phone",
            "",
            "--phone",
            "0987654321",
        ],
    );
    assert!(err.contains("Người dân thứ 2 chưa có họ tên"), "{err}");
    // An invalid ID number is refused and changes nothing.
    let err = fails(dir, &["petition", "edit", &id, "--id-number", "12ab"]);
    assert!(err.contains("CCCD"), "{err}");
    assert_eq!(
        show_json(dir, &id)["petition"]["residents"][0]["id_number"],
        "024123456789"
    );
}

#[test]
fn dates_fields_statuses_and_queries_are_checked_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "collector");
    let err = fails(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "A",
            "--content",
            "x",
            "--date",
            "31/02/2026",
        ],
    );
    assert!(err.contains("31/02/2026 không phải là một ngày"), "{err}");
    assert!(!err.contains("tương lai"), "{err}");

    // A field by a part of its label, with or without diacritics.
    for typed in ["giao thông", "giao thong", "Hạ tầng", "ha_tang"] {
        let id = add(dir, &["--field", typed]);
        assert_eq!(
            show_json(dir, &id)["petition"]["field"],
            "ha_tang",
            "{typed}"
        );
    }
    let err = fails(
        dir,
        &[
            "petition",
            "add",
            "--name",
            "A",
            "--content",
            "x",
            "--field",
            "vũ trụ",
        ],
    );
    assert!(err.contains("Lĩnh vực «vũ trụ» không có"), "{err}");

    let err = fails(dir, &["petition", "list", "--status", "xyz"]);
    assert!(err.contains("Trạng thái «xyz» không hợp lệ"), "{err}");
    assert!(err.contains("collected (Mới ghi nhận)"), "{err}");
    assert!(err.contains("closed"), "{err}");
    let err = fails(dir, &["petition", "list", "--text", "!!! ..."]);
    assert!(err.contains("không lọc được gì"), "{err}");
    // A query with a word still filters.
    let out = ok(dir, &["petition", "list", "--text", "den duong!"]);
    assert!(out.contains("(4 ý kiến)"), "{out}");
}

#[test]
fn the_office_and_the_leader_read_register_numbers_and_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "office");
    // Three petitions recorded on the same day, registered in that order.
    let a = add(dir, &["--date", "02/11/2026"]);
    let b = add(dir, &["--date", "02/11/2026", "--content", "Rác ở đầu ngõ"]);
    let c = add(
        dir,
        &["--date", "02/11/2026", "--content", "Ngõ 5 ngập nước"],
    );
    ok(dir, &["handle", "receive", &b, "--date", "03/11/2026"]);
    ok(dir, &["handle", "receive", &c, "--date", "03/11/2026"]);
    ok(dir, &["handle", "receive", &a, "--date", "03/11/2026"]);

    let list = ok(dir, &["petition", "list"]);
    let pos = |id: &str| list.find(id).unwrap_or_else(|| panic!("{id} in {list}"));
    // Same date: by register number, newest first (3/2026, 2/2026, 1/2026).
    assert!(pos(&a) < pos(&c) && pos(&c) < pos(&b), "{list}");
    let line_a = list.lines().find(|l| l.contains(&a)).unwrap();
    assert!(line_a.starts_with("3/2026"), "{list}");

    // A register number is accepted where an id is.
    let show = ok(dir, &["petition", "show", "1/2026"]);
    assert!(show.contains(&b), "{show}");
    assert!(show.contains("Số vào sổ: 1/2026"), "{show}");
    let err = fails(dir, &["petition", "show", "9/2026"]);
    assert!(err.contains("9/2026"), "{err}");

    ok(
        dir,
        &[
            "handle",
            "classify",
            "1/2026",
            "--kind",
            "phan_anh",
            "--field",
            "giao thông",
            "--competence",
            "phuong",
        ],
    );
    ok(
        dir,
        &["handle", "assign", "1/2026", "--department", "địa chính"],
    );
    let show = ok(dir, &["handle", "show", "1/2026"]);
    assert!(!show.contains("phan_anh; ha_tang; phuong"), "{show}");
    assert!(
        show.contains("Phản ánh; Hạ tầng, giao thông, chiếu sáng, thoát nước; Phường"),
        "{show}"
    );
    assert!(!show.contains("dia_chinh;"), "{show}");
    assert!(
        show.contains("Địa chính - Xây dựng - Đô thị và Môi trường; hạn"),
        "{show}"
    );

    ok(
        dir,
        &[
            "handle",
            "answer",
            "1/2026",
            "--text",
            "Đã thu gom",
            "--by",
            "Cán bộ môi trường",
        ],
    );
    ok(
        dir,
        &["handle", "approve", "1/2026", "--approver", "Chủ tịch UBND"],
    );
    let err = fails(dir, &["handle", "notify", "1/2026", "--channel", "bồ câu"]);
    assert!(
        err.contains("to_truong (Qua tổ trưởng tổ dân phố)"),
        "{err}"
    );
    ok(
        dir,
        &["handle", "notify", "1/2026", "--channel", "qua to truong"],
    );
    ok(dir, &["handle", "close", "1/2026"]);

    // Editing what the office closed is saved, with a warning.
    let out = ok(dir, &["petition", "edit", "1/2026", "--people", "3"]);
    assert!(out.contains("Đã cập nhật ý kiến"), "{out}");
    assert!(out.contains("văn phòng phường đã đóng ý kiến này"), "{out}");
    assert_eq!(show_json(dir, &b)["petition"]["people_count"], 3);
}

// ---------------------------------------------------------------------------------------------
// The interactive `petition add`, through a real pseudo-terminal.
// ---------------------------------------------------------------------------------------------

/// A process whose terminal is the slave side of a pseudo-terminal this test holds the master
/// of: what it writes is collected, what the test sends is what a user types.
struct Pty {
    master: std::fs::File,
    child: std::process::Child,
    out: Arc<Mutex<Vec<u8>>>,
    seen: usize,
}

impl Pty {
    fn spawn(dir: &Path, args: &[&str]) -> Pty {
        let (mut m, mut s) = (0, 0);
        let ws = libc::winsize {
            ws_row: 50,
            ws_col: 200,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two new file descriptors into m and s.
        let rc =
            unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened and are owned here only.
        let (master, slave) = unsafe { (std::fs::File::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_doithoai"));
        cmd.arg("--data-dir")
            .arg(dir)
            .args(args)
            .env_remove("DOITHOAI_LANG")
            .env_remove("DOITHOAI_DATA_DIR")
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new session whose
        // controlling terminal is the pty (so /dev/tty is it, as in a real terminal).
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn doithoai in a pty");
        drop(cmd);
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            // Reading the master fails with EIO once the child has closed the terminal.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            child,
            out,
            seen: 0,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    /// Waits until `needle` appears after what earlier expectations matched.
    fn expect(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            {
                let out = self.out.lock().unwrap();
                let tail = String::from_utf8_lossy(&out[self.seen.min(out.len())..]).into_owned();
                if let Some(i) = tail.find(needle) {
                    self.seen += tail[..i + needle.len()].len();
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} did not appear; the terminal shows:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn send(&mut self, s: &str) {
        // In chunks, as a terminal delivers a paste.
        for chunk in s.as_bytes().chunks(512) {
            self.master.write_all(chunk).unwrap();
            self.master.flush().unwrap();
        }
    }

    /// Types a line and presses Enter.
    fn line(&mut self, s: &str) {
        self.send(s);
        self.send("\r");
    }

    fn wait(mut self) -> (bool, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                return (st.success(), self.text());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "doithoai did not exit; the terminal shows:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn interactive_add_checks_each_answer_keeps_a_draft_and_reads_long_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir, "collector");
    // Longer than the terminal's 4096-byte canonical line buffer, with multi-byte characters.
    let long: String = (1..=160)
        .map(|i| format!("Đèn đường ngõ {i} hỏng đã lâu, người dân đi lại khó khăn. "))
        .collect::<String>()
        .trim()
        .to_owned();
    assert!(long.len() > 9000, "{}", long.len());

    let mut t = Pty::spawn(dir, &["petition", "add"]);
    t.expect("Ngày ghi nhận");
    t.line("31/02/2026");
    t.expect("không phải là một ngày");
    t.expect("Ngày ghi nhận");
    t.line("");
    t.expect("Họ tên người dân");
    t.line("");
    t.expect("chưa có họ tên");
    t.line("Nguyễn Văn Đức");
    t.expect("Địa chỉ");
    t.line("Số 5 ngõ 12 Lê Lợi");
    t.expect("Tổ dân phố");
    t.line("TDP 3");
    t.expect("Số điện thoại");
    t.line("09abc");
    t.expect("Số điện thoại «09abc» không hợp lệ");
    t.line("0912345678");
    t.expect("Số CCCD");
    t.line("123");
    t.expect("«123» không hợp lệ");
    t.line("024123456789");
    t.expect("Số người cùng ý kiến");
    t.line("năm");
    t.expect("«năm» không phải là một số");
    t.line("5");
    t.expect("Loại (số hoặc tên)");
    t.line("2");
    t.expect("Lĩnh vực (không bắt buộc)");
    // Suggested while typing, diacritics ignored.
    t.send("giao thong");
    t.expect("→ Hạ tầng, giao thông, chiếu sáng, thoát nước (ha_tang)");
    t.send("\r");
    t.expect("Nội dung");
    t.line(&long);
    t.expect("Đề nghị của người dân");
    // Ctrl-C: the answers so far are kept.
    t.send("\x03");
    t.expect("bản nháp");
    let (success, screen) = t.wait();
    assert!(!success, "an interrupted entry is not a success:\n{screen}");
    assert!(!screen.contains("valid UTF-8"), "{screen}");
    let list = ok(dir, &["petition", "list"]);
    assert!(
        list.contains("Không có ý kiến nào"),
        "nothing saved yet: {list}"
    );

    // The next run offers the draft; an unclear answer is asked again.
    let mut t = Pty::spawn(dir, &["petition", "add"]);
    t.expect("Có một ý kiến đang ghi dở");
    t.expect("Nguyễn Văn Đức");
    t.line("có lẽ");
    t.expect("Câu trả lời chưa rõ");
    t.line("c");
    t.expect("Đề nghị của người dân");
    t.line("Đề nghị thay bóng đèn");
    t.expect("Địa điểm");
    t.line("ngõ 12 Lê Lợi");
    t.expect("Muốn phát biểu");
    t.line("maybe");
    t.expect("Câu trả lời chưa rõ");
    t.line("có");
    t.expect("Đã lưu ý kiến");
    let (success, screen) = t.wait();
    assert!(success, "{screen}");

    let rows: serde_json::Value =
        serde_json::from_str(&ok(dir, &["petition", "list", "--json"])).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let v = show_json(dir, rows[0]["id"].as_str().unwrap());
    let p = &v["petition"];
    assert_eq!(
        p["content"].as_str().unwrap(),
        long,
        "the whole pasted text"
    );
    assert_eq!(p["residents"][0]["phone"], "0912345678");
    assert_eq!(p["residents"][0]["id_number"], "024123456789");
    assert_eq!(p["residents"][0]["tdp"], "TDP 3");
    assert_eq!(p["people_count"], 5);
    assert_eq!(p["kind"], "phan_anh");
    assert_eq!(p["field"], "ha_tang");
    assert_eq!(p["request"], "Đề nghị thay bóng đèn");
    assert_eq!(p["wants_to_speak"], true);

    // The draft is gone once saved. A terminal killed mid-entry keeps what was answered.
    let mut t = Pty::spawn(dir, &["petition", "add"]);
    t.expect("Ngày ghi nhận");
    t.line("01/11/2026 08:30");
    t.expect("Họ tên người dân");
    t.line("Trần Thị Thủy");
    t.expect("Địa chỉ");
    // SAFETY: sends SIGKILL to the child this test spawned.
    unsafe { libc::kill(t.child.id() as i32, libc::SIGKILL) };
    let _ = t.wait();
    let mut t = Pty::spawn(dir, &["petition", "add"]);
    t.expect("Có một ý kiến đang ghi dở");
    t.expect("Trần Thị Thủy");
    t.line("c");
    // Date and name are not asked again.
    t.expect("Địa chỉ");
    let before_address = t.text();
    assert!(
        !before_address[before_address.rfind("ghi dở").unwrap()..].contains("Họ tên người dân"),
        "{before_address}"
    );
    t.send("\x03");
    let _ = t.wait();
    let mut t = Pty::spawn(dir, &["petition", "add"]);
    t.expect("Có một ý kiến đang ghi dở");
    t.line("k");
    t.expect("Đã bỏ bản nháp");
    t.expect("Ngày ghi nhận");
    t.send("\x03");
    let _ = t.wait();
}
