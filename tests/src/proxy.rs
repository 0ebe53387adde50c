//! A fault-injecting TCP proxy for tests on 127.0.0.1, controlled from the test while it runs:
//! latency and jitter, a bandwidth cap, cutting a connection after N bytes, black-holing (stop
//! forwarding without closing, as a half-open link on a bad network does), refusing new
//! connections, cutting every live connection at once, and freezing the live connections while
//! new ones work (a link that died silently while the network came back).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The faults in force; change them with [`Proxy::set`] at any time.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added to every chunk forwarded, each way.
    pub latency: Duration,
    /// Up to this much more, at random.
    pub jitter: Duration,
    /// Bytes per second, each way (None: unlimited).
    pub bytes_per_sec: Option<u64>,
    /// Cut a connection once it has carried this many bytes (both ways together).
    pub cut_after_bytes: Option<u64>,
    /// Stop forwarding, keep the connections open.
    pub blackhole: bool,
    /// Close new connections at once.
    pub refuse: bool,
}

/// A running proxy in front of `target`.
pub struct Proxy {
    pub port: u16,
    faults: Arc<Mutex<Faults>>,
    ids: Arc<Ids>,
    pub bytes: Arc<AtomicU64>,
    _rt: tokio::runtime::Runtime,
}

/// Connection numbering: connections numbered below `cut_below` are cut, those below
/// `frozen_below` forward nothing and close nothing.
#[derive(Default)]
struct Ids {
    next: AtomicU64,
    cut_below: AtomicU64,
    frozen_below: AtomicU64,
}

impl Ids {
    fn cut(&self, id: u64) -> bool {
        id < self.cut_below.load(Ordering::SeqCst)
    }
    fn frozen(&self, id: u64) -> bool {
        id < self.frozen_below.load(Ordering::SeqCst)
    }
}

fn current(f: &Mutex<Faults>) -> Faults {
    f.lock().map(|g| g.clone()).unwrap_or_default()
}

impl Proxy {
    /// Starts a proxy on a free port of 127.0.0.1 forwarding to `target`.
    pub fn start(target: SocketAddr) -> Proxy {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("proxy bind");
        let port = listener.local_addr().expect("proxy addr").port();
        let faults = Arc::new(Mutex::new(Faults::default()));
        let ids = Arc::new(Ids::default());
        let bytes = Arc::new(AtomicU64::new(0));
        let (f, g, b) = (faults.clone(), ids.clone(), bytes.clone());
        rt.spawn(async move {
            let mut seed = 0x9E37_79B9_u64;
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                if current(&f).refuse {
                    drop(client);
                    continue;
                }
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let (f, g, b) = (f.clone(), g.clone(), b.clone());
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let my_gen = g.next.fetch_add(1, Ordering::SeqCst);
                    let carried = Arc::new(AtomicU64::new(0));
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    let up = pump(
                        cr,
                        sw,
                        f.clone(),
                        g.clone(),
                        my_gen,
                        carried.clone(),
                        b.clone(),
                        seed,
                    );
                    let down = pump(sr, cw, f, g, my_gen, carried, b, seed ^ 0xABCD);
                    // When one direction ends (cut, close), the other is dropped too.
                    tokio::select! { _ = up => {}, _ = down => {} }
                });
            }
        });
        Proxy {
            port,
            faults,
            ids,
            bytes,
            _rt: rt,
        }
    }

    /// `https://127.0.0.1:PORT` (the proxy passes TLS through to a server that serves it, the
    /// default).
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Changes the faults in force.
    pub fn set(&self, f: impl FnOnce(&mut Faults)) {
        if let Ok(mut g) = self.faults.lock() {
            f(&mut g);
        }
    }

    /// Removes every fault.
    pub fn heal(&self) {
        self.set(|f| *f = Faults::default());
    }

    /// Cuts every live connection now.
    pub fn cut_all(&self) {
        let next = self.ids.next.load(Ordering::SeqCst);
        self.ids.cut_below.store(next, Ordering::SeqCst);
    }

    /// Freezes every live connection (nothing forwarded, nothing closed, as when a link dies
    /// silently); connections made afterwards work.
    pub fn freeze_existing(&self) {
        let next = self.ids.next.load(Ordering::SeqCst);
        self.ids.frozen_below.store(next, Ordering::SeqCst);
    }
}

#[allow(clippy::too_many_arguments)]
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    faults: Arc<Mutex<Faults>>,
    ids: Arc<Ids>,
    my_id: u64,
    carried: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
    mut seed: u64,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let read = tokio::select! {
            r = from.read(&mut buf) => r,
            _ = wait_cut(&ids, my_id) => return,
        };
        let n = match read {
            Ok(0) | Err(_) => {
                // A close is not passed on through a frozen or black-holed link.
                hold(&faults, &ids, my_id).await;
                return;
            }
            Ok(n) => n,
        };
        let mut chunk = &buf[..n];
        if !hold(&faults, &ids, my_id).await {
            return;
        }
        let f = current(&faults);
        let mut delay = f.latency;
        if !f.jitter.is_zero() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            delay += Duration::from_micros(seed % (f.jitter.as_micros() as u64 + 1));
        }
        if let Some(bps) = f.bytes_per_sec {
            delay += Duration::from_secs_f64(n as f64 / bps.max(1) as f64);
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let before = carried.fetch_add(n as u64, Ordering::SeqCst);
        if let Some(limit) = f.cut_after_bytes
            && before + n as u64 > limit
        {
            let keep = limit.saturating_sub(before) as usize;
            chunk = &chunk[..keep.min(chunk.len())];
            let _ = to.write_all(chunk).await;
            return;
        }
        total.fetch_add(n as u64, Ordering::Relaxed);
        if ids.cut(my_id) || to.write_all(chunk).await.is_err() {
            return;
        }
    }
}

/// Waits while the link is black-holed or frozen; false when it was cut meanwhile.
async fn hold(faults: &Mutex<Faults>, ids: &Ids, my_id: u64) -> bool {
    loop {
        if ids.cut(my_id) {
            return false;
        }
        if !current(faults).blackhole && !ids.frozen(my_id) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_cut(ids: &Ids, my_id: u64) {
    while !ids.cut(my_id) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
