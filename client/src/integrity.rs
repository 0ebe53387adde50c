//! What the index found wrong in the intake documents, as the office reads it: a petition id held
//! by two intake documents (a forged copy, or two points that collided), a petition claiming
//! another collection point than the one owning its document, a record that breaks the intake
//! schema. Shown by `doithoai handle conflicts` and `doithoai petition show`.

use std::io::Write;

use doithoai_model::{Lang, Registry};
use doithoai_store::{IntakeIssue, PetitionCopy};

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn point_name(reg: &Registry, id: &str) -> String {
    reg.point(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

fn copy_line(c: &PetitionCopy, reg: &Registry, l: Lang) -> String {
    let mut line = format!(
        "{} {} ({} {}): «{}»",
        l.pick("sổ của", "the book of"),
        point_name(reg, &c.row.point),
        l.pick("tài liệu", "document"),
        short(&c.row.doc_id),
        excerpt(&c.row.content)
    );
    if let Some(claimed) = &c.claimed_point {
        line.push_str(&format!(
            " — {} {}",
            l.pick("tự ghi là của", "claims to be from"),
            point_name(reg, claimed)
        ));
    }
    if c.shown {
        line.push_str(l.pick(
            " [đang hiển thị trong danh sách và báo cáo]",
            " [shown in lists and reports]",
        ));
    }
    line
}

/// One line (and, for a clash, one line per copy) describing `issue`.
pub fn describe(issue: &IntakeIssue, reg: &Registry, l: Lang) -> Vec<String> {
    match issue {
        IntakeIssue::SameId { id, copies } => {
            let mut lines = vec![format!(
                "• {} {} {} {} {}:",
                l.pick("Mã ý kiến", "Petition id"),
                short(id),
                l.pick("có trong", "is in"),
                copies.len(),
                l.pick(
                    "sổ tiếp nhận khác nhau (có thể bị ghi giả mạo; không bản nào bị ghi đè)",
                    "different intake books (possibly forged; neither was overwritten)"
                ),
            )];
            lines.extend(copies.iter().map(|c| format!("    {}", copy_line(c, reg, l))));
            lines
        }
        IntakeIssue::PointClaim { row, claimed_point } => vec![format!(
            "• {} {} («{}») {} {} {} {}; {} {}.",
            l.pick("Ý kiến", "Petition"),
            short(&row.id),
            excerpt(&row.content),
            l.pick("nằm trong sổ của", "is in the book of"),
            point_name(reg, &row.point),
            l.pick("nhưng tự ghi là của", "but claims to be from"),
            point_name(reg, claimed_point),
            l.pick("được tính cho", "it counts for"),
            point_name(reg, &row.point),
        )],
        IntakeIssue::Unreadable { doc_id, id, error } => vec![format!(
            "• {} {} {} {} {} ({error}); {}.",
            l.pick("Ý kiến", "Petition"),
            short(id),
            l.pick("trong tài liệu", "in document"),
            short(doc_id),
            l.pick("không đúng cấu trúc sổ tiếp nhận", "breaks the intake schema"),
            l.pick(
                "chưa đưa vào danh sách và báo cáo",
                "left out of lists and reports"
            ),
        )],
    }
}

/// Prints every issue under a heading; nothing when there are none.
pub fn print_issues(
    issues: &[IntakeIssue],
    reg: &Registry,
    l: Lang,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if issues.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{} ({}):",
        l.pick(
            "Bất thường trong sổ tiếp nhận của các điểm",
            "Irregularities in the points' intake books"
        ),
        issues.len()
    )?;
    for i in issues {
        for line in describe(i, reg, l) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
