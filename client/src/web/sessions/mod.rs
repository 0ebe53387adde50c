//! The dialogue sessions' pages (annual plan, preparation, live mode, after the session) and
//! the MTTQ's monitoring of conclusions. Thin, like the CLI (client/src/sessions/): each handler
//! calls one operation of [`crate::sessions_app`] and answers a form with a redirect back to the
//! page, carrying what happened (`?ok=` / `?err=`) for the page to say.
//!
//! | route | what |
//! |---|---|
//! | `GET /plan`, `POST /plan/add`, `POST /plan/template`, `POST /plan/{id}/remove` | *Kế hoạch năm* and its check |
//! | `GET /sessions`, `POST /sessions` | the sessions, and a new one |
//! | `GET /sessions/{id}`, `POST /sessions/{id}/edit`, `…/announce`, `…/invited`, `…/speakers/import`, `…/speakers/add`, `…/speakers/move` | *Chuẩn bị* |
//! | `GET /sessions/{id}/live`, `POST …/step`, `…/speech`, `…/skip`, `…/walk-in`, `…/answer`, `…/conclusion`, `…/present`, `…/attendee`, `…/minutes` | *Trực tiếp* |
//! | `POST /api/sessions/{id}/minutes` | the minutes' autosave (JSON), the script's |
//! | `GET /sessions/{id}/after`, `POST …/conclude`, `GET …/report.docx`, `GET …/minutes.docx` | *Sau cuộc đối thoại* |
//! | `GET /monitor`, `POST /monitor/remark` | *Giám sát* |
//! | `GET /assets/sessions.js` | the live mode's keys and the minutes' autosave |

mod after;
mod live;
mod monitor;
mod plan;
mod prepare;

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use doithoai_documents::{AdminDoc, Align, Block};
use doithoai_model::session::{Category, Input, Session, SessionKind};
use doithoai_model::{Lang, Localize};

use super::AppState;
use super::pages::see_other;
use crate::sessions_app::SessionsError;

/// The sessions' routes, merged into the UI's router (behind the same security guard).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/assets/sessions.js", get(super::assets::sessions_js))
        .route("/assets/sessions.css", get(super::assets::sessions_css))
        .merge(plan::routes())
        .merge(prepare::routes())
        .merge(live::routes())
        .merge(after::routes())
        .merge(monitor::routes())
}

/// What the last form did, as the redirect carried it.
#[derive(serde::Deserialize, Default, Clone)]
pub struct FlashQuery {
    pub ok: Option<String>,
    pub err: Option<String>,
    /// The control to give the focus back to (a speaker's move button, the next form).
    pub focus: Option<String>,
    pub year: Option<i32>,
}

/// The message lines of a page.
pub struct Flash {
    pub ok: String,
    pub err: String,
    pub focus: String,
}

impl Flash {
    pub fn of(q: &FlashQuery) -> Flash {
        Flash {
            ok: q.ok.clone().unwrap_or_default(),
            err: q.err.clone().unwrap_or_default(),
            focus: q.focus.clone().unwrap_or_default(),
        }
    }
    /// Whether control `id` gets the focus back.
    pub fn focus_on(&self, id: &str) -> bool {
        self.focus == id
    }
}

/// Redirects to `path` saying what happened: `ok` on success, the error's message in `lang`
/// otherwise (nothing was written then).
pub fn answer<T>(
    path: &str,
    r: Result<T, SessionsError>,
    lang: Lang,
    ok: impl FnOnce(T) -> String,
    focus: &str,
) -> Response {
    let (key, msg) = match r {
        Ok(v) => ("ok", ok(v)),
        Err(e) => {
            tracing::info!(error = %e, "a sessions form was refused");
            ("err", e.localize(lang))
        }
    };
    let mut qs = vec![(key, msg)];
    if !focus.is_empty() {
        qs.push(("focus", focus.to_owned()));
    }
    // A fragment would win over `autofocus` (the browser skips autofocus when the address
    // targets an element): with a control to focus, the fragment is left out.
    let (path, frag) = match path.split_once('#') {
        Some((p, _)) if !focus.is_empty() => (p, String::new()),
        Some((p, f)) => (p, format!("#{f}")),
        None => (path, String::new()),
    };
    see_other(&format!(
        "{path}{}{}{frag}",
        if path.contains('?') { '&' } else { '?' },
        serde_urlencoded::to_string(&qs).unwrap_or_default()
    ))
}

/// A session form sent back because it was refused: what was typed in it, and the errors by
/// input name, shown beside their inputs (as the capture form does, see `web/forms.rs`).
#[derive(Default, Clone)]
pub struct Sticky {
    /// The form's id in the page (`conclusion`, `speech`, `step-3`, …); empty when none came back.
    pub form: String,
    pub values: super::pages::Fields,
    pub errors: std::collections::BTreeMap<String, String>,
}

impl Sticky {
    /// Whether `form` is the one that came back.
    pub fn is(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }
    /// What input `k` of `form` shows: what was typed when that form came back, else `default`.
    pub fn v(&self, form: &str, k: &str, default: &str) -> String {
        if self.is(form) {
            self.values.get(k).cloned().unwrap_or_default()
        } else {
            default.to_owned()
        }
    }
    /// The error beside input `k` of `form`.
    pub fn e(&self, form: &str, k: &str) -> Option<&str> {
        if self.is(form) {
            self.errors.get(k).map(String::as_str)
        } else {
            None
        }
    }
    /// `aria-invalid` of input `k` of `form`.
    pub fn invalid(&self, form: &str, k: &str) -> &'static str {
        if self.e(form, k).is_some() {
            "true"
        } else {
            "false"
        }
    }
    /// Whether the box `k` of `form` was ticked when it came back (else `default`).
    pub fn checked(&self, form: &str, k: &str, default: impl std::borrow::Borrow<bool>) -> bool {
        if self.is(form) {
            matches!(self.values.get(k).map(String::as_str), Some("1" | "on"))
        } else {
            *default.borrow()
        }
    }
    /// Whether `code` was chosen in `k` of `form` when it came back (else `default`).
    pub fn selected(
        &self,
        form: &str,
        k: &str,
        code: &str,
        default: impl std::borrow::Borrow<bool>,
    ) -> bool {
        if self.is(form) {
            self.values.get(k).map(String::as_str) == Some(code)
        } else {
            *default.borrow()
        }
    }
    /// Whether a box of a multiple choice (`speech` of the conclusion) was ticked.
    pub fn has(&self, form: &str, k: &str, code: &str) -> bool {
        self.is(form)
            && self
                .values
                .get(&format!("{k}[]"))
                .is_some_and(|v| v.split('\u{1f}').any(|c| c == code))
    }
}

/// The name of the input an error is about, in the session forms.
pub fn input_name(i: Input) -> String {
    match i {
        Input::Kind => "kind".into(),
        Input::Topic => "topic".into(),
        Input::Title => "title".into(),
        Input::Date => "date".into(),
        Input::Start => "start".into(),
        Input::End => "end".into(),
        Input::Place => "place".into(),
        Input::Chair => "other".into(),
        Input::Secretary => "secretary".into(),
        Input::StepTime => "at".into(),
        Input::Name => "name".into(),
        Input::Unit => "unit".into(),
        Input::Content => "content".into(),
        Input::Summary => "summary".into(),
        Input::Field => "field".into(),
        Input::Answer => "answer".into(),
        Input::AnsweredBy => "answered_by".into(),
        Input::Text => "text".into(),
        Input::Department => "department".into(),
        Input::Deadline => "deadline".into(),
        Input::Invited(c) => format!("invited_{}", c.code()),
        Input::Present(c) => format!("present_{}", c.code()),
        Input::Minutes => "minutes".into(),
        Input::Announcement => "notice".into(),
        Input::Remark => "text".into(),
    }
}

/// A message of the library for a page: the command line's flags it names for the terminal
/// (` (--answer)`, `--invited`) are left out, the page's labels say which input it is.
pub fn for_page(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("--") {
        let (head, tail) = rest.split_at(i);
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(tail.len());
        let flag_only = head.ends_with('(') && tail[end..].starts_with(')');
        if flag_only {
            // ` (--answer)`: the parenthesis and the space before it go too.
            out.push_str(head.trim_end_matches('(').trim_end());
            rest = &tail[end + 1..];
        } else {
            out.push_str(head.trim_end());
            rest = &tail[end..];
        }
    }
    out.push_str(rest);
    out.replace(" ,", ",").replace(" .", ".")
}

/// A refused form, sent back: the error beside its input when the form has that input
/// (`inputs`), else at the top; what was typed is kept. Returns what goes back and the line at
/// the top of the page.
pub fn refused(
    form: &str,
    values: super::pages::Fields,
    inputs: &[&str],
    e: &SessionsError,
    lang: Lang,
) -> (Sticky, String) {
    tracing::info!(error = %e, form, "a sessions form was refused");
    let msg = for_page(&e.localize(lang));
    let mut sticky = Sticky {
        form: form.to_owned(),
        values,
        errors: Default::default(),
    };
    match e.input().map(input_name) {
        Some(k) if inputs.contains(&k.as_str()) => {
            sticky.errors.insert(k, msg);
            (
                sticky,
                lang.pick(
                    "Chưa lưu: hãy sửa ô được đánh dấu bên dưới.",
                    "Not saved: correct the field marked below.",
                )
                .into(),
            )
        }
        _ => (sticky, msg),
    }
}

/// A field of a form, trimmed (empty when absent).
pub fn v<'a>(f: &'a super::pages::Fields, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

/// An optional field of a form: `None` when absent or blank.
pub fn opt(f: &super::pages::Fields, k: &str) -> Option<String> {
    Some(v(f, k)).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The textarea's text with the browser's CRLF line ends as LF.
pub fn text_of(f: &super::pages::Fields, k: &str) -> String {
    f.get(k)
        .map(|s| s.replace("\r\n", "\n"))
        .unwrap_or_default()
}

/// A choice of a `<select>`.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub fn kind_choices(cur: Option<SessionKind>, lang: Lang) -> Vec<Choice> {
    SessionKind::ALL
        .iter()
        .map(|k| Choice {
            code: k.code().into(),
            label: k.label(lang).into(),
            selected: Some(*k) == cur,
        })
        .collect()
}

pub fn category_choices(lang: Lang) -> Vec<Choice> {
    Category::ALL
        .iter()
        .map(|c| Choice {
            code: c.code().into(),
            label: c.label(lang).into(),
            selected: *c == Category::NhanDan,
        })
        .collect()
}

/// `dd/mm/yyyy, HH:MM–HH:MM`.
pub fn when(s: &Session) -> String {
    crate::sessions_app::session_when(s)
}

/// One block of a document's preview.
pub enum PreviewBlock {
    Heading(String),
    Para {
        text: String,
        center: bool,
    },
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        total: Option<Vec<String>>,
    },
}

/// A document as the page previews it: what the DOCX holds, in HTML.
pub struct Preview {
    pub issuer: String,
    pub number: String,
    pub place_date: String,
    pub title: String,
    pub subtitle: String,
    pub blocks: Vec<PreviewBlock>,
    pub recipients: Vec<String>,
    pub signers: Vec<(String, String)>,
}

impl Preview {
    pub fn of(d: &AdminDoc) -> Preview {
        let lh = &d.letterhead;
        Preview {
            issuer: lh.issuer.clone(),
            number: doithoai_documents::number_line(&lh.number, d.lang),
            place_date: doithoai_documents::date_line(&lh.place, lh.date, d.lang),
            title: d.title.clone(),
            subtitle: d.subtitle.clone(),
            blocks: d
                .body
                .iter()
                .map(|b| match b {
                    Block::Heading(h) => PreviewBlock::Heading(h.clone()),
                    Block::Para { runs, align } => PreviewBlock::Para {
                        text: runs.iter().map(|r| r.text.as_str()).collect(),
                        center: matches!(align, Align::Center),
                    },
                    Block::Table {
                        header,
                        rows,
                        total,
                        ..
                    } => PreviewBlock::Table {
                        header: header.clone(),
                        rows: rows.clone(),
                        total: total.clone(),
                    },
                    // A picture (a report's chart) is previewed by what it shows in words.
                    Block::Image { alt, .. } => PreviewBlock::Para {
                        text: alt.clone(),
                        center: true,
                    },
                })
                .collect(),
            recipients: d.recipients.clone(),
            signers: d
                .signatures
                .iter()
                .map(|s| (s.title.clone(), s.name.clone()))
                .collect(),
        }
    }
}
