//! The office's command line: `doithoai handle ...` (the register and the handling of each
//! petition) and `doithoai report ...` (the reception register and the summary, as text, CSV or
//! XLSX). The operations themselves are in [`crate::office_app`].

use std::io::Write;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::{Args, Subcommand};
use doithoai_model::handling::{
    AnswerInput, Channel, Competence, Conflict, ForwardInput, ForwardMode, Item, OverdueKind,
    RegisterNo,
};
use doithoai_model::time::{format_date, parse_date};
use doithoai_model::workdays::Calendar;
use doithoai_model::{Lang, Localize, PetitionKind, Registry, Status, ValidationError};
use doithoai_reports::{Dataset, Period};
use doithoai_store::PetitionRow;
use uuid::Uuid;

use crate::app::{App, AppError};
use crate::cli::CliError;
use crate::office_app::{Classify, OfficeError, OfficeView};

mod args;
mod handle;
mod helpers;
mod report;

pub use args::*;
pub use handle::*;
pub(crate) use helpers::*;
pub use report::*;
