//! Parsing and naming helpers of the office's commands.

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The flag of `doithoai handle …` that gives the input an error is about
/// ([`OfficeError::input`]).
pub(crate) fn flag_of(input: &str) -> Option<&'static str> {
    Some(match input {
        "forward_to" => "--to",
        "letter_no" => "--letter",
        "reason" => "--reason",
        "answer" => "--text",
        "legal_basis" => "--legal-basis",
        "doc_no" => "--doc-no",
        "note" => "--note",
        "prior" => "--prior",
        "approver" => "--approver",
        "field" => "--field",
        "department" => "--department",
        "deadline" => "--deadline",
        "date" => "--date",
        "channel" => "--channel",
        "status" => "--status",
        _ => return None,
    })
}

/// An office error for the terminal: the message, the flag it is about, and the command that
/// does what it says to do next.
pub(crate) fn office_err(e: OfficeError) -> CliError {
    let flag = e.input().and_then(flag_of);
    let command = e.command();
    let (mut vi, mut en) = (e.localize(Lang::Vi), e.localize(Lang::En));
    if let Some(f) = flag {
        vi.push_str(&format!(" (Ghi bằng {f}.)"));
        en.push_str(&format!(" (Give it with {f}.)"));
    }
    if let Some(c) = &command {
        vi.push_str(&format!("\n  Lệnh: {c}"));
        en.push_str(&format!("\n  Command: {c}"));
    }
    match e {
        OfficeError::App(a) if flag.is_none() && command.is_none() => CliError::App(a),
        _ => CliError::Usage { vi, en },
    }
}

pub(super) fn usage(vi: impl Into<String>, en: impl Into<String>) -> CliError {
    CliError::Usage {
        vi: vi.into(),
        en: en.into(),
    }
}

pub(super) fn date_opt(s: &Option<String>) -> Result<Option<NaiveDate>, CliError> {
    Ok(s.as_deref().map(parse_date).transpose()?)
}

pub(super) fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

pub(super) fn truncate(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(super) fn pad(s: &str, n: usize) -> String {
    let t = truncate(s, n);
    let len = t.chars().count();
    format!("{t}{}", " ".repeat(n.saturating_sub(len)))
}

/// "số 17/2026 · 1a2b3c4d · Nguyễn Văn Đức — Đèn đường ngõ 12…"
pub(super) fn describe(row: &PetitionRow, no: Option<RegisterNo>, lang: Lang) -> String {
    let mut s = String::new();
    if let Some(n) = no {
        s.push_str(&format!("{} {n} · ", lang.pick("số", "no.")));
    }
    s.push_str(&short(&row.id));
    if !row.residents.is_empty() {
        s.push_str(&format!(" · {}", truncate(&row.residents, 40)));
    }
    s.push_str(&format!(" — {}", truncate(&row.content, 60)));
    s
}

pub(super) fn parse_kind(s: &str) -> Result<PetitionKind, CliError> {
    PetitionKind::parse(s).ok_or_else(|| {
        ValidationError::UnknownKind {
            value: s.to_owned(),
        }
        .into()
    })
}

pub(super) fn parse_field(s: &str, reg: &Registry) -> Result<String, CliError> {
    reg.find_field(s).map(|f| f.code.clone()).ok_or_else(|| {
        ValidationError::UnknownField {
            value: s.to_owned(),
            known: reg.fields.iter().map(|f| f.code.clone()).collect(),
        }
        .into()
    })
}

/// What a code-or-label argument names: the model's own parser first, then a whole label, a
/// part of one or the beginnings of its words, diacritics ignored (registry::lookup).
pub(super) fn by_label<T: Copy>(
    s: &str,
    all: &[T],
    names: impl Fn(&T) -> Vec<String>,
) -> Option<T> {
    match doithoai_model::registry::lookup(s, all, names) {
        doithoai_model::registry::Lookup::One(x) => Some(*x),
        _ => None,
    }
}

/// "phuong (Phường), cap_tren (…)": the valid values of a choice with their labels.
pub(super) fn choices<T>(
    all: &[T],
    code: impl Fn(&T) -> &str,
    label: impl Fn(&T) -> &str,
) -> String {
    all.iter()
        .map(|x| format!("{} ({})", code(x), label(x)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn parse_competence(s: &str) -> Result<Competence, CliError> {
    let names = |c: &Competence| {
        vec![
            c.code().to_owned(),
            c.label(Lang::Vi).to_owned(),
            c.label(Lang::En).to_owned(),
        ]
    };
    Competence::parse(s)
        .or_else(|| by_label(s, &Competence::ALL, names))
        .ok_or_else(|| {
            usage(
                format!(
                    "Thẩm quyền «{s}» không hợp lệ. Các giá trị hợp lệ: {}.",
                    choices(&Competence::ALL, |c| c.code(), |c| c.label(Lang::Vi))
                ),
                format!(
                    "Unknown competence {s:?}. Valid values: {}.",
                    choices(&Competence::ALL, |c| c.code(), |c| c.label(Lang::En))
                ),
            )
        })
}

pub(super) fn parse_channel(s: &str) -> Result<Channel, CliError> {
    let names = |c: &Channel| {
        vec![
            c.code().to_owned(),
            c.label(Lang::Vi).to_owned(),
            c.label(Lang::En).to_owned(),
        ]
    };
    Channel::parse(s)
        .or_else(|| by_label(s, &Channel::ALL, names))
        .ok_or_else(|| {
            usage(
                format!(
                    "Hình thức thông báo «{s}» không hợp lệ. Các giá trị hợp lệ: {}.",
                    choices(&Channel::ALL, |c| c.code(), |c| c.label(Lang::Vi))
                ),
                format!(
                    "Unknown channel {s:?}. Valid values: {}.",
                    choices(&Channel::ALL, |c| c.code(), |c| c.label(Lang::En))
                ),
            )
        })
}

/// A status typed as a code or a label (either language, with or without diacritics); an
/// unknown one is refused with the list of valid values.
pub(crate) fn parse_status(s: &str) -> Result<Status, CliError> {
    let names = |st: &Status| {
        vec![
            st.code().to_owned(),
            st.label(Lang::Vi).to_owned(),
            st.label(Lang::En).to_owned(),
        ]
    };
    Status::parse(s)
        .or_else(|| by_label(s, &Status::ALL, names))
        .ok_or_else(|| {
            usage(
                format!(
                    "Trạng thái «{s}» không hợp lệ. Các giá trị hợp lệ: {}.",
                    choices(&Status::ALL, |c| c.code(), |c| c.label(Lang::Vi))
                ),
                format!(
                    "Unknown status {s:?}. Valid values: {}.",
                    choices(&Status::ALL, |c| c.code(), |c| c.label(Lang::En))
                ),
            )
        })
}

pub(super) fn parse_no(s: &str) -> Result<RegisterNo, CliError> {
    RegisterNo::parse(s).ok_or_else(|| {
        usage(
            format!("Số vào sổ «{s}» không hợp lệ; viết dạng số/năm, ví dụ 17/2026."),
            format!("Invalid register number {s:?}; write number/year, e.g. 17/2026."),
        )
    })
}

/// Of two likely duplicates, the later one (to merge) and the earlier one (the original): by
/// register number, then by the date they were recorded.
pub(super) fn later_first<'a>(
    a: &'a PetitionRow,
    b: &'a PetitionRow,
) -> (&'a PetitionRow, &'a PetitionRow) {
    let key = |r: &PetitionRow| {
        (
            r.register_no
                .as_deref()
                .and_then(RegisterNo::parse)
                .map(|n| (n.year, n.number)),
            r.created_at.clone(),
        )
    };
    let (ka, kb) = (key(a), key(b));
    let a_first = match (ka.0, kb.0) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => ka.1 <= kb.1,
    };
    if a_first { (b, a) } else { (a, b) }
}

pub(super) fn dept_name(reg: &Registry, id: &str) -> String {
    reg.department(id)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

pub(super) fn today() -> NaiveDate {
    doithoai_model::time::ward_now().date_naive()
}
