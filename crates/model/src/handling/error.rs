//! Errors.

use super::*;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why an office operation was refused. Nothing is written when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlingError {
    #[error("petition {id} is not in the register yet")]
    NotReceived { id: String },
    #[error("petition {id} is already in the register")]
    AlreadyReceived { id: String, no: Option<RegisterNo> },
    #[error("cannot {op:?} petition {id} in status {status:?}")]
    Transition { id: String, op: Op, status: Status },
    #[error("petition {id} is a {kind:?}: handled under its own law, forward or guide it")]
    Flagged { id: String, kind: PetitionKind },
    #[error("petition {id} is not within the ward's competence ({competence:?}): forward it")]
    NotWardCompetence { id: String, competence: Competence },
    #[error(
        "petition {id} is being handled; reopen it before classifying it out of the ward's flow"
    )]
    ReclassifyInHandling { id: String },
    #[error("a petition cannot be merged into itself")]
    MergeIntoSelf { id: String },
    #[error("merging {id} into {into} would make a loop")]
    MergeCycle { id: String, into: String },
    #[error("the receipt date {date} is before the petition was collected ({collected})")]
    ReceivedBeforeCollected {
        date: NaiveDate,
        collected: NaiveDate,
    },
    #[error("the date {date} is in the future")]
    FutureDate { date: NaiveDate },
    #[error("the {what} {date} is before the receipt date {received}")]
    BeforeReceipt {
        /// The input: `date` or `deadline`.
        what: &'static str,
        date: NaiveDate,
        received: NaiveDate,
    },
    #[error("petition {id} has no number conflict; give a reason to renumber it")]
    NoNumberConflict { id: String, no: Option<RegisterNo> },
    #[error("petition {id} does not hold number {no}")]
    NotHeld { id: String, no: RegisterNo },
    #[error("petition {id} has no status conflict")]
    NoStatusConflict { id: String },
    #[error("{status:?} is not one of the conflicting statuses of petition {id}")]
    NotAConflictingStatus { id: String, status: Status },
    #[error("{what} is required")]
    Required { what: &'static str },
    #[error("{what} is too long: {actual} characters, at most {max}")]
    TooLong {
        what: &'static str,
        max: usize,
        actual: usize,
    },
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl HandlingError {
    /// The input of the operation this error is about, when it is one the clerk typed or
    /// chose: `forward_to`, `letter_no`, `reason`, `answer`, `legal_basis`, `doc_no`, `note`,
    /// `prior`, `approver`, `field`, `department`, `deadline`, `date`, `status`. The CLI names
    /// its flag, a web form puts the message beside its field; the message itself names neither.
    pub fn input(&self) -> Option<&'static str> {
        use HandlingError::*;
        match self {
            Required { what } | TooLong { what, .. } | BeforeReceipt { what, .. } => Some(what),
            ReceivedBeforeCollected { .. } | FutureDate { .. } => Some("date"),
            NoNumberConflict { .. } => Some("reason"),
            Validation(ValidationError::UnknownDepartment { .. }) => Some("department"),
            Validation(ValidationError::UnknownField { .. }) => Some("field"),
            Validation(ValidationError::BadDate { .. }) => Some("date"),
            _ => None,
        }
    }

    /// The `doithoai handle …` command that does what the message says to do next (for the
    /// CLI; a web page shows its own forms instead).
    pub fn command(&self) -> Option<String> {
        use HandlingError::*;
        use Status::*;
        let c = |s: String| Some(format!("doithoai handle {s}"));
        match self {
            NotReceived { id } => c(format!("receive {id}")),
            Flagged { id, .. } => c(format!("forward {id} --to \"...\" [--guide]")),
            NotWardCompetence { id, .. } => {
                c(format!("forward {id} --to \"...\" --letter \"...\""))
            }
            ReclassifyInHandling { id } => c(format!("reopen {id} --reason \"...\"")),
            Transition { id, op, status } => match (op, status) {
                (_, Collected) => c(format!("receive {id}")),
                (Op::Reopen, _) => None,
                (_, Closed | Merged) => c(format!("reopen {id} --reason \"...\"")),
                (Op::Close, Received | Classified) => c(format!("assign {id} --department ...")),
                (_, Received) => c(format!("classify {id} --field ... --competence phuong")),
                (_, Forwarded | Filed) if *op != Op::Close && *op != Op::Notify => {
                    c(format!("reopen {id} --reason \"...\""))
                }
                (Op::Approve | Op::Notify, Assigned) => c(format!("answer {id} --text \"...\"")),
                (Op::Notify, Answered) => c(format!("approve {id}")),
                (Op::Close, Assigned | Answered | Approved) => {
                    c(format!("notify {id} --channel to_truong"))
                }
                (Op::Answer, Classified) => c(format!(
                    "assign {id} --department ...  (hoặc/or: answer {id} --on-spot --text \"...\")"
                )),
                (Op::Answer | Op::AnswerOnSpot | Op::Assign, Approved | Notified) => {
                    c(format!("reopen {id} --reason \"...\""))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

pub(super) fn status_list(v: &[Status], lang: Lang) -> String {
    v.iter()
        .map(|s| format!("«{}»", s.label(lang)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to do next when `op` is refused in `status`.
fn hint(op: Op, status: Status, lang: Lang) -> String {
    use Status::*;
    let vi_en = |vi: String, en: String| match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };
    match (op, status) {
        (_, Collected) => vi_en(
            "Hãy vào sổ trước (bước «Vào sổ»).".to_owned(),
            "Register it first (the «Register» step).".to_owned(),
        ),
        (Op::Reopen, _) => vi_en(
            "Chỉ mở lại được ý kiến đã kết thúc, đã thông báo, đã chuyển đơn, đã lưu hoặc đã gộp."
                .into(),
            "Only closed, notified, forwarded, filed or merged petitions can be reopened.".into(),
        ),
        (_, Closed) => vi_en(
            "Ý kiến đã kết thúc; muốn xử lý tiếp hãy mở lại, ghi lý do.".to_owned(),
            "The petition is closed; to handle it again reopen it, with a reason.".to_owned(),
        ),
        (_, Merged) => vi_en(
            "Ý kiến đã gộp vào ý kiến gốc: hãy xử lý ý kiến gốc, hoặc tách ra bằng cách mở lại, ghi lý do.".to_owned(),
            "The petition is merged into its original: handle the original, or split it off by reopening it, with a reason.".to_owned(),
        ),
        (Op::Close, Received | Classified) => vi_en(
            "Ý kiến chưa được xử lý: hãy giao xử lý, chuyển đơn hoặc lưu không xử lý.".to_owned(),
            "The petition has not been handled: assign, forward or file it.".to_owned(),
        ),
        (_, Received) => vi_en(
            "Hãy phân loại trước (loại, lĩnh vực, thẩm quyền).".to_owned(),
            "Classify it first (type, field, competence).".to_owned(),
        ),
        (_, Forwarded | Filed) if op != Op::Close && op != Op::Notify => vi_en(
            format!(
                "Ý kiến đã có quyết định «{}»; muốn đổi hãy mở lại, ghi lý do.",
                status.label(lang)
            ),
            format!(
                "The petition was already decided ({}); to change that reopen it, with a reason.",
                status.label(lang)
            ),
        ),
        (Op::Approve | Op::Notify, Assigned) => vi_en(
            "Chưa có nội dung trả lời: hãy ghi trả lời trước.".to_owned(),
            "There is no answer yet: record the answer first.".to_owned(),
        ),
        (Op::Notify, Answered) => vi_en(
            "Trả lời chưa được duyệt: hãy duyệt trả lời trước.".to_owned(),
            "The answer is not approved yet: approve it first.".to_owned(),
        ),
        (Op::Close, Assigned | Answered | Approved) => vi_en(
            "Chưa thông báo kết quả cho người dân: hãy ghi đã thông báo trước.".to_owned(),
            "The resident has not been told yet: record the notification first.".to_owned(),
        ),
        (Op::Answer, Classified) => vi_en(
            "Hãy giao xử lý cho một bộ phận trước, hoặc ghi là đã trả lời tại chỗ nếu đã trả lời tại buổi tiếp xúc.".to_owned(),
            "Assign it to a department first, or record it as answered on the spot if it was answered at a session.".to_owned(),
        ),
        (Op::Answer | Op::AnswerOnSpot | Op::Assign, Approved | Notified) => vi_en(
            "Trả lời đã được duyệt hoặc đã thông báo; muốn sửa hãy mở lại ý kiến, ghi lý do.".to_owned(),
            "The answer is approved or notified; to change it reopen the petition, with a reason.".to_owned(),
        ),
        _ => String::new(),
    }
}

impl Localize for HandlingError {
    fn localize(&self, lang: Lang) -> String {
        use HandlingError::*;
        let no = |n: &Option<RegisterNo>| n.map(|n| n.to_string()).unwrap_or_default();
        match (self, lang) {
            (NotReceived { id }, Lang::Vi) => {
                format!("Ý kiến {id} chưa được vào sổ tiếp nhận. Hãy vào sổ trước.")
            }
            (NotReceived { id }, Lang::En) => {
                format!("Petition {id} is not in the register yet. Register it first.")
            }
            (AlreadyReceived { id, no: n }, Lang::Vi) => {
                format!("Ý kiến {id} đã được vào sổ (số {}).", no(n))
            }
            (AlreadyReceived { id, no: n }, Lang::En) => {
                format!(
                    "Petition {id} is already in the register (number {}).",
                    no(n)
                )
            }
            (Transition { id, op, status }, _) => {
                let h = hint(*op, *status, lang);
                let base = match lang {
                    Lang::Vi => format!(
                        "Không thể {} ý kiến {id} vì ý kiến đang ở trạng thái «{}».",
                        op.label(lang),
                        status.label(lang)
                    ),
                    Lang::En => format!(
                        "Cannot {} petition {id}: its status is «{}».",
                        op.label(lang),
                        status.label(lang)
                    ),
                };
                if h.is_empty() {
                    base
                } else {
                    format!("{base} {h}")
                }
            }
            (Flagged { id, kind }, Lang::Vi) => format!(
                "Ý kiến {id} là đơn {} — phải xử lý theo {}, không giao xử lý như kiến nghị thông thường. Hãy chuyển đơn hoặc trả lại đơn và hướng dẫn.",
                kind.label(lang).to_lowercase(),
                if *kind == PetitionKind::ToCao {
                    "Luật Tố cáo"
                } else {
                    "Luật Khiếu nại"
                }
            ),
            (Flagged { id, kind }, Lang::En) => format!(
                "Petition {id} is a {}: it is handled under its own law, not assigned like an ordinary petition. Forward it or return it with guidance.",
                kind.label(lang).to_lowercase()
            ),
            (NotWardCompetence { id, competence }, Lang::Vi) => format!(
                "Ý kiến {id} không thuộc thẩm quyền của phường (thẩm quyền: {}). Hãy chuyển đơn đến cơ quan có thẩm quyền.",
                competence.label(lang)
            ),
            (NotWardCompetence { id, competence }, Lang::En) => format!(
                "Petition {id} is not within the ward's competence ({}). Forward it to the competent body.",
                competence.label(lang)
            ),
            (ReclassifyInHandling { id }, Lang::Vi) => format!(
                "Ý kiến {id} đang được giao xử lý: muốn phân loại là khiếu nại/tố cáo hoặc ngoài thẩm quyền phường, hãy mở lại trước (ghi lý do)."
            ),
            (ReclassifyInHandling { id }, Lang::En) => format!(
                "Petition {id} is being handled: to classify it as a complaint or outside the ward's competence, reopen it first (with a reason)."
            ),
            (MergeIntoSelf { id }, Lang::Vi) => {
                format!("Không thể gộp ý kiến {id} vào chính nó.")
            }
            (MergeIntoSelf { id }, Lang::En) => {
                format!("Petition {id} cannot be merged into itself.")
            }
            (MergeCycle { id, into }, Lang::Vi) => format!(
                "Không thể gộp {id} vào {into}: {into} đang được gộp (trực tiếp hoặc gián tiếp) vào {id}."
            ),
            (MergeCycle { id, into }, Lang::En) => format!(
                "Cannot merge {id} into {into}: {into} is itself merged (directly or not) into {id}."
            ),
            (ReceivedBeforeCollected { date, collected }, Lang::Vi) => format!(
                "Ngày vào sổ {} trước ngày ghi nhận ý kiến {}.",
                format_date(*date),
                format_date(*collected)
            ),
            (ReceivedBeforeCollected { date, collected }, Lang::En) => format!(
                "The receipt date {} is before the petition was recorded ({}).",
                format_date(*date),
                format_date(*collected)
            ),
            (FutureDate { date }, Lang::Vi) => {
                format!("Ngày {} ở tương lai.", format_date(*date))
            }
            (FutureDate { date }, Lang::En) => {
                format!("The date {} is in the future.", format_date(*date))
            }
            (
                BeforeReceipt {
                    what,
                    date,
                    received,
                },
                Lang::Vi,
            ) => format!(
                "{} {} trước ngày vào sổ {}.",
                if *what == "deadline" {
                    "Hạn giải quyết"
                } else {
                    "Ngày"
                },
                format_date(*date),
                format_date(*received)
            ),
            (
                BeforeReceipt {
                    what,
                    date,
                    received,
                },
                Lang::En,
            ) => format!(
                "The {} {} is before the receipt date {}.",
                if *what == "deadline" {
                    "deadline"
                } else {
                    "date"
                },
                format_date(*date),
                format_date(*received)
            ),
            (NoNumberConflict { id, no: n }, Lang::Vi) => format!(
                "Số vào sổ {} của ý kiến {id} không bị trùng. Số đã cấp không được đổi tùy tiện: nếu thật sự cần đổi, hãy ghi lý do.",
                no(n)
            ),
            (NoNumberConflict { id, no: n }, Lang::En) => format!(
                "Register number {} of petition {id} is not in conflict. A number once given is not changed lightly: if it really must change, give a reason.",
                no(n)
            ),
            (NotHeld { id, no: n }, Lang::Vi) => {
                format!("Ý kiến {id} không mang số vào sổ {n}.")
            }
            (NotHeld { id, no: n }, Lang::En) => {
                format!("Petition {id} does not hold register number {n}.")
            }
            (NoStatusConflict { id }, Lang::Vi) => {
                format!("Ý kiến {id} không có xung đột trạng thái cần giải quyết.")
            }
            (NoStatusConflict { id }, Lang::En) => {
                format!("Petition {id} has no status conflict to resolve.")
            }
            (NotAConflictingStatus { id, status }, _) => {
                let _ = status;
                match lang {
                    Lang::Vi => format!(
                        "«{}» không phải một trong các trạng thái đang xung đột của ý kiến {id}.",
                        status.label(lang)
                    ),
                    Lang::En => format!(
                        "«{}» is not one of the conflicting statuses of petition {id}.",
                        status.label(lang)
                    ),
                }
            }
            (Required { what }, Lang::Vi) => format!("Cần nhập {}.", input_label(what, lang)),
            (Required { what }, Lang::En) => {
                format!("The {} is required.", input_label(what, lang))
            }
            (TooLong { what, max, actual }, Lang::Vi) => format!(
                "Trường «{}» quá dài: {actual} ký tự, tối đa {max} ký tự.",
                input_label(what, lang)
            ),
            (TooLong { what, max, actual }, Lang::En) => format!(
                "The {} is too long: {actual} characters, at most {max}.",
                input_label(what, lang)
            ),
            (Validation(e), l) => e.localize(l),
            (Doc(e), l) => e.localize(l),
        }
    }
}
