//! The office's view of what devices registered with the server (intake volumes, sessions) and
//! what the server flagged in collectors' writes; removing a spare registration.

use std::time::Duration;

use doithoai_store::FlagRow;
use doithoai_sync::http;

use crate::app::{App, AppError};
use crate::net::server_error;

/// A registration as the server lists it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Registration {
    pub doc_id: String,
    pub kind: String,
    pub point: Option<String>,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub created_at: String,
    /// For an intake volume: whether its point's root intake lists it (only then is it synced).
    pub listed: Option<bool>,
}

const TIMEOUT: Duration = Duration::from_secs(30);

impl App {
    fn office_only(&self) -> Result<(), AppError> {
        if self.device.role != "office" {
            return Err(AppError::NotAllowed {
                role: self.device.role.clone(),
                what: "xem hoặc gỡ tài liệu đã đăng ký với máy chủ",
            });
        }
        Ok(())
    }

    async fn office_get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, AppError> {
        let (server, token) = self.token()?;
        let (status, body) = self
            .http()?
            .request(&server, "GET", path, Some(&token), None, TIMEOUT)
            .await
            .map_err(AppError::from)?;
        if status != 200 {
            return Err(server_error(status, &body));
        }
        serde_json::from_str(&body).map_err(|_| AppError::Http(http::HttpError::Malformed))
    }

    /// Every document registered by a device of the ward, and what the server flagged in
    /// collectors' writes (office devices only; needs the server).
    pub async fn registrations(&self) -> Result<(Vec<Registration>, Vec<FlagRow>), AppError> {
        self.office_only()?;
        let list = self.office_get("/api/v1/registrations").await?;
        let flags = self.office_get("/api/v1/flags").await?;
        Ok((list, flags))
    }

    /// Removes the registration of document `id` (as `registrations` lists it, with or without
    /// `automerge:`): the server syncs it with nobody from then on. Returns the bare id.
    pub async fn remove_registration(&self, id: &str) -> Result<String, AppError> {
        self.office_only()?;
        let id = id.trim().trim_start_matches("automerge:").to_owned();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::Sync(doithoai_sync::SyncError::BadDocumentId(id)));
        }
        let (server, token) = self.token()?;
        let (status, body) = self
            .http()?
            .request(
                &server,
                "DELETE",
                &format!("/api/v1/registrations/{id}"),
                Some(&token),
                None,
                TIMEOUT,
            )
            .await
            .map_err(AppError::from)?;
        if status != 200 {
            return Err(server_error(status, &body));
        }
        Ok(id)
    }
}
