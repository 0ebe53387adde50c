//! `loadgen`: doithoai's sync workloads over real websockets on 127.0.0.1.
//!
//! - `loadgen w1 --target ours|reference|bare`: a ward's day. 25 collector devices each push 40
//!   petitions made offline, then the office syncs everything. Reports the wall time until the
//!   server holds every change and until the office has everything, the server's peak RSS and CPU
//!   time, bytes on the wire and data on disk.
//! - `loadgen w2 --history 1000,10000,50000`: a device whose documents hold that many petitions
//!   makes 10 edits offline and reconnects: bytes each way and messages (round trips), against
//!   the floor (the encoded size of those 10 changes).
//!
//! - `loadgen w3 --wards 40 --collectors 24 --rate 20 --secs 60`: many wards in one server
//!   process, a thousand connected devices, petitions arriving at a steady rate: p50 and p99 from
//!   `add` on a device to visibility on its ward's office client, and the server's RSS.
//!
//! See benches/README.md for the commands and how to read the figures.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use doithoai_model::{ChangeMeta, NewPetition, Petition, Registry, Resident, intake};
use doithoai_store::{Durability, Store};
use doithoai_sync::client::ServerLink;
use doithoai_sync::link::LinkOptions;
use doithoai_sync::{DocHandle, LocalRepo, change, parse_doc_id};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    W1 {
        #[arg(long, value_enum, default_value = "ours")]
        target: Target,
        #[arg(long, default_value_t = 25)]
        devices: usize,
        #[arg(long, default_value_t = 40)]
        petitions: usize,
    },
    W2 {
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        history: Vec<usize>,
    },
    W3 {
        #[arg(long, default_value_t = 40)]
        wards: usize,
        /// Collector devices per ward; each ward also has one office device.
        #[arg(long, default_value_t = 24)]
        collectors: usize,
        /// Petitions per second over all devices.
        #[arg(long, default_value_t = 20.0)]
        rate: f64,
        #[arg(long, default_value_t = 60)]
        secs: u64,
        /// Also run the same load on two server nodes over one PostgreSQL database (a throwaway
        /// cluster of Debian's postgresql), collectors on one node and offices on the other,
        /// after the run on one node over SQLite.
        #[arg(long)]
        postgres: bool,
    },
}

mod w3;

/// The throwaway PostgreSQL cluster of the tests (tests/src/pg.rs), for W3 on two nodes.
#[path = "../../tests/src/pg.rs"]
#[allow(dead_code)]
mod pg;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
enum Target {
    Ours,
    Reference,
    Bare,
}

fn bin_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/release"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18_800)
}

struct Proc {
    child: Child,
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }
    /// A memory figure of /proc/PID/status (`VmHWM`, `VmRSS`) in MiB.
    fn status_mib(&self, field: &str) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        s.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|k| k.parse::<f64>().ok())
            .map(|k| k / 1024.0)
            .unwrap_or(0.0)
    }
    /// Peak resident set (VmHWM) in MiB.
    fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }
    /// Resident set now (VmRSS) in MiB.
    fn rss_mib(&self) -> f64 {
        self.status_mib("VmRSS:")
    }
    /// User + system CPU seconds so far.
    fn cpu_secs(&self) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        let after = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
        // Fields 14 and 15 of /proc/PID/stat; after the ")" they are at 11 and 12.
        (ticks(11) + ticks(12)) / 100.0
    }
    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_port(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("server on port {port} did not start")
}

/// The data under `p`: the files' lengths added up, and the disk space the files and
/// directories occupy (allocated blocks; a small file still takes a whole block).
fn dir_size(p: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir(p)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => {
                let (len, blocks) = dir_size(&e.path());
                (len, blocks + m.blocks() * 512)
            }
            Ok(m) => (m.len(), m.blocks() * 512),
            Err(_) => (0, 0),
        })
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
}

fn petition(i: usize, point: &str, reg: &Registry) -> anyhow::Result<Petition> {
    Ok(NewPetition {
        residents: vec![Resident {
            name: format!("Nguyễn Văn Dân {i}"),
            address: format!("Số {} ngõ {} đường Xương Giang", i % 90 + 1, i % 30 + 1),
            tdp: point.to_owned(),
            phone: None,
            id_number: None,
        }],
        field: Some(["ha_tang", "moi_truong", "dat_dai", "an_ninh"][i % 4].to_owned()),
        content: format!(
            "Ý kiến số {i}: đèn chiếu sáng ngõ {} hỏng, cống thoát nước tắc gây ngập khi mưa",
            i % 30 + 1
        ),
        request: "Đề nghị phường kiểm tra, sửa chữa".to_owned(),
        place: format!("ngõ {} đường Xương Giang", i % 30 + 1),
        ..Default::default()
    }
    .build(point, "loadgen", reg)?)
}

fn add_petitions(h: &DocHandle, point: &str, from: usize, n: usize) -> anyhow::Result<()> {
    let reg = Registry::builtin();
    for i in from..from + n {
        let p = petition(i, point, &reg)?;
        let meta = ChangeMeta::new("loadgen", "petition.add", vec![p.id.to_string()]);
        change(h, &meta, |tx| intake::put_petition(tx, &p))?;
    }
    Ok(())
}

async fn device_repo(dir: &Path, name: &str, peer: Option<String>) -> anyhow::Result<LocalRepo> {
    let store = Store::open(&dir.join(format!("{name}.sqlite3")), Durability::Normal)?;
    Ok(LocalRepo::open(store, peer).await)
}

fn link_bytes(links: &[&ServerLink]) -> (u64, u64, u64, u64) {
    links.iter().fold((0, 0, 0, 0), |(a, b, c, d), l| {
        (
            a + l.stats.bytes_out.load(Ordering::Relaxed),
            b + l.stats.bytes_in.load(Ordering::Relaxed),
            c + l.stats.messages_out.load(Ordering::Relaxed),
            d + l.stats.messages_in.load(Ordering::Relaxed),
        )
    })
}

/// Our server with a ward, `n` collection points, a collector per point and an office device.
struct OurWard {
    server: Proc,
    url: String,
    data: PathBuf,
    collectors: Vec<serde_json::Value>,
    office: serde_json::Value,
}

fn admin(data: &Path, port: u16, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(bin_dir().join("doithoai-server"))
        .arg("--data-dir")
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("DOITHOAI_LOG", "warn")
        .args(args)
        .output()
        .context("run doithoai-server (build it: cargo build --release --bins)")?;
    if !out.status.success() {
        bail!(
            "doithoai-server {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What the benchmark's clients trust in our server: the pin of the certificate it serves (TLS,
/// its default), set when it starts; nothing for `--plain-http` (`DOITHOAI_BENCH_PLAIN=1`) and
/// the other targets.
static TRUST: std::sync::Mutex<Option<doithoai_sync::tls::Trust>> = std::sync::Mutex::new(None);

pub(crate) fn trust() -> doithoai_sync::tls::Trust {
    TRUST
        .lock()
        .ok()
        .and_then(|t| t.clone())
        .unwrap_or_default()
}

/// The HTTP client for our server.
pub(crate) fn http() -> anyhow::Result<doithoai_sync::http::Client> {
    Ok(doithoai_sync::http::Client::new(&trust())?)
}

async fn enroll(url: &str, code: &str) -> anyhow::Result<serde_json::Value> {
    let body = serde_json::json!({"code": code, "name": "loadgen"}).to_string();
    let (status, text) = http()?
        .request(
            url,
            "POST",
            "/api/v1/enroll",
            None,
            Some(&body),
            Duration::from_secs(30),
        )
        .await?;
    if status != 200 {
        bail!("enroll: {status} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

fn code_of(out: &str) -> anyhow::Result<String> {
    out.split_whitespace()
        .find(|w| (w.len() == 13 || w.len() == 40) && w.as_bytes().get(4) == Some(&b'-'))
        .map(str::to_owned)
        .context("no enrolment code")
}

/// Starts `doithoai-server` on a fresh data directory under `root`: the process, its URL, its
/// port and its data directory.
fn start_our_server(root: &Path) -> anyhow::Result<(Proc, String, u16, PathBuf)> {
    start_our_server_at(root.join("server"), None)
}

/// Starts `doithoai-server` with its data directory `data`, on `database` (`postgres://…`) when
/// given. A second node on the same database is started with the first's certificate copied
/// into its data directory beforehand.
fn start_our_server_at(
    data: PathBuf,
    database: Option<&str>,
) -> anyhow::Result<(Proc, String, u16, PathBuf)> {
    let port = free_port();
    let plain = std::env::var("DOITHOAI_BENCH_PLAIN").is_ok_and(|v| v == "1" || v == "true");
    let child = Command::new(bin_dir().join("doithoai-server"))
        .arg("--data-dir")
        .arg(&data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .args(if plain {
            &["--plain-http"][..]
        } else {
            &[][..]
        })
        .args(database.map(|d| ["--database", d]).iter().flatten())
        .env("DOITHOAI_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start doithoai-server (build it: cargo build --release --bins)")?;
    let server = Proc { child };
    wait_port(port)?;
    let served: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("server.tls")).unwrap_or_default())
            .unwrap_or_default();
    let pin = served["fingerprint"]
        .as_str()
        .and_then(doithoai_sync::tls::Pin::from_hex);
    if let Ok(mut t) = TRUST.lock() {
        *t = Some(doithoai_sync::tls::Trust { pin });
    }
    let scheme = if plain { "http" } else { "https" };
    Ok((server, format!("{scheme}://127.0.0.1:{port}"), port, data))
}

async fn our_ward(root: &Path, n: usize) -> anyhow::Result<OurWard> {
    let (server, url, port, data) = start_our_server(root)?;
    admin(
        &data,
        port,
        &["ward", "create", "--id", "w", "--name", "Phường Thử"],
    )?;
    let mut collectors = Vec::new();
    for i in 0..n {
        let id = format!("tdp-{i:02}");
        admin(
            &data,
            port,
            &[
                "point",
                "add",
                "--ward",
                "w",
                "--kind",
                "tdp",
                "--id",
                &id,
                "--name",
                &format!("TDP {i}"),
            ],
        )?;
        let code = code_of(&admin(
            &data,
            port,
            &[
                "device",
                "add",
                "--ward",
                "w",
                "--role",
                "collector",
                "--point",
                &id,
                "--name",
                &id,
            ],
        )?)?;
        collectors.push(enroll(&url, &code).await?);
    }
    let code = code_of(&admin(
        &data,
        port,
        &[
            "device", "add", "--ward", "w", "--role", "office", "--name", "office",
        ],
    )?)?;
    let office = enroll(&url, &code).await?;
    Ok(OurWard {
        server,
        url,
        data,
        collectors,
        office,
    })
}

fn s(v: &serde_json::Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}

async fn w1(target: Target, devices: usize, per_device: usize) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    // --- the server
    let (server, url, data, ward) = match target {
        Target::Ours => {
            let w = our_ward(root, devices).await?;
            let (server, url, data) = (w.server, w.url.clone(), w.data.clone());
            (server, url, data, Some((w.collectors, w.office)))
        }
        Target::Bare => {
            let port = free_port();
            let child = Command::new(bin_dir().join("bare-samod"))
                .arg(port.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("start bare-samod")?;
            wait_port(port)?;
            (
                Proc { child },
                format!("http://127.0.0.1:{port}"),
                root.join("none"),
                None,
            )
        }
        Target::Reference => {
            let port = free_port();
            let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
            if !js.join("node_modules").exists() {
                bail!("run `npm ci` in {} first", js.display());
            }
            let data = root.join("reference-data");
            let child = Command::new("node")
                .arg(js.join("reference-server.mjs"))
                .arg(port.to_string())
                .arg(&data)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("start node")?;
            wait_port(port)?;
            (
                Proc { child },
                format!("http://127.0.0.1:{port}"),
                data,
                None,
            )
        }
    };
    // --- devices prepare their documents offline
    let mut devs = Vec::new();
    for i in 0..devices {
        let point = format!("tdp-{i:02}");
        let (repo, token, doc) = match &ward {
            Some((collectors, _)) => {
                let e = &collectors[i];
                let repo = device_repo(root, &point, Some(s(e, "peer_id"))).await?;
                let link = repo.dial_server_with(
                    &url,
                    &s(e, "token"),
                    &trust(),
                    LinkOptions::default(),
                    Some(3),
                )?;
                link.established().await?;
                let id = parse_doc_id(e["documents"]["intake"].as_str().unwrap_or_default())?;
                let h = repo.find(&id).await?.context("intake doc")?;
                link.in_step(&h, true, Duration::from_secs(30)).await;
                link.close();
                (repo, s(e, "token"), h)
            }
            None => {
                let repo = device_repo(root, &point, None).await?;
                let h = repo.create(intake::new_document(&point)?).await?;
                (repo, "no-auth".to_owned(), h)
            }
        };
        add_petitions(&doc, &point, i * per_device, per_device)?;
        devs.push((repo, token, doc));
    }
    let cpu0 = server.cpu_secs();
    // --- the ward's day: every device reconnects and pushes
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (repo, token, doc) in &devs {
        let link = repo.dial_server_with(&url, token, &trust(), LinkOptions::default(), Some(5))?;
        let doc = doc.clone();
        tasks.push(tokio::spawn(async move {
            link.established().await.ok();
            let ok = link.in_step(&doc, true, Duration::from_secs(600)).await;
            (ok, link)
        }));
    }
    let mut links = Vec::new();
    for t in tasks {
        let (ok, link) = t.await?;
        if !ok {
            bail!("a device did not get in step");
        }
        links.push(link);
    }
    let t_server = t0.elapsed();
    // --- the office syncs everything
    let (office_peer, office_token) = match &ward {
        Some((_, o)) => (Some(s(o, "peer_id")), s(o, "token")),
        None => (None, "no-auth".to_owned()),
    };
    let office = device_repo(root, "office", office_peer).await?;
    let olink = office.dial_server_with(
        &url,
        &office_token,
        &trust(),
        LinkOptions::default(),
        Some(5),
    )?;
    olink.established().await?;
    let ids: Vec<_> = devs
        .iter()
        .map(|(_, _, d)| d.document_id().clone())
        .collect();
    let mut fetches = Vec::new();
    for id in ids {
        let office = office.clone();
        fetches.push(tokio::spawn(async move { office.find(&id).await }));
    }
    let mut total = 0;
    for f in fetches {
        let h = f
            .await??
            .context("office could not fetch an intake document")?;
        olink.in_step(&h, false, Duration::from_secs(600)).await;
        total += doithoai_sync::read(&h, intake::petition_count);
    }
    let t_office = t0.elapsed();
    let cpu = server.cpu_secs() - cpu0;
    let rss = server.peak_rss_mib();
    let mut all: Vec<&ServerLink> = links.iter().collect();
    all.push(&olink);
    let (out_b, in_b, out_m, in_m) = link_bytes(&all);
    for l in &links {
        l.close();
    }
    olink.close();
    server.stop();
    let (disk, disk_blocks) = dir_size(&data);
    if let Some(keep) = std::env::var_os("LOADGEN_KEEP_DATA") {
        let _ = Command::new("cp").arg("-r").arg(&data).arg(&keep).status();
    }
    if std::env::var_os("LOADGEN_SHOW_DISK").is_some() {
        for e in std::fs::read_dir(&data).into_iter().flatten().flatten() {
            eprintln!(
                "  {} {}",
                e.path().display(),
                e.metadata().map(|m| m.len()).unwrap_or(0)
            );
        }
    }
    if total != devices * per_device {
        bail!(
            "the office has {total} petitions, expected {}",
            devices * per_device
        );
    }
    println!(
        "W1 {target:?}: {devices} devices × {per_device} petitions | server holds all {:.3} s | office has all {:.3} s | server CPU {:.3} s | peak RSS {:.1} MiB | wire {:.1} KiB up / {:.1} KiB down ({} / {} messages) | disk {:.1} KiB in files, {:.1} KiB allocated",
        t_server.as_secs_f64(),
        t_office.as_secs_f64(),
        cpu,
        rss,
        out_b as f64 / 1024.0,
        in_b as f64 / 1024.0,
        out_m,
        in_m,
        disk as f64 / 1024.0,
        disk_blocks as f64 / 1024.0
    );
    for (repo, _, _) in devs {
        repo.stop().await;
    }
    office.stop().await;
    Ok(())
}

/// The emulated 2G link of the tests (tests/src/proxy.rs): 8 KB/s each way, 300 ± 200 ms.
#[path = "../../tests/src/proxy.rs"]
#[allow(dead_code)]
mod proxy;

/// One reconnect of W2: what a `doithoai sync` moved after 10 petitions made offline.
struct Reconnect {
    traffic: doithoai_device::net::SyncTraffic,
    unchanged: usize,
    documents: usize,
    floor: usize,
}

/// Adds 10 petitions as `doithoai petition add` does (one process each is not needed: the
/// same operation, then the store closed), returns the encoded size of their changes.
async fn ten_petitions(dir: &Path, from: usize) -> anyhow::Result<usize> {
    let app = doithoai_device::App::open(dir).await?;
    let before: std::collections::BTreeMap<String, Vec<automerge::ChangeHash>> = {
        let _ = app.target_volume_pub().await?;
        app.repo
            .loaded_handles()
            .iter()
            .map(|h| {
                (
                    h.document_id().to_string(),
                    h.with_document(|d| d.get_heads()),
                )
            })
            .collect()
    };
    for i in from..from + 10 {
        let p = petition(i, "tdp-00", &Registry::builtin())?;
        let new = NewPetition {
            residents: p.residents.clone(),
            field: p.field.clone(),
            content: p.content.clone(),
            ..Default::default()
        };
        app.add_petition(new).await?;
    }
    let floor = app
        .repo
        .loaded_handles()
        .iter()
        .map(|h| {
            let since = before
                .get(&h.document_id().to_string())
                .cloned()
                .unwrap_or_default();
            h.with_document(|d| {
                d.get_changes(&since)
                    .iter()
                    .map(|c| c.raw_bytes().len())
                    .sum::<usize>()
            })
        })
        .sum();
    app.close().await?;
    Ok(floor)
}

/// `doithoai sync` in a fresh process's state: open, connect (to `via` when given), one pass.
async fn reconnect(dir: &Path, via: Option<String>, strict: bool) -> anyhow::Result<Reconnect> {
    let mut app = doithoai_device::App::open(dir).await?;
    if let Some(u) = via {
        app.device.server_url = Some(u);
    }
    let link = app.connect(Some(5))?;
    link.established().await?;
    let r = app.sync_pass(&link, &mut |_, _| {}).await?;
    link.close();
    app.close().await?;
    if !r.lagging.is_empty() {
        if strict {
            bail!("the reconnect did not finish: {:?}", r.lagging);
        }
        eprintln!("W2: {} documents still lagging", r.lagging.len());
    }
    Ok(Reconnect {
        traffic: r.traffic,
        unchanged: r.unchanged,
        documents: r.documents,
        floor: if r.lagging.is_empty() { 0 } else { 1 },
    })
}

async fn w2(histories: &[usize]) -> anyhow::Result<()> {
    use doithoai_device::net;
    for &n in histories {
        let tmp = tempfile::tempdir()?;
        let root = tmp.path();
        let (server, url, port, data) = start_our_server(root)?;
        admin(
            &data,
            port,
            &["ward", "create", "--id", "w", "--name", "Phường Thử"],
        )?;
        admin(
            &data,
            port,
            &[
                "point", "add", "--ward", "w", "--kind", "tdp", "--id", "tdp-00", "--name", "TDP 0",
            ],
        )?;
        let code = code_of(&admin(
            &data,
            port,
            &[
                "device",
                "add",
                "--ward",
                "w",
                "--role",
                "collector",
                "--point",
                "tdp-00",
                "--name",
                "tdp-00",
            ],
        )?)?;
        let dir = root.join("device");
        let (app, _, _) = net::join(
            &dir,
            &url,
            &code,
            Some("loadgen"),
            doithoai_model::Lang::Vi,
            &mut |_, _| {},
        )
        .await?;
        // A year of history laid out as the client lays it out: the root intake document, then
        // volumes of 400, each petition its own change, written offline.
        let seeding = Instant::now();
        let root_id = parse_doc_id(app.device.intake.as_deref().context("intake")?)?;
        let root_doc = app.repo.get(&root_id).await?;
        let cap = intake::VOLUME_CAPACITY;
        let mut i = 0;
        let mut docs = 1;
        while i < n {
            let take = (n - i).min(cap);
            if i == 0 {
                add_petitions(&root_doc, "tdp-00", i, take)?;
            } else {
                let v = app
                    .repo
                    .create(intake::new_volume_document("tdp-00", &root_id.to_string())?)
                    .await?;
                let vid = v.document_id().to_string();
                change(
                    &root_doc,
                    &ChangeMeta::new("loadgen", "intake.volume", vec![]),
                    |tx| intake::add_volume(tx, &vid, "loadgen"),
                )?;
                app.note_created(&vid, "intake")?;
                add_petitions(&v, "tdp-00", i, take)?;
                docs += 1;
            }
            i += take;
        }
        app.reindex().await?;
        app.close().await?;
        eprintln!(
            "W2: {n} petitions written offline in {docs} documents in {:.1} s; pushing the history ...",
            seeding.elapsed().as_secs_f64()
        );
        let pushing = Instant::now();
        // Registering the volumes, then the history; a second pass finds the volumes listed.
        let mut passes = 0;
        loop {
            passes += 1;
            let r = reconnect(&dir, None, false).await?;
            if (r.floor == 0 && passes >= 2) || passes > 20 {
                break;
            }
        }
        eprintln!(
            "W2: history on the server in {:.1} s",
            pushing.elapsed().as_secs_f64()
        );
        let (ip, port) = (std::net::Ipv4Addr::LOCALHOST, port);
        let slow = std::thread::spawn(move || {
            let p = proxy::Proxy::start(std::net::SocketAddr::from((ip, port)));
            p.set(|f| {
                f.bytes_per_sec = Some(8_000);
                f.latency = Duration::from_millis(300);
                f.jitter = Duration::from_millis(200);
            });
            p
        })
        .join()
        .map_err(|_| anyhow::anyhow!("proxy thread"))?;
        let rounds: [(&str, bool, Option<String>); 4] = [
            ("today: every document syncs", false, None),
            ("new: unchanged documents skipped", true, None),
            ("2G link, today", false, Some(slow.url())),
            ("2G link, new", true, Some(slow.url())),
        ];
        let mut next = n;
        for (label, skip, via) in rounds {
            net::set_skip_unchanged(skip);
            let floor = ten_petitions(&dir, next).await?;
            next += 10;
            // A pass that did not finish (the server drops a connection whose queues overflow
            // when every document syncs at once) is followed by another, as a user would run
            // `doithoai sync` again; the figures add up every pass.
            let mut r = reconnect(&dir, via.clone(), false).await?;
            let mut passes = 1;
            while r.floor != 0 && passes < 5 {
                let again = reconnect(&dir, via.clone(), false).await?;
                passes += 1;
                let (a, b) = (&mut r.traffic, &again.traffic);
                a.bytes_sent += b.bytes_sent;
                a.bytes_received += b.bytes_received;
                a.messages_sent += b.messages_sent;
                a.messages_received += b.messages_received;
                a.list_bytes += b.list_bytes;
                a.seconds += b.seconds;
                r.floor = again.floor;
            }
            if r.floor != 0 {
                bail!("{label}: not in step after {passes} passes");
            }
            r.floor = floor;
            let label = format!("{label}, {passes} pass(es)");
            let t = &r.traffic;
            let ws = t.bytes_sent + t.bytes_received;
            println!(
                "W2 history {n:>6} petitions in {} documents [{label}]: up {} B / down {} B ({} / {} messages), document list {} B, {} unchanged, {:.3} s | floor {} B | ratio {:.1}x (websocket) {:.1}x (with the list)",
                r.documents,
                t.bytes_sent,
                t.bytes_received,
                t.messages_sent,
                t.messages_received,
                t.list_bytes,
                r.unchanged,
                t.seconds,
                r.floor,
                ws as f64 / r.floor.max(1) as f64,
                (ws + t.list_bytes) as f64 / r.floor.max(1) as f64,
            );
        }
        // The proxy's runtime may not be dropped inside this one.
        std::thread::spawn(move || drop(slow))
            .join()
            .map_err(|_| anyhow::anyhow!("proxy thread"))?;
        drop(server);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOITHOAI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().cmd {
        Cmd::W1 {
            target,
            devices,
            petitions,
        } => w1(target, devices, petitions).await,
        Cmd::W2 { history } => w2(&history).await,
        Cmd::W3 {
            wards,
            collectors,
            rate,
            secs,
            postgres,
        } => {
            let opts = w3::W3Opts {
                wards,
                collectors_per_ward: collectors,
                rate,
                secs,
            };
            w3::w3(&opts, None).await?;
            if postgres {
                let bin = pg::pg_bin_dir().context(
                    "W3 --postgres: PostgreSQL binaries not found (apt-get install postgresql)",
                )?;
                let cluster = pg::PgCluster::start_in(bin);
                let url = cluster.new_database();
                w3::w3(&opts, Some(&url)).await?;
                drop(cluster);
            }
            Ok(())
        }
    }
}
