//! Two processes on one device's store (`doithoai serve` and a CLI command beside it): a document
//! the long-running one loaded earlier shows, at the next `find`, what the other one wrote, not
//! what it held when it loaded it.

use automerge::{Automerge, ReadDoc, ScalarValue, Value, transaction::Transactable};
use doithoai_model::ChangeMeta;
use doithoai_store::{Durability, Store};
use doithoai_sync::repo::{LocalRepo, change, read};

fn count(doc: &Automerge) -> Option<i64> {
    match doc.get(automerge::ROOT, "n").ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Int(n) => Some(*n),
            _ => None,
        },
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loaded_document_shows_what_another_process_wrote_at_the_next_find() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("device.sqlite3");
    // Two handles on the file: each has its own connection, as two processes do.
    let serve = LocalRepo::open(Store::open(&path, Durability::Full).expect("store"), None).await;
    let cli = LocalRepo::open(Store::open(&path, Durability::Full).expect("store"), None).await;
    let meta = ChangeMeta::new("test", "count", vec![]);

    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, "n", 1_i64)?;
        Ok(())
    })
    .expect("first change");
    let h = serve.create(doc).await.expect("create");
    let id = h.document_id().clone();
    let held = serve.find(&id).await.expect("find").expect("held");
    assert_eq!(read(&held, count), Some(1));

    // The CLI loads the document from the store, changes it and writes the change to disk.
    let theirs = cli.find(&id).await.expect("find").expect("stored");
    let before = read(&theirs, |d| d.get_heads());
    change(&theirs, &meta, |tx| {
        tx.put(automerge::ROOT, "n", 2_i64)?;
        Ok(())
    })
    .expect("second change");
    assert_eq!(cli.persist_since(&theirs, &before).expect("persist"), 1);

    // The next find in the long-running process sees it.
    let again = serve.find(&id).await.expect("find").expect("held");
    assert_eq!(read(&again, count), Some(2), "the CLI's change is shown");
    // And a find with nothing new written changes nothing.
    let heads = read(&again, |d| d.get_heads());
    let same = serve.find(&id).await.expect("find").expect("held");
    assert_eq!(read(&same, |d| d.get_heads()), heads);
    serve.stop().await;
    cli.stop().await;
}
