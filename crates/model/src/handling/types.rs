//! Small value types: kinds, competences, channels, register numbers.

use super::*;

// ---------------------------------------------------------------------------------------------
// Small value types
// ---------------------------------------------------------------------------------------------

/// A number in the reception register: numbering starts again at 1 each year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegisterNo {
    pub year: i32,
    pub number: u32,
}

impl fmt::Display for RegisterNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.number, self.year)
    }
}

impl RegisterNo {
    /// Parses `17/2026` (also `17-2026`).
    pub fn parse(s: &str) -> Option<RegisterNo> {
        let (n, y) = s.trim().split_once(['/', '-'])?;
        Some(RegisterNo {
            number: n.trim().parse().ok().filter(|n| *n > 0)?,
            year: y.trim().parse().ok()?,
        })
    }

    pub(super) fn claim_key(&self, id: &Uuid) -> String {
        format!("{}/{}/{}", self.year, self.number, id)
    }
}

/// Whose competence a matter falls in (thẩm quyền).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Competence {
    /// The ward itself (UBND phường).
    Ward,
    /// A higher level: city or province.
    Higher,
    /// A vertical agency: power, water, tax…
    Vertical,
    /// The Party organisation.
    Party,
    /// The Fatherland Front (MTTQ).
    Mttq,
}

impl Competence {
    pub const ALL: [Competence; 5] = [
        Competence::Ward,
        Competence::Higher,
        Competence::Vertical,
        Competence::Party,
        Competence::Mttq,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Competence::Ward => "phuong",
            Competence::Higher => "cap_tren",
            Competence::Vertical => "nganh_doc",
            Competence::Party => "dang",
            Competence::Mttq => "mttq",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Competence::Ward => lang.pick("Phường", "Ward"),
            Competence::Higher => lang.pick(
                "Cấp trên (thành phố, tỉnh)",
                "Higher level (city, province)",
            ),
            Competence::Vertical => lang.pick(
                "Cơ quan ngành dọc (điện, nước, thuế…)",
                "Vertical agency (power, water, tax…)",
            ),
            Competence::Party => lang.pick("Tổ chức Đảng", "Party"),
            Competence::Mttq => lang.pick("Mặt trận Tổ quốc", "Fatherland Front (MTTQ)"),
        }
    }

    /// Parses a code, an English word or the Vietnamese label, with or without diacritics.
    pub fn parse(s: &str) -> Option<Competence> {
        let f = crate::text::fold(s).replace(['-', '_'], " ");
        let f = f.trim();
        Competence::ALL.into_iter().find(|c| {
            c.code().replace('_', " ") == f
                || crate::text::fold(c.label(Lang::Vi)) == f
                || crate::text::fold(c.label(Lang::En)) == f
                || match c {
                    Competence::Ward => matches!(f, "ward" | "ubnd phuong" | "xa"),
                    Competence::Higher => {
                        matches!(f, "higher" | "thanh pho" | "tinh" | "cap tren")
                    }
                    Competence::Vertical => matches!(f, "vertical" | "nganh doc" | "nganh"),
                    Competence::Party => matches!(f, "party" | "dang uy"),
                    Competence::Mttq => matches!(f, "front" | "mat tran" | "mat tran to quoc"),
                }
        })
    }
}

/// How an item outside the ward's flow leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardMode {
    /// Chuyển đơn: sent on to the competent body.
    Forward,
    /// Trả lại đơn và hướng dẫn: returned to the resident with guidance on where to go.
    Guide,
}

impl ForwardMode {
    pub fn code(self) -> &'static str {
        match self {
            ForwardMode::Forward => "chuyen_don",
            ForwardMode::Guide => "huong_dan",
        }
    }
    pub fn parse(s: &str) -> Option<ForwardMode> {
        match crate::text::fold(s).replace(' ', "_").as_str() {
            "chuyen_don" | "chuyen" | "forward" => Some(ForwardMode::Forward),
            "huong_dan" | "tra_lai" | "guide" => Some(ForwardMode::Guide),
            _ => None,
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ForwardMode::Forward => lang.pick("Chuyển đơn", "Forwarded"),
            ForwardMode::Guide => lang.pick("Trả lại đơn và hướng dẫn", "Returned with guidance"),
        }
    }
}

/// How the resident was told the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Through the TDP leader.
    TdpLeader,
    /// A letter or written answer.
    Letter,
    /// At the next meeting (TDP meeting, dialogue session).
    Meeting,
    /// The notice board or the ward's loudspeaker.
    NoticeBoard,
    /// By telephone.
    Phone,
    /// Answered on the spot at a session.
    OnSpot,
    /// Another way (see the note).
    Other,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::TdpLeader,
        Channel::Letter,
        Channel::Meeting,
        Channel::NoticeBoard,
        Channel::Phone,
        Channel::OnSpot,
        Channel::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Channel::TdpLeader => "to_truong",
            Channel::Letter => "van_ban",
            Channel::Meeting => "cuoc_hop",
            Channel::NoticeBoard => "bang_tin",
            Channel::Phone => "dien_thoai",
            Channel::OnSpot => "tai_cho",
            Channel::Other => "khac",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Channel::TdpLeader => lang.pick("Qua tổ trưởng tổ dân phố", "Through the TDP leader"),
            Channel::Letter => lang.pick("Văn bản gửi người dân", "Letter to the resident"),
            Channel::Meeting => lang.pick("Tại cuộc họp, hội nghị", "At a meeting"),
            Channel::NoticeBoard => lang.pick("Bảng tin, loa truyền thanh", "Notice board"),
            Channel::Phone => lang.pick("Điện thoại", "Telephone"),
            Channel::OnSpot => lang.pick("Trả lời tại chỗ", "Answered on the spot"),
            Channel::Other => lang.pick("Hình thức khác", "Other"),
        }
    }
    /// Parses a code or a label, with or without diacritics.
    pub fn parse(s: &str) -> Option<Channel> {
        let f = crate::text::fold(s).replace([' ', '-'], "_");
        Channel::ALL.into_iter().find(|c| {
            c.code() == f
                || crate::text::fold(c.label(Lang::Vi)).replace([' ', '-'], "_") == f
                || crate::text::fold(c.label(Lang::En)).replace([' ', '-'], "_") == f
                || match c {
                    Channel::TdpLeader => matches!(f.as_str(), "tdp" | "to_truong_tdp"),
                    Channel::Letter => matches!(f.as_str(), "letter" | "thu" | "cong_van"),
                    Channel::Meeting => matches!(f.as_str(), "meeting" | "hop" | "hoi_nghi"),
                    Channel::NoticeBoard => matches!(f.as_str(), "board" | "loa"),
                    Channel::Phone => matches!(f.as_str(), "phone"),
                    Channel::OnSpot => matches!(f.as_str(), "on_spot"),
                    Channel::Other => matches!(f.as_str(), "other"),
                }
        })
    }
}

/// An office operation, as logged and as named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Receive,
    Classify,
    Merge,
    Forward,
    File,
    Assign,
    Answer,
    AnswerOnSpot,
    Approve,
    Notify,
    Close,
    Reopen,
    Renumber,
    Resolve,
}

impl Op {
    pub const ALL: [Op; 14] = [
        Op::Receive,
        Op::Classify,
        Op::Merge,
        Op::Forward,
        Op::File,
        Op::Assign,
        Op::Answer,
        Op::AnswerOnSpot,
        Op::Approve,
        Op::Notify,
        Op::Close,
        Op::Reopen,
        Op::Renumber,
        Op::Resolve,
    ];
    /// The code logged in events and change messages (`handling.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Op::Receive => "receive",
            Op::Classify => "classify",
            Op::Merge => "merge",
            Op::Forward => "forward",
            Op::File => "file",
            Op::Assign => "assign",
            Op::Answer => "answer",
            Op::AnswerOnSpot => "answer_on_spot",
            Op::Approve => "approve",
            Op::Notify => "notify",
            Op::Close => "close",
            Op::Reopen => "reopen",
            Op::Renumber => "renumber",
            Op::Resolve => "resolve",
        }
    }
    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.code() == s)
    }
    /// The verb, for messages ("Không thể {label} …").
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Op::Receive => lang.pick("vào sổ", "register"),
            Op::Classify => lang.pick("phân loại", "classify"),
            Op::Merge => lang.pick("gộp trùng", "merge"),
            Op::Forward => lang.pick("chuyển đơn", "forward"),
            Op::File => lang.pick("lưu không xử lý", "file without action"),
            Op::Assign => lang.pick("giao xử lý", "assign"),
            Op::Answer => lang.pick("ghi trả lời", "record an answer to"),
            Op::AnswerOnSpot => lang.pick("ghi trả lời tại chỗ", "record an on-the-spot answer to"),
            Op::Approve => lang.pick("duyệt trả lời", "approve the answer to"),
            Op::Notify => lang.pick("ghi đã thông báo", "mark as notified"),
            Op::Close => lang.pick("kết thúc", "close"),
            Op::Reopen => lang.pick("mở lại", "reopen"),
            Op::Renumber => lang.pick("đánh lại số", "renumber"),
            Op::Resolve => lang.pick("giải quyết xung đột trạng thái", "resolve the status of"),
        }
    }
    /// What happened, for history listings.
    pub fn done_label(self, lang: Lang) -> &'static str {
        match self {
            Op::Receive => lang.pick("Vào sổ tiếp nhận", "Registered"),
            Op::Classify => lang.pick("Phân loại", "Classified"),
            Op::Merge => lang.pick("Gộp trùng", "Merged as duplicate"),
            Op::Forward => lang.pick("Chuyển đơn / hướng dẫn", "Forwarded / guided"),
            Op::File => lang.pick("Lưu, không xử lý", "Filed without action"),
            Op::Assign => lang.pick("Giao xử lý", "Assigned"),
            Op::Answer => lang.pick("Ghi nội dung trả lời", "Answer recorded"),
            Op::AnswerOnSpot => lang.pick("Trả lời tại chỗ", "Answered on the spot"),
            Op::Approve => lang.pick("Duyệt trả lời", "Answer approved"),
            Op::Notify => lang.pick("Thông báo cho người dân", "Resident notified"),
            Op::Close => lang.pick("Kết thúc", "Closed"),
            Op::Reopen => lang.pick("Mở lại", "Reopened"),
            Op::Renumber => lang.pick("Đánh lại số vào sổ", "Renumbered"),
            Op::Resolve => lang.pick("Giải quyết xung đột trạng thái", "Status conflict resolved"),
        }
    }
}
