//! The dialogue sessions' pages (annual plan, preparation, live mode, after the session) and
//! the MTTQ's monitoring of conclusions.

use std::sync::Arc;

use axum::Router;

use super::AppState;

/// The sessions' routes, merged into the UI's router (behind the same security guard).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
