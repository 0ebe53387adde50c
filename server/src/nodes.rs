//! Several server nodes on one PostgreSQL database: what one node's devices write reaches the
//! devices connected to another.
//!
//! samod reads storage only when it first loads a document, so a node that holds a document in
//! memory would not see the chunks another node writes. Each node therefore follows the others'
//! writes ([`doithoai_store::ServerDb::follow_changes`]: PostgreSQL's LISTEN/NOTIFY, a notice
//! per new chunk, sent at commit) and merges the chunks of each document named into its live
//! copy, exactly as `doithoai serve` merges what the CLI writes into the same SQLite file
//! (`LocalRepo::merge_stored`); samod then syncs the merged changes to this node's devices. Notices
//! arriving together are handled once per document (50 ms). When the listening connection was
//! lost, every document of every ward is merged again, since notices may have been missed.
//!
//! The registry needs nothing of this: every node reads it from the database per request, and
//! revocations every 250 ms (`api::enforce_revocations`), so an enrolment made on one node is
//! valid on all and a revocation on one closes the device's links on all within a second.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use doithoai_store::ChunkChange;

use crate::api::AppState;

/// Announces this node in a shared database every 2 s (so that its links count and its address
/// is given to enrolling devices) and forgets nodes gone silent, with the links they held
/// (a node SIGKILLed cannot give them back). Nothing to do on a database of one node.
pub fn beat(state: Arc<AppState>) {
    if !state.store.shared() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            let st = state.clone();
            let reap = n.is_multiple_of(15);
            n += 1;
            let done =
                tokio::task::spawn_blocking(move || -> Result<(), doithoai_store::StoreError> {
                    st.store
                        .node_beat(&st.node.id, st.node.advertise.as_deref())?;
                    if reap {
                        st.store.nodes_reap(crate::api::NODE_LIVE * 3)?;
                    }
                    Ok(())
                })
                .await;
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot announce this node"),
                Err(e) => tracing::warn!(error = %e, "cannot announce this node"),
            }
        }
    });
}

/// The addresses of the live nodes that advertise one, this node's first.
pub fn advertised(state: &AppState) -> Vec<String> {
    let mut out: Vec<String> = state.node.advertise.iter().cloned().collect();
    if state.store.shared() {
        match state.store.nodes_alive(crate::api::NODE_LIVE) {
            Ok(nodes) => {
                for a in nodes.into_iter().filter_map(|n| n.advertise) {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot list the other nodes"),
        }
    }
    out
}

/// Starts following the other nodes' writes, when the database can tell of them.
pub fn follow(state: Arc<AppState>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let following = state.store.follow_changes(Arc::new(move |c: ChunkChange| {
        let _ = tx.send(c);
    }));
    if following {
        tokio::spawn(merge_loop(state, rx));
    }
}

async fn merge_loop(
    state: Arc<AppState>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<ChunkChange>,
) {
    while let Some(first) = rx.recv().await {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut docs = BTreeSet::new();
        let mut everything = false;
        let mut note = |c: ChunkChange| match c {
            ChunkChange::Doc(d) => {
                docs.insert(d);
            }
            ChunkChange::Lost => everything = true,
        };
        note(first);
        while let Ok(c) = rx.try_recv() {
            note(c);
        }
        if everything {
            let db = state.store.clone();
            let all = tokio::task::spawn_blocking(
                move || -> Result<Vec<String>, doithoai_store::StoreError> {
                    let mut ids = Vec::new();
                    for w in db.wards()? {
                        ids.extend(db.docs_of_ward(&w.id)?.into_iter().map(|d| d.doc_id));
                    }
                    Ok(ids)
                },
            )
            .await;
            match all {
                Ok(Ok(ids)) => docs.extend(ids),
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot list the documents to merge"),
                Err(e) => tracing::warn!(error = %e, "cannot list the documents to merge"),
            }
        }
        for doc in docs {
            if let Err(e) = merge(&state, &doc).await {
                tracing::warn!(doc, error = %e, "could not merge another node's changes");
            }
        }
    }
}

/// Merges the stored chunks of `doc` into this node's copy of it.
async fn merge(
    state: &AppState,
    doc: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Ok(id) = doithoai_sync::parse_doc_id(doc) else {
        return Ok(()); // storage-adapter-id and other top-level keys
    };
    let db = state.store.clone();
    let owned = doc.to_owned();
    let Some(row) = tokio::task::spawn_blocking(move || db.doc(&owned)).await?? else {
        return Ok(()); // not registered: nobody may sync it
    };
    let repo = state.wards.get(&row.ward_id).await?.repo;
    let Some(handle) = repo.find(&id).await? else {
        return Ok(());
    };
    let changed = tokio::task::spawn_blocking(move || repo.merge_stored(&handle)).await??;
    if changed {
        tracing::debug!(doc, "merged another node's changes");
    }
    Ok(())
}
