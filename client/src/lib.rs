//! The doithoai client: what runs on a TDP leader's or an office clerk's laptop.
//!
//! `app` holds the operations on local data (record, edit, list, show petitions; keep the query
//! index current); `cli` turns command lines into those operations and prints the results in
//! Vietnamese (or English). The data lives in one SQLite file in the data directory; the CLI works
//! entirely offline.

pub mod app;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod help_en;
pub mod net;
pub mod office;
pub mod office_app;
pub mod prompt;
pub mod sessions;
pub mod sessions_app;

pub use app::{App, AppError};
