//! What collectors' writes do to the intake schema, checked on the server.
//!
//! samod cannot refuse one change of a document a device may write: the sync protocol merges
//! whole histories. So the server keeps every change and checks the result instead: every
//! second it looks at the heads of each intake document of each ward it holds, and re-reads the
//! documents that changed. A document is flagged when it is not an intake document, when it
//! names another point than the one it is registered to, when a petition breaks the schema
//! (unreadable, or its record names another id than its key), when a petition claims another
//! point than its document's, and when a petition id is also in another intake document of the
//! ward (a forged copy of another point's petition). Flags are kept in the registry
//! (`reg_flag`), logged, and shown to the office (`GET /api/v1/flags`, `doithoai documents
//! list`). The office's client does the same checks when it indexes, so what it shows never
//! depends on the server having seen a change first.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use doithoai_model::intake;
use doithoai_store::{DocFlag, DocRow};
use doithoai_sync::automerge::ChangeHash;
use doithoai_sync::{parse_doc_id, read};

use crate::api::AppState;

/// How often the intake documents are looked at.
const EVERY: Duration = Duration::from_secs(1);

/// The flags of one intake document as it is now, and the petition ids it holds, each with
/// whether it claims the document's own point (`holders`: petition id → documents).
fn check(
    doc: &doithoai_sync::automerge::Automerge,
    row: &DocRow,
    holders: &mut BTreeMap<String, Vec<(String, bool)>>,
) -> Vec<DocFlag> {
    let mut flags = Vec::new();
    let flag = |petition: &str, kind: &str, detail: String| DocFlag {
        doc_id: row.doc_id.clone(),
        petition_id: petition.to_owned(),
        kind: kind.to_owned(),
        detail,
    };
    if doc.get_heads().is_empty() {
        return flags;
    }
    if doithoai_model::doc::doc_type(doc).as_deref() != Some(intake::TYPE) {
        flags.push(flag("", "schema", "not an intake document".into()));
        return flags;
    }
    let point = row.point_id.clone().unwrap_or_default();
    if let Some(claimed) = intake::point(doc)
        && claimed != point
    {
        flags.push(flag("", "point", claimed));
    }
    let keys = match intake::changed_ids(doc, &[]) {
        Ok(k) => k,
        Err(e) => {
            flags.push(flag("", "schema", e.to_string()));
            return flags;
        }
    };
    for key in keys {
        let (ps, bad) = match intake::petitions_by_ids(doc, std::iter::once(key.clone())) {
            Ok(r) => r,
            Err(e) => {
                flags.push(flag(&key, "schema", e.to_string()));
                continue;
            }
        };
        for (_, e) in bad {
            flags.push(flag(&key, "schema", e.to_string()));
        }
        let mut own = true;
        for p in ps {
            if p.id.to_string() != key {
                flags.push(flag(&key, "schema", format!("record names id {}", p.id)));
            }
            if p.point != point {
                own = false;
                flags.push(flag(&key, "point", p.point.clone()));
            }
        }
        holders
            .entry(key)
            .or_default()
            .push((row.doc_id.clone(), own));
    }
    flags
}

/// A petition id held by several documents is flagged in every document but one: the first
/// (roots before volumes, oldest first) whose copy claims its own document's point.
fn clashes(holders: &BTreeMap<String, Vec<(String, bool)>>) -> Vec<DocFlag> {
    let mut out = Vec::new();
    for (key, docs) in holders.iter().filter(|(_, d)| d.len() > 1) {
        let keep = docs
            .iter()
            .find(|(_, own)| *own)
            .unwrap_or(&docs[0])
            .0
            .clone();
        for (doc, _) in docs.iter().filter(|(d, _)| *d != keep) {
            out.push(DocFlag {
                doc_id: doc.clone(),
                petition_id: key.clone(),
                kind: "same_id".into(),
                detail: keep.clone(),
            });
        }
    }
    out
}

/// What checking one document found: its own flags, and the petition ids it holds with
/// whether each claims the document's point.
struct Checked {
    heads: Vec<ChangeHash>,
    flags: Vec<DocFlag>,
    keys: Vec<(String, bool)>,
    /// The flags last written to the registry (with the ward's clashes).
    written: Option<Vec<DocFlag>>,
}

/// Checks the intake documents of every ward, forever.
pub async fn watch(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Per document: what the last check found, at which heads.
    let mut checked: HashMap<String, Checked> = HashMap::new();
    loop {
        tick.tick().await;
        let wards = match state.store.wards() {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, "validator: cannot read the wards");
                continue;
            }
        };
        let held: BTreeSet<String> = match state.store.chunk_doc_ids() {
            Ok(ids) => ids.into_iter().collect(),
            Err(e) => {
                tracing::error!(error = %e, "validator: cannot list the stored documents");
                continue;
            }
        };
        for w in wards {
            if let Err(e) = check_ward(&state, &w.id, &mut checked, &held).await {
                tracing::warn!(ward = %w.id, error = ?e, "validator: ward not checked");
            }
        }
    }
}

async fn check_ward(
    state: &AppState,
    ward: &str,
    checked: &mut HashMap<String, Checked>,
    held: &BTreeSet<String>,
) -> Result<(), crate::api::ApiError> {
    let repo = state.wards.get(ward).await?.repo;
    let mut docs: Vec<DocRow> = state
        .store
        .docs_of_ward(ward)?
        .into_iter()
        .filter(|d| d.kind == "intake")
        .collect();
    // Roots (registered by the server) first, then volumes, oldest first: the first holder of a
    // petition id is the one the others are compared with.
    docs.sort_by_key(|d| (d.created_by.is_some(), d.created_at.clone()));
    let mut handles = Vec::new();
    let mut changed = false;
    for d in &docs {
        let Ok(id) = parse_doc_id(&d.doc_id) else {
            continue;
        };
        // Only what this server holds: a registered id nobody wrote is not looked for.
        if !held.contains(&d.doc_id) {
            continue;
        }
        let Ok(Ok(Some(h))) = tokio::time::timeout(Duration::from_secs(2), repo.find(&id)).await
        else {
            continue;
        };
        let mut heads = read(&h, |doc| doc.get_heads());
        heads.sort();
        // Only a document whose heads moved is read again.
        if checked.get(&d.doc_id).map(|c| &c.heads) != Some(&heads) {
            changed = true;
            let mut holders = BTreeMap::new();
            let flags = read(&h, |doc| check(doc, d, &mut holders));
            let keys = holders
                .into_iter()
                .flat_map(|(k, v)| v.into_iter().map(move |(_, own)| (k.clone(), own)))
                .collect();
            checked.insert(
                d.doc_id.clone(),
                Checked {
                    heads,
                    flags,
                    keys,
                    written: None,
                },
            );
        }
        handles.push(d);
    }
    if !changed {
        return Ok(());
    }
    // A change anywhere can make or undo a clash elsewhere: clashes are computed over the whole
    // ward, from what each document's last check found.
    let mut holders: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    let mut by_doc: BTreeMap<String, Vec<DocFlag>> = BTreeMap::new();
    for d in &handles {
        let Some(c) = checked.get(&d.doc_id) else {
            continue;
        };
        for (k, own) in &c.keys {
            holders
                .entry(k.clone())
                .or_default()
                .push((d.doc_id.clone(), *own));
        }
        by_doc.insert(d.doc_id.clone(), c.flags.clone());
    }
    for f in clashes(&holders) {
        by_doc.entry(f.doc_id.clone()).or_default().push(f);
    }
    for (doc, flags) in by_doc {
        let Some(c) = checked.get_mut(&doc) else {
            continue;
        };
        // Written only when they differ from what was written last.
        if c.written.as_ref() == Some(&flags) {
            continue;
        }
        for f in &flags {
            tracing::warn!(ward, doc = %f.doc_id, petition = %f.petition_id, kind = %f.kind, detail = %f.detail, "flagged write to an intake document");
        }
        state.store.flags_replace(ward, &doc, &flags)?;
        c.written = Some(flags);
    }
    Ok(())
}
