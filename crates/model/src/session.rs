//! Dialogue sessions (cuộc tiếp xúc, đối thoại) and the ward's annual plan of them.
//!
//! ## The session document (one per session, written by office devices, read by every device)
//! ```text
//! { type: "session", schema: 1, id: "<uuid>", kind, topic, title, date: "YYYY-MM-DD",
//!   start: "HH:MM", end: "HH:MM", place, plan_id, report_no, secretary,
//!   created_at, created_by, updated_at,
//!   chairs:      { "<role or key>": {role, title, name, order} },
//!   attendance:  { "<category>": {invited, present} },          (standard categories made at creation)
//!   attendees:   { "<uuid v7>": {name, category, unit, at, by} },
//!   speakers:    { "p-<petition id>" | "<uuid v7>": {order, name, unit, source, topic,
//!                  petitions: {"<pid>": true}, at, by} },
//!   steps:       { "1".."6": {at, by, note} },                    (all six made at creation)
//!   speeches:    { "<uuid v7>": {order, at, speaker, name, unit, summary, field,
//!                  petitions: {"<pid>": true}, on_spot, answer, answered_by, recorded_at, by} },
//!   conclusions: { "<uuid v7>": {order, text, department, deadline, petitions: {..},
//!                  speeches: {"<speech id>": true}, at, by} },
//!   minutes:     Text,
//!   concluded:   {at, by, device},                                (absent until concluded)
//!   applied:     { "<source>/<pid>": {handling, op, pid, source, outcome, at, by} } }
//! ```
//! **Why this shape.** Everything two secretaries can add at the same time in a hall with no
//! network (speakers, speeches, conclusions, attendees) is a map keyed by a fresh UUID v7, never a
//! list, so that merging their laptops keeps every entry; the order shown is an explicit `order`
//! field (then the id, which is time-ordered) and two entries given the same number offline both
//! stay. Fixed sub-records (the six steps, the standard attendance categories, the minutes text)
//! are created once with the document: Automerge keeps only one of two maps created concurrently
//! at the same key, so devices never create them again. A speaker registered from a petition is
//! keyed by the petition (`p-<id>`), so registering the same petition on two laptops is one
//! speaker. Only changed fields are written. The minutes are an Automerge Text, so two people
//! editing different paragraphs both keep their words.
//!
//! The session document holds no addresses, phones or ID numbers: a speaker is a name and a TDP
//! or organisation, as announced in the hall; the petitions are referred to by id.
//!
//! ## In the ward document
//! ```text
//! plan:     { "<uuid v7>": {id, year, month, kind, topic, note, chairs: {..}, created_at, created_by} }
//! sessions: { "<session document id>": {id, date, kind, topic, title, status, plan_id,
//!             chair_roles: [..]} }
//! ```
//! The `sessions` map is an index for lists and the plan check; the session document is the
//! record.
//!
//! ## The plan check
//! The ward's plan (Dĩnh Kế 2024, §II.2) asks for at least two periodic dialogue sessions a year,
//! one of them thematic; the Law on Grassroots Democracy 2022 (art. 32) asks for at least one
//! dialogue conference a year between the chair of the People's Committee and residents.
//! [`check_plan`] counts the sessions held, matches them to the planned ones, and lists what is
//! missing or late.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT, ReadDoc};
use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::doc::{
    ChangeMeta, DocError, Reader, ensure_map, expect_type, put_bool, put_i64, put_opt_str, put_str,
    put_strings,
};
use crate::error::ValidationError;
use crate::handling::{
    self, AnswerInput, AssignInput, ClassifyInput, Competence, Ctx, HandlingError,
};
use crate::lang::{Lang, Localize};
use crate::petition::PetitionKind;
use crate::petition::{MAX_SHORT_CHARS, MAX_TEXT_CHARS};
use crate::registry::Registry;
use crate::status::Status;
use crate::text::fold;
use crate::time::{format_date, to_stored};
use crate::workdays::Calendar;

/// The `type` of a session document.
pub const TYPE: &str = "session";
/// The schema version written by this code.
pub const SCHEMA: i64 = 1;

// ---------------------------------------------------------------------------------------------
// Kinds, chairs, categories, steps
// ---------------------------------------------------------------------------------------------

/// The kinds of dialogue session in the ward's plan (§II.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// Định kỳ: periodic, at least twice a year (the plan puts one in June).
    DinhKy,
    /// Chuyên đề: thematic, with a topic; at least once a year (the plan puts one in October).
    ChuyenDe,
    /// Đột xuất: called by a head when needed.
    DotXuat,
    /// Thường xuyên: through voter-contact conferences and other regular meetings.
    ThuongXuyen,
}

impl SessionKind {
    pub const ALL: [SessionKind; 4] = [
        SessionKind::DinhKy,
        SessionKind::ChuyenDe,
        SessionKind::DotXuat,
        SessionKind::ThuongXuyen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SessionKind::DinhKy => "dinh_ky",
            SessionKind::ChuyenDe => "chuyen_de",
            SessionKind::DotXuat => "dot_xuat",
            SessionKind::ThuongXuyen => "thuong_xuyen",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SessionKind::DinhKy => lang.pick("Định kỳ", "Periodic"),
            SessionKind::ChuyenDe => lang.pick("Chuyên đề", "Thematic"),
            SessionKind::DotXuat => lang.pick("Đột xuất", "Ad hoc"),
            SessionKind::ThuongXuyen => lang.pick("Thường xuyên", "Regular"),
        }
    }

    /// Parses a code or a label in either language, with or without diacritics.
    pub fn parse(s: &str) -> Option<SessionKind> {
        let f = fold(s).replace([' ', '-'], "_");
        SessionKind::ALL.into_iter().find(|k| {
            k.code() == f
                || fold(k.label(Lang::Vi)).replace(' ', "_") == f
                || fold(k.label(Lang::En)).replace(' ', "_") == f
                || match k {
                    SessionKind::DinhKy => matches!(f.as_str(), "dk" | "periodic"),
                    SessionKind::ChuyenDe => matches!(f.as_str(), "cd" | "thematic"),
                    SessionKind::DotXuat => matches!(f.as_str(), "dx" | "ad_hoc" | "adhoc"),
                    SessionKind::ThuongXuyen => matches!(f.as_str(), "tx" | "regular"),
                }
        })
    }

    /// Counts towards the plan's "at least two periodic sessions, one of them thematic".
    pub fn is_periodic(self) -> bool {
        matches!(self, SessionKind::DinhKy | SessionKind::ChuyenDe)
    }

    /// A dialogue conference of the ward's heads with residents (not a regular meeting).
    pub fn is_conference(self) -> bool {
        !matches!(self, SessionKind::ThuongXuyen)
    }

    /// Who chairs a session of this kind according to the plan (§II.3.1).
    pub fn plan_chairs(self) -> &'static [ChairRole] {
        match self {
            SessionKind::DinhKy => &[
                ChairRole::BiThu,
                ChairRole::ChuTichHdnd,
                ChairRole::ChuTichUbnd,
            ],
            SessionKind::ChuyenDe => &[ChairRole::BiThu, ChairRole::ChuTichUbnd],
            _ => &[],
        }
    }
}

/// The role of a chair of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChairRole {
    /// Bí thư Đảng ủy: the head of the Party committee.
    BiThu,
    /// Chủ tịch HĐND: the head of the People's Council.
    ChuTichHdnd,
    /// Chủ tịch UBND: the head of the People's Committee.
    ChuTichUbnd,
    /// Anyone else (a deputy chairing on a head's behalf): the title is given.
    Other,
}

impl ChairRole {
    pub const ALL: [ChairRole; 4] = [
        ChairRole::BiThu,
        ChairRole::ChuTichHdnd,
        ChairRole::ChuTichUbnd,
        ChairRole::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChairRole::BiThu => "bi_thu",
            ChairRole::ChuTichHdnd => "ct_hdnd",
            ChairRole::ChuTichUbnd => "ct_ubnd",
            ChairRole::Other => "khac",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ChairRole::BiThu => lang.pick("Bí thư Đảng ủy", "Party Committee Secretary"),
            ChairRole::ChuTichHdnd => {
                lang.pick("Chủ tịch HĐND phường", "Chair of the People's Council")
            }
            ChairRole::ChuTichUbnd => {
                lang.pick("Chủ tịch UBND phường", "Chair of the People's Committee")
            }
            ChairRole::Other => lang.pick("Khác", "Other"),
        }
    }

    /// Parses a code or a usual way of writing the title.
    pub fn parse(s: &str) -> Option<ChairRole> {
        let f = fold(s).replace(['-', '_', '.'], " ");
        let f = f.split_whitespace().collect::<Vec<_>>().join(" ");
        let compact = f.replace(' ', "");
        match compact.as_str() {
            "bithu"
            | "bithudanguy"
            | "bithudanguyphuong"
            | "partysecretary"
            | "partycommitteesecretary"
            | "secretary" => Some(ChairRole::BiThu),
            "cthdnd"
            | "chutichhdnd"
            | "chutichhdndphuong"
            | "chutichhoidongnhandan"
            | "councilchair"
            | "chairofthepeoplescouncil" => Some(ChairRole::ChuTichHdnd),
            "ctubnd"
            | "chutichubnd"
            | "chutichubndphuong"
            | "chutichuybannhandan"
            | "committeechair"
            | "chairofthepeoplescommittee" => Some(ChairRole::ChuTichUbnd),
            "khac" | "other" => Some(ChairRole::Other),
            _ => None,
        }
    }
}

/// A chair of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chair {
    pub role: ChairRole,
    /// The title as written (for [`ChairRole::Other`]; for the heads, their standard title).
    pub title: String,
    pub name: String,
}

impl Chair {
    /// The title to print.
    pub fn title(&self, lang: Lang) -> String {
        match self.role {
            ChairRole::Other if !self.title.trim().is_empty() => self.title.clone(),
            r => r.label(lang).to_owned(),
        }
    }

    /// Parses `role=Name` (`bi_thu=Đỗ Huy Hoàng`) or `Title: Name`
    /// (`Phó Chủ tịch UBND phường: Trần Văn B`); a title that is not one of the three heads
    /// makes an [`ChairRole::Other`] chair with that title.
    pub fn parse(s: &str) -> Result<Chair, SessionError> {
        let t = s.trim();
        let (title, name) = t
            .split_once('=')
            .or_else(|| t.split_once(':'))
            .map(|(a, b)| (a.trim(), b.trim()))
            .ok_or_else(|| SessionError::BadChair {
                value: t.to_owned(),
            })?;
        if name.is_empty() || title.is_empty() {
            return Err(SessionError::BadChair {
                value: t.to_owned(),
            });
        }
        check_short("chair", name)?;
        check_short("chair", title)?;
        Ok(match ChairRole::parse(title) {
            Some(ChairRole::Other) | None => Chair {
                role: ChairRole::Other,
                title: title.to_owned(),
                name: name.to_owned(),
            },
            Some(role) => Chair {
                role,
                title: String::new(),
                name: name.to_owned(),
            },
        })
    }

    /// The key of the chair in the `chairs` map: the role for the three heads, the folded title
    /// for anyone else.
    fn key(&self) -> String {
        match self.role {
            ChairRole::Other => format!("khac-{}", fold(&self.title).replace(' ', "-")),
            r => r.code().to_owned(),
        }
    }
}

/// An attendance category (§II.3.2 of the plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Thường trực Đảng ủy, HĐND, UBND.
    ThuongTruc,
    /// Chủ tịch UB MTTQ, trưởng, phó các tổ chức chính trị - xã hội.
    MttqDoanThe,
    /// Cán bộ, công chức chuyên môn có liên quan.
    CanBo,
    /// Bí thư chi bộ, tổ trưởng, trưởng ban công tác mặt trận, đoàn thể TDP.
    CoSo,
    /// Đại diện cán bộ, đảng viên và các tầng lớp nhân dân.
    NhanDan,
    /// Khách mời khác.
    Khac,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::ThuongTruc,
        Category::MttqDoanThe,
        Category::CanBo,
        Category::CoSo,
        Category::NhanDan,
        Category::Khac,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::ThuongTruc => "thuong_truc",
            Category::MttqDoanThe => "mttq",
            Category::CanBo => "can_bo",
            Category::CoSo => "co_so",
            Category::NhanDan => "nhan_dan",
            Category::Khac => "khac",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Category::ThuongTruc => lang.pick(
                "Thường trực Đảng ủy, HĐND, UBND phường",
                "Standing members of the Party Committee, People's Council and People's Committee",
            ),
            Category::MttqDoanThe => lang.pick(
                "Chủ tịch UB MTTQ, trưởng, phó các tổ chức chính trị - xã hội",
                "Fatherland Front chair and heads of the mass organisations",
            ),
            Category::CanBo => lang.pick(
                "Cán bộ, công chức chuyên môn có liên quan",
                "Officials of the departments concerned",
            ),
            Category::CoSo => lang.pick(
                "Bí thư chi bộ, tổ trưởng, trưởng ban công tác mặt trận, đoàn thể tổ dân phố",
                "Branch secretaries, TDP leaders, front work committee and TDP organisation heads",
            ),
            Category::NhanDan => lang.pick(
                "Đại diện cán bộ, đảng viên và các tầng lớp nhân dân",
                "Representatives of Party members and residents",
            ),
            Category::Khac => lang.pick("Khách mời khác", "Other guests"),
        }
    }

    /// Parses a code or label, with or without diacritics.
    pub fn parse(s: &str) -> Option<Category> {
        let f = fold(s).replace([' ', '-'], "_");
        Category::ALL.into_iter().find(|c| {
            c.code() == f
                || fold(c.label(Lang::Vi)).replace([' ', '-'], "_") == f
                || match c {
                    Category::ThuongTruc => matches!(f.as_str(), "standing" | "lanh_dao"),
                    Category::MttqDoanThe => {
                        matches!(
                            f.as_str(),
                            "mttq_doan_the" | "doan_the" | "front" | "mat_tran"
                        )
                    }
                    Category::CanBo => matches!(f.as_str(), "officials" | "cong_chuc"),
                    Category::CoSo => matches!(f.as_str(), "to_truong" | "chi_bo" | "tdp"),
                    Category::NhanDan => {
                        matches!(f.as_str(), "residents" | "nguoi_dan" | "dan" | "cu_tri")
                    }
                    Category::Khac => matches!(f.as_str(), "other" | "khach"),
                }
        })
    }
}

/// The six steps of the proceedings (§II.4 of the plan).
pub const STEPS: usize = 6;

/// The short name of step `n` (1 to 6).
pub fn step_label(n: u8, lang: Lang) -> &'static str {
    match n {
        1 => lang.pick("Khai mạc", "Opening"),
        2 => lang.pick(
            "Thông báo nội dung đối thoại",
            "Announcement of the content",
        ),
        3 => lang.pick("Nhân dân phát biểu ý kiến", "Residents speak"),
        4 => lang.pick("Trả lời ý kiến, kiến nghị", "Answers"),
        5 => lang.pick("Trao đổi, phát biểu thêm", "Further exchange"),
        6 => lang.pick("Chủ trì kết luận", "The chair concludes"),
        _ => "",
    }
}

/// What step `n` consists of, as the plan describes it.
pub fn step_description(n: u8, lang: Lang) -> &'static str {
    match n {
        1 => lang.pick(
            "Tuyên bố lý do, giới thiệu đại biểu, thành phần tham dự, nội dung, chương trình, nội quy; giới thiệu chủ tọa, thư ký và bộ phận tiếp nhận, tổng hợp ý kiến, đăng ký phát biểu của nhân dân",
            "Reason, delegates, programme and rules; the chair, the secretary and the team registering speakers are introduced",
        ),
        2 => lang.pick(
            "Người chủ trì thông báo với nhân dân về nội dung tiếp xúc, đối thoại",
            "The chair announces the content of the dialogue",
        ),
        3 => lang.pick(
            "Nhân dân phát biểu ý kiến theo thứ tự, nội dung đã đăng ký và theo sự điều hành của người chủ trì",
            "Residents speak in the registered order, as the chair directs",
        ),
        4 => lang.pick(
            "Người chủ trì trả lời trực tiếp hoặc phân công cán bộ chuyên môn trả lời những ý kiến, kiến nghị thuộc thẩm quyền",
            "The chair or an assigned official answers the matters within the ward's competence",
        ),
        5 => lang.pick(
            "Nhân dân tiếp tục trao đổi, phát biểu ý kiến",
            "Residents continue the exchange",
        ),
        6 => lang.pick(
            "Người chủ trì kết luận những nội dung đã đối thoại, đã được giải quyết; chỉ đạo các bộ phận chuyên môn giải quyết, trả lời những nội dung chưa được giải quyết",
            "The chair concludes: what was resolved, and which department must resolve and answer the rest",
        ),
        _ => "",
    }
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/// Attendance of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendance {
    pub category: Category,
    pub invited: Option<u32>,
    pub present: Option<u32>,
}

/// A person on the optional named list of those present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendee {
    pub id: String,
    pub name: String,
    pub category: Category,
    /// Office, organisation or TDP.
    pub unit: String,
    pub at: String,
    pub by: String,
}

/// Where a speaker's registration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerSource {
    /// A petition whose resident asked to speak.
    Petition,
    /// Registered at the hall.
    WalkIn,
}

impl SpeakerSource {
    pub fn code(self) -> &'static str {
        match self {
            SpeakerSource::Petition => "petition",
            SpeakerSource::WalkIn => "walk_in",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SpeakerSource::Petition => lang.pick("đăng ký trước", "registered beforehand"),
            SpeakerSource::WalkIn => lang.pick("đăng ký tại hội nghị", "registered at the hall"),
        }
    }
}

/// A registered speaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Speaker {
    pub key: String,
    pub order: i64,
    pub name: String,
    /// TDP or organisation.
    pub unit: String,
    pub source: SpeakerSource,
    /// What the speaker means to raise.
    pub topic: String,
    pub petitions: Vec<Uuid>,
    pub at: String,
    pub by: String,
}

/// A step of the proceedings as it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub n: u8,
    /// When it started, `HH:MM`.
    pub at: Option<String>,
    /// Who led it.
    pub by: String,
    pub note: String,
}

/// One speech: what a resident raised, and how it was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Speech {
    pub id: String,
    pub order: i64,
    /// When, `HH:MM`.
    pub at: String,
    /// The speaker's key in the register, if registered.
    pub speaker: Option<String>,
    pub name: String,
    pub unit: String,
    pub summary: String,
    /// The field, when no petition says it.
    pub field: Option<String>,
    pub petitions: Vec<Uuid>,
    /// Answered on the spot.
    pub on_spot: bool,
    pub answer: String,
    /// The chair or official who answered.
    pub answered_by: String,
    pub recorded_at: String,
    pub by: String,
}

/// One conclusion of the chair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conclusion {
    pub id: String,
    pub order: i64,
    pub text: String,
    /// The department that must resolve and answer (registry id); `None` for a conclusion that
    /// assigns nothing (a matter resolved, a general direction).
    pub department: Option<String>,
    /// `None`: ten working days from the session.
    pub deadline: Option<NaiveDate>,
    pub petitions: Vec<Uuid>,
    pub speeches: Vec<String>,
    pub at: String,
    pub by: String,
}

impl Conclusion {
    /// The deadline, defaulting to ten working days from the session's date.
    pub fn effective_deadline(&self, session_date: NaiveDate, cal: &Calendar) -> NaiveDate {
        self.deadline
            .unwrap_or_else(|| cal.ten_working_days(session_date))
    }
}

/// When and by whom the session was concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concluded {
    pub at: String,
    pub by: String,
    pub device: String,
}

/// A record that a conclusion or an on-the-spot answer was carried into a handling document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub key: String,
    /// The handling document it was written to.
    pub handling: String,
    /// `assign` or `answer_on_spot`.
    pub op: String,
    pub pid: Uuid,
    /// The conclusion or speech id.
    pub source: String,
    pub outcome: String,
    pub at: String,
    pub by: String,
}

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Created, being prepared.
    Prepared,
    /// Under way or held (a step, a speech or the start time was recorded).
    Held,
    /// Concluded: the conclusions were carried into the handling document.
    Concluded,
}

impl SessionStatus {
    pub fn code(self) -> &'static str {
        match self {
            SessionStatus::Prepared => "prepared",
            SessionStatus::Held => "held",
            SessionStatus::Concluded => "concluded",
        }
    }
    pub fn parse(s: &str) -> Option<SessionStatus> {
        match s {
            "prepared" => Some(SessionStatus::Prepared),
            "held" => Some(SessionStatus::Held),
            "concluded" => Some(SessionStatus::Concluded),
            _ => None,
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            SessionStatus::Prepared => lang.pick("Đang chuẩn bị", "In preparation"),
            SessionStatus::Held => lang.pick("Đã tổ chức", "Held"),
            SessionStatus::Concluded => lang.pick("Đã kết luận", "Concluded"),
        }
    }
}

/// A whole session as read from its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub id: String,
    pub kind: SessionKind,
    pub topic: String,
    pub title: String,
    pub date: NaiveDate,
    pub start: Option<String>,
    pub end: Option<String>,
    pub place: String,
    pub plan_id: Option<String>,
    /// The number of the report (e.g. `25/BC-UBND`), when the office has given one.
    pub report_no: String,
    pub chairs: Vec<Chair>,
    pub secretary: String,
    pub attendance: Vec<Attendance>,
    pub attendees: Vec<Attendee>,
    pub speakers: Vec<Speaker>,
    pub steps: Vec<StepRecord>,
    pub speeches: Vec<Speech>,
    pub conclusions: Vec<Conclusion>,
    pub minutes: String,
    pub concluded: Option<Concluded>,
    pub applied: Vec<Applied>,
    pub created_at: String,
    pub created_by: String,
}

impl Session {
    /// The title, or the standard one for its kind and topic.
    pub fn display_title(&self, lang: Lang) -> String {
        if !self.title.trim().is_empty() {
            return self.title.clone();
        }
        default_title(self.kind, &self.topic, lang)
    }

    pub fn status(&self) -> SessionStatus {
        if self.concluded.is_some() {
            SessionStatus::Concluded
        } else if self.start.is_some()
            || self.steps.iter().any(|s| s.at.is_some())
            || !self.speeches.is_empty()
        {
            SessionStatus::Held
        } else {
            SessionStatus::Prepared
        }
    }

    /// The start time: as set, or the time of the first step recorded.
    pub fn start_time(&self) -> Option<String> {
        self.start
            .clone()
            .or_else(|| self.steps.iter().find_map(|s| s.at.clone()))
    }

    pub fn invited_total(&self) -> u32 {
        self.attendance.iter().filter_map(|a| a.invited).sum()
    }

    /// People present: the counts, or the named list for categories without a count.
    pub fn present_total(&self) -> u32 {
        Category::ALL.iter().map(|c| self.present_in(*c)).sum()
    }

    /// People present in a category: its count, else the number named in it.
    pub fn present_in(&self, c: Category) -> u32 {
        self.attendance
            .iter()
            .find(|a| a.category == c)
            .and_then(|a| a.present)
            .unwrap_or_else(|| self.attendees.iter().filter(|a| a.category == c).count() as u32)
    }

    pub fn step(&self, n: u8) -> Option<&StepRecord> {
        self.steps.iter().find(|s| s.n == n)
    }

    pub fn speaker(&self, key: &str) -> Option<&Speaker> {
        self.speakers.iter().find(|s| s.key == key)
    }

    pub fn speech(&self, id: &str) -> Option<&Speech> {
        self.speeches.iter().find(|s| s.id == id)
    }

    /// The petitions answered on the spot in this session.
    pub fn answered_on_spot(&self) -> BTreeSet<Uuid> {
        self.speeches
            .iter()
            .filter(|s| s.on_spot)
            .flat_map(|s| s.petitions.iter().copied())
            .collect()
    }

    /// The petitions a conclusion covers: its own and those of the speeches it names.
    pub fn conclusion_petitions(&self, c: &Conclusion) -> Vec<Uuid> {
        let mut out: Vec<Uuid> = c.petitions.clone();
        for sid in &c.speeches {
            if let Some(sp) = self.speech(sid) {
                for p in &sp.petitions {
                    if !out.contains(p) {
                        out.push(*p);
                    }
                }
            }
        }
        out
    }

    /// Whether the speaker has spoken (a speech refers to the key or to one of its petitions).
    pub fn has_spoken(&self, sp: &Speaker) -> bool {
        self.speeches.iter().any(|s| {
            s.speaker.as_deref() == Some(sp.key.as_str())
                || (!sp.petitions.is_empty()
                    && sp.petitions.iter().any(|p| s.petitions.contains(p)))
        })
    }

    /// The record of an application to `handling` of (`source`, `pid`), if any.
    pub fn applied_to(&self, handling: &str, source: &str, pid: &Uuid) -> Option<&Applied> {
        self.applied
            .iter()
            .find(|a| a.handling == handling && a.source == source && a.pid == *pid)
    }

    /// The index entry of the session in the ward document.
    pub fn entry(&self, doc_id: &str) -> SessionEntry {
        SessionEntry {
            doc_id: doc_id.to_owned(),
            id: self.id.clone(),
            date: self.date,
            kind: self.kind,
            topic: self.topic.clone(),
            title: self.title.clone(),
            status: self.status(),
            plan_id: self.plan_id.clone(),
            chair_roles: self.chairs.iter().map(|c| c.role).collect(),
        }
    }
}

/// The standard title of a session of `kind` about `topic`.
pub fn default_title(kind: SessionKind, topic: &str, lang: Lang) -> String {
    let base = match (kind, lang) {
        (SessionKind::ThuongXuyen, Lang::Vi) => "Hội nghị tiếp xúc, đối thoại thường xuyên",
        (SessionKind::DotXuat, Lang::Vi) => "Hội nghị tiếp xúc, đối thoại đột xuất",
        (SessionKind::ChuyenDe, Lang::Vi) => "Hội nghị đối thoại chuyên đề",
        (SessionKind::DinhKy, Lang::Vi) => "Hội nghị tiếp xúc, đối thoại định kỳ",
        (SessionKind::ThuongXuyen, Lang::En) => "Regular dialogue meeting",
        (SessionKind::DotXuat, Lang::En) => "Ad hoc dialogue conference",
        (SessionKind::ChuyenDe, Lang::En) => "Thematic dialogue conference",
        (SessionKind::DinhKy, Lang::En) => "Periodic dialogue conference",
    };
    if topic.trim().is_empty() {
        base.to_owned()
    } else {
        match lang {
            Lang::Vi => format!("{base} về {}", topic.trim()),
            Lang::En => format!("{base} on {}", topic.trim()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a session operation was refused. Nothing is written when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("a thematic session needs a topic")]
    TopicRequired,
    #[error("{what} is required")]
    Required { what: &'static str },
    #[error("{what} is too long: {actual} characters, at most {max}")]
    TooLong {
        what: &'static str,
        max: usize,
        actual: usize,
    },
    #[error("unknown session kind {value:?}")]
    UnknownKind { value: String },
    #[error("cannot read the time {value:?} (HH:MM)")]
    BadTime { value: String },
    #[error("the session ends ({end}) before it starts ({start})")]
    EndBeforeStart { start: String, end: String },
    #[error("there is no step {value} (1 to 6)")]
    BadStep { value: String },
    #[error("cannot read the chair {value:?} (role=Name)")]
    BadChair { value: String },
    #[error("unknown attendance category {value:?}")]
    UnknownCategory { value: String },
    #[error("the number present ({present}) is larger than the number invited ({invited})")]
    MorePresentThanInvited { invited: u32, present: u32 },
    #[error("{what} {typed:?} not found in the session")]
    NotFound { what: &'static str, typed: String },
    #[error("{typed:?} matches several {what}: {matches:?}")]
    Ambiguous {
        what: &'static str,
        typed: String,
        matches: Vec<String>,
    },
    #[error("the deadline {deadline} is before the session ({date})")]
    DeadlineBeforeSession {
        deadline: NaiveDate,
        date: NaiveDate,
    },
    #[error("the session of {date} has not taken place yet")]
    NotYetHeld { date: NaiveDate },
    #[error("an on-the-spot answer needs the answer or who gave it")]
    OnSpotWithoutAnswer,
    #[error("invalid month {value}")]
    BadMonth { value: u32 },
    #[error("invalid year {value}")]
    BadYear { value: i32 },
    #[error("no planned session {typed:?}")]
    NoSuchPlanned { typed: String },
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl From<automerge::AutomergeError> for SessionError {
    fn from(e: automerge::AutomergeError) -> Self {
        SessionError::Doc(DocError::from(e))
    }
}

/// The Vietnamese and English names of the inputs of session operations.
pub fn input_label(what: &str, lang: Lang) -> &str {
    match what {
        "topic" => lang.pick("chủ đề (--topic)", "topic (--topic)"),
        "place" => lang.pick("địa điểm", "place"),
        "title" => lang.pick("tên hội nghị", "title"),
        "chair" => lang.pick("chủ trì", "chair"),
        "secretary" => lang.pick("thư ký", "secretary"),
        "name" => lang.pick("họ tên (--name)", "name (--name)"),
        "unit" => lang.pick("đơn vị, tổ dân phố", "unit or TDP"),
        "summary" => lang.pick("tóm tắt ý kiến (--summary)", "summary (--summary)"),
        "answer" => lang.pick("nội dung trả lời (--answer)", "answer (--answer)"),
        "answered_by" => lang.pick(
            "người trả lời (--answered-by)",
            "who answered (--answered-by)",
        ),
        "text" => lang.pick(
            "nội dung kết luận (--text)",
            "text of the conclusion (--text)",
        ),
        "note" => lang.pick("ghi chú", "note"),
        "minutes" => lang.pick("biên bản", "minutes"),
        "report_no" => lang.pick("số văn bản", "document number"),
        "speaker" => lang.pick("người phát biểu", "speaker"),
        "speech" => lang.pick("ý kiến phát biểu", "speech"),
        "conclusion" => lang.pick("kết luận", "conclusion"),
        "attendee" => lang.pick("người dự", "attendee"),
        "session" => lang.pick("cuộc đối thoại", "session"),
        "time" => lang.pick(
            "giờ (--at HH:MM; cuộc đối thoại không diễn ra hôm nay)",
            "the time (--at HH:MM; the session is not today)",
        ),
        other => other,
    }
}

impl Localize for SessionError {
    fn localize(&self, lang: Lang) -> String {
        use SessionError::*;
        let l = |w: &str| input_label(w, lang).to_owned();
        match (self, lang) {
            (TopicRequired, Lang::Vi) => {
                "Đối thoại chuyên đề cần ghi chủ đề (--topic), ví dụ --topic \"Giải phóng mặt bằng đường vành đai\".".into()
            }
            (TopicRequired, Lang::En) => "A thematic session needs a topic (--topic).".into(),
            (Required { what }, Lang::Vi) => format!("Cần nhập {}.", l(what)),
            (Required { what }, Lang::En) => format!("The {} is required.", l(what)),
            (TooLong { what, max, actual }, Lang::Vi) => {
                format!("Mục «{}» quá dài: {actual} ký tự, tối đa {max}.", l(what))
            }
            (TooLong { what, max, actual }, Lang::En) => {
                format!("The {} is too long: {actual} characters, at most {max}.", l(what))
            }
            (UnknownKind { value }, Lang::Vi) => format!(
                "Loại đối thoại «{value}» không hợp lệ. Dùng: dinh_ky (định kỳ), chuyen_de (chuyên đề), dot_xuat (đột xuất), thuong_xuyen (thường xuyên)."
            ),
            (UnknownKind { value }, Lang::En) => format!(
                "Unknown session kind {value:?}. Use: dinh_ky (periodic), chuyen_de (thematic), dot_xuat (ad hoc), thuong_xuyen (regular)."
            ),
            (BadTime { value }, Lang::Vi) => {
                format!("Không đọc được giờ «{value}». Hãy viết dạng HH:MM, ví dụ 08:30.")
            }
            (BadTime { value }, Lang::En) => {
                format!("Cannot read the time {value:?}. Write it as HH:MM, e.g. 08:30.")
            }
            (EndBeforeStart { start, end }, Lang::Vi) => {
                format!("Giờ kết thúc ({end}) sớm hơn giờ bắt đầu ({start}).")
            }
            (EndBeforeStart { start, end }, Lang::En) => {
                format!("The end ({end}) is before the start ({start}).")
            }
            (BadStep { value }, Lang::Vi) => format!(
                "Không có bước «{value}». Trình tự có 6 bước: 1 khai mạc, 2 thông báo nội dung, 3 nhân dân phát biểu, 4 trả lời, 5 trao đổi thêm, 6 kết luận."
            ),
            (BadStep { value }, Lang::En) => format!(
                "There is no step {value:?}. The proceedings have 6 steps: 1 opening, 2 content, 3 residents speak, 4 answers, 5 further exchange, 6 conclusion."
            ),
            (BadChair { value }, Lang::Vi) => format!(
                "Không đọc được chủ trì «{value}». Viết dạng vai_trò=Họ tên, ví dụ --chair \"bi_thu=Đỗ Huy Hoàng\" --chair \"ct_ubnd=Nguyễn Văn An\" (vai trò: bi_thu, ct_hdnd, ct_ubnd, hoặc chức danh khác: \"Phó Chủ tịch UBND phường: Trần Văn Bình\")."
            ),
            (BadChair { value }, Lang::En) => format!(
                "Cannot read the chair {value:?}. Write role=Name, e.g. --chair \"bi_thu=Do Huy Hoang\" (roles: bi_thu, ct_hdnd, ct_ubnd, or another title: \"Deputy chair: Name\")."
            ),
            (UnknownCategory { value }, _) => {
                let known = Category::ALL
                    .iter()
                    .map(|c| format!("{} ({})", c.code(), c.label(lang)))
                    .collect::<Vec<_>>()
                    .join("; ");
                match lang {
                    Lang::Vi => format!("Thành phần «{value}» không hợp lệ. Dùng: {known}."),
                    Lang::En => format!("Unknown attendance category {value:?}. Use: {known}."),
                }
            }
            (MorePresentThanInvited { invited, present }, Lang::Vi) => format!(
                "Số có mặt ({present}) lớn hơn số được mời ({invited}); hãy sửa số mời (--invited) nếu có thêm người dân đến dự."
            ),
            (MorePresentThanInvited { invited, present }, Lang::En) => format!(
                "{present} present is more than the {invited} invited; correct --invited if more residents came."
            ),
            (NotFound { what, typed }, Lang::Vi) => format!(
                "Không tìm thấy {} «{typed}» trong cuộc đối thoại. Xem danh sách bằng: doithoai session show",
                l(what)
            ),
            (NotFound { what, typed }, Lang::En) => format!(
                "No {} {typed:?} in the session. See them with: doithoai session show",
                l(what)
            ),
            (Ambiguous { what, typed, matches }, Lang::Vi) => format!(
                "«{typed}» khớp với nhiều {} ({}); hãy gõ rõ hơn.",
                l(what),
                matches.join(", ")
            ),
            (Ambiguous { what, typed, matches }, Lang::En) => format!(
                "{typed:?} matches several {}s ({}); be more specific.",
                l(what),
                matches.join(", ")
            ),
            (DeadlineBeforeSession { deadline, date }, Lang::Vi) => format!(
                "Thời hạn {} sớm hơn ngày đối thoại {}.",
                format_date(*deadline),
                format_date(*date)
            ),
            (DeadlineBeforeSession { deadline, date }, Lang::En) => format!(
                "The deadline {} is before the session ({}).",
                format_date(*deadline),
                format_date(*date)
            ),
            (NotYetHeld { date }, Lang::Vi) => format!(
                "Cuộc đối thoại ngày {} chưa diễn ra: chỉ kết luận được sau khi đã tổ chức.",
                format_date(*date)
            ),
            (NotYetHeld { date }, Lang::En) => format!(
                "The session of {} has not taken place yet: conclude it once held.",
                format_date(*date)
            ),
            (OnSpotWithoutAnswer, Lang::Vi) => {
                "Trả lời tại chỗ cần ghi nội dung trả lời (--answer) hoặc người trả lời (--answered-by).".into()
            }
            (OnSpotWithoutAnswer, Lang::En) => {
                "An on-the-spot answer needs the answer (--answer) or who gave it (--answered-by).".into()
            }
            (BadMonth { value }, Lang::Vi) => format!("Tháng {value} không hợp lệ (1 đến 12)."),
            (BadMonth { value }, Lang::En) => format!("Invalid month {value} (1 to 12)."),
            (BadYear { value }, Lang::Vi) => format!("Năm {value} không hợp lệ (2000 đến 2100)."),
            (BadYear { value }, Lang::En) => format!("Invalid year {value} (2000 to 2100)."),
            (NoSuchPlanned { typed }, Lang::Vi) => format!(
                "Không có cuộc đối thoại «{typed}» trong kế hoạch. Xem kế hoạch bằng: doithoai plan list"
            ),
            (NoSuchPlanned { typed }, Lang::En) => format!(
                "No planned session {typed:?}. See the plan with: doithoai plan list"
            ),
            (Validation(e), l) => e.localize(l),
            (Doc(e), l) => e.localize(l),
        }
    }
}

fn check_len(what: &'static str, s: &str, max: usize) -> Result<(), SessionError> {
    let n = s.chars().count();
    if n > max {
        return Err(SessionError::TooLong {
            what,
            max,
            actual: n,
        });
    }
    Ok(())
}

fn check_short(what: &'static str, s: &str) -> Result<(), SessionError> {
    check_len(what, s, MAX_SHORT_CHARS)
}

fn check_text(what: &'static str, s: &str) -> Result<(), SessionError> {
    check_len(what, s, MAX_TEXT_CHARS)
}

fn required(what: &'static str, s: &str) -> Result<String, SessionError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(SessionError::Required { what });
    }
    check_text(what, t)?;
    Ok(t.to_owned())
}

/// Parses a time of day as users type it: `8:30`, `08:30`, `8h30`, `8h`.
pub fn parse_time(s: &str) -> Result<String, SessionError> {
    let t = s.trim().to_lowercase().replace(['h', '.'], ":");
    let t = t.trim_end_matches(':');
    let bad = || SessionError::BadTime {
        value: s.trim().to_owned(),
    };
    let (h, m) = match t.split_once(':') {
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None => (t, "0"),
    };
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    let m: u32 = m.trim().parse().map_err(|_| bad())?;
    let time = NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)?;
    Ok(time.format("%H:%M").to_string())
}

fn parse_step(n: u8) -> Result<u8, SessionError> {
    if (1..=STEPS as u8).contains(&n) {
        Ok(n)
    } else {
        Err(SessionError::BadStep {
            value: n.to_string(),
        })
    }
}

/// A fresh key for a speech, conclusion, speaker or attendee: a UUID v7 (time-ordered).
pub fn new_key() -> String {
    Uuid::now_v7().simple().to_string()
}

/// The key of the speaker registered from petition `pid`.
pub fn petition_speaker_key(pid: &Uuid) -> String {
    format!("p-{pid}")
}

/// The change message of a session operation.
pub fn meta(ctx: &Ctx, op: &str, ids: Vec<String>) -> ChangeMeta {
    ChangeMeta::new(&ctx.by, &format!("session.{op}"), ids)
}

// ---------------------------------------------------------------------------------------------
// Creating and editing a session document
// ---------------------------------------------------------------------------------------------

/// What is known when a session is created.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub kind: SessionKind,
    pub topic: String,
    pub title: String,
    pub date: NaiveDate,
    pub start: Option<String>,
    pub end: Option<String>,
    pub place: String,
    pub chairs: Vec<Chair>,
    pub secretary: String,
    pub plan_id: Option<String>,
}

impl NewSession {
    /// Checks the input; returns the id the session will have.
    pub fn validate(&self) -> Result<(), SessionError> {
        if self.kind == SessionKind::ChuyenDe && self.topic.trim().is_empty() {
            return Err(SessionError::TopicRequired);
        }
        check_short("topic", &self.topic)?;
        check_short("title", &self.title)?;
        check_short("place", &self.place)?;
        check_short("secretary", &self.secretary)?;
        if self.date < crate::petition::earliest_date() {
            return Err(ValidationError::ImpossibleDate {
                value: format_date(self.date),
            }
            .into());
        }
        check_times(self.start.as_deref(), self.end.as_deref())?;
        Ok(())
    }
}

fn check_times(start: Option<&str>, end: Option<&str>) -> Result<(), SessionError> {
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(SessionError::EndBeforeStart {
            start: s.to_owned(),
            end: e.to_owned(),
        });
    }
    Ok(())
}

fn date_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date_key(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn write_chairs<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    chairs: &[Chair],
) -> Result<(), DocError> {
    let map = ensure_map(tx, obj, "chairs")?;
    let keep: Vec<String> = chairs.iter().map(Chair::key).collect();
    for k in Reader::new(&*tx).keys(&map) {
        if !keep.contains(&k) {
            tx.delete(&map, k.as_str())?;
        }
    }
    for (i, c) in chairs.iter().enumerate() {
        let o = ensure_map(tx, &map, &c.key())?;
        put_str(tx, &o, "role", c.role.code())?;
        put_str(tx, &o, "title", &c.title)?;
        put_str(tx, &o, "name", &c.name)?;
        put_i64(tx, &o, "order", i as i64 + 1)?;
    }
    Ok(())
}

fn read_chairs<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId) -> Vec<Chair> {
    let Some(map) = r.obj(obj, "chairs") else {
        return Vec::new();
    };
    let mut v: Vec<(i64, String, Chair)> = r
        .keys(&map)
        .into_iter()
        .filter_map(|k| {
            let o = r.obj(&map, k.as_str())?;
            let role = r
                .str(&o, "role")
                .and_then(|s| ChairRole::parse(&s))
                .unwrap_or(ChairRole::Other);
            Some((
                r.i64(&o, "order").unwrap_or(i64::MAX),
                k,
                Chair {
                    role,
                    title: r.string(&o, "title"),
                    name: r.string(&o, "name"),
                },
            ))
        })
        .collect();
    v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    v.into_iter().map(|(_, _, c)| c).collect()
}

/// Replaces a set of ids (a map of id → true), writing only what changed.
fn put_id_set<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    ids: &[String],
) -> Result<(), DocError> {
    let map = ensure_map(tx, obj, key)?;
    for k in Reader::new(&*tx).keys(&map) {
        if !ids.contains(&k) {
            tx.delete(&map, k.as_str())?;
        }
    }
    for id in ids {
        if Reader::new(&*tx).bool(&map, id.as_str()) != Some(true) {
            tx.put(&map, id.as_str(), true)?;
        }
    }
    Ok(())
}

fn read_id_set<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId, key: &str) -> Vec<String> {
    r.obj(obj, key)
        .map(|m| {
            r.keys(&m)
                .into_iter()
                .filter(|k| r.bool(&m, k.as_str()) != Some(false))
                .collect()
        })
        .unwrap_or_default()
}

fn read_uuid_set<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId, key: &str) -> Vec<Uuid> {
    read_id_set(r, obj, key)
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect()
}

fn uuid_strings(ids: &[Uuid]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    v.sort();
    v.dedup();
    v
}

/// Writes the root structure of a new session document.
pub fn init<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: &str,
    new: &NewSession,
) -> Result<(), SessionError> {
    new.validate()?;
    put_str(tx, &ROOT, "type", TYPE)?;
    put_i64(tx, &ROOT, "schema", SCHEMA)?;
    put_str(tx, &ROOT, "id", id)?;
    put_str(tx, &ROOT, "kind", new.kind.code())?;
    put_str(tx, &ROOT, "topic", new.topic.trim())?;
    put_str(tx, &ROOT, "title", new.title.trim())?;
    put_str(tx, &ROOT, "date", &date_key(new.date))?;
    put_opt_str(tx, &ROOT, "start", new.start.as_deref())?;
    put_opt_str(tx, &ROOT, "end", new.end.as_deref())?;
    put_str(tx, &ROOT, "place", new.place.trim())?;
    put_opt_str(tx, &ROOT, "plan_id", new.plan_id.as_deref())?;
    put_str(tx, &ROOT, "report_no", "")?;
    put_str(tx, &ROOT, "secretary", new.secretary.trim())?;
    put_str(tx, &ROOT, "created_at", &to_stored(&ctx.now))?;
    put_str(tx, &ROOT, "created_by", &ctx.by)?;
    put_str(tx, &ROOT, "updated_at", &to_stored(&ctx.now))?;
    write_chairs(tx, &ROOT, &new.chairs)?;
    let attendance = ensure_map(tx, &ROOT, "attendance")?;
    for c in Category::ALL {
        ensure_map(tx, &attendance, c.code())?;
    }
    for key in [
        "attendees",
        "speakers",
        "speeches",
        "conclusions",
        "applied",
    ] {
        ensure_map(tx, &ROOT, key)?;
    }
    let steps = ensure_map(tx, &ROOT, "steps")?;
    for n in 1..=STEPS {
        ensure_map(tx, &steps, &n.to_string())?;
    }
    if Reader::new(&*tx).get(&ROOT, "minutes").is_none() {
        tx.put_object(&ROOT, "minutes", ObjType::Text)?;
    }
    Ok(())
}

/// A new session document; `id` is the session's own id (a UUID).
pub fn new_document(
    ctx: &Ctx,
    id: &str,
    new: &NewSession,
) -> Result<automerge::Automerge, SessionError> {
    let mut doc = automerge::Automerge::new();
    let m = meta(ctx, "create", vec![id.to_owned()]);
    doc.transact_with::<_, _, SessionError, _>(|_| m.commit_options(), |tx| init(tx, ctx, id, new))
        .map_err(|f| f.error)?;
    Ok(doc)
}

fn section<T: Transactable + ReadDoc>(tx: &mut T, key: &'static str) -> Result<ObjId, DocError> {
    expect_type(&*tx, TYPE)?;
    // Maps are made with the document; an older or foreign document gets them on first use.
    ensure_map(tx, &ROOT, key)
}

fn touch<T: Transactable + ReadDoc>(tx: &mut T, ctx: &Ctx) -> Result<(), DocError> {
    put_str(tx, &ROOT, "updated_at", &to_stored(&ctx.now))
}

/// A change to the session's header; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SessionEdit {
    pub kind: Option<SessionKind>,
    pub topic: Option<String>,
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    /// `Some(None)` clears the time.
    pub start: Option<Option<String>>,
    pub end: Option<Option<String>>,
    pub place: Option<String>,
    /// Replaces the chairs.
    pub chairs: Option<Vec<Chair>>,
    pub secretary: Option<String>,
    pub plan_id: Option<Option<String>>,
    pub report_no: Option<String>,
}

/// Edits the session's header, writing only the fields that changed.
pub fn edit<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    e: &SessionEdit,
) -> Result<(), SessionError> {
    expect_type(&*tx, TYPE)?;
    let cur = read(&*tx)?;
    let kind = e.kind.unwrap_or(cur.kind);
    let topic = e.topic.clone().unwrap_or(cur.topic.clone());
    if kind == SessionKind::ChuyenDe && topic.trim().is_empty() {
        return Err(SessionError::TopicRequired);
    }
    let start = e.start.clone().unwrap_or(cur.start.clone());
    let end = e.end.clone().unwrap_or(cur.end.clone());
    check_times(start.as_deref(), end.as_deref())?;
    if let Some(v) = &e.topic {
        check_short("topic", v)?;
    }
    if let Some(v) = &e.title {
        check_short("title", v)?;
    }
    if let Some(v) = &e.place {
        check_short("place", v)?;
    }
    if let Some(v) = &e.secretary {
        check_short("secretary", v)?;
    }
    if let Some(v) = &e.report_no {
        check_short("report_no", v)?;
    }
    if let Some(k) = e.kind {
        put_str(tx, &ROOT, "kind", k.code())?;
    }
    if let Some(v) = &e.topic {
        put_str(tx, &ROOT, "topic", v.trim())?;
    }
    if let Some(v) = &e.title {
        put_str(tx, &ROOT, "title", v.trim())?;
    }
    if let Some(d) = e.date {
        put_str(tx, &ROOT, "date", &date_key(d))?;
    }
    if let Some(v) = &e.start {
        put_opt_str(tx, &ROOT, "start", v.as_deref())?;
    }
    if let Some(v) = &e.end {
        put_opt_str(tx, &ROOT, "end", v.as_deref())?;
    }
    if let Some(v) = &e.place {
        put_str(tx, &ROOT, "place", v.trim())?;
    }
    if let Some(v) = &e.chairs {
        write_chairs(tx, &ROOT, v)?;
    }
    if let Some(v) = &e.secretary {
        put_str(tx, &ROOT, "secretary", v.trim())?;
    }
    if let Some(v) = &e.plan_id {
        put_opt_str(tx, &ROOT, "plan_id", v.as_deref())?;
    }
    if let Some(v) = &e.report_no {
        put_str(tx, &ROOT, "report_no", v.trim())?;
    }
    touch(tx, ctx)?;
    Ok(())
}

/// Sets the invited and present counts of a category (`None` leaves a count as it is).
pub fn set_attendance<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    category: Category,
    invited: Option<u32>,
    present: Option<u32>,
) -> Result<(), SessionError> {
    let att = section(tx, "attendance")?;
    let o = ensure_map(tx, &att, category.code())?;
    let r = Reader::new(&*tx);
    let cur_inv = r.i64(&o, "invited").and_then(|n| u32::try_from(n).ok());
    let cur_pre = r.i64(&o, "present").and_then(|n| u32::try_from(n).ok());
    let inv = invited.or(cur_inv);
    let pre = present.or(cur_pre);
    // Residents who were not counted among the invited may come: only checked when both are
    // given in the same command.
    if let (Some(i), Some(p)) = (invited, present)
        && p > i
    {
        return Err(SessionError::MorePresentThanInvited {
            invited: i,
            present: p,
        });
    }
    if let Some(i) = inv {
        put_i64(tx, &o, "invited", i64::from(i))?;
    }
    if let Some(p) = pre {
        put_i64(tx, &o, "present", i64::from(p))?;
    }
    touch(tx, ctx)?;
    Ok(())
}

/// Adds a person to the named list of those present; returns the key.
pub fn add_attendee<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    name: &str,
    category: Category,
    unit: &str,
) -> Result<String, SessionError> {
    let name = required("name", name)?;
    check_short("name", &name)?;
    check_short("unit", unit)?;
    let map = section(tx, "attendees")?;
    let key = new_key();
    let o = tx.put_object(&map, key.as_str(), ObjType::Map)?;
    put_str(tx, &o, "name", &name)?;
    put_str(tx, &o, "category", category.code())?;
    put_str(tx, &o, "unit", unit.trim())?;
    put_str(tx, &o, "at", &to_stored(&ctx.now))?;
    put_str(tx, &o, "by", &ctx.by)?;
    touch(tx, ctx)?;
    Ok(key)
}

/// A speaker to register.
#[derive(Debug, Clone)]
pub struct NewSpeaker {
    pub name: String,
    pub unit: String,
    pub topic: String,
    pub source: SpeakerSource,
    pub petitions: Vec<Uuid>,
}

fn next_order<D: ReadDoc>(doc: &D, key: &str) -> i64 {
    let r = Reader::new(doc);
    let Some(m) = r.obj(&ROOT, key) else {
        return 1;
    };
    r.keys(&m)
        .iter()
        .filter_map(|k| r.obj(&m, k.as_str()))
        .filter_map(|o| r.i64(&o, "order"))
        .max()
        .unwrap_or(0)
        + 1
}

/// Registers a speaker at the end of the register; returns the key and whether it is new. A
/// speaker registered from a single petition is keyed by it, so registering it again (on this
/// laptop or another) changes nothing.
pub fn add_speaker<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    s: &NewSpeaker,
) -> Result<(String, bool), SessionError> {
    let name = required("name", &s.name)?;
    check_short("name", &name)?;
    check_short("unit", &s.unit)?;
    check_text("topic", &s.topic)?;
    let map = section(tx, "speakers")?;
    let key = match (s.source, s.petitions.as_slice()) {
        (SpeakerSource::Petition, [one]) => petition_speaker_key(one),
        _ => new_key(),
    };
    if Reader::new(&*tx).obj(&map, key.as_str()).is_some() {
        return Ok((key, false));
    }
    let order = next_order(&*tx, "speakers");
    let o = tx.put_object(&map, key.as_str(), ObjType::Map)?;
    put_i64(tx, &o, "order", order)?;
    put_str(tx, &o, "name", &name)?;
    put_str(tx, &o, "unit", s.unit.trim())?;
    put_str(tx, &o, "source", s.source.code())?;
    put_str(tx, &o, "topic", s.topic.trim())?;
    put_id_set(tx, &o, "petitions", &uuid_strings(&s.petitions))?;
    put_str(tx, &o, "at", &to_stored(&ctx.now))?;
    put_str(tx, &o, "by", &ctx.by)?;
    touch(tx, ctx)?;
    Ok((key, true))
}

/// Moves a speaker to position `order` of the register.
pub fn set_speaker_order<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    key: &str,
    order: i64,
) -> Result<(), SessionError> {
    let map = section(tx, "speakers")?;
    let o = Reader::new(&*tx)
        .obj(&map, key)
        .ok_or_else(|| SessionError::NotFound {
            what: "speaker",
            typed: key.to_owned(),
        })?;
    put_i64(tx, &o, "order", order)?;
    touch(tx, ctx)?;
    Ok(())
}

/// Records when a step of the proceedings began, who led it, and a note (`None` leaves a
/// field as it is).
pub fn set_step<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    n: u8,
    at: Option<&str>,
    by: Option<&str>,
    note: Option<&str>,
) -> Result<(), SessionError> {
    let n = parse_step(n)?;
    let steps = section(tx, "steps")?;
    let o = ensure_map(tx, &steps, &n.to_string())?;
    if let Some(at) = at {
        let at = parse_time(at)?;
        put_str(tx, &o, "at", &at)?;
    }
    if let Some(by) = by {
        check_short("name", by)?;
        put_str(tx, &o, "by", by.trim())?;
    }
    if let Some(note) = note {
        check_text("note", note)?;
        put_str(tx, &o, "note", note.trim())?;
    }
    touch(tx, ctx)?;
    Ok(())
}

/// A speech to record.
#[derive(Debug, Clone, Default)]
pub struct NewSpeech {
    pub speaker: Option<String>,
    pub name: String,
    pub unit: String,
    pub at: Option<String>,
    pub summary: String,
    pub field: Option<String>,
    pub petitions: Vec<Uuid>,
    pub on_spot: bool,
    pub answer: String,
    pub answered_by: String,
}

/// Records a speech after the last one; returns its id. The name and unit default to the
/// registered speaker's.
pub fn add_speech<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    registry: &Registry,
    s: &NewSpeech,
) -> Result<String, SessionError> {
    let summary = required("summary", &s.summary)?;
    let cur = read(&*tx)?;
    let speaker = match &s.speaker {
        Some(k) => Some(
            cur.speaker(k)
                .cloned()
                .ok_or_else(|| SessionError::NotFound {
                    what: "speaker",
                    typed: k.clone(),
                })?,
        ),
        None => None,
    };
    let name = match (s.name.trim(), &speaker) {
        ("", Some(sp)) => sp.name.clone(),
        ("", None) => return Err(SessionError::Required { what: "name" }),
        (n, _) => n.to_owned(),
    };
    let unit = match (s.unit.trim(), &speaker) {
        ("", Some(sp)) => sp.unit.clone(),
        (u, _) => u.to_owned(),
    };
    check_short("name", &name)?;
    check_short("unit", &unit)?;
    check_text("answer", &s.answer)?;
    check_short("answered_by", &s.answered_by)?;
    if s.on_spot && s.answer.trim().is_empty() && s.answered_by.trim().is_empty() {
        return Err(SessionError::OnSpotWithoutAnswer);
    }
    let field = check_field(registry, s.field.as_deref())?;
    let mut petitions = s.petitions.clone();
    if petitions.is_empty()
        && let Some(sp) = &speaker
    {
        petitions = sp.petitions.clone();
    }
    let at = s.at.as_deref().map(parse_time).transpose()?;
    let map = section(tx, "speeches")?;
    let id = new_key();
    let order = next_order(&*tx, "speeches");
    let o = tx.put_object(&map, id.as_str(), ObjType::Map)?;
    put_i64(tx, &o, "order", order)?;
    put_str(tx, &o, "at", at.as_deref().unwrap_or(""))?;
    put_opt_str(
        tx,
        &o,
        "speaker",
        speaker.as_ref().map(|sp| sp.key.as_str()),
    )?;
    put_str(tx, &o, "name", &name)?;
    put_str(tx, &o, "unit", &unit)?;
    put_str(tx, &o, "summary", &summary)?;
    put_opt_str(tx, &o, "field", field.as_deref())?;
    put_id_set(tx, &o, "petitions", &uuid_strings(&petitions))?;
    put_bool(tx, &o, "on_spot", s.on_spot)?;
    put_str(tx, &o, "answer", s.answer.trim())?;
    put_str(tx, &o, "answered_by", s.answered_by.trim())?;
    put_str(tx, &o, "recorded_at", &to_stored(&ctx.now))?;
    put_str(tx, &o, "by", &ctx.by)?;
    touch(tx, ctx)?;
    Ok(id)
}

fn check_field(registry: &Registry, field: Option<&str>) -> Result<Option<String>, SessionError> {
    match field.map(str::trim).filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(f) => registry
            .find_field(f)
            .map(|x| Some(x.code.clone()))
            .ok_or_else(|| {
                ValidationError::UnknownField {
                    value: f.to_owned(),
                    known: registry.fields.iter().map(|x| x.code.clone()).collect(),
                }
                .into()
            }),
    }
}

/// Records (or corrects) the answer to a speech.
pub fn answer_speech<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: &str,
    answer: &str,
    answered_by: &str,
    on_spot: bool,
) -> Result<(), SessionError> {
    check_text("answer", answer)?;
    check_short("answered_by", answered_by)?;
    if answer.trim().is_empty() && answered_by.trim().is_empty() {
        return Err(SessionError::Required { what: "answer" });
    }
    let map = section(tx, "speeches")?;
    let o = Reader::new(&*tx)
        .obj(&map, id)
        .ok_or_else(|| SessionError::NotFound {
            what: "speech",
            typed: id.to_owned(),
        })?;
    if !answer.trim().is_empty() {
        put_str(tx, &o, "answer", answer.trim())?;
    }
    if !answered_by.trim().is_empty() {
        put_str(tx, &o, "answered_by", answered_by.trim())?;
    }
    put_bool(tx, &o, "on_spot", on_spot)?;
    touch(tx, ctx)?;
    Ok(())
}

/// Adds or replaces the petitions a speech raised.
pub fn set_speech_petitions<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    id: &str,
    petitions: &[Uuid],
) -> Result<(), SessionError> {
    let map = section(tx, "speeches")?;
    let o = Reader::new(&*tx)
        .obj(&map, id)
        .ok_or_else(|| SessionError::NotFound {
            what: "speech",
            typed: id.to_owned(),
        })?;
    put_id_set(tx, &o, "petitions", &uuid_strings(petitions))?;
    touch(tx, ctx)?;
    Ok(())
}

/// A conclusion to record.
#[derive(Debug, Clone, Default)]
pub struct NewConclusion {
    pub text: String,
    pub department: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub petitions: Vec<Uuid>,
    pub speeches: Vec<String>,
}

/// Records a conclusion of the chair after the last one; returns its id.
pub fn add_conclusion<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    registry: &Registry,
    c: &NewConclusion,
) -> Result<String, SessionError> {
    let text = required("text", &c.text)?;
    let cur = read(&*tx)?;
    let department = match c
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(d) => Some(find_department(registry, d)?),
    };
    if let Some(dl) = c.deadline
        && dl < cur.date
    {
        return Err(SessionError::DeadlineBeforeSession {
            deadline: dl,
            date: cur.date,
        });
    }
    for s in &c.speeches {
        if cur.speech(s).is_none() {
            return Err(SessionError::NotFound {
                what: "speech",
                typed: s.clone(),
            });
        }
    }
    let map = section(tx, "conclusions")?;
    let id = new_key();
    let order = next_order(&*tx, "conclusions");
    let o = tx.put_object(&map, id.as_str(), ObjType::Map)?;
    put_i64(tx, &o, "order", order)?;
    put_str(tx, &o, "text", &text)?;
    put_opt_str(tx, &o, "department", department.as_deref())?;
    put_opt_str(tx, &o, "deadline", c.deadline.map(date_key).as_deref())?;
    put_id_set(tx, &o, "petitions", &uuid_strings(&c.petitions))?;
    let mut speeches = c.speeches.clone();
    speeches.sort();
    speeches.dedup();
    put_id_set(tx, &o, "speeches", &speeches)?;
    put_str(tx, &o, "at", &to_stored(&ctx.now))?;
    put_str(tx, &o, "by", &ctx.by)?;
    touch(tx, ctx)?;
    Ok(id)
}

/// Finds a department by id or name (with or without diacritics).
pub fn find_department(registry: &Registry, typed: &str) -> Result<String, SessionError> {
    let t = typed.trim();
    match registry.find_department(t) {
        Some(d) => Ok(d.id.clone()),
        None => Err(ValidationError::UnknownDepartment {
            value: t.to_owned(),
        }
        .into()),
    }
}

/// Replaces the minutes text; the change is written as a text diff, so concurrent edits of
/// other parts of the text are kept.
pub fn set_minutes<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    text: &str,
) -> Result<(), SessionError> {
    check_text("minutes", text)?;
    expect_type(&*tx, TYPE)?;
    let obj = match Reader::new(&*tx).get(&ROOT, "minutes") {
        Some((automerge::Value::Object(ObjType::Text), id)) => id,
        // A document written by another tool with a scalar string: it becomes a Text.
        _ => tx.put_object(&ROOT, "minutes", ObjType::Text)?,
    };
    tx.update_text(&obj, text)?;
    touch(tx, ctx)?;
    Ok(())
}

/// Appends a paragraph to the minutes.
pub fn append_minutes<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    paragraph: &str,
) -> Result<(), SessionError> {
    let cur = Reader::new(&*tx).string(&ROOT, "minutes");
    let p = paragraph.trim();
    if p.is_empty() {
        return Err(SessionError::Required { what: "minutes" });
    }
    let text = if cur.trim().is_empty() {
        p.to_owned()
    } else {
        format!("{}\n{p}", cur.trim_end())
    };
    set_minutes(tx, ctx, &text)
}

/// Records that (`source`, `pid`) was carried into the handling document `handling`.
#[allow(clippy::too_many_arguments)]
pub fn record_applied<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    handling: &str,
    op: &str,
    source: &str,
    pid: &Uuid,
    outcome: &str,
) -> Result<(), SessionError> {
    let map = section(tx, "applied")?;
    let key = format!("{source}/{pid}");
    let o = ensure_map(tx, &map, &key)?;
    put_str(tx, &o, "handling", handling)?;
    put_str(tx, &o, "op", op)?;
    put_str(tx, &o, "pid", &pid.to_string())?;
    put_str(tx, &o, "source", source)?;
    put_str(tx, &o, "outcome", outcome)?;
    put_str(tx, &o, "at", &to_stored(&ctx.now))?;
    put_str(tx, &o, "by", &ctx.by)?;
    Ok(())
}

/// Marks the session concluded (the first conclusion is kept) and sets its end time if given.
pub fn mark_concluded<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    end: Option<&str>,
) -> Result<(), SessionError> {
    expect_type(&*tx, TYPE)?;
    if let Some(e) = end {
        let e = parse_time(e)?;
        let start = Reader::new(&*tx).str(&ROOT, "start");
        check_times(start.as_deref(), Some(&e))?;
        put_str(tx, &ROOT, "end", &e)?;
    }
    if Reader::new(&*tx).obj(&ROOT, "concluded").is_none() {
        let o = tx.put_object(&ROOT, "concluded", ObjType::Map)?;
        put_str(tx, &o, "at", &to_stored(&ctx.now))?;
        put_str(tx, &o, "by", &ctx.by)?;
        put_str(tx, &o, "device", &ctx.device)?;
    }
    touch(tx, ctx)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

fn ordered<T>(mut v: Vec<(i64, String, T)>) -> Vec<T> {
    v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    v.into_iter().map(|(_, _, x)| x).collect()
}

fn entries<D: ReadDoc>(r: &Reader<'_, D>, key: &str) -> Vec<(String, ObjId)> {
    r.obj(&ROOT, key)
        .map(|m| {
            r.keys(&m)
                .into_iter()
                .filter_map(|k| r.obj(&m, k.as_str()).map(|o| (k, o)))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a session document.
pub fn read<D: ReadDoc>(doc: &D) -> Result<Session, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let date = r
        .str(&ROOT, "date")
        .and_then(|s| parse_date_key(&s))
        .ok_or_else(|| DocError::BadValue {
            path: "date".into(),
            reason: "not a date".into(),
        })?;
    let kind = r
        .str(&ROOT, "kind")
        .and_then(|k| SessionKind::parse(&k))
        .unwrap_or(SessionKind::DinhKy);
    let opt = |k: &str| r.str(&ROOT, k).filter(|s| !s.trim().is_empty());
    let attendance = r
        .obj(&ROOT, "attendance")
        .map(|m| {
            Category::ALL
                .iter()
                .filter_map(|c| {
                    let o = r.obj(&m, c.code())?;
                    let n = |k: &str| r.i64(&o, k).and_then(|n| u32::try_from(n).ok());
                    let (invited, present) = (n("invited"), n("present"));
                    (invited.is_some() || present.is_some()).then_some(Attendance {
                        category: *c,
                        invited,
                        present,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut attendees: Vec<Attendee> = entries(&r, "attendees")
        .into_iter()
        .map(|(k, o)| Attendee {
            id: k,
            name: r.string(&o, "name"),
            category: r
                .str(&o, "category")
                .and_then(|c| Category::parse(&c))
                .unwrap_or(Category::Khac),
            unit: r.string(&o, "unit"),
            at: r.string(&o, "at"),
            by: r.string(&o, "by"),
        })
        .collect();
    attendees.sort_by(|a, b| (&a.at, &a.id).cmp(&(&b.at, &b.id)));
    let speakers = ordered(
        entries(&r, "speakers")
            .into_iter()
            .map(|(k, o)| {
                (
                    r.i64(&o, "order").unwrap_or(i64::MAX),
                    k.clone(),
                    Speaker {
                        key: k,
                        order: r.i64(&o, "order").unwrap_or(0),
                        name: r.string(&o, "name"),
                        unit: r.string(&o, "unit"),
                        source: match r.str(&o, "source").as_deref() {
                            Some("petition") => SpeakerSource::Petition,
                            _ => SpeakerSource::WalkIn,
                        },
                        topic: r.string(&o, "topic"),
                        petitions: read_uuid_set(&r, &o, "petitions"),
                        at: r.string(&o, "at"),
                        by: r.string(&o, "by"),
                    },
                )
            })
            .collect(),
    );
    let steps = (1..=STEPS as u8)
        .map(|n| {
            let o = r
                .obj(&ROOT, "steps")
                .and_then(|m| r.obj(&m, n.to_string().as_str()));
            match o {
                Some(o) => StepRecord {
                    n,
                    at: r.str(&o, "at").filter(|s| !s.is_empty()),
                    by: r.string(&o, "by"),
                    note: r.string(&o, "note"),
                },
                None => StepRecord {
                    n,
                    at: None,
                    by: String::new(),
                    note: String::new(),
                },
            }
        })
        .collect();
    let speeches = ordered(
        entries(&r, "speeches")
            .into_iter()
            .map(|(k, o)| {
                (
                    r.i64(&o, "order").unwrap_or(i64::MAX),
                    k.clone(),
                    Speech {
                        id: k,
                        order: r.i64(&o, "order").unwrap_or(0),
                        at: r.string(&o, "at"),
                        speaker: r.str(&o, "speaker").filter(|s| !s.is_empty()),
                        name: r.string(&o, "name"),
                        unit: r.string(&o, "unit"),
                        summary: r.string(&o, "summary"),
                        field: r.str(&o, "field").filter(|s| !s.is_empty()),
                        petitions: read_uuid_set(&r, &o, "petitions"),
                        on_spot: r.bool(&o, "on_spot").unwrap_or(false),
                        answer: r.string(&o, "answer"),
                        answered_by: r.string(&o, "answered_by"),
                        recorded_at: r.string(&o, "recorded_at"),
                        by: r.string(&o, "by"),
                    },
                )
            })
            .collect(),
    );
    let conclusions = ordered(
        entries(&r, "conclusions")
            .into_iter()
            .map(|(k, o)| {
                (
                    r.i64(&o, "order").unwrap_or(i64::MAX),
                    k.clone(),
                    Conclusion {
                        id: k,
                        order: r.i64(&o, "order").unwrap_or(0),
                        text: r.string(&o, "text"),
                        department: r.str(&o, "department").filter(|s| !s.is_empty()),
                        deadline: r.str(&o, "deadline").and_then(|s| parse_date_key(&s)),
                        petitions: read_uuid_set(&r, &o, "petitions"),
                        speeches: read_id_set(&r, &o, "speeches"),
                        at: r.string(&o, "at"),
                        by: r.string(&o, "by"),
                    },
                )
            })
            .collect(),
    );
    let mut applied: Vec<Applied> = entries(&r, "applied")
        .into_iter()
        .filter_map(|(k, o)| {
            Some(Applied {
                key: k,
                handling: r.string(&o, "handling"),
                op: r.string(&o, "op"),
                pid: Uuid::parse_str(&r.string(&o, "pid")).ok()?,
                source: r.string(&o, "source"),
                outcome: r.string(&o, "outcome"),
                at: r.string(&o, "at"),
                by: r.string(&o, "by"),
            })
        })
        .collect();
    applied.sort_by(|a, b| a.key.cmp(&b.key));
    let concluded = r.obj(&ROOT, "concluded").map(|o| Concluded {
        at: r.string(&o, "at"),
        by: r.string(&o, "by"),
        device: r.string(&o, "device"),
    });
    Ok(Session {
        id: r.string(&ROOT, "id"),
        kind,
        topic: r.string(&ROOT, "topic"),
        title: r.string(&ROOT, "title"),
        date,
        start: opt("start"),
        end: opt("end"),
        place: r.string(&ROOT, "place"),
        plan_id: opt("plan_id"),
        report_no: r.string(&ROOT, "report_no"),
        chairs: read_chairs(&r, &ROOT),
        secretary: r.string(&ROOT, "secretary"),
        attendance,
        attendees,
        speakers,
        steps,
        speeches,
        conclusions,
        minutes: r.string(&ROOT, "minutes"),
        concluded,
        applied,
        created_at: r.string(&ROOT, "created_at"),
        created_by: r.string(&ROOT, "created_by"),
    })
}

// ---------------------------------------------------------------------------------------------
// Finding entries by what users type
// ---------------------------------------------------------------------------------------------

/// Finds an entry by what a user typed: its position in the list (`3` or `#3`), or the start or
/// end of its key (at least 4 characters). `keys` are in display order.
pub fn find_ref(what: &'static str, keys: &[String], typed: &str) -> Result<String, SessionError> {
    let t = typed.trim().trim_start_matches('#').to_lowercase();
    let not_found = || SessionError::NotFound {
        what,
        typed: typed.trim().to_owned(),
    };
    if let Ok(n) = t.parse::<usize>()
        && n >= 1
        && n <= keys.len()
        && t.len() < 4
    {
        return Ok(keys[n - 1].clone());
    }
    if let Some(k) = keys.iter().find(|k| k.to_lowercase() == t) {
        return Ok(k.clone());
    }
    if t.len() < 4 {
        return Err(not_found());
    }
    let plain = |k: &str| k.to_lowercase().replace('-', "");
    let tp = t.replace('-', "");
    let hits: Vec<&String> = keys
        .iter()
        .filter(|k| {
            let p = plain(k);
            let bare = p.strip_prefix('p').unwrap_or(&p).to_owned();
            p.ends_with(&tp) || p.starts_with(&tp) || bare.starts_with(&tp)
        })
        .collect();
    match hits.as_slice() {
        [] => Err(not_found()),
        [one] => Ok((*one).clone()),
        many => Err(SessionError::Ambiguous {
            what,
            typed: typed.trim().to_owned(),
            matches: many.iter().map(|k| short_key(k)).collect(),
        }),
    }
}

/// The short form of a key for display: the last 6 characters of a UUID key (the random part
/// of a UUID v7), or `p-` and the first 8 of a petition's id.
pub fn short_key(k: &str) -> String {
    if let Some(pid) = k.strip_prefix("p-") {
        return format!("p-{}", pid.chars().take(8).collect::<String>());
    }
    let n = k.chars().count();
    k.chars().skip(n.saturating_sub(6)).collect()
}

// ---------------------------------------------------------------------------------------------
// The annual plan and the index of sessions in the ward document
// ---------------------------------------------------------------------------------------------

/// A session in the annual plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedSession {
    pub id: String,
    pub year: i32,
    pub month: u32,
    pub kind: SessionKind,
    pub topic: String,
    pub chairs: Vec<Chair>,
    pub note: String,
    pub created_at: String,
    pub created_by: String,
}

/// What is given to plan a session.
#[derive(Debug, Clone)]
pub struct NewPlanned {
    pub year: i32,
    pub month: u32,
    pub kind: SessionKind,
    pub topic: String,
    pub chairs: Vec<Chair>,
    pub note: String,
}

fn check_year_month(year: i32, month: u32) -> Result<(), SessionError> {
    if !(2000..=2100).contains(&year) {
        return Err(SessionError::BadYear { value: year });
    }
    if !(1..=12).contains(&month) {
        return Err(SessionError::BadMonth { value: month });
    }
    Ok(())
}

fn ward_section<T: Transactable + ReadDoc>(
    tx: &mut T,
    key: &'static str,
) -> Result<ObjId, DocError> {
    expect_type(&*tx, crate::ward::TYPE)?;
    // ward::init makes both maps; a ward document made before they existed gets them here.
    ensure_map(tx, &ROOT, key)
}

/// Adds a session to the annual plan; returns its id. Chairs default to the plan's rule for
/// the kind (names left blank).
pub fn plan_add<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    p: &NewPlanned,
) -> Result<String, SessionError> {
    check_year_month(p.year, p.month)?;
    if p.kind == SessionKind::ChuyenDe && p.topic.trim().is_empty() {
        return Err(SessionError::TopicRequired);
    }
    check_short("topic", &p.topic)?;
    check_text("note", &p.note)?;
    let plan = ward_section(tx, "plan")?;
    let id = new_key();
    let o = tx.put_object(&plan, id.as_str(), ObjType::Map)?;
    put_str(tx, &o, "id", &id)?;
    put_i64(tx, &o, "year", i64::from(p.year))?;
    put_i64(tx, &o, "month", i64::from(p.month))?;
    put_str(tx, &o, "kind", p.kind.code())?;
    put_str(tx, &o, "topic", p.topic.trim())?;
    put_str(tx, &o, "note", p.note.trim())?;
    write_chairs(tx, &o, &p.chairs)?;
    put_str(tx, &o, "created_at", &to_stored(&ctx.now))?;
    put_str(tx, &o, "created_by", &ctx.by)?;
    Ok(id)
}

/// Writes a planned session under its own id, writing only what changed (to copy a plan made
/// before enrolment into the ward's document).
pub fn plan_put<T: Transactable + ReadDoc>(
    tx: &mut T,
    p: &PlannedSession,
) -> Result<(), SessionError> {
    check_year_month(p.year, p.month)?;
    let plan = ward_section(tx, "plan")?;
    let o = ensure_map(tx, &plan, &p.id)?;
    put_str(tx, &o, "id", &p.id)?;
    put_i64(tx, &o, "year", i64::from(p.year))?;
    put_i64(tx, &o, "month", i64::from(p.month))?;
    put_str(tx, &o, "kind", p.kind.code())?;
    put_str(tx, &o, "topic", &p.topic)?;
    put_str(tx, &o, "note", &p.note)?;
    write_chairs(tx, &o, &p.chairs)?;
    put_str(tx, &o, "created_at", &p.created_at)?;
    put_str(tx, &o, "created_by", &p.created_by)?;
    Ok(())
}

/// Removes a session from the plan.
pub fn plan_remove<T: Transactable + ReadDoc>(tx: &mut T, id: &str) -> Result<(), SessionError> {
    let plan = ward_section(tx, "plan")?;
    if Reader::new(&*tx).obj(&plan, id).is_none() {
        return Err(SessionError::NoSuchPlanned {
            typed: id.to_owned(),
        });
    }
    tx.delete(&plan, id)?;
    Ok(())
}

/// The annual plans in a ward document, by year then month.
pub fn read_plan<D: ReadDoc>(doc: &D) -> Vec<PlannedSession> {
    let r = Reader::new(doc);
    let mut v: Vec<PlannedSession> = entries(&r, "plan")
        .into_iter()
        .filter_map(|(k, o)| {
            Some(PlannedSession {
                id: k,
                year: i32::try_from(r.i64(&o, "year")?).ok()?,
                month: u32::try_from(r.i64(&o, "month")?).ok()?,
                kind: SessionKind::parse(&r.str(&o, "kind")?)?,
                topic: r.string(&o, "topic"),
                chairs: read_chairs(&r, &o),
                note: r.string(&o, "note"),
                created_at: r.string(&o, "created_at"),
                created_by: r.string(&o, "created_by"),
            })
        })
        .collect();
    v.sort_by(|a, b| (a.year, a.month, &a.id).cmp(&(b.year, b.month, &b.id)));
    v
}

/// A session as listed in the ward document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionEntry {
    /// The session document's id.
    pub doc_id: String,
    /// The session's own id.
    pub id: String,
    pub date: NaiveDate,
    pub kind: SessionKind,
    pub topic: String,
    pub title: String,
    pub status: SessionStatus,
    pub plan_id: Option<String>,
    pub chair_roles: Vec<ChairRole>,
}

impl SessionEntry {
    pub fn display_title(&self, lang: Lang) -> String {
        if self.title.trim().is_empty() {
            default_title(self.kind, &self.topic, lang)
        } else {
            self.title.clone()
        }
    }

    /// Held: concluded, or under way, or its date has passed with something recorded.
    pub fn is_held(&self) -> bool {
        self.status != SessionStatus::Prepared
    }
}

/// Lists (or updates) a session in the ward document's index, writing only what changed.
pub fn put_entry<T: Transactable + ReadDoc>(tx: &mut T, e: &SessionEntry) -> Result<(), DocError> {
    let sessions = ward_section(tx, "sessions")?;
    let o = ensure_map(tx, &sessions, &e.doc_id)?;
    put_str(tx, &o, "id", &e.id)?;
    put_str(tx, &o, "date", &date_key(e.date))?;
    put_str(tx, &o, "kind", e.kind.code())?;
    put_str(tx, &o, "topic", &e.topic)?;
    put_str(tx, &o, "title", &e.title)?;
    put_str(tx, &o, "status", e.status.code())?;
    put_opt_str(tx, &o, "plan_id", e.plan_id.as_deref())?;
    let roles: Vec<String> = e.chair_roles.iter().map(|r| r.code().to_owned()).collect();
    put_strings(tx, &o, "chair_roles", &roles)?;
    Ok(())
}

/// The sessions listed in a ward document, by date.
pub fn read_entries<D: ReadDoc>(doc: &D) -> Vec<SessionEntry> {
    let r = Reader::new(doc);
    let mut v: Vec<SessionEntry> = entries(&r, "sessions")
        .into_iter()
        .filter_map(|(k, o)| {
            Some(SessionEntry {
                doc_id: k,
                id: r.string(&o, "id"),
                date: parse_date_key(&r.str(&o, "date")?)?,
                kind: SessionKind::parse(&r.str(&o, "kind")?)?,
                topic: r.string(&o, "topic"),
                title: r.string(&o, "title"),
                status: r
                    .str(&o, "status")
                    .and_then(|s| SessionStatus::parse(&s))
                    .unwrap_or(SessionStatus::Prepared),
                plan_id: r.str(&o, "plan_id").filter(|s| !s.is_empty()),
                chair_roles: r
                    .strings(&o, "chair_roles")
                    .iter()
                    .filter_map(|s| ChairRole::parse(s))
                    .collect(),
            })
        })
        .collect();
    v.sort_by(|a, b| (a.date, &a.doc_id).cmp(&(b.date, &b.doc_id)));
    v
}

// ---------------------------------------------------------------------------------------------
// The plan check
// ---------------------------------------------------------------------------------------------

/// What became of a planned session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PlannedState {
    /// Held in or before its month.
    Held { doc_id: String, date: NaiveDate },
    /// Held, but after its month.
    HeldLate { doc_id: String, date: NaiveDate },
    /// A session was created for it and is being prepared.
    Scheduled { doc_id: String, date: NaiveDate },
    /// Its month has passed and it was not held.
    Late,
    /// Its month has not passed yet.
    Upcoming,
}

/// One planned session and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedCheck {
    pub planned: PlannedSession,
    pub state: PlannedState,
}

/// Something the year's sessions lack, or a remark on them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// Fewer than two periodic (định kỳ or chuyên đề) sessions held.
    TooFewPeriodic { held: usize, required: usize },
    /// No thematic session held.
    NoThematic,
    /// No dialogue conference chaired by the chair of the People's Committee (Law on Grassroots
    /// Democracy 2022, art. 32).
    NoConference,
    /// A planned session whose month has passed was not held.
    PlannedLate {
        id: String,
        kind: SessionKind,
        month: u32,
        topic: String,
    },
    /// The plan itself schedules fewer than two periodic sessions.
    PlanTooFewPeriodic { planned: usize },
    /// The plan schedules no thematic session.
    PlanNoThematic,
    /// A planned session was held after its month.
    HeldLate {
        doc_id: String,
        kind: SessionKind,
        month: u32,
        date: NaiveDate,
    },
    /// A held session lacks a head the plan asks to chair it.
    ChairMissing {
        doc_id: String,
        date: NaiveDate,
        kind: SessionKind,
        missing: Vec<ChairRole>,
    },
}

impl Finding {
    /// Whether the finding means the plan is not met (rather than a remark).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Finding::TooFewPeriodic { .. }
                | Finding::NoThematic
                | Finding::NoConference
                | Finding::PlannedLate { .. }
        )
    }

    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Finding::TooFewPeriodic { held, required }, Lang::Vi) => format!(
                "Mới tổ chức {held}/{required} cuộc đối thoại định kỳ (kể cả chuyên đề) trong năm; kế hoạch yêu cầu ít nhất {required}."
            ),
            (Finding::TooFewPeriodic { held, required }, Lang::En) => format!(
                "{held}/{required} periodic sessions (thematic included) held; the plan asks for at least {required}."
            ),
            (Finding::NoThematic, Lang::Vi) => {
                "Chưa tổ chức cuộc đối thoại chuyên đề nào; kế hoạch yêu cầu ít nhất 01 lần/năm.".into()
            }
            (Finding::NoThematic, Lang::En) => {
                "No thematic session held; the plan asks for at least one a year.".into()
            }
            (Finding::NoConference, Lang::Vi) => {
                "Chưa có hội nghị đối thoại do Chủ tịch UBND phường chủ trì (Luật Thực hiện dân chủ ở cơ sở 2022, Điều 32: ít nhất 01 lần/năm).".into()
            }
            (Finding::NoConference, Lang::En) => {
                "No dialogue conference chaired by the People's Committee chair (Law on Grassroots Democracy 2022, art. 32: at least one a year).".into()
            }
            (Finding::PlannedLate { kind, month, topic, .. }, Lang::Vi) => format!(
                "Cuộc đối thoại {} dự kiến tháng {month}{} đã quá hạn mà chưa tổ chức.",
                kind.label(Lang::Vi).to_lowercase(),
                if topic.is_empty() { String::new() } else { format!(" («{topic}»)") }
            ),
            (Finding::PlannedLate { kind, month, topic, .. }, Lang::En) => format!(
                "The {} session planned for month {month}{} is late: not held.",
                kind.label(Lang::En).to_lowercase(),
                if topic.is_empty() { String::new() } else { format!(" ({topic:?})") }
            ),
            (Finding::PlanTooFewPeriodic { planned }, Lang::Vi) => format!(
                "Kế hoạch chỉ dự kiến {planned} cuộc đối thoại định kỳ; cần ít nhất 02 (trong đó 01 chuyên đề)."
            ),
            (Finding::PlanTooFewPeriodic { planned }, Lang::En) => format!(
                "The plan schedules only {planned} periodic sessions; at least 2 are needed (one thematic)."
            ),
            (Finding::PlanNoThematic, Lang::Vi) => {
                "Kế hoạch chưa dự kiến cuộc đối thoại chuyên đề nào.".into()
            }
            (Finding::PlanNoThematic, Lang::En) => "The plan schedules no thematic session.".into(),
            (Finding::HeldLate { kind, month, date, .. }, Lang::Vi) => format!(
                "Cuộc đối thoại {} dự kiến tháng {month} được tổ chức muộn, ngày {}.",
                kind.label(Lang::Vi).to_lowercase(),
                format_date(*date)
            ),
            (Finding::HeldLate { kind, month, date, .. }, Lang::En) => format!(
                "The {} session planned for month {month} was held late, on {}.",
                kind.label(Lang::En).to_lowercase(),
                format_date(*date)
            ),
            (Finding::ChairMissing { date, kind, missing, .. }, _) => {
                let names = missing
                    .iter()
                    .map(|r| r.label(lang))
                    .collect::<Vec<_>>()
                    .join(", ");
                match lang {
                    Lang::Vi => format!(
                        "Cuộc đối thoại {} ngày {} chưa ghi chủ trì theo kế hoạch: thiếu {names}.",
                        kind.label(Lang::Vi).to_lowercase(),
                        format_date(*date)
                    ),
                    Lang::En => format!(
                        "The {} session of {} lacks chairs the plan names: {names}.",
                        kind.label(Lang::En).to_lowercase(),
                        format_date(*date)
                    ),
                }
            }
        }
    }
}

/// The verdict of the plan check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every requirement is met and nothing planned is late.
    Met,
    /// The year is not over: something is still missing.
    InProgress,
    /// The year is over and something is missing.
    NotMet,
}

impl Verdict {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Verdict::Met => lang.pick("ĐẠT", "MET"),
            Verdict::InProgress => lang.pick(
                "CHƯA ĐẠT (năm chưa kết thúc)",
                "NOT YET MET (year in progress)",
            ),
            Verdict::NotMet => lang.pick("KHÔNG ĐẠT", "NOT MET"),
        }
    }
}

/// The plan check of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    pub year: i32,
    pub today: NaiveDate,
    /// Sessions held in the year, by date.
    pub held: Vec<SessionEntry>,
    /// Periodic (định kỳ and chuyên đề) sessions held.
    pub periodic: usize,
    pub thematic: usize,
    /// Dialogue conferences chaired by the People's Committee chair.
    pub conferences: usize,
    pub by_kind: BTreeMap<SessionKind, usize>,
    pub planned: Vec<PlannedCheck>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

/// The number of periodic sessions a year (the plan: "ít nhất 02 lần/năm").
pub const REQUIRED_PERIODIC: usize = 2;

fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// Checks the year's sessions against the plan and the rules.
pub fn check_plan(
    year: i32,
    plan: &[PlannedSession],
    sessions: &[SessionEntry],
    today: NaiveDate,
) -> Compliance {
    let planned: Vec<&PlannedSession> = plan.iter().filter(|p| p.year == year).collect();
    let in_year: Vec<&SessionEntry> = sessions.iter().filter(|s| s.date.year() == year).collect();
    let held: Vec<&SessionEntry> = in_year
        .iter()
        .copied()
        .filter(|s| s.is_held() && s.date <= today)
        .collect();
    let mut by_kind: BTreeMap<SessionKind, usize> = BTreeMap::new();
    for s in &held {
        *by_kind.entry(s.kind).or_default() += 1;
    }
    let periodic = held.iter().filter(|s| s.kind.is_periodic()).count();
    let thematic = held
        .iter()
        .filter(|s| s.kind == SessionKind::ChuyenDe)
        .count();
    let conferences = held
        .iter()
        .filter(|s| s.kind.is_conference() && s.chair_roles.contains(&ChairRole::ChuTichUbnd))
        .count();

    // Match sessions to planned ones: by explicit link first, then by kind and nearest month.
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut matched: BTreeMap<String, &SessionEntry> = BTreeMap::new();
    for p in &planned {
        if let Some(s) = in_year
            .iter()
            .find(|s| s.plan_id.as_deref() == Some(p.id.as_str()) && !used.contains(&s.doc_id))
        {
            used.insert(s.doc_id.clone());
            matched.insert(p.id.clone(), s);
        }
    }
    let mut order: Vec<&&PlannedSession> = planned.iter().collect();
    order.sort_by_key(|p| (p.month, p.id.clone()));
    for p in order {
        if matched.contains_key(&p.id) {
            continue;
        }
        let best = in_year
            .iter()
            .filter(|s| {
                s.kind == p.kind
                    && !used.contains(&s.doc_id)
                    && s.plan_id
                        .as_ref()
                        .is_none_or(|pid| !plan.iter().any(|x| &x.id == pid))
            })
            .min_by_key(|s| {
                let m = s.date.month() as i64;
                ((m - p.month as i64).abs(), s.date)
            });
        if let Some(s) = best {
            used.insert(s.doc_id.clone());
            matched.insert(p.id.clone(), s);
        }
    }

    let mut findings = Vec::new();
    let mut checks = Vec::new();
    for p in &planned {
        let month_over = today > last_day_of_month(year, p.month);
        let state = match matched.get(&p.id) {
            Some(s) if s.is_held() && s.date <= today => {
                if s.date > last_day_of_month(year, p.month) {
                    findings.push(Finding::HeldLate {
                        doc_id: s.doc_id.clone(),
                        kind: p.kind,
                        month: p.month,
                        date: s.date,
                    });
                    PlannedState::HeldLate {
                        doc_id: s.doc_id.clone(),
                        date: s.date,
                    }
                } else {
                    PlannedState::Held {
                        doc_id: s.doc_id.clone(),
                        date: s.date,
                    }
                }
            }
            Some(s) if !month_over => PlannedState::Scheduled {
                doc_id: s.doc_id.clone(),
                date: s.date,
            },
            _ if month_over => PlannedState::Late,
            _ => PlannedState::Upcoming,
        };
        if state == PlannedState::Late {
            findings.push(Finding::PlannedLate {
                id: p.id.clone(),
                kind: p.kind,
                month: p.month,
                topic: p.topic.clone(),
            });
        }
        checks.push(PlannedCheck {
            planned: (*p).clone(),
            state,
        });
    }
    let planned_periodic = planned.iter().filter(|p| p.kind.is_periodic()).count();
    if planned_periodic < REQUIRED_PERIODIC {
        findings.push(Finding::PlanTooFewPeriodic {
            planned: planned_periodic,
        });
    }
    if !planned.iter().any(|p| p.kind == SessionKind::ChuyenDe) {
        findings.push(Finding::PlanNoThematic);
    }
    if periodic < REQUIRED_PERIODIC {
        findings.push(Finding::TooFewPeriodic {
            held: periodic,
            required: REQUIRED_PERIODIC,
        });
    }
    if thematic == 0 {
        findings.push(Finding::NoThematic);
    }
    if conferences == 0 {
        findings.push(Finding::NoConference);
    }
    for s in &held {
        let missing: Vec<ChairRole> = s
            .kind
            .plan_chairs()
            .iter()
            .copied()
            .filter(|r| !s.chair_roles.contains(r))
            .collect();
        if !missing.is_empty() {
            findings.push(Finding::ChairMissing {
                doc_id: s.doc_id.clone(),
                date: s.date,
                kind: s.kind,
                missing,
            });
        }
    }
    let failing = findings.iter().any(Finding::is_failure);
    let year_over = today > last_day_of_month(year, 12);
    let verdict = match (failing, year_over) {
        (false, _) => Verdict::Met,
        (true, false) => Verdict::InProgress,
        (true, true) => Verdict::NotMet,
    };
    Compliance {
        year,
        today,
        held: held.into_iter().cloned().collect(),
        periodic,
        thematic,
        conferences,
        by_kind,
        planned: checks,
        findings,
        verdict,
    }
}

// ---------------------------------------------------------------------------------------------
// The figures of a session report
// ---------------------------------------------------------------------------------------------

/// What the office knows of a petition raised at a session (from the index and the handling
/// document; no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PetitionFact {
    pub id: Uuid,
    /// The field as classified by the office, else as suggested at collection.
    pub field: Option<String>,
    pub content: String,
    pub people: u32,
    /// The collection point.
    pub point: String,
}

/// How a matter raised at the session was dealt with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OpinionOutcome {
    /// Answered on the spot.
    OnSpot,
    /// Assigned to a department by a conclusion.
    Assigned {
        department: String,
        deadline: NaiveDate,
    },
    /// Noted, not answered nor assigned.
    Noted,
}

/// One matter raised at the session (a petition, or a speech that names none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opinion {
    pub petition: Option<Uuid>,
    pub speech: Option<String>,
    pub field: String,
    pub content: String,
    pub people: u32,
    pub outcome: OpinionOutcome,
}

/// The opinions of one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCount {
    pub field: String,
    pub opinions: usize,
    pub on_spot: usize,
    pub assigned: usize,
    pub noted: usize,
}

/// The figures of a session report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub opinions: Vec<Opinion>,
    pub by_field: Vec<FieldCount>,
    pub total: usize,
    pub on_spot: usize,
    pub assigned: usize,
    pub noted: usize,
    pub registered_speakers: usize,
    /// Registered before the session (from petitions).
    pub registered_beforehand: usize,
    pub speeches: usize,
    pub invited: u32,
    pub present: u32,
    /// Each conclusion's department and effective deadline.
    pub assignments: Vec<(String, Option<String>, NaiveDate)>,
}

/// Counts the matters raised at a session: one per petition raised (a petition raised twice
/// counts once), plus one per speech that names no petition.
pub fn summarize(
    s: &Session,
    facts: &BTreeMap<Uuid, PetitionFact>,
    registry: &Registry,
) -> Summary {
    let cal = Calendar::of(registry);
    let on_spot = s.answered_on_spot();
    let mut assigned: BTreeMap<Uuid, (String, NaiveDate)> = BTreeMap::new();
    let mut assigned_speeches: BTreeMap<String, (String, NaiveDate)> = BTreeMap::new();
    for c in &s.conclusions {
        let Some(dept) = &c.department else { continue };
        let dl = c.effective_deadline(s.date, &cal);
        for p in s.conclusion_petitions(c) {
            assigned.entry(p).or_insert((dept.clone(), dl));
        }
        for sp in &c.speeches {
            assigned_speeches
                .entry(sp.clone())
                .or_insert((dept.clone(), dl));
        }
    }
    let mut opinions: Vec<Opinion> = Vec::new();
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    for sp in &s.speeches {
        if sp.petitions.is_empty() {
            let outcome = if sp.on_spot {
                OpinionOutcome::OnSpot
            } else if let Some((d, dl)) = assigned_speeches.get(&sp.id) {
                OpinionOutcome::Assigned {
                    department: d.clone(),
                    deadline: *dl,
                }
            } else {
                OpinionOutcome::Noted
            };
            opinions.push(Opinion {
                petition: None,
                speech: Some(sp.id.clone()),
                field: sp.field.clone().unwrap_or_else(|| "khac".into()),
                content: sp.summary.clone(),
                people: 1,
                outcome,
            });
            continue;
        }
        for p in &sp.petitions {
            if !seen.insert(*p) {
                continue;
            }
            let fact = facts.get(p);
            let outcome = if on_spot.contains(p) {
                OpinionOutcome::OnSpot
            } else if let Some((d, dl)) = assigned.get(p) {
                OpinionOutcome::Assigned {
                    department: d.clone(),
                    deadline: *dl,
                }
            } else {
                OpinionOutcome::Noted
            };
            opinions.push(Opinion {
                petition: Some(*p),
                speech: Some(sp.id.clone()),
                field: fact
                    .and_then(|f| f.field.clone())
                    .or_else(|| sp.field.clone())
                    .unwrap_or_else(|| "khac".into()),
                content: fact
                    .map(|f| f.content.clone())
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| sp.summary.clone()),
                people: fact.map(|f| f.people).unwrap_or(1),
                outcome,
            });
        }
    }
    let field_order: Vec<String> = registry.fields.iter().map(|f| f.code.clone()).collect();
    let mut by: BTreeMap<(usize, String), FieldCount> = BTreeMap::new();
    for o in &opinions {
        let pos = field_order
            .iter()
            .position(|f| *f == o.field)
            .unwrap_or(usize::MAX);
        let fc = by
            .entry((pos, o.field.clone()))
            .or_insert_with(|| FieldCount {
                field: o.field.clone(),
                opinions: 0,
                on_spot: 0,
                assigned: 0,
                noted: 0,
            });
        fc.opinions += 1;
        match o.outcome {
            OpinionOutcome::OnSpot => fc.on_spot += 1,
            OpinionOutcome::Assigned { .. } => fc.assigned += 1,
            OpinionOutcome::Noted => fc.noted += 1,
        }
    }
    let by_field: Vec<FieldCount> = by.into_values().collect();
    let count = |f: fn(&OpinionOutcome) -> bool| opinions.iter().filter(|o| f(&o.outcome)).count();
    let on_spot_n = count(|o| matches!(o, OpinionOutcome::OnSpot));
    let assigned_n = count(|o| matches!(o, OpinionOutcome::Assigned { .. }));
    let noted_n = count(|o| matches!(o, OpinionOutcome::Noted));
    Summary {
        total: opinions.len(),
        on_spot: on_spot_n,
        assigned: assigned_n,
        noted: noted_n,
        by_field,
        registered_speakers: s.speakers.len(),
        registered_beforehand: s
            .speakers
            .iter()
            .filter(|sp| sp.source == SpeakerSource::Petition)
            .count(),
        speeches: s.speeches.len(),
        invited: s.invited_total(),
        present: s.present_total(),
        assignments: s
            .conclusions
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.department.clone(),
                    c.effective_deadline(s.date, &cal),
                )
            })
            .collect(),
        opinions,
    }
}

// ---------------------------------------------------------------------------------------------
// Carrying the conclusions into the handling document
// ---------------------------------------------------------------------------------------------

/// What concluding must do for one petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "work", rename_all = "snake_case")]
pub enum Work {
    /// Mark it answered on the spot (speech at `position`, 1-based).
    OnSpot {
        pid: Uuid,
        speech: String,
        position: usize,
    },
    /// Assign it as conclusion `position` directs.
    Assign {
        pid: Uuid,
        conclusion: String,
        position: usize,
        department: String,
        deadline: NaiveDate,
    },
}

impl Work {
    pub fn pid(&self) -> Uuid {
        match self {
            Work::OnSpot { pid, .. } | Work::Assign { pid, .. } => *pid,
        }
    }
    /// The speech or conclusion id.
    pub fn source(&self) -> &str {
        match self {
            Work::OnSpot { speech, .. } => speech,
            Work::Assign { conclusion, .. } => conclusion,
        }
    }
    pub fn position(&self) -> usize {
        match self {
            Work::OnSpot { position, .. } | Work::Assign { position, .. } => *position,
        }
    }
    /// `answer_on_spot` or `assign`.
    pub fn op(&self) -> &'static str {
        match self {
            Work::OnSpot { .. } => "answer_on_spot",
            Work::Assign { .. } => "assign",
        }
    }
}

/// What concluding the session must do, in a fixed order (the same on every laptop): first the
/// petitions answered on the spot (one of those is not assigned), then each conclusion's
/// petitions; a petition is dealt with once.
pub fn conclusion_work(s: &Session, cal: &Calendar) -> Vec<Work> {
    let mut out: Vec<Work> = Vec::new();
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    for (i, sp) in s.speeches.iter().enumerate() {
        if !sp.on_spot {
            continue;
        }
        for pid in &sp.petitions {
            if seen.insert(*pid) {
                out.push(Work::OnSpot {
                    pid: *pid,
                    speech: sp.id.clone(),
                    position: i + 1,
                });
            }
        }
    }
    for (i, c) in s.conclusions.iter().enumerate() {
        let Some(dept) = &c.department else { continue };
        let deadline = c.effective_deadline(s.date, cal);
        for pid in s.conclusion_petitions(c) {
            if seen.insert(pid) {
                out.push(Work::Assign {
                    pid,
                    conclusion: c.id.clone(),
                    position: i + 1,
                    department: dept.clone(),
                    deadline,
                });
            }
        }
    }
    out
}

/// What the office knows of a petition when concluding: where and when it was collected, and
/// what the collector said it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionRef {
    pub id: Uuid,
    /// The collection point.
    pub point: String,
    /// The day it was collected.
    pub collected: NaiveDate,
    pub kind: PetitionKind,
    /// The field the collector suggested.
    pub field: Option<String>,
}

/// What became of one petition when the session was concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ApplyResult {
    /// Marked answered on the spot (straight to notified).
    AnsweredOnSpot,
    /// Assigned to a department.
    Assigned {
        department: String,
        deadline: NaiveDate,
    },
    /// Already done (by an earlier conclusion here or on another laptop, or by the office).
    Already { status: Status },
    /// Not done, and why.
    Skipped { vi: String, en: String },
}

fn skipped(vi: impl Into<String>, en: impl Into<String>) -> ApplyResult {
    ApplyResult::Skipped {
        vi: vi.into(),
        en: en.into(),
    }
}

fn flagged_skip() -> ApplyResult {
    skipped(
        "khiếu nại/tố cáo: xử lý theo luật riêng, không giao theo kết luận",
        "a complaint or denunciation: handled under its own law, not assigned by the session",
    )
}

/// Enters a petition in the register on the session's day (or when it was collected, if later)
/// unless it is there; returns the receipt date.
fn ensure_received<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    p: &PetitionRef,
    session_date: NaiveDate,
) -> Result<NaiveDate, HandlingError> {
    if let Some(item) = handling::item(&*tx, &p.id)? {
        return Ok(item.received.as_ref().map_or(session_date, |r| r.date));
    }
    let date = p.collected.max(session_date).min(ctx.today());
    handling::receive(tx, ctx, p.id, &p.point, p.collected.min(date), date)?;
    Ok(date)
}

/// Carries one piece of [`Work`] into the handling document, deciding from what the document
/// says now: what is already done is left alone, so concluding twice (or on two laptops, which
/// then write the same values) assigns nothing twice. `Ok` with `Already` or `Skipped` writes
/// nothing; an `Err` means the office's rules refused it midway, and the transaction must be
/// dropped (the caller reports it as skipped).
pub fn apply_work<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    registry: &Registry,
    s: &Session,
    w: &Work,
    p: &PetitionRef,
) -> Result<ApplyResult, HandlingError> {
    let item = handling::item(&*tx, &p.id)?;
    if let Some(item) = &item {
        match w {
            Work::OnSpot { .. } if item.answered_on_spot() => {
                return Ok(ApplyResult::Already {
                    status: item.status,
                });
            }
            Work::Assign { department, .. }
                if matches!(
                    item.status,
                    Status::Assigned | Status::Answered | Status::Approved
                ) =>
            {
                let cur = item
                    .assignment
                    .as_ref()
                    .map(|a| a.department.clone())
                    .unwrap_or_default();
                if &cur == department {
                    return Ok(ApplyResult::Already {
                        status: item.status,
                    });
                }
                let name = registry
                    .department(&cur)
                    .map_or(cur.clone(), |d| d.name.clone());
                return Ok(skipped(
                    format!(
                        "đã giao cho «{name}» từ trước; không giao lại (văn phòng quyết định: doithoai handle assign)"
                    ),
                    format!(
                        "already assigned to {name:?}; not reassigned (the office decides: doithoai handle assign)"
                    ),
                ));
            }
            _ => {}
        }
        match (w, item.status) {
            (_, Status::Notified | Status::Closed) => {
                return Ok(ApplyResult::Already {
                    status: item.status,
                });
            }
            (Work::OnSpot { .. }, Status::Received | Status::Classified | Status::Assigned) => {}
            (Work::Assign { .. }, Status::Received | Status::Classified) => {}
            (_, st) => {
                return Ok(skipped(
                    format!(
                        "đang ở trạng thái «{}»: không ghi theo kết luận",
                        st.label(Lang::Vi)
                    ),
                    format!(
                        "in status {:?}: not changed by the session",
                        st.label(Lang::En)
                    ),
                ));
            }
        }
        if item.is_flagged() {
            return Ok(flagged_skip());
        }
    }
    if p.kind.is_flagged() && item.as_ref().is_none_or(|i| i.classification.is_none()) {
        return Ok(flagged_skip());
    }
    let received = ensure_received(tx, ctx, p, s.date)?;
    match w {
        Work::OnSpot { speech, .. } => {
            let sp = s.speech(speech);
            let text = sp
                .map(|x| x.answer.trim().to_owned())
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| {
                    format!(
                        "Đã trả lời tại hội nghị tiếp xúc, đối thoại ngày {}.",
                        format_date(s.date)
                    )
                });
            handling::answer(
                tx,
                ctx,
                p.id,
                &AnswerInput {
                    text,
                    answered_by: sp.map(|x| x.answered_by.clone()).unwrap_or_default(),
                    on_spot: true,
                    date: Some(s.date.max(received).min(ctx.today())),
                    ..Default::default()
                },
            )?;
            Ok(ApplyResult::AnsweredOnSpot)
        }
        Work::Assign {
            conclusion,
            department,
            deadline,
            ..
        } => {
            if handling::item(&*tx, &p.id)?.is_some_and(|i| i.status == Status::Received) {
                let field = p
                    .field
                    .clone()
                    .filter(|f| registry.field(f).is_some())
                    .unwrap_or_else(|| "khac".to_owned());
                handling::classify(
                    tx,
                    ctx,
                    registry,
                    p.id,
                    &ClassifyInput {
                        kind: p.kind,
                        field,
                        competence: Competence::Ward,
                        prior: String::new(),
                    },
                )?;
            }
            let text = s
                .conclusions
                .iter()
                .find(|c| &c.id == conclusion)
                .map(|c| c.text.clone())
                .unwrap_or_default();
            let short: String = text.chars().take(300).collect();
            let dl = if *deadline < received {
                Calendar::of(registry).ten_working_days(received)
            } else {
                *deadline
            };
            let dl = handling::assign(
                tx,
                ctx,
                registry,
                p.id,
                &AssignInput {
                    department: department.clone(),
                    deadline: Some(dl),
                    note: format!(
                        "Theo kết luận hội nghị tiếp xúc, đối thoại ngày {}: {short}",
                        format_date(s.date)
                    ),
                },
            )?;
            Ok(ApplyResult::Assigned {
                department: department.clone(),
                deadline: dl,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_times_kinds_and_chairs() {
        assert_eq!(parse_time("8:30").unwrap(), "08:30");
        assert_eq!(parse_time("8h30").unwrap(), "08:30");
        assert_eq!(parse_time("14h").unwrap(), "14:00");
        assert!(parse_time("25:00").is_err());
        assert_eq!(SessionKind::parse("Chuyên đề"), Some(SessionKind::ChuyenDe));
        assert_eq!(SessionKind::parse("dinh ky"), Some(SessionKind::DinhKy));
        assert_eq!(SessionKind::parse("đột xuất"), Some(SessionKind::DotXuat));
        let c = Chair::parse("bi_thu=Đỗ Huy Hoàng").unwrap();
        assert_eq!(c.role, ChairRole::BiThu);
        let c = Chair::parse("Chủ tịch UBND phường: Nguyễn Văn An").unwrap();
        assert_eq!(c.role, ChairRole::ChuTichUbnd);
        let c = Chair::parse("Phó Chủ tịch UBND phường: Trần Văn Bình").unwrap();
        assert_eq!(c.role, ChairRole::Other);
        assert_eq!(c.title(Lang::Vi), "Phó Chủ tịch UBND phường");
        assert!(Chair::parse("Đỗ Huy Hoàng").is_err());
        assert_eq!(Category::parse("nhân dân"), Some(Category::NhanDan));
    }

    #[test]
    fn finds_entries_by_position_or_key() {
        let keys = vec![
            "0190aaaa0000700080001111aaaa2222".to_string(),
            "0190aaaa0000700080001111bbbb3333".to_string(),
        ];
        assert_eq!(find_ref("speech", &keys, "2").unwrap(), keys[1]);
        assert_eq!(find_ref("speech", &keys, "#1").unwrap(), keys[0]);
        assert_eq!(find_ref("speech", &keys, "3333").unwrap(), keys[1]);
        assert!(matches!(
            find_ref("speech", &keys, "0190aaaa"),
            Err(SessionError::Ambiguous { .. })
        ));
        assert!(find_ref("speech", &keys, "9").is_err());
    }
}
