//! The local web UI that `doithoai serve` offers on 127.0.0.1, beside the background sync.
//!
//! A thin front end, like the CLI: every handler calls the operations of [`App`] (app.rs,
//! net.rs, office_app.rs, sessions_app.rs) and renders the result with a compile-time template
//! (client/templates). Everything it needs (one CSS file, one small script, an icon) is embedded
//! in the binary. Every form is a plain POST answered by a redirect, so the UI works with
//! JavaScript off; the script only shows the sync status live and autosaves the capture draft.
//!
//! Security (as Jupyter does it, see [`security`]): the address printed at start carries a
//! secret made at each start, exchanged on first load for an HttpOnly, SameSite=Strict cookie;
//! every request needs the cookie, every POST the CSRF token, and the Host header must name
//! 127.0.0.1 or localhost (DNS rebinding).

mod assets;
pub mod error;
mod forms;
mod office;
mod pages;
mod security;
mod sessions;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use doithoai_model::{Lang, Localize};
use tokio::sync::{RwLock, watch};

use crate::app::{App, AppError};
use crate::cli::CliError;
use crate::net::ServeHooks;

/// The port `serve` tries first; the next few are tried when it is taken (another data dir).
pub const DEFAULT_PORT: u16 = 8765;
/// The file in the data directory that holds the running UI's address with its secret (0600),
/// for `doithoai ui`.
pub const URL_FILE: &str = "ui.url";

/// What every handler shares.
pub struct AppState {
    pub data_dir: PathBuf,
    /// The open data directory; `None` until it is set up (the set-up page does it).
    app: RwLock<Option<Arc<App>>>,
    /// Bumped when `app` is replaced (set-up, enrolment): the sync loop restarts on it.
    app_gen: watch::Sender<u64>,
    pub hooks: Arc<ServeHooks>,
    pub secrets: security::Secrets,
    pub port: u16,
    /// The language when no cookie says otherwise.
    pub default_lang: Lang,
    stop: watch::Receiver<bool>,
    /// The header's counts (changes not confirmed, conflicts), kept fresh in the background:
    /// counting reads every document's history, too slow to do for each page.
    pub counts: std::sync::Mutex<(usize, usize)>,
    /// The office's late petitions, for the header of office devices (counted in the same
    /// background task).
    pub overdue: std::sync::atomic::AtomicUsize,
}

impl AppState {
    /// The open data directory, or `None` before set-up.
    pub async fn app(&self) -> Option<Arc<App>> {
        self.app.read().await.clone()
    }

    /// Replaces the open data directory (after set-up or enrolment) and restarts the sync loop
    /// on it; the previous one is closed.
    pub async fn replace_app(&self, new: App) -> Result<(), AppError> {
        let old = self.app.write().await.replace(Arc::new(new));
        self.app_gen.send_modify(|g| *g += 1);
        if let Some(old) = old {
            old.repo.stop().await;
            old.flush_index()?;
        }
        Ok(())
    }
}

pub(crate) fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Binds the UI's listener: `listen` when given (it must be a loopback address), else
/// 127.0.0.1 on the default port or one of the next ten, else any free port.
async fn bind(listen: Option<&str>) -> Result<tokio::net::TcpListener, CliError> {
    if let Some(l) = listen {
        let addr: SocketAddr = l.trim().parse().map_err(|_| CliError::Usage {
            vi: format!("Địa chỉ «{l}» không hợp lệ; ví dụ: 127.0.0.1:8765."),
            en: format!("{l:?} is not an address; for example 127.0.0.1:8765."),
        })?;
        if !addr.ip().is_loopback() {
            return Err(CliError::Usage {
                vi: format!(
                    "Giao diện web chỉ mở trên chính máy này (127.0.0.1), không mở ra mạng: «{l}»."
                ),
                en: format!("The web UI listens on this machine only (127.0.0.1), not on {l:?}."),
            });
        }
        return Ok(tokio::net::TcpListener::bind(addr).await?);
    }
    for port in DEFAULT_PORT..DEFAULT_PORT + 10 {
        if let Ok(l) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            return Ok(l);
        }
    }
    Ok(tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?)
}

fn write_url_file(data_dir: &Path, url: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(URL_FILE);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&path)?;
    std::io::Write::write_all(&mut f, url.as_bytes())?;
    f.sync_all()
}

/// `doithoai serve`: the web UI on 127.0.0.1 and the background sync, until `stop` resolves.
pub async fn serve(
    data_dir: &Path,
    listen: Option<&str>,
    lang_flag: Option<Lang>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), CliError> {
    let app = match App::open(data_dir).await {
        Ok(a) => Some(Arc::new(a)),
        Err(AppError::NotInitialised(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let lang = lang_flag
        .or(app.as_ref().map(|a| a.device.lang))
        .unwrap_or_default();
    let listener = bind(listen).await?;
    let addr = listener.local_addr()?;
    let secrets = security::Secrets {
        key: random_hex(24),
        session: random_hex(24),
        csrf: random_hex(24),
    };
    let url = format!("http://127.0.0.1:{}/?key={}", addr.port(), secrets.key);
    {
        use std::io::Write;
        let mut out = std::io::stdout();
        writeln!(
            out,
            "{} {url}",
            lang.pick(
                "Giao diện web (chỉ máy này mở được; mở địa chỉ này trong trình duyệt):",
                "Web UI (this machine only; open this address in a browser):"
            )
        )
        .ok();
        out.flush().ok();
    }
    // After the address is printed: whoever waits on the file (tests, `doithoai ui`) then
    // finds it in the output too.
    write_url_file(data_dir, &url)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let (app_gen, _) = watch::channel(0u64);
    let state = Arc::new(AppState {
        data_dir: data_dir.to_owned(),
        app: RwLock::new(app),
        app_gen,
        hooks: Arc::new(ServeHooks::default()),
        secrets,
        port: addr.port(),
        default_lang: lang,
        stop: stop_rx.clone(),
        counts: std::sync::Mutex::new((0, 0)),
        overdue: std::sync::atomic::AtomicUsize::new(0),
    });
    let refresher = tokio::spawn(refresh_counts(state.clone()));
    let router = pages::router(state.clone());
    let mut server_stop = stop_rx.clone();
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = server_stop.wait_for(|s| *s).await;
    });
    let sync = sync_loop(state.clone(), lang);
    let stopper = async {
        stop.await;
        let _ = stop_tx.send(true);
    };
    let (served, (), ()) = tokio::join!(
        async {
            // Open keep-alive connections must not hold the process after the stop.
            let mut rx = stop_rx.clone();
            tokio::select! {
                r = server => r,
                _ = async { let _ = rx.wait_for(|s| *s).await; tokio::time::sleep(Duration::from_secs(3)).await } => Ok(()),
            }
        },
        sync,
        stopper
    );
    refresher.abort();
    let _ = std::fs::remove_file(data_dir.join(URL_FILE));
    if let Some(app) = state.app().await {
        app.repo.stop().await;
        app.flush_index()?;
    }
    served?;
    Ok(())
}

/// Recounts the header's figures when what they depend on changed, checked every second until
/// the stop: the unconfirmed changes through [`crate::net::UnconfirmedCount`] (the same count
/// `serve`'s status line keeps), the conflicts when the handling document's heads moved.
async fn refresh_counts(state: Arc<AppState>) {
    let mut unconfirmed_count = crate::net::UnconfirmedCount::default();
    let mut last_handling: Option<String> = None;
    let mut conflicts = 0;
    let mut overdue_at: Option<(String, std::time::Instant)> = None;
    // When the handling last moved, and to which heads.
    let mut moved: Option<(String, std::time::Instant)> = None;
    const SETTLE: Duration = Duration::from_secs(2);
    let mut stop = state.stop.clone();
    loop {
        if let Some(app) = state.app().await {
            let unconfirmed = unconfirmed_count.get(&app).await.unwrap_or(0);
            let handling = match app.handling_handle(false).await {
                Ok(Some(h)) => doithoai_sync::read(&h, |d| format!("{:?}", d.get_heads())),
                _ => String::new(),
            };
            // The conflicts are a full read of the handling document (a few hundred ms at
            // 10,000 petitions, holding the document): recounted once the handling has been
            // still for a moment, not after each of a clerk's quick steps, which would wait.
            if last_handling.as_ref() != Some(&handling) {
                let settled =
                    moved
                        .as_ref()
                        .is_some_and(|(h, at): &(String, std::time::Instant)| {
                            *h == handling && at.elapsed() >= SETTLE
                        });
                if last_handling.is_none() || settled {
                    conflicts = if app.device.handling.is_some() {
                        app.office_conflicts().await.map(|c| c.len()).unwrap_or(0)
                    } else {
                        0
                    };
                    last_handling = Some(handling.clone());
                    moved = None;
                } else if moved.as_ref().is_none_or(|(h, _)| *h != handling) {
                    moved = Some((handling.clone(), std::time::Instant::now()));
                }
            }
            // The overdue figure depends on the handling, the index (petitions waiting to be
            // registered) and the day: recounted with the conflicts once the handling has settled,
            // else every 5 minutes.
            let due = overdue_at.as_ref().is_none_or(|(h, at)| {
                (*h != handling && last_handling.as_ref() == Some(&handling))
                    || at.elapsed() > Duration::from_secs(300)
            });
            if due && app.is_office() {
                let today = doithoai_model::time::ward_now().date_naive();
                if let Ok(n) = app.office_overdue_count(today).await {
                    state.overdue.store(n, std::sync::atomic::Ordering::Relaxed);
                }
                overdue_at = Some((handling, std::time::Instant::now()));
            }
            if let Ok(mut c) = state.counts.lock() {
                *c = (unconfirmed, conflicts);
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Runs the background sync on the open data directory while it is enrolled, restarting when
/// set-up or enrolment replaces it, until the stop.
async fn sync_loop(state: Arc<AppState>, lang: Lang) {
    let mut gen_rx = state.app_gen.subscribe();
    let mut stop = state.stop.clone();
    loop {
        if *stop.borrow() {
            return;
        }
        gen_rx.mark_unchanged();
        let app = state.app().await;
        if let Some(app) = app.filter(|a| a.device.server_url.is_some()) {
            let mut out = std::io::stdout();
            let mut s2 = stop.clone();
            let mut g2 = gen_rx.clone();
            let until = async move {
                tokio::select! {
                    _ = s2.wait_for(|s| *s) => {},
                    _ = g2.changed() => {},
                }
            };
            if let Err(e) = crate::net::serve_with(&app, &mut out, lang, until, &state.hooks).await
            {
                tracing::warn!(error = %e, "background sync stopped");
                use std::io::Write;
                writeln!(out, "{}", e.localize(lang)).ok();
            }
            state
                .hooks
                .online
                .store(false, std::sync::atomic::Ordering::Relaxed);
            if gen_rx.has_changed().unwrap_or(false) {
                continue;
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            r = gen_rx.changed() => if r.is_err() { return },
        }
    }
}

/// `doithoai ui`: opens the running UI of this data directory in the browser, starting
/// `doithoai serve` in the background first when none runs.
pub async fn open_ui(
    data_dir: &Path,
    lang_flag: Option<Lang>,
    out: &mut dyn std::io::Write,
) -> Result<(), CliError> {
    let lang = lang_flag.unwrap_or_default();
    let url_path = data_dir.join(URL_FILE);
    let running = || -> Option<String> {
        let url = std::fs::read_to_string(&url_path).ok()?;
        let hostport = url.strip_prefix("http://")?.split('/').next()?.to_owned();
        std::net::TcpStream::connect_timeout(&hostport.parse().ok()?, Duration::from_millis(500))
            .ok()?;
        Some(url.trim().to_owned())
    };
    let url = match running() {
        Some(u) => u,
        None => {
            let _ = std::fs::remove_file(&url_path);
            let exe = std::env::current_exe()?;
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(data_dir.join("serve.log"))
                .or_else(|_| {
                    std::fs::create_dir_all(data_dir)?;
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(data_dir.join("serve.log"))
                })?;
            let mut cmd = std::process::Command::new(exe);
            cmd.arg("--data-dir")
                .arg(data_dir)
                .arg("serve")
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log);
            if let Some(l) = lang_flag {
                cmd.arg("--lang").arg(match l {
                    Lang::Vi => "vi",
                    Lang::En => "en",
                });
            }
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            cmd.spawn()?;
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(u) = running() {
                    break u;
                }
                if std::time::Instant::now() > deadline {
                    return Err(CliError::Usage {
                        vi: format!(
                            "Không khởi động được `doithoai serve`; xem {}.",
                            data_dir.join("serve.log").display()
                        ),
                        en: format!(
                            "`doithoai serve` did not start; see {}.",
                            data_dir.join("serve.log").display()
                        ),
                    });
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let opened = std::process::Command::new("xdg-open")
        .arg(&url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    writeln!(
        out,
        "{} {url}",
        if opened {
            lang.pick("Đã mở trong trình duyệt:", "Opened in the browser:")
        } else {
            lang.pick(
                "Mở địa chỉ này trong trình duyệt:",
                "Open this address in a browser:",
            )
        }
    )?;
    Ok(())
}
