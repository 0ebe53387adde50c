//! W4-style local benchmark: `petition add`, list, filter and search as a user runs them (the
//! real `doithoai` binary, one process per command, fsync included) over a store seeded with N
//! petitions.
//!
//! Cold start: the same commands with the data files and the binary evicted from the page cache
//! first (`posix_fadvise(DONTNEED)`), as after switching the laptop on.
//!
//! Run: `cargo bench -p doithoai-client --bench local` (N = 10,000; `DOITHOAI_BENCH_N=100000`
//! for more; `DOITHOAI_BENCH_RUNS` commands per measurement, default 30). With
//! `DOITHOAI_BENCH_DIR=path` the store is kept there and reused by the next run (seeding 100,000
//! petitions takes minutes); the `petition add` runs then add to it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use doithoai_client::App;
use doithoai_model::{ChangeMeta, DocError, Lang, NewPetition, Registry, Resident, intake};
use doithoai_sync::{change, read};

mod common;
use common::{FIELDS, NAMES, PLACES};

fn petition(i: usize, reg: &Registry) -> doithoai_model::Petition {
    NewPetition {
        residents: vec![Resident {
            name: format!("{} {}", NAMES[i % NAMES.len()], i),
            address: format!("Số {} {}", i % 90 + 1, PLACES[i % PLACES.len()]),
            tdp: format!("TDP {}", i % 12 + 1),
            phone: None,
            id_number: None,
        }],
        field: Some(FIELDS[i % FIELDS.len()].into()),
        content: format!(
            "Ý kiến số {i}: đèn chiếu sáng hỏng, cống thoát nước bị tắc gây ngập khi mưa lớn tại {}",
            PLACES[i % PLACES.len()]
        ),
        request: "Đề nghị phường kiểm tra, sửa chữa sớm".into(),
        place: PLACES[(i / 7) % PLACES.len()].into(),
        ..Default::default()
    }
    .build("tdp-01", "bench", reg)
    .expect("valid petition")
}

async fn seed(dir: &Path, n: usize) {
    let app = App::init(dir, "Máy đo hiệu năng", "tdp-01", "collector", Lang::Vi)
        .await
        .expect("init");
    let reg = Registry::builtin();
    let root_id =
        doithoai_sync::parse_doc_id(app.device.intake.as_deref().expect("intake")).expect("id");
    let root = app.repo.get(&root_id).await.expect("root");
    let mut i = 0;
    // Fill the root, then whole volumes, as months of collecting would.
    let mut first = true;
    while i < n {
        let take = (n - i).min(intake::VOLUME_CAPACITY);
        let batch: Vec<_> = (i..i + take).map(|k| petition(k, &reg)).collect();
        let ids = batch.iter().map(|p| p.id.to_string()).collect();
        let meta = ChangeMeta::new("bench", "petition.add", ids);
        if first {
            change(&root, &meta, |tx| {
                batch.iter().try_for_each(|p| intake::put_petition(tx, p))
            })
            .expect("root batch");
            first = false;
        } else {
            let mut doc = intake::new_volume_document("tdp-01", &root_id.to_string()).expect("vol");
            doc.transact_with::<_, _, DocError, _>(
                |_| meta.commit_options(),
                |tx| batch.iter().try_for_each(|p| intake::put_petition(tx, p)),
            )
            .expect("volume batch");
            let h = app.repo.create(doc).await.expect("create");
            let vid = h.document_id().to_string();
            change(
                &root,
                &ChangeMeta::new("bench", "intake.volume", vec![]),
                |tx| intake::add_volume(tx, &vid, "bench"),
            )
            .expect("add volume");
        }
        i += take;
    }
    let _ = read(&root, intake::volumes);
    let n = app.reindex().await.expect("reindex");
    eprintln!("seeded {n} petitions");
    app.close().await.expect("close");
}

fn time_cmd(dir: &Path, args: &[&str], runs: usize) -> Vec<Duration> {
    let bin = env!("CARGO_BIN_EXE_doithoai");
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            let out = Command::new(bin)
                .arg("--data-dir")
                .arg(dir)
                .args(args)
                .output()
                .expect("run doithoai");
            let d = t.elapsed();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            d
        })
        .collect()
}

/// Evicts `path` from the page cache (`posix_fadvise(DONTNEED)` after `fsync`), so that the next
/// read comes from the disk, as after a reboot. Needs no privilege; files only.
fn evict(path: &Path) {
    use std::os::fd::AsRawFd;
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.sync_all();
        // SAFETY: a valid open descriptor; offset 0 and length 0 mean the whole file.
        unsafe {
            libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}

/// A command run with the data directory's files and the binary evicted from the page cache
/// before each run: the first command after the laptop is switched on.
fn time_cold(dir: &Path, args: &[&str], runs: usize) -> Vec<Duration> {
    (0..runs)
        .flat_map(|_| {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                evict(&e.path());
            }
            evict(Path::new(env!("CARGO_BIN_EXE_doithoai")));
            time_cmd(dir, args, 1)
        })
        .collect()
}

fn report(name: &str, mut ds: Vec<Duration>) {
    ds.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| ds[((ds.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<44} median {:>7.2} ms   p90 {:>7.2} ms   min {:>7.2} ms   (n={})",
        ms(p(0.5)),
        ms(p(0.9)),
        ms(ds[0]),
        ds.len()
    );
}

/// Where the store lives: a temporary directory, or one the user keeps (`DOITHOAI_BENCH_DIR`).
enum Dir {
    Temp(tempfile::TempDir),
    Kept(std::path::PathBuf),
}

impl Dir {
    fn path(&self) -> &Path {
        match self {
            Dir::Temp(t) => t.path(),
            Dir::Kept(p) => p,
        }
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful: run small then.
    let n: usize = std::env::var("DOITHOAI_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("DOITHOAI_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let dir = match std::env::var_os("DOITHOAI_BENCH_DIR") {
        Some(path) => Dir::Kept(path.into()),
        None => Dir::Temp(tempfile::tempdir().expect("tempdir")),
    };
    if dir.path().join(doithoai_client::app::DB_FILE).exists() {
        println!("store reused from {}", dir.path().display());
    } else {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let t = Instant::now();
        rt.block_on(seed(dir.path(), n));
        println!(
            "store seeded with {n} petitions in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let mut i = 0;
    let adds: Vec<Duration> = (0..runs)
        .map(|_| {
            i += 1;
            let content = format!("Ý kiến đo thời gian số {i}: vỉa hè bị lấn chiếm");
            time_cmd(
                dir.path(),
                &[
                    "petition",
                    "add",
                    "--name",
                    "Nguyễn Văn Bình",
                    "--tdp",
                    "TDP 2",
                    "--field",
                    "xay_dung",
                    "--content",
                    &content,
                ],
                1,
            )[0]
        })
        .collect();
    report("petition add (fsync, one process each)", adds);
    report(
        "petition list (newest 200)",
        time_cmd(dir.path(), &["petition", "list"], runs),
    );
    report(
        "petition list --field moi_truong",
        time_cmd(
            dir.path(),
            &["petition", "list", "--field", "moi_truong"],
            runs,
        ),
    );
    report(
        "petition list --text \"nguyen van duc\"",
        time_cmd(
            dir.path(),
            &["petition", "list", "--text", "nguyen van duc"],
            runs,
        ),
    );
    report(
        "petition list --text duong --from/--to",
        time_cmd(
            dir.path(),
            &[
                "petition",
                "list",
                "--text",
                "duong",
                "--from",
                "01/01/2026",
                "--to",
                "31/12/2026",
            ],
            runs,
        ),
    );
    report(
        "petition list --json --limit 1000",
        time_cmd(
            dir.path(),
            &["petition", "list", "--json", "--limit", "1000"],
            runs,
        ),
    );
    report(
        "cold start: petition list, files not cached",
        time_cold(dir.path(), &["petition", "list"], runs.min(10)),
    );
    report(
        "cold start: petition list --text, not cached",
        time_cold(
            dir.path(),
            &["petition", "list", "--text", "nguyen van duc"],
            runs.min(10),
        ),
    );
    report(
        "doithoai --version (process start floor)",
        time_cmd(dir.path(), &["--version"], runs),
    );
}
