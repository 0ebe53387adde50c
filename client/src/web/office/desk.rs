//! The office's desk: the inbox (receive, classify), duplicates (merge, undo), the handling of
//! one petition from assignment to closing (on the petition page), overdue, conflicts.
//!
//! | route | what |
//! |---|---|
//! | `GET /office/inbox` | *Hộp thư đến*: new petitions of every point; those to classify and route |
//! | `POST /office/receive` | enter the chosen (or all waiting) petitions in the register on a date |
//! | `POST /office/classify` | type, field, competence, prior body of one petition |
//! | `GET /office/duplicates`, `POST /office/merge` | *Trùng lặp*: suggested pairs, merge; groups |
//! | `POST /office/petitions/{id}` | one step of the handling (`op`: receive, classify, forward, file, assign, answer, approve, notify, close, reopen) |
//! | `GET /office/overdue` | *Quá hạn*: by department and by days late |
//! | `GET /office/conflicts`, `POST /office/conflicts` | *Xung đột*: clashes of offline laptops, resolved |
//!
//! Every handler calls the operations of `App` (crates/device/src/office_app.rs), the same the
//! CLI's `doithoai handle` calls; every form is a POST answered by a redirect.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use doithoai_model::handling::{
    AnswerInput, Channel, Competence, Conflict, ForwardInput, ForwardMode, Item, Op, OverdueKind,
    RegisterNo,
};
use doithoai_model::time::format_date;
use doithoai_model::workdays::Calendar;
use doithoai_model::{Lang, Localize, Petition, PetitionKind, Registry, Status};
use doithoai_store::PetitionRow;
use uuid::Uuid;

use crate::app::App;
use crate::office_app::{Classify, OfficeError, next_step_required};
use crate::web::AppState;
use crate::web::pages::{
    Fields, Line, Shell, Web, date_of, html, need_app, see_other, shell, truncate,
};
use crate::web::security::lang_of;

type St = State<Arc<AppState>>;

/// Where the clerk's last receipt is remembered, to show the numbers after the redirect.
const RECEIPT_KEY: &str = "ui.office.receipt";
const INBOX_PAGE: u32 = 50;

/// This part's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/office", get(|| async { see_other("/office/inbox") }))
        .route("/office/inbox", get(inbox_page))
        .route("/office/receive", post(receive))
        .route("/office/classify", post(classify))
        .route("/office/duplicates", get(duplicates_page))
        .route("/office/merge", post(merge))
        .route("/office/petitions/{id}", post(petition_step))
        .route("/office/overdue", get(overdue_page))
        .route(
            "/office/conflicts",
            get(conflicts_page).post(conflicts_resolve),
        )
}

// ---- shared pieces ----------------------------------------------------------------------

/// A choice of a select: its code and what it says.
pub struct Opt {
    pub code: String,
    pub label: String,
}

fn kind_opts(lang: Lang) -> Vec<Opt> {
    PetitionKind::ALL
        .iter()
        .map(|k| Opt {
            code: k.code().into(),
            label: k.label(lang).into(),
        })
        .collect()
}

fn field_opts(reg: &Registry, lang: Lang) -> Vec<Opt> {
    reg.fields
        .iter()
        .map(|f| Opt {
            code: f.code.clone(),
            label: f.label(lang).into(),
        })
        .collect()
}

fn competence_opts(lang: Lang) -> Vec<Opt> {
    Competence::ALL
        .iter()
        .map(|c| Opt {
            code: c.code().into(),
            label: c.label(lang).into(),
        })
        .collect()
}

fn department_opts(reg: &Registry) -> Vec<Opt> {
    reg.departments
        .iter()
        .map(|d| Opt {
            code: d.id.clone(),
            label: d.name.clone(),
        })
        .collect()
}

fn channel_opts(lang: Lang) -> Vec<Opt> {
    Channel::ALL
        .iter()
        .filter(|c| **c != Channel::OnSpot)
        .map(|c| Opt {
            code: c.code().into(),
            label: c.label(lang).into(),
        })
        .collect()
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn point_name(reg: &Registry, id: &str) -> String {
    reg.point(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

fn dept_name(reg: &Registry, id: &str) -> String {
    reg.department(id)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

fn today() -> NaiveDate {
    doithoai_model::time::ward_now().date_naive()
}

fn office_shell_title(lang: Lang, vi: &str, en: &str) -> String {
    lang.pick(vi, en).to_owned()
}

fn unconfirmed_note(years: &[i32], lang: Lang) -> String {
    if years.is_empty() {
        return String::new();
    }
    let list = years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match lang {
        Lang::Vi => format!(" (lịch năm {list} chưa được văn phòng xác nhận)"),
        Lang::En => format!(" (the calendar of {list} is not confirmed by the office)"),
    }
}

/// A date typed by the clerk: empty is `None`; a wrong one is the model's message.
fn date_field(v: &str, lang: Lang) -> Result<Option<NaiveDate>, String> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    doithoai_model::time::parse_date(t)
        .map(Some)
        .map_err(|e| e.localize(lang))
}

fn v<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map(String::as_str).unwrap_or("")
}

fn need_office(app: &App) -> Result<(), OfficeError> {
    if app.is_office() {
        Ok(())
    } else {
        Err(OfficeError::NotOffice {
            role: app.device.role.clone(),
        })
    }
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// A safe local path to go back to (never another site).
fn back_path(f: &Fields, default: &str) -> String {
    f.get("back")
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

// ---- the inbox --------------------------------------------------------------------------

pub struct InboxRow {
    pub id: String,
    pub short: String,
    pub date: String,
    pub point: String,
    pub people: i64,
    pub residents: String,
    pub content: String,
    pub kind: String,
    pub flagged: bool,
}

pub struct ReceiptView {
    pub id: String,
    pub no: String,
    pub date: String,
    pub accept_by: String,
    pub note: String,
    pub content: String,
}

pub struct ClassifyRow {
    pub id: String,
    pub short: String,
    pub no: String,
    pub point: String,
    pub people: i64,
    pub content: String,
    pub kind: String,
    pub field: String,
    pub accept_by: String,
    pub focus: bool,
}

pub struct RouteRow {
    pub id: String,
    pub no: String,
    pub content: String,
    pub class: String,
    pub warning: Option<String>,
    pub accept_by: String,
}

pub struct Classified {
    pub text: String,
    pub warning: Option<String>,
}

#[derive(Template)]
#[template(path = "office_inbox.html")]
struct InboxPage {
    shell: Shell,
    error: Option<String>,
    receipts: Vec<ReceiptView>,
    classified: Option<Classified>,
    rows: Vec<InboxRow>,
    total: u64,
    points: Vec<Opt>,
    point: String,
    date: String,
    prev: Option<String>,
    next: Option<String>,
    to_classify: Vec<ClassifyRow>,
    classify_total: u64,
    to_route: Vec<RouteRow>,
    route_total: u64,
    kinds: Vec<Opt>,
    fields: Vec<Opt>,
    competences: Vec<Opt>,
    focus_new: bool,
}

#[derive(serde::Deserialize, Default)]
struct InboxQuery {
    point: Option<String>,
    page: Option<u32>,
    received: Option<String>,
    classified: Option<String>,
}

async fn inbox_page(State(state): St, headers: HeaderMap, Query(q): Query<InboxQuery>) -> Web {
    inbox_view(&state, &headers, q, None, String::new()).await
}

async fn inbox_view(
    state: &AppState,
    headers: &HeaderMap,
    q: InboxQuery,
    error: Option<String>,
    date: String,
) -> Web {
    let app = need_app(state).await?;
    need_office(&app)?;
    let reg = app.registry().await?;
    let lang = lang_of(headers, state.default_lang);
    let point = q.point.clone().unwrap_or_default();
    let page = q.page.unwrap_or(1).max(1);
    let (new, total) = app.office_inbox(Some(&point), INBOX_PAGE, (page - 1) * INBOX_PAGE)?;
    let rows = new
        .iter()
        .map(|r| {
            let kind = PetitionKind::parse(&r.kind);
            InboxRow {
                id: r.id.clone(),
                short: short(&r.id),
                date: date_of(&r.created_at),
                point: point_name(&reg, &r.point),
                people: r.people_count.max(1),
                residents: truncate(&r.residents, 40),
                content: truncate(&r.content, 120),
                kind: kind.map(|k| k.label(lang).to_owned()).unwrap_or_default(),
                flagged: kind.is_some_and(PetitionKind::is_flagged),
            }
        })
        .collect();
    let link = |p: u32| {
        let mut qs = vec![("page".to_owned(), p.to_string())];
        if !point.is_empty() {
            qs.push(("point".into(), point.clone()));
        }
        format!(
            "/office/inbox?{}",
            serde_urlencoded::to_string(&qs).unwrap_or_default()
        )
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = (u64::from(page * INBOX_PAGE) < total).then(|| link(page + 1));
    let mut receipts = Vec::new();
    if q.received.is_some() {
        let ids: Vec<String> = app
            .store
            .meta_get(RECEIPT_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        for r in app.office_receipts(&ids).await? {
            receipts.push(ReceiptView {
                id: r.row.id.clone(),
                no: r.no.to_string(),
                date: format_date(r.date),
                accept_by: format_date(r.accept_by),
                note: unconfirmed_note(&r.unconfirmed_years, lang),
                content: truncate(&r.row.content, 90),
            });
        }
    }
    let mut classified = None;
    if let Some(id) = q.classified.as_deref()
        && let Ok(v) = app.office_view(id).await
        && let Some(item) = &v.item
        && let Some(c) = &item.classification
    {
        let no = item.number().map(|n| n.to_string()).unwrap_or_default();
        classified = Some(Classified {
            text: format!(
                "{} {no}: {} — {} — {}",
                lang.pick("Đã phân loại số", "Classified no."),
                c.kind.label(lang),
                reg.field_label(&c.field, lang),
                c.competence.label(lang)
            ),
            warning: next_step_required(c.kind, c.competence, lang),
        });
    }
    let (waiting, classify_total) = app.office_at_status(Status::Received, 30)?;
    let (routing, route_total) = app.office_at_status(Status::Classified, 30)?;
    let items = app
        .office_items(
            waiting
                .iter()
                .chain(&routing)
                .filter_map(|r| Uuid::parse_str(&r.id).ok()),
        )
        .await?;
    let item_of = |r: &PetitionRow| Uuid::parse_str(&r.id).ok().and_then(|u| items.get(&u));
    let focus_classify = q.classified.is_some() || q.received.is_some();
    let mut to_classify = Vec::new();
    for (i, r) in waiting.iter().enumerate() {
        let received = item_of(r).and_then(|i| i.received.as_ref()).map(|r| r.date);
        to_classify.push(ClassifyRow {
            id: r.id.clone(),
            short: short(&r.id),
            no: r.register_no.clone().unwrap_or_default(),
            point: point_name(&reg, &r.point),
            people: r.people_count.max(1),
            content: truncate(&r.content, 140),
            kind: r.kind.clone(),
            field: r.field.clone().unwrap_or_default(),
            accept_by: received
                .map(|d| format_date(App::acceptance_deadline(&reg, d).0))
                .unwrap_or_default(),
            focus: i == 0 && focus_classify,
        });
    }
    let mut to_route = Vec::new();
    for r in &routing {
        let Some(item) = item_of(r) else {
            continue;
        };
        let Some(c) = &item.classification else {
            continue;
        };
        to_route.push(RouteRow {
            id: r.id.clone(),
            no: r.register_no.clone().unwrap_or_default(),
            content: truncate(&r.content, 100),
            class: format!(
                "{} · {} · {}",
                c.kind.label(lang),
                reg.field_label(&c.field, lang),
                c.competence.label(lang)
            ),
            warning: next_step_required(c.kind, c.competence, lang),
            accept_by: item
                .received
                .as_ref()
                .map(|rc| format_date(App::acceptance_deadline(&reg, rc.date).0))
                .unwrap_or_default(),
        });
    }
    let mut points: Vec<Opt> = reg
        .points
        .iter()
        .map(|p| Opt {
            code: p.id.clone(),
            label: p.name.clone(),
        })
        .collect();
    points.sort_by(|a, b| a.label.cmp(&b.label));
    let shell = shell(
        state,
        Some(&app),
        headers,
        "office-inbox",
        "/office/inbox".into(),
        office_shell_title(lang, "Hộp thư đến", "Inbox"),
    )
    .await;
    let focus_new = !focus_classify || to_classify.is_empty();
    let r = html(InboxPage {
        shell,
        error: error.clone(),
        receipts,
        classified,
        rows,
        total,
        points,
        point,
        date: if date.is_empty() {
            format_date(today())
        } else {
            date
        },
        prev,
        next,
        to_classify,
        classify_total,
        to_route,
        route_total,
        kinds: kind_opts(lang),
        fields: field_opts(&reg, lang),
        competences: competence_opts(lang),
        focus_new,
    })?;
    Ok(if error.is_some() { unprocessable(r) } else { r })
}

async fn receive(
    State(state): St,
    headers: HeaderMap,
    Form(values): Form<Vec<(String, String)>>,
) -> Web {
    let app = need_app(&state).await?;
    need_office(&app)?;
    let lang = lang_of(&headers, state.default_lang);
    let get = |k: &str| {
        values
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let date_text = get("date");
    let point = get("point");
    let again = || InboxQuery {
        point: (!point.is_empty()).then(|| point.clone()),
        ..Default::default()
    };
    let date = match date_field(&date_text, lang) {
        Ok(d) => d,
        Err(e) => return inbox_view(&state, &headers, again(), Some(e), date_text).await,
    };
    let mut ids: Vec<String> = values
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .collect();
    if get("all") == "1" {
        // Every waiting petition (of the chosen point), oldest first so numbers follow arrival.
        let (mut all, _) = app.office_inbox(Some(&point), u32::MAX, 0)?;
        all.reverse();
        ids = all.into_iter().map(|r| r.id).collect();
    } else {
        // Oldest first as well: the list shows the newest on top.
        let mut rows: Vec<PetitionRow> = ids
            .iter()
            .filter_map(|id| app.store.index_get(id).ok().flatten())
            .collect();
        rows.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        ids = rows.into_iter().map(|r| r.id).collect();
    }
    if ids.is_empty() {
        let e = lang
            .pick(
                "Chưa chọn ý kiến nào: đánh dấu ô «Chọn» của ý kiến cần vào sổ (phím Cách), hoặc bấm «Vào sổ tất cả».",
                "No petition chosen: tick the «Choose» box of each one to register (Space), or press «Register all».",
            )
            .to_owned();
        return inbox_view(&state, &headers, again(), Some(e), date_text).await;
    }
    let (done, err) = match app.office_receive_many(&ids, date).await {
        Ok(d) => (d, None),
        Err((d, e)) => (d, Some(e.localize(lang))),
    };
    let done_ids: Vec<&str> = done.iter().map(|r| r.row.id.as_str()).collect();
    app.store.meta_set(
        RECEIPT_KEY,
        &serde_json::to_string(&done_ids).unwrap_or_default(),
    )?;
    if let Some(e) = err {
        let mut qq = again();
        qq.received = (!done.is_empty()).then(|| "1".into());
        return inbox_view(&state, &headers, qq, Some(e), date_text).await;
    }
    let mut to = "/office/inbox?received=1".to_owned();
    if !point.is_empty() {
        to.push_str(&format!(
            "&{}",
            serde_urlencoded::to_string([("point", &point)]).unwrap_or_default()
        ));
    }
    Ok(see_other(&to))
}

fn classify_input(f: &Fields, reg: &Registry, lang: Lang) -> Result<Classify, String> {
    let kind = match v(f, "kind") {
        "" => None,
        k => Some(PetitionKind::parse(k).ok_or_else(|| {
            doithoai_model::ValidationError::UnknownKind {
                value: k.to_owned(),
            }
            .localize(lang)
        })?),
    };
    let field = match v(f, "field") {
        "" => None,
        x => Some(reg.find_field(x).map(|f| f.code.clone()).ok_or_else(|| {
            doithoai_model::ValidationError::UnknownField {
                value: x.to_owned(),
                known: reg.fields.iter().map(|f| f.code.clone()).collect(),
            }
            .localize(lang)
        })?),
    };
    let competence = match v(f, "competence") {
        "" => None,
        c => Some(Competence::parse(c).ok_or_else(|| {
            lang.pick("Thẩm quyền không hợp lệ.", "Unknown competence.")
                .to_owned()
        })?),
    };
    Ok(Classify {
        kind,
        field,
        competence,
        prior: v(f, "prior").trim().to_owned(),
    })
}

async fn classify(State(state): St, headers: HeaderMap, Form(f): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    need_office(&app)?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let id = v(&f, "id").to_owned();
    let res = match classify_input(&f, &reg, lang) {
        Ok(input) => app
            .office_classify(&id, input)
            .await
            .map_err(|e| e.localize(lang)),
        Err(e) => Err(e),
    };
    match res {
        Ok((row, _, _)) => Ok(see_other(&format!("/office/inbox?classified={}", row.id))),
        Err(e) => {
            inbox_view(
                &state,
                &headers,
                InboxQuery::default(),
                Some(e),
                String::new(),
            )
            .await
        }
    }
}

// ---- duplicates -------------------------------------------------------------------------

/// A piece of text, marked when the other petition of the pair lacks it.
pub struct Seg {
    pub text: String,
    pub diff: bool,
}

/// `a`'s words, each marked when `b` does not have it (case, diacritics and punctuation aside).
fn diff_words(a: &str, b: &str) -> Vec<Seg> {
    let norm = |w: &str| {
        doithoai_model::text::fold(w)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let other: std::collections::BTreeSet<String> = b
        .split_whitespace()
        .map(norm)
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<Seg> = Vec::new();
    for w in a.split_whitespace() {
        let n = norm(w);
        let diff = !n.is_empty() && !other.contains(&n);
        match out.last_mut() {
            Some(last) if last.diff == diff => {
                last.text.push(' ');
                last.text.push_str(w);
            }
            Some(last) => {
                last.text.push(' ');
                out.push(Seg {
                    text: w.to_owned(),
                    diff,
                });
            }
            None => out.push(Seg {
                text: w.to_owned(),
                diff,
            }),
        }
    }
    out
}

pub struct Side {
    pub id: String,
    pub no: String,
    pub point: String,
    pub date: String,
    pub people: i64,
    pub residents: String,
    pub content: Vec<Seg>,
    pub request: Vec<Seg>,
    pub place: Vec<Seg>,
    pub status: String,
}

pub struct PairView {
    pub n: usize,
    pub score: String,
    pub earlier: Side,
    pub later: Side,
    pub people_after: i64,
}

pub struct Member {
    pub id: String,
    pub no: String,
    pub content: String,
    pub people: i64,
}

pub struct GroupView {
    pub root: Member,
    pub members: Vec<Member>,
    pub people: i64,
}

#[derive(Template)]
#[template(path = "office_duplicates.html")]
struct DuplicatesPage {
    shell: Shell,
    error: Option<String>,
    flash: Option<String>,
    pairs: Vec<PairView>,
    groups: Vec<GroupView>,
}

#[derive(serde::Deserialize, Default)]
struct DupQuery {
    merged: Option<String>,
    reopened: Option<String>,
}

fn side(p: &Petition, r: &PetitionRow, other: &Petition, reg: &Registry, lang: Lang) -> Side {
    Side {
        id: r.id.clone(),
        no: r.register_no.clone().unwrap_or_default(),
        point: point_name(reg, &r.point),
        date: date_of(&r.created_at),
        people: i64::from(p.people_count.max(1)),
        residents: truncate(&r.residents, 60),
        content: diff_words(&p.content, &other.content),
        request: diff_words(&p.request, &other.request),
        place: diff_words(&p.place, &other.place),
        status: doithoai_model::status::status_label(&r.status, lang),
    }
}

async fn duplicates_page(State(state): St, headers: HeaderMap, Query(q): Query<DupQuery>) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    let flash = if let Some(id) = q.merged {
        let app = need_app(&state).await?;
        let g = app.office_group(&id).await?;
        let no = g
            .rows
            .first()
            .and_then(|r| r.register_no.clone())
            .unwrap_or_default();
        Some(match lang {
            Lang::Vi => format!(
                "Đã gộp. Nhóm của ý kiến gốc số {no} có {} ý kiến, {} người; trả lời một lần ở ý kiến gốc. Các bản gốc đều được giữ.",
                g.rows.len(),
                g.people
            ),
            Lang::En => format!(
                "Merged. The group of the original no. {no} has {} petitions, {} people; answer once, on the original. Both originals are kept.",
                g.rows.len(),
                g.people
            ),
        })
    } else {
        q.reopened.map(|_| {
            lang.pick(
                "Đã tách ra (mở lại): ý kiến lại được xử lý riêng.",
                "Split off (reopened): the petition is handled on its own again.",
            )
            .to_owned()
        })
    };
    duplicates_view(&state, &headers, None, flash).await
}

async fn duplicates_view(
    state: &AppState,
    headers: &HeaderMap,
    error: Option<String>,
    flash: Option<String>,
) -> Web {
    let app = need_app(state).await?;
    need_office(&app)?;
    let reg = app.registry().await?;
    let lang = lang_of(headers, state.default_lang);
    let pairs = app
        .office_duplicate_pairs(doithoai_model::handling::DUPLICATE_THRESHOLD)
        .await?
        .into_iter()
        .take(50)
        .enumerate()
        .map(|(n, p)| PairView {
            n: n + 1,
            score: format!("{:.0}%", p.suggestion.score() * 100.0),
            earlier: side(&p.earlier, &p.earlier_row, &p.later, &reg, lang),
            later: side(&p.later, &p.later_row, &p.earlier, &reg, lang),
            people_after: p.people_merged,
        })
        .collect();
    let member = |r: &PetitionRow| Member {
        id: r.id.clone(),
        no: r.register_no.clone().unwrap_or_else(|| short(&r.id)),
        content: truncate(&r.content, 90),
        people: r.people_count.max(1),
    };
    let groups = app
        .office_groups()
        .await?
        .into_iter()
        .filter_map(|g| {
            let (first, rest) = g.rows.split_first()?;
            Some(GroupView {
                root: member(first),
                members: rest.iter().map(member).collect(),
                people: g.people,
            })
        })
        .collect();
    let shell = shell(
        state,
        Some(&app),
        headers,
        "office-duplicates",
        "/office/duplicates".into(),
        office_shell_title(lang, "Trùng lặp", "Duplicates"),
    )
    .await;
    let r = html(DuplicatesPage {
        shell,
        error: error.clone(),
        flash,
        pairs,
        groups,
    })?;
    Ok(if error.is_some() { unprocessable(r) } else { r })
}

async fn merge(State(state): St, headers: HeaderMap, Form(f): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    need_office(&app)?;
    let lang = lang_of(&headers, state.default_lang);
    match app.office_merge(v(&f, "id"), v(&f, "into")).await {
        Ok((row, _)) => Ok(see_other(&format!("/office/duplicates?merged={}", row.id))),
        Err(e) => duplicates_view(&state, &headers, Some(e.localize(lang)), None).await,
    }
}

// ---- one petition: the office's panel on the petition page --------------------------------

pub struct LogLine {
    pub at: String,
    pub by: String,
    pub what: String,
    pub change: String,
    pub note: String,
}

/// What the petition page shows an office device: the handling so far, its log, and the forms
/// of the next steps (templates/office_petition.html).
/// A refused step: the message, and the form field it is about (its element id), if any: the
/// page shows the message beside that field, not at the top.
#[derive(Debug, Clone)]
pub struct StepError {
    pub message: String,
    pub field: Option<&'static str>,
}

impl From<String> for StepError {
    fn from(message: String) -> Self {
        StepError {
            message,
            field: None,
        }
    }
}

/// The element id of the field of step `op` that holds the input `what` names (the library's
/// [`doithoai_model::handling::HandlingError::input`]).
fn field_of(op: &str, what: &str) -> Option<&'static str> {
    Some(match (op, what) {
        ("receive", "date") => "r-date",
        ("classify", "field") => "p-field",
        ("classify", "prior") => "p-prior",
        ("forward", "forward_to") => "f-to",
        ("forward", "letter_no") => "f-letter",
        ("forward", "date") => "f-date",
        ("file", "reason") => "fi-reason",
        ("assign", "department") => "a-dept",
        ("assign", "deadline") => "a-deadline",
        ("assign", "note") => "a-note",
        ("answer", "answer") => "an-text",
        ("answer", "legal_basis") => "an-legal",
        ("answer", "doc_no") => "an-doc",
        ("answer", "date") => "an-date",
        ("approve", "approver") => "ap-who",
        ("approve", "note") => "ap-note",
        ("notify", "channel") => "n-channel",
        ("notify", "date") => "n-date",
        ("notify", "note") => "n-note",
        ("close", "note") => "c-note",
        ("reopen", "reason") => "ro-reason",
        _ => return None,
    })
}

pub struct PetitionPanel {
    pub id: String,
    pub status: String,
    pub status_code: &'static str,
    pub error: Option<String>,
    /// (field element id, message): a refused step's message shown beside its field.
    pub field_error: Option<(&'static str, String)>,
    pub facts: Vec<Line>,
    pub warning: Option<String>,
    pub conflict: Option<String>,
    pub log: Vec<LogLine>,
    pub today: String,
    pub default_deadline: String,
    pub kinds: Vec<Opt>,
    pub fields: Vec<Opt>,
    pub competences: Vec<Opt>,
    pub departments: Vec<Opt>,
    pub channels: Vec<Opt>,
    pub kind: String,
    pub field: String,
    pub competence: String,
    pub prior: String,
    pub department: String,
    pub channel: String,
    pub relay_note: String,
    pub answer_text: String,
    pub merged_into: Option<String>,
    pub flagged: bool,
    /// A complaint is returned with guidance rather than forwarded (Law on Complaints): the
    /// forwarding form starts on that choice.
    pub guide: bool,
}

impl PetitionPanel {
    pub fn at(&self, s: &str) -> bool {
        self.status_code == s
    }
    /// The message of a refused step about the field `id`.
    pub fn err(&self, id: &str) -> Option<&str> {
        self.field_error
            .as_ref()
            .filter(|(f, _)| *f == id)
            .map(|(_, m)| m.as_str())
    }
    pub fn any(&self, list: &[&str]) -> bool {
        list.contains(&self.status_code)
    }
}

/// An event's note as the clerk reads it (codes as labels, dates as dd/mm/yyyy).
fn event_note(op: &str, note: &str, reg: &Registry, l: Lang) -> String {
    let parts: Vec<&str> = note.split("; ").collect();
    match (op, parts.as_slice()) {
        ("classify", [kind, field, competence]) => format!(
            "{}; {}; {}",
            PetitionKind::parse(kind).map_or(*kind, |k| k.label(l)),
            reg.field_label(field, l),
            Competence::parse(competence).map_or(*competence, |c| c.label(l)),
        ),
        ("assign", [dept, deadline]) => format!(
            "{}; {} {}",
            dept_name(reg, dept),
            l.pick("hạn", "due"),
            NaiveDate::parse_from_str(deadline, "%Y-%m-%d")
                .map(format_date)
                .unwrap_or_else(|_| (*deadline).to_owned())
        ),
        ("notify", [ch]) => Channel::parse(ch).map_or(note.to_owned(), |c| c.label(l).to_owned()),
        ("merge", [into]) => Uuid::parse_str(into)
            .map(|u| format!("{} {}", l.pick("vào", "into"), short(&u.to_string())))
            .unwrap_or_else(|_| note.to_owned()),
        _ => note.to_owned(),
    }
}

fn stamp(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|d| doithoai_model::time::format_datetime(&d))
        .unwrap_or_else(|_| at.to_owned())
}

/// The office's panel for the petition page.
pub async fn petition_panel(
    app: &App,
    reg: &Registry,
    p: &Petition,
    lang: Lang,
    error: Option<StepError>,
) -> Result<PetitionPanel, OfficeError> {
    let (error, field_error) = match error {
        Some(StepError {
            message,
            field: Some(f),
        }) => (None, Some((f, message))),
        Some(e) => (Some(e.message), None),
        None => (None, None),
    };
    let view = app.office_view(&p.id.to_string()).await?;
    let item: Option<&Item> = view.item.as_ref();
    let status = item.map_or(Status::Collected, |i| i.status);
    let cal = Calendar::of(reg);
    let mut facts = Vec::new();
    let mut add = |l: &str, v: String| {
        facts.push(Line {
            label: l.to_owned(),
            value: v,
        })
    };
    let mut flagged = false;
    let mut warning = None;
    if let Some(i) = item {
        if !i.numbers.is_empty() {
            let ns: Vec<String> = i.numbers.iter().map(RegisterNo::to_string).collect();
            add(lang.pick("Số vào sổ", "Register number"), ns.join(", "));
        }
        if let Some(r) = &i.received {
            let (due, years) = App::acceptance_deadline(reg, r.date);
            add(
                lang.pick("Ngày vào sổ", "Registered on"),
                format!("{} ({})", format_date(r.date), point_name(reg, &r.point)),
            );
            add(
                lang.pick(
                    "Hạn báo thụ lý (10 ngày làm việc)",
                    "Tell whether accepted by (10 working days)",
                ),
                format_date(due) + &unconfirmed_note(&years, lang),
            );
        }
        if let Some(c) = &i.classification {
            let mut s = format!(
                "{} — {} — {}",
                c.kind.label(lang),
                reg.field_label(&c.field, lang),
                c.competence.label(lang)
            );
            if !c.prior.is_empty() {
                s.push_str(&format!(
                    " — {} {}",
                    lang.pick("đã giải quyết:", "handled before by"),
                    c.prior
                ));
            }
            add(lang.pick("Phân loại", "Classification"), s);
            flagged = c.kind.is_flagged();
            if matches!(status, Status::Classified | Status::Received) {
                warning = next_step_required(c.kind, c.competence, lang);
            }
        }
        if let Some(m) = &i.merged
            && i.duplicate_of().is_some()
        {
            add(
                lang.pick("Gộp vào ý kiến gốc", "Merged into"),
                short(&m.into.to_string()),
            );
        }
        if let Some(f) = &i.forwarded {
            add(
                f.mode.label(lang),
                format!(
                    "{}{} — {}",
                    f.to,
                    if f.letter_no.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({} {})",
                            lang.pick("văn bản số", "letter no."),
                            f.letter_no
                        )
                    },
                    format_date(f.date)
                ),
            );
        }
        if let Some(f) = &i.filed {
            add(lang.pick("Lưu, không xử lý", "Filed"), f.reason.clone());
        }
        if let Some(a) = &i.assignment {
            let from = i.received.as_ref().map(|r| r.date);
            let wd = from
                .map(|r| cal.working_days_between(r, a.deadline))
                .unwrap_or_default();
            let mut s = format!(
                "{} — {} {}",
                dept_name(reg, &a.department),
                lang.pick("hạn", "due"),
                format_date(a.deadline)
            );
            if let Some(r) = from {
                s.push_str(&match lang {
                    Lang::Vi => {
                        format!(" ({wd} ngày làm việc kể từ ngày vào sổ {})", format_date(r))
                    }
                    Lang::En => format!(
                        " ({wd} working days from registration on {})",
                        format_date(r)
                    ),
                });
                s.push_str(&unconfirmed_note(
                    &cal.unconfirmed_years(r, a.deadline),
                    lang,
                ));
            }
            if !a.note.is_empty() {
                s.push_str(&format!(" — {}", a.note));
            }
            add(lang.pick("Giao xử lý", "Assigned to"), s);
        }
        if let Some(a) = &i.answer {
            add(
                lang.pick("Trả lời", "Answer"),
                format!(
                    "{} — {}, {}{}",
                    a.text,
                    a.answered_by,
                    format_date(a.date),
                    if a.doc_no.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", a.doc_no)
                    }
                ),
            );
        }
        if let Some(a) = &i.approval {
            add(
                lang.pick("Duyệt", "Approved by"),
                format!("{} — {}", a.approver, stamp(&a.at)),
            );
        }
        if let Some(n) = &i.notification {
            add(
                lang.pick("Thông báo cho người dân", "Resident told"),
                format!(
                    "{} — {}{}",
                    n.channel.label(lang),
                    format_date(n.date),
                    if n.note.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", n.note)
                    }
                ),
            );
        }
        if let Some(c) = &i.closure
            && status == Status::Closed
        {
            add(
                lang.pick("Kết thúc", "Closed"),
                format!(
                    "{}{}",
                    stamp(&c.at),
                    if c.note.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", c.note)
                    }
                ),
            );
        }
    }
    let conflict = item.and_then(|i| {
        let shared = i.numbers.len() > 1 || !i.status_conflict.is_empty();
        shared.then(|| {
            lang.pick(
                "Các máy văn phòng đã ghi khác nhau cho ý kiến này (số vào sổ hoặc trạng thái): xem «Xung đột».",
                "Office laptops recorded this petition differently (register number or status): see «Conflicts».",
            )
            .to_owned()
        })
    });
    let log = item
        .map(|i| {
            i.events
                .iter()
                .rev()
                .map(|e| LogLine {
                    at: stamp(&e.at),
                    by: e.by.clone(),
                    what: Op::parse(&e.op)
                        .map(|o| o.done_label(lang).to_owned())
                        .unwrap_or_else(|| e.op.clone()),
                    change: match (e.from, e.to) {
                        (Some(a), Some(b)) if a != b => {
                            format!("{} → {}", a.label(lang), b.label(lang))
                        }
                        _ => String::new(),
                    },
                    note: event_note(&e.op, &e.note, reg, lang),
                })
                .collect()
        })
        .unwrap_or_default();
    let class = item.and_then(|i| i.classification.as_ref());
    let relay_note = p
        .relayed
        .as_ref()
        .map(|r| format!("{}: {}", r.by, r.note))
        .unwrap_or_default();
    Ok(PetitionPanel {
        id: p.id.to_string(),
        status: status.label(lang).to_owned(),
        status_code: status.code(),
        error,
        field_error,
        facts,
        warning,
        conflict,
        log,
        today: format_date(today()),
        default_deadline: item
            .map(|i| format_date(App::default_assignment_deadline(reg, i)))
            .unwrap_or_default(),
        kinds: kind_opts(lang),
        fields: field_opts(reg, lang),
        competences: competence_opts(lang),
        departments: department_opts(reg),
        channels: channel_opts(lang),
        kind: class
            .map(|c| c.kind.code().to_owned())
            .unwrap_or_else(|| p.kind.code().to_owned()),
        field: class
            .map(|c| c.field.clone())
            .or_else(|| p.field.clone())
            .unwrap_or_default(),
        competence: class
            .map(|c| c.competence.code())
            .unwrap_or(Competence::Ward.code())
            .to_owned(),
        prior: class.map(|c| c.prior.clone()).unwrap_or_default(),
        department: item
            .and_then(|i| i.assignment.as_ref())
            .map(|a| a.department.clone())
            .unwrap_or_default(),
        channel: if p.relayed.is_some() {
            String::new()
        } else {
            Channel::TdpLeader.code().to_owned()
        },
        relay_note,
        answer_text: item
            .and_then(|i| i.answer.as_ref())
            .map(|a| a.text.clone())
            .unwrap_or_default(),
        merged_into: item
            .filter(|i| i.duplicate_of().is_some())
            .and_then(|i| i.merged.as_ref())
            .map(|m| m.into.to_string()),
        flagged,
        guide: class.is_some_and(|c| c.kind == PetitionKind::KhieuNai),
    })
}

/// The flash of the petition page after an office step (`?ok=office-…`).
pub fn flash(k: &str, lang: Lang) -> String {
    match k {
        "office-receive" => lang.pick("Đã vào sổ.", "Registered."),
        "office-classify" => lang.pick("Đã phân loại.", "Classified."),
        "office-forward" => lang.pick("Đã ghi chuyển đơn / hướng dẫn.", "Forwarding recorded."),
        "office-file" => lang.pick("Đã lưu, không xử lý.", "Filed without action."),
        "office-assign" => lang.pick("Đã giao xử lý.", "Assigned."),
        "office-answer" => lang.pick(
            "Đã ghi trả lời. Tiếp theo: duyệt trả lời.",
            "Answer recorded. Next: approve it.",
        ),
        "office-approve" => lang.pick(
            "Đã duyệt trả lời. Tiếp theo: thông báo cho người dân.",
            "Answer approved. Next: tell the resident.",
        ),
        "office-notify" => lang.pick("Đã ghi thông báo cho người dân.", "Notification recorded."),
        "office-close" => lang.pick("Đã kết thúc.", "Closed."),
        "office-reopen" => lang.pick("Đã mở lại.", "Reopened."),
        _ => lang.pick("Đã lưu.", "Saved."),
    }
    .to_owned()
}

async fn step(
    app: &App,
    id: &str,
    f: &Fields,
    reg: &Registry,
    lang: Lang,
) -> Result<&'static str, StepError> {
    let op = v(f, "op");
    // The library says which input an error is about; the page names the field by its id.
    let loc = |e: OfficeError| StepError {
        message: e.localize(lang),
        field: e.input().and_then(|w| field_of(op, w)),
    };
    let date_field = |text: &str, what: &str| {
        date_field(text, lang).map_err(|message| StepError {
            message,
            field: field_of(op, what),
        })
    };
    match op {
        "receive" => {
            let d = date_field(v(f, "date"), "date")?;
            app.office_receive(id, d).await.map_err(loc)?;
            Ok("receive")
        }
        "classify" => {
            let input = classify_input(f, reg, lang).map_err(|message| StepError {
                message,
                field: None,
            })?;
            app.office_classify(id, input).await.map_err(loc)?;
            Ok("classify")
        }
        "forward" => {
            let mode = ForwardMode::parse(v(f, "mode")).unwrap_or(ForwardMode::Forward);
            let input = ForwardInput {
                mode,
                to: v(f, "to").to_owned(),
                letter_no: v(f, "letter_no").to_owned(),
                date: date_field(v(f, "date"), "date")?,
            };
            app.office_forward(id, input).await.map_err(loc)?;
            Ok("forward")
        }
        "file" => {
            app.office_file(id, v(f, "reason")).await.map_err(loc)?;
            Ok("file")
        }
        "assign" => {
            let d = date_field(v(f, "deadline"), "deadline")?;
            app.office_assign(id, v(f, "department"), d, v(f, "note"))
                .await
                .map_err(loc)?;
            Ok("assign")
        }
        "answer" => {
            let input = AnswerInput {
                text: v(f, "text").to_owned(),
                legal_basis: v(f, "legal_basis").to_owned(),
                doc_no: v(f, "doc_no").to_owned(),
                answered_by: v(f, "answered_by").to_owned(),
                on_spot: false,
                date: date_field(v(f, "date"), "date")?,
            };
            app.office_answer(id, input).await.map_err(loc)?;
            Ok("answer")
        }
        "approve" => {
            app.office_approve(id, v(f, "approver"), v(f, "note"))
                .await
                .map_err(loc)?;
            Ok("approve")
        }
        "notify" => {
            let channel = match v(f, "channel") {
                "" => None,
                c => Some(Channel::parse(c).ok_or_else(|| {
                    StepError {
                        message: lang
                            .pick("Hình thức thông báo không hợp lệ.", "Unknown channel.")
                            .to_owned(),
                        field: Some("n-channel"),
                    }
                })?),
            };
            let d = date_field(v(f, "date"), "date")?;
            app.office_notify(id, channel, d, v(f, "note"))
                .await
                .map_err(loc)?;
            Ok("notify")
        }
        "close" => {
            app.office_close(id, v(f, "note")).await.map_err(loc)?;
            Ok("close")
        }
        "reopen" => {
            app.office_reopen(id, v(f, "reason")).await.map_err(loc)?;
            Ok("reopen")
        }
        other => Err(match lang {
            Lang::Vi => format!("Không có thao tác «{other}»."),
            Lang::En => format!("There is no step {other:?}."),
        }
        .into()),
    }
}

async fn petition_step(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    need_office(&app)?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let back = back_path(&f, "");
    match step(&app, &id, &f, &reg, lang).await {
        Ok(op) => {
            let row = app.office_resolve(&id).await?;
            if back == "/office/duplicates" && op == "reopen" {
                return Ok(see_other("/office/duplicates?reopened=1"));
            }
            if back.starts_with("/office/conflicts") {
                return Ok(see_other("/office/conflicts?ok=1"));
            }
            Ok(see_other(&format!("/petitions/{}?ok=office-{op}", row.id)))
        }
        Err(e) if back == "/office/duplicates" => {
            duplicates_view(&state, &headers, Some(e.message), None).await
        }
        Err(e) => {
            let r =
                crate::web::pages::petition_view(&state, &app, &headers, &id, None, None, Some(e))
                    .await?;
            Ok(unprocessable(r))
        }
    }
}

// ---- overdue ----------------------------------------------------------------------------

pub struct OverdueRow {
    pub id: String,
    pub no: String,
    pub content: String,
    pub point: String,
    pub why: String,
    pub due: String,
    pub days_late: i64,
}

pub struct DeptGroup {
    pub name: String,
    pub rows: Vec<OverdueRow>,
    pub most: i64,
}

pub struct Bucket {
    pub href: String,
    pub label: String,
    pub count: usize,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "office_overdue.html")]
struct OverduePage {
    shell: Shell,
    today: String,
    total: usize,
    buckets: Vec<Bucket>,
    depts: Vec<DeptGroup>,
    acceptance: Vec<OverdueRow>,
    not_received: Vec<OverdueRow>,
}

#[derive(serde::Deserialize, Default)]
struct OverdueQuery {
    min: Option<i64>,
}

async fn overdue_page(State(state): St, headers: HeaderMap, Query(q): Query<OverdueQuery>) -> Web {
    let app = need_app(&state).await?;
    need_office(&app)?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let day = today();
    let all = app.office_overdue_entries(day).await?;
    let min = q.min.unwrap_or(0).max(0);
    let buckets = [0i64, 5, 10, 30]
        .into_iter()
        .map(|m| Bucket {
            href: if m == 0 {
                "/office/overdue".into()
            } else {
                format!("/office/overdue?min={m}")
            },
            label: match (m, lang) {
                (0, l) => l.pick("Tất cả", "All").to_owned(),
                (m, Lang::Vi) => format!("Quá trên {m} ngày"),
                (m, Lang::En) => format!("More than {m} days late"),
            },
            count: all.iter().filter(|e| e.overdue.days_late > m).count(),
            current: m == min,
        })
        .collect();
    let mut depts: BTreeMap<String, Vec<OverdueRow>> = BTreeMap::new();
    let mut acceptance = Vec::new();
    let mut not_received = Vec::new();
    for e in all.iter().filter(|e| e.overdue.days_late > min) {
        let row = OverdueRow {
            id: e.overdue.id.to_string(),
            no: e
                .number
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into()),
            content: e
                .row
                .as_ref()
                .map(|r| truncate(&r.content, 90))
                .unwrap_or_default(),
            point: e
                .row
                .as_ref()
                .map(|r| point_name(&reg, &r.point))
                .unwrap_or_default(),
            why: e.overdue.kind.label_as(e.status, lang).to_owned(),
            due: format_date(e.overdue.due),
            days_late: e.overdue.days_late,
        };
        match e.overdue.kind {
            OverdueKind::Deadline => depts
                .entry(
                    e.department
                        .as_deref()
                        .map(|d| dept_name(&reg, d))
                        .unwrap_or_default(),
                )
                .or_default()
                .push(row),
            OverdueKind::Acceptance => acceptance.push(row),
            OverdueKind::NotReceived => not_received.push(row),
        }
    }
    let mut depts: Vec<DeptGroup> = depts
        .into_iter()
        .map(|(name, rows)| DeptGroup {
            most: rows.iter().map(|r| r.days_late).max().unwrap_or(0),
            name,
            rows,
        })
        .collect();
    depts.sort_by(|a, b| b.rows.len().cmp(&a.rows.len()).then(b.most.cmp(&a.most)));
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "office-overdue",
        "/office/overdue".into(),
        office_shell_title(lang, "Quá hạn", "Overdue"),
    )
    .await;
    html(OverduePage {
        shell,
        today: format_date(day),
        total: all.len(),
        buckets,
        depts,
        acceptance,
        not_received,
    })
}

// ---- conflicts --------------------------------------------------------------------------

pub struct Choice {
    pub action: &'static str,
    pub id: String,
    pub value: String,
    pub label: String,
    pub primary: bool,
    pub needs_reason: bool,
}

pub struct ConflictCard {
    pub n: usize,
    pub title: String,
    pub lines: Vec<(String, String)>,
    pub choices: Vec<Choice>,
}

/// Something wrong in the points' intake books (found when indexing, as the server checks):
/// what it is, the copies or the petition, and what the clerk can do.
pub struct IssueCard {
    pub n: usize,
    pub kind: &'static str,
    pub title: String,
    /// (link, text); an empty link is plain text.
    pub lines: Vec<(String, String)>,
    pub advice: String,
    /// Documents whose registration the office can remove (enrolled devices only).
    pub unregister: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "office_conflicts.html")]
struct ConflictsPage {
    shell: Shell,
    error: Option<String>,
    flash: Option<String>,
    cards: Vec<ConflictCard>,
    issues: Vec<IssueCard>,
}

fn excerpt(s: &str) -> String {
    truncate(s, 80)
}

/// The intake issues as cards for the conflicts page.
fn issue_cards(
    issues: &[doithoai_store::IntakeIssue],
    reg: &Registry,
    enrolled: bool,
    lang: Lang,
) -> Vec<IssueCard> {
    use doithoai_store::IntakeIssue;
    let doc = |d: &str| d.chars().take(8).collect::<String>();
    issues
        .iter()
        .enumerate()
        .map(|(n, issue)| match issue {
            IntakeIssue::SameId { id, copies } => {
                let lines = copies
                    .iter()
                    .map(|c| {
                        let mut t = format!(
                            "{} {} ({} {}): «{}»",
                            lang.pick("Sổ của", "The book of"),
                            point_name(reg, &c.row.point),
                            lang.pick("tài liệu", "document"),
                            doc(&c.row.doc_id),
                            excerpt(&c.row.content)
                        );
                        if let Some(claimed) = &c.claimed_point {
                            t.push_str(&format!(
                                " — {} {}",
                                lang.pick("tự ghi là của", "claims to be from"),
                                point_name(reg, claimed)
                            ));
                        }
                        if c.shown {
                            t.push_str(lang.pick(
                                " — bản đang hiển thị trong danh sách và báo cáo",
                                " — the copy lists and reports show",
                            ));
                        }
                        let href = if c.shown {
                            format!("/petitions/{id}")
                        } else {
                            String::new()
                        };
                        (href, t)
                    })
                    .collect();
                IssueCard {
                    n: n + 1,
                    kind: "same_id",
                    title: match lang {
                        Lang::Vi => format!(
                            "Một mã ý kiến ({}) có trong {} sổ tiếp nhận khác nhau",
                            short(id),
                            copies.len()
                        ),
                        Lang::En => format!(
                            "One petition id ({}) is in {} different intake books",
                            short(id),
                            copies.len()
                        ),
                    },
                    lines,
                    advice: lang
                        .pick(
                            "Có thể một bản bị ghi giả mạo, hoặc hai điểm ghi trùng mã. Không bản nào bị ghi đè; danh sách và báo cáo dùng bản đang hiển thị. Hãy hỏi tổ trưởng của các điểm để biết bản nào là thật. Nếu một tài liệu là giả mạo, gỡ đăng ký tài liệu đó để máy chủ không đồng bộ nó nữa.",
                            "One copy may be forged, or two points used the same id. Neither copy was overwritten; lists and reports use the shown one. Ask the points' leaders which copy is genuine. If a document is forged, remove its registration so that the server no longer syncs it.",
                        )
                        .to_owned(),
                    unregister: if enrolled {
                        copies
                            .iter()
                            .map(|c| {
                                (
                                    c.row.doc_id.clone(),
                                    match lang {
                                        Lang::Vi => format!(
                                            "Gỡ đăng ký tài liệu {} (sổ của {})",
                                            doc(&c.row.doc_id),
                                            point_name(reg, &c.row.point)
                                        ),
                                        Lang::En => format!(
                                            "Remove the registration of document {} (the book of {})",
                                            doc(&c.row.doc_id),
                                            point_name(reg, &c.row.point)
                                        ),
                                    },
                                )
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                }
            }
            IntakeIssue::PointClaim { row, claimed_point } => IssueCard {
                n: n + 1,
                kind: "point",
                title: match lang {
                    Lang::Vi => format!(
                        "Ý kiến {} nằm trong sổ của {} nhưng tự ghi là của {}",
                        short(&row.id),
                        point_name(reg, &row.point),
                        point_name(reg, claimed_point)
                    ),
                    Lang::En => format!(
                        "Petition {} is in the book of {} but claims to be from {}",
                        short(&row.id),
                        point_name(reg, &row.point),
                        point_name(reg, claimed_point)
                    ),
                },
                lines: vec![(format!("/petitions/{}", row.id), excerpt(&row.content))],
                advice: match lang {
                    Lang::Vi => format!(
                        "Trong danh sách và báo cáo, ý kiến được tính cho {}. Hãy hỏi tổ trưởng {}: nếu ghi nhầm điểm, ghi lại ý kiến ở sổ của {} rồi gộp hai bản làm một ở trang Trùng lặp.",
                        point_name(reg, &row.point),
                        point_name(reg, &row.point),
                        point_name(reg, claimed_point)
                    ),
                    Lang::En => format!(
                        "Lists and reports count it for {}. Ask the leader of {}: if it was recorded at the wrong point, record it again in the book of {} and merge the two on the Duplicates page.",
                        point_name(reg, &row.point),
                        point_name(reg, &row.point),
                        point_name(reg, claimed_point)
                    ),
                },
                unregister: Vec::new(),
            },
            IntakeIssue::Unreadable { doc_id, id, error } => IssueCard {
                n: n + 1,
                kind: "unreadable",
                title: match lang {
                    Lang::Vi => format!(
                        "Ý kiến {} trong tài liệu {} không đúng cấu trúc sổ tiếp nhận",
                        short(id),
                        doc(doc_id)
                    ),
                    Lang::En => format!(
                        "Petition {} in document {} breaks the intake schema",
                        short(id),
                        doc(doc_id)
                    ),
                },
                lines: vec![(String::new(), format!("{}: {error}", lang.pick("Lỗi", "Error")))],
                advice: lang
                    .pick(
                        "Ý kiến này chưa được đưa vào danh sách và báo cáo. Thường do máy ghi ý kiến dùng phiên bản doithoai khác: nhờ người dùng máy đó cập nhật doithoai rồi đồng bộ lại. Nếu vẫn vậy, ghi lại ý kiến vào sổ tiếp nhận.",
                        "This petition is left out of lists and reports. Usually the laptop that wrote it runs another version of doithoai: ask its user to update doithoai and sync again. If it stays, record the petition again.",
                    )
                    .to_owned(),
                unregister: Vec::new(),
            },
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
struct ConflictsQuery {
    ok: Option<String>,
}

async fn conflicts_page(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<ConflictsQuery>,
) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    let flash = q.ok.map(|_| {
        lang.pick(
            "Đã giải quyết; việc này đã ghi vào nhật ký của ý kiến và sẽ đồng bộ tới các máy khác.",
            "Resolved; it is in the petition's log and syncs to the other laptops.",
        )
        .to_owned()
    });
    conflicts_view(&state, &headers, None, flash).await
}

async fn conflicts_view(
    state: &AppState,
    headers: &HeaderMap,
    error: Option<String>,
    flash: Option<String>,
) -> Web {
    let app = need_app(state).await?;
    need_office(&app)?;
    let lang = lang_of(headers, state.default_lang);
    let list = app.office_conflicts().await?;
    let ids = list.iter().flat_map(|c| match c {
        Conflict::SharedNumber { claims, .. } => claims.iter().map(|c| c.id).collect::<Vec<_>>(),
        Conflict::SeveralNumbers { id, .. }
        | Conflict::Status { id, .. }
        | Conflict::Inconsistent { id, .. } => vec![*id],
        Conflict::DuplicateLoop { ids } => ids.clone(),
    });
    let rows = app.rows_of(ids)?;
    let desc = |id: &Uuid| -> String {
        rows.get(id)
            .map(|r| {
                format!(
                    "{} · {} — {}",
                    short(&r.id),
                    truncate(&r.residents, 30),
                    truncate(&r.content, 70)
                )
            })
            .unwrap_or_else(|| short(&id.to_string()))
    };
    let link = |id: &Uuid| format!("/petitions/{id}");
    let mut cards = Vec::new();
    for (n, c) in list.iter().enumerate() {
        let n = n + 1;
        match c {
            Conflict::SharedNumber { no, claims } => {
                let title = match lang {
                    Lang::Vi => format!("Số vào sổ {no} bị cấp cho {} ý kiến", claims.len()),
                    Lang::En => format!(
                        "Register number {no} was given to {} petitions",
                        claims.len()
                    ),
                };
                let lines = claims
                    .iter()
                    .map(|cl| {
                        (
                            link(&cl.id),
                            format!(
                                "{} — {} {} ({}), {}",
                                desc(&cl.id),
                                lang.pick("cấp bởi", "given by"),
                                cl.by,
                                cl.device,
                                stamp(&cl.at)
                            ),
                        )
                    })
                    .collect();
                let choices = claims
                    .iter()
                    .enumerate()
                    .map(|(i, cl)| Choice {
                        action: "renumber",
                        id: cl.id.to_string(),
                        value: String::new(),
                        label: match lang {
                            Lang::Vi => format!(
                                "Cấp số mới cho {} (ý kiến kia giữ số {no})",
                                short(&cl.id.to_string())
                            ),
                            Lang::En => format!(
                                "Give {} a new number (the other keeps {no})",
                                short(&cl.id.to_string())
                            ),
                        },
                        primary: i == claims.len() - 1,
                        needs_reason: false,
                    })
                    .collect();
                cards.push(ConflictCard {
                    n,
                    title,
                    lines,
                    choices,
                });
            }
            Conflict::SeveralNumbers { id, numbers } => {
                let ns: Vec<String> = numbers.iter().map(RegisterNo::to_string).collect();
                cards.push(ConflictCard {
                    n,
                    title: match lang {
                        Lang::Vi => format!("Một ý kiến mang nhiều số vào sổ: {}", ns.join(", ")),
                        Lang::En => {
                            format!("One petition holds several numbers: {}", ns.join(", "))
                        }
                    },
                    lines: vec![(link(id), desc(id))],
                    choices: numbers
                        .iter()
                        .enumerate()
                        .map(|(i, no)| Choice {
                            action: "keep",
                            id: id.to_string(),
                            value: no.to_string(),
                            label: match lang {
                                Lang::Vi => format!("Giữ số {no}"),
                                Lang::En => format!("Keep number {no}"),
                            },
                            primary: i == 0,
                            needs_reason: false,
                        })
                        .collect(),
                });
            }
            Conflict::Status { id, values } => {
                let vs: Vec<String> = values
                    .iter()
                    .map(|s| format!("«{}»", s.label(lang)))
                    .collect();
                cards.push(ConflictCard {
                    n,
                    title: match lang {
                        Lang::Vi => format!("Các máy ghi trạng thái khác nhau: {}", vs.join(", ")),
                        Lang::En => format!("Laptops set different statuses: {}", vs.join(", ")),
                    },
                    lines: vec![(link(id), desc(id))],
                    choices: values
                        .iter()
                        .map(|s| Choice {
                            action: "resolve",
                            id: id.to_string(),
                            value: s.code().to_owned(),
                            label: match lang {
                                Lang::Vi => format!("Giữ «{}»", s.label(lang)),
                                Lang::En => format!("Keep «{}»", s.label(lang)),
                            },
                            primary: false,
                            needs_reason: false,
                        })
                        .collect(),
                });
            }
            Conflict::DuplicateLoop { ids } => {
                cards.push(ConflictCard {
                    n,
                    title: lang
                        .pick(
                            "Các ý kiến gộp vòng vào nhau",
                            "Petitions merged into each other in a loop",
                        )
                        .to_owned(),
                    lines: ids.iter().map(|i| (link(i), desc(i))).collect(),
                    choices: ids
                        .iter()
                        .map(|i| Choice {
                            action: "reopen",
                            id: i.to_string(),
                            value: String::new(),
                            label: match lang {
                                Lang::Vi => {
                                    format!("Tách {} ra làm ý kiến gốc", short(&i.to_string()))
                                }
                                Lang::En => {
                                    format!("Split {} off as the original", short(&i.to_string()))
                                }
                            },
                            primary: false,
                            needs_reason: true,
                        })
                        .collect(),
                });
            }
            Conflict::Inconsistent { id, problems } => {
                let ps: Vec<&str> = problems.iter().map(|p| p.label(lang)).collect();
                cards.push(ConflictCard {
                    n,
                    title: match lang {
                        Lang::Vi => format!("Bản ghi không khớp: {}", ps.join("; ")),
                        Lang::En => format!("The record does not add up: {}", ps.join("; ")),
                    },
                    lines: vec![(link(id), desc(id))],
                    choices: Vec::new(),
                });
            }
        }
    }
    let shell = shell(
        state,
        Some(&app),
        headers,
        "office-conflicts",
        "/office/conflicts".into(),
        office_shell_title(lang, "Xung đột", "Conflicts"),
    )
    .await;
    let reg = app.registry().await?;
    let issues = issue_cards(
        &app.intake_issues()?,
        &reg,
        app.device.server_url.is_some(),
        lang,
    );
    let r = html(ConflictsPage {
        shell,
        error: error.clone(),
        flash,
        cards,
        issues,
    })?;
    Ok(if error.is_some() { unprocessable(r) } else { r })
}

async fn conflicts_resolve(State(state): St, headers: HeaderMap, Form(f): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    need_office(&app)?;
    let lang = lang_of(&headers, state.default_lang);
    let id = v(&f, "id");
    let note = v(&f, "note");
    let res = match v(&f, "action") {
        "renumber" => app.office_renumber(id, None, note).await.map(|_| ()),
        "keep" => match RegisterNo::parse(v(&f, "value")) {
            Some(no) => app.office_renumber(id, Some(no), note).await.map(|_| ()),
            None => Err(OfficeError::NoSuchNumber(RegisterNo { year: 0, number: 0 })),
        },
        "resolve" => match Status::parse(v(&f, "value")) {
            Some(s) => app.office_resolve_status(id, s, note).await.map(|_| ()),
            None => Err(OfficeError::Handling(
                doithoai_model::handling::HandlingError::Required { what: "status" },
            )),
        },
        "reopen" => app.office_reopen(id, note).await.map(|_| ()),
        "unregister" => app
            .remove_registration(v(&f, "value"))
            .await
            .map(|_| ())
            .map_err(OfficeError::App),
        _ => Ok(()),
    };
    match res {
        Ok(()) => Ok(see_other("/office/conflicts?ok=1")),
        Err(e) => conflicts_view(&state, &headers, Some(e.localize(lang)), None).await,
    }
}
