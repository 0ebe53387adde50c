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

mod chunk;
mod error;
mod handling;
mod index;
pub mod private;
mod registry;
pub mod schema;
mod store;

pub use chunk::Chunk;
pub use error::StoreError;
pub use handling::HandlingColumns;
pub use index::{IndexFlag, IntakeIssue, PetitionCopy, PetitionFilter, PetitionRow};
pub use registry::{CodeCheck, DeviceRow, DocFlag, DocRow, FlagRow, PointRow, WardRow};
pub use store::{DbSummary, Durability, FileCheck, Store, StoreOptions};
