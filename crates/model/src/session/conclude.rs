//! Carrying the conclusions into the handling document.

use super::*;

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

/// Why part of a conclusion (or an on-the-spot answer) is not carried into the handling
/// document. Listed by `conclude`, so that nothing a chair decided disappears without a word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Unapplied {
    /// The conclusion assigns a department but names no petition nor speech.
    NamesNothing { conclusion: String, position: usize },
    /// A speech the conclusion names raised no petition of the register (a speaker who gave no
    /// content, or a speech recorded without `--petition`): there is nothing to assign.
    SpeechWithoutPetition {
        conclusion: String,
        position: usize,
        speech: String,
        speech_position: usize,
    },
    /// The petition is assigned by an earlier conclusion (a petition is assigned once).
    AssignedEarlier {
        conclusion: String,
        position: usize,
        pid: Uuid,
        earlier: usize,
    },
    /// The petition was answered on the spot, but a conclusion assigns it to a department: the
    /// conclusion decides (the matter is not finished), and the answer is kept in its note.
    OnSpotThenAssigned {
        speech: String,
        speech_position: usize,
        pid: Uuid,
        conclusion: usize,
    },
}

impl Unapplied {
    /// The conclusion's position (1-based), or for an on-the-spot answer the conclusion that
    /// took it over.
    pub fn conclusion_position(&self) -> usize {
        match self {
            Unapplied::NamesNothing { position, .. }
            | Unapplied::SpeechWithoutPetition { position, .. }
            | Unapplied::AssignedEarlier { position, .. } => *position,
            Unapplied::OnSpotThenAssigned { conclusion, .. } => *conclusion,
        }
    }

    /// The sentence `conclude` prints.
    pub fn describe(&self, lang: Lang) -> String {
        let short = crate::petition::short_id;
        match (self, lang) {
            (Unapplied::NamesNothing { position, .. }, Lang::Vi) => format!(
                "Kết luận #{position} giao bộ phận nhưng không gắn ý kiến nào trong sổ (--petition) hay ý kiến phát biểu nào (--speech): không có gì để giao."
            ),
            (Unapplied::NamesNothing { position, .. }, Lang::En) => format!(
                "Conclusion #{position} assigns a department but names no petition (--petition) nor speech (--speech): nothing to assign."
            ),
            (
                Unapplied::SpeechWithoutPetition {
                    position,
                    speech_position,
                    ..
                },
                Lang::Vi,
            ) => format!(
                "Kết luận #{position}: ý kiến phát biểu #{speech_position} không gắn với ý kiến nào trong sổ nên không giao được; ghi ý kiến vào sổ (doithoai session speaker add --content … hoặc doithoai petition add) rồi ghi kết luận với --petition <mã>."
            ),
            (
                Unapplied::SpeechWithoutPetition {
                    position,
                    speech_position,
                    ..
                },
                Lang::En,
            ) => format!(
                "Conclusion #{position}: speech #{speech_position} raised no petition of the register, so nothing was assigned; record the petition (doithoai session speaker add --content … or doithoai petition add) and add a conclusion with --petition <id>."
            ),
            (
                Unapplied::AssignedEarlier {
                    position,
                    pid,
                    earlier,
                    ..
                },
                Lang::Vi,
            ) => format!(
                "Kết luận #{position}: ý kiến {} đã được giao theo kết luận #{earlier}; mỗi ý kiến chỉ giao một lần.",
                short(pid)
            ),
            (
                Unapplied::AssignedEarlier {
                    position,
                    pid,
                    earlier,
                    ..
                },
                Lang::En,
            ) => format!(
                "Conclusion #{position}: petition {} is assigned by conclusion #{earlier}; a petition is assigned once.",
                short(pid)
            ),
            (
                Unapplied::OnSpotThenAssigned {
                    speech_position,
                    pid,
                    conclusion,
                    ..
                },
                Lang::Vi,
            ) => format!(
                "Ý kiến {} đã được trả lời tại chỗ (ý kiến phát biểu #{speech_position}) nhưng kết luận #{conclusion} giao bộ phận giải quyết: ghi là giao xử lý (nội dung trả lời ghi kèm), không chuyển thẳng sang «Đã thông báo».",
                short(pid)
            ),
            (
                Unapplied::OnSpotThenAssigned {
                    speech_position,
                    pid,
                    conclusion,
                    ..
                },
                Lang::En,
            ) => format!(
                "Petition {} was answered on the spot (speech #{speech_position}) but conclusion #{conclusion} assigns it to a department: it is assigned (with the answer in the note), not marked notified.",
                short(pid)
            ),
        }
    }
}

/// What concluding the session must do ([`Work`], in a fixed order, the same on every laptop)
/// and what it cannot do, with the reason ([`Unapplied`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConclusionPlan {
    pub work: Vec<Work>,
    pub unapplied: Vec<Unapplied>,
}

/// Decides what concluding does with each petition raised at the session:
/// * a conclusion that names a department assigns the petitions it names and those raised in
///   the speeches it names; a petition is assigned by the first conclusion that covers it;
/// * a petition answered on the spot goes straight to notified, unless a conclusion assigns it
///   (the chair's conclusion, step 6, comes after the answers, step 4, and decides: a matter
///   handed to a department is not finished);
/// * whatever a conclusion names but cannot assign is listed with the reason.
///
/// The work lists the on-the-spot answers first, then each conclusion's assignments.
pub fn conclusion_plan(s: &Session, cal: &Calendar) -> ConclusionPlan {
    let mut assigns: Vec<Work> = Vec::new();
    let mut unapplied: Vec<Unapplied> = Vec::new();
    // pid -> position of the conclusion that assigns it.
    let mut assigned_by: BTreeMap<Uuid, usize> = BTreeMap::new();
    for (i, c) in s.conclusions.iter().enumerate() {
        let position = i + 1;
        let Some(dept) = &c.department else { continue };
        if c.petitions.is_empty() && c.speeches.is_empty() {
            unapplied.push(Unapplied::NamesNothing {
                conclusion: c.id.clone(),
                position,
            });
            continue;
        }
        for sid in &c.speeches {
            if let Some((j, sp)) = s.speeches.iter().enumerate().find(|(_, x)| &x.id == sid)
                && sp.petitions.is_empty()
            {
                unapplied.push(Unapplied::SpeechWithoutPetition {
                    conclusion: c.id.clone(),
                    position,
                    speech: sid.clone(),
                    speech_position: j + 1,
                });
            }
        }
        let deadline = c.effective_deadline(s.date, cal);
        for pid in s.conclusion_petitions(c) {
            if let Some(earlier) = assigned_by.get(&pid) {
                unapplied.push(Unapplied::AssignedEarlier {
                    conclusion: c.id.clone(),
                    position,
                    pid,
                    earlier: *earlier,
                });
                continue;
            }
            assigned_by.insert(pid, position);
            assigns.push(Work::Assign {
                pid,
                conclusion: c.id.clone(),
                position,
                department: dept.clone(),
                deadline,
            });
        }
    }
    let mut work: Vec<Work> = Vec::new();
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    for (i, sp) in s.speeches.iter().enumerate() {
        if !sp.on_spot {
            continue;
        }
        for pid in &sp.petitions {
            if !seen.insert(*pid) {
                continue;
            }
            match assigned_by.get(pid) {
                Some(c) => unapplied.push(Unapplied::OnSpotThenAssigned {
                    speech: sp.id.clone(),
                    speech_position: i + 1,
                    pid: *pid,
                    conclusion: *c,
                }),
                None => work.push(Work::OnSpot {
                    pid: *pid,
                    speech: sp.id.clone(),
                    position: i + 1,
                }),
            }
        }
    }
    work.extend(assigns);
    ConclusionPlan { work, unapplied }
}

/// What concluding the session must do: [`conclusion_plan`]'s work.
pub fn conclusion_work(s: &Session, cal: &Calendar) -> Vec<Work> {
    conclusion_plan(s, cal).work
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
        /// The conclusion's own deadline, when it fell before the petition was received and the
        /// legal 10 working days from the receipt were given instead (`conclude` says so).
        #[serde(skip_serializing_if = "Option::is_none")]
        conclusion_deadline: Option<NaiveDate>,
    },
    /// Already done (by an earlier conclusion here or on another laptop, or by the office).
    Already { status: Status },
    /// Not done, and why.
    Skipped { vi: String, en: String },
}

impl ApplyResult {
    /// What the session document records of it (`applied.outcome`): `notified`, or
    /// `<department>; <YYYY-MM-DD>` for an assignment (read back by
    /// [`Session::recorded_assignment`]); `None` when nothing was written.
    pub fn outcome(&self) -> Option<String> {
        match self {
            ApplyResult::AnsweredOnSpot => Some("notified".to_owned()),
            ApplyResult::Assigned {
                department,
                deadline,
                ..
            } => Some(format!("{department}; {}", date_key(*deadline))),
            ApplyResult::Already { .. } | ApplyResult::Skipped { .. } => None,
        }
    }
}

pub(super) fn skipped(vi: impl Into<String>, en: impl Into<String>) -> ApplyResult {
    ApplyResult::Skipped {
        vi: vi.into(),
        en: en.into(),
    }
}

pub(super) fn flagged_skip() -> ApplyResult {
    skipped(
        "khiếu nại/tố cáo: xử lý theo luật riêng, không giao theo kết luận",
        "a complaint or denunciation: handled under its own law, not assigned by the session",
    )
}

/// Enters a petition in the register on the session's day (or when it was collected, if later)
/// unless it is there; returns the receipt date.
pub(super) fn ensure_received<T: Transactable + ReadDoc>(
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
            (Work::OnSpot { .. }, Status::Notified | Status::Closed) => {
                return Ok(ApplyResult::Already {
                    status: item.status,
                });
            }
            (Work::Assign { department, .. }, Status::Notified | Status::Closed)
                if item
                    .assignment
                    .as_ref()
                    .is_some_and(|a| &a.department == department) =>
            {
                return Ok(ApplyResult::Already {
                    status: item.status,
                });
            }
            (Work::Assign { .. }, st @ (Status::Notified | Status::Closed)) => {
                let how = if item.answered_on_spot() {
                    ("đã trả lời tại chỗ và ", "answered on the spot and ")
                } else {
                    ("", "")
                };
                return Ok(skipped(
                    format!(
                        "{}đang ở trạng thái «{}»: không giao lại theo kết luận (nếu cần giao, mở lại: doithoai handle reopen)",
                        how.0,
                        st.label(Lang::Vi)
                    ),
                    format!(
                        "{}in status {:?}: not assigned again by the session (to assign it, reopen it: doithoai handle reopen)",
                        how.1,
                        st.label(Lang::En)
                    ),
                ));
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
            // An answer given on the spot to a petition the conclusion hands to a department is
            // kept with the assignment.
            let answered = s
                .speeches
                .iter()
                .find(|sp| {
                    sp.on_spot && sp.petitions.contains(&p.id) && !sp.answer.trim().is_empty()
                })
                .map(|sp| {
                    let a: String = sp.answer.trim().chars().take(300).collect();
                    format!(" Đã trả lời tại hội nghị: {a}")
                })
                .unwrap_or_default();
            // A deadline before the petition was even received cannot be kept: the law's 10
            // working days from the receipt are given, and `conclude` says so.
            let (dl, conclusion_deadline) = if *deadline < received {
                (
                    Calendar::of(registry).ten_working_days(received),
                    Some(*deadline),
                )
            } else {
                (*deadline, None)
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
                        "Theo kết luận hội nghị tiếp xúc, đối thoại ngày {}: {short}{answered}",
                        format_date(s.date)
                    ),
                },
            )?;
            Ok(ApplyResult::Assigned {
                department: department.clone(),
                deadline: dl,
                conclusion_deadline,
            })
        }
    }
}
