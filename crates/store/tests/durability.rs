//! Failures are loud and specific: full disk, persistent lock, schema changes, damaged files.

use std::time::Duration;

use doithoai_model::{Lang, Localize};
use doithoai_store::schema::{CORE_VERSION, INDEX_VERSION};
use doithoai_store::{Durability, PetitionFilter, PetitionRow, Store, StoreError, StoreOptions};

fn k(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn petition(id: &str) -> PetitionRow {
    PetitionRow {
        id: id.to_owned(),
        doc_id: "intake".into(),
        point: "tdp1".into(),
        created_at: "2026-11-28T09:15:00+07:00".into(),
        kind: "kien_nghi".into(),
        status: "collected".into(),
        residents: "Nguyễn Văn Đức".into(),
        ..Default::default()
    }
}

#[test]
fn full_disk_is_reported_and_earlier_data_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.sqlite");
    let store = Store::open(&path, Durability::Full).unwrap();
    store
        .chunk_put(&k(&["doc", "snapshot", "1"]), &[7u8; 3000])
        .unwrap();
    store.meta_set("device.id", "máy-1").unwrap();
    store
        .index_apply("intake", b"h1", &[petition("p1")], &[])
        .unwrap();

    let pages = store.testing_page_count().unwrap();
    assert_eq!(
        store.testing_set_max_page_count(pages + 2).unwrap(),
        pages + 2
    );

    let big = vec![1u8; 64 * 1024];
    let err = store
        .chunk_put(&k(&["doc", "snapshot", "2"]), &big)
        .unwrap_err();
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err:?}");
    assert!(err.is_disk_full());
    assert_eq!(
        err.localize(Lang::Vi),
        format!(
            "Đĩa đầy: không ghi được dữ liệu vào {}. Hãy giải phóng dung lượng rồi thử lại.",
            path.display()
        )
    );
    assert!(
        err.localize(Lang::En)
            .starts_with("Disk full: could not write data to")
    );

    // a big index update fails as a whole: no row, no heads
    let many: Vec<PetitionRow> = (0..200)
        .map(|i| PetitionRow {
            content: "x".repeat(500),
            ..petition(&format!("q{i}"))
        })
        .collect();
    let err = store.index_apply("intake", b"h2", &many, &[]).unwrap_err();
    assert!(err.is_disk_full(), "{err:?}");
    assert_eq!(store.index_heads("intake").unwrap(), Some(b"h1".to_vec()));
    assert_eq!(
        store.count_petitions(&PetitionFilter::default()).unwrap(),
        1
    );

    // the handle still works for what fits
    assert_eq!(
        store.chunk_load(&k(&["doc", "snapshot", "1"])).unwrap(),
        Some(vec![7u8; 3000])
    );
    store.meta_set("small", "ok").unwrap();

    // after "freeing space" (a new connection has no limit) everything written before is there
    drop(store);
    let store = Store::open(&path, Durability::Full).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(
        store.chunk_load(&k(&["doc", "snapshot", "1"])).unwrap(),
        Some(vec![7u8; 3000])
    );
    assert_eq!(
        store.chunk_load(&k(&["doc", "snapshot", "2"])).unwrap(),
        None
    );
    assert_eq!(
        store.meta_get("device.id").unwrap().as_deref(),
        Some("máy-1")
    );
    assert_eq!(store.meta_get("small").unwrap().as_deref(), Some("ok"));
    assert_eq!(store.index_get("p1").unwrap(), Some(petition("p1")));
    store
        .chunk_put(&k(&["doc", "snapshot", "2"]), &big)
        .unwrap();
}

fn quick_options(attempts: u32) -> StoreOptions {
    StoreOptions {
        durability: Durability::Full,
        busy_timeout: Duration::from_millis(10),
        write_attempts: attempts,
        retry_backoff: Duration::from_millis(5),
    }
}

#[test]
fn persistent_lock_gives_write_failed_after_bounded_retries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.sqlite");
    let store = Store::open_with(&path, quick_options(3)).unwrap();
    store.chunk_put(&k(&["doc", "a"]), b"before").unwrap();

    // another process holds the write lock and does not let go
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.chunk_put(&k(&["doc", "b"]), b"blocked").unwrap_err();
    match &err {
        StoreError::WriteFailed { attempts, source } => {
            assert_eq!(*attempts, 3);
            assert_eq!(
                source.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy)
            );
        }
        other => panic!("expected WriteFailed, got {other:?}"),
    }
    assert!(
        err.localize(Lang::Vi)
            .starts_with("Không ghi được dữ liệu sau 3 lần thử")
    );
    assert!(matches!(
        store.meta_set("x", "y"),
        Err(StoreError::WriteFailed { .. })
    ));
    // reads still work meanwhile
    assert_eq!(
        store.chunk_load(&k(&["doc", "a"])).unwrap(),
        Some(b"before".to_vec())
    );
    other.execute_batch("COMMIT").unwrap();
    store.chunk_put(&k(&["doc", "b"]), b"now").unwrap();
    assert_eq!(
        store.chunk_load(&k(&["doc", "b"])).unwrap(),
        Some(b"now".to_vec())
    );
}

#[test]
fn lock_released_during_retries_lets_the_write_through() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.sqlite");
    let store = Store::open_with(
        &path,
        StoreOptions {
            retry_backoff: Duration::from_millis(40),
            ..quick_options(5)
        },
    )
    .unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        other.execute_batch("COMMIT").unwrap();
    });
    store.chunk_put(&k(&["doc", "x"]), b"eventually").unwrap();
    holder.join().unwrap();
    assert_eq!(
        store.chunk_load(&k(&["doc", "x"])).unwrap(),
        Some(b"eventually".to_vec())
    );
}

fn set_user_version(path: &std::path::Path, v: i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "user_version", v).unwrap();
}

fn user_version(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn schema_version_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.sqlite");
    drop(Store::open(&path, Durability::Normal).unwrap());
    assert_eq!(user_version(&path), CORE_VERSION * 1000 + INDEX_VERSION);
}

#[test]
fn changed_index_version_rebuilds_the_index_and_keeps_chunks() {
    for stale_index in [0, INDEX_VERSION + 1] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.sqlite");
        {
            let store = Store::open(&path, Durability::Full).unwrap();
            store
                .chunk_put(&k(&["doc", "snapshot", "1"]), b"precious")
                .unwrap();
            store.meta_set("device.token", "t").unwrap();
            store
                .index_apply("intake", b"h", &[petition("p1")], &[])
                .unwrap();
        }
        set_user_version(&path, CORE_VERSION * 1000 + stale_index);
        let store = Store::open(&path, Durability::Full).unwrap();
        assert_eq!(user_version(&path), CORE_VERSION * 1000 + INDEX_VERSION);
        assert_eq!(store.index_get("p1").unwrap(), None);
        assert_eq!(store.index_heads("intake").unwrap(), None);
        assert_eq!(
            store.count_petitions(&PetitionFilter::default()).unwrap(),
            0
        );
        assert_eq!(
            store.chunk_load(&k(&["doc", "snapshot", "1"])).unwrap(),
            Some(b"precious".to_vec())
        );
        assert_eq!(
            store.meta_get("device.token").unwrap().as_deref(),
            Some("t")
        );
        // and the rebuilt index works, search included
        store
            .index_apply("intake", b"h", &[petition("p1")], &[])
            .unwrap();
        let found = store
            .list_petitions(&PetitionFilter {
                text: Some("nguyen duc".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
}

#[test]
fn newer_core_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.sqlite");
    {
        let store = Store::open(&path, Durability::Full).unwrap();
        store.chunk_put(&k(&["doc"]), b"x").unwrap();
    }
    let future = (CORE_VERSION + 1) * 1000 + 7;
    set_user_version(&path, future);
    let err = Store::open(&path, Durability::Full).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, supported, .. } if found == CORE_VERSION + 1 && supported == CORE_VERSION),
        "{err:?}"
    );
    assert!(
        err.localize(Lang::Vi)
            .contains("phiên bản doithoai mới hơn")
    );
    assert_eq!(user_version(&path), future);
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.sqlite");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let err = Store::open(&path, Durability::Full).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.localize(Lang::Vi).contains("bị hỏng"));
}

#[test]
fn backup_is_a_complete_copy() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("live.sqlite"), Durability::Normal).unwrap();
    store
        .chunk_put(&k(&["doc", "snapshot", "1"]), b"data")
        .unwrap();
    store
        .index_apply("intake", b"h", &[petition("p1")], &[])
        .unwrap();
    let dest = dir.path().join("backup.sqlite");
    store.backup_to(&dest).unwrap();
    assert!(store.backup_to(&dest).is_err(), "never overwrites");
    let copy = Store::open(&dest, Durability::Normal).unwrap();
    assert_eq!(copy.integrity_check().unwrap(), "ok");
    assert_eq!(
        copy.chunk_load(&k(&["doc", "snapshot", "1"])).unwrap(),
        Some(b"data".to_vec())
    );
    assert_eq!(copy.index_get("p1").unwrap(), Some(petition("p1")));
}
