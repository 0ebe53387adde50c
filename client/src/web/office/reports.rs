//! The office's reports pages.

use std::sync::Arc;

use axum::Router;

use crate::web::AppState;

/// This part's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
