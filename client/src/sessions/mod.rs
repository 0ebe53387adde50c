//! The dialogue sessions' command line: `doithoai plan ...` and `doithoai session ...`.
//!
//! Made for a secretary recording a session live, offline, in a hall: short commands, the
//! current session remembered (`session use`), speakers, speeches and conclusions named by their
//! number in the lists (`#3` or `3`), times defaulting to now. Messages are in Vietnamese;
//! `--lang en` switches to English. The operations are in [`crate::sessions_app`].

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use doithoai_model::session::{
    self, Category, Chair, Compliance, NewPlanned, NewSession, NewSpeech, PlannedState, Session,
    SessionEdit, SessionError, SessionKind, SessionStatus, Verdict, step_label,
};
use doithoai_model::time::{format_date, parse_date, ward_now};
use doithoai_model::{Lang, Localize, Registry};

use crate::app::App;
use crate::cli::CliError;
use crate::sessions_app::{
    ApplyResult, ConcludeReport, DocKind, DocOverrides, ImportFilter, SessionView, SessionsError,
    short_doc,
};

mod args;
mod helpers;
mod plan;
mod print;
mod record;

pub use args::*;
use helpers::*;
pub use plan::*;
use print::*;
pub use record::*;

pub(super) fn cli_err(e: SessionsError) -> CliError {
    match e {
        SessionsError::App(a) => CliError::App(a),
        other => CliError::Usage {
            vi: other.localize(Lang::Vi),
            en: other.localize(Lang::En),
        },
    }
}

pub(super) fn s_err(e: SessionError) -> CliError {
    cli_err(SessionsError::Session(e))
}

pub(super) fn json(out: &mut dyn Write, v: &impl serde::Serialize) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, v).map_err(std::io::Error::other)?;
    writeln!(out)?;
    Ok(())
}
