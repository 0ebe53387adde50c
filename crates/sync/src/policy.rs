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
#[derive(Clone)]
pub struct RolePolicy {
    access: Arc<dyn AccessControl>,
}

impl RolePolicy {
    pub fn new(access: Arc<dyn AccessControl>) -> Self {
        RolePolicy { access }
    }
}

impl SharePolicy for RolePolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        let decision = self
            .access
            .access(&doc_id.to_string(), &peer_id.to_string());
        tracing::debug!(doc = %doc_id, peer = %peer_id, ?decision, "share decision");
        let config = match decision {
            Access::ReadWrite => ShareConfig::read_write().with_announce(false),
            Access::ReadOnly => ShareConfig::read_only().with_announce(false),
            Access::None => ShareConfig::none(),
        };
        futures::stream::iter([config])
    }
}
