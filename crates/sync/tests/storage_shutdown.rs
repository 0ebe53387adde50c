//! A storage write that the runtime cancels while it shuts down must neither be lost nor stop the
//! process. samod does not wait for the deletes that follow a compaction when it stops, so a CLI
//! command could exit (code 74, "cannot write to disk") after it had saved everything.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use doithoai_store::{Durability, Store};
use doithoai_sync::SqliteStorage;
use samod::storage::{Storage, StorageKey};

/// Runs `op` with the tokio context of a runtime that has already shut down, as happens when a
/// CLI command returns while samod still has storage tasks to start: the blocking task `op`
/// spawns is cancelled before it runs. Returns once `op` has finished.
fn cancelled_by_shutdown<F>(op: impl FnOnce() -> F + Send + 'static)
where
    F: Future<Output = ()>,
{
    let doomed = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("runtime");
    let handle = doomed.handle().clone();
    doomed.shutdown_timeout(Duration::from_secs(5));
    let (done_tx, done_rx) = mpsc::channel();
    let driver = std::thread::spawn(move || {
        // A plain executor sets no tokio context of its own, so `spawn_blocking` inside the
        // operation goes to the stopped runtime's pool.
        let _ctx = handle.enter();
        futures::executor::block_on(op());
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the storage operation finished after the shutdown");
    driver.join().expect("driver thread");
}

fn storage(dir: &tempfile::TempDir, fatal: Arc<AtomicUsize>) -> (SqliteStorage, Store) {
    let store = Store::open(&dir.path().join("s.sqlite3"), Durability::Full).expect("store");
    let storage = SqliteStorage::new(store.clone()).with_fatal_handler(Arc::new(move |_| {
        fatal.fetch_add(1, Ordering::SeqCst);
    }));
    (storage, store)
}

fn key(parts: &[&str]) -> StorageKey {
    StorageKey::from_parts(parts.iter().map(|p| p.to_string())).expect("key")
}

#[test]
fn a_put_cancelled_by_shutdown_is_written_and_is_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fatal = Arc::new(AtomicUsize::new(0));
    let (storage, store) = storage(&dir, fatal.clone());
    cancelled_by_shutdown(move || async move {
        storage
            .put(key(&["doc", "incremental", "h1"]), b"change".to_vec())
            .await
    });
    assert_eq!(fatal.load(Ordering::SeqCst), 0, "no fatal stop");
    let parts: Vec<String> = ["doc", "incremental", "h1"].map(String::from).to_vec();
    assert_eq!(
        store.chunk_load(&parts).expect("load"),
        Some(b"change".to_vec()),
        "the write reached the file"
    );
}

#[test]
fn a_delete_cancelled_by_shutdown_keeps_the_chunk_and_is_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fatal = Arc::new(AtomicUsize::new(0));
    let (storage, store) = storage(&dir, fatal.clone());
    let parts: Vec<String> = ["doc", "incremental", "old"].map(String::from).to_vec();
    store.chunk_put(&parts, b"old").expect("put");
    cancelled_by_shutdown(move || async move {
        storage.delete(key(&["doc", "incremental", "old"])).await
    });
    assert_eq!(fatal.load(Ordering::SeqCst), 0, "no fatal stop");
    assert_eq!(
        store.chunk_load(&parts).expect("load"),
        Some(b"old".to_vec()),
        "a superseded chunk that stays is harmless; losing one is not"
    );
}

#[test]
fn a_load_cancelled_by_shutdown_still_reads_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fatal = Arc::new(AtomicUsize::new(0));
    let (storage, store) = storage(&dir, fatal.clone());
    let parts: Vec<String> = ["doc", "snapshot", "s"].map(String::from).to_vec();
    store.chunk_put(&parts, b"snap").expect("put");
    let (tx, rx) = mpsc::channel();
    cancelled_by_shutdown(move || async move {
        let one = storage.load(key(&["doc", "snapshot", "s"])).await;
        let range = storage.load_range(key(&["doc"])).await;
        let _ = tx.send((one, range.len()));
    });
    let (one, range) = rx.recv().expect("loaded");
    assert_eq!(
        one,
        Some(b"snap".to_vec()),
        "a document is not taken as absent"
    );
    assert_eq!(range, 1);
    assert_eq!(fatal.load(Ordering::SeqCst), 0);
}
