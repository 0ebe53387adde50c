//! The annual plan and the index of sessions in the ward document, and the plan check.

use super::*;

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

pub(super) fn check_year_month(year: i32, month: u32) -> Result<(), SessionError> {
    if !(2000..=2100).contains(&year) {
        return Err(SessionError::BadYear { value: year });
    }
    if !(1..=12).contains(&month) {
        return Err(SessionError::BadMonth { value: month });
    }
    Ok(())
}

pub(super) fn ward_section<T: Transactable + ReadDoc>(
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

/// The announcement of a session to the TDPs (time, place, content), carried by the ward
/// document beside the session's index entry so that every device (the TDP laptops read the
/// ward document) shows it on its schedule page. Flat fields of the entry (`announce_text`,
/// `announce_place`, `announce_when`, `announced_at`, `announced_by`): two office laptops
/// announcing at once keep one value per field, never a lost entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcement {
    /// The session document's id.
    pub doc_id: String,
    pub date: NaiveDate,
    /// The session's title as the index lists it (empty: the standard one for its kind).
    pub title: String,
    pub kind: SessionKind,
    pub topic: String,
    /// `dd/mm/yyyy, HH:MM–HH:MM` as announced.
    pub when: String,
    pub place: String,
    /// The content announced.
    pub text: String,
    pub at: String,
    pub by: String,
}

impl Announcement {
    pub fn display_title(&self, lang: Lang) -> String {
        if self.title.trim().is_empty() {
            default_title(self.kind, &self.topic, lang)
        } else {
            self.title.clone()
        }
    }
}

/// Writes (or replaces) the announcement of a session listed in the ward document.
pub fn put_announcement<T: Transactable + ReadDoc>(
    tx: &mut T,
    ctx: &Ctx,
    a: &Announcement,
) -> Result<(), SessionError> {
    let text = required("announcement", &a.text)?;
    check_short("place", &a.place)?;
    let sessions = ward_section(tx, "sessions")?;
    let o = Reader::new(&*tx)
        .obj(&sessions, a.doc_id.as_str())
        .ok_or_else(|| SessionError::NotFound {
            what: "session",
            typed: a.doc_id.clone(),
        })?;
    put_str(tx, &o, "announce_text", &text)?;
    put_str(tx, &o, "announce_place", a.place.trim())?;
    put_str(tx, &o, "announce_when", a.when.trim())?;
    put_str(tx, &o, "announced_at", &to_stored(&ctx.now))?;
    put_str(tx, &o, "announced_by", &ctx.by)?;
    Ok(())
}

/// The announcements in a ward document, by session document id.
pub fn read_announcements<D: ReadDoc>(doc: &D) -> BTreeMap<String, Announcement> {
    let r = Reader::new(doc);
    entries(&r, "sessions")
        .into_iter()
        .filter_map(|(k, o)| {
            let text = r
                .str(&o, "announce_text")
                .filter(|t| !t.trim().is_empty())?;
            let date = parse_date_key(&r.str(&o, "date")?)?;
            Some((
                k.clone(),
                Announcement {
                    doc_id: k,
                    date,
                    title: r.string(&o, "title"),
                    kind: r
                        .str(&o, "kind")
                        .and_then(|k| SessionKind::parse(&k))
                        .unwrap_or(SessionKind::DinhKy),
                    topic: r.string(&o, "topic"),
                    when: r.string(&o, "announce_when"),
                    place: r.string(&o, "announce_place"),
                    text,
                    at: r.string(&o, "announced_at"),
                    by: r.string(&o, "announced_by"),
                },
            ))
        })
        .collect()
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

pub(super) fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
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
