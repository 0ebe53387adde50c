//! `SqliteStorage` behaves exactly like samod's own `InMemoryStorage` through the `Storage`
//! trait: the same random sequences of put, delete, load and load_range give the same answers,
//! and the data survives closing and reopening the file.

use std::collections::HashMap;

use doithoai_store::{Durability, Store};
use doithoai_sync::SqliteStorage;
use proptest::prelude::*;
use samod::storage::{InMemoryStorage, Storage, StorageKey};

#[derive(Debug, Clone)]
enum Op {
    Put(Vec<String>, Vec<u8>),
    Delete(Vec<String>),
    Load(Vec<String>),
    Range(Vec<String>),
}

fn component() -> impl Strategy<Value = String> {
    // Few distinct names so that keys share prefixes; "ab" vs "a" tests component boundaries.
    prop_oneof![
        Just("a".to_owned()),
        Just("ab".to_owned()),
        Just("b".to_owned()),
        Just("snapshot".to_owned()),
        "[a-z0-9]{1,3}"
    ]
}

fn key(min: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(component(), min..4)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key(1), prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(k, v)| Op::Put(k, v)),
        1 => key(1).prop_map(Op::Delete),
        2 => key(1).prop_map(Op::Load),
        3 => key(0).prop_map(Op::Range),
    ]
}

fn sk(parts: &[String]) -> StorageKey {
    StorageKey::from_parts(parts).expect("valid key")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn same_answers_as_samods_in_memory_storage(ops in prop::collection::vec(op(), 1..60)) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        rt.block_on(async {
            let sqlite = SqliteStorage::new(Store::open(&path, Durability::Normal).unwrap());
            let memory = InMemoryStorage::new();
            for op in &ops {
                match op {
                    Op::Put(k, v) => {
                        sqlite.put(sk(k), v.clone()).await;
                        memory.put(sk(k), v.clone()).await;
                    }
                    Op::Delete(k) => {
                        sqlite.delete(sk(k)).await;
                        memory.delete(sk(k)).await;
                    }
                    Op::Load(k) => {
                        prop_assert_eq!(sqlite.load(sk(k)).await, memory.load(sk(k)).await);
                    }
                    Op::Range(p) => {
                        let a: HashMap<StorageKey, Vec<u8>> = sqlite.load_range(sk(p)).await;
                        let b = memory.load_range(sk(p)).await;
                        prop_assert_eq!(a, b);
                    }
                }
            }
            // Reopen: everything is still there.
            drop(sqlite);
            let reopened = SqliteStorage::new(Store::open(&path, Durability::Normal).unwrap());
            prop_assert_eq!(reopened.load_range(sk(&[])).await, memory.load_range(sk(&[])).await);
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn two_handles_on_one_file_see_each_others_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let a = SqliteStorage::new(Store::open(&path, Durability::Full).unwrap());
    let b = SqliteStorage::new(Store::open(&path, Durability::Full).unwrap());
    a.put(
        sk(&["doc".into(), "incremental".into(), "h1".into()]),
        vec![1],
    )
    .await;
    b.put(
        sk(&["doc".into(), "incremental".into(), "h2".into()]),
        vec![2],
    )
    .await;
    assert_eq!(a.load_range(sk(&["doc".into()])).await.len(), 2);
    assert_eq!(
        b.load(sk(&["doc".into(), "incremental".into(), "h1".into()]))
            .await,
        Some(vec![1])
    );
    b.delete(sk(&["doc".into(), "incremental".into(), "h1".into()]))
        .await;
    assert_eq!(
        a.load(sk(&["doc".into(), "incremental".into(), "h1".into()]))
            .await,
        None
    );
}
