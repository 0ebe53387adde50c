//! The HTTP API and the `/sync` websocket, as axum handlers over one [`AppState`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use doithoai_model::{Lang, Localize};
use doithoai_store::{CodeCheck, DeviceRow, DocRow};
use doithoai_sync::link::{LinkHandle, LinkOptions, LinkStats};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::admin::{self, AdminError};
use crate::secret;

/// The most simultaneous websocket connections one device may hold.
pub const MAX_LINKS_PER_DEVICE: usize = 4;

/// Everything the handlers share.
pub struct AppState {
    /// The registry (and chunks): SQLite or PostgreSQL, behind the trait.
    pub store: crate::Db,
    /// One samod repository per ward (see `wards.rs`).
    pub wards: crate::wards::WardRepos,
    pub link_opts: LinkOptions,
    pub stats: Arc<LinkStats>,
    /// Live links by device id.
    pub links: Mutex<HashMap<String, Vec<LiveLink>>>,
    /// Upgrades accepted but not yet linked, by device id: they count against the per-device
    /// limit, so that connections opened at once cannot all pass the check (lock order: `links`,
    /// then this).
    pub pending_links: Mutex<HashMap<String, usize>>,
    /// The secret that guards the admin endpoint (a file in the data directory).
    pub admin_secret: String,
    pub refused_tokens: AtomicU64,
    pub refused_frames_http: AtomicU64,
    /// Rate limits on enrolment attempts (per client address and global).
    pub enrol_limit: crate::limit::EnrolLimiter,
    /// Enrolment attempts refused (wrong codes and rate-limited ones).
    pub refused_enrolments: AtomicU64,
    /// The fingerprint part of the enrolment codes this server makes (its self-signed
    /// certificate's), if any.
    pub enrol_pin: Option<String>,
    /// This node: its id for this run and the address it advertises.
    pub node: Node,
}

/// This server process as one node of several sharing a database.
#[derive(Debug, Clone)]
pub struct Node {
    /// Made at each start: what the database counts this node's links under.
    pub id: String,
    /// The address devices reach this node at (`--advertise`).
    pub advertise: Option<String>,
}

/// How long a node that stopped beating still counts (its links, its address): a node beats
/// every 2 s, so one killed without closing its links frees them within this.
pub const NODE_LIVE: Duration = Duration::from_secs(10);

/// A device's open sync link, and its claim in the shared database when nodes share one.
pub struct LiveLink {
    pub handle: LinkHandle,
    pub claim: Option<String>,
}

/// An API error: an HTTP status and a message in Vietnamese and English.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            vi: vi.into(),
            en: en.into(),
        }
    }

    fn unauthorized(vi: &str, en: &str) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", vi, en)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.code, "message": self.vi, "message_en": self.en});
        (self.status, Json(body)).into_response()
    }
}

impl From<doithoai_store::StoreError> for ApiError {
    fn from(e: doithoai_store::StoreError) -> Self {
        tracing::error!(error = %e, "storage error in request");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            e.localize(Lang::Vi),
            e.localize(Lang::En),
        )
    }
}

impl From<doithoai_sync::SyncError> for ApiError {
    fn from(e: doithoai_sync::SyncError) -> Self {
        tracing::error!(error = %e, "sync engine error in request");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "sync",
            e.localize(Lang::Vi),
            e.localize(Lang::En),
        )
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        let status = match e {
            AdminError::Store(_) | AdminError::Sync(_) | AdminError::Doc(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, "admin", e.localize(Lang::Vi), e.localize(Lang::En))
    }
}

/// The router of the whole API.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/enroll", post(enroll))
        .route(
            "/api/v1/documents",
            get(list_documents).post(register_document),
        )
        .route("/api/v1/registrations", get(list_registrations))
        .route("/api/v1/flags", get(list_flags))
        .route(
            "/api/v1/registrations/{doc_id}",
            axum::routing::delete(remove_registration),
        )
        .route("/api/v1/admin/ward", post(admin_ward))
        .route("/api/v1/admin/point", post(admin_point))
        .route(
            "/api/v1/admin/device",
            get(admin_device_list).post(admin_device_add),
        )
        .route(
            "/api/v1/admin/device/{id}/revoke",
            post(admin_device_revoke),
        )
        .route("/sync", get(sync))
        .with_state(state)
}

/// `200 {"status":"ok"}` when the database answers; `503` with the reason when it does not (a
/// load balancer then sends the wards to another node).
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let db = state.store.clone();
    let answer = tokio::task::spawn_blocking(move || db.ping()).await;
    match answer {
        Ok(Ok(())) => {
            Json(json!({"status": "ok", "database": state.store.backend()})).into_response()
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "database unreachable", "database": state.store.backend(), "error": e.to_string()})),
            )
                .into_response()
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "error", "error": e.to_string()})),
        )
            .into_response(),
    }
}

/// The bearer token of a request: the `Authorization` header or, for browsers, `?token=`.
fn token_of(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .or_else(|| query.get("token").cloned())
        .filter(|t| !t.is_empty())
}

/// The device a token belongs to, if it is valid and not revoked.
fn authenticate(state: &AppState, token: Option<String>) -> Result<DeviceRow, ApiError> {
    let Some(token) = token else {
        state.refused_tokens.fetch_add(1, Ordering::Relaxed);
        return Err(ApiError::unauthorized(
            "Thiếu mã truy cập (token) của thiết bị.",
            "The device token is missing.",
        ));
    };
    let hash = secret::hash(&token);
    let device = state.store.device_by_token_hash(&hash)?;
    match device {
        Some(d) if d.revoked_at.is_none() => Ok(d),
        Some(_) => {
            state.refused_tokens.fetch_add(1, Ordering::Relaxed);
            Err(ApiError::unauthorized(
                "Thiết bị này đã bị thu hồi quyền truy cập. Liên hệ cán bộ CNTT của phường để được cấp mã mới.",
                "This device has been revoked. Ask the ward's IT person for a new enrolment code.",
            ))
        }
        None => {
            state.refused_tokens.fetch_add(1, Ordering::Relaxed);
            Err(ApiError::unauthorized(
                "Mã truy cập không hợp lệ. Thiết bị cần đăng ký lại (doithoai join).",
                "Invalid token. The device must enrol again (doithoai join).",
            ))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    pub token: String,
    pub peer_id: String,
    pub role: String,
    pub point: Option<String>,
    pub ward: String,
    pub ward_name: String,
    pub documents: HashMap<String, String>,
    /// The addresses of the server nodes serving the ward (those started with `--advertise`),
    /// for the device to fail over to; empty for a ward served by one server.
    #[serde(default)]
    pub servers: Vec<String>,
}

/// The documents a device starts with: `automerge:` URLs by role.
fn starting_documents(
    state: &AppState,
    d: &DeviceRow,
) -> Result<HashMap<String, String>, ApiError> {
    let w = state.store.ward(&d.ward_id)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "registry",
            "Không tìm thấy phường của thiết bị.",
            "The device's ward is missing.",
        )
    })?;
    let mut docs = HashMap::new();
    let url = |id: &str| format!("automerge:{id}");
    docs.insert("ward".to_owned(), url(&w.ward_doc));
    docs.insert("handling".to_owned(), url(&w.handling_doc));
    if matches!(d.role.as_str(), "office" | "monitor") {
        docs.insert("monitoring".to_owned(), url(&w.monitoring_doc));
    }
    if let Some(p) = &d.point_id
        && let Some(point) = state.store.point(&d.ward_id, p)?
    {
        docs.insert("intake".to_owned(), url(&point.intake_doc));
    }
    Ok(docs)
}

/// The one answer to every enrolment code that does not enrol: malformed, unknown, wrong
/// secret, used, expired or out of tries. The same status and body whatever the reason, so that
/// the answer never tells whether a code id exists (the reason goes to the log).
fn refused_code() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "bad_code",
        "Mã đăng ký không dùng được: mã sai, đã dùng, đã hết hạn hoặc đã bị nhập sai quá nhiều lần. Kiểm tra lại mã do cán bộ CNTT cấp (dạng ABCD-EFGH2345), hoặc xin cấp mã mới.",
        "This enrolment code cannot be used: it is wrong, used, expired or was tried wrongly too often. Check the code the ward's IT person gave you (like ABCD-EFGH2345), or ask for a new one.",
    )
}

/// `POST /api/v1/enroll`: rate limited per client address and for the whole server (see
/// `limit.rs`); only refused attempts spend the limit.
async fn enroll(
    State(state): State<Arc<AppState>>,
    ConnectInfo(crate::ClientAddr(peer)): ConnectInfo<crate::ClientAddr>,
    body: Result<Json<EnrollRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if let Err(wait) = state.enrol_limit.acquire(peer.ip()) {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        state.refused_enrolments.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(client = %peer.ip(), retry_after = secs, "enrolment refused: too many attempts");
        let e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("Đã có quá nhiều lần nhập mã đăng ký sai. Hãy đợi {secs} giây rồi thử lại."),
            format!(
                "Too many wrong enrolment codes were tried. Wait {secs} seconds and try again."
            ),
        );
        let mut resp = e.into_response();
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, secs.into());
        return resp;
    }
    match enroll_checked(&state, peer, body).await {
        Ok(ok) => {
            state.enrol_limit.refund(peer.ip());
            ok.into_response()
        }
        Err(e) => {
            if e.code == "bad_code" {
                state.refused_enrolments.fetch_add(1, Ordering::Relaxed);
            }
            e.into_response()
        }
    }
}

async fn enroll_checked(
    state: &AppState,
    peer: SocketAddr,
    body: Result<Json<EnrollRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let Json(req) = body.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Yêu cầu không hợp lệ: {e}"),
            format!("Bad request: {e}"),
        )
    })?;
    let refuse = |code_id: &str, why: &str| {
        tracing::warn!(client = %peer.ip(), code_id, why, "enrolment refused");
        refused_code()
    };
    let Some((code_id, code_secret)) = secret::parse_code(&req.code) else {
        return Err(refuse("", "malformed code"));
    };
    let secret_hash = secret::hash(&code_secret);
    let now = chrono::Utc::now().timestamp();
    let at = doithoai_model::time::to_stored(&doithoai_model::time::ward_now());
    let check = state.store.code_check(
        &code_id,
        &|stored| secret::ct_eq(stored, &secret_hash),
        now,
        &at,
    )?;
    let device_id = match check {
        CodeCheck::Valid { device_id } => device_id,
        CodeCheck::Unknown => return Err(refuse(&code_id, "unknown code id")),
        CodeCheck::Wrong { attempts_left } => {
            tracing::warn!(client = %peer.ip(), code_id, attempts_left, why = "wrong secret", "enrolment refused");
            return Err(refused_code());
        }
        CodeCheck::Spent => return Err(refuse(&code_id, "used, expired or out of tries")),
    };
    let device = state
        .store
        .device(&device_id)?
        .filter(|d| d.revoked_at.is_none())
        .ok_or_else(|| refuse(&code_id, "device revoked or removed"))?;
    let token = secret::new_token();
    state
        .store
        .device_set_token(&device.id, &secret::hash(&token), &at)?;
    let ward = state.store.ward(&device.ward_id)?;
    tracing::info!(device = %device.id, name = %req.name, client = %peer.ip(), "device enrolled");
    Ok(Json(EnrollResponse {
        documents: starting_documents(state, &device)?,
        device_id: device.id.clone(),
        token,
        peer_id: device.peer_id.clone(),
        role: device.role.clone(),
        point: device.point_id.clone(),
        ward: device.ward_id.clone(),
        ward_name: ward.map(|w| w.name).unwrap_or_default(),
        servers: crate::nodes::advertised(state),
    }))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DocEntry {
    pub id: String,
    pub kind: String,
    pub point: Option<String>,
    pub access: String,
    /// A digest of the heads the server holds of the document (`doithoai_sync::repo::
    /// heads_digest`), absent when it holds nothing: a device whose stored heads have the same
    /// digest has nothing to exchange for it and does not load it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heads: Option<String>,
}

/// The documents this device may read, with its access to each and a digest of their heads.
/// `?since=D`, where D is the SHA-256 (hex, first 16 bytes) of the list the device last
/// received, is answered `304 Not Modified` with no body when the list is still that one.
async fn list_documents(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let device = authenticate(&state, token_of(&headers, &query))?;
    let docs = state.store.docs_of_ward(&device.ward_id)?;
    let listed = listed_volumes(&state, &device.ward_id).await?;
    let mut out = Vec::new();
    // A volume a device registered is listed only once its point's root intake lists it: an
    // id registered and never used (a ghost) is shown to nobody. Its own devices find their
    // new volumes through the root they wrote them into.
    for d in docs
        .into_iter()
        .filter(|d| d.kind != "intake" || d.created_by.is_none() || listed.contains(&d.doc_id))
    {
        let access = match crate::access::decide(&device, &d) {
            doithoai_sync::policy::Access::ReadWrite => "read_write",
            doithoai_sync::policy::Access::ReadOnly => "read_only",
            doithoai_sync::policy::Access::None => continue,
        };
        let heads = state
            .wards
            .heads
            .stored_heads(state.wards.chunks(), &d.doc_id)?
            .filter(|h| !h.is_empty())
            .map(|h| doithoai_sync::repo::heads_digest(&h));
        out.push(DocEntry {
            id: d.doc_id,
            kind: d.kind,
            point: d.point_id,
            access: access.to_owned(),
            heads,
        });
    }
    let body = serde_json::to_vec(&out).unwrap_or_default();
    if query
        .get("since")
        .is_some_and(|s| *s == doithoai_sync::repo::list_digest(&body))
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct RegisterRequest {
    pub doc_id: String,
    pub kind: String,
}

/// Registers a document a device created before it syncs it: office devices create session
/// documents, collectors (and an office device enrolled with a point, the reception desk)
/// create intake volumes of their own point. Anything else is refused.
async fn register_document(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Result<Json<RegisterRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<DocEntry>, ApiError> {
    let device = authenticate(&state, token_of(&headers, &query))?;
    let Json(req) = body.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Yêu cầu không hợp lệ: {e}"),
            format!("Bad request: {e}"),
        )
    })?;
    let doc_id = doithoai_sync::parse_doc_id(&req.doc_id)
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_doc_id",
                format!("Mã tài liệu «{}» không hợp lệ.", req.doc_id),
                format!("Invalid document id {:?}.", req.doc_id),
            )
        })?
        .to_string();
    let (kind, point) = match (device.role.as_str(), req.kind.as_str()) {
        ("office", "session") => ("session", None),
        // An office device enrolled with a point (the office's reception desk) writes that
        // point's intake, as access::decide says, so it needs new volumes as a collector does.
        ("collector" | "office", "intake") if device.point_id.is_some() => {
            ("intake", device.point_id.clone())
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_allowed",
                format!(
                    "Thiết bị vai trò «{}» không được tạo tài liệu loại «{}».",
                    device.role, req.kind
                ),
                format!(
                    "A {} device may not create a {:?} document.",
                    device.role, req.kind
                ),
            ));
        }
    };
    let now = doithoai_model::time::ward_now();
    // Registering again what is registered already (a retry) costs nothing; anything new counts
    // against the device's quota and rate.
    if state.store.doc(&doc_id)?.is_none() {
        check_registration_limits(&state, &device, kind, &now)?;
    }
    let row = DocRow {
        doc_id: doc_id.clone(),
        ward_id: device.ward_id.clone(),
        kind: kind.to_owned(),
        point_id: point,
        created_by: Some(device.id.clone()),
        created_at: doithoai_model::time::to_stored(&now),
    };
    let stored = state.store.doc_register(&row)?;
    state
        .wards
        .get(&device.ward_id)
        .await?
        .policy
        .changed(&stored.doc_id);
    let access = crate::access::decide(&device, &stored);
    if access == doithoai_sync::policy::Access::None {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_allowed",
            "Tài liệu này đã thuộc về nơi khác.",
            "This document already belongs elsewhere.",
        ));
    }
    Ok(Json(DocEntry {
        id: stored.doc_id,
        kind: stored.kind,
        point: stored.point_id,
        access: format!("{access:?}"),
        heads: None,
    }))
}

/// How many intake volumes one collector device may register in all (a volume holds 400
/// petitions: 64 are 25,600 petitions, decades of a TDP). The office removes spare ones.
pub const MAX_VOLUMES_PER_DEVICE: i64 = 64;
/// How many session documents one office device may register in all.
pub const MAX_SESSIONS_PER_DEVICE: i64 = 2000;
/// How many new documents one device may register per minute.
pub const REGISTRATIONS_PER_MINUTE: i64 = 10;

fn check_registration_limits(
    state: &AppState,
    device: &DeviceRow,
    kind: &str,
    now: &chrono::DateTime<chrono::FixedOffset>,
) -> Result<(), ApiError> {
    let since = doithoai_model::time::to_stored(&(*now - chrono::Duration::seconds(60)));
    let (total, recent) = state.store.doc_registrations_by(&device.id, kind, &since)?;
    let quota = if kind == "intake" {
        MAX_VOLUMES_PER_DEVICE
    } else {
        MAX_SESSIONS_PER_DEVICE
    };
    if total >= quota {
        tracing::warn!(device = %device.id, kind, total, "registration refused: quota reached");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "quota",
            format!(
                "Thiết bị đã đăng ký đủ {quota} tài liệu loại «{kind}». Văn phòng phường xem và gỡ các đăng ký thừa bằng: doithoai documents list / doithoai documents remove MÃ"
            ),
            format!(
                "The device has registered its {quota} {kind:?} documents. The ward office can see and remove spare ones: doithoai documents list / doithoai documents remove ID"
            ),
        ));
    }
    if recent >= REGISTRATIONS_PER_MINUTE {
        tracing::warn!(device = %device.id, kind, recent, "registration refused: rate limit");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "Thiết bị đăng ký quá {REGISTRATIONS_PER_MINUTE} tài liệu trong một phút; hãy thử lại sau."
            ),
            format!(
                "The device registered more than {REGISTRATIONS_PER_MINUTE} documents in a minute; try again later."
            ),
        ));
    }
    Ok(())
}

/// The intake volumes that the points' root intake documents of `ward` list.
async fn listed_volumes(
    state: &AppState,
    ward: &str,
) -> Result<std::collections::BTreeSet<String>, ApiError> {
    let repo = state.wards.get(ward).await?.repo;
    let mut out = std::collections::BTreeSet::new();
    for p in state.store.points(ward)? {
        let Ok(id) = doithoai_sync::parse_doc_id(&p.intake_doc) else {
            continue;
        };
        // The server created every root intake: it is in its own storage.
        match tokio::time::timeout(Duration::from_secs(5), repo.find(&id)).await {
            Ok(Ok(Some(h))) => out.extend(doithoai_sync::read(&h, doithoai_model::intake::volumes)),
            _ => tracing::warn!(point = %p.id, doc = %p.intake_doc, "root intake not readable"),
        }
    }
    Ok(out)
}

/// A document a device registered, as the office sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Registration {
    pub doc_id: String,
    pub kind: String,
    pub point: Option<String>,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub created_at: String,
    /// For an intake volume: whether its point's root intake lists it (a volume that is not
    /// listed is synced to nobody but the devices that know it).
    pub listed: Option<bool>,
}

/// An office device of the ward, or 403.
fn authenticate_office(
    state: &AppState,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<DeviceRow, ApiError> {
    let device = authenticate(state, token_of(headers, query))?;
    if device.role != "office" {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_allowed",
            "Chỉ máy của văn phòng phường được xem và gỡ các tài liệu đã đăng ký.",
            "Only the ward office's devices may see and remove registered documents.",
        ));
    }
    Ok(device)
}

/// The documents the ward's devices registered, for the office.
async fn list_registrations(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Registration>>, ApiError> {
    let office = authenticate_office(&state, &headers, &query)?;
    let listed = listed_volumes(&state, &office.ward_id).await?;
    let devices: HashMap<String, String> = state
        .store
        .devices()?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let out = state
        .store
        .doc_registrations(&office.ward_id)?
        .into_iter()
        .map(|d| Registration {
            listed: (d.kind == "intake").then(|| listed.contains(&d.doc_id)),
            device_name: d
                .created_by
                .as_ref()
                .and_then(|id| devices.get(id).cloned()),
            doc_id: d.doc_id,
            kind: d.kind,
            point: d.point_id,
            device_id: d.created_by,
            created_at: d.created_at,
        })
        .collect();
    Ok(Json(out))
}

/// What the server found wrong in the ward's intake documents after collectors' writes.
async fn list_flags(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<doithoai_store::FlagRow>>, ApiError> {
    let office = authenticate_office(&state, &headers, &query)?;
    Ok(Json(state.store.flags_of_ward(&office.ward_id)?))
}

/// Removes a document registration (an office device's request): the document is refused to
/// everyone from now on, on live connections too.
async fn remove_registration(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    Path(doc_id): Path<String>,
) -> Result<Json<DocEntry>, ApiError> {
    let office = authenticate_office(&state, &headers, &query)?;
    let bare = doithoai_sync::parse_doc_id(&doc_id)
        .map(|d| d.to_string())
        .unwrap_or(doc_id.clone());
    let Some(row) = state.store.doc_unregister(&office.ward_id, &bare)? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_registration",
            format!(
                "Không có tài liệu «{doc_id}» do thiết bị đăng ký trong phường này (tài liệu của phường và sổ gốc của các điểm không gỡ được)."
            ),
            format!(
                "No document {doc_id:?} registered by a device in this ward (the ward's documents and the points' root intakes cannot be removed)."
            ),
        ));
    };
    state
        .wards
        .get(&office.ward_id)
        .await?
        .policy
        .changed(&row.doc_id);
    tracing::warn!(doc = %row.doc_id, kind = %row.kind, by = %office.id, "registration removed by the office");
    Ok(Json(DocEntry {
        id: row.doc_id,
        kind: row.kind,
        point: row.point_id,
        access: "none".into(),
        heads: None,
    }))
}

fn check_admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let given = headers
        .get("x-admin-secret")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if secret::ct_eq(given, &state.admin_secret) {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "Sai khóa quản trị.",
            "Wrong admin secret.",
        ))
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AdminWard {
    pub id: String,
    pub name: String,
}

async fn admin_ward(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(req): Json<AdminWard>,
) -> Result<Json<doithoai_store::WardRow>, ApiError> {
    check_admin(&state, &headers)?;
    Ok(Json(
        admin::create_ward(
            &*state.store,
            &state.wards.get(&req.id).await?.repo,
            &req.id,
            &req.name,
        )
        .await?,
    ))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AdminPoint {
    pub ward: String,
    pub kind: String,
    pub id: String,
    pub name: String,
}

async fn admin_point(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(req): Json<AdminPoint>,
) -> Result<Json<doithoai_store::PointRow>, ApiError> {
    check_admin(&state, &headers)?;
    Ok(Json(
        admin::add_point(
            &*state.store,
            &state.wards.get(&req.ward).await?.repo,
            &req.ward,
            &req.kind,
            &req.id,
            &req.name,
        )
        .await?,
    ))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AdminDevice {
    pub ward: String,
    pub role: String,
    #[serde(default)]
    pub point: Option<String>,
    pub name: String,
}

/// Adds a device; the answer holds its one-time enrolment code.
async fn admin_device_add(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Json(req): Json<AdminDevice>,
) -> Result<Json<admin::NewDevice>, ApiError> {
    check_admin(&state, &headers)?;
    Ok(Json(admin::add_device(
        &*state.store,
        &req.ward,
        &req.role,
        req.point.as_deref(),
        &req.name,
        state.enrol_pin.as_deref(),
    )?))
}

/// Every device of every ward, enrolled or not, revoked or not.
async fn admin_device_list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_admin(&state, &headers)?;
    let devices = state.store.devices().map_err(admin::AdminError::from)?;
    Ok(Json(json!({ "devices": devices })))
}

/// Revokes a device: its token is refused from now on and its open links are closed.
async fn admin_device_revoke(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<doithoai_store::DeviceRow>, ApiError> {
    check_admin(&state, &headers)?;
    Ok(Json(admin::revoke_device(&*state.store, &id)?))
}

async fn sync(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let device = authenticate(&state, token_of(&headers, &query))?;
    let reservation = {
        let mut links = state.links.lock().unwrap_or_else(|p| p.into_inner());
        let live = links.entry(device.id.clone()).or_default();
        live.retain(|l| !l.handle.is_closed());
        let mut pending = state
            .pending_links
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let waiting = pending.entry(device.id.clone()).or_default();
        if live.len() + *waiting >= MAX_LINKS_PER_DEVICE {
            tracing::warn!(device = %device.id, live = live.len(), pending = *waiting, "sync connection refused: too many for one device");
            return Err(too_many_links());
        }
        *waiting += 1;
        Reservation {
            state: state.clone(),
            device: device.id.clone(),
            done: false,
            claim: None,
        }
    };
    let mut reservation = reservation;
    if state.store.shared() {
        // The limit holds across the nodes sharing the database: the claim is counted there.
        let link = crate::secret::new_id();
        let claimed = state.store.link_claim(
            &state.node.id,
            &device.id,
            &link,
            MAX_LINKS_PER_DEVICE,
            NODE_LIVE,
        )?;
        if !claimed {
            tracing::warn!(device = %device.id, "sync connection refused: too many for one device across the nodes");
            return Err(too_many_links());
        }
        reservation.claim = Some(link);
    }
    let ward = state.wards.get(&device.ward_id).await?;
    let opts = state.link_opts;
    // The websocket layer's own limit sits a little above the link's, so that an oversized
    // frame reaches the link's check and is refused with close code 1009 and a reason.
    let ws = ws
        .max_message_size(opts.max_frame_bytes + 4096)
        .max_frame_size(opts.max_frame_bytes + 4096);
    let st = state.clone();
    Ok(ws.on_upgrade(move |socket| async move {
        let mut reservation = reservation;
        match ward
            .acceptor
            .accept_axum(socket, &device.peer_id, opts, st.stats.clone())
        {
            Ok(handle) => {
                tracing::info!(device = %device.id, role = %device.role, "device connected");
                let mut links = st.links.lock().unwrap_or_else(|p| p.into_inner());
                let claim = reservation.claim.take();
                links
                    .entry(device.id.clone())
                    .or_default()
                    .push(LiveLink { handle, claim });
                // The link is counted now: its reservation ends under the same lock.
                reservation.release();
            }
            Err(e) => tracing::warn!(error = %e, "could not accept connection"),
        }
    }))
}

fn too_many_links() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_connections",
        format!("Thiết bị đã có {MAX_LINKS_PER_DEVICE} kết nối đồng bộ đang mở."),
        format!("The device already has {MAX_LINKS_PER_DEVICE} sync connections open."),
    )
}

/// A slot of a device's connection limit, held from the upgrade's check until its link is
/// counted (or the upgrade is abandoned: the slot, and the claim in a shared database, are
/// given back when this is dropped).
struct Reservation {
    state: Arc<AppState>,
    device: String,
    done: bool,
    /// The link's claim in the shared database, until the link holds it.
    claim: Option<String>,
}

impl Reservation {
    fn release(&mut self) {
        if let Some(claim) = self.claim.take()
            && let Err(e) = self
                .state
                .store
                .links_release(&self.state.node.id, &[claim])
        {
            tracing::warn!(error = %e, "cannot give back a sync link's claim");
        }
        if self.done {
            return;
        }
        self.done = true;
        let mut pending = self
            .state
            .pending_links
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = pending.get_mut(&self.device) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                pending.remove(&self.device);
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.release();
    }
}

/// Closes the live links of revoked devices (run every few hundred milliseconds, so that a
/// revocation made by the admin command, another process, takes effect within a second).
pub async fn enforce_revocations(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        let revoked = match state.store.revoked_devices() {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "cannot read revocations");
                continue;
            }
        };
        let mut released = Vec::new();
        {
            let mut links = state.links.lock().unwrap_or_else(|p| p.into_inner());
            links.retain(|_, v| {
                v.retain_mut(|l| {
                    let open = !l.handle.is_closed();
                    if !open {
                        released.extend(l.claim.take());
                    }
                    open
                });
                !v.is_empty()
            });
            for id in revoked {
                if let Some(live) = links.remove(&id) {
                    tracing::info!(device = %id, links = live.len(), "closing the links of a revoked device");
                    for l in live {
                        l.handle
                            .close(4001, "thiết bị đã bị thu hồi / device revoked");
                        released.extend(l.claim);
                    }
                }
            }
        }
        if let Err(e) = state.store.links_release(&state.node.id, &released) {
            tracing::warn!(error = %e, links = released.len(), "cannot give back closed links' claims");
        }
    }
}

/// Gives back the claims of every link this node holds (at shutdown).
pub fn release_all_links(state: &AppState) {
    let claims: Vec<String> = {
        let mut links = state.links.lock().unwrap_or_else(|p| p.into_inner());
        links
            .values_mut()
            .flat_map(|v| v.iter_mut().filter_map(|l| l.claim.take()))
            .collect()
    };
    if let Err(e) = state.store.links_release(&state.node.id, &claims) {
        tracing::warn!(error = %e, "cannot give back the links' claims at shutdown");
    }
}

/// Prometheus text exposition of the server's counters.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let connected: usize = state
        .links
        .lock()
        .map(|l| {
            l.values()
                .map(|v| v.iter().filter(|h| !h.handle.is_closed()).count())
                .sum()
        })
        .unwrap_or(0);
    let devices_connected = state
        .links
        .lock()
        .map(|l| {
            l.values()
                .filter(|v| v.iter().any(|h| !h.handle.is_closed()))
                .count()
        })
        .unwrap_or(0);
    let docs = state.store.doc_count().unwrap_or(-1);
    let s = &state.stats;
    let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
    // Which node this is (one line, value 1): a scraper of several nodes joins on `node`.
    let info = format!(
        "# HELP doithoai_node_info This server node: its id for this run, its database, its advertised address.\n\
# TYPE doithoai_node_info gauge\ndoithoai_node_info{{node=\"{}\",backend=\"{}\",advertise=\"{}\"}} 1\n",
        state.node.id,
        state.store.backend(),
        state
            .node
            .advertise
            .as_deref()
            .unwrap_or("")
            .replace(['\\', '"', '\n'], "_"),
    );
    let body = info
        + &format!(
            "# HELP doithoai_connected_devices Devices with at least one live sync connection.\n\
# TYPE doithoai_connected_devices gauge\ndoithoai_connected_devices {devices_connected}\n\
# HELP doithoai_connections Live sync connections.\n# TYPE doithoai_connections gauge\ndoithoai_connections {connected}\n\
# HELP doithoai_documents Registered documents.\n# TYPE doithoai_documents gauge\ndoithoai_documents {docs}\n\
# HELP doithoai_sync_messages_total Sync messages by direction.\n# TYPE doithoai_sync_messages_total counter\n\
doithoai_sync_messages_total{{direction=\"in\"}} {}\ndoithoai_sync_messages_total{{direction=\"out\"}} {}\n\
# HELP doithoai_sync_bytes_total Sync bytes by direction.\n# TYPE doithoai_sync_bytes_total counter\n\
doithoai_sync_bytes_total{{direction=\"in\"}} {}\ndoithoai_sync_bytes_total{{direction=\"out\"}} {}\n\
# HELP doithoai_links_dropped_idle_total Links dropped because the other end stopped answering.\n# TYPE doithoai_links_dropped_idle_total counter\ndoithoai_links_dropped_idle_total {}\n\
# HELP doithoai_frames_refused_total Frames refused (too large, text, malformed).\n# TYPE doithoai_frames_refused_total counter\ndoithoai_frames_refused_total {}\n\
# HELP doithoai_tokens_refused_total Requests refused for a missing, wrong or revoked token.\n# TYPE doithoai_tokens_refused_total counter\ndoithoai_tokens_refused_total {}\n\
# HELP doithoai_enrolments_refused_total Enrolment attempts refused (wrong code or rate limited).\n# TYPE doithoai_enrolments_refused_total counter\ndoithoai_enrolments_refused_total {}\n\
# HELP doithoai_storage_errors_total Storage writes that failed after retries.\n# TYPE doithoai_storage_errors_total counter\ndoithoai_storage_errors_total {}\n",
            g(&s.messages_in),
            g(&s.messages_out),
            g(&s.bytes_in),
            g(&s.bytes_out),
            g(&s.dropped_idle),
            g(&s.refused_frames),
            g(&state.refused_tokens),
            g(&state.refused_enrolments),
            crate::STORAGE_ERRORS.load(Ordering::Relaxed),
        );
    ([("content-type", "text/plain; version=0.0.4")], body).into_response()
}
