//! The office's reports as files and charts: what the web UI's *Báo cáo* page and
//! `doithoai report` both call. The register (Mẫu 03) and the summary of any period, as XLSX,
//! CSV, DOCX or text ([`doithoai_reports`]), and the summary's charts as SVG
//! ([`doithoai_reports::charts`]).

use chrono::NaiveDate;
use doithoai_model::Lang;
use doithoai_reports::charts::Chart;
use doithoai_reports::{Dataset, Period, Summary};

use crate::app::App;
use crate::office_app::OfficeError;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// The reception register (Mẫu 03).
    Register,
    /// The summary of residents' petitions.
    Summary,
}

impl ReportKind {
    pub fn parse(s: &str) -> Option<ReportKind> {
        match s {
            "register" | "so" | "so-tiep-nhan" => Some(ReportKind::Register),
            "summary" | "tong-hop" => Some(ReportKind::Summary),
            _ => None,
        }
    }
    fn slug(self) -> &'static str {
        match self {
            ReportKind::Register => "so-tiep-nhan",
            ReportKind::Summary => "tong-hop",
        }
    }
}

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Csv,
    Xlsx,
    Docx,
}

impl ReportFormat {
    pub fn parse(s: &str) -> Option<ReportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" => Some(ReportFormat::Text),
            "csv" => Some(ReportFormat::Csv),
            "xlsx" | "excel" => Some(ReportFormat::Xlsx),
            "docx" | "word" => Some(ReportFormat::Docx),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Text => "txt",
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Docx => "docx",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Text => "text/plain; charset=utf-8",
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ReportFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// A report ready to be saved or downloaded.
#[derive(Debug, Clone)]
pub struct ReportFile {
    /// A file name such as `tong-hop-2026-Q4.xlsx`.
    pub name: String,
    pub format: ReportFormat,
    pub bytes: Vec<u8>,
    /// How many petitions it lists.
    pub count: usize,
}

/// The day overdue items are counted on for a period: today, or the period's last day when it
/// is over.
pub fn default_as_of(period: &Period) -> NaiveDate {
    doithoai_model::time::ward_now().date_naive().min(period.to)
}

impl App {
    /// The summary of `period`, overdue items counted on `as_of` (default: [`default_as_of`]).
    pub async fn report_summary(
        &self,
        period: &Period,
        as_of: Option<NaiveDate>,
        lang: Lang,
    ) -> Result<Summary, OfficeError> {
        let (petitions, handling, registry) = self.report_data().await?;
        let data = Dataset {
            petitions: &petitions,
            handling: &handling,
            registry: &registry,
        };
        Ok(doithoai_reports::summary(
            data,
            period,
            as_of.unwrap_or_else(|| default_as_of(period)),
            lang,
        ))
    }

    /// The summary's charts.
    pub async fn report_charts(
        &self,
        period: &Period,
        lang: Lang,
    ) -> Result<(Summary, Vec<Chart>), OfficeError> {
        let s = self.report_summary(period, None, lang).await?;
        let charts = doithoai_reports::charts::charts(&s);
        Ok((s, charts))
    }

    /// A report as a file: `sep` is the CSV's separator.
    pub async fn report_file(
        &self,
        kind: ReportKind,
        period: &Period,
        format: ReportFormat,
        as_of: Option<NaiveDate>,
        sep: char,
        lang: Lang,
    ) -> Result<ReportFile, OfficeError> {
        let (petitions, handling, registry) = self.report_data().await?;
        let data = Dataset {
            petitions: &petitions,
            handling: &handling,
            registry: &registry,
        };
        let today = doithoai_model::time::ward_now().date_naive();
        let (bytes, count) = match kind {
            ReportKind::Register => {
                let r = doithoai_reports::register(data, period, lang);
                let bytes = match format {
                    ReportFormat::Text => doithoai_reports::text::register_text(&r).into_bytes(),
                    ReportFormat::Csv => doithoai_reports::csv::register_csv(&r, sep),
                    ReportFormat::Xlsx => doithoai_reports::xlsx::register_xlsx(&r)?,
                    ReportFormat::Docx => {
                        doithoai_reports::docx::register_docx(&r, &registry, today)?
                    }
                };
                (bytes, r.rows.len())
            }
            ReportKind::Summary => {
                let as_of = as_of.unwrap_or_else(|| default_as_of(period));
                let s = doithoai_reports::summary(data, period, as_of, lang);
                let bytes = match format {
                    ReportFormat::Text => doithoai_reports::text::summary_text(&s).into_bytes(),
                    ReportFormat::Csv => doithoai_reports::csv::summary_csv(&s, sep),
                    ReportFormat::Xlsx => doithoai_reports::xlsx::summary_xlsx(&s)?,
                    ReportFormat::Docx => {
                        doithoai_reports::docx::summary_docx(&s, &registry, today)?
                    }
                };
                (bytes, s.rows.len())
            }
        };
        Ok(ReportFile {
            name: format!("{}-{}.{}", kind.slug(), period.slug(), format.extension()),
            format,
            bytes,
            count,
        })
    }
}
