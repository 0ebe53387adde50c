//! Nothing saved is lost: randomized fault-injection scenarios over real processes (issue 4).
//! See `doithoai_e2e::scenario` for what one seed runs and checks.
//!
//! - default: a bounded set of seeds (`DEFAULT_SEEDS`, from seed 1), a few minutes in all;
//! - `DOITHOAI_FAULT_SEED=S`: replays seed S only (the command a failing seed prints);
//! - `DOITHOAI_FAULT_SEEDS=N` (with `DOITHOAI_FAULT_SEED_BASE=B`, default 1): seeds B..B+N;
//! - `DOITHOAI_FAULT_STEPS` (operations per seed), `DOITHOAI_FAULT_BOUND_SECS` (convergence
//!   bound after healing), `DOITHOAI_FAULT_BUDGET_SECS` (start no new seed after this long),
//!   `DOITHOAI_FAULT_DIR` (where seeds run), `DOITHOAI_FAULT_KEEP=1` (keep passing seeds' dirs),
//!   `DOITHOAI_FAULT_STRICT=1` (index findings fail too; see below).
//!
//! A seed fails when the promise breaks: a reported petition lost or altered, a phantom or
//! duplicate, a document leaked to a device that may not read it, no convergence within the
//! bound, a corrupt SQLite file, a `serve` that dies or an `add` that is refused. A laptop whose
//! query index disagrees with the documents it holds (nothing lost; the next sync or
//! `doithoai index rebuild` repairs it) is reported as an `[index]` finding with its replay
//! command; it fails the run only with `DOITHOAI_FAULT_STRICT=1`.
//!
//! Build the binaries first: `cargo build --workspace --bins`.

use std::time::{Duration, Instant};

use doithoai_e2e::scenario::{self, Options, Outcome};

const DEFAULT_SEEDS: u64 = 10;
const DEFAULT_STEPS: usize = 90;
const DEFAULT_BOUND_SECS: u64 = 60;

fn env_num(k: &str) -> Option<u64> {
    std::env::var(k).ok().and_then(|v| v.trim().parse().ok())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn replay(seed: u64, steps: usize) -> String {
    let steps = if steps == DEFAULT_STEPS {
        String::new()
    } else {
        format!(" DOITHOAI_FAULT_STEPS={steps}")
    };
    format!(
        "DOITHOAI_FAULT_SEED={seed}{steps} cargo test -p doithoai-e2e --test faults -- --nocapture"
    )
}

fn report_failure(o: &Outcome, steps: usize) {
    eprintln!("---- seed {} FAILED ----", o.seed);
    for f in o
        .failures
        .iter()
        .chain(if o.strict { &o.findings[..] } else { &[] })
    {
        eprintln!("  ✗ {f}");
    }
    eprintln!("  replay: {}", replay(o.seed, steps));
    eprintln!(
        "  kept: {} (trace.txt, server.log, logs/<laptop>.log: serve and sync with DOITHOAI_LOG={})",
        o.dir.display(),
        scenario::CLIENT_LOG
    );
    eprintln!(
        "  trace (last 40 lines):\n{}",
        scenario::tail(&o.dir.join("trace.txt"), 40)
    );
    eprintln!(
        "  server log (last 15 lines):\n{}",
        scenario::tail(&o.dir.join("server.log"), 15)
    );
}

#[test]
fn nothing_saved_is_lost_under_faults() {
    let steps = env_num("DOITHOAI_FAULT_STEPS").map_or(DEFAULT_STEPS, |n| n as usize);
    let bound =
        Duration::from_secs(env_num("DOITHOAI_FAULT_BOUND_SECS").unwrap_or(DEFAULT_BOUND_SECS));
    let budget = env_num("DOITHOAI_FAULT_BUDGET_SECS").map(Duration::from_secs);
    let seeds: Vec<u64> = match env_num("DOITHOAI_FAULT_SEED") {
        Some(s) => vec![s],
        None => {
            let base = env_num("DOITHOAI_FAULT_SEED_BASE").unwrap_or(1);
            let n = env_num("DOITHOAI_FAULT_SEEDS").unwrap_or(DEFAULT_SEEDS);
            (base..base + n).collect()
        }
    };
    let root = std::env::var_os("DOITHOAI_FAULT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("doithoai-faults-{}", std::process::id()))
        });
    let keep = std::env::var("DOITHOAI_FAULT_KEEP").is_ok_and(|v| v == "1");
    let strict = std::env::var("DOITHOAI_FAULT_STRICT").is_ok_and(|v| v == "1");
    let handling = scenario::handling_available();
    eprintln!(
        "fault scenarios: {} seeds, {steps} steps each, convergence bound {bound:?}, in {}; office handling steps: {}",
        seeds.len(),
        root.display(),
        if handling {
            "yes (doithoai handle)"
        } else {
            "skipped (no `doithoai handle receive`: the handling_step hook is a no-op)"
        }
    );

    let started = Instant::now();
    let mut outcomes = Vec::new();
    for &seed in &seeds {
        if budget.is_some_and(|b| started.elapsed() > b) {
            eprintln!("time budget spent: no more seeds");
            break;
        }
        let o = scenario::run(
            &Options {
                seed,
                steps,
                bound,
                root: root.clone(),
                keep,
                strict,
                keep_slower_than: Duration::from_secs(10),
            },
            handling,
        );
        let c = |k: &str| o.counts.get(k).copied().unwrap_or(0);
        eprintln!(
            "seed {seed}: {} converged in {} after healing (seed took {}; {} adds reported, {} adds and {} edits SIGKILLed, {} edits, {} handling steps, {} network faults, {} server SIGKILLs, {} serve SIGKILLs, {} syncs SIGKILLed, {} petitions on the server{})",
            if o.passed() { "PASS" } else { "FAIL" },
            o.convergence.map_or("—".into(), secs),
            secs(o.elapsed),
            c("adds reported"),
            c("adds SIGKILLed"),
            c("edits SIGKILLed"),
            c("edits reported"),
            c("handling steps reported"),
            c("network faults"),
            c("server SIGKILLs"),
            c("serves SIGKILLed"),
            c("syncs SIGKILLed"),
            c("petitions on the server"),
            if o.warnings.is_empty() {
                String::new()
            } else {
                format!("; {} warnings", o.warnings.len())
            }
        );
        for w in &o.warnings {
            eprintln!("  warning: {w}");
        }
        for f in &o.findings {
            eprintln!("  finding: {f}");
        }
        if !o.findings.is_empty() && o.failures.is_empty() {
            eprintln!(
                "  replay: {} (kept: {})",
                replay(o.seed, steps),
                o.dir.display()
            );
        }
        eprintln!(
            "RESULT seed={seed} pass={} convergence_ms={} elapsed_ms={}",
            o.passed(),
            o.convergence.map_or(-1, |d| d.as_millis() as i64),
            o.elapsed.as_millis()
        );
        if !o.passed() {
            report_failure(&o, steps);
        }
        outcomes.push(o);
    }

    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.passed()).collect();
    let mut kinds: std::collections::BTreeMap<String, (usize, Vec<u64>)> = Default::default();
    for o in &outcomes {
        let mut seen = std::collections::BTreeSet::new();
        for f in o.failures.iter().chain(&o.findings) {
            let kind = f.split(']').next().unwrap_or("").trim_start_matches('[');
            if seen.insert(kind.to_owned()) {
                let e = kinds.entry(kind.to_owned()).or_default();
                e.0 += 1;
                e.1.push(o.seed);
            }
        }
    }
    let conv: Vec<Duration> = outcomes.iter().filter_map(|o| o.convergence).collect();
    eprintln!(
        "\nsummary: {} seeds run in {}, {} passed, {} failed",
        outcomes.len(),
        secs(started.elapsed()),
        outcomes.len() - failed.len(),
        failed.len()
    );
    if let Some([min, med, p90, max]) = scenario::distribution(&conv) {
        eprintln!(
            "convergence after healing: min {}, median {}, p90 {}, max {} (bound {bound:?})",
            secs(min),
            secs(med),
            secs(p90),
            secs(max)
        );
    }
    for (kind, (n, seeds)) in &kinds {
        eprintln!("  [{kind}]: {n} seeds {seeds:?}");
    }
    for o in outcomes
        .iter()
        .filter(|o| !o.failures.is_empty() || !o.findings.is_empty())
    {
        eprintln!(
            "  seed {} {}: {}\n    replay: {}",
            o.seed,
            if o.passed() {
                "passed with a finding"
            } else {
                "failed"
            },
            o.failures
                .first()
                .or(o.findings.first())
                .map_or("", String::as_str),
            replay(o.seed, steps)
        );
    }
    if failed.is_empty() && !keep {
        let _ = std::fs::remove_dir(&root);
    }
    assert!(
        failed.is_empty(),
        "{} of {} fault seeds failed: {:?}",
        failed.len(),
        outcomes.len(),
        failed.iter().map(|o| o.seed).collect::<Vec<_>>()
    );
}
