//! The server's registry: wards, collection points, devices, enrolment codes and which document
//! belongs to whom. Every row carries its ward id so that one server process can host several
//! wards. Secrets (device tokens, enrolment codes) are stored only as SHA-256 hashes by the
//! caller; this module never sees them in clear.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::StoreError;

/// `REGISTRY_MIGRATIONS[n]` brings the registry from version `n` to `n + 1`; the version is
/// kept in `meta` under [`REGISTRY_VERSION_KEY`]. The first step is idempotent (`IF NOT
/// EXISTS`), as files made before the registry was versioned already hold its tables.
const REGISTRY_MIGRATIONS: &[&str] = &[SCHEMA_V1];

/// The `meta` key holding the registry's schema version.
pub const REGISTRY_VERSION_KEY: &str = "registry_schema_version";

const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS reg_ward (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, ward_doc TEXT NOT NULL, handling_doc TEXT NOT NULL,
    monitoring_doc TEXT NOT NULL, created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reg_point (
    ward_id TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    intake_doc TEXT NOT NULL, PRIMARY KEY (ward_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reg_device (
    id TEXT PRIMARY KEY, ward_id TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
    point_id TEXT, peer_id TEXT NOT NULL UNIQUE, token_hash TEXT UNIQUE,
    created_at TEXT NOT NULL, enrolled_at TEXT, revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS reg_code (
    code_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, device_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL, attempts_left INTEGER NOT NULL, used_at TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reg_doc (
    doc_id TEXT PRIMARY KEY, ward_id TEXT NOT NULL, kind TEXT NOT NULL, point_id TEXT,
    created_by TEXT, created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reg_doc_ward ON reg_doc (ward_id, kind);
CREATE TABLE IF NOT EXISTS reg_flag (
    ward_id TEXT NOT NULL, doc_id TEXT NOT NULL, petition_id TEXT NOT NULL, kind TEXT NOT NULL,
    detail TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (doc_id, petition_id, kind)
) WITHOUT ROWID;
";

/// What the server found wrong in a device's intake document after its writes (see the
/// server's `validate.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocFlag {
    pub doc_id: String,
    /// The petition's key, empty for the document as a whole.
    pub petition_id: String,
    /// `schema` (breaks the intake schema), `point` (names another point than the one the
    /// document is registered to; detail: the point named), `same_id` (a petition id also in
    /// another intake document; detail: that document).
    pub kind: String,
    pub detail: String,
}

/// A flag as the office reads it, with when the server first saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagRow {
    #[serde(flatten)]
    pub flag: DocFlag,
    pub first_seen: String,
}

/// A ward and its ward-wide documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardRow {
    pub id: String,
    pub name: String,
    pub ward_doc: String,
    pub handling_doc: String,
    pub monitoring_doc: String,
    pub created_at: String,
}

/// A collection point and its root intake document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointRow {
    pub ward_id: String,
    pub id: String,
    pub kind: String,
    pub name: String,
    pub intake_doc: String,
}

/// An enrolled (or to be enrolled) device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRow {
    pub id: String,
    pub ward_id: String,
    pub name: String,
    /// `office`, `collector` or `monitor`.
    pub role: String,
    /// The collection point of a collector.
    pub point_id: Option<String>,
    pub peer_id: String,
    pub created_at: String,
    pub enrolled_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Which ward a document belongs to and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRow {
    pub doc_id: String,
    pub ward_id: String,
    /// `ward`, `handling`, `monitoring`, `intake`, `session`.
    pub kind: String,
    /// For intake documents: the collection point.
    pub point_id: Option<String>,
    /// The device that registered it (documents made by devices).
    pub created_by: Option<String>,
    pub created_at: String,
}

/// What happened to an enrolment code that was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code was right and is now used up: enrol this device.
    Valid { device_id: String },
    /// No such code.
    Unknown,
    /// The code exists but the secret was wrong; `attempts_left` remain.
    Wrong { attempts_left: i64 },
    /// Already used, expired, or out of attempts.
    Spent,
}

fn device_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.get(0)?,
        ward_id: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        point_id: r.get(4)?,
        peer_id: r.get(5)?,
        created_at: r.get(6)?,
        enrolled_at: r.get(7)?,
        revoked_at: r.get(8)?,
    })
}

const DEVICE_COLS: &str =
    "id, ward_id, name, role, point_id, peer_id, created_at, enrolled_at, revoked_at";

fn doc_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocRow> {
    Ok(DocRow {
        doc_id: r.get(0)?,
        ward_id: r.get(1)?,
        kind: r.get(2)?,
        point_id: r.get(3)?,
        created_by: r.get(4)?,
        created_at: r.get(5)?,
    })
}

impl Store {
    /// Creates the registry tables if they are missing (the server calls this at start).
    pub fn registry_init(&self) -> Result<(), StoreError> {
        let target = REGISTRY_MIGRATIONS.len() as i64;
        let found = self.write("registry_init", |tx| {
            let current: i64 = tx
                .query_row(
                    "SELECT value FROM meta WHERE key = ?1",
                    [REGISTRY_VERSION_KEY],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if current > target {
                return Ok(current);
            }
            for (step, sql) in REGISTRY_MIGRATIONS
                .iter()
                .enumerate()
                .skip(current as usize)
            {
                tracing::info!(from = step, to = step + 1, "migrating the registry schema");
                tx.execute_batch(sql)?;
            }
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![REGISTRY_VERSION_KEY, target.to_string()],
            )?;
            Ok(current)
        })?;
        if found > target {
            return Err(StoreError::SchemaTooNew {
                path: self.path().to_path_buf(),
                found,
                supported: target,
            });
        }
        Ok(())
    }

    /// Every registry row as stored (tokens and codes as their hashes).
    pub fn registry_dump(&self) -> Result<crate::RegistryDump, StoreError> {
        let wards = self.wards()?;
        let mut points = Vec::new();
        for w in &wards {
            points.extend(self.points(&w.id)?);
        }
        self.read(|c| {
            let devices = c
                .prepare(&format!(
                    "SELECT {DEVICE_COLS}, token_hash FROM reg_device ORDER BY ward_id, created_at, id"
                ))?
                .query_map([], |r| Ok((device_of(r)?, r.get(9)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let codes = c
                .prepare(
                    "SELECT code_id, secret_hash, device_id, expires_at, attempts_left, used_at
                     FROM reg_code ORDER BY code_id",
                )?
                .query_map([], |r| {
                    Ok(crate::CodeRow {
                        code_id: r.get(0)?,
                        secret_hash: r.get(1)?,
                        device_id: r.get(2)?,
                        expires_at: r.get(3)?,
                        attempts_left: r.get(4)?,
                        used_at: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let docs = c
                .prepare(
                    "SELECT doc_id, ward_id, kind, point_id, created_by, created_at FROM reg_doc
                     ORDER BY doc_id",
                )?
                .query_map([], doc_of)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let flags = c
                .prepare(
                    "SELECT ward_id, doc_id, petition_id, kind, detail, first_seen FROM reg_flag
                     ORDER BY doc_id, petition_id, kind",
                )?
                .query_map([], |r| {
                    Ok(crate::StoredFlag {
                        ward_id: r.get(0)?,
                        row: FlagRow {
                            flag: DocFlag {
                                doc_id: r.get(1)?,
                                petition_id: r.get(2)?,
                                kind: r.get(3)?,
                                detail: r.get(4)?,
                            },
                            first_seen: r.get(5)?,
                        },
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(crate::RegistryDump {
                wards: wards.clone(),
                points: points.clone(),
                devices,
                codes,
                docs,
                flags,
            })
        })
    }

    /// Writes every row of `dump` in one transaction.
    pub fn registry_load(&self, dump: &crate::RegistryDump) -> Result<(), StoreError> {
        self.write("registry_load", |tx| {
            for w in &dump.wards {
                tx.execute(
                    "INSERT INTO reg_ward (id, name, ward_doc, handling_doc, monitoring_doc, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![w.id, w.name, w.ward_doc, w.handling_doc, w.monitoring_doc, w.created_at],
                )?;
            }
            for p in &dump.points {
                tx.execute(
                    "INSERT INTO reg_point (ward_id, id, kind, name, intake_doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![p.ward_id, p.id, p.kind, p.name, p.intake_doc],
                )?;
            }
            for (d, token) in &dump.devices {
                tx.execute(
                    &format!("INSERT INTO reg_device ({DEVICE_COLS}, token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                    params![d.id, d.ward_id, d.name, d.role, d.point_id, d.peer_id, d.created_at, d.enrolled_at, d.revoked_at, token],
                )?;
            }
            for c in &dump.codes {
                tx.execute(
                    "INSERT INTO reg_code (code_id, secret_hash, device_id, expires_at, attempts_left, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![c.code_id, c.secret_hash, c.device_id, c.expires_at, c.attempts_left, c.used_at],
                )?;
            }
            for d in &dump.docs {
                tx.execute(
                    "INSERT OR REPLACE INTO reg_doc (doc_id, ward_id, kind, point_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![d.doc_id, d.ward_id, d.kind, d.point_id, d.created_by, d.created_at],
                )?;
            }
            for f in &dump.flags {
                tx.execute(
                    "INSERT INTO reg_flag (ward_id, doc_id, petition_id, kind, detail, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![f.ward_id, f.row.flag.doc_id, f.row.flag.petition_id, f.row.flag.kind, f.row.flag.detail, f.row.first_seen],
                )?;
            }
            Ok(())
        })
    }

    pub fn ward_insert(&self, w: &WardRow) -> Result<(), StoreError> {
        self.write("ward_insert", |tx| {
            tx.execute(
                "INSERT INTO reg_ward (id, name, ward_doc, handling_doc, monitoring_doc, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![w.id, w.name, w.ward_doc, w.handling_doc, w.monitoring_doc, w.created_at],
            )?;
            for (doc, kind) in [(&w.ward_doc, "ward"), (&w.handling_doc, "handling"), (&w.monitoring_doc, "monitoring")] {
                tx.execute(
                    "INSERT OR IGNORE INTO reg_doc (doc_id, ward_id, kind, point_id, created_by, created_at) VALUES (?1, ?2, ?3, NULL, NULL, ?4)",
                    params![doc, w.id, kind, w.created_at],
                )?;
            }
            Ok(())
        })
    }

    pub fn wards(&self) -> Result<Vec<WardRow>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, name, ward_doc, handling_doc, monitoring_doc, created_at FROM reg_ward ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(WardRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    ward_doc: r.get(2)?,
                    handling_doc: r.get(3)?,
                    monitoring_doc: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }

    pub fn ward(&self, id: &str) -> Result<Option<WardRow>, StoreError> {
        Ok(self.wards()?.into_iter().find(|w| w.id == id))
    }

    pub fn point_insert(&self, p: &PointRow, created_at: &str) -> Result<(), StoreError> {
        self.write("point_insert", |tx| {
            tx.execute(
                "INSERT INTO reg_point (ward_id, id, kind, name, intake_doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![p.ward_id, p.id, p.kind, p.name, p.intake_doc],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO reg_doc (doc_id, ward_id, kind, point_id, created_by, created_at) VALUES (?1, ?2, 'intake', ?3, NULL, ?4)",
                params![p.intake_doc, p.ward_id, p.id, created_at],
            )?;
            Ok(())
        })
    }

    pub fn points(&self, ward_id: &str) -> Result<Vec<PointRow>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT ward_id, id, kind, name, intake_doc FROM reg_point WHERE ward_id = ?1 ORDER BY id",
            )?;
            let rows = st.query_map([ward_id], |r| {
                Ok(PointRow {
                    ward_id: r.get(0)?,
                    id: r.get(1)?,
                    kind: r.get(2)?,
                    name: r.get(3)?,
                    intake_doc: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }

    pub fn point(&self, ward_id: &str, id: &str) -> Result<Option<PointRow>, StoreError> {
        Ok(self.points(ward_id)?.into_iter().find(|p| p.id == id))
    }

    pub fn device_insert(&self, d: &DeviceRow) -> Result<(), StoreError> {
        self.write("device_insert", |tx| {
            tx.execute(
                &format!("INSERT INTO reg_device ({DEVICE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![d.id, d.ward_id, d.name, d.role, d.point_id, d.peer_id, d.created_at, d.enrolled_at, d.revoked_at],
            )?;
            Ok(())
        })
    }

    pub fn devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM reg_device ORDER BY ward_id, created_at, id"
            ))?;
            let rows = st.query_map([], device_of)?;
            rows.collect()
        })
    }

    pub fn device(&self, id: &str) -> Result<Option<DeviceRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM reg_device WHERE id = ?1"
            ))?
            .query_row([id], device_of)
            .optional()
        })
    }

    pub fn device_by_peer(&self, peer_id: &str) -> Result<Option<DeviceRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM reg_device WHERE peer_id = ?1"
            ))?
            .query_row([peer_id], device_of)
            .optional()
        })
    }

    /// The device whose token hashes to `token_hash` (revoked ones included: the caller checks).
    pub fn device_by_token_hash(&self, token_hash: &str) -> Result<Option<DeviceRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM reg_device WHERE token_hash = ?1"
            ))?
            .query_row([token_hash], device_of)
            .optional()
        })
    }

    /// Stores the hash of a newly issued token and marks the device enrolled.
    pub fn device_set_token(&self, id: &str, token_hash: &str, at: &str) -> Result<(), StoreError> {
        self.write("device_set_token", |tx| {
            tx.execute(
                "UPDATE reg_device SET token_hash = ?2, enrolled_at = ?3 WHERE id = ?1",
                params![id, token_hash, at],
            )?;
            Ok(())
        })
    }

    /// Revokes a device: its token is refused from now on. Returns false when already revoked
    /// or unknown.
    pub fn device_revoke(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        self.write("device_revoke", |tx| {
            let n = tx.execute(
                "UPDATE reg_device SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, at],
            )?;
            tx.execute(
                "DELETE FROM reg_code WHERE device_id = ?1 AND used_at IS NULL",
                [id],
            )?;
            Ok(n > 0)
        })
    }

    /// The ids of revoked devices.
    pub fn revoked_devices(&self) -> Result<Vec<String>, StoreError> {
        self.read(|c| {
            let mut st =
                c.prepare_cached("SELECT id FROM reg_device WHERE revoked_at IS NOT NULL")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Stores a new enrolment code (its secret hashed) for a device.
    pub fn code_insert(
        &self,
        code_id: &str,
        secret_hash: &str,
        device_id: &str,
        expires_at: i64,
        attempts: i64,
    ) -> Result<(), StoreError> {
        self.write("code_insert", |tx| {
            tx.execute(
                "INSERT INTO reg_code (code_id, secret_hash, device_id, expires_at, attempts_left, used_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
                params![code_id, secret_hash, device_id, expires_at, attempts],
            )?;
            Ok(())
        })
    }

    /// Checks a presented code in one transaction: a right secret uses the code up, a wrong one
    /// spends an attempt.
    pub fn code_check(
        &self,
        code_id: &str,
        secret_matches: &dyn Fn(&str) -> bool,
        now: i64,
        used_at: &str,
    ) -> Result<CodeCheck, StoreError> {
        self.write("code_check", |tx| {
            let row: Option<(String, String, i64, i64, Option<String>)> = tx
                .query_row(
                    "SELECT secret_hash, device_id, expires_at, attempts_left, used_at FROM reg_code WHERE code_id = ?1",
                    [code_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((hash, device_id, expires_at, attempts_left, used)) = row else {
                return Ok(CodeCheck::Unknown);
            };
            if used.is_some() || expires_at < now || attempts_left <= 0 {
                return Ok(CodeCheck::Spent);
            }
            if secret_matches(&hash) {
                tx.execute("UPDATE reg_code SET used_at = ?2 WHERE code_id = ?1", params![code_id, used_at])?;
                Ok(CodeCheck::Valid { device_id })
            } else {
                tx.execute(
                    "UPDATE reg_code SET attempts_left = attempts_left - 1 WHERE code_id = ?1",
                    [code_id],
                )?;
                Ok(CodeCheck::Wrong {
                    attempts_left: attempts_left - 1,
                })
            }
        })
    }

    /// Registers a document (ignored if already registered); returns the registered row.
    pub fn doc_register(&self, d: &DocRow) -> Result<DocRow, StoreError> {
        self.write("doc_register", |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO reg_doc (doc_id, ward_id, kind, point_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![d.doc_id, d.ward_id, d.kind, d.point_id, d.created_by, d.created_at],
            )?;
            tx.query_row(
                "SELECT doc_id, ward_id, kind, point_id, created_by, created_at FROM reg_doc WHERE doc_id = ?1",
                [&d.doc_id],
                doc_of,
            )
        })
    }

    pub fn doc(&self, doc_id: &str) -> Result<Option<DocRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT doc_id, ward_id, kind, point_id, created_by, created_at FROM reg_doc WHERE doc_id = ?1",
            )?
            .query_row([doc_id], doc_of)
            .optional()
        })
    }

    pub fn docs_of_ward(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT doc_id, ward_id, kind, point_id, created_by, created_at FROM reg_doc WHERE ward_id = ?1 ORDER BY created_at, doc_id",
            )?;
            let rows = st.query_map([ward_id], doc_of)?;
            rows.collect()
        })
    }

    /// How many documents of `kind` the device `device_id` has registered: in all, and since
    /// `since` (a stored ward time, compared as text: every stored time has the ward's offset).
    pub fn doc_registrations_by(
        &self,
        device_id: &str,
        kind: &str,
        since: &str,
    ) -> Result<(i64, i64), StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT count(*), coalesce(sum(created_at >= ?3), 0) FROM reg_doc
                 WHERE created_by = ?1 AND kind = ?2",
            )?
            .query_row(params![device_id, kind, since], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
    }

    /// The documents of a ward that devices registered (session documents, intake volumes),
    /// oldest first; the ward's own documents and the points' root intakes are not among them.
    pub fn doc_registrations(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT doc_id, ward_id, kind, point_id, created_by, created_at FROM reg_doc
                 WHERE ward_id = ?1 AND created_by IS NOT NULL ORDER BY created_at, doc_id",
            )?;
            let rows = st.query_map([ward_id], doc_of)?;
            rows.collect()
        })
    }

    /// Removes a registration a device made in ward `ward_id` (never a ward document or a
    /// point's root intake); returns the removed row, `None` when there was no such one.
    pub fn doc_unregister(
        &self,
        ward_id: &str,
        doc_id: &str,
    ) -> Result<Option<DocRow>, StoreError> {
        self.write("doc_unregister", |tx| {
            tx.query_row(
                "DELETE FROM reg_doc WHERE doc_id = ?1 AND ward_id = ?2 AND created_by IS NOT NULL
                 RETURNING doc_id, ward_id, kind, point_id, created_by, created_at",
                [doc_id, ward_id],
                doc_of,
            )
            .optional()
        })
    }

    /// Replaces the flags of intake document `doc_id` by `flags` (those seen before keep the
    /// time they were first seen).
    pub fn flags_replace(
        &self,
        ward_id: &str,
        doc_id: &str,
        flags: &[DocFlag],
    ) -> Result<(), StoreError> {
        let now = doithoai_model::time::to_stored(&doithoai_model::time::ward_now());
        self.write("flags_replace", |tx| {
            let mut keep = std::collections::BTreeSet::new();
            for f in flags {
                tx.execute(
                    "INSERT INTO reg_flag (ward_id, doc_id, petition_id, kind, detail, first_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(doc_id, petition_id, kind) DO UPDATE SET detail = excluded.detail",
                    params![ward_id, doc_id, f.petition_id, f.kind, f.detail, now],
                )?;
                keep.insert((f.petition_id.clone(), f.kind.clone()));
            }
            let old: Vec<(String, String)> = tx
                .prepare_cached("SELECT petition_id, kind FROM reg_flag WHERE doc_id = ?1")?
                .query_map([doc_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (p, k) in old {
                if !keep.contains(&(p.clone(), k.clone())) {
                    tx.execute(
                        "DELETE FROM reg_flag WHERE doc_id = ?1 AND petition_id = ?2 AND kind = ?3",
                        params![doc_id, p, k],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// The flags of a ward's intake documents, oldest first.
    pub fn flags_of_ward(&self, ward_id: &str) -> Result<Vec<FlagRow>, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT doc_id, petition_id, kind, detail, first_seen FROM reg_flag
                 WHERE ward_id = ?1 ORDER BY first_seen, doc_id, petition_id, kind",
            )?
            .query_map([ward_id], |r| {
                Ok(FlagRow {
                    flag: DocFlag {
                        doc_id: r.get(0)?,
                        petition_id: r.get(1)?,
                        kind: r.get(2)?,
                        detail: r.get(3)?,
                    },
                    first_seen: r.get(4)?,
                })
            })?
            .collect()
        })
    }

    pub fn doc_count(&self) -> Result<i64, StoreError> {
        self.read(|c| c.query_row("SELECT count(*) FROM reg_doc", [], |r| r.get(0)))
    }
}
