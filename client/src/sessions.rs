//! The dialogue sessions' command line: `doithoai plan ...` and `doithoai session ...` (being written).

use std::io::Write;

use clap::Subcommand;
use doithoai_model::Lang;

use crate::app::App;
use crate::cli::CliError;

/// Kế hoạch tiếp xúc, đối thoại trong năm.
#[derive(Debug, Subcommand)]
pub enum PlanCmd {}

/// Cuộc tiếp xúc, đối thoại.
#[derive(Debug, Subcommand)]
pub enum SessionCmd {}

pub async fn run_plan(_app: &App, cmd: PlanCmd, _lang: Lang, _out: &mut dyn Write) -> Result<(), CliError> {
    match cmd {}
}

pub async fn run_session(_app: &App, cmd: SessionCmd, _lang: Lang, _out: &mut dyn Write) -> Result<(), CliError> {
    match cmd {}
}
