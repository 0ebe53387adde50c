//! The lifecycle of a petition as the office sees it (domain notes): received → classified → one
//! of merged / forwarded / filed / assigned → answered → approved → notified → closed; a closed
//! item can be reopened. Before the office receives it, a petition is `collected`.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded at a collection point, not yet in the office's register.
    Collected,
    /// In the register, with a number.
    Received,
    /// Type, field and competence set.
    Classified,
    /// Merged into another petition as a duplicate (kept and linked).
    Merged,
    /// Forwarded to the competent body.
    Forwarded,
    /// Filed without action, with a reason.
    Filed,
    /// Assigned to a department with a deadline.
    Assigned,
    /// An answer is drafted.
    Answered,
    /// The answer is approved.
    Approved,
    /// The resident was told.
    Notified,
    /// Closed.
    Closed,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Collected,
        Status::Received,
        Status::Classified,
        Status::Merged,
        Status::Forwarded,
        Status::Filed,
        Status::Assigned,
        Status::Answered,
        Status::Approved,
        Status::Notified,
        Status::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Collected => "collected",
            Status::Received => "received",
            Status::Classified => "classified",
            Status::Merged => "merged",
            Status::Forwarded => "forwarded",
            Status::Filed => "filed",
            Status::Assigned => "assigned",
            Status::Answered => "answered",
            Status::Approved => "approved",
            Status::Notified => "notified",
            Status::Closed => "closed",
        }
    }

    /// Parses a code or a label in either language, with or without diacritics.
    pub fn parse(s: &str) -> Option<Status> {
        let f = crate::text::fold(s);
        Status::ALL.into_iter().find(|st| {
            st.code() == f
                || crate::text::fold(st.label(Lang::Vi)) == f
                || crate::text::fold(st.label(Lang::En)) == f
        })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Collected => lang.pick("Mới ghi nhận", "Collected"),
            Status::Received => lang.pick("Đã tiếp nhận", "Received"),
            Status::Classified => lang.pick("Đã phân loại", "Classified"),
            Status::Merged => lang.pick("Đã gộp (trùng)", "Merged (duplicate)"),
            Status::Forwarded => lang.pick("Đã chuyển đơn", "Forwarded"),
            Status::Filed => lang.pick("Lưu, không xử lý", "Filed without action"),
            Status::Assigned => lang.pick("Đã giao xử lý", "Assigned"),
            Status::Answered => lang.pick("Đã có trả lời", "Answered"),
            Status::Approved => lang.pick("Đã duyệt trả lời", "Answer approved"),
            Status::Notified => lang.pick("Đã thông báo", "Resident notified"),
            Status::Closed => lang.pick("Đã kết thúc", "Closed"),
        }
    }
}

/// The label of a status code, or the code itself when unknown.
pub fn status_label(code: &str, lang: Lang) -> String {
    Status::parse(code)
        .map(|s| s.label(lang).to_owned())
        .unwrap_or_else(|| code.to_owned())
}
