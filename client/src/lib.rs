//! The doithoai client: what runs on a TDP leader's or an office clerk's laptop.
//!
//! `app` holds the operations on local data (record, edit, list, show petitions; keep the query
//! index current); `cli` turns command lines into those operations and prints the results in
//! Vietnamese (or English); `web` is the local web UI `doithoai serve` offers on 127.0.0.1 over the
//! same operations. The data lives in one SQLite file in the data directory; the CLI works
//! entirely offline.

pub mod calendar;
pub mod cli;
pub mod help_en;
pub mod import;
pub mod integrity;
pub mod office;
pub mod prompt;
pub mod sessions;
pub mod web;

// The operations, from doithoai-device; re-exported under their old paths so the front ends
// (and the tests) name them as before.
pub use doithoai_device::{App, AppError, app, config, net, office_app, sessions_app};
