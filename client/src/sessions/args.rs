//! The arguments of `doithoai plan` and `doithoai session`.

use super::*;

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
    /// Gửi thông báo cuộc đối thoại tới các tổ dân phố (thời gian, địa điểm, nội dung), ghi trong
    /// văn bản chung của phường: máy của mỗi tổ dân phố thấy trong «Lịch tiếp xúc, đối thoại» sau
    /// khi đồng bộ. Không có --text thì dùng lời mời mẫu theo loại, ngày, địa điểm và chủ đề.
    ///
    /// Ví dụ: doithoai session announce
    ///
    /// doithoai session announce --text "Kính mời Nhân dân dự hội nghị đối thoại" --session 15/06/2026
    Announce {
        /// Nội dung thông báo.
        #[arg(long)]
        text: Option<String>,
        #[command(flatten)]
        sel: Sel,
    },
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
    /// Ghi ý kiến giám sát của Mặt trận Tổ quốc về một kết luận (chỉ máy của MTTQ); văn phòng
    /// phường thấy ý kiến sau khi đồng bộ.
    ///
    /// Ví dụ: doithoai session remark 2 --text "Đề nghị công khai kết quả xử lý" --session 15/06/2026
    Remark {
        /// Số thứ tự kết luận trong cuộc đối thoại (xem session conclusion list), hoặc mã.
        conclusion: String,
        /// Nội dung ý kiến giám sát.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        sel: Sel,
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
    /// Tạm bỏ qua một người đăng ký (chưa có mặt khi được mời): chuyển xuống cuối danh sách để
    /// mời lại sau.
    ///
    /// Ví dụ: doithoai session speaker skip 3
    Skip {
        /// Số thứ tự trong danh sách (hoặc mã).
        speaker: String,
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
