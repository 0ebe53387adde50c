//! The office's command line: `doithoai handle ...` and `doithoai report ...` (being written).

use std::io::Write;

use clap::Subcommand;
use doithoai_model::Lang;

use crate::app::App;
use crate::cli::CliError;

/// Xử lý ý kiến tại văn phòng.
#[derive(Debug, Subcommand)]
pub enum HandleCmd {}

/// Báo cáo.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {}

pub async fn run_handle(
    _app: &App,
    cmd: HandleCmd,
    _lang: Lang,
    _out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {}
}

pub async fn run_report(
    _app: &App,
    cmd: ReportCmd,
    _lang: Lang,
    _out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {}
}

/// Overlays the office's handling (status, register number, deadline, field) on index rows
/// made from intake documents.
pub fn overlay_handling(
    _app: &App,
    _rows: &mut [doithoai_store::PetitionRow],
) -> Result<(), crate::app::AppError> {
    Ok(())
}
