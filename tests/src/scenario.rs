//! A randomized fault-injection scenario driven by a seed (issue 4: "nothing saved is lost").
//!
//! One seed runs, as real processes on 127.0.0.1: a `doithoai-server`, an office laptop and five
//! TDP laptops on four points (two laptops share `tdp-a`, so two devices write one intake
//! document concurrently). Every laptop reaches the server through its own fault-injecting
//! [`Proxy`]. A schedule drawn from the seed's [`Rng`] then mixes operations (`petition add`,
//! `petition edit`, `doithoai sync`, `doithoai serve` started and stopped, office handling steps
//! through `doithoai handle ...`) with faults (slow, 2G-class, cut, black-holed, refused and
//! half-open links, SIGKILL of a CLI `add`/`edit`/`sync`, of a `serve`, and of the server, which
//! restarts at once or a few steps later). Then every fault is healed and the runner waits, by
//! polling, until every device holds every document it may read with the server's heads: that
//! wait is the seed's *convergence time*. Finally it checks:
//!
//! - every petition whose `add` reported success is on the server (a fresh office laptop joined
//!   at the end, straight to the server, sees exactly the server's data) and on the office
//!   laptop, once, with the content, place and residents that the successful edits left (or a
//!   value of an edit that was killed or failed after them: it may have been written);
//! - every other petition is one whose `add` was killed or failed (no phantom), and no add was
//!   stored twice;
//! - the office and the fresh office list identical rows (every JSON field), each TDP laptop lists
//!   exactly its own point's petitions with the office's intake fields, and every handling step
//!   that reported success shows on the fresh office;
//! - every document has the server's heads on every device allowed to read it, and no device holds
//!   a registered document it may not read (a device's own unregistered documents, such as the
//!   pre-enrolment intake, are allowed and must stay on that device only);
//! - `PRAGMA integrity_check` is `ok` on every SQLite file;
//! - a `serve` never exits by itself, and an add or a creator's edit is never refused.
//!
//! The schedule is a pure function of the seed and of the outcomes the runner observes (an add
//! that was killed leaves nothing to edit), so a replay runs the same operations and faults in
//! the same order; process timing naturally varies from run to run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::proxy::Proxy;
use crate::{Client, Rng, Server, bin, saved_id};

const WARD: &str = "dk";
const POINTS: [(&str, &str); 4] = [
    ("tdp-a", "Tổ dân phố A"),
    ("tdp-b", "Tổ dân phố B"),
    ("tdp-c", "Tổ dân phố C"),
    ("tdp-d", "Tổ dân phố D"),
];
/// The laptops: the office (no point) and five TDP laptops; A1 and A2 share `tdp-a`.
const DEVICES: [(&str, Option<&str>); 6] = [
    ("O", None),
    ("A1", Some("tdp-a")),
    ("A2", Some("tdp-a")),
    ("B", Some("tdp-b")),
    ("C", Some("tdp-c")),
    ("D", Some("tdp-d")),
];
const OFFICE: usize = 0;

/// Keepalive scaled down for tests (as in bad_network.rs).
const CLIENT_ENV: [(&str, &str); 2] = [("DOITHOAI_PING_SECS", "1"), ("DOITHOAI_IDLE_SECS", "6")];
const SERVER_ENV: [(&str, &str); 2] = [("DOITHOAI_PING_SECS", "1"), ("DOITHOAI_IDLE_SECS", "10")];
/// Logging of every client process the runner starts (kept in `logs/<laptop>.log`).
pub const CLIENT_LOG: &str = "info,doithoai_sync=debug,doithoai_client=debug,doithoai_store=debug";

/// Fields of a petition row that come from the intake document (every reader must agree).
const INTAKE_FIELDS: [&str; 13] = [
    "id",
    "doc_id",
    "point",
    "created_at",
    "content",
    "request",
    "place",
    "residents",
    "addresses",
    "tdp",
    "people_count",
    "wants_to_speak",
    "updated_at",
];
/// Fields of a row that the office derives from the handling document.
const HANDLING_FIELDS: [&str; 5] = ["kind", "field", "status", "register_no", "deadline"];

/// The office's handling steps, in order, and the status each leaves.
const HANDLING_STEPS: [(&str, &str); 5] = [
    ("receive", "received"),
    ("classify", "classified"),
    ("assign", "assigned"),
    ("answer", "answered"),
    ("approve", "approved"),
];

const NAMES: [&str; 8] = [
    "Nguyễn Văn Đức",
    "Trần Thị Thủy",
    "Lê Quang Đạo",
    "Phạm Thị Hương",
    "Hoàng Văn Thắng",
    "Vũ Thị Ngọc Ánh",
    "Đặng Minh Khôi",
    "Bùi Thị Lựu",
];
const TOPICS: [&str; 8] = [
    "Đèn đường ngõ hỏng đã lâu",
    "Rác tập kết sai giờ ở đầu ngõ",
    "Cống thoát nước bị tắc khi mưa",
    "Vỉa hè bị lấn chiếm làm nơi đỗ xe",
    "Tiếng ồn karaoke sau 22 giờ",
    "Đường bê tông nứt vỡ, ổ gà",
    "Đề nghị lắp camera an ninh",
    "Chậm cấp giấy chứng nhận quyền sử dụng đất",
];
const PLACES: [&str; 6] = [
    "ngõ 12 Lê Lợi",
    "đường Xương Giang",
    "khu tập thể Dĩnh Kế",
    "chợ Thương",
    "ngõ 5 Giáp Hải",
    "đầu cầu Sông Thương",
];
const FIELDS: [&str; 5] = ["ha_tang", "moi_truong", "dat_dai", "an_ninh", "khac"];

/// What one seed runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    /// Scheduled operations and faults before healing.
    pub steps: usize,
    /// Convergence must come within this after healing.
    pub bound: Duration,
    /// The seed's directory is made under this one.
    pub root: PathBuf,
    /// Keep the seed's directory even when it passes.
    pub keep: bool,
    /// Index findings fail the seed too.
    pub strict: bool,
    /// Keep the directory of a seed that converged more slowly than this.
    pub keep_slower_than: Duration,
}

/// What one seed found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub seed: u64,
    /// Time from healing until every device had the server's heads (None: not within the bound).
    pub convergence: Option<Duration>,
    pub elapsed: Duration,
    /// What breaks the promise (data, access, convergence, integrity, processes): always fails.
    pub failures: Vec<String>,
    /// A laptop's query index disagreeing with the documents it holds (nothing lost: the next
    /// sync or `index rebuild` repairs it). Fails the seed only with [`Options::strict`].
    pub findings: Vec<String>,
    pub warnings: Vec<String>,
    pub counts: BTreeMap<&'static str, u64>,
    /// The seed's directory (kept when the seed failed, had findings or converged slowly).
    pub dir: PathBuf,
    pub strict: bool,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && (!self.strict || self.findings.is_empty())
    }
}

/// The `doithoai handle` subcommands are available (the office's handling steps).
pub fn handling_available() -> bool {
    Command::new(bin("doithoai"))
        .args(["handle", "--help"])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("receive"))
        .unwrap_or(false)
}

/// Runs one seed; never panics (a panic inside is reported as a failure).
pub fn run(opts: &Options, handling: bool) -> Outcome {
    // A replay never overwrites the directory a failing run kept.
    let dir = (0..)
        .map(|n| match n {
            0 => opts.root.join(format!("seed-{}", opts.seed)),
            n => opts.root.join(format!("seed-{}.{n}", opts.seed)),
        })
        .find(|d| !d.exists())
        .expect("a free directory name");
    std::fs::create_dir_all(dir.join("logs")).expect("seed directory");
    let started = Instant::now();
    let mut shared = Shared::default();
    let result = {
        let shared = &mut shared;
        let dir = dir.clone();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let mut w = World::setup(opts, dir, handling, shared);
            w.schedule(opts.steps);
            let conv = w.heal_and_converge(opts.bound);
            w.final_checks();
            drop(w);
            conv
        }))
    };
    let convergence = match result {
        Ok(c) => c,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            shared
                .failures
                .push(format!("[runner] the runner stopped: {msg}"));
            None
        }
    };
    let _ = std::fs::write(dir.join("trace.txt"), shared.trace.join("\n"));
    // Integrity of every SQLite file, with every process stopped (the World's drop stops them).
    for f in sqlite_files(&dir) {
        match doithoai_store::Store::open(&f, doithoai_store::Durability::Full)
            .map_err(|e| e.to_string())
            .and_then(|s| s.integrity_check().map_err(|e| e.to_string()))
        {
            Ok(r) if r == "ok" => *shared.counts.entry("sqlite files ok").or_default() += 1,
            Ok(r) => shared.failures.push(format!(
                "[integrity] integrity_check of {}: {r}",
                f.display()
            )),
            Err(e) => shared.failures.push(format!(
                "[integrity] cannot open {} to check it: {e}",
                f.display()
            )),
        }
    }
    let outcome = Outcome {
        seed: opts.seed,
        convergence,
        elapsed: started.elapsed(),
        failures: shared.failures,
        findings: shared.findings,
        warnings: shared.warnings,
        counts: shared.counts,
        dir: dir.clone(),
        strict: opts.strict,
    };
    let slow = convergence.is_some_and(|c| c > opts.keep_slower_than);
    if outcome.failures.is_empty() && outcome.findings.is_empty() && !slow && !opts.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

fn sqlite_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(sqlite_files(&p));
        } else if p.extension().is_some_and(|x| x == "sqlite3") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// What survives a panic of the runner: the trace and what was found so far.
#[derive(Default)]
struct Shared {
    trace: Vec<String>,
    failures: Vec<String>,
    findings: Vec<String>,
    warnings: Vec<String>,
    counts: BTreeMap<&'static str, u64>,
}

/// A finished foreground command.
struct Run {
    ok: bool,
    /// The runner SIGKILLed it (and it had not finished successfully).
    killed: bool,
    stdout: String,
    stderr: String,
}

/// Runs a command, SIGKILLing it after `kill_after` (a fault) or after `timeout` (a hang).
fn run_cmd(mut cmd: Command, kill_after: Option<Duration>, timeout: Duration) -> Run {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn doithoai");
    let reader = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut s);
            }
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let limit = kill_after.map_or(timeout, |k| k.min(timeout));
    let mut sent_kill = false;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait doithoai") {
            break s;
        }
        let el = start.elapsed();
        if el >= limit {
            let _ = child.kill();
            sent_kill = true;
            break child.wait().expect("wait doithoai");
        }
        // Fine-grained at first (kills land at random moments of a 20-50 ms command).
        let nap = (el / 20).clamp(Duration::from_micros(200), Duration::from_millis(5));
        std::thread::sleep(nap.min(limit - el));
    };
    let stdout = out.join().unwrap_or_default();
    let mut stderr = err.join().unwrap_or_default();
    // Killed at the timeout rather than at a scheduled moment: the command hung.
    let hung = sent_kill && kill_after.is_none_or(|k| k >= timeout);
    if hung {
        stderr.push_str(&format!(
            "\n[runner: SIGKILLed after a {timeout:?} timeout]"
        ));
    }
    Run {
        ok: status.success(),
        killed: sent_kill && !hung && !status.success(),
        stdout,
        stderr,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BgKind {
    Serve,
    Sync,
}

/// A background `doithoai serve` or `doithoai sync` of one device.
struct Bg {
    child: Child,
    kind: BgKind,
    /// A sync is SIGKILLed at this moment if still running (a fault).
    deadline: Option<Instant>,
}

struct Dev {
    name: &'static str,
    point: Option<&'static str>,
    client: Client,
    proxy: Proxy,
    bg: Option<Bg>,
    log: PathBuf,
    /// How this device syncs after healing (serve, or `doithoai sync` runs).
    cli_mode: bool,
}

/// A petition whose add reported success, with the values it may end with.
struct Pet {
    short: String,
    dev: usize,
    point: &'static str,
    residents: String,
    people: u64,
    contents: Vec<String>,
    places: Vec<String>,
    edits: u32,
}

/// An add that was killed or failed: its petition may or may not exist, once at most.
struct Attempt {
    point: &'static str,
    content: String,
    dev: usize,
}

/// A document as the server lists it.
#[derive(Debug, Clone)]
struct SrvDoc {
    id: String,
    kind: String,
    point: Option<String>,
    heads: Vec<String>,
}

/// A device seen by the checks: a scenario laptop or the fresh office joined at the end.
struct Seen {
    name: String,
    client: Client,
    point: Option<String>,
}

struct World<'s> {
    seed: u64,
    /// Draws the kind of each step (and nothing else), so that the sequence of operations and
    /// faults is a function of the seed alone.
    master: Rng,
    /// The current step's own generator (seeded from `master`): targets and parameters.
    rng: Rng,
    dir: PathBuf,
    t0: Instant,
    server: Server,
    server_up: bool,
    restart_at: Option<usize>,
    devs: Vec<Dev>,
    pets: Vec<Pet>,
    attempts: Vec<Attempt>,
    /// Handling stage reached by each petition (by full id), and the field it was classified in.
    handled: BTreeMap<String, (usize, Option<String>)>,
    handling: bool,
    serial: u64,
    sh: &'s mut Shared,
    leaks: BTreeSet<String>,
}

impl Drop for World<'_> {
    fn drop(&mut self) {
        for d in &mut self.devs {
            if let Some(mut b) = d.bg.take() {
                let _ = b.child.kill();
                let _ = b.child.wait();
            }
        }
        self.server.kill();
    }
}

fn pick<'a, T>(rng: &mut Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.below(xs.len() as u64) as usize]
}

impl<'s> World<'s> {
    fn setup(opts: &Options, dir: PathBuf, handling: bool, sh: &'s mut Shared) -> World<'s> {
        let server = Server::start_with_env(
            dir.join("server"),
            SERVER_ENV
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        server.admin(&["ward", "create", "--id", WARD, "--name", "Phường Dĩnh Kế"]);
        for (id, name) in POINTS {
            server.admin(&[
                "point", "add", "--ward", WARD, "--kind", "tdp", "--id", id, "--name", name,
            ]);
        }
        let target: std::net::SocketAddr = format!("127.0.0.1:{}", server.port).parse().unwrap();
        let mut devs = Vec::new();
        let mut joins = Vec::new();
        for (name, point) in DEVICES {
            let proxy = Proxy::start(target);
            let role = if point.is_some() {
                "collector"
            } else {
                "office"
            };
            let code = server.add_device(WARD, role, point, name);
            let client = Client::new(dir.join(name));
            let mut c = client.cmd();
            c.args(["join", &proxy.url(), &code, "--name", name])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            joins.push((name, c.spawn().expect("join")));
            devs.push(Dev {
                name,
                point,
                client,
                proxy,
                bg: None,
                log: dir.join("logs").join(format!("{name}.log")),
                cli_mode: false,
            });
        }
        for (name, j) in joins {
            let out = j.wait_with_output().expect("join");
            assert!(
                out.status.success(),
                "join of {name} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut w = World {
            seed: opts.seed,
            master: Rng::new(opts.seed),
            rng: Rng::new(opts.seed ^ 0x5EED),
            dir,
            t0: Instant::now(),
            server,
            server_up: true,
            restart_at: None,
            devs,
            pets: Vec::new(),
            attempts: Vec::new(),
            handled: BTreeMap::new(),
            handling,
            serial: 0,
            sh,
            leaks: BTreeSet::new(),
        };
        w.note(format!(
            "seed {}: server on {}, {} laptops joined",
            opts.seed,
            w.server.port,
            w.devs.len()
        ));
        w
    }

    fn note(&mut self, msg: String) {
        let line = format!("[{:>7.3}s] {msg}", self.t0.elapsed().as_secs_f64());
        self.sh.trace.push(line);
    }

    fn count(&mut self, what: &'static str) {
        *self.sh.counts.entry(what).or_default() += 1;
    }

    fn fail(&mut self, msg: String) {
        self.note(format!("FAILURE: {msg}"));
        self.sh.failures.push(msg);
    }

    /// An index that disagrees with the documents of its own laptop.
    fn finding(&mut self, msg: String) {
        let msg = format!("[index] {msg}");
        self.note(format!("FINDING: {msg}"));
        self.sh.findings.push(msg);
    }

    fn warn(&mut self, msg: String) {
        self.note(format!("warning: {msg}"));
        self.sh.warnings.push(msg);
    }

    /// A foreground `doithoai` command of device `d`; its log goes to the device's log file.
    fn cli(&self, d: usize, args: &[&str], kill_after: Option<Duration>) -> Run {
        let mut c = self.devs[d].client.cmd();
        c.args(args).env("DOITHOAI_LOG", CLIENT_LOG);
        for (k, v) in CLIENT_ENV {
            c.env(k, v);
        }
        let at = self.t0.elapsed().as_secs_f64();
        let r = run_cmd(c, kill_after, Duration::from_secs(60));
        let verdict = match (r.ok, r.killed) {
            (true, _) => "ok",
            (false, true) => "SIGKILLed",
            (false, false) => "failed",
        };
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.devs[d].log)
        {
            let _ = std::io::Write::write_all(
                &mut f,
                format!(
                    "\n===== runner: {args:?} at +{at:.3}s: {verdict} =====\n{}",
                    r.stderr
                )
                .as_bytes(),
            );
        }
        r
    }

    fn spawn_bg(&mut self, d: usize, kind: BgKind, deadline: Option<Duration>) {
        let dev = &self.devs[d];
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&dev.log)
            .expect("device log");
        let what = match kind {
            BgKind::Serve => "serve",
            BgKind::Sync => "sync",
        };
        let _ = std::io::Write::write_all(
            &mut log,
            format!(
                "\n===== runner: {what} started at +{:.3}s =====\n",
                self.t0.elapsed().as_secs_f64()
            )
            .as_bytes(),
        );
        let mut c = dev.client.cmd();
        c.arg(what)
            .env("DOITHOAI_LOG", CLIENT_LOG)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        for (k, v) in CLIENT_ENV {
            c.env(k, v);
        }
        let child = c.spawn().expect("spawn doithoai");
        self.devs[d].bg = Some(Bg {
            child,
            kind,
            deadline: deadline.map(|t| Instant::now() + t),
        });
        self.note(format!("{} {what} started (pid {})", self.devs[d].name, {
            self.devs[d].bg.as_ref().map_or(0, |b| b.child.id())
        }));
    }

    /// Collects finished background processes; SIGKILLs syncs past their deadline; a serve that
    /// exits by itself is a failure.
    fn reap(&mut self) {
        for d in 0..self.devs.len() {
            let name = self.devs[d].name;
            let Some(b) = self.devs[d].bg.as_mut() else {
                continue;
            };
            match b.child.try_wait() {
                Ok(Some(status)) => {
                    let kind = b.kind;
                    self.devs[d].bg = None;
                    match kind {
                        BgKind::Serve => self.fail(format!(
                            "[process] {name}'s serve exited by itself ({status}); see {}",
                            self.devs[d].log.display()
                        )),
                        BgKind::Sync if status.success() => {
                            self.count("syncs ok");
                            self.note(format!("{name} sync finished ok"));
                        }
                        BgKind::Sync => {
                            self.count("syncs failed");
                            self.note(format!("{name} sync failed ({status})"));
                        }
                    }
                }
                Ok(None) => {
                    if b.deadline.is_some_and(|t| Instant::now() >= t) {
                        let _ = b.child.kill();
                        let _ = b.child.wait();
                        self.devs[d].bg = None;
                        self.count("syncs SIGKILLed");
                        self.note(format!("{name} sync SIGKILLed at its deadline"));
                    }
                }
                Err(e) => panic!("wait for {name}'s background process: {e}"),
            }
        }
    }

    /// Stops a device's background process: SIGTERM (then SIGKILL after 5 s) or SIGKILL.
    fn stop_bg(&mut self, d: usize, sigkill: bool) {
        let Some(mut b) = self.devs[d].bg.take() else {
            return;
        };
        let name = self.devs[d].name;
        if let Ok(Some(status)) = b.child.try_wait() {
            if b.kind == BgKind::Serve {
                self.fail(format!(
                    "[process] {name}'s serve exited by itself ({status}); see {}",
                    self.devs[d].log.display()
                ));
            }
            return;
        }
        if sigkill {
            let _ = b.child.kill();
            let _ = b.child.wait();
            self.note(format!("{name} {:?} SIGKILLed", b.kind));
            return;
        }
        // The child is ours and not yet reaped, so its pid cannot have been reused.
        let _ = Command::new("kill")
            .args(["-TERM", &b.child.id().to_string()])
            .status();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = b.child.try_wait() {
                self.note(format!(
                    "{name} {:?} stopped by SIGTERM in {:?}",
                    b.kind,
                    t.elapsed()
                ));
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = b.child.kill();
        let _ = b.child.wait();
        self.warn(format!(
            "{name}'s {:?} did not stop within 5 s of SIGTERM; SIGKILLed",
            b.kind
        ));
    }

    /// A device chosen at random among those that `ok` accepts.
    fn pick_dev(&mut self, ok: impl Fn(&Dev) -> bool) -> Option<usize> {
        let cands: Vec<usize> = (0..self.devs.len())
            .filter(|&i| ok(&self.devs[i]))
            .collect();
        if cands.is_empty() {
            None
        } else {
            Some(*pick(&mut self.rng, &cands))
        }
    }

    fn tdp(&mut self) -> usize {
        1 + self.rng.below(self.devs.len() as u64 - 1) as usize
    }

    fn any_dev(&mut self) -> usize {
        self.rng.below(self.devs.len() as u64) as usize
    }

    /// The device that edits places of petitions added by `creator`: the other laptop of the same
    /// point when there is one (so two laptops edit one petition concurrently, different fields).
    fn place_writer(&self, creator: usize) -> usize {
        let p = self.devs[creator].point;
        (1..self.devs.len())
            .find(|&i| i != creator && self.devs[i].point == p)
            .unwrap_or(creator)
    }

    fn schedule(&mut self, steps: usize) {
        // (weight, operation)
        const OPS: [(u64, &str); 13] = [
            (26, "add"),
            (8, "edit-content"),
            (6, "edit-place"),
            (8, "serve-start"),
            (6, "serve-stop"),
            (7, "sync"),
            (5, "office-sync"),
            (8, "handle"),
            (14, "net-fault"),
            (7, "net-heal"),
            (3, "server-kill"),
            (3, "pause"),
            (3, "cut-all"),
        ];
        let total: u64 = OPS.iter().map(|o| o.0).sum();
        for step in 0..steps {
            self.reap();
            if self.restart_at.is_some_and(|s| s <= step) {
                self.restart_server();
            }
            self.rng = Rng::new(self.master.next());
            let mut r = self.master.below(total);
            let op = OPS
                .iter()
                .find(|(w, _)| {
                    if r < *w {
                        true
                    } else {
                        r -= w;
                        false
                    }
                })
                .map(|o| o.1)
                .unwrap_or("add");
            match op {
                "add" => {
                    let d = self.tdp();
                    let kill = (self.rng.below(100) < 15)
                        .then(|| Duration::from_micros(self.rng.below(60_000)));
                    self.add(d, kill);
                }
                "edit-content" => self.edit(false),
                "edit-place" => self.edit(true),
                "serve-start" => {
                    if let Some(d) = self.pick_dev(|d| d.bg.is_none()) {
                        self.spawn_bg(d, BgKind::Serve, None);
                    }
                }
                "serve-stop" => {
                    let serving = |d: &Dev| d.bg.as_ref().is_some_and(|b| b.kind == BgKind::Serve);
                    if let Some(d) = self.pick_dev(serving) {
                        let sigkill = self.rng.below(2) == 0;
                        if sigkill {
                            self.count("serves SIGKILLed");
                        }
                        self.stop_bg(d, sigkill);
                    }
                }
                "sync" | "office-sync" => {
                    let d = if op == "sync" {
                        self.pick_dev(|d| d.point.is_some() && d.bg.is_none())
                    } else {
                        self.devs[OFFICE].bg.is_none().then_some(OFFICE)
                    };
                    if let Some(d) = d {
                        // Half of the syncs are SIGKILLed early, most likely in mid-sync.
                        let ms = if self.rng.below(2) == 0 {
                            20 + self.rng.below(600)
                        } else {
                            1_000 + self.rng.below(8_000)
                        };
                        self.spawn_bg(d, BgKind::Sync, Some(Duration::from_millis(ms)));
                    }
                }
                "handle" => self.handling_step(),
                "net-fault" => self.net_fault(),
                "net-heal" => {
                    let d = self.any_dev();
                    self.devs[d].proxy.heal();
                    self.note(format!("{} back online (proxy healed)", self.devs[d].name));
                }
                "cut-all" => {
                    let d = self.any_dev();
                    self.devs[d].proxy.cut_all();
                    self.note(format!("{}: live connections cut", self.devs[d].name));
                }
                "server-kill" => {
                    if self.server_up {
                        self.server.kill();
                        self.server_up = false;
                        self.count("server SIGKILLs");
                        let later = self.rng.below(8) as usize;
                        self.restart_at = Some(step + later);
                        self.note(format!("server SIGKILLed; restart after {later} steps"));
                        if later == 0 {
                            let ms = self.rng.below(1_500);
                            std::thread::sleep(Duration::from_millis(ms));
                            self.restart_server();
                        }
                    }
                }
                _ => {
                    let ms = 200 + self.rng.below(1_000);
                    self.note(format!("pause {ms} ms"));
                    std::thread::sleep(Duration::from_millis(ms));
                }
            }
            let ms = self.rng.below(120);
            std::thread::sleep(Duration::from_millis(ms));
        }
    }

    fn restart_server(&mut self) {
        self.server.restart();
        self.server_up = true;
        self.restart_at = None;
        self.note("server restarted".into());
    }

    fn net_fault(&mut self) {
        let d = if self.rng.below(100) < 15 {
            OFFICE
        } else {
            self.tdp()
        };
        let kind = self.rng.below(7);
        let name = self.devs[d].name;
        let (a, b) = (self.rng.below(400), self.rng.below(300));
        let bytes = 200 + self.rng.below(20_000);
        let bps = 4_000 + self.rng.below(12_000);
        let p = &self.devs[d].proxy;
        let what = match kind {
            0 => {
                p.set(|f| {
                    f.latency = Duration::from_millis(a);
                    f.jitter = Duration::from_millis(b);
                });
                format!("latency {a} ms ± {b} ms")
            }
            1 => {
                p.set(|f| {
                    f.bytes_per_sec = Some(bps);
                    f.latency = Duration::from_millis(300);
                    f.jitter = Duration::from_millis(b);
                });
                p.cut_all();
                format!("2G: {bps} B/s, 300 ms ± {b} ms")
            }
            2 => {
                p.set(|f| f.cut_after_bytes = Some(bytes));
                p.cut_all();
                format!("connections cut after {bytes} bytes")
            }
            3 => {
                p.set(|f| f.blackhole = true);
                "black hole (nothing forwarded, nothing closed)".into()
            }
            4 => {
                p.set(|f| f.refuse = true);
                p.cut_all();
                "offline (connections cut and refused)".into()
            }
            5 => {
                p.freeze_existing();
                "half-open: live connections frozen, new ones work".into()
            }
            _ => {
                p.set(|f| f.cut_after_bytes = Some(bytes / 4 + 100));
                "new connections cut after a few hundred bytes".into()
            }
        };
        // Faults add up until the link is healed: say what is in force now.
        let mut now = crate::proxy::Faults::default();
        p.set(|f| now = f.clone());
        self.count("network faults");
        self.note(format!(
            "{name} network: {what} (in force: {})",
            describe(&now)
        ));
    }

    fn add(&mut self, d: usize, kill: Option<Duration>) {
        self.serial += 1;
        let residents = pick(&mut self.rng, &NAMES).to_string();
        let topic = pick(&mut self.rng, &TOPICS);
        let place = pick(&mut self.rng, &PLACES).to_string();
        let field = pick(&mut self.rng, &FIELDS);
        let people = 1 + self.rng.below(20);
        let content = format!("{topic} [s{}/{}]", self.seed, self.serial);
        let point = self.devs[d].point.expect("a TDP laptop");
        let name = self.devs[d].name;
        let people_s = people.to_string();
        let r = self.cli(
            d,
            &[
                "petition",
                "add",
                "--name",
                &residents,
                "--field",
                field,
                "--content",
                &content,
                "--place",
                &place,
                "--people",
                &people_s,
            ],
            kill,
        );
        if r.ok {
            match saved_id(&r.stdout) {
                Some(short) => {
                    self.count("adds reported");
                    self.note(format!("{name} add → saved {short}: {content}"));
                    self.pets.push(Pet {
                        short,
                        dev: d,
                        point,
                        residents,
                        people,
                        contents: vec![content],
                        places: vec![place],
                        edits: 0,
                    });
                }
                None => self.fail(format!(
                    "[process] {name}: add succeeded without a saved id: {:?}",
                    r.stdout
                )),
            }
        } else {
            self.attempts.push(Attempt {
                point,
                content: content.clone(),
                dev: d,
            });
            if r.killed {
                self.count("adds SIGKILLed");
                self.note(format!(
                    "{name} add SIGKILLed after {:?}: {content}",
                    kill.unwrap_or_default()
                ));
            } else {
                self.fail(format!(
                    "[process] {name}: petition add failed without being killed: {}",
                    r.stderr.trim()
                ));
            }
        }
    }

    /// Edits the content (by the creator) or the place (by the point's other laptop) of a
    /// reported petition; 10 % of edits are SIGKILLed at a random moment.
    fn edit(&mut self, place: bool) {
        let cands: Vec<usize> = (0..self.pets.len()).collect();
        if cands.is_empty() {
            return;
        }
        let i = *pick(&mut self.rng, &cands);
        let d = if place {
            self.place_writer(self.pets[i].dev)
        } else {
            self.pets[i].dev
        };
        let kill =
            (self.rng.below(100) < 10).then(|| Duration::from_micros(self.rng.below(60_000)));
        self.serial += 1;
        self.pets[i].edits += 1;
        let value = if place {
            format!(
                "{} (đổi {}) [s{}/{}]",
                pick(&mut self.rng, &PLACES),
                self.pets[i].edits,
                self.seed,
                self.serial
            )
        } else {
            format!(
                "{} (sửa lần {}) [s{}/{}]",
                pick(&mut self.rng, &TOPICS),
                self.pets[i].edits,
                self.seed,
                self.serial
            )
        };
        let short = self.pets[i].short.clone();
        let flag = if place { "--place" } else { "--content" };
        let r = self.cli(d, &["petition", "edit", &short, flag, &value], kill);
        let name = self.devs[d].name;
        let p = &mut self.pets[i];
        let vals = if place {
            &mut p.places
        } else {
            &mut p.contents
        };
        if r.ok {
            *vals = vec![value.clone()];
        } else {
            // A killed or failed edit may still have been written.
            vals.push(value.clone());
        }
        if r.ok {
            self.count("edits reported");
            self.note(format!("{name} edit {short} {flag} → ok: {value}"));
        } else {
            if r.killed {
                self.count("edits SIGKILLed");
                self.note(format!("{name} edit {short} {flag} SIGKILLed"));
            } else if d != self.pets[i].dev && r.stderr.contains("Không tìm thấy") {
                // The other laptop has not received the petition yet.
                self.count("edits of a petition not yet received");
                self.note(format!("{name} edit {short}: not received yet"));
            } else if r.stderr.contains("Không tìm thấy") {
                // The laptop that saved the petition cannot find it: its index lost the row.
                self.count("edits refused: petition not in the creator's index");
                self.finding(format!(
                    "{name} cannot edit its own petition {short} (reported saved): {}",
                    r.stderr.lines().last().unwrap_or_default().trim()
                ));
            } else {
                self.fail(format!(
                    "[process] {name}: petition edit {short} {flag} failed without being killed: {}",
                    r.stderr.trim()
                ));
            }
        }
    }

    /// One office handling step (`doithoai handle receive|classify|assign|answer|approve`) on a
    /// petition the office holds. The hook is skipped when the client has no `handle` command.
    fn handling_step(&mut self) {
        if !self.handling {
            self.count("handling steps skipped (no `doithoai handle`)");
            return;
        }
        let list = self.cli(
            OFFICE,
            &["petition", "list", "--json", "--limit", "100000"],
            None,
        );
        let rows: Vec<Value> = serde_json::from_str(&list.stdout).unwrap_or_default();
        let ids: Vec<String> = rows
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .filter(|id| {
                self.handled
                    .get(id)
                    .is_none_or(|(s, _)| *s < HANDLING_STEPS.len())
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        let id = pick(&mut self.rng, &ids).clone();
        let (stage, _) = self.handled.get(&id).cloned().unwrap_or((0, None));
        let (op, _) = HANDLING_STEPS[stage];
        let field = pick(&mut self.rng, &FIELDS).to_string();
        let text = format!("Phường đã xử lý [s{}]", self.seed);
        let args: Vec<&str> = match op {
            "receive" => vec!["handle", "receive", &id],
            "classify" => vec!["handle", "classify", &id, "--field", &field],
            "assign" => vec!["handle", "assign", &id, "--department", "dia_chinh"],
            "answer" => vec!["handle", "answer", &id, "--text", &text],
            _ => vec!["handle", "approve", &id],
        };
        let r = self.cli(OFFICE, &args, None);
        let short = &id[..8];
        if r.ok {
            let prev = self.handled.get(&id).and_then(|h| h.1.clone());
            let f = if op == "classify" { Some(field) } else { prev };
            self.handled.insert(id.clone(), (stage + 1, f));
            self.count("handling steps reported");
            self.note(format!("office handle {op} {short} → ok"));
        } else {
            self.count("handling steps refused");
            self.warn(format!(
                "office handle {op} {short} failed: {}",
                r.stderr.trim()
            ));
        }
    }

    /// Heals every fault, lets each device sync its own way, and waits until every device has the
    /// server's heads for every document it may read. Returns the time that took.
    fn heal_and_converge(&mut self, bound: Duration) -> Option<Duration> {
        self.rng = Rng::new(self.master.next());
        self.reap();
        if !self.server_up {
            self.restart_server();
        }
        for d in 0..self.devs.len() {
            self.devs[d].proxy.heal();
            if self.devs[d]
                .bg
                .as_ref()
                .is_some_and(|b| b.kind == BgKind::Sync)
            {
                self.count("syncs SIGKILLed");
                self.stop_bg(d, true);
            }
            // A laptop that runs serve keeps it; the others either start serve or run
            // `doithoai sync` until everything is in.
            let coin = self.rng.below(2) == 0;
            let start_serve = self.devs[d].bg.is_none() && coin;
            if start_serve {
                self.spawn_bg(d, BgKind::Serve, None);
            }
            self.devs[d].cli_mode = self.devs[d].bg.is_none();
        }
        let modes: Vec<String> = self
            .devs
            .iter()
            .map(|d| format!("{}:{}", d.name, if d.cli_mode { "sync" } else { "serve" }))
            .collect();
        self.note(format!(
            "healed; waiting for convergence ({})",
            modes.join(" ")
        ));
        let t0 = Instant::now();
        let mut last;
        let took = loop {
            self.reap();
            for d in 0..self.devs.len() {
                if self.devs[d].cli_mode && self.devs[d].bg.is_none() {
                    self.spawn_bg(d, BgKind::Sync, None);
                }
            }
            let seen = self.seen(None);
            last = self.diff(&seen, true);
            if last.is_empty() {
                break Some(t0.elapsed());
            }
            if t0.elapsed() > bound {
                break None;
            }
            std::thread::sleep(Duration::from_millis(150));
        };
        match took {
            Some(t) => self.note(format!("converged {t:?} after healing")),
            None => {
                let seen = self.seen(None);
                let diff = self.diff(&seen, false);
                let diff = if diff.is_empty() { last } else { diff };
                self.fail(format!(
                    "[convergence] no convergence within {bound:?} after healing: {}",
                    diff.join("; ")
                ));
            }
        }
        // Stop everything: serve gracefully, syncs when they end (or at once if it did not
        // converge).
        for d in 0..self.devs.len() {
            match self.devs[d].bg.as_ref().map(|b| b.kind) {
                Some(BgKind::Serve) => self.stop_bg(d, false),
                Some(BgKind::Sync) => {
                    if took.is_some() {
                        let t = Instant::now();
                        while t.elapsed() < Duration::from_secs(20) {
                            if let Some(b) = self.devs[d].bg.as_mut()
                                && let Ok(Some(_)) = b.child.try_wait()
                            {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                    self.stop_bg(d, true);
                }
                None => {}
            }
        }
        took
    }

    fn seen(&self, extra: Option<&Seen>) -> Vec<Seen> {
        let mut v: Vec<Seen> = self
            .devs
            .iter()
            .map(|d| Seen {
                name: d.name.to_owned(),
                client: Client::new(d.client.dir.clone()),
                point: d.point.map(str::to_owned),
            })
            .collect();
        if let Some(e) = extra {
            v.push(Seen {
                name: e.name.clone(),
                client: Client::new(e.client.dir.clone()),
                point: e.point.clone(),
            });
        }
        v
    }

    fn server_docs(&self) -> Option<Vec<SrvDoc>> {
        let out = Command::new(bin("doithoai-server"))
            .arg("--data-dir")
            .arg(&self.server.dir)
            .args(["doc", "list", "--ward", WARD])
            .env("DOITHOAI_LOG", "error")
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let v: Vec<Value> = serde_json::from_slice(&out.stdout).ok()?;
        Some(
            v.iter()
                .map(|d| SrvDoc {
                    id: d["id"].as_str().unwrap_or_default().to_owned(),
                    kind: d["kind"].as_str().unwrap_or_default().to_owned(),
                    point: d["point"].as_str().map(str::to_owned),
                    heads: heads_of(&d["heads"]),
                })
                .collect(),
        )
    }

    /// What stands between now and convergence (empty: converged). Registered documents held by
    /// a device that may not read them are recorded as failures (once each).
    fn diff(&mut self, seen: &[Seen], early: bool) -> Vec<String> {
        let Some(srv) = self.server_docs() else {
            return vec!["the server's document list could not be read".into()];
        };
        let mut out = Vec::new();
        let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in seen {
            let st = run_cmd(
                {
                    let mut c = s.client.cmd();
                    c.args(["status", "--json"]);
                    c
                },
                None,
                Duration::from_secs(20),
            );
            let Some(docs) = serde_json::from_str::<Value>(&st.stdout)
                .ok()
                .and_then(|v| v["documents"].as_array().cloned())
            else {
                out.push(format!(
                    "{}: status --json failed: {}",
                    s.name,
                    st.stderr.trim()
                ));
                if early {
                    return out;
                }
                continue;
            };
            let held: BTreeMap<String, Vec<String>> = docs
                .iter()
                .map(|d| {
                    (
                        d["id"].as_str().unwrap_or_default().to_owned(),
                        heads_of(&d["heads"]),
                    )
                })
                .collect();
            for d in &srv {
                let allowed = may_read(s.point.as_deref(), d);
                match held.get(&d.id) {
                    Some(h) if !allowed => {
                        let leak = format!(
                            "[access] {} holds {} document {} (point {:?}) it may not read",
                            s.name, d.kind, d.id, d.point
                        );
                        if self.leaks.insert(leak.clone()) {
                            self.fail(leak);
                        }
                        let _ = h;
                    }
                    Some(h) if *h != d.heads => out.push(format!(
                        "{}: {} {} heads {:?} ≠ server {:?}",
                        s.name,
                        d.kind,
                        short_id(&d.id),
                        short_heads(h),
                        short_heads(&d.heads)
                    )),
                    None if allowed => {
                        out.push(format!("{}: lacks {} {}", s.name, d.kind, short_id(&d.id)))
                    }
                    _ => {}
                }
                if early && !out.is_empty() {
                    return out;
                }
            }
            for id in held.keys() {
                if !srv.iter().any(|d| &d.id == id) {
                    holders.entry(id.clone()).or_default().push(s.name.clone());
                }
            }
        }
        // A device's own unregistered documents (its pre-enrolment intake) never leave it.
        for (id, hs) in holders {
            if hs.len() > 1 {
                let leak =
                    format!("[access] unregistered document {id} is on several devices: {hs:?}");
                if self.leaks.insert(leak.clone()) {
                    self.fail(leak);
                }
            }
        }
        out
    }

    fn list(&mut self, c: &Client, who: &str) -> Vec<Value> {
        let r = run_cmd(
            {
                let mut cmd = c.cmd();
                cmd.args(["petition", "list", "--json", "--limit", "100000"]);
                cmd
            },
            None,
            Duration::from_secs(60),
        );
        match serde_json::from_str::<Vec<Value>>(&r.stdout) {
            Ok(v) if r.ok => v,
            _ => {
                self.fail(format!(
                    "[process] {who}: petition list failed: {}",
                    r.stderr.trim()
                ));
                Vec::new()
            }
        }
    }

    /// `petition list --json` by id; an id listed twice is a failure.
    fn rows(&mut self, c: &Client, who: &str) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        for r in self.list(c, who) {
            let id = r["id"].as_str().unwrap_or_default().to_owned();
            if m.insert(id.clone(), r).is_some() {
                self.fail(format!("[data] {who} lists petition {id} twice"));
            }
        }
        m
    }

    /// For each intake document the device holds: the heads its index was built at, the rows
    /// it lists, and the document's heads (diagnostics for an index that disagrees).
    fn index_state(&self, c: &Client) -> String {
        let Some(srv) = self.server_docs() else {
            return "?".into();
        };
        let st = run_cmd(
            {
                let mut cmd = c.cmd();
                cmd.args(["status", "--json"]);
                cmd
            },
            None,
            Duration::from_secs(20),
        );
        let docs: BTreeMap<String, Vec<String>> = serde_json::from_str::<Value>(&st.stdout)
            .ok()
            .and_then(|v| v["documents"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|d| {
                (
                    d["id"].as_str().unwrap_or_default().to_owned(),
                    heads_of(&d["heads"]),
                )
            })
            .collect();
        let Ok(store) = doithoai_store::Store::open(&c.db(), doithoai_store::Durability::Full)
        else {
            return "store not readable".into();
        };
        let mut out = Vec::new();
        for d in srv.iter().filter(|d| d.kind == "intake") {
            let Some(heads) = docs.get(&d.id) else {
                continue;
            };
            let ih: Vec<String> = store
                .index_heads(&d.id)
                .ok()
                .flatten()
                .unwrap_or_default()
                .chunks(32)
                .map(|c| c.iter().take(4).map(|b| format!("{b:02x}")).collect())
                .collect();
            let n = store.index_ids_of_doc(&d.id).map_or(0, |v| v.len());
            out.push(format!(
                "{} ({}): index at {ih:?} with {n} rows, document at {:?}",
                short_id(&d.id),
                d.point.as_deref().unwrap_or("-"),
                short_heads(heads)
            ));
        }
        out.join(", ")
    }

    /// `doithoai handle conflicts --json`: refreshes the office's handling overlay; a single
    /// office laptop makes no conflicts.
    fn refresh_handling(&mut self, c: &Client, who: &str) {
        let r = run_cmd(
            {
                let mut cmd = c.cmd();
                cmd.args(["handle", "conflicts", "--json"]);
                cmd
            },
            None,
            Duration::from_secs(60),
        );
        if !r.ok {
            self.fail(format!(
                "[process] {who}: handle conflicts failed: {}",
                r.stderr.trim()
            ));
        } else if r.stdout.trim() != "[]" {
            self.warn(format!(
                "{who}: handling conflicts with a single office laptop: {}",
                r.stdout.trim()
            ));
        }
    }

    fn rebuild(&mut self, c: &Client, who: &str) {
        let r = run_cmd(
            {
                let mut cmd = c.cmd();
                cmd.args(["index", "rebuild"]);
                cmd
            },
            None,
            Duration::from_secs(60),
        );
        if !r.ok {
            self.fail(format!(
                "[process] {who}: index rebuild failed: {}",
                r.stderr.trim()
            ));
        }
    }

    fn final_checks(&mut self) {
        if !self.sh.failures.is_empty() {
            // Not converged (or broken already): the data checks would only repeat it.
            return;
        }
        // Heads again, with every process stopped.
        let seen = self.seen(None);
        let d = self.diff(&seen, false);
        if !d.is_empty() {
            self.fail(format!(
                "[convergence] diverged after stopping: {}",
                d.join("; ")
            ));
        }
        // A fresh office laptop, straight to the server: it sees exactly the server's data.
        let code = self.server.add_device(WARD, "office", None, "O-fresh");
        let fresh = Seen {
            name: "O-fresh".into(),
            client: Client::new(self.dir.join("O-fresh")),
            point: None,
        };
        let j = run_cmd(
            {
                let mut c = fresh.client.cmd();
                c.args(["join", &self.server.url(), &code, "--name", "O-fresh"]);
                c
            },
            None,
            Duration::from_secs(60),
        );
        if !j.ok {
            self.fail(format!(
                "[process] the fresh office could not join: {}",
                j.stderr.trim()
            ));
            return;
        }
        let seen = self.seen(Some(&fresh));
        let d = self.diff(&seen, false);
        if !d.is_empty() {
            self.fail(format!(
                "[data] the fresh office does not see the server's data: {}",
                d.join("; ")
            ));
        }

        let office = Client::new(self.devs[OFFICE].client.dir.clone());
        let office_before = self.rows(&office, "O (before rebuild)");
        let fresh_before = self.rows(&fresh.client, "O-fresh (before rebuild)");
        let index_before = [self.index_state(&office), self.index_state(&fresh.client)];
        self.rebuild(&office, "O");
        self.rebuild(&fresh.client, "O-fresh");
        if self.handling {
            // `index rebuild` keeps the handling overlay of the index; every `doithoai handle`
            // command brings it up to date with the handling document first.
            self.refresh_handling(&office, "O");
            self.refresh_handling(&fresh.client, "O-fresh");
        }
        let office_rows = self.rows(&office, "O");
        let fresh_rows = self.rows(&fresh.client, "O-fresh");

        // The office's index was up to date with the documents (intake fields); the handling
        // fields are compared too but only warned about (the office's handling index is
        // refreshed by the handling commands).
        for (who, before) in [("O", &office_before), ("O-fresh", &fresh_before)] {
            let after = if who == "O" {
                &office_rows
            } else {
                &fresh_rows
            };
            if let Some(m) = compare(before, after, &INTAKE_FIELDS) {
                self.finding(format!(
                    "{who}'s index disagreed with its documents (intake fields): {m}; before the rebuild: {}",
                    index_before[usize::from(who == "O-fresh")]
                ));
            }
            // (Rows missing altogether were reported just above.)
            if before.keys().eq(after.keys())
                && let Some(m) = compare(before, after, &HANDLING_FIELDS)
            {
                self.count("stale handling overlay");
                self.warn(format!(
                    "{who}'s list showed older handling than its handling document until a `doithoai handle` command refreshed it: {m}"
                ));
            }
        }
        // The office and the fresh office (the server's data) agree on every field.
        let all: Vec<&str> = INTAKE_FIELDS
            .iter()
            .chain(HANDLING_FIELDS.iter())
            .copied()
            .collect();
        if let Some(m) = compare(&office_rows, &fresh_rows, &all) {
            self.fail(format!(
                "[data] the office and the server's data differ: {m}"
            ));
        }

        // Every reported add, once, with the values its successful edits left.
        let mut matched = BTreeSet::new();
        let mut problems = Vec::new();
        for p in &self.pets {
            let hits: Vec<&Value> = fresh_rows
                .iter()
                .filter(|(id, _)| id.starts_with(&p.short))
                .map(|(_, v)| v)
                .collect();
            let who = self.devs[p.dev].name;
            match hits.as_slice() {
                [] => problems.push(format!(
                    "petition {} reported saved by {who} is not on the server",
                    p.short
                )),
                [row] => {
                    matched.insert(row["id"].as_str().unwrap_or_default().to_owned());
                    let content = row["content"].as_str().unwrap_or_default();
                    let place = row["place"].as_str().unwrap_or_default();
                    if !p.contents.iter().any(|c| c == content) {
                        problems.push(format!(
                            "petition {} ({who}): content {content:?}, expected one of {:?}",
                            p.short, p.contents
                        ));
                    }
                    if !p.places.iter().any(|c| c == place) {
                        problems.push(format!(
                            "petition {} ({who}): place {place:?}, expected one of {:?}",
                            p.short, p.places
                        ));
                    }
                    if row["residents"].as_str() != Some(p.residents.as_str())
                        || row["point"].as_str() != Some(p.point)
                        || row["people_count"].as_u64() != Some(p.people)
                    {
                        problems.push(format!(
                            "petition {} ({who}): residents/point/people {} / {} / {}, expected {} / {} / {}",
                            p.short,
                            row["residents"],
                            row["point"],
                            row["people_count"],
                            p.residents,
                            p.point,
                            p.people
                        ));
                    }
                }
                _ => problems.push(format!(
                    "petition {} ({who}) is listed {} times",
                    p.short,
                    hits.len()
                )),
            }
        }
        // Anything else must be an add that was killed (or failed), stored once at most.
        let mut used = BTreeMap::new();
        for (id, row) in &fresh_rows {
            if matched.contains(id) {
                continue;
            }
            let content = row["content"].as_str().unwrap_or_default();
            let point = row["point"].as_str().unwrap_or_default();
            match self
                .attempts
                .iter()
                .position(|a| a.content == content && a.point == point)
            {
                Some(i) => {
                    *used.entry(i).or_insert(0) += 1;
                    self.sh
                        .counts
                        .entry("killed adds that were stored")
                        .and_modify(|n| *n += 1)
                        .or_insert(1);
                }
                None => problems.push(format!(
                    "phantom petition {id} on the server: {content:?} at {point}"
                )),
            }
        }
        for (i, n) in used {
            if n > 1 {
                let a = &self.attempts[i];
                problems.push(format!(
                    "the killed add {:?} of {} is stored {n} times",
                    a.content, self.devs[a.dev].name
                ));
            }
        }
        let mut contents = BTreeMap::new();
        for row in fresh_rows.values() {
            *contents
                .entry(row["content"].as_str().unwrap_or_default().to_owned())
                .or_insert(0) += 1;
        }
        for (c, n) in contents {
            if n > 1 {
                problems.push(format!("{n} petitions carry the content {c:?}"));
            }
        }

        // Every handling step that reported success shows on the server's data.
        for (id, (stage, field)) in &self.handled {
            let Some(row) = fresh_rows.get(id) else {
                problems.push(format!(
                    "handled petition {} is not on the server",
                    &id[..8]
                ));
                continue;
            };
            let want = HANDLING_STEPS[stage - 1].1;
            if row["status"].as_str() != Some(want) {
                problems.push(format!(
                    "petition {}: status {} on the server's data, the office's last reported step left {want}",
                    &id[..8],
                    row["status"]
                ));
            }
            if row["register_no"].is_null() {
                problems.push(format!(
                    "petition {} was received but has no register number",
                    &id[..8]
                ));
            }
            if let Some(f) = field
                && row["field"].as_str() != Some(f.as_str())
            {
                problems.push(format!(
                    "petition {}: field {} on the server's data, classified as {f}",
                    &id[..8],
                    row["field"]
                ));
            }
        }

        // Each TDP laptop lists exactly its point's petitions, as the office has them.
        for d in 1..self.devs.len() {
            let name = self.devs[d].name;
            let point = self.devs[d].point.unwrap_or_default();
            let c = Client::new(self.devs[d].client.dir.clone());
            let rows = self.rows(&c, name);
            let want: BTreeMap<String, Value> = office_rows
                .iter()
                .filter(|(_, r)| r["point"].as_str() == Some(point))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Some(m) = compare(&rows, &want, &INTAKE_FIELDS) {
                let state = self.index_state(&c);
                self.rebuild(&c, name);
                let again = self.rows(&c, name);
                match compare(&again, &want, &INTAKE_FIELDS) {
                    None => self.finding(format!(
                        "{name}'s index disagreed with its documents (it agrees after `index rebuild`): {m}; before the rebuild: {state}"
                    )),
                    Some(m2) => problems.push(format!(
                        "{name} lists its point's petitions unlike the office: {m}; after `index rebuild` still: {m2}"
                    )),
                }
            }
        }
        for p in problems {
            self.fail(format!("[data] {p}"));
        }
        let n = fresh_rows.len() as u64;
        self.sh.counts.insert("petitions on the server", n);
    }
}

/// The first difference between two petition lists on `fields`, if any.
fn compare(
    a: &BTreeMap<String, Value>,
    b: &BTreeMap<String, Value>,
    fields: &[&str],
) -> Option<String> {
    let ka: BTreeSet<&String> = a.keys().collect();
    let kb: BTreeSet<&String> = b.keys().collect();
    if ka != kb {
        let only_a: Vec<&str> = ka.difference(&kb).map(|s| short_id(s)).collect();
        let only_b: Vec<&str> = kb.difference(&ka).map(|s| short_id(s)).collect();
        return Some(format!(
            "{} vs {} petitions; only in the first: {only_a:?}; only in the second: {only_b:?}",
            a.len(),
            b.len()
        ));
    }
    let mut diffs = Vec::new();
    for (id, ra) in a {
        let rb = &b[id];
        for f in fields {
            if ra[*f] != rb[*f] {
                diffs.push(format!("{} {f}: {} vs {}", short_id(id), ra[*f], rb[*f]));
            }
        }
    }
    if diffs.is_empty() {
        None
    } else {
        let n = diffs.len();
        diffs.truncate(6);
        Some(format!("{n} differences: {}", diffs.join("; ")))
    }
}

/// DESIGN.md's table, from the server's list: may a device of `point` (None: the office) read
/// `doc`?
fn may_read(point: Option<&str>, doc: &SrvDoc) -> bool {
    match (doc.kind.as_str(), point) {
        ("ward" | "handling" | "session", _) => true,
        ("intake", None) => true,
        ("intake", Some(p)) => doc.point.as_deref() == Some(p),
        ("monitoring", None) => true,
        _ => false,
    }
}

fn describe(f: &crate::proxy::Faults) -> String {
    let mut v = Vec::new();
    if !f.latency.is_zero() || !f.jitter.is_zero() {
        v.push(format!("latency {:?}±{:?}", f.latency, f.jitter));
    }
    if let Some(b) = f.bytes_per_sec {
        v.push(format!("{b} B/s"));
    }
    if let Some(n) = f.cut_after_bytes {
        v.push(format!("cut after {n} B"));
    }
    if f.blackhole {
        v.push("black hole".into());
    }
    if f.refuse {
        v.push("refusing".into());
    }
    if v.is_empty() {
        "nothing else".into()
    } else {
        v.join(", ")
    }
}

fn heads_of(v: &Value) -> Vec<String> {
    let mut h: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    h.sort();
    h
}

fn short_id(s: &str) -> &str {
    &s[..s.len().min(8)]
}

fn short_heads(h: &[String]) -> Vec<&str> {
    h.iter().map(|x| &x[..x.len().min(8)]).collect()
}

/// min, median, p90 and max of some durations.
pub fn distribution(xs: &[Duration]) -> Option<[Duration; 4]> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Some([v[0], at(0.5), at(0.9), v[v.len() - 1]])
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
