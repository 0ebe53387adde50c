//! The doithoai client: what runs on a TDP leader's or an office clerk's laptop.
//!
//! `app` holds the operations on local data (record, edit, list, show petitions; keep the query
//! index current); `cli` turns command lines into those operations and prints the results in
//! Vietnamese (or English); `web` is the local web UI `doithoai serve` offers on 127.0.0.1 over the
//! same operations. The data lives in one SQLite file in the data directory; the CLI works
//! entirely offline.

pub mod app;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod integrity;
pub mod net;
pub mod office;
pub mod office_app;
pub mod prompt;
pub mod sessions;
pub mod sessions_app;
pub mod web;

pub use app::{App, AppError};
