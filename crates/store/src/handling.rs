//! The handling overlay: what the office's handling document says about each petition (status,
//! register number, deadline, classified field), kept in its own table and copied onto the
//! petition index.
//!
//! The petition index is derived from the intake documents and can be cleared and rebuilt at
//! any time; the handling of a petition lives in another document. The overlay table is written
//! whenever the client reads the handling document ([`Store::handling_apply`]) and read whenever
//! it indexes intake rows ([`Store::handling_get`]), so that a rebuilt index shows the right
//! status at once, without opening the handling document. Like the index, it is derived data:
//! [`Store::handling_clear`] empties it and the client fills it again from the document.
//!
//! The table is created on first use (`CREATE TABLE IF NOT EXISTS`), outside the versioned
//! schema, because it must survive the index rebuilds that a change of the index schema causes.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::Store;
use crate::error::StoreError;

const CREATE: &str = "CREATE TABLE IF NOT EXISTS handling_overlay (
    id          TEXT PRIMARY KEY NOT NULL,
    status      TEXT NOT NULL,
    register_no TEXT,
    deadline    TEXT,
    field       TEXT
) WITHOUT ROWID;";

/// The office's handling of one petition, as the index shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct HandlingColumns {
    /// The petition id.
    pub id: String,
    /// The lifecycle code (`received`, `assigned`…).
    pub status: String,
    /// The register number as shown, e.g. `17/2026`.
    pub register_no: Option<String>,
    /// The handling deadline, `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// The field as classified by the office (overrides the one suggested at collection).
    pub field: Option<String>,
}

fn table_exists(c: &Connection) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'handling_overlay'",
    )?
    .query_row([], |r| r.get::<_, i64>(0))
    .map(|n| n > 0)
}

impl Store {
    /// In one transaction: records `rows` in the overlay and copies them onto the petition
    /// index rows that exist (rows for petitions not indexed yet wait in the overlay).
    pub fn handling_apply(&self, rows: &[HandlingColumns]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.write("handling_apply", |tx| {
            tx.execute_batch(CREATE)?;
            let mut up = tx.prepare_cached(
                "INSERT INTO handling_overlay(id, status, register_no, deadline, field)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status,
                     register_no = excluded.register_no, deadline = excluded.deadline,
                     field = excluded.field",
            )?;
            let mut idx = tx.prepare_cached(
                "UPDATE petition SET status = ?2, register_no = ?3, deadline = ?4,
                     field = COALESCE(?5, field)
                 WHERE id = ?1",
            )?;
            for r in rows {
                let p = params![r.id, r.status, r.register_no, r.deadline, r.field];
                up.execute(p)?;
                idx.execute(p)?;
            }
            Ok(())
        })?;
        tracing::debug!(rows = rows.len(), "handling overlay updated");
        Ok(())
    }

    /// The overlay rows of the given petitions (those without one are left out).
    pub fn handling_get(
        &self,
        ids: &[&str],
    ) -> Result<HashMap<String, HandlingColumns>, StoreError> {
        self.read(|c| {
            let mut out = HashMap::new();
            if ids.is_empty() || !table_exists(c)? {
                return Ok(out);
            }
            let mut stmt = c.prepare_cached(
                "SELECT id, status, register_no, deadline, field FROM handling_overlay WHERE id = ?1",
            )?;
            for id in ids {
                let mut rows = stmt.query([id])?;
                if let Some(r) = rows.next()? {
                    let h = HandlingColumns {
                        id: r.get(0)?,
                        status: r.get(1)?,
                        register_no: r.get(2)?,
                        deadline: r.get(3)?,
                        field: r.get(4)?,
                    };
                    out.insert(h.id.clone(), h);
                }
            }
            Ok(out)
        })
    }

    /// The petitions whose handling status (as the overlay holds it) is one of `statuses`.
    pub fn handling_ids_with_status(&self, statuses: &[&str]) -> Result<Vec<String>, StoreError> {
        self.read(|c| {
            let mut out = Vec::new();
            if !table_exists(c)? {
                return Ok(out);
            }
            let mut stmt =
                c.prepare_cached("SELECT id FROM handling_overlay WHERE status = ?1 ORDER BY id")?;
            for s in statuses {
                let ids = stmt
                    .query_map([s], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                out.extend(ids);
            }
            Ok(out)
        })
    }

    /// Empties the overlay (before it is filled again from the handling document).
    pub fn handling_clear(&self) -> Result<(), StoreError> {
        self.write("handling_clear", |tx| {
            tx.execute_batch(CREATE)?;
            tx.execute("DELETE FROM handling_overlay", [])?;
            Ok(())
        })
    }

    /// Every indexed petition as (petition id, document id), to read petitions in bulk from
    /// their documents.
    pub fn index_locations(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT id, doc_id FROM petition ORDER BY doc_id, id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    /// How many indexed petitions have each status (for dashboards).
    pub fn index_status_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT status, count(*) FROM petition GROUP BY status ORDER BY status",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Durability, PetitionFilter, PetitionRow};

    fn row(id: &str) -> PetitionRow {
        PetitionRow {
            id: id.into(),
            doc_id: "doc".into(),
            point: "tdp-03".into(),
            created_at: "2026-11-20T09:00:00+07:00".into(),
            kind: "kien_nghi".into(),
            field: Some("khac".into()),
            status: "collected".into(),
            content: "Đèn đường hỏng".into(),
            people_count: 1,
            updated_at: "2026-11-20T09:00:00+07:00".into(),
            ..Default::default()
        }
    }

    #[test]
    fn overlay_updates_rows_and_survives_an_index_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3"), Durability::Normal).unwrap();
        assert!(store.handling_get(&["a"]).unwrap().is_empty());
        store
            .index_apply("doc", b"", &[row("a"), row("b")], &[])
            .unwrap();
        let cols = HandlingColumns {
            id: "a".into(),
            status: "assigned".into(),
            register_no: Some("1/2026".into()),
            deadline: Some("2026-12-04".into()),
            field: Some("ha_tang".into()),
        };
        store
            .handling_apply(&[
                cols.clone(),
                HandlingColumns {
                    id: "c".into(),
                    status: "received".into(),
                    ..Default::default()
                },
            ])
            .unwrap();
        let a = store.index_get("a").unwrap().unwrap();
        assert_eq!(
            (
                a.status.as_str(),
                a.register_no.as_deref(),
                a.deadline.as_deref(),
                a.field.as_deref()
            ),
            (
                "assigned",
                Some("1/2026"),
                Some("2026-12-04"),
                Some("ha_tang")
            )
        );
        assert_eq!(store.index_get("b").unwrap().unwrap().status, "collected");
        let filter = PetitionFilter {
            status: Some("assigned".into()),
            ..Default::default()
        };
        assert_eq!(store.count_petitions(&filter).unwrap(), 1);
        store.index_clear().unwrap();
        let got = store.handling_get(&["a", "b", "c"]).unwrap();
        assert_eq!(got.get("a"), Some(&cols));
        assert_eq!(got.len(), 2);
        assert_eq!(store.index_status_counts().unwrap(), vec![]);
        store.handling_clear().unwrap();
        assert!(store.handling_get(&["a"]).unwrap().is_empty());
    }
}
