//! What the index found wrong in the intake documents, as the office reads it: a petition id held
//! by two intake documents (a forged copy, or two points that collided), a petition claiming
//! another collection point than the one owning its document, a record that breaks the intake
//! schema. Shown by `doithoai handle conflicts` and `doithoai petition show`. And
//! `doithoai documents`: the office's view of the documents devices registered with the server.

use std::io::Write;

use doithoai_model::{Lang, Registry};
use doithoai_store::{IntakeIssue, PetitionCopy};

use crate::app::App;
use crate::cli::CliError;

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
            lines.extend(
                copies
                    .iter()
                    .map(|c| format!("    {}", copy_line(c, reg, l))),
            );
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
            l.pick(
                "không đúng cấu trúc sổ tiếp nhận",
                "breaks the intake schema"
            ),
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

/// `doithoai documents`: the documents the ward's devices registered with the server, for the
/// office (its device token authorises the request).
#[derive(Debug, clap::Subcommand)]
pub enum DocumentsCmd {
    /// Liệt kê tài liệu các thiết bị đã đăng ký (tập sổ tiếp nhận, phiên đối thoại).
    ///
    /// Ví dụ: doithoai documents list
    List {
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Gỡ đăng ký một tài liệu: máy chủ không đồng bộ nó với ai nữa.
    ///
    /// Ví dụ: doithoai documents remove 2ZqvJ8r3...
    Remove {
        /// Mã tài liệu (như trong doithoai documents list).
        id: String,
    },
}

/// What the server flagged in collectors' writes.
fn print_flags(
    flags: &[doithoai_store::FlagRow],
    l: Lang,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if flags.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{} ({}):",
        l.pick(
            "Máy chủ đánh dấu các lần ghi bất thường vào sổ tiếp nhận",
            "Irregular writes to intake books flagged by the server"
        ),
        flags.len()
    )?;
    for f in flags {
        let what = match (f.flag.kind.as_str(), l) {
            ("point", Lang::Vi) => format!("tự ghi là của điểm «{}»", f.flag.detail),
            ("point", Lang::En) => format!("claims to be from point {:?}", f.flag.detail),
            ("same_id", Lang::Vi) => format!(
                "trùng mã với ý kiến trong tài liệu {}",
                short(&f.flag.detail)
            ),
            ("same_id", Lang::En) => format!(
                "same id as a petition in document {}",
                short(&f.flag.detail)
            ),
            (_, Lang::Vi) => format!("sai cấu trúc ({})", f.flag.detail),
            (_, Lang::En) => format!("breaks the schema ({})", f.flag.detail),
        };
        let petition = if f.flag.petition_id.is_empty() {
            l.pick("cả tài liệu", "the document").to_owned()
        } else {
            format!(
                "{} {}",
                l.pick("ý kiến", "petition"),
                short(&f.flag.petition_id)
            )
        };
        writeln!(
            out,
            "  • {} {}, {petition}: {what} ({} {})",
            l.pick("Tài liệu", "Document"),
            short(&f.flag.doc_id),
            l.pick("thấy lúc", "seen"),
            f.first_seen
                .replace('T', " ")
                .chars()
                .take(16)
                .collect::<String>()
        )?;
    }
    Ok(())
}

/// Runs a `doithoai documents` command.
pub async fn run_documents(
    app: &App,
    cmd: DocumentsCmd,
    l: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    match cmd {
        DocumentsCmd::List { json } => {
            let (list, flags) = app.registrations().await?;
            if json {
                let v = serde_json::json!({"registrations": list, "flags": flags});
                serde_json::to_writer_pretty(&mut *out, &v).map_err(std::io::Error::other)?;
                writeln!(out)?;
                return Ok(());
            }
            print_flags(&flags, l, out)?;
            if list.is_empty() {
                writeln!(
                    out,
                    "{}",
                    l.pick(
                        "Chưa thiết bị nào đăng ký tài liệu.",
                        "No device has registered a document."
                    )
                )?;
                return Ok(());
            }
            writeln!(
                out,
                "{} ({}):",
                l.pick(
                    "Tài liệu các thiết bị đã đăng ký",
                    "Documents registered by devices"
                ),
                list.len()
            )?;
            for r in &list {
                let kind = match (r.kind.as_str(), r.point.as_deref()) {
                    ("intake", Some(p)) => {
                        format!("{} {p}", l.pick("tập sổ tiếp nhận của", "intake volume of"))
                    }
                    ("session", _) => l.pick("phiên đối thoại", "session").to_owned(),
                    (k, _) => k.to_owned(),
                };
                let listed = match r.listed {
                    Some(true) => l.pick("đã có trong sổ gốc", "listed in the root"),
                    Some(false) => l.pick(
                        "CHƯA có trong sổ gốc (không được đồng bộ cho ai)",
                        "NOT listed in the root (synced to nobody)",
                    ),
                    None => "",
                };
                writeln!(
                    out,
                    "  {}\t{kind}\t{} {}\t{}\t{listed}",
                    r.doc_id,
                    l.pick("đăng ký bởi", "registered by"),
                    r.device_name
                        .as_deref()
                        .or(r.device_id.as_deref())
                        .unwrap_or("?"),
                    r.created_at
                        .replace('T', " ")
                        .chars()
                        .take(16)
                        .collect::<String>(),
                )?;
            }
            Ok(())
        }
        DocumentsCmd::Remove { id } => {
            let id = app.remove_registration(&id).await?;
            writeln!(
                out,
                "{} {id}. {}",
                l.pick("Đã gỡ đăng ký tài liệu", "Removed the registration of"),
                l.pick(
                    "Máy chủ không đồng bộ tài liệu này với thiết bị nào nữa.",
                    "The server no longer syncs it with any device."
                )
            )?;
            Ok(())
        }
    }
}
