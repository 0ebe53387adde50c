//! A device's local repository: samod over the SQLite store, with typed helpers to create, find
//! and change documents.

use automerge::Automerge;
use doithoai_model::{ChangeMeta, DocError};
use doithoai_store::Store;
use samod::{DocHandle, DocumentId, PeerId, Repo};

use crate::SyncError;
use crate::storage::SqliteStorage;

/// A samod repository whose documents live in the device's SQLite file.
#[derive(Clone)]
pub struct LocalRepo {
    repo: Repo,
    store: Store,
}

/// Parses a document id written as `automerge:...` or bare.
pub fn parse_doc_id(s: &str) -> Result<DocumentId, SyncError> {
    let bare = s.trim().strip_prefix("automerge:").unwrap_or(s.trim());
    bare.parse::<DocumentId>()
        .map_err(|_| SyncError::BadDocumentId(s.to_owned()))
}

/// The `automerge:` URL of a document id.
pub fn doc_url(id: &DocumentId) -> String {
    format!("automerge:{id}")
}

impl LocalRepo {
    /// Opens the repository on `store` with an optional fixed peer id.
    pub async fn open(store: Store, peer_id: Option<String>) -> LocalRepo {
        Self::open_with(SqliteStorage::new(store.clone()), peer_id).await
    }

    /// Opens the repository with a configured storage adapter.
    pub async fn open_with(storage: SqliteStorage, peer_id: Option<String>) -> LocalRepo {
        let store = storage.store().clone();
        let mut builder = Repo::build_tokio().with_storage(storage);
        if let Some(p) = peer_id {
            builder = builder.with_peer_id(PeerId::from(p));
        }
        LocalRepo {
            repo: builder.load().await,
            store,
        }
    }

    /// Opens the server's repository: storage plus the share policy that enforces who may read
    /// and write each document.
    pub async fn open_server(
        storage: SqliteStorage,
        policy: crate::policy::RolePolicy,
        peer_id: &str,
    ) -> LocalRepo {
        let store = storage.store().clone();
        let repo = Repo::build_tokio()
            .with_storage(storage)
            .with_share_policy(policy)
            .with_peer_id(PeerId::from(peer_id))
            .load()
            .await;
        LocalRepo { repo, store }
    }

    /// The entry point for connections accepted by a server listening at `url`.
    pub fn acceptor(&self, url: &str) -> Result<crate::link::Acceptor, SyncError> {
        let u = url::Url::parse(url).map_err(|_| SyncError::BadDocumentId(url.to_owned()))?;
        self.repo
            .make_acceptor(u)
            .map(crate::link::Acceptor::new)
            .map_err(|_| SyncError::Stopped)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn samod(&self) -> &Repo {
        &self.repo
    }

    /// Creates a document; it is on disk when this returns.
    pub async fn create(&self, doc: Automerge) -> Result<DocHandle, SyncError> {
        self.repo.create(doc).await.map_err(|_| SyncError::Stopped)
    }

    /// Finds a document in local storage (or from connected peers).
    pub async fn find(&self, id: &DocumentId) -> Result<Option<DocHandle>, SyncError> {
        self.repo
            .find(id.clone())
            .await
            .map_err(|_| SyncError::Stopped)
    }

    /// Finds a document or fails with [`SyncError::UnknownDocument`].
    pub async fn get(&self, id: &DocumentId) -> Result<DocHandle, SyncError> {
        self.find(id)
            .await?
            .ok_or_else(|| SyncError::UnknownDocument(id.to_string()))
    }

    /// Writes the changes `handle` holds beyond `since` straight to the store, each under the
    /// key samod itself gives an incremental change, so that it is on disk (synchronous=FULL)
    /// when this returns. For a long-running process (the web UI of `serve`) that must report
    /// "saved" without stopping the repository; samod's own write of the same change lands on
    /// the same key with the same bytes, and a later load merges whichever chunks are there.
    pub fn persist_since(
        &self,
        handle: &DocHandle,
        since: &[automerge::ChangeHash],
    ) -> Result<usize, SyncError> {
        use automerge::ReadDoc as _;
        let doc_id = handle.document_id().to_string();
        let changes: Vec<(String, Vec<u8>)> = handle.with_document(|doc| {
            let known = since.iter().all(|h| doc.get_change_by_hash(h).is_some());
            let base: &[automerge::ChangeHash] = if known { since } else { &[] };
            doc.get_changes(base)
                .into_iter()
                .map(|c| (c.hash().to_string(), c.raw_bytes().to_vec()))
                .collect()
        });
        for (hash, bytes) in &changes {
            self.store
                .chunk_put(&[doc_id.clone(), "incremental".into(), hash.clone()], bytes)?;
        }
        Ok(changes.len())
    }

    /// Stops the repository once every pending write has reached the store.
    pub async fn stop(&self) {
        self.repo.stop().await
    }
}

/// Makes one change to a document in a transaction carrying `meta`; nothing is written when `f`
/// fails.
pub fn change<R>(
    handle: &DocHandle,
    meta: &ChangeMeta,
    f: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<R, DocError>,
) -> Result<R, DocError> {
    handle.with_document(|doc| {
        doc.transact_with(|_| meta.commit_options(), f)
            .map(|ok| ok.result)
            .map_err(|fail| fail.error)
    })
}

/// Reads a document.
pub fn read<R>(handle: &DocHandle, f: impl FnOnce(&Automerge) -> R) -> R {
    handle.with_document(|doc| f(doc))
}
