//! A real headless Chromium for the web UI's tests, driven through chromedriver (WebDriver) with
//! fantoccini, and a `doithoai serve` whose UI address the tests read from its output.
//!
//! Debian's `chromium` and `chromium-driver` (and `fonts-noto-core` for Vietnamese glyphs) must
//! be installed; `.ci/run` installs them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client as WebDriver, Locator};

use crate::{Client, free_port};

/// The WebDriver key for Tab (WebDriver's code point U+E004).
pub const TAB: &str = "\u{E004}";
/// The WebDriver key for Enter (U+E007).
pub const ENTER: &str = "\u{E007}";
/// The WebDriver key for Space (U+E00D).
pub const SPACE: &str = "\u{E00D}";

/// A chromedriver process with one Chromium session at 1366×768.
pub struct Browser {
    driver: Option<Child>,
    pub web: Option<WebDriver>,
    _profile: tempfile::TempDir,
}

fn chromium_binary() -> Option<&'static str> {
    ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

/// Every process whose parent chain leads to `root` (from /proc).
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
                continue;
            };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (pid, ppid) in &parent_of {
            if *ppid == p && !out.contains(pid) {
                out.push(*pid);
                frontier.push(*pid);
            }
        }
    }
    out
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless session.
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (apt-get install chromium-driver)");
        let profile = tempfile::tempdir().expect("profile dir");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut chrome = serde_json::json!({
            "args": [
                "--headless=new",
                "--window-size=1366,768",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-extensions",
                "--lang=vi",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        });
        if let Some(b) = chromium_binary() {
            chrome["binary"] = serde_json::Value::from(b);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert("goog:chromeOptions".into(), chrome);
        let web = fantoccini::ClientBuilder::native()
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("open a Chromium session");
        Browser {
            driver: Some(driver),
            web: Some(web),
            _profile: profile,
        }
    }

    pub fn web(&self) -> &WebDriver {
        self.web.as_ref().expect("session open")
    }

    /// SIGKILLs the browser and its driver at once, as a crash or a dead battery would: nothing
    /// is closed cleanly, no page gets an unload event.
    pub fn kill(&mut self) {
        if let Some(mut d) = self.driver.take() {
            let pids = descendants(d.id());
            for pid in pids {
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            }
            let _ = d.kill();
            let _ = d.wait();
        }
        self.web = None;
    }

    /// Saves a PNG of the window under `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.web().screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Waits until the element `css` exists and its text contains `text`; returns the text.
    pub async fn wait_text(&self, css: &str, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        loop {
            if let Ok(e) = self.web().find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
            {
                if t.contains(text) {
                    return t;
                }
                last = t;
            }
            assert!(
                Instant::now() < deadline,
                "{css} never showed {text:?} (last: {last:?})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into the focused element (keys as WebDriver sends them, Tab included).
    pub async fn type_keys(&self, keys: &str) {
        self.web()
            .active_element()
            .await
            .expect("focused element")
            .send_keys(keys)
            .await
            .expect("send keys");
    }

    /// The id of the focused element.
    pub async fn focused_id(&self) -> String {
        let v = self
            .web()
            .execute("return document.activeElement.id", vec![])
            .await
            .expect("execute");
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The current value of the input `css`.
    pub async fn value(&self, css: &str) -> String {
        self.web()
            .find(Locator::Css(css))
            .await
            .expect("element")
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `target/screenshots` (beside the binaries the tests run).
pub fn screenshot_dir() -> PathBuf {
    crate::bin("doithoai")
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("screenshots"))
        .expect("target dir")
}

/// A running `doithoai serve` with its web UI.
pub struct Serve {
    pub child: Child,
    /// The printed address, with its key.
    pub url: String,
    pub port: u16,
}

impl Serve {
    /// Starts `doithoai serve --listen 127.0.0.1:PORT` in `client`'s data directory and waits for
    /// the address it prints.
    pub fn start(client: &Client, port: u16) -> Serve {
        let log = client.dir.with_extension("serve.log");
        let _ = std::fs::remove_file(client.dir.join("ui.url"));
        let child = client
            .cmd()
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("DOITHOAI_LOG", "info")
            .stdout(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .expect("log"),
            )
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .expect("log"),
            )
            .spawn()
            .expect("start doithoai serve");
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            if let Ok(u) = std::fs::read_to_string(client.dir.join("ui.url"))
                && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            {
                break u.trim().to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "serve did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let printed = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            printed.contains(&url),
            "serve did not print its address {url}: {printed}"
        );
        Serve { child, url, port }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILLs it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A raw HTTP/1.1 exchange with the UI (for the refusal tests): status, headers and body.
pub fn raw_http(port: u16, request: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(request.as_bytes()).expect("write");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}
