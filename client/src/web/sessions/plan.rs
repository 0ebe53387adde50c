//! *Kế hoạch năm*: the year's planned sessions by kind and month, and the compliance verdict
//! from the same check as `doithoai plan check` ([`crate::App::plan_check`]).

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use chrono::Datelike;
use doithoai_model::Lang;
use doithoai_model::session::{NewPlanned, PlannedState, SessionKind, Verdict};
use doithoai_model::time::{format_date, ward_now};

use super::{Choice, Flash, FlashQuery, answer, kind_choices, v};
use crate::web::AppState;
use crate::web::pages::{Fields, Shell, Web, html, need_app, shell};
use crate::web::security::lang_of;

type St = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/plan", get(plan_page))
        .route("/plan/add", post(plan_add))
        .route("/plan/template", post(plan_template))
        .route("/plan/{id}/remove", post(plan_remove))
}

pub struct PlanRow {
    pub id: String,
    pub month: u32,
    pub kind: String,
    pub topic: String,
    pub chairs: String,
    pub state: String,
    pub state_class: &'static str,
    pub session: Option<String>,
}

pub struct KindCount {
    pub label: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "session_plan.html")]
struct PlanPage {
    shell: Shell,
    flash: Flash,
    year: i32,
    prev: i32,
    next: i32,
    rows: Vec<PlanRow>,
    verdict: String,
    verdict_class: &'static str,
    failures: Vec<String>,
    remarks: Vec<String>,
    periodic: usize,
    thematic: usize,
    conferences: usize,
    by_kind: Vec<KindCount>,
    kinds: Vec<Choice>,
    months: Vec<u32>,
}

async fn plan_page(State(state): St, headers: HeaderMap, Query(q): Query<FlashQuery>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let today = ward_now().date_naive();
    let year = q.year.unwrap_or(today.year()).clamp(2000, 2100);
    let check = app.plan_check(year, today).await?;
    let rows = check
        .planned
        .iter()
        .map(|c| {
            let (state, class, session) = match &c.state {
                PlannedState::Held { doc_id, date } => (
                    format!("{} {}", lang.pick("Đã tổ chức", "Held"), format_date(*date)),
                    "done",
                    Some(doc_id.clone()),
                ),
                PlannedState::HeldLate { doc_id, date } => (
                    format!(
                        "{} {}",
                        lang.pick("Tổ chức muộn", "Held late"),
                        format_date(*date)
                    ),
                    "late",
                    Some(doc_id.clone()),
                ),
                PlannedState::Scheduled { doc_id, date } => (
                    format!(
                        "{} {}",
                        lang.pick("Đã lên lịch", "Scheduled"),
                        format_date(*date)
                    ),
                    "",
                    Some(doc_id.clone()),
                ),
                PlannedState::Late => (
                    lang.pick("Quá hạn, chưa tổ chức", "Late, not held").into(),
                    "late",
                    None,
                ),
                PlannedState::Upcoming => (lang.pick("Sắp tới", "Upcoming").into(), "", None),
            };
            let p = &c.planned;
            PlanRow {
                id: p.id.clone(),
                month: p.month,
                kind: p.kind.label(lang).into(),
                topic: p.topic.clone(),
                chairs: p
                    .chairs
                    .iter()
                    .map(|c| {
                        if c.name.is_empty() {
                            c.title(lang)
                        } else {
                            format!("{} {}", c.title(lang), c.name)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                state,
                state_class: class,
                session,
            }
        })
        .collect();
    let verdict_class = match check.verdict {
        Verdict::Met => "met",
        Verdict::InProgress => "progress",
        Verdict::NotMet => "notmet",
    };
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "plan",
        "/plan".into(),
        format!("{} {year}", lang.pick("Kế hoạch năm", "Annual plan")),
    )
    .await;
    html(PlanPage {
        shell,
        flash: Flash::of(&q),
        year,
        prev: year - 1,
        next: year + 1,
        rows,
        verdict: check.verdict.label(lang).into(),
        verdict_class,
        failures: check
            .findings
            .iter()
            .filter(|f| f.is_failure())
            .map(|f| f.describe(lang))
            .collect(),
        remarks: check
            .findings
            .iter()
            .filter(|f| !f.is_failure())
            .map(|f| f.describe(lang))
            .collect(),
        periodic: check.periodic,
        thematic: check.thematic,
        conferences: check.conferences,
        by_kind: SessionKind::ALL
            .iter()
            .map(|k| KindCount {
                label: k.label(lang).into(),
                count: check.by_kind.get(k).copied().unwrap_or(0),
            })
            .collect(),
        kinds: kind_choices(Some(SessionKind::DinhKy), lang),
        months: (1..=12).collect(),
    })
}

fn year_of(f: &Fields) -> i32 {
    v(f, "year")
        .parse()
        .unwrap_or_else(|_| ward_now().date_naive().year())
}

async fn plan_add(State(state): St, headers: HeaderMap, Form(f): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let year = year_of(&f);
    let kind = SessionKind::parse(v(&f, "kind")).unwrap_or(SessionKind::DinhKy);
    let item = NewPlanned {
        year,
        month: v(&f, "month").parse().unwrap_or(0),
        kind,
        topic: v(&f, "topic").to_owned(),
        chairs: kind
            .plan_chairs()
            .iter()
            .map(|r| doithoai_model::session::Chair {
                role: *r,
                title: String::new(),
                name: String::new(),
            })
            .collect(),
        note: String::new(),
    };
    let r = app.plan_add(&[item]).await;
    Ok(answer(
        &format!("/plan?year={year}"),
        r,
        lang,
        |_| {
            lang.pick("Đã thêm vào kế hoạch.", "Added to the plan.")
                .into()
        },
        "",
    ))
}

async fn plan_template(State(state): St, headers: HeaderMap, Form(f): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let year = year_of(&f);
    let r = app.plan_template(year, v(&f, "topic")).await;
    Ok(answer(
        &format!("/plan?year={year}"),
        r,
        lang,
        |added| match lang {
            Lang::Vi => format!("Đã thêm {} cuộc theo kế hoạch mẫu.", added.len()),
            Lang::En => format!("{} sessions added from the standard plan.", added.len()),
        },
        "",
    ))
}

async fn plan_remove(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let year = year_of(&f);
    let r = app.plan_remove(&id).await;
    Ok(answer(
        &format!("/plan?year={year}"),
        r,
        lang,
        |_| {
            lang.pick("Đã bỏ khỏi kế hoạch.", "Removed from the plan.")
                .into()
        },
        "",
    ))
}
