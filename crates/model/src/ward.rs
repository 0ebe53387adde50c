//! The ward document: the registry (collection points, departments, fields, the office's
//! calendar entries), written by the office and read by every device.
//!
//! ```text
//! { type: "ward", schema: 1, ward_id, name,
//!   points: { id: {id, kind, name} }, departments: { id: {id, name} },
//!   fields: { code: {code, label_vi, label_en} },
//!   holidays: { "YYYY-MM-DD": {kind: "off"|"work", note},     (the office's calendar entries)
//!               "YYYY": {kind: "confirmed", note} },          (a year the office confirmed)
//!   plan: {...}, sessions: {...} }      (plan and sessions: see the sessions module)
//! ```
//! Collections are maps keyed by id so that two office laptops adding entries offline merge.
//! The calendar lives in the `holidays` map every ward document has had since it was created (a
//! new root map made by two laptops offline would hide one's entries). Each entry is written as a
//! new map, so two laptops setting one day concurrently leave one whole entry, never a mix; days
//! and years set on different laptops all survive. Earlier versions wrote the built-in holidays
//! of 2025–2027 there as plain strings (`"YYYY-MM-DD": name`); those are not the office's and are
//! ignored, the computed calendar ([`crate::workdays`]) now gives every year.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ROOT, ReadDoc, Value};
use chrono::NaiveDate;

use crate::doc::{ChangeMeta, DocError, Reader, ensure_map, expect_type, put_i64, put_str};
use crate::registry::{
    CalendarEntry, DayKind, Department, Field, Point, PointKind, Registry, WardCalendar,
};

pub const TYPE: &str = "ward";
pub const SCHEMA: i64 = 1;

/// Writes the root structure of a new ward document with the built-in fields and departments
/// (the calendar starts with no office entries: the national one is computed).
pub fn init<T: Transactable + ReadDoc>(
    tx: &mut T,
    ward_id: &str,
    name: &str,
) -> Result<(), DocError> {
    put_str(tx, &ROOT, "type", TYPE)?;
    put_i64(tx, &ROOT, "schema", SCHEMA)?;
    put_str(tx, &ROOT, "ward_id", ward_id)?;
    put_str(tx, &ROOT, "name", name)?;
    for key in [
        "points",
        "departments",
        "fields",
        "holidays",
        "plan",
        "sessions",
    ] {
        ensure_map(tx, &ROOT, key)?;
    }
    let builtin = Registry::builtin();
    for d in &builtin.departments {
        put_department(tx, d)?;
    }
    for f in &builtin.fields {
        put_field(tx, f)?;
    }
    Ok(())
}

/// A new ward document.
pub fn new_document(ward_id: &str, name: &str) -> Result<automerge::Automerge, DocError> {
    let mut doc = automerge::Automerge::new();
    let meta = ChangeMeta::new("doithoai", "ward.create", vec![ward_id.to_owned()]);
    doc.transact_with::<_, _, DocError, _>(|_| meta.commit_options(), |tx| init(tx, ward_id, name))
        .map_err(|f| f.error)?;
    Ok(doc)
}

fn section<T: Transactable + ReadDoc>(tx: &mut T, key: &'static str) -> Result<ObjId, DocError> {
    expect_type(&*tx, TYPE)?;
    Reader::new(&*tx)
        .obj(&ROOT, key)
        .ok_or(DocError::Missing(key))
}

pub fn put_point<T: Transactable + ReadDoc>(tx: &mut T, p: &Point) -> Result<(), DocError> {
    let points = section(tx, "points")?;
    let obj = ensure_map(tx, &points, &p.id)?;
    put_str(tx, &obj, "id", &p.id)?;
    put_str(tx, &obj, "kind", p.kind.code())?;
    put_str(tx, &obj, "name", &p.name)?;
    crate::doc::put_opt_str(tx, &obj, "intake", p.intake.as_deref())?;
    Ok(())
}

pub fn put_department<T: Transactable + ReadDoc>(
    tx: &mut T,
    d: &Department,
) -> Result<(), DocError> {
    let deps = section(tx, "departments")?;
    let obj = ensure_map(tx, &deps, &d.id)?;
    put_str(tx, &obj, "id", &d.id)?;
    put_str(tx, &obj, "name", &d.name)?;
    Ok(())
}

pub fn put_field<T: Transactable + ReadDoc>(tx: &mut T, f: &Field) -> Result<(), DocError> {
    let fields = section(tx, "fields")?;
    let obj = ensure_map(tx, &fields, &f.code)?;
    put_str(tx, &obj, "code", &f.code)?;
    put_str(tx, &obj, "label_vi", &f.label_vi)?;
    put_str(tx, &obj, "label_en", &f.label_en)?;
    Ok(())
}

fn date_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Sets the office's entry for a day (replacing any earlier entry for it as a whole).
pub fn put_calendar_entry<T: Transactable + ReadDoc>(
    tx: &mut T,
    date: NaiveDate,
    entry: &CalendarEntry,
) -> Result<(), DocError> {
    let hs = section(tx, "holidays")?;
    let obj = tx.put_object(&hs, date_key(date).as_str(), ObjType::Map)?;
    put_str(tx, &obj, "kind", entry.kind.code())?;
    put_str(tx, &obj, "note", &entry.note)?;
    Ok(())
}

/// Removes the office's entry for a day; whether there was one.
pub fn remove_calendar_entry<T: Transactable + ReadDoc>(
    tx: &mut T,
    date: NaiveDate,
) -> Result<bool, DocError> {
    let hs = section(tx, "holidays")?;
    let key = date_key(date);
    if tx.get(&hs, key.as_str())?.is_some() {
        tx.delete(&hs, key.as_str())?;
        return Ok(true);
    }
    Ok(false)
}

/// Records that the office has confirmed the calendar of `year`.
pub fn confirm_year<T: Transactable + ReadDoc>(
    tx: &mut T,
    year: i32,
    note: &str,
) -> Result<(), DocError> {
    let hs = section(tx, "holidays")?;
    let obj = tx.put_object(&hs, year.to_string().as_str(), ObjType::Map)?;
    put_str(tx, &obj, "kind", "confirmed")?;
    put_str(tx, &obj, "note", note)?;
    Ok(())
}

/// Withdraws the confirmation of `year`; whether there was one.
pub fn unconfirm_year<T: Transactable + ReadDoc>(tx: &mut T, year: i32) -> Result<bool, DocError> {
    let hs = section(tx, "holidays")?;
    let key = year.to_string();
    if tx.get(&hs, key.as_str())?.is_some() {
        tx.delete(&hs, key.as_str())?;
        return Ok(true);
    }
    Ok(false)
}

/// Reads the office's calendar entries from the `holidays` map.
fn read_calendar<D: ReadDoc>(r: &Reader<'_, D>) -> WardCalendar {
    let mut cal = WardCalendar::default();
    let Some(m) = r.obj(&ROOT, "holidays") else {
        return cal;
    };
    for k in r.keys(&m) {
        // Plain strings are the built-in list of earlier versions, not the office's entries.
        let Some((Value::Object(ObjType::Map), obj)) = r.get(&m, k.as_str()) else {
            continue;
        };
        let kind = r.string(&obj, "kind");
        let note = r.string(&obj, "note");
        if let Ok(date) = NaiveDate::parse_from_str(&k, "%Y-%m-%d") {
            if let Some(kind) = DayKind::parse(&kind) {
                cal.days.insert(date, CalendarEntry { kind, note });
            }
        } else if kind == "confirmed"
            && let Ok(year) = k.parse::<i32>()
        {
            cal.confirmed.insert(year, note);
        }
    }
    cal
}

/// The ward's id.
pub fn ward_id<D: ReadDoc>(doc: &D) -> Option<String> {
    Reader::new(doc).str(&ROOT, "ward_id")
}

/// Reads the registry; sections that are missing read as empty.
pub fn registry<D: ReadDoc>(doc: &D) -> Result<Registry, DocError> {
    expect_type(doc, TYPE)?;
    let r = Reader::new(doc);
    let entries = |key: &str| -> Vec<ObjId> {
        r.obj(&ROOT, key)
            .map(|m| {
                r.keys(&m)
                    .iter()
                    .filter_map(|k| r.obj(&m, k.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let points = entries("points")
        .iter()
        .filter_map(|o| {
            Some(Point {
                id: r.str(o, "id")?,
                kind: PointKind::parse(&r.str(o, "kind")?)?,
                name: r.string(o, "name"),
                intake: r.str(o, "intake").filter(|s| !s.is_empty()),
            })
        })
        .collect();
    let departments = entries("departments")
        .iter()
        .filter_map(|o| {
            Some(Department {
                id: r.str(o, "id")?,
                name: r.string(o, "name"),
            })
        })
        .collect();
    let fields = entries("fields")
        .iter()
        .filter_map(|o| {
            Some(Field {
                code: r.str(o, "code")?,
                label_vi: r.string(o, "label_vi"),
                label_en: r.string(o, "label_en"),
            })
        })
        .collect();
    let mut reg = Registry {
        ward_name: r.string(&ROOT, "name"),
        points,
        departments,
        fields,
        calendar: read_calendar(&r),
    };
    // Keep the built-in order of fields (the order of the ward's reports), then any added ones.
    let order: Vec<String> = Registry::builtin()
        .fields
        .into_iter()
        .map(|f| f.code)
        .collect();
    reg.fields.sort_by_key(|f| {
        order
            .iter()
            .position(|c| *c == f.code)
            .unwrap_or(usize::MAX)
    });
    Ok(reg)
}
