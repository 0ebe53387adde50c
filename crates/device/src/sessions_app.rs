//! The dialogue sessions' operations on local data: what `doithoai plan ...` and
//! `doithoai session ...` (and later the web UI) call.
//!
//! * The annual plan and the index of sessions live in the ward document (`plan`, `sessions`).
//!   An office device that has no ward document yet (before enrolment) makes a local one and
//!   names it in its settings, as it does for the handling document; after enrolment the plan
//!   and the index entries made before are copied into the ward's document on the next session
//!   command (ids are kept, so copying twice changes nothing).
//! * Each session is its own document, created here, listed in the ward document, and noted
//!   with [`App::note_created`] so that the next `doithoai sync` registers it with the server.
//! * Concluding carries the conclusions into the handling document through the office's own
//!   operations ([`doithoai_model::handling`]), as [`session::conclusion_plan`] decides:
//!   petitions answered on the spot go straight to notified, those a conclusion assigns (a
//!   conclusion outranks an on-the-spot answer) are received (when not yet), classified (when
//!   not yet) and assigned with the conclusion's deadline or ten working days from the session;
//!   what a conclusion names but cannot assign is reported with the reason. Every
//!   decision is read from the handling document before it is made, and what was done is
//!   recorded in the session document, so concluding again (here or on another laptop) assigns
//!   nothing twice.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use automerge::transaction::Transaction;
use chrono::NaiveDate;
use doithoai_documents::{
    AdminDoc, DocumentError, MinutesOptions, ReportOptions, minutes_defaults, report_defaults,
    session_minutes, session_report,
};
use doithoai_model::handling::{self, Ctx, HandlingError, Op};
use doithoai_model::monitoring::{self, Remark};
use doithoai_model::session::{
    self, Announcement, Category, Compliance, Conclusion, Input, NewConclusion, NewPlanned,
    NewSession, NewSpeaker, NewSpeech, PetitionFact, PetitionRef, PlannedSession, Session,
    SessionEdit, SessionEntry, SessionError, SessionKind, SpeakerSource, Summary,
};
use doithoai_model::time::ward_now;
use doithoai_model::workdays::Calendar;
use doithoai_model::{
    ChangeMeta, Lang, Localize, NewPetition, PetitionKind, RegisterNo, Resident, Status, ward,
};
use doithoai_store::{PetitionFilter, PetitionRow};
use doithoai_sync::{DocHandle, parse_doc_id, read};
use uuid::Uuid;

use crate::app::{App, AppError};
use crate::config::DeviceConfig;
use crate::office_app::OfficeError;

/// The meta key of the session commands work on when none is named.
pub const CURRENT_SESSION: &str = "sessions.current";
/// The meta key listing the session documents created on this device.
pub const LOCAL_SESSIONS: &str = "sessions.local";
/// The meta key of the ward document made on this device before enrolment.
pub const LOCAL_WARD: &str = "sessions.local_ward";
/// The meta key recording into which ward document the local one was copied.
pub const LOCAL_WARD_COPIED: &str = "sessions.local_ward_copied";

/// When a session is held, as its pages and its announcement say it: `dd/mm/yyyy, HH:MM–HH:MM`.
pub fn session_when(s: &Session) -> String {
    format!(
        "{}{}{}",
        doithoai_model::time::format_date(s.date),
        s.start
            .as_deref()
            .map(|t| format!(", {t}"))
            .unwrap_or_default(),
        s.end
            .as_deref()
            .map(|t| format!("–{t}"))
            .unwrap_or_default()
    )
}

/// The announcement's text the office starts from: who is invited, when, where, about what.
pub fn default_announcement(s: &Session, lang: Lang) -> String {
    let place = if s.place.is_empty() { "…" } else { &s.place };
    match lang {
        Lang::Vi => format!(
            "Kính mời đại diện cán bộ, đảng viên và Nhân dân tổ dân phố dự {} vào {} tại {place}. Nội dung: {}.",
            s.display_title(lang).to_lowercase(),
            session_when(s),
            if s.topic.is_empty() {
                "những vấn đề Nhân dân quan tâm"
            } else {
                &s.topic
            }
        ),
        Lang::En => format!(
            "Residents of the TDP are invited to the {} on {} at {place}. Content: {}.",
            s.display_title(lang),
            session_when(s),
            if s.topic.is_empty() {
                "matters residents care about"
            } else {
                &s.topic
            }
        ),
    }
}

/// Errors of the session operations, each with a message for the secretary.
#[derive(Debug, thiserror::Error)]
pub enum SessionsError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Office(#[from] OfficeError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Handling(#[from] HandlingError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error("only office devices may record sessions (this device's role is {role:?})")]
    NotOffice { role: String },
    #[error("no session chosen")]
    NoCurrent,
    #[error("no session matches {0:?}")]
    NoSuchSession(String),
    #[error("{typed:?} matches several sessions: {matches:?}")]
    AmbiguousSession { typed: String, matches: Vec<String> },
    #[error("the ward document is not on this device yet")]
    NoWard,
    #[error("this device has no collection point (the office desk) to record a petition in")]
    NoDesk,
    #[error("only MTTQ devices may write monitoring remarks (this device's role is {role:?})")]
    NotMonitor { role: String },
    #[error("the monitoring document is not on this device")]
    NoMonitoring,
    #[error("bad heads {0:?}")]
    BadHeads(String),
}

impl From<doithoai_model::DocError> for SessionsError {
    fn from(e: doithoai_model::DocError) -> Self {
        SessionsError::App(AppError::Doc(e))
    }
}
impl From<doithoai_store::StoreError> for SessionsError {
    fn from(e: doithoai_store::StoreError) -> Self {
        SessionsError::App(AppError::Store(e))
    }
}
impl From<doithoai_sync::SyncError> for SessionsError {
    fn from(e: doithoai_sync::SyncError) -> Self {
        SessionsError::App(AppError::Sync(e))
    }
}
impl From<doithoai_model::ValidationError> for SessionsError {
    fn from(e: doithoai_model::ValidationError) -> Self {
        SessionsError::App(AppError::Validation(e))
    }
}

impl SessionsError {
    /// The input of the form or command this error is about, when it is about one (the web
    /// forms show the error beside it).
    pub fn input(&self) -> Option<Input> {
        use doithoai_model::ValidationError as V;
        match self {
            SessionsError::Session(e) => e.input(),
            SessionsError::App(AppError::Validation(v)) => match v {
                V::UnknownField { .. } => Some(Input::Field),
                V::UnknownDepartment { .. } => Some(Input::Department),
                V::EmptyContent => Some(Input::Content),
                V::NoResident | V::EmptyResidentName { .. } => Some(Input::Name),
                _ => None,
            },
            SessionsError::NoDesk => Some(Input::Content),
            _ => None,
        }
    }
}

impl Localize for SessionsError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (SessionsError::App(e), l) => e.localize(l),
            (SessionsError::Office(e), l) => e.localize(l),
            (SessionsError::Session(e), l) => e.localize(l),
            (SessionsError::Handling(e), l) => e.localize(l),
            (SessionsError::Document(e), l) => e.localize(l),
            (SessionsError::NotOffice { role }, Lang::Vi) => format!(
                "Chỉ máy của văn phòng phường (vai trò office) mới được ghi cuộc đối thoại và kế hoạch; máy này có vai trò «{}». Máy khác vẫn xem được: doithoai session list, doithoai session show.",
                if role.is_empty() { "chưa đặt" } else { role }
            ),
            (SessionsError::NotOffice { role }, Lang::En) => format!(
                "Only ward office devices (role office) may record sessions and the plan; this device's role is {role:?}. Other devices can still read them: doithoai session list, doithoai session show."
            ),
            (SessionsError::NoCurrent, Lang::Vi) => "Chưa chọn cuộc đối thoại. Tạo mới bằng doithoai session create, hoặc chọn bằng doithoai session use <mã> (xem mã bằng doithoai session list).".into(),
            (SessionsError::NoCurrent, Lang::En) => "No session chosen. Create one with doithoai session create, or choose one with doithoai session use <id> (see the ids with doithoai session list).".into(),
            (SessionsError::NoSuchSession(t), Lang::Vi) => format!(
                "Không có cuộc đối thoại «{t}» trên máy này. Xem danh sách bằng doithoai session list; nếu cuộc đối thoại do máy khác ghi, hãy chạy doithoai sync."
            ),
            (SessionsError::NoSuchSession(t), Lang::En) => format!(
                "No session {t:?} on this device. See the list with doithoai session list; if another laptop recorded it, run doithoai sync."
            ),
            (SessionsError::AmbiguousSession { typed, matches }, Lang::Vi) => format!(
                "«{typed}» khớp với nhiều cuộc đối thoại ({}); hãy gõ thêm vài ký tự của mã.",
                matches.join(", ")
            ),
            (SessionsError::AmbiguousSession { typed, matches }, Lang::En) => format!(
                "{typed:?} matches several sessions ({}); type more of the id.",
                matches.join(", ")
            ),
            (SessionsError::NoWard, Lang::Vi) => "Máy này chưa có tài liệu của phường (kế hoạch, danh sách cuộc đối thoại); hãy chạy doithoai sync khi có mạng.".into(),
            (SessionsError::NoDesk, Lang::Vi) => "Máy này không gắn với bàn tiếp nhận của văn phòng (điểm tiếp nhận loại office) nên không ghi được nội dung mới (--content) vào sổ tiếp nhận; chưa ghi gì. Nhờ quản trị máy chủ thêm máy văn phòng có điểm tiếp nhận (doithoai-server device add --role office --point <mã điểm văn phòng> …) rồi tham gia bằng mã mới; hoặc ghi ý kiến trên máy của bàn tiếp nhận (doithoai petition add) rồi đăng ký người phát biểu với --petition <mã>.".into(),
            (SessionsError::NoDesk, Lang::En) => "This device is not the office's reception desk (a collection point of kind office), so it cannot record the new matter (--content) in the intake register; nothing was recorded. Ask the server admin for an office device with the office's point (doithoai-server device add --role office --point <office point> …) and join with its code; or record the petition on the desk's laptop (doithoai petition add) and register the speaker with --petition <id>.".into(),
            (SessionsError::NotMonitor { role }, Lang::Vi) => format!(
                "Chỉ máy của Ủy ban MTTQ (vai trò monitor) mới ghi được ý kiến giám sát; máy này có vai trò «{}». Văn phòng phường xem được các ý kiến giám sát.",
                if role.is_empty() { "chưa đặt" } else { role }
            ),
            (SessionsError::NotMonitor { role }, Lang::En) => format!(
                "Only Fatherland Front devices (role monitor) may write monitoring remarks; this device's role is {role:?}. The ward office can read the remarks."
            ),
            (SessionsError::NoMonitoring, Lang::Vi) => "Máy này chưa có sổ giám sát của MTTQ (chỉ máy của MTTQ và văn phòng phường có); hãy đồng bộ khi có mạng.".into(),
            (SessionsError::NoMonitoring, Lang::En) => "This device does not hold the MTTQ's monitoring document (only MTTQ and office devices do); sync when online.".into(),
            (SessionsError::BadHeads(h), Lang::Vi) => format!(
                "Phiên bản biên bản «{h}» không hợp lệ; hãy tải lại trang (chưa lưu gì)."
            ),
            (SessionsError::BadHeads(h), Lang::En) => format!(
                "The minutes' version {h:?} is not valid; reload the page (nothing was saved)."
            ),
            (SessionsError::NoWard, Lang::En) => "This device does not have the ward document (plan, list of sessions) yet; run doithoai sync when online.".into(),
        }
    }
}

/// Runs `f` in one transaction of `handle` carrying `meta`; nothing is written when it fails.
/// When it succeeds the change is in `repo`'s store before this returns, also in a process that
/// keeps running (the web UI of `serve`, which says "Đã lưu" after it).
fn transact<R, E>(
    repo: &doithoai_sync::LocalRepo,
    handle: &DocHandle,
    meta: &ChangeMeta,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, E>,
) -> Result<R, SessionsError>
where
    SessionsError: From<E>,
{
    let before = handle.with_document(|doc| doc.get_heads());
    let out = handle.with_document(|doc| {
        doc.transact_with(|_| meta.commit_options(), f)
            .map(|ok| ok.result)
            .map_err(|fail| fail.error)
    })?;
    repo.persist_since(handle, &before)?;
    Ok(out)
}

/// The short form of a session document id shown in lists.
pub fn short_doc(doc_id: &str) -> String {
    doc_id.chars().take(8).collect()
}

/// A session with what the office knows about the petitions it raised.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionView {
    pub doc_id: String,
    pub session: Session,
    pub facts: BTreeMap<Uuid, PetitionFact>,
    pub summary: Summary,
    /// The handling status of each petition raised or registered.
    pub statuses: BTreeMap<Uuid, Status>,
}

pub use doithoai_model::session::ApplyResult;

/// One petition's line in the conclusion report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApplyLine {
    pub pid: Uuid,
    /// `speech` or `conclusion`, and its position in the session.
    pub source: String,
    pub position: usize,
    pub register_no: Option<String>,
    pub result: ApplyResult,
}

/// What concluding did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConcludeReport {
    pub doc_id: String,
    pub lines: Vec<ApplyLine>,
    /// Conclusions that assign a department but name no petition nor speech with petitions.
    pub without_petitions: Vec<usize>,
    /// What the conclusions name but concluding did not carry into the handling document as
    /// such, with the reason (a speech that raised no petition, a petition assigned by an
    /// earlier conclusion, an on-the-spot answer a conclusion took over).
    pub unapplied: Vec<session::Unapplied>,
}

/// Which document to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Report,
    Minutes,
}

/// What the user may change in a rendered document.
#[derive(Debug, Clone, Default)]
pub struct DocOverrides {
    pub parent: Option<String>,
    pub issuer: Option<String>,
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
    pub locality: Option<String>,
    pub signer: Option<String>,
    pub signer_title: Option<String>,
    pub on_behalf: Option<String>,
    pub recipients: Vec<String>,
    pub assessment: Option<String>,
    pub recommendations: Option<String>,
    pub lang: Lang,
}

/// Filters of the speaker import.
#[derive(Debug, Clone, Default)]
pub struct ImportFilter {
    /// Only petitions recorded on or after this day.
    pub from: Option<NaiveDate>,
    /// Only petitions of this collection point.
    pub point: Option<String>,
}

fn row_date(row: &PetitionRow) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(&row.created_at)
        .ok()
        .map(|d| d.date_naive())
}

fn truncate(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl App {
    fn session_ctx(&self) -> Ctx {
        let device = self
            .device
            .device_id
            .clone()
            .or_else(|| self.device.peer_id.clone())
            .unwrap_or_else(|| "local".to_owned());
        Ctx::new(&self.device.name, &device, ward_now())
    }

    fn ensure_secretary(&self) -> Result<(), SessionsError> {
        if self.device.role == "office" {
            Ok(())
        } else {
            Err(SessionsError::NotOffice {
                role: self.device.role.clone(),
            })
        }
    }

    /// The settings as stored (another operation of this process may have added documents).
    fn settings(&self) -> Result<DeviceConfig, SessionsError> {
        Ok(DeviceConfig::load(&self.store)?.unwrap_or_else(|| self.device.clone()))
    }

    /// The ward document; on an office device that has none (before enrolment) a local one is
    /// made when `create` is set.
    pub async fn ward_handle(&self, create: bool) -> Result<Option<DocHandle>, SessionsError> {
        let settings = self.settings()?;
        if let Some(id) = &settings.ward {
            let id = parse_doc_id(id)?;
            return Ok(self.repo.find(&id).await?);
        }
        if !create || self.device.role != "office" {
            return Ok(None);
        }
        let name = settings.ward_name.clone().unwrap_or_default();
        let handle = self
            .repo
            .create(ward::new_document("local", &name)?)
            .await?;
        let id = handle.document_id().to_string();
        let mut config = settings;
        config.ward = Some(id.clone());
        config.save(&self.store)?;
        self.store.meta_set(LOCAL_WARD, &id)?;
        tracing::info!(document = %id, "created a local ward document for the plan and sessions");
        Ok(Some(handle))
    }

    async fn ward_for_writing(&self) -> Result<DocHandle, SessionsError> {
        self.ensure_secretary()?;
        self.copy_local_ward().await?;
        self.ward_handle(true).await?.ok_or(SessionsError::NoWard)
    }

    /// After enrolment: copies the plan and the session entries of the ward document made on
    /// this device before into the ward's own, and has the sessions registered at the next sync.
    pub async fn copy_local_ward(&self) -> Result<usize, SessionsError> {
        let Some(local) = self.store.meta_get(LOCAL_WARD)? else {
            return Ok(0);
        };
        let Some(current) = self.settings()?.ward else {
            return Ok(0);
        };
        if current == local
            || self.store.meta_get(LOCAL_WARD_COPIED)?.as_deref() == Some(current.as_str())
        {
            return Ok(0);
        }
        let (Some(from), Some(to)) = (
            self.repo.find(&parse_doc_id(&local)?).await?,
            self.repo.find(&parse_doc_id(&current)?).await?,
        ) else {
            return Ok(0);
        };
        let (plan, entries) = read(&from, |d| (session::read_plan(d), session::read_entries(d)));
        let ctx = self.session_ctx();
        let n = plan.len() + entries.len();
        transact(
            &self.repo,
            &to,
            &session::meta(&ctx, "plan.copy", Vec::new()),
            |tx| -> Result<(), SessionError> {
                for p in &plan {
                    session::plan_put(tx, p)?;
                }
                for e in &entries {
                    session::put_entry(tx, e)?;
                }
                Ok(())
            },
        )?;
        for e in &entries {
            self.note_created(&e.doc_id, "session")?;
        }
        self.store.meta_set(LOCAL_WARD_COPIED, &current)?;
        tracing::info!(
            copied = n,
            "plan and sessions made before enrolment copied into the ward document"
        );
        Ok(n)
    }

    fn local_sessions(&self) -> Result<Vec<String>, SessionsError> {
        Ok(self
            .store
            .meta_get(LOCAL_SESSIONS)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Every session this device knows: the ward document's index, the sessions created here
    /// and those the server listed.
    pub async fn known_sessions(&self) -> Result<Vec<SessionEntry>, SessionsError> {
        let mut entries: Vec<SessionEntry> = match self.ward_handle(false).await? {
            Some(w) => read(&w, session::read_entries),
            None => Vec::new(),
        };
        let mut extra: Vec<String> = self.local_sessions()?;
        extra.extend(
            self.server_docs()?
                .into_iter()
                .filter(|d| d.kind == "session")
                .map(|d| d.id),
        );
        for id in extra {
            if entries.iter().any(|e| e.doc_id == id) {
                continue;
            }
            let Ok(did) = parse_doc_id(&id) else { continue };
            if let Some(h) = self.repo.find(&did).await?
                && let Ok(s) = read(&h, session::read)
            {
                entries.push(s.entry(&id));
            }
        }
        entries.sort_by(|a, b| (a.date, &a.doc_id).cmp(&(b.date, &b.doc_id)));
        Ok(entries)
    }

    /// The sessions on or after `from`, soonest first, read whole (for the TDP's schedule: time,
    /// place, content and speakers).
    pub async fn upcoming_sessions(
        &self,
        from: chrono::NaiveDate,
    ) -> Result<Vec<(String, Session)>, SessionsError> {
        let mut out = Vec::new();
        for e in self.known_sessions().await? {
            if e.date < from {
                continue;
            }
            let Ok(id) = parse_doc_id(&e.doc_id) else {
                continue;
            };
            if let Some(h) = self.repo.find(&id).await?
                && let Ok(s) = read(&h, session::read)
            {
                out.push((e.doc_id.clone(), s));
            }
        }
        Ok(out)
    }

    /// The sessions of a year (all when `None`).
    pub async fn list_sessions(
        &self,
        year: Option<i32>,
    ) -> Result<Vec<SessionEntry>, SessionsError> {
        use chrono::Datelike;
        Ok(self
            .known_sessions()
            .await?
            .into_iter()
            .filter(|e| year.is_none_or(|y| e.date.year() == y))
            .collect())
    }

    /// Finds the session a user typed: the start of its document id, its date (when one
    /// session is on that day), or none for the current session.
    pub async fn resolve_session(
        &self,
        typed: Option<&str>,
    ) -> Result<(String, DocHandle), SessionsError> {
        let doc_id = match typed.map(str::trim).filter(|t| !t.is_empty()) {
            None => self
                .store
                .meta_get(CURRENT_SESSION)?
                .ok_or(SessionsError::NoCurrent)?,
            Some(t) => {
                let known = self.known_sessions().await?;
                let mut hits: Vec<&SessionEntry> =
                    known.iter().filter(|e| e.doc_id.starts_with(t)).collect();
                if hits.is_empty() {
                    let lt = t.to_lowercase();
                    hits = known
                        .iter()
                        .filter(|e| e.doc_id.to_lowercase().starts_with(&lt))
                        .collect();
                }
                if hits.is_empty()
                    && let Ok(d) = doithoai_model::time::parse_date(t)
                {
                    hits = known.iter().filter(|e| e.date == d).collect();
                }
                match hits.as_slice() {
                    [] => return Err(SessionsError::NoSuchSession(t.to_owned())),
                    [one] => one.doc_id.clone(),
                    many => {
                        return Err(SessionsError::AmbiguousSession {
                            typed: t.to_owned(),
                            matches: many.iter().map(|e| short_doc(&e.doc_id)).collect(),
                        });
                    }
                }
            }
        };
        let id = parse_doc_id(&doc_id)?;
        let handle = self
            .repo
            .find(&id)
            .await?
            .ok_or_else(|| SessionsError::NoSuchSession(short_doc(&doc_id)))?;
        Ok((doc_id, handle))
    }

    /// Makes a session the one later commands work on.
    pub async fn use_session(&self, typed: &str) -> Result<(String, Session), SessionsError> {
        let (doc_id, h) = self.resolve_session(Some(typed)).await?;
        let s = read(&h, session::read)?;
        self.store.meta_set(CURRENT_SESSION, &doc_id)?;
        Ok((doc_id, s))
    }

    /// Keeps the ward document's index entry of a session in step with it.
    async fn update_entry(&self, doc_id: &str, s: &Session) -> Result<(), SessionsError> {
        let Some(w) = self.ward_handle(self.device.role == "office").await? else {
            return Ok(());
        };
        if self.device.role != "office" {
            return Ok(());
        }
        let entry = s.entry(doc_id);
        let current = read(&w, session::read_entries)
            .into_iter()
            .find(|e| e.doc_id == doc_id);
        if current.as_ref() == Some(&entry) {
            return Ok(());
        }
        let ctx = self.session_ctx();
        transact(
            &self.repo,
            &w,
            &session::meta(&ctx, "index", vec![doc_id.to_owned()]),
            |tx| session::put_entry(tx, &entry),
        )?;
        Ok(())
    }

    /// Creates a session document, lists it in the ward document and makes it current.
    pub async fn create_session(
        &self,
        new: NewSession,
    ) -> Result<(String, Session), SessionsError> {
        self.ensure_secretary()?;
        new.validate()?;
        let ward = self.ward_for_writing().await?;
        if let Some(pid) = &new.plan_id
            && !read(&ward, session::read_plan).iter().any(|p| &p.id == pid)
        {
            return Err(SessionError::NoSuchPlanned { typed: pid.clone() }.into());
        }
        let ctx = self.session_ctx();
        let id = Uuid::now_v7().to_string();
        let doc = session::new_document(&ctx, &id, &new)?;
        let handle = self.repo.create(doc).await?;
        let doc_id = handle.document_id().to_string();
        self.note_created(&doc_id, "session")?;
        let mut local = self.local_sessions()?;
        if !local.contains(&doc_id) {
            local.push(doc_id.clone());
            self.store.meta_set(
                LOCAL_SESSIONS,
                &serde_json::to_string(&local).unwrap_or_default(),
            )?;
        }
        let s = read(&handle, session::read)?;
        self.update_entry(&doc_id, &s).await?;
        self.store.meta_set(CURRENT_SESSION, &doc_id)?;
        tracing::info!(session = %doc_id, "session created");
        Ok((doc_id, s))
    }

    /// Runs one operation on a session document and keeps the ward's index in step.
    async fn session_op<R>(
        &self,
        typed: Option<&str>,
        op: &str,
        f: impl FnOnce(&mut Transaction<'_>, &Ctx, &Session) -> Result<R, SessionError>,
    ) -> Result<(String, R, Session), SessionsError> {
        self.ensure_secretary()?;
        self.copy_local_ward().await?;
        let (doc_id, handle) = self.resolve_session(typed).await?;
        let before = read(&handle, session::read)?;
        let ctx = self.session_ctx();
        let out = transact(
            &self.repo,
            &handle,
            &session::meta(&ctx, op, vec![before.id.clone()]),
            |tx| f(tx, &ctx, &before),
        )?;
        let after = read(&handle, session::read)?;
        self.update_entry(&doc_id, &after).await?;
        Ok((doc_id, out, after))
    }

    /// Edits the session's header.
    pub async fn edit_session(
        &self,
        typed: Option<&str>,
        edit: SessionEdit,
    ) -> Result<Session, SessionsError> {
        if let Some(Some(pid)) = &edit.plan_id {
            let plan = self.plan(None).await?;
            if !plan.iter().any(|p| &p.id == pid) {
                return Err(SessionError::NoSuchPlanned { typed: pid.clone() }.into());
            }
        }
        let (_, _, s) = self
            .session_op(typed, "edit", |tx, ctx, _| session::edit(tx, ctx, &edit))
            .await?;
        Ok(s)
    }

    /// Sets the attendance counts of a category.
    pub async fn set_attendance(
        &self,
        typed: Option<&str>,
        category: Category,
        invited: Option<u32>,
        present: Option<u32>,
    ) -> Result<Session, SessionsError> {
        self.set_attendances(typed, &[(category, invited, present)])
            .await
    }

    /// Sets the attendance counts of several categories in one change: all or none (a count
    /// refused in one category leaves the others as they were too).
    pub async fn set_attendances(
        &self,
        typed: Option<&str>,
        counts: &[(Category, Option<u32>, Option<u32>)],
    ) -> Result<Session, SessionsError> {
        let (_, _, s) = self
            .session_op(typed, "attendance", |tx, ctx, _| {
                for &(category, invited, present) in counts {
                    session::set_attendance(tx, ctx, category, invited, present).map_err(|e| {
                        match e {
                            SessionError::MorePresentThanInvited { .. } => {
                                e.at(Input::Present(category))
                            }
                            e => e,
                        }
                    })?;
                }
                Ok(())
            })
            .await?;
        Ok(s)
    }

    /// Adds people to the named list of those present.
    pub async fn add_attendees(
        &self,
        typed: Option<&str>,
        names: &[String],
        category: Category,
        unit: &str,
    ) -> Result<Session, SessionsError> {
        let (_, _, s) = self
            .session_op(typed, "attendee", |tx, ctx, _| {
                for n in names {
                    session::add_attendee(tx, ctx, n, category, unit)?;
                }
                Ok(())
            })
            .await?;
        Ok(s)
    }

    /// Registers the residents who asked to speak, from the petitions this device holds, that
    /// are not registered yet and whose handling is still open. Returns the new speakers.
    pub async fn import_speakers(
        &self,
        typed: Option<&str>,
        filter: &ImportFilter,
    ) -> Result<(Session, Vec<String>), SessionsError> {
        let rows: Vec<PetitionRow> = self
            .store
            .list_petitions(&PetitionFilter {
                point: filter.point.clone(),
                from: filter.from.map(|d| d.format("%Y-%m-%d").to_string()),
                ..Default::default()
            })?
            .into_iter()
            .filter(|r| r.wants_to_speak)
            .collect();
        let state = self.handling_state().await?;
        let registry = self.registry().await?;
        let mut rows: Vec<PetitionRow> = rows
            .into_iter()
            .filter(|r| {
                let Ok(id) = Uuid::parse_str(&r.id) else {
                    return false;
                };
                !state.get(&id).is_some_and(|i| {
                    matches!(
                        i.status,
                        Status::Notified
                            | Status::Closed
                            | Status::Merged
                            | Status::Filed
                            | Status::Forwarded
                    )
                })
            })
            .collect();
        // Oldest first: the register follows the order residents asked.
        rows.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        let (_, added, s) = self
            .session_op(typed, "speaker.import", |tx, ctx, cur| {
                let mut added = Vec::new();
                for r in &rows {
                    let Ok(pid) = Uuid::parse_str(&r.id) else {
                        continue;
                    };
                    // Already in the register (a walk-in whose matter was recorded, or a
                    // speaker registered with --petition).
                    if cur.speakers.iter().any(|sp| sp.petitions.contains(&pid)) {
                        continue;
                    }
                    let unit = if !r.tdp.is_empty() {
                        r.tdp.clone()
                    } else {
                        registry
                            .point(&r.point)
                            .map(|p| p.name.clone())
                            .unwrap_or_else(|| r.point.clone())
                    };
                    let (key, new) = session::add_speaker(
                        tx,
                        ctx,
                        &NewSpeaker {
                            name: truncate(&r.residents, 200),
                            unit: truncate(&unit, 200),
                            topic: truncate(&r.content, 300),
                            source: SpeakerSource::Petition,
                            petitions: vec![pid],
                        },
                    )?;
                    if new {
                        added.push(key);
                    }
                }
                Ok(added)
            })
            .await?;
        Ok((s, added))
    }

    /// Registers a speaker at the hall. With `content`, the matter is also recorded as a
    /// petition of this device's collection point (the office desk: an office device enrolled
    /// with the office's point, or any office laptop before enrolment), dated the day of the
    /// session and entered in the reception register that day, so that it is in the register
    /// with its field and can be answered or assigned like any other. Without such a desk,
    /// nothing is recorded and [`SessionsError::NoDesk`] says what to do.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_walk_in(
        &self,
        typed: Option<&str>,
        name: &str,
        unit: &str,
        content: Option<&str>,
        field: Option<String>,
        petitions: &[String],
    ) -> Result<(Session, String, Option<(Uuid, RegisterNo)>), SessionsError> {
        self.ensure_secretary()?;
        // Check the session exists, and everything typed, before recording anything.
        let (_, sh) = self.resolve_session(typed).await?;
        let cur = read(&sh, session::read)?;
        let mut pids = self.petition_ids(petitions).await?;
        let content = content.map(str::trim).filter(|c| !c.is_empty());
        let mut speaker = NewSpeaker {
            name: name.to_owned(),
            unit: unit.to_owned(),
            topic: content.unwrap_or_default().to_owned(),
            source: SpeakerSource::WalkIn,
            petitions: Vec::new(),
        };
        speaker.validate()?;
        let mut created = None;
        if let Some(c) = content {
            if self.device.intake.is_none() {
                return Err(SessionsError::NoDesk);
            }
            let hh = self
                .handling_handle(true)
                .await?
                .ok_or(OfficeError::NoHandling)?;
            let now = ward_now();
            let today = now.date_naive();
            // Raised at the session: dated the session's day (at its start, when it is known),
            // so that the register and the deadlines count from the session.
            let created_at = if cur.date < today {
                let time = cur
                    .start_time()
                    .and_then(|t| chrono::NaiveTime::parse_from_str(&t, "%H:%M").ok())
                    .unwrap_or_default();
                cur.date
                    .and_time(time)
                    .and_local_timezone(doithoai_model::time::ward_offset())
                    .single()
            } else {
                None
            };
            let p = self
                .add_petition(NewPetition {
                    residents: vec![Resident {
                        name: name.trim().to_owned(),
                        address: String::new(),
                        tdp: unit.trim().to_owned(),
                        phone: None,
                        id_number: None,
                    }],
                    field,
                    content: c.to_owned(),
                    // Spoken already: not to be imported as a speaker again.
                    wants_to_speak: false,
                    created_at,
                    ..Default::default()
                })
                .await?;
            let ctx = self.session_ctx();
            let point = p.point.clone();
            let collected = p.created_at.date_naive();
            let date = cur.date.clamp(collected, today.max(collected));
            let no = transact(&self.repo, &hh, &ctx.meta(Op::Receive, &[p.id]), |tx| {
                handling::receive(tx, &ctx, p.id, &point, collected, date)
            })?;
            tracing::info!(petition = %p.id, %no, "walk-in speaker's matter recorded and registered");
            pids.push(p.id);
            created = Some((p.id, no));
        }
        speaker.petitions = pids;
        let (_, key, s) = self
            .session_op(typed, "speaker.add", |tx, ctx, _| {
                let (k, _) = session::add_speaker(tx, ctx, &speaker)?;
                Ok(k)
            })
            .await?;
        if created.is_some() {
            self.refresh_handling().await?;
        }
        Ok((s, key, created))
    }

    /// Moves a speaker in the register.
    pub async fn order_speaker(
        &self,
        typed: Option<&str>,
        speaker: &str,
        position: i64,
    ) -> Result<Session, SessionsError> {
        let (_, _, s) = self
            .session_op(typed, "speaker.order", |tx, ctx, cur| {
                let keys: Vec<String> = cur.speakers.iter().map(|s| s.key.clone()).collect();
                let key = session::find_ref("speaker", &keys, speaker)?;
                // Positions are 1-based; moving before the one at `position` keeps the others.
                let others: Vec<&String> = keys.iter().filter(|k| **k != key).collect();
                let pos = (position.max(1) as usize).min(others.len() + 1);
                let mut order = 0i64;
                for (i, k) in others.iter().enumerate() {
                    if i + 1 == pos {
                        order += 1;
                        session::set_speaker_order(tx, ctx, &key, order)?;
                    }
                    order += 1;
                    session::set_speaker_order(tx, ctx, k, order)?;
                }
                if pos == others.len() + 1 {
                    session::set_speaker_order(tx, ctx, &key, order + 1)?;
                }
                Ok(())
            })
            .await?;
        Ok(s)
    }

    /// Records a step of the proceedings; during a session held today the time defaults to now.
    pub async fn record_step(
        &self,
        typed: Option<&str>,
        n: u8,
        at: Option<String>,
        by: Option<String>,
        note: Option<String>,
    ) -> Result<Session, SessionsError> {
        let now = ward_now();
        let (_, _, s) = self
            .session_op(typed, "step", |tx, ctx, cur| {
                if !(1..=session::STEPS as u8).contains(&n) {
                    return Err(SessionError::BadStep {
                        value: n.to_string(),
                    });
                }
                let at = match at {
                    Some(a) => Some(a),
                    None if cur.date == now.date_naive() => Some(now.format("%H:%M").to_string()),
                    None if by.is_none() && note.is_none() => {
                        return Err(SessionError::Required { what: "time" });
                    }
                    None => None,
                };
                session::set_step(tx, ctx, n, at.as_deref(), by.as_deref(), note.as_deref())
                    .map_err(|e| match e {
                        SessionError::BadTime { .. } => e.at(Input::StepTime),
                        e => e,
                    })
            })
            .await?;
        Ok(s)
    }

    /// The petition ids for what the user typed (id prefixes or register numbers, 17/2026).
    async fn petition_ids(&self, typed: &[String]) -> Result<Vec<Uuid>, SessionsError> {
        let mut out = Vec::new();
        for t in typed {
            let row = self.office_resolve(t).await?;
            let id = Uuid::parse_str(&row.id).map_err(|_| AppError::NoSuchPetition(t.clone()))?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Records a speech; `speaker` names a registered speaker (position or key).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_speech(
        &self,
        typed: Option<&str>,
        speaker: Option<&str>,
        mut speech: NewSpeech,
        petitions: &[String],
    ) -> Result<(Session, String), SessionsError> {
        let pids = self.petition_ids(petitions).await?;
        let registry = self.registry().await?;
        let now = ward_now();
        let (_, id, s) = self
            .session_op(typed, "speech.add", |tx, ctx, cur| {
                // Recorded live: the time is now; recorded afterwards: only if given.
                if speech.at.is_none() && cur.date == now.date_naive() {
                    speech.at = Some(now.format("%H:%M").to_string());
                }
                if let Some(sp) = speaker {
                    let keys: Vec<String> = cur.speakers.iter().map(|s| s.key.clone()).collect();
                    speech.speaker = Some(session::find_ref("speaker", &keys, sp)?);
                }
                if !pids.is_empty() {
                    speech.petitions = pids;
                }
                session::add_speech(tx, ctx, &registry, &speech)
            })
            .await?;
        Ok((s, id))
    }

    /// Records the answer to a speech.
    pub async fn answer_speech(
        &self,
        typed: Option<&str>,
        speech: &str,
        answer: &str,
        answered_by: &str,
        on_spot: bool,
    ) -> Result<Session, SessionsError> {
        let (_, _, s) = self
            .session_op(typed, "speech.answer", |tx, ctx, cur| {
                let keys: Vec<String> = cur.speeches.iter().map(|s| s.id.clone()).collect();
                let id = session::find_ref("speech", &keys, speech)?;
                session::answer_speech(tx, ctx, &id, answer, answered_by, on_spot)
            })
            .await?;
        Ok(s)
    }

    /// Records a conclusion; `speeches` are positions or keys of speeches.
    pub async fn add_conclusion(
        &self,
        typed: Option<&str>,
        text: &str,
        department: Option<String>,
        deadline: Option<NaiveDate>,
        petitions: &[String],
        speeches: &[String],
    ) -> Result<(Session, String), SessionsError> {
        let pids = self.petition_ids(petitions).await?;
        let registry = self.registry().await?;
        let (_, id, s) = self
            .session_op(typed, "conclusion.add", |tx, ctx, cur| {
                let keys: Vec<String> = cur.speeches.iter().map(|s| s.id.clone()).collect();
                let speeches = speeches
                    .iter()
                    .map(|t| session::find_ref("speech", &keys, t))
                    .collect::<Result<Vec<_>, _>>()?;
                session::add_conclusion(
                    tx,
                    ctx,
                    &registry,
                    &NewConclusion {
                        text: text.to_owned(),
                        department,
                        deadline,
                        petitions: pids,
                        speeches,
                    },
                )
            })
            .await?;
        Ok((s, id))
    }

    /// Replaces or extends the minutes text.
    pub async fn write_minutes(
        &self,
        typed: Option<&str>,
        text: &str,
        append: bool,
    ) -> Result<Session, SessionsError> {
        let (_, _, s) = self
            .session_op(typed, "minutes", |tx, ctx, _| {
                if append {
                    session::append_minutes(tx, ctx, text)
                } else {
                    session::set_minutes(tx, ctx, text)
                }
            })
            .await?;
        Ok(s)
    }

    /// A session with the facts of its petitions and the report's figures.
    pub async fn session_view(&self, typed: Option<&str>) -> Result<SessionView, SessionsError> {
        let (doc_id, h) = self.resolve_session(typed).await?;
        let s = read(&h, session::read)?;
        let registry = self.registry().await?;
        let mut ids: BTreeSet<Uuid> = BTreeSet::new();
        for sp in &s.speeches {
            ids.extend(sp.petitions.iter().copied());
        }
        for sp in &s.speakers {
            ids.extend(sp.petitions.iter().copied());
        }
        for c in &s.conclusions {
            ids.extend(c.petitions.iter().copied());
        }
        let state = self.handling_state().await?;
        let mut facts = BTreeMap::new();
        let mut statuses = BTreeMap::new();
        for id in &ids {
            let item = state.get(id);
            if let Some(it) = item {
                statuses.insert(*id, it.status);
            }
            let Some(row) = self.store.index_get(&id.to_string())? else {
                continue;
            };
            facts.insert(
                *id,
                PetitionFact {
                    id: *id,
                    field: item
                        .and_then(|i| i.field().map(str::to_owned))
                        .or(row.field.clone()),
                    content: row.content.clone(),
                    people: u32::try_from(row.people_count).unwrap_or(1),
                    point: row.point.clone(),
                },
            );
        }
        let summary = session::summarize(&s, &facts, &registry);
        Ok(SessionView {
            doc_id,
            session: s,
            facts,
            summary,
            statuses,
        })
    }

    /// What the office knows of a petition, for concluding: from the index (this laptop must
    /// hold the petition's intake document).
    fn petition_ref(&self, pid: Uuid) -> Result<Option<PetitionRef>, SessionsError> {
        let Some(row) = self.store.index_get(&pid.to_string())? else {
            return Ok(None);
        };
        Ok(Some(PetitionRef {
            id: pid,
            point: row.point.clone(),
            collected: row_date(&row).unwrap_or_else(|| ward_now().date_naive()),
            kind: PetitionKind::parse(&row.kind).unwrap_or(PetitionKind::KienNghi),
            field: row.field.clone(),
        }))
    }

    /// Concludes the session: carries the on-the-spot answers and the conclusions into the
    /// handling document ([`session::conclusion_work`], [`session::apply_work`]: one handling
    /// transaction per petition, each decided from what the handling document says), records
    /// what was done in the session, and marks it concluded.
    pub async fn conclude_session(
        &self,
        typed: Option<&str>,
        end: Option<String>,
    ) -> Result<ConcludeReport, SessionsError> {
        self.ensure_secretary()?;
        self.copy_local_ward().await?;
        let (doc_id, sh) = self.resolve_session(typed).await?;
        let s = read(&sh, session::read)?;
        let ctx = self.session_ctx();
        if s.date > ctx.today() {
            return Err(SessionError::NotYetHeld { date: s.date }.into());
        }
        if let Some(e) = &end {
            session::parse_time(e)?;
        }
        let hh = self
            .handling_handle(true)
            .await?
            .ok_or(OfficeError::NoHandling)?;
        let handling_id = hh.document_id().to_string();
        let registry = self.registry().await?;
        let cal = Calendar::of(&registry);
        let plan = session::conclusion_plan(&s, &cal);
        let work = plan.work;
        let mut lines: Vec<ApplyLine> = Vec::new();
        for w in &work {
            let pid = w.pid();
            let result = match self.petition_ref(pid)? {
                None => ApplyResult::Skipped {
                    vi: "ý kiến chưa có trên máy này; hãy đồng bộ rồi kết luận lại".into(),
                    en: "the petition is not on this laptop; sync and conclude again".into(),
                },
                Some(p) => {
                    let op = match w {
                        session::Work::OnSpot { .. } => Op::AnswerOnSpot,
                        session::Work::Assign { .. } => Op::Assign,
                    };
                    let meta = ctx.meta(op, &[pid]);
                    transact(&self.repo, &hh, &meta, |tx| {
                        session::apply_work(tx, &ctx, &registry, &s, w, &p)
                    })
                    .unwrap_or_else(|e| ApplyResult::Skipped {
                        vi: e.localize(Lang::Vi),
                        en: e.localize(Lang::En),
                    })
                }
            };
            lines.push(ApplyLine {
                pid,
                source: match w {
                    session::Work::OnSpot { .. } => "speech".into(),
                    session::Work::Assign { .. } => "conclusion".into(),
                },
                position: w.position(),
                register_no: None,
                result,
            });
        }
        let without: Vec<usize> = s
            .conclusions
            .iter()
            .enumerate()
            .filter(|(_, c)| c.department.is_some() && s.conclusion_petitions(c).is_empty())
            .map(|(i, _)| i + 1)
            .collect();
        for u in &plan.unapplied {
            tracing::info!(reason = %u.describe(Lang::En), "conclusion not applied as such");
        }
        // Record in the session what was done, and that it is concluded.
        transact(
            &self.repo,
            &sh,
            &session::meta(&ctx, "conclude", vec![s.id.clone()]),
            |tx| -> Result<(), SessionError> {
                for (w, l) in work.iter().zip(&lines) {
                    let Some(outcome) = l.result.outcome() else {
                        continue;
                    };
                    session::record_applied(
                        tx,
                        &ctx,
                        &handling_id,
                        w.op(),
                        w.source(),
                        &l.pid,
                        &outcome,
                    )?;
                }
                session::mark_concluded(tx, &ctx, end.as_deref())
            },
        )?;
        let after = read(&sh, session::read)?;
        self.update_entry(&doc_id, &after).await?;
        self.refresh_handling().await?;
        // Register numbers, now that they exist.
        let state = self.handling_state().await?;
        for l in &mut lines {
            l.register_no = state
                .get(&l.pid)
                .and_then(|i| i.number())
                .map(|n| n.to_string());
        }
        Ok(ConcludeReport {
            doc_id,
            lines,
            without_petitions: without,
            unapplied: plan.unapplied,
        })
    }

    /// Renders the report or the minutes of a session.
    pub async fn session_document(
        &self,
        typed: Option<&str>,
        kind: DocKind,
        o: &DocOverrides,
    ) -> Result<(SessionView, AdminDoc), SessionsError> {
        let view = self.session_view(typed).await?;
        let mut registry = self.registry().await?;
        if registry.ward_name.is_empty()
            && let Some(n) = self.settings()?.ward_name
        {
            registry.ward_name = n;
        }
        let s = &view.session;
        let lang = o.lang;
        let apply_lh = |lh: &mut doithoai_documents::Letterhead| {
            if let Some(v) = &o.parent {
                lh.parent = v.clone();
            }
            if let Some(v) = &o.issuer {
                lh.issuer = v.replace("\\n", "\n");
            }
            if let Some(v) = &o.number {
                lh.number = v.clone();
            }
            if let Some(v) = o.date {
                lh.date = v;
            }
            if let Some(v) = &o.locality {
                lh.place = v.clone();
            }
        };
        let doc = match kind {
            DocKind::Report => {
                let today = ward_now().date_naive();
                let mut opts: ReportOptions = report_defaults(s, &registry, today, lang);
                apply_lh(&mut opts.letterhead);
                if let Some(v) = &o.signer {
                    opts.signer.name = v.clone();
                }
                if let Some(v) = &o.signer_title {
                    opts.signer.title = v.clone();
                }
                if let Some(v) = &o.on_behalf {
                    opts.signer.on_behalf = v.clone();
                }
                if !o.recipients.is_empty() {
                    opts.recipients = o.recipients.clone();
                }
                opts.assessment = o.assessment.clone().unwrap_or_default();
                opts.recommendations = o.recommendations.clone().unwrap_or_default();
                session_report(s, &view.summary, &registry, &opts)
            }
            DocKind::Minutes => {
                let mut opts: MinutesOptions = minutes_defaults(s, &registry, lang);
                apply_lh(&mut opts.letterhead);
                if let Some(v) = &o.signer {
                    opts.chair.name = v.clone();
                }
                if !o.recipients.is_empty() {
                    opts.recipients = o.recipients.clone();
                }
                session_minutes(s, &view.summary, &registry, &opts)
            }
        };
        Ok((view, doc))
    }

    // -----------------------------------------------------------------------------------------
    // The annual plan
    // -----------------------------------------------------------------------------------------

    /// The annual plan (of a year, or all).
    pub async fn plan(&self, year: Option<i32>) -> Result<Vec<PlannedSession>, SessionsError> {
        self.copy_local_ward().await.ok();
        let Some(w) = self.ward_handle(false).await? else {
            return Ok(Vec::new());
        };
        Ok(read(&w, session::read_plan)
            .into_iter()
            .filter(|p| year.is_none_or(|y| p.year == y))
            .collect())
    }

    /// Adds sessions to the plan; returns their ids.
    pub async fn plan_add(&self, items: &[NewPlanned]) -> Result<Vec<String>, SessionsError> {
        let w = self.ward_for_writing().await?;
        let ctx = self.session_ctx();
        transact(
            &self.repo,
            &w,
            &session::meta(&ctx, "plan.add", Vec::new()),
            |tx| -> Result<Vec<String>, SessionError> {
                items
                    .iter()
                    .map(|p| session::plan_add(tx, &ctx, p))
                    .collect()
            },
        )
    }

    /// Adds the standard plan of a year (the 2024 plan's rhythm: a periodic session in June and
    /// a thematic one in October), leaving out what the year's plan already has.
    pub async fn plan_template(
        &self,
        year: i32,
        topic: &str,
    ) -> Result<Vec<PlannedSession>, SessionsError> {
        let existing = self.plan(Some(year)).await?;
        let mut items = Vec::new();
        let heads = |kind: SessionKind| {
            kind.plan_chairs()
                .iter()
                .map(|r| session::Chair {
                    role: *r,
                    title: String::new(),
                    name: String::new(),
                })
                .collect::<Vec<_>>()
        };
        if !existing.iter().any(|p| p.kind == SessionKind::DinhKy) {
            items.push(NewPlanned {
                year,
                month: 6,
                kind: SessionKind::DinhKy,
                topic: String::new(),
                chairs: heads(SessionKind::DinhKy),
                note: String::new(),
            });
        }
        if !existing.iter().any(|p| p.kind == SessionKind::ChuyenDe) {
            items.push(NewPlanned {
                year,
                month: 10,
                kind: SessionKind::ChuyenDe,
                topic: if topic.trim().is_empty() {
                    "Giải quyết những vấn đề Nhân dân quan tâm".to_owned()
                } else {
                    topic.trim().to_owned()
                },
                chairs: heads(SessionKind::ChuyenDe),
                note: String::new(),
            });
        }
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let ids = self.plan_add(&items).await?;
        Ok(self
            .plan(Some(year))
            .await?
            .into_iter()
            .filter(|p| ids.contains(&p.id))
            .collect())
    }

    /// Removes a session from the plan (typed: the start of its id, at least 4 characters, or
    /// its position in `plan list` of all years).
    pub async fn plan_remove(&self, typed: &str) -> Result<PlannedSession, SessionsError> {
        let all = self.plan(None).await?;
        let keys: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
        let id =
            session::find_ref("plan", &keys, typed).map_err(|_| SessionError::NoSuchPlanned {
                typed: typed.to_owned(),
            })?;
        let w = self.ward_for_writing().await?;
        let ctx = self.session_ctx();
        transact(
            &self.repo,
            &w,
            &session::meta(&ctx, "plan.remove", vec![id.clone()]),
            |tx| session::plan_remove(tx, &id),
        )?;
        all.into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| SessionError::NoSuchPlanned { typed: id }.into())
    }

    /// The plan check of a year, as of `today`.
    pub async fn plan_check(
        &self,
        year: i32,
        today: NaiveDate,
    ) -> Result<Compliance, SessionsError> {
        let plan = self.plan(None).await?;
        let sessions = self.known_sessions().await?;
        Ok(session::check_plan(year, &plan, &sessions, today))
    }
}

/// The minutes as the live page edits them: the text, and the version (heads) it was read at.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MinutesState {
    pub text: String,
    /// [`encode_heads`] of the session document when the text was read.
    pub heads: String,
}

/// What saving the minutes did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MinutesSaved {
    /// The minutes now, with what others wrote meanwhile merged in.
    pub text: String,
    /// The version of `text`.
    pub heads: String,
    /// The version holding this edit on top of the one it was based on, without what arrived
    /// meanwhile: an editor that kept typing while the save was in flight bases its next save
    /// on it, so that what arrived is merged again rather than deleted.
    pub own: String,
    /// Whether something written elsewhere was merged in.
    pub merged: bool,
}

/// Heads as text: the change hashes in hex, sorted, comma-separated.
pub fn encode_heads(heads: &[ChangeHash]) -> String {
    let mut v: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    v.sort();
    v.join(",")
}

/// The heads [`encode_heads`] wrote.
pub fn decode_heads(s: &str) -> Result<Vec<ChangeHash>, SessionsError> {
    s.split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            h.parse::<ChangeHash>()
                .map_err(|_| SessionsError::BadHeads(h.chars().take(16).collect()))
        })
        .collect()
}

/// One conclusion as the Fatherland Front monitors it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MonitorRow {
    pub doc_id: String,
    pub session_title: String,
    pub session_date: NaiveDate,
    pub concluded: bool,
    /// 1-based, in the session.
    pub position: usize,
    pub conclusion: Conclusion,
    /// The department's name (its id when the registry does not know it).
    pub department: String,
    pub deadline: Option<NaiveDate>,
    /// The handling status of each petition it assigns, with the petition's register number.
    pub petitions: Vec<(Uuid, Option<String>, Status)>,
    /// Every petition it assigns is notified or closed.
    pub done: bool,
    /// Past its deadline and not done.
    pub overdue: bool,
    /// The Front's remarks on it, oldest first.
    pub remarks: Vec<Remark>,
}

impl App {
    /// The minutes of a session and the version they were read at.
    pub async fn minutes(&self, typed: Option<&str>) -> Result<MinutesState, SessionsError> {
        let (_, h) = self.resolve_session(typed).await?;
        Ok(read(&h, |d| MinutesState {
            text: session::read_minutes(d),
            heads: encode_heads(&d.get_heads()),
        }))
    }

    /// Saves the minutes as an editor has them, `base` being the version the editor started
    /// from. The edit is the difference between the text at `base` and `text`, written as
    /// Automerge text splices on top of `base` (a fork at `base`, merged back) so that what
    /// another secretary wrote meanwhile (synced in, or saved from another tab) is kept, word
    /// for word. When `base` is the document's current version the splices are written
    /// directly. An empty `base` means the current version.
    pub async fn edit_minutes(
        &self,
        typed: Option<&str>,
        base: &str,
        text: &str,
    ) -> Result<MinutesSaved, SessionsError> {
        self.ensure_secretary()?;
        let base = decode_heads(base)?;
        let (_, handle) = self.resolve_session(typed).await?;
        let ctx = self.session_ctx();
        let sid = read(&handle, |d| {
            doithoai_model::doc::Reader::new(d).string(&automerge::ROOT, "id")
        });
        let meta = session::meta(&ctx, "minutes", vec![sid]);
        let commit = |doc: &mut automerge::Automerge| -> Result<(), SessionsError> {
            doc.transact_with(
                |_| meta.commit_options(),
                |tx| session::set_minutes(tx, &ctx, text),
            )
            .map_err(|f| SessionsError::Session(f.error))?;
            Ok(())
        };
        let heads_before = handle.with_document(|doc| doc.get_heads());
        let saved = handle.with_document(|doc| -> Result<MinutesSaved, SessionsError> {
            let mut current = doc.get_heads();
            current.sort();
            let mut b = base.clone();
            b.sort();
            if b.is_empty() || b == current {
                // Nothing typed: nothing written (the script also asks to pull what arrived).
                if session::read_minutes(doc) != text {
                    commit(doc)?;
                }
                let heads = encode_heads(&doc.get_heads());
                return Ok(MinutesSaved {
                    text: session::read_minutes(doc),
                    own: heads.clone(),
                    heads,
                    merged: false,
                });
            }
            let mut fork = match doc.fork_at(&b) {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(error = %e, "minutes based on a version this laptop lacks");
                    return Err(SessionsError::BadHeads(encode_heads(&b)));
                }
            };
            if session::read_minutes(&fork) == text {
                // Nothing typed since `base`: the text as it now is, with what arrived.
                return Ok(MinutesSaved {
                    text: session::read_minutes(doc),
                    heads: encode_heads(&current),
                    own: encode_heads(&b),
                    merged: true,
                });
            }
            commit(&mut fork)?;
            let own = encode_heads(&fork.get_heads());
            doc.merge(&mut fork)
                .map_err(|e| SessionsError::App(AppError::Doc(e.into())))?;
            Ok(MinutesSaved {
                text: session::read_minutes(doc),
                heads: encode_heads(&doc.get_heads()),
                own,
                merged: true,
            })
        })?;
        // On disk before the page says "Đã lưu".
        self.repo.persist_since(&handle, &heads_before)?;
        Ok(saved)
    }

    /// Announces a session to the TDPs: its time, place and `text`, written beside its entry
    /// in the ward document (which every device of the ward reads).
    pub async fn announce_session(
        &self,
        typed: Option<&str>,
        text: &str,
    ) -> Result<Announcement, SessionsError> {
        let w = self.ward_for_writing().await?;
        let (doc_id, h) = self.resolve_session(typed).await?;
        let s = read(&h, session::read)?;
        self.update_entry(&doc_id, &s).await?;
        let when = session_when(&s);
        let ctx = self.session_ctx();
        let a = Announcement {
            doc_id: doc_id.clone(),
            date: s.date,
            title: s.title.clone(),
            kind: s.kind,
            topic: s.topic.clone(),
            when,
            place: s.place.clone(),
            text: text.trim().to_owned(),
            at: String::new(),
            by: String::new(),
        };
        transact(
            &self.repo,
            &w,
            &session::meta(&ctx, "announce", vec![doc_id.clone()]),
            |tx| session::put_announcement(tx, &ctx, &a),
        )?;
        self.announcements()
            .await?
            .remove(&doc_id)
            .ok_or(SessionsError::NoSuchSession(short_doc(&doc_id)))
    }

    /// Writes a remark of the Front on a session's conclusion, named as the user sees it: its
    /// number in the session (`2`, `#2`) or the first characters of its id. Returns the remark,
    /// the conclusion's number and the conclusion. MTTQ devices only.
    pub async fn remark_conclusion(
        &self,
        typed: Option<&str>,
        conclusion: &str,
        text: &str,
    ) -> Result<(Remark, usize, Conclusion), SessionsError> {
        if self.device.role != "monitor" {
            return Err(SessionsError::NotMonitor {
                role: self.device.role.clone(),
            });
        }
        let (_, h) = self.resolve_session(typed).await?;
        let s = read(&h, session::read)?;
        let keys: Vec<String> = s.conclusions.iter().map(|c| c.id.clone()).collect();
        let id = session::find_ref("conclusion", &keys, conclusion)?;
        let pos = keys.iter().position(|k| *k == id).unwrap_or(0);
        let r = self.add_remark(&id, text).await?;
        Ok((r, pos + 1, s.conclusions[pos].clone()))
    }

    /// The announcements of the ward's sessions, by session document id.
    pub async fn announcements(&self) -> Result<BTreeMap<String, Announcement>, SessionsError> {
        Ok(match self.ward_handle(false).await? {
            Some(w) => read(&w, session::read_announcements),
            None => BTreeMap::new(),
        })
    }

    /// Moves a speaker to the end of the register (skipped for now: called again later).
    pub async fn skip_speaker(
        &self,
        typed: Option<&str>,
        speaker: &str,
    ) -> Result<Session, SessionsError> {
        let (_, h) = self.resolve_session(typed).await?;
        let n = read(&h, session::read)?.speakers.len();
        self.order_speaker(typed, speaker, n as i64 + 1).await
    }

    /// The Front's monitoring document, when this device holds it.
    async fn monitoring_handle(&self) -> Result<Option<DocHandle>, SessionsError> {
        let Some(id) = self.settings()?.monitoring else {
            return Ok(None);
        };
        Ok(self.repo.find(&parse_doc_id(&id)?).await?)
    }

    /// Every remark of the Front, oldest first (empty on devices without the document).
    pub async fn remarks(&self) -> Result<Vec<Remark>, SessionsError> {
        Ok(match self.monitoring_handle().await? {
            Some(h) => read(&h, monitoring::remarks),
            None => Vec::new(),
        })
    }

    /// Writes a remark of the Front on `subject` (a conclusion's id); MTTQ devices only.
    pub async fn add_remark(&self, subject: &str, text: &str) -> Result<Remark, SessionsError> {
        if self.device.role != "monitor" {
            return Err(SessionsError::NotMonitor {
                role: self.device.role.clone(),
            });
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(SessionError::Required { what: "remark" }.into());
        }
        if text.chars().count() > doithoai_model::petition::MAX_TEXT_CHARS {
            return Err(SessionError::TooLong {
                what: "remark",
                max: doithoai_model::petition::MAX_TEXT_CHARS,
                actual: text.chars().count(),
            }
            .into());
        }
        let h = self
            .monitoring_handle()
            .await?
            .ok_or(SessionsError::NoMonitoring)?;
        let ctx = self.session_ctx();
        let r = Remark {
            id: Uuid::now_v7().to_string(),
            at: doithoai_model::time::to_stored(&ctx.now),
            by: self.device.name.clone(),
            subject: subject.trim().to_owned(),
            text: text.to_owned(),
        };
        let meta = ChangeMeta::new(&ctx.by, "monitoring.remark", vec![r.subject.clone()]);
        transact(&self.repo, &h, &meta, |tx| monitoring::put_remark(tx, &r))?;
        tracing::info!(subject = %r.subject, "monitoring remark written");
        Ok(r)
    }

    /// Every conclusion of every session this device knows, with its deadline, the handling
    /// status of what it assigns and the Front's remarks, soonest deadline first.
    pub async fn monitoring_rows(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<MonitorRow>, SessionsError> {
        let registry = self.registry().await?;
        let cal = Calendar::of(&registry);
        let state = self.handling_state().await?;
        let remarks = self.remarks().await?;
        let mut rows = Vec::new();
        for e in self.known_sessions().await? {
            let Ok(id) = parse_doc_id(&e.doc_id) else {
                continue;
            };
            let Some(h) = self.repo.find(&id).await? else {
                continue;
            };
            let Ok(s) = read(&h, session::read) else {
                continue;
            };
            for (i, c) in s.conclusions.iter().enumerate() {
                let petitions: Vec<(Uuid, Option<String>, Status)> = s
                    .conclusion_petitions(c)
                    .into_iter()
                    .filter_map(|p| {
                        state
                            .get(&p)
                            .map(|it| (p, it.number().map(|n| n.to_string()), it.status))
                    })
                    .collect();
                let deadline = c.department.as_ref().map(|_| {
                    s.conclusion_deadlines(c, &cal)
                        .first()
                        .copied()
                        .unwrap_or_else(|| c.effective_deadline(s.date, &cal))
                });
                let done = !petitions.is_empty()
                    && petitions
                        .iter()
                        .all(|(_, _, st)| matches!(st, Status::Notified | Status::Closed));
                rows.push(MonitorRow {
                    doc_id: e.doc_id.clone(),
                    session_title: s.display_title(Lang::Vi),
                    session_date: s.date,
                    concluded: s.concluded.is_some(),
                    position: i + 1,
                    department: c
                        .department
                        .as_deref()
                        .map(|d| {
                            registry
                                .departments
                                .iter()
                                .find(|x| x.id == d)
                                .map(|x| x.name.clone())
                                .unwrap_or_else(|| d.to_owned())
                        })
                        .unwrap_or_default(),
                    deadline,
                    overdue: !done && deadline.is_some_and(|d| d < today),
                    done,
                    petitions,
                    remarks: remarks
                        .iter()
                        .filter(|r| r.subject == c.id)
                        .cloned()
                        .collect(),
                    conclusion: c.clone(),
                });
            }
        }
        rows.sort_by(|a, b| {
            (
                a.deadline.unwrap_or(NaiveDate::MAX),
                a.session_date,
                a.position,
            )
                .cmp(&(
                    b.deadline.unwrap_or(NaiveDate::MAX),
                    b.session_date,
                    b.position,
                ))
        });
        Ok(rows)
    }
}
