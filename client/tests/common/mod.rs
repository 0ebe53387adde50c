//! The real `doithoai` binary run in a data directory, shared by the CLI tests.

#![allow(dead_code)] // each test file uses some of these

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `doithoai --data-dir DIR ARGS` (no terminal on stdin, so nothing prompts), whatever its
/// exit status.
pub fn doithoai(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doithoai"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DOITHOAI_LANG")
        .env_remove("DOITHOAI_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run doithoai")
}

/// Runs a command that must succeed; returns its standard output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = doithoai(dir, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

/// Runs a command that must fail; returns its standard error.
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let out = doithoai(dir, args);
    assert!(
        !out.status.success(),
        "{args:?} should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The short id printed by `petition add`: "Đã lưu ý kiến 1a2b3c4d — ...".
pub fn added_id(out: &str) -> String {
    out.split_whitespace()
        .map(|w| w.trim_end_matches(['.', ',']))
        .find(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("an id in {out:?}"))
        .to_owned()
}
