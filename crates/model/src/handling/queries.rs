//! Queries on the whole document: overdue, conflicts, statistics.

use super::*;

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

pub(super) fn next_number_of(claims: &[Claim], year: i32) -> u32 {
    claims
        .iter()
        .filter(|c| c.no.year == year)
        .map(|c| c.no.number)
        .max()
        .unwrap_or(0)
        + 1
}
