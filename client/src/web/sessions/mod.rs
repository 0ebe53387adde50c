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
use doithoai_model::session::{Category, Session, SessionKind};
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
    format!(
        "{}{}{}",
        doithoai_model::time::format_date(s.date),
        s.start
            .as_deref()
            .map(|t| format!(", {t}"))
            .unwrap_or_default(),
        s.end
            .as_deref()
            .map(|t| format!("–{t}"))
            .unwrap_or_default()
    )
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
