//! `doithoai report`: the register, the summary and the overdue list as files.

use super::*;

// ---------------------------------------------------------------------------------------------
// doithoai report
// ---------------------------------------------------------------------------------------------

pub(super) fn parse_pair(s: &str, what_vi: &str, what_en: &str) -> Result<(u32, i32), CliError> {
    let bad = || {
        usage(
            format!("{what_vi} «{s}» không hợp lệ."),
            format!("Invalid {what_en} {s:?}."),
        )
    };
    let (a, b) = s.trim().split_once(['/', '-']).ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

pub(super) fn report_err(e: doithoai_reports::ReportError) -> CliError {
    office_err(OfficeError::Report(e))
}

/// The period the flags name (this year when none is given).
pub fn period_of(p: &PeriodArgs) -> Result<Period, CliError> {
    let given = [
        p.month.is_some(),
        p.quarter.is_some(),
        p.months.is_some(),
        p.from.is_some() || p.to.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given > 1 || (p.year.is_some() && (p.month.is_some() || p.quarter.is_some())) {
        return Err(usage(
            "Chỉ chọn một kỳ báo cáo: --month, --quarter, --year (có thể kèm --months), hoặc --from/--to.",
            "Choose one period: --month, --quarter, --year (optionally with --months), or --from/--to.",
        ));
    }
    let year = p.year.unwrap_or_else(|| today().year());
    let period = if let Some(m) = &p.month {
        let (m, y) = parse_pair(m, "Tháng", "month (MM/YYYY)")?;
        Period::month(m, y)
    } else if let Some(q) = &p.quarter {
        let (q, y) = parse_pair(q, "Quý", "quarter (Q/YYYY)")?;
        Period::quarter(q, y)
    } else if let Some(n) = p.months {
        Period::first_months(n, year)
    } else if p.from.is_some() || p.to.is_some() {
        let (Some(from), Some(to)) = (&p.from, &p.to) else {
            return Err(usage(
                "Cần cả --from và --to.",
                "Both --from and --to are needed.",
            ));
        };
        Period::range(parse_date(from)?, parse_date(to)?)
    } else {
        Period::year(year)
    };
    period.map_err(report_err)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Text,
    Csv,
    Xlsx,
    Docx,
}

pub(super) fn format_of(args: &ReportArgs) -> Result<Format, CliError> {
    let from_ext = args
        .output
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let f = match (
        args.format
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        from_ext.as_deref(),
    ) {
        (Some("text" | "txt"), _) => Format::Text,
        (Some("csv"), _) => Format::Csv,
        (Some("xlsx" | "excel"), _) => Format::Xlsx,
        (Some("docx" | "word"), _) => Format::Docx,
        (Some(other), _) => {
            return Err(usage(
                format!("Định dạng «{other}» không hỗ trợ: text, csv, xlsx hoặc docx."),
                format!("Unsupported format {other:?}: text, csv, xlsx or docx."),
            ));
        }
        (None, Some("xlsx")) => Format::Xlsx,
        (None, Some("csv")) => Format::Csv,
        (None, Some("docx")) => Format::Docx,
        (None, _) => Format::Text,
    };
    if f == Format::Xlsx && args.output.is_none() {
        return Err(usage(
            "Xuất Excel cần tên tệp: --output ten-tep.xlsx",
            "Excel output needs a file name: --output file.xlsx",
        ));
    }
    if f == Format::Docx && args.output.is_none() {
        return Err(usage(
            "Xuất Word cần tên tệp: --output ten-tep.docx",
            "Word output needs a file name: --output file.docx",
        ));
    }
    if !matches!(args.separator, ',' | ';' | '\t') {
        return Err(usage(
            "Dấu phân cách CSV chỉ có thể là «,», «;» hoặc tab.",
            "The CSV separator must be ',', ';' or a tab.",
        ));
    }
    Ok(f)
}

pub(super) fn emit(
    args: &ReportArgs,
    bytes: Vec<u8>,
    what_vi: &str,
    what_en: &str,
    count: usize,
    l: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| {
                usage(
                    format!(
                        "Không ghi được tệp {}: {}",
                        path.display(),
                        doithoai_model::lang::io_error(&e, Lang::Vi)
                    ),
                    format!("Cannot write {}: {e}", path.display()),
                )
            })?;
            writeln!(
                out,
                "{}",
                match l {
                    Lang::Vi => format!(
                        "Đã ghi {what_vi} ({count} ý kiến) vào tệp {}.",
                        path.display()
                    ),
                    Lang::En => format!(
                        "Wrote the {what_en} ({count} petitions) to {}.",
                        path.display()
                    ),
                }
            )?;
        }
        None => out.write_all(&bytes)?,
    }
    Ok(())
}

pub async fn run_report(
    app: &App,
    cmd: ReportCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let l = lang;
    let (petitions, handling, registry) = app.report_data().await.map_err(office_err)?;
    let data = Dataset {
        petitions: &petitions,
        handling: &handling,
        registry: &registry,
    };
    match cmd {
        ReportCmd::Register(args) => {
            let period = period_of(&args.period)?;
            let format = format_of(&args)?;
            let r = doithoai_reports::register(data, &period, l);
            let bytes = match format {
                Format::Text => doithoai_reports::text::register_text(&r).into_bytes(),
                Format::Csv => doithoai_reports::csv::register_csv(&r, args.separator),
                Format::Xlsx => doithoai_reports::xlsx::register_xlsx(&r).map_err(report_err)?,
                Format::Docx => doithoai_reports::docx::register_docx(&r, &registry, today())
                    .map_err(report_err)?,
            };
            emit(
                &args,
                bytes,
                "sổ tiếp nhận",
                "register",
                r.rows.len(),
                l,
                out,
            )
        }
        ReportCmd::Summary { args, as_of } => {
            let period = period_of(&args.period)?;
            let format = format_of(&args)?;
            let as_of = match date_opt(&as_of)? {
                Some(d) => d,
                None => today().min(period.to),
            };
            let s = doithoai_reports::summary(data, &period, as_of, l);
            let bytes = match format {
                Format::Text => doithoai_reports::text::summary_text(&s).into_bytes(),
                Format::Csv => doithoai_reports::csv::summary_csv(&s, args.separator),
                Format::Xlsx => doithoai_reports::xlsx::summary_xlsx(&s).map_err(report_err)?,
                Format::Docx => doithoai_reports::docx::summary_docx(&s, &registry, today())
                    .map_err(report_err)?,
            };
            emit(
                &args,
                bytes,
                "bảng tổng hợp",
                "summary",
                s.rows.len(),
                l,
                out,
            )
        }
    }
}
