//! The intake document of one collection point: the petitions as collected.
//!
//! ```text
//! { type: "intake", schema: 1, point: "tdp-01",
//!   petitions: { "<uuid>": { id, created_at, created_by, point, residents: [ {name, address, tdp,
//!                phone?, id_number?} ], people_count, kind, field?, content, request, place,
//!                wants_to_speak, relayed?: {at, by, note}, updated_at,
//!                earlier_history?: [ {at, by, op, fields: [ {field, before?, after?} ]} ] } } }
//! ```
//! `earlier_history` is the petition's history in the document it was first recorded in (a
//! laptop's local intake before enrolment), carried over as data when it was copied here: the
//! changes of another document cannot be applied to this one, but who recorded and edited what,
//! and when, must survive (see [`put_earlier_history`] and [`history`]).
//! A point's petitions are split into volumes so that opening the document to add one petition
//! stays cheap however long the ward's history grows (loading an Automerge document costs time in
//! proportion to its history). The point's *root* intake document (the one named at enrolment)
//! holds the first volume's petitions and a `volumes` map listing every further volume document
//! (`{ "<doc id>": {created_at, created_by} }`). A volume is an intake document with `volume_of`
//! set to the root's id and the same layout. New petitions go to the newest volume that is not
//! full; a device that finds it full creates the next one. Two devices doing so offline make two
//! volumes, which is harmless.
//!
//! Petitions are keyed by their UUID, so two devices adding petitions offline never collide and a
//! petition sent twice is still one petition. The root maps are made once, by whoever creates the
//! document; devices never recreate them (two concurrent creations of one map would hide each
//! other's contents).

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjId, ObjType, PatchAction, Prop, ROOT, ReadDoc};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use crate::doc::{
    ChangeMeta, DocError, Reader, ensure_map, expect_type, put_bool, put_i64, put_opt_str, put_str,
};
use crate::petition::{Petition, PetitionKind, Relay, Resident};
use crate::time::to_stored;

/// The `type` of an intake document.
pub const TYPE: &str = "intake";
/// The schema version written by this code.
pub const SCHEMA: i64 = 1;

/// Writes the root structure of a new intake document.
pub fn init<T: Transactable + ReadDoc>(tx: &mut T, point: &str) -> Result<(), DocError> {
    put_str(tx, &ROOT, "type", TYPE)?;
    put_i64(tx, &ROOT, "schema", SCHEMA)?;
    put_str(tx, &ROOT, "point", point)?;
    ensure_map(tx, &ROOT, "petitions")?;
    ensure_map(tx, &ROOT, "volumes")?;
    Ok(())
}

/// The number of petitions a volume holds before the next one is started.
pub const VOLUME_CAPACITY: usize = 400;

/// A new volume document of the point whose root intake document is `root_id`.
pub fn new_volume_document(point: &str, root_id: &str) -> Result<automerge::Automerge, DocError> {
    let mut doc = automerge::Automerge::new();
    let meta = ChangeMeta::new("doithoai", "intake.volume", vec![point.to_owned()]);
    doc.transact_with::<_, _, DocError, _>(
        |_| meta.commit_options(),
        |tx| {
            put_str(tx, &ROOT, "type", TYPE)?;
            put_i64(tx, &ROOT, "schema", SCHEMA)?;
            put_str(tx, &ROOT, "point", point)?;
            put_str(tx, &ROOT, "volume_of", root_id)?;
            ensure_map(tx, &ROOT, "petitions")?;
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    Ok(doc)
}

/// Lists a volume document in the root intake document.
pub fn add_volume<T: Transactable + ReadDoc>(
    tx: &mut T,
    volume_id: &str,
    created_by: &str,
) -> Result<(), DocError> {
    expect_type(&*tx, TYPE)?;
    let volumes = match Reader::new(&*tx).obj(&ROOT, "volumes") {
        Some(v) => v,
        // Documents written before volumes existed get the map on first use.
        None => tx.put_object(&ROOT, "volumes", ObjType::Map)?,
    };
    let v = ensure_map(tx, &volumes, volume_id)?;
    put_str(tx, &v, "created_at", &to_stored(&crate::time::ward_now()))?;
    put_str(tx, &v, "created_by", created_by)?;
    Ok(())
}

/// The volume documents listed in a root intake document, oldest first.
pub fn volumes<D: ReadDoc>(doc: &D) -> Vec<String> {
    let r = Reader::new(doc);
    let Some(v) = r.obj(&ROOT, "volumes") else {
        return Vec::new();
    };
    let mut list: Vec<(String, String)> = r
        .keys(&v)
        .into_iter()
        .map(|k| {
            let at = r
                .obj(&v, k.as_str())
                .map(|o| r.string(&o, "created_at"))
                .unwrap_or_default();
            (at, k)
        })
        .collect();
    list.sort();
    list.into_iter().map(|(_, k)| k).collect()
}

/// The root intake document a volume belongs to (`None` for a root).
pub fn volume_of<D: ReadDoc>(doc: &D) -> Option<String> {
    Reader::new(doc)
        .str(&ROOT, "volume_of")
        .filter(|s| !s.is_empty())
}

/// How many petitions the document holds.
pub fn petition_count<D: ReadDoc>(doc: &D) -> usize {
    let r = Reader::new(doc);
    r.obj(&ROOT, "petitions").map(|p| r.length(&p)).unwrap_or(0)
}

/// A new Automerge document holding an empty intake for `point`.
pub fn new_document(point: &str) -> Result<automerge::Automerge, DocError> {
    let mut doc = automerge::Automerge::new();
    let meta = ChangeMeta::new("doithoai", "intake.create", vec![point.to_owned()]);
    doc.transact_with::<_, _, DocError, _>(|_| meta.commit_options(), |tx| init(tx, point))
        .map_err(|f| f.error)?;
    Ok(doc)
}

/// The collection point the document belongs to.
pub fn point<D: ReadDoc>(doc: &D) -> Option<String> {
    Reader::new(doc).str(&ROOT, "point")
}

fn petitions_obj<D: ReadDoc>(r: &Reader<'_, D>) -> Result<ObjId, DocError> {
    r.obj(&ROOT, "petitions")
        .ok_or(DocError::Missing("petitions"))
}

/// Adds or updates a petition, writing only the fields that changed.
pub fn put_petition<T: Transactable + ReadDoc>(tx: &mut T, p: &Petition) -> Result<(), DocError> {
    expect_type(&*tx, TYPE)?;
    let petitions = petitions_obj(&Reader::new(&*tx))?;
    let key = p.id.to_string();
    let obj = match Reader::new(&*tx).obj(&petitions, key.as_str()) {
        Some(o) => o,
        None => tx.put_object(&petitions, key.as_str(), ObjType::Map)?,
    };
    put_str(tx, &obj, "id", &key)?;
    put_str(tx, &obj, "created_at", &to_stored(&p.created_at))?;
    put_str(tx, &obj, "created_by", &p.created_by)?;
    put_str(tx, &obj, "point", &p.point)?;
    put_residents(tx, &obj, &p.residents)?;
    put_i64(tx, &obj, "people_count", i64::from(p.people_count))?;
    put_str(tx, &obj, "kind", p.kind.code())?;
    put_opt_str(tx, &obj, "field", p.field.as_deref())?;
    put_str(tx, &obj, "content", &p.content)?;
    put_str(tx, &obj, "request", &p.request)?;
    put_str(tx, &obj, "place", &p.place)?;
    put_bool(tx, &obj, "wants_to_speak", p.wants_to_speak)?;
    match &p.relayed {
        Some(relay) => {
            let r = ensure_map(tx, &obj, "relayed")?;
            put_str(tx, &r, "at", &relay.at)?;
            put_str(tx, &r, "by", &relay.by)?;
            put_str(tx, &r, "note", &relay.note)?;
        }
        None => {
            if tx.get(&obj, "relayed")?.is_some() {
                tx.delete(&obj, "relayed")?;
            }
        }
    }
    put_str(tx, &obj, "updated_at", &to_stored(&p.updated_at))?;
    Ok(())
}

fn put_residents<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    residents: &[Resident],
) -> Result<(), DocError> {
    let list = match Reader::new(&*tx).obj(obj, "residents") {
        Some(l) => l,
        None => tx.put_object(obj, "residents", ObjType::List)?,
    };
    let existing = Reader::new(&*tx).length(&list);
    for (i, r) in residents.iter().enumerate() {
        let item = if i < existing {
            match Reader::new(&*tx).obj(&list, i) {
                Some(o) => o,
                None => tx.put_object(&list, i, ObjType::Map)?,
            }
        } else {
            tx.insert_object(&list, i, ObjType::Map)?
        };
        put_str(tx, &item, "name", &r.name)?;
        put_str(tx, &item, "address", &r.address)?;
        put_str(tx, &item, "tdp", &r.tdp)?;
        put_opt_str(tx, &item, "phone", r.phone.as_deref())?;
        put_opt_str(tx, &item, "id_number", r.id_number.as_deref())?;
    }
    for i in (residents.len()..existing).rev() {
        tx.delete(&list, i)?;
    }
    Ok(())
}

fn parse_time(
    r: &Reader<'_, impl ReadDoc>,
    obj: &ObjId,
    key: &str,
) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(&r.str(obj, key)?).ok()
}

fn read_petition_obj<D: ReadDoc>(
    r: &Reader<'_, D>,
    key: &str,
    obj: &ObjId,
) -> Result<Petition, DocError> {
    let bad = |reason: &str| DocError::BadValue {
        path: format!("petitions/{key}"),
        reason: reason.to_owned(),
    };
    let id = Uuid::parse_str(&r.str(obj, "id").unwrap_or_else(|| key.to_owned()))
        .map_err(|_| bad("id is not a UUID"))?;
    let created_at = parse_time(r, obj, "created_at").ok_or_else(|| bad("created_at"))?;
    let residents = r
        .obj(obj, "residents")
        .map(|l| {
            r.list_objs(&l)
                .iter()
                .map(|m| Resident {
                    name: r.string(m, "name"),
                    address: r.string(m, "address"),
                    tdp: r.string(m, "tdp"),
                    phone: r.str(m, "phone").filter(|s| !s.is_empty()),
                    id_number: r.str(m, "id_number").filter(|s| !s.is_empty()),
                })
                .collect()
        })
        .unwrap_or_default();
    let relayed = r.obj(obj, "relayed").map(|m| Relay {
        at: r.string(&m, "at"),
        by: r.string(&m, "by"),
        note: r.string(&m, "note"),
    });
    Ok(Petition {
        id,
        created_at,
        created_by: r.string(obj, "created_by"),
        point: r.string(obj, "point"),
        residents,
        people_count: r
            .i64(obj, "people_count")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1),
        kind: r
            .str(obj, "kind")
            .and_then(|k| PetitionKind::parse(&k))
            .unwrap_or(PetitionKind::KienNghi),
        field: r.str(obj, "field").filter(|s| !s.is_empty()),
        content: r.string(obj, "content"),
        request: r.string(obj, "request"),
        place: r.string(obj, "place"),
        wants_to_speak: r.bool(obj, "wants_to_speak").unwrap_or(false),
        relayed,
        updated_at: parse_time(r, obj, "updated_at").unwrap_or(created_at),
    })
}

/// The petitions read, and the keys of those that could not be read with why.
pub type ReadPetitions = (Vec<Petition>, Vec<(String, DocError)>);

/// One petition, if the document holds it.
pub fn get_petition<D: ReadDoc>(doc: &D, id: &Uuid) -> Result<Option<Petition>, DocError> {
    read_at(&Reader::new(doc), id)
}

fn read_at<D: ReadDoc>(r: &Reader<'_, D>, id: &Uuid) -> Result<Option<Petition>, DocError> {
    let Some(petitions) = r.obj(&ROOT, "petitions") else {
        return Ok(None);
    };
    let key = id.to_string();
    match r.obj(&petitions, key.as_str()) {
        Some(obj) => read_petition_obj(r, &key, &obj).map(Some),
        None => Ok(None),
    }
}

/// Every petition the document holds, with the keys of those that could not be read.
pub fn petitions<D: ReadDoc>(doc: &D) -> Result<ReadPetitions, DocError> {
    let r = Reader::new(doc);
    let obj = petitions_obj(&r)?;
    Ok(read_keys(&r, &obj, r.keys(&obj)))
}

/// The petitions with the given ids (missing ones are skipped).
pub fn petitions_by_ids<D: ReadDoc>(
    doc: &D,
    ids: impl IntoIterator<Item = String>,
) -> Result<ReadPetitions, DocError> {
    let r = Reader::new(doc);
    let obj = petitions_obj(&r)?;
    Ok(read_keys(&r, &obj, ids.into_iter().collect()))
}

fn read_keys<D: ReadDoc>(
    r: &Reader<'_, D>,
    obj: &ObjId,
    keys: Vec<String>,
) -> (Vec<Petition>, Vec<(String, DocError)>) {
    let mut ok = Vec::with_capacity(keys.len());
    let mut bad = Vec::new();
    for key in keys {
        // An entry that is not a map (a scalar, a text, a list: a buggy or hostile writer) is
        // reported with the unreadable ones, never skipped silently.
        let p = match r.get(obj, key.as_str()) {
            None => continue,
            Some((automerge::Value::Object(ObjType::Map), p)) => p,
            Some(_) => {
                bad.push((
                    key.clone(),
                    DocError::BadValue {
                        path: format!("petitions/{key}"),
                        reason: "not a map".to_owned(),
                    },
                ));
                continue;
            }
        };
        match read_petition_obj(r, &key, &p) {
            Ok(pet) => ok.push(pet),
            Err(e) => bad.push((key, e)),
        }
    }
    (ok, bad)
}

/// The ids of the petitions changed between `before` and the current heads: everything when
/// `before` is empty.
pub fn changed_ids(
    doc: &automerge::Automerge,
    before: &[ChangeHash],
) -> Result<BTreeSet<String>, DocError> {
    let r = Reader::new(doc);
    let Some(petitions) = r.obj(&ROOT, "petitions") else {
        return Ok(BTreeSet::new());
    };
    if before.is_empty() {
        return Ok(r.keys(&petitions).into_iter().collect());
    }
    let after = doc.get_heads();
    let mut ids = BTreeSet::new();
    for patch in doc.diff(before, &after) {
        if patch.obj == petitions {
            match &patch.action {
                PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                    ids.insert(key.clone());
                }
                _ => {}
            }
            continue;
        }
        for (o, prop) in &patch.path {
            if *o == petitions {
                if let Prop::Map(key) = prop {
                    ids.insert(key.clone());
                }
                break;
            }
        }
        if patch.obj == ROOT
            && matches!(&patch.action, PatchAction::PutMap { key, .. } if key == "petitions")
        {
            // The whole map was replaced (should not happen): reindex everything.
            ids.extend(r.keys(&petitions));
        }
    }
    Ok(ids)
}

/// One entry of a petition's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// When, as recorded in the change (UTC seconds).
    pub at: i64,
    /// Who: the name in doithoai's change message, or the writer's actor id.
    pub by: String,
    /// The operation, e.g. `petition.add` (empty for other writers).
    pub op: String,
    /// What changed: field, value before, value after.
    pub fields: Vec<FieldChange>,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The petition as flat field → display value pairs, for history diffs.
pub fn flatten(p: &Petition) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("created_at".into(), to_stored(&p.created_at));
    m.insert("created_by".into(), p.created_by.clone());
    m.insert("point".into(), p.point.clone());
    for (i, r) in p.residents.iter().enumerate() {
        let mut s = format!("{} — {} — {}", r.name, r.address, r.tdp);
        if let Some(ph) = &r.phone {
            s.push_str(&format!(" — {ph}"));
        }
        if let Some(idn) = &r.id_number {
            s.push_str(&format!(" — {idn}"));
        }
        m.insert(format!("residents[{}]", i + 1), s);
    }
    m.insert("people_count".into(), p.people_count.to_string());
    m.insert("kind".into(), p.kind.code().into());
    if let Some(f) = &p.field {
        m.insert("field".into(), f.clone());
    }
    m.insert("content".into(), p.content.clone());
    m.insert("request".into(), p.request.clone());
    m.insert("place".into(), p.place.clone());
    m.insert("wants_to_speak".into(), p.wants_to_speak.to_string());
    if let Some(r) = &p.relayed {
        m.insert(
            "relayed".into(),
            format!("{} — {} — {}", r.at, r.by, r.note),
        );
    }
    m
}

/// Records, once, the history a petition had in the document it was copied from. A second call
/// for the same petition changes nothing.
pub fn put_earlier_history<T: Transactable + ReadDoc>(
    tx: &mut T,
    id: &Uuid,
    entries: &[HistoryEntry],
) -> Result<(), DocError> {
    let petitions = petitions_obj(&Reader::new(&*tx))?;
    let key = id.to_string();
    let Some(obj) = Reader::new(&*tx).obj(&petitions, key.as_str()) else {
        return Err(DocError::Missing("petition"));
    };
    if entries.is_empty() || Reader::new(&*tx).obj(&obj, "earlier_history").is_some() {
        return Ok(());
    }
    let list = tx.put_object(&obj, "earlier_history", ObjType::List)?;
    for (i, e) in entries.iter().enumerate() {
        let m = tx.insert_object(&list, i, ObjType::Map)?;
        put_i64(tx, &m, "at", e.at)?;
        put_str(tx, &m, "by", &e.by)?;
        put_str(tx, &m, "op", &e.op)?;
        let fields = tx.put_object(&m, "fields", ObjType::List)?;
        for (j, f) in e.fields.iter().enumerate() {
            let fm = tx.insert_object(&fields, j, ObjType::Map)?;
            put_str(tx, &fm, "field", &f.field)?;
            put_opt_str(tx, &fm, "before", f.before.as_deref())?;
            put_opt_str(tx, &fm, "after", f.after.as_deref())?;
        }
    }
    Ok(())
}

/// The history carried over with a petition (empty when it was recorded in this document).
pub fn earlier_history<D: ReadDoc>(doc: &D, id: &Uuid) -> Vec<HistoryEntry> {
    let r = Reader::new(doc);
    let Some(list) = r
        .obj(&ROOT, "petitions")
        .and_then(|p| r.obj(&p, id.to_string().as_str()))
        .and_then(|o| r.obj(&o, "earlier_history"))
    else {
        return Vec::new();
    };
    r.list_objs(&list)
        .iter()
        .map(|m| HistoryEntry {
            at: r.i64(m, "at").unwrap_or(0),
            by: r.string(m, "by"),
            op: r.string(m, "op"),
            fields: r
                .obj(m, "fields")
                .map(|fl| {
                    r.list_objs(&fl)
                        .iter()
                        .map(|f| FieldChange {
                            field: r.string(f, "field"),
                            before: r.str(f, "before"),
                            after: r.str(f, "after"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// The history of one petition: what was carried over from the document it was first recorded
/// in, then every change of this document that touched it, oldest first, with what changed.
pub fn history(doc: &automerge::Automerge, id: &Uuid) -> Result<Vec<HistoryEntry>, DocError> {
    let key = id.to_string();
    let mut out = earlier_history(doc, id);
    // The petition as the carried history left it: what the copy is compared with, so that the
    // copy shows only what it changed (the collection point), not every field as new.
    let mut carried: BTreeMap<String, String> = BTreeMap::new();
    for e in &out {
        for f in &e.fields {
            match &f.after {
                Some(a) => carried.insert(f.field.clone(), a.clone()),
                None => carried.remove(&f.field),
            };
        }
    }
    for change in doc.get_changes(&[]) {
        let meta = ChangeMeta::parse(change.message());
        if let Some(m) = &meta
            && !m.ids.iter().any(|i| i == &key)
        {
            continue;
        }
        let before_heads: Vec<ChangeHash> = change.deps().to_vec();
        let after_heads = [change.hash()];
        let before = if before_heads.is_empty() {
            None
        } else {
            read_at(&Reader::at(doc, &before_heads), id)?
        };
        let after = read_at(&Reader::at(doc, &after_heads), id)?;
        if before.is_none() && after.is_none() {
            continue;
        }
        let (b, a) = (
            before
                .as_ref()
                .map(flatten)
                .unwrap_or_else(|| carried.clone()),
            after.as_ref().map(flatten).unwrap_or_default(),
        );
        let mut fields = Vec::new();
        let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        for k in keys {
            if k == "updated_at" {
                continue;
            }
            let (bv, av) = (b.get(k), a.get(k));
            if bv != av {
                fields.push(FieldChange {
                    field: k.clone(),
                    before: bv.cloned(),
                    after: av.cloned(),
                });
            }
        }
        let (by, op) = match meta {
            Some(m) => (m.by, m.op),
            None => (change.actor_id().to_hex_string(), String::new()),
        };
        // A copy made at enrolment is shown even when it changed no field.
        if fields.is_empty() && !(op == "petition.enrol" && before.is_none() && after.is_some()) {
            continue;
        }
        out.push(HistoryEntry {
            at: change.timestamp(),
            by,
            op,
            fields,
        });
    }
    Ok(out)
}
