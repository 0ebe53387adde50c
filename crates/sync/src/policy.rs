//! The server's share policy: who may read and write which document, decided by the registry.

use std::sync::Arc;

use futures::Stream;
use samod::{DocumentId, PeerId, ShareConfig, SharePolicy};

/// What a peer may do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write: the peer's changes are accepted.
    ReadWrite,
    /// Read only: the peer receives changes; what it sends is ignored.
    ReadOnly,
    /// Nothing: the document's existence is not revealed.
    None,
}

/// Decides access from document and peer ids (the server implements it over its registry).
pub trait AccessControl: Send + Sync + 'static {
    fn access(&self, doc_id: &str, peer_id: &str) -> Access;
}

/// A samod share policy that asks an [`AccessControl`]. The server never announces documents:
/// devices ask for what they use, and get changes to what they have asked for.
///
/// samod keeps one decision per active document and peer; a device that creates a document
/// while connected announces it before it can register it, and the first decision is "none".
/// Each decision is therefore a stream that is re-evaluated whenever a document is registered
/// ([`PolicyNotifier::changed`]), so access granted later takes effect on the live connection.
#[derive(Clone)]
pub struct RolePolicy {
    access: Arc<dyn AccessControl>,
    changes: tokio::sync::broadcast::Sender<String>,
}

/// Tells the policy that a document's access may have changed.
#[derive(Clone)]
pub struct PolicyNotifier {
    changes: tokio::sync::broadcast::Sender<String>,
}

impl PolicyNotifier {
    pub fn changed(&self, doc_id: &str) {
        let _ = self.changes.send(doc_id.to_owned());
    }
}

impl RolePolicy {
    pub fn new(access: Arc<dyn AccessControl>) -> Self {
        RolePolicy {
            access,
            changes: tokio::sync::broadcast::channel(1024).0,
        }
    }

    /// The handle that re-evaluates decisions after a registration.
    pub fn notifier(&self) -> PolicyNotifier {
        PolicyNotifier {
            changes: self.changes.clone(),
        }
    }
}

fn config_of(decision: Access) -> ShareConfig {
    match decision {
        Access::ReadWrite => ShareConfig::read_write().with_announce(false),
        Access::ReadOnly => ShareConfig::read_only().with_announce(false),
        Access::None => ShareConfig::none(),
    }
}

impl SharePolicy for RolePolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        let (doc, peer) = (doc_id.to_string(), peer_id.to_string());
        // Subscribe before deciding: a registration between the two would otherwise be missed
        // and the document refused for the life of the connection.
        let rx = self.changes.subscribe();
        let decision = self.access.access(&doc, &peer);
        tracing::debug!(doc = %doc, peer = %peer, ?decision, "share decision");
        let first = futures::stream::iter([config_of(decision)]);
        let access = self.access.clone();
        let later = futures::stream::unfold(
            (rx, access, doc, peer, decision),
            |(mut rx, access, doc, peer, last)| async move {
                loop {
                    match rx.recv().await {
                        Ok(changed) if changed == doc => {
                            let now = access.access(&doc, &peer);
                            if now != last {
                                tracing::debug!(%doc, %peer, ?now, "share decision changed");
                                return Some((config_of(now), (rx, access, doc, peer, now)));
                            }
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        );
        futures::StreamExt::chain(first, later)
    }
}
