//! The office's *Báo cáo* page and its downloads, and *Nhập từ Excel* ([`import`]).
//!
//! | route | what |
//! |---|---|
//! | `GET /reports` | the period chooser, the totals, the five charts (SVG drawn on the server), the downloads |
//! | `GET /reports/download?kind=register\|summary&format=xlsx\|csv\|docx&…` | the register (Mẫu 03) or the summary as a file |
//! | `GET /import`, `POST /import` | choose a spreadsheet; it is kept for the preview |
//! | `GET /import/{token}` | the preview: the column mapping (editable), the errors by row, the rows |
//! | `POST /import/{token}/mapping`, `POST /import/{token}/confirm` | change the mapping; import |
//!
//! Every operation is [`App`]'s (reports_app.rs, import.rs in doithoai-device), as the CLI's
//! `doithoai report` and `doithoai import` call them.

mod import;

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Datelike;
use doithoai_device::reports_app::{ReportFormat, ReportKind};
use doithoai_model::time::{format_date, parse_date, ward_now};
use doithoai_model::{Lang, Localize};
use doithoai_reports::Period;

use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::pages::{Shell, html, need_app, shell};
use crate::web::security::lang_of;

type St = State<Arc<AppState>>;
type Web<T = Response> = Result<T, WebError>;
type Fields = BTreeMap<String, String>;

/// This part's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/reports", get(reports_page))
        .route("/reports/download", get(download))
        .merge(import::routes())
}

/// The kinds of period the chooser offers.
const PERIODS: [(&str, &str, &str); 6] = [
    ("month", "Tháng", "Month"),
    ("quarter", "Quý", "Quarter"),
    ("first6", "6 tháng đầu năm", "First 6 months"),
    ("first9", "9 tháng đầu năm", "First 9 months"),
    ("year", "Cả năm", "Year"),
    ("range", "Từ ngày … đến ngày …", "From … to …"),
];

/// The period the query names, or the errors by field. Without one: this year.
pub fn period_of(q: &Fields, lang: Lang) -> Result<Period, (String, String)> {
    let today = ward_now().date_naive();
    let num = |k: &str, default: i64| -> Result<i64, (String, String)> {
        match q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s.parse().map_err(|_| {
                (
                    k.to_owned(),
                    match lang {
                        Lang::Vi => format!("«{s}» không phải là số."),
                        Lang::En => format!("{s:?} is not a number."),
                    },
                )
            }),
        }
    };
    let year = num("year", i64::from(today.year()))? as i32;
    let bad = |k: &str, e: doithoai_reports::ReportError| (k.to_owned(), e.localize(lang));
    match q.get("period").map(String::as_str).unwrap_or("year") {
        "month" => {
            let m = num("month", i64::from(today.month()))?;
            Period::month(m.clamp(0, 13) as u32, year).map_err(|e| bad("month", e))
        }
        "quarter" => {
            let qn = num("quarter", i64::from((today.month() - 1) / 3 + 1))?;
            Period::quarter(qn.clamp(0, 5) as u32, year).map_err(|e| bad("quarter", e))
        }
        "first6" => Period::first_months(6, year).map_err(|e| bad("year", e)),
        "first9" => Period::first_months(9, year).map_err(|e| bad("year", e)),
        "range" => {
            let date = |k: &str| -> Result<chrono::NaiveDate, (String, String)> {
                let v = q.get(k).map(String::as_str).unwrap_or("");
                parse_date(v).map_err(|e| (k.to_owned(), e.localize(lang)))
            };
            let (from, to) = (date("from")?, date("to")?);
            Period::range(from, to).map_err(|e| bad("to", e))
        }
        _ => Period::year(year).map_err(|e| bad("year", e)),
    }
}

/// The query string of a period, for the download links.
fn period_query(q: &Fields) -> String {
    let keys = ["period", "month", "quarter", "year", "from", "to"];
    let pairs: Vec<(&str, &str)> = keys
        .iter()
        .filter_map(|k| q.get(*k).map(|v| (*k, v.as_str())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
}

pub struct Download {
    pub href: String,
    pub label: String,
    pub id: String,
}

pub struct ChartView {
    pub id: &'static str,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "report_page.html")]
struct ReportPage {
    shell: Shell,
    periods: Vec<Choice>,
    q: crate::web::forms::FormView,
    period_label: String,
    as_of: String,
    totals: Vec<(String, u32)>,
    by_field: Vec<doithoai_reports::CountRow>,
    charts: Vec<ChartView>,
    downloads: Vec<(String, Vec<Download>)>,
    error: Option<String>,
    count: usize,
}

async fn reports_page(State(state): St, headers: HeaderMap, Query(q): Query<Fields>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let mut form = crate::web::forms::FormView::of(q.clone());
    let today = ward_now().date_naive();
    form.values
        .entry("year".into())
        .or_insert_with(|| today.year().to_string());
    form.values
        .entry("month".into())
        .or_insert_with(|| today.month().to_string());
    form.values
        .entry("quarter".into())
        .or_insert_with(|| ((today.month() - 1) / 3 + 1).to_string());
    form.values
        .entry("period".into())
        .or_insert_with(|| "year".into());
    let path = match period_query(&q) {
        s if s.is_empty() => "/reports".to_owned(),
        s => format!("/reports?{s}"),
    };
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "reports",
        path,
        lang.pick("Báo cáo", "Reports").into(),
    )
    .await;
    let periods = PERIODS
        .iter()
        .map(|(c, vi, en)| Choice {
            code: c,
            label: lang.pick(vi, en),
        })
        .collect();
    let mut page = ReportPage {
        shell,
        periods,
        q: form,
        period_label: String::new(),
        as_of: String::new(),
        totals: Vec::new(),
        by_field: Vec::new(),
        charts: Vec::new(),
        downloads: Vec::new(),
        error: None,
        count: 0,
    };
    let period = match period_of(&q, lang) {
        Ok(p) => p,
        Err((k, e)) => {
            page.q.errors.insert(k, e.clone());
            page.error = Some(e);
            let mut r = html(page)?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let (summary, charts) = app.report_charts(&period, lang).await?;
    page.period_label = period.label(lang);
    page.as_of = format_date(summary.as_of);
    page.count = summary.rows.len();
    page.totals = summary
        .totals
        .lines(lang)
        .into_iter()
        .map(|(l, n)| (l.to_owned(), n))
        .collect();
    page.by_field = summary.by_field.clone();
    page.charts = charts
        .iter()
        .map(|c| ChartView {
            id: c.id,
            svg: c.svg(),
        })
        .collect();
    let pq = period_query(&page.q.values);
    for (kind, vi, en) in [
        ("register", "Sổ tiếp nhận (Mẫu 03)", "Register (Mẫu 03)"),
        (
            "summary",
            "Tổng hợp ý kiến, kiến nghị",
            "Summary of petitions",
        ),
    ] {
        let links = [
            ("xlsx", "Excel (.xlsx)"),
            ("csv", "CSV"),
            ("docx", "Word (.docx)"),
        ]
        .iter()
        .map(|(f, label)| Download {
            href: format!("/reports/download?kind={kind}&format={f}&{pq}"),
            label: (*label).to_owned(),
            id: format!("dl-{kind}-{f}"),
        })
        .collect();
        page.downloads.push((lang.pick(vi, en).to_owned(), links));
    }
    html(page)
}

async fn download(State(state): St, headers: HeaderMap, Query(q): Query<Fields>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let kind = q
        .get("kind")
        .and_then(|k| ReportKind::parse(k))
        .ok_or(WebError::NotFound)?;
    let format = q
        .get("format")
        .and_then(|f| ReportFormat::parse(f))
        .filter(|f| *f != ReportFormat::Text)
        .ok_or(WebError::NotFound)?;
    let period = period_of(&q, lang).map_err(|_| WebError::NotFound)?;
    // Excel set to Vietnamese regional settings reads ';' as the separator; the file says so.
    let sep = match q.get("sep").map(String::as_str) {
        Some(";") => ';',
        _ => ',',
    };
    let file = app
        .report_file(kind, &period, format, None, sep, lang)
        .await?;
    let mut r = file.bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
