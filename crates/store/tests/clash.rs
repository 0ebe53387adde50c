//! One petition id in several intake documents: never an overwrite. Whatever the order in which
//! the documents are indexed, re-indexed, removed or rebuilt, exactly one copy is shown, it is
//! the copy that claims its own document's point when there is one, every other copy is listed
//! as a clash, and a forged copy never replaces the original's content.

use doithoai_store::{Durability, IndexFlag, IntakeIssue, PetitionFilter, PetitionRow, Store};
use proptest::prelude::*;

const ID: &str = "b0b0b0b0-0000-4000-8000-000000000001";

fn copy(doc: &str, point: &str, content: &str) -> PetitionRow {
    PetitionRow {
        id: ID.into(),
        doc_id: doc.into(),
        point: point.into(),
        created_at: "2026-11-28T09:15:00+07:00".into(),
        kind: "kien_nghi".into(),
        status: "collected".into(),
        content: content.into(),
        updated_at: "2026-11-28T09:15:00+07:00".into(),
        people_count: 1,
        ..Default::default()
    }
}

/// B's original (consistent), A's forged copy claiming B's point (flagged), C's copy that claims
/// its own point (a clash of two consistent copies).
fn apply(store: &Store, which: u8) {
    match which {
        0 => store
            .index_apply("doc-b", b"h", &[copy("doc-b", "tdp-b", "original")], &[])
            .unwrap(),
        1 => store
            .index_apply_flagged(
                "doc-a",
                b"h",
                &[copy("doc-a", "tdp-a", "forged")],
                &[],
                &[IndexFlag {
                    id: ID.into(),
                    kind: "point".into(),
                    detail: "tdp-b".into(),
                }],
            )
            .unwrap(),
        _ => store
            .index_apply("doc-c", b"h", &[copy("doc-c", "tdp-c", "collided")], &[])
            .unwrap(),
    }
}

fn shown(store: &Store) -> Vec<PetitionRow> {
    store.list_petitions(&PetitionFilter::default()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_forged_copy_never_replaces_the_original(
        order in proptest::collection::vec(0u8..2, 1..8),
        rebuild_at in 0usize..8,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("i.sqlite"), Durability::Full).unwrap();
        let mut applied = std::collections::BTreeSet::new();
        for (i, w) in order.iter().enumerate() {
            if i == rebuild_at {
                store.index_clear().unwrap();
                for a in &applied {
                    apply(&store, *a);
                }
            }
            apply(&store, *w);
            applied.insert(*w);
            let rows = shown(&store);
            prop_assert_eq!(rows.len(), 1);
            if applied.contains(&0) {
                prop_assert_eq!(&rows[0].content, "original");
                prop_assert_eq!(&rows[0].point, "tdp-b");
            }
            let issues = store.intake_issues(None).unwrap();
            let copies = issues.iter().find_map(|i| match i {
                IntakeIssue::SameId { copies, .. } => Some(copies.len()),
                _ => None,
            });
            prop_assert_eq!(copies.unwrap_or(1), applied.len());
        }
    }

    #[test]
    fn two_consistent_copies_keep_the_first_seen_through_rebuilds(
        first in 0u8..2,
        removals in proptest::collection::vec(any::<bool>(), 0..4),
    ) {
        let (first, second) = if first == 0 { (0, 2) } else { (2, 0) };
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("i.sqlite"), Durability::Full).unwrap();
        apply(&store, first);
        apply(&store, second);
        let want = shown(&store)[0].doc_id.clone();
        prop_assert_eq!(&want, if first == 0 { "doc-b" } else { "doc-c" });
        // A rebuild that meets them in the other order shows the same copy.
        store.index_clear().unwrap();
        apply(&store, second);
        apply(&store, first);
        prop_assert_eq!(&shown(&store)[0].doc_id, &want);
        // Removing the shown copy shows the other; adding it back keeps the first seen.
        for r in removals {
            if r {
                store.index_apply(&want, b"h2", &[], &[ID.to_owned()]).unwrap();
                let rows = shown(&store);
                prop_assert_eq!(rows.len(), 1);
                prop_assert!(rows[0].doc_id != want);
                prop_assert!(store.intake_issues(None).unwrap().is_empty());
                apply(&store, if want == "doc-b" { 0 } else { 2 });
            }
            prop_assert_eq!(&shown(&store)[0].doc_id, &want);
        }
    }
}
