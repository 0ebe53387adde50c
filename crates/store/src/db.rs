//! The server's database, as a trait: the chunk space behind samod's storage and the registry
//! (wards, points, devices, codes, document ownership, flags).
//!
//! Two implementations sit beside each other, as Atuin keeps its database trait with a SQLite
//! and a PostgreSQL crate: [`crate::Store`] (the embedded SQLite file, `sqlite_db.rs`, the
//! default) and `doithoai_store_pg::PgDb` (crates/store-pg). The server holds an
//! `Arc<dyn ServerDb>` and never asks which one it has; the sync layer reaches the chunks through
//! a [`crate::Store`], which for another database is [`crate::Store::over`] it.
//!
//! Every method is synchronous and blocking (as SQLite is); callers on an async runtime call it
//! as they call the SQLite store today.

use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::{Chunk, CodeCheck, DeviceRow, DocFlag, DocRow, FlagRow, PointRow, WardRow};

/// An enrolment code as stored (its secret hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRow {
    pub code_id: String,
    pub secret_hash: String,
    pub device_id: String,
    pub expires_at: i64,
    pub attempts_left: i64,
    pub used_at: Option<String>,
}

/// A flag with its ward, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFlag {
    pub ward_id: String,
    pub row: FlagRow,
}

/// Every row of the registry, secrets hashed as stored: what `doithoai-server migrate` copies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryDump {
    pub wards: Vec<WardRow>,
    pub points: Vec<PointRow>,
    /// Each device with the hash of its token (none before enrolment).
    pub devices: Vec<(DeviceRow, Option<String>)>,
    pub codes: Vec<CodeRow>,
    pub docs: Vec<DocRow>,
    pub flags: Vec<StoredFlag>,
}

impl RegistryDump {
    /// Rows per table, for the checks of a migration.
    pub fn counts(&self) -> [(&'static str, usize); 6] {
        [
            ("wards", self.wards.len()),
            ("points", self.points.len()),
            ("devices", self.devices.len()),
            ("codes", self.codes.len()),
            ("documents", self.docs.len()),
            ("flags", self.flags.len()),
        ]
    }
}

/// What another node wrote, as [`ServerDb::follow_changes`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkChange {
    /// Another node stored a new or changed chunk of this document.
    Doc(String),
    /// Notices may have been missed (the listening connection was lost and is back): every
    /// document may have changed.
    Lost,
}

/// A server node sharing the database, as it last announced itself ([`ServerDb::node_beat`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRow {
    /// Made at each start of the node.
    pub node_id: String,
    /// The address devices reach this node at (`--advertise`), when it has one.
    pub advertise: Option<String>,
    /// Seconds since its last beat.
    pub seen_secs_ago: f64,
}

/// Called with each [`ChunkChange`]; must return quickly (it runs on the database's own thread).
pub type ChangeCallback = std::sync::Arc<dyn Fn(ChunkChange) + Send + Sync>;

/// The server's database. See the module documentation.
pub trait ServerDb: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Where the data is, for messages: the file, or the address without its password.
    fn describe(&self) -> String;
    /// Answers when the database is reachable and working (for `/healthz`).
    fn ping(&self) -> Result<(), StoreError>;
    /// Calls `on_change` whenever another server node sharing this database writes a chunk, for
    /// as long as the database is open. Returns false when the database cannot tell (SQLite: one
    /// node per file; `serve`'s own polling of the file covers other processes there).
    fn follow_changes(&self, on_change: ChangeCallback) -> bool {
        let _ = on_change;
        false
    }

    // ---- several nodes: what they count together --------------------------------------------
    // A SQLite file is served by one process, which counts these limits in its memory: the
    // methods below are called only when `shared()` is true (PostgreSQL), and their defaults are
    // never reached for SQLite.
    /// Whether other server nodes may share this database, so that per-device and per-address
    /// limits must be counted in it rather than in one node's memory.
    fn shared(&self) -> bool {
        false
    }
    /// Records that `node` is alive (called every few seconds), with the address devices reach
    /// it at.
    fn node_beat(&self, node: &str, advertise: Option<&str>) -> Result<(), StoreError> {
        let _ = (node, advertise);
        Ok(())
    }
    /// The nodes seen within `within`.
    fn nodes_alive(&self, within: std::time::Duration) -> Result<Vec<NodeRow>, StoreError> {
        let _ = within;
        Ok(Vec::new())
    }
    /// Forgets the nodes not seen within `within` and every link they held (a node killed
    /// without closing its links).
    fn nodes_reap(&self, within: std::time::Duration) -> Result<(), StoreError> {
        let _ = within;
        Ok(())
    }
    /// Claims one of `device`'s `limit` sync links, as `link` on `node`, counting the links held
    /// on every node seen within `within`, atomically with the other nodes' claims. False (and
    /// nothing claimed) when the device already holds `limit`.
    fn link_claim(
        &self,
        node: &str,
        device: &str,
        link: &str,
        limit: usize,
        within: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let _ = (node, device, link, limit, within);
        Ok(true)
    }
    /// Gives back the claims of `links` (closed links) of `node`.
    fn links_release(&self, node: &str, links: &[String]) -> Result<(), StoreError> {
        let _ = (node, links);
        Ok(())
    }
    /// Takes a token from the shared token bucket `key` (holding at most `burst`, gaining one
    /// every `refill`), or says how long until it holds one.
    fn bucket_take(
        &self,
        key: &str,
        burst: u32,
        refill: std::time::Duration,
    ) -> Result<Result<(), std::time::Duration>, StoreError> {
        let _ = (key, burst, refill);
        Ok(Ok(()))
    }
    /// Gives a token back to the shared bucket `key`.
    fn bucket_refund(&self, key: &str, burst: u32) -> Result<(), StoreError> {
        let _ = (key, burst);
        Ok(())
    }

    // ---- chunks: samod's key/value space (see chunk.rs for the key encoding) ---------------
    fn chunk_load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every chunk under a component-wise prefix, sorted by key.
    fn chunk_load_range(&self, prefix: &[String]) -> Result<Vec<Chunk>, StoreError>;
    /// The keys of every chunk under a non-empty `prefix`, sorted (without the data).
    fn chunk_keys(&self, prefix: &[String]) -> Result<Vec<Vec<String>>, StoreError>;
    fn chunk_put(&self, key: &[String], data: &[u8]) -> Result<(), StoreError>;
    fn chunk_delete(&self, key: &[String]) -> Result<(), StoreError>;
    /// The distinct first components of all keys, sorted.
    fn chunk_doc_ids(&self) -> Result<Vec<String>, StoreError>;
    /// How many chunks there are.
    fn chunk_count(&self) -> Result<i64, StoreError>;

    // ---- registry ---------------------------------------------------------------------------
    /// Brings the registry's tables up to date (versioned migrations; run at start).
    fn registry_init(&self) -> Result<(), StoreError>;
    fn ward_insert(&self, w: &WardRow) -> Result<(), StoreError>;
    fn wards(&self) -> Result<Vec<WardRow>, StoreError>;
    fn ward(&self, id: &str) -> Result<Option<WardRow>, StoreError> {
        Ok(self.wards()?.into_iter().find(|w| w.id == id))
    }
    fn point_insert(&self, p: &PointRow, created_at: &str) -> Result<(), StoreError>;
    fn points(&self, ward_id: &str) -> Result<Vec<PointRow>, StoreError>;
    fn point(&self, ward_id: &str, id: &str) -> Result<Option<PointRow>, StoreError> {
        Ok(self.points(ward_id)?.into_iter().find(|p| p.id == id))
    }
    fn device_insert(&self, d: &DeviceRow) -> Result<(), StoreError>;
    fn devices(&self) -> Result<Vec<DeviceRow>, StoreError>;
    fn device(&self, id: &str) -> Result<Option<DeviceRow>, StoreError>;
    fn device_by_peer(&self, peer_id: &str) -> Result<Option<DeviceRow>, StoreError>;
    /// The device whose token hashes to `token_hash` (revoked ones included).
    fn device_by_token_hash(&self, token_hash: &str) -> Result<Option<DeviceRow>, StoreError>;
    fn device_set_token(&self, id: &str, token_hash: &str, at: &str) -> Result<(), StoreError>;
    /// Revokes a device; false when already revoked or unknown.
    fn device_revoke(&self, id: &str, at: &str) -> Result<bool, StoreError>;
    fn revoked_devices(&self) -> Result<Vec<String>, StoreError>;
    fn code_insert(
        &self,
        code_id: &str,
        secret_hash: &str,
        device_id: &str,
        expires_at: i64,
        attempts: i64,
    ) -> Result<(), StoreError>;
    /// Checks a presented code in one transaction: a right secret uses it up, a wrong one spends
    /// an attempt.
    fn code_check(
        &self,
        code_id: &str,
        secret_matches: &dyn Fn(&str) -> bool,
        now: i64,
        used_at: &str,
    ) -> Result<CodeCheck, StoreError>;
    /// Registers a document (ignored if registered); returns the registered row.
    fn doc_register(&self, d: &DocRow) -> Result<DocRow, StoreError>;
    fn doc(&self, doc_id: &str) -> Result<Option<DocRow>, StoreError>;
    fn docs_of_ward(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError>;
    /// Documents of `kind` registered by `device_id`: in all, and since `since`.
    fn doc_registrations_by(
        &self,
        device_id: &str,
        kind: &str,
        since: &str,
    ) -> Result<(i64, i64), StoreError>;
    fn doc_registrations(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError>;
    fn doc_unregister(&self, ward_id: &str, doc_id: &str) -> Result<Option<DocRow>, StoreError>;
    fn flags_replace(
        &self,
        ward_id: &str,
        doc_id: &str,
        flags: &[DocFlag],
    ) -> Result<(), StoreError>;
    fn flags_of_ward(&self, ward_id: &str) -> Result<Vec<FlagRow>, StoreError>;
    fn doc_count(&self) -> Result<i64, StoreError>;

    // ---- moving a ward ----------------------------------------------------------------------
    /// Every registry row, as stored.
    fn registry_dump(&self) -> Result<RegistryDump, StoreError>;
    /// Writes every row of `dump` in one transaction (into an empty registry).
    fn registry_load(&self, dump: &RegistryDump) -> Result<(), StoreError>;
    /// Writes many chunks in one transaction.
    fn chunk_put_many(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        for (k, v) in chunks {
            self.chunk_put(k, v)?;
        }
        Ok(())
    }
}
