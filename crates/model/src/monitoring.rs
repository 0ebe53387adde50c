//! The monitoring document: the Fatherland Front's (MTTQ) remarks on how the conclusions of the
//! dialogue sessions are carried out. Written by MTTQ devices, read by the office and MTTQ.
//!
//! ```text
//! { type: "monitoring", schema: 1, ward_id, remarks: { "<uuid>": { id, at, by, subject, text } } }
//! ```

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};

use crate::doc::{ChangeMeta, DocError, Reader, ensure_map, expect_type, put_i64, put_str};

pub const TYPE: &str = "monitoring";
pub const SCHEMA: i64 = 1;

/// One remark of the Front on a conclusion or a petition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Remark {
    pub id: String,
    /// RFC 3339, ward time.
    pub at: String,
    pub by: String,
    /// What it is about: a session or conclusion id, or a petition id.
    pub subject: String,
    pub text: String,
}

/// A new monitoring document for a ward.
pub fn new_document(ward_id: &str) -> Result<automerge::Automerge, DocError> {
    let mut doc = automerge::Automerge::new();
    let meta = ChangeMeta::new("doithoai", "monitoring.create", vec![ward_id.to_owned()]);
    doc.transact_with::<_, _, DocError, _>(
        |_| meta.commit_options(),
        |tx| {
            put_str(tx, &ROOT, "type", TYPE)?;
            put_i64(tx, &ROOT, "schema", SCHEMA)?;
            put_str(tx, &ROOT, "ward_id", ward_id)?;
            ensure_map(tx, &ROOT, "remarks")?;
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    Ok(doc)
}

/// Adds or updates a remark.
pub fn put_remark<T: Transactable + ReadDoc>(tx: &mut T, r: &Remark) -> Result<(), DocError> {
    expect_type(&*tx, TYPE)?;
    let remarks = Reader::new(&*tx)
        .obj(&ROOT, "remarks")
        .ok_or(DocError::Missing("remarks"))?;
    let o = ensure_map(tx, &remarks, &r.id)?;
    put_str(tx, &o, "id", &r.id)?;
    put_str(tx, &o, "at", &r.at)?;
    put_str(tx, &o, "by", &r.by)?;
    put_str(tx, &o, "subject", &r.subject)?;
    put_str(tx, &o, "text", &r.text)?;
    Ok(())
}

/// Every remark, oldest first.
pub fn remarks<D: ReadDoc>(doc: &D) -> Vec<Remark> {
    let r = Reader::new(doc);
    let Some(m) = r.obj(&ROOT, "remarks") else {
        return Vec::new();
    };
    let mut v: Vec<Remark> = r
        .keys(&m)
        .iter()
        .filter_map(|k| r.obj(&m, k.as_str()))
        .map(|o| Remark {
            id: r.string(&o, "id"),
            at: r.string(&o, "at"),
            by: r.string(&o, "by"),
            subject: r.string(&o, "subject"),
            text: r.string(&o, "text"),
        })
        .collect();
    v.sort_by(|a, b| (&a.at, &a.id).cmp(&(&b.at, &b.id)));
    v
}
