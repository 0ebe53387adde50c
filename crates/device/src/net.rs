//! The client's side of the ward server: enrolment (`join`), a one-off `sync`, `status`, and
//! the background sync of `serve`.
//!
//! What a device keeps about the server, in its store's `meta` table: the token, the list of
//! documents the server says it may read, the documents it created offline and must register
//! before syncing them, the heads the server last confirmed for each document, and when the last
//! successful sync ended.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use automerge::ReadDoc;
use doithoai_model::doc::{decode_heads, encode_heads};
use doithoai_model::{ChangeMeta, Lang, Localize, intake};
use doithoai_sync::client::{ConnectError, LinkEvent, ServerLink};
use doithoai_sync::http::{self, HttpError};
use doithoai_sync::link::LinkOptions;
use doithoai_sync::tls::{Pin, Trust};
use doithoai_sync::{DocHandle, change, parse_doc_id, read};
use serde::{Deserialize, Serialize};

use crate::app::{App, AppError};
use crate::config::CURRENT_VOLUME;

pub const TOKEN_KEY: &str = "server.token";
pub const DOCS_KEY: &str = "server.docs";
pub const LAST_SYNC_KEY: &str = "sync.last";
pub const SYNCED_PREFIX: &str = "sync.heads.";
pub const CREATED_KEY: &str = "local.created";
/// The digest of the document list the server last sent (`GET /api/v1/documents?since=`).
pub const DOCS_DIGEST_KEY: &str = "server.docs.digest";
/// What the last sync pass moved (JSON [`SyncTraffic`]).
pub const LAST_TRAFFIC_KEY: &str = "sync.last.traffic";

/// Whether a sync pass skips the documents whose heads the server already has
/// (`DOITHOAI_SYNC_SKIP=0` turns it off, for the bench's comparison).
fn skip_unchanged() -> bool {
    match SKIP_UNCHANGED.load(std::sync::atomic::Ordering::Relaxed) {
        0 => !matches!(std::env::var("DOITHOAI_SYNC_SKIP").as_deref(), Ok("0")),
        n => n == 1,
    }
}

/// 0: as `DOITHOAI_SYNC_SKIP` says; 1: on; 2: off.
static SKIP_UNCHANGED: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Turns skipping unchanged documents on or off for this process (the bench compares both in
/// one run).
pub fn set_skip_unchanged(on: bool) {
    SKIP_UNCHANGED.store(if on { 1 } else { 2 }, std::sync::atomic::Ordering::Relaxed);
}

/// How long a sync pass may take to bring its documents in step (a 2G link moving a large
/// volume); `DOITHOAI_SYNC_TIMEOUT_SECS` changes it.
const PASS_TIMEOUT: Duration = Duration::from_secs(120);
/// How long finding a document this device does not hold may take before it counts as
/// unavailable (the server neither has it nor says so).
pub const FIND_TIMEOUT: Duration = Duration::from_secs(20);

/// The bound of one sync pass.
pub fn pass_timeout() -> Duration {
    std::env::var("DOITHOAI_SYNC_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(PASS_TIMEOUT)
}

/// What became of one document in a sync pass.
enum DocOutcome {
    InStep(DocHandle),
    /// Neither this device nor the server has it.
    Unavailable,
    /// Not in step by the deadline (held here, or not found in time).
    Late(Option<DocHandle>),
}

/// A document a sync pass did not finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unfinished {
    pub id: String,
    pub kind: String,
    pub point: Option<String>,
    /// `unavailable` (neither this device nor the server has it: nothing is lost) or `timeout`
    /// (not in step within the pass's bound).
    pub reason: String,
    /// Whether the pass failed for it: this device writes it and it did not come in step (its
    /// changes may not be on the server), it is the ward or handling document, or the server
    /// listed it and it did not arrive in time. A volume merely named in a root that neither
    /// side has does not matter.
    pub matters: bool,
}

impl Unfinished {
    fn of(d: &ServerDoc, reason: &str, listed: bool, writable: bool) -> Unfinished {
        let essential = matches!(d.kind.as_str(), "ward" | "handling");
        let matters = match reason {
            "unavailable" => essential,
            _ => essential || writable || listed,
        };
        Unfinished {
            id: d.id.clone(),
            kind: d.kind.clone(),
            point: d.point.clone(),
            reason: reason.to_owned(),
            matters,
        }
    }

    /// The document as a user knows it: "sổ tiếp nhận của tdp-a (abcd1234)".
    pub fn label(&self, lang: Lang) -> String {
        let short: String = self.id.chars().take(8).collect();
        let what = match (self.kind.as_str(), lang) {
            ("ward", l) => l
                .pick("tài liệu của phường", "the ward document")
                .to_owned(),
            ("handling", l) => l
                .pick("sổ xử lý của văn phòng", "the office's handling")
                .to_owned(),
            ("monitoring", l) => l
                .pick("sổ giám sát của MTTQ", "MTTQ's monitoring")
                .to_owned(),
            ("session", l) => l.pick("biên bản phiên đối thoại", "a session").to_owned(),
            ("intake", Lang::Vi) => format!(
                "sổ tiếp nhận của {}",
                self.point.as_deref().unwrap_or("điểm chưa rõ")
            ),
            ("intake", Lang::En) => format!(
                "the intake book of {}",
                self.point.as_deref().unwrap_or("an unknown point")
            ),
            (k, _) => k.to_owned(),
        };
        let why = match (self.reason.as_str(), lang) {
            ("unavailable", Lang::Vi) => "máy chủ không có",
            ("unavailable", Lang::En) => "the server does not have it",
            (_, Lang::Vi) => "chưa xong trong thời gian cho phép",
            (_, Lang::En) => "not finished in time",
        };
        format!("{what} ({short}, {why})")
    }
}

/// A document the server lets this device read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerDoc {
    pub id: String,
    pub kind: String,
    pub point: Option<String>,
    pub access: String,
    /// The digest of the heads the server holds (`doithoai_sync::repo::heads_digest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heads: Option<String>,
}

/// A document this device created and must register before the server accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedDoc {
    pub id: String,
    pub kind: String,
}

#[derive(Debug, Deserialize)]
struct EnrollResponse {
    device_id: String,
    token: String,
    peer_id: String,
    role: String,
    point: Option<String>,
    #[serde(default)]
    ward_name: String,
    documents: BTreeMap<String, String>,
    /// The server nodes of the ward's service (older servers send none).
    #[serde(default)]
    servers: Vec<String>,
}

/// The result of a sync pass.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub documents: usize,
    pub in_step: usize,
    /// The documents that did not come in step and matter (see [`Unfinished::matters`]): the
    /// pass failed for them.
    pub lagging: Vec<String>,
    /// Every document that did not come in step, with why.
    pub unfinished: Vec<Unfinished>,
    pub petitions_indexed: usize,
    /// Set when the server is another machine reached over plain `http://`: the token and the
    /// residents' data crossed the network in clear.
    pub transport_warning: Option<Refusal>,
    /// Documents whose heads the server already had: nothing was exchanged for them and they
    /// were not loaded.
    pub unchanged: usize,
    /// What the pass moved.
    pub traffic: SyncTraffic,
}

/// What a sync pass moved: websocket payload bytes and messages each way, and the bytes of the
/// document list (HTTP bodies); with how long the pass took.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncTraffic {
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub messages_sent: u64,
    pub messages_received: u64,
    pub list_bytes: u64,
    pub seconds: f64,
}

/// Splits an enrolment code as typed into the code the server checks (`IIII-SSSSSSSS`) and the
/// fingerprint of the server's certificate that follows it, if any.
pub fn split_code(typed: &str) -> Result<(String, Option<Pin>), AppError> {
    let t: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let mut parts = t.splitn(3, '-');
    let (id, secret, rest) = (parts.next(), parts.next(), parts.next());
    let code = match (id, secret) {
        (Some(i), Some(s)) => format!("{i}-{s}"),
        _ => return Ok((t, None)),
    };
    match rest {
        None | Some("") => Ok((code, None)),
        Some(r) => match Pin::from_code_part(r) {
            Some(p) => Ok((code, Some(p))),
            None => Err(AppError::Server {
                vi: "Phần dấu vân tay của mã đăng ký (sau mã ABCD-EFGH2345) bị gõ sai: hãy chép lại đúng cả mã do máy chủ in ra.".into(),
                en: "The fingerprint part of the enrolment code (after ABCD-EFGH2345) is mistyped: copy the whole code the server printed again.".into(),
            }),
        },
    }
}

/// The warning for a server reached in clear over the network, as a [`Refusal`].
pub fn transport_warning(server: &str) -> Option<Refusal> {
    doithoai_sync::tls::plain_warning(server).map(|(vi, en)| Refusal { vi, en })
}

/// What `doithoai status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceStatus {
    pub enrolled: bool,
    pub server: Option<String>,
    /// Every server this device syncs with, in the order it tries them: the one it enrolled
    /// with, then the fallback nodes.
    pub servers: Vec<String>,
    pub online: bool,
    /// The server refused this device's token (revoked, or enrolled again elsewhere): what it
    /// said, in both languages.
    pub refused: Option<Refusal>,
    pub last_sync: Option<String>,
    /// What the last sync pass moved (bytes sent and received, its time).
    pub last_sync_traffic: Option<SyncTraffic>,
    /// Local changes the server has not confirmed yet.
    pub unconfirmed_changes: usize,
    pub role: String,
    pub point: String,
    /// Every document this device holds, with its heads (hex change hashes, sorted).
    pub documents: Vec<DocHeads>,
}

/// Why the server refused this device.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub vi: String,
    pub en: String,
}

/// A document and its heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocHeads {
    pub id: String,
    pub kind: String,
    pub heads: Vec<String>,
}

pub(crate) fn server_error(status: u16, body: &str) -> AppError {
    let (vi, en) = server_message(status, body);
    AppError::Server { vi, en }
}

/// What the server said in an error answer, in Vietnamese and English.
fn server_message(status: u16, body: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let vi = v["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("Máy chủ trả lời {status}: {body}"));
    let en = v["message_en"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("The server answered {status}: {body}"));
    (vi, en)
}

fn bare(url: &str) -> String {
    url.strip_prefix("automerge:").unwrap_or(url).to_owned()
}

impl App {
    pub(crate) fn token(&self) -> Result<(String, String), AppError> {
        let server = self
            .device
            .server_url
            .clone()
            .ok_or(AppError::NotEnrolled)?;
        let token = self
            .store
            .meta_get(TOKEN_KEY)?
            .ok_or(AppError::NotEnrolled)?;
        Ok((server, token))
    }

    /// Remembers a document created on this device, to register it with the server.
    pub fn note_created(&self, id: &str, kind: &str) -> Result<(), AppError> {
        let mut list: Vec<CreatedDoc> = self
            .store
            .meta_get(CREATED_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        if !list.iter().any(|c| c.id == id) {
            list.push(CreatedDoc {
                id: id.to_owned(),
                kind: kind.to_owned(),
            });
            self.store.meta_set(
                CREATED_KEY,
                &serde_json::to_string(&list).unwrap_or_default(),
            )?;
        }
        Ok(())
    }

    /// The documents the server listed at the last sync.
    pub fn server_docs(&self) -> Result<Vec<ServerDoc>, AppError> {
        Ok(self
            .store
            .meta_get(DOCS_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// What this device trusts in its server's certificate: the pin kept at `join`, or the
    /// roots.
    pub fn trust(&self) -> Trust {
        Trust {
            pin: self.device.tls_pin.as_deref().and_then(Pin::from_hex),
        }
    }

    /// The HTTP client for this device's server (checking its certificate as [`Self::trust`]
    /// says).
    pub(crate) fn http(&self) -> Result<http::Client, AppError> {
        Ok(http::Client::new(&self.trust())?)
    }

    /// The servers this device syncs with: the one it enrolled with, then the other nodes of
    /// the same service it was given.
    pub fn servers(&self) -> Vec<String> {
        let mut all: Vec<String> = self.device.server_url.iter().cloned().collect();
        for s in &self.device.fallback_servers {
            if !all.contains(s) {
                all.push(s.clone());
            }
        }
        all
    }

    /// Sets the other nodes of this device's sync service (`doithoai join … --fallback URL`):
    /// when the server stops answering, the device moves to the next with the backoff it has.
    /// Each must be a valid address; every node must serve the certificate this device pinned.
    pub fn set_fallback_servers(&mut self, urls: &[String]) -> Result<(), AppError> {
        let mut list = Vec::new();
        for u in urls.iter().filter(|u| !u.trim().is_empty()) {
            let s = server_address(u)?;
            if Some(&s) != self.device.server_url.as_ref() && !list.contains(&s) {
                list.push(s);
            }
        }
        self.device.fallback_servers = list;
        self.device.save(&self.store)?;
        Ok(())
    }

    /// Starts dialling the server with this device's token (moving on to the other nodes of
    /// the service when it does not answer).
    pub fn connect(&self, retries: Option<u32>) -> Result<ServerLink, AppError> {
        let (_, token) = self.token()?;
        Ok(self.repo.dial_servers_with(
            &self.servers(),
            &token,
            &self.trust(),
            LinkOptions::from_env(),
            retries,
        )?)
    }

    async fn register_created(&self, server: &str, token: &str) -> Result<(), AppError> {
        let list: Vec<CreatedDoc> = self
            .store
            .meta_get(CREATED_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let mut left = Vec::new();
        for c in list {
            let body = serde_json::json!({"doc_id": c.id, "kind": c.kind}).to_string();
            match self
                .http()?
                .request(
                    server,
                    "POST",
                    "/api/v1/documents",
                    Some(token),
                    Some(&body),
                    Duration::from_secs(30),
                )
                .await
            {
                Ok((200, _)) => {}
                Ok((401, b)) => return Err(server_error(401, &b)),
                Ok((429, b)) => {
                    // Over the device's quota or rate: kept, to register on a later pass.
                    tracing::warn!(doc = %c.id, body = %b, "server deferred a document registration");
                    left.push(c);
                }
                Ok((status, b)) => {
                    tracing::warn!(doc = %c.id, status, body = %b, "server refused to register a document");
                }
                Err(e) => {
                    left.push(c);
                    return Err(e.into());
                }
            }
        }
        self.store.meta_set(
            CREATED_KEY,
            &serde_json::to_string(&left).unwrap_or_default(),
        )?;
        Ok(())
    }

    /// The documents the server lists for this device, with the digest of their heads. When
    /// the list is the one received last time the server says so in a few bytes (304) and the
    /// saved list serves. Returns the list and the bytes of the answer's body.
    async fn fetch_doc_list(
        &self,
        server: &str,
        token: &str,
    ) -> Result<(Vec<ServerDoc>, u64), AppError> {
        let saved = self.server_docs()?;
        let since = match self.store.meta_get(DOCS_DIGEST_KEY)? {
            Some(d) if !saved.is_empty() => format!("?since={d}"),
            _ => String::new(),
        };
        let (status, body) = self
            .http()?
            .request(
                server,
                "GET",
                &format!("/api/v1/documents{since}"),
                Some(token),
                None,
                Duration::from_secs(30),
            )
            .await?;
        if status == 304 && !since.is_empty() {
            return Ok((saved, 0));
        }
        if status != 200 {
            return Err(server_error(status, &body));
        }
        let docs: Vec<ServerDoc> =
            serde_json::from_str(&body).map_err(|_| AppError::Http(HttpError::Malformed))?;
        self.store
            .meta_set(DOCS_KEY, &serde_json::to_string(&docs).unwrap_or_default())?;
        self.store.meta_set(
            DOCS_DIGEST_KEY,
            &doithoai_sync::repo::list_digest(body.as_bytes()),
        )?;
        Ok((docs, body.len() as u64))
    }

    /// Whether document `d` is in step without exchanging anything: the server lists the digest
    /// of the heads this device holds too, the document is not loaded here (a loaded document
    /// syncs by itself), and for an intake document the index is at those heads. Records the
    /// heads as confirmed.
    fn unchanged_on_both_sides(&self, d: &ServerDoc) -> Result<bool, AppError> {
        let Some(theirs) = &d.heads else {
            return Ok(false);
        };
        if self.repo.loaded(&d.id).is_some() {
            return Ok(false);
        }
        let Some(ours) = self.repo.heads_of(&d.id)? else {
            return Ok(false);
        };
        if doithoai_sync::repo::heads_digest(&ours) != *theirs {
            return Ok(false);
        }
        let encoded = encode_heads(&ours);
        if d.kind == "intake" && self.store.index_heads(&d.id)?.as_deref() != Some(&encoded[..]) {
            return Ok(false);
        }
        let key = format!("{SYNCED_PREFIX}{}", d.id);
        let hex = hex_encode(&encoded);
        if self.store.meta_get(&key)?.as_deref() != Some(hex.as_str()) {
            self.store.meta_set(&key, &hex)?;
        }
        Ok(true)
    }

    /// Sync passes until every document is in step, as `doithoai sync` runs them: when the
    /// connection was lost during a pass (a node killed, a hotspot gone) and the link redialled
    /// (to the same node or another of the service), the documents that lagged get another
    /// pass on the new connection, up to three passes. A pass that lagged on a connection that
    /// stayed up is not repeated (the server refused or the link is too slow).
    pub async fn sync(
        &self,
        link: &ServerLink,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<SyncReport, AppError> {
        let mut passes = 0;
        loop {
            passes += 1;
            let before = link.connections();
            let report = self.sync_pass(link, progress).await?;
            let redialled = link.connections() != before || !link.is_connected();
            if report.lagging.is_empty() || !redialled || passes >= 3 {
                return Ok(report);
            }
            tracing::info!(
                lagging = report.lagging.len(),
                "the connection was lost during the pass; another pass on the new one"
            );
            if link.established().await.is_err() {
                return Ok(report);
            }
            // `established` answers at once for a link that connected before: wait for the
            // redial itself.
            let wait = tokio::time::Instant::now() + Duration::from_secs(30);
            while !link.is_connected() && tokio::time::Instant::now() < wait {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if !link.is_connected() {
                return Ok(report);
            }
        }
    }

    /// One sync pass over every document this device uses: register what it created offline,
    /// fetch the list of documents it may read, and bring each in step with the server. Calls
    /// `progress(done, total)` as documents complete.
    ///
    /// The pass is bounded: every document syncs at once, each may take until one deadline
    /// ([`pass_timeout`]), and finding one that neither side has gives up after
    /// [`FIND_TIMEOUT`]. A document that is unavailable (a ghost registered and never used, a
    /// volume named in a root that nobody wrote) never fails or holds up the others: it is
    /// reported in [`SyncReport::unfinished`], and in [`SyncReport::lagging`] only when it
    /// matters (see [`Unfinished::matters`]).
    pub async fn sync_pass(
        &self,
        link: &ServerLink,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<SyncReport, AppError> {
        use futures::StreamExt;
        use std::sync::atomic::Ordering::Relaxed;
        let began = std::time::Instant::now();
        let counters = |l: &ServerLink| {
            (
                l.stats.bytes_out.load(Relaxed),
                l.stats.bytes_in.load(Relaxed),
                l.stats.messages_out.load(Relaxed),
                l.stats.messages_in.load(Relaxed),
            )
        };
        let at_start = counters(link);
        let deadline = tokio::time::Instant::now() + pass_timeout();
        let (enrolled, token) = self.token()?;
        // The document list comes from the node the link reached (the enrolled server, or
        // another node of the service when that one does not answer).
        let server = link.server().unwrap_or(enrolled);
        self.register_created(&server, &token).await?;
        let (docs, mut list_bytes) = self.fetch_doc_list(&server, &token).await?;
        // Documents whose heads the server already has are in step as they are: they are not
        // loaded, so nothing is exchanged for them (a year of closed volumes costs nothing).
        let mut unchanged: BTreeSet<String> = BTreeSet::new();
        if skip_unchanged() {
            for d in &docs {
                if self.unchanged_on_both_sides(d)? {
                    unchanged.insert(d.id.clone());
                }
            }
        }
        let mut writable: BTreeSet<String> = docs
            .iter()
            .filter(|d| d.access == "read_write")
            .map(|d| d.id.clone())
            .collect();
        // Documents first (ward and handling before the intake documents that the index needs).
        let order = |k: &str| match k {
            "ward" => 0,
            "handling" => 1,
            "intake" => 2,
            _ => 3,
        };
        let mut queue: Vec<(ServerDoc, bool)> = docs
            .iter()
            .filter(|d| !unchanged.contains(&d.id))
            .map(|d| (d.clone(), true))
            .collect();
        queue.sort_by_key(|(d, _)| order(&d.kind));
        let mut seen: BTreeSet<String> = docs.iter().map(|d| d.id.clone()).collect();
        // Every document starts syncing at once: loading a document is what makes samod sync it
        // with the server, so loading them one by one would cost a round trip each (with a year
        // of volumes on a 2G link, over a minute). The volumes this device already knows of
        // start too.
        let found = self
            .find_all(queue.iter().map(|(d, _)| d.id.clone()), deadline)
            .await?;
        for ((d, _), h) in queue.clone().iter().zip(&found) {
            if let Some(h) = h
                && d.kind == "intake"
            {
                self.queue_volumes(d, h, &mut queue, &mut seen, &mut writable);
            }
        }
        let warning = transport_warning(&server);
        if warning.is_some() {
            tracing::warn!(server = %server, "talking to the server in clear (http://) over the network");
        }
        let mut report = SyncReport {
            transport_warning: warning,
            unchanged: unchanged.len(),
            in_step: unchanged.len(),
            ..Default::default()
        };
        let mut held: Vec<DocHandle> = found.into_iter().flatten().collect();
        let mut start = 0;
        let mut done = unchanged.len();
        let mut on_server: BTreeSet<String> = docs.iter().map(|d| d.id.clone()).collect();
        let held_here: BTreeSet<String> = self.store.chunk_doc_ids()?.into_iter().collect();
        let mut refetched = false;
        while start < queue.len() {
            let mut round: Vec<(ServerDoc, bool)> = queue[start..].to_vec();
            start = queue.len();
            // A volume named in a root that the server does not list and this device does not
            // hold: the server refuses an id nobody registered without saying so, so finding it
            // would only wait. Ask the server for its list once more (the root may have just
            // brought a new volume), and skip what it still does not list.
            let unknown = |d: &ServerDoc, on: &BTreeSet<String>| {
                !on.contains(&d.id) && !held_here.contains(&d.id)
            };
            if !refetched && round.iter().any(|(d, _)| unknown(d, &on_server)) {
                refetched = true;
                let (again, n) = self.fetch_doc_list(&server, &token).await?;
                list_bytes += n;
                on_server.extend(again.into_iter().map(|d| d.id));
                for (d, listed) in round.iter_mut() {
                    *listed = *listed || on_server.contains(&d.id);
                }
            }
            let (round, skipped): (Vec<_>, Vec<_>) = round
                .into_iter()
                .partition(|(d, _)| !unknown(d, &on_server));
            for (d, _) in skipped {
                done += 1;
                let w = writable.contains(&d.id);
                report
                    .unfinished
                    .push(Unfinished::of(&d, "unavailable", false, w));
            }
            let mut running: futures::stream::FuturesUnordered<_> = round
                .into_iter()
                .map(|(d, listed)| {
                    let w = writable.contains(&d.id);
                    async move {
                        let outcome = self.sync_one(link, &d.id, w, deadline).await;
                        (d, listed, w, outcome)
                    }
                })
                .collect();
            while let Some((d, listed, w, outcome)) = running.next().await {
                done += 1;
                match outcome? {
                    DocOutcome::InStep(handle) => {
                        report.in_step += 1;
                        let heads = read(&handle, |doc| encode_heads(&doc.get_heads()));
                        self.store
                            .meta_set(&format!("{SYNCED_PREFIX}{}", d.id), &hex_encode(&heads))?;
                        if d.kind == "intake" {
                            self.queue_volumes(&d, &handle, &mut queue, &mut seen, &mut writable);
                            report.petitions_indexed += self.index_document(&handle)?;
                        }
                        held.push(handle);
                    }
                    DocOutcome::Unavailable => {
                        report
                            .unfinished
                            .push(Unfinished::of(&d, "unavailable", listed, w));
                    }
                    DocOutcome::Late(handle) => {
                        let u = Unfinished::of(&d, "timeout", listed, w);
                        report.unfinished.push(u);
                        if let Some(handle) = handle {
                            if d.kind == "intake" {
                                // What did arrive is indexed all the same.
                                report.petitions_indexed += self.index_document(&handle)?;
                            }
                            held.push(handle);
                        }
                    }
                }
                progress(done, queue.len() + unchanged.len());
            }
        }
        report.documents = queue.len() + unchanged.len();
        report.lagging = report
            .unfinished
            .iter()
            .filter(|u| u.matters)
            .map(|u| u.id.clone())
            .collect();
        for u in &report.unfinished {
            tracing::warn!(doc = %u.id, kind = %u.kind, reason = %u.reason, matters = u.matters, "document did not finish syncing");
        }
        // Changes that arrived after a document was indexed in this pass are indexed now.
        for h in held
            .iter()
            .filter(|h| read(h, doithoai_model::doc::doc_type).as_deref() == Some(intake::TYPE))
        {
            self.index_document(h)?;
        }
        drop(held);
        self.flush_index()?;
        // The office's handling (statuses, answers) shows in this device's lists at once; an
        // unchanged handling document is not loaded for it (the overlay is at its heads).
        let mut handling_unchanged = false;
        if let Some(h) = &self.device.handling
            && unchanged.contains(h)
            && self.repo.loaded(h).is_none()
            && let Some(heads) = self.repo.heads_of(h)?
        {
            let at = format!("{h}:{}", hex_encode(&encode_heads(&heads)));
            handling_unchanged = self
                .store
                .meta_get(crate::office_app::HANDLING_OVERLAY_HEADS)?
                .as_deref()
                == Some(at.as_str());
        }
        if !handling_unchanged && let Err(e) = self.refresh_handling().await {
            tracing::warn!(error = %e, "could not refresh the handling overlay");
        }
        let now = counters(link);
        report.traffic = SyncTraffic {
            bytes_sent: now.0 - at_start.0,
            bytes_received: now.1 - at_start.1,
            messages_sent: now.2 - at_start.2,
            messages_received: now.3 - at_start.3,
            list_bytes,
            seconds: began.elapsed().as_secs_f64(),
        };
        self.store.meta_set(
            LAST_TRAFFIC_KEY,
            &serde_json::to_string(&report.traffic).unwrap_or_default(),
        )?;
        doithoai_sync::repo::trim_heap();
        if report.lagging.is_empty() {
            self.store.meta_set(
                LAST_SYNC_KEY,
                &doithoai_model::time::to_stored(&doithoai_model::time::ward_now()),
            )?;
        }
        Ok(report)
    }

    /// Finds every document at once, each until [`FIND_TIMEOUT`] or `deadline`: `None` for
    /// those neither this device nor the server has.
    async fn find_all(
        &self,
        ids: impl Iterator<Item = String>,
        deadline: tokio::time::Instant,
    ) -> Result<Vec<Option<DocHandle>>, AppError> {
        let finds = ids.map(|id| async move { self.find_bounded(&id, deadline).await });
        futures::future::join_all(finds).await.into_iter().collect()
    }

    async fn find_bounded(
        &self,
        id: &str,
        deadline: tokio::time::Instant,
    ) -> Result<Option<DocHandle>, AppError> {
        let Ok(doc_id) = parse_doc_id(id) else {
            return Ok(None);
        };
        let until = deadline.min(tokio::time::Instant::now() + FIND_TIMEOUT);
        match tokio::time::timeout_at(until, self.repo.find(&doc_id)).await {
            Ok(found) => Ok(found?),
            Err(_) => Ok(None),
        }
    }

    /// Brings one document in step, by `deadline` at the latest.
    async fn sync_one(
        &self,
        link: &ServerLink,
        id: &str,
        writable: bool,
        deadline: tokio::time::Instant,
    ) -> Result<DocOutcome, AppError> {
        let Some(handle) = self.find_bounded(id, deadline).await? else {
            return Ok(DocOutcome::Unavailable);
        };
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if link.in_step(&handle, writable, left).await {
            Ok(DocOutcome::InStep(handle))
        } else {
            Ok(DocOutcome::Late(Some(handle)))
        }
    }

    /// Queues the volumes an intake root lists (this device may have made some offline, and
    /// other devices of the point others), as belonging to the root's point.
    fn queue_volumes(
        &self,
        root: &ServerDoc,
        handle: &DocHandle,
        queue: &mut Vec<(ServerDoc, bool)>,
        seen: &mut BTreeSet<String>,
        writable: &mut BTreeSet<String>,
    ) {
        let owner = match &root.point {
            Some(p) => Some(p.clone()),
            None => self.owner_point(&root.id, handle).ok(),
        };
        for v in read(handle, intake::volumes) {
            if let Some(p) = &owner {
                self.note_owner(&v, p);
            }
            if seen.insert(v.clone()) {
                if root.access == "read_write" {
                    writable.insert(v.clone());
                }
                queue.push((
                    ServerDoc {
                        id: v,
                        kind: "intake".into(),
                        point: owner.clone(),
                        access: root.access.clone(),
                        heads: None,
                    },
                    false,
                ));
            }
        }
    }

    /// The documents this device writes: those the server lists as read-write for it, its
    /// intake root and the volumes `volumes` (the root's list), those it created and has yet to
    /// register, and its current volume; only those stored here.
    fn written_documents(&self, volumes: &[String]) -> Result<BTreeSet<String>, AppError> {
        let mut ids: BTreeSet<String> = self
            .server_docs()?
            .into_iter()
            .filter(|d| d.access == "read_write")
            .map(|d| d.id)
            .collect();
        ids.extend(self.device.intake.iter().cloned());
        ids.extend(volumes.iter().cloned());
        let created: Vec<CreatedDoc> = self
            .store
            .meta_get(CREATED_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        ids.extend(created.into_iter().map(|c| c.id));
        ids.extend(self.store.meta_get(CURRENT_VOLUME)?);
        let stored: BTreeSet<String> = self.store.chunk_doc_ids()?.into_iter().collect();
        ids.retain(|id| stored.contains(id));
        Ok(ids)
    }

    /// The volumes this device's intake root lists, read from the live root when it is loaded
    /// and from the store (without loading it into the sync engine) when it is not.
    fn root_volumes(&self) -> Result<Vec<String>, AppError> {
        let Some(root) = &self.device.intake else {
            return Ok(Vec::new());
        };
        if let Some(h) = self.repo.loaded(root) {
            return Ok(read(&h, intake::volumes));
        }
        let volumes = match self.repo.load_stored(root)? {
            Some(doc) => intake::volumes(&doc),
            None => Vec::new(),
        };
        doithoai_sync::repo::trim_heap();
        Ok(volumes)
    }

    /// The changes of document `id` that are not in the heads the server last confirmed,
    /// counted on the live document when it is loaded, else on what the store holds (read
    /// apart from the sync engine and freed).
    fn unconfirmed_in(
        &self,
        id: &str,
        confirmed: &[automerge::ChangeHash],
    ) -> Result<usize, AppError> {
        let count = |doc: &automerge::Automerge| {
            if confirmed
                .iter()
                .all(|c| doc.get_change_by_hash(c).is_some())
            {
                doc.get_changes(confirmed).len()
            } else {
                doc.get_changes(&[]).len()
            }
        };
        if let Some(h) = self.repo.loaded(id) {
            return Ok(read(&h, count));
        }
        let n = self.repo.load_stored(id)?.map(|d| count(&d)).unwrap_or(0);
        doithoai_sync::repo::trim_heap();
        Ok(n)
    }

    fn confirmed_heads(&self, id: &str) -> Result<Vec<automerge::ChangeHash>, AppError> {
        Ok(self
            .store
            .meta_get(&format!("{SYNCED_PREFIX}{id}"))?
            .and_then(|s| hex_decode(&s))
            .map(|b| decode_heads(&b))
            .unwrap_or_default())
    }

    /// Local changes the server has not confirmed: changes of the documents this device writes
    /// that are not in the heads the server last confirmed.
    pub async fn unconfirmed_changes(&self) -> Result<usize, AppError> {
        UnconfirmedCount::default().get(self).await
    }

    /// The device's status.
    pub async fn status(&self) -> Result<DeviceStatus, AppError> {
        let online = match &self.device.server_url {
            Some(s) => matches!(
                match self.http() {
                    Ok(c) =>
                        c.request(s, "GET", "/healthz", None, None, Duration::from_secs(3))
                            .await,
                    Err(e) => Err(HttpError::Status {
                        status: 0,
                        body: e.to_string()
                    }),
                },
                Ok((200, _))
            ),
            None => false,
        };
        // Reachable is not enough: ask with the token whether the server still knows this
        // device (a revoked device is refused with 401).
        let mut refused = None;
        if online
            && let Ok((server, token)) = self.token()
            && let Ok(client) = self.http()
            && let Ok((status @ (401 | 403), body)) = client
                .request(
                    &server,
                    "GET",
                    "/api/v1/documents",
                    Some(&token),
                    None,
                    Duration::from_secs(5),
                )
                .await
        {
            let (vi, en) = server_message(status, &body);
            refused = Some(Refusal { vi, en });
        }
        // Read without loading into the sync engine: the heads from the store's cache, the
        // kind from the server's list (or from the stored document).
        let mut documents = Vec::new();
        let listed: BTreeMap<String, String> = self
            .server_docs()?
            .into_iter()
            .map(|d| (d.id, d.kind))
            .collect();
        for id in self.store.chunk_doc_ids()? {
            if parse_doc_id(&id).is_err() {
                continue;
            }
            let Some(heads) = self.repo.heads_of(&id)? else {
                continue;
            };
            let kind = match (listed.get(&id), self.repo.loaded(&id)) {
                (Some(k), _) => k.clone(),
                (None, Some(h)) => read(&h, doithoai_model::doc::doc_type).unwrap_or_default(),
                (None, None) => self
                    .repo
                    .load_stored(&id)?
                    .and_then(|d| doithoai_model::doc::doc_type(&d))
                    .unwrap_or_default(),
            };
            let heads = heads.iter().map(|x| x.to_string()).collect();
            documents.push(DocHeads { id, kind, heads });
        }
        Ok(DeviceStatus {
            documents,
            enrolled: self.device.server_url.is_some(),
            server: self.device.server_url.clone(),
            servers: self.servers(),
            online,
            refused,
            last_sync: self.store.meta_get(LAST_SYNC_KEY)?,
            last_sync_traffic: self
                .store
                .meta_get(LAST_TRAFFIC_KEY)?
                .and_then(|s| serde_json::from_str(&s).ok()),
            unconfirmed_changes: self.unconfirmed_changes().await?,
            role: self.device.role.clone(),
            point: self.device.point.clone(),
        })
    }

    /// Copies the petitions recorded before enrolment (in the device's own local intake) into
    /// the point's intake document. Petition ids are kept, so copying twice is harmless.
    pub async fn migrate_pre_enrolment(&self) -> Result<usize, AppError> {
        let Some(old) = self.device.pre_enrolment_intake.clone() else {
            return Ok(0);
        };
        if Some(&old) == self.device.intake.as_ref() || self.device.intake.is_none() {
            return Ok(0);
        }
        let Ok(old_id) = parse_doc_id(&old) else {
            return Ok(0);
        };
        let Some(root) = self.repo.find(&old_id).await? else {
            return Ok(0);
        };
        let mut handles = vec![root.clone()];
        for v in read(&root, intake::volumes) {
            if let Ok(id) = parse_doc_id(&v)
                && let Some(h) = self.repo.find(&id).await?
            {
                handles.push(h);
            }
        }
        let mut moved = 0;
        for h in handles {
            let (ps, _) = read(&h, intake::petitions)?;
            for mut p in ps {
                // Who recorded and edited it, and when, in the local document: carried with
                // the copy, since the local document's changes cannot join the point's.
                let earlier = read(&h, |d| intake::history(d, &p.id))?;
                if self
                    .resolve(&p.id.to_string())
                    .ok()
                    .is_some_and(|r| r.doc_id != h.document_id().to_string())
                {
                    continue; // already copied
                }
                // Already copied, and the index still showing the old copy (an interrupted run).
                let copied = self
                    .store
                    .intake_issues(Some(&p.id.to_string()))?
                    .iter()
                    .any(|i| matches!(i, doithoai_store::IntakeIssue::SameId { .. }));
                if copied {
                    continue;
                }
                p.point = self.device.point.clone();
                let target = self.target_volume_pub().await?;
                let meta =
                    ChangeMeta::new(&self.device.name, "petition.enrol", vec![p.id.to_string()]);
                change(&target, &meta, |tx| {
                    intake::put_petition(tx, &p)?;
                    intake::put_earlier_history(tx, &p.id, &earlier)
                })?;
                self.index_document(&target)?;
                moved += 1;
            }
        }
        // The copies in the point's intake are the petitions now: the index stops showing the
        // pre-enrolment document's (the same ids in two documents would otherwise be a clash).
        self.flush_index()?;
        if let Ok(Some(root)) = self.repo.find(&old_id).await.map_err(AppError::from) {
            let mut docs = vec![root.clone()];
            for v in read(&root, intake::volumes) {
                if let Ok(id) = parse_doc_id(&v)
                    && let Some(h) = self.repo.find(&id).await?
                {
                    docs.push(h);
                }
            }
            for h in docs {
                let doc_id = h.document_id().to_string();
                let heads = read(&h, |d| encode_heads(&d.get_heads()));
                let ids = self.store.index_ids_of_doc(&doc_id)?;
                self.store.index_apply(&doc_id, &heads, &[], &ids)?;
            }
        }
        tracing::info!(
            moved,
            "petitions recorded before enrolment copied into the point's intake"
        );
        Ok(moved)
    }
}

/// Enrols this device with a ward server: exchanges the one-time code for a token, then syncs.
pub async fn join(
    data_dir: &std::path::Path,
    server: &str,
    code: &str,
    name: Option<&str>,
    lang: Lang,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(App, SyncReport, usize), AppError> {
    // A data directory that does not exist yet is made only once the server has accepted the
    // code: a refused join (code used, expired, server unreachable) leaves nothing behind.
    let existing = if data_dir.join(crate::app::DB_FILE).exists() {
        Some(App::open(data_dir).await?)
    } else {
        None
    };
    let device_name = match &existing {
        Some(app) => app.device.name.clone(),
        None => {
            let name = name.ok_or_else(|| AppError::NotInitialised(data_dir.to_owned()))?;
            if name.trim().is_empty() {
                return Err(
                    doithoai_model::ValidationError::Required { what: "created_by" }.into(),
                );
            }
            name.trim().to_owned()
        }
    };
    let server = server_address(server)?;
    let (code, code_pin) = split_code(code)?;
    // The code's fingerprint is checked on this very first call: the code and the device's name
    // go to the enrolled-with server or nowhere.
    let client = http::Client::new(&Trust {
        pin: code_pin.clone(),
    })?;
    let body = serde_json::json!({"code": code, "name": device_name}).to_string();
    let (status, text) = client
        .request(
            &server,
            "POST",
            "/api/v1/enroll",
            None,
            Some(&body),
            Duration::from_secs(30),
        )
        .await?;
    // The whole SHA-256 of the certificate the code's fingerprint matched is what later
    // connections check.
    let tls_pin = match (&code_pin, client.seen().fingerprint()) {
        (Some(p), Some(fp)) if client.seen().pin_matched() && p.matches(&fp) => {
            Some(Pin::full(fp).to_hex())
        }
        _ => None,
    };
    if status != 200 {
        return Err(server_error(status, &text));
    }
    let e: EnrollResponse =
        serde_json::from_str(&text).map_err(|_| AppError::Http(HttpError::Malformed))?;
    let app = match existing {
        Some(app) => app,
        None => App::init(data_dir, &device_name, "", "collector", lang).await?,
    };
    let mut device = app.device.clone();
    if device.server_url.is_none() {
        device.pre_enrolment_intake = device.intake.clone();
    }
    // The other nodes the server named: the device moves to them when this one stops
    // answering (a malformed address is left out, never a reason to refuse the enrolment).
    let mut fallbacks: Vec<String> = Vec::new();
    for s in &e.servers {
        match server_address(s) {
            Ok(a) if a != server && !fallbacks.contains(&a) => fallbacks.push(a),
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(address = %s, error = %err, "the server named a node address that is not valid; left out")
            }
        }
    }
    device.fallback_servers = fallbacks;
    device.server_url = Some(server);
    device.tls_pin = tls_pin;
    device.device_id = Some(e.device_id);
    device.peer_id = Some(e.peer_id);
    device.role = e.role;
    device.ward_name = Some(e.ward_name);
    device.point = e.point.unwrap_or_default();
    device.ward = e.documents.get("ward").map(|s| bare(s));
    device.handling = e.documents.get("handling").map(|s| bare(s));
    device.monitoring = e.documents.get("monitoring").map(|s| bare(s));
    device.intake = e.documents.get("intake").map(|s| bare(s));
    device.save(&app.store)?;
    app.store.meta_set(TOKEN_KEY, &e.token)?;
    app.store.meta_delete(CURRENT_VOLUME)?;
    app.store.meta_delete(CREATED_KEY)?;
    app.close().await?;
    // Reopen with the peer id the server bound to the token.
    let app = App::open(data_dir).await?;
    let link = app.connect(Some(4))?;
    link.established().await?;
    let mut report = app.sync_pass(&link, progress).await?;
    let moved = app.migrate_pre_enrolment().await?;
    if moved > 0 {
        report = app.sync_pass(&link, progress).await?;
    }
    link.close();
    Ok((app, report, moved))
}

/// A server address as typed, checked and in the form kept: no trailing slash, and `https://`
/// when typed without a scheme (the server's default is TLS).
pub fn server_address(typed: &str) -> Result<String, AppError> {
    let mut server = typed.trim().trim_end_matches('/').to_owned();
    if !server.contains("://") {
        server = format!("https://{server}");
    }
    http::split_url(&server)?;
    Ok(server)
}

/// What a front end beside the background sync (the web UI) sees of it and asks of it.
#[derive(Debug, Default)]
pub struct ServeHooks {
    /// Asks for a sync pass now.
    pub sync_now: tokio::sync::Notify,
    /// The link to the server is up.
    pub online: std::sync::atomic::AtomicBool,
    /// A sync pass is running; its progress (documents done, total).
    pub syncing: std::sync::atomic::AtomicBool,
    pub progress: std::sync::Mutex<(usize, usize)>,
}

/// Runs background sync until `stop` resolves: redials with backoff and jitter, runs a sync pass
/// on every (re)connection, and picks up changes that CLI commands write to the store meanwhile.
pub async fn serve(
    app: &App,
    out: &mut (dyn std::io::Write + Send),
    lang: Lang,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), AppError> {
    serve_with(app, out, lang, stop, &ServeHooks::default()).await
}

/// [`serve`], reporting to and taking requests from `hooks`.
pub async fn serve_with(
    app: &App,
    out: &mut (dyn std::io::Write + Send),
    lang: Lang,
    stop: impl std::future::Future<Output = ()>,
    hooks: &ServeHooks,
) -> Result<(), AppError> {
    use futures::StreamExt;
    use std::sync::atomic::Ordering::Relaxed;
    let link = app.connect(None)?;
    let mut events = link.events();
    let mut poll = tokio::time::interval(Duration::from_millis(300));
    let mut data_version = app.store.data_version()?;
    // Only the documents loaded in this process are held (samod syncs each loaded document
    // with the server, live): those that changed since the server last had them, and those
    // the web UI works on. A year of closed volumes stays on disk. What the CLI writes to a
    // held document is merged into it; what it writes to another one shows as stored heads the
    // server does not list, and a pass syncs it. Documents that are not loaded get the
    // server's changes at the next pass: on every connection, after a CLI write, and every
    // `DOITHOAI_SYNC_POLL_SECS` (15 s; a pass with nothing to do costs one small request).
    let mut held: BTreeMap<String, DocHandle> = BTreeMap::new();
    hold_loaded(app, &mut held);
    let poll_every = std::env::var("DOITHOAI_SYNC_POLL_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(15));
    let mut last_pass = tokio::time::Instant::now();
    let mut pass_needed = true;
    let mut last_line = String::new();
    let mut unconfirmed = UnconfirmedCount::default();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = hooks.sync_now.notified() => pass_needed = true,
            ev = events.next() => {
                match ev {
                    Some(LinkEvent::Connected) => pass_needed = true,
                    Some(LinkEvent::Disconnected(reason)) => tracing::info!(%reason, "link to the server lost"),
                    Some(LinkEvent::Reconnecting(n)) => tracing::debug!(attempt = n, "redialling"),
                    Some(LinkEvent::GaveUp) | None => {
                        // A refused token is permanent: keep working offline and say why.
                        if let Err(e) = link.established().await {
                            writeln!(out, "{}", e.localize(lang)).ok();
                        }
                        break;
                    }
                }
            }
            _ = poll.tick() => {
                let v = app.store.data_version()?;
                if v != data_version {
                    data_version = v;
                    // Another process (the CLI) wrote documents: merge what it wrote into the
                    // held ones, and sync the others whose stored heads moved.
                    hold_loaded(app, &mut held);
                    for h in held.values() {
                        if app.repo.merge_stored(h)? {
                            pass_needed = true;
                        }
                    }
                    if app.store.meta_get(CREATED_KEY)?.is_some_and(|s| s.len() > 2)
                        || app.stored_heads_moved()?
                    {
                        pass_needed = true;
                    }
                }
                if last_pass.elapsed() >= poll_every {
                    pass_needed = true;
                }
                if pass_needed && link.is_connected() {
                    pass_needed = false;
                    last_pass = tokio::time::Instant::now();
                    hooks.syncing.store(true, Relaxed);
                    let mut quiet = |done: usize, total: usize| {
                        if let Ok(mut p) = hooks.progress.lock() {
                            *p = (done, total);
                        }
                    };
                    let pass = tokio::select! {
                        r = app.sync_pass(&link, &mut quiet) => r,
                        _ = &mut stop => break,
                    };
                    hooks.syncing.store(false, Relaxed);
                    match pass {
                        Ok(r) => {
                            hold_loaded(app, &mut held);
                            if !r.lagging.is_empty() {
                                pass_needed = true;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "sync pass failed");
                            pass_needed = true;
                        }
                    }
                    // Live changes from the server reach held documents directly; index them.
                }
                index_held(app, &held)?;
                // The office's handling that arrived live (statuses, register numbers, deadlines)
                // shows in the lists at once, not only after the next pass.
                if let Err(e) = app.refresh_handling().await {
                    tracing::debug!(error = %e, "could not refresh the handling overlay");
                }
                hooks.online.store(link.is_connected(), Relaxed);
                let line = status_line(app, link.is_connected(), lang, &mut unconfirmed).await?;
                if line != last_line {
                    writeln!(out, "{line}").ok();
                    out.flush().ok();
                    last_line = line;
                }
            }
        }
    }
    link.close();
    // Changes that arrived since the last tick (or during a pass that stop interrupted) are in
    // the documents but not yet in the index: index them now, so that the lists are up to date
    // when the next command runs.
    index_held(app, &held)?;
    Ok(())
}

/// Brings the index up to date with every held intake document.
fn index_held(app: &App, held: &BTreeMap<String, DocHandle>) -> Result<(), AppError> {
    for h in held.values() {
        if read(h, |d| d.get_heads().is_empty()) {
            continue;
        }
        if read(h, doithoai_model::doc::doc_type).as_deref() == Some(intake::TYPE) {
            app.index_document(h)?;
        }
    }
    app.flush_index()
}

/// Adds to `held` every document loaded in this process.
fn hold_loaded(app: &App, held: &mut BTreeMap<String, DocHandle>) {
    for h in app.repo.loaded_handles() {
        held.entry(h.document_id().to_string()).or_insert(h);
    }
}

impl App {
    /// Whether a document the server listed and this process has not loaded holds other heads
    /// in the store than the server had at the last pass (the CLI wrote to it).
    fn stored_heads_moved(&self) -> Result<bool, AppError> {
        for d in self.server_docs()? {
            if self.repo.loaded(&d.id).is_some() {
                continue;
            }
            let ours = self
                .repo
                .heads_of(&d.id)?
                .map(|h| doithoai_sync::repo::heads_digest(&h));
            if ours.is_some() && ours != d.heads {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The count of local changes the server has not confirmed, recounted per document only when
/// that document's heads or the heads the server confirmed for it changed: counting reads a
/// document's history (about 270 ms at 10,000 petitions), too much for `serve`'s tick of 300 ms.
/// Documents that are not loaded are looked at through their stored heads and, when those
/// moved, read apart from the sync engine and freed: the count loads nothing into memory for
/// good.
#[derive(Debug, Default)]
pub struct UnconfirmedCount {
    root: Option<Option<Vec<automerge::ChangeHash>>>,
    volumes: Vec<String>,
    per_doc: BTreeMap<String, (String, usize)>,
}

impl UnconfirmedCount {
    /// The count, recounting what changed since the last call. Reading documents from the
    /// store is blocking work: on a multi-threaded runtime it runs in place of a worker
    /// (`block_in_place`), so that the web UI's requests are not held up.
    pub async fn get(&mut self, app: &App) -> Result<usize, AppError> {
        use tokio::runtime::{Handle, RuntimeFlavor};
        if Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread) {
            tokio::task::block_in_place(|| self.count(app))
        } else {
            self.count(app)
        }
    }

    fn count(&mut self, app: &App) -> Result<usize, AppError> {
        let root_heads = match &app.device.intake {
            Some(r) => app.repo.heads_of(r)?,
            None => None,
        };
        if self.root.as_ref() != Some(&root_heads) {
            self.volumes = app.root_volumes()?;
            self.root = Some(root_heads);
        }
        let mut n = 0;
        let ids = app.written_documents(&self.volumes)?;
        self.per_doc.retain(|id, _| ids.contains(id));
        for id in ids {
            let heads = app.repo.heads_of(&id)?.unwrap_or_default();
            let confirmed = app.confirmed_heads(&id)?;
            let key = format!("{heads:?}/{confirmed:?}");
            match self.per_doc.get(&id) {
                Some((k, c)) if *k == key => n += c,
                _ => {
                    let mut sorted = confirmed.clone();
                    sorted.sort();
                    let c = if sorted == heads {
                        0
                    } else {
                        app.unconfirmed_in(&id, &confirmed)?
                    };
                    self.per_doc.insert(id, (key, c));
                    n += c;
                }
            }
        }
        Ok(n)
    }
}

async fn status_line(
    app: &App,
    online: bool,
    lang: Lang,
    unconfirmed: &mut UnconfirmedCount,
) -> Result<String, AppError> {
    let last = app
        .store
        .meta_get(LAST_SYNC_KEY)?
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| doithoai_model::time::format_datetime(&t))
        .unwrap_or_else(|| lang.pick("chưa có", "never").to_owned());
    let n = unconfirmed.get(app).await?;
    Ok(match (lang, online) {
        (Lang::Vi, true) => format!(
            "● Trực tuyến — đồng bộ lần cuối {last} — {n} thay đổi chưa được máy chủ xác nhận"
        ),
        (Lang::Vi, false) => format!(
            "○ Ngoại tuyến — đồng bộ lần cuối {last} — {n} thay đổi chưa được máy chủ xác nhận"
        ),
        (Lang::En, true) => {
            format!("● Online — last sync {last} — {n} changes not yet confirmed by the server")
        }
        (Lang::En, false) => {
            format!("○ Offline — last sync {last} — {n} changes not yet confirmed by the server")
        }
    })
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl From<ConnectError> for AppError {
    fn from(e: ConnectError) -> Self {
        AppError::Connect(e)
    }
}

impl From<HttpError> for AppError {
    fn from(e: HttpError) -> Self {
        AppError::Http(e)
    }
}
