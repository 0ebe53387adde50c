//! CSV export: UTF-8 with a byte-order mark (without it Excel reads the file in the machine's
//! code page and Vietnamese diacritics come out garbled), CRLF line ends and RFC 4180 quoting.
//!
//! The separator is a comma by default. Excel on a machine set to Vietnamese regional settings
//! expects a semicolon: pass `';'`. A cell that Excel would take for a formula (starting with
//! `=`, `+`, `@`, or `-` not followed by a digit) is prefixed with an apostrophe, so
//! that what a resident said is never executed.

use doithoai_model::Lang;
use doithoai_model::time::format_date;

use crate::{Register, Summary, register_headings, summary_headings, ward_title};

/// The UTF-8 byte-order mark.
pub const BOM: &str = "\u{feff}";

fn guard(cell: &str) -> String {
    let mut chars = cell.chars();
    let risky = match chars.next() {
        Some('=' | '+' | '@') => true,
        Some('-') => matches!(chars.next(), Some(c) if !(c.is_ascii_digit() || c == '.')),
        _ => false,
    };
    if risky {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn field(cell: &str, sep: char) -> String {
    let cell = guard(cell);
    if cell.contains(sep)
        || cell.contains(['"', '\n', '\r'])
        || cell.starts_with(' ')
        || cell.ends_with(' ')
    {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// Appends one line.
fn line<S: AsRef<str>>(out: &mut String, cells: &[S], sep: char) {
    let parts: Vec<String> = cells.iter().map(|c| field(c.as_ref(), sep)).collect();
    out.push_str(&parts.join(&sep.to_string()));
    out.push_str("\r\n");
}

/// Rows as CSV text (without the byte-order mark).
pub fn rows_to_csv<S: AsRef<str>>(rows: &[Vec<S>], sep: char) -> String {
    let mut out = String::new();
    for r in rows {
        line(&mut out, r, sep);
    }
    out
}

/// A cell of digits (an ID card number, or several separated by "; ") written as the formula
/// `="024123456789"`, which Excel and LibreOffice both show as the text 024123456789: read as
/// a plain number, the leading zero would be dropped and a 12-digit number shown as 2.41E+10.
/// Only digits, spaces and semicolons go inside the quotes, so nothing a resident typed can
/// become a formula; any other text goes through the usual guard.
fn digits_as_text(cell: &str, sep: char) -> String {
    let digits_only = cell.chars().any(|c| c.is_ascii_digit())
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == ';');
    if digits_only {
        // The formula holds quotes, so the CSV field is quoted and its quotes doubled.
        format!("\"=\"\"{cell}\"\"\"")
    } else {
        field(cell, sep)
    }
}

/// The column of the register that holds ID card numbers (Mẫu 03, column 4).
const ID_NUMBER_COLUMN: usize = 3;

/// The register: one heading line with the 12 columns, then one line per petition.
pub fn register_csv(r: &Register, sep: char) -> Vec<u8> {
    let mut out = String::from(BOM);
    line(&mut out, &register_headings(r.lang), sep);
    for row in &r.rows {
        let parts: Vec<String> = Register::cells(row)
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == ID_NUMBER_COLUMN {
                    digits_as_text(cell, sep)
                } else {
                    field(cell, sep)
                }
            })
            .collect();
        out.push_str(&parts.join(&sep.to_string()));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The summary: the list of petitions, then the count tables, the totals and the overdue
/// petitions, each section after a blank line and a title line.
pub fn summary_csv(s: &Summary, sep: char) -> Vec<u8> {
    let l = s.lang;
    let mut out = String::from(BOM);
    line(&mut out, &[s.title()], sep);
    let mut heading = s.period.label(l);
    if !s.ward.trim().is_empty() {
        heading = format!("{} — {heading}", ward_title(&s.ward, l));
    }
    line(&mut out, &[heading], sep);
    out.push_str("\r\n");
    line(&mut out, &summary_headings(l), sep);
    for r in &s.rows {
        line(&mut out, &r.cells(), sep);
    }
    let count_header = [
        "",
        l.pick("Số ý kiến", "Petitions"),
        l.pick("Số người", "People"),
    ];
    for (title, first, rows) in [
        (
            l.pick("Thống kê theo lĩnh vực", "By field"),
            l.pick("Lĩnh vực", "Field"),
            &s.by_field,
        ),
        (
            l.pick("Thống kê theo tổ dân phố", "By residential group"),
            l.pick("Tổ dân phố", "Residential group"),
            &s.by_tdp,
        ),
        (
            l.pick("Thống kê theo trạng thái", "By status"),
            l.pick("Trạng thái", "Status"),
            &s.by_status,
        ),
    ] {
        out.push_str("\r\n");
        line(&mut out, &[title], sep);
        let mut h = count_header;
        h[0] = first;
        line(&mut out, &h, sep);
        for c in rows.iter() {
            line(
                &mut out,
                &[
                    c.label.clone(),
                    c.petitions.to_string(),
                    c.people.to_string(),
                ],
                sep,
            );
        }
    }
    out.push_str("\r\n");
    line(&mut out, &[l.pick("Tổng hợp", "Totals")], sep);
    for (label, n) in s.totals.lines(l) {
        line(&mut out, &[label.to_owned(), n.to_string()], sep);
    }
    out.push_str("\r\n");
    line(
        &mut out,
        &[format!(
            "{} {}",
            l.pick("Ý kiến quá hạn tính đến ngày", "Overdue as of"),
            format_date(s.as_of)
        )],
        sep,
    );
    line(&mut out, &overdue_headings(l), sep);
    for (i, o) in s.overdue.iter().enumerate() {
        line(
            &mut out,
            &[
                (i + 1).to_string(),
                o.register_no.map(|n| n.to_string()).unwrap_or_default(),
                o.content.clone(),
                o.reason.clone(),
                format_date(o.due),
                o.days_late.to_string(),
                o.body.clone(),
            ],
            sep,
        );
    }
    out.into_bytes()
}

/// The headings of the overdue table.
pub fn overdue_headings(l: Lang) -> [&'static str; 7] {
    [
        l.pick("STT", "No."),
        l.pick("Số vào sổ", "Register no."),
        l.pick("Nội dung", "Content"),
        l.pick("Loại quá hạn", "Why overdue"),
        l.pick("Hạn", "Due"),
        l.pick("Số ngày quá hạn", "Days late"),
        l.pick("Bộ phận được giao", "Department"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_guards() {
        assert_eq!(field("a,b", ','), "\"a,b\"");
        assert_eq!(field("a;b", ','), "a;b");
        assert_eq!(field("a;b", ';'), "\"a;b\"");
        assert_eq!(field("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
        assert_eq!(field("dòng 1\ndòng 2", ','), "\"dòng 1\ndòng 2\"");
        assert_eq!(field("=HYPERLINK(1)", ','), "'=HYPERLINK(1)");
        assert_eq!(field("-5", ','), "-5");
        assert_eq!(field("- Đèn hỏng", ','), "'- Đèn hỏng");
        assert_eq!(field("-x", ','), "'-x");
        assert_eq!(field("Đường Lê Lợi", ','), "Đường Lê Lợi");
    }

    #[test]
    fn id_numbers_keep_their_leading_zero() {
        assert_eq!(
            digits_as_text("024123456789", ','),
            "\"=\"\"024123456789\"\"\""
        );
        assert_eq!(
            digits_as_text("024123456789; 001203004005", ';'),
            "\"=\"\"024123456789; 001203004005\"\"\""
        );
        assert_eq!(digits_as_text("", ','), "");
        // Anything but digits is guarded as any other cell, never made a formula.
        assert_eq!(digits_as_text("=1+1", ','), "'=1+1");
        assert_eq!(
            digits_as_text("0241\"+HYPERLINK(1)", ','),
            "\"0241\"\"+HYPERLINK(1)\""
        );
    }
}
