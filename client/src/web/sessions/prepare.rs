//! The sessions' list, a new session, and *Chuẩn bị* (preparation): kind, topic, time, place,
//! chairs by role, secretary, invited categories, the announcement to the TDPs, and the speaker
//! register (imported from petitions marked to speak, walk-ins, reordered by keyboard).

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use doithoai_model::Lang;
use doithoai_model::session::{
    Category, Chair, ChairRole, Input, NewSession, Session, SessionEdit, SessionError, SessionKind,
    parse_time,
};
use doithoai_model::time::{format_date, parse_date, ward_now};

use super::{
    Choice, Flash, FlashQuery, Sticky, answer, kind_choices, opt, refused, text_of, v, when,
};
use crate::sessions_app::{ImportFilter, SessionsError};
use crate::web::AppState;
use crate::web::pages::{FieldOption, Fields, Shell, Web, field_options, html, need_app, shell};
use crate::web::security::lang_of;

type St = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/sessions", get(list_page).post(create))
        .route("/sessions/{id}", get(prepare_page))
        .route("/sessions/{id}/edit", post(edit))
        .route("/sessions/{id}/announce", post(announce))
        .route("/sessions/{id}/invited", post(invited))
        .route("/sessions/{id}/speakers/import", post(import))
        .route("/sessions/{id}/speakers/add", post(add_speaker))
        .route("/sessions/{id}/speakers/move", post(move_speaker))
}

pub struct SessionRow {
    pub doc_id: String,
    pub date: String,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub status_class: &'static str,
}

#[derive(Template)]
#[template(path = "session_list.html")]
struct ListPage {
    shell: Shell,
    flash: Flash,
    rows: Vec<SessionRow>,
    header: HeaderForm,
}

/// The header's fields, for the new-session form and the preparation page.
pub struct HeaderForm {
    pub kinds: Vec<Choice>,
    pub topic: String,
    pub title: String,
    pub date: String,
    pub start: String,
    pub end: String,
    pub place: String,
    pub bi_thu: String,
    pub ct_hdnd: String,
    pub ct_ubnd: String,
    pub other: String,
    pub secretary: String,
    /// The errors beside the inputs, when the form came back refused.
    pub errors: std::collections::BTreeMap<String, String>,
}

/// The header's inputs, where its errors may go.
const HEADER_INPUTS: [&str; 9] = [
    "kind",
    "topic",
    "title",
    "date",
    "start",
    "end",
    "place",
    "other",
    "secretary",
];

impl HeaderForm {
    /// The error beside input `k`.
    pub fn e(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(String::as_str)
    }
    /// `aria-invalid` of input `k`.
    pub fn invalid(&self, k: &str) -> &'static str {
        if self.errors.contains_key(k) {
            "true"
        } else {
            "false"
        }
    }
    /// The form as it was typed, sent back with its errors.
    fn typed(f: &Fields, sticky: Sticky, lang: Lang) -> HeaderForm {
        let g = |k: &str| f.get(k).cloned().unwrap_or_default();
        HeaderForm {
            kinds: kind_choices(
                Some(SessionKind::parse(v(f, "kind")).unwrap_or(SessionKind::DinhKy)),
                lang,
            ),
            topic: g("topic"),
            title: g("title"),
            date: g("date"),
            start: g("start"),
            end: g("end"),
            place: g("place"),
            bi_thu: g("bi_thu"),
            ct_hdnd: g("ct_hdnd"),
            ct_ubnd: g("ct_ubnd"),
            other: g("other"),
            secretary: g("secretary"),
            errors: sticky.errors,
        }
    }

    fn of(s: Option<&Session>, lang: Lang) -> HeaderForm {
        let chair = |r: ChairRole| {
            s.and_then(|s| s.chairs.iter().find(|c| c.role == r))
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        HeaderForm {
            kinds: kind_choices(Some(s.map_or(SessionKind::DinhKy, |s| s.kind)), lang),
            topic: s.map(|s| s.topic.clone()).unwrap_or_default(),
            title: s.map(|s| s.title.clone()).unwrap_or_default(),
            date: format_date(s.map_or(ward_now().date_naive(), |s| s.date)),
            start: s.and_then(|s| s.start.clone()).unwrap_or_default(),
            end: s.and_then(|s| s.end.clone()).unwrap_or_default(),
            place: s.map(|s| s.place.clone()).unwrap_or_default(),
            bi_thu: chair(ChairRole::BiThu),
            ct_hdnd: chair(ChairRole::ChuTichHdnd),
            ct_ubnd: chair(ChairRole::ChuTichUbnd),
            other: s
                .and_then(|s| s.chairs.iter().find(|c| c.role == ChairRole::Other))
                .map(|c| format!("{}: {}", c.title, c.name))
                .unwrap_or_default(),
            secretary: s.map(|s| s.secretary.clone()).unwrap_or_default(),
            errors: Default::default(),
        }
    }
}

async fn list_page(State(state): St, headers: HeaderMap, Query(q): Query<FlashQuery>) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    render_list(&state, &headers, Flash::of(&q), HeaderForm::of(None, lang)).await
}

async fn render_list(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    flash: Flash,
    header: HeaderForm,
) -> Web {
    let app = need_app(state).await?;
    let lang = lang_of(headers, state.default_lang);
    let rows = app
        .list_sessions(None)
        .await?
        .into_iter()
        .rev()
        .map(|e| SessionRow {
            date: format_date(e.date),
            title: e.display_title(lang),
            kind: e.kind.label(lang).into(),
            status: e.status.label(lang).into(),
            status_class: match e.status {
                doithoai_model::session::SessionStatus::Concluded => "done",
                _ => "",
            },
            doc_id: e.doc_id,
        })
        .collect();
    let shell = shell(
        state,
        Some(&app),
        headers,
        "sessions",
        "/sessions".into(),
        lang.pick("Cuộc đối thoại", "Dialogue sessions").into(),
    )
    .await;
    html(ListPage {
        shell,
        flash,
        rows,
        header,
    })
}

/// The header form came back refused: the page again, with what was typed and the errors.
async fn header_back(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    id: Option<&str>,
    f: Fields,
    e: SessionsError,
) -> Web {
    let lang = lang_of(headers, state.default_lang);
    let (sticky, line) = refused("header", f.clone(), &HEADER_INPUTS, &e, lang);
    let header = HeaderForm::typed(&f, sticky, lang);
    let flash = Flash {
        ok: String::new(),
        err: line,
        focus: String::new(),
    };
    let mut r = match id {
        None => render_list(state, headers, flash, header).await?,
        Some(id) => {
            render_prepare(state, headers, id, flash, Sticky::default(), Some(header)).await?
        }
    };
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

/// A refused form of the preparation page (not the header), sent back.
async fn prepare_back(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    id: &str,
    form: &str,
    f: Fields,
    inputs: &[&str],
    e: SessionsError,
) -> Web {
    let lang = lang_of(headers, state.default_lang);
    let (sticky, line) = refused(form, f, inputs, &e, lang);
    let flash = Flash {
        ok: String::new(),
        err: line,
        focus: String::new(),
    };
    let mut r = render_prepare(state, headers, id, flash, sticky, None).await?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

/// The chairs typed in the header form: one name per head, and anyone else as `Title: Name`.
fn chairs_of(f: &Fields) -> Result<Vec<Chair>, SessionsError> {
    let mut out = Vec::new();
    for (k, role) in [
        ("bi_thu", ChairRole::BiThu),
        ("ct_hdnd", ChairRole::ChuTichHdnd),
        ("ct_ubnd", ChairRole::ChuTichUbnd),
    ] {
        if let Some(name) = opt(f, k) {
            out.push(Chair {
                role,
                title: String::new(),
                name,
            });
        }
    }
    if let Some(o) = opt(f, "other") {
        out.push(Chair::parse(&o)?);
    }
    Ok(out)
}

fn time_of(f: &Fields, k: &str, input: Input) -> Result<Option<String>, SessionsError> {
    Ok(opt(f, k)
        .map(|t| parse_time(&t))
        .transpose()
        .map_err(|e| e.at(input))?)
}

fn new_session(f: &Fields) -> Result<NewSession, SessionsError> {
    Ok(NewSession {
        kind: SessionKind::parse(v(f, "kind")).unwrap_or(SessionKind::DinhKy),
        topic: v(f, "topic").to_owned(),
        title: v(f, "title").to_owned(),
        date: parse_date(v(f, "date")).map_err(|e| SessionError::from(e).at(Input::Date))?,
        start: time_of(f, "start", Input::Start)?,
        end: time_of(f, "end", Input::End)?,
        place: v(f, "place").to_owned(),
        chairs: chairs_of(f)?,
        secretary: v(f, "secretary").to_owned(),
        plan_id: None,
    })
}

async fn create(State(state): St, headers: HeaderMap, Form(f): Form<Fields>) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let r = match new_session(&f) {
        Ok(n) => app.create_session(n).await,
        Err(e) => Err(e),
    };
    let r = match r {
        Err(e) => {
            return header_back(&state, &headers, None, f, e).await;
        }
        ok => ok,
    };
    if r.is_ok() {
        // A new document: registered with the server (and held) by the next sync pass.
        state.hooks.sync_now.notify_one();
    }
    Ok(match r {
        Ok((doc_id, _)) => answer(
            &format!("/sessions/{doc_id}"),
            Ok(()),
            lang,
            |_| {
                lang.pick(
                    "Đã tạo cuộc đối thoại; chuẩn bị tiếp bên dưới.",
                    "Session created; prepare it below.",
                )
                .into()
            },
            "",
        ),
        Err(e) => answer("/sessions", Err::<(), _>(e), lang, |_| String::new(), ""),
    })
}

pub struct SpeakerRow {
    pub key: String,
    pub n: usize,
    pub name: String,
    pub unit: String,
    pub topic: String,
    pub source: String,
    pub spoken: bool,
    pub first: bool,
    pub last: bool,
    /// The move button to focus again after a move (kept on the keyboard).
    pub up_focus: bool,
    pub down_focus: bool,
}

pub struct CategoryRow {
    pub code: &'static str,
    pub label: String,
    pub invited: String,
    pub present: String,
    pub named: usize,
}

pub fn speaker_rows(s: &Session, lang: Lang) -> Vec<SpeakerRow> {
    let n = s.speakers.len();
    s.speakers
        .iter()
        .enumerate()
        .map(|(i, sp)| SpeakerRow {
            key: sp.key.clone(),
            n: i + 1,
            name: sp.name.clone(),
            unit: sp.unit.clone(),
            topic: sp.topic.clone(),
            source: sp.source.label(lang).into(),
            spoken: s.has_spoken(sp),
            first: i == 0,
            last: i + 1 == n,
            up_focus: false,
            down_focus: false,
        })
        .collect()
}

pub fn category_rows(s: &Session, lang: Lang) -> Vec<CategoryRow> {
    Category::ALL
        .iter()
        .map(|c| {
            let a = s.attendance.iter().find(|a| a.category == *c);
            CategoryRow {
                code: c.code(),
                label: c.label(lang).into(),
                invited: a
                    .and_then(|a| a.invited)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                present: a
                    .and_then(|a| a.present)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                named: s.attendees.iter().filter(|x| x.category == *c).count(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "session_prepare.html")]
struct PreparePage {
    shell: Shell,
    flash: Flash,
    sticky: Sticky,
    id: String,
    title: String,
    when: String,
    /// The saved place (the header form may hold a refused, unsaved one).
    place: String,
    status: String,
    header: HeaderForm,
    categories: Vec<CategoryRow>,
    invited_total: u32,
    notice: String,
    notice_at: String,
    speakers: Vec<SpeakerRow>,
    fields: Vec<FieldOption>,
    tab: &'static str,
}

/// The page's header line for a session, shared by its three pages.
pub async fn session_shell(
    state: &AppState,
    app: &crate::App,
    headers: &HeaderMap,
    path: String,
    title: String,
) -> Shell {
    shell(state, Some(app), headers, "sessions", path, title).await
}

async fn prepare_page(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Web {
    render_prepare(
        &state,
        &headers,
        &id,
        Flash::of(&q),
        Sticky::default(),
        None,
    )
    .await
}

/// The preparation page, with a form sent back (`sticky`, or the header's) or none.
async fn render_prepare(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    id: &str,
    flash: Flash,
    sticky: Sticky,
    header: Option<HeaderForm>,
) -> Web {
    let app = need_app(state).await?;
    let lang = lang_of(headers, state.default_lang);
    let view = app.session_view(Some(id)).await?;
    let s = &view.session;
    let reg = app.registry().await?;
    let notice = app.announcements().await?.remove(&view.doc_id);
    let default_notice = crate::sessions_app::default_announcement(s, lang);
    let title = s.display_title(lang);
    let shell = session_shell(
        state,
        &app,
        headers,
        format!("/sessions/{}", view.doc_id),
        format!("{} — {title}", lang.pick("Chuẩn bị", "Preparation")),
    )
    .await;
    let focus = flash.focus.clone();
    html(PreparePage {
        shell,
        flash,
        sticky,
        id: view.doc_id.clone(),
        when: when(s),
        place: s.place.clone(),
        status: s.status().label(lang).into(),
        header: header.unwrap_or_else(|| HeaderForm::of(Some(s), lang)),
        categories: category_rows(s, lang),
        invited_total: s.invited_total(),
        notice_at: notice
            .as_ref()
            .and_then(|n| chrono::DateTime::parse_from_rfc3339(&n.at).ok())
            .map(|t| doithoai_model::time::format_datetime(&t))
            .unwrap_or_default(),
        notice: notice.map(|n| n.text).unwrap_or(default_notice),
        speakers: speaker_rows(s, lang)
            .into_iter()
            .map(|mut r| {
                let flash = focus.as_str();
                // At the top (or bottom) the button pressed is disabled: the other one.
                r.up_focus = (flash == format!("up-{}", r.key) && !r.first)
                    || (flash == format!("down-{}", r.key) && r.last);
                r.down_focus = (flash == format!("down-{}", r.key) && !r.last)
                    || (flash == format!("up-{}", r.key) && r.first);
                r
            })
            .collect(),
        fields: field_options(&reg, lang),
        title,
        tab: "prepare",
    })
}

async fn edit(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let r = async {
        let n = new_session(&f)?;
        let e = SessionEdit {
            kind: Some(n.kind),
            topic: Some(n.topic),
            title: Some(n.title),
            date: Some(n.date),
            start: Some(n.start),
            end: Some(n.end),
            place: Some(n.place),
            chairs: Some(n.chairs),
            secretary: Some(n.secretary),
            plan_id: None,
            report_no: None,
        };
        app.edit_session(Some(&id), e).await
    }
    .await;
    let r = match r {
        Err(e) => {
            return header_back(&state, &headers, Some(&id), f, e).await;
        }
        ok => ok,
    };
    Ok(answer(
        &format!("/sessions/{id}"),
        r,
        lang,
        |_| {
            lang.pick("Đã lưu thông tin cuộc đối thoại.", "Saved.")
                .into()
        },
        "",
    ))
}

async fn announce(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let r = app
        .announce_session(Some(&id), &text_of(&f, "notice"))
        .await;
    let r = match r {
        Err(e) => {
            return prepare_back(&state, &headers, &id, "announce", f, &["notice"], e).await;
        }
        ok => ok,
    };
    Ok(answer(
        &format!("/sessions/{id}#notice-h"),
        r,
        lang,
        |_| {
            lang.pick(
                "Đã gửi thông báo: máy của các tổ dân phố thấy trong «Lịch tiếp xúc, đối thoại» sau khi đồng bộ.",
                "Announced: the TDP laptops show it on their schedule page once synced.",
            )
            .into()
        },
        "",
    ))
}

async fn invited(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let back = v(&f, "back").to_owned();
    let r = set_counts(&app, &id, &f).await;
    let r = match r {
        Err(e) => {
            let names: Vec<String> = Category::ALL
                .iter()
                .map(|c| format!("invited_{}", c.code()))
                .collect();
            let inputs: Vec<&str> = names.iter().map(String::as_str).collect();
            return prepare_back(&state, &headers, &id, "invited", f, &inputs, e).await;
        }
        ok => ok,
    };
    let back = if back.starts_with("/sessions/") {
        back
    } else {
        format!("/sessions/{id}")
    };
    Ok(answer(
        &back,
        r,
        lang,
        |_| lang.pick("Đã lưu số người.", "Counts saved.").into(),
        "",
    ))
}

/// Sets the invited (`invited_<category>`) and present (`present_<category>`) counts the form
/// carries, in one change (every box is read first; one refused leaves every count as it was);
/// a blank box leaves its count as it is.
pub async fn set_counts(app: &crate::App, id: &str, f: &Fields) -> Result<(), SessionsError> {
    let mut counts = Vec::new();
    for c in Category::ALL {
        let n = |k: String, input: Input| -> Result<Option<u32>, SessionsError> {
            match opt(f, &k) {
                None => Ok(None),
                Some(t) => t.parse::<u32>().map(Some).map_err(|_| {
                    SessionError::from(doithoai_model::ValidationError::NotANumber {
                        what: "people_count",
                        value: t,
                    })
                    .at(input)
                    .into()
                }),
            }
        };
        let invited = n(format!("invited_{}", c.code()), Input::Invited(c))?;
        let present = n(format!("present_{}", c.code()), Input::Present(c))?;
        if invited.is_some() || present.is_some() {
            counts.push((c, invited, present));
        }
    }
    if !counts.is_empty() {
        app.set_attendances(Some(id), &counts).await?;
    }
    Ok(())
}

async fn import(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(_f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let r = app
        .import_speakers(Some(&id), &ImportFilter::default())
        .await;
    Ok(answer(
        &format!("/sessions/{id}#speakers-h"),
        r,
        lang,
        |(_, added)| match lang {
            Lang::Vi => format!(
                "Đã đăng ký {} người phát biểu từ các ý kiến muốn phát biểu.",
                added.len()
            ),
            Lang::En => format!(
                "{} speakers registered from the petitions asking to speak.",
                added.len()
            ),
        },
        "",
    ))
}

async fn add_speaker(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let content = text_of(&f, "content");
    let r = app
        .add_walk_in(
            Some(&id),
            v(&f, "name"),
            v(&f, "unit"),
            Some(content.as_str()).filter(|c| !c.trim().is_empty()),
            opt(&f, "field"),
            &[],
        )
        .await;
    let r = match r {
        Err(e) => {
            let inputs = ["name", "unit", "content", "field"];
            return if v(&f, "back") == "live" {
                super::live::send_back(&state, &headers, &id, "walkin", f, &inputs, e).await
            } else {
                prepare_back(&state, &headers, &id, "walkin", f, &inputs, e).await
            };
        }
        ok => ok,
    };
    let back = match v(&f, "back") {
        "live" => format!("/sessions/{id}/live#queue-h"),
        _ => format!("/sessions/{id}#speakers-h"),
    };
    Ok(answer(
        &back,
        r,
        lang,
        |(_, _, created)| match (created, lang) {
            (Some((_, no)), Lang::Vi) => {
                format!("Đã đăng ký người phát biểu; nội dung vào sổ tiếp nhận số {no}.")
            }
            (Some((_, no)), Lang::En) => {
                format!("Speaker registered; the matter entered in the register as {no}.")
            }
            (None, l) => l
                .pick("Đã đăng ký người phát biểu.", "Speaker registered.")
                .into(),
        },
        "",
    ))
}

async fn move_speaker(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let key = v(&f, "speaker").to_owned();
    let up = v(&f, "dir") == "up";
    let r = async {
        let s = app.session_view(Some(&id)).await?.session;
        let pos = s
            .speakers
            .iter()
            .position(|sp| sp.key == key)
            .ok_or_else(|| doithoai_model::session::SessionError::NotFound {
                what: "speaker",
                typed: key.clone(),
            })?;
        // Positions are 1-based; `order_speaker` puts it before the one now at that place.
        let to = if up { pos.max(1) } else { pos + 2 };
        app.order_speaker(Some(&id), &key, to as i64).await
    }
    .await;
    let focus = format!("{}-{}", if up { "up" } else { "down" }, key);
    Ok(answer(
        &format!("/sessions/{id}#sp-{key}"),
        r,
        lang,
        |_| lang.pick("Đã đổi thứ tự.", "Order changed.").into(),
        &focus,
    ))
}
