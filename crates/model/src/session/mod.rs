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

    /// People present in a category: its count, else the number named in it (never fewer
    /// than the number named: those named were there).
    pub fn present_in(&self, c: Category) -> u32 {
        let named = self.attendees.iter().filter(|a| a.category == c).count() as u32;
        self.attendance
            .iter()
            .find(|a| a.category == c)
            .and_then(|a| a.present)
            .map_or(named, |p| p.max(named))
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

    /// The department and deadline the handling document got when concluding applied
    /// conclusion `conclusion` to `pid` (as recorded in `applied`).
    pub fn recorded_assignment(&self, conclusion: &str, pid: &Uuid) -> Option<(String, NaiveDate)> {
        self.applied
            .iter()
            .filter(|a| a.op == "assign" && a.source == conclusion && a.pid == *pid)
            .find_map(|a| {
                let (dept, date) = a.outcome.split_once(';')?;
                let date = parse_date_key(date.trim())?;
                Some((dept.trim().to_owned(), date))
            })
    }

    /// The deadlines to show for a conclusion that assigns a department: for each petition it
    /// assigns, the one recorded in the handling document when concluding (a petition entered
    /// in the register after the conclusion's deadline gets ten working days from its entry),
    /// else the conclusion's own; distinct, earliest first. Empty for a conclusion that
    /// assigns nothing.
    pub fn conclusion_deadlines(&self, c: &Conclusion, cal: &Calendar) -> Vec<NaiveDate> {
        if c.department.is_none() {
            return Vec::new();
        }
        let own = c.effective_deadline(self.date, cal);
        let mut out: BTreeSet<NaiveDate> = conclusion_plan(self, cal)
            .work
            .iter()
            .filter(|w| w.source() == c.id && matches!(w, Work::Assign { .. }))
            .map(|w| {
                self.recorded_assignment(&c.id, &w.pid())
                    .map_or(own, |(_, d)| d)
            })
            .collect();
        if out.is_empty() {
            out.insert(own);
        }
        out.into_iter().collect()
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
    /// `error`, about what was typed in `input` (the form shows it beside that input).
    #[error("{error}")]
    In {
        input: Input,
        error: Box<SessionError>,
    },
}

/// What a user typed into a session form or command, as an error names it: the forms show the
/// error beside that input (see [`SessionError::input`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    Kind,
    Topic,
    Title,
    Date,
    Start,
    End,
    Place,
    Chair,
    Secretary,
    /// A step's start time.
    StepTime,
    /// A speaker's or an attendee's name.
    Name,
    Unit,
    /// What a walk-in speaker will raise.
    Content,
    Summary,
    Field,
    Answer,
    AnsweredBy,
    /// The text of a conclusion.
    Text,
    Department,
    Deadline,
    Invited(Category),
    Present(Category),
    Minutes,
    Announcement,
    Remark,
}

impl Input {
    /// The input named by the `what` of [`SessionError::Required`] and [`SessionError::TooLong`].
    pub fn of_what(what: &str) -> Option<Input> {
        Some(match what {
            "topic" => Input::Topic,
            "title" => Input::Title,
            "place" => Input::Place,
            "chair" => Input::Chair,
            "secretary" => Input::Secretary,
            "name" | "attendee" => Input::Name,
            "unit" => Input::Unit,
            "summary" => Input::Summary,
            "answer" => Input::Answer,
            "answered_by" => Input::AnsweredBy,
            "text" => Input::Text,
            "minutes" => Input::Minutes,
            "time" => Input::StepTime,
            "announcement" => Input::Announcement,
            "remark" => Input::Remark,
            _ => return None,
        })
    }
}

impl SessionError {
    /// The same error, said to be about `input`.
    pub fn at(self, input: Input) -> SessionError {
        match self {
            SessionError::In { error, .. } => SessionError::In { input, error },
            e => SessionError::In {
                input,
                error: Box::new(e),
            },
        }
    }

    /// The input this error is about, when it is about one.
    pub fn input(&self) -> Option<Input> {
        use SessionError::*;
        match self {
            In { input, .. } => Some(*input),
            TopicRequired => Some(Input::Topic),
            Required { what } | TooLong { what, .. } => Input::of_what(what),
            UnknownKind { .. } => Some(Input::Kind),
            EndBeforeStart { .. } => Some(Input::End),
            BadChair { .. } => Some(Input::Chair),
            DeadlineBeforeSession { .. } => Some(Input::Deadline),
            OnSpotWithoutAnswer => Some(Input::Answer),
            Validation(ValidationError::UnknownDepartment { .. }) => Some(Input::Department),
            Validation(ValidationError::UnknownField { .. }) => Some(Input::Field),
            _ => None,
        }
    }
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
        "announcement" => lang.pick("nội dung thông báo", "the announcement's content"),
        "remark" => lang.pick("ý kiến giám sát", "the monitoring remark"),
        "time" => lang.pick(
            "giờ bắt đầu, dạng HH:MM (cuộc đối thoại không diễn ra hôm nay)",
            "the start time, as HH:MM (the session is not today)",
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
                "Thời hạn {} sớm hơn ngày đối thoại {}: hãy nhập một ngày từ {} trở đi, dạng dd/mm/yyyy.",
                format_date(*deadline),
                format_date(*date),
                format_date(*date)
            ),
            (DeadlineBeforeSession { deadline, date }, Lang::En) => format!(
                "The deadline {} is before the session ({}): type a day from {} on, as dd/mm/yyyy.",
                format_date(*deadline),
                format_date(*date),
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
            (In { error, .. }, l) => error.localize(l),
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

mod conclude;
mod edit;
mod plan;
mod summary;

pub use conclude::*;
pub use edit::*;
pub use plan::*;
pub use summary::*;

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
