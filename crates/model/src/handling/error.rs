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
    #[error("the date {date} is before the receipt date {received}")]
    BeforeReceipt {
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

pub(super) fn status_list(v: &[Status], lang: Lang) -> String {
    v.iter()
        .map(|s| format!("«{}»", s.label(lang)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to do next when `op` is refused in `status`.
fn hint(op: Op, status: Status, id: &str, lang: Lang) -> String {
    use Status::*;
    let vi_en = |vi: String, en: String| match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };
    match (op, status) {
        (_, Collected) => vi_en(
            format!("Hãy vào sổ trước: doithoai handle receive {id}"),
            format!("Register it first: doithoai handle receive {id}"),
        ),
        (Op::Reopen, _) => vi_en(
            "Chỉ mở lại được ý kiến đã kết thúc, đã thông báo, đã chuyển đơn, đã lưu hoặc đã gộp."
                .into(),
            "Only closed, notified, forwarded, filed or merged petitions can be reopened.".into(),
        ),
        (_, Closed) => vi_en(
            format!(
                "Ý kiến đã kết thúc; muốn xử lý tiếp hãy mở lại: doithoai handle reopen {id} --reason \"...\""
            ),
            format!(
                "The petition is closed; to handle it again reopen it: doithoai handle reopen {id} --reason \"...\""
            ),
        ),
        (_, Merged) => vi_en(
            format!(
                "Ý kiến đã gộp vào ý kiến gốc: hãy xử lý ý kiến gốc, hoặc tách ra bằng: doithoai handle reopen {id} --reason \"...\""
            ),
            format!(
                "The petition is merged into its original: handle the original, or split it off with: doithoai handle reopen {id} --reason \"...\""
            ),
        ),
        (Op::Close, Received | Classified) => vi_en(
            format!(
                "Ý kiến chưa được xử lý: hãy giao xử lý, chuyển đơn hoặc lưu (handle assign / forward / file {id})."
            ),
            format!(
                "The petition has not been handled: assign, forward or file it (handle assign / forward / file {id})."
            ),
        ),
        (_, Received) => vi_en(
            format!(
                "Hãy phân loại trước: doithoai handle classify {id} --field ... --competence phuong"
            ),
            format!(
                "Classify it first: doithoai handle classify {id} --field ... --competence phuong"
            ),
        ),
        (_, Forwarded | Filed) if op != Op::Close && op != Op::Notify => vi_en(
            format!(
                "Ý kiến đã có quyết định «{}»; muốn đổi hãy mở lại: doithoai handle reopen {id} --reason \"...\"",
                status.label(lang)
            ),
            format!(
                "The petition was already decided ({}); to change that reopen it: doithoai handle reopen {id} --reason \"...\"",
                status.label(lang)
            ),
        ),
        (Op::Approve | Op::Notify, Assigned) => vi_en(
            format!("Chưa có nội dung trả lời: doithoai handle answer {id} --text \"...\""),
            format!("There is no answer yet: doithoai handle answer {id} --text \"...\""),
        ),
        (Op::Notify, Answered) => vi_en(
            format!("Trả lời chưa được duyệt: doithoai handle approve {id}"),
            format!("The answer is not approved yet: doithoai handle approve {id}"),
        ),
        (Op::Close, Assigned | Answered | Approved) => vi_en(
            format!(
                "Chưa thông báo kết quả cho người dân: doithoai handle notify {id} --channel to_truong"
            ),
            format!(
                "The resident has not been told yet: doithoai handle notify {id} --channel to_truong"
            ),
        ),
        (Op::Answer, Classified) => vi_en(
            format!(
                "Hãy giao xử lý trước (handle assign {id} --department ...), hoặc nếu đã trả lời tại buổi tiếp xúc thì thêm --on-spot."
            ),
            format!(
                "Assign it first (handle assign {id} --department ...), or add --on-spot if it was answered at a session."
            ),
        ),
        (Op::Answer | Op::AnswerOnSpot | Op::Assign, Approved | Notified) => vi_en(
            format!(
                "Trả lời đã được duyệt hoặc đã thông báo; muốn sửa hãy mở lại: doithoai handle reopen {id} --reason \"...\""
            ),
            format!(
                "The answer is approved or notified; to change it reopen the petition: doithoai handle reopen {id} --reason \"...\""
            ),
        ),
        _ => String::new(),
    }
}

impl Localize for HandlingError {
    fn localize(&self, lang: Lang) -> String {
        use HandlingError::*;
        let no = |n: &Option<RegisterNo>| n.map(|n| n.to_string()).unwrap_or_default();
        match (self, lang) {
            (NotReceived { id }, Lang::Vi) => format!(
                "Ý kiến {id} chưa được vào sổ tiếp nhận. Hãy vào sổ trước: doithoai handle receive {id}"
            ),
            (NotReceived { id }, Lang::En) => format!(
                "Petition {id} is not in the register yet. Register it first: doithoai handle receive {id}"
            ),
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
                let h = hint(*op, *status, id, lang);
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
                "Ý kiến {id} là đơn {} — phải xử lý theo {}, không giao xử lý như kiến nghị thông thường. Hãy chuyển đơn hoặc trả lại đơn và hướng dẫn: doithoai handle forward {id} --to \"...\" [--guide]",
                kind.label(lang).to_lowercase(),
                if *kind == PetitionKind::ToCao {
                    "Luật Tố cáo"
                } else {
                    "Luật Khiếu nại"
                }
            ),
            (Flagged { id, kind }, Lang::En) => format!(
                "Petition {id} is a {}: it is handled under its own law, not assigned like an ordinary petition. Forward it or return it with guidance: doithoai handle forward {id} --to \"...\" [--guide]",
                kind.label(lang).to_lowercase()
            ),
            (NotWardCompetence { id, competence }, Lang::Vi) => format!(
                "Ý kiến {id} không thuộc thẩm quyền của phường (thẩm quyền: {}). Hãy chuyển đơn: doithoai handle forward {id} --to \"...\" --letter \"...\"",
                competence.label(lang)
            ),
            (NotWardCompetence { id, competence }, Lang::En) => format!(
                "Petition {id} is not within the ward's competence ({}). Forward it: doithoai handle forward {id} --to \"...\" --letter \"...\"",
                competence.label(lang)
            ),
            (ReclassifyInHandling { id }, Lang::Vi) => format!(
                "Ý kiến {id} đang được giao xử lý: muốn phân loại là khiếu nại/tố cáo hoặc ngoài thẩm quyền phường, hãy mở lại trước (doithoai handle reopen {id} --reason \"...\")."
            ),
            (ReclassifyInHandling { id }, Lang::En) => format!(
                "Petition {id} is being handled: to classify it as a complaint or outside the ward's competence, reopen it first (doithoai handle reopen {id} --reason \"...\")."
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
            (BeforeReceipt { date, received }, Lang::Vi) => format!(
                "Ngày {} trước ngày vào sổ {}.",
                format_date(*date),
                format_date(*received)
            ),
            (BeforeReceipt { date, received }, Lang::En) => format!(
                "The date {} is before the receipt date {}.",
                format_date(*date),
                format_date(*received)
            ),
            (NoNumberConflict { id, no: n }, Lang::Vi) => format!(
                "Số vào sổ {} của ý kiến {id} không bị trùng. Số đã cấp không được đổi tùy tiện: nếu thật sự cần đổi, hãy ghi lý do bằng --reason \"...\".",
                no(n)
            ),
            (NoNumberConflict { id, no: n }, Lang::En) => format!(
                "Register number {} of petition {id} is not in conflict. A number once given is not changed lightly: if it really must change, give a reason with --reason \"...\".",
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
