//! The sync layer of doithoai: the one crate that names the sync engine, samod.
//!
//! It adapts the SQLite store to samod's `Storage` trait (durably: a write that cannot be made
//! stops the process rather than being lost), opens a device's local repository, and connects it
//! to the ward sync server over websockets with a token, a keepalive and redial with backoff. The
//! server side (authentication of the upgrade, share policies) builds on the same pieces.

pub mod client;
pub mod dial;
pub mod http;
pub mod link;
pub mod policy;
pub mod repo;
pub mod storage;
pub mod tls;

pub use automerge;
pub use repo::{LocalRepo, change, doc_url, parse_doc_id, read};
pub use samod::{DocHandle, DocumentId};
pub use storage::{FatalError, FatalHandler, SqliteStorage, exit_on_fatal};

use doithoai_model::{Lang, Localize};

/// Errors of the sync layer.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the repository has stopped")]
    Stopped,
    #[error("bad document id {0:?}")]
    BadDocumentId(String),
    #[error("unknown document {0}")]
    UnknownDocument(String),
    #[error(transparent)]
    Doc(#[from] doithoai_model::DocError),
    #[error(transparent)]
    Store(#[from] doithoai_store::StoreError),
}

impl Localize for SyncError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (SyncError::Stopped, Lang::Vi) => "Kho dữ liệu đã dừng.".into(),
            (SyncError::BadDocumentId(s), Lang::Vi) => format!("Mã tài liệu «{s}» không hợp lệ."),
            (SyncError::UnknownDocument(s), Lang::Vi) => {
                format!("Không tìm thấy tài liệu {s} trên máy này.")
            }
            (SyncError::Doc(e), l) => e.localize(l),
            (SyncError::Store(e), l) => e.localize(l),
            (e, Lang::En) => e.to_string(),
        }
    }
}
