//! The one place doithoai opens SQLite.
//!
//! Each laptop and the ward server keep everything in one SQLite file, through a [`Store`]:
//! the chunks of the Automerge documents (the key/value space behind the sync engine's storage
//! trait: the sync layer maps samod's `Storage` onto [`Store::chunk_put`] and friends), a small
//! table of settings (device configuration, token, document ids, last sync time), and a query
//! index of petitions derived from the documents, with diacritic-insensitive full-text search,
//! that lists, filters and reports read and that can always be rebuilt. This crate knows nothing
//! of Automerge or of the sync engine: it stores bytes and rows. Writes are durable when they
//! return (WAL, `synchronous=FULL` on clients), are retried on transient failures, and fail
//! loudly ([`StoreError::WriteFailed`], [`StoreError::DiskFull`]) rather than be dropped.
//! Several processes may open the same file at once.
//!
//! The server's storage is a trait, [`ServerDb`] (db.rs): this crate's SQLite [`Store`] is one
//! implementation, `doithoai-store-pg` (PostgreSQL) the other; [`Store::over`] gives the sync
//! layer a store whose chunks live in such another database.

mod chunk;
pub mod db;
/// The text encoding of chunk keys, for other implementations of [`ServerDb`].
pub mod chunk_key {
    pub use crate::chunk::{decode, encode, range_end};
}
mod error;
mod handling;
mod index;
pub mod private;
mod registry;
pub mod schema;
mod sqlite_db;
mod store;

pub use chunk::Chunk;
pub use db::{ChangeCallback, ChunkChange, CodeRow, NodeRow, RegistryDump, ServerDb, StoredFlag};
pub use error::StoreError;
pub use handling::HandlingColumns;
pub use index::{IndexFlag, IntakeIssue, PetitionCopy, PetitionFilter, PetitionRow};
pub use registry::{CodeCheck, DeviceRow, DocFlag, DocRow, FlagRow, PointRow, WardRow};
pub use store::{DbSummary, Durability, FileCheck, Store, StoreOptions};
