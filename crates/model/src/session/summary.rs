//! The figures of a session report.

use super::*;

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
    /// The conclusion that assigns it (its id), when assigned.
    pub conclusion: Option<String>,
}

/// A conclusion as the report shows it: what it assigns and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConclusionFigures {
    pub id: String,
    /// 1-based.
    pub position: usize,
    pub department: Option<String>,
    /// The deadlines recorded (or to be recorded) for what it assigns
    /// ([`Session::conclusion_deadlines`]); empty when it assigns no department.
    pub deadlines: Vec<NaiveDate>,
    /// The matters it assigns, counted as the opinions are (each matter once).
    pub matters: usize,
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
    /// Each conclusion's department and deadline (the first of
    /// [`ConclusionFigures::deadlines`], else its effective one).
    pub assignments: Vec<(String, Option<String>, NaiveDate)>,
    /// Each conclusion, in order, with the matters it assigns.
    pub conclusions: Vec<ConclusionFigures>,
}

/// Counts the matters raised at a session: one per petition raised (a petition raised twice
/// counts once), one per speech that names no petition, and one per petition a conclusion
/// assigns without it having been raised in a speech. Each matter's outcome is the one
/// concluding gives it ([`conclusion_plan`]): assigned by the first conclusion that covers it,
/// else answered on the spot, else noted; an assigned matter carries the deadline the handling
/// document recorded, once concluded.
pub fn summarize(
    s: &Session,
    facts: &BTreeMap<Uuid, PetitionFact>,
    registry: &Registry,
) -> Summary {
    let cal = Calendar::of(registry);
    let plan = conclusion_plan(s, &cal);
    let mut decided: BTreeMap<Uuid, (OpinionOutcome, Option<String>)> = BTreeMap::new();
    for w in &plan.work {
        match w {
            Work::OnSpot { pid, .. } => {
                decided.insert(*pid, (OpinionOutcome::OnSpot, None));
            }
            Work::Assign {
                pid,
                conclusion,
                department,
                deadline,
                ..
            } => {
                let recorded = s.recorded_assignment(conclusion, pid);
                // Concluded once already as answered on the spot, before this conclusion was
                // added: the handling record says notified, and `conclude` says why it stays so.
                if recorded.is_none()
                    && s.applied
                        .iter()
                        .any(|a| a.pid == *pid && a.op == "answer_on_spot")
                {
                    decided.insert(*pid, (OpinionOutcome::OnSpot, None));
                    continue;
                }
                let dl = recorded.map_or(*deadline, |(_, d)| d);
                decided.insert(
                    *pid,
                    (
                        OpinionOutcome::Assigned {
                            department: department.clone(),
                            deadline: dl,
                        },
                        Some(conclusion.clone()),
                    ),
                );
            }
        }
    }
    // Speeches that raised no petition, assigned by the first conclusion naming them.
    let mut assigned_speeches: BTreeMap<String, (String, NaiveDate, String)> = BTreeMap::new();
    for c in &s.conclusions {
        let Some(dept) = &c.department else { continue };
        let dl = c.effective_deadline(s.date, &cal);
        for sp in &c.speeches {
            assigned_speeches
                .entry(sp.clone())
                .or_insert((dept.clone(), dl, c.id.clone()));
        }
    }
    let mut opinions: Vec<Opinion> = Vec::new();
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    let petition_opinion = |p: &Uuid, sp: Option<&Speech>| {
        let fact = facts.get(p);
        let (outcome, conclusion) = decided
            .get(p)
            .cloned()
            .unwrap_or((OpinionOutcome::Noted, None));
        Opinion {
            petition: Some(*p),
            speech: sp.map(|x| x.id.clone()),
            field: fact
                .and_then(|f| f.field.clone())
                .or_else(|| sp.and_then(|x| x.field.clone()))
                .unwrap_or_else(|| "khac".into()),
            content: fact
                .map(|f| f.content.clone())
                .filter(|c| !c.is_empty())
                .or_else(|| sp.map(|x| x.summary.clone()))
                .unwrap_or_default(),
            people: fact.map(|f| f.people).unwrap_or(1),
            outcome,
            conclusion,
        }
    };
    for sp in &s.speeches {
        if sp.petitions.is_empty() {
            let (outcome, conclusion) = if let Some((d, dl, c)) = assigned_speeches.get(&sp.id) {
                (
                    OpinionOutcome::Assigned {
                        department: d.clone(),
                        deadline: *dl,
                    },
                    Some(c.clone()),
                )
            } else if sp.on_spot {
                (OpinionOutcome::OnSpot, None)
            } else {
                (OpinionOutcome::Noted, None)
            };
            opinions.push(Opinion {
                petition: None,
                speech: Some(sp.id.clone()),
                field: sp.field.clone().unwrap_or_else(|| "khac".into()),
                content: sp.summary.clone(),
                people: 1,
                outcome,
                conclusion,
            });
            continue;
        }
        for p in &sp.petitions {
            if seen.insert(*p) {
                opinions.push(petition_opinion(p, Some(sp)));
            }
        }
    }
    // Petitions a conclusion assigns that no speech raised.
    for w in &plan.work {
        if let Work::Assign { pid, .. } = w
            && seen.insert(*pid)
        {
            opinions.push(petition_opinion(pid, None));
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
                    s.conclusion_deadlines(c, &cal)
                        .first()
                        .copied()
                        .unwrap_or_else(|| c.effective_deadline(s.date, &cal)),
                )
            })
            .collect(),
        conclusions: s
            .conclusions
            .iter()
            .enumerate()
            .map(|(i, c)| ConclusionFigures {
                id: c.id.clone(),
                position: i + 1,
                department: c.department.clone(),
                deadlines: s.conclusion_deadlines(c, &cal),
                matters: opinions
                    .iter()
                    .filter(|o| o.conclusion.as_deref() == Some(c.id.as_str()))
                    .count(),
            })
            .collect(),
        opinions,
    }
}
