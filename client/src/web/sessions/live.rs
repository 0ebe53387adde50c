//! *Trực tiếp*: the live mode for the secretary, offline. The six steps with their start times
//! at one key; the speaker queue (next, skip, add a walk-in); each speech with the petitions it
//! raised, answered on the spot (by whom) or left to a conclusion; the chair's conclusions with
//! department and deadline; attendance; and the minutes as live text, autosaved by
//! assets/sessions.js as Automerge text splices ([`crate::App::edit_minutes`]) so that two
//! secretaries on two laptops merge without losing a word.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use doithoai_model::session::{
    Category, Input, NewSpeech, STEPS, SessionError, parse_time, step_description, step_label,
};
use doithoai_model::time::{parse_date, ward_now};
use doithoai_model::{Lang, Localize};

use super::prepare::{
    CategoryRow, SpeakerRow, category_rows, session_shell, set_counts, speaker_rows,
};
use super::{
    Choice, Flash, FlashQuery, Sticky, answer, category_choices, opt, refused, text_of, v, when,
};
use crate::sessions_app::SessionsError;
use crate::web::AppState;
use crate::web::pages::{FieldOption, Fields, Shell, Web, field_options, html, need_app};
use crate::web::security::lang_of;

type St = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/sessions/{id}/live", get(live_page))
        .route("/sessions/{id}/step", post(step))
        .route("/sessions/{id}/speech", post(speech))
        .route("/sessions/{id}/skip", post(skip))
        .route("/sessions/{id}/answer", post(answer_speech))
        .route("/sessions/{id}/conclusion", post(conclusion))
        .route("/sessions/{id}/present", post(present))
        .route("/sessions/{id}/attendee", post(attendee))
        .route("/sessions/{id}/minutes", post(minutes_form))
        .route("/api/sessions/{id}/minutes", post(minutes_api))
}

pub struct StepRow {
    pub n: u8,
    pub label: String,
    pub description: String,
    pub at: String,
}

pub struct SpeechRow {
    pub id: String,
    pub n: usize,
    pub at: String,
    pub name: String,
    pub unit: String,
    pub summary: String,
    pub field: String,
    /// Register numbers (or short ids) of the petitions raised.
    pub petitions: Vec<String>,
    pub on_spot: bool,
    pub answer: String,
    pub answered_by: String,
}

pub struct ConclusionRow {
    pub text: String,
    pub department: String,
    pub deadline: String,
    pub speeches: String,
}

#[derive(Template)]
#[template(path = "session_live.html")]
struct LivePage {
    shell: Shell,
    flash: Flash,
    sticky: Sticky,
    id: String,
    title: String,
    when: String,
    place: String,
    tab: &'static str,
    steps: Vec<StepRow>,
    queue: Vec<SpeakerRow>,
    next: Option<SpeakerRow>,
    spoken: usize,
    speeches: Vec<SpeechRow>,
    conclusions: Vec<ConclusionRow>,
    departments: Vec<Choice>,
    categories: Vec<CategoryRow>,
    category_choices: Vec<Choice>,
    attendees: Vec<(String, String, String)>,
    present_total: u32,
    invited_total: u32,
    minutes: String,
    heads: String,
    fields: Vec<FieldOption>,
    chairs: Vec<String>,
}

async fn live_page(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Web {
    render_live(&state, &headers, &id, Flash::of(&q), Sticky::default()).await
}

/// A refused form of the live page, sent back with what was typed and the error beside its
/// input (422, nothing written).
pub async fn send_back(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    id: &str,
    form: &str,
    values: Fields,
    inputs: &[&str],
    e: SessionsError,
) -> Web {
    let lang = lang_of(headers, state.default_lang);
    let (sticky, line) = refused(form, values, inputs, &e, lang);
    let flash = Flash {
        ok: String::new(),
        err: line,
        focus: String::new(),
    };
    let mut r = render_live(state, headers, id, flash, sticky).await?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

/// The live page, with a form sent back (`sticky`) or none.
pub async fn render_live(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    id: &str,
    flash: Flash,
    sticky: Sticky,
) -> Web {
    let app = need_app(state).await?;
    let lang = lang_of(headers, state.default_lang);
    let view = app.session_view(Some(id)).await?;
    let m = app.minutes(Some(&view.doc_id)).await?;
    let s = &view.session;
    let reg = app.registry().await?;
    let cal = doithoai_model::workdays::Calendar::of(&reg);
    let state_h = app.handling_state().await?;
    let pet_label = |p: &uuid::Uuid| {
        state_h
            .get(p)
            .and_then(|i| i.number())
            .map(|n| n.to_string())
            .unwrap_or_else(|| p.to_string().chars().take(8).collect())
    };
    let queue: Vec<SpeakerRow> = speaker_rows(s, lang)
        .into_iter()
        .filter(|r| !r.spoken)
        .collect();
    let next = queue.first().map(|r| SpeakerRow {
        key: r.key.clone(),
        n: r.n,
        name: r.name.clone(),
        unit: r.unit.clone(),
        topic: r.topic.clone(),
        source: r.source.clone(),
        spoken: false,
        first: r.first,
        last: r.last,
        up_focus: false,
        down_focus: false,
    });
    let speeches: Vec<SpeechRow> = s
        .speeches
        .iter()
        .enumerate()
        .map(|(i, sp)| SpeechRow {
            id: sp.id.clone(),
            n: i + 1,
            at: sp.at.clone(),
            name: sp.name.clone(),
            unit: sp.unit.clone(),
            summary: sp.summary.clone(),
            field: sp
                .field
                .as_deref()
                .map(|f| reg.field_label(f, lang).to_owned())
                .unwrap_or_default(),
            petitions: sp.petitions.iter().map(&pet_label).collect(),
            on_spot: sp.on_spot,
            answer: sp.answer.clone(),
            answered_by: sp.answered_by.clone(),
        })
        .collect();
    let conclusions = s
        .conclusions
        .iter()
        .map(|c| ConclusionRow {
            text: c.text.clone(),
            department: c
                .department
                .as_deref()
                .map(|d| {
                    reg.departments
                        .iter()
                        .find(|x| x.id == d)
                        .map_or(d.to_owned(), |x| x.name.clone())
                })
                .unwrap_or_default(),
            deadline: if c.department.is_some() {
                doithoai_model::time::format_date(c.effective_deadline(s.date, &cal))
            } else {
                String::new()
            },
            speeches: c
                .speeches
                .iter()
                .filter_map(|sid| s.speeches.iter().position(|x| &x.id == sid))
                .map(|p| format!("#{}", p + 1))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let title = s.display_title(lang);
    let shell = session_shell(
        state,
        &app,
        headers,
        format!("/sessions/{}/live", view.doc_id),
        format!("{} — {title}", lang.pick("Trực tiếp", "Live")),
    )
    .await;
    html(LivePage {
        shell,
        flash,
        sticky,
        id: view.doc_id.clone(),
        when: when(s),
        place: s.place.clone(),
        tab: "live",
        steps: (1..=STEPS as u8)
            .map(|n| StepRow {
                n,
                label: step_label(n, lang).into(),
                description: step_description(n, lang).into(),
                at: s.step(n).and_then(|r| r.at.clone()).unwrap_or_default(),
            })
            .collect(),
        spoken: s.speeches.len(),
        next,
        queue,
        speeches,
        conclusions,
        departments: reg
            .departments
            .iter()
            .map(|d| Choice {
                code: d.id.clone(),
                label: d.name.clone(),
                selected: false,
            })
            .collect(),
        categories: category_rows(s, lang),
        category_choices: category_choices(lang),
        attendees: s
            .attendees
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.unit.clone(),
                    a.category.label(lang).to_owned(),
                )
            })
            .collect(),
        present_total: s.present_total(),
        invited_total: s.invited_total(),
        minutes: m.text,
        heads: m.heads,
        fields: field_options(&reg, lang),
        chairs: s
            .chairs
            .iter()
            .map(|c| format!("{} {}", c.title(lang), c.name))
            .collect(),
        title,
    })
}

fn live(id: &str, anchor: &str) -> String {
    format!("/sessions/{id}/live#{anchor}")
}

async fn step(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let n: u8 = v(&f, "n").parse().unwrap_or(0);
    let r = match opt(&f, "at").map(|t| parse_time(&t)).transpose() {
        Ok(at) => app.record_step(Some(&id), n, at, None, None).await,
        Err(e) => Err(SessionsError::Session(e.at(Input::StepTime))),
    };
    let r = match r {
        Err(e) => {
            return send_back(&state, &headers, &id, &format!("step-{n}"), f, &["at"], e).await;
        }
        ok => ok,
    };
    Ok(answer(
        &live(&id, "steps-h"),
        r,
        lang,
        |s| {
            let at = s.step(n).and_then(|r| r.at.clone()).unwrap_or_default();
            match lang {
                Lang::Vi => format!("Bước {n} ({}) bắt đầu lúc {at}.", step_label(n, lang)),
                Lang::En => format!("Step {n} ({}) started at {at}.", step_label(n, lang)),
            }
        },
        "",
    ))
}

async fn speech(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let on_spot = v(&f, "on_spot") == "1";
    let new = NewSpeech {
        speaker: None,
        name: v(&f, "name").to_owned(),
        unit: v(&f, "unit").to_owned(),
        at: opt(&f, "at"),
        summary: text_of(&f, "summary"),
        field: opt(&f, "field"),
        petitions: Vec::new(),
        on_spot,
        answer: if on_spot {
            text_of(&f, "answer")
        } else {
            String::new()
        },
        answered_by: if on_spot {
            v(&f, "answered_by").to_owned()
        } else {
            String::new()
        },
    };
    let speaker = opt(&f, "speaker");
    let r = app
        .add_speech(Some(&id), speaker.as_deref(), new, &[])
        .await;
    let r = match r {
        Err(e) => {
            let inputs = ["name", "unit", "summary", "field", "answer", "answered_by"];
            return send_back(&state, &headers, &id, "speech", f, &inputs, e).await;
        }
        ok => ok,
    };
    Ok(answer(
        &live(&id, "queue-h"),
        r,
        lang,
        |(s, _)| match lang {
            Lang::Vi => format!("Đã ghi ý kiến phát biểu thứ {}.", s.speeches.len()),
            Lang::En => format!("Speech {} recorded.", s.speeches.len()),
        },
        "speech-summary",
    ))
}

async fn skip(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let r = app.skip_speaker(Some(&id), v(&f, "speaker")).await;
    Ok(answer(
        &live(&id, "queue-h"),
        r,
        lang,
        |_| {
            lang.pick(
                "Đã chuyển người này xuống cuối danh sách.",
                "Moved to the end of the queue.",
            )
            .into()
        },
        "",
    ))
}

async fn answer_speech(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let speech = v(&f, "speech").to_owned();
    let r = app
        .answer_speech(
            Some(&id),
            &speech,
            &text_of(&f, "answer"),
            v(&f, "answered_by"),
            true,
        )
        .await;
    Ok(answer(
        &live(&id, &format!("speech-{speech}")),
        r,
        lang,
        |_| {
            lang.pick("Đã ghi trả lời tại chỗ.", "On-the-spot answer recorded.")
                .into()
        },
        "",
    ))
}

async fn conclusion(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let mut f: Fields = pairs.iter().cloned().collect();
    let speeches: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "speech")
        .map(|(_, v)| v.clone())
        .collect();
    let r = async {
        let deadline =
            match opt(&f, "deadline") {
                Some(d) => Some(parse_date(&d).map_err(|e| {
                    SessionsError::Session(SessionError::from(e).at(Input::Deadline))
                })?),
                None => None,
            };
        app.add_conclusion(
            Some(&id),
            &text_of(&f, "text"),
            opt(&f, "department"),
            deadline,
            &[],
            &speeches,
        )
        .await
    }
    .await;
    let r = match r {
        Err(e) => {
            f.insert("speech[]".into(), speeches.join("\u{1f}"));
            let inputs = ["text", "department", "deadline"];
            return send_back(&state, &headers, &id, "conclusion", f, &inputs, e).await;
        }
        ok => ok,
    };
    Ok(answer(
        &live(&id, "conclusions-h"),
        r,
        lang,
        |(s, _)| match lang {
            Lang::Vi => format!("Đã ghi kết luận thứ {}.", s.conclusions.len()),
            Lang::En => format!("Conclusion {} recorded.", s.conclusions.len()),
        },
        "conclusion-text",
    ))
}

async fn present(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let r = set_counts(&app, &id, &f).await;
    let r = match r {
        Err(e) => {
            let names: Vec<String> = Category::ALL
                .iter()
                .map(|c| format!("present_{}", c.code()))
                .collect();
            let inputs: Vec<&str> = names.iter().map(String::as_str).collect();
            return send_back(&state, &headers, &id, "present", f, &inputs, e).await;
        }
        ok => ok,
    };
    Ok(answer(
        &live(&id, "attendance-h"),
        r,
        lang,
        |_| lang.pick("Đã lưu số người dự.", "Attendance saved.").into(),
        "",
    ))
}

async fn attendee(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let category = Category::parse(v(&f, "category")).unwrap_or(Category::NhanDan);
    let names: Vec<String> = v(&f, "name")
        .split([';', '\n'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    let r = if names.is_empty() {
        Err(SessionsError::Session(
            doithoai_model::session::SessionError::Required { what: "name" },
        ))
    } else {
        app.add_attendees(Some(&id), &names, category, v(&f, "unit"))
            .await
    };
    let r = match r {
        Err(e) => {
            return send_back(&state, &headers, &id, "attendee", f, &["name", "unit"], e).await;
        }
        ok => ok,
    };
    Ok(answer(
        &live(&id, "attendance-h"),
        r,
        lang,
        |_| match lang {
            Lang::Vi => format!("Đã ghi {} người dự.", names.len()),
            Lang::En => format!("{} attendees recorded.", names.len()),
        },
        "attendee-name",
    ))
}

async fn minutes_form(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let r = app
        .edit_minutes(Some(&id), v(&f, "heads"), &text_of(&f, "minutes"))
        .await;
    Ok(answer(
        &live(&id, "minutes-h"),
        r,
        lang,
        |m| {
            if m.merged {
                lang.pick(
                    "Đã lưu biên bản, gộp cả phần người khác vừa ghi.",
                    "Minutes saved, merged with what others wrote meanwhile.",
                )
            } else {
                lang.pick("Đã lưu biên bản.", "Minutes saved.")
            }
            .into()
        },
        "minutes",
    ))
}

/// The minutes' autosave: the same operation as the form, answered in JSON for the script.
async fn minutes_api(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let at = ward_now().format("%H:%M:%S");
    match app
        .edit_minutes(Some(&id), v(&f, "heads"), &text_of(&f, "minutes"))
        .await
    {
        Ok(m) => Ok(Json(serde_json::json!({
            "text": m.text,
            "heads": m.heads,
            "own": m.own,
            "merged": m.merged,
            "message": match lang {
                Lang::Vi => format!("Đã lưu biên bản lúc {at}"),
                Lang::En => format!("Minutes saved at {at}"),
            },
        }))
        .into_response()),
        Err(e) => {
            let mut r = Json(serde_json::json!({ "error": e.localize(lang) })).into_response();
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
