//! The database schema and its migrations.
//!
//! `PRAGMA user_version` holds two numbers: `CORE_VERSION * 1000 + INDEX_VERSION`.
//!
//! * The core tables (`chunk`, `meta`) hold data that exists nowhere else on this device. They
//!   are migrated step by step ([`CORE_MIGRATIONS`]) and never dropped. A file whose core version
//!   is newer than this program's is refused ([`StoreError::SchemaTooNew`]).
//! * The index tables (`petition`, `petition_fts`, `index_heads`) are derived from the documents
//!   and can always be rebuilt. When their version differs (older or newer), they are dropped and
//!   created afresh, empty, with no heads recorded, so the caller rebuilds them.
//!
//! Migrations run inside one `BEGIN IMMEDIATE` transaction, so two processes opening the same
//! file at once never migrate it twice.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{StoreError, classify};

/// The version of the core tables (chunks and settings).
pub const CORE_VERSION: i64 = 1;
/// The version of the derived index tables.
pub const INDEX_VERSION: i64 = 2;

/// `CORE_MIGRATIONS[n]` brings the core tables from version `n` to `n + 1`.
const CORE_MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE IF NOT EXISTS chunk (
         -- the key's components, each followed by '/': [\"a\", \"b\"] is 'a/b/'
         key  TEXT PRIMARY KEY NOT NULL,
         data BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE IF NOT EXISTS meta (
         key   TEXT PRIMARY KEY NOT NULL,
         value TEXT NOT NULL
     ) WITHOUT ROWID;",
];

/// Every table, index or trigger name that any index schema version has used: all are dropped
/// before the current index schema is created.
const INDEX_OBJECTS: &[&str] = &[
    "petition_fts",
    "petition",
    "index_heads",
    "petition_copy",
    "petition_flag",
];

const INDEX_SCHEMA: &str = "
CREATE TABLE petition (
    rid            INTEGER PRIMARY KEY,      -- stable rowid shared with petition_fts
    id             TEXT NOT NULL UNIQUE,
    doc_id         TEXT NOT NULL,
    point          TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    field          TEXT,
    status         TEXT NOT NULL,
    content        TEXT NOT NULL,
    request        TEXT NOT NULL,
    place          TEXT NOT NULL,
    residents      TEXT NOT NULL,
    addresses      TEXT NOT NULL,
    tdp            TEXT NOT NULL,
    people_count   INTEGER NOT NULL,
    wants_to_speak INTEGER NOT NULL,
    register_no    TEXT,
    deadline       TEXT,
    updated_at     TEXT NOT NULL
);
CREATE INDEX petition_by_created ON petition(created_at DESC, id);
CREATE INDEX petition_by_status  ON petition(status, created_at DESC, id);
CREATE INDEX petition_by_field   ON petition(field, created_at DESC, id);
CREATE INDEX petition_by_point   ON petition(point, created_at DESC, id);
CREATE INDEX petition_by_kind    ON petition(kind, created_at DESC, id);
CREATE INDEX petition_by_doc     ON petition(doc_id);
-- Folded (lower case, no diacritics) text of each petition, rowid = petition.rid.
CREATE VIRTUAL TABLE petition_fts USING fts5(
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
CREATE TABLE index_heads (
    doc_id TEXT PRIMARY KEY NOT NULL,
    heads  BLOB NOT NULL
) WITHOUT ROWID;
-- A petition id also found in another intake document than the one `petition` shows it from:
-- the other copy, as its document holds it (a JSON PetitionRow). Never an overwrite.
CREATE TABLE petition_copy (
    doc_id TEXT NOT NULL,
    id     TEXT NOT NULL,
    row    TEXT NOT NULL,
    PRIMARY KEY (id, doc_id)
) WITHOUT ROWID;
-- What the index found wrong with a petition of a document: `point` (it claims another point
-- than the one owning its document; detail = the claimed point), `unreadable` (detail = why).
CREATE TABLE petition_flag (
    doc_id TEXT NOT NULL,
    id     TEXT NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (doc_id, id, kind)
) WITHOUT ROWID;
";

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the schema of `conn` up to date.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let target = CORE_VERSION * 1000 + INDEX_VERSION;
    let current = user_version(conn).map_err(|e| classify(path, e))?;
    if current == target {
        return Ok(());
    }
    check_not_newer(current, path)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(path, e))?;
    // Another process may have migrated while we waited for the lock.
    let current = user_version(&tx).map_err(|e| classify(path, e))?;
    if current == target {
        return Ok(());
    }
    check_not_newer(current, path)?;
    let (core, index) = (current / 1000, current % 1000);
    for (step, sql) in CORE_MIGRATIONS.iter().enumerate().skip(core as usize) {
        tracing::info!(path = %path.display(), from = step, to = step + 1, "migrating core schema");
        tx.execute_batch(sql).map_err(|e| classify(path, e))?;
    }
    if index != INDEX_VERSION || core != CORE_VERSION {
        if current != 0 {
            tracing::info!(
                path = %path.display(),
                from = index,
                to = INDEX_VERSION,
                "index schema changed: dropping the derived index, it must be rebuilt"
            );
        }
        recreate_index(&tx).map_err(|e| classify(path, e))?;
    }
    tx.pragma_update(None, "user_version", target)
        .map_err(|e| classify(path, e))?;
    tx.commit().map_err(|e| classify(path, e))?;
    Ok(())
}

fn check_not_newer(current: i64, path: &Path) -> Result<(), StoreError> {
    let core = current / 1000;
    if core > CORE_VERSION || current < 0 {
        return Err(StoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found: core,
            supported: CORE_VERSION,
        });
    }
    Ok(())
}

/// Drops every index object and creates the current index schema, empty.
fn recreate_index(conn: &Connection) -> rusqlite::Result<()> {
    for name in INDEX_OBJECTS {
        conn.execute_batch(&format!("DROP TABLE IF EXISTS \"{name}\";"))?;
    }
    conn.execute_batch(INDEX_SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_objects_cover_the_index_schema() {
        for line in INDEX_SCHEMA.lines() {
            let line = line.trim();
            for prefix in ["CREATE TABLE ", "CREATE VIRTUAL TABLE "] {
                if let Some(rest) = line.strip_prefix(prefix) {
                    let name = rest.split_whitespace().next().unwrap_or_default();
                    assert!(
                        INDEX_OBJECTS.contains(&name),
                        "{name} missing from INDEX_OBJECTS"
                    );
                }
            }
        }
    }
}
