//! The ward's administration: wards, collection points, devices. The same functions serve the
//! `doithoai-server` admin subcommands and, when a server is already running on the data
//! directory, its admin endpoint (so that a change reaches the running server at once).

use doithoai_model::registry::{Point, PointKind};
use doithoai_model::{ChangeMeta, DocError, Lang, Localize, intake, monitoring, ward};
use doithoai_store::{DeviceRow, PointRow, ServerDb, StoreError, WardRow};
use doithoai_sync::{LocalRepo, SyncError, change, parse_doc_id};
use serde::{Deserialize, Serialize};

use crate::secret;

/// How long an enrolment code stays valid.
pub const CODE_TTL_SECS: i64 = 7 * 24 * 3600;
/// How many wrong secrets a code survives.
pub const CODE_ATTEMPTS: i64 = 5;

/// Errors of administration, told to the operator in Vietnamese or English.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("ward {0:?} already exists")]
    WardExists(String),
    #[error("no ward {0:?}")]
    NoWard(String),
    #[error("collection point {1:?} already exists in ward {0:?}")]
    PointExists(String, String),
    #[error("no collection point {1:?} in ward {0:?}")]
    NoPoint(String, String),
    #[error("no device {0:?}")]
    NoDevice(String),
    #[error("invalid {what}: {value:?}")]
    Invalid { what: &'static str, value: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Doc(#[from] DocError),
}

impl Localize for AdminError {
    fn localize(&self, lang: Lang) -> String {
        use AdminError::*;
        match (self, lang) {
            (WardExists(w), Lang::Vi) => format!("Phường «{w}» đã có."),
            (NoWard(w), Lang::Vi) => format!(
                "Chưa có phường «{w}». Tạo trước: doithoai-server ward create --id {w} --name \"Phường ...\""
            ),
            (PointExists(w, p), Lang::Vi) => {
                format!("Điểm tiếp nhận «{p}» đã có trong phường «{w}».")
            }
            (NoPoint(w, p), Lang::Vi) => format!(
                "Phường «{w}» chưa có điểm tiếp nhận «{p}». Thêm trước: doithoai-server point add --ward {w} --id {p} --kind tdp --name \"...\""
            ),
            (NoDevice(d), Lang::Vi) => {
                format!("Không có thiết bị «{d}» (xem: doithoai-server device list).")
            }
            (Invalid { what, value }, Lang::Vi) => {
                format!("Giá trị «{value}» không hợp lệ cho {what}.")
            }
            (Store(e), l) => e.localize(l),
            (Sync(e), l) => e.localize(l),
            (Doc(e), l) => e.localize(l),
            (e, Lang::En) => e.to_string(),
        }
    }
}

fn now() -> String {
    doithoai_model::time::to_stored(&doithoai_model::time::ward_now())
}

fn check_id(what: &'static str, id: &str) -> Result<(), AdminError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid {
            what,
            value: id.to_owned(),
        })
    }
}

/// Creates a ward with its ward, handling and monitoring documents.
pub async fn create_ward(
    store: &dyn ServerDb,
    repo: &LocalRepo,
    id: &str,
    name: &str,
) -> Result<WardRow, AdminError> {
    check_id("mã phường / ward id", id)?;
    if store.ward(id)?.is_some() {
        return Err(AdminError::WardExists(id.to_owned()));
    }
    let ward_doc = repo.create(ward::new_document(id, name)?).await?;
    let handling_doc = repo
        .create(doithoai_model::handling::new_document(id)?)
        .await?;
    let monitoring_doc = repo.create(monitoring::new_document(id)?).await?;
    let row = WardRow {
        id: id.to_owned(),
        name: name.to_owned(),
        ward_doc: ward_doc.document_id().to_string(),
        handling_doc: handling_doc.document_id().to_string(),
        monitoring_doc: monitoring_doc.document_id().to_string(),
        created_at: now(),
    };
    store.ward_insert(&row)?;
    tracing::info!(ward = id, "ward created");
    Ok(row)
}

/// Adds a collection point: its intake document, and its entry in the ward document.
pub async fn add_point(
    store: &dyn ServerDb,
    repo: &LocalRepo,
    ward_id: &str,
    kind: &str,
    id: &str,
    name: &str,
) -> Result<PointRow, AdminError> {
    check_id("mã điểm tiếp nhận / point id", id)?;
    let kind = PointKind::parse(kind).ok_or_else(|| AdminError::Invalid {
        what: "loại điểm (tdp, org, office) / point kind",
        value: kind.to_owned(),
    })?;
    let w = store
        .ward(ward_id)?
        .ok_or_else(|| AdminError::NoWard(ward_id.to_owned()))?;
    if store.point(ward_id, id)?.is_some() {
        return Err(AdminError::PointExists(ward_id.to_owned(), id.to_owned()));
    }
    let intake_doc = repo.create(intake::new_document(id)?).await?;
    let ward_handle = repo.get(&parse_doc_id(&w.ward_doc)?).await?;
    let point = Point {
        id: id.to_owned(),
        kind,
        name: name.to_owned(),
        intake: Some(intake_doc.document_id().to_string()),
    };
    let meta = ChangeMeta::new("doithoai-server", "ward.point", vec![id.to_owned()]);
    change(&ward_handle, &meta, |tx| {
        doithoai_model::ward::put_point(tx, &point)
    })?;
    let row = PointRow {
        ward_id: ward_id.to_owned(),
        id: id.to_owned(),
        kind: kind.code().to_owned(),
        name: name.to_owned(),
        intake_doc: intake_doc.document_id().to_string(),
    };
    store.point_insert(&row, &now())?;
    tracing::info!(ward = ward_id, point = id, "collection point added");
    Ok(row)
}

/// A device added and the code it enrols with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewDevice {
    pub device: DeviceRow,
    pub code: String,
    pub expires_at: String,
}

/// Adds a device and makes its one-time enrolment code. `pin` is the fingerprint part of the
/// server's self-signed certificate (see `tls.rs`), which the code then carries:
/// `IIII-SSSSSSSS-PPPPPPPPPPPPPPPPPPPPPPPPPP`.
pub fn add_device(
    store: &dyn ServerDb,
    ward_id: &str,
    role: &str,
    point: Option<&str>,
    name: &str,
    pin: Option<&str>,
) -> Result<NewDevice, AdminError> {
    let role = match role.trim() {
        r @ ("office" | "collector" | "monitor") => r,
        other => {
            return Err(AdminError::Invalid {
                what: "vai trò (office, collector, monitor) / role",
                value: other.to_owned(),
            });
        }
    };
    store
        .ward(ward_id)?
        .ok_or_else(|| AdminError::NoWard(ward_id.to_owned()))?;
    let point = match (role, point) {
        ("collector", Some(p)) => {
            store
                .point(ward_id, p)?
                .ok_or_else(|| AdminError::NoPoint(ward_id.to_owned(), p.to_owned()))?;
            Some(p.to_owned())
        }
        ("collector", None) => {
            return Err(AdminError::Invalid {
                what: "--point (bắt buộc với vai trò collector / required for collectors)",
                value: String::new(),
            });
        }
        ("office", Some(p)) => {
            store
                .point(ward_id, p)?
                .ok_or_else(|| AdminError::NoPoint(ward_id.to_owned(), p.to_owned()))?;
            Some(p.to_owned())
        }
        (_, _) => None,
    };
    if name.trim().is_empty() {
        return Err(AdminError::Invalid {
            what: "tên thiết bị / device name",
            value: name.to_owned(),
        });
    }
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let device = DeviceRow {
        id: id.clone(),
        ward_id: ward_id.to_owned(),
        name: name.trim().to_owned(),
        role: role.to_owned(),
        point_id: point,
        peer_id: format!("device-{id}"),
        created_at: now(),
        enrolled_at: None,
        revoked_at: None,
    };
    store.device_insert(&device)?;
    let (code_id, code_secret) = secret::new_code();
    let expires = chrono::Utc::now().timestamp() + CODE_TTL_SECS;
    store.code_insert(
        &code_id,
        &secret::hash(&code_secret),
        &id,
        expires,
        CODE_ATTEMPTS,
    )?;
    let expires_at = chrono::DateTime::from_timestamp(expires, 0)
        .map(|t| {
            doithoai_model::time::format_datetime(
                &t.with_timezone(&doithoai_model::time::ward_offset()),
            )
        })
        .unwrap_or_default();
    tracing::info!(device = %id, role, "device added");
    Ok(NewDevice {
        device,
        code: match pin {
            Some(p) => format!("{code_id}-{code_secret}-{p}"),
            None => format!("{code_id}-{code_secret}"),
        },
        expires_at,
    })
}

/// Revokes a device.
pub fn revoke_device(store: &dyn ServerDb, id: &str) -> Result<DeviceRow, AdminError> {
    let d = store
        .device(id)?
        .ok_or_else(|| AdminError::NoDevice(id.to_owned()))?;
    store.device_revoke(id, &now())?;
    tracing::info!(device = %id, "device revoked");
    Ok(store.device(id)?.unwrap_or(d))
}
