//! Parsing and naming helpers of the session commands.

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

pub(super) fn parse_kind(s: &str) -> Result<SessionKind, CliError> {
    SessionKind::parse(s).ok_or_else(|| {
        s_err(SessionError::UnknownKind {
            value: s.to_owned(),
        })
    })
}

pub(super) fn parse_chairs(v: &[String]) -> Result<Vec<Chair>, CliError> {
    v.iter().map(|c| Chair::parse(c).map_err(s_err)).collect()
}

pub(super) fn parse_time_opt(v: Option<&str>) -> Result<Option<String>, CliError> {
    v.map(session::parse_time).transpose().map_err(s_err)
}

pub(super) fn parse_category(s: &str) -> Result<Category, CliError> {
    Category::parse(s).ok_or_else(|| {
        s_err(SessionError::UnknownCategory {
            value: s.to_owned(),
        })
    })
}

pub(super) fn short_pid(id: &uuid::Uuid) -> String {
    doithoai_model::petition::short_id(id)
}

pub(super) fn petitions_list(ids: &[uuid::Uuid]) -> String {
    ids.iter().map(short_pid).collect::<Vec<_>>().join(", ")
}

pub(super) fn dept_label(reg: &Registry, id: &str) -> String {
    reg.department(id)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// Dates as the office writes them, joined: "29/10/2026, 16/12/2026".
pub(super) fn dates_list(d: &[chrono::NaiveDate]) -> String {
    d.iter()
        .map(|x| format_date(*x))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn plan_ref(id: &str) -> String {
    session::short_key(id)
}

pub(super) fn kind_topic(kind: SessionKind, topic: &str, lang: Lang) -> String {
    if topic.trim().is_empty() {
        kind.label(lang).to_owned()
    } else {
        format!("{} «{}»", kind.label(lang), topic.trim())
    }
}

/// Writes bytes to `path` through a temporary file, so a crash never leaves half a document.
pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
