//! Creating and editing a session document.

use super::*;

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

pub(super) fn check_times(start: Option<&str>, end: Option<&str>) -> Result<(), SessionError> {
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

pub(super) fn date_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn parse_date_key(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

pub(super) fn write_chairs<T: Transactable + ReadDoc>(
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

pub(super) fn read_chairs<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId) -> Vec<Chair> {
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
pub(super) fn put_id_set<T: Transactable + ReadDoc>(
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

pub(super) fn read_id_set<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId, key: &str) -> Vec<String> {
    r.obj(obj, key)
        .map(|m| {
            r.keys(&m)
                .into_iter()
                .filter(|k| r.bool(&m, k.as_str()) != Some(false))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn read_uuid_set<D: ReadDoc>(r: &Reader<'_, D>, obj: &ObjId, key: &str) -> Vec<Uuid> {
    read_id_set(r, obj, key)
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect()
}

pub(super) fn uuid_strings(ids: &[Uuid]) -> Vec<String> {
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

pub(super) fn section<T: Transactable + ReadDoc>(
    tx: &mut T,
    key: &'static str,
) -> Result<ObjId, DocError> {
    expect_type(&*tx, TYPE)?;
    // Maps are made with the document; an older or foreign document gets them on first use.
    ensure_map(tx, &ROOT, key)
}

pub(super) fn touch<T: Transactable + ReadDoc>(tx: &mut T, ctx: &Ctx) -> Result<(), DocError> {
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

impl NewSpeaker {
    /// Checks what [`add_speaker`] checks, so that a caller can refuse before it writes
    /// anything elsewhere (a walk-in's petition).
    pub fn validate(&self) -> Result<(), SessionError> {
        let name = required("name", &self.name)?;
        check_short("name", &name)?;
        check_short("unit", &self.unit)?;
        check_text("topic", &self.topic)
    }
}

pub(super) fn next_order<D: ReadDoc>(doc: &D, key: &str) -> i64 {
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

pub(super) fn check_field(
    registry: &Registry,
    field: Option<&str>,
) -> Result<Option<String>, SessionError> {
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

/// The minutes text of a session document (empty when none).
pub fn read_minutes<D: ReadDoc>(doc: &D) -> String {
    Reader::new(doc).string(&ROOT, "minutes")
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
