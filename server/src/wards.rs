//! One samod repository per ward, opened when first needed.
//!
//! samod's hub connects every connection to every active document of its repository: each pair
//! holds a sync state and a share decision, and every new connection or document is checked
//! against every counterpart. With one repository for a whole server, hosting many wards costs
//! memory and CPU in (all devices × all documents): forty wards of 25 devices and 51 documents
//! is two million pairs. A device only ever syncs its own ward's documents, so each ward gets its
//! own repository and the cost is (a ward's devices × its documents), forty times less there.
//!
//! All the repositories share the one store (SQLite or PostgreSQL). A document belongs to exactly one ward, so
//! their chunk keys never overlap; the store's one `storage-adapter-id` is the same for all of
//! them, which is true: it is one storage.

use std::collections::HashMap;

use crate::ServerStore;
use doithoai_sync::link::Acceptor;
use doithoai_sync::policy::PolicyNotifier;
use doithoai_sync::{LocalRepo, SyncError};

/// A ward's repository, where its devices' connections enter, and the handle that re-evaluates
/// its share decisions after a registration.
#[derive(Clone)]
pub struct WardRepo {
    pub repo: LocalRepo,
    pub acceptor: Acceptor,
    pub policy: PolicyNotifier,
}

/// The repositories of the wards this server hosts.
pub struct WardRepos {
    store: ServerStore,
    url: String,
    repos: tokio::sync::Mutex<HashMap<String, WardRepo>>,
    /// The heads of the stored documents, by their chunk keys, for the document list.
    pub heads: doithoai_sync::repo::HeadsCache,
}

impl WardRepos {
    /// The store samod's chunks are read through (the SQLite file, or the database's chunks).
    pub fn chunks(&self) -> &doithoai_store::Store {
        &self.store.chunks
    }

    /// `url` is the websocket address the server listens on (samod's acceptor wants one).
    pub fn new(store: ServerStore, url: String) -> WardRepos {
        WardRepos {
            store,
            url,
            repos: Default::default(),
            heads: Default::default(),
        }
    }

    /// The repository of `ward`, opened on first use. Opening is serialized, so that the first
    /// repository writes the store's storage id before any other reads it.
    pub async fn get(&self, ward: &str) -> Result<WardRepo, SyncError> {
        let mut repos = self.repos.lock().await;
        if let Some(r) = repos.get(ward) {
            return Ok(r.clone());
        }
        let (repo, policy) = crate::open_repo_with_notifier(&self.store).await;
        let acceptor = repo.acceptor(&self.url)?;
        let r = WardRepo {
            repo,
            acceptor,
            policy,
        };
        repos.insert(ward.to_owned(), r.clone());
        tracing::debug!(ward, "ward repository opened");
        Ok(r)
    }

    /// Stops every repository once its pending writes have reached the store.
    pub async fn stop(&self) {
        let repos: Vec<WardRepo> = self.repos.lock().await.drain().map(|(_, r)| r).collect();
        for r in repos {
            r.repo.stop().await;
        }
    }
}
