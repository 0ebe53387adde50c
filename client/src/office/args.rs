//! The arguments of `doithoai handle` and `doithoai report`.

use super::*;

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
    /// Định dạng: text (in ra màn hình), csv, xlsx hoặc docx (Word, tổng hợp có biểu đồ; mặc
    /// định: theo đuôi tệp --output, không có thì text).
    #[arg(long)]
    pub format: Option<String>,
    /// Tệp kết quả (bắt buộc với xlsx và docx).
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
