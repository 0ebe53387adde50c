//! What a doithoai laptop does, as operations that return typed results and localized errors.
//!
//! Every operation a TDP leader's, an office clerk's or an MTTQ member's laptop performs lives
//! here, and nowhere else: recording, editing, listing and showing petitions and keeping the
//! query index current ([`app`]); the office's handling and reports ([`office_app`]); importing spreadsheets
//! ([`import`]); the reports page's downloads and charts ([`reports_app`]); the ward's working-day calendar
//! ([`calendar_app`]);
//! dialogue sessions and the annual plan ([`sessions_app`]); the registrations devices made with
//! the server, for the office ([`registrations`]); the device's side of the ward
//! server: enrolment, sync passes, status and the background sync of `serve` ([`net`]).
//!
//! The crate never prints and never parses command lines. Its two front ends, the CLI and the
//! local web UI in the `doithoai` binary (client/), call the same operations; neither holds logic
//! the other lacks. Errors implement [`doithoai_model::Localize`], so each front end tells them
//! in the user's language.

pub mod app;
pub mod calendar_app;
pub mod config;
pub mod import;
pub mod net;
pub mod office_app;
pub mod registrations;
pub mod reports_app;
pub mod sessions_app;

pub use app::{App, AppError};
