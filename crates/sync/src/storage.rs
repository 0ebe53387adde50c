//! samod's `Storage` trait over the SQLite store.
//!
//! samod's `put` cannot report failure, yet nothing a user saved may be lost silently. The store
//! retries transient failures itself; when a write still fails, this adapter calls the fatal
//! handler, which by default logs, tells the user in Vietnamese and English, and stops the
//! process (exit code 74) rather than run on without persistence.

use std::collections::HashMap;
use std::sync::Arc;

use doithoai_model::{Lang, Localize};
use doithoai_store::{Store, StoreError};
use samod::storage::{Storage, StorageKey};

/// What to do when the store cannot write: it must not return normally into samod.
pub type FatalHandler = Arc<dyn Fn(&FatalError) + Send + Sync>;

/// Why storage cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum FatalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("storage task failed: {0}")]
    Task(String),
}

impl Localize for FatalError {
    fn localize(&self, lang: Lang) -> String {
        match self {
            FatalError::Store(e) => e.localize(lang),
            FatalError::Task(e) => match lang {
                Lang::Vi => format!("Tác vụ ghi dữ liệu bị lỗi: {e}"),
                Lang::En => format!("The storage task failed: {e}"),
            },
        }
    }
}

/// Logs the error, prints it for the user and exits the process with code 74 (EX_IOERR).
pub fn exit_on_fatal() -> FatalHandler {
    Arc::new(|e: &FatalError| {
        tracing::error!(error = %e, "storage write failed after retries; stopping");
        eprintln!(
            "LỖI NGHIÊM TRỌNG: không ghi được dữ liệu xuống đĩa, chương trình dừng để không mất dữ liệu.\n{}\nFATAL: cannot write to disk; stopping so that nothing is lost: {}",
            e.localize(Lang::Vi),
            e.localize(Lang::En)
        );
        std::process::exit(74);
    })
}

/// samod storage backed by a [`Store`].
#[derive(Clone)]
pub struct SqliteStorage {
    store: Store,
    on_fatal: FatalHandler,
}

impl SqliteStorage {
    pub fn new(store: Store) -> Self {
        SqliteStorage {
            store,
            on_fatal: exit_on_fatal(),
        }
    }

    /// Replaces the fatal handler (tests observe failures instead of exiting).
    pub fn with_fatal_handler(mut self, on_fatal: FatalHandler) -> Self {
        self.on_fatal = on_fatal;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

fn parts(key: &StorageKey) -> Vec<String> {
    key.into_iter().cloned().collect()
}

/// Runs `op` on tokio's blocking pool. When the runtime is shutting down and cancels it before it
/// ran (samod does not wait for every storage task when it stops), runs it here instead, so that
/// no read or write is dropped.
async fn blocking<T: Send + 'static>(
    op: impl Fn() -> T + Send + Sync + 'static,
) -> Result<T, tokio::task::JoinError> {
    let op = Arc::new(op);
    let pooled = op.clone();
    match tokio::task::spawn_blocking(move || pooled()).await {
        Err(e) if e.is_cancelled() => {
            tracing::debug!("storage task cancelled by shutdown; running it inline");
            Ok(op())
        }
        other => other,
    }
}

impl Storage for SqliteStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let store = self.store.clone();
        let on_fatal = self.on_fatal.clone();
        async move {
            let k = parts(&key);
            match blocking(move || store.chunk_load(&k)).await {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => {
                    // A read that fails could make samod believe a document is absent and
                    // overwrite it; stopping is the safe answer.
                    on_fatal(&FatalError::Store(e));
                    None
                }
                Err(e) => {
                    tracing::error!(error = %e, "storage task failed");
                    None
                }
            }
        }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let store = self.store.clone();
        let on_fatal = self.on_fatal.clone();
        async move {
            let p = parts(&prefix);
            match blocking(move || store.chunk_load_range(&p)).await {
                Ok(Ok(rows)) => rows
                    .into_iter()
                    .filter_map(|(k, v)| StorageKey::from_parts(k).ok().map(|k| (k, v)))
                    .collect(),
                Ok(Err(e)) => {
                    on_fatal(&FatalError::Store(e));
                    HashMap::new()
                }
                Err(e) => {
                    tracing::error!(error = %e, "storage task failed");
                    HashMap::new()
                }
            }
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let store = self.store.clone();
        let on_fatal = self.on_fatal.clone();
        async move {
            let k = parts(&key);
            match blocking(move || store.chunk_put(&k, &data)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => on_fatal(&FatalError::Store(e)),
                Err(e) => {
                    tracing::error!(error = %e, "storage task failed");
                    on_fatal(&FatalError::Task(e.to_string()));
                }
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let store = self.store.clone();
        let on_fatal = self.on_fatal.clone();
        async move {
            let k = parts(&key);
            match tokio::task::spawn_blocking(move || store.chunk_delete(&k)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => on_fatal(&FatalError::Store(e)),
                Err(e) if e.is_cancelled() => {
                    // samod deletes the chunks a compaction superseded and does not wait for
                    // those deletes when it stops, so the runtime can shut down before one runs.
                    // Nothing is lost: the chunk stays, is merged on the next load (its changes
                    // are in the snapshot too) and is deleted by the next compaction.
                    tracing::debug!("storage delete cancelled by shutdown; the chunk stays");
                }
                Err(e) => {
                    tracing::error!(error = %e, "storage task failed");
                    on_fatal(&FatalError::Task(e.to_string()));
                }
            }
        }
    }
}
