//! The command line: `doithoai init | petition add | list | show | edit | index rebuild`.
//!
//! Help texts and messages are in Vietnamese by default; `--lang en` (or `DOITHOAI_LANG=en`)
//! switches to English.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use doithoai_model::time::{format_datetime, parse_date, parse_datetime};
use doithoai_model::{
    Lang, Localize, NewPetition, PetitionKind, Registry, Resident, ValidationError,
};
use doithoai_store::{PetitionFilter, PetitionRow};

use crate::app::{App, AppError, PetitionDetail, PetitionEdit};

/// doithoai — sổ theo dõi ý kiến, kiến nghị của nhân dân và các cuộc tiếp xúc, đối thoại của phường.
///
/// Làm việc được khi không có mạng: dữ liệu lưu trên máy, đồng bộ với máy chủ của phường khi có mạng.
#[derive(Debug, Parser)]
#[command(
    name = "doithoai",
    version,
    about = "doithoai — sổ theo dõi ý kiến, kiến nghị của nhân dân và các cuộc tiếp xúc, đối thoại của phường. Làm việc được khi không có mạng.",
    long_about = None
)]
pub struct Cli {
    /// Thư mục dữ liệu (mặc định: thư mục dữ liệu của người dùng).
    #[arg(long, global = true, env = "DOITHOAI_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Ngôn ngữ hiển thị: vi (mặc định) hoặc en.
    #[arg(long, global = true, env = "DOITHOAI_LANG")]
    pub lang: Option<Lang>,
    /// In nhật ký ra màn hình (-v: thông tin, -vv: chi tiết); mặc định nhật ký ghi vào tệp
    /// doithoai.log trong thư mục dữ liệu.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Thiết lập máy trước khi đăng ký với máy chủ của phường.
    ///
    /// Ví dụ: doithoai init --name "Nguyễn Thị Hoa - Tổ trưởng TDP 3" --point tdp-03
    Init {
        /// Tên người dùng hoặc tên máy, ghi vào lịch sử thay đổi.
        #[arg(long)]
        name: String,
        /// Mã điểm tiếp nhận (tổ dân phố, tổ chức); sẽ được cập nhật khi đăng ký.
        #[arg(long, default_value = "")]
        point: String,
        /// Vai trò của máy: collector (điểm tiếp nhận, mặc định), office (văn phòng phường), monitor (MTTQ).
        #[arg(long, default_value = "collector")]
        role: String,
    },
    /// Đăng ký máy với máy chủ của phường bằng mã đăng ký dùng một lần, rồi đồng bộ.
    ///
    /// Mã do máy chủ dùng chứng chỉ tự ký in ra có thêm phần dấu vân tay (sau mã ABCD-EFGH2345): máy ghim chứng chỉ đó và từ chối mọi máy chủ khác.
    ///
    /// Ví dụ: doithoai join https://192.168.1.10:8800 K7QM-3XRT9HCW-6Y0Q2N8V4D1JT5B7XK3M9P2C0R
    Join {
        /// Địa chỉ máy chủ, ví dụ https://192.168.1.10:8800.
        url: String,
        /// Mã đăng ký do cán bộ CNTT cấp.
        code: String,
        /// Tên người dùng hoặc tên máy (khi máy chưa được thiết lập).
        #[arg(long)]
        name: Option<String>,
        /// Địa chỉ một máy chủ khác của cùng dịch vụ (cùng cơ sở dữ liệu, cùng chứng chỉ); máy chuyển sang đó khi máy chủ chính không trả lời. Có thể nhắc lại.
        #[arg(long = "fallback", value_name = "URL")]
        fallback: Vec<String>,
    },
    /// Đồng bộ ngay với máy chủ; thoát khi máy chủ đã có mọi thay đổi trên máy.
    ///
    /// Ví dụ: doithoai sync
    ///        doithoai sync --doc automerge:<mã>   (mã tài liệu do lệnh session create in ra)
    #[command(verbatim_doc_comment)]
    Sync {
        /// Chỉ lấy một tài liệu theo mã (automerge:...), ví dụ tài liệu phiên đối thoại được chia sẻ.
        #[arg(long)]
        doc: Option<String>,
    },
    /// Tình trạng: trực tuyến hay không, lần đồng bộ cuối, số thay đổi chưa được xác nhận.
    ///
    /// Ví dụ: doithoai status
    ///        doithoai status --json
    #[command(verbatim_doc_comment)]
    Status {
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Đồng bộ nền và giao diện web trên máy này (http://127.0.0.1:8765): tự kết nối lại khi có mạng (chạy liên tục, Ctrl-C để dừng).
    ///
    /// Ví dụ: doithoai serve --listen 127.0.0.1:8765
    Serve {
        /// Địa chỉ của giao diện web, chỉ trên máy này (mặc định 127.0.0.1:8765).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Mở giao diện web trong trình duyệt (chạy `serve` nếu chưa chạy).
    ///
    /// Ví dụ: doithoai ui
    Ui,
    /// Ghi nhận, tra cứu và sửa ý kiến, kiến nghị của người dân.
    #[command(subcommand)]
    Petition(Box<PetitionCmd>),
    /// Xử lý ý kiến tại văn phòng phường: tiếp nhận, phân loại, giao, trả lời, thông báo.
    #[command(subcommand)]
    Handle(Box<crate::office::HandleCmd>),
    /// Báo cáo: sổ tiếp nhận (Mẫu 03), tổng hợp ý kiến, kiến nghị theo kỳ.
    #[command(subcommand)]
    Report(Box<crate::office::ReportCmd>),
    /// Nhập ý kiến từ bảng tính của văn phòng (Excel .xlsx hoặc CSV): theo 12 cột Mẫu 03 hoặc
    /// danh sách có tiêu đề tiếng Việt; kiểm tra từng dòng, có lỗi thì không nhập gì; nhập lại
    /// cùng tệp không thêm gì.
    ///
    /// Ví dụ: doithoai import so-tiep-nhan-2025.xlsx --dry-run
    ///        doithoai import so-tiep-nhan-2025.xlsx
    ///        doithoai import danh-sach.csv --map E=content --map B=name
    #[command(verbatim_doc_comment)]
    Import(crate::import::ImportArgs),
    /// Kế hoạch tiếp xúc, đối thoại trong năm và kiểm tra việc thực hiện.
    #[command(subcommand)]
    Plan(Box<crate::sessions::PlanCmd>),
    /// Cuộc tiếp xúc, đối thoại: thành phần, người phát biểu, biên bản, kết luận.
    #[command(subcommand)]
    Session(Box<crate::sessions::SessionCmd>),
    /// Chỉ mục tra cứu (được dựng lại từ dữ liệu gốc bất cứ lúc nào).
    #[command(subcommand)]
    Index(IndexCmd),
    /// Lịch làm việc: ngày nghỉ lễ, Tết, nghỉ bù, ngày làm bù mà mọi thời hạn được tính theo.
    #[command(subcommand)]
    Calendar(Box<crate::calendar::CalendarCmd>),
    /// Tài liệu các thiết bị đã đăng ký với máy chủ (máy văn phòng): xem và gỡ đăng ký thừa.
    #[command(subcommand)]
    Documents(crate::integrity::DocumentsCmd),
}

#[derive(Debug, Subcommand)]
pub enum IndexCmd {
    /// Dựng lại toàn bộ chỉ mục tra cứu từ các tài liệu.
    ///
    /// Ví dụ: doithoai index rebuild
    Rebuild,
}

#[derive(Debug, Args, Default)]
pub struct PetitionFields {
    /// Họ tên người dân (lặp lại cho nhiều người).
    #[arg(long = "name")]
    pub names: Vec<String>,
    /// Địa chỉ, theo thứ tự của --name.
    #[arg(long = "address")]
    pub addresses: Vec<String>,
    /// Tổ dân phố của người dân, theo thứ tự của --name.
    #[arg(long = "tdp")]
    pub tdps: Vec<String>,
    /// Số điện thoại (không bắt buộc), theo thứ tự của --name.
    #[arg(long = "phone")]
    pub phones: Vec<String>,
    /// Số CCCD (không bắt buộc), theo thứ tự của --name.
    #[arg(long = "id-number")]
    pub id_numbers: Vec<String>,
    /// Số người cùng ý kiến.
    #[arg(long)]
    pub people: Option<u32>,
    /// Loại: kien_nghi, phan_anh, y_kien, khieu_nai, to_cao (gõ có dấu hay không dấu đều được).
    #[arg(long)]
    pub kind: Option<String>,
    /// Lĩnh vực đề xuất: mã (dat_dai, ha_tang, moi_truong, …) hoặc tên.
    #[arg(long)]
    pub field: Option<String>,
    /// Nội dung ý kiến.
    #[arg(long)]
    pub content: Option<String>,
    /// Đề nghị của người dân.
    #[arg(long)]
    pub request: Option<String>,
    /// Địa điểm liên quan (đường, ngõ, khu vực).
    #[arg(long)]
    pub place: Option<String>,
    /// Người dân muốn phát biểu tại buổi tiếp xúc, đối thoại.
    #[arg(long)]
    pub speak: bool,
    /// Ngày ghi nhận, dạng dd/mm/yyyy hoặc "dd/mm/yyyy HH:MM" (mặc định: bây giờ).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Lĩnh vực (mã hoặc tên).
    #[arg(long)]
    pub field: Option<String>,
    /// Trạng thái (collected, received, assigned, … hoặc tên tiếng Việt).
    #[arg(long)]
    pub status: Option<String>,
    /// Điểm tiếp nhận.
    #[arg(long)]
    pub point: Option<String>,
    /// Loại ý kiến.
    #[arg(long)]
    pub kind: Option<String>,
    /// Từ khóa, không phân biệt dấu và chữ hoa: "nguyen van" tìm được "Nguyễn Văn".
    #[arg(long, short)]
    pub text: Option<String>,
    /// Từ ngày (dd/mm/yyyy).
    #[arg(long)]
    pub from: Option<String>,
    /// Đến ngày (dd/mm/yyyy).
    #[arg(long)]
    pub to: Option<String>,
    /// Số dòng tối đa.
    #[arg(long, default_value_t = 200)]
    pub limit: u32,
    /// In ra JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PetitionCmd {
    /// Ghi một ý kiến mới. Chạy không có tham số trong cửa sổ dòng lệnh để được hỏi từng mục.
    ///
    /// Ví dụ: doithoai petition add --name "Nguyễn Văn Đức" --address "Số 5 ngõ 12 Lê Lợi"
    ///   --tdp "TDP 3" --field ha_tang --content "Đèn đường ngõ 12 hỏng hai tháng nay"
    ///   --request "Đề nghị thay bóng đèn" --place "ngõ 12 Lê Lợi" --people 5 --speak
    Add(PetitionFields),
    /// Liệt kê ý kiến, có lọc theo lĩnh vực, trạng thái, điểm tiếp nhận, từ khóa, khoảng ngày.
    ///
    /// Ví dụ: doithoai petition list --text "nguyen van" --from 01/11/2026 --to 30/11/2026
    List(ListArgs),
    /// Xem một ý kiến và lịch sử thay đổi (ai sửa gì, lúc nào).
    ///
    /// Ví dụ: doithoai petition show 1a2b3c4d
    Show {
        /// Mã ý kiến (8 ký tự đầu là đủ) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sửa một ý kiến: chỉ các mục được nêu mới thay đổi.
    ///
    /// Ví dụ: doithoai petition edit 1a2b3c4d --people 12 --place "ngõ 12 và ngõ 14 Lê Lợi"
    ///        doithoai petition edit 1a2b3c4d --relayed "Đã báo tại họp tổ 05/12"
    #[command(verbatim_doc_comment)]
    Edit {
        /// Mã ý kiến (8 ký tự đầu là đủ) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        #[command(flatten)]
        fields: PetitionFields,
        /// Bỏ lĩnh vực đã chọn.
        #[arg(long)]
        clear_field: bool,
        /// Không còn muốn phát biểu.
        #[arg(long)]
        no_speak: bool,
        /// Đánh dấu đã chuyển câu trả lời của phường tới người dân (kèm ghi chú).
        #[arg(long)]
        relayed: Option<String>,
    },
}

/// An error at the command line, told in the user's language.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("{en}")]
    Usage { vi: String, en: String },
    #[error("input/output: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Prompt(#[from] crate::prompt::PromptError),
}

impl From<doithoai_sync::client::ConnectError> for CliError {
    fn from(e: doithoai_sync::client::ConnectError) -> Self {
        CliError::App(AppError::Connect(e))
    }
}

impl From<ValidationError> for CliError {
    fn from(e: ValidationError) -> Self {
        CliError::App(AppError::Validation(e))
    }
}

impl Localize for CliError {
    fn localize(&self, lang: Lang) -> String {
        match self {
            CliError::App(e) => e.localize(lang),
            CliError::Usage { vi, en } => lang.pick(vi, en).to_owned(),
            CliError::Prompt(e) => e.localize(lang),
            CliError::Io(e) => match lang {
                Lang::Vi => format!("Lỗi đọc/ghi: {}", doithoai_model::lang::io_error(e, lang)),
                Lang::En => format!("Input/output error: {e}"),
            },
        }
    }
}

fn usage(vi: impl Into<String>, en: impl Into<String>) -> CliError {
    CliError::Usage {
        vi: vi.into(),
        en: en.into(),
    }
}

/// The default data directory: the platform's data directory for doithoai.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("vn", "doithoai", "doithoai")
        .map(|d| d.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from("doithoai-data"))
}

/// Runs one command line; output goes to `out`.
pub async fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let lang_flag = cli.lang;
    // Opens the data directory, runs a command with its output buffered, closes (every write on
    // disk), and only then prints: nothing is reported before it is saved.
    macro_rules! buffered {
        (|$app:ident, $lang:ident, $buf:ident| $call:expr) => {{
            let $app = App::open(&data_dir).await?;
            let $lang = lang_flag.unwrap_or($app.device.lang);
            let mut buffer = Vec::new();
            let result = {
                let ($app, $buf) = (&$app, &mut buffer);
                $call.await
            };
            $app.close().await?;
            out.write_all(&buffer)?;
            result
        }};
    }
    match cli.command {
        Command::Init { name, point, role } => {
            let lang = lang_flag.unwrap_or_default();
            let role = match doithoai_model::text::fold(&role).as_str() {
                r @ ("collector" | "office" | "monitor") => r.to_owned(),
                _ => {
                    return Err(usage(
                        format!("Vai trò «{role}» không hợp lệ: collector, office hoặc monitor."),
                        format!("Unknown role {role:?}: collector, office or monitor."),
                    ));
                }
            };
            let app = App::init(&data_dir, &name, &point, &role, lang).await?;
            let (device_name, device_point) = (app.device.name.clone(), app.device.point.clone());
            app.close().await?;
            writeln!(
                out,
                "{}",
                match lang {
                    Lang::Vi => format!(
                        "Đã thiết lập máy «{}» (điểm tiếp nhận: {}). Dữ liệu lưu tại {}.\nCó thể ghi ý kiến ngay cả khi không có mạng: doithoai petition add",
                        device_name,
                        device_point,
                        data_dir.display()
                    ),
                    Lang::En => format!(
                        "Set up device {:?} (collection point: {}). Data is kept in {}.\nYou can record petitions now, even offline: doithoai petition add",
                        device_name,
                        device_point,
                        data_dir.display()
                    ),
                }
            )?;
            Ok(())
        }
        Command::Petition(cmd) => {
            if let PetitionCmd::Add(fields) = &*cmd
                && is_empty(fields)
                && std::io::stdin().is_terminal()
            {
                return add_interactive(&data_dir, lang_flag, out).await;
            }
            buffered!(|app, lang, buf| petition(app, *cmd, lang, buf))
        }
        Command::Join {
            url,
            code,
            name,
            fallback,
        } => {
            let lang = lang_flag.unwrap_or_default();
            let mut err = std::io::stderr();
            let tty = err.is_terminal();
            let (app, report, moved) = crate::net::join(
                &data_dir,
                &url,
                &code,
                name.as_deref(),
                lang,
                &mut |done, total| {
                    if tty {
                        let _ = write!(
                            err,
                            "\r{} {done}/{total}",
                            lang.pick("Đồng bộ tài liệu", "Syncing documents")
                        );
                    }
                },
            )
            .await?;
            if tty {
                let _ = writeln!(std::io::stderr());
            }
            if let Some(w) = &report.transport_warning {
                let _ = writeln!(std::io::stderr(), "{}", lang.pick(&w.vi, &w.en));
            }
            let mut app = app;
            if !fallback.is_empty() {
                // Those the server named, then those typed.
                let mut all = app.device.fallback_servers.clone();
                all.extend(fallback);
                app.set_fallback_servers(&all)?;
            }
            let d = app.device.clone();
            app.close().await?;
            if !d.fallback_servers.is_empty() {
                writeln!(
                    out,
                    "{} {}",
                    lang.pick(
                        "Máy chủ dự phòng (dùng khi máy chủ chính không trả lời):",
                        "Fallback servers (used when the main server does not answer):"
                    ),
                    d.fallback_servers.join(", ")
                )?;
            }
            match lang {
                Lang::Vi => {
                    writeln!(
                        out,
                        "Đã đăng ký máy «{}» với {} (vai trò: {}, điểm tiếp nhận {}).",
                        d.name,
                        d.ward_name.unwrap_or_default(),
                        doithoai_model::lang::role_label(&d.role, lang),
                        if d.point.is_empty() { "—" } else { &d.point }
                    )?;
                    writeln!(
                        out,
                        "Đã đồng bộ {}/{} tài liệu.",
                        report.in_step, report.documents
                    )?;
                    if moved > 0 {
                        writeln!(
                            out,
                            "Đã chuyển {moved} ý kiến ghi trước khi đăng ký vào sổ tiếp nhận của điểm."
                        )?;
                    }
                }
                Lang::En => {
                    writeln!(
                        out,
                        "Enrolled {:?} with {} (role: {}, collection point {}).",
                        d.name,
                        d.ward_name.unwrap_or_default(),
                        doithoai_model::lang::role_label(&d.role, lang),
                        d.point
                    )?;
                    writeln!(
                        out,
                        "Synced {}/{} documents.",
                        report.in_step, report.documents
                    )?;
                    if moved > 0 {
                        writeln!(
                            out,
                            "Moved {moved} petitions recorded before enrolment into the point's intake."
                        )?;
                    }
                }
            }
            Ok(())
        }
        Command::Sync { doc } => {
            let app = App::open(&data_dir).await?;
            let lang = lang_flag.unwrap_or(app.device.lang);
            let result = match doc {
                Some(d) => fetch_one(&app, &d, lang, out).await,
                None => sync_once(&app, lang, out).await,
            };
            app.close().await?;
            result
        }
        Command::Status { json } => {
            let app = App::open(&data_dir).await?;
            let lang = lang_flag.unwrap_or(app.device.lang);
            let st = app.status().await?;
            app.close().await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &st).map_err(std::io::Error::other)?;
                writeln!(out)?;
            } else {
                print_status(out, &st, lang)?;
            }
            Ok(())
        }
        Command::Ui => crate::web::open_ui(&data_dir, lang_flag, out).await,
        Command::Serve { listen } => {
            let stop = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            #[cfg(unix)]
            let stop = async move {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut term) => tokio::select! { _ = stop => {}, _ = term.recv() => {} },
                    Err(_) => stop.await,
                }
            };
            crate::web::serve(&data_dir, listen.as_deref(), lang_flag, stop).await
        }
        Command::Handle(cmd) => {
            buffered!(|app, lang, buf| crate::office::run_handle(app, *cmd, lang, buf))
        }
        Command::Report(cmd) => {
            buffered!(|app, lang, buf| crate::office::run_report(app, *cmd, lang, buf))
        }
        Command::Import(args) => {
            buffered!(|app, lang, buf| crate::import::run_import(app, args, lang, buf))
        }
        Command::Plan(cmd) => {
            buffered!(|app, lang, buf| crate::sessions::run_plan(app, *cmd, lang, buf))
        }
        Command::Session(cmd) => {
            buffered!(|app, lang, buf| crate::sessions::run_session(app, *cmd, lang, buf))
        }
        Command::Calendar(cmd) => {
            buffered!(|app, lang, buf| crate::calendar::run_calendar(app, *cmd, lang, buf))
        }
        Command::Documents(cmd) => {
            let app = App::open(&data_dir).await?;
            let lang = lang_flag.unwrap_or(app.device.lang);
            let result = crate::integrity::run_documents(&app, cmd, lang, out).await;
            app.close().await?;
            result
        }
        Command::Index(IndexCmd::Rebuild) => {
            let app = App::open(&data_dir).await?;
            let lang = lang_flag.unwrap_or(app.device.lang);
            let n = app.reindex().await?;
            app.close().await?;
            writeln!(
                out,
                "{}",
                match lang {
                    Lang::Vi => format!("Đã dựng lại chỉ mục: {n} ý kiến."),
                    Lang::En => format!("Index rebuilt: {n} petitions."),
                }
            )?;
            Ok(())
        }
    }
}

fn parse_kind(s: &str) -> Result<PetitionKind, ValidationError> {
    PetitionKind::parse(s).ok_or_else(|| ValidationError::UnknownKind {
        value: s.to_owned(),
    })
}

fn parse_field(s: &str, reg: &Registry) -> Result<String, ValidationError> {
    reg.find_field(s)
        .map(|f| f.code.clone())
        .ok_or_else(|| ValidationError::UnknownField {
            value: s.to_owned(),
            known: reg.fields.iter().map(|f| f.code.clone()).collect(),
        })
}

fn residents(f: &PetitionFields) -> Result<Vec<Resident>, CliError> {
    let n = f.names.len();
    for (what, len) in [
        ("--address", f.addresses.len()),
        ("--tdp", f.tdps.len()),
        ("--phone", f.phones.len()),
        ("--id-number", f.id_numbers.len()),
    ] {
        if len > n {
            return Err(usage(
                format!(
                    "Có {len} lần {what} nhưng chỉ {n} lần --name: mỗi người dân cần --name trước."
                ),
                format!(
                    "{len} times {what} but only {n} times --name: give --name for each resident first."
                ),
            ));
        }
    }
    Ok((0..n)
        .map(|i| Resident {
            name: f.names[i].clone(),
            address: f.addresses.get(i).cloned().unwrap_or_default(),
            tdp: f.tdps.get(i).cloned().unwrap_or_default(),
            phone: f.phones.get(i).cloned(),
            id_number: f.id_numbers.get(i).cloned(),
        })
        .collect())
}

fn is_empty(f: &PetitionFields) -> bool {
    f.names.is_empty()
        && f.content.is_none()
        && f.request.is_none()
        && f.place.is_none()
        && f.field.is_none()
        && f.kind.is_none()
}

/// `petition add` with no flags in a terminal: asks field by field (crate::prompt), keeping a
/// draft after each answer, and saves the petition. The draft is forgotten only once the
/// petition is on disk.
async fn add_interactive(
    data_dir: &std::path::Path,
    lang_flag: Option<Lang>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let app = App::open(data_dir).await?;
    let lang = lang_flag.unwrap_or(app.device.lang);
    let store = app.store.clone();
    let result = async {
        if app.device.intake.is_none() {
            return Err(CliError::App(AppError::NotAllowed {
                role: app.device.role.clone(),
                what: "ghi ý kiến (không có sổ tiếp nhận)",
            }));
        }
        let reg = app.registry().await?;
        let draft = tokio::task::block_in_place(|| {
            crate::prompt::Asker::new(&store, &reg, lang)?.petition()
        })?;
        Ok(app.add_petition(draft.to_new()?).await?)
    }
    .await;
    app.close().await?;
    let p = result?;
    crate::prompt::Asker::clear_draft(&store)?;
    writeln!(
        out,
        "{} {} — {}: {}",
        lang.pick("Đã lưu ý kiến", "Saved petition"),
        p.short_id(),
        p.resident_names(),
        truncate(&p.content, 60)
    )?;
    Ok(())
}

fn filter_of(reg: &Registry, args: ListArgs) -> Result<PetitionFilter, CliError> {
    let day = |s: Option<String>| -> Result<Option<String>, ValidationError> {
        s.map(|d| parse_date(&d).map(|d| d.format("%Y-%m-%d").to_string()))
            .transpose()
    };
    let ListArgs {
        field,
        status,
        point,
        kind,
        text,
        from,
        to,
        limit,
        json: _,
    } = args;
    let status = status
        .map(|s| crate::office::parse_status(&s).map(|st| st.code().to_owned()))
        .transpose()?;
    if let Some(t) = &text
        && !t.trim().is_empty()
        && !t.chars().any(char::is_alphanumeric)
    {
        return Err(usage(
            format!(
                "Từ khóa «{t}» chỉ có dấu câu, không có chữ hay số nào nên không lọc được gì. Hãy gõ một từ cần tìm, hoặc bỏ --text để xem tất cả."
            ),
            format!(
                "The search text {t:?} has only punctuation, no letter or digit, so it filters nothing. Type a word to find, or leave out --text to see everything."
            ),
        ));
    }
    Ok(PetitionFilter {
        field: field.map(|f| parse_field(&f, reg)).transpose()?,
        status,
        point,
        kind: kind
            .map(|k| parse_kind(&k).map(|k| k.code().to_owned()))
            .transpose()?,
        text,
        from: day(from)?,
        to: day(to)?,
        limit: Some(limit),
        offset: None,
    })
}

async fn petition(
    app: &App,
    cmd: PetitionCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let reg = app.registry().await?;
    match cmd {
        PetitionCmd::Add(fields) => {
            let new = NewPetition {
                residents: residents(&fields)?,
                people_count: fields.people,
                kind: fields.kind.as_deref().map(parse_kind).transpose()?,
                field: fields
                    .field
                    .as_deref()
                    .map(|f| parse_field(f, &reg))
                    .transpose()?,
                content: fields.content.unwrap_or_default(),
                request: fields.request.unwrap_or_default(),
                place: fields.place.unwrap_or_default(),
                wants_to_speak: fields.speak,
                created_at: fields.date.as_deref().map(parse_datetime).transpose()?,
            };
            let p = app.add_petition(new).await?;
            writeln!(
                out,
                "{} {} — {}: {}",
                lang.pick("Đã lưu ý kiến", "Saved petition"),
                p.short_id(),
                p.resident_names(),
                truncate(&p.content, 60)
            )?;
            Ok(())
        }
        PetitionCmd::List(args) => {
            let json = args.json;
            let filter = filter_of(&reg, args)?;
            let rows = app.list(&filter)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &rows).map_err(std::io::Error::other)?;
                writeln!(out)?;
            } else {
                print_table(out, &rows, &reg, lang)?;
            }
            Ok(())
        }
        PetitionCmd::Show { id, json } => {
            let id = petition_id(app, &id).await?;
            let detail = app.show_petition(&id).await?;
            // The office's handling, when this device has the handling document.
            let answer = app
                .office_view(&id)
                .await
                .ok()
                .and_then(|v| v.item)
                .and_then(|item| item.answer.map(|a| (a, item.approval.is_some())));
            if json {
                let mut v = serde_json::to_value(&detail).map_err(std::io::Error::other)?;
                if let Some((a, approved)) = &answer {
                    v["answer"] = serde_json::json!({"text": a.text, "legal_basis": a.legal_basis, "doc_no": a.doc_no, "answered_by": a.answered_by, "on_spot": a.on_spot, "approved": approved});
                }
                serde_json::to_writer_pretty(&mut *out, &v).map_err(std::io::Error::other)?;
                writeln!(out)?;
            } else {
                print_detail(out, &detail, &reg, lang)?;
                if let Some((a, approved)) = answer {
                    writeln!(
                        out,
                        "{}{}: {}",
                        lang.pick("Trả lời của phường", "The ward's answer"),
                        if approved {
                            ""
                        } else {
                            lang.pick(" (chưa duyệt)", " (not yet approved)")
                        },
                        a.text
                    )?;
                    if !a.answered_by.is_empty() || !a.doc_no.is_empty() {
                        writeln!(
                            out,
                            "  {} {} {}",
                            lang.pick("Người trả lời:", "Answered by:"),
                            a.answered_by,
                            a.doc_no
                        )?;
                    }
                    if !a.legal_basis.is_empty() {
                        writeln!(
                            out,
                            "  {} {}",
                            lang.pick("Căn cứ:", "Legal basis:"),
                            a.legal_basis
                        )?;
                    }
                }
            }
            Ok(())
        }
        PetitionCmd::Edit {
            id,
            fields,
            clear_field,
            no_speak,
            relayed,
        } => {
            let edit = PetitionEdit {
                residents: resident_edits(&fields),
                people_count: fields.people,
                kind: fields.kind.as_deref().map(parse_kind).transpose()?,
                field: if clear_field {
                    Some(None)
                } else {
                    fields
                        .field
                        .as_deref()
                        .map(|f| parse_field(f, &reg).map(Some))
                        .transpose()?
                },
                content: fields.content,
                request: fields.request,
                place: fields.place,
                wants_to_speak: if no_speak {
                    Some(false)
                } else if fields.speak {
                    Some(true)
                } else {
                    None
                },
                created_at: fields.date.as_deref().map(parse_datetime).transpose()?,
                relayed,
            };
            if edit.is_empty() {
                return Err(usage(
                    "Chưa nêu mục nào để sửa. Ví dụ: doithoai petition edit 1a2b3c4d --people 12 (xem doithoai petition edit --help).",
                    "Nothing to change was given. Example: doithoai petition edit 1a2b3c4d --people 12 (see doithoai petition edit --help).",
                ));
            }
            let id = petition_id(app, &id).await?;
            let o = app.edit_petition(&id, edit).await?;
            let name = match &o.row.register_no {
                Some(no) => format!(
                    "{} ({} {no})",
                    o.petition.short_id(),
                    lang.pick("số", "no.")
                ),
                None => o.petition.short_id(),
            };
            if !o.changed {
                writeln!(
                    out,
                    "{}",
                    match lang {
                        Lang::Vi => format!(
                            "Không có gì thay đổi: ý kiến {name} đã có đúng các giá trị này."
                        ),
                        Lang::En =>
                            format!("Nothing changed: petition {name} already has these values."),
                    }
                )?;
                return Ok(());
            }
            writeln!(
                out,
                "{} {name}.",
                lang.pick("Đã cập nhật ý kiến", "Updated petition"),
            )?;
            if o.closed {
                writeln!(
                    out,
                    "{}",
                    lang.pick(
                        "Lưu ý: văn phòng phường đã đóng ý kiến này. Thay đổi đã được lưu, nhưng văn phòng chỉ xem xét lại khi mở lại ý kiến (doithoai handle reopen); hãy báo văn phòng.",
                        "Note: the ward office has closed this petition. The change is saved, but the office looks at it again only if it reopens it (doithoai handle reopen); tell the office."
                    )
                )?;
            }
            Ok(())
        }
    }
}

/// The full id of the petition a user typed: the first characters of its id, or its register
/// number ("17/2026").
async fn petition_id(app: &App, typed: &str) -> Result<String, CliError> {
    app.office_resolve(typed)
        .await
        .map(|r| r.id)
        .map_err(crate::office::office_err)
}

/// The per-resident flags of an edit, by position: the n-th `--phone` changes the n-th resident.
fn resident_edits(f: &PetitionFields) -> Vec<crate::app::ResidentEdit> {
    let n = [
        f.names.len(),
        f.addresses.len(),
        f.tdps.len(),
        f.phones.len(),
        f.id_numbers.len(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    (0..n)
        .map(|i| crate::app::ResidentEdit {
            name: f.names.get(i).cloned(),
            address: f.addresses.get(i).cloned(),
            tdp: f.tdps.get(i).cloned(),
            phone: f.phones.get(i).cloned(),
            id_number: f.id_numbers.get(i).cloned(),
        })
        .collect()
}

fn truncate(s: &str, n: usize) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        let mut t: String = one_line.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn pad(s: &str, n: usize) -> String {
    let t = truncate(s, n);
    let len = t.chars().count();
    format!("{t}{}", " ".repeat(n.saturating_sub(len)))
}

fn date_of(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| stored.chars().take(10).collect())
}

fn print_table(
    out: &mut dyn Write,
    rows: &[PetitionRow],
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    if rows.is_empty() {
        writeln!(
            out,
            "{}",
            lang.pick("Không có ý kiến nào phù hợp.", "No petition matches.")
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {} {} {} {} {} {} {}",
        pad(lang.pick("Số", "No."), 9),
        pad(lang.pick("Mã", "Id"), 8),
        pad(lang.pick("Ngày", "Date"), 10),
        pad(lang.pick("Loại", "Type"), 10),
        pad(lang.pick("Lĩnh vực", "Field"), 18),
        pad(lang.pick("Trạng thái", "Status"), 14),
        pad(lang.pick("Người dân", "Residents"), 22),
        lang.pick("Nội dung", "Content")
    )?;
    for r in rows {
        let kind = PetitionKind::parse(&r.kind)
            .map(|k| k.label(lang))
            .unwrap_or(&r.kind);
        let field = r
            .field
            .as_deref()
            .map(|f| reg.field_label(f, lang))
            .unwrap_or("—");
        writeln!(
            out,
            "{} {} {} {} {} {} {} {}",
            pad(r.register_no.as_deref().unwrap_or("—"), 9),
            pad(&r.id.chars().take(8).collect::<String>(), 8),
            pad(&date_of(&r.created_at), 10),
            pad(kind, 10),
            pad(field, 18),
            pad(&doithoai_model::status::status_label(&r.status, lang), 14),
            pad(&r.residents, 22),
            truncate(&r.content, 60)
        )?;
    }
    writeln!(
        out,
        "{}",
        match lang {
            Lang::Vi => format!("({} ý kiến)", rows.len()),
            Lang::En => format!("({} petitions)", rows.len()),
        }
    )?;
    Ok(())
}

fn field_name(key: &str, lang: Lang) -> String {
    let base = key.split('[').next().unwrap_or(key);
    let suffix = key.strip_prefix(base).unwrap_or("");
    let label = match base {
        "created_at" => lang.pick("ngày ghi nhận", "recorded on"),
        "created_by" => lang.pick("người ghi", "recorded by"),
        "point" => lang.pick("điểm tiếp nhận", "collection point"),
        "residents" => lang.pick("người dân", "resident"),
        "people_count" => lang.pick("số người", "people"),
        "kind" => lang.pick("loại", "type"),
        "field" => lang.pick("lĩnh vực", "field"),
        "content" => lang.pick("nội dung", "content"),
        "request" => lang.pick("đề nghị", "request"),
        "place" => lang.pick("địa điểm", "place"),
        "wants_to_speak" => lang.pick("muốn phát biểu", "wishes to speak"),
        "relayed" => lang.pick("đã chuyển trả lời tới người dân", "answer relayed"),
        other => other,
    };
    format!("{label}{suffix}")
}

fn op_name(op: &str, lang: Lang) -> &str {
    match op {
        "petition.add" => lang.pick("ghi nhận ý kiến", "recorded"),
        "petition.edit" => lang.pick("sửa ý kiến", "edited"),
        "petition.relay" => lang.pick("đánh dấu đã chuyển trả lời", "marked as relayed"),
        "petition.enrol" => lang.pick(
            "chuyển vào sổ tiếp nhận của điểm khi máy đăng ký",
            "moved into the point's intake when the laptop enrolled",
        ),
        "" => lang.pick("thay đổi", "changed"),
        other => other,
    }
}

fn print_detail(
    out: &mut dyn Write,
    d: &PetitionDetail,
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    let p = &d.petition;
    let yes_no = |b: bool| {
        if b {
            lang.pick("có", "yes")
        } else {
            lang.pick("không", "no")
        }
    };
    writeln!(out, "{} {}", lang.pick("Ý kiến", "Petition"), p.id)?;
    let status = d
        .row
        .as_ref()
        .map(|r| doithoai_model::status::status_label(&r.status, lang))
        .unwrap_or_default();
    let lines: Vec<(&str, String)> = vec![
        (
            lang.pick("Số vào sổ", "Register no."),
            d.row
                .as_ref()
                .and_then(|r| r.register_no.clone())
                .unwrap_or_else(|| {
                    lang.pick(
                        "chưa vào sổ tiếp nhận của phường",
                        "not yet in the ward's register",
                    )
                    .to_owned()
                }),
        ),
        (
            lang.pick("Ngày ghi nhận", "Recorded"),
            format_datetime(&p.created_at),
        ),
        (lang.pick("Người ghi", "Recorded by"), p.created_by.clone()),
        (
            lang.pick("Điểm tiếp nhận", "Collection point"),
            reg.point(&p.point)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| p.point.clone()),
        ),
        (
            lang.pick("Loại", "Type"),
            format!(
                "{}{}",
                p.kind.label(lang),
                if p.kind.is_flagged() {
                    lang.pick(" (xử lý theo luật riêng)", " (handled under its own law)")
                } else {
                    ""
                }
            ),
        ),
        (
            lang.pick("Lĩnh vực", "Field"),
            p.field
                .as_deref()
                .map(|f| reg.field_label(f, lang).to_owned())
                .unwrap_or_else(|| "—".into()),
        ),
        (lang.pick("Trạng thái", "Status"), status),
        (lang.pick("Số người", "People"), p.people_count.to_string()),
        (lang.pick("Nội dung", "Content"), p.content.clone()),
        (lang.pick("Đề nghị", "Request"), p.request.clone()),
        (lang.pick("Địa điểm", "Place"), p.place.clone()),
        (
            lang.pick("Muốn phát biểu", "Wishes to speak"),
            yes_no(p.wants_to_speak).to_owned(),
        ),
    ];
    for (k, v) in lines {
        writeln!(out, "  {}: {}", k, v)?;
    }
    for (i, r) in p.residents.iter().enumerate() {
        let mut s = format!("{} — {} — {}", r.name, r.address, r.tdp);
        if let Some(ph) = &r.phone {
            s.push_str(&format!(" — ĐT {ph}"));
        }
        if let Some(idn) = &r.id_number {
            s.push_str(&format!(" — CCCD {idn}"));
        }
        writeln!(
            out,
            "  {} {}: {}",
            lang.pick("Người dân", "Resident"),
            i + 1,
            s
        )?;
    }
    if let Some(r) = &p.relayed {
        writeln!(
            out,
            "  {}: {} ({}) {}",
            lang.pick("Đã chuyển trả lời tới người dân", "Answer relayed"),
            r.at,
            r.by,
            r.note
        )?;
    }
    crate::integrity::print_issues(&d.issues, reg, lang, out)?;
    writeln!(out, "{}", lang.pick("Lịch sử thay đổi:", "History:"))?;
    for h in &d.history {
        let at = chrono::DateTime::from_timestamp(h.at, 0)
            .map(|t| format_datetime(&t.with_timezone(&doithoai_model::time::ward_offset())))
            .unwrap_or_default();
        writeln!(out, "  • {at} — {} — {}", h.by, op_name(&h.op, lang))?;
        if h.op == "petition.add" {
            continue;
        }
        for f in &h.fields {
            writeln!(
                out,
                "      {}: «{}» → «{}»",
                field_name(&f.field, lang),
                f.before.as_deref().unwrap_or(""),
                f.after.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(())
}

async fn sync_once(app: &App, lang: Lang, out: &mut dyn Write) -> Result<(), CliError> {
    let link = app.connect(Some(3))?;
    let result = async {
        link.established().await?;
        let tty = std::io::stderr().is_terminal();
        let mut err = std::io::stderr();
        let stats = link.stats.clone();
        let report = app
            .sync(&link, &mut |done, total| {
                if tty {
                    use std::sync::atomic::Ordering::Relaxed;
                    let _ = write!(
                        err,
                        "\r{} {done}/{total} — {} {} / {} {}   ",
                        lang.pick("Đồng bộ tài liệu", "Syncing documents"),
                        lang.pick("gửi", "sent"),
                        human_bytes(stats.bytes_out.load(Relaxed)),
                        lang.pick("nhận", "received"),
                        human_bytes(stats.bytes_in.load(Relaxed)),
                    );
                }
            })
            .await?;
        if tty {
            let _ = writeln!(err);
        }
        Ok::<_, AppError>(report)
    }
    .await;
    link.close();
    let report = result?;
    if let Some(w) = &report.transport_warning {
        let _ = writeln!(std::io::stderr(), "{}", lang.pick(&w.vi, &w.en));
    }
    let labels = |matters: bool, l: Lang| -> Vec<String> {
        let mut v: Vec<String> = report
            .unfinished
            .iter()
            .filter(|u| u.matters == matters)
            .map(|u| u.label(l))
            .collect();
        if v.len() > 10 {
            let more = v.len() - 10;
            v.truncate(10);
            v.push(
                l.pick(
                    &format!("và {more} tài liệu khác"),
                    &format!("and {more} more"),
                )
                .to_owned(),
            );
        }
        v
    };
    if !report.lagging.is_empty() {
        return Err(usage(
            format!(
                "Chưa đồng bộ xong {} tài liệu (mạng chậm hoặc máy chủ từ chối): {}. Dữ liệu vẫn an toàn trên máy; hãy chạy lại doithoai sync.",
                report.lagging.len(),
                labels(true, Lang::Vi).join("; ")
            ),
            format!(
                "{} documents did not finish syncing (slow network or refused by the server): {}. Your data is safe; run doithoai sync again.",
                report.lagging.len(),
                labels(true, Lang::En).join("; ")
            ),
        ));
    }
    let skipped = labels(false, lang);
    if !skipped.is_empty() {
        let n = report.unfinished.len();
        writeln!(
            out,
            "{}",
            match lang {
                Lang::Vi => format!(
                    "Bỏ qua {n} tài liệu không có trên máy chủ (không mất dữ liệu nào; văn phòng xem bằng doithoai documents list): {}.",
                    skipped.join("; ")
                ),
                Lang::En => format!(
                    "Skipped {n} documents the server does not have (no data is lost; the office sees them with doithoai documents list): {}.",
                    skipped.join("; ")
                ),
            }
        )?;
    }
    writeln!(
        out,
        "{}",
        match lang {
            Lang::Vi => format!(
                "Đã đồng bộ {} tài liệu; máy chủ đã có mọi thay đổi trên máy này.",
                report.in_step
            ),
            Lang::En => format!(
                "Synced {} documents; the server has every change made on this laptop.",
                report.in_step
            ),
        }
    )?;
    let t = &report.traffic;
    writeln!(
        out,
        "{}",
        match lang {
            Lang::Vi => format!(
                "Gửi {}, nhận {} trong {:.1} giây ({} tài liệu không đổi, không cần trao đổi).",
                human_bytes(t.bytes_sent),
                human_bytes(t.bytes_received + t.list_bytes),
                t.seconds,
                report.unchanged
            ),
            Lang::En => format!(
                "Sent {}, received {} in {:.1} s ({} documents unchanged, nothing exchanged for them).",
                human_bytes(t.bytes_sent),
                human_bytes(t.bytes_received + t.list_bytes),
                t.seconds,
                report.unchanged
            ),
        }
    )?;
    Ok(())
}

/// A byte count as people read it: "812 B", "3.4 KB", "1.2 MB".
fn human_bytes(n: u64) -> String {
    match n {
        0..1000 => format!("{n} B"),
        1000..1_000_000 => format!("{:.1} KB", n as f64 / 1000.0),
        _ => format!("{:.1} MB", n as f64 / 1_000_000.0),
    }
}

fn print_status(
    out: &mut dyn Write,
    st: &crate::net::DeviceStatus,
    lang: Lang,
) -> Result<(), CliError> {
    let last = st
        .last_sync
        .as_deref()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| format_datetime(&t))
        .unwrap_or_else(|| lang.pick("chưa có", "never").to_owned());
    if !st.enrolled {
        writeln!(
            out,
            "{}",
            lang.pick(
                "Chưa đăng ký với máy chủ của phường (làm việc ngoại tuyến).",
                "Not enrolled with a ward server (working offline)."
            )
        )?;
    } else {
        writeln!(
            out,
            "{}: {} ({})",
            lang.pick("Máy chủ", "Server"),
            st.server.as_deref().unwrap_or(""),
            match (&st.refused, st.online) {
                (Some(_), _) => lang.pick(
                    "máy chủ từ chối thiết bị này",
                    "the server refuses this device"
                ),
                (None, true) => lang.pick("trực tuyến", "online"),
                (None, false) => lang.pick("ngoại tuyến", "offline"),
            }
        )?;
        if st.servers.len() > 1 {
            writeln!(
                out,
                "{}: {}",
                lang.pick("Máy chủ dự phòng", "Fallback servers"),
                st.servers[1..].join(", ")
            )?;
        }
        if let Some(r) = &st.refused {
            writeln!(out, "  {}", lang.pick(&r.vi, &r.en))?;
            writeln!(
                out,
                "  {}",
                lang.pick(
                    "Dữ liệu trên máy vẫn còn nhưng không đồng bộ được nữa; hãy xin mã đăng ký mới và chạy doithoai join.",
                    "The data on this laptop is kept but can no longer sync; ask for a new enrolment code and run doithoai join."
                )
            )?;
        }
    }
    writeln!(
        out,
        "{}: {last}",
        lang.pick("Đồng bộ thành công lần cuối", "Last successful sync")
    )?;
    writeln!(
        out,
        "{}: {}",
        lang.pick(
            "Thay đổi chưa được máy chủ xác nhận",
            "Changes not yet confirmed by the server"
        ),
        st.unconfirmed_changes
    )?;
    writeln!(
        out,
        "{}: {} — {}: {}",
        lang.pick("Vai trò", "Role"),
        st.role,
        lang.pick("điểm tiếp nhận", "collection point"),
        st.point
    )?;
    Ok(())
}

async fn fetch_one(app: &App, doc: &str, lang: Lang, out: &mut dyn Write) -> Result<(), CliError> {
    let id = doithoai_sync::parse_doc_id(doc).map_err(AppError::from)?;
    let link = app.connect(Some(3))?;
    let result = async {
        link.established().await?;
        let found =
            tokio::time::timeout(std::time::Duration::from_secs(15), app.repo.find(&id)).await;
        Ok::<_, AppError>(matches!(found, Ok(Ok(Some(_)))))
    }
    .await;
    link.close();
    if result? {
        writeln!(
            out,
            "{} {doc}",
            lang.pick("Đã lấy tài liệu", "Fetched document")
        )?;
        Ok(())
    } else {
        Err(usage(
            format!("Máy chủ không có tài liệu {doc} hoặc thiết bị này không được phép đọc nó."),
            format!("The server has no document {doc}, or this device may not read it."),
        ))
    }
}
