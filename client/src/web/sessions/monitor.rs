//! *Giám sát*: the Fatherland Front's (MTTQ) monitoring of the conclusions. On an MTTQ laptop:
//! every conclusion of every session with its department, deadline and the handling status of
//! what it assigns, and a remark per conclusion (written to the monitoring document, which the
//! server gives to MTTQ and office devices only). The office reads the same page without the
//! forms; a TDP laptop has no monitoring document and is told so.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use doithoai_model::Lang;
use doithoai_model::time::{format_date, ward_now};

use super::{Flash, FlashQuery, answer, text_of, v};
use crate::web::AppState;
use crate::web::pages::{Fields, Shell, Web, html, need_app, shell};
use crate::web::security::lang_of;

type St = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/monitor", get(monitor_page))
        .route("/monitor/remark", post(remark))
}

pub struct MonitorView {
    pub subject: String,
    pub doc_id: String,
    pub session: String,
    pub n: usize,
    pub text: String,
    pub department: String,
    pub deadline: String,
    pub status: String,
    pub status_class: &'static str,
    pub remarks: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "monitor_list.html")]
struct MonitorPage {
    shell: Shell,
    flash: Flash,
    allowed: bool,
    can_write: bool,
    rows: Vec<MonitorView>,
    overdue: usize,
    done: usize,
}

async fn monitor_page(State(state): St, headers: HeaderMap, Query(q): Query<FlashQuery>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let allowed = matches!(app.device.role.as_str(), "office" | "monitor");
    let today = ward_now().date_naive();
    let rows: Vec<MonitorView> = if allowed {
        app.monitoring_rows(today)
            .await?
            .into_iter()
            .map(|r| {
                let (status, class) = if !r.concluded {
                    (lang.pick("Chưa kết luận", "Not concluded").to_owned(), "")
                } else if r.conclusion.department.is_none() {
                    (
                        lang.pick("Không giao bộ phận", "Nothing assigned")
                            .to_owned(),
                        "",
                    )
                } else if r.done {
                    (
                        lang.pick("Đã giải quyết, đã thông báo", "Resolved, notified")
                            .to_owned(),
                        "done",
                    )
                } else {
                    let mut labels: Vec<String> = r
                        .petitions
                        .iter()
                        .map(|(_, no, st)| {
                            format!(
                                "{}{}",
                                no.as_deref().map(|n| format!("{n}: ")).unwrap_or_default(),
                                st.label(lang)
                            )
                        })
                        .collect();
                    labels.dedup();
                    let mut t = if labels.is_empty() {
                        lang.pick("Đang giải quyết", "In progress").to_owned()
                    } else {
                        labels.join("; ")
                    };
                    if r.overdue {
                        t = format!("{} — {t}", lang.pick("QUÁ HẠN", "OVERDUE"));
                    }
                    (t, if r.overdue { "late" } else { "" })
                };
                MonitorView {
                    subject: r.conclusion.id.clone(),
                    doc_id: r.doc_id.clone(),
                    session: format!("{} ({})", r.session_title, format_date(r.session_date)),
                    n: r.position,
                    text: r.conclusion.text.clone(),
                    department: r.department.clone(),
                    deadline: r.deadline.map(format_date).unwrap_or_default(),
                    status,
                    status_class: class,
                    remarks: r
                        .remarks
                        .iter()
                        .map(|m| {
                            (
                                chrono::DateTime::parse_from_rfc3339(&m.at)
                                    .map(|t| doithoai_model::time::format_datetime(&t))
                                    .unwrap_or_else(|_| m.at.clone()),
                                m.by.clone(),
                                m.text.clone(),
                            )
                        })
                        .collect(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let overdue = rows.iter().filter(|r| r.status_class == "late").count();
    let done = rows.iter().filter(|r| r.status_class == "done").count();
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "monitor",
        "/monitor".into(),
        lang.pick("Giám sát thực hiện kết luận", "Monitoring the conclusions")
            .into(),
    )
    .await;
    let mut r = html(MonitorPage {
        can_write: app.device.role == "monitor",
        shell,
        flash: Flash::of(&q),
        allowed,
        rows,
        overdue,
        done,
    })?;
    if !allowed {
        *r.status_mut() = StatusCode::FORBIDDEN;
    }
    Ok(r)
}

async fn remark(State(state): St, headers: HeaderMap, Form(f): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let subject = v(&f, "subject").to_owned();
    let r = app.add_remark(&subject, &text_of(&f, "text")).await;
    Ok(answer(
        &format!("/monitor#c-{subject}"),
        r,
        lang,
        |_| match lang {
            Lang::Vi => "Đã ghi ý kiến giám sát; văn phòng phường thấy sau khi đồng bộ.".into(),
            Lang::En => "Remark written; the ward office sees it once synced.".into(),
        },
        "",
    ))
}
