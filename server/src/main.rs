//! `doithoai-server`: the ward sync server and its admin subcommands.

mod help_en;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use doithoai_model::{Lang, Localize};
use doithoai_server::{ADDR_FILE, ServeConfig, admin, admin_secret, backup, open_repo, open_store};
use doithoai_sync::link::LinkOptions;

/// doithoai-server — máy chủ đồng bộ của phường.
///
/// Chạy không cần cấu hình: dữ liệu trong ./data (SQLite), nghe tại 127.0.0.1:8800.
#[derive(Debug, Parser)]
#[command(
    name = "doithoai-server",
    version,
    about = "doithoai-server — máy chủ đồng bộ của phường. Chạy không cần cấu hình: dữ liệu trong ./data (SQLite), nghe tại 127.0.0.1:8800.",
    after_help = "Ví dụ:\n  doithoai-server                                   chạy máy chủ\n  doithoai-server ward create --id dinh-ke --name \"Phường Dĩnh Kế\"\n  doithoai-server backup /media/usb/doithoai-2026-11-28.sqlite3"
)]
struct Cli {
    /// Thư mục dữ liệu của máy chủ (cơ sở dữ liệu, admin.secret).
    #[arg(
        long,
        global = true,
        default_value = "./data",
        env = "DOITHOAI_SERVER_DATA",
        value_name = "THƯ_MỤC"
    )]
    data_dir: PathBuf,
    /// Cơ sở dữ liệu PostgreSQL thay cho tệp SQLite trong thư mục dữ liệu, ví dụ postgres://doithoai:mật-khẩu@db.phuong.vn/doithoai.
    #[arg(
        long,
        global = true,
        env = "DOITHOAI_DATABASE",
        value_name = "postgres://…"
    )]
    database: Option<String>,
    /// Địa chỉ và cổng lắng nghe, ví dụ 0.0.0.0:8800 để mở cho mạng LAN.
    #[arg(
        long,
        global = true,
        default_value = "127.0.0.1:8800",
        env = "DOITHOAI_LISTEN",
        value_name = "ĐỊA_CHỈ:CỔNG"
    )]
    listen: SocketAddr,
    /// Ngôn ngữ của thông báo: vi (tiếng Việt) hoặc en (English).
    #[arg(
        long,
        global = true,
        env = "DOITHOAI_LANG",
        default_value = "vi",
        value_name = "vi|en"
    )]
    lang: Lang,
    /// Tệp chứng chỉ TLS (PEM, kèm chứng chỉ trung gian) cho phường có tên miền; đi cùng --tls-key. Không nêu: máy chủ dùng chứng chỉ tự ký trong thư mục dữ liệu.
    #[arg(
        long,
        global = true,
        env = "DOITHOAI_TLS_CERT",
        value_name = "TỆP",
        requires = "tls_key",
        conflicts_with = "plain_http"
    )]
    tls_cert: Option<PathBuf>,
    /// Tệp khoá riêng của chứng chỉ TLS (PEM); đi cùng --tls-cert.
    #[arg(
        long,
        global = true,
        env = "DOITHOAI_TLS_KEY",
        value_name = "TỆP",
        requires = "tls_cert",
        conflicts_with = "plain_http"
    )]
    tls_key: Option<PathBuf>,
    /// Tên hoặc địa chỉ IP mà chứng chỉ tự ký được cấp cho (nêu nhiều lần, hoặc cách nhau bởi dấu phẩy); mặc định: tên máy, localhost, 127.0.0.1, ::1. Chỉ dùng khi tạo chứng chỉ lần đầu.
    #[arg(
        long = "tls-name",
        global = true,
        env = "DOITHOAI_TLS_NAMES",
        value_name = "TÊN",
        value_delimiter = ','
    )]
    tls_names: Vec<String>,
    /// Địa chỉ mà các thiết bị dùng để tới máy chủ này, khi phường chạy nhiều máy chủ trên một PostgreSQL, ví dụ https://may2.phuong.vn:8800: được gửi cho thiết bị khi đăng ký để nó chuyển sang máy khác khi một máy ngừng trả lời.
    #[arg(long, global = true, env = "DOITHOAI_ADVERTISE", value_name = "URL")]
    advertise: Option<String>,
    /// Phục vụ HTTP thường, không TLS: chỉ dùng sau một reverse proxy (nginx, caddy) lo phần TLS trên cùng máy (xem README).
    #[arg(long, global = true, env = "DOITHOAI_PLAIN_HTTP")]
    plain_http: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

impl Cli {
    fn tls_mode(&self) -> doithoai_server::tls::TlsMode {
        use doithoai_server::tls::TlsMode;
        match (&self.tls_cert, &self.tls_key) {
            _ if self.plain_http => TlsMode::Plain,
            (Some(cert), Some(key)) => TlsMode::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ if self.tls_names.is_empty() => TlsMode::SelfSigned {
                names: doithoai_server::tls::default_names(Some(self.listen)),
                explicit: false,
            },
            _ => TlsMode::SelfSigned {
                names: self.tls_names.iter().map(|n| n.trim().to_owned()).collect(),
                explicit: true,
            },
        }
    }
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Chạy máy chủ (mặc định khi không nêu lệnh).
    ///
    /// Ví dụ: doithoai-server serve --listen 0.0.0.0:8800 --data-dir /var/lib/doithoai
    Serve,
    /// Phường: tạo, liệt kê.
    ///
    /// Ví dụ: doithoai-server ward list
    #[command(subcommand)]
    Ward(WardCmd),
    /// Điểm tiếp nhận: tổ dân phố, tổ chức, bộ phận văn phòng.
    ///
    /// Ví dụ: doithoai-server point list --ward dinh-ke
    #[command(subcommand)]
    Point(PointCmd),
    /// Thiết bị: thêm (in mã đăng ký dùng một lần), liệt kê, thu hồi.
    ///
    /// Ví dụ: doithoai-server device list
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Tài liệu đã đăng ký (kèm heads), để kiểm tra đồng bộ.
    ///
    /// Ví dụ: doithoai-server doc list --ward dinh-ke
    #[command(subcommand)]
    Doc(DocCmd),
    /// Sao lưu toàn bộ dữ liệu ra một tệp (chạy được khi máy chủ đang chạy).
    ///
    /// Thư mục chứa tệp phải có sẵn; tệp đã có không bị ghi đè nếu không thêm --force.
    ///
    /// Ví dụ: doithoai-server backup /media/usb/doithoai-2026-11-28.sqlite3
    Backup {
        /// Tệp sao lưu sẽ tạo (trong một thư mục đã có).
        #[arg(value_name = "TỆP")]
        file: PathBuf,
        /// Ghi đè tệp sao lưu đã có cùng tên.
        #[arg(long)]
        force: bool,
    },
    /// Khôi phục từ tệp sao lưu (máy chủ phải đang dừng).
    ///
    /// Tệp được kiểm tra trước (phải là bản sao lưu của doithoai-server, có ít nhất một phường);
    /// dữ liệu đang dùng được giữ lại thành một tệp riêng bên cạnh.
    ///
    /// Ví dụ: doithoai-server restore /media/usb/doithoai-2026-11-28.sqlite3
    Restore {
        /// Tệp sao lưu do lệnh backup tạo.
        #[arg(value_name = "TỆP")]
        file: PathBuf,
    },
    /// Chuyển toàn bộ dữ liệu (sổ đăng ký, tài liệu) từ tệp SQLite sang PostgreSQL, rồi kiểm tra.
    ///
    /// Máy chủ nguồn phải đang dừng; cơ sở dữ liệu đích phải chưa có dữ liệu. Sau khi chép, số dòng
    /// của mọi bảng và heads của mọi tài liệu được so sánh ở hai bên.
    ///
    /// Ví dụ: doithoai-server migrate --from ./data --to postgres://doithoai@db.phuong.vn/doithoai
    Migrate {
        /// Thư mục dữ liệu của máy chủ nguồn (có tệp doithoai-server.sqlite3).
        #[arg(long, value_name = "THƯ_MỤC")]
        from: PathBuf,
        /// Cơ sở dữ liệu PostgreSQL đích (postgres://…).
        #[arg(long, value_name = "postgres://…")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
enum WardCmd {
    /// Tạo phường.
    ///
    /// Ví dụ: doithoai-server ward create --id dinh-ke --name "Phường Dĩnh Kế"
    Create {
        /// Mã phường: chữ thường không dấu, số, dấu gạch (dinh-ke).
        #[arg(long)]
        id: String,
        /// Tên phường, có dấu ("Phường Dĩnh Kế").
        #[arg(long)]
        name: String,
    },
    /// Liệt kê các phường.
    ///
    /// Ví dụ: doithoai-server ward list
    List,
}

#[derive(Debug, Subcommand)]
enum PointCmd {
    /// Thêm điểm tiếp nhận.
    ///
    /// Ví dụ: doithoai-server point add --ward dinh-ke --kind tdp --id tdp-03 --name "Tổ dân phố số 3"
    Add {
        /// Mã phường (xem: doithoai-server ward list).
        #[arg(long)]
        ward: String,
        /// Loại điểm: tdp (tổ dân phố), org (tổ chức) hoặc office (văn phòng).
        #[arg(long)]
        kind: String,
        /// Mã điểm: chữ thường không dấu, số, dấu gạch (tdp-03).
        #[arg(long)]
        id: String,
        /// Tên điểm, có dấu ("Tổ dân phố số 3").
        #[arg(long)]
        name: String,
    },
    /// Liệt kê điểm tiếp nhận của một phường.
    ///
    /// Ví dụ: doithoai-server point list --ward dinh-ke
    List {
        /// Mã phường.
        #[arg(long)]
        ward: String,
    },
}

#[derive(Debug, Subcommand)]
enum DocCmd {
    /// Liệt kê tài liệu của một phường với heads hiện có trên đĩa (JSON).
    ///
    /// Ví dụ: doithoai-server doc list --ward dinh-ke
    List {
        /// Mã phường.
        #[arg(long)]
        ward: String,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCmd {
    /// Thêm thiết bị và in mã đăng ký dùng một lần.
    ///
    /// Ví dụ: doithoai-server device add --ward dinh-ke --role collector --point tdp-03 --name "Laptop tổ trưởng TDP 3"
    Add {
        /// Mã phường.
        #[arg(long)]
        ward: String,
        /// Vai trò: office (văn phòng), collector (điểm tiếp nhận), monitor (MTTQ).
        #[arg(long)]
        role: String,
        /// Điểm tiếp nhận (bắt buộc với collector).
        #[arg(long)]
        point: Option<String>,
        /// Tên thiết bị, để nhận ra trong danh sách ("Laptop tổ trưởng TDP 3").
        #[arg(long)]
        name: String,
    },
    /// Liệt kê thiết bị.
    ///
    /// Ví dụ: doithoai-server device list --json
    List {
        /// In ra JSON (cho tập lệnh) thay cho bảng.
        #[arg(long)]
        json: bool,
    },
    /// Thu hồi thiết bị: mã truy cập bị từ chối, kết nối đang mở bị đóng trong vòng một giây.
    ///
    /// Ví dụ: doithoai-server device revoke 3f9a1c2b7d4e
    Revoke {
        /// Mã thiết bị (cột đầu của doithoai-server device list).
        #[arg(value_name = "MÃ_THIẾT_BỊ")]
        id: String,
    },
}

/// The server itself logs to its terminal (or the service manager's journal). An admin command
/// (`ward create`, `device add`, `backup`…) prints what it did; its log goes to
/// `<data dir>/admin.log`, not onto the operator's terminal. `DOITHOAI_LOG` sends either to the
/// terminal with that filter.
fn init_logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DOITHOAI_LOG");
    let serving = matches!(cli.command, None | Some(Cmd::Serve));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if serving || filter.is_ok() {
        tracing_subscriber::fmt()
            .with_env_filter(filter.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")))
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .init();
        return;
    }
    if !cli.data_dir.is_dir() {
        return;
    }
    if let Ok(file) = doithoai_store::private::open_append(&cli.data_dir.join("admin.log")) {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .init();
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // glibc gives every thread its own malloc arena; a sync server's short-lived allocations
    // spread over many arenas and inflate its resident memory. Two arenas are plenty here.
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    let cli: Cli = match doithoai_clilang::parse::<Cli>("DOITHOAI_LANG", help_en::HELP_EN) {
        Ok((cli, _)) => cli,
        Err(code) => return code,
    };
    init_logging(&cli);
    let lang = cli.lang;
    // Storage work runs on blocking threads: a small pool is plenty for SQLite (one connection
    // behind a lock) and keeps the server's memory small.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(4)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Không khởi động được / cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let msg = e
                .downcast_ref::<admin::AdminError>()
                .map(|a| a.localize(lang))
                .or_else(|| {
                    e.downcast_ref::<backup::BackupError>()
                        .map(|b| b.localize(lang))
                })
                .or_else(|| {
                    e.downcast_ref::<doithoai_store::StoreError>()
                        .map(|s| s.localize(lang))
                })
                .or_else(|| {
                    e.downcast_ref::<doithoai_server::tls::TlsError>()
                        .map(|t| t.localize(lang))
                })
                .or_else(|| match e.downcast_ref::<doithoai_server::StartError>() {
                    Some(doithoai_server::StartError::Tls(t)) => Some(t.localize(lang)),
                    _ => None,
                })
                .or_else(|| {
                    e.downcast_ref::<doithoai_server::migrate::MigrateError>()
                        .map(|m| m.localize(lang))
                })
                .unwrap_or_else(|| format!("{e:#}"));
            eprintln!("{}: {msg}", lang.pick("Lỗi", "Error"));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The address of a server already running on this data directory, if any.
async fn running_server(data_dir: &Path) -> Option<String> {
    let addr = std::fs::read_to_string(data_dir.join(ADDR_FILE)).ok()?;
    let addr = addr.trim().to_owned();
    tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(&addr),
    )
    .await
    .ok()?
    .ok()?;
    Some(addr)
}

/// Sends an admin operation to the running server; `Ok(None)` when no server is running.
async fn via_server(
    data_dir: &Path,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<Option<serde_json::Value>> {
    let Some(addr) = running_server(data_dir).await else {
        return Ok(None);
    };
    let secret = admin_secret(data_dir)?;
    let (status, text) = admin_request(data_dir, &addr, path, &secret, &body.to_string()).await?;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    if status != 200 {
        let msg = v["message"].as_str().unwrap_or(&text).to_owned();
        bail!(msg);
    }
    Ok(Some(v))
}

/// One admin call to the running server on this data directory, over TLS when it serves TLS:
/// its certificate is pinned from `server.tls` (it is this machine's own server, reached at
/// 127.0.0.1, which a real certificate does not name).
async fn admin_request(
    data_dir: &Path,
    addr: &str,
    path: &str,
    secret: &str,
    body: &str,
) -> anyhow::Result<(u16, String)> {
    use doithoai_sync::http::Client;
    use doithoai_sync::tls::Trust;
    let served = doithoai_server::tls::last_served(data_dir);
    let (scheme, trust) = match &served {
        Some(s) if s.scheme == "https" => ("https", Trust { pin: s.pin() }),
        _ => ("http", Trust::default()),
    };
    let base = format!("{scheme}://{addr}");
    let client = Client::new(&trust)?;
    let r = client
        .request_with(
            &base,
            "POST",
            path,
            &[("X-Admin-Secret", secret)],
            Some(body),
            Duration::from_secs(60),
        )
        .await
        .context("call the running server")?;
    Ok(r)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let lang = cli.lang;
    let tls_mode = cli.tls_mode();
    let data_dir = cli.data_dir.clone();
    let database_owned = cli.database.clone().filter(|d| !d.trim().is_empty());
    if let Some(d) = &database_owned
        && !doithoai_server::is_database_url(d)
    {
        bail!(
            lang.pick(
                "--database phải là địa chỉ PostgreSQL (postgres://người-dùng:mật-khẩu@máy/cơ-sở-dữ-liệu).",
                "--database must be a PostgreSQL address (postgres://user:password@host/database)."
            )
            .to_owned()
        );
    }
    let database = database_owned.as_deref();
    match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::Serve => {
            let store = open_store(&data_dir, database)?;
            let wards = store.wards()?;
            drop(store);
            let tls = tls_mode;
            let scheme = match tls {
                doithoai_server::tls::TlsMode::Plain => "http",
                _ => "https",
            };
            println!(
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "doithoai-server: dữ liệu tại {}, nghe tại {scheme}://{} (websocket /sync).",
                        data_dir.display(),
                        cli.listen
                    ),
                    Lang::En => format!(
                        "doithoai-server: data in {}, listening on {scheme}://{} (websocket /sync).",
                        data_dir.display(),
                        cli.listen
                    ),
                }
            );
            if matches!(tls, doithoai_server::tls::TlsMode::Plain) && !cli.listen.ip().is_loopback()
            {
                tracing::warn!(listen = %cli.listen, "plain HTTP on a network address: tokens and residents' data cross the network in clear unless a reverse proxy on this machine does TLS");
                println!(
                    "{}",
                    lang.pick(
                        "Cảnh báo: --plain-http trên một địa chỉ mạng: mã truy cập và dữ liệu của người dân đi qua mạng không mã hoá. Chỉ dùng sau một reverse proxy lo TLS (xem README).",
                        "Warning: --plain-http on a network address: tokens and residents' data cross the network unencrypted. Use it only behind a reverse proxy that does TLS (see README)."
                    )
                );
            }
            if wards.is_empty() {
                println!(
                    "{}",
                    lang.pick(
                        "Chưa có phường nào. Bước tiếp theo (ở cửa sổ khác, máy chủ vẫn chạy):\n  1. doithoai-server ward create --id dinh-ke --name \"Phường Dĩnh Kế\"\n  2. doithoai-server point add --ward dinh-ke --kind tdp --id tdp-01 --name \"Tổ dân phố số 1\"\n  3. doithoai-server device add --ward dinh-ke --role collector --point tdp-01 --name \"Laptop tổ trưởng TDP 1\"\n  4. Trên laptop: doithoai join SCHEME://<địa chỉ máy chủ>:8800 <mã đăng ký>",
                        "No ward yet. Next (in another terminal, with the server running):\n  1. doithoai-server ward create --id dinh-ke --name \"Phường Dĩnh Kế\"\n  2. doithoai-server point add --ward dinh-ke --kind tdp --id tdp-01 --name \"Tổ dân phố số 1\"\n  3. doithoai-server device add --ward dinh-ke --role collector --point tdp-01 --name \"TDP 1 leader's laptop\"\n  4. On the laptop: doithoai join SCHEME://<server address>:8800 <enrolment code>"
                    )
                    .replace("SCHEME", scheme)
                );
            }
            let cfg = ServeConfig {
                data_dir: data_dir.clone(),
                database: database_owned.clone(),
                listen: cli.listen,
                link: LinkOptions::from_env(),
                tls,
                advertise: cli
                    .advertise
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned),
            };
            // The certificate is made (or read) now, to show its fingerprint before serving.
            let ready = doithoai_server::tls::prepare(&data_dir, &cfg.tls)?;
            if let Some(fp) = ready
                .served
                .fingerprint
                .as_deref()
                .and_then(|f| hex::decode(f).ok())
            {
                let colons = doithoai_sync::tls::fingerprint_colons(&fp);
                match (ready.served.self_signed, lang) {
                    (true, Lang::Vi) => println!(
                        "Chứng chỉ tự ký trong {} (mã đăng ký mang dấu vân tay của nó, laptop ghim nó), SHA-256: {colons}",
                        data_dir.join(doithoai_server::tls::CERT_FILE).display()
                    ),
                    (true, Lang::En) => println!(
                        "Self-signed certificate in {} (enrolment codes carry its fingerprint, laptops pin it), SHA-256: {colons}",
                        data_dir.join(doithoai_server::tls::CERT_FILE).display()
                    ),
                    (false, Lang::Vi) => println!("Chứng chỉ TLS, SHA-256: {colons}"),
                    (false, Lang::En) => println!("TLS certificate, SHA-256: {colons}"),
                }
            }
            drop(ready);
            let shutdown = async {
                let ctrl_c = tokio::signal::ctrl_c();
                #[cfg(unix)]
                {
                    let mut term = match tokio::signal::unix::signal(
                        tokio::signal::unix::SignalKind::terminate(),
                    ) {
                        Ok(t) => t,
                        Err(_) => {
                            let _ = ctrl_c.await;
                            return;
                        }
                    };
                    tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
                }
                #[cfg(not(unix))]
                {
                    let _ = ctrl_c.await;
                }
                tracing::info!("shutting down");
            };
            doithoai_server::serve(cfg, shutdown).await?;
            Ok(())
        }
        Cmd::Ward(WardCmd::Create { id, name }) => {
            let body = serde_json::json!({"id": id, "name": name});
            let ward = match via_server(&data_dir, "/api/v1/admin/ward", body).await? {
                Some(v) => serde_json::from_value(v)?,
                None => {
                    let store = open_store(&data_dir, database)?;
                    let repo = open_repo(&store).await;
                    let r = admin::create_ward(&*store, &repo, &id, &name).await;
                    repo.stop().await;
                    r?
                }
            };
            let w: doithoai_store::WardRow = ward;
            println!(
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "Đã tạo phường «{}» (mã {}). Tài liệu phường: automerge:{}",
                        w.name, w.id, w.ward_doc
                    ),
                    Lang::En => format!(
                        "Created ward {:?} (id {}). Ward document: automerge:{}",
                        w.name, w.id, w.ward_doc
                    ),
                }
            );
            Ok(())
        }
        Cmd::Ward(WardCmd::List) => {
            let store = open_store(&data_dir, database)?;
            for w in store.wards()? {
                println!("{}\t{}\tautomerge:{}", w.id, w.name, w.ward_doc);
            }
            Ok(())
        }
        Cmd::Point(PointCmd::Add {
            ward,
            kind,
            id,
            name,
        }) => {
            let body = serde_json::json!({"ward": ward, "kind": kind, "id": id, "name": name});
            let p: doithoai_store::PointRow =
                match via_server(&data_dir, "/api/v1/admin/point", body).await? {
                    Some(v) => serde_json::from_value(v)?,
                    None => {
                        let store = open_store(&data_dir, database)?;
                        let repo = open_repo(&store).await;
                        let r = admin::add_point(&*store, &repo, &ward, &kind, &id, &name).await;
                        repo.stop().await;
                        r?
                    }
                };
            println!(
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "Đã thêm điểm tiếp nhận «{}» ({}) vào phường {}. Sổ tiếp nhận: automerge:{}",
                        p.name, p.id, p.ward_id, p.intake_doc
                    ),
                    Lang::En => format!(
                        "Added collection point {:?} ({}) to ward {}. Intake document: automerge:{}",
                        p.name, p.id, p.ward_id, p.intake_doc
                    ),
                }
            );
            Ok(())
        }
        Cmd::Point(PointCmd::List { ward }) => {
            let store = open_store(&data_dir, database)?;
            for p in store.points(&ward)? {
                println!(
                    "{}\t{}\t{}\tautomerge:{}",
                    p.id, p.kind, p.name, p.intake_doc
                );
            }
            Ok(())
        }
        Cmd::Device(DeviceCmd::Add {
            ward,
            role,
            point,
            name,
        }) => {
            let store = open_store(&data_dir, database)?;
            let pin = doithoai_server::tls::code_pin_for_admin(&data_dir)?;
            let scheme = match doithoai_server::tls::last_served(&data_dir) {
                Some(s) => s.scheme,
                None => "https".to_owned(),
            };
            let d = admin::add_device(
                &*store,
                &ward,
                &role,
                point.as_deref(),
                &name,
                pin.as_deref(),
            )?;
            println!(
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "Đã thêm thiết bị «{}» (mã {}, vai trò {}).\nMã đăng ký (dùng một lần, hết hạn {}): {}\nTrên laptop: doithoai join {scheme}://<địa chỉ máy chủ>:{} {}",
                        d.device.name,
                        d.device.id,
                        doithoai_model::lang::role_label(&d.device.role, lang),
                        d.expires_at,
                        d.code,
                        cli.listen.port(),
                        d.code
                    ),
                    Lang::En => format!(
                        "Added device {:?} (id {}, role {}).\nEnrolment code (single use, expires {}): {}\nOn the laptop: doithoai join {scheme}://<server address>:{} {}",
                        d.device.name,
                        d.device.id,
                        doithoai_model::lang::role_label(&d.device.role, lang),
                        d.expires_at,
                        d.code,
                        cli.listen.port(),
                        d.code
                    ),
                }
            );
            Ok(())
        }
        Cmd::Device(DeviceCmd::List { json }) => {
            let store = open_store(&data_dir, database)?;
            let devices = store.devices()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&devices)?);
            } else {
                for d in devices {
                    let state = if d.revoked_at.is_some() {
                        lang.pick("đã thu hồi", "revoked")
                    } else if d.enrolled_at.is_some() {
                        lang.pick("đã đăng ký", "enrolled")
                    } else {
                        lang.pick("chờ đăng ký", "waiting for enrolment")
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        d.id,
                        d.ward_id,
                        doithoai_model::lang::role_label(&d.role, lang),
                        d.point_id.as_deref().unwrap_or("-"),
                        d.name,
                        state
                    );
                }
            }
            Ok(())
        }
        Cmd::Device(DeviceCmd::Revoke { id }) => {
            let store = open_store(&data_dir, database)?;
            let d = admin::revoke_device(&*store, &id)?;
            println!(
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "Đã thu hồi thiết bị «{}» ({}). Kết nối đang mở sẽ bị đóng.",
                        d.name, d.id
                    ),
                    Lang::En => format!(
                        "Revoked device {:?} ({}). Its open connections are being closed.",
                        d.name, d.id
                    ),
                }
            );
            Ok(())
        }
        Cmd::Doc(DocCmd::List { ward }) => {
            let store = open_store(&data_dir, database)?;
            let repo = open_repo(&store).await;
            let mut out = Vec::new();
            for d in store.docs_of_ward(&ward)? {
                let id = doithoai_sync::parse_doc_id(&d.doc_id)?;
                let heads = match repo.find(&id).await? {
                    Some(h) => {
                        let mut v = doithoai_sync::read(&h, |doc| {
                            doc.get_heads()
                                .iter()
                                .map(|x| x.to_string())
                                .collect::<Vec<_>>()
                        });
                        v.sort();
                        v
                    }
                    None => Vec::new(),
                };
                out.push(serde_json::json!({"id": d.doc_id, "kind": d.kind, "point": d.point_id, "heads": heads}));
            }
            repo.stop().await;
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        Cmd::Backup { file, force } => {
            if let Some(db) = database {
                bail!(match lang {
                    Lang::Vi => format!(
                        "Máy chủ này dùng PostgreSQL ({}): hãy sao lưu bằng công cụ của PostgreSQL (pg_dump).",
                        doithoai_store_pg::without_password(db)
                    ),
                    Lang::En => format!(
                        "This server uses PostgreSQL ({}): back it up with PostgreSQL's own tools (pg_dump).",
                        doithoai_store_pg::without_password(db)
                    ),
                });
            }
            // A mistyped --data-dir must not make an empty database and back that up.
            if !data_dir.join(doithoai_server::DB_FILE).is_file() {
                return Err(backup::BackupError::NoData(data_dir).into());
            }
            let store = open_store(&data_dir, database)?;
            backup::backup(&store.chunks, &file, force)?;
            println!(
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "Đã sao lưu vào {} (kiểm tra toàn vẹn: ok; chỉ chủ tệp đọc được).",
                        file.display()
                    ),
                    Lang::En => format!(
                        "Backed up to {} (integrity check: ok; readable by its owner only).",
                        file.display()
                    ),
                }
            );
            Ok(())
        }
        Cmd::Migrate { from, to } => {
            if running_server(&from).await.is_some() {
                bail!(
                    lang.pick(
                        "Máy chủ nguồn đang chạy: hãy dừng nó trước khi chuyển dữ liệu.",
                        "The source server is running: stop it before migrating."
                    )
                    .to_owned()
                );
            }
            let report = doithoai_server::migrate::migrate(&from, &to).await?;
            println!("{}", report.describe(lang));
            Ok(())
        }
        Cmd::Restore { file } => {
            if database.is_some() {
                bail!(
                    lang.pick(
                        "Máy chủ này dùng PostgreSQL: hãy khôi phục bằng công cụ của PostgreSQL (pg_restore).",
                        "This server uses PostgreSQL: restore it with PostgreSQL's own tools (pg_restore)."
                    )
                    .to_owned()
                );
            }
            if running_server(&data_dir).await.is_some() {
                bail!(
                    lang.pick(
                        "Máy chủ đang chạy: hãy dừng máy chủ trước khi khôi phục.",
                        "The server is running: stop it before restoring."
                    )
                    .to_owned()
                );
            }
            let done = backup::restore(&data_dir, &file)?;
            if let Some(aside) = &done.kept_at {
                println!(
                    "{} {}",
                    lang.pick(
                        "Dữ liệu đang dùng trước khi khôi phục được giữ tại",
                        "The data in use before the restore is kept at"
                    ),
                    aside.display()
                );
            }
            let (wards, devices) = (
                done.summary.wards.unwrap_or(0),
                done.summary.devices.unwrap_or(0),
            );
            println!(
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "Đã khôi phục từ {}: {wards} phường, {devices} thiết bị. Hãy khởi động lại máy chủ; các laptop sẽ gửi lại những gì ghi sau bản sao lưu khi đồng bộ.",
                        file.display()
                    ),
                    Lang::En => format!(
                        "Restored from {}: {wards} wards, {devices} devices. Start the server again; the laptops give back what they recorded after the backup when they sync.",
                        file.display()
                    ),
                }
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_command_and_flag_is_described_in_vietnamese_with_an_example() {
        let problems =
            doithoai_clilang::help_problems(<super::Cli as clap::CommandFactory>::command());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// `doithoai-server --lang en --help` is English: every command and flag has a text in
    /// `help_en.rs`, and no Vietnamese word is left but in the example commands.
    #[test]
    fn every_command_and_flag_has_an_english_text() {
        let problems = doithoai_clilang::english_help_problems(
            <super::Cli as clap::CommandFactory>::command(),
            super::help_en::HELP_EN,
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
