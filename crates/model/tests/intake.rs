//! The intake document: round trips, strings written as Text by JavaScript, concurrent edits.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use doithoai_model::intake;
use doithoai_model::{
    ChangeMeta, DocError, NewPetition, Petition, PetitionKind, Registry, Resident,
};
use proptest::prelude::*;

fn resident(name: &str) -> Resident {
    Resident {
        name: name.into(),
        address: "Số 5, ngõ 12 đường Xương Giang".into(),
        tdp: "TDP số 3".into(),
        phone: None,
        id_number: None,
    }
}

fn petition(content: &str) -> Petition {
    NewPetition {
        residents: vec![resident("Nguyễn Văn Đức")],
        content: content.into(),
        request: "Đề nghị phường sửa chữa".into(),
        place: "ngõ 12 Lê Lợi".into(),
        field: Some("ha_tang".into()),
        kind: Some(PetitionKind::PhanAnh),
        ..Default::default()
    }
    .build("tdp-03", "Tổ trưởng TDP 3", &Registry::builtin())
    .unwrap()
}

fn add(doc: &mut Automerge, p: &Petition) {
    let meta = ChangeMeta::new("test", "petition.add", vec![p.id.to_string()]);
    doc.transact_with::<_, _, DocError, _>(
        |_| meta.commit_options(),
        |tx| intake::put_petition(tx, p),
    )
    .unwrap();
}

#[test]
fn round_trip_keeps_every_field() {
    let mut doc = intake::new_document("tdp-03").unwrap();
    let mut p = petition("Đèn đường ngõ 12 hỏng đã hai tháng");
    p.residents.push(Resident {
        phone: Some("0912 345 678".into()),
        id_number: Some("024123456789".into()),
        ..resident("Trần Thị Thủy")
    });
    p.people_count = 7;
    p.wants_to_speak = true;
    add(&mut doc, &p);
    let back = intake::get_petition(&doc, &p.id).unwrap().unwrap();
    assert_eq!(back, p);
    let saved = doc.save();
    let loaded = Automerge::load(&saved).unwrap();
    assert_eq!(intake::petitions(&loaded).unwrap().0, vec![p]);
}

#[test]
fn reads_strings_written_as_text_by_javascript() {
    // automerge-repo in JavaScript stores plain strings as Text objects.
    let mut doc = Automerge::new();
    let id = uuid::Uuid::new_v4().to_string();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let t = tx.put_object(ROOT, "type", ObjType::Text)?;
        tx.splice_text(&t, 0, 0, "intake")?;
        let ps = tx.put_object(ROOT, "petitions", ObjType::Map)?;
        let p = tx.put_object(&ps, id.as_str(), ObjType::Map)?;
        for (k, v) in [
            ("id", id.as_str()),
            ("created_at", "2026-11-20T19:30:00+07:00"),
            ("point", "tdp-01"),
            ("kind", "y_kien"),
            ("content", "Xin hỏi lịch thu gom rác"),
        ] {
            let t = tx.put_object(&p, k, ObjType::Text)?;
            tx.splice_text(&t, 0, 0, v)?;
        }
        let rs = tx.put_object(&p, "residents", ObjType::List)?;
        let r = tx.insert_object(&rs, 0, ObjType::Map)?;
        let n = tx.put_object(&r, "name", ObjType::Text)?;
        tx.splice_text(&n, 0, 0, "Lê Quang Đạo")?;
        tx.put(&p, "people_count", 3_u64)?;
        Ok(())
    })
    .unwrap();
    let (ps, bad) = intake::petitions(&doc).unwrap();
    assert!(bad.is_empty());
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].content, "Xin hỏi lịch thu gom rác");
    assert_eq!(ps[0].kind, PetitionKind::YKien);
    assert_eq!(ps[0].residents[0].name, "Lê Quang Đạo");
    assert_eq!(ps[0].people_count, 3);
    // An edit from Rust over a Text value replaces it only when it differs.
    let mut p = ps[0].clone();
    p.place = "chợ Dĩnh Kế".into();
    add(&mut doc, &p);
    assert_eq!(
        intake::get_petition(&doc, &p.id).unwrap().unwrap().place,
        "chợ Dĩnh Kế"
    );
}

#[test]
fn history_names_who_changed_what() {
    let mut doc = intake::new_document("tdp-03").unwrap();
    let mut p = petition("Cống thoát nước bị tắc");
    add(&mut doc, &p);
    p.content = "Cống thoát nước ngõ 5 bị tắc, ngập khi mưa".into();
    p.people_count = 4;
    let meta = ChangeMeta::new("Chị Hoa (thư ký)", "petition.edit", vec![p.id.to_string()]);
    doc.transact_with::<_, _, DocError, _>(
        |_| meta.commit_options(),
        |tx| intake::put_petition(tx, &p),
    )
    .unwrap();
    let other = petition("Việc khác");
    add(&mut doc, &other);
    let h = intake::history(&doc, &p.id).unwrap();
    assert_eq!(h.len(), 2, "{h:#?}");
    assert_eq!(h[0].op, "petition.add");
    assert_eq!(h[1].by, "Chị Hoa (thư ký)");
    let fields: Vec<&str> = h[1].fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["content", "people_count"]);
    assert_eq!(
        h[1].fields[0].before.as_deref(),
        Some("Cống thoát nước bị tắc")
    );
}

#[test]
fn changed_ids_since_heads() {
    let mut doc = intake::new_document("tdp-03").unwrap();
    let a = petition("A");
    add(&mut doc, &a);
    let heads = doc.get_heads();
    let mut b = petition("B");
    add(&mut doc, &b);
    let mut a2 = a.clone();
    a2.place = "khác".into();
    add(&mut doc, &a2);
    let ids = intake::changed_ids(&doc, &heads).unwrap();
    assert_eq!(
        ids,
        [a.id.to_string(), b.id.to_string()].into_iter().collect()
    );
    b.content = "B2".into();
    let h2 = doc.get_heads();
    add(&mut doc, &b);
    assert_eq!(
        intake::changed_ids(&doc, &h2).unwrap(),
        [b.id.to_string()].into_iter().collect()
    );
}

#[test]
fn validation_messages_are_specific() {
    use doithoai_model::{Lang, Localize, ValidationError};
    let reg = Registry::builtin();
    let empty = NewPetition {
        residents: vec![resident("A")],
        content: "   ".into(),
        ..Default::default()
    }
    .build("tdp-01", "x", &reg)
    .unwrap_err();
    assert_eq!(empty, ValidationError::EmptyContent);
    assert_eq!(
        empty.localize(Lang::Vi),
        "Nội dung ý kiến không được để trống."
    );
    let unknown = NewPetition {
        residents: vec![resident("A")],
        content: "x".into(),
        field: Some("thoi_tiet".into()),
        ..Default::default()
    }
    .build("tdp-01", "x", &reg)
    .unwrap_err();
    assert!(
        unknown
            .localize(Lang::Vi)
            .starts_with("Lĩnh vực «thoi_tiet» không có trong danh mục")
    );
    let long = NewPetition {
        residents: vec![resident("A")],
        content: "a".repeat(20_001),
        ..Default::default()
    }
    .build("tdp-01", "x", &reg)
    .unwrap_err();
    assert!(matches!(
        long,
        ValidationError::TooLong {
            field: "content",
            ..
        }
    ));
    let future = NewPetition {
        residents: vec![resident("A")],
        content: "x".into(),
        created_at: Some(doithoai_model::time::parse_datetime("01/01/2099").unwrap()),
        ..Default::default()
    }
    .build("tdp-01", "x", &reg)
    .unwrap_err();
    assert!(matches!(future, ValidationError::ImpossibleDate { .. }));
}

// --- property: concurrent edits on two copies merge to the same state and keep every petition.

#[derive(Debug, Clone)]
enum Op {
    Add {
        side: bool,
        content: String,
    },
    Edit {
        side: bool,
        which: usize,
        content: String,
        people: u32,
    },
    Sync,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), "[a-zđươ ]{1,12}").prop_map(|(side, content)| Op::Add { side, content: format!("nd {content}") }),
        3 => (any::<bool>(), 0usize..50, "[a-zđươ ]{1,12}", 1u32..20)
            .prop_map(|(side, which, content, people)| Op::Edit { side, which, content: format!("sửa {content}"), people }),
        1 => Just(Op::Sync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn concurrent_intake_edits_converge_and_keep_every_petition(ops in prop::collection::vec(op(), 1..40), a_first in any::<bool>()) {
        let base = intake::new_document("tdp-07").unwrap();
        let mut a = base.fork();
        let mut b = base.fork();
        let mut added = Vec::new();
        for op in ops {
            match op {
                Op::Add { side, content } => {
                    let p = petition(&content);
                    add(if side { &mut a } else { &mut b }, &p);
                    added.push(p.id);
                }
                Op::Edit { side, which, content, people } => {
                    let doc = if side { &mut a } else { &mut b };
                    let (ps, _) = intake::petitions(doc).unwrap();
                    if ps.is_empty() { continue; }
                    let mut p = ps[which % ps.len()].clone();
                    p.content = content;
                    p.people_count = people;
                    add(doc, &p);
                }
                Op::Sync => {
                    a.merge(&mut b).unwrap();
                    b.merge(&mut a).unwrap();
                }
            }
        }
        let (mut x, mut y) = (a.fork(), b.fork());
        if a_first { x.merge(&mut b).unwrap(); y.merge(&mut a).unwrap(); } else { y.merge(&mut a).unwrap(); x.merge(&mut b).unwrap(); }
        prop_assert_eq!(x.get_heads().len(), y.get_heads().len());
        let (px, bx) = intake::petitions(&x).unwrap();
        let (py, _) = intake::petitions(&y).unwrap();
        prop_assert!(bx.is_empty());
        prop_assert_eq!(&px, &py);
        for id in &added {
            prop_assert!(px.iter().any(|p| &p.id == id), "petition {} lost", id);
        }
        prop_assert_eq!(px.len(), added.len());
        // Nothing reads as a half-written record.
        for p in &px { prop_assert!(!p.content.is_empty() && !p.residents.is_empty()); }
        let _ = x.get(ROOT, "petitions");
    }
}
