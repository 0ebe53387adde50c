//! *Nhập từ Excel*: choose a spreadsheet, see what it would become (the column mapping guessed
//! from its headings, editable; every row checked with the rules of a typed petition, errors by
//! row number), and only then import. The file waits in the data directory (0600) between the
//! steps ([`doithoai_device::import::stage`]); nothing is written to the register before the
//! clerk confirms, and a file with a bad row is refused whole.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use doithoai_device::import::{
    self as imp, ImportError, ImportPreview, RowState, Target, read_table,
};
use doithoai_model::{Lang, Localize};

use super::{Choice, St, Web};
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::pages::{Shell, html, need_app, see_other, shell};
use crate::web::security::lang_of;

/// The rows the preview shows (all rows with errors are listed apart).
const SAMPLE_ROWS: usize = 12;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/import",
            get(upload_page)
                .post(upload)
                .layer(DefaultBodyLimit::max(imp::MAX_BYTES + (64 << 10))),
        )
        .route("/import/done", get(done_page))
        .route("/import/{token}", get(preview_page))
        .route("/import/{token}/mapping", post(set_mapping))
        .route("/import/{token}/confirm", post(confirm))
}

#[derive(Template)]
#[template(path = "import_upload.html")]
struct UploadPage {
    shell: Shell,
    error: Option<String>,
    gone: bool,
}

#[derive(serde::Deserialize, Default)]
struct UploadQuery {
    gone: Option<String>,
}

async fn upload_view(
    state: &AppState,
    headers: &HeaderMap,
    error: Option<String>,
    gone: bool,
) -> Web {
    let app = need_app(state).await?;
    let lang = lang_of(headers, state.default_lang);
    let shell = shell(
        state,
        Some(&app),
        headers,
        "import",
        "/import".into(),
        lang.pick("Nhập từ Excel", "Import from Excel").into(),
    )
    .await;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = html(UploadPage { shell, error, gone })?;
    *r.status_mut() = status;
    Ok(r)
}

async fn upload_page(State(state): St, headers: HeaderMap, Query(q): Query<UploadQuery>) -> Web {
    upload_view(&state, &headers, None, q.gone.is_some()).await
}

/// The uploaded file of a multipart form: its name and bytes.
async fn file_of(headers: &HeaderMap, body: Bytes) -> Option<(String, Vec<u8>)> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = multer::parse_boundary(ct).ok()?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_owned();
            let data = field.bytes().await.ok()?;
            return Some((name, data.to_vec()));
        }
    }
    None
}

async fn upload(State(state): St, headers: HeaderMap, body: Bytes) -> Web {
    let lang = lang_of(&headers, state.default_lang);
    let app = need_app(&state).await?;
    let Some((name, bytes)) = file_of(&headers, body).await.filter(|(_, b)| !b.is_empty()) else {
        return upload_view(
            &state,
            &headers,
            Some(
                lang.pick(
                    "Hãy chọn một tệp Excel (.xlsx) hoặc CSV.",
                    "Choose an Excel (.xlsx) or CSV file.",
                )
                .into(),
            ),
            false,
        )
        .await;
    };
    // A file that cannot be read is said at once, on this page.
    if let Err(e) = read_table(&name, &bytes) {
        return upload_view(&state, &headers, Some(e.localize(lang)), false).await;
    }
    let token = crate::web::random_hex(16);
    imp::stage(&app.data_dir, &token, &name, &bytes).map_err(|e| {
        WebError::App(doithoai_device::AppError::Server {
            vi: format!("Không lưu tạm được tệp trong thư mục dữ liệu ({e})."),
            en: format!("Cannot keep the file in the data directory ({e})."),
        })
    })?;
    Ok(see_other(&format!("/import/{token}")))
}

pub struct ColumnView {
    pub idx: usize,
    pub letter: String,
    pub heading: String,
    pub target: &'static str,
    pub example: String,
    /// What the import does with it (or that it is left out).
    pub explain: &'static str,
}

pub struct RowView {
    pub row: u32,
    pub state: String,
    pub class: &'static str,
    pub cells: Vec<String>,
}

pub struct ErrorView {
    pub row: u32,
    pub messages: Vec<String>,
}

pub struct Counts {
    pub total: usize,
    pub new: usize,
    pub registered: usize,
    pub imported: usize,
    pub repeats: usize,
    pub invalid: usize,
}

#[derive(Template)]
#[template(path = "import_preview.html")]
struct PreviewPage {
    shell: Shell,
    token: String,
    file: String,
    sheet: String,
    heading_row: u32,
    columns: Vec<ColumnView>,
    targets: Vec<Choice>,
    error: Option<String>,
    counts: Option<Counts>,
    errors: Vec<ErrorView>,
    rows: Vec<RowView>,
    can_confirm: bool,
    flash: Option<String>,
    /// What the register's columns 8 to 12 do.
    handling: Option<String>,
}

fn state_of(s: RowState, lang: Lang) -> (String, &'static str) {
    match s {
        RowState::New => (lang.pick("Sẽ nhập", "To import").into(), "done"),
        RowState::Imported => (lang.pick("Đã nhập trước đây", "Imported before").into(), ""),
        RowState::Repeat(r) => (
            match lang {
                Lang::Vi => format!("Trùng dòng {r}"),
                Lang::En => format!("Same as row {r}"),
            },
            "",
        ),
        RowState::Invalid => (lang.pick("Có lỗi", "Has errors").into(), "late"),
    }
}

fn truncate(s: &str, n: usize) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() <= n {
        one
    } else {
        format!("{}…", one.chars().take(n - 1).collect::<String>())
    }
}

#[derive(serde::Deserialize, Default)]
struct PreviewQuery {
    refused: Option<String>,
    mapped: Option<String>,
}

async fn preview_page(
    State(state): St,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let Some((staged, bytes)) = imp::staged(&app.data_dir, &token) else {
        return Ok(see_other("/import?gone=1"));
    };
    let mapping = staged.mapping();
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "import",
        format!("/import/{token}"),
        lang.pick("Nhập từ Excel: xem trước", "Import from Excel: preview")
            .into(),
    )
    .await;
    let targets = Target::ALL
        .iter()
        .map(|t| Choice {
            code: t.code(),
            label: t.label(lang),
        })
        .collect();
    let mut page = PreviewPage {
        shell,
        token: token.clone(),
        file: staged.name.clone(),
        sheet: String::new(),
        heading_row: 0,
        columns: Vec::new(),
        targets,
        error: None,
        counts: None,
        errors: Vec::new(),
        rows: Vec::new(),
        can_confirm: false,
        handling: None,
        flash: q.mapped.map(|_| {
            lang.pick(
                "Đã đổi cách ghép cột; các dòng được kiểm tra lại theo cách mới.",
                "Mapping changed; the rows were checked again.",
            )
            .to_owned()
        }),
    };
    match app
        .import_preview(&staged.name, &bytes, mapping.clone())
        .await
    {
        Ok(p) => fill(&mut page, &p, lang),
        Err(ImportError::Office(e)) => return Err(e.into()),
        Err(e) => {
            // The mapping is still shown, to be corrected.
            page.error = Some(e.localize(lang));
            if let Ok(t) = read_table(&staged.name, &bytes) {
                let m = mapping
                    .filter(|m| m.len() == t.headings.len())
                    .unwrap_or_else(|| imp::guess_mapping(&t.headings));
                page.sheet = t.sheet.clone();
                page.heading_row = t.heading_row;
                page.columns = columns(
                    &t.headings,
                    &m,
                    t.rows
                        .first()
                        .map(|(_, c)| c.iter().map(imp::Cell::text).collect()),
                    lang,
                );
            }
        }
    }
    if q.refused.is_some() && page.error.is_none() {
        page.error = Some(
            ImportError::Refused(page.counts.as_ref().map_or(0, |c| c.invalid)).localize(lang),
        );
    }
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = html(page)?;
    *r.status_mut() = status;
    Ok(r)
}

fn columns(
    headings: &[String],
    mapping: &[Target],
    first: Option<Vec<String>>,
    lang: Lang,
) -> Vec<ColumnView> {
    headings
        .iter()
        .zip(mapping)
        .enumerate()
        .map(|(i, (h, t))| ColumnView {
            idx: i,
            letter: crate::import::column_letters(i),
            heading: if h.trim().is_empty() {
                "—".into()
            } else {
                h.clone()
            },
            target: t.code(),
            // What a column becomes is its select; said in words where it is not plain: a
            // handling column (8 to 12 of Mẫu 03) or one left out.
            explain: if matches!(
                t,
                Target::Ignore
                    | Target::Prior
                    | Target::Accepted
                    | Target::Guided
                    | Target::Forwarded
                    | Target::Tracking
            ) {
                t.explain(lang)
            } else {
                ""
            },
            example: first
                .as_ref()
                .and_then(|c| c.get(i))
                .map(|s| truncate(s, 40))
                .unwrap_or_default(),
        })
        .collect()
}

fn fill(page: &mut PreviewPage, p: &ImportPreview, lang: Lang) {
    page.sheet = p.sheet.clone();
    page.heading_row = p.heading_row;
    let first_ok = p
        .rows
        .iter()
        .find(|r| r.state != RowState::Invalid)
        .or(p.rows.first())
        .map(|r| r.cells.clone());
    page.columns = columns(&p.headings, &p.mapping, first_ok, lang);
    page.handling = p.handling_counts().describe(lang);
    let invalid = p.invalid();
    page.counts = Some(Counts {
        total: p.rows.len(),
        new: p.count(RowState::New),
        registered: p.new_rows().filter(|r| r.register_no.is_some()).count(),
        imported: p.count(RowState::Imported),
        repeats: p.count(RowState::Repeat(0)),
        invalid: invalid.len(),
    });
    page.errors = invalid
        .iter()
        .map(|r| ErrorView {
            row: r.row,
            messages: r.errors.iter().map(|e| e.localize(lang)).collect(),
        })
        .collect();
    // The mapped columns only, in the mapping's order.
    let shown: Vec<usize> = (0..p.mapping.len())
        .filter(|i| p.mapping[*i] != Target::Ignore)
        .collect();
    page.rows = p
        .rows
        .iter()
        .take(SAMPLE_ROWS)
        .map(|r| {
            let (state, class) = state_of(r.state, lang);
            RowView {
                row: r.row,
                state,
                class,
                cells: shown
                    .iter()
                    .map(|i| truncate(r.cells.get(*i).map(String::as_str).unwrap_or(""), 60))
                    .collect(),
            }
        })
        .collect();
    page.can_confirm = invalid.is_empty() && page.counts.as_ref().is_some_and(|c| c.new > 0);
}

impl PreviewPage {
    /// The headings of the mapped columns (the rows' table).
    pub fn shown_headings(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.target != "ignore")
            .map(|c| {
                let label = Target::parse(c.target)
                    .map(|t| t.label(self.shell.lang))
                    .unwrap_or("");
                format!("{} ({})", label, c.letter)
            })
            .collect()
    }
}

async fn set_mapping(
    State(state): St,
    Path(token): Path<String>,
    Form(values): Form<BTreeMap<String, String>>,
) -> Web {
    let app = need_app(&state).await?;
    let Some((staged, bytes)) = imp::staged(&app.data_dir, &token) else {
        return Ok(see_other("/import?gone=1"));
    };
    let n = read_table(&staged.name, &bytes).map_or(0, |t| t.headings.len());
    let mapping: Vec<Target> = (0..n)
        .map(|i| {
            values
                .get(&format!("col{i}"))
                .and_then(|v| Target::parse(v))
                .unwrap_or(Target::Ignore)
        })
        .collect();
    imp::set_staged_mapping(&app.data_dir, &token, &mapping).map_err(|e| {
        WebError::App(doithoai_device::AppError::Server {
            vi: format!("Không lưu được cách ghép cột ({e})."),
            en: format!("Cannot keep the mapping ({e})."),
        })
    })?;
    Ok(see_other(&format!("/import/{token}?mapped=1")))
}

async fn confirm(State(state): St, Path(token): Path<String>) -> Web {
    let app = need_app(&state).await?;
    let Some((staged, bytes)) = imp::staged(&app.data_dir, &token) else {
        return Ok(see_other("/import?gone=1"));
    };
    match app
        .import_apply(&staged.name, &bytes, staged.mapping())
        .await
    {
        Ok((_, o)) => {
            imp::unstage(&app.data_dir, &token);
            let q = serde_urlencoded::to_string([
                ("file", staged.name.clone()),
                ("added", o.added.to_string()),
                ("registered", o.registered.to_string()),
                ("already", o.already.to_string()),
            ])
            .unwrap_or_default();
            Ok(see_other(&format!("/import/done?{q}")))
        }
        Err(ImportError::Office(e)) => Err(e.into()),
        Err(_) => Ok(see_other(&format!("/import/{token}?refused=1"))),
    }
}

#[derive(Template)]
#[template(path = "import_done.html")]
struct DonePage {
    shell: Shell,
    file: String,
    added: usize,
    registered: usize,
    already: usize,
}

async fn done_page(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Web {
    let app = need_app(&state).await?;
    let lang = lang_of(&headers, state.default_lang);
    let n = |k: &str| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
    let shell = shell(
        &state,
        Some(&app),
        &headers,
        "import",
        "/import/done".into(),
        lang.pick("Nhập từ Excel: đã nhập", "Import from Excel: done")
            .into(),
    )
    .await;
    html(DonePage {
        shell,
        file: q.get("file").cloned().unwrap_or_default(),
        added: n("added"),
        registered: n("registered"),
        already: n("already"),
    })
}
