//! Plain-text rendering of the reports, for the terminal.

use std::fmt::Write as _;

use doithoai_model::time::format_date;

use crate::{Register, Summary, register_headings, ward_title};

/// The register, one block per petition, empty columns left out.
pub fn register_text(r: &Register) -> String {
    let l = r.lang;
    let heads = register_headings(l);
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.title());
    let _ = writeln!(
        out,
        "{}{} — {} {}",
        if r.ward.trim().is_empty() {
            String::new()
        } else {
            format!("{} — ", ward_title(&r.ward, l))
        },
        r.period.label(l),
        r.rows.len(),
        l.pick("ý kiến", "petitions")
    );
    for row in &r.rows {
        let cells = Register::cells(row);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} {} — {}",
            l.pick("Số", "No."),
            row.no,
            format_date(row.date)
        );
        for (c, text) in cells.iter().enumerate().skip(2) {
            if text.is_empty() {
                continue;
            }
            let text = text.replace('\n', "\n      ");
            let _ = writeln!(out, "  ({}) {}: {}", c + 1, heads[c], text);
        }
    }
    out
}

/// The summary: totals, count tables (lines with a count only), the list and the overdue items.
pub fn summary_text(s: &Summary) -> String {
    let l = s.lang;
    let mut out = String::new();
    let _ = writeln!(out, "{}", s.title());
    let _ = writeln!(
        out,
        "{}{} ({} {})",
        if s.ward.trim().is_empty() {
            String::new()
        } else {
            format!("{} — ", ward_title(&s.ward, l))
        },
        s.period.label(l),
        l.pick("quá hạn tính đến ngày", "overdue as of"),
        format_date(s.as_of)
    );
    let _ = writeln!(out);
    for (label, n) in s.totals.lines(l) {
        let _ = writeln!(out, "  {label}: {n}");
    }
    for (title, rows) in [
        (l.pick("Theo lĩnh vực", "By field"), &s.by_field),
        (l.pick("Theo tổ dân phố", "By residential group"), &s.by_tdp),
        (l.pick("Theo trạng thái", "By status"), &s.by_status),
    ] {
        let _ = writeln!(out);
        let _ = writeln!(out, "{title}:");
        for c in rows.iter().filter(|c| c.petitions > 0) {
            let _ = writeln!(
                out,
                "  {}: {} {}, {} {}",
                c.label,
                c.petitions,
                l.pick("ý kiến", "petitions"),
                c.people,
                l.pick("người", "people")
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}:", l.pick("Danh sách ý kiến", "Petitions"));
    for r in &s.rows {
        let _ = writeln!(
            out,
            "  {}. {} — {} — {}",
            r.no,
            r.content.replace('\n', " "),
            r.resident_tdp,
            r.field
        );
        let mut details = vec![r.result.clone()];
        if !r.body.is_empty() {
            details.insert(0, r.body.clone());
        }
        if !r.notes.is_empty() {
            details.push(r.notes.clone());
        }
        let _ = writeln!(out, "     → {}", details.join(" | "));
    }
    if !s.overdue.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}:", l.pick("Ý kiến quá hạn", "Overdue petitions"));
        for o in &s.overdue {
            let _ = writeln!(
                out,
                "  {} — {} ({} {}, {} {}) — {}",
                o.register_no
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "—".into()),
                o.reason,
                l.pick("hạn", "due"),
                format_date(o.due),
                o.days_late,
                l.pick("ngày", "days late"),
                o.content
            );
        }
    }
    out
}
