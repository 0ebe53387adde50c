//! `doithoai import FILE`: the petitions of an office's spreadsheet (XLSX or CSV) into the
//! register, with the preview and the errors by row number first. The operation is
//! [`doithoai_device::import`], the same the web UI's *Nhập từ Excel* calls.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use doithoai_device::import::{ImportError, ImportPreview, RowState, Target};
use doithoai_model::{Lang, Localize};

use crate::app::App;
use crate::cli::CliError;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Tệp bảng tính: .xlsx (Excel) hoặc .csv (UTF-8).
    pub file: PathBuf,
    /// Chỉ xem trước: cách ghép cột, số dòng sẽ nhập và lỗi theo số dòng; không ghi gì.
    #[arg(long)]
    pub dry_run: bool,
    /// Ghép cột với trường, thay cho cách đoán theo tiêu đề, ví dụ --map 2=name --map E=content
    /// (cột theo số từ 1 hoặc chữ cái A, B…; trường: register_no, date, name_address, name,
    /// address, tdp, phone, id_number, content, request, kind, field, people, place, ignore).
    #[arg(long = "map", value_name = "CỘT=TRƯỜNG")]
    pub map: Vec<String>,
}

/// A column as typed: 1-based number or spreadsheet letters.
fn column_index(s: &str) -> Option<usize> {
    let t = s.trim();
    if let Ok(n) = t.parse::<usize>() {
        return n.checked_sub(1);
    }
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic()) {
        let mut n = 0usize;
        for c in t.to_ascii_uppercase().chars() {
            n = n * 26 + (c as usize - 'A' as usize + 1);
        }
        return n.checked_sub(1);
    }
    None
}

/// The spreadsheet letters of column `i` (0 → A).
pub fn column_letters(i: usize) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push((b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

fn import_err(e: ImportError) -> CliError {
    match e {
        ImportError::Office(o) => crate::office::office_err(o),
        other => CliError::Usage {
            vi: other.localize(Lang::Vi),
            en: other.localize(Lang::En),
        },
    }
}

fn usage(vi: String, en: String) -> CliError {
    CliError::Usage { vi, en }
}

/// Prints the preview: the mapping, the counts, the errors by row.
pub fn print_preview(p: &ImportPreview, l: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    match l {
        Lang::Vi => writeln!(
            out,
            "Tệp {} — trang «{}», tiêu đề ở dòng {}.",
            p.file, p.sheet, p.heading_row
        )?,
        Lang::En => writeln!(
            out,
            "File {} — sheet {:?}, headings on row {}.",
            p.file, p.sheet, p.heading_row
        )?,
    }
    writeln!(out, "{}", l.pick("Ghép cột:", "Columns:"))?;
    for (i, (h, t)) in p.headings.iter().zip(&p.mapping).enumerate() {
        writeln!(
            out,
            "  {:>3} {:<40} → {}",
            column_letters(i),
            h,
            if *t == Target::Ignore {
                format!("({})", t.label(l))
            } else {
                t.label(l).to_owned()
            }
        )?;
        if matches!(
            t,
            Target::Ignore
                | Target::Prior
                | Target::Accepted
                | Target::Guided
                | Target::Forwarded
                | Target::Tracking
        ) {
            writeln!(out, "        {}", t.explain(l))?;
        }
    }
    let new = p.count(RowState::New);
    let imported = p.count(RowState::Imported);
    let repeats = p.count(RowState::Repeat(0));
    let bad = p.invalid();
    let registered = p.new_rows().filter(|r| r.register_no.is_some()).count();
    match l {
        Lang::Vi => writeln!(
            out,
            "{} dòng: {new} ý kiến mới ({registered} có số vào sổ), {imported} đã nhập trước đây, {repeats} dòng lặp lại, {} dòng có lỗi.",
            p.rows.len(),
            bad.len()
        )?,
        Lang::En => writeln!(
            out,
            "{} rows: {new} new petitions ({registered} with a register number), {imported} imported before, {repeats} repeated rows, {} rows with errors.",
            p.rows.len(),
            bad.len()
        )?,
    }
    if let Some(h) = p.handling_counts().describe(l) {
        writeln!(out, "{h}")?;
    }
    for r in bad {
        let msgs: Vec<String> = r.errors.iter().map(|e| e.localize(l)).collect();
        writeln!(
            out,
            "  {} {}: {}",
            l.pick("Dòng", "Row"),
            r.row,
            msgs.join(" ")
        )?;
    }
    Ok(())
}

pub async fn run_import(
    app: &App,
    args: ImportArgs,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let l = lang;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(&args.file).map_err(|e| {
        usage(
            format!(
                "Không đọc được tệp {}: {}",
                args.file.display(),
                doithoai_model::lang::io_error(&e, Lang::Vi)
            ),
            format!("Cannot read {}: {e}", args.file.display()),
        )
    })?;
    // The guessed mapping, with the columns --map names changed.
    let mut mapping = None;
    if !args.map.is_empty() {
        let guessed = app
            .import_preview(&name, &bytes, None)
            .await
            .map(|p| p.mapping)
            .or_else(|e| match e {
                // No content column guessed: --map is there to name it.
                ImportError::NoContent => doithoai_device::import::read_table(&name, &bytes)
                    .map(|t| vec![Target::Ignore; t.headings.len()]),
                other => Err(other),
            })
            .map_err(import_err)?;
        let mut m = guessed;
        for spec in &args.map {
            let bad = || {
                usage(
                    format!("«--map {spec}» không hợp lệ: cần CỘT=TRƯỜNG, ví dụ --map E=content."),
                    format!("--map {spec:?} is not valid: COLUMN=FIELD, e.g. --map E=content."),
                )
            };
            let (c, f) = spec.split_once('=').ok_or_else(bad)?;
            let i = column_index(c).filter(|i| *i < m.len()).ok_or_else(bad)?;
            let t = Target::parse(f).ok_or_else(bad)?;
            if t != Target::Ignore {
                for x in m.iter_mut() {
                    if *x == t {
                        *x = Target::Ignore;
                    }
                }
            }
            m[i] = t;
        }
        mapping = Some(m);
    }
    if args.dry_run {
        let p = app
            .import_preview(&name, &bytes, mapping)
            .await
            .map_err(import_err)?;
        print_preview(&p, l, out)?;
        writeln!(
            out,
            "{}",
            l.pick(
                "Xem trước (--dry-run): chưa ghi gì.",
                "Preview (--dry-run): nothing was written."
            )
        )?;
        return match p.invalid().len() {
            0 => Ok(()),
            n => Err(import_err(ImportError::Refused(n))),
        };
    }
    match app.import_apply(&name, &bytes, mapping.clone()).await {
        Ok((p, o)) => {
            print_preview(&p, l, out)?;
            match l {
                Lang::Vi => writeln!(
                    out,
                    "Đã nhập {} ý kiến ({} vào sổ với số và ngày tiếp nhận của tệp); {} đã có từ trước.",
                    o.added, o.registered, o.already
                )?,
                Lang::En => writeln!(
                    out,
                    "Imported {} petitions ({} entered in the register with the file's number and date); {} were there already.",
                    o.added, o.registered, o.already
                )?,
            }
            Ok(())
        }
        Err(ImportError::Refused(n)) => {
            // Show which rows, then refuse.
            if let Ok(p) = app.import_preview(&name, &bytes, mapping).await {
                print_preview(&p, l, out)?;
            }
            Err(import_err(ImportError::Refused(n)))
        }
        Err(e) => Err(import_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns() {
        assert_eq!(column_index("A"), Some(0));
        assert_eq!(column_index("e"), Some(4));
        assert_eq!(column_index("AA"), Some(26));
        assert_eq!(column_index("3"), Some(2));
        assert_eq!(column_index("0"), None);
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
    }
}
