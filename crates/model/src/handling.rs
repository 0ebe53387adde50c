//! The office's handling document: how the ward office processes every petition.
//!
//! One document per ward, written by office devices and read by every enrolled device. It holds
//! **no personal data**: petitions are referred to by their UUID; names, addresses, phones and ID
//! numbers stay in the intake documents of the collection points.
//!
//! ```text
//! { type: "handling", schema: 1,
//!   status:         { "<pid>": "assigned" },
//!   received:       { "<pid>": { date, point, at, by } },
//!   register:       { "<year>/<number>/<pid>": { year, number, pid, at, by, device,
//!                                                released_at?, released_by?, released_note? } },
//!   classification: { "<pid>": { kind, field, competence, prior, at, by } },
//!   merged:         { "<pid>": { into, at, by } },
//!   forwarded:      { "<pid>": { mode, to, letter_no, date, at, by } },
//!   filed:          { "<pid>": { reason, at, by } },
//!   assignment:     { "<pid>": { department, deadline, note, at, by } },
//!   answer:         { "<pid>": { text, legal_basis, doc_no, answered_by, on_spot, date, at, by } },
//!   approval:       { "<pid>": { approver, note, at, by } },
//!   notification:   { "<pid>": { channel, date, note, from, at, by } },
//!   closure:        { "<pid>": { note, from, at, by } },
//!   events:         { "<pid>/<event id>": { pid, op, from, to, note, at, by, device } } }
//! ```
//! Dates are `YYYY-MM-DD`, times RFC 3339 in ward time.
//!
//! ## Why this shape
//! * **One map per kind of record, keyed by petition id**, rather than one map per petition. Two
//!   office laptops that both receive a new petition offline would each create "its" map, and
//!   Automerge keeps only one of two maps created concurrently at the same key: the other
//!   laptop's later work on that petition would vanish from view. With one map per kind of
//!   record, a concurrent creation only happens when both laptops did the same kind of thing to
//!   the same petition (both assigned it, say), and then keeping one whole record is the right
//!   answer. Every map at the root is created once, with the document.
//! * **Only changed fields are written** (the `put_*` helpers of [`crate::doc`]), so two clerks
//!   correcting different fields of one record both keep their change.
//! * **Nothing is deleted.** A reopened item keeps its old answer and assignment (the event log
//!   says what happened); a renumbered claim is *released*, not removed. So whatever status wins
//!   a merge, the records its writer relied on are still there: an item is never closed without
//!   a record of why (assignment and answer, forwarding, filing, merge or an on-the-spot answer).
//! * **Every operation appends an event** keyed `<pid>/<unique id>` (who, when, which device,
//!   status before and after, a note): the per-petition log survives any merge.
//! * **Concurrent decisions are shown, not hidden.** `status` is one value per petition; when two
//!   laptops set different values offline, Automerge keeps both as a conflict: [`Item`] reports
//!   them in `status_conflict` and [`Handling::conflicts`] lists them for a clerk to resolve
//!   ([`resolve`]).
//!
//! ## Register numbers
//! The reception register (Mẫu 03) numbers petitions 1, 2, 3… afresh each year. A laptop takes
//! the next number after the largest it has seen for the year and records a **claim** keyed by
//! year, number *and* petition. Two laptops numbering offline at the same time may pick the same
//! number; because the petition id is part of the key, both claims survive the merge and the
//! clash is visible ([`Conflict::SharedNumber`]); likewise a petition numbered on two laptops has
//! two claims ([`Conflict::SeveralNumbers`]). Nothing renumbers by itself: a number once shown
//! stays until a clerk runs [`renumber`], which gives a fresh number (never a used one: released
//! claims still count when the next number is taken) and logs the change. Per-device series
//! (A-1, B-1…) would avoid clashes but give a register that is not the single consecutive
//! sequence the form and the inspectors expect, and the office rarely has two desks receiving at
//! the same hour offline: detecting the rare clash and resolving it in the open is the better
//! trade.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjId, ObjType, PatchAction, Prop, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::doc::{
    ChangeMeta, DocError, Reader, ensure_map, expect_type, put_bool, put_i64, put_str,
};
use crate::error::ValidationError;
use crate::lang::{Lang, Localize};
use crate::petition::{Petition, PetitionKind, short_id};
use crate::registry::Registry;
use crate::status::Status;
use crate::text::fold_words;
use crate::time::{format_date, to_stored};
use crate::workdays::Calendar;

/// The `type` of a handling document.
pub const TYPE: &str = "handling";
/// The schema version written by this code.
pub const SCHEMA: i64 = 1;

/// The root maps, each keyed by petition id (the register and events by compound keys).
pub mod section {
    pub const STATUS: &str = "status";
    pub const RECEIVED: &str = "received";
    pub const REGISTER: &str = "register";
    pub const CLASSIFICATION: &str = "classification";
    pub const MERGED: &str = "merged";
    pub const FORWARDED: &str = "forwarded";
    pub const FILED: &str = "filed";
    pub const ASSIGNMENT: &str = "assignment";
    pub const ANSWER: &str = "answer";
    pub const APPROVAL: &str = "approval";
    pub const NOTIFICATION: &str = "notification";
    pub const CLOSURE: &str = "closure";
    pub const EVENTS: &str = "events";
    /// Every section, in the order they are created.
    pub const ALL: [&str; 13] = [
        STATUS,
        RECEIVED,
        REGISTER,
        CLASSIFICATION,
        MERGED,
        FORWARDED,
        FILED,
        ASSIGNMENT,
        ANSWER,
        APPROVAL,
        NOTIFICATION,
        CLOSURE,
        EVENTS,
    ];
}

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

    fn claim_key(&self, id: &Uuid) -> String {
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
    fn empty(id: Uuid) -> Item {
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

fn status_list(v: &[Status], lang: Lang) -> String {
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

// ---------------------------------------------------------------------------------------------
// Creating and reading
// ---------------------------------------------------------------------------------------------

/// Writes the root structure of a new handling document.
pub fn init<T: Transactable + ReadDoc>(tx: &mut T, ward_id: &str) -> Result<(), DocError> {
    put_str(tx, &ROOT, "type", TYPE)?;
    put_i64(tx, &ROOT, "schema", SCHEMA)?;
    if !ward_id.is_empty() {
        put_str(tx, &ROOT, "ward_id", ward_id)?;
    }
    for s in section::ALL {
        ensure_map(tx, &ROOT, s)?;
    }
    Ok(())
}

/// A new, empty handling document.
pub fn new_document(ward_id: &str) -> Result<automerge::Automerge, DocError> {
    let mut doc = automerge::Automerge::new();
    let meta = ChangeMeta::new("doithoai", "handling.create", Vec::new());
    doc.transact_with::<_, _, DocError, _>(|_| meta.commit_options(), |tx| init(tx, ward_id))
        .map_err(|f| f.error)?;
    Ok(doc)
}

/// Every item of the handling document, and every register claim.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Handling {
    pub items: BTreeMap<Uuid, Item>,
    /// Every claim, released ones included, ordered by year, number, petition.
    pub claims: Vec<Claim>,
}

fn parse_date_str(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn date_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The values of `obj[key]`, including those written concurrently (conflicts), as strings.
fn all_strs<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId, key: &str) -> Vec<String> {
    let values = match r.heads {
        Some(h) => r.doc.get_all_at(obj, key, h),
        None => r.doc.get_all(obj, key),
    }
    .unwrap_or_default();
    values
        .into_iter()
        .filter_map(|(v, id)| match v {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            Value::Object(ObjType::Text) => match r.heads {
                Some(h) => r.doc.text_at(&id, h).ok(),
                None => r.doc.text(&id).ok(),
            },
            _ => None,
        })
        .collect()
}

struct Sections {
    objs: BTreeMap<&'static str, ObjId>,
}

impl Sections {
    fn of<D: ReadDoc>(r: &Reader<'_, D>) -> Sections {
        let mut objs = BTreeMap::new();
        for s in section::ALL {
            if let Some(o) = r.obj(&ROOT, s) {
                objs.insert(s, o);
            }
        }
        Sections { objs }
    }
    fn get(&self, s: &str) -> Option<&ObjId> {
        self.objs.get(s)
    }
}

fn record<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections, s: &str, id: &str) -> Option<ObjId> {
    r.obj(secs.get(s)?, id)
}

fn stamp<D: ReadDoc>(r: &Reader<'_, D>, o: &ObjId) -> (String, String) {
    (r.string(o, "at"), r.string(o, "by"))
}

fn read_claims<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections, only: Option<&Uuid>) -> Vec<Claim> {
    let Some(reg) = secs.get(section::REGISTER) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in r.keys(reg) {
        let mut parts = key.splitn(3, '/');
        let (Some(y), Some(n), Some(p)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(year), Ok(number), Ok(id)) = (y.parse(), n.parse(), Uuid::parse_str(p)) else {
            continue;
        };
        if only.is_some_and(|o| *o != id) {
            continue;
        }
        let Some(o) = r.obj(reg, key.as_str()) else {
            continue;
        };
        let (at, by) = stamp(r, &o);
        let released = r
            .str(&o, "released_at")
            .filter(|s| !s.is_empty())
            .map(|at| Release {
                at,
                by: r.string(&o, "released_by"),
                note: r.string(&o, "released_note"),
            });
        out.push(Claim {
            no: RegisterNo { year, number },
            id,
            at,
            by,
            device: r.string(&o, "device"),
            released,
        });
    }
    out.sort_by_key(|c| (c.no, c.id));
    out
}

fn read_events<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections, id: &Uuid) -> Vec<Event> {
    let Some(events) = secs.get(section::EVENTS) else {
        return Vec::new();
    };
    let prefix = format!("{id}/");
    let mut end = id.to_string();
    end.push('0'); // '0' follows '/' in ASCII
    let keys: Vec<String> = match r.heads {
        Some(h) => r
            .doc
            .map_range_at(events, prefix.clone()..end, h)
            .map(|i| i.key.into_owned())
            .collect(),
        None => r
            .doc
            .map_range(events, prefix.clone()..end)
            .map(|i| i.key.into_owned())
            .collect(),
    };
    let mut out: Vec<Event> = keys
        .iter()
        .filter_map(|k| {
            let o = r.obj(events, k.as_str())?;
            let (at, by) = stamp(r, &o);
            Some(Event {
                id: k.strip_prefix(&prefix).unwrap_or(k).to_owned(),
                op: r.string(&o, "op"),
                from: r.str(&o, "from").and_then(|s| Status::parse(&s)),
                to: r.str(&o, "to").and_then(|s| Status::parse(&s)),
                note: r.string(&o, "note"),
                at,
                by,
                device: r.string(&o, "device"),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.at, &a.id).cmp(&(&b.at, &b.id)));
    out
}

fn read_item<D: ReadDoc>(
    r: &Reader<'_, D>,
    secs: &Sections,
    id: &Uuid,
    claims: Option<&[Claim]>,
) -> Item {
    let key = id.to_string();
    let k = key.as_str();
    let mut item = Item::empty(*id);
    if let Some(st) = secs.get(section::STATUS) {
        if let Some(s) = r.str(st, k).and_then(|s| Status::parse(&s)) {
            item.status = s;
        }
        let mut all: Vec<Status> = all_strs(r, st, k)
            .iter()
            .filter_map(|s| Status::parse(s))
            .collect();
        all.sort();
        all.dedup();
        if all.len() > 1 {
            item.status_conflict = all;
        }
    }
    item.received = record(r, secs, section::RECEIVED, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Received {
            date: parse_date_str(&r.string(&o, "date"))?,
            point: r.string(&o, "point"),
            at,
            by,
        })
    });
    let own: Vec<Claim>;
    let claims = match claims {
        Some(c) => c,
        None => {
            own = read_claims(r, secs, Some(id));
            &own
        }
    };
    item.numbers = claims
        .iter()
        .filter(|c| c.id == *id && c.released.is_none())
        .map(|c| c.no)
        .collect();
    if item.numbers.is_empty() {
        // Every claim released: two clerks settled the same clash in different ways offline.
        // All of them count again, so the clash shows up again instead of the number vanishing.
        item.numbers = claims
            .iter()
            .filter(|c| c.id == *id)
            .map(|c| c.no)
            .collect();
    }
    item.numbers.sort();
    item.numbers.dedup();
    item.classification = record(r, secs, section::CLASSIFICATION, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Classification {
            kind: PetitionKind::parse(&r.string(&o, "kind"))?,
            field: r.string(&o, "field"),
            competence: Competence::parse(&r.string(&o, "competence"))?,
            prior: r.string(&o, "prior"),
            at,
            by,
        })
    });
    item.merged = record(r, secs, section::MERGED, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Merge {
            into: Uuid::parse_str(&r.string(&o, "into")).ok()?,
            at,
            by,
        })
    });
    item.forwarded = record(r, secs, section::FORWARDED, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Forwarding {
            mode: ForwardMode::parse(&r.string(&o, "mode")).unwrap_or(ForwardMode::Forward),
            to: r.string(&o, "to"),
            letter_no: r.string(&o, "letter_no"),
            date: parse_date_str(&r.string(&o, "date"))?,
            at,
            by,
        })
    });
    item.filed = record(r, secs, section::FILED, k).map(|o| {
        let (at, by) = stamp(r, &o);
        Filing {
            reason: r.string(&o, "reason"),
            at,
            by,
        }
    });
    item.assignment = record(r, secs, section::ASSIGNMENT, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Assignment {
            department: r.string(&o, "department"),
            deadline: parse_date_str(&r.string(&o, "deadline"))?,
            note: r.string(&o, "note"),
            at,
            by,
        })
    });
    item.answer = record(r, secs, section::ANSWER, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Answer {
            text: r.string(&o, "text"),
            legal_basis: r.string(&o, "legal_basis"),
            doc_no: r.string(&o, "doc_no"),
            answered_by: r.string(&o, "answered_by"),
            on_spot: r.bool(&o, "on_spot").unwrap_or(false),
            date: parse_date_str(&r.string(&o, "date"))?,
            at,
            by,
        })
    });
    item.approval = record(r, secs, section::APPROVAL, k).map(|o| {
        let (at, by) = stamp(r, &o);
        Approval {
            approver: r.string(&o, "approver"),
            note: r.string(&o, "note"),
            at,
            by,
        }
    });
    item.notification = record(r, secs, section::NOTIFICATION, k).and_then(|o| {
        let (at, by) = stamp(r, &o);
        Some(Notification {
            channel: Channel::parse(&r.string(&o, "channel")).unwrap_or(Channel::Other),
            date: parse_date_str(&r.string(&o, "date"))?,
            note: r.string(&o, "note"),
            from: Status::parse(&r.string(&o, "from")).unwrap_or(Status::Approved),
            at,
            by,
        })
    });
    item.closure = record(r, secs, section::CLOSURE, k).map(|o| {
        let (at, by) = stamp(r, &o);
        Closure {
            note: r.string(&o, "note"),
            from: Status::parse(&r.string(&o, "from")).unwrap_or(Status::Notified),
            at,
            by,
        }
    });
    item.events = read_events(r, secs, id);
    if item.status == Status::Collected && item.received.is_some() {
        item.status = Status::Received;
    }
    item
}

/// The ids of every petition the document knows.
fn item_ids<D: ReadDoc>(r: &Reader<'_, D>, secs: &Sections) -> BTreeSet<Uuid> {
    let mut ids = BTreeSet::new();
    for s in [section::STATUS, section::RECEIVED] {
        if let Some(o) = secs.get(s) {
            ids.extend(r.keys(o).iter().filter_map(|k| Uuid::parse_str(k).ok()));
        }
    }
    ids
}

/// Reads the whole document.
pub fn read<D: ReadDoc>(doc: &D) -> Result<Handling, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    let claims = read_claims(&r, &secs, None);
    let items = item_ids(&r, &secs)
        .into_iter()
        .map(|id| (id, read_item(&r, &secs, &id, Some(&claims))))
        .collect();
    Ok(Handling { items, claims })
}

/// Reads the items with the given ids (those the document does not know are left out).
pub fn read_items<D: ReadDoc>(
    doc: &D,
    ids: &BTreeSet<Uuid>,
) -> Result<BTreeMap<Uuid, Item>, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    let claims = read_claims(&r, &secs, None);
    let known = item_ids(&r, &secs);
    Ok(ids
        .iter()
        .filter(|id| known.contains(id))
        .map(|id| (*id, read_item(&r, &secs, id, Some(&claims))))
        .collect())
}

/// One item, if the document knows it.
pub fn item<D: ReadDoc>(doc: &D, id: &Uuid) -> Result<Option<Item>, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    let it = read_item(&r, &secs, id, None);
    Ok((it.status != Status::Collected || it.received.is_some()).then_some(it))
}

/// The petitions whose handling changed between `before` and now; `None` means "all of them"
/// (when `before` is empty or the document was restructured).
pub fn changed_ids(doc: &automerge::Automerge, before: &[ChangeHash]) -> Option<BTreeSet<Uuid>> {
    if before.is_empty() {
        return None;
    }
    let after = doc.get_heads();
    let mut ids = BTreeSet::new();
    let to_id = |section: &str, key: &str| -> Option<Uuid> {
        let part = match section {
            section::REGISTER => key.rsplit('/').next()?,
            section::EVENTS => key.split('/').next()?,
            _ => key,
        };
        Uuid::parse_str(part).ok()
    };
    for patch in doc.diff(before, &after) {
        let section_name = match patch.path.first() {
            Some((o, Prop::Map(s))) if *o == ROOT => s.clone(),
            Some(_) => continue,
            None => {
                // A change at the root: a section itself was (re)created.
                if let PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } =
                    &patch.action
                    && section::ALL.contains(&key.as_str())
                {
                    return None;
                }
                continue;
            }
        };
        let key = match patch.path.get(1) {
            Some((_, Prop::Map(k))) => Some(k.clone()),
            Some(_) => None,
            None => match &patch.action {
                PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                    Some(key.clone())
                }
                _ => None,
            },
        };
        if let Some(id) = key.and_then(|k| to_id(&section_name, &k)) {
            ids.insert(id);
        }
    }
    Some(ids)
}

// ---------------------------------------------------------------------------------------------
// Queries on the whole document
// ---------------------------------------------------------------------------------------------

/// Something two laptops did offline that a clerk must look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    /// Several petitions hold the same register number (claims ordered oldest first).
    SharedNumber { no: RegisterNo, claims: Vec<Claim> },
    /// One petition holds several register numbers.
    SeveralNumbers { id: Uuid, numbers: Vec<RegisterNo> },
    /// Laptops set different statuses on one petition.
    Status { id: Uuid, values: Vec<Status> },
    /// Petitions merged into each other in a loop.
    DuplicateLoop { ids: Vec<Uuid> },
    /// A record that does not make sense (for example written by another program).
    Inconsistent { id: Uuid, problems: Vec<Problem> },
}

/// Why a petition is late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverdueKind {
    /// Collected but not in the register 10 working days later.
    NotReceived,
    /// In the register, but not decided (assigned, forwarded, filed, merged) within 10 working
    /// days: the resident must be told whether it is accepted (Law on Citizen Reception, art. 28).
    Acceptance,
    /// Assigned, and the resident has not been told the result by the deadline.
    Deadline,
}

impl OverdueKind {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            OverdueKind::NotReceived => lang.pick(
                "Chưa vào sổ quá 10 ngày làm việc",
                "Not registered within 10 working days",
            ),
            OverdueKind::Acceptance => lang.pick(
                "Chưa phân loại, thụ lý quá 10 ngày làm việc",
                "Not accepted or routed within 10 working days",
            ),
            OverdueKind::Deadline => lang.pick("Quá hạn giải quyết", "Past the handling deadline"),
        }
    }

    /// Why a petition is late, said as its state `status` is: a classified petition is not "not
    /// classified".
    pub fn label_as(self, status: Status, lang: Lang) -> &'static str {
        match (self, status) {
            (OverdueKind::Acceptance, Status::Classified) => lang.pick(
                "Đã phân loại, chưa thụ lý quá 10 ngày làm việc",
                "Classified, not accepted or routed within 10 working days",
            ),
            (k, _) => k.label(lang),
        }
    }
}

/// A petition past one of its time limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    pub id: Uuid,
    pub kind: OverdueKind,
    pub due: NaiveDate,
    /// Calendar days since the due date.
    pub days_late: i64,
}

impl Handling {
    pub fn get(&self, id: &Uuid) -> Option<&Item> {
        self.items.get(id)
    }

    /// The next free number of `year`: one more than any number ever claimed that year.
    pub fn next_number(&self, year: i32) -> u32 {
        next_number_of(&self.claims, year)
    }

    /// The petitions that hold `no` now.
    pub fn holders(&self, no: RegisterNo) -> Vec<Uuid> {
        self.items
            .values()
            .filter(|i| i.numbers.contains(&no))
            .map(|i| i.id)
            .collect()
    }

    /// The petition holding `no`, when exactly one does.
    pub fn by_number(&self, no: RegisterNo) -> Option<Uuid> {
        match self.holders(no).as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The original a petition is (transitively) merged into: itself when not merged. A loop
    /// resolves to its smallest id, so every laptop agrees.
    pub fn root(&self, id: &Uuid) -> Uuid {
        let mut seen = Vec::new();
        let mut cur = *id;
        while let Some(next) = self.items.get(&cur).and_then(Item::duplicate_of) {
            if seen.contains(&cur) {
                return seen.iter().min().copied().unwrap_or(cur);
            }
            seen.push(cur);
            cur = next;
        }
        cur
    }

    /// The petitions of the duplicate group whose original is `root`, the original first.
    pub fn group(&self, root: &Uuid) -> Vec<Uuid> {
        let mut v = vec![*root];
        v.extend(
            self.items
                .keys()
                .filter(|id| *id != root && self.root(id) == *root),
        );
        v
    }

    /// Everything a clerk must resolve.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut out = Vec::new();
        let mut by_no: BTreeMap<RegisterNo, Vec<&Claim>> = BTreeMap::new();
        for c in &self.claims {
            if self
                .items
                .get(&c.id)
                .is_some_and(|i| i.numbers.contains(&c.no))
            {
                by_no.entry(c.no).or_default().push(c);
            }
        }
        for (no, mut cs) in by_no {
            cs.sort_by(|a, b| (&a.at, a.id).cmp(&(&b.at, b.id)));
            let mut seen = BTreeSet::new();
            cs.retain(|c| seen.insert(c.id));
            if cs.len() > 1 {
                out.push(Conflict::SharedNumber {
                    no,
                    claims: cs.into_iter().cloned().collect(),
                });
            }
        }
        for item in self.items.values() {
            if item.numbers.len() > 1 {
                out.push(Conflict::SeveralNumbers {
                    id: item.id,
                    numbers: item.numbers.clone(),
                });
            }
            if !item.status_conflict.is_empty() {
                out.push(Conflict::Status {
                    id: item.id,
                    values: item.status_conflict.clone(),
                });
            }
        }
        let mut looped: BTreeSet<Uuid> = BTreeSet::new();
        for id in self.items.keys() {
            if looped.contains(id) {
                continue;
            }
            let mut path = vec![*id];
            let mut cur = *id;
            while let Some(next) = self.items.get(&cur).and_then(Item::duplicate_of) {
                if let Some(pos) = path.iter().position(|p| *p == next) {
                    let mut cycle: Vec<Uuid> = path[pos..].to_vec();
                    cycle.sort();
                    if cycle.iter().all(|c| !looped.contains(c)) {
                        looped.extend(cycle.iter().copied());
                        out.push(Conflict::DuplicateLoop { ids: cycle });
                    }
                    break;
                }
                path.push(next);
                cur = next;
            }
        }
        for item in self.items.values() {
            let mut problems = item.problems();
            problems.extend(item.warnings());
            if !problems.is_empty() {
                out.push(Conflict::Inconsistent {
                    id: item.id,
                    problems,
                });
            }
        }
        out
    }

    /// The petitions past a time limit on `today`, most overdue first. `unreceived` lists the
    /// collected petitions that are not in the register, with the day they were collected.
    pub fn overdue(
        &self,
        calendar: &Calendar,
        today: NaiveDate,
        unreceived: &[(Uuid, NaiveDate)],
    ) -> Vec<Overdue> {
        let mut out = Vec::new();
        for (id, collected) in unreceived {
            if self.items.contains_key(id) {
                continue;
            }
            let due = calendar.ten_working_days(*collected);
            if today > due {
                out.push(Overdue {
                    id: *id,
                    kind: OverdueKind::NotReceived,
                    due,
                    days_late: (today - due).num_days(),
                });
            }
        }
        for item in self.items.values() {
            let due = match item.status {
                Status::Received | Status::Classified => item
                    .received
                    .as_ref()
                    .map(|r| (OverdueKind::Acceptance, calendar.ten_working_days(r.date))),
                Status::Assigned | Status::Answered | Status::Approved => item
                    .assignment
                    .as_ref()
                    .map(|a| (OverdueKind::Deadline, a.deadline)),
                _ => None,
            };
            if let Some((kind, due)) = due
                && today > due
            {
                out.push(Overdue {
                    id: item.id,
                    kind,
                    due,
                    days_late: (today - due).num_days(),
                });
            }
        }
        out.sort_by_key(|o| (o.due, o.id));
        out
    }
}

fn next_number_of(claims: &[Claim], year: i32) -> u32 {
    claims
        .iter()
        .filter(|c| c.no.year == year)
        .map(|c| c.no.number)
        .max()
        .unwrap_or(0)
        + 1
}

// ---------------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------------

/// Folded words too common to tell two petitions apart.
const STOPWORDS: &[&str] = &[
    "va", "la", "cua", "cac", "nhung", "mot", "da", "bi", "duoc", "cho", "voi", "o", "tai",
    "trong", "tren", "khi", "thi", "ma", "nay", "do", "co", "khong", "rat", "lam", "nhieu", "de",
    "nghi", "xin", "phuong", "nguoi", "dan", "ve", "nhu", "den", "tu", "hay", "can", "dang", "the",
    "and", "of", "to", "in", "is",
];

fn word_set(s: &str) -> BTreeSet<String> {
    fold_words(s)
        .into_iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// How alike two word sets are: the Dice coefficient, 0 to 1.
fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// A likely duplicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateSuggestion {
    pub id: Uuid,
    pub candidate: Uuid,
    /// How alike the contents are, 0 to 1.
    pub content_score: f64,
    /// How alike the places are, 0 to 1.
    pub place_score: f64,
}

impl DuplicateSuggestion {
    pub fn score(&self) -> f64 {
        self.content_score.max(self.place_score)
    }
}

/// The default similarity from which two petitions are suggested as duplicates.
pub const DUPLICATE_THRESHOLD: f64 = 0.5;

/// Suggests likely duplicates among the registered petitions that are not merged: same field
/// (as classified, else as suggested at collection) and similar content or place, ignoring case
/// and diacritics. With `only`, suggestions for that petition alone. Best first.
pub fn suggest_duplicates(
    petitions: &[Petition],
    handling: &Handling,
    only: Option<Uuid>,
    threshold: f64,
) -> Vec<DuplicateSuggestion> {
    struct Cand<'a> {
        id: Uuid,
        field: &'a str,
        content: BTreeSet<String>,
        place: BTreeSet<String>,
    }
    let cands: Vec<Cand<'_>> = petitions
        .iter()
        .filter_map(|p| {
            let item = handling.get(&p.id)?;
            if matches!(item.status, Status::Merged | Status::Collected) {
                return None;
            }
            let field = item.field().or(p.field.as_deref())?;
            Some(Cand {
                id: p.id,
                field,
                content: word_set(&format!("{} {}", p.content, p.request)),
                place: word_set(&p.place),
            })
        })
        .collect();
    let mut out = Vec::new();
    for (i, a) in cands.iter().enumerate() {
        for b in cands.iter().skip(i + 1) {
            if a.field != b.field {
                continue;
            }
            let (id, cand) = match only {
                Some(o) if o == a.id => (a.id, b.id),
                Some(o) if o == b.id => (b.id, a.id),
                Some(_) => continue,
                None => (a.id, b.id),
            };
            if handling.root(&a.id) == handling.root(&b.id) {
                continue;
            }
            let s = DuplicateSuggestion {
                id,
                candidate: cand,
                content_score: dice(&a.content, &b.content),
                place_score: dice(&a.place, &b.place),
            };
            if s.score() >= threshold {
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| {
        b.score()
            .partial_cmp(&a.score())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then((a.id, a.candidate).cmp(&(b.id, b.candidate)))
    });
    out
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// Who does an operation, on which device, and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub by: String,
    pub device: String,
    pub now: DateTime<FixedOffset>,
}

impl Ctx {
    pub fn new(by: &str, device: &str, now: DateTime<FixedOffset>) -> Ctx {
        Ctx {
            by: by.to_owned(),
            device: device.to_owned(),
            now,
        }
    }
    /// Today in ward time.
    pub fn today(&self) -> NaiveDate {
        self.now
            .with_timezone(&crate::time::ward_offset())
            .date_naive()
    }
    fn at(&self) -> String {
        to_stored(&self.now)
    }
    /// The change message for `op` on `ids`.
    pub fn meta(&self, op: Op, ids: &[Uuid]) -> ChangeMeta {
        ChangeMeta::new(
            &self.by,
            &format!("handling.{}", op.code()),
            ids.iter().map(Uuid::to_string).collect(),
        )
    }
}

fn sid(id: &Uuid) -> String {
    short_id(id)
}

fn sec<T: Transactable + ReadDoc>(tx: &mut T, s: &str) -> Result<ObjId, DocError> {
    ensure_map(tx, &ROOT, s)
}

/// The record map of `id` in section `s`, created when absent.
fn rec<T: Transactable + ReadDoc>(tx: &mut T, s: &str, id: &Uuid) -> Result<ObjId, DocError> {
    let section = sec(tx, s)?;
    ensure_map(tx, &section, &id.to_string())
}

fn put_stamp<T: Transactable + ReadDoc>(tx: &mut T, o: &ObjId, ctx: &Ctx) -> Result<(), DocError> {
    put_str(tx, o, "at", &ctx.at())?;
    put_str(tx, o, "by", &ctx.by)
}

fn load<T: ReadDoc>(doc: &T, id: &Uuid) -> Result<Item, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let secs = Sections::of(&r);
    Ok(read_item(&r, &secs, id, None))
}

/// Sets the status, also when the value is already there but other values conflict with it.
fn set_status<T: Transactable + ReadDoc>(
    tx: &mut T,
    id: &Uuid,
    to: Status,
) -> Result<(), DocError> {
    let st = sec(tx, section::STATUS)?;
    let key = id.to_string();
    let conflicting = all_strs(&Reader::new(&*tx), &st, &key).len() > 1;
    if conflicting || Reader::new(&*tx).str(&st, key.as_str()).as_deref() != Some(to.code()) {
        tx.put(&st, key.as_str(), to.code())?;
    }
    Ok(())
}

fn log<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: &Uuid,
    op: Op,
    from: Status,
    to: Status,
    note: &str,
) -> Result<(), DocError> {
    let events = sec(tx, section::EVENTS)?;
    let key = format!("{id}/{}", Uuid::now_v7().simple());
    let e = tx.put_object(&events, key.as_str(), ObjType::Map)?;
    tx.put(&e, "pid", id.to_string())?;
    tx.put(&e, "op", op.code())?;
    tx.put(&e, "from", from.code())?;
    tx.put(&e, "to", to.code())?;
    tx.put(&e, "note", note)?;
    tx.put(&e, "at", ctx.at())?;
    tx.put(&e, "by", ctx.by.as_str())?;
    tx.put(&e, "device", ctx.device.as_str())?;
    Ok(())
}

fn transition(item: &Item, op: Op, allowed: &[Status]) -> Result<(), HandlingError> {
    if item.status == Status::Collected {
        return Err(HandlingError::NotReceived { id: sid(&item.id) });
    }
    if allowed.contains(&item.status) {
        Ok(())
    } else {
        Err(HandlingError::Transition {
            id: sid(&item.id),
            op,
            status: item.status,
        })
    }
}

fn not_future(ctx: &Ctx, d: NaiveDate) -> Result<(), HandlingError> {
    if d > ctx.today() + chrono::Duration::days(1) {
        return Err(HandlingError::FutureDate { date: d });
    }
    Ok(())
}

fn not_before_receipt(item: &Item, d: NaiveDate) -> Result<(), HandlingError> {
    if let Some(r) = &item.received
        && d < r.date
    {
        return Err(HandlingError::BeforeReceipt {
            date: d,
            received: r.date,
        });
    }
    Ok(())
}

/// The Vietnamese and English names of the fields of office operations, for messages.
pub fn input_label(what: &str, lang: Lang) -> &str {
    match what {
        "forward_to" => lang.pick("nơi nhận (--to)", "recipient (--to)"),
        "letter_no" => lang.pick("số văn bản", "letter number"),
        "reason" => lang.pick("lý do (--reason)", "reason (--reason)"),
        "answer" => lang.pick("nội dung trả lời (--text)", "answer text (--text)"),
        "legal_basis" => lang.pick("căn cứ pháp lý", "legal basis"),
        "doc_no" => lang.pick("số văn bản trả lời", "answer document number"),
        "note" => lang.pick("ghi chú", "note"),
        "prior" => lang.pick("cơ quan đã giải quyết", "body that already handled it"),
        "approver" => lang.pick("người duyệt", "approver"),
        "field" => lang.pick("lĩnh vực (--field)", "field (--field)"),
        other => other,
    }
}

fn required(what: &'static str, v: &str) -> Result<String, HandlingError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(HandlingError::Required { what });
    }
    let n = t.chars().count();
    if n > crate::petition::MAX_TEXT_CHARS {
        return Err(HandlingError::TooLong {
            what,
            max: crate::petition::MAX_TEXT_CHARS,
            actual: n,
        });
    }
    Ok(t.to_owned())
}

fn optional(what: &'static str, v: &str) -> Result<String, HandlingError> {
    if v.trim().is_empty() {
        Ok(String::new())
    } else {
        required(what, v)
    }
}

/// Enters a petition in the register with the next number of the receipt date's year.
///
/// `collected` is the day the petition was recorded at its collection point; `date` the day
/// the office receives it (deadlines count from it).
pub fn receive<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    point: &str,
    collected: NaiveDate,
    date: NaiveDate,
) -> Result<RegisterNo, HandlingError> {
    let item = load(&*tx, &id)?;
    if item.status != Status::Collected || item.received.is_some() {
        return Err(HandlingError::AlreadyReceived {
            id: sid(&id),
            no: item.number(),
        });
    }
    if date < collected {
        return Err(HandlingError::ReceivedBeforeCollected { date, collected });
    }
    not_future(ctx, date)?;
    let claims = read_claims(&Reader::new(&*tx), &Sections::of(&Reader::new(&*tx)), None);
    let no = RegisterNo {
        year: date.year(),
        number: next_number_of(&claims, date.year()),
    };
    let r = rec(tx, section::RECEIVED, &id)?;
    put_str(tx, &r, "date", &date_key(date))?;
    put_str(tx, &r, "point", point)?;
    put_stamp(tx, &r, ctx)?;
    write_claim(tx, ctx, &id, no)?;
    set_status(tx, &id, Status::Received)?;
    log(
        tx,
        ctx,
        &id,
        Op::Receive,
        Status::Collected,
        Status::Received,
        &no.to_string(),
    )?;
    Ok(no)
}

fn write_claim<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: &Uuid,
    no: RegisterNo,
) -> Result<(), DocError> {
    let reg = sec(tx, section::REGISTER)?;
    let c = ensure_map(tx, &reg, &no.claim_key(id))?;
    put_i64(tx, &c, "year", i64::from(no.year))?;
    put_i64(tx, &c, "number", i64::from(no.number))?;
    put_str(tx, &c, "pid", &id.to_string())?;
    put_stamp(tx, &c, ctx)?;
    put_str(tx, &c, "device", &ctx.device)
}

/// What a clerk decides when classifying.
#[derive(Debug, Clone)]
pub struct ClassifyInput {
    pub kind: PetitionKind,
    pub field: String,
    pub competence: Competence,
    /// The body that already handled the matter (may be empty).
    pub prior: String,
}

/// Sets type, field and competence. A received petition becomes classified; a later one keeps
/// its status (a correction), except that one already assigned or answered cannot be turned into
/// a complaint or an out-of-competence matter without reopening it first.
pub fn classify<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    registry: &Registry,
    id: Uuid,
    input: &ClassifyInput,
) -> Result<Status, HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Classify,
        &[
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
        ],
    )?;
    let field = input.field.trim();
    if registry.field(field).is_none() {
        return Err(ValidationError::UnknownField {
            value: field.to_owned(),
            known: registry.fields.iter().map(|f| f.code.clone()).collect(),
        }
        .into());
    }
    let prior = optional("prior", &input.prior)?;
    let out_of_flow = input.kind.is_flagged() || input.competence != Competence::Ward;
    if out_of_flow
        && matches!(
            item.status,
            Status::Assigned | Status::Answered | Status::Approved
        )
    {
        return Err(HandlingError::ReclassifyInHandling { id: sid(&id) });
    }
    let to = if item.status == Status::Received {
        Status::Classified
    } else {
        item.status
    };
    let c = rec(tx, section::CLASSIFICATION, &id)?;
    put_str(tx, &c, "kind", input.kind.code())?;
    put_str(tx, &c, "field", field)?;
    put_str(tx, &c, "competence", input.competence.code())?;
    put_str(tx, &c, "prior", &prior)?;
    put_stamp(tx, &c, ctx)?;
    if to != item.status {
        set_status(tx, &id, to)?;
    }
    let note = format!(
        "{}; {}; {}",
        input.kind.code(),
        field,
        input.competence.code()
    );
    log(tx, ctx, &id, Op::Classify, item.status, to, &note)?;
    Ok(to)
}

/// Merges a petition into another as a duplicate: it keeps its record and is linked to the
/// original (merging into a duplicate merges into that duplicate's original). Returns the
/// original.
pub fn merge<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    into: Uuid,
) -> Result<Uuid, HandlingError> {
    if id == into {
        return Err(HandlingError::MergeIntoSelf { id: sid(&id) });
    }
    let item = load(&*tx, &id)?;
    transition(&item, Op::Merge, &[Status::Received, Status::Classified])?;
    let h = read(&*tx)?;
    let target = h
        .get(&into)
        .ok_or_else(|| HandlingError::NotReceived { id: sid(&into) })?;
    let root = h.root(&target.id);
    if root == id {
        return Err(HandlingError::MergeCycle {
            id: sid(&id),
            into: sid(&into),
        });
    }
    let m = rec(tx, section::MERGED, &id)?;
    put_str(tx, &m, "into", &root.to_string())?;
    put_stamp(tx, &m, ctx)?;
    set_status(tx, &id, Status::Merged)?;
    log(
        tx,
        ctx,
        &id,
        Op::Merge,
        item.status,
        Status::Merged,
        &root.to_string(),
    )?;
    Ok(root)
}

/// Forwarding to the competent body, or returning to the resident with guidance.
#[derive(Debug, Clone)]
pub struct ForwardInput {
    pub mode: ForwardMode,
    pub to: String,
    pub letter_no: String,
    /// The letter's date; today when `None`.
    pub date: Option<NaiveDate>,
}

pub fn forward<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    input: &ForwardInput,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(&item, Op::Forward, &[Status::Classified, Status::Forwarded])?;
    let to = required("forward_to", &input.to)?;
    let letter = optional("letter_no", &input.letter_no)?;
    let date = input.date.unwrap_or_else(|| ctx.today());
    not_future(ctx, date)?;
    not_before_receipt(&item, date)?;
    let f = rec(tx, section::FORWARDED, &id)?;
    put_str(tx, &f, "mode", input.mode.code())?;
    put_str(tx, &f, "to", &to)?;
    put_str(tx, &f, "letter_no", &letter)?;
    put_str(tx, &f, "date", &date_key(date))?;
    put_stamp(tx, &f, ctx)?;
    set_status(tx, &id, Status::Forwarded)?;
    let note = if letter.is_empty() {
        to
    } else {
        format!("{to}; {letter}")
    };
    log(
        tx,
        ctx,
        &id,
        Op::Forward,
        item.status,
        Status::Forwarded,
        &note,
    )?;
    Ok(())
}

/// Files a petition without action; the reason is required.
pub fn file<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    reason: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(&item, Op::File, &[Status::Classified, Status::Filed])?;
    let reason = required("reason", reason)?;
    let f = rec(tx, section::FILED, &id)?;
    put_str(tx, &f, "reason", &reason)?;
    put_stamp(tx, &f, ctx)?;
    set_status(tx, &id, Status::Filed)?;
    log(tx, ctx, &id, Op::File, item.status, Status::Filed, &reason)?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct AssignInput {
    /// A department id of the registry.
    pub department: String,
    /// `None`: 10 working days from receipt.
    pub deadline: Option<NaiveDate>,
    pub note: String,
}

/// Assigns (or reassigns) a petition to a department with a deadline. Returns the deadline.
pub fn assign<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    registry: &Registry,
    id: Uuid,
    input: &AssignInput,
) -> Result<NaiveDate, HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Assign,
        &[Status::Classified, Status::Assigned, Status::Answered],
    )?;
    if let Some(c) = &item.classification {
        if c.kind.is_flagged() {
            return Err(HandlingError::Flagged {
                id: sid(&id),
                kind: c.kind,
            });
        }
        if c.competence != Competence::Ward {
            return Err(HandlingError::NotWardCompetence {
                id: sid(&id),
                competence: c.competence,
            });
        }
    }
    let dept = input.department.trim();
    if registry.department(dept).is_none() {
        return Err(ValidationError::UnknownDepartment {
            value: dept.to_owned(),
        }
        .into());
    }
    let note = optional("note", &input.note)?;
    let received = item
        .received
        .as_ref()
        .map(|r| r.date)
        .unwrap_or(ctx.today());
    let deadline = match input.deadline {
        Some(d) => {
            not_before_receipt(&item, d)?;
            d
        }
        None => Calendar::of(registry).ten_working_days(received),
    };
    let a = rec(tx, section::ASSIGNMENT, &id)?;
    put_str(tx, &a, "department", dept)?;
    put_str(tx, &a, "deadline", &date_key(deadline))?;
    put_str(tx, &a, "note", &note)?;
    put_stamp(tx, &a, ctx)?;
    set_status(tx, &id, Status::Assigned)?;
    log(
        tx,
        ctx,
        &id,
        Op::Assign,
        item.status,
        Status::Assigned,
        &format!("{dept}; {}", date_key(deadline)),
    )?;
    Ok(deadline)
}

#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub text: String,
    pub legal_basis: String,
    pub doc_no: String,
    /// The official who answered; the clerk when empty.
    pub answered_by: String,
    /// Answered on the spot at a session: the item goes straight to notified.
    pub on_spot: bool,
    /// The answer's date; today when `None`.
    pub date: Option<NaiveDate>,
}

/// Records the answer. An answer given on the spot at a session goes straight to notified.
pub fn answer<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    input: &AnswerInput,
) -> Result<Status, HandlingError> {
    let item = load(&*tx, &id)?;
    let op = if input.on_spot {
        Op::AnswerOnSpot
    } else {
        Op::Answer
    };
    if input.on_spot {
        transition(
            &item,
            op,
            &[Status::Received, Status::Classified, Status::Assigned],
        )?;
        if item.is_flagged()
            && let Some(kind) = item.kind()
        {
            return Err(HandlingError::Flagged { id: sid(&id), kind });
        }
    } else {
        transition(&item, op, &[Status::Assigned, Status::Answered])?;
    }
    let text = required("answer", &input.text)?;
    let legal = optional("legal_basis", &input.legal_basis)?;
    let doc_no = optional("doc_no", &input.doc_no)?;
    let answered_by = match input.answered_by.trim() {
        "" => ctx.by.clone(),
        s => s.to_owned(),
    };
    let date = input.date.unwrap_or_else(|| ctx.today());
    not_future(ctx, date)?;
    not_before_receipt(&item, date)?;
    let a = rec(tx, section::ANSWER, &id)?;
    put_str(tx, &a, "text", &text)?;
    put_str(tx, &a, "legal_basis", &legal)?;
    put_str(tx, &a, "doc_no", &doc_no)?;
    put_str(tx, &a, "answered_by", &answered_by)?;
    put_bool(tx, &a, "on_spot", input.on_spot)?;
    put_str(tx, &a, "date", &date_key(date))?;
    put_stamp(tx, &a, ctx)?;
    let to = if input.on_spot {
        let n = rec(tx, section::NOTIFICATION, &id)?;
        put_str(tx, &n, "channel", Channel::OnSpot.code())?;
        put_str(tx, &n, "date", &date_key(date))?;
        put_str(tx, &n, "note", "")?;
        put_str(tx, &n, "from", item.status.code())?;
        put_stamp(tx, &n, ctx)?;
        Status::Notified
    } else {
        Status::Answered
    };
    set_status(tx, &id, to)?;
    log(tx, ctx, &id, op, item.status, to, &doc_no)?;
    Ok(to)
}

/// Approves the drafted answer.
pub fn approve<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    approver: &str,
    note: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(&item, Op::Approve, &[Status::Answered])?;
    let approver = match approver.trim() {
        "" => ctx.by.clone(),
        s => s.to_owned(),
    };
    let note = optional("note", note)?;
    let a = rec(tx, section::APPROVAL, &id)?;
    put_str(tx, &a, "approver", &approver)?;
    put_str(tx, &a, "note", &note)?;
    put_stamp(tx, &a, ctx)?;
    set_status(tx, &id, Status::Approved)?;
    log(
        tx,
        ctx,
        &id,
        Op::Approve,
        item.status,
        Status::Approved,
        &approver,
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct NotifyInput {
    pub channel: Channel,
    /// When the resident was told; today when `None`.
    pub date: Option<NaiveDate>,
    pub note: String,
}

/// Records that the resident was told the result (of an approved answer, or that the petition
/// was forwarded or filed).
pub fn notify<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    input: &NotifyInput,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Notify,
        &[Status::Approved, Status::Forwarded, Status::Filed],
    )?;
    let date = input.date.unwrap_or_else(|| ctx.today());
    not_future(ctx, date)?;
    not_before_receipt(&item, date)?;
    let note = optional("note", &input.note)?;
    let n = rec(tx, section::NOTIFICATION, &id)?;
    put_str(tx, &n, "channel", input.channel.code())?;
    put_str(tx, &n, "date", &date_key(date))?;
    put_str(tx, &n, "note", &note)?;
    put_str(tx, &n, "from", item.status.code())?;
    put_stamp(tx, &n, ctx)?;
    set_status(tx, &id, Status::Notified)?;
    log(
        tx,
        ctx,
        &id,
        Op::Notify,
        item.status,
        Status::Notified,
        input.channel.code(),
    )?;
    Ok(())
}

/// Closes a petition once the resident was told, or once it left the ward's flow (forwarded,
/// filed, merged).
pub fn close<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    note: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Close,
        &[
            Status::Notified,
            Status::Forwarded,
            Status::Filed,
            Status::Merged,
        ],
    )?;
    let note = optional("note", note)?;
    let c = rec(tx, section::CLOSURE, &id)?;
    put_str(tx, &c, "note", &note)?;
    put_str(tx, &c, "from", item.status.code())?;
    put_stamp(tx, &c, ctx)?;
    set_status(tx, &id, Status::Closed)?;
    log(tx, ctx, &id, Op::Close, item.status, Status::Closed, &note)?;
    Ok(())
}

/// The status a reopened item goes back to: handling again when it had been assigned and
/// answered, otherwise awaiting a new decision.
fn reopen_target(item: &Item) -> Status {
    let mut s = item.status;
    if s == Status::Closed {
        s = item.closure.as_ref().map_or(Status::Notified, |c| c.from);
    }
    if s == Status::Notified {
        s = item
            .notification
            .as_ref()
            .map_or(Status::Approved, |n| n.from);
    }
    match s {
        Status::Assigned | Status::Answered | Status::Approved if item.assignment.is_some() => {
            Status::Assigned
        }
        _ if item.classification.is_some() => Status::Classified,
        _ => Status::Received,
    }
}

/// Reopens a closed, notified, forwarded, filed or merged petition; the reason is required.
/// Nothing recorded before is removed.
pub fn reopen<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    reason: &str,
) -> Result<Status, HandlingError> {
    let item = load(&*tx, &id)?;
    transition(
        &item,
        Op::Reopen,
        &[
            Status::Closed,
            Status::Notified,
            Status::Forwarded,
            Status::Filed,
            Status::Merged,
        ],
    )?;
    let reason = required("reason", reason)?;
    let to = reopen_target(&item);
    set_status(tx, &id, to)?;
    log(tx, ctx, &id, Op::Reopen, item.status, to, &reason)?;
    Ok(to)
}

/// Gives a petition a fresh register number (or, with `keep`, keeps one of the numbers it holds
/// and lets the others go). The numbers let go are released, never reused. Without a conflict a
/// reason is required. Returns the number the petition now holds.
pub fn renumber<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    keep: Option<RegisterNo>,
    reason: &str,
) -> Result<RegisterNo, HandlingError> {
    let h = read(&*tx)?;
    let item = h
        .get(&id)
        .ok_or_else(|| HandlingError::NotReceived { id: sid(&id) })?;
    let shared = item.numbers.iter().any(|n| h.holders(*n).len() > 1);
    let several = item.numbers.len() > 1;
    let reason = reason.trim();
    if !shared && !several && reason.is_empty() {
        return Err(HandlingError::NoNumberConflict {
            id: sid(&id),
            no: item.number(),
        });
    }
    let new = match keep {
        Some(k) => {
            if !item.numbers.contains(&k) {
                return Err(HandlingError::NotHeld {
                    id: sid(&id),
                    no: k,
                });
            }
            k
        }
        None => {
            let year = item
                .received
                .as_ref()
                .map(|r| r.date.year())
                .or(item.number().map(|n| n.year))
                .unwrap_or(ctx.today().year());
            RegisterNo {
                year,
                number: h.next_number(year),
            }
        }
    };
    let old: Vec<RegisterNo> = item.numbers.iter().copied().filter(|n| *n != new).collect();
    let note = if reason.is_empty() {
        format!(
            "{} → {new}",
            old.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!(
            "{} → {new}: {reason}",
            old.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let reg = sec(tx, section::REGISTER)?;
    if keep.is_some()
        && let Some(c) = Reader::new(&*tx).obj(&reg, new.claim_key(&id).as_str())
    {
        put_str(tx, &c, "released_at", "")?;
    }
    for n in &old {
        if let Some(c) = Reader::new(&*tx).obj(&reg, n.claim_key(&id).as_str()) {
            put_str(tx, &c, "released_at", &ctx.at())?;
            put_str(tx, &c, "released_by", &ctx.by)?;
            put_str(tx, &c, "released_note", &note)?;
        }
    }
    if keep.is_none() {
        write_claim(tx, ctx, &id, new)?;
    }
    log(tx, ctx, &id, Op::Renumber, item.status, item.status, &note)?;
    Ok(new)
}

/// Settles a status conflict by choosing one of the conflicting values.
pub fn resolve<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: Uuid,
    keep: Status,
    note: &str,
) -> Result<(), HandlingError> {
    let item = load(&*tx, &id)?;
    if item.status == Status::Collected {
        return Err(HandlingError::NotReceived { id: sid(&id) });
    }
    if item.status_conflict.is_empty() {
        return Err(HandlingError::NoStatusConflict { id: sid(&id) });
    }
    if !item.status_conflict.contains(&keep) {
        return Err(HandlingError::NotAConflictingStatus {
            id: sid(&id),
            status: keep,
        });
    }
    let note = optional("note", note)?;
    set_status(tx, &id, keep)?;
    let text = format!(
        "{} → {}{}",
        status_list(&item.status_conflict, Lang::Vi),
        keep.code(),
        if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        }
    );
    log(tx, ctx, &id, Op::Resolve, item.status, keep, &text)?;
    Ok(())
}
