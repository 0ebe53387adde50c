//! The office's pages: the desk (inbox, duplicates, handling from assignment to closing,
//! overdue, conflicts) in [`desk`], and the reports, charts and spreadsheet import in
//! [`reports`].

mod desk;
mod reports;

use std::sync::Arc;

use axum::Router;

use super::AppState;

/// The office's panel of the petition page (pages.rs shows it on office devices).
pub(super) use desk::{PetitionPanel, StepError, flash, petition_panel};

/// The office's routes, merged into the UI's router (behind the same security guard).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().merge(desk::routes()).merge(reports::routes())
}
