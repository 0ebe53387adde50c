//! The dialogue sessions' command line: `doithoai plan ...` and `doithoai session ...`.
//!
//! Made for a secretary recording a session live, offline, in a hall: short commands, the
//! current session remembered (`session use`), speakers, speeches and conclusions named by their
//! number in the lists (`#3` or `3`), times defaulting to now. Messages are in Vietnamese;
//! `--lang en` switches to English. The operations are in [`crate::sessions_app`].

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use doithoai_model::session::{
    self, Category, Chair, Compliance, NewPlanned, NewSession, NewSpeech, PlannedState, Session,
    SessionEdit, SessionError, SessionKind, SessionStatus, Verdict, step_label,
};
use doithoai_model::time::{format_date, parse_date, ward_now};
use doithoai_model::{Lang, Localize, Registry};

use crate::app::App;
use crate::cli::CliError;
use crate::sessions_app::{
    ApplyResult, ConcludeReport, DocKind, DocOverrides, ImportFilter, SessionView, SessionsError,
    short_doc,
};

fn cli_err(e: SessionsError) -> CliError {
    match e {
        SessionsError::App(a) => CliError::App(a),
        other => CliError::Usage {
            vi: other.localize(Lang::Vi),
            en: other.localize(Lang::En),
        },
    }
}

fn s_err(e: SessionError) -> CliError {
    cli_err(SessionsError::Session(e))
}

fn json(out: &mut dyn Write, v: &impl serde::Serialize) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, v).map_err(std::io::Error::other)?;
    writeln!(out)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/// Kế hoạch tiếp xúc, đối thoại trong năm.
#[derive(Debug, Subcommand)]
pub enum PlanCmd {
    /// Thêm một cuộc đối thoại vào kế hoạch năm.
    ///
    /// Ví dụ: doithoai plan add --year 2026 --month 6 --kind dinh_ky
    ///
    /// doithoai plan add --year 2026 --month 10 --kind chuyen_de --topic "Giải phóng mặt bằng đường vành đai"
    Add {
        /// Năm.
        #[arg(long)]
        year: i32,
        /// Tháng dự kiến (1-12).
        #[arg(long)]
        month: u32,
        /// Loại: dinh_ky (định kỳ), chuyen_de (chuyên đề), dot_xuat (đột xuất), thuong_xuyen (thường xuyên).
        #[arg(long)]
        kind: String,
        /// Chủ đề (bắt buộc với đối thoại chuyên đề).
        #[arg(long)]
        topic: Option<String>,
        /// Chủ trì dự kiến, dạng vai_trò=Họ tên (bi_thu, ct_hdnd, ct_ubnd); lặp lại cho nhiều người.
        /// Mặc định theo Kế hoạch: định kỳ có 3 đồng chí đứng đầu, chuyên đề có Bí thư và Chủ tịch UBND.
        #[arg(long = "chair")]
        chairs: Vec<String>,
        /// Ghi chú.
        #[arg(long)]
        note: Option<String>,
    },
    /// Tạo kế hoạch mẫu của năm như Kế hoạch 2024: 01 đối thoại định kỳ tháng 6 và 01 đối thoại
    /// chuyên đề tháng 10 (bỏ qua loại đã có trong kế hoạch năm đó).
    ///
    /// Ví dụ: doithoai plan template --year 2026 --topic "Vệ sinh môi trường, rác thải"
    #[command(alias = "mau")]
    Template {
        /// Năm.
        #[arg(long)]
        year: i32,
        /// Chủ đề của cuộc đối thoại chuyên đề.
        #[arg(long, default_value = "")]
        topic: String,
    },
    /// Xem kế hoạch (mọi năm, hoặc một năm).
    ///
    /// Ví dụ: doithoai plan list --year 2026
    List {
        /// Năm.
        #[arg(long)]
        year: Option<i32>,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Bỏ một cuộc đối thoại khỏi kế hoạch (mã như trong plan list).
    ///
    /// Ví dụ: doithoai plan remove 7f3a9c
    Remove {
        /// Mã (ít nhất 4 ký tự đầu hoặc cuối) hoặc số thứ tự trong plan list.
        id: String,
    },
    /// Kiểm tra việc thực hiện: ít nhất 02 cuộc đối thoại định kỳ/năm, trong đó 01 chuyên đề (Kế
    /// hoạch), ít nhất 01 hội nghị đối thoại do Chủ tịch UBND chủ trì (Luật Thực hiện dân chủ ở cơ
    /// sở 2022, Điều 32); cuộc nào trong kế hoạch đã quá tháng mà chưa tổ chức.
    ///
    /// Ví dụ: doithoai plan check --year 2026
    Check {
        /// Năm.
        #[arg(long)]
        year: i32,
        /// Tính đến ngày (dd/mm/yyyy; mặc định hôm nay).
        #[arg(long)]
        date: Option<String>,
        /// Trả mã lỗi khi chưa đạt (cho kịch bản tự động).
        #[arg(long)]
        strict: bool,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Chọn cuộc đối thoại (mặc định: cuộc đang ghi).
#[derive(Debug, Args, Default, Clone)]
pub struct Sel {
    /// Cuộc đối thoại: vài ký tự đầu của mã hoặc ngày (dd/mm/yyyy); mặc định là cuộc đang ghi
    /// (cuộc vừa tạo, hoặc chọn bằng session use).
    #[arg(long, short = 's')]
    pub session: Option<String>,
}

/// Cuộc tiếp xúc, đối thoại.
#[derive(Debug, Subcommand)]
pub enum SessionCmd {
    /// Tạo cuộc đối thoại mới và chọn nó làm cuộc đang ghi.
    ///
    /// Ví dụ: doithoai session create --kind dinh_ky --date 15/06/2026 --start 08:00
    ///   --place "Hội trường UBND phường" --chair "bi_thu=Đỗ Huy Hoàng"
    ///   --chair "ct_hdnd=Nguyễn Thị Lan" --chair "ct_ubnd=Trần Văn Nam" --secretary "Lê Thị Hoa"
    Create(CreateArgs),
    /// Liệt kê các cuộc đối thoại.
    ///
    /// Ví dụ: doithoai session list --year 2026
    List {
        /// Năm.
        #[arg(long)]
        year: Option<i32>,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Chọn cuộc đối thoại đang ghi (các lệnh sau không cần --session).
    ///
    /// Ví dụ: doithoai session use 15/10/2026
    ///        doithoai session use 4Fz8
    #[command(verbatim_doc_comment)]
    Use {
        /// Vài ký tự đầu của mã, hoặc ngày.
        id: String,
    },
    /// Xem toàn bộ cuộc đối thoại: thành phần, trình tự, người phát biểu, ý kiến, kết luận.
    ///
    /// Ví dụ: doithoai session show
    Show {
        #[command(flatten)]
        sel: Sel,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sửa thông tin chung: loại, ngày, giờ, địa điểm, chủ trì, thư ký, số văn bản.
    ///
    /// Ví dụ: doithoai session set --end 11:30 --report-no "25/BC-UBND"
    Set(SetArgs),
    /// Ghi thành phần tham dự: số được mời và số có mặt theo thành phần, hoặc danh sách tên.
    ///
    /// Thành phần: thuong_truc, mttq, can_bo, co_so, nhan_dan, khac.
    /// Ví dụ: doithoai session attend --category nhan_dan --invited 120 --present 97
    ///
    /// doithoai session attend --category can_bo --name "Phạm Văn Dũng" --unit "Địa chính"
    Attend(AttendArgs),
    /// Người đăng ký phát biểu.
    #[command(subcommand)]
    Speaker(SpeakerCmd),
    /// Ghi thời điểm một bước của trình tự hội nghị (1 khai mạc, 2 thông báo nội dung, 3 nhân dân
    /// phát biểu, 4 trả lời, 5 trao đổi thêm, 6 kết luận); mặc định là giờ hiện tại.
    ///
    /// Ví dụ: doithoai session step 1 --by "Nguyễn Văn Bình - Trưởng khối Dân vận"
    ///
    /// doithoai session step 3 --at 08:40
    Step {
        /// Bước (1-6).
        n: u8,
        /// Giờ bắt đầu (HH:MM; mặc định bây giờ).
        #[arg(long)]
        at: Option<String>,
        /// Người điều hành bước này.
        #[arg(long)]
        by: Option<String>,
        /// Ghi chú.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        sel: Sel,
    },
    /// Ý kiến phát biểu tại hội nghị.
    #[command(subcommand)]
    Speech(SpeechCmd),
    /// Kết luận của chủ trì.
    #[command(subcommand)]
    Conclusion(ConclusionCmd),
    /// Kết thúc hội nghị: ghi các ý kiến đã trả lời tại chỗ (chuyển thẳng sang «đã thông báo») và
    /// giao xử lý theo kết luận vào sổ xử lý của văn phòng. Chạy lại không giao trùng.
    ///
    /// Ví dụ: doithoai session conclude --end 11:30
    Conclude {
        /// Giờ kết thúc (HH:MM).
        #[arg(long)]
        end: Option<String>,
        #[command(flatten)]
        sel: Sel,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ghi chép của thư ký và biên bản hội nghị.
    ///
    /// Ví dụ: doithoai session minutes --append "Đại biểu MTTQ đề nghị công khai kết quả giải quyết."
    ///
    /// doithoai session minutes --format docx --output bien-ban.docx
    ///
    /// doithoai session minutes          (in biên bản ra màn hình)
    Minutes(MinutesArgs),
    /// Báo cáo kết quả tiếp xúc, đối thoại (DOCX theo thể thức văn bản hành chính, hoặc văn bản thường).
    ///
    /// Ví dụ: doithoai session report --format docx --output bao-cao.docx --number "25/BC-UBND"
    ///
    /// doithoai session report --format text
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Loại: dinh_ky (định kỳ), chuyen_de (chuyên đề), dot_xuat (đột xuất), thuong_xuyen (thường xuyên).
    #[arg(long)]
    pub kind: String,
    /// Ngày tổ chức (dd/mm/yyyy).
    #[arg(long)]
    pub date: String,
    /// Giờ bắt đầu (HH:MM).
    #[arg(long)]
    pub start: Option<String>,
    /// Giờ kết thúc (HH:MM).
    #[arg(long)]
    pub end: Option<String>,
    /// Địa điểm.
    #[arg(long, default_value = "")]
    pub place: String,
    /// Chủ đề (bắt buộc với đối thoại chuyên đề).
    #[arg(long, default_value = "")]
    pub topic: String,
    /// Tên hội nghị (mặc định theo loại và chủ đề).
    #[arg(long, default_value = "")]
    pub title: String,
    /// Chủ trì, dạng vai_trò=Họ tên (bi_thu, ct_hdnd, ct_ubnd) hoặc "Chức danh: Họ tên"; lặp lại.
    #[arg(long = "chair")]
    pub chairs: Vec<String>,
    /// Thư ký.
    #[arg(long, default_value = "")]
    pub secretary: String,
    /// Mã cuộc đối thoại trong kế hoạch năm (xem plan list).
    #[arg(long)]
    pub plan: Option<String>,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub sel: Sel,
    /// Loại.
    #[arg(long)]
    pub kind: Option<String>,
    /// Ngày (dd/mm/yyyy).
    #[arg(long)]
    pub date: Option<String>,
    /// Giờ bắt đầu (HH:MM).
    #[arg(long)]
    pub start: Option<String>,
    /// Giờ kết thúc (HH:MM).
    #[arg(long)]
    pub end: Option<String>,
    /// Địa điểm.
    #[arg(long)]
    pub place: Option<String>,
    /// Chủ đề.
    #[arg(long)]
    pub topic: Option<String>,
    /// Tên hội nghị.
    #[arg(long)]
    pub title: Option<String>,
    /// Chủ trì (thay toàn bộ danh sách), dạng vai_trò=Họ tên; lặp lại.
    #[arg(long = "chair")]
    pub chairs: Vec<String>,
    /// Thư ký.
    #[arg(long)]
    pub secretary: Option<String>,
    /// Số, ký hiệu báo cáo (ví dụ 25/BC-UBND).
    #[arg(long)]
    pub report_no: Option<String>,
    /// Mã cuộc đối thoại trong kế hoạch năm.
    #[arg(long)]
    pub plan: Option<String>,
}

#[derive(Debug, Args)]
pub struct AttendArgs {
    #[command(flatten)]
    pub sel: Sel,
    /// Thành phần: thuong_truc, mttq, can_bo, co_so, nhan_dan, khac.
    #[arg(long)]
    pub category: String,
    /// Số được mời.
    #[arg(long)]
    pub invited: Option<u32>,
    /// Số có mặt.
    #[arg(long)]
    pub present: Option<u32>,
    /// Họ tên người dự (lặp lại); ghi vào danh sách có tên.
    #[arg(long = "name")]
    pub names: Vec<String>,
    /// Đơn vị của người dự có tên.
    #[arg(long, default_value = "")]
    pub unit: String,
}

/// Người đăng ký phát biểu.
#[derive(Debug, Subcommand)]
pub enum SpeakerCmd {
    /// Đăng ký phát biểu tại hội nghị. Có --content thì nội dung được ghi thành ý kiến ở bàn tiếp
    /// nhận của văn phòng (máy văn phòng có điểm tiếp nhận), vào sổ tiếp nhận ngày hội nghị với
    /// lĩnh vực đã ghi, để trả lời hoặc giao xử lý như mọi ý kiến khác.
    ///
    /// Ví dụ: doithoai session speaker add --name "Vũ Thị Hằng" --unit "TDP 5"
    ///   --content "Trường mầm non xuống cấp" --field y_te_giao_duc
    Add {
        /// Họ tên.
        #[arg(long)]
        name: String,
        /// Tổ dân phố hoặc đơn vị.
        #[arg(long, default_value = "")]
        unit: String,
        /// Nội dung muốn phát biểu.
        #[arg(long)]
        content: Option<String>,
        /// Lĩnh vực (mã hoặc tên).
        #[arg(long)]
        field: Option<String>,
        /// Ý kiến đã ghi trước đó (mã hoặc số vào sổ như 17/2026, lặp lại).
        #[arg(long = "petition")]
        petitions: Vec<String>,
        #[command(flatten)]
        sel: Sel,
    },
    /// Đưa vào danh sách những người dân đã đăng ký phát biểu khi gửi ý kiến (ý kiến có đánh dấu
    /// muốn phát biểu, chưa giải quyết xong), theo thứ tự đăng ký.
    ///
    /// Ví dụ: doithoai session speaker import --from 01/05/2026
    Import {
        /// Chỉ ý kiến ghi từ ngày (dd/mm/yyyy).
        #[arg(long)]
        from: Option<String>,
        /// Chỉ ý kiến của một điểm tiếp nhận.
        #[arg(long)]
        point: Option<String>,
        #[command(flatten)]
        sel: Sel,
    },
    /// Danh sách người đăng ký phát biểu theo thứ tự.
    ///
    /// Ví dụ: doithoai session speaker list
    ///        doithoai session speaker list --session 15/10/2026
    #[command(verbatim_doc_comment)]
    List {
        #[command(flatten)]
        sel: Sel,
    },
    /// Chuyển người đăng ký tới vị trí khác trong danh sách (theo điều hành của chủ trì).
    ///
    /// Ví dụ: doithoai session speaker move 5 --to 2
    Move {
        /// Số thứ tự hiện tại (hoặc mã).
        speaker: String,
        /// Vị trí mới.
        #[arg(long)]
        to: i64,
        #[command(flatten)]
        sel: Sel,
    },
}

/// Ý kiến phát biểu.
#[derive(Debug, Subcommand)]
pub enum SpeechCmd {
    /// Ghi một ý kiến phát biểu (giờ mặc định là bây giờ). Dùng --speaker cho người đã đăng ký
    /// (số thứ tự trong danh sách), hoặc --name cho người phát biểu thêm.
    ///
    /// Ví dụ: doithoai session speech add --speaker 1 --summary "Đèn ngõ 12 hỏng hai tháng"
    ///   --on-spot --answered-by "Đồng chí Trần Văn Nam, Chủ tịch UBND" --answer "Thay trong tuần"
    ///
    /// doithoai session speech add --name "Đào Văn Hùng" --unit "TDP 2" --summary "Ngập úng" --petition 5e6f7a8b
    Add {
        /// Người đã đăng ký (số thứ tự hoặc mã).
        #[arg(long)]
        speaker: Option<String>,
        /// Họ tên (khi chưa đăng ký).
        #[arg(long, default_value = "")]
        name: String,
        /// Tổ dân phố hoặc đơn vị.
        #[arg(long, default_value = "")]
        unit: String,
        /// Tóm tắt ý kiến.
        #[arg(long)]
        summary: String,
        /// Ý kiến đã ghi trong sổ (mã hoặc số vào sổ như 17/2026, lặp lại); mặc định là ý kiến người
        /// đăng ký đã gửi.
        #[arg(long = "petition")]
        petitions: Vec<String>,
        /// Lĩnh vực (khi không gắn với ý kiến nào).
        #[arg(long)]
        field: Option<String>,
        /// Giờ phát biểu (HH:MM).
        #[arg(long)]
        at: Option<String>,
        /// Đã được trả lời ngay tại hội nghị.
        #[arg(long)]
        on_spot: bool,
        /// Nội dung trả lời.
        #[arg(long, default_value = "")]
        answer: String,
        /// Người trả lời (chủ trì hoặc cán bộ được phân công).
        #[arg(long, default_value = "")]
        answered_by: String,
        #[command(flatten)]
        sel: Sel,
    },
    /// Ghi nội dung trả lời cho một ý kiến đã phát biểu.
    ///
    /// Ví dụ: doithoai session speech answer 2 --answered-by "Cán bộ địa chính" --answer "..." --on-spot
    Answer {
        /// Số thứ tự ý kiến (hoặc mã).
        speech: String,
        /// Nội dung trả lời.
        #[arg(long, default_value = "")]
        answer: String,
        /// Người trả lời.
        #[arg(long, default_value = "")]
        answered_by: String,
        /// Đã trả lời xong tại hội nghị.
        #[arg(long)]
        on_spot: bool,
        #[command(flatten)]
        sel: Sel,
    },
    /// Danh sách ý kiến đã phát biểu: giờ, người phát biểu, tóm tắt, trả lời.
    ///
    /// Ví dụ: doithoai session speech list
    ///        doithoai session speech list --session 15/10/2026
    #[command(verbatim_doc_comment)]
    List {
        #[command(flatten)]
        sel: Sel,
    },
}

/// Kết luận của chủ trì.
#[derive(Debug, Subcommand)]
pub enum ConclusionCmd {
    /// Ghi một kết luận; có --department thì giao bộ phận đó giải quyết các ý kiến trong sổ đã nêu
    /// (--petition) và các ý kiến của những lượt phát biểu đã nêu (--speech), kể cả ý kiến đã trả
    /// lời tại chỗ (thời hạn mặc định 10 ngày làm việc kể từ ngày hội nghị). Lượt phát biểu không
    /// gắn ý kiến nào trong sổ thì không giao được: lệnh báo ngay.
    ///
    /// Ví dụ: doithoai session conclusion add --text "Giao Địa chính kiểm tra, xử lý rác ngõ 7"
    ///   --department dia_chinh --speech 2 --deadline 30/06/2026
    Add {
        /// Nội dung kết luận.
        #[arg(long)]
        text: String,
        /// Bộ phận được giao (mã hoặc tên).
        #[arg(long)]
        department: Option<String>,
        /// Thời hạn (dd/mm/yyyy).
        #[arg(long)]
        deadline: Option<String>,
        /// Ý kiến trong sổ (mã hoặc số vào sổ như 17/2026, lặp lại).
        #[arg(long = "petition")]
        petitions: Vec<String>,
        /// Ý kiến phát biểu (số thứ tự, lặp lại).
        #[arg(long = "speech")]
        speeches: Vec<String>,
        #[command(flatten)]
        sel: Sel,
    },
    /// Danh sách kết luận: nội dung, bộ phận được giao, thời hạn.
    ///
    /// Ví dụ: doithoai session conclusion list
    ///        doithoai session conclusion list --session 15/10/2026
    #[command(verbatim_doc_comment)]
    List {
        #[command(flatten)]
        sel: Sel,
    },
}

#[derive(Debug, Args)]
pub struct MinutesArgs {
    #[command(flatten)]
    pub sel: Sel,
    /// Thay toàn bộ ghi chép của thư ký.
    #[arg(long)]
    pub set: Option<String>,
    /// Thêm một đoạn vào ghi chép.
    #[arg(long)]
    pub append: Option<String>,
    /// Lấy ghi chép từ tệp văn bản (UTF-8).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Xuất biên bản: docx hoặc text.
    #[arg(long)]
    pub format: Option<String>,
    /// Tệp xuất ra.
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub doc: DocArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub sel: Sel,
    /// Định dạng: docx (mặc định) hoặc text.
    #[arg(long, default_value = "docx")]
    pub format: String,
    /// Tệp xuất ra (mặc định: bao-cao-doi-thoai-<ngày>.docx; với text: in ra màn hình).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Đánh giá thêm của văn phòng.
    #[arg(long)]
    pub assessment: Option<String>,
    /// Kiến nghị, đề xuất thêm.
    #[arg(long)]
    pub recommendation: Option<String>,
    #[command(flatten)]
    pub doc: DocArgs,
}

/// Thể thức văn bản.
#[derive(Debug, Args, Default)]
pub struct DocArgs {
    /// Cơ quan chủ quản (dòng trên tên cơ quan), ví dụ "UBND THÀNH PHỐ BẮC GIANG".
    #[arg(long)]
    pub parent: Option<String>,
    /// Tên cơ quan ban hành (\n để xuống dòng); mặc định "ỦY BAN NHÂN DÂN\nPHƯỜNG ...".
    #[arg(long)]
    pub issuer: Option<String>,
    /// Số, ký hiệu văn bản, ví dụ "25/BC-UBND".
    #[arg(long)]
    pub number: Option<String>,
    /// Ngày ban hành (dd/mm/yyyy).
    #[arg(long = "doc-date")]
    pub doc_date: Option<String>,
    /// Địa danh ở dòng ngày tháng, ví dụ "Dĩnh Kế" (mặc định: tên phường).
    #[arg(long)]
    pub locality: Option<String>,
    /// Người ký.
    #[arg(long)]
    pub signer: Option<String>,
    /// Chức vụ người ký, ví dụ "PHÓ CHỦ TỊCH".
    #[arg(long)]
    pub signer_title: Option<String>,
    /// Dòng thẩm quyền ký, ví dụ "TM. ỦY BAN NHÂN DÂN" hoặc "KT. CHỦ TỊCH".
    #[arg(long)]
    pub on_behalf: Option<String>,
    /// Nơi nhận (lặp lại; thay danh sách mặc định).
    #[arg(long = "recipient")]
    pub recipients: Vec<String>,
    /// Ngôn ngữ của văn bản: vi (mặc định) hoặc en.
    #[arg(long = "doc-lang")]
    pub doc_lang: Option<Lang>,
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn parse_kind(s: &str) -> Result<SessionKind, CliError> {
    SessionKind::parse(s).ok_or_else(|| {
        s_err(SessionError::UnknownKind {
            value: s.to_owned(),
        })
    })
}

fn parse_chairs(v: &[String]) -> Result<Vec<Chair>, CliError> {
    v.iter().map(|c| Chair::parse(c).map_err(s_err)).collect()
}

fn parse_time_opt(v: Option<&str>) -> Result<Option<String>, CliError> {
    v.map(session::parse_time).transpose().map_err(s_err)
}

fn parse_category(s: &str) -> Result<Category, CliError> {
    Category::parse(s).ok_or_else(|| {
        s_err(SessionError::UnknownCategory {
            value: s.to_owned(),
        })
    })
}

fn short_pid(id: &uuid::Uuid) -> String {
    doithoai_model::petition::short_id(id)
}

fn petitions_list(ids: &[uuid::Uuid]) -> String {
    ids.iter().map(short_pid).collect::<Vec<_>>().join(", ")
}

fn dept_label(reg: &Registry, id: &str) -> String {
    reg.department(id)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// Dates as the office writes them, joined: "29/10/2026, 16/12/2026".
fn dates_list(d: &[chrono::NaiveDate]) -> String {
    d.iter()
        .map(|x| format_date(*x))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plan_ref(id: &str) -> String {
    session::short_key(id)
}

fn kind_topic(kind: SessionKind, topic: &str, lang: Lang) -> String {
    if topic.trim().is_empty() {
        kind.label(lang).to_owned()
    } else {
        format!("{} «{}»", kind.label(lang), topic.trim())
    }
}

/// Writes bytes to `path` through a temporary file, so a crash never leaves half a document.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------------------------

pub async fn run_plan(
    app: &App,
    cmd: PlanCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        PlanCmd::Add {
            year,
            month,
            kind,
            topic,
            chairs,
            note,
        } => {
            let kind = parse_kind(&kind)?;
            let mut chairs = parse_chairs(&chairs)?;
            if chairs.is_empty() {
                chairs = kind
                    .plan_chairs()
                    .iter()
                    .map(|r| Chair {
                        role: *r,
                        title: String::new(),
                        name: String::new(),
                    })
                    .collect();
            }
            let ids = app
                .plan_add(&[NewPlanned {
                    year,
                    month,
                    kind,
                    topic: topic.unwrap_or_default(),
                    chairs,
                    note: note.unwrap_or_default(),
                }])
                .await
                .map_err(cli_err)?;
            let id = ids.first().map(|i| plan_ref(i)).unwrap_or_default();
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã thêm vào kế hoạch năm {year}: đối thoại {} tháng {month} (mã {id}).",
                    kind.label(lang).to_lowercase()
                )?,
                Lang::En => writeln!(
                    out,
                    "Added to the {year} plan: a {} session in month {month} (id {id}).",
                    kind.label(lang).to_lowercase()
                )?,
            }
            Ok(())
        }
        PlanCmd::Template { year, topic } => {
            let added = app.plan_template(year, &topic).await.map_err(cli_err)?;
            if added.is_empty() {
                writeln!(
                    out,
                    "{}",
                    match lang {
                        Lang::Vi => format!(
                            "Kế hoạch năm {year} đã có đối thoại định kỳ và chuyên đề; không thêm gì."
                        ),
                        Lang::En => format!(
                            "The {year} plan already has a periodic and a thematic session; nothing added."
                        ),
                    }
                )?;
            }
            for p in added {
                match lang {
                    Lang::Vi => writeln!(
                        out,
                        "Đã thêm: tháng {} — {} (mã {}).",
                        p.month,
                        kind_topic(p.kind, &p.topic, lang),
                        plan_ref(&p.id)
                    )?,
                    Lang::En => writeln!(
                        out,
                        "Added: month {} — {} (id {}).",
                        p.month,
                        kind_topic(p.kind, &p.topic, lang),
                        plan_ref(&p.id)
                    )?,
                }
            }
            Ok(())
        }
        PlanCmd::List {
            year,
            json: as_json,
        } => {
            let plan = app.plan(year).await.map_err(cli_err)?;
            if as_json {
                return json(out, &plan);
            }
            if plan.is_empty() {
                writeln!(
                    out,
                    "{}",
                    lang.pick(
                        "Chưa có kế hoạch. Thêm bằng: doithoai plan template --year <năm>  hoặc  doithoai plan add ...",
                        "No plan yet. Add one with: doithoai plan template --year <year>  or  doithoai plan add ..."
                    )
                )?;
                return Ok(());
            }
            let mut last_year = None;
            for (i, p) in plan.iter().enumerate() {
                if last_year != Some(p.year) {
                    writeln!(
                        out,
                        "{} {}:",
                        lang.pick("Kế hoạch tiếp xúc, đối thoại năm", "Dialogue plan for"),
                        p.year
                    )?;
                    last_year = Some(p.year);
                }
                let chairs: Vec<String> = p
                    .chairs
                    .iter()
                    .map(|c| {
                        if c.name.is_empty() {
                            c.title(lang)
                        } else {
                            format!("{} {}", c.title(lang), c.name)
                        }
                    })
                    .collect();
                writeln!(
                    out,
                    "  {}. [{}] {} {:>2} — {}{}",
                    i + 1,
                    plan_ref(&p.id),
                    lang.pick("tháng", "month"),
                    p.month,
                    kind_topic(p.kind, &p.topic, lang),
                    if chairs.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " — {}: {}",
                            lang.pick("chủ trì", "chairs"),
                            chairs.join(", ")
                        )
                    }
                )?;
            }
            Ok(())
        }
        PlanCmd::Remove { id } => {
            let p = app.plan_remove(&id).await.map_err(cli_err)?;
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã bỏ khỏi kế hoạch năm {}: tháng {} — {}.",
                    p.year,
                    p.month,
                    kind_topic(p.kind, &p.topic, lang)
                )?,
                Lang::En => writeln!(
                    out,
                    "Removed from the {} plan: month {} — {}.",
                    p.year,
                    p.month,
                    kind_topic(p.kind, &p.topic, lang)
                )?,
            }
            Ok(())
        }
        PlanCmd::Check {
            year,
            date,
            strict,
            json: as_json,
        } => {
            let today = match date {
                Some(d) => parse_date(&d)?,
                None => ward_now().date_naive(),
            };
            let c = app.plan_check(year, today).await.map_err(cli_err)?;
            if as_json {
                json(out, &c)?;
            } else {
                print_compliance(out, &c, lang)?;
            }
            if strict && c.verdict != Verdict::Met {
                return Err(CliError::Usage {
                    vi: format!("Kế hoạch năm {year}: {}.", c.verdict.label(Lang::Vi)),
                    en: format!("The {year} plan: {}.", c.verdict.label(Lang::En)),
                });
            }
            Ok(())
        }
    }
}

fn print_compliance(out: &mut dyn Write, c: &Compliance, lang: Lang) -> Result<(), CliError> {
    match lang {
        Lang::Vi => writeln!(
            out,
            "Kiểm tra thực hiện kế hoạch tiếp xúc, đối thoại năm {} (tính đến {})",
            c.year,
            format_date(c.today)
        )?,
        Lang::En => writeln!(
            out,
            "Dialogue plan check for {} (as of {})",
            c.year,
            format_date(c.today)
        )?,
    }
    writeln!(
        out,
        "{}: {}",
        lang.pick("Kết quả", "Verdict"),
        c.verdict.label(lang)
    )?;
    let by_kind: Vec<String> = SessionKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                k.label(lang).to_lowercase(),
                c.by_kind.get(k).copied().unwrap_or(0)
            )
        })
        .collect();
    writeln!(
        out,
        "{}: {} {} ({})",
        lang.pick("Đã tổ chức", "Held"),
        c.held.len(),
        lang.pick("cuộc", "sessions"),
        by_kind.join(", ")
    )?;
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let lines: [(bool, String); 3] = [
        (
            c.periodic >= session::REQUIRED_PERIODIC,
            match lang {
                Lang::Vi => format!(
                    "Đối thoại định kỳ (kể cả chuyên đề): {}/{} (Kế hoạch: ít nhất 02 lần/năm)",
                    c.periodic,
                    session::REQUIRED_PERIODIC
                ),
                Lang::En => format!(
                    "Periodic sessions (thematic included): {}/{} (the plan: at least 2 a year)",
                    c.periodic,
                    session::REQUIRED_PERIODIC
                ),
            },
        ),
        (
            c.thematic >= 1,
            match lang {
                Lang::Vi => format!(
                    "Đối thoại chuyên đề: {}/1 (Kế hoạch: ít nhất 01 lần/năm)",
                    c.thematic
                ),
                Lang::En => format!(
                    "Thematic sessions: {}/1 (the plan: at least 1 a year)",
                    c.thematic
                ),
            },
        ),
        (
            c.conferences >= 1,
            match lang {
                Lang::Vi => format!(
                    "Hội nghị đối thoại do Chủ tịch UBND chủ trì: {}/1 (Luật Thực hiện dân chủ ở cơ sở 2022, Điều 32)",
                    c.conferences
                ),
                Lang::En => format!(
                    "Dialogue conferences chaired by the People's Committee chair: {}/1 (Law on Grassroots Democracy 2022, art. 32)",
                    c.conferences
                ),
            },
        ),
    ];
    for (ok, l) in lines {
        writeln!(out, "  {} {l}", mark(ok))?;
    }
    if !c.planned.is_empty() {
        writeln!(out, "{}:", lang.pick("Theo kế hoạch", "Against the plan"))?;
        for p in &c.planned {
            let what = kind_topic(p.planned.kind, &p.planned.topic, lang);
            let (m, state) = match (&p.state, lang) {
                (PlannedState::Held { date, .. }, Lang::Vi) => {
                    ("✓", format!("đã tổ chức ngày {}", format_date(*date)))
                }
                (PlannedState::Held { date, .. }, Lang::En) => {
                    ("✓", format!("held on {}", format_date(*date)))
                }
                (PlannedState::HeldLate { date, .. }, Lang::Vi) => {
                    ("✓", format!("tổ chức muộn, ngày {}", format_date(*date)))
                }
                (PlannedState::HeldLate { date, .. }, Lang::En) => {
                    ("✓", format!("held late, on {}", format_date(*date)))
                }
                (PlannedState::Scheduled { date, .. }, Lang::Vi) => {
                    ("·", format!("đang chuẩn bị, ngày {}", format_date(*date)))
                }
                (PlannedState::Scheduled { date, .. }, Lang::En) => {
                    ("·", format!("in preparation, on {}", format_date(*date)))
                }
                (PlannedState::Late, Lang::Vi) => ("✗", "QUÁ HẠN, chưa tổ chức".to_owned()),
                (PlannedState::Late, Lang::En) => ("✗", "LATE, not held".to_owned()),
                (PlannedState::Upcoming, Lang::Vi) => ("·", "chưa đến hạn".to_owned()),
                (PlannedState::Upcoming, Lang::En) => ("·", "not due yet".to_owned()),
            };
            writeln!(
                out,
                "  {m} {} {:>2} — {what} — {state}",
                lang.pick("Tháng", "Month"),
                p.planned.month
            )?;
        }
    }
    let failures: Vec<_> = c.findings.iter().filter(|f| f.is_failure()).collect();
    let notes: Vec<_> = c.findings.iter().filter(|f| !f.is_failure()).collect();
    if !failures.is_empty() {
        writeln!(
            out,
            "{}:",
            lang.pick("Còn thiếu hoặc chậm", "Missing or late")
        )?;
        for f in failures {
            writeln!(out, "  - {}", f.describe(lang))?;
        }
    }
    if !notes.is_empty() {
        writeln!(out, "{}:", lang.pick("Lưu ý", "Remarks"))?;
        for f in notes {
            writeln!(out, "  - {}", f.describe(lang))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// session
// ---------------------------------------------------------------------------------------------

fn sel(s: &Sel) -> Option<&str> {
    s.session.as_deref()
}

pub async fn run_session(
    app: &App,
    cmd: SessionCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let reg = app.registry().await?;
    match cmd {
        SessionCmd::Create(a) => {
            let plan_id = match a.plan.as_deref() {
                Some(p) => Some(full_plan_id(app, p).await?),
                None => None,
            };
            let new = NewSession {
                kind: parse_kind(&a.kind)?,
                topic: a.topic,
                title: a.title,
                date: parse_date(&a.date)?,
                start: parse_time_opt(a.start.as_deref())?,
                end: parse_time_opt(a.end.as_deref())?,
                place: a.place,
                chairs: parse_chairs(&a.chairs)?,
                secretary: a.secretary,
                plan_id,
            };
            let (doc_id, s) = app.create_session(new).await.map_err(cli_err)?;
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã tạo cuộc đối thoại {} — {} ngày {} (mã {}).\nĐây là cuộc đang ghi; các lệnh doithoai session ... sẽ ghi vào cuộc này.\nTiếp theo: doithoai session speaker import  (người dân đã đăng ký phát biểu), doithoai session step 1",
                    short_doc(&doc_id),
                    s.display_title(lang),
                    format_date(s.date),
                    doc_id
                )?,
                Lang::En => writeln!(
                    out,
                    "Created session {} — {} on {} (id {}).\nIt is the current session; doithoai session ... commands record into it.\nNext: doithoai session speaker import  (residents who asked to speak), doithoai session step 1",
                    short_doc(&doc_id),
                    s.display_title(lang),
                    format_date(s.date),
                    doc_id
                )?,
            }
            Ok(())
        }
        SessionCmd::List {
            year,
            json: as_json,
        } => {
            let list = app.list_sessions(year).await.map_err(cli_err)?;
            if as_json {
                return json(out, &list);
            }
            if list.is_empty() {
                writeln!(
                    out,
                    "{}",
                    lang.pick(
                        "Chưa có cuộc đối thoại nào. Tạo bằng: doithoai session create --kind dinh_ky --date dd/mm/yyyy",
                        "No session yet. Create one with: doithoai session create --kind dinh_ky --date dd/mm/yyyy"
                    )
                )?;
                return Ok(());
            }
            let current = app
                .store
                .meta_get(crate::sessions_app::CURRENT_SESSION)
                .map_err(crate::app::AppError::from)?
                .unwrap_or_default();
            for e in &list {
                writeln!(
                    out,
                    "{} {}  {}  {:<12} {:<14} {}",
                    if e.doc_id == current { "▶" } else { " " },
                    short_doc(&e.doc_id),
                    format_date(e.date),
                    e.kind.label(lang),
                    e.status.label(lang),
                    e.display_title(lang)
                )?;
            }
            Ok(())
        }
        SessionCmd::Use { id } => {
            let (doc_id, s) = app.use_session(&id).await.map_err(cli_err)?;
            writeln!(
                out,
                "{} {} — {} {}.",
                lang.pick("Cuộc đang ghi:", "Current session:"),
                short_doc(&doc_id),
                s.display_title(lang),
                format_date(s.date)
            )?;
            Ok(())
        }
        SessionCmd::Show {
            sel: sl,
            json: as_json,
        } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            if as_json {
                return json(out, &view);
            }
            print_session(out, &view, &reg, lang)
        }
        SessionCmd::Set(a) => {
            let plan_id = match a.plan.as_deref() {
                Some(p) => Some(Some(full_plan_id(app, p).await?)),
                None => None,
            };
            let edit = SessionEdit {
                kind: a.kind.as_deref().map(parse_kind).transpose()?,
                topic: a.topic,
                title: a.title,
                date: a.date.as_deref().map(parse_date).transpose()?,
                start: parse_time_opt(a.start.as_deref())?.map(Some),
                end: parse_time_opt(a.end.as_deref())?.map(Some),
                place: a.place,
                chairs: if a.chairs.is_empty() {
                    None
                } else {
                    Some(parse_chairs(&a.chairs)?)
                },
                secretary: a.secretary,
                plan_id,
                report_no: a.report_no,
            };
            let s = app.edit_session(sel(&a.sel), edit).await.map_err(cli_err)?;
            writeln!(
                out,
                "{} {} ({} {}).",
                lang.pick("Đã cập nhật", "Updated"),
                s.display_title(lang),
                lang.pick("ngày", "on"),
                format_date(s.date)
            )?;
            Ok(())
        }
        SessionCmd::Attend(a) => {
            let category = parse_category(&a.category)?;
            let sel = sel(&a.sel);
            let mut s = None;
            if a.invited.is_some() || a.present.is_some() {
                s = Some(
                    app.set_attendance(sel, category, a.invited, a.present)
                        .await
                        .map_err(cli_err)?,
                );
            }
            if !a.names.is_empty() {
                s = Some(
                    app.add_attendees(sel, &a.names, category, &a.unit)
                        .await
                        .map_err(cli_err)?,
                );
            }
            let Some(s) = s else {
                return Err(CliError::Usage {
                    vi: "Cần ghi --invited, --present hoặc --name.".into(),
                    en: "Give --invited, --present or --name.".into(),
                });
            };
            print_attendance(out, &s, category, lang)
        }
        SessionCmd::Speaker(c) => run_speaker(app, c, lang, out).await,
        SessionCmd::Step {
            n,
            at,
            by,
            note,
            sel: sl,
        } => {
            let s = app
                .record_step(sel(&sl), n, at, by, note)
                .await
                .map_err(cli_err)?;
            let st = s.step(n);
            writeln!(
                out,
                "{} {n}. {} — {}.",
                lang.pick("Bước", "Step"),
                step_label(n, lang),
                st.and_then(|x| x.at.clone()).unwrap_or_default()
            )?;
            if n == 3 && !s.speakers.is_empty() {
                let waiting: Vec<String> = s
                    .speakers
                    .iter()
                    .enumerate()
                    .filter(|(_, sp)| !s.has_spoken(sp))
                    .take(3)
                    .map(|(i, sp)| format!("#{} {}", i + 1, sp.name))
                    .collect();
                if !waiting.is_empty() {
                    writeln!(
                        out,
                        "{} {}",
                        lang.pick("Người phát biểu tiếp theo:", "Next speakers:"),
                        waiting.join(", ")
                    )?;
                }
            }
            Ok(())
        }
        SessionCmd::Speech(c) => run_speech(app, c, &reg, lang, out).await,
        SessionCmd::Conclusion(c) => run_conclusion(app, c, &reg, lang, out).await,
        SessionCmd::Conclude {
            end,
            sel: sl,
            json: as_json,
        } => {
            let end = parse_time_opt(end.as_deref())?;
            let r = app.conclude_session(sel(&sl), end).await.map_err(cli_err)?;
            if as_json {
                return json(out, &r);
            }
            print_conclude(out, &r, &reg, lang)
        }
        SessionCmd::Minutes(a) => {
            let sel = sel(&a.sel);
            let text = match (&a.set, &a.file) {
                (Some(t), _) => Some(t.clone()),
                (None, Some(f)) => Some(std::fs::read_to_string(f)?),
                (None, None) => None,
            };
            if let Some(t) = text {
                app.write_minutes(sel, &t, false).await.map_err(cli_err)?;
                writeln!(
                    out,
                    "{}",
                    lang.pick(
                        "Đã lưu ghi chép của thư ký.",
                        "Saved the secretary's notes."
                    )
                )?;
            }
            if let Some(t) = &a.append {
                app.write_minutes(sel, t, true).await.map_err(cli_err)?;
                writeln!(
                    out,
                    "{}",
                    lang.pick("Đã thêm vào ghi chép.", "Added to the notes.")
                )?;
            }
            let edited = a.set.is_some() || a.file.is_some() || a.append.is_some();
            if edited && a.format.is_none() && a.output.is_none() {
                return Ok(());
            }
            let format = a.format.clone().unwrap_or_else(|| {
                if a.output
                    .as_ref()
                    .and_then(|p| p.extension())
                    .is_some_and(|e| e == "docx")
                {
                    "docx".into()
                } else {
                    "text".into()
                }
            });
            render(
                app,
                sel,
                DocKind::Minutes,
                &format,
                a.output,
                &a.doc,
                None,
                None,
                lang,
                out,
            )
            .await
        }
        SessionCmd::Report(a) => {
            render(
                app,
                sel(&a.sel),
                DocKind::Report,
                &a.format,
                a.output,
                &a.doc,
                a.assessment,
                a.recommendation,
                lang,
                out,
            )
            .await
        }
    }
}

/// The full id of a planned session from what the user typed.
async fn full_plan_id(app: &App, typed: &str) -> Result<String, CliError> {
    let plan = app.plan(None).await.map_err(cli_err)?;
    let keys: Vec<String> = plan.iter().map(|p| p.id.clone()).collect();
    session::find_ref("plan", &keys, typed).map_err(|_| {
        s_err(SessionError::NoSuchPlanned {
            typed: typed.to_owned(),
        })
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    app: &App,
    sel: Option<&str>,
    kind: DocKind,
    format: &str,
    output: Option<PathBuf>,
    d: &DocArgs,
    assessment: Option<String>,
    recommendations: Option<String>,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let docx = match doithoai_model::text::fold(format).as_str() {
        "docx" | "word" => true,
        "text" | "txt" | "van ban" => false,
        other => {
            return Err(CliError::Usage {
                vi: format!("Định dạng «{other}» không hỗ trợ: docx hoặc text."),
                en: format!("Unsupported format {other:?}: docx or text."),
            });
        }
    };
    let overrides = DocOverrides {
        parent: d.parent.clone(),
        issuer: d.issuer.clone(),
        number: d.number.clone(),
        date: d.doc_date.as_deref().map(parse_date).transpose()?,
        locality: d.locality.clone(),
        signer: d.signer.clone(),
        signer_title: d.signer_title.clone(),
        on_behalf: d.on_behalf.clone(),
        recipients: d.recipients.clone(),
        assessment,
        recommendations,
        lang: d.doc_lang.unwrap_or(Lang::Vi),
    };
    let (view, doc) = app
        .session_document(sel, kind, &overrides)
        .await
        .map_err(cli_err)?;
    let stem = match kind {
        DocKind::Report => "bao-cao-doi-thoai",
        DocKind::Minutes => "bien-ban-doi-thoai",
    };
    let date = view.session.date.format("%Y-%m-%d");
    if docx {
        let bytes = doc
            .to_docx()
            .map_err(|e| cli_err(SessionsError::Document(e)))?;
        let path = output.unwrap_or_else(|| PathBuf::from(format!("{stem}-{date}.docx")));
        write_file(&path, &bytes)?;
        writeln!(
            out,
            "{} {} ({} KB).",
            match kind {
                DocKind::Report => lang.pick("Đã xuất báo cáo:", "Report written:"),
                DocKind::Minutes => lang.pick("Đã xuất biên bản:", "Minutes written:"),
            },
            path.display(),
            bytes.len().div_ceil(1024)
        )?;
    } else {
        let text = doc.to_text();
        match output {
            Some(path) => {
                write_file(&path, text.as_bytes())?;
                writeln!(
                    out,
                    "{} {}.",
                    lang.pick("Đã xuất:", "Written:"),
                    path.display()
                )?;
            }
            None => out.write_all(text.as_bytes())?,
        }
    }
    Ok(())
}

async fn run_speaker(
    app: &App,
    cmd: SpeakerCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        SpeakerCmd::Add {
            name,
            unit,
            content,
            field,
            petitions,
            sel: sl,
        } => {
            let reg = app.registry().await?;
            let field = field
                .map(|f| {
                    reg.find_field(&f).map(|x| x.code.clone()).ok_or_else(|| {
                        doithoai_model::ValidationError::UnknownField {
                            value: f.clone(),
                            known: reg.fields.iter().map(|x| x.code.clone()).collect(),
                        }
                    })
                })
                .transpose()?;
            let field_label = field
                .as_deref()
                .map(|f| reg.field_label(f, lang).to_owned());
            let (s, key, created) = app
                .add_walk_in(
                    sel(&sl),
                    &name,
                    &unit,
                    content.as_deref(),
                    field,
                    &petitions,
                )
                .await
                .map_err(cli_err)?;
            let field_label =
                field_label.unwrap_or_else(|| reg.field_label("khac", lang).to_owned());
            let pos = s
                .speakers
                .iter()
                .position(|x| x.key == key)
                .map(|p| p + 1)
                .unwrap_or(0);
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã đăng ký phát biểu #{pos}: {}{}.",
                    name.trim(),
                    created
                        .map(|(p, no)| format!(
                            " — ý kiến ghi vào sổ tiếp nhận với mã {}, số {no}, lĩnh vực {field_label}",
                            short_pid(&p)
                        ))
                        .unwrap_or_default()
                )?,
                Lang::En => writeln!(
                    out,
                    "Registered speaker #{pos}: {}{}.",
                    name.trim(),
                    created
                        .map(|(p, no)| format!(
                            " — petition recorded in the register with id {}, no. {no}, field {field_label}",
                            short_pid(&p)
                        ))
                        .unwrap_or_default()
                )?,
            }
            Ok(())
        }
        SpeakerCmd::Import {
            from,
            point,
            sel: sl,
        } => {
            let filter = ImportFilter {
                from: from.as_deref().map(parse_date).transpose()?,
                point,
            };
            let (s, added) = app
                .import_speakers(sel(&sl), &filter)
                .await
                .map_err(cli_err)?;
            match lang {
                Lang::Vi => writeln!(
                    out,
                    "Đã thêm {} người đăng ký phát biểu từ các ý kiến gửi trước; danh sách có {} người.",
                    added.len(),
                    s.speakers.len()
                )?,
                Lang::En => writeln!(
                    out,
                    "Added {} speakers from petitions sent beforehand; the register has {}.",
                    added.len(),
                    s.speakers.len()
                )?,
            }
            print_speakers(out, &s, lang)
        }
        SpeakerCmd::List { sel: sl } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            print_speakers(out, &view.session, lang)
        }
        SpeakerCmd::Move {
            speaker,
            to,
            sel: sl,
        } => {
            let s = app
                .order_speaker(sel(&sl), &speaker, to)
                .await
                .map_err(cli_err)?;
            print_speakers(out, &s, lang)
        }
    }
}

async fn run_speech(
    app: &App,
    cmd: SpeechCmd,
    reg: &Registry,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        SpeechCmd::Add {
            speaker,
            name,
            unit,
            summary,
            petitions,
            field,
            at,
            on_spot,
            answer,
            answered_by,
            sel: sl,
        } => {
            let speech = NewSpeech {
                speaker: None,
                name,
                unit,
                at: parse_time_opt(at.as_deref())?,
                summary,
                field,
                petitions: Vec::new(),
                on_spot,
                answer,
                answered_by,
            };
            let (s, id) = app
                .add_speech(sel(&sl), speaker.as_deref(), speech, &petitions)
                .await
                .map_err(cli_err)?;
            let pos = s.speeches.iter().position(|x| x.id == id).unwrap_or(0) + 1;
            if let Some(sp) = s.speech(&id) {
                match lang {
                    Lang::Vi => writeln!(
                        out,
                        "Đã ghi ý kiến phát biểu #{pos} của {}{}{}.",
                        sp.name,
                        if sp.at.is_empty() {
                            String::new()
                        } else {
                            format!(" lúc {}", sp.at)
                        },
                        if sp.on_spot {
                            " — đã trả lời tại chỗ"
                        } else {
                            ""
                        }
                    )?,
                    Lang::En => writeln!(
                        out,
                        "Recorded speech #{pos} by {}{}{}.",
                        sp.name,
                        if sp.at.is_empty() {
                            String::new()
                        } else {
                            format!(" at {}", sp.at)
                        },
                        if sp.on_spot {
                            " — answered on the spot"
                        } else {
                            ""
                        }
                    )?,
                }
                if !sp.petitions.is_empty() {
                    writeln!(
                        out,
                        "  {} {}",
                        lang.pick("Ý kiến trong sổ:", "Petitions:"),
                        petitions_list(&sp.petitions)
                    )?;
                }
            }
            let _ = reg;
            Ok(())
        }
        SpeechCmd::Answer {
            speech,
            answer,
            answered_by,
            on_spot,
            sel: sl,
        } => {
            let s = app
                .answer_speech(sel(&sl), &speech, &answer, &answered_by, on_spot)
                .await
                .map_err(cli_err)?;
            let _ = s;
            writeln!(
                out,
                "{} {}{}.",
                lang.pick("Đã ghi trả lời cho ý kiến", "Recorded the answer to speech"),
                speech.trim_start_matches('#'),
                if on_spot {
                    lang.pick(" (trả lời tại chỗ)", " (on the spot)")
                } else {
                    ""
                }
            )?;
            Ok(())
        }
        SpeechCmd::List { sel: sl } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            print_speeches(out, &view.session, lang)
        }
    }
}

async fn run_conclusion(
    app: &App,
    cmd: ConclusionCmd,
    reg: &Registry,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        ConclusionCmd::Add {
            text,
            department,
            deadline,
            petitions,
            speeches,
            sel: sl,
        } => {
            let department = department
                .map(|d| session::find_department(reg, &d))
                .transpose()
                .map_err(s_err)?;
            let deadline = deadline.as_deref().map(parse_date).transpose()?;
            let (s, id) = app
                .add_conclusion(sel(&sl), &text, department, deadline, &petitions, &speeches)
                .await
                .map_err(cli_err)?;
            let pos = s.conclusions.iter().position(|c| c.id == id).unwrap_or(0) + 1;
            if let Some(c) = s.conclusions.iter().find(|c| c.id == id) {
                let cal = doithoai_model::Calendar::of(reg);
                let n = s.conclusion_petitions(c).len();
                let due = dates_list(&s.conclusion_deadlines(c, &cal));
                match (&c.department, lang) {
                    (Some(d), Lang::Vi) => writeln!(
                        out,
                        "Đã ghi kết luận #{pos}: giao {} — hạn {due} — {n} ý kiến trong sổ.",
                        dept_label(reg, d),
                    )?,
                    (Some(d), Lang::En) => writeln!(
                        out,
                        "Recorded conclusion #{pos}: assigned to {} — due {due} — {n} petitions.",
                        dept_label(reg, d),
                    )?,
                    (None, _) => writeln!(
                        out,
                        "{} #{pos}.",
                        lang.pick("Đã ghi kết luận", "Recorded conclusion")
                    )?,
                }
                // What concluding will do otherwise than written, said now.
                if c.department.is_some() && n > 0 {
                    for u in session::conclusion_plan(&s, &cal).unapplied {
                        let mine = match &u {
                            session::Unapplied::OnSpotThenAssigned { conclusion, .. } => {
                                *conclusion == pos
                            }
                            session::Unapplied::AssignedEarlier { conclusion, .. }
                            | session::Unapplied::SpeechWithoutPetition { conclusion, .. } => {
                                *conclusion == c.id
                            }
                            session::Unapplied::NamesNothing { .. } => false,
                        };
                        if mine {
                            writeln!(
                                out,
                                "  {} {}",
                                lang.pick("Lưu ý:", "Note:"),
                                u.describe(lang)
                            )?;
                        }
                    }
                }
                if c.department.is_some() && n == 0 {
                    writeln!(
                        out,
                        "  {}",
                        if c.speeches.is_empty() {
                            lang.pick(
                                "Lưu ý: kết luận chưa gắn với ý kiến nào trong sổ (--petition hoặc --speech) nên sẽ không tạo việc giao xử lý.",
                                "Note: the conclusion names no petition (--petition or --speech), so it will assign nothing in the handling record.",
                            )
                        } else {
                            lang.pick(
                                "Lưu ý: ý kiến phát biểu đã nêu không gắn với ý kiến nào trong sổ nên kết luận sẽ không tạo việc giao xử lý; ghi ý kiến vào sổ rồi thêm --petition <mã>.",
                                "Note: the speeches named raised no petition of the register, so the conclusion will assign nothing in the handling record; record the petition and add --petition <id>.",
                            )
                        }
                    )?;
                }
            }
            Ok(())
        }
        ConclusionCmd::List { sel: sl } => {
            let view = app.session_view(sel(&sl)).await.map_err(cli_err)?;
            print_conclusions(out, &view.session, reg, lang)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

/// One category's attendance, each figure once: those present (counted, or from the named
/// list), the invited when known, and the whole session's figures only when other categories
/// add to them.
fn print_attendance(
    out: &mut dyn Write,
    s: &Session,
    category: Category,
    lang: Lang,
) -> Result<(), CliError> {
    let a = s.attendance.iter().find(|a| a.category == category);
    let named = s
        .attendees
        .iter()
        .filter(|x| x.category == category)
        .count();
    let present = s.present_in(category);
    let invited = a.and_then(|a| a.invited);
    let counted = a.and_then(|a| a.present).is_some();
    let mut line = match lang {
        Lang::Vi => format!(
            "Thành phần {}: {present} người có mặt",
            category.label(lang)
        ),
        Lang::En => format!("Attendance, {}: {present} present", category.label(lang)),
    };
    if let Some(i) = invited {
        line.push_str(&match lang {
            Lang::Vi => format!("/{i} người được mời"),
            Lang::En => format!(" of {i} invited"),
        });
    }
    if named > 0 {
        line.push_str(&match (lang, counted) {
            (Lang::Vi, false) => " (theo danh sách có tên)".to_owned(),
            (Lang::En, false) => " (from the list of names)".to_owned(),
            (Lang::Vi, true) => format!(" ({named} người trong danh sách có tên)"),
            (Lang::En, true) => format!(" ({named} named)"),
        });
    }
    writeln!(out, "{line}.")?;
    let others = Category::ALL.iter().any(|c| {
        *c != category && (s.present_in(*c) > 0 || s.attendance.iter().any(|a| a.category == *c))
    });
    if others {
        let (p, i) = (s.present_total(), s.invited_total());
        match (lang, i) {
            (Lang::Vi, 0) => writeln!(out, "Cả hội nghị: {p} người có mặt.")?,
            (Lang::Vi, i) => writeln!(out, "Cả hội nghị: {p} người có mặt/{i} người được mời.")?,
            (Lang::En, 0) => writeln!(out, "Whole session: {p} present.")?,
            (Lang::En, i) => writeln!(out, "Whole session: {p} present of {i} invited.")?,
        }
    }
    Ok(())
}

fn print_speakers(out: &mut dyn Write, s: &Session, lang: Lang) -> Result<(), CliError> {
    writeln!(
        out,
        "{} ({}):",
        lang.pick("Người đăng ký phát biểu", "Registered speakers"),
        s.speakers.len()
    )?;
    for (i, sp) in s.speakers.iter().enumerate() {
        let unit = if sp.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", sp.unit)
        };
        let done = if s.has_spoken(sp) {
            lang.pick(" — đã phát biểu", " — has spoken")
        } else {
            ""
        };
        writeln!(
            out,
            "  #{} {}{unit} — {}{}{done}",
            i + 1,
            sp.name,
            sp.source.label(lang),
            if sp.petitions.is_empty() {
                String::new()
            } else {
                format!(
                    " — {} {}",
                    lang.pick("ý kiến", "petition"),
                    petitions_list(&sp.petitions)
                )
            }
        )?;
        if !sp.topic.is_empty() {
            writeln!(out, "      {}", truncate(&sp.topic, 90))?;
        }
    }
    Ok(())
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

fn print_speeches(out: &mut dyn Write, s: &Session, lang: Lang) -> Result<(), CliError> {
    writeln!(
        out,
        "{} ({}):",
        lang.pick("Ý kiến phát biểu", "Speeches"),
        s.speeches.len()
    )?;
    for (i, sp) in s.speeches.iter().enumerate() {
        let unit = if sp.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", sp.unit)
        };
        writeln!(
            out,
            "  #{} {}{}{unit}: {}{}",
            i + 1,
            if sp.at.is_empty() {
                String::new()
            } else {
                format!("{} ", sp.at)
            },
            sp.name,
            sp.summary,
            if sp.petitions.is_empty() {
                String::new()
            } else {
                format!(" [{}]", petitions_list(&sp.petitions))
            }
        )?;
        if !sp.answer.is_empty() || !sp.answered_by.is_empty() || sp.on_spot {
            writeln!(
                out,
                "      ↳ {}{}{}",
                if sp.on_spot {
                    lang.pick("Trả lời tại chỗ", "Answered on the spot")
                } else {
                    lang.pick("Trả lời", "Answer")
                },
                if sp.answered_by.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", sp.answered_by)
                },
                if sp.answer.is_empty() {
                    String::new()
                } else {
                    format!(": {}", sp.answer)
                }
            )?;
        }
    }
    Ok(())
}

fn print_conclusions(
    out: &mut dyn Write,
    s: &Session,
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    let cal = doithoai_model::Calendar::of(reg);
    writeln!(
        out,
        "{} ({}):",
        lang.pick("Kết luận", "Conclusions"),
        s.conclusions.len()
    )?;
    for (i, c) in s.conclusions.iter().enumerate() {
        let n = s.conclusion_petitions(c).len();
        writeln!(
            out,
            "  #{} {}{}",
            i + 1,
            c.text,
            match &c.department {
                Some(d) => format!(
                    " → {} ({} {}; {n} {})",
                    dept_label(reg, d),
                    lang.pick("hạn", "due"),
                    dates_list(&s.conclusion_deadlines(c, &cal)),
                    lang.pick("ý kiến", "petitions")
                ),
                None => String::new(),
            }
        )?;
    }
    Ok(())
}

fn print_session(
    out: &mut dyn Write,
    v: &SessionView,
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    let s = &v.session;
    writeln!(
        out,
        "{} {} — {}",
        lang.pick("Cuộc đối thoại", "Session"),
        short_doc(&v.doc_id),
        s.display_title(lang)
    )?;
    let time = match (s.start_time(), &s.end) {
        (Some(a), Some(b)) => format!(" {a}–{b}"),
        (Some(a), None) => format!(" {a}"),
        _ => String::new(),
    };
    writeln!(
        out,
        "  {}: {} | {}: {}{time} | {}: {}",
        lang.pick("Loại", "Kind"),
        kind_topic(s.kind, &s.topic, lang),
        lang.pick("Ngày", "Date"),
        format_date(s.date),
        lang.pick("Địa điểm", "Place"),
        if s.place.is_empty() { "—" } else { &s.place }
    )?;
    let chairs: Vec<String> = s
        .chairs
        .iter()
        .map(|c| format!("{} ({})", c.name, c.title(lang)))
        .collect();
    writeln!(
        out,
        "  {}: {} | {}: {}",
        lang.pick("Chủ trì", "Chairs"),
        if chairs.is_empty() {
            "—".to_owned()
        } else {
            chairs.join(", ")
        },
        lang.pick("Thư ký", "Secretary"),
        if s.secretary.is_empty() {
            "—"
        } else {
            &s.secretary
        }
    )?;
    writeln!(
        out,
        "  {}: {}{}",
        lang.pick("Trạng thái", "Status"),
        s.status().label(lang),
        if s.report_no.is_empty() {
            String::new()
        } else {
            format!(
                " | {}: {}",
                lang.pick("Số báo cáo", "Report no."),
                s.report_no
            )
        }
    )?;
    writeln!(
        out,
        "{}: {} {} / {} {}",
        lang.pick("Thành phần", "Attendance"),
        s.present_total(),
        lang.pick("có mặt", "present"),
        s.invited_total(),
        lang.pick("được mời", "invited")
    )?;
    for c in Category::ALL {
        let a = s.attendance.iter().find(|a| a.category == c);
        let present = s.present_in(c);
        if a.is_none() && present == 0 {
            continue;
        }
        writeln!(
            out,
            "  - {}: {}/{}",
            c.label(lang),
            present,
            a.and_then(|a| a.invited)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into())
        )?;
    }
    writeln!(out, "{}:", lang.pick("Trình tự", "Proceedings"))?;
    for st in &s.steps {
        writeln!(
            out,
            "  {} {}. {}{}{}",
            if st.at.is_some() { "✓" } else { "·" },
            st.n,
            step_label(st.n, lang),
            st.at
                .as_ref()
                .map(|t| format!(" — {t}"))
                .unwrap_or_default(),
            if st.by.is_empty() {
                String::new()
            } else {
                format!(" — {}", st.by)
            }
        )?;
    }
    print_speakers(out, s, lang)?;
    print_speeches(out, s, lang)?;
    print_conclusions(out, s, reg, lang)?;
    let sum = &v.summary;
    match lang {
        Lang::Vi => writeln!(
            out,
            "Số liệu: {} nội dung — {} trả lời tại chỗ, {} giao xử lý, {} ghi nhận.",
            sum.total, sum.on_spot, sum.assigned, sum.noted
        )?,
        Lang::En => writeln!(
            out,
            "Figures: {} matters — {} answered on the spot, {} assigned, {} noted.",
            sum.total, sum.on_spot, sum.assigned, sum.noted
        )?,
    }
    if !s.minutes.trim().is_empty() {
        writeln!(
            out,
            "{}:",
            lang.pick("Ghi chép của thư ký", "Secretary's notes")
        )?;
        for l in s.minutes.lines() {
            writeln!(out, "  {l}")?;
        }
    }
    if s.status() == SessionStatus::Concluded {
        let n = s.applied.len();
        match lang {
            Lang::Vi => writeln!(
                out,
                "Đã kết luận: {n} việc đã ghi vào sổ xử lý của văn phòng."
            )?,
            Lang::En => writeln!(
                out,
                "Concluded: {n} items carried into the office's handling record."
            )?,
        }
    }
    Ok(())
}

fn print_conclude(
    out: &mut dyn Write,
    r: &ConcludeReport,
    reg: &Registry,
    lang: Lang,
) -> Result<(), CliError> {
    let on_spot: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::AnsweredOnSpot))
        .collect();
    let assigned: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::Assigned { .. }))
        .collect();
    let already: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::Already { .. }))
        .collect();
    let skipped: Vec<_> = r
        .lines
        .iter()
        .filter(|l| matches!(l.result, ApplyResult::Skipped { .. }))
        .collect();
    writeln!(
        out,
        "{} {}.",
        lang.pick("Đã kết luận cuộc đối thoại", "Concluded session"),
        short_doc(&r.doc_id)
    )?;
    let no = |l: &crate::sessions_app::ApplyLine| {
        l.register_no
            .as_ref()
            .map(|n| format!(" ({} {n})", lang.pick("số", "no.")))
            .unwrap_or_default()
    };
    writeln!(
        out,
        "  {}: {}",
        lang.pick(
            "Trả lời tại chỗ (chuyển thẳng sang «Đã thông báo»)",
            "Answered on the spot (straight to notified)"
        ),
        on_spot.len()
    )?;
    for l in on_spot {
        writeln!(
            out,
            "    - {}{} — {} #{}",
            short_pid(&l.pid),
            no(l),
            lang.pick("ý kiến phát biểu", "speech"),
            l.position
        )?;
    }
    writeln!(
        out,
        "  {}: {}",
        lang.pick("Giao xử lý theo kết luận", "Assigned by the conclusions"),
        assigned.len()
    )?;
    for l in assigned {
        if let ApplyResult::Assigned {
            department,
            deadline,
            conclusion_deadline,
        } = &l.result
        {
            writeln!(
                out,
                "    - {}{} → {}, {} {} ({} #{})",
                short_pid(&l.pid),
                no(l),
                dept_label(reg, department),
                lang.pick("hạn", "due"),
                format_date(*deadline),
                lang.pick("kết luận", "conclusion"),
                l.position
            )?;
            if let Some(asked) = conclusion_deadline {
                let why = match lang {
                    Lang::Vi => format!(
                        "      Hạn {} của kết luận trước ngày tiếp nhận ý kiến: tính 10 ngày làm việc từ ngày tiếp nhận.",
                        format_date(*asked)
                    ),
                    Lang::En => format!(
                        "      The conclusion's deadline {} is before the petition was received: 10 working days from the receipt given instead.",
                        format_date(*asked)
                    ),
                };
                writeln!(out, "{why}")?;
            }
        }
    }
    if !already.is_empty() {
        writeln!(
            out,
            "  {}: {}",
            lang.pick(
                "Đã ghi từ trước (không ghi lại)",
                "Already recorded (not repeated)"
            ),
            already.len()
        )?;
    }
    if !skipped.is_empty() {
        writeln!(
            out,
            "  {}: {}",
            lang.pick("Không thực hiện", "Not done"),
            skipped.len()
        )?;
        for l in skipped {
            if let ApplyResult::Skipped { vi, en } = &l.result {
                writeln!(
                    out,
                    "    - {}{}: {}",
                    short_pid(&l.pid),
                    no(l),
                    lang.pick(vi, en)
                )?;
            }
        }
    }
    if !r.unapplied.is_empty() {
        writeln!(
            out,
            "  {}: {}",
            lang.pick(
                "Kết luận chưa ghi được như đã nêu (lý do)",
                "Conclusions not carried out as written (why)"
            ),
            r.unapplied.len()
        )?;
        for u in &r.unapplied {
            writeln!(out, "    - {}", u.describe(lang))?;
        }
    }
    writeln!(
        out,
        "{}",
        lang.pick(
            "Sổ xử lý của văn phòng đã được cập nhật; khi có mạng chạy doithoai sync để gửi về máy chủ.",
            "The office's handling record is updated; run doithoai sync when online to send it to the server."
        )
    )?;
    Ok(())
}
