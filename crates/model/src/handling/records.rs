//! The records the office keeps per petition.

use super::*;

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/// Entry into the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Received {
    /// The day the office received it: deadlines count from here.
    pub date: NaiveDate,
    /// The collection point it came from.
    pub point: String,
    pub at: String,
    pub by: String,
}

/// A claim of a register number by a petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub no: RegisterNo,
    pub id: Uuid,
    pub at: String,
    pub by: String,
    pub device: String,
    /// Set when a clerk renumbered the petition: the number is no longer its own but is never
    /// given to another petition.
    pub released: Option<Release>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    pub at: String,
    pub by: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub kind: PetitionKind,
    pub field: String,
    pub competence: Competence,
    /// The body that already handled the matter, if any (Mẫu 03, column 8).
    pub prior: String,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Merge {
    /// The petition this one duplicates.
    pub into: Uuid,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forwarding {
    pub mode: ForwardMode,
    /// To whom.
    pub to: String,
    /// The letter's number.
    pub letter_no: String,
    pub date: NaiveDate,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filing {
    pub reason: String,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// The department id (registry).
    pub department: String,
    pub deadline: NaiveDate,
    pub note: String,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub text: String,
    pub legal_basis: String,
    /// The number of the answering document.
    pub doc_no: String,
    /// The official who answered.
    pub answered_by: String,
    /// Answered on the spot at a session.
    pub on_spot: bool,
    pub date: NaiveDate,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub approver: String,
    pub note: String,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub channel: Channel,
    pub date: NaiveDate,
    pub note: String,
    /// The status the item was notified from (approved, forwarded, filed, or an earlier one for
    /// an on-the-spot answer).
    pub from: Status,
    pub at: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub note: String,
    /// The status the item was closed from.
    pub from: Status,
    pub at: String,
    pub by: String,
}

/// One entry of a petition's handling log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: String,
    pub op: String,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub note: String,
    pub at: String,
    pub by: String,
    pub device: String,
}

/// Everything the office recorded about one petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: Uuid,
    /// The status (when laptops disagreed, the value Automerge keeps as the winner).
    pub status: Status,
    /// Every distinct status written concurrently, when there is more than one.
    pub status_conflict: Vec<Status>,
    pub received: Option<Received>,
    /// The register numbers this petition holds (more than one is a conflict), smallest first.
    pub numbers: Vec<RegisterNo>,
    pub classification: Option<Classification>,
    pub merged: Option<Merge>,
    pub forwarded: Option<Forwarding>,
    pub filed: Option<Filing>,
    pub assignment: Option<Assignment>,
    pub answer: Option<Answer>,
    pub approval: Option<Approval>,
    pub notification: Option<Notification>,
    pub closure: Option<Closure>,
    /// The log, oldest first.
    pub events: Vec<Event>,
}

impl Item {
    pub(super) fn empty(id: Uuid) -> Item {
        Item {
            id,
            status: Status::Collected,
            status_conflict: Vec::new(),
            received: None,
            numbers: Vec::new(),
            classification: None,
            merged: None,
            forwarded: None,
            filed: None,
            assignment: None,
            answer: None,
            approval: None,
            notification: None,
            closure: None,
            events: Vec::new(),
        }
    }

    /// The register number shown for the petition (the smallest it holds).
    pub fn number(&self) -> Option<RegisterNo> {
        self.numbers.first().copied()
    }

    /// The petition type as classified.
    pub fn kind(&self) -> Option<PetitionKind> {
        self.classification.as_ref().map(|c| c.kind)
    }

    /// A complaint or denunciation: handled under its own law and routed out.
    pub fn is_flagged(&self) -> bool {
        self.kind().is_some_and(PetitionKind::is_flagged)
    }

    /// The field as classified.
    pub fn field(&self) -> Option<&str> {
        self.classification.as_ref().map(|c| c.field.as_str())
    }

    /// The petition this one is merged into, while its status is `merged`
    /// (Also once the duplicate is closed: it stays part of its group.)
    pub fn duplicate_of(&self) -> Option<Uuid> {
        let merged = match self.status {
            Status::Merged => true,
            Status::Closed => self
                .closure
                .as_ref()
                .is_some_and(|c| c.from == Status::Merged),
            _ => false,
        };
        if merged {
            self.merged.as_ref().map(|m| m.into)
        } else {
            None
        }
    }

    /// Answered on the spot at a session.
    pub fn answered_on_spot(&self) -> bool {
        self.answer.as_ref().is_some_and(|a| a.on_spot)
    }

    /// What is inconsistent in the record (empty when the lifecycle makes sense): each status
    /// must rest on the records that lead to it.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        let s = self.status;
        if s == Status::Collected {
            return p;
        }
        if self.received.is_none() {
            p.push(Problem::NoReceipt);
        }
        if self.numbers.is_empty() {
            p.push(Problem::NoNumber);
        }
        if s == Status::Classified && self.classification.is_none() {
            p.push(Problem::NoClassification);
        }
        if s == Status::Merged && self.merged.is_none() {
            p.push(Problem::NoMerge);
        }
        if s == Status::Forwarded && self.forwarded.is_none() {
            p.push(Problem::NoForwarding);
        }
        if s == Status::Filed && self.filed.as_ref().is_none_or(|f| f.reason.is_empty()) {
            p.push(Problem::NoFilingReason);
        }
        if matches!(s, Status::Assigned | Status::Answered | Status::Approved)
            && self.assignment.is_none()
        {
            p.push(Problem::NoAssignment);
        }
        if matches!(s, Status::Answered | Status::Approved) && self.answer.is_none() {
            p.push(Problem::NoAnswer);
        }
        if s == Status::Approved && self.approval.is_none() {
            p.push(Problem::NoApproval);
        }
        if s == Status::Notified
            && (self.notification.is_none()
                || (self.answer.is_none() && self.forwarded.is_none() && self.filed.is_none()))
        {
            p.push(Problem::NoNotification);
        }
        if s == Status::Closed {
            if self.closure.is_none() {
                p.push(Problem::NoClosure);
            }
            if !self.has_outcome() {
                p.push(Problem::ClosedWithoutWhy);
            }
        }
        if !self.events.iter().any(|e| e.to == Some(s)) {
            p.push(Problem::NoEvent);
        }
        p
    }

    /// Decisions that contradict each other, as two laptops can make them offline (assigned on
    /// one while classified as a complaint on the other): shown to a clerk, never fatal.
    pub fn warnings(&self) -> Vec<Problem> {
        let mut w = Vec::new();
        if matches!(
            self.status,
            Status::Assigned | Status::Answered | Status::Approved
        ) {
            if self.is_flagged() {
                w.push(Problem::AssignedButFlagged);
            }
            if self
                .classification
                .as_ref()
                .is_some_and(|c| c.competence != Competence::Ward)
            {
                w.push(Problem::AssignedOutsideCompetence);
            }
        }
        w
    }

    /// Whether a record explains an end of handling.
    pub fn has_outcome(&self) -> bool {
        (self.assignment.is_some() && self.answer.is_some())
            || self.forwarded.is_some()
            || self.filed.as_ref().is_some_and(|f| !f.reason.is_empty())
            || self.merged.is_some()
            || self.answered_on_spot()
    }
}

/// Something in an item's record that does not add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    NoReceipt,
    NoNumber,
    NoClassification,
    NoMerge,
    NoForwarding,
    NoFilingReason,
    NoAssignment,
    NoAnswer,
    NoApproval,
    NoNotification,
    NoClosure,
    ClosedWithoutWhy,
    NoEvent,
    AssignedButFlagged,
    AssignedOutsideCompetence,
}

impl Problem {
    pub fn label(self, lang: Lang) -> &'static str {
        use Problem::*;
        match self {
            NoReceipt => lang.pick("không có bản ghi vào sổ", "no receipt record"),
            NoNumber => lang.pick("không có số vào sổ", "no register number"),
            NoClassification => lang.pick(
                "ở trạng thái đã phân loại nhưng thiếu phân loại",
                "classified without a classification",
            ),
            NoMerge => lang.pick(
                "đã gộp nhưng không rõ gộp vào ý kiến nào",
                "merged without the petition it duplicates",
            ),
            NoForwarding => lang.pick(
                "đã chuyển đơn nhưng thiếu thông tin chuyển",
                "forwarded without a forwarding record",
            ),
            NoFilingReason => lang.pick("đã lưu nhưng thiếu lý do", "filed without a reason"),
            NoAssignment => lang.pick(
                "đang xử lý nhưng chưa có phân công",
                "in handling without an assignment",
            ),
            NoAnswer => lang.pick(
                "đã trả lời nhưng thiếu nội dung trả lời",
                "answered without an answer",
            ),
            NoApproval => lang.pick("đã duyệt nhưng thiếu thông tin duyệt", "approved without an approval"),
            NoNotification => lang.pick(
                "đã thông báo nhưng thiếu thông tin thông báo hoặc kết quả",
                "notified without a notification or anything to notify",
            ),
            NoClosure => lang.pick("đã kết thúc nhưng thiếu bản ghi kết thúc", "closed without a closure record"),
            ClosedWithoutWhy => lang.pick(
                "đã kết thúc nhưng không có căn cứ (giao xử lý và trả lời, chuyển đơn, lưu, gộp hoặc trả lời tại chỗ)",
                "closed without a record of why (assignment and answer, forwarding, filing, merge or answer on the spot)",
            ),
            NoEvent => lang.pick(
                "không có nhật ký ghi trạng thái hiện tại",
                "no event records the current status",
            ),
            AssignedButFlagged => lang.pick(
                "đang giao xử lý nhưng lại được phân loại là khiếu nại/tố cáo",
                "in handling although classified as a complaint or denunciation",
            ),
            AssignedOutsideCompetence => lang.pick(
                "đang giao xử lý nhưng lại được phân loại ngoài thẩm quyền phường",
                "in handling although classified outside the ward's competence",
            ),
        }
    }
}
