//! W3, scale: many wards in one server process, a thousand connected devices, petitions arriving
//! at a steady rate. Measures the latency from `add` on a collector device to the petition being
//! visible on its ward's office client (p50, p99, max), and the server's RSS and CPU.
//!
//! Every device is a samod repository over its own SQLite file, in this one process, with its own
//! websocket to the server (real sockets on 127.0.0.1). The wards, points and devices are set up
//! through the server's admin HTTP API and enrolled through `/api/v1/enroll`, as the IT person's
//! tools and the laptops do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use rand::{Rng, SeedableRng};

use super::*;

/// The shape of the workload.
pub struct W3Opts {
    pub wards: usize,
    pub collectors_per_ward: usize,
    /// Petitions per second, over all devices.
    pub rate: f64,
    /// How long petitions keep arriving.
    pub secs: u64,
}

struct Device {
    repo: LocalRepo,
    link: ServerLink,
}

struct Collector {
    dev: Device,
    point: String,
    intake: DocHandle,
}

async fn admin_post(
    url: &str,
    secret: &str,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let (status, text) = crate::http()?
        .request_with(
            url,
            "POST",
            path,
            &[("x-admin-secret", secret)],
            Some(&body.to_string()),
            Duration::from_secs(60),
        )
        .await?;
    if status != 200 {
        bail!("{path}: {status} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

async fn documents(url: &str, token: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let (status, text) = crate::http()?
        .request(
            url,
            "GET",
            "/api/v1/documents",
            Some(token),
            None,
            Duration::from_secs(60),
        )
        .await?;
    if status != 200 {
        bail!("documents: {status} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// Enrols a new device of `role` (through the admin API at `url`) and connects it to `connect`
/// (the same node, or another node on the same database).
#[allow(clippy::too_many_arguments)]
async fn device(
    root: &Path,
    url: &str,
    connect: &str,
    secret: &str,
    ward: &str,
    role: &str,
    point: Option<&str>,
    name: &str,
) -> anyhow::Result<(Device, serde_json::Value)> {
    let mut body = serde_json::json!({"ward": ward, "role": role, "name": name});
    if let Some(p) = point {
        body["point"] = p.into();
    }
    let added = admin_post(url, secret, "/api/v1/admin/device", body).await?;
    let code = added["code"].as_str().context("no code")?.to_owned();
    let e = enroll(connect, &code).await?;
    let repo = device_repo(root, name, Some(s(&e, "peer_id"))).await?;
    let link = repo.dial_server_with(
        connect,
        &s(&e, "token"),
        &crate::trust(),
        LinkOptions::default(),
        None,
    )?;
    link.established().await?;
    Ok((Device { repo, link }, e))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The CPU time (user + system, seconds) of every process named `postgres` (the cluster's
/// server processes, which the bench's cluster alone runs).
fn postgres_cpu_secs() -> f64 {
    let tick = 100.0; // USER_HZ on Linux
    let mut total = 0.0;
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        if !head.ends_with("(postgres") {
            continue;
        }
        let f: Vec<&str> = rest.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // After the name: state is field 0, utime 11, stime 12.
        total += (num(11) + num(12)) / tick;
    }
    total
}

/// Runs W3 on one node over SQLite (`database: None`), or on two nodes over the PostgreSQL
/// database `database`: the collectors on node A, the offices on node B, so every petition
/// crosses from one node to the other through the database.
pub async fn w3(o: &W3Opts, database: Option<&str>) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    let (server, url, _, data) = match database {
        None => start_our_server(root)?,
        Some(db) => start_our_server_at(root.join("node-a"), Some(db))?,
    };
    let node_b = match database {
        None => None,
        Some(db) => {
            let b = root.join("node-b");
            std::fs::create_dir_all(&b)?;
            for f in ["tls-cert.pem", "tls-key.pem"] {
                std::fs::copy(data.join(f), b.join(f))?;
            }
            Some(start_our_server_at(b, Some(db))?)
        }
    };
    // Where the offices connect: node B on PostgreSQL, the one server on SQLite.
    let office_url = node_b
        .as_ref()
        .map(|(_, u, _, _)| u.clone())
        .unwrap_or_else(|| url.clone());
    let setup_name = if database.is_some() {
        "two nodes on PostgreSQL (collectors on A, offices on B)"
    } else {
        "one node on SQLite"
    };
    eprintln!("W3: {setup_name}");
    let secret = std::fs::read_to_string(data.join("admin.secret"))
        .context("the server's admin secret")?
        .trim()
        .to_owned();
    let devices = o.wards * (o.collectors_per_ward + 1);
    eprintln!("W3: setting up {} wards, {} devices ...", o.wards, devices);
    let setup = Instant::now();
    let mut collectors = Vec::new();
    let mut offices = Vec::new();
    for w in 0..o.wards {
        let ward = format!("w{w:02}");
        admin_post(
            &url,
            &secret,
            "/api/v1/admin/ward",
            serde_json::json!({"id": ward, "name": format!("Phường Thử {w}")}),
        )
        .await?;
        for c in 0..o.collectors_per_ward {
            let point = format!("tdp-{c:02}");
            admin_post(
                &url,
                &secret,
                "/api/v1/admin/point",
                serde_json::json!({"ward": ward, "kind": "tdp", "id": point, "name": format!("TDP {c}")}),
            )
            .await?;
        }
        // The collectors connect concurrently, a ward at a time.
        let mut joins = Vec::new();
        for c in 0..o.collectors_per_ward {
            let (root, url, secret, ward) =
                (root.to_owned(), url.clone(), secret.clone(), ward.clone());
            joins.push(tokio::spawn(async move {
                let point = format!("tdp-{c:02}");
                let name = format!("{ward}-{point}");
                let (dev, e) = device(
                    &root,
                    &url,
                    &url,
                    &secret,
                    &ward,
                    "collector",
                    Some(&point),
                    &name,
                )
                .await?;
                let id = parse_doc_id(e["documents"]["intake"].as_str().unwrap_or_default())?;
                let intake = dev.repo.find(&id).await?.context("intake document")?;
                if !dev
                    .link
                    .in_step(&intake, true, Duration::from_secs(120))
                    .await
                {
                    bail!("{name}: intake not in step");
                }
                anyhow::Ok(Collector { dev, point, intake })
            }));
        }
        for j in joins {
            collectors.push(j.await??);
        }
        let (office, e) = device(
            root,
            &url,
            &office_url,
            &secret,
            &ward,
            "office",
            None,
            &format!("{ward}-office"),
        )
        .await?;
        offices.push((office, s(&e, "token")));
    }
    eprintln!(
        "W3: {devices} devices connected in {:.1} s; the offices open their wards' intake documents ...",
        setup.elapsed().as_secs_f64()
    );
    // Each office opens every intake document of its ward and watches it for new petitions.
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let seen: Arc<Mutex<Vec<f64>>> = Arc::default();
    let mut watchers = Vec::new();
    for (office, token) in &offices {
        for d in documents(&office_url, token).await? {
            if d["kind"].as_str() != Some("intake") {
                continue;
            }
            let id = parse_doc_id(d["id"].as_str().unwrap_or_default())?;
            let h = office
                .repo
                .find(&id)
                .await?
                .context("office could not open an intake document")?;
            office
                .link
                .in_step(&h, false, Duration::from_secs(120))
                .await;
            let (sent, seen) = (sent.clone(), seen.clone());
            watchers.push(tokio::spawn(async move {
                let mut heads = h.with_document(|d| d.get_heads());
                let mut changes = h.changes();
                while changes.next().await.is_some() {
                    let now = Instant::now();
                    let ids = h.with_document(|d| {
                        let ids = intake::changed_ids(d, &heads).unwrap_or_default();
                        heads = d.get_heads();
                        ids
                    });
                    let mut sent = sent.lock().unwrap_or_else(|p| p.into_inner());
                    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                    for id in ids {
                        if let Some(t) = sent.remove(&id) {
                            seen.push(now.duration_since(t).as_secs_f64());
                        }
                    }
                }
            }));
        }
    }
    if watchers.is_empty() {
        bail!("the offices see no intake document");
    }
    eprintln!("W3: {} intake documents watched", watchers.len());
    let rss_idle = server.rss_mib();
    eprintln!(
        "W3: steady load {:.0} petitions/s for {} s (server RSS with everyone connected: {rss_idle:.1} MiB) ...",
        o.rate, o.secs
    );
    // Petitions arrive at a steady rate, each on a random collector.
    let reg = Registry::builtin();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let cpu0 = server.cpu_secs();
    let cpu0_b = node_b.as_ref().map(|(p, ..)| p.cpu_secs()).unwrap_or(0.0);
    let pg0 = postgres_cpu_secs();
    let interval = Duration::from_secs_f64(1.0 / o.rate);
    let total = (o.rate * o.secs as f64).round() as usize;
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rss_peak_during = 0.0f64;
    for i in 0..total {
        tick.tick().await;
        let c = &collectors[rng.random_range(0..collectors.len())];
        let p = petition(i, &c.point, &reg)?;
        let meta = ChangeMeta::new("loadgen", "petition.add", vec![p.id.to_string()]);
        sent.lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(p.id.to_string(), Instant::now());
        change(&c.intake, &meta, |tx| intake::put_petition(tx, &p))?;
        if i % 200 == 0 {
            rss_peak_during = rss_peak_during.max(server.rss_mib());
        }
    }
    // Let the last ones arrive.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && !sent.lock().unwrap_or_else(|p| p.into_inner()).is_empty() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cpu = server.cpu_secs() - cpu0;
    let cpu_b = node_b.as_ref().map(|(p, ..)| p.cpu_secs()).unwrap_or(0.0) - cpu0_b;
    let pg_cpu = postgres_cpu_secs() - pg0;
    let missing = sent.lock().unwrap_or_else(|p| p.into_inner()).len();
    let mut lat = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    lat.sort_by(f64::total_cmp);
    let peak = server.peak_rss_mib();
    rss_peak_during = rss_peak_during.max(server.rss_mib());
    println!(
        "W3 [{setup_name}] {} wards, {devices} devices, {total} petitions at {:.0}/s: add → office p50 {:.3} s | p99 {:.3} s | max {:.3} s | not seen {missing} | server RSS {rss_idle:.1} MiB connected, {rss_peak_during:.1} MiB under load, peak {peak:.1} MiB | server CPU {cpu:.2} s ({:.0}% of one core)",
        o.wards,
        o.rate,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        100.0 * cpu / o.secs as f64,
    );
    if let Some((b, ..)) = &node_b {
        println!(
            "W3 [{setup_name}] node B: RSS {:.1} MiB now, peak {:.1} MiB | CPU {cpu_b:.2} s ({:.0}% of one core) | PostgreSQL CPU {pg_cpu:.2} s ({:.0}% of one core)",
            b.rss_mib(),
            b.peak_rss_mib(),
            100.0 * cpu_b / o.secs as f64,
            100.0 * pg_cpu / o.secs as f64,
        );
    }
    for w in watchers {
        w.abort();
    }
    for c in &collectors {
        c.dev.link.close();
    }
    for (o, _) in &offices {
        o.link.close();
    }
    server.stop();
    if let Some((b, ..)) = node_b {
        b.stop();
    }
    for c in collectors {
        c.dev.repo.stop().await;
    }
    for (o, _) in offices {
        o.repo.stop().await;
    }
    if missing > 0 {
        bail!("{missing} petitions never reached their office");
    }
    Ok(())
}
