//! A device's local repository: samod over the SQLite store, with typed helpers to create, find
//! and change documents.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use automerge::{Automerge, ChangeHash};
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
    /// The documents this process has loaded into samod (through this type): samod cannot
    /// unload a document, and every loaded one syncs with every connection.
    loaded: Arc<Mutex<HashMap<String, DocHandle>>>,
    heads: Arc<HeadsCache>,
    /// On a device: for each loaded document, the store's `data_version` when it was loaded or
    /// last caught up with what other processes wrote (`None` on the server, whose other
    /// writers are other nodes and reach it through its own watch).
    caught_up: Option<Arc<Mutex<HashMap<String, i64>>>>,
}

/// The heads of what the store holds of each document, known without loading it: keyed by a
/// fingerprint of the document's chunk keys. Every key names its content (an incremental chunk
/// is keyed by its change's hash, a snapshot by the hash of the heads it was saved at), so
/// equal keys mean equal content and the cached heads can never be stale: a document that
/// changed, was compacted or was restored has other keys, and its heads are read again.
///
/// On a device the cache is kept in the store's `meta` table (a `doithoai sync` process reads
/// what the last one learnt); on the server in memory.
#[derive(Default)]
pub struct HeadsCache {
    map: Mutex<HashMap<String, (String, Vec<ChangeHash>)>>,
    persist: Option<Store>,
}

/// Where a device keeps the heads cache of a document.
const HEADS_META: &str = "sync.stored.";

impl HeadsCache {
    /// A cache kept in `store`'s meta table as well as in memory.
    pub fn persisted(store: Store) -> HeadsCache {
        HeadsCache {
            map: Mutex::default(),
            persist: Some(store),
        }
    }

    /// The heads of what `store` holds of `doc_id` (sorted), `None` when it holds nothing.
    /// Reads the chunk keys; loads the chunks (in a plain Automerge document, dropped at once,
    /// never into samod) only when the keys are new.
    pub fn stored_heads(
        &self,
        store: &Store,
        doc_id: &str,
    ) -> Result<Option<Vec<ChangeHash>>, SyncError> {
        let keys = store.chunk_keys(&[doc_id.to_owned()])?;
        if keys.is_empty() {
            return Ok(None);
        }
        let fp = fingerprint(&keys);
        if let Some((f, h)) = lock(&self.map).get(doc_id)
            && *f == fp
        {
            return Ok(Some(h.clone()));
        }
        if let Some(p) = &self.persist
            && let Some(v) = p.meta_get(&format!("{HEADS_META}{doc_id}"))?
            && let Some((f, h)) = v.split_once(' ')
            && f == fp
        {
            let heads = parse_heads(h);
            lock(&self.map).insert(doc_id.to_owned(), (fp, heads.clone()));
            return Ok(Some(heads));
        }
        let chunks = store.chunk_load_range(&[doc_id.to_owned()])?;
        let fp = fingerprint(&chunks.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>());
        let mut doc = Automerge::new();
        for (key, bytes) in &chunks {
            if let Err(e) = doc.load_incremental(bytes) {
                tracing::warn!(?key, error = %e, "stored chunk could not be read");
            }
        }
        let mut heads = doc.get_heads();
        drop(doc);
        drop(chunks);
        heads.sort();
        if let Some(p) = &self.persist {
            let text: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
            p.meta_set(
                &format!("{HEADS_META}{doc_id}"),
                &format!("{fp} {}", text.join(",")),
            )?;
        }
        lock(&self.map).insert(doc_id.to_owned(), (fp, heads.clone()));
        trim_heap();
        Ok(Some(heads))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn fingerprint(keys: &[Vec<String>]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for k in keys {
        h.update(k.join("/").as_bytes());
        h.update(b"\n");
    }
    hex::encode(&h.finalize()[..16])
}

fn parse_heads(text: &str) -> Vec<ChangeHash> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse::<ChangeHash>().ok())
        .collect()
}

/// A short digest of a document's heads, as the server lists it with each document: equal
/// digests mean equal heads (128 bits of SHA-256 over the sorted hashes).
pub fn heads_digest(heads: &[ChangeHash]) -> String {
    use sha2::Digest;
    let mut sorted: Vec<&ChangeHash> = heads.iter().collect();
    sorted.sort();
    let mut h = sha2::Sha256::new();
    for x in sorted {
        h.update(x.0);
    }
    hex::encode(&h.finalize()[..16])
}

/// The digest of a document list's body, for `GET /api/v1/documents?since=`.
pub fn list_digest(body: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(body)[..16])
}

/// Gives the memory the allocator keeps after a large document was read back to the system
/// (glibc keeps freed pages of its arenas until asked).
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    fn malloc_trim(pad: usize) -> i32;
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
            heads: Arc::new(HeadsCache::persisted(store.clone())),
            store,
            loaded: Arc::default(),
            caught_up: Some(Arc::default()),
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
        LocalRepo {
            repo,
            heads: Arc::new(HeadsCache::default()),
            store,
            loaded: Arc::default(),
            caught_up: None,
        }
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
        let version = self.data_version();
        let h = self
            .repo
            .create(doc)
            .await
            .map_err(|_| SyncError::Stopped)?;
        let key = h.document_id().to_string();
        if let (Some(seen), Some(v)) = (&self.caught_up, version) {
            lock(seen).insert(key.clone(), v);
        }
        lock(&self.loaded).insert(key, h.clone());
        Ok(h)
    }

    /// Finds a document in local storage (or from connected peers).
    ///
    /// On a device, a document this process loaded earlier is first caught up with what other
    /// processes wrote to the store since (a CLI command beside `doithoai serve`): samod reads
    /// storage only when it first loads a document, so without this a page could show the
    /// document as it was before the command that just finished. The check is one
    /// `PRAGMA data_version`; the chunks are read only when another process committed.
    pub async fn find(&self, id: &DocumentId) -> Result<Option<DocHandle>, SyncError> {
        let key = id.to_string();
        let version = self.data_version();
        let found = self
            .repo
            .find(id.clone())
            .await
            .map_err(|_| SyncError::Stopped)?;
        if let Some(h) = &found {
            lock(&self.loaded).insert(key.clone(), h.clone());
            if let (Some(seen), Some(v)) = (&self.caught_up, version) {
                let before = lock(seen).insert(key, v);
                if before.is_some_and(|b| b != v) {
                    self.merge_stored(h)?;
                }
            }
        }
        Ok(found)
    }

    /// The store's `data_version` on a device (`None` on the server, or when it cannot be read:
    /// the document is then not caught up at this call, and `serve`'s poll still does it).
    fn data_version(&self) -> Option<i64> {
        self.caught_up.as_ref()?;
        self.store.data_version().ok()
    }

    /// Merges into a loaded document the chunks the store holds of it (what another process
    /// wrote). Returns whether anything was new.
    pub fn merge_stored(&self, handle: &DocHandle) -> Result<bool, SyncError> {
        let doc_id = handle.document_id().to_string();
        let chunks = self.store.chunk_load_range(std::slice::from_ref(&doc_id))?;
        Ok(handle.with_document(|doc| {
            let before = doc.get_heads();
            for (key, bytes) in &chunks {
                if let Err(e) = doc.load_incremental(bytes) {
                    tracing::warn!(?key, error = %e, "stored chunk could not be merged");
                }
            }
            doc.get_heads() != before
        }))
    }

    /// The document `id` if this process has loaded it into samod.
    pub fn loaded(&self, id: &str) -> Option<DocHandle> {
        lock(&self.loaded).get(id).cloned()
    }

    /// Every document this process has loaded into samod.
    pub fn loaded_handles(&self) -> Vec<DocHandle> {
        lock(&self.loaded).values().cloned().collect()
    }

    /// What the store holds of document `id`, read into a plain Automerge document that is
    /// not samod's (nothing syncs it, and it is freed when dropped); `None` when nothing is
    /// stored.
    pub fn load_stored(&self, id: &str) -> Result<Option<Automerge>, SyncError> {
        let chunks = self.store.chunk_load_range(&[id.to_owned()])?;
        if chunks.is_empty() {
            return Ok(None);
        }
        let mut doc = Automerge::new();
        for (key, bytes) in &chunks {
            if let Err(e) = doc.load_incremental(bytes) {
                tracing::warn!(?key, error = %e, "stored chunk could not be read");
            }
        }
        Ok(Some(doc))
    }

    /// How many documents this process has loaded into samod.
    pub fn loaded_count(&self) -> usize {
        lock(&self.loaded).len()
    }

    /// The heads of document `id` here (sorted): the live document's when it is loaded, else
    /// what the store holds, read without loading it into samod; `None` when neither has it.
    pub fn heads_of(&self, id: &str) -> Result<Option<Vec<ChangeHash>>, SyncError> {
        if let Some(h) = self.loaded(id) {
            let mut heads = h.with_document(|d| d.get_heads());
            if !heads.is_empty() {
                heads.sort();
                return Ok(Some(heads));
            }
        }
        self.heads.stored_heads(&self.store, id)
    }

    /// The stored heads cache (the server reads it for its document list).
    pub fn heads_cache(&self) -> &HeadsCache {
        &self.heads
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
