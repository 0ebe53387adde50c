//! The handling document: the lifecycle, its refusals, register numbering under concurrency and
//! the conflict path, and (proptest) concurrent edits by two office laptops merged in any order.

use automerge::transaction::Transaction;
use automerge::{ActorId, Automerge, Change};
use chrono::{DateTime, FixedOffset, NaiveDate};
use doithoai_model::handling::{
    self, AnswerInput, AssignInput, Channel, ClassifyInput, Competence, Conflict, Ctx,
    ForwardInput, ForwardMode, HandlingError, NotifyInput, OverdueKind, RegisterNo,
};
use doithoai_model::workdays::Calendar;
use doithoai_model::{Lang, Localize, PetitionKind, Registry, Status};
use proptest::prelude::*;
use uuid::Uuid;

fn at(s: &str) -> DateTime<FixedOffset> {
    doithoai_model::time::parse_datetime(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    doithoai_model::time::parse_date(s).unwrap()
}

fn ctx(by: &str, when: &str) -> Ctx {
    Ctx::new(by, &format!("{by}-laptop"), at(when))
}

fn apply<R>(
    doc: &mut Automerge,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, HandlingError>,
) -> Result<R, HandlingError> {
    doc.transact_with(|_| automerge::transaction::CommitOptions::default(), f)
        .map(|ok| ok.result)
        .map_err(|f| f.error)
}

fn pid(n: u128) -> Uuid {
    Uuid::from_u128(0x1000_0000_0000_4000_8000_0000_0000_0000 + n)
}

fn classify_input(kind: PetitionKind, competence: Competence) -> ClassifyInput {
    ClassifyInput {
        kind,
        field: "ha_tang".into(),
        competence,
        prior: String::new(),
    }
}

fn receive(
    doc: &mut Automerge,
    c: &Ctx,
    id: Uuid,
    date: &str,
) -> Result<RegisterNo, HandlingError> {
    let d = day(date);
    apply(doc, |tx| handling::receive(tx, c, id, "tdp-03", d, d))
}

#[test]
fn full_lifecycle_records_who_and_when() {
    let reg = Registry::builtin();
    let mut doc = handling::new_document("dinh-ke").unwrap();
    let p = pid(1);
    let clerk = ctx("Văn thư Lan", "13/02/2026 08:30");
    assert_eq!(
        receive(&mut doc, &clerk, p, "13/02/2026").unwrap(),
        RegisterNo {
            year: 2026,
            number: 1
        }
    );
    let st = apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &clerk,
            &reg,
            p,
            &classify_input(PetitionKind::KienNghi, Competence::Ward),
        )
    })
    .unwrap();
    assert_eq!(st, Status::Classified);
    let deadline = apply(&mut doc, |tx| {
        handling::assign(
            tx,
            &clerk,
            &reg,
            p,
            &AssignInput {
                department: "dia_chinh".into(),
                deadline: None,
                note: String::new(),
            },
        )
    })
    .unwrap();
    // Ten working days after Friday 13/02/2026, skipping Tết (16–20/02).
    assert_eq!(deadline, day("06/03/2026"));
    let officer = ctx("Cán bộ địa chính Minh", "02/03/2026 10:00");
    let st = apply(&mut doc, |tx| {
        handling::answer(
            tx,
            &officer,
            p,
            &AnswerInput {
                text: "Phường đã thay bóng đèn ngõ 12.".into(),
                legal_basis: "Kế hoạch số 45/KH-UBND".into(),
                doc_no: "12/UBND-ĐC".into(),
                ..Default::default()
            },
        )
    })
    .unwrap();
    assert_eq!(st, Status::Answered);
    let chair = ctx("Chủ tịch UBND Hùng", "03/03/2026 15:00");
    apply(&mut doc, |tx| handling::approve(tx, &chair, p, "", "")).unwrap();
    let clerk = ctx("Văn thư Lan", "04/03/2026 16:00");
    apply(&mut doc, |tx| {
        handling::notify(
            tx,
            &clerk,
            p,
            &NotifyInput {
                channel: Channel::TdpLeader,
                date: Some(day("04/03/2026")),
                note: "Tổ trưởng TDP 3 đã báo".into(),
            },
        )
    })
    .unwrap();
    apply(&mut doc, |tx| handling::close(tx, &clerk, p, "")).unwrap();

    let h = handling::read(&doc).unwrap();
    let item = h.get(&p).unwrap();
    assert_eq!(item.status, Status::Closed);
    assert!(item.problems().is_empty(), "{:?}", item.problems());
    assert_eq!(item.assignment.as_ref().unwrap().department, "dia_chinh");
    assert_eq!(
        item.answer.as_ref().unwrap().answered_by,
        "Cán bộ địa chính Minh"
    );
    assert_eq!(
        item.approval.as_ref().unwrap().approver,
        "Chủ tịch UBND Hùng"
    );
    assert_eq!(
        item.notification.as_ref().unwrap().channel,
        Channel::TdpLeader
    );
    let ops: Vec<&str> = item.events.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(
        ops,
        [
            "receive", "classify", "assign", "answer", "approve", "notify", "close"
        ]
    );
    assert_eq!(item.events[3].by, "Cán bộ địa chính Minh");
    assert_eq!(item.events[3].device, "Cán bộ địa chính Minh-laptop");
    assert_eq!(item.events[0].at, "2026-02-13T08:30:00+07:00");

    // Reopen goes back to handling, keeping everything recorded.
    let to = apply(&mut doc, |tx| {
        handling::reopen(tx, &clerk, p, "Người dân phản ánh đèn lại hỏng")
    })
    .unwrap();
    assert_eq!(to, Status::Assigned);
    let item = handling::item(&doc, &p).unwrap().unwrap();
    assert!(item.answer.is_some() && item.closure.is_some());
    assert!(item.problems().is_empty());
}

#[test]
fn invalid_transitions_are_refused_in_vietnamese() {
    let reg = Registry::builtin();
    let mut doc = handling::new_document("").unwrap();
    let c = ctx("Lan", "10/11/2026 08:00");
    let p = pid(2);
    let err = apply(&mut doc, |tx| {
        handling::assign(
            tx,
            &c,
            &reg,
            p,
            &AssignInput {
                department: "dia_chinh".into(),
                deadline: None,
                note: String::new(),
            },
        )
    })
    .unwrap_err();
    assert!(matches!(err, HandlingError::NotReceived { .. }));
    assert!(err.localize(Lang::Vi).contains("chưa được vào sổ"));

    receive(&mut doc, &c, p, "10/11/2026").unwrap();
    let again = receive(&mut doc, &c, p, "10/11/2026").unwrap_err();
    assert!(
        again
            .localize(Lang::Vi)
            .contains("đã được vào sổ (số 1/2026)")
    );

    let err = apply(&mut doc, |tx| handling::approve(tx, &c, p, "", "")).unwrap_err();
    let vi = err.localize(Lang::Vi);
    assert!(vi.contains("Không thể duyệt trả lời"), "{vi}");
    assert!(vi.contains("«Đã tiếp nhận»"), "{vi}");
    // The next step in words; the command for the terminal apart.
    assert!(vi.contains("Hãy phân loại trước"), "{vi}");
    assert!(!vi.contains("doithoai"), "{vi}");
    assert!(
        err.command()
            .is_some_and(|c| c.starts_with("doithoai handle classify")),
        "{:?}",
        err.command()
    );
    assert!(err.localize(Lang::En).contains("Cannot approve the answer"));

    let err = apply(&mut doc, |tx| handling::close(tx, &c, p, "")).unwrap_err();
    assert!(err.localize(Lang::Vi).contains("Không thể kết thúc"));

    // A complaint is flagged and routed out: it cannot be assigned.
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            p,
            &classify_input(PetitionKind::KhieuNai, Competence::Ward),
        )
    })
    .unwrap();
    let err = apply(&mut doc, |tx| {
        handling::assign(
            tx,
            &c,
            &reg,
            p,
            &AssignInput {
                department: "dia_chinh".into(),
                deadline: None,
                note: String::new(),
            },
        )
    })
    .unwrap_err();
    assert!(matches!(err, HandlingError::Flagged { .. }));
    assert!(err.localize(Lang::Vi).contains("Luật Khiếu nại"));
    // Filing needs a reason.
    let err = apply(&mut doc, |tx| handling::file(tx, &c, p, "  ")).unwrap_err();
    assert_eq!(err.localize(Lang::Vi), "Cần nhập lý do.");
    assert_eq!(err.input(), Some("reason"));
    // Returned with guidance: the way out for a complaint.
    apply(&mut doc, |tx| {
        handling::forward(
            tx,
            &c,
            p,
            &ForwardInput {
                mode: ForwardMode::Guide,
                to: "Chủ tịch UBND thành phố".into(),
                letter_no: "15/HD-UBND".into(),
                date: None,
            },
        )
    })
    .unwrap();
    let err = apply(&mut doc, |tx| {
        handling::answer(
            tx,
            &c,
            p,
            &AnswerInput {
                text: "x".into(),
                ..Default::default()
            },
        )
    })
    .unwrap_err();
    assert!(
        err.localize(Lang::Vi)
            .contains("muốn đổi hãy mở lại, ghi lý do"),
        "{}",
        err.localize(Lang::Vi)
    );
    assert!(
        err.command()
            .is_some_and(|c| c.starts_with("doithoai handle reopen")),
        "{:?}",
        err.command()
    );
    apply(&mut doc, |tx| handling::close(tx, &c, p, "")).unwrap();
    let item = handling::item(&doc, &p).unwrap().unwrap();
    assert!(item.problems().is_empty());
    assert!(item.is_flagged());
}

#[test]
fn out_of_competence_must_be_forwarded_and_on_the_spot_goes_to_notified() {
    let reg = Registry::builtin();
    let mut doc = handling::new_document("").unwrap();
    let c = ctx("Lan", "10/11/2026 08:00");
    let (p, q) = (pid(3), pid(4));
    receive(&mut doc, &c, p, "09/11/2026").unwrap();
    receive(&mut doc, &c, q, "09/11/2026").unwrap();
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            p,
            &classify_input(PetitionKind::PhanAnh, Competence::Vertical),
        )
    })
    .unwrap();
    let err = apply(&mut doc, |tx| {
        handling::assign(
            tx,
            &c,
            &reg,
            p,
            &AssignInput {
                department: "dia_chinh".into(),
                deadline: None,
                note: String::new(),
            },
        )
    })
    .unwrap_err();
    assert!(
        err.localize(Lang::Vi)
            .contains("không thuộc thẩm quyền của phường")
    );
    let st = apply(&mut doc, |tx| {
        handling::answer(
            tx,
            &c,
            q,
            &AnswerInput {
                text: "Chủ tịch UBND trả lời trực tiếp tại hội nghị.".into(),
                on_spot: true,
                ..Default::default()
            },
        )
    })
    .unwrap();
    assert_eq!(st, Status::Notified);
    apply(&mut doc, |tx| handling::close(tx, &c, q, "")).unwrap();
    let item = handling::item(&doc, &q).unwrap().unwrap();
    assert!(item.answered_on_spot());
    assert!(item.problems().is_empty(), "{:?}", item.problems());
}

#[test]
fn duplicates_group_and_loops_are_refused() {
    let mut doc = handling::new_document("").unwrap();
    let c = ctx("Lan", "10/11/2026 08:00");
    let (a, b, d) = (pid(5), pid(6), pid(7));
    for p in [a, b, d] {
        receive(&mut doc, &c, p, "10/11/2026").unwrap();
    }
    apply(&mut doc, |tx| handling::merge(tx, &c, b, a)).unwrap();
    // Merging into a duplicate merges into its original.
    let root = apply(&mut doc, |tx| handling::merge(tx, &c, d, b)).unwrap();
    assert_eq!(root, a);
    let err = apply(&mut doc, |tx| handling::merge(tx, &c, a, a)).unwrap_err();
    assert!(matches!(err, HandlingError::MergeIntoSelf { .. }));
    let h = handling::read(&doc).unwrap();
    assert_eq!(h.group(&a), vec![a, b, d]);
    assert_eq!(h.root(&d), a);
}

#[test]
fn two_laptops_numbering_offline_clash_and_are_resolved_in_the_open() {
    let mut base = handling::new_document("").unwrap();
    let lan = ctx("Lan", "10/11/2026 08:00");
    receive(&mut base, &lan, pid(10), "10/11/2026").unwrap();
    let mut laptop_a = base.fork().with_actor(ActorId::from(b"aaaa".as_slice()));
    let mut laptop_b = base.fork().with_actor(ActorId::from(b"bbbb".as_slice()));
    let hoa = ctx("Hoa", "10/11/2026 08:05");
    // Both take number 2 for different petitions, and both register pid(13).
    assert_eq!(
        receive(&mut laptop_a, &lan, pid(11), "10/11/2026")
            .unwrap()
            .number,
        2
    );
    assert_eq!(
        receive(&mut laptop_b, &hoa, pid(12), "10/11/2026")
            .unwrap()
            .number,
        2
    );
    assert_eq!(
        receive(&mut laptop_a, &lan, pid(13), "10/11/2026")
            .unwrap()
            .number,
        3
    );
    assert_eq!(
        receive(&mut laptop_b, &hoa, pid(13), "10/11/2026")
            .unwrap()
            .number,
        3
    );
    assert_eq!(
        receive(&mut laptop_b, &hoa, pid(14), "10/11/2026")
            .unwrap()
            .number,
        4
    );

    laptop_a.merge(&mut laptop_b).unwrap();
    let h = handling::read(&laptop_a).unwrap();
    // Numbers shown before the merge are still shown after it.
    assert_eq!(h.get(&pid(11)).unwrap().number().unwrap().number, 2);
    assert_eq!(h.get(&pid(12)).unwrap().number().unwrap().number, 2);
    assert_eq!(h.get(&pid(14)).unwrap().number().unwrap().number, 4);
    let conflicts = h.conflicts();
    let shared: Vec<_> = conflicts
        .iter()
        .filter_map(|c| match c {
            Conflict::SharedNumber { no, claims } => Some((no.number, claims.len())),
            _ => None,
        })
        .collect();
    // 2 is shared by two petitions; 3 is held by pid(13) twice (one petition, not a clash).
    assert_eq!(shared, vec![(2, 2)]);
    assert!(
        conflicts
            .iter()
            .all(|c| !matches!(c, Conflict::SeveralNumbers { .. }))
    );

    // Resolve: the later claim of 2 gets a fresh number, never one already used.
    let later = match &conflicts[0] {
        Conflict::SharedNumber { claims, .. } => claims[1].id,
        other => panic!("{other:?}"),
    };
    let resolver = ctx("Lan", "11/11/2026 08:00");
    let new = apply(&mut laptop_a, |tx| {
        handling::renumber(tx, &resolver, later, None, "")
    })
    .unwrap();
    assert_eq!(
        new,
        RegisterNo {
            year: 2026,
            number: 5
        }
    );
    let h = handling::read(&laptop_a).unwrap();
    assert!(h.conflicts().is_empty(), "{:?}", h.conflicts());
    let item = h.get(&later).unwrap();
    assert_eq!(item.numbers, vec![new]);
    let ev = item.events.last().unwrap();
    assert_eq!(ev.op, "renumber");
    assert_eq!(ev.note, "2/2026 → 5/2026");
    // The released number is never given again.
    assert_eq!(h.next_number(2026), 6);
    // No silent renumbering: without a conflict a reason is needed.
    let err = apply(&mut laptop_a, |tx| {
        handling::renumber(tx, &resolver, pid(14), None, "")
    })
    .unwrap_err();
    assert!(err.localize(Lang::Vi).contains("không bị trùng"));
}

#[test]
fn one_petition_numbered_on_two_laptops_keeps_the_chosen_number() {
    let base = handling::new_document("").unwrap();
    let mut a = base.fork();
    let mut b = base.fork();
    let c = ctx("Lan", "10/11/2026 08:00");
    receive(&mut a, &c, pid(21), "10/11/2026").unwrap();
    receive(&mut b, &c, pid(22), "10/11/2026").unwrap();
    receive(&mut b, &c, pid(21), "10/11/2026").unwrap();
    a.merge(&mut b).unwrap();
    let h = handling::read(&a).unwrap();
    assert_eq!(
        h.get(&pid(21)).unwrap().numbers,
        vec![
            RegisterNo {
                year: 2026,
                number: 1
            },
            RegisterNo {
                year: 2026,
                number: 2
            }
        ]
    );
    assert!(
        h.conflicts()
            .iter()
            .any(|c| matches!(c, Conflict::SeveralNumbers { .. }))
    );
    // 1 is pid(22)'s too, so pid(21) keeps 2 and lets 1 go.
    let two = RegisterNo {
        year: 2026,
        number: 2,
    };
    apply(&mut a, |tx| {
        handling::renumber(tx, &c, pid(21), Some(two), "")
    })
    .unwrap();
    let h = handling::read(&a).unwrap();
    assert!(h.conflicts().is_empty(), "{:?}", h.conflicts());
    assert_eq!(h.by_number(two), Some(pid(21)));
    assert_eq!(
        h.by_number(RegisterNo {
            year: 2026,
            number: 1
        }),
        Some(pid(22))
    );
    assert_eq!(h.next_number(2026), 3);
}

#[test]
fn numbering_restarts_each_year() {
    let mut doc = handling::new_document("").unwrap();
    let c = ctx("Lan", "05/01/2027 08:00");
    assert_eq!(
        receive(&mut doc, &c, pid(31), "30/12/2026")
            .unwrap()
            .to_string(),
        "1/2026"
    );
    assert_eq!(
        receive(&mut doc, &c, pid(32), "31/12/2026")
            .unwrap()
            .to_string(),
        "2/2026"
    );
    assert_eq!(
        receive(&mut doc, &c, pid(33), "04/01/2027")
            .unwrap()
            .to_string(),
        "1/2027"
    );
    assert_eq!(
        RegisterNo::parse("17/2026"),
        Some(RegisterNo {
            year: 2026,
            number: 17
        })
    );
    assert_eq!(RegisterNo::parse("abc"), None);
}

#[test]
fn concurrent_decisions_show_as_a_status_conflict_and_are_resolved() {
    let reg = Registry::builtin();
    let mut base = handling::new_document("").unwrap();
    let c = ctx("Lan", "10/11/2026 08:00");
    let p = pid(40);
    receive(&mut base, &c, p, "10/11/2026").unwrap();
    apply(&mut base, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            p,
            &classify_input(PetitionKind::KienNghi, Competence::Ward),
        )
    })
    .unwrap();
    let mut a = base.fork();
    let mut b = base.fork();
    apply(&mut a, |tx| {
        handling::file(tx, &c, p, "Nội dung không rõ ràng")
    })
    .unwrap();
    apply(&mut b, |tx| {
        handling::assign(
            tx,
            &c,
            &reg,
            p,
            &AssignInput {
                department: "van_hoa_xa_hoi".into(),
                deadline: None,
                note: String::new(),
            },
        )
    })
    .unwrap();
    a.merge(&mut b).unwrap();
    let h = handling::read(&a).unwrap();
    let item = h.get(&p).unwrap();
    assert_eq!(item.status_conflict, vec![Status::Filed, Status::Assigned]);
    assert!(item.problems().is_empty());
    assert!(
        h.conflicts()
            .iter()
            .any(|x| matches!(x, Conflict::Status { id, .. } if *id == p))
    );
    let err = apply(&mut a, |tx| {
        handling::resolve(tx, &c, p, Status::Closed, "")
    })
    .unwrap_err();
    assert!(matches!(err, HandlingError::NotAConflictingStatus { .. }));
    apply(&mut a, |tx| {
        handling::resolve(tx, &c, p, Status::Assigned, "Giữ phân công")
    })
    .unwrap();
    let item = handling::item(&a, &p).unwrap().unwrap();
    assert_eq!(item.status, Status::Assigned);
    assert!(item.status_conflict.is_empty());
}

#[test]
fn overdue_counts_the_ten_day_rule_and_deadlines() {
    let reg = Registry::builtin();
    let cal = Calendar::of(&reg);
    let mut doc = handling::new_document("").unwrap();
    let c = ctx("Lan", "13/02/2026 08:00");
    let (late_accept, assigned, unreceived) = (pid(51), pid(52), pid(53));
    receive(&mut doc, &c, late_accept, "13/02/2026").unwrap();
    receive(&mut doc, &c, assigned, "13/02/2026").unwrap();
    apply(&mut doc, |tx| {
        handling::classify(
            tx,
            &c,
            &reg,
            assigned,
            &classify_input(PetitionKind::KienNghi, Competence::Ward),
        )
    })
    .unwrap();
    apply(&mut doc, |tx| {
        handling::assign(
            tx,
            &c,
            &reg,
            assigned,
            &AssignInput {
                department: "dia_chinh".into(),
                deadline: Some(day("27/02/2026")),
                note: String::new(),
            },
        )
    })
    .unwrap();
    let h = handling::read(&doc).unwrap();
    let unrec = [(unreceived, day("12/02/2026"))];
    // On 06/03 nothing is late for acceptance yet (due that very day); the assignment is.
    let o = h.overdue(&cal, day("06/03/2026"), &unrec);
    assert_eq!(
        o.iter().map(|x| (x.id, x.kind)).collect::<Vec<_>>(),
        vec![
            (assigned, OverdueKind::Deadline),
            (unreceived, OverdueKind::NotReceived),
        ]
    );
    let o = h.overdue(&cal, day("09/03/2026"), &unrec);
    assert_eq!(o.len(), 3);
    let acc = o.iter().find(|x| x.id == late_accept).unwrap();
    assert_eq!(
        (acc.kind, acc.due, acc.days_late),
        (OverdueKind::Acceptance, day("06/03/2026"), 3)
    );
}

// ---------------------------------------------------------------------------------------------
// Property test: two office laptops edit offline, the results merge in any order.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Step {
    Receive(usize),
    Classify(usize, u8),
    Merge(usize, usize),
    Forward(usize),
    File(usize),
    Assign(usize),
    Answer(usize),
    OnSpot(usize),
    Approve(usize),
    Notify(usize),
    Close(usize),
    Reopen(usize),
    Renumber(usize, bool),
    Resolve(usize, u8),
}

const N: usize = 4;

fn step() -> impl Strategy<Value = Step> {
    let p = 0..N;
    prop_oneof![
        4 => p.clone().prop_map(Step::Receive),
        3 => (p.clone(), 0u8..4).prop_map(|(a, k)| Step::Classify(a, k)),
        1 => (p.clone(), 0..N).prop_map(|(a, b)| Step::Merge(a, b)),
        1 => p.clone().prop_map(Step::Forward),
        1 => p.clone().prop_map(Step::File),
        3 => p.clone().prop_map(Step::Assign),
        2 => p.clone().prop_map(Step::Answer),
        1 => p.clone().prop_map(Step::OnSpot),
        2 => p.clone().prop_map(Step::Approve),
        2 => p.clone().prop_map(Step::Notify),
        1 => p.clone().prop_map(Step::Close),
        1 => p.clone().prop_map(Step::Reopen),
        1 => (p.clone(), any::<bool>()).prop_map(|(a, k)| Step::Renumber(a, k)),
        1 => (p, 0u8..11).prop_map(|(a, s)| Step::Resolve(a, s)),
    ]
}

fn run(doc: &mut Automerge, c: &Ctx, reg: &Registry, s: &Step) {
    let id = |i: usize| pid(100 + i as u128);
    let d = day("10/11/2026");
    let _ = match *s {
        Step::Receive(i) => {
            apply(doc, |tx| handling::receive(tx, c, id(i), "tdp-01", d, d)).map(|_| ())
        }
        Step::Classify(i, k) => {
            let (kind, comp) = match k {
                0 => (PetitionKind::KienNghi, Competence::Ward),
                1 => (PetitionKind::PhanAnh, Competence::Ward),
                2 => (PetitionKind::KhieuNai, Competence::Ward),
                _ => (PetitionKind::KienNghi, Competence::Higher),
            };
            apply(doc, |tx| {
                handling::classify(tx, c, reg, id(i), &classify_input(kind, comp))
            })
            .map(|_| ())
        }
        Step::Merge(i, j) => apply(doc, |tx| handling::merge(tx, c, id(i), id(j))).map(|_| ()),
        Step::Forward(i) => apply(doc, |tx| {
            handling::forward(
                tx,
                c,
                id(i),
                &ForwardInput {
                    mode: ForwardMode::Forward,
                    to: "Điện lực thành phố".into(),
                    letter_no: "7/UBND".into(),
                    date: None,
                },
            )
        }),
        Step::File(i) => apply(doc, |tx| {
            handling::file(tx, c, id(i), "Trùng nội dung đã trả lời")
        }),
        Step::Assign(i) => apply(doc, |tx| {
            handling::assign(
                tx,
                c,
                reg,
                id(i),
                &AssignInput {
                    department: "dia_chinh".into(),
                    deadline: None,
                    note: String::new(),
                },
            )
        })
        .map(|_| ()),
        Step::Answer(i) | Step::OnSpot(i) => apply(doc, |tx| {
            handling::answer(
                tx,
                c,
                id(i),
                &AnswerInput {
                    text: format!("Trả lời của {}", c.by),
                    on_spot: matches!(s, Step::OnSpot(_)),
                    ..Default::default()
                },
            )
        })
        .map(|_| ()),
        Step::Approve(i) => apply(doc, |tx| handling::approve(tx, c, id(i), "", "")),
        Step::Notify(i) => apply(doc, |tx| {
            handling::notify(
                tx,
                c,
                id(i),
                &NotifyInput {
                    channel: Channel::Letter,
                    date: None,
                    note: String::new(),
                },
            )
        }),
        Step::Close(i) => apply(doc, |tx| handling::close(tx, c, id(i), "")),
        Step::Reopen(i) => apply(doc, |tx| {
            handling::reopen(tx, c, id(i), "Người dân chưa đồng ý")
        })
        .map(|_| ()),
        Step::Renumber(i, keep_first) => {
            let keep = if keep_first {
                handling::item(doc, &id(i))
                    .ok()
                    .flatten()
                    .and_then(|it| it.number())
            } else {
                None
            };
            apply(doc, |tx| handling::renumber(tx, c, id(i), keep, "sửa số")).map(|_| ())
        }
        Step::Resolve(i, k) => {
            let st = Status::ALL[k as usize];
            apply(doc, |tx| handling::resolve(tx, c, id(i), st, "")).map(|_| ())
        }
    };
}

fn changes_since(doc: &Automerge, base: &Automerge) -> Vec<Change> {
    doc.get_changes(&base.get_heads())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn concurrent_office_edits_converge_and_make_sense(
        prefix in proptest::collection::vec(step(), 0..6),
        steps_a in proptest::collection::vec(step(), 0..10),
        steps_b in proptest::collection::vec(step(), 0..10),
        order in proptest::collection::vec(any::<u32>(), 20),
    ) {
        let reg = Registry::builtin();
        let mut base = handling::new_document("").unwrap();
        let lan = ctx("Lan", "10/11/2026 08:00");
        for s in &prefix {
            run(&mut base, &lan, &reg, s);
        }
        let mut a = base.fork().with_actor(ActorId::from(b"laptop-a".as_slice()));
        let mut b = base.fork().with_actor(ActorId::from(b"laptop-b".as_slice()));
        let ca = ctx("Lan", "11/11/2026 09:00");
        let cb = ctx("Hoa", "11/11/2026 09:00");
        for s in &steps_a {
            run(&mut a, &ca, &reg, s);
        }
        for s in &steps_b {
            run(&mut b, &cb, &reg, s);
        }
        // Merge one way, the other way, and change by change in a shuffled order.
        let mut ab = a.fork();
        ab.merge(&mut b.fork()).unwrap();
        let mut ba = b.fork();
        ba.merge(&mut a.fork()).unwrap();
        let mut shuffled: Vec<Change> = changes_since(&a, &base);
        shuffled.extend(changes_since(&b, &base));
        let mut keyed: Vec<(u32, Change)> = shuffled
            .into_iter()
            .enumerate()
            .map(|(i, c)| (order[i % order.len()].wrapping_mul(i as u32 + 1), c))
            .collect();
        keyed.sort_by_key(|(k, _)| *k);
        let mut one_by_one = base.fork();
        for (_, c) in keyed {
            one_by_one.apply_changes([c]).unwrap();
        }
        let s_ab = handling::read(&ab).unwrap();
        let s_ba = handling::read(&ba).unwrap();
        let s_1 = handling::read(&one_by_one).unwrap();
        prop_assert_eq!(&s_ab, &s_ba);
        prop_assert_eq!(&s_ab, &s_1);
        let reloaded = Automerge::load(&ab.save()).unwrap();
        prop_assert_eq!(&s_ab, &handling::read(&reloaded).unwrap());

        let conflicts = s_ab.conflicts();
        for item in s_ab.items.values() {
            // The lifecycle still makes sense: every status rests on its records; nothing is
            // closed without a record of why.
            prop_assert!(item.problems().is_empty(), "{:?}: {:?}", item.id, item.problems());
            if item.status == Status::Closed {
                prop_assert!(item.has_outcome());
                prop_assert!(item.closure.is_some());
            }
            for s in &item.status_conflict {
                prop_assert!(item.events.iter().any(|e| e.to == Some(*s)));
            }
            // Every clash of numbers is shown.
            for no in &item.numbers {
                if s_ab.holders(*no).len() > 1 {
                    let shown = conflicts.iter().any(|c| matches!(c, Conflict::SharedNumber { no: n, .. } if n == no));
                    prop_assert!(shown);
                }
            }
            if item.numbers.len() > 1 {
                let shown = conflicts.iter().any(|c| matches!(c, Conflict::SeveralNumbers { id, .. } if *id == item.id));
                prop_assert!(shown);
            }
        }
        // Numbers given later never reuse one ever claimed.
        let max = s_ab.claims.iter().filter(|c| c.no.year == 2026).map(|c| c.no.number).max().unwrap_or(0);
        prop_assert_eq!(s_ab.next_number(2026), max + 1);
    }
}
