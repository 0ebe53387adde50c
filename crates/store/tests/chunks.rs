//! The chunk space behaves like samod's in-memory storage, on a real SQLite file.

use std::collections::BTreeMap;

use doithoai_store::{Durability, Store, StoreError};
use proptest::prelude::*;

fn k(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("nested/dir/data.sqlite"), Durability::Full).unwrap()
}

fn keys(found: &[(Vec<String>, Vec<u8>)]) -> Vec<Vec<String>> {
    found.iter().map(|(k, _)| k.clone()).collect()
}

#[test]
fn put_load_overwrite_delete() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert!(store.path().exists());
    assert_eq!(
        store.chunk_load(&k(&["doc", "snapshot", "h1"])).unwrap(),
        None
    );
    store
        .chunk_put(&k(&["doc", "snapshot", "h1"]), b"one")
        .unwrap();
    assert_eq!(
        store.chunk_load(&k(&["doc", "snapshot", "h1"])).unwrap(),
        Some(b"one".to_vec())
    );
    store
        .chunk_put(&k(&["doc", "snapshot", "h1"]), b"two")
        .unwrap();
    assert_eq!(
        store.chunk_load(&k(&["doc", "snapshot", "h1"])).unwrap(),
        Some(b"two".to_vec())
    );
    // an empty chunk is a chunk
    store
        .chunk_put(&k(&["doc", "incremental", "e"]), b"")
        .unwrap();
    assert_eq!(
        store.chunk_load(&k(&["doc", "incremental", "e"])).unwrap(),
        Some(vec![])
    );
    store.chunk_delete(&k(&["doc", "snapshot", "h1"])).unwrap();
    assert_eq!(
        store.chunk_load(&k(&["doc", "snapshot", "h1"])).unwrap(),
        None
    );
    // deleting what is not there is fine
    store.chunk_delete(&k(&["doc", "snapshot", "h1"])).unwrap();
    store.chunk_delete(&k(&["nothing"])).unwrap();
}

#[test]
fn load_range_is_component_wise() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    for key in [
        k(&["a"]),
        k(&["a", "b"]),
        k(&["a", "b", "c"]),
        k(&["a", "bc"]),
        k(&["ab"]),
        k(&["ab", "b"]),
        k(&["a-"]),
        k(&["a0"]),
        k(&["b"]),
        k(&["Nguyễn", "đường"]),
    ] {
        store.chunk_put(&key, key.join("|").as_bytes()).unwrap();
    }
    assert_eq!(
        keys(&store.chunk_load_range(&k(&["a"])).unwrap()),
        vec![
            k(&["a"]),
            k(&["a", "b"]),
            k(&["a", "b", "c"]),
            k(&["a", "bc"])
        ]
    );
    assert_eq!(
        keys(&store.chunk_load_range(&k(&["a", "b"])).unwrap()),
        vec![k(&["a", "b"]), k(&["a", "b", "c"])]
    );
    assert_eq!(
        keys(&store.chunk_load_range(&k(&["ab"])).unwrap()),
        vec![k(&["ab"]), k(&["ab", "b"])]
    );
    assert_eq!(
        keys(&store.chunk_load_range(&k(&["a", "b", "c", "d"])).unwrap()),
        Vec::<Vec<String>>::new()
    );
    assert_eq!(
        keys(&store.chunk_load_range(&k(&["zz"])).unwrap()),
        Vec::<Vec<String>>::new()
    );
    assert_eq!(
        keys(&store.chunk_load_range(&k(&["Nguyễn"])).unwrap()),
        vec![k(&["Nguyễn", "đường"])]
    );
    let all = store.chunk_load_range(&[]).unwrap();
    assert_eq!(all.len(), 10);
    for (key, data) in &all {
        assert_eq!(data, key.join("|").as_bytes());
    }
    assert_eq!(
        store.chunk_doc_ids().unwrap(),
        k(&["Nguyễn", "a", "a-", "a0", "ab", "b"])
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
}

#[test]
fn doc_ids_are_distinct_first_components() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert!(store.chunk_doc_ids().unwrap().is_empty());
    for (doc, kind, hash) in [
        ("3xK9", "incremental", "aa"),
        ("3xK9", "incremental", "bb"),
        ("3xK9", "snapshot", "cc"),
        ("2Ab", "snapshot", "dd"),
        ("3xK", "snapshot", "ee"),
    ] {
        store.chunk_put(&k(&[doc, kind, hash]), b"x").unwrap();
    }
    store.chunk_put(&k(&["storage-adapter-id"]), b"id").unwrap();
    assert_eq!(
        store.chunk_doc_ids().unwrap(),
        k(&["2Ab", "3xK", "3xK9", "storage-adapter-id"])
    );
}

#[test]
fn invalid_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    for bad in [k(&["a/b"]), k(&["a", ""]), k(&["/"])] {
        assert!(matches!(
            store.chunk_put(&bad, b"x"),
            Err(StoreError::InvalidKey { .. })
        ));
        assert!(matches!(
            store.chunk_load(&bad),
            Err(StoreError::InvalidKey { .. })
        ));
        assert!(matches!(
            store.chunk_load_range(&bad),
            Err(StoreError::InvalidKey { .. })
        ));
    }
}

#[test]
fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.sqlite");
    {
        let store = Store::open(&path, Durability::Full).unwrap();
        store
            .chunk_put(&k(&["d", "snapshot", "1"]), &[1, 2, 3])
            .unwrap();
        store.meta_set("device.token", "bí mật").unwrap();
    }
    let store = Store::open(&path, Durability::Normal).unwrap();
    assert_eq!(
        store.chunk_load(&k(&["d", "snapshot", "1"])).unwrap(),
        Some(vec![1, 2, 3])
    );
    assert_eq!(
        store.meta_get("device.token").unwrap().as_deref(),
        Some("bí mật")
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn two_handles_on_one_file_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite");
    let a = Store::open(&path, Durability::Full).unwrap();
    let b = Store::open(&path, Durability::Full).unwrap();
    let version = b.data_version().unwrap();
    a.chunk_put(&k(&["doc", "incremental", "1"]), b"from a")
        .unwrap();
    assert_ne!(b.data_version().unwrap(), version, "b notices a's commit");
    assert_eq!(
        b.chunk_load(&k(&["doc", "incremental", "1"])).unwrap(),
        Some(b"from a".to_vec())
    );
    b.chunk_put(&k(&["doc", "incremental", "2"]), b"from b")
        .unwrap();
    assert_eq!(a.chunk_load_range(&k(&["doc"])).unwrap().len(), 2);
    b.chunk_delete(&k(&["doc", "incremental", "1"])).unwrap();
    assert_eq!(
        a.chunk_load(&k(&["doc", "incremental", "1"])).unwrap(),
        None
    );
    a.meta_set("k", "v").unwrap();
    assert_eq!(b.meta_get("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.sqlite");
    // All start at once on a file that does not exist yet: opening, creating the schema and
    // switching to WAL race each other, as `doithoai serve` and a CLI command can.
    let start = std::sync::Arc::new(std::sync::Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                // each thread its own handle (its own connection), as separate processes would
                let store = Store::open(&path, Durability::Full).unwrap();
                for i in 0..50 {
                    store
                        .chunk_put(&k(&["doc", &format!("t{t}"), &i.to_string()]), b"x")
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = Store::open(&path, Durability::Full).unwrap();
    assert_eq!(store.chunk_load_range(&k(&["doc"])).unwrap().len(), 200);
}

#[test]
fn meta_set_get_delete() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert_eq!(store.meta_get("sync.last").unwrap(), None);
    store
        .meta_set("sync.last", "2026-11-28T09:15:00+07:00")
        .unwrap();
    store
        .meta_set("sync.last", "2026-11-29T10:00:00+07:00")
        .unwrap();
    assert_eq!(
        store.meta_get("sync.last").unwrap().as_deref(),
        Some("2026-11-29T10:00:00+07:00")
    );
    store.meta_delete("sync.last").unwrap();
    store.meta_delete("sync.last").unwrap();
    assert_eq!(store.meta_get("sync.last").unwrap(), None);
}

#[test]
fn range_query_uses_the_primary_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    // Not a public API: check through SQLite's own plan on a second connection.
    let conn = rusqlite_plan(store.path());
    assert!(conn.contains("SEARCH"), "{conn}");
}

fn rusqlite_plan(path: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT key, data FROM chunk WHERE key >= ?1 AND key < ?2 ORDER BY key",
        )
        .unwrap();
    stmt.query_map(["a/", "a0"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .join("\n")
}

// ---- property test against a model ---------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Put(Vec<String>, Vec<u8>),
    Delete(Vec<String>),
    LoadRange(Vec<String>),
    Load(Vec<String>),
}

fn component() -> impl Strategy<Value = String> {
    // few, similar names so that prefixes collide: "a" vs "ab" vs "a-" vs "b"
    prop::sample::select(vec!["a", "ab", "a-", "a0", "b", "ba", "đ", "Đường"])
        .prop_map(str::to_owned)
}

fn key(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(component(), 1..=max)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key(3), prop::collection::vec(any::<u8>(), 0..8)).prop_map(|(k, v)| Op::Put(k, v)),
        2 => key(3).prop_map(Op::Delete),
        3 => prop::collection::vec(component(), 0..=3).prop_map(Op::LoadRange),
        1 => key(3).prop_map(Op::Load),
    ]
}

fn is_prefix(prefix: &[String], key: &[String]) -> bool {
    prefix.len() <= key.len() && prefix.iter().zip(key).all(|(a, b)| a == b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn behaves_like_a_component_wise_map(ops in prop::collection::vec(op(), 1..60)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prop.sqlite");
        let store = Store::open(&path, Durability::Normal).unwrap();
        let mut model: BTreeMap<Vec<String>, Vec<u8>> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    store.chunk_put(&k, &v).unwrap();
                    model.insert(k, v);
                }
                Op::Delete(k) => {
                    store.chunk_delete(&k).unwrap();
                    model.remove(&k);
                }
                Op::Load(k) => {
                    prop_assert_eq!(store.chunk_load(&k).unwrap(), model.get(&k).cloned());
                }
                Op::LoadRange(p) => {
                    let mut got = store.chunk_load_range(&p).unwrap();
                    got.sort();
                    let want: Vec<_> = model
                        .iter()
                        .filter(|(k, _)| is_prefix(&p, k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    prop_assert_eq!(got, want);
                }
            }
        }
        // and all of it survives a reopen
        drop(store);
        let store = Store::open(&path, Durability::Normal).unwrap();
        let mut all = store.chunk_load_range(&[]).unwrap();
        all.sort();
        prop_assert_eq!(all, model.into_iter().collect::<Vec<_>>());
    }
}
