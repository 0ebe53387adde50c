//! The office's command line: `doithoai handle ...` (the register and the handling of each
//! petition) and `doithoai report ...` (the reception register and the summary, as text, CSV or
//! XLSX). The operations themselves are in [`crate::office_app`].

use std::io::Write;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::{Args, Subcommand};
use doithoai_model::handling::{
    AnswerInput, Channel, Competence, Conflict, ForwardInput, ForwardMode, Item, OverdueKind,
    RegisterNo,
};
use doithoai_model::time::{format_date, parse_date};
use doithoai_model::workdays::Calendar;
use doithoai_model::{Lang, Localize, PetitionKind, Registry, Status, ValidationError};
use doithoai_reports::{Dataset, Period};
use doithoai_store::PetitionRow;
use uuid::Uuid;

use crate::app::{App, AppError};
use crate::cli::CliError;
use crate::office_app::{Classify, OfficeError, OfficeView};

/// Xử lý ý kiến tại văn phòng phường: vào sổ, phân loại, gộp trùng, chuyển đơn, lưu, giao xử lý,
/// trả lời, duyệt, thông báo, kết thúc, mở lại.
///
/// Ý kiến được gọi bằng mã (8 ký tự đầu, xem bằng `doithoai petition list`) hoặc bằng số vào sổ
/// (ví dụ 17/2026).
#[derive(Debug, Subcommand)]
pub enum HandleCmd {
    /// Vào sổ tiếp nhận: cấp số vào sổ theo năm (số 1, 2, 3… của năm nhận).
    ///
    /// Ví dụ: doithoai handle receive 1a2b3c4d
    ///        doithoai handle receive 1a2b3c4d 5e6f7a8b --date 13/02/2026
    ///        doithoai handle receive --all
    #[command(verbatim_doc_comment)]
    Receive {
        /// Mã các ý kiến cần vào sổ (8 ký tự đầu là đủ).
        ids: Vec<String>,
        /// Vào sổ mọi ý kiến đang chờ (trạng thái «Mới ghi nhận»), cũ trước mới sau.
        #[arg(long)]
        all: bool,
        /// Ngày tiếp nhận, dd/mm/yyyy (mặc định: hôm nay). Hạn 10 ngày làm việc tính từ ngày này.
        #[arg(long)]
        date: Option<String>,
    },
    /// Phân loại: loại ý kiến, lĩnh vực, thẩm quyền. Khiếu nại, tố cáo được gắn cờ và phải
    /// chuyển đơn hoặc hướng dẫn theo luật riêng.
    ///
    /// Ví dụ: doithoai handle classify 1a2b3c4d --field ha_tang --competence phuong
    ///        doithoai handle classify 17/2026 --kind khieu_nai --field dat_dai
    ///          --prior "UBND phường đã trả lời tháng 5/2026"
    #[command(verbatim_doc_comment)]
    Classify {
        /// Mã ý kiến hoặc số vào sổ.
        id: String,
        /// Loại: kien_nghi, phan_anh, y_kien, khieu_nai, to_cao (mặc định: như khi ghi nhận).
        #[arg(long)]
        kind: Option<String>,
        /// Lĩnh vực: mã (dat_dai, xay_dung, ha_tang, moi_truong, an_ninh, chinh_sach,
        /// y_te_giao_duc, van_hoa, dien_nuoc, thu_tuc, can_bo, khac) hoặc tên.
        #[arg(long)]
        field: Option<String>,
        /// Thẩm quyền: phuong (mặc định), cap_tren, nganh_doc, dang, mttq.
        #[arg(long)]
        competence: Option<String>,
        /// Cơ quan, đơn vị đã giải quyết trước đây (cột 8 của sổ).
        #[arg(long, default_value = "")]
        prior: String,
    },
    /// Gợi ý các ý kiến có thể trùng nhau: cùng lĩnh vực, nội dung hoặc địa điểm giống nhau
    /// (không phân biệt dấu).
    ///
    /// Ví dụ: doithoai handle duplicates
    ///        doithoai handle duplicates 1a2b3c4d --min-score 0.4
    #[command(verbatim_doc_comment)]
    Duplicates {
        /// Chỉ tìm các ý kiến trùng với ý kiến này.
        id: Option<String>,
        /// Độ giống tối thiểu, từ 0 đến 1.
        #[arg(long, default_value_t = doithoai_model::handling::DUPLICATE_THRESHOLD)]
        min_score: f64,
    },
    /// Gộp một ý kiến trùng vào ý kiến gốc: ý kiến được giữ nguyên và liên kết với ý kiến gốc,
    /// số người được cộng vào nhóm, chỉ trả lời một lần.
    ///
    /// Ví dụ: doithoai handle merge 5e6f7a8b --into 1a2b3c4d
    #[command(verbatim_doc_comment)]
    Merge {
        /// Ý kiến trùng (mã hoặc số vào sổ).
        id: String,
        /// Ý kiến gốc (mã hoặc số vào sổ).
        #[arg(long)]
        into: String,
    },
    /// Chuyển đơn tới cơ quan có thẩm quyền, hoặc trả lại đơn và hướng dẫn người dân (--guide).
    ///
    /// Ví dụ: doithoai handle forward 1a2b3c4d --to "Điện lực Bắc Giang" --letter "25/UBND-VP"
    ///        doithoai handle forward 17/2026 --guide --to "Chủ tịch UBND thành phố" --letter "15/HD-UBND"
    #[command(verbatim_doc_comment)]
    Forward {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// Nơi nhận.
        #[arg(long)]
        to: String,
        /// Số văn bản chuyển đơn hoặc hướng dẫn.
        #[arg(long, default_value = "")]
        letter: String,
        /// Ngày văn bản, dd/mm/yyyy (mặc định: hôm nay).
        #[arg(long)]
        date: Option<String>,
        /// Trả lại đơn và hướng dẫn (thay vì chuyển đơn).
        #[arg(long)]
        guide: bool,
    },
    /// Lưu đơn, không xử lý; bắt buộc ghi lý do.
    ///
    /// Ví dụ: doithoai handle file 1a2b3c4d --reason "Nội dung đã được trả lời tại văn bản số 12/UBND"
    #[command(verbatim_doc_comment)]
    File {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// Lý do.
        #[arg(long)]
        reason: String,
    },
    /// Giao bộ phận chuyên môn xử lý, với thời hạn (mặc định 10 ngày làm việc kể từ ngày vào sổ,
    /// không tính thứ Bảy, Chủ nhật và ngày nghỉ lễ, Tết).
    ///
    /// Ví dụ: doithoai handle assign 1a2b3c4d --department dia_chinh
    ///        doithoai handle assign 17/2026 --department cong_an --deadline 15/12/2026
    #[command(verbatim_doc_comment)]
    Assign {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// Bộ phận: dia_chinh, van_hoa_xa_hoi, tu_phap, tai_chinh, cong_an, quan_su, van_phong (hoặc tên).
        #[arg(long)]
        department: String,
        /// Hạn xử lý, dd/mm/yyyy.
        #[arg(long)]
        deadline: Option<String>,
        /// Ghi chú khi giao.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Ghi nội dung trả lời (sau đó cần duyệt). Với --on-spot: trả lời trực tiếp tại buổi tiếp
    /// xúc, đối thoại, ý kiến chuyển ngay sang «Đã thông báo».
    ///
    /// Ví dụ: doithoai handle answer 1a2b3c4d --text "Phường đã thay bóng đèn ngõ 12"
    ///          --legal-basis "Kế hoạch 45/KH-UBND" --doc-no "112/UBND-ĐC" --by "Nguyễn Văn Minh, cán bộ địa chính"
    ///        doithoai handle answer 17/2026 --on-spot --text "Chủ tịch UBND trả lời tại hội nghị"
    #[command(verbatim_doc_comment)]
    Answer {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// Nội dung trả lời.
        #[arg(long)]
        text: String,
        /// Căn cứ pháp lý.
        #[arg(long, default_value = "")]
        legal_basis: String,
        /// Số văn bản trả lời.
        #[arg(long, default_value = "")]
        doc_no: String,
        /// Người trả lời (mặc định: người dùng máy này).
        #[arg(long = "by", default_value = "")]
        answered_by: String,
        /// Đã trả lời trực tiếp tại buổi tiếp xúc, đối thoại.
        #[arg(long)]
        on_spot: bool,
        /// Ngày trả lời, dd/mm/yyyy (mặc định: hôm nay).
        #[arg(long)]
        date: Option<String>,
    },
    /// Duyệt nội dung trả lời.
    ///
    /// Ví dụ: doithoai handle approve 1a2b3c4d --approver "Trần Văn Hùng, Chủ tịch UBND phường"
    #[command(verbatim_doc_comment)]
    Approve {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// Người duyệt (mặc định: người dùng máy này).
        #[arg(long, default_value = "")]
        approver: String,
        /// Ghi chú khi duyệt (ghi vào nhật ký xử lý).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Ghi đã thông báo kết quả cho người dân. Không ghi --channel thì dùng dấu «đã chuyển trả
    /// lời» mà tổ trưởng đánh trên ý kiến (doithoai petition edit ID --relayed ...).
    ///
    /// Ví dụ: doithoai handle notify 1a2b3c4d --channel to_truong --date 05/12/2026
    ///        doithoai handle notify --relayed     (ghi mọi ý kiến đã duyệt mà tổ trưởng đã báo lại)
    #[command(verbatim_doc_comment)]
    Notify {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: Option<String>,
        /// Hình thức: to_truong (qua tổ trưởng), van_ban, cuoc_hop, bang_tin, dien_thoai, khac.
        #[arg(long)]
        channel: Option<String>,
        /// Ngày thông báo, dd/mm/yyyy (mặc định: hôm nay).
        #[arg(long)]
        date: Option<String>,
        /// Ghi chú về việc thông báo (ghi vào nhật ký xử lý).
        #[arg(long, default_value = "")]
        note: String,
        /// Ghi cho mọi ý kiến đã duyệt mà tổ trưởng đã đánh dấu đã chuyển trả lời.
        #[arg(long)]
        relayed: bool,
    },
    /// Kết thúc ý kiến (đã thông báo, đã chuyển đơn, đã lưu hoặc đã gộp).
    ///
    /// Ví dụ: doithoai handle close 1a2b3c4d
    #[command(verbatim_doc_comment)]
    Close {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// Ghi chú khi kết thúc (ghi vào nhật ký xử lý).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Mở lại ý kiến đã kết thúc, đã thông báo, đã chuyển, đã lưu hoặc đã gộp; bắt buộc ghi lý do.
    ///
    /// Ví dụ: doithoai handle reopen 1a2b3c4d --reason "Người dân phản ánh đèn lại hỏng"
    #[command(verbatim_doc_comment)]
    Reopen {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// Lý do mở lại (bắt buộc, ghi vào nhật ký xử lý).
        #[arg(long)]
        reason: String,
    },
    /// Danh sách ý kiến quá hạn: quá hạn giải quyết, hoặc quá 10 ngày làm việc chưa phân loại,
    /// thụ lý (Luật Tiếp công dân, Điều 28), hoặc chưa vào sổ.
    ///
    /// Ví dụ: doithoai handle overdue
    ///        doithoai handle overdue --date 31/12/2026
    #[command(verbatim_doc_comment)]
    Overdue {
        /// Tính đến ngày, dd/mm/yyyy (mặc định: hôm nay).
        #[arg(long)]
        date: Option<String>,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Các xung đột sau khi đồng bộ giữa các máy văn phòng: trùng số vào sổ, một ý kiến mang hai
    /// số, hai quyết định khác nhau cho cùng một ý kiến; kèm lệnh để giải quyết.
    ///
    /// Ví dụ: doithoai handle conflicts
    #[command(verbatim_doc_comment)]
    Conflicts {
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Đánh lại số vào sổ khi bị trùng (số cũ không bao giờ được cấp lại, việc đổi số được ghi
    /// vào nhật ký). Không có xung đột thì phải ghi lý do.
    ///
    /// Ví dụ: doithoai handle renumber 5e6f7a8b
    ///        doithoai handle renumber 5e6f7a8b --keep 18/2026
    #[command(verbatim_doc_comment)]
    Renumber {
        /// Mã ý kiến (không dùng số vào sổ, vì số đang bị trùng).
        id: String,
        /// Giữ số này (một trong các số ý kiến đang mang), bỏ các số còn lại.
        #[arg(long)]
        keep: Option<String>,
        /// Lý do đánh lại số (bắt buộc khi số không bị trùng; ghi vào nhật ký xử lý).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Chọn trạng thái đúng khi hai máy đã quyết định khác nhau cho cùng một ý kiến.
    ///
    /// Ví dụ: doithoai handle resolve 1a2b3c4d --status assigned
    #[command(verbatim_doc_comment)]
    Resolve {
        /// Mã ý kiến (8 ký tự đầu).
        id: String,
        /// Trạng thái giữ lại (một trong các trạng thái đang xung đột).
        #[arg(long)]
        status: String,
        /// Ghi chú về lựa chọn (ghi vào nhật ký xử lý).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Xem quá trình xử lý một ý kiến: số vào sổ, phân loại, giao, trả lời, thông báo, nhật ký.
    ///
    /// Ví dụ: doithoai handle show 17/2026
    #[command(verbatim_doc_comment)]
    Show {
        /// Mã ý kiến (8 ký tự đầu) hoặc số vào sổ, ví dụ 17/2026.
        id: String,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Kỳ báo cáo: một trong --month, --quarter, --year (kèm --months), hoặc --from/--to.
#[derive(Debug, Args, Default)]
pub struct PeriodArgs {
    /// Năm, ví dụ 2026 (mặc định: năm nay).
    #[arg(long)]
    pub year: Option<i32>,
    /// Tháng, dạng MM/YYYY, ví dụ 11/2026.
    #[arg(long)]
    pub month: Option<String>,
    /// Quý, dạng Q/YYYY, ví dụ 4/2026.
    #[arg(long)]
    pub quarter: Option<String>,
    /// Số tháng đầu năm (6 hoặc 9), dùng kèm --year.
    #[arg(long)]
    pub months: Option<u32>,
    /// Từ ngày, dd/mm/yyyy (dùng kèm --to).
    #[arg(long)]
    pub from: Option<String>,
    /// Đến ngày, dd/mm/yyyy.
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Định dạng: text (in ra màn hình), csv hoặc xlsx (mặc định: theo đuôi tệp --output, không
    /// có thì text).
    #[arg(long)]
    pub format: Option<String>,
    /// Tệp kết quả (bắt buộc với xlsx).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Dấu phân cách cột của CSV: «,» (mặc định) hoặc «;» (Excel đặt vùng Việt Nam).
    #[arg(long, default_value_t = ',')]
    pub separator: char,
}

/// Báo cáo: sổ tiếp nhận (Mẫu 03) và tổng hợp ý kiến, kiến nghị theo kỳ, xuất ra màn hình, CSV
/// hoặc Excel.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Sổ tiếp nhận ý kiến, kiến nghị: 12 cột theo Mẫu 03 (Thông tư 04/2021/TT-TTCP).
    ///
    /// Ví dụ: doithoai report register --year 2026 --format xlsx --output so-tiep-nhan-2026.xlsx
    ///        doithoai report register --month 11/2026
    ///        doithoai report register --quarter 4/2026 --output quy4.csv --separator ";"
    #[command(verbatim_doc_comment)]
    Register(ReportArgs),
    /// Tổng hợp ý kiến, kiến nghị: danh sách; số liệu theo lĩnh vực, tổ dân phố, trạng thái;
    /// trả lời tại chỗ và giao xử lý; quá hạn.
    ///
    /// Ví dụ: doithoai report summary --month 11/2026
    ///        doithoai report summary --months 6 --year 2026 --output 6-thang.xlsx
    ///        doithoai report summary --year 2026 --as-of 31/12/2026 --format csv --output nam.csv
    #[command(verbatim_doc_comment)]
    Summary {
        #[command(flatten)]
        args: ReportArgs,
        /// Tính quá hạn đến ngày, dd/mm/yyyy (mặc định: hôm nay, hoặc ngày cuối kỳ nếu kỳ đã qua).
        #[arg(long)]
        as_of: Option<String>,
    },
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

pub(crate) fn office_err(e: OfficeError) -> CliError {
    match e {
        OfficeError::App(a) => CliError::App(a),
        other => CliError::Usage {
            vi: other.localize(Lang::Vi),
            en: other.localize(Lang::En),
        },
    }
}

fn usage(vi: impl Into<String>, en: impl Into<String>) -> CliError {
    CliError::Usage {
        vi: vi.into(),
        en: en.into(),
    }
}

fn date_opt(s: &Option<String>) -> Result<Option<NaiveDate>, CliError> {
    Ok(s.as_deref().map(parse_date).transpose()?)
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn truncate(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn pad(s: &str, n: usize) -> String {
    let t = truncate(s, n);
    let len = t.chars().count();
    format!("{t}{}", " ".repeat(n.saturating_sub(len)))
}

/// "số 17/2026 · 1a2b3c4d · Nguyễn Văn Đức — Đèn đường ngõ 12…"
fn describe(row: &PetitionRow, no: Option<RegisterNo>, lang: Lang) -> String {
    let mut s = String::new();
    if let Some(n) = no {
        s.push_str(&format!("{} {n} · ", lang.pick("số", "no.")));
    }
    s.push_str(&short(&row.id));
    if !row.residents.is_empty() {
        s.push_str(&format!(" · {}", truncate(&row.residents, 40)));
    }
    s.push_str(&format!(" — {}", truncate(&row.content, 60)));
    s
}

fn parse_kind(s: &str) -> Result<PetitionKind, CliError> {
    PetitionKind::parse(s).ok_or_else(|| {
        ValidationError::UnknownKind {
            value: s.to_owned(),
        }
        .into()
    })
}

fn parse_field(s: &str, reg: &Registry) -> Result<String, CliError> {
    reg.find_field(s).map(|f| f.code.clone()).ok_or_else(|| {
        ValidationError::UnknownField {
            value: s.to_owned(),
            known: reg.fields.iter().map(|f| f.code.clone()).collect(),
        }
        .into()
    })
}

/// What a code-or-label argument names: the model's own parser first, then a whole label, a
/// part of one or the beginnings of its words, diacritics ignored (registry::lookup).
fn by_label<T: Copy>(s: &str, all: &[T], names: impl Fn(&T) -> Vec<String>) -> Option<T> {
    match doithoai_model::registry::lookup(s, all, names) {
        doithoai_model::registry::Lookup::One(x) => Some(*x),
        _ => None,
    }
}

/// "phuong (Phường), cap_tren (…)": the valid values of a choice with their labels.
fn choices<T>(all: &[T], code: impl Fn(&T) -> &str, label: impl Fn(&T) -> &str) -> String {
    all.iter()
        .map(|x| format!("{} ({})", code(x), label(x)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_competence(s: &str) -> Result<Competence, CliError> {
    let names = |c: &Competence| {
        vec![
            c.code().to_owned(),
            c.label(Lang::Vi).to_owned(),
            c.label(Lang::En).to_owned(),
        ]
    };
    Competence::parse(s)
        .or_else(|| by_label(s, &Competence::ALL, names))
        .ok_or_else(|| {
            usage(
                format!(
                    "Thẩm quyền «{s}» không hợp lệ. Các giá trị hợp lệ: {}.",
                    choices(&Competence::ALL, |c| c.code(), |c| c.label(Lang::Vi))
                ),
                format!(
                    "Unknown competence {s:?}. Valid values: {}.",
                    choices(&Competence::ALL, |c| c.code(), |c| c.label(Lang::En))
                ),
            )
        })
}

fn parse_channel(s: &str) -> Result<Channel, CliError> {
    let names = |c: &Channel| {
        vec![
            c.code().to_owned(),
            c.label(Lang::Vi).to_owned(),
            c.label(Lang::En).to_owned(),
        ]
    };
    Channel::parse(s)
        .or_else(|| by_label(s, &Channel::ALL, names))
        .ok_or_else(|| {
            usage(
                format!(
                    "Hình thức thông báo «{s}» không hợp lệ. Các giá trị hợp lệ: {}.",
                    choices(&Channel::ALL, |c| c.code(), |c| c.label(Lang::Vi))
                ),
                format!(
                    "Unknown channel {s:?}. Valid values: {}.",
                    choices(&Channel::ALL, |c| c.code(), |c| c.label(Lang::En))
                ),
            )
        })
}

/// A status typed as a code or a label (either language, with or without diacritics); an
/// unknown one is refused with the list of valid values.
pub(crate) fn parse_status(s: &str) -> Result<Status, CliError> {
    let names = |st: &Status| {
        vec![
            st.code().to_owned(),
            st.label(Lang::Vi).to_owned(),
            st.label(Lang::En).to_owned(),
        ]
    };
    Status::parse(s)
        .or_else(|| by_label(s, &Status::ALL, names))
        .ok_or_else(|| {
            usage(
                format!(
                    "Trạng thái «{s}» không hợp lệ. Các giá trị hợp lệ: {}.",
                    choices(&Status::ALL, |c| c.code(), |c| c.label(Lang::Vi))
                ),
                format!(
                    "Unknown status {s:?}. Valid values: {}.",
                    choices(&Status::ALL, |c| c.code(), |c| c.label(Lang::En))
                ),
            )
        })
}

fn parse_no(s: &str) -> Result<RegisterNo, CliError> {
    RegisterNo::parse(s).ok_or_else(|| {
        usage(
            format!("Số vào sổ «{s}» không hợp lệ; viết dạng số/năm, ví dụ 17/2026."),
            format!("Invalid register number {s:?}; write number/year, e.g. 17/2026."),
        )
    })
}

/// Of two likely duplicates, the later one (to merge) and the earlier one (the original): by
/// register number, then by the date they were recorded.
fn later_first<'a>(a: &'a PetitionRow, b: &'a PetitionRow) -> (&'a PetitionRow, &'a PetitionRow) {
    let key = |r: &PetitionRow| {
        (
            r.register_no
                .as_deref()
                .and_then(RegisterNo::parse)
                .map(|n| (n.year, n.number)),
            r.created_at.clone(),
        )
    };
    let (ka, kb) = (key(a), key(b));
    let a_first = match (ka.0, kb.0) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => ka.1 <= kb.1,
    };
    if a_first { (b, a) } else { (a, b) }
}

fn dept_name(reg: &Registry, id: &str) -> String {
    reg.department(id)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

fn today() -> NaiveDate {
    doithoai_model::time::ward_now().date_naive()
}

// ---------------------------------------------------------------------------------------------
// doithoai handle
// ---------------------------------------------------------------------------------------------

pub async fn run_handle(
    app: &App,
    cmd: HandleCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    app.refresh_handling().await.map_err(office_err)?;
    handle(app, cmd, lang, out).await
}

async fn handle(
    app: &App,
    cmd: HandleCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let reg = app.registry().await?;
    let l = lang;
    match cmd {
        HandleCmd::Receive { ids, all, date } => {
            let date = date_opt(&date)?;
            let mut targets = ids;
            if all {
                targets.extend(
                    app.collected_rows()
                        .map_err(office_err)?
                        .into_iter()
                        .map(|r| r.id),
                );
            }
            if targets.is_empty() {
                if all {
                    writeln!(
                        out,
                        "{}",
                        l.pick(
                            "Không có ý kiến nào chờ vào sổ.",
                            "No petition is waiting to be registered."
                        )
                    )?;
                    return Ok(());
                }
                return Err(usage(
                    "Cần ghi mã ý kiến, hoặc --all để vào sổ mọi ý kiến đang chờ.",
                    "Give petition ids, or --all to register every waiting petition.",
                ));
            }
            let cal = Calendar::of(&reg);
            for t in targets {
                let (row, no) = app.office_receive(&t, date).await.map_err(office_err)?;
                let d = date.unwrap_or_else(today);
                writeln!(
                    out,
                    "{} {no} ({} {}): {}",
                    l.pick("Đã vào sổ số", "Registered as no."),
                    l.pick("ngày", "on"),
                    format_date(d),
                    describe(&row, None, l)
                )?;
                writeln!(
                    out,
                    "  {}: {}",
                    l.pick(
                        "Hạn thông báo cho người dân việc thụ lý (10 ngày làm việc)",
                        "Tell the resident whether it is accepted by (10 working days)"
                    ),
                    format_date(cal.ten_working_days(d))
                        + &crate::calendar::unconfirmed_mark(&cal, d, cal.ten_working_days(d), l)
                )?;
            }
            let d = date.unwrap_or_else(today);
            if let Some(hint) =
                crate::calendar::unconfirmed_hint(&cal, d, cal.ten_working_days(d), l)
            {
                writeln!(out, "{hint}")?;
            }
            Ok(())
        }
        HandleCmd::Classify {
            id,
            kind,
            field,
            competence,
            prior,
        } => {
            let input = Classify {
                kind: kind.as_deref().map(parse_kind).transpose()?,
                field: field.as_deref().map(|f| parse_field(f, &reg)).transpose()?,
                competence: competence.as_deref().map(parse_competence).transpose()?,
                prior,
            };
            let (row, st, ci) = app.office_classify(&id, input).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}: {} — {} — {}: {}. {}: {}.",
                l.pick("Đã phân loại", "Classified"),
                describe(&row, view.number(), l),
                ci.kind.label(l),
                reg.field_label(&ci.field, l),
                l.pick("thẩm quyền", "competence"),
                ci.competence.label(l),
                l.pick("Trạng thái", "Status"),
                st.label(l)
            )?;
            let sid = short(&row.id);
            if ci.kind.is_flagged() {
                writeln!(
                    out,
                    "  ⚠ {}",
                    match l {
                        Lang::Vi => format!(
                            "Đơn {} phải xử lý theo {}: chuyển đơn hoặc trả lại đơn và hướng dẫn: doithoai handle forward {sid} --to \"...\" [--guide]",
                            ci.kind.label(l).to_lowercase(),
                            if ci.kind == PetitionKind::ToCao {
                                "Luật Tố cáo"
                            } else {
                                "Luật Khiếu nại"
                            }
                        ),
                        Lang::En => format!(
                            "A {} is handled under its own law: forward it or return it with guidance: doithoai handle forward {sid} --to \"...\" [--guide]",
                            ci.kind.label(l).to_lowercase()
                        ),
                    }
                )?;
            } else if ci.competence != Competence::Ward {
                writeln!(
                    out,
                    "  ⚠ {} doithoai handle forward {sid} --to \"...\" --letter \"...\"",
                    l.pick(
                        "Không thuộc thẩm quyền của phường: hãy chuyển đơn:",
                        "Outside the ward's competence: forward it:"
                    )
                )?;
            }
            let sugg = app
                .office_duplicates(Some(&row.id), doithoai_model::handling::DUPLICATE_THRESHOLD)
                .await
                .map_err(office_err)?;
            if !sugg.is_empty() {
                writeln!(
                    out,
                    "  {}",
                    l.pick("Có thể trùng với:", "Possible duplicates:")
                )?;
                let rows = app
                    .rows_of(sugg.iter().map(|s| s.candidate))
                    .map_err(office_err)?;
                let me = app
                    .store
                    .index_get(&row.id)
                    .map_err(AppError::from)?
                    .unwrap_or_else(|| row.clone());
                for s in sugg.iter().take(5) {
                    if let Some(r) = rows.get(&s.candidate) {
                        writeln!(
                            out,
                            "    {} ({} {:.2})",
                            describe(r, r.register_no.as_deref().and_then(RegisterNo::parse), l),
                            l.pick("độ giống", "similarity"),
                            s.score()
                        )?;
                        let (dup, orig) = later_first(&me, r);
                        writeln!(
                            out,
                            "      {} doithoai handle merge {} --into {}",
                            l.pick("Gộp nếu đúng là trùng:", "Merge if it is a duplicate:"),
                            short(&dup.id),
                            short(&orig.id)
                        )?;
                    }
                }
            }
            Ok(())
        }
        HandleCmd::Duplicates { id, min_score } => {
            if !(0.0..=1.0).contains(&min_score) {
                return Err(usage(
                    "--min-score phải từ 0 đến 1.",
                    "--min-score must be between 0 and 1.",
                ));
            }
            let sugg = app
                .office_duplicates(id.as_deref(), min_score)
                .await
                .map_err(office_err)?;
            if sugg.is_empty() {
                writeln!(
                    out,
                    "{}",
                    l.pick(
                        "Không thấy ý kiến nào có vẻ trùng nhau.",
                        "No likely duplicates found."
                    )
                )?;
                return Ok(());
            }
            let rows = app
                .rows_of(sugg.iter().flat_map(|s| [s.id, s.candidate]))
                .map_err(office_err)?;
            let no = |r: &PetitionRow| r.register_no.as_deref().and_then(RegisterNo::parse);
            for s in &sugg {
                let (Some(a), Some(b)) = (rows.get(&s.id), rows.get(&s.candidate)) else {
                    continue;
                };
                writeln!(
                    out,
                    "• {} {:.2} ({} {:.2}, {} {:.2})",
                    l.pick("Độ giống", "Similarity"),
                    s.score(),
                    l.pick("nội dung", "content"),
                    s.content_score,
                    l.pick("địa điểm", "place"),
                    s.place_score
                )?;
                writeln!(out, "    {}", describe(a, no(a), l))?;
                writeln!(out, "    {}", describe(b, no(b), l))?;
                let (dup, orig) = later_first(a, b);
                writeln!(
                    out,
                    "    {} doithoai handle merge {} --into {}",
                    l.pick("Gộp:", "Merge:"),
                    short(&dup.id),
                    short(&orig.id)
                )?;
            }
            Ok(())
        }
        HandleCmd::Merge { id, into } => {
            let (row, root) = app.office_merge(&id, &into).await.map_err(office_err)?;
            let h = app.handling_state().await.map_err(office_err)?;
            let root_id = Uuid::parse_str(&root.id).unwrap_or_default();
            let group = h.group(&root_id);
            let rows = app.rows_of(group.iter().copied()).map_err(office_err)?;
            let people: i64 = rows.values().map(|r| r.people_count).sum();
            let no = |r: &PetitionRow| {
                Uuid::parse_str(&r.id)
                    .ok()
                    .and_then(|u| h.get(&u))
                    .and_then(Item::number)
            };
            writeln!(
                out,
                "{} {} {} {}.",
                l.pick("Đã gộp", "Merged"),
                describe(&row, no(&row), l),
                l.pick("vào ý kiến gốc", "into the original"),
                describe(&root, no(&root), l)
            )?;
            writeln!(
                out,
                "  {}",
                match l {
                    Lang::Vi => format!(
                        "Nhóm có {} ý kiến, {} người; trả lời một lần ở ý kiến gốc.",
                        group.len(),
                        people
                    ),
                    Lang::En => format!(
                        "The group has {} petitions, {} people; answer once, on the original.",
                        group.len(),
                        people
                    ),
                }
            )?;
            Ok(())
        }
        HandleCmd::Forward {
            id,
            to,
            letter,
            date,
            guide,
        } => {
            let mode = if guide {
                ForwardMode::Guide
            } else {
                ForwardMode::Forward
            };
            let row = app
                .office_forward(
                    &id,
                    ForwardInput {
                        mode,
                        to: to.clone(),
                        letter_no: letter.clone(),
                        date: date_opt(&date)?,
                    },
                )
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{}: {} → {}{}.",
                mode.label(l),
                describe(&row, view.number(), l),
                to.trim(),
                if letter.trim().is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} {})",
                        l.pick("văn bản số", "letter no."),
                        letter.trim()
                    )
                }
            )?;
            writeln!(
                out,
                "  {} doithoai handle notify {} --channel van_ban",
                l.pick("Khi đã báo cho người dân:", "Once the resident is told:"),
                short(&row.id)
            )?;
            Ok(())
        }
        HandleCmd::File { id, reason } => {
            let row = app.office_file(&id, &reason).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}: {}",
                l.pick("Đã lưu, không xử lý", "Filed without action"),
                describe(&row, view.number(), l),
                reason.trim()
            )?;
            Ok(())
        }
        HandleCmd::Assign {
            id,
            department,
            deadline,
            note,
        } => {
            let (row, d) = app
                .office_assign(&id, &department, date_opt(&deadline)?, &note)
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            let dept = view
                .item
                .as_ref()
                .and_then(|i| i.assignment.as_ref())
                .map(|a| dept_name(&reg, &a.department))
                .unwrap_or_default();
            let received = view
                .item
                .as_ref()
                .and_then(|i| i.received.as_ref())
                .map(|r| r.date);
            let wd = received
                .map(|r| Calendar::of(&reg).working_days_between(r, d))
                .unwrap_or_default();
            writeln!(
                out,
                "{} {}: {dept}, {} {} ({} {} {}){}.",
                l.pick("Đã giao xử lý", "Assigned"),
                describe(&row, view.number(), l),
                l.pick("hạn", "due"),
                format_date(d),
                wd,
                l.pick(
                    "ngày làm việc kể từ ngày vào sổ",
                    "working days from registration"
                ),
                received.map(format_date).unwrap_or_default(),
                received
                    .map(|r| crate::calendar::unconfirmed_mark(&Calendar::of(&reg), r, d, l))
                    .unwrap_or_default()
            )?;
            Ok(())
        }
        HandleCmd::Answer {
            id,
            text,
            legal_basis,
            doc_no,
            answered_by,
            on_spot,
            date,
        } => {
            let (row, st) = app
                .office_answer(
                    &id,
                    AnswerInput {
                        text,
                        legal_basis,
                        doc_no,
                        answered_by,
                        on_spot,
                        date: date_opt(&date)?,
                    },
                )
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}. {}: {}.",
                if on_spot {
                    l.pick(
                        "Đã ghi trả lời tại chỗ cho",
                        "Recorded the on-the-spot answer to",
                    )
                } else {
                    l.pick("Đã ghi trả lời cho", "Recorded the answer to")
                },
                describe(&row, view.number(), l),
                l.pick("Trạng thái", "Status"),
                st.label(l)
            )?;
            if !on_spot {
                writeln!(
                    out,
                    "  {} doithoai handle approve {}",
                    l.pick("Tiếp theo, duyệt trả lời:", "Next, approve the answer:"),
                    short(&row.id)
                )?;
            }
            Ok(())
        }
        HandleCmd::Approve { id, approver, note } => {
            let row = app
                .office_approve(&id, &approver, &note)
                .await
                .map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}.",
                l.pick("Đã duyệt trả lời", "Approved the answer to"),
                describe(&row, view.number(), l)
            )?;
            writeln!(
                out,
                "  {} doithoai handle notify {} --channel to_truong",
                l.pick(
                    "Tiếp theo, thông báo cho người dân:",
                    "Next, tell the resident:"
                ),
                short(&row.id)
            )?;
            Ok(())
        }
        HandleCmd::Notify {
            id,
            channel,
            date,
            note,
            relayed,
        } => {
            let channel = channel.as_deref().map(parse_channel).transpose()?;
            let date = date_opt(&date)?;
            let targets: Vec<String> = match (id, relayed) {
                (Some(id), false) => vec![id],
                (None, true) => app
                    .relayed_approved()
                    .await
                    .map_err(office_err)?
                    .into_iter()
                    .map(|r| r.id)
                    .collect(),
                (Some(_), true) => {
                    return Err(usage(
                        "Dùng hoặc mã ý kiến, hoặc --relayed, không dùng cả hai.",
                        "Give either a petition id or --relayed, not both.",
                    ));
                }
                (None, false) => {
                    return Err(usage(
                        "Cần ghi mã ý kiến (hoặc --relayed).",
                        "Give a petition id (or --relayed).",
                    ));
                }
            };
            if targets.is_empty() {
                writeln!(
                    out,
                    "{}",
                    l.pick(
                        "Không có ý kiến đã duyệt nào được tổ trưởng báo đã chuyển trả lời.",
                        "No approved petition has a relay mark."
                    )
                )?;
            }
            for t in targets {
                let (row, ch) = app
                    .office_notify(&t, if relayed { None } else { channel }, date, &note)
                    .await
                    .map_err(office_err)?;
                let view = app.office_view(&row.id).await.map_err(office_err)?;
                writeln!(
                    out,
                    "{} {} ({}).",
                    l.pick(
                        "Đã ghi thông báo cho người dân:",
                        "Recorded that the resident was told:"
                    ),
                    describe(&row, view.number(), l),
                    ch.label(l).to_lowercase()
                )?;
            }
            Ok(())
        }
        HandleCmd::Close { id, note } => {
            let row = app.office_close(&id, &note).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}.",
                l.pick("Đã kết thúc", "Closed"),
                describe(&row, view.number(), l)
            )?;
            Ok(())
        }
        HandleCmd::Reopen { id, reason } => {
            let (row, st) = app.office_reopen(&id, &reason).await.map_err(office_err)?;
            let view = app.office_view(&row.id).await.map_err(office_err)?;
            writeln!(
                out,
                "{} {}. {}: {}.",
                l.pick("Đã mở lại", "Reopened"),
                describe(&row, view.number(), l),
                l.pick("Trạng thái", "Status"),
                st.label(l)
            )?;
            Ok(())
        }
        HandleCmd::Overdue { date, json } => {
            let day = date_opt(&date)?.unwrap_or_else(today);
            let list = app.office_overdue(day).await.map_err(office_err)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
                writeln!(out)?;
                return Ok(());
            }
            if list.is_empty() {
                writeln!(
                    out,
                    "{} {}.",
                    l.pick(
                        "Không có ý kiến nào quá hạn tính đến ngày",
                        "No petition is overdue as of"
                    ),
                    format_date(day)
                )?;
                return Ok(());
            }
            let h = app.handling_state().await.map_err(office_err)?;
            let rows = app.rows_of(list.iter().map(|o| o.id)).map_err(office_err)?;
            writeln!(
                out,
                "{} {} ({}):",
                l.pick("Ý kiến quá hạn tính đến ngày", "Overdue petitions as of"),
                format_date(day),
                list.len()
            )?;
            // Why each is late, as its state is (a classified petition is not "not classified").
            let why = |o: &doithoai_model::handling::Overdue| {
                let status = h.get(&o.id).map_or(Status::Collected, |i| i.status);
                o.kind.label_as(status, l)
            };
            let why_width = list
                .iter()
                .map(|o| why(o).chars().count())
                .max()
                .unwrap_or(0);
            writeln!(
                out,
                "{} {} {} {} {} {}",
                pad(l.pick("Số vào sổ", "Reg. no."), 10),
                pad(l.pick("Mã", "Id"), 8),
                pad(l.pick("Loại", "Why"), why_width),
                pad(l.pick("Hạn", "Due"), 10),
                pad(l.pick("Quá", "Late"), 8),
                l.pick("Bộ phận / nội dung", "Department / content")
            )?;
            for o in &list {
                let item = h.get(&o.id);
                let no = item
                    .and_then(Item::number)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "—".into());
                let dept = item
                    .and_then(|i| i.assignment.as_ref())
                    .filter(|_| o.kind == OverdueKind::Deadline)
                    .map(|a| format!("{}: ", dept_name(&reg, &a.department)))
                    .unwrap_or_default();
                let content = rows.get(&o.id).map(|r| r.content.as_str()).unwrap_or("");
                writeln!(
                    out,
                    "{} {} {} {} {} {}{}",
                    pad(&no, 10),
                    pad(&short(&o.id.to_string()), 8),
                    pad(why(o), why_width),
                    pad(&format_date(o.due), 10),
                    pad(&format!("{} {}", o.days_late, l.pick("ngày", "days")), 8),
                    dept,
                    truncate(content, 50)
                )?;
            }
            Ok(())
        }
        HandleCmd::Conflicts { json } => {
            let list = app.office_conflicts().await.map_err(office_err)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &list).map_err(std::io::Error::other)?;
                writeln!(out)?;
                return Ok(());
            }
            let issues = app.intake_issues()?;
            if !list.is_empty() || issues.is_empty() {
                print_conflicts(app, &list, l, out)?;
            }
            crate::integrity::print_issues(&issues, &reg, l, out)?;
            Ok(())
        }
        HandleCmd::Renumber { id, keep, reason } => {
            let keep = keep.as_deref().map(parse_no).transpose()?;
            let (row, before, no) = app
                .office_renumber(&id, keep, &reason)
                .await
                .map_err(office_err)?;
            let before: Vec<String> = before
                .iter()
                .filter(|n| **n != no)
                .map(|n| n.to_string())
                .collect();
            writeln!(
                out,
                "{} {}: {} → {no}. {}",
                l.pick("Đã đánh lại số vào sổ cho", "Renumbered"),
                describe(&row, None, l),
                before.join(", "),
                l.pick(
                    "Số cũ không được cấp lại; việc đổi số đã ghi vào nhật ký.",
                    "The old number is never given again; the change is in the log."
                )
            )?;
            Ok(())
        }
        HandleCmd::Resolve { id, status, note } => {
            let st = parse_status(&status)?;
            let row = app
                .office_resolve_status(&id, st, &note)
                .await
                .map_err(office_err)?;
            writeln!(
                out,
                "{} {}: {}.",
                l.pick("Đã chọn trạng thái cho", "Resolved the status of"),
                describe(&row, None, l),
                st.label(l)
            )?;
            Ok(())
        }
        HandleCmd::Show { id, json } => {
            let view = app.office_view(&id).await.map_err(office_err)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &view).map_err(std::io::Error::other)?;
                writeln!(out)?;
                return Ok(());
            }
            print_view(&view, &reg, l, out)?;
            Ok(())
        }
    }
}

fn print_conflicts(
    app: &App,
    list: &[Conflict],
    l: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    if list.is_empty() {
        writeln!(
            out,
            "{}",
            l.pick(
                "Không có xung đột nào cần giải quyết.",
                "No conflicts to resolve."
            )
        )?;
        return Ok(());
    }
    let ids = list.iter().flat_map(|c| match c {
        Conflict::SharedNumber { claims, .. } => claims.iter().map(|c| c.id).collect::<Vec<_>>(),
        Conflict::SeveralNumbers { id, .. }
        | Conflict::Status { id, .. }
        | Conflict::Inconsistent { id, .. } => vec![*id],
        Conflict::DuplicateLoop { ids } => ids.clone(),
    });
    let rows = app.rows_of(ids).map_err(office_err)?;
    let desc = |id: &Uuid| {
        rows.get(id)
            .map(|r| describe(r, None, l))
            .unwrap_or_else(|| short(&id.to_string()))
    };
    writeln!(
        out,
        "{} ({}):",
        l.pick("Xung đột cần giải quyết", "Conflicts to resolve"),
        list.len()
    )?;
    for c in list {
        match c {
            Conflict::SharedNumber { no, claims } => {
                writeln!(
                    out,
                    "• {} {no} {}:",
                    l.pick("Số vào sổ", "Register number"),
                    l.pick("bị cấp cho nhiều ý kiến", "was given to several petitions")
                )?;
                for cl in claims {
                    writeln!(
                        out,
                        "    {} ({} {}, {})",
                        desc(&cl.id),
                        l.pick("cấp bởi", "given by"),
                        cl.by,
                        cl.at.replace('T', " ").chars().take(16).collect::<String>()
                    )?;
                }
                if let Some(first) = claims.first() {
                    writeln!(
                        out,
                        "    {} {}",
                        l.pick(
                            "Giữ số cho ý kiến được cấp trước",
                            "Keep the number for the earliest:"
                        ),
                        short(&first.id.to_string())
                    )?;
                }
                for cl in claims.iter().skip(1) {
                    writeln!(
                        out,
                        "    doithoai handle renumber {}",
                        short(&cl.id.to_string())
                    )?;
                }
            }
            Conflict::SeveralNumbers { id, numbers } => {
                let ns: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
                writeln!(
                    out,
                    "• {} {} {}:",
                    desc(id),
                    l.pick("mang nhiều số vào sổ", "holds several register numbers"),
                    ns.join(", ")
                )?;
                if let Some(first) = numbers.first() {
                    writeln!(
                        out,
                        "    doithoai handle renumber {} --keep {first}",
                        short(&id.to_string())
                    )?;
                }
            }
            Conflict::Status { id, values } => {
                let vs: Vec<String> = values.iter().map(|s| format!("«{}»", s.label(l))).collect();
                writeln!(
                    out,
                    "• {} {}: {}",
                    desc(id),
                    l.pick(
                        "có các quyết định khác nhau từ các máy",
                        "has different decisions from different laptops"
                    ),
                    vs.join(", ")
                )?;
                for s in values {
                    writeln!(
                        out,
                        "    doithoai handle resolve {} --status {}",
                        short(&id.to_string()),
                        s.code()
                    )?;
                }
            }
            Conflict::DuplicateLoop { ids } => {
                writeln!(
                    out,
                    "• {}",
                    l.pick(
                        "Các ý kiến gộp vòng vào nhau:",
                        "Petitions merged into each other in a loop:"
                    )
                )?;
                for id in ids {
                    writeln!(out, "    {}", desc(id))?;
                }
                if let Some(first) = ids.first() {
                    writeln!(
                        out,
                        "    {} doithoai handle reopen {} --reason \"{}\"",
                        l.pick(
                            "Tách một ý kiến ra làm ý kiến gốc:",
                            "Split one off as the original:"
                        ),
                        short(&first.to_string()),
                        l.pick("Ý kiến gốc của nhóm", "Original of the group")
                    )?;
                }
            }
            Conflict::Inconsistent { id, problems } => {
                let ps: Vec<&str> = problems.iter().map(|p| p.label(l)).collect();
                writeln!(out, "• {}: {}", desc(id), ps.join("; "))?;
            }
        }
    }
    Ok(())
}

fn print_view(
    v: &OfficeView,
    reg: &Registry,
    l: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let r = &v.row;
    writeln!(out, "{} {}", l.pick("Ý kiến", "Petition"), r.id)?;
    writeln!(
        out,
        "  {}: {}",
        l.pick("Người dân", "Residents"),
        r.residents
    )?;
    writeln!(out, "  {}: {}", l.pick("Nội dung", "Content"), r.content)?;
    let Some(item) = &v.item else {
        writeln!(
            out,
            "  {}: {} — {} doithoai handle receive {}",
            l.pick("Trạng thái", "Status"),
            Status::Collected.label(l),
            l.pick("vào sổ:", "register it:"),
            short(&r.id)
        )?;
        return Ok(());
    };
    let mut status = item.status.label(l).to_owned();
    if !item.status_conflict.is_empty() {
        let vs: Vec<&str> = item.status_conflict.iter().map(|s| s.label(l)).collect();
        status.push_str(&format!(
            " ⚠ {} {}",
            l.pick("xung đột:", "conflict:"),
            vs.join(" / ")
        ));
    }
    writeln!(out, "  {}: {status}", l.pick("Trạng thái", "Status"))?;
    if let Some(rc) = &item.received {
        let ns: Vec<String> = item.numbers.iter().map(|n| n.to_string()).collect();
        writeln!(
            out,
            "  {}: {} — {} {}",
            l.pick("Số vào sổ", "Register no."),
            ns.join(", "),
            l.pick("ngày", "on"),
            format_date(rc.date)
        )?;
    }
    if let Some(c) = &item.classification {
        writeln!(
            out,
            "  {}: {} — {} — {}: {}{}",
            l.pick("Phân loại", "Classification"),
            c.kind.label(l),
            reg.field_label(&c.field, l),
            l.pick("thẩm quyền", "competence"),
            c.competence.label(l),
            if c.prior.is_empty() {
                String::new()
            } else {
                format!(
                    " — {}: {}",
                    l.pick("đã giải quyết", "handled before by"),
                    c.prior
                )
            }
        )?;
    }
    if let (Some(m), Status::Merged) = (&item.merged, item.status) {
        writeln!(
            out,
            "  {}: {}",
            l.pick("Gộp vào", "Merged into"),
            short(&m.into.to_string())
        )?;
    }
    if let Some(f) = &item.forwarded {
        writeln!(
            out,
            "  {}: {} ({} {}, {})",
            f.mode.label(l),
            f.to,
            l.pick("văn bản số", "letter no."),
            f.letter_no,
            format_date(f.date)
        )?;
    }
    if let Some(f) = &item.filed {
        writeln!(
            out,
            "  {}: {}",
            l.pick("Lý do lưu", "Filed because"),
            f.reason
        )?;
    }
    if let Some(a) = &item.assignment {
        writeln!(
            out,
            "  {}: {} — {} {}{}",
            l.pick("Giao xử lý", "Assigned to"),
            dept_name(reg, &a.department),
            l.pick("hạn", "due"),
            format_date(a.deadline)
                + &item.received.as_ref().map_or_else(String::new, |r| {
                    crate::calendar::unconfirmed_mark(&Calendar::of(reg), r.date, a.deadline, l)
                }),
            if a.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", a.note)
            }
        )?;
    }
    if let Some(a) = &item.answer {
        writeln!(
            out,
            "  {}{}: {} ({}, {})",
            l.pick("Trả lời", "Answer"),
            if a.on_spot {
                l.pick(" tại chỗ", " on the spot")
            } else {
                ""
            },
            a.text,
            a.answered_by,
            format_date(a.date)
        )?;
        if !a.legal_basis.is_empty() {
            writeln!(
                out,
                "    {}: {}",
                l.pick("Căn cứ", "Legal basis"),
                a.legal_basis
            )?;
        }
        if !a.doc_no.is_empty() {
            writeln!(
                out,
                "    {}: {}",
                l.pick("Văn bản số", "Document no."),
                a.doc_no
            )?;
        }
    }
    if let Some(a) = &item.approval {
        writeln!(
            out,
            "  {}: {}",
            l.pick("Người duyệt", "Approved by"),
            a.approver
        )?;
    }
    if let Some(n) = &item.notification {
        writeln!(
            out,
            "  {}: {} — {}{}",
            l.pick("Thông báo", "Notified"),
            n.channel.label(l),
            format_date(n.date),
            if n.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", n.note)
            }
        )?;
    }
    writeln!(out, "{}", l.pick("Nhật ký xử lý:", "Handling log:"))?;
    for e in &item.events {
        let op = doithoai_model::handling::Op::parse(&e.op)
            .map(|o| o.done_label(l).to_owned())
            .unwrap_or_else(|| e.op.clone());
        let at = chrono::DateTime::parse_from_rfc3339(&e.at)
            .map(|d| doithoai_model::time::format_datetime(&d))
            .unwrap_or_else(|_| e.at.clone());
        let change = match (e.from, e.to) {
            (Some(a), Some(b)) if a != b => format!(" ({} → {})", a.label(l), b.label(l)),
            _ => String::new(),
        };
        let note = event_note(&e.op, &e.note, reg, l);
        writeln!(
            out,
            "  • {at} — {} — {op}{change}{}",
            e.by,
            if note.is_empty() {
                String::new()
            } else {
                format!(": {note}")
            }
        )?;
    }
    Ok(())
}

/// An event's note as the clerk reads it: the handling log stores codes ("phan_anh; ha_tang;
/// phuong", "dia_chinh; 2026-10-30"), shown here as labels and dd/mm/yyyy dates.
fn event_note(op: &str, note: &str, reg: &Registry, l: Lang) -> String {
    let parts: Vec<&str> = note.split("; ").collect();
    match (op, parts.as_slice()) {
        ("classify", [kind, field, competence]) => format!(
            "{}; {}; {}",
            PetitionKind::parse(kind).map_or(*kind, |k| k.label(l)),
            reg.field_label(field, l),
            Competence::parse(competence).map_or(*competence, |c| c.label(l)),
        ),
        ("assign", [dept, deadline]) => format!(
            "{}; {} {}",
            dept_name(reg, dept),
            l.pick("hạn", "due"),
            NaiveDate::parse_from_str(deadline, "%Y-%m-%d")
                .map(format_date)
                .unwrap_or_else(|_| (*deadline).to_owned())
        ),
        _ => note.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// doithoai report
// ---------------------------------------------------------------------------------------------

fn parse_pair(s: &str, what_vi: &str, what_en: &str) -> Result<(u32, i32), CliError> {
    let bad = || {
        usage(
            format!("{what_vi} «{s}» không hợp lệ."),
            format!("Invalid {what_en} {s:?}."),
        )
    };
    let (a, b) = s.trim().split_once(['/', '-']).ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

fn report_err(e: doithoai_reports::ReportError) -> CliError {
    office_err(OfficeError::Report(e))
}

/// The period the flags name (this year when none is given).
pub fn period_of(p: &PeriodArgs) -> Result<Period, CliError> {
    let given = [
        p.month.is_some(),
        p.quarter.is_some(),
        p.months.is_some(),
        p.from.is_some() || p.to.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given > 1 || (p.year.is_some() && (p.month.is_some() || p.quarter.is_some())) {
        return Err(usage(
            "Chỉ chọn một kỳ báo cáo: --month, --quarter, --year (có thể kèm --months), hoặc --from/--to.",
            "Choose one period: --month, --quarter, --year (optionally with --months), or --from/--to.",
        ));
    }
    let year = p.year.unwrap_or_else(|| today().year());
    let period = if let Some(m) = &p.month {
        let (m, y) = parse_pair(m, "Tháng", "month (MM/YYYY)")?;
        Period::month(m, y)
    } else if let Some(q) = &p.quarter {
        let (q, y) = parse_pair(q, "Quý", "quarter (Q/YYYY)")?;
        Period::quarter(q, y)
    } else if let Some(n) = p.months {
        Period::first_months(n, year)
    } else if p.from.is_some() || p.to.is_some() {
        let (Some(from), Some(to)) = (&p.from, &p.to) else {
            return Err(usage(
                "Cần cả --from và --to.",
                "Both --from and --to are needed.",
            ));
        };
        Period::range(parse_date(from)?, parse_date(to)?)
    } else {
        Period::year(year)
    };
    period.map_err(report_err)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Csv,
    Xlsx,
}

fn format_of(args: &ReportArgs) -> Result<Format, CliError> {
    let from_ext = args
        .output
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let f = match (
        args.format
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        from_ext.as_deref(),
    ) {
        (Some("text" | "txt"), _) => Format::Text,
        (Some("csv"), _) => Format::Csv,
        (Some("xlsx" | "excel"), _) => Format::Xlsx,
        (Some(other), _) => {
            return Err(usage(
                format!("Định dạng «{other}» không hỗ trợ: text, csv hoặc xlsx."),
                format!("Unsupported format {other:?}: text, csv or xlsx."),
            ));
        }
        (None, Some("xlsx")) => Format::Xlsx,
        (None, Some("csv")) => Format::Csv,
        (None, _) => Format::Text,
    };
    if f == Format::Xlsx && args.output.is_none() {
        return Err(usage(
            "Xuất Excel cần tên tệp: --output ten-tep.xlsx",
            "Excel output needs a file name: --output file.xlsx",
        ));
    }
    if !matches!(args.separator, ',' | ';' | '\t') {
        return Err(usage(
            "Dấu phân cách CSV chỉ có thể là «,», «;» hoặc tab.",
            "The CSV separator must be ',', ';' or a tab.",
        ));
    }
    Ok(f)
}

fn emit(
    args: &ReportArgs,
    bytes: Vec<u8>,
    what_vi: &str,
    what_en: &str,
    count: usize,
    l: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| {
                usage(
                    format!("Không ghi được tệp {}: {e}", path.display()),
                    format!("Cannot write {}: {e}", path.display()),
                )
            })?;
            writeln!(
                out,
                "{}",
                match l {
                    Lang::Vi => format!(
                        "Đã ghi {what_vi} ({count} ý kiến) vào tệp {}.",
                        path.display()
                    ),
                    Lang::En => format!(
                        "Wrote the {what_en} ({count} petitions) to {}.",
                        path.display()
                    ),
                }
            )?;
        }
        None => out.write_all(&bytes)?,
    }
    Ok(())
}

pub async fn run_report(
    app: &App,
    cmd: ReportCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let l = lang;
    let (petitions, handling, registry) = app.report_data().await.map_err(office_err)?;
    let data = Dataset {
        petitions: &petitions,
        handling: &handling,
        registry: &registry,
    };
    match cmd {
        ReportCmd::Register(args) => {
            let period = period_of(&args.period)?;
            let format = format_of(&args)?;
            let r = doithoai_reports::register(data, &period, l);
            let bytes = match format {
                Format::Text => doithoai_reports::text::register_text(&r).into_bytes(),
                Format::Csv => doithoai_reports::csv::register_csv(&r, args.separator),
                Format::Xlsx => doithoai_reports::xlsx::register_xlsx(&r).map_err(report_err)?,
            };
            emit(
                &args,
                bytes,
                "sổ tiếp nhận",
                "register",
                r.rows.len(),
                l,
                out,
            )
        }
        ReportCmd::Summary { args, as_of } => {
            let period = period_of(&args.period)?;
            let format = format_of(&args)?;
            let as_of = match date_opt(&as_of)? {
                Some(d) => d,
                None => today().min(period.to),
            };
            let s = doithoai_reports::summary(data, &period, as_of, l);
            let bytes = match format {
                Format::Text => doithoai_reports::text::summary_text(&s).into_bytes(),
                Format::Csv => doithoai_reports::csv::summary_csv(&s, args.separator),
                Format::Xlsx => doithoai_reports::xlsx::summary_xlsx(&s).map_err(report_err)?,
            };
            emit(
                &args,
                bytes,
                "bảng tổng hợp",
                "summary",
                s.rows.len(),
                l,
                out,
            )
        }
    }
}
