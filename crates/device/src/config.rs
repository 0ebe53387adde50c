//! The device's own settings, kept in the `meta` table of its SQLite file.

use doithoai_model::Lang;
use doithoai_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

const KEY: &str = "device";

/// What a device knows about itself: who uses it, where it collects petitions and, once
/// enrolled, its server, token and documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DeviceConfig {
    /// The person or laptop, as it appears in the history ("Tổ trưởng TDP 3").
    pub name: String,
    /// The collection point id (before enrolment: what the user gave, or `local`).
    pub point: String,
    /// The role given at enrolment: `office`, `collector`, `monitor`; empty before.
    #[serde(default)]
    pub role: String,
    /// The language for messages.
    #[serde(default)]
    pub lang: Lang,
    /// The root intake document of the point (created locally before enrolment).
    #[serde(default)]
    pub intake: Option<String>,
    /// The ward document.
    #[serde(default)]
    pub ward: Option<String>,
    /// The office's handling document.
    #[serde(default)]
    pub handling: Option<String>,
    /// The MTTQ monitoring document (office and monitor devices).
    #[serde(default)]
    pub monitoring: Option<String>,
    /// The ward's name, as the server gave it.
    #[serde(default)]
    pub ward_name: Option<String>,
    /// The local intake document used before enrolment; its petitions are copied into the
    /// point's intake document after `join`.
    #[serde(default)]
    pub pre_enrolment_intake: Option<String>,
    /// The sync server, once enrolled.
    #[serde(default)]
    pub server_url: Option<String>,
    /// Other nodes of the same sync service (the same database and certificate), tried in turn
    /// when the server stops answering.
    #[serde(default)]
    pub fallback_servers: Vec<String>,
    /// The device id given by the server.
    #[serde(default)]
    pub device_id: Option<String>,
    /// The peer id given by the server.
    #[serde(default)]
    pub peer_id: Option<String>,
    /// The SHA-256 (hex) of the server's self-signed certificate, pinned at `join` from the
    /// fingerprint the enrolment code carries; `None` for a server whose certificate the roots
    /// vouch for (or one reached over plain HTTP).
    #[serde(default)]
    pub tls_pin: Option<String>,
}

impl DeviceConfig {
    /// Reads the settings; `None` when the device was never initialised.
    pub fn load(store: &Store) -> Result<Option<DeviceConfig>, StoreError> {
        Ok(store
            .meta_get(KEY)?
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    pub fn save(&self, store: &Store) -> Result<(), StoreError> {
        let json = serde_json::to_string(self).unwrap_or_default();
        store.meta_set(KEY, &json)
    }
}

/// The meta key of the volume a device is currently appending to.
pub const CURRENT_VOLUME: &str = "intake.current_volume";
