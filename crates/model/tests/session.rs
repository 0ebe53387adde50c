//! Session documents: recording, two secretaries editing one session offline (merged in both
//! orders, nothing lost), the annual plan check, and the figures of the session report.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transaction;
use automerge::{ActorId, Automerge};
use chrono::{DateTime, FixedOffset, NaiveDate};
use doithoai_model::handling::Ctx;
use doithoai_model::session::{
    self, Category, Chair, ChairRole, Finding, NewConclusion, NewPlanned, NewSession, NewSpeaker,
    NewSpeech, OpinionOutcome, PetitionFact, PlannedState, SessionEdit, SessionEntry, SessionError,
    SessionKind, SessionStatus, SpeakerSource, Verdict,
};
use doithoai_model::{Lang, Localize, Registry};
use proptest::prelude::*;
use uuid::Uuid;

fn at(s: &str) -> DateTime<FixedOffset> {
    doithoai_model::time::parse_datetime(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    doithoai_model::time::parse_date(s).unwrap()
}

fn ctx(by: &str) -> Ctx {
    Ctx::new(by, &format!("{by}-laptop"), at("15/06/2024 08:00"))
}

fn apply<R>(
    doc: &mut Automerge,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, SessionError>,
) -> Result<R, SessionError> {
    doc.transact_with(|_| automerge::transaction::CommitOptions::default(), f)
        .map(|ok| ok.result)
        .map_err(|f| f.error)
}

fn pid(n: u128) -> Uuid {
    Uuid::from_u128(0x2000_0000_0000_4000_8000_0000_0000_0000 + n)
}

fn chairs(spec: &[&str]) -> Vec<Chair> {
    spec.iter().map(|s| Chair::parse(s).unwrap()).collect()
}

fn new_session() -> NewSession {
    NewSession {
        kind: SessionKind::DinhKy,
        topic: String::new(),
        title: String::new(),
        date: day("15/06/2024"),
        start: Some("08:00".into()),
        end: None,
        place: "Hội trường UBND phường Dĩnh Kế".into(),
        chairs: chairs(&[
            "bi_thu=Đỗ Huy Hoàng",
            "ct_hdnd=Nguyễn Thị Lan",
            "ct_ubnd=Trần Văn Nam",
        ]),
        secretary: "Lê Thị Hoa".into(),
        plan_id: None,
    }
}

fn speech(name: &str, summary: &str, petitions: Vec<Uuid>) -> NewSpeech {
    NewSpeech {
        name: name.into(),
        summary: summary.into(),
        petitions,
        ..Default::default()
    }
}

#[test]
fn a_session_is_recorded_and_read_back() {
    let reg = Registry::builtin();
    let c = ctx("Lê Thị Hoa");
    let mut doc = session::new_document(&c, "s-1", &new_session()).unwrap();
    apply(&mut doc, |tx| {
        session::set_attendance(tx, &c, Category::NhanDan, Some(120), Some(97))?;
        session::set_attendance(tx, &c, Category::CanBo, Some(12), Some(11))?;
        session::add_attendee(tx, &c, "Phạm Văn Dũng", Category::CanBo, "Địa chính")?;
        let (k, new) = session::add_speaker(
            tx,
            &c,
            &NewSpeaker {
                name: "Nguyễn Văn Đức".into(),
                unit: "TDP 3".into(),
                topic: "Đèn đường ngõ 12 hỏng".into(),
                source: SpeakerSource::Petition,
                petitions: vec![pid(1)],
            },
        )?;
        assert!(new);
        // Registering the same petition again is the same speaker.
        let (k2, new2) = session::add_speaker(
            tx,
            &c,
            &NewSpeaker {
                name: "Nguyễn Văn Đức".into(),
                unit: "TDP 3".into(),
                topic: String::new(),
                source: SpeakerSource::Petition,
                petitions: vec![pid(1)],
            },
        )?;
        assert_eq!((k.clone(), false), (k2, new2));
        session::set_step(tx, &c, 1, Some("8h"), Some("Trưởng khối Dân vận"), None)?;
        session::set_step(tx, &c, 3, Some("08:40"), None, None)?;
        let s1 = session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                speaker: Some(k),
                summary: "Đề nghị thay bóng đèn ngõ 12".into(),
                on_spot: true,
                answer: "Phường sẽ thay trong tuần".into(),
                answered_by: "Trần Văn Nam".into(),
                ..Default::default()
            },
        )?;
        let s2 = session::add_speech(
            tx,
            &c,
            &reg,
            &speech("Hoàng Thị Mai", "Rác thải tồn đọng", vec![pid(2), pid(3)]),
        )?;
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao bộ phận Địa chính kiểm tra, xử lý rác thải".into(),
                department: Some("dia_chinh".into()),
                deadline: None,
                petitions: vec![],
                speeches: vec![s2.clone()],
            },
        )?;
        session::append_minutes(tx, &c, "Hội nghị khai mạc lúc 8 giờ.")?;
        let _ = s1;
        Ok(())
    })
    .unwrap();
    let s = session::read(&doc).unwrap();
    assert_eq!(s.status(), SessionStatus::Held);
    assert_eq!(s.present_total(), 97 + 11);
    assert_eq!(s.invited_total(), 132);
    assert_eq!(s.speakers.len(), 1);
    assert_eq!(s.speeches.len(), 2);
    assert_eq!(s.speeches[0].petitions, vec![pid(1)]);
    assert_eq!(s.speeches[0].name, "Nguyễn Văn Đức");
    assert!(s.has_spoken(&s.speakers[0]));
    assert_eq!(s.step(1).unwrap().at.as_deref(), Some("08:00"));
    assert_eq!(s.answered_on_spot(), BTreeSet::from([pid(1)]));
    assert_eq!(
        s.conclusion_petitions(&s.conclusions[0]),
        vec![pid(2), pid(3)]
    );
    assert_eq!(s.minutes, "Hội nghị khai mạc lúc 8 giờ.");
    assert_eq!(
        s.display_title(Lang::Vi),
        "Hội nghị tiếp xúc, đối thoại định kỳ"
    );

    // Refusals say what to do, in Vietnamese.
    let err = apply(&mut doc, |tx| {
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Xong".into(),
                deadline: Some(day("01/06/2024")),
                ..Default::default()
            },
        )
    })
    .unwrap_err();
    assert!(err.localize(Lang::Vi).contains("sớm hơn ngày đối thoại"));
    // The refusal names the input it is about (the web form shows it beside the deadline) and
    // says what to type.
    assert_eq!(err.input(), Some(session::Input::Deadline));
    assert!(
        err.localize(Lang::Vi)
            .contains("hãy nhập một ngày từ 15/06/2024 trở đi, dạng dd/mm/yyyy"),
        "{}",
        err.localize(Lang::Vi)
    );
    let bad = session::parse_time("25:99").unwrap_err();
    assert_eq!(bad.input(), None, "a time alone does not say which");
    let bad = bad.at(session::Input::StepTime);
    assert_eq!(bad.input(), Some(session::Input::StepTime));
    assert_eq!(
        bad.localize(Lang::Vi),
        "Không đọc được giờ «25:99». Hãy viết dạng HH:MM, ví dụ 08:30."
    );
    assert_eq!(
        bad.clone().at(session::Input::Start).input(),
        Some(session::Input::Start),
        "named again, not wrapped twice"
    );
    let err = apply(&mut doc, |tx| {
        session::set_step(tx, &c, 7, None, None, None)
    })
    .unwrap_err();
    assert!(err.localize(Lang::Vi).contains("6 bước"));
    let err = apply(&mut doc, |tx| {
        session::edit(
            tx,
            &c,
            &SessionEdit {
                kind: Some(SessionKind::ChuyenDe),
                ..Default::default()
            },
        )
    })
    .unwrap_err();
    assert_eq!(err, SessionError::TopicRequired);
    let err = apply(&mut doc, |tx| {
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao".into(),
                department: Some("khong-co".into()),
                ..Default::default()
            },
        )
    })
    .unwrap_err();
    assert!(err.localize(Lang::Vi).contains("Không có bộ phận"));

    apply(&mut doc, |tx| {
        session::mark_concluded(tx, &c, Some("11:30"))
    })
    .unwrap();
    let s = session::read(&doc).unwrap();
    assert_eq!(s.status(), SessionStatus::Concluded);
    assert_eq!(s.end.as_deref(), Some("11:30"));
}

fn forks(base: &Automerge) -> (Automerge, Automerge) {
    let a = base.fork().with_actor(ActorId::from(vec![0xaa; 16]));
    let b = base.fork().with_actor(ActorId::from(vec![0xbb; 16]));
    (a, b)
}

fn merged(x: &Automerge, y: &Automerge) -> Automerge {
    let mut m = x.fork();
    let mut other = y.fork();
    m.merge(&mut other).unwrap();
    m
}

#[test]
fn two_secretaries_offline_lose_nothing() {
    let reg = Registry::builtin();
    let base = session::new_document(&ctx("Hoa"), "s-2", &new_session()).unwrap();
    let (mut a, mut b) = forks(&base);
    let (ca, cb) = (ctx("Hoa"), ctx("Tâm"));
    // Both register the same petition's speaker, and each a walk-in; each records speeches and
    // conclusions; both fill the attendance and a step; both write the minutes.
    let mut ids_a = Vec::new();
    apply(&mut a, |tx| {
        session::add_speaker(
            tx,
            &ca,
            &NewSpeaker {
                name: "Nguyễn Văn Đức".into(),
                unit: "TDP 3".into(),
                topic: "Đèn".into(),
                source: SpeakerSource::Petition,
                petitions: vec![pid(1)],
            },
        )?;
        session::add_speaker(
            tx,
            &ca,
            &NewSpeaker {
                name: "Vũ Thị Hằng".into(),
                unit: "TDP 5".into(),
                topic: "Trường học".into(),
                source: SpeakerSource::WalkIn,
                petitions: vec![],
            },
        )?;
        ids_a.push(session::add_speech(
            tx,
            &ca,
            &reg,
            &speech("Nguyễn Văn Đức", "Đèn đường", vec![pid(1)]),
        )?);
        ids_a.push(session::add_speech(
            tx,
            &ca,
            &reg,
            &speech("Vũ Thị Hằng", "Trường học xuống cấp", vec![]),
        )?);
        session::add_conclusion(
            tx,
            &ca,
            &reg,
            &NewConclusion {
                text: "Thay đèn".into(),
                department: Some("dia_chinh".into()),
                petitions: vec![pid(1)],
                ..Default::default()
            },
        )?;
        session::set_attendance(tx, &ca, Category::NhanDan, Some(100), Some(80))?;
        session::set_step(tx, &ca, 3, Some("08:40"), None, None)?;
        session::set_minutes(tx, &ca, "Phần mở đầu.\nPhần giữa.\nPhần cuối.")?;
        Ok(())
    })
    .unwrap();
    let mut ids_b = Vec::new();
    apply(&mut b, |tx| {
        session::add_speaker(
            tx,
            &cb,
            &NewSpeaker {
                name: "Nguyễn Văn Đức".into(),
                unit: "TDP 3".into(),
                topic: "Đèn".into(),
                source: SpeakerSource::Petition,
                petitions: vec![pid(1)],
            },
        )?;
        ids_b.push(session::add_speech(
            tx,
            &cb,
            &reg,
            &speech("Đào Văn Hùng", "Ngập úng đường Lê Lợi", vec![pid(2)]),
        )?);
        session::add_conclusion(
            tx,
            &cb,
            &reg,
            &NewConclusion {
                text: "Khơi thông cống".into(),
                department: Some("dia_chinh".into()),
                petitions: vec![pid(2)],
                ..Default::default()
            },
        )?;
        session::add_conclusion(
            tx,
            &cb,
            &reg,
            &NewConclusion {
                text: "Tuyên truyền phân loại rác".into(),
                ..Default::default()
            },
        )?;
        session::set_attendance(tx, &cb, Category::CanBo, Some(10), Some(9))?;
        session::set_step(tx, &cb, 4, Some("09:30"), Some("Trần Văn Nam"), None)?;
        Ok(())
    })
    .unwrap();
    let ab = merged(&a, &b);
    let ba = merged(&b, &a);
    let (s1, s2) = (session::read(&ab).unwrap(), session::read(&ba).unwrap());
    assert_eq!(s1, s2);
    assert_eq!(s1.speeches.len(), 3);
    for id in ids_a.iter().chain(&ids_b) {
        assert!(s1.speech(id).is_some(), "speech {id} lost");
    }
    assert_eq!(s1.conclusions.len(), 3);
    // One speaker for the petition registered on both laptops, plus the walk-in.
    assert_eq!(s1.speakers.len(), 2);
    assert_eq!(s1.present_total(), 89);
    assert_eq!(s1.step(3).unwrap().at.as_deref(), Some("08:40"));
    assert_eq!(s1.step(4).unwrap().at.as_deref(), Some("09:30"));
    // Both laptops numbered their speeches from 1: both stay, in a stable order.
    assert_eq!(
        s1.speeches.iter().map(|s| s.order).collect::<Vec<_>>(),
        vec![1, 1, 2]
    );

    // Then both edit the minutes at once, in different paragraphs: both edits survive.
    let (mut a2, mut b2) = forks(&ab);
    apply(&mut a2, |tx| {
        session::set_minutes(
            tx,
            &ca,
            "Phần mở đầu, có 97 đại biểu.\nPhần giữa.\nPhần cuối.",
        )
    })
    .unwrap();
    apply(&mut b2, |tx| {
        session::set_minutes(
            tx,
            &cb,
            "Phần mở đầu.\nPhần giữa.\nPhần cuối: bế mạc 11 giờ.",
        )
    })
    .unwrap();
    let m = session::read(&merged(&a2, &b2)).unwrap().minutes;
    assert_eq!(m, session::read(&merged(&b2, &a2)).unwrap().minutes);
    assert!(m.contains("có 97 đại biểu"), "{m}");
    assert!(m.contains("bế mạc 11 giờ"), "{m}");
}

// ---------------------------------------------------------------------------------------------
// Property: any interleaving of edits on two laptops merges to the same state in both orders,
// with every speech, conclusion and walk-in speaker kept.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Speech { petition: Option<u8>, on_spot: bool },
    Conclusion { petition: u8, assign: bool },
    WalkIn,
    PetitionSpeaker(u8),
    Step { n: u8, minute: u8 },
    Attendance { cat: u8, present: u8 },
    AnswerOwn { on_spot: bool },
    Minutes(u8),
    SpeakerOrder(i8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (proptest::option::of(0u8..4), any::<bool>())
            .prop_map(|(petition, on_spot)| Op::Speech { petition, on_spot }),
        (0u8..4, any::<bool>()).prop_map(|(petition, assign)| Op::Conclusion { petition, assign }),
        Just(Op::WalkIn),
        (0u8..4).prop_map(Op::PetitionSpeaker),
        (1u8..=6, 0u8..60).prop_map(|(n, minute)| Op::Step { n, minute }),
        (0u8..6, 0u8..200).prop_map(|(cat, present)| Op::Attendance { cat, present }),
        any::<bool>().prop_map(|on_spot| Op::AnswerOwn { on_spot }),
        (0u8..3).prop_map(Op::Minutes),
        (-3i8..10).prop_map(Op::SpeakerOrder),
    ]
}

#[derive(Default)]
struct Made {
    speeches: Vec<String>,
    conclusions: Vec<String>,
    walk_ins: Vec<String>,
    petition_speakers: BTreeSet<String>,
}

fn run(doc: &mut Automerge, c: &Ctx, reg: &Registry, ops: &[Op], who: &str) -> Made {
    let mut made = Made::default();
    for (i, o) in ops.iter().enumerate() {
        let res = apply(doc, |tx| {
            match o {
                Op::Speech { petition, on_spot } => {
                    let id = session::add_speech(
                        tx,
                        c,
                        reg,
                        &NewSpeech {
                            name: format!("{who} người {i}"),
                            summary: format!("ý kiến {i} của {who}"),
                            petitions: petition.map(|p| pid(p as u128)).into_iter().collect(),
                            on_spot: *on_spot,
                            answered_by: if *on_spot {
                                "Chủ trì".into()
                            } else {
                                String::new()
                            },
                            ..Default::default()
                        },
                    )?;
                    made.speeches.push(id);
                }
                Op::Conclusion { petition, assign } => {
                    let id = session::add_conclusion(
                        tx,
                        c,
                        reg,
                        &NewConclusion {
                            text: format!("kết luận {i} của {who}"),
                            department: assign.then(|| "dia_chinh".to_string()),
                            petitions: vec![pid(*petition as u128)],
                            ..Default::default()
                        },
                    )?;
                    made.conclusions.push(id);
                }
                Op::WalkIn => {
                    let (k, _) = session::add_speaker(
                        tx,
                        c,
                        &NewSpeaker {
                            name: format!("{who} khách {i}"),
                            unit: "TDP 1".into(),
                            topic: String::new(),
                            source: SpeakerSource::WalkIn,
                            petitions: vec![],
                        },
                    )?;
                    made.walk_ins.push(k);
                }
                Op::PetitionSpeaker(p) => {
                    let (k, _) = session::add_speaker(
                        tx,
                        c,
                        &NewSpeaker {
                            name: format!("Người dân {p}"),
                            unit: "TDP 2".into(),
                            topic: String::new(),
                            source: SpeakerSource::Petition,
                            petitions: vec![pid(*p as u128)],
                        },
                    )?;
                    made.petition_speakers.insert(k);
                }
                Op::Step { n, minute } => {
                    session::set_step(tx, c, *n, Some(&format!("09:{minute:02}")), None, None)?;
                }
                Op::Attendance { cat, present } => {
                    session::set_attendance(
                        tx,
                        c,
                        Category::ALL[*cat as usize],
                        None,
                        Some(u32::from(*present)),
                    )?;
                }
                Op::AnswerOwn { on_spot } => {
                    if let Some(id) = made.speeches.last() {
                        session::answer_speech(tx, c, id, "đã trả lời", who, *on_spot)?;
                    }
                }
                Op::Minutes(n) => {
                    session::append_minutes(tx, c, &format!("Đoạn {n} do {who} ghi."))?;
                }
                Op::SpeakerOrder(n) => {
                    if let Some(k) = made.walk_ins.last() {
                        session::set_speaker_order(tx, c, k, i64::from(*n))?;
                    }
                }
            }
            Ok(())
        });
        res.unwrap();
    }
    made
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn concurrent_secretaries_converge_without_loss(
        ops_a in proptest::collection::vec(op(), 0..14),
        ops_b in proptest::collection::vec(op(), 0..14),
    ) {
        let reg = Registry::builtin();
        let base = session::new_document(&ctx("Hoa"), "s-p", &new_session()).unwrap();
        let (mut a, mut b) = forks(&base);
        let ma = run(&mut a, &ctx("Hoa"), &reg, &ops_a, "A");
        let mb = run(&mut b, &ctx("Tâm"), &reg, &ops_b, "B");
        let ab = session::read(&merged(&a, &b)).unwrap();
        let ba = session::read(&merged(&b, &a)).unwrap();
        prop_assert_eq!(&ab, &ba);
        prop_assert_eq!(ab.speeches.len(), ma.speeches.len() + mb.speeches.len());
        prop_assert_eq!(ab.conclusions.len(), ma.conclusions.len() + mb.conclusions.len());
        for id in ma.speeches.iter().chain(&mb.speeches) {
            prop_assert!(ab.speech(id).is_some());
        }
        for id in ma.conclusions.iter().chain(&mb.conclusions) {
            prop_assert!(ab.conclusions.iter().any(|c| &c.id == id));
        }
        let petition_keys: BTreeSet<String> =
            ma.petition_speakers.union(&mb.petition_speakers).cloned().collect();
        prop_assert_eq!(
            ab.speakers.len(),
            ma.walk_ins.len() + mb.walk_ins.len() + petition_keys.len()
        );
        // Each side's minutes paragraphs are all there.
        for o in ops_a.iter().chain(&ops_b) {
            if let Op::Minutes(n) = o {
                let para = format!("Đoạn {}", n);
                prop_assert!(ab.minutes.contains(&para));
            }
        }
        prop_assert_eq!(ab.steps.len(), 6);
    }
}

// ---------------------------------------------------------------------------------------------
// The plan check
// ---------------------------------------------------------------------------------------------

fn ward_with_plan(items: &[(u32, SessionKind, &str)]) -> (Automerge, Vec<String>) {
    let mut ward = doithoai_model::ward::new_document("dinh-ke", "Phường Dĩnh Kế").unwrap();
    let c = ctx("Văn phòng");
    let mut ids = Vec::new();
    for (month, kind, topic) in items {
        let id = apply(&mut ward, |tx| {
            session::plan_add(
                tx,
                &c,
                &NewPlanned {
                    year: 2024,
                    month: *month,
                    kind: *kind,
                    topic: topic.to_string(),
                    chairs: vec![],
                    note: String::new(),
                },
            )
        })
        .unwrap();
        ids.push(id);
    }
    (ward, ids)
}

fn held(doc: &str, date: &str, kind: SessionKind, roles: &[ChairRole]) -> SessionEntry {
    SessionEntry {
        doc_id: doc.into(),
        id: doc.into(),
        date: day(date),
        kind,
        topic: String::new(),
        title: String::new(),
        status: SessionStatus::Concluded,
        plan_id: None,
        chair_roles: roles.to_vec(),
    }
}

const ALL_HEADS: &[ChairRole] = &[
    ChairRole::BiThu,
    ChairRole::ChuTichHdnd,
    ChairRole::ChuTichUbnd,
];
const THEMATIC_HEADS: &[ChairRole] = &[ChairRole::BiThu, ChairRole::ChuTichUbnd];

#[test]
fn the_2024_plan_carried_out_passes() {
    let (ward, _) = ward_with_plan(&[
        (6, SessionKind::DinhKy, ""),
        (10, SessionKind::ChuyenDe, "Giải phóng mặt bằng"),
    ]);
    let plan = session::read_plan(&ward);
    assert_eq!(plan.len(), 2);
    let sessions = vec![
        held("a", "20/06/2024", SessionKind::DinhKy, ALL_HEADS),
        held("b", "15/10/2024", SessionKind::ChuyenDe, THEMATIC_HEADS),
    ];
    let c = session::check_plan(2024, &plan, &sessions, day("31/12/2024"));
    assert_eq!(c.verdict, Verdict::Met, "{:?}", c.findings);
    assert!(c.findings.is_empty(), "{:?}", c.findings);
    assert_eq!((c.periodic, c.thematic, c.conferences), (2, 1, 2));
    assert!(
        c.planned
            .iter()
            .all(|p| matches!(p.state, PlannedState::Held { .. }))
    );
}

#[test]
fn a_missing_thematic_session_fails_and_is_late() {
    let (ward, ids) = ward_with_plan(&[
        (6, SessionKind::DinhKy, ""),
        (10, SessionKind::ChuyenDe, "Giải phóng mặt bằng"),
    ]);
    let plan = session::read_plan(&ward);
    let sessions = vec![
        held("a", "20/06/2024", SessionKind::DinhKy, ALL_HEADS),
        // A session being prepared does not count.
        SessionEntry {
            status: SessionStatus::Prepared,
            ..held("p", "20/11/2024", SessionKind::DinhKy, ALL_HEADS)
        },
    ];
    let c = session::check_plan(2024, &plan, &sessions, day("15/11/2024"));
    assert_eq!(c.verdict, Verdict::InProgress);
    assert!(c.findings.contains(&Finding::NoThematic));
    assert!(c.findings.contains(&Finding::TooFewPeriodic {
        held: 1,
        required: 2
    }));
    assert!(c.findings.iter().any(|f| matches!(
        f,
        Finding::PlannedLate { id, month: 10, .. } if *id == ids[1]
    )));
    let text: Vec<String> = c.findings.iter().map(|f| f.describe(Lang::Vi)).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("chuyên đề dự kiến tháng 10") && t.contains("quá hạn")),
        "{text:?}"
    );
    // After the year ends it is a failure.
    let c = session::check_plan(2024, &plan, &sessions, day("05/01/2025"));
    assert_eq!(c.verdict, Verdict::NotMet);
    assert_eq!(c.verdict.label(Lang::Vi), "KHÔNG ĐẠT");
}

#[test]
fn a_year_without_the_committee_chair_lacks_the_art_32_conference() {
    let (ward, _) = ward_with_plan(&[
        (6, SessionKind::DinhKy, ""),
        (10, SessionKind::ChuyenDe, "Môi trường"),
    ]);
    let plan = session::read_plan(&ward);
    let sessions = vec![
        held("a", "20/06/2024", SessionKind::DinhKy, &[ChairRole::BiThu]),
        held(
            "b",
            "25/11/2024",
            SessionKind::ChuyenDe,
            &[ChairRole::BiThu],
        ),
    ];
    let c = session::check_plan(2024, &plan, &sessions, day("31/12/2024"));
    assert_eq!(c.verdict, Verdict::InProgress);
    assert!(c.findings.contains(&Finding::NoConference));
    // The thematic session was held in November, a month late: a remark, not a failure.
    assert!(
        c.findings
            .iter()
            .any(|f| matches!(f, Finding::HeldLate { month: 10, .. }))
    );
    assert!(
        c.findings
            .iter()
            .any(|f| matches!(f, Finding::ChairMissing { .. }))
    );
    assert_eq!(
        c.findings.iter().filter(|f| f.is_failure()).count(),
        1,
        "{:?}",
        c.findings
    );
}

#[test]
fn a_plan_without_a_thematic_session_is_flagged_and_ad_hoc_does_not_count() {
    let (ward, _) = ward_with_plan(&[(6, SessionKind::DinhKy, "")]);
    let plan = session::read_plan(&ward);
    let sessions = vec![
        held("a", "20/06/2024", SessionKind::DinhKy, ALL_HEADS),
        held(
            "b",
            "20/08/2024",
            SessionKind::DotXuat,
            &[ChairRole::ChuTichUbnd],
        ),
        held("c", "20/09/2024", SessionKind::ThuongXuyen, &[]),
    ];
    let c = session::check_plan(2024, &plan, &sessions, day("31/12/2024"));
    assert!(c.findings.contains(&Finding::PlanNoThematic));
    assert!(
        c.findings
            .contains(&Finding::PlanTooFewPeriodic { planned: 1 })
    );
    assert!(c.findings.contains(&Finding::TooFewPeriodic {
        held: 1,
        required: 2
    }));
    assert_eq!(c.conferences, 2);
    assert_eq!(c.by_kind.values().sum::<usize>(), 3);
    assert_eq!(c.verdict, Verdict::InProgress);
}

#[test]
fn the_plan_and_the_index_live_in_the_ward_document() {
    let (mut ward, ids) = ward_with_plan(&[(6, SessionKind::DinhKy, "")]);
    let e = held("doc-1", "20/06/2024", SessionKind::DinhKy, ALL_HEADS);
    apply(&mut ward, |tx| Ok(session::put_entry(tx, &e)?)).unwrap();
    assert_eq!(session::read_entries(&ward), vec![e]);
    apply(&mut ward, |tx| session::plan_remove(tx, &ids[0])).unwrap();
    assert!(session::read_plan(&ward).is_empty());
    let err = apply(&mut ward, |tx| session::plan_remove(tx, "nope")).unwrap_err();
    assert!(err.localize(Lang::Vi).contains("doithoai plan list"));
}

// ---------------------------------------------------------------------------------------------
// The figures of the report
// ---------------------------------------------------------------------------------------------

#[test]
fn the_report_counts_opinions_by_field_and_outcome() {
    let reg = Registry::builtin();
    let c = ctx("Hoa");
    let mut doc = session::new_document(&c, "s-3", &new_session()).unwrap();
    apply(&mut doc, |tx| {
        session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                name: "A".into(),
                summary: "Đèn".into(),
                petitions: vec![pid(1)],
                on_spot: true,
                answered_by: "Chủ tịch UBND".into(),
                ..Default::default()
            },
        )?;
        let s2 = session::add_speech(tx, &c, &reg, &speech("B", "Rác", vec![pid(2), pid(3)]))?;
        session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                name: "C".into(),
                summary: "Học phí".into(),
                field: Some("y_te_giao_duc".into()),
                ..Default::default()
            },
        )?;
        // A petition raised twice counts once.
        session::add_speech(tx, &c, &reg, &speech("D", "Rác nữa", vec![pid(2)]))?;
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Xử lý rác".into(),
                department: Some("dia_chinh".into()),
                speeches: vec![s2],
                ..Default::default()
            },
        )?;
        Ok(())
    })
    .unwrap();
    let s = session::read(&doc).unwrap();
    let fact = |n: u128, field: &str| {
        (
            pid(n),
            PetitionFact {
                id: pid(n),
                field: Some(field.into()),
                content: format!("nội dung {n}"),
                people: 2,
                point: "tdp-03".into(),
            },
        )
    };
    let facts: BTreeMap<Uuid, PetitionFact> = [
        fact(1, "ha_tang"),
        fact(2, "moi_truong"),
        fact(3, "moi_truong"),
    ]
    .into_iter()
    .collect();
    let sum = session::summarize(&s, &facts, &reg);
    assert_eq!(
        (sum.total, sum.on_spot, sum.assigned, sum.noted),
        (4, 1, 2, 1)
    );
    let fields: Vec<(&str, usize)> = sum
        .by_field
        .iter()
        .map(|f| (f.field.as_str(), f.opinions))
        .collect();
    assert_eq!(
        fields,
        vec![("ha_tang", 1), ("moi_truong", 2), ("y_te_giao_duc", 1)]
    );
    // Ten working days from Saturday 15/06/2024: Friday 28/06/2024.
    assert!(sum.opinions.iter().any(|o| o.outcome
        == OpinionOutcome::Assigned {
            department: "dia_chinh".into(),
            deadline: day("28/06/2024")
        }));
}

// ---------------------------------------------------------------------------------------------
// Concluding: the work carried into the handling document, on one laptop twice and on two at once
// ---------------------------------------------------------------------------------------------

fn concluded_session() -> session::Session {
    let reg = Registry::builtin();
    let c = ctx("Hoa");
    let mut doc = session::new_document(&c, "s-c", &new_session()).unwrap();
    apply(&mut doc, |tx| {
        session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                name: "Nguyễn Văn Đức".into(),
                summary: "Đèn đường".into(),
                petitions: vec![pid(1)],
                on_spot: true,
                answer: "Thay trong tuần".into(),
                answered_by: "Chủ tịch UBND phường".into(),
                ..Default::default()
            },
        )?;
        let s2 = session::add_speech(tx, &c, &reg, &speech("Mai", "Rác", vec![pid(2), pid(3)]))?;
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao Địa chính xử lý rác".into(),
                department: Some("dia_chinh".into()),
                speeches: vec![s2],
                ..Default::default()
            },
        )?;
        Ok(())
    })
    .unwrap();
    session::read(&doc).unwrap()
}

fn petition_ref(id: Uuid) -> session::PetitionRef {
    session::PetitionRef {
        id,
        point: "tdp-03".into(),
        collected: day("10/06/2024"),
        kind: doithoai_model::PetitionKind::KienNghi,
        field: Some("moi_truong".into()),
    }
}

fn conclude(
    handling: &mut Automerge,
    s: &session::Session,
    who: &str,
) -> Vec<session::ApplyResult> {
    let reg = Registry::builtin();
    let c = Ctx::new(who, &format!("{who}-laptop"), at("15/06/2024 11:30"));
    let work = session::conclusion_work(s, &doithoai_model::Calendar::of(&reg));
    work.iter()
        .map(|w| {
            handling
                .transact_with(
                    |_| automerge::transaction::CommitOptions::default(),
                    |tx| session::apply_work(tx, &c, &reg, s, w, &petition_ref(w.pid())),
                )
                .map(|ok| ok.result)
                .unwrap_or_else(|f| session::ApplyResult::Skipped {
                    vi: f.error.localize(Lang::Vi),
                    en: f.error.localize(Lang::En),
                })
        })
        .collect()
}

fn office_received_p3() -> Automerge {
    let reg = Registry::builtin();
    let mut h = doithoai_model::handling::new_document("dinh-ke").unwrap();
    let c = Ctx::new("Văn thư", "vt", at("12/06/2024 08:00"));
    h.transact_with(
        |_| automerge::transaction::CommitOptions::default(),
        |tx| -> Result<(), doithoai_model::HandlingError> {
            doithoai_model::handling::receive(
                tx,
                &c,
                pid(3),
                "tdp-03",
                day("10/06/2024"),
                day("12/06/2024"),
            )?;
            doithoai_model::handling::classify(
                tx,
                &c,
                &reg,
                pid(3),
                &doithoai_model::handling::ClassifyInput {
                    kind: doithoai_model::PetitionKind::PhanAnh,
                    field: "moi_truong".into(),
                    competence: doithoai_model::Competence::Ward,
                    prior: String::new(),
                },
            )?;
            Ok(())
        },
    )
    .unwrap();
    h
}

#[test]
fn concluding_answers_on_the_spot_assigns_the_rest_and_twice_changes_nothing() {
    let s = concluded_session();
    let work = session::conclusion_work(&s, &doithoai_model::Calendar::of(&Registry::builtin()));
    assert_eq!(work.len(), 3, "{work:?}");
    assert!(matches!(work[0], session::Work::OnSpot { .. }));
    let mut h = office_received_p3();
    let first = conclude(&mut h, &s, "Hoa");
    let deadline = day("28/06/2024");
    assert_eq!(
        first,
        vec![
            session::ApplyResult::AnsweredOnSpot,
            session::ApplyResult::Assigned {
                department: "dia_chinh".into(),
                deadline,
                conclusion_deadline: None,
            },
            session::ApplyResult::Assigned {
                department: "dia_chinh".into(),
                deadline,
                conclusion_deadline: None,
            },
        ]
    );
    let heads = h.get_heads();
    let second = conclude(&mut h, &s, "Hoa");
    assert!(
        second
            .iter()
            .all(|r| matches!(r, session::ApplyResult::Already { .. })),
        "{second:?}"
    );
    assert_eq!(h.get_heads(), heads, "concluding again wrote nothing");
    let state = doithoai_model::handling::read(&h).unwrap();
    let p1 = state.get(&pid(1)).unwrap();
    assert_eq!(p1.status, doithoai_model::Status::Notified);
    assert!(p1.answered_on_spot());
    // The office's own classification is kept; the new petition is classified from intake.
    assert_eq!(
        state.get(&pid(3)).unwrap().kind(),
        Some(doithoai_model::PetitionKind::PhanAnh)
    );
    assert_eq!(state.get(&pid(2)).unwrap().field(), Some("moi_truong"));
    for it in state.items.values() {
        assert!(it.problems().is_empty(), "{:?}: {:?}", it.id, it.problems());
    }
}

#[test]
fn two_laptops_concluding_at_once_assign_each_petition_once() {
    let s = concluded_session();
    let base = office_received_p3();
    let (mut a, mut b) = forks(&base);
    let ra = conclude(&mut a, &s, "Hoa");
    let rb = conclude(&mut b, &s, "Tâm");
    assert_eq!(ra, rb);
    let ab = merged(&a, &b);
    let ba = merged(&b, &a);
    let (x, y) = (
        doithoai_model::handling::read(&ab).unwrap(),
        doithoai_model::handling::read(&ba).unwrap(),
    );
    assert_eq!(x, y);
    // The same decisions in the same order give the same register numbers and records: no
    // conflict for a clerk to resolve, one assignment per petition.
    assert!(x.conflicts().is_empty(), "{:?}", x.conflicts());
    for n in [2u128, 3] {
        let it = x.get(&pid(n)).unwrap();
        assert_eq!(it.status, doithoai_model::Status::Assigned);
        assert_eq!(it.assignment.as_ref().unwrap().department, "dia_chinh");
        assert_eq!(it.numbers.len(), 1, "{:?}", it.numbers);
        assert!(it.status_conflict.is_empty());
        assert!(it.problems().is_empty(), "{:?}", it.problems());
    }
    assert_eq!(
        x.get(&pid(1)).unwrap().status,
        doithoai_model::Status::Notified
    );
    // Concluding on the merged document changes nothing.
    let mut m = ab.fork();
    let again = conclude(&mut m, &s, "Hoa");
    assert!(
        again
            .iter()
            .all(|r| matches!(r, session::ApplyResult::Already { .. }))
    );
}

// ---------------------------------------------------------------------------------------------
// Every conclusion is applied, or listed with the reason; the report shows what was recorded
// ---------------------------------------------------------------------------------------------

fn handling_ctx(when: &str) -> Ctx {
    Ctx::new("Hoa", "Hoa-laptop", at(when))
}

/// Concludes as `doithoai session conclude` does: each piece of work in its own handling
/// transaction, then what was written recorded in the session document.
fn conclude_into(
    session_doc: &mut Automerge,
    handling: &mut Automerge,
    c: &Ctx,
    refs: &dyn Fn(Uuid) -> session::PetitionRef,
) -> (session::ConclusionPlan, Vec<session::ApplyResult>) {
    let reg = Registry::builtin();
    let s = session::read(session_doc).unwrap();
    let plan = session::conclusion_plan(&s, &doithoai_model::Calendar::of(&reg));
    let results: Vec<session::ApplyResult> = plan
        .work
        .iter()
        .map(|w| {
            handling
                .transact_with(
                    |_| automerge::transaction::CommitOptions::default(),
                    |tx| session::apply_work(tx, c, &reg, &s, w, &refs(w.pid())),
                )
                .map(|ok| ok.result)
                .unwrap_or_else(|f| session::ApplyResult::Skipped {
                    vi: f.error.localize(Lang::Vi),
                    en: f.error.localize(Lang::En),
                })
        })
        .collect();
    apply(session_doc, |tx| {
        for (w, r) in plan.work.iter().zip(&results) {
            if let Some(o) = r.outcome() {
                session::record_applied(tx, c, "h", w.op(), w.source(), &w.pid(), &o)?;
            }
        }
        Ok(())
    })
    .unwrap();
    (plan, results)
}

#[test]
fn a_conclusion_on_a_speech_answered_on_the_spot_assigns_its_petition_and_says_so() {
    // The README's walk-through: the chair answers on the spot ("dredged next week"), then
    // concludes by handing the matter to the land department with a deadline.
    let reg = Registry::builtin();
    let c = ctx("Hoa");
    let mut doc = session::new_document(&c, "s-os", &new_session()).unwrap();
    apply(&mut doc, |tx| {
        let s1 = session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                name: "Nguyễn Văn Đức".into(),
                summary: "Ngõ 5 ngập khi mưa".into(),
                petitions: vec![pid(1)],
                on_spot: true,
                answer: "Tuần sau nạo vét".into(),
                answered_by: "Chủ tịch UBND".into(),
                ..Default::default()
            },
        )?;
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao Địa chính khảo sát ngõ 5".into(),
                department: Some("dia_chinh".into()),
                deadline: Some(day("28/06/2024")),
                speeches: vec![s1],
                ..Default::default()
            },
        )?;
        Ok(())
    })
    .unwrap();
    let mut h = doithoai_model::handling::new_document("dinh-ke").unwrap();
    let (plan, results) = conclude_into(
        &mut doc,
        &mut h,
        &handling_ctx("15/06/2024 11:30"),
        &petition_ref,
    );
    assert_eq!(
        results,
        vec![session::ApplyResult::Assigned {
            department: "dia_chinh".into(),
            deadline: day("28/06/2024"),
            conclusion_deadline: None,
        }]
    );
    // The on-the-spot answer that the conclusion took over is listed, with why.
    assert_eq!(plan.unapplied.len(), 1, "{:?}", plan.unapplied);
    let why = plan.unapplied[0].describe(Lang::Vi);
    assert!(
        why.contains("trả lời tại chỗ") && why.contains("kết luận #1"),
        "{why}"
    );
    let state = doithoai_model::handling::read(&h).unwrap();
    let it = state.get(&pid(1)).unwrap();
    assert_eq!(it.status, doithoai_model::Status::Assigned);
    let a = it.assignment.as_ref().unwrap();
    assert_eq!(a.deadline, day("28/06/2024"));
    assert!(a.note.contains("Tuần sau nạo vét"), "{}", a.note);
    // The report counts it where its conclusions table shows it.
    let s = session::read(&doc).unwrap();
    let sum = session::summarize(&s, &BTreeMap::new(), &reg);
    assert_eq!((sum.total, sum.on_spot, sum.assigned), (1, 0, 1));
    assert_eq!(sum.conclusions[0].matters, 1);
    assert_eq!(sum.conclusions[0].deadlines, vec![day("28/06/2024")]);
}

#[test]
fn what_a_conclusion_cannot_assign_is_listed_with_the_reason() {
    let reg = Registry::builtin();
    let c = ctx("Hoa");
    let mut doc = session::new_document(&c, "s-why", &new_session()).unwrap();
    apply(&mut doc, |tx| {
        // A speech that raised no petition of the register.
        let bare = session::add_speech(tx, &c, &reg, &speech("C", "Học phí", vec![]))?;
        let rac = session::add_speech(tx, &c, &reg, &speech("Mai", "Rác", vec![pid(2)]))?;
        for (text, speeches, petitions) in [
            ("Giao Địa chính xử lý rác", vec![rac.clone()], vec![]),
            (
                "Giao Văn hoá - Xã hội trả lời về học phí",
                vec![bare],
                vec![],
            ),
            ("Giao Công an kiểm tra", vec![], vec![]),
            ("Giao Công an phối hợp xử lý rác", vec![], vec![pid(2)]),
        ] {
            session::add_conclusion(
                tx,
                &c,
                &reg,
                &NewConclusion {
                    text: text.into(),
                    department: Some(
                        if text.contains("Công an") {
                            "cong_an"
                        } else {
                            "dia_chinh"
                        }
                        .into(),
                    ),
                    speeches,
                    petitions,
                    ..Default::default()
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    let s = session::read(&doc).unwrap();
    let plan = session::conclusion_plan(&s, &doithoai_model::Calendar::of(&reg));
    assert_eq!(plan.work.len(), 1, "{:?}", plan.work);
    let why: Vec<String> = plan
        .unapplied
        .iter()
        .map(|u| u.describe(Lang::Vi))
        .collect();
    assert_eq!(why.len(), 3, "{why:?}");
    assert!(
        why[0].starts_with("Kết luận #2: ý kiến phát biểu #1 không gắn với ý kiến nào trong sổ"),
        "{why:?}"
    );
    assert!(
        why[1].starts_with("Kết luận #3 giao bộ phận nhưng không gắn"),
        "{why:?}"
    );
    assert!(
        why[2].contains("Kết luận #4") && why[2].contains("đã được giao theo kết luận #1"),
        "{why:?}"
    );
    let en = plan.unapplied[0].describe(Lang::En);
    assert!(en.contains("speech #1 raised no petition"), "{en}");
}

#[test]
fn the_deadline_shown_is_the_one_the_handling_record_got() {
    // A petition entered in the register after the conclusion's deadline: the handling record
    // gets ten working days from its entry, and the session's figures show that date.
    let reg = Registry::builtin();
    let c = ctx("Hoa");
    let mut doc = session::new_document(&c, "s-dl", &new_session()).unwrap();
    let conclusion = apply(&mut doc, |tx| {
        let s1 = session::add_speech(tx, &c, &reg, &speech("Mai", "Rác", vec![pid(7)]))?;
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao Địa chính xử lý".into(),
                department: Some("dia_chinh".into()),
                deadline: Some(day("17/06/2024")),
                speeches: vec![s1],
                ..Default::default()
            },
        )
    })
    .unwrap();
    let late = |id: Uuid| session::PetitionRef {
        collected: day("20/06/2024"),
        ..petition_ref(id)
    };
    let before = session::read(&doc).unwrap();
    let cal = doithoai_model::Calendar::of(&reg);
    assert_eq!(
        before.conclusion_deadlines(&before.conclusions[0], &cal),
        vec![day("17/06/2024")]
    );
    let mut h = doithoai_model::handling::new_document("dinh-ke").unwrap();
    let (_, results) = conclude_into(&mut doc, &mut h, &handling_ctx("25/06/2024 09:00"), &late);
    // Thursday 20/06/2024 + 10 working days: Thursday 04/07/2024.
    let recorded = day("04/07/2024");
    assert_eq!(
        results,
        vec![session::ApplyResult::Assigned {
            department: "dia_chinh".into(),
            deadline: recorded,
            // What the conclusion asked, so that `conclude` can say why the date differs.
            conclusion_deadline: Some(day("17/06/2024")),
        }]
    );
    let state = doithoai_model::handling::read(&h).unwrap();
    assert_eq!(
        state
            .get(&pid(7))
            .unwrap()
            .assignment
            .as_ref()
            .unwrap()
            .deadline,
        recorded
    );
    let s = session::read(&doc).unwrap();
    assert_eq!(
        s.recorded_assignment(&conclusion, &pid(7)),
        Some(("dia_chinh".into(), recorded))
    );
    assert_eq!(
        s.conclusion_deadlines(&s.conclusions[0], &cal),
        vec![recorded]
    );
    let sum = session::summarize(&s, &BTreeMap::new(), &reg);
    assert_eq!(sum.conclusions[0].deadlines, vec![recorded]);
    assert_eq!(sum.assignments[0].2, recorded);
    assert!(sum.opinions.iter().any(|o| o.outcome
        == OpinionOutcome::Assigned {
            department: "dia_chinh".into(),
            deadline: recorded
        }));
}

#[test]
fn a_petition_a_conclusion_assigns_is_counted_though_no_one_spoke_of_it() {
    let reg = Registry::builtin();
    let c = ctx("Hoa");
    let mut doc = session::new_document(&c, "s-np", &new_session()).unwrap();
    apply(&mut doc, |tx| {
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao Địa chính giải quyết đơn về mốc giới".into(),
                department: Some("dia_chinh".into()),
                petitions: vec![pid(9)],
                ..Default::default()
            },
        )
    })
    .unwrap();
    let s = session::read(&doc).unwrap();
    let facts: BTreeMap<Uuid, PetitionFact> = [(
        pid(9),
        PetitionFact {
            id: pid(9),
            field: Some("dat_dai".into()),
            content: "Tranh chấp mốc giới".into(),
            people: 1,
            point: "tdp-03".into(),
        },
    )]
    .into_iter()
    .collect();
    let sum = session::summarize(&s, &facts, &reg);
    assert_eq!((sum.total, sum.assigned), (1, 1));
    assert_eq!(sum.by_field[0].field, "dat_dai");
    assert_eq!(sum.conclusions[0].matters, 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever the speeches and conclusions: every conclusion that names a department is
    /// applied to at least one petition or listed with a reason; each petition is dealt with
    /// once; the report's totals add up to its conclusions table and its field table.
    #[test]
    fn every_conclusion_is_applied_or_explained_and_the_figures_add_up(
        speeches in proptest::collection::vec(
            (proptest::collection::btree_set(0u128..5, 0..3), any::<bool>()), 0..6),
        conclusions in proptest::collection::vec(
            (any::<bool>(), proptest::collection::btree_set(0usize..6, 0..3),
             proptest::collection::btree_set(0u128..6, 0..2)), 0..5),
    ) {
        let reg = Registry::builtin();
        let c = ctx("Hoa");
        let mut doc = session::new_document(&c, "s-prop", &new_session()).unwrap();
        apply(&mut doc, |tx| {
            let mut ids = Vec::new();
            for (i, (pids, on_spot)) in speeches.iter().enumerate() {
                ids.push(session::add_speech(tx, &c, &reg, &NewSpeech {
                    name: format!("Người {i}"),
                    summary: format!("Ý kiến {i}"),
                    petitions: pids.iter().map(|n| pid(*n)).collect(),
                    on_spot: *on_spot,
                    answer: if *on_spot { "Đã trả lời".into() } else { String::new() },
                    ..Default::default()
                })?);
            }
            for (j, (dept, sp, pids)) in conclusions.iter().enumerate() {
                session::add_conclusion(tx, &c, &reg, &NewConclusion {
                    text: format!("Kết luận {j}"),
                    department: dept.then(|| "dia_chinh".to_owned()),
                    speeches: sp.iter().filter_map(|k| ids.get(*k).cloned()).collect(),
                    petitions: pids.iter().map(|n| pid(*n)).collect(),
                    ..Default::default()
                })?;
            }
            Ok(())
        }).unwrap();
        let s = session::read(&doc).unwrap();
        let plan = session::conclusion_plan(&s, &doithoai_model::Calendar::of(&reg));
        let pids: Vec<Uuid> = plan.work.iter().map(|w| w.pid()).collect();
        let unique: BTreeSet<Uuid> = pids.iter().copied().collect();
        prop_assert_eq!(unique.len(), pids.len(), "a petition dealt with twice: {:?}", plan.work);
        for (i, cn) in s.conclusions.iter().enumerate() {
            if cn.department.is_none() {
                continue;
            }
            let applied = plan.work.iter().any(|w| w.source() == cn.id);
            let explained = plan.unapplied.iter().any(|u| {
                !matches!(u, session::Unapplied::OnSpotThenAssigned { .. })
                    && u.conclusion_position() == i + 1
            });
            prop_assert!(applied || explained, "conclusion #{} silently dropped: {:?}", i + 1, plan);
            // Every petition it covers is assigned, by it or by an earlier one.
            for p in s.conclusion_petitions(cn) {
                let assigned = plan
                    .work
                    .iter()
                    .any(|w| w.pid() == p && matches!(w, session::Work::Assign { .. }));
                prop_assert!(assigned, "petition {} of conclusion #{} not assigned", p, i + 1);
            }
        }
        let sum = session::summarize(&s, &BTreeMap::new(), &reg);
        prop_assert_eq!(sum.on_spot + sum.assigned + sum.noted, sum.total);
        prop_assert_eq!(sum.conclusions.iter().map(|f| f.matters).sum::<usize>(), sum.assigned);
        prop_assert_eq!(sum.by_field.iter().map(|f| f.opinions).sum::<usize>(), sum.total);
        prop_assert_eq!(sum.by_field.iter().map(|f| f.assigned).sum::<usize>(), sum.assigned);
        // What concluding marks answered on the spot is what the report counts so.
        let on_spot_work = plan.work.iter().filter(|w| matches!(w, session::Work::OnSpot { .. })).count();
        let on_spot_petitions = sum.opinions.iter()
            .filter(|o| o.petition.is_some() && o.outcome == OpinionOutcome::OnSpot)
            .count();
        prop_assert_eq!(on_spot_work, on_spot_petitions);
    }
}

#[test]
fn a_conclusion_added_after_concluding_does_not_undo_an_answer_already_notified() {
    let reg = Registry::builtin();
    let c = ctx("Hoa");
    let mut doc = session::new_document(&c, "s-late", &new_session()).unwrap();
    let s1 = apply(&mut doc, |tx| {
        session::add_speech(
            tx,
            &c,
            &reg,
            &NewSpeech {
                name: "Nguyễn Văn Đức".into(),
                summary: "Đèn đường".into(),
                petitions: vec![pid(1)],
                on_spot: true,
                answer: "Thay trong tuần".into(),
                ..Default::default()
            },
        )
    })
    .unwrap();
    let mut h = doithoai_model::handling::new_document("dinh-ke").unwrap();
    let when = handling_ctx("15/06/2024 11:30");
    let (_, first) = conclude_into(&mut doc, &mut h, &when, &petition_ref);
    assert_eq!(first, vec![session::ApplyResult::AnsweredOnSpot]);
    apply(&mut doc, |tx| {
        session::add_conclusion(
            tx,
            &c,
            &reg,
            &NewConclusion {
                text: "Giao Địa chính thay đèn".into(),
                department: Some("dia_chinh".into()),
                speeches: vec![s1],
                ..Default::default()
            },
        )
    })
    .unwrap();
    let (_, second) = conclude_into(&mut doc, &mut h, &when, &petition_ref);
    match second.as_slice() {
        [session::ApplyResult::Skipped { vi, .. }] => {
            assert!(
                vi.contains("đã trả lời tại chỗ") && vi.contains("handle reopen"),
                "{vi}"
            )
        }
        other => panic!("{other:?}"),
    }
    let state = doithoai_model::handling::read(&h).unwrap();
    assert_eq!(
        state.get(&pid(1)).unwrap().status,
        doithoai_model::Status::Notified
    );
    // The report says what the handling record holds.
    let s = session::read(&doc).unwrap();
    let sum = session::summarize(&s, &BTreeMap::new(), &reg);
    assert_eq!((sum.on_spot, sum.assigned), (1, 0));
    assert_eq!(sum.conclusions[0].matters, 0);
}
