//! *Sau cuộc đối thoại*: conclude (the assignments go into the office's handling, an
//! on-the-spot answer to notified), what was and was not applied and why, the report's figures,
//! the Front's remarks on each conclusion, and the session report and the minutes previewed in
//! the page and downloaded as DOCX (the same documents as `doithoai session report|minutes`).

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use doithoai_model::Lang;
use doithoai_model::session::{ApplyResult, conclusion_plan};
use doithoai_model::time::format_date;

use super::prepare::{CategoryRow, category_rows, session_shell};
use super::{Flash, FlashQuery, Preview, PreviewBlock, answer, when};

use crate::sessions_app::{DocKind, DocOverrides};
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::pages::{Fields, Shell, Web, html, need_app};
use crate::web::security::lang_of;

type St = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/sessions/{id}/after", get(after_page))
        .route("/sessions/{id}/conclude", post(conclude))
        .route("/sessions/{id}/report.docx", get(report_docx))
        .route("/sessions/{id}/minutes.docx", get(minutes_docx))
}

pub struct AppliedRow {
    pub what: String,
    pub register_no: String,
    pub outcome: String,
}

pub struct AfterConclusion {
    pub text: String,
    pub department: String,
    pub deadlines: String,
    pub matters: usize,
    pub remarks: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "session_after.html")]
struct AfterPage {
    shell: Shell,
    flash: Flash,
    id: String,
    title: String,
    when: String,
    place: String,
    tab: &'static str,
    concluded: String,
    speeches: usize,
    total: usize,
    on_spot: usize,
    assigned: usize,
    noted: usize,
    invited: u32,
    present: u32,
    categories: Vec<CategoryRow>,
    applied: Vec<AppliedRow>,
    unapplied: Vec<String>,
    conclusions: Vec<AfterConclusion>,
    report: Preview,
    minutes: Preview,
    show_remarks: bool,
}

async fn after_page(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let o = DocOverrides {
        lang,
        ..Default::default()
    };
    let (view, report) = app.session_document(Some(&id), DocKind::Report, &o).await?;
    let (_, minutes) = app
        .session_document(Some(&view.doc_id), DocKind::Minutes, &o)
        .await?;
    let s = &view.session;
    let sum = &view.summary;
    let reg = app.registry().await?;
    let cal = doithoai_model::workdays::Calendar::of(&reg);
    let hstate = app.handling_state().await?;
    let remarks = app.remarks().await?;
    let dept = |d: &str| {
        reg.departments
            .iter()
            .find(|x| x.id == d)
            .map_or(d.to_owned(), |x| x.name.clone())
    };
    let applied = s
        .applied
        .iter()
        .map(|a| AppliedRow {
            what: match a.op.as_str() {
                "assign" => lang.pick("Giao giải quyết", "Assigned"),
                _ => lang.pick("Trả lời tại chỗ → đã thông báo", "On the spot → notified"),
            }
            .into(),
            register_no: hstate
                .get(&a.pid)
                .and_then(|i| i.number())
                .map(|n| n.to_string())
                .unwrap_or_else(|| a.pid.to_string().chars().take(8).collect()),
            outcome: match a.op.as_str() {
                "assign" => a
                    .outcome
                    .split_once(';')
                    .map(|(d, date)| {
                        format!(
                            "{} — {} {}",
                            dept(d.trim()),
                            lang.pick("hạn", "due"),
                            chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
                                .map(format_date)
                                .unwrap_or_else(|_| date.trim().to_owned())
                        )
                    })
                    .unwrap_or_else(|| a.outcome.clone()),
                _ => hstate
                    .get(&a.pid)
                    .map(|i| i.status.label(lang).to_owned())
                    .unwrap_or_default(),
            },
        })
        .collect();
    let unapplied = conclusion_plan(s, &cal)
        .unapplied
        .iter()
        .map(|u| u.describe(lang))
        .collect();
    let conclusions = s
        .conclusions
        .iter()
        .map(|c| {
            let fig = sum.conclusions.iter().find(|f| f.id == c.id);
            AfterConclusion {
                text: c.text.clone(),
                department: c.department.as_deref().map(&dept).unwrap_or_default(),
                deadlines: fig
                    .map(|f| {
                        f.deadlines
                            .iter()
                            .map(|d| format_date(*d))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                matters: fig.map_or(0, |f| f.matters),
                remarks: remarks
                    .iter()
                    .filter(|r| r.subject == c.id)
                    .map(|r| {
                        (
                            chrono::DateTime::parse_from_rfc3339(&r.at)
                                .map(|t| doithoai_model::time::format_datetime(&t))
                                .unwrap_or_else(|_| r.at.clone()),
                            r.by.clone(),
                            r.text.clone(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let title = s.display_title(lang);
    let shell = session_shell(
        &state,
        &app,
        &headers,
        format!("/sessions/{}/after", view.doc_id),
        format!(
            "{} — {title}",
            lang.pick("Sau cuộc đối thoại", "After the session")
        ),
    )
    .await;
    html(AfterPage {
        show_remarks: shell.is_office() || shell.is_mttq(),
        shell,
        flash: Flash::of(&q),
        id: view.doc_id.clone(),
        when: when(s),
        place: s.place.clone(),
        tab: "after",
        concluded: s
            .concluded
            .as_ref()
            .map(|c| {
                let at = chrono::DateTime::parse_from_rfc3339(&c.at)
                    .map(|t| doithoai_model::time::format_datetime(&t))
                    .unwrap_or_else(|_| c.at.clone());
                format!("{at} — {}", c.by)
            })
            .unwrap_or_default(),
        speeches: sum.speeches,
        total: sum.total,
        on_spot: sum.on_spot,
        assigned: sum.assigned,
        noted: sum.noted,
        invited: sum.invited,
        present: sum.present,
        categories: category_rows(s, lang),
        applied,
        unapplied,
        conclusions,
        report: Preview::of(&report),
        minutes: Preview::of(&minutes),
        title,
    })
}

async fn conclude(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let end = super::opt(&f, "end");
    let r = app.conclude_session(Some(&id), end).await;
    Ok(answer(
        &format!("/sessions/{id}/after"),
        r,
        lang,
        |rep| {
            let done = rep
                .lines
                .iter()
                .filter(|l| {
                    matches!(
                        l.result,
                        ApplyResult::AnsweredOnSpot | ApplyResult::Assigned { .. }
                    )
                })
                .count();
            let skipped: Vec<String> = rep
                .lines
                .iter()
                .filter_map(|l| match &l.result {
                    ApplyResult::Skipped { vi, en } => Some(lang.pick(vi, en).to_owned()),
                    _ => None,
                })
                .collect();
            match lang {
                Lang::Vi => format!(
                    "Đã kết luận: {done} ý kiến được chuyển vào sổ xử lý của văn phòng; {} chưa chuyển được{}",
                    skipped.len(),
                    if skipped.is_empty() {
                        ".".to_owned()
                    } else {
                        format!(": {}.", skipped.join("; "))
                    }
                ),
                Lang::En => format!(
                    "Concluded: {done} petitions carried into the office's handling; {} not{}",
                    skipped.len(),
                    if skipped.is_empty() {
                        ".".to_owned()
                    } else {
                        format!(": {}.", skipped.join("; "))
                    }
                ),
            }
        },
        "",
    ))
}

async fn docx(state: &AppState, headers: &HeaderMap, id: &str, kind: DocKind) -> Web {
    let app = need_app(state).await?;
    let lang = lang_of(headers, state.default_lang);
    let o = DocOverrides {
        lang,
        ..Default::default()
    };
    let (view, doc) = app.session_document(Some(id), kind, &o).await?;
    let bytes = doc
        .to_docx()
        .map_err(|e| WebError::Sessions(crate::sessions_app::SessionsError::Document(e)))?;
    let stem = match kind {
        DocKind::Report => "bao-cao-doi-thoai",
        DocKind::Minutes => "bien-ban-doi-thoai",
    };
    let name = format!("{stem}-{}.docx", view.session.date.format("%Y-%m-%d"));
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

async fn report_docx(State(state): St, headers: HeaderMap, Path(id): Path<String>) -> Web {
    docx(&state, &headers, &id, DocKind::Report).await
}

async fn minutes_docx(State(state): St, headers: HeaderMap, Path(id): Path<String>) -> Web {
    docx(&state, &headers, &id, DocKind::Minutes).await
}
