//! Documents written by a buggy or hostile writer (issue 16): wrong types, missing maps, huge
//! strings, deep nesting, keys that are not UUIDs. Every reader the office's client and the server
//! run on what devices send (intake, handling, ward, session, monitoring) must return — an error
//! or a value, never a panic — and an intake reader must account for every petition entry it
//! skips, so the office is told what was not indexed.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use doithoai_model::{handling, intake, monitoring, session, ward};
use proptest::prelude::*;
use uuid::Uuid;

/// The keys the model's readers look up (every snake_case string literal of crates/model/src),
/// so that generated documents reach deep into each reader instead of being ignored at the top.
const KEYS: &[&str] = &[
    "ad_hoc",
    "address",
    "adhoc",
    "after",
    "an",
    "an_ninh",
    "and",
    "answer",
    "answer_on_spot",
    "answered",
    "answered_by",
    "applied",
    "approval",
    "approve",
    "approved",
    "approver",
    "assign",
    "assigned",
    "assignment",
    "at",
    "attendance",
    "attendee",
    "attendees",
    "bang_tin",
    "before",
    "bi",
    "bi_thu",
    "bithu",
    "bithudanguy",
    "bithudanguyphuong",
    "board",
    "by",
    "cac",
    "can",
    "can_bo",
    "cap_tren",
    "category",
    "cd",
    "chair",
    "chair_roles",
    "chairs",
    "channel",
    "chi_bo",
    "chinh_sach",
    "cho",
    "chutichhdnd",
    "chutichhdndphuong",
    "chutichubnd",
    "chutichubndphuong",
    "chutichuybannhandan",
    "chuyen",
    "chuyen_de",
    "chuyen_don",
    "classification",
    "classified",
    "classify",
    "close",
    "closed",
    "closure",
    "co",
    "co_so",
    "code",
    "collected",
    "collector",
    "committeechair",
    "competence",
    "concluded",
    "conclusion",
    "conclusions",
    "confirmed",
    "cong_an",
    "cong_chuc",
    "cong_van",
    "content",
    "councilchair",
    "create",
    "created_at",
    "created_by",
    "ct_hdnd",
    "ct_ubnd",
    "cthdnd",
    "ctubnd",
    "cu_tri",
    "cua",
    "cuoc_hop",
    "da",
    "dan",
    "dang",
    "dat",
    "dat_dai",
    "date",
    "de",
    "deadline",
    "den",
    "department",
    "departments",
    "device",
    "dia_chinh",
    "dien_nuoc",
    "dien_thoai",
    "dinh_ky",
    "dk",
    "do",
    "doan_the",
    "doc_no",
    "doithoai",
    "dot_xuat",
    "duoc",
    "duong",
    "dx",
    "earlier_history",
    "en",
    "end",
    "events",
    "field",
    "fields",
    "file",
    "filed",
    "finding",
    "forward",
    "forward_to",
    "forwarded",
    "from",
    "front",
    "guide",
    "ha_tang",
    "handling",
    "hay",
    "held",
    "higher",
    "hoi_nghi",
    "holidays",
    "hop",
    "huong_dan",
    "id",
    "id_number",
    "in",
    "intake",
    "interrupted",
    "into",
    "invited",
    "is",
    "its",
    "khac",
    "khach",
    "khi",
    "khieu_nai",
    "khong",
    "kien_nghi",
    "kind",
    "la",
    "label_en",
    "label_vi",
    "lam",
    "land",
    "lanh_dao",
    "law",
    "le",
    "legal_basis",
    "letter",
    "letter_no",
    "loa",
    "loi",
    "lowercase",
    "lunar",
    "ma",
    "mat_tran",
    "meeting",
    "merge",
    "merged",
    "minutes",
    "mode",
    "moi_truong",
    "monitor",
    "monitoring",
    "month",
    "mot",
    "mttq",
    "mttq_doan_the",
    "name",
    "nay",
    "nganh",
    "nganh_doc",
    "nghi",
    "ngo",
    "nguoi",
    "nguoi_dan",
    "nhan_dan",
    "nhieu",
    "nhu",
    "nhung",
    "note",
    "notification",
    "notified",
    "notify",
    "number",
    "of",
    "off",
    "office",
    "officials",
    "on_spot",
    "op",
    "order",
    "org",
    "organisation",
    "organization",
    "other",
    "outcome",
    "party",
    "partysecretary",
    "people_count",
    "periodic",
    "petition",
    "petitions",
    "phan_anh",
    "phone",
    "phuong",
    "pid",
    "place",
    "plan",
    "plan_id",
    "point",
    "points",
    "prepared",
    "present",
    "prior",
    "quan_su",
    "rat",
    "reason",
    "receive",
    "received",
    "recorded_at",
    "register",
    "regular",
    "relayed",
    "released_at",
    "released_by",
    "released_note",
    "remarks",
    "renumber",
    "reopen",
    "report_no",
    "request",
    "residents",
    "resolve",
    "result",
    "role",
    "schema",
    "secretary",
    "session",
    "sessions",
    "snake_case",
    "so",
    "source",
    "speaker",
    "speakers",
    "speech",
    "speeches",
    "standing",
    "start",
    "state",
    "status",
    "steps",
    "subject",
    "summary",
    "tai",
    "tai_chinh",
    "tai_cho",
    "tdp",
    "text",
    "the",
    "thematic",
    "thi",
    "thu",
    "thu_tuc",
    "thuong_truc",
    "thuong_xuyen",
    "time",
    "tinh",
    "title",
    "to",
    "to_cao",
    "to_truong",
    "to_truong_tdp",
    "topic",
    "tra_lai",
    "tren",
    "trong",
    "true",
    "tu",
    "tu_phap",
    "tx",
    "type",
    "unit",
    "updated_at",
    "va",
    "van_ban",
    "van_hoa",
    "van_hoa_xa_hoi",
    "van_phong",
    "ve",
    "vertical",
    "vi",
    "vn",
    "voi",
    "volume_of",
    "volumes",
    "walk_in",
    "wants_to_speak",
    "ward",
    "ward_id",
    "work",
    "xa",
    "xay_dung",
    "xin",
    "y_kien",
    "y_te_giao_duc",
    "year",
    "yes",
];

/// A value a hostile writer may put anywhere.
#[derive(Debug, Clone)]
enum V {
    Str(String),
    Int(i64),
    F64(f64),
    Bool(bool),
    Null,
    Bytes(Vec<u8>),
    Counter(i64),
    Timestamp(i64),
    Text(String),
    Map(Vec<(String, V)>),
    List(Vec<V>),
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(KEYS).prop_map(str::to_owned),
        2 => any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()),
        1 => ".{0,12}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => ".{0,24}",
        // Values the readers parse: times, UUIDs, numbers as text, kinds, statuses.
        2 => proptest::sample::select(&[
            "2026-03-05T08:30:00+07:00", "2026-13-45T99:00:00+07:00", "2026-03-05", "intake",
            "handling", "ward", "session", "monitoring", "kien_nghi", "khieu_nai", "to_cao",
            "received", "assigned", "answered", "closed", "-1", "4294967296", "", " ",
        ][..]).prop_map(str::to_owned),
        1 => any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()),
        1 => "[\\x00-\\x1f\\u{202e}\\u{feff}]{1,8}",
    ]
}

fn value() -> impl Strategy<Value = V> {
    let leaf = prop_oneof![
        text().prop_map(V::Str),
        any::<i64>().prop_map(V::Int),
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(-1),
            Just(i64::MAX),
            Just(i64::MIN),
            Just(u32::MAX as i64 + 1)
        ]
        .prop_map(V::Int),
        any::<f64>().prop_map(V::F64),
        any::<bool>().prop_map(V::Bool),
        Just(V::Null),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(V::Bytes),
        any::<i64>().prop_map(V::Counter),
        any::<i64>().prop_map(V::Timestamp),
        text().prop_map(V::Text),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            proptest::collection::vec((key(), inner.clone()), 0..8).prop_map(V::Map),
            proptest::collection::vec(inner, 0..6).prop_map(V::List),
        ]
    })
}

/// A document of one of the five kinds (its `type` right most of the time, so the readers go
/// past their first check), with hostile content at the top and inside `petitions`.
/// Entries of a map: key and value.
type Entries = Vec<(String, V)>;

fn document() -> impl Strategy<Value = (String, Entries, Entries)> {
    (
        prop_oneof![
            8 => proptest::sample::select(&["intake", "handling", "ward", "session", "monitoring"][..])
                .prop_map(str::to_owned),
            1 => text(),
        ],
        proptest::collection::vec((key(), value()), 0..10),
        proptest::collection::vec(
            (
                prop_oneof![
                    3 => any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()),
                    1 => key(),
                ],
                value(),
            ),
            0..8,
        ),
    )
}

fn put(doc: &mut AutoCommit, obj: &ObjId, key: &str, v: &V) {
    let scalar = |v: &V| -> Option<ScalarValue> {
        Some(match v {
            V::Str(s) => ScalarValue::Str(s.as_str().into()),
            V::Int(n) => ScalarValue::Int(*n),
            V::F64(f) => ScalarValue::F64(*f),
            V::Bool(b) => ScalarValue::Boolean(*b),
            V::Null => ScalarValue::Null,
            V::Bytes(b) => ScalarValue::Bytes(b.clone()),
            V::Counter(n) => ScalarValue::counter(*n),
            V::Timestamp(t) => ScalarValue::Timestamp(*t),
            _ => return None,
        })
    };
    if let Some(s) = scalar(v) {
        doc.put(obj, key, s).unwrap();
        return;
    }
    match v {
        V::Text(s) => {
            let t = doc.put_object(obj, key, ObjType::Text).unwrap();
            doc.splice_text(&t, 0, 0, s).unwrap();
        }
        V::Map(entries) => {
            let m = doc.put_object(obj, key, ObjType::Map).unwrap();
            for (k, v) in entries {
                put(doc, &m, k, v);
            }
        }
        V::List(items) => {
            let l = doc.put_object(obj, key, ObjType::List).unwrap();
            for (i, v) in items.iter().enumerate() {
                insert(doc, &l, i, v);
            }
        }
        _ => unreachable!("scalars are put above"),
    }
}

fn insert(doc: &mut AutoCommit, list: &ObjId, i: usize, v: &V) {
    match v {
        V::Map(_) | V::List(_) | V::Text(_) => {
            // Put the object under a throwaway map key, then the same content in the list.
            let kind = match v {
                V::Map(_) => ObjType::Map,
                V::List(_) => ObjType::List,
                _ => ObjType::Text,
            };
            let o = doc.insert_object(list, i, kind).unwrap();
            match v {
                V::Map(entries) => entries.iter().for_each(|(k, v)| put(doc, &o, k, v)),
                V::List(items) => items
                    .iter()
                    .enumerate()
                    .for_each(|(j, v)| insert(doc, &o, j, v)),
                V::Text(s) => doc.splice_text(&o, 0, 0, s).unwrap(),
                _ => {}
            }
        }
        V::Str(s) => doc.insert(list, i, s.as_str()).unwrap(),
        V::Int(n) => doc.insert(list, i, *n).unwrap(),
        V::F64(f) => doc.insert(list, i, *f).unwrap(),
        V::Bool(b) => doc.insert(list, i, *b).unwrap(),
        V::Null => doc.insert(list, i, ScalarValue::Null).unwrap(),
        V::Bytes(b) => doc.insert(list, i, ScalarValue::Bytes(b.clone())).unwrap(),
        V::Counter(n) => doc.insert(list, i, ScalarValue::counter(*n)).unwrap(),
        V::Timestamp(t) => doc.insert(list, i, ScalarValue::Timestamp(*t)).unwrap(),
    }
}

fn build(kind: &str, top: &[(String, V)], petitions: &[(String, V)]) -> automerge::Automerge {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "type", kind).unwrap();
    for (k, v) in top {
        put(&mut doc, &ROOT, k, v);
    }
    // Most of the time `petitions` is a map of entries (hostile ones inside); a top-level
    // entry named `petitions` above may have replaced it with anything.
    if !top.iter().any(|(k, _)| k == "petitions") {
        let m = doc.put_object(ROOT, "petitions", ObjType::Map).unwrap();
        for (k, v) in petitions {
            put(&mut doc, &m, k, v);
        }
    }
    doc.commit();
    // What a device receives is what the writer saved: round-trip through the bytes.
    automerge::Automerge::load(&doc.save()).unwrap()
}

/// Every reader of the model, on one document. None may panic; an intake's petitions read or
/// skipped (with why) must together be every entry of its `petitions` map, whatever its type.
fn read_everything(doc: &automerge::Automerge) {
    let _ = doithoai_model::doc::doc_type(doc);
    let _ = intake::point(doc);
    let _ = intake::volumes(doc);
    let _ = intake::volume_of(doc);
    let _ = intake::petition_count(doc);
    if let Ok((ok, bad)) = intake::petitions(doc) {
        let petitions = doc.get(ROOT, "petitions").ok().flatten();
        if let Some((automerge::Value::Object(ObjType::Map), m)) = petitions {
            let entries = doc.keys(&m).count();
            assert_eq!(
                ok.len() + bad.len(),
                entries,
                "a petition entry was neither read nor reported as skipped"
            );
        }
        for p in &ok {
            let _ = intake::flatten(p);
            let _ = intake::history(doc, &p.id);
            let _ = intake::earlier_history(doc, &p.id);
            let _ = intake::get_petition(doc, &p.id);
        }
    }
    let _ = intake::changed_ids(doc, &[]);
    if let Ok(h) = handling::read(doc) {
        let _ = h.conflicts();
        let _ = h.next_number(2026);
        for id in h.items.keys() {
            let _ = h.root(id);
            let _ = h.group(id);
        }
    }
    let _ = handling::changed_ids(doc, &[]);
    let _ = ward::ward_id(doc);
    let _ = ward::registry(doc);
    let _ = monitoring::remarks(doc);
    let _ = session::read(doc);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn hostile_documents_never_crash_a_reader((kind, top, petitions) in document()) {
        let doc = build(&kind, &top, &petitions);
        read_everything(&doc);
    }
}

/// Deep nesting where a reader looks (a petition's residents, a handling item), and a huge
/// string in a petition: read without a stack overflow, in bounded time.
#[test]
fn deep_nesting_and_huge_strings_are_read() {
    for kind in ["intake", "handling", "ward", "session", "monitoring"] {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "type", kind).unwrap();
        let petitions = doc.put_object(ROOT, "petitions", ObjType::Map).unwrap();
        let id = Uuid::from_u128(7).to_string();
        let p = doc
            .put_object(&petitions, id.as_str(), ObjType::Map)
            .unwrap();
        doc.put(&p, "id", id.as_str()).unwrap();
        doc.put(&p, "created_at", "2026-03-05T08:30:00+07:00")
            .unwrap();
        doc.put(&p, "content", "ý".repeat(2_000_000)).unwrap();
        let mut o = doc.put_object(&p, "residents", ObjType::List).unwrap();
        for i in 0..3_000 {
            o = if i % 2 == 0 {
                doc.insert_object(&o, 0, ObjType::Map).unwrap()
            } else {
                doc.put_object(&o, "name", ObjType::List).unwrap()
            };
        }
        for key in ["items", "points", "speeches", "remarks", "steps"] {
            let mut o = doc.put_object(ROOT, key, ObjType::Map).unwrap();
            for _ in 0..3_000 {
                o = doc
                    .put_object(&o, Uuid::from_u128(9).to_string().as_str(), ObjType::Map)
                    .unwrap();
            }
        }
        doc.commit();
        let doc = automerge::Automerge::load(&doc.save()).unwrap();
        let started = std::time::Instant::now();
        read_everything(&doc);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{kind}: too slow"
        );
        if kind == "intake" {
            let (ok, _) = intake::petitions(&doc).unwrap();
            assert_eq!(ok.len(), 1);
            assert_eq!(ok[0].content.chars().count(), 2_000_000);
        }
    }
}
