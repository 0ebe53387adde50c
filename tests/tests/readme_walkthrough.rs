//! README's walk-throughs, run as written.
//!
//! Every `sh` block under a "Walk-through" heading of README.md is read from the file and run,
//! line by line, in order, on a fresh directory: the aliases become the binaries cargo built, the
//! server line starts the real server, `serve` runs in the background. Only what README itself
//! marks as a placeholder is replaced: the address's port (a free one), enrolment codes (the ones
//! the server printed a few lines before), `<device id>`, the example petition id `1a2b3c4d`, the
//! register number `17/2026` and the USB path of the backup. Every command must exit 0, and after
//! the walk-through the documents must hold what the commands said they did. When README changes,
//! this test runs the new text; a walk-through that rots fails here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use doithoai_e2e::{bin, free_port};

/// One logical line of a walk-through (continuations joined), with the heading it is under.
struct Line {
    section: String,
    text: String,
}

fn walkthrough_lines(readme: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut section = String::new();
    let mut in_block = false;
    let mut pending = String::new();
    for raw in readme.lines() {
        if !in_block {
            if let Some(h) = raw.strip_prefix("## ") {
                section = h.trim().to_owned();
            } else if raw.trim() == "```sh" && section.starts_with("Walk-through") {
                in_block = true;
            }
            continue;
        }
        if raw.trim() == "```" {
            in_block = false;
            continue;
        }
        let trimmed = raw.trim_end();
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let text = std::mem::take(&mut pending);
        let code = strip_comment(&text);
        if !code.trim().is_empty() {
            lines.push(Line {
                section: section.clone(),
                text: text.trim().to_owned(),
            });
        }
    }
    lines
}

/// The line without a trailing `# comment` (outside quotes).
fn strip_comment(line: &str) -> String {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() => return line[..i].trim_end().to_owned(),
            _ => {}
        }
        prev = c;
    }
    line.trim_end().to_owned()
}

/// `alias NAME='cargo run -q --release --bin BIN -- ARGS'` → (NAME, BIN, ARGS).
fn alias_of(line: &str) -> Option<(String, String, String)> {
    let rest = line.strip_prefix("alias ")?;
    let (name, value) = rest.split_once('=')?;
    let value = value.trim().trim_matches('\'');
    let after_bin = value.split_once("--bin ")?.1;
    let (bin_name, args) = after_bin.split_once(" --").unwrap_or((after_bin, ""));
    Some((
        name.trim().to_owned(),
        bin_name.trim().to_owned(),
        args.trim().to_owned(),
    ))
}

/// Whether the line only sets shell variables (`A=1; B="x"`).
fn is_assignment(line: &str) -> bool {
    line.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .all(|p| {
            p.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
}

fn enrolment_code(output: &str) -> Option<String> {
    output
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .find(|w| {
            // `IIII-SSSSSSSS`, and the fingerprint part of a self-signed server's codes.
            let b = w.as_bytes();
            (b.len() == 13 || (b.len() == 40 && b[13] == b'-'))
                && b[4] == b'-'
                && w.chars()
                    .enumerate()
                    .all(|(i, c)| i == 4 || i == 13 || c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .map(str::to_owned)
}

struct Walk {
    dir: PathBuf,
    port: u16,
    prelude: String,
    /// alias name → binary name.
    aliases: BTreeMap<String, String>,
    subst: Vec<(String, String)>,
    background: Vec<Child>,
    transcript: String,
}

impl Drop for Walk {
    fn drop(&mut self) {
        for c in &mut self.background {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Walk {
    fn bash(&self, script: &str) -> Command {
        let mut c = Command::new("bash");
        c.arg("-c")
            .arg(format!("{}\n{script}", self.prelude))
            .current_dir(&self.dir)
            .env("DOITHOAI_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("DOITHOAI_LANG", "vi")
            .env_remove("DOITHOAI_LOG")
            .env_remove("DOITHOAI_DATA_DIR");
        c
    }

    fn run(&mut self, script: &str) -> Output {
        let out = self.bash(script).output().expect("run bash");
        self.transcript.push_str(&format!(
            "$ {script}\n{}{}\n",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        out
    }

    fn ok(&mut self, script: &str) -> String {
        let out = self.run(script);
        assert!(
            out.status.success(),
            "README command failed: {script}\n--- transcript ---\n{}",
            self.transcript
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn alias_for(&self, bin_name: &str) -> String {
        self.aliases
            .iter()
            .find(|(_, b)| b.as_str() == bin_name)
            .map(|(a, _)| a.clone())
            .unwrap_or_else(|| panic!("README defines no alias for {bin_name}"))
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server of README's walk-through did not start");
    }

    fn substitute(&self, line: &str) -> String {
        let mut s = line.replace("127.0.0.1:8800", &format!("127.0.0.1:{}", self.port));
        for (from, to) in &self.subst {
            s = s.replace(from, to);
        }
        s
    }

    /// The JSON list of petitions of the client alias `who`.
    fn petitions(&mut self, who: &str) -> Vec<serde_json::Value> {
        let out = self.ok(&format!("{who} petition list --json"));
        serde_json::from_str(&out).expect("petition list --json")
    }

    fn petition_of(&mut self, who: &str, resident: &str) -> serde_json::Value {
        self.petitions(who)
            .into_iter()
            .find(|p| {
                p["residents"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(resident)
            })
            .unwrap_or_else(|| panic!("{who} has no petition of {resident}:\n{}", self.transcript))
    }
}

#[test]
fn readme_walkthroughs_run_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let lines = walkthrough_lines(&readme);
    assert!(lines.len() > 20, "README's walk-throughs were not found");

    let work = tempfile::tempdir().expect("tempdir");
    let mut walk = Walk {
        dir: work.path().to_path_buf(),
        port: free_port(),
        prelude: String::from("set -eo pipefail\n"),
        aliases: BTreeMap::new(),
        subst: vec![(
            "/media/usb/".to_owned(),
            format!("{}/usb/", work.path().display()),
        )],
        background: Vec::new(),
        transcript: String::new(),
    };
    std::fs::create_dir_all(work.path().join("usb")).expect("usb dir");

    for line in &lines {
        let code = strip_comment(&line.text);
        if let Some((name, bin_name, args)) = alias_of(&code) {
            walk.prelude.push_str(&format!(
                "{name}() {{ {:?} {args} \"$@\"; }}\n",
                bin(&bin_name).display().to_string()
            ));
            walk.aliases.insert(name, bin_name);
            continue;
        }
        if is_assignment(&code) {
            // `K=$(cat data/admin.secret); H=…`: shell variables the next lines of the block use.
            let script = walk.substitute(&code);
            walk.prelude.push_str(&script);
            walk.prelude.push('\n');
            walk.transcript.push_str(&format!("$ {script}\n"));
            continue;
        }
        let words: Vec<&str> = code.split_whitespace().collect();
        let is_server = walk.aliases.get(words[0]).map(String::as_str) == Some("doithoai-server");
        if is_server && words.len() == 1 {
            // "in one terminal: serves …": the server, in the background.
            let child = walk
                .bash(words[0])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the server");
            walk.background.push(child);
            walk.wait_healthy();
            walk.transcript.push_str(&format!("$ {code} &\n"));
            continue;
        }
        if words.get(1) == Some(&"serve") {
            let script = walk.substitute(&code);
            let child = walk
                .bash(&script)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start serve");
            walk.background.push(child);
            walk.transcript.push_str(&format!("$ {script} &\n"));
            continue;
        }
        if is_server && words.get(1) == Some(&"device") && words.get(2) == Some(&"revoke") {
            // `<device id>`: a device made for being revoked, so the walk-through's laptops stay.
            let srv = walk.alias_for("doithoai-server");
            walk.ok(&format!(
                "{srv} device add --ward dinh-ke --role collector --point tdp-03 --name 'README spare'"
            ));
            let list = walk.ok(&format!("{srv} device list --json"));
            let devices: Vec<serde_json::Value> = serde_json::from_str(&list).expect("json");
            let spare = devices
                .iter()
                .find(|d| d["name"] == "README spare")
                .and_then(|d| d["id"].as_str())
                .expect("spare device")
                .to_owned();
            walk.subst.push(("<device id>".into(), spare.clone()));
            walk.subst.push(("<id>".into(), spare));
        }
        if code.contains("1a2b3c4d") {
            let who = words[0].to_owned();
            let p = walk.petition_of(&who, "Nguyễn Văn Đức");
            let id = p["id"].as_str().expect("id")[..8].to_owned();
            walk.subst.push(("1a2b3c4d".into(), id));
        }
        if code.contains("17/2026") && !walk.subst.iter().any(|(f, _)| f == "17/2026") {
            let who = words[0].to_owned();
            let p = walk.petition_of(&who, "Nguyễn Văn Đức");
            let no = p["register_no"]
                .as_str()
                .unwrap_or_else(|| panic!("no register number: {p}"))
                .to_owned();
            walk.subst.push(("17/2026".into(), no));
        }
        let script = walk.substitute(&code);
        let out = walk.ok(&script);
        if is_server && code.contains("device add") {
            let found = enrolment_code(&out).unwrap_or_else(|| panic!("no code in: {out}"));
            let placeholder = if code.contains("--role office") {
                "<office code>"
            } else {
                "K7QM-3XRT9HCW-6Y0Q2N8V4D1JT5B7XK3M9P2C0R"
            };
            walk.subst.retain(|(f, _)| f != placeholder);
            walk.subst.push((placeholder.into(), found));
        }
        let _ = &line.section;
    }

    // What the commands said they did is what the documents hold.
    let dt = walk
        .aliases
        .iter()
        .find(|(_, b)| b.as_str() == "doithoai")
        .map(|(a, _)| a.clone())
        .expect("the TDP's alias");
    let vp = walk
        .aliases
        .keys()
        .find(|a| **a != dt && walk.aliases[*a] == "doithoai")
        .cloned()
        .expect("the office's alias");
    let duc = walk.petition_of(&dt, "Nguyễn Văn Đức");
    assert_eq!(duc["people_count"], 12, "the edit of --people: {duc}");
    assert!(duc["place"].as_str().unwrap_or_default().contains("ngõ 14"));
    let thuy = walk.petition_of(&dt, "Trần Thị Thủy");
    assert_eq!(thuy["field"], "moi_truong");
    // The office holds both, with the edit, and handled the first through to notified.
    let office_duc = walk.petition_of(&vp, "Nguyễn Văn Đức");
    assert_eq!(office_duc["people_count"], 12);
    assert_eq!(office_duc["content"], duc["content"]);
    let office_thuy = walk.petition_of(&vp, "Trần Thị Thủy");
    // The session's conclusion on the speech assigned Trần Thị Thủy's petition with its deadline.
    assert_eq!(office_thuy["status"], "assigned", "{office_thuy}");
    // README's session is dated 15/10/2026 with a deadline of 30/10/2026; run after that, the
    // petition is received later than its deadline, and conclude must say what it gave instead.
    if office_thuy["deadline"] != "2026-10-30" {
        assert!(
            walk.transcript
                .contains("Hạn 30/10/2026 của kết luận trước ngày tiếp nhận ý kiến"),
            "the deadline changed without a word: {office_thuy}\n{}",
            walk.transcript
        );
    }
    assert!(
        walk.transcript.contains("Giao xử lý theo kết luận: 1"),
        "conclude assigned nothing:\n{}",
        walk.transcript
    );
    let id = duc["id"].as_str().expect("id").to_owned();
    let show = walk.ok(&format!("{vp} petition show {id}"));
    assert!(show.contains("Phường đã thay bóng đèn"), "{show}");
    // The answer went back to the TDP laptop.
    walk.ok(&format!("{dt} sync"));
    let show = walk.ok(&format!("{dt} petition show {id}"));
    assert!(show.contains("Phường đã thay bóng đèn"), "{show}");
    // The files the walk-through wrote.
    for f in [
        "so-tiep-nhan-2026.xlsx",
        "tong-hop-quy-4.csv",
        "bao-cao.docx",
        "bien-ban.docx",
        "usb/doithoai.sqlite3",
    ] {
        let len = std::fs::metadata(work.path().join(f))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 0, "README's walk-through did not write {f}");
    }
    let csv = std::fs::read_to_string(work.path().join("tong-hop-quy-4.csv")).expect("csv");
    assert!(csv.contains("Đèn đường ngõ 12"), "{csv}");
}
