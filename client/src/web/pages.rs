//! The routes and their handlers. Each reads like the HTTP API it serves:
//!
//! | route | what |
//! |---|---|
//! | `GET /` | to the capture page (or set-up, before it) |
//! | `GET /capture`, `POST /capture` | *Ghi ý kiến tại cuộc họp*: the form, save a petition |
//! | `POST /api/draft` | the capture draft, saved every few seconds by the script |
//! | `GET /petitions` | *Ý kiến của tổ*: search, filters, pages |
//! | `GET /petitions/{id}` | one petition: fields, the ward's answer, history |
//! | `GET/POST /petitions/{id}/edit` | edit with the same validation |
//! | `POST /petitions/{id}/relayed` | *Đã báo lại cho người dân* |
//! | `GET /schedule` | *Lịch tiếp xúc, đối thoại* |
//! | `GET /setup`, `POST /setup/init`, `POST /setup/join` | *Thiết lập* |
//! | `POST /sync`, `GET /api/status` | *Đồng bộ ngay*, the live status |
//! | `POST /lang` | the language switch (a cookie) |

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use doithoai_model::{Lang, Localize, PetitionKind, Registry, Status};
use doithoai_store::{PetitionFilter, PetitionRow};

use super::error::WebError;
use super::forms::{self, FormView};
use super::security::{LANG_COOKIE, lang_of};
use super::{AppState, assets};
use crate::app::{App, AppError, PetitionEdit};

pub(crate) type St = State<Arc<AppState>>;
pub(crate) type Web<T = Response> = Result<T, WebError>;
pub(crate) type Fields = BTreeMap<String, String>;

const DRAFT_KEY: &str = "ui.draft.capture";
const MEETING_KEY: &str = "ui.meeting";
/// The draft token of the last form saved: a late autosave of that form is not a draft.
const DRAFT_DONE_KEY: &str = "ui.draft.done";
const PAGE: u32 = 25;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/capture", get(capture_page).post(capture_save))
        .route("/api/draft", post(draft_save))
        .route("/petitions", get(list_page))
        .route("/petitions/{id}", get(petition_page))
        .route("/petitions/{id}/edit", get(edit_page).post(edit_save))
        .route("/petitions/{id}/relayed", post(relay))
        .route("/schedule", get(schedule_page))
        .route("/setup", get(setup_page))
        .route("/setup/init", post(setup_init))
        .route("/setup/join", post(setup_join))
        .route("/setup/servers", post(setup_servers))
        .route("/sync", post(sync_now))
        .route("/api/status", get(status_json))
        .route("/lang", post(set_lang))
        .route("/assets/app.css", get(assets::css))
        .route("/assets/app.js", get(assets::js))
        .route("/assets/icon.svg", get(assets::icon))
        .merge(super::office::routes())
        .merge(super::sessions::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::security::guard,
        ))
        .with_state(state)
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// The sync status everyone sees in the header, with its words in the request's language.
#[derive(serde::Serialize, Clone, Default)]
pub struct LiveStatus {
    pub online: bool,
    pub enrolled: bool,
    pub syncing: bool,
    pub unconfirmed: usize,
    pub conflicts: usize,
    /// Late petitions (office devices: the figure links to the overdue page).
    pub overdue: usize,
    pub online_text: String,
    pub last_text: String,
    pub unconfirmed_text: String,
    pub conflicts_text: String,
    pub overdue_text: String,
    pub button_text: String,
    /// The server is reached in clear over the network (`http://` to another machine): tokens
    /// and residents' data cross it readable. Shown on every page until the address is https.
    pub transport_warning: Option<String>,
}

async fn live_status(state: &AppState, app: Option<&App>, lang: Lang) -> LiveStatus {
    let online = state.hooks.online.load(Relaxed);
    let syncing = state.hooks.syncing.load(Relaxed);
    let (done, total) = state.hooks.progress.lock().map(|p| *p).unwrap_or((0, 0));
    let enrolled = app.is_some_and(|a| a.device.server_url.is_some());
    let last = app
        .and_then(|a| a.store.meta_get(crate::net::LAST_SYNC_KEY).ok().flatten())
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| doithoai_model::time::format_datetime(&t));
    let (unconfirmed, conflicts) = match app {
        Some(_) => state.counts.lock().map(|c| *c).unwrap_or((0, 0)),
        None => (0, 0),
    };
    let overdue = state.overdue.load(Relaxed);
    let transport_warning = app
        .and_then(|a| a.device.server_url.as_deref())
        .and_then(crate::net::transport_warning)
        .map(|w| lang.pick(&w.vi, &w.en).to_owned());
    LiveStatus {
        transport_warning,
        online,
        enrolled,
        syncing,
        unconfirmed,
        conflicts,
        overdue,
        online_text: match (online, enrolled) {
            (true, _) => lang.pick("● Trực tuyến", "● Online").to_owned(),
            (false, true) => lang.pick("○ Ngoại tuyến", "○ Offline").to_owned(),
            (false, false) => lang
                .pick("○ Chưa đăng ký máy chủ", "○ Not enrolled")
                .to_owned(),
        },
        last_text: match (&last, lang) {
            (Some(t), Lang::Vi) => format!("Đồng bộ lần cuối: {t}"),
            (Some(t), Lang::En) => format!("Last sync: {t}"),
            (None, l) => l.pick("Chưa đồng bộ lần nào", "Never synced").to_owned(),
        },
        unconfirmed_text: match lang {
            Lang::Vi => format!("{unconfirmed} thay đổi chưa được máy chủ xác nhận"),
            Lang::En => format!("{unconfirmed} changes not yet confirmed by the server"),
        },
        conflicts_text: match lang {
            Lang::Vi => format!("{conflicts} xung đột"),
            Lang::En => format!("{conflicts} conflicts waiting"),
        },
        overdue_text: match lang {
            Lang::Vi => format!("{overdue} quá hạn"),
            Lang::En => format!("{overdue} overdue"),
        },
        button_text: if syncing {
            match lang {
                Lang::Vi => format!("Đang đồng bộ {done}/{total}…"),
                Lang::En => format!("Syncing {done}/{total}…"),
            }
        } else {
            lang.pick("Đồng bộ ngay", "Sync now").to_owned()
        },
    }
}

/// What the header bar of every page shows.
pub struct Shell {
    pub lang: Lang,
    pub active: &'static str,
    pub path: String,
    pub csrf: String,
    pub title: String,
    pub ward: String,
    pub status: LiveStatus,
    pub set_up: bool,
    /// This device's role ("collector", "office", "mttq"; empty before set-up): the nav shows
    /// each role its own pages (templates/nav_*.html).
    pub role: String,
}

impl Shell {
    /// Vietnamese or English.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }
    pub fn lang_code(&self) -> &'static str {
        self.lang.pick("vi", "en")
    }
    pub fn other_lang(&self) -> &'static str {
        self.lang.pick("en", "vi")
    }
    pub fn is(&self, page: &str) -> bool {
        self.active == page
    }
    pub fn is_office(&self) -> bool {
        self.role == "office"
    }
    pub fn is_mttq(&self) -> bool {
        matches!(self.role.as_str(), "monitor" | "mttq")
    }
    pub fn is_collector(&self) -> bool {
        self.role == "collector"
    }
}

pub(crate) async fn shell(
    state: &AppState,
    app: Option<&App>,
    headers: &HeaderMap,
    active: &'static str,
    path: String,
    title: String,
) -> Shell {
    let lang = lang_of(headers, state.default_lang);
    let ward = match app {
        Some(a) => {
            let d = &a.device;
            let ward = d.ward_name.clone().unwrap_or_default();
            let point = point_name(a).await;
            match (ward.is_empty(), point.is_empty()) {
                (true, _) => d.name.clone(),
                (false, true) => ward,
                (false, false) => format!("{ward} · {point}"),
            }
        }
        None => "doithoai".into(),
    };
    Shell {
        lang,
        active,
        path,
        csrf: state.secrets.csrf.clone(),
        title,
        ward,
        status: live_status(state, app, lang).await,
        set_up: app.is_some(),
        role: app.map(|a| a.device.role.clone()).unwrap_or_default(),
    }
}

/// The name of this device's collection point (its id when the registry does not know it).
async fn point_name(app: &App) -> String {
    let id = &app.device.point;
    app.registry()
        .await
        .ok()
        .and_then(|r| r.point(id).map(|p| p.name.clone()))
        .unwrap_or_else(|| id.clone())
}

fn role_label(role: &str, lang: Lang) -> String {
    match role {
        "collector" => lang.pick("Điểm tiếp nhận ý kiến", "Collection point"),
        "office" => lang.pick("Văn phòng phường", "Ward office"),
        "monitor" => lang.pick("Ủy ban MTTQ (giám sát)", "Fatherland Front (monitoring)"),
        other => other,
    }
    .to_owned()
}

pub(crate) fn html(t: impl Template) -> Web {
    Ok(Html(t.render()?).into_response())
}

pub(crate) async fn need_app(state: &AppState) -> Web<Arc<App>> {
    state.app().await.ok_or(WebError::NotSetUp)
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

async fn home(State(state): St) -> Response {
    match state.app().await {
        None => see_other("/setup"),
        Some(a) if a.device.intake.is_none() => see_other("/petitions"),
        Some(_) => see_other("/capture"),
    }
}

// ---- the capture page -------------------------------------------------------------------

/// A datalist option for the field input: what is typed and what it means.
pub struct FieldOption {
    pub label: String,
}

pub struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
}

pub(crate) fn field_options(reg: &Registry, lang: Lang) -> Vec<FieldOption> {
    reg.fields
        .iter()
        .map(|f| FieldOption {
            label: f.label(lang).to_owned(),
        })
        .collect()
}

fn kind_options(lang: Lang) -> Vec<KindOption> {
    PetitionKind::ALL
        .iter()
        .map(|k| KindOption {
            code: k.code(),
            label: k.label(lang),
        })
        .collect()
}

/// What the last save showed.
pub struct Saved {
    pub short: String,
    pub names: String,
    pub content: String,
}

#[derive(Template)]
#[template(path = "capture.html")]
struct CapturePage {
    shell: Shell,
    form: FormView,
    fields: Vec<FieldOption>,
    kinds: Vec<KindOption>,
    saved: Option<Saved>,
    restored: bool,
    general: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct CaptureQuery {
    saved: Option<String>,
    same: Option<String>,
}

fn meeting(app: &App) -> Fields {
    app.store
        .meta_get(MEETING_KEY)
        .ok()
        .flatten()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

async fn capture_page(State(state): St, headers: HeaderMap, Query(q): Query<CaptureQuery>) -> Web {
    let app = need_app(&state).await?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let mut values = meeting(&app);
    if !values.contains_key("meeting_date") {
        values.insert(
            "meeting_date".into(),
            doithoai_model::time::format_date(doithoai_model::time::ward_now().date_naive()),
        );
    }
    let mut saved = None;
    if let Some(id) = q.saved.as_deref() {
        let d = app.show_petition(id).await?;
        saved = Some(Saved {
            short: d.petition.short_id(),
            names: d.petition.resident_names(),
            content: truncate(&d.petition.content, 80),
        });
        // "Same resident, another petition": the resident's details again.
        if q.same.is_some()
            && let Some(r) = d.petition.residents.first()
        {
            values.insert("name".into(), r.name.clone());
            values.insert("address".into(), r.address.clone());
            values.insert("tdp".into(), r.tdp.clone());
            values.insert("phone".into(), r.phone.clone().unwrap_or_default());
        }
    }
    let draft: Option<Fields> = app
        .store
        .meta_get(DRAFT_KEY)?
        .and_then(|s| serde_json::from_str(&s).ok());
    let restored = draft.is_some();
    if let Some(d) = draft {
        values.extend(d.into_iter().filter(|(k, _)| !k.starts_with('_')));
    }
    // The group's own name, for the resident's TDP.
    if !values.contains_key("tdp")
        && let Some(p) = reg.point(&app.device.point)
    {
        values.insert("tdp".into(), p.name.clone());
    }
    if values.get("draft_token").is_none_or(|t| t.is_empty()) {
        values.insert("draft_token".into(), super::random_hex(8));
    }
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "capture",
        "/capture".into(),
        lang.pick("Ghi ý kiến tại cuộc họp", "Record at a meeting")
            .into(),
    )
    .await;
    html(CapturePage {
        shell,
        form: FormView::of(values),
        fields: field_options(&reg, lang),
        kinds: kind_options(lang),
        saved,
        restored,
        general: None,
    })
}

async fn capture_save(State(state): St, headers: HeaderMap, Form(values): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let mut view = FormView::of(values);
    view.values.remove("_csrf");
    let same = view.values.remove("after").as_deref() == Some("same");
    let mut general = None;
    if let Some(new) = forms::new_petition(&mut view, &reg, lang) {
        let before = app.intake_heads().await?;
        match app.add_petition(new).await {
            Ok(p) => {
                app.persist_intake_since(&before).await?;
                // The meeting's date and place are remembered; the draft is done.
                let m: Fields = ["meeting_date", "meeting_place"]
                    .iter()
                    .map(|k| (k.to_string(), view.v(k).to_owned()))
                    .collect();
                app.store
                    .meta_set(MEETING_KEY, &serde_json::to_string(&m).unwrap_or_default())?;
                app.store.meta_set(DRAFT_DONE_KEY, view.v("draft_token"))?;
                app.store.meta_delete(DRAFT_KEY)?;
                let to = format!(
                    "/capture?saved={}{}",
                    p.id,
                    if same { "&same=1" } else { "" }
                );
                return Ok(see_other(&to));
            }
            Err(AppError::Validation(e)) => {
                general = view.place_error(&e, lang, "meeting_date");
            }
            Err(e) => return Err(e.into()),
        }
    }
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "capture",
        "/capture".into(),
        lang.pick("Ghi ý kiến tại cuộc họp", "Record at a meeting")
            .into(),
    )
    .await;
    let page = CapturePage {
        shell,
        form: view,
        fields: field_options(&reg, lang),
        kinds: kind_options(lang),
        saved: None,
        restored: false,
        general,
    };
    let mut r = html(page)?;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

async fn draft_save(State(state): St, headers: HeaderMap, Form(mut values): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    values.retain(|k, _| !k.starts_with('_') && k != "after");
    let token = values.get("draft_token").cloned().unwrap_or_default();
    // An autosave that arrives after its form was saved (it was in flight) is not kept.
    if token.is_empty() || app.store.meta_get(DRAFT_DONE_KEY)?.as_deref() != Some(&token) {
        app.store.meta_set(
            DRAFT_KEY,
            &serde_json::to_string(&values).unwrap_or_default(),
        )?;
    }
    let at = doithoai_model::time::ward_now().format("%H:%M:%S");
    let message = match lang {
        Lang::Vi => format!("Đã lưu nháp lúc {at}"),
        Lang::En => format!("Draft saved at {at}"),
    };
    Ok(Json(serde_json::json!({ "message": message })).into_response())
}

// ---- the list ---------------------------------------------------------------------------

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    field: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<u32>,
}

/// One row of the list, as shown.
pub struct ListRow {
    pub id: String,
    pub date: String,
    pub register_no: String,
    pub residents: String,
    pub content: String,
    pub field: String,
    pub status: String,
    pub status_class: &'static str,
    pub deadline: String,
}

pub struct StatusOption {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    shell: Shell,
    form: FormView,
    fields: Vec<FieldOption>,
    statuses: Vec<StatusOption>,
    rows: Vec<ListRow>,
    page: u32,
    prev: Option<String>,
    next: Option<String>,
}

pub(super) fn date_of(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| stored.chars().take(10).collect())
}

pub(super) fn iso_date(stored: &str) -> String {
    chrono::NaiveDate::parse_from_str(stored, "%Y-%m-%d")
        .map(doithoai_model::time::format_date)
        .unwrap_or_else(|_| date_of(stored))
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() <= n {
        one
    } else {
        let mut t: String = one.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(super) fn status_label(code: &str, lang: Lang) -> (String, &'static str) {
    match Status::parse(code) {
        Some(s) => {
            let class = match s {
                Status::Collected => "",
                Status::Notified | Status::Closed => "done",
                _ => "",
            };
            (s.label(lang).to_owned(), class)
        }
        None => (code.to_owned(), ""),
    }
}

fn list_row(r: &PetitionRow, reg: &Registry, lang: Lang) -> ListRow {
    let (status, status_class) = status_label(&r.status, lang);
    ListRow {
        id: r.id.clone(),
        date: date_of(&r.created_at),
        register_no: r.register_no.clone().unwrap_or_default(),
        residents: truncate(&r.residents, 40),
        content: truncate(&r.content, 110),
        field: r
            .field
            .as_deref()
            .map(|f| reg.field_label(f, lang).to_owned())
            .unwrap_or_default(),
        status,
        status_class,
        deadline: r.deadline.as_deref().map(iso_date).unwrap_or_default(),
    }
}

async fn list_page(State(state): St, headers: HeaderMap, Query(q): Query<ListQuery>) -> Web {
    let app = need_app(&state).await?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let mut view = FormView::default();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            view.values.insert(k.to_owned(), v.clone());
        }
    };
    put("q", &q.q);
    put("field", &q.field);
    put("status", &q.status);
    put("from", &q.from);
    put("to", &q.to);
    fn nonempty(o: &Option<String>) -> Option<&str> {
        o.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let mut filter = PetitionFilter {
        text: nonempty(&q.q).map(str::to_owned),
        ..Default::default()
    };
    if let Some(f) = nonempty(&q.field) {
        match reg.find_field(f) {
            Some(x) => filter.field = Some(x.code.clone()),
            None => {
                view.errors.insert(
                    "field".into(),
                    doithoai_model::ValidationError::UnknownField {
                        value: f.to_owned(),
                        known: reg.fields.iter().map(|f| f.code.clone()).collect(),
                    }
                    .localize(lang),
                );
            }
        }
    }
    if let Some(s) = nonempty(&q.status) {
        filter.status = Status::parse(s).map(|s| s.code().to_owned());
    }
    for (k, v, slot) in [
        ("from", nonempty(&q.from), &mut filter.from),
        ("to", nonempty(&q.to), &mut filter.to),
    ] {
        if let Some(v) = v {
            match doithoai_model::time::parse_date(v) {
                Ok(d) => *slot = Some(d.format("%Y-%m-%d").to_string()),
                Err(e) => {
                    view.errors.insert(k.to_owned(), e.localize(lang));
                }
            }
        }
    }
    if app.device.intake.is_some() && !app.device.point.is_empty() {
        filter.point = Some(app.device.point.clone());
    }
    let page = q.page.unwrap_or(1).max(1);
    filter.limit = Some(PAGE + 1);
    filter.offset = Some((page - 1) * PAGE);
    let mut rows = if view.has_errors() {
        Vec::new()
    } else {
        app.list(&filter)?
    };
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let link = |p: u32| {
        let mut qs: Vec<(String, String)> = view
            .values
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        qs.push(("page".into(), p.to_string()));
        format!(
            "/petitions?{}",
            serde_urlencoded::to_string(&qs).unwrap_or_default()
        )
    };
    let prev = (page > 1).then(|| link(page - 1));
    let next = more.then(|| link(page + 1));
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "list",
        "/petitions".into(),
        lang.pick("Ý kiến của tổ", "Our petitions").into(),
    )
    .await;
    html(ListPage {
        shell,
        fields: field_options(&reg, lang),
        statuses: Status::ALL
            .iter()
            .map(|s| StatusOption {
                code: s.code(),
                label: s.label(lang),
            })
            .collect(),
        rows: rows.iter().map(|r| list_row(r, &reg, lang)).collect(),
        form: view,
        page,
        prev,
        next,
    })
}

// ---- one petition -----------------------------------------------------------------------

pub struct Line {
    pub label: String,
    pub value: String,
}

pub struct HistoryLine {
    pub at: String,
    pub by: String,
    pub what: String,
    pub changes: Vec<String>,
}

pub struct AnswerView {
    pub text: String,
    pub by: String,
    pub date: String,
    pub approved: bool,
    pub legal_basis: String,
    pub doc_no: String,
}

#[derive(Template)]
#[template(path = "petition.html")]
struct PetitionPage {
    shell: Shell,
    id: String,
    short: String,
    lines: Vec<Line>,
    handling: Vec<Line>,
    answer: Option<AnswerView>,
    relayed: Option<String>,
    history: Vec<HistoryLine>,
    can_edit: bool,
    flash: Option<String>,
    relay_error: Option<String>,
    /// The office's handling and its next steps (office devices only: templates/office_petition.html).
    office: Option<super::office::PetitionPanel>,
}

#[derive(serde::Deserialize, Default)]
struct PetitionQuery {
    ok: Option<String>,
}

fn op_label(op: &str, lang: Lang) -> String {
    match op {
        "petition.add" => lang.pick("Ghi ý kiến", "Recorded"),
        "petition.edit" => lang.pick("Sửa", "Edited"),
        "petition.relay" => lang.pick("Đã báo lại cho người dân", "Relayed to the resident"),
        "petition.enrol" => lang.pick(
            "Chuyển vào sổ của điểm khi đăng ký",
            "Moved into the point's intake",
        ),
        "" => lang.pick("Thay đổi", "Change"),
        other => other,
    }
    .to_owned()
}

/// The name of a petition's field in the history, in `lang`.
fn history_label(key: &str, lang: Lang) -> String {
    let base = key.split('[').next().unwrap_or(key);
    let label = match base {
        "residents" => lang.pick("người dân", "resident"),
        "people_count" => lang.pick("số người", "people"),
        "kind" => lang.pick("loại", "type"),
        "field" => lang.pick("lĩnh vực", "field"),
        "wants_to_speak" => lang.pick("muốn phát biểu", "wishes to speak"),
        "relayed" => lang.pick("đã báo lại", "relayed"),
        "created_at" => lang.pick("ngày ghi", "date"),
        "point" => lang.pick("điểm tiếp nhận", "collection point"),
        other => doithoai_model::error::field_label(other, lang),
    };
    match key.find('[') {
        Some(i) => format!("{label} {}", &key[i..]),
        None => label.to_owned(),
    }
}

pub(super) async fn petition_view(
    state: &AppState,
    app: &App,
    headers: &HeaderMap,
    id: &str,
    flash: Option<String>,
    relay_error: Option<String>,
    office_error: Option<super::office::StepError>,
) -> Web {
    let reg = app.registry().await?;
    let lang = lang_of(headers, state.default_lang);
    let d = app.show_petition(id).await?;
    let p = &d.petition;
    let mut lines = Vec::new();
    let mut add = |l: &str, v: String| {
        if !v.trim().is_empty() {
            lines.push(Line {
                label: l.to_owned(),
                value: v,
            });
        }
    };
    for (i, r) in p.residents.iter().enumerate() {
        let n = if p.residents.len() > 1 {
            format!(" {}", i + 1)
        } else {
            String::new()
        };
        add(&format!("{}{n}", lang.pick("Người dân", "Resident")), {
            let mut s = r.name.clone();
            for extra in [&r.address, &r.tdp] {
                if !extra.is_empty() {
                    s.push_str(" — ");
                    s.push_str(extra);
                }
            }
            if let Some(ph) = &r.phone {
                s.push_str(" — ");
                s.push_str(ph);
            }
            s
        });
    }
    add(
        lang.pick("Số người cùng ý kiến", "People"),
        p.people_count.to_string(),
    );
    add(lang.pick("Loại", "Type"), p.kind.label(lang).to_owned());
    add(
        lang.pick("Lĩnh vực", "Field"),
        p.field
            .as_deref()
            .map(|f| reg.field_label(f, lang).to_owned())
            .unwrap_or_default(),
    );
    add(lang.pick("Nội dung", "Content"), p.content.clone());
    add(lang.pick("Đề nghị", "Request"), p.request.clone());
    add(lang.pick("Địa điểm", "Place"), p.place.clone());
    add(
        lang.pick("Muốn phát biểu tại buổi đối thoại", "Wishes to speak"),
        if p.wants_to_speak {
            lang.pick("Có", "Yes").to_owned()
        } else {
            String::new()
        },
    );
    add(
        lang.pick("Ngày ghi", "Recorded"),
        doithoai_model::time::format_datetime(&p.created_at),
    );
    add(lang.pick("Người ghi", "Recorded by"), p.created_by.clone());
    add(lang.pick("Mã", "Id"), p.id.to_string());
    let mut handling = Vec::new();
    if let Some(r) = &d.row {
        let (status, _) = status_label(&r.status, lang);
        handling.push(Line {
            label: lang.pick("Trạng thái", "Status").into(),
            value: status,
        });
        if let Some(n) = &r.register_no {
            handling.push(Line {
                label: lang.pick("Số vào sổ", "Register number").into(),
                value: n.clone(),
            });
        }
        if let Some(dl) = &r.deadline {
            handling.push(Line {
                label: lang.pick("Hạn trả lời", "Deadline").into(),
                value: iso_date(dl),
            });
        }
    }
    let answer = app
        .office_view(id)
        .await
        .ok()
        .and_then(|v| v.item)
        .and_then(|item| {
            let approved = item.approval.is_some();
            item.answer.map(|a| AnswerView {
                text: a.text,
                by: a.answered_by,
                date: doithoai_model::time::format_date(a.date),
                approved,
                legal_basis: a.legal_basis,
                doc_no: a.doc_no,
            })
        });
    let relayed = p.relayed.as_ref().map(|r| {
        let at = chrono::DateTime::parse_from_rfc3339(&r.at)
            .map(|t| doithoai_model::time::format_datetime(&t))
            .unwrap_or_else(|_| r.at.clone());
        match lang {
            Lang::Vi => format!("Đã báo lại lúc {at} ({}): {}", r.by, r.note),
            Lang::En => format!("Relayed at {at} ({}): {}", r.by, r.note),
        }
    });
    let history = d
        .history
        .iter()
        .rev()
        .map(|h| HistoryLine {
            at: chrono::DateTime::from_timestamp(h.at, 0)
                .map(|t| {
                    doithoai_model::time::format_datetime(
                        &t.with_timezone(&doithoai_model::time::ward_offset()),
                    )
                })
                .unwrap_or_default(),
            by: h.by.clone(),
            what: op_label(&h.op, lang),
            changes: h
                .fields
                .iter()
                .filter(|_| h.op != "petition.add")
                .map(|f| {
                    format!(
                        "{}: «{}» → «{}»",
                        history_label(&f.field, lang),
                        truncate(f.before.as_deref().unwrap_or("—"), 60),
                        truncate(f.after.as_deref().unwrap_or("—"), 60)
                    )
                })
                .collect(),
        })
        .collect();
    let shell = shell(
        state,
        Some(app),
        headers,
        "list",
        format!("/petitions/{}", p.id),
        format!("{} {}", lang.pick("Ý kiến", "Petition"), p.short_id()),
    )
    .await;
    let can_edit = app.device.intake.is_some() && p.point == app.device.point;
    let office = match app.is_office() {
        true => Some(super::office::petition_panel(app, &reg, p, lang, office_error).await?),
        false => None,
    };
    html(PetitionPage {
        shell,
        id: p.id.to_string(),
        short: p.short_id(),
        lines,
        handling,
        answer,
        relayed,
        history,
        can_edit,
        flash,
        relay_error,
        office,
    })
}

async fn petition_page(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PetitionQuery>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let flash = q.ok.map(|k| {
        match k.as_str() {
            "relayed" => lang.pick(
                "Đã ghi: đã báo lại cho người dân. Văn phòng sẽ thấy khi đồng bộ.",
                "Recorded as relayed to the resident. The office sees it once synced.",
            ),
            "unchanged" => lang.pick(
                "Không có gì thay đổi: mọi mục đều như đã ghi, không lưu gì thêm.",
                "Nothing changed: every value is as recorded; nothing was saved.",
            ),
            "closed" => lang.pick(
                "Đã lưu thay đổi. Văn phòng đã kết thúc ý kiến này: hãy báo văn phòng về thay đổi.",
                "Changes saved. The office has closed this petition: tell the office about the change.",
            ),
            k if k.starts_with("office-") => return super::office::flash(k, lang),
            _ => lang.pick("Đã lưu thay đổi.", "Changes saved."),
        }
        .to_owned()
    });
    petition_view(&state, &app, &headers, &id, flash, None, None).await
}

async fn relay(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(values): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let note = values.get("note").cloned().unwrap_or_default();
    let before = app.intake_heads().await?;
    let edit = PetitionEdit {
        relayed: Some(note),
        ..Default::default()
    };
    match app.edit_petition(&id, edit).await {
        Ok(p) => {
            app.persist_intake_since(&before).await?;
            Ok(see_other(&format!(
                "/petitions/{}?ok=relayed",
                p.petition.id
            )))
        }
        Err(AppError::Validation(e)) => {
            petition_view(
                &state,
                &app,
                &headers,
                &id,
                None,
                Some(e.localize(lang)),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage {
    shell: Shell,
    id: String,
    short: String,
    form: FormView,
    fields: Vec<FieldOption>,
    kinds: Vec<KindOption>,
    general: Option<String>,
    several: bool,
}

async fn edit_page(State(state): St, headers: HeaderMap, Path(id): Path<String>) -> Web {
    let app = need_app(&state).await?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let d = app.show_petition(&id).await?;
    let p = d.petition;
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "list",
        format!("/petitions/{}/edit", p.id),
        format!(
            "{} {}",
            lang.pick("Sửa ý kiến", "Edit petition"),
            p.short_id()
        ),
    )
    .await;
    html(EditPage {
        shell,
        id: p.id.to_string(),
        short: p.short_id(),
        form: FormView::of(forms::values_of(&p, &reg, lang)),
        fields: field_options(&reg, lang),
        kinds: kind_options(lang),
        general: None,
        several: p.residents.len() > 1,
    })
}

async fn edit_save(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(values): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let d = app.show_petition(&id).await?;
    let p = d.petition;
    let mut view = FormView::of(values);
    view.values.remove("_csrf");
    let mut general = None;
    if let Some(edit) = forms::edit_of(&mut view, &p, &reg, lang) {
        let before = app.intake_heads().await?;
        match app.edit_petition(&p.id.to_string(), edit).await {
            Ok(p) => {
                app.persist_intake_since(&before).await?;
                let ok = match (p.changed, p.closed) {
                    (false, _) => "unchanged",
                    (true, true) => "closed",
                    (true, false) => "saved",
                };
                return Ok(see_other(&format!("/petitions/{}?ok={ok}", p.petition.id)));
            }
            Err(AppError::Validation(e)) => {
                general = view.place_error(&e, lang, "date");
            }
            Err(e) => return Err(e.into()),
        }
    }
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "list",
        format!("/petitions/{}/edit", p.id),
        format!(
            "{} {}",
            lang.pick("Sửa ý kiến", "Edit petition"),
            p.short_id()
        ),
    )
    .await;
    let mut r = html(EditPage {
        shell,
        id: p.id.to_string(),
        short: p.short_id(),
        form: view,
        fields: field_options(&reg, lang),
        kinds: kind_options(lang),
        general,
        several: p.residents.len() > 1,
    })?;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

// ---- the schedule -----------------------------------------------------------------------

pub struct SessionCard {
    pub title: String,
    pub when: String,
    pub place: String,
    pub topic: String,
    /// The office's announcement to the TDPs (carried by the ward document).
    pub notice: String,
    pub ours: Vec<OurSpeaker>,
}

pub struct OurSpeaker {
    pub order: i64,
    pub name: String,
    pub petitions: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    shell: Shell,
    sessions: Vec<SessionCard>,
    waiting: Vec<ListRow>,
}

async fn schedule_page(State(state): St, headers: HeaderMap) -> Web {
    let app = need_app(&state).await?;
    let reg = app.registry().await?;
    let lang = lang_of(&headers, state.default_lang);
    let today = doithoai_model::time::ward_now().date_naive();
    let sessions = app.upcoming_sessions(today).await?;
    let notices = app.announcements().await?;
    // This TDP's petitions, to tell which are registered to be spoken.
    let ours: BTreeMap<String, PetitionRow> = app
        .list(&PetitionFilter {
            point: (!app.device.point.is_empty()).then(|| app.device.point.clone()),
            limit: Some(100_000),
            ..Default::default()
        })?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let mut registered = std::collections::BTreeSet::new();
    let cards: Vec<SessionCard> = sessions
        .iter()
        .map(|(doc_id, s)| {
            let when = format!(
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
            );
            let ours_here = s
                .speakers
                .iter()
                .filter_map(|sp| {
                    let ps: Vec<(String, String)> = sp
                        .petitions
                        .iter()
                        .filter_map(|pid| ours.get(&pid.to_string()))
                        .map(|r| (r.id.clone(), truncate(&r.content, 80)))
                        .collect();
                    if ps.is_empty() {
                        return None;
                    }
                    registered.extend(ps.iter().map(|(id, _)| id.clone()));
                    Some(OurSpeaker {
                        order: sp.order,
                        name: sp.name.clone(),
                        petitions: ps,
                    })
                })
                .collect();
            SessionCard {
                title: s.display_title(lang),
                when,
                place: s.place.clone(),
                topic: s.topic.clone(),
                notice: notices
                    .get(doc_id)
                    .map(|a| a.text.clone())
                    .unwrap_or_default(),
                ours: ours_here,
            }
        })
        .collect();
    // Announced in the ward document, the session's own document not here yet (it comes with
    // the next sync): the announcement alone.
    let mut cards = cards;
    for (doc_id, a) in &notices {
        if a.date >= today && !sessions.iter().any(|(d, _)| d == doc_id) {
            cards.push(SessionCard {
                title: a.display_title(lang),
                when: a.when.clone(),
                place: a.place.clone(),
                topic: a.topic.clone(),
                notice: a.text.clone(),
                ours: Vec::new(),
            });
        }
    }
    let waiting = ours
        .values()
        .filter(|r| r.wants_to_speak && !registered.contains(&r.id))
        .map(|r| list_row(r, &reg, lang))
        .collect();
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "schedule",
        "/schedule".into(),
        lang.pick("Lịch tiếp xúc, đối thoại", "Dialogue sessions")
            .into(),
    )
    .await;
    html(SchedulePage {
        shell,
        sessions: cards,
        waiting,
    })
}

// ---- set-up -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    shell: Shell,
    set_up: bool,
    enrolled: bool,
    device: Vec<Line>,
    init: FormView,
    join: FormView,
    /// The fallback servers' form of an enrolled device.
    servers: FormView,
    flash: Option<String>,
}

/// The server addresses typed in a text area (one per line, or separated by spaces or commas),
/// each checked; the message names the first that is not an address.
fn typed_servers(text: &str, lang: Lang) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for t in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        match crate::net::server_address(t) {
            Ok(a) => {
                if !out.contains(&a) {
                    out.push(a)
                }
            }
            Err(_) => {
                return Err(match lang {
                    Lang::Vi => format!(
                        "«{t}» không phải địa chỉ máy chủ. Mỗi dòng một địa chỉ, ví dụ https://may2.phuong.vn:8800."
                    ),
                    Lang::En => format!(
                        "{t:?} is not a server address. One address per line, e.g. https://node2.ward.example:8800."
                    ),
                });
            }
        }
    }
    Ok(out)
}

async fn setup_view(
    state: &AppState,
    headers: &HeaderMap,
    init: FormView,
    join: FormView,
    servers: Option<FormView>,
    flash: Option<String>,
) -> Web {
    let app = state.app().await;
    let lang = lang_of(headers, state.default_lang);
    let mut device = Vec::new();
    if let Some(a) = &app {
        let d = &a.device;
        let mut add = |l: &str, v: &str| {
            if !v.is_empty() {
                device.push(Line {
                    label: l.to_owned(),
                    value: v.to_owned(),
                });
            }
        };
        add(lang.pick("Tên máy / người dùng", "Device / user"), &d.name);
        add(
            lang.pick("Phường", "Ward"),
            d.ward_name.as_deref().unwrap_or(""),
        );
        let point = point_name(a).await;
        add(lang.pick("Điểm tiếp nhận", "Collection point"), &point);
        add(lang.pick("Vai trò", "Role"), &role_label(&d.role, lang));
        add(
            lang.pick("Máy chủ", "Server"),
            d.server_url.as_deref().unwrap_or(""),
        );
        add(
            lang.pick("Máy chủ dự phòng", "Fallback servers"),
            &d.fallback_servers.join(", "),
        );
        add(
            lang.pick("Thư mục dữ liệu", "Data directory"),
            &a.data_dir.display().to_string(),
        );
    }
    let shell = shell(
        state,
        app.as_deref(),
        headers,
        "setup",
        "/setup".into(),
        lang.pick("Thiết lập", "Set-up").into(),
    )
    .await;
    let servers = servers.unwrap_or_else(|| {
        let mut v = FormView::default();
        if let Some(a) = &app {
            v.values
                .insert("fallback".into(), a.device.fallback_servers.join("\n"));
        }
        v
    });
    html(SetupPage {
        shell,
        set_up: app.is_some(),
        enrolled: app.as_ref().is_some_and(|a| a.device.server_url.is_some()),
        device,
        init,
        join,
        servers,
        flash,
    })
}

#[derive(serde::Deserialize, Default)]
struct SetupQuery {
    ok: Option<String>,
}

async fn setup_page(State(state): St, headers: HeaderMap, Query(q): Query<SetupQuery>) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    let flash = q.ok.map(|k| {
        match k.as_str() {
            "joined" => lang.pick(
                "Đã đăng ký với máy chủ của phường và đồng bộ.",
                "Enrolled with the ward server and synced.",
            ),
            "servers" => lang.pick(
                "Đã lưu các máy chủ dự phòng.",
                "The fallback servers are saved.",
            ),
            _ => lang.pick(
                "Đã thiết lập máy. Có thể ghi ý kiến ngay, kể cả khi không có mạng.",
                "Device set up. You can record petitions now, even offline.",
            ),
        }
        .to_owned()
    });
    setup_view(
        &state,
        &headers,
        FormView::default(),
        FormView::default(),
        None,
        flash,
    )
    .await
}

async fn setup_init(State(state): St, headers: HeaderMap, Form(values): Form<Fields>) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    let mut view = FormView::of(values);
    view.values.remove("_csrf");
    if state.app().await.is_some() {
        view.errors.insert(
            "general".into(),
            AppError::AlreadyInitialised(state.data_dir.clone()).localize(lang),
        );
    } else {
        match App::init(
            &state.data_dir,
            view.v("name"),
            view.v("point"),
            "collector",
            lang,
        )
        .await
        {
            Ok(app) => {
                state.replace_app(app).await?;
                return Ok(see_other("/setup?ok=init"));
            }
            Err(AppError::Validation(e)) => {
                view.errors.insert("name".into(), e.localize(lang));
            }
            Err(e) => {
                view.errors.insert("general".into(), e.localize(lang));
            }
        }
    }
    let mut r = setup_view(&state, &headers, view, FormView::default(), None, None).await?;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

async fn setup_join(State(state): St, headers: HeaderMap, Form(values): Form<Fields>) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    let mut view = FormView::of(values);
    view.values.remove("_csrf");
    let url = view.v("url").trim().to_owned();
    let code = view.v("code").trim().to_owned();
    if url.is_empty() {
        view.errors.insert(
            "url".into(),
            lang.pick(
                "Hãy nhập địa chỉ máy chủ, ví dụ https://192.168.1.10:8800.",
                "Enter the server's address, e.g. https://192.168.1.10:8800.",
            )
            .into(),
        );
    }
    if code.is_empty() {
        view.errors.insert(
            "code".into(),
            lang.pick(
                "Hãy nhập mã đăng ký do cán bộ CNTT cấp.",
                "Enter the enrolment code the IT officer gave you.",
            )
            .into(),
        );
    }
    let fallback = match typed_servers(view.v("fallback"), lang) {
        Ok(f) => f,
        Err(e) => {
            view.errors.insert("fallback".into(), e);
            Vec::new()
        }
    };
    let name = view.v("name").trim().to_owned();
    if state.app().await.is_none() && name.is_empty() {
        view.errors.insert(
            "name".into(),
            lang.pick(
                "Hãy nhập tên người dùng hoặc tên máy.",
                "Enter your name or the device's name.",
            )
            .into(),
        );
    }
    if !view.has_errors() {
        // `join` reports progress through a callback that is not `Send`: it runs on a blocking
        // thread of its own, driven by this runtime.
        let rt = tokio::runtime::Handle::current();
        let dir = state.data_dir.clone();
        let named = (!name.is_empty()).then(|| name.clone());
        let joined = tokio::task::spawn_blocking(move || {
            rt.block_on(async {
                let mut quiet = |_: usize, _: usize| {};
                crate::net::join(&dir, &url, &code, named.as_deref(), lang, &mut quiet).await
            })
        })
        .await;
        let joined = match joined {
            Ok(r) => r,
            Err(e) => Err(AppError::Server {
                vi: format!("Đăng ký bị gián đoạn ({e})."),
                en: format!("Enrolment was interrupted ({e})."),
            }),
        };
        match joined {
            Ok((mut app, _, _)) => {
                if !fallback.is_empty() {
                    // Those the server named, then those typed.
                    let mut all = app.device.fallback_servers.clone();
                    all.extend(fallback);
                    app.set_fallback_servers(&all)?;
                }
                state.replace_app(app).await?;
                return Ok(see_other("/setup?ok=joined"));
            }
            Err(e) => {
                view.errors.insert("general".into(), e.localize(lang));
            }
        }
    }
    let mut r = setup_view(&state, &headers, FormView::default(), view, None, None).await?;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

/// `POST /setup/servers`: the fallback servers of an enrolled device (the other nodes of the
/// ward's sync service), one per line; the sync restarts on them.
async fn setup_servers(State(state): St, headers: HeaderMap, Form(values): Form<Fields>) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    let mut view = FormView::of(values);
    view.values.remove("_csrf");
    let Some(current) = state.app().await else {
        return Ok(see_other("/setup"));
    };
    match typed_servers(view.v("fallback"), lang) {
        Ok(list) => {
            // The device's settings are written by a fresh opening of the data directory,
            // which then replaces the running one (the sync loop restarts on the new list).
            drop(current);
            let mut app = App::open(&state.data_dir).await?;
            app.set_fallback_servers(&list)?;
            state.replace_app(app).await?;
            return Ok(see_other("/setup?ok=servers"));
        }
        Err(e) => {
            view.errors.insert("fallback".into(), e);
        }
    }
    let mut r = setup_view(
        &state,
        &headers,
        FormView::default(),
        FormView::default(),
        Some(view),
        None,
    )
    .await?;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

// ---- sync, status, language -------------------------------------------------------------

pub(super) fn back_of(values: &Fields) -> String {
    values
        .get("back")
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .cloned()
        .unwrap_or_else(|| "/".into())
}

async fn sync_now(State(state): St, Form(values): Form<Fields>) -> Response {
    state.hooks.sync_now.notify_one();
    see_other(&back_of(&values))
}

async fn status_json(State(state): St, headers: HeaderMap) -> Response {
    let app = state.app().await;
    let lang = lang_of(&headers, state.default_lang);
    Json(live_status(&state, app.as_deref(), lang).await).into_response()
}

async fn set_lang(Form(values): Form<Fields>) -> Response {
    let to = match values.get("to").map(String::as_str) {
        Some("en") => "en",
        _ => "vi",
    };
    let mut r = see_other(&back_of(&values));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={to}; SameSite=Strict; Path=/; Max-Age=31536000"
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
