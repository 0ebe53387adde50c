//! The client's operations on its local data: what the CLI and the web UI both call.
//!
//! Every write goes through the local samod repository (so it is synced later) and then updates
//! the derived query index in the same SQLite file. A write is on disk when the operation
//! returns: [`App::close`] waits for samod's pending storage writes, and the store runs with
//! `synchronous=FULL`.

use std::path::{Path, PathBuf};

use automerge::ReadDoc;
use doithoai_model::doc::{decode_heads, encode_heads};
use doithoai_model::intake::{self, HistoryEntry};
use doithoai_model::{
    ChangeMeta, DocError, Lang, Localize, NewPetition, Petition, Registry, Status, ValidationError,
    ward,
};
use doithoai_store::{
    Durability, IndexFlag, IntakeIssue, PetitionFilter, PetitionRow, Store, StoreError,
};
use doithoai_sync::{DocHandle, LocalRepo, SyncError, change, parse_doc_id, read};
use uuid::Uuid;

use crate::config::{CURRENT_VOLUME, DeviceConfig};

/// The database file inside a data directory.
pub const DB_FILE: &str = "doithoai.sqlite3";

/// Errors of client operations, each with a message for the user.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("this device is not set up: run `doithoai init` first ({0})")]
    NotInitialised(PathBuf),
    #[error("already set up in {0}")]
    AlreadyInitialised(PathBuf),
    #[error("no petition matches {0:?}")]
    NoSuchPetition(String),
    #[error("{prefix:?} matches several petitions: {matches:?}")]
    Ambiguous {
        prefix: String,
        matches: Vec<String>,
    },
    #[error("this device's role ({role}) may not {what}")]
    NotAllowed { role: String, what: &'static str },
    #[error("this device is not enrolled with a ward server: run `doithoai join URL CODE`")]
    NotEnrolled,
    #[error("{en}")]
    Server { vi: String, en: String },
    #[error(transparent)]
    Connect(doithoai_sync::client::ConnectError),
    #[error(transparent)]
    Http(doithoai_sync::http::HttpError),
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl Localize for AppError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (AppError::NotInitialised(p), Lang::Vi) => format!(
                "Máy này chưa được thiết lập (thư mục dữ liệu {}). Hãy chạy trước: doithoai init --name \"Họ tên hoặc tên máy\"",
                p.display()
            ),
            (AppError::NotInitialised(p), Lang::En) => format!(
                "This device is not set up (data directory {}). Run first: doithoai init --name \"Your name\"",
                p.display()
            ),
            (AppError::AlreadyInitialised(p), Lang::Vi) => {
                format!(
                    "Máy này đã được thiết lập (thư mục dữ liệu {}).",
                    p.display()
                )
            }
            (AppError::AlreadyInitialised(p), Lang::En) => {
                format!(
                    "This device is already set up (data directory {}).",
                    p.display()
                )
            }
            (AppError::NoSuchPetition(s), Lang::Vi) => {
                format!(
                    "Không tìm thấy ý kiến có mã «{s}». Dùng `doithoai petition list` để xem mã."
                )
            }
            (AppError::NoSuchPetition(s), Lang::En) => {
                format!("No petition has the id {s:?}. See the ids with `doithoai petition list`.")
            }
            (AppError::Ambiguous { prefix, matches }, Lang::Vi) => format!(
                "Mã «{prefix}» trùng với {} ý kiến ({}); hãy gõ thêm vài ký tự.",
                matches.len(),
                matches.join(", ")
            ),
            (AppError::Ambiguous { prefix, matches }, Lang::En) => format!(
                "{prefix:?} matches {} petitions ({}); type a few more characters.",
                matches.len(),
                matches.join(", ")
            ),
            (AppError::NotAllowed { role, what }, Lang::Vi) => {
                format!("Thiết bị có vai trò «{role}» không được phép {what}.")
            }
            (AppError::NotAllowed { role, what }, Lang::En) => {
                format!("A device with the role {role:?} may not {what}.")
            }
            (AppError::NotEnrolled, Lang::Vi) => "Máy này chưa đăng ký với máy chủ của phường. Chạy: doithoai join https://<địa chỉ máy chủ>:8800 <mã đăng ký>".into(),
            (AppError::NotEnrolled, Lang::En) => "This device is not enrolled with a ward server. Run: doithoai join https://<server>:8800 <code>".into(),
            (AppError::Server { vi, en }, l) => l.pick(vi, en).to_owned(),
            (AppError::Connect(e), l) => e.localize(l),
            (AppError::Http(e), Lang::Vi) => match e {
                doithoai_sync::http::HttpError::BadUrl(u) => format!("Địa chỉ máy chủ «{u}» không hợp lệ (ví dụ: https://192.168.1.10:8800)."),
                doithoai_sync::http::HttpError::Unreachable { addr, kind, .. } => format!("Không kết nối được máy chủ {addr} ({}). Dữ liệu vẫn an toàn trên máy; hãy thử lại khi có mạng.", doithoai_model::lang::io_reason(*kind, Lang::Vi)),
                doithoai_sync::http::HttpError::Timeout => "Máy chủ không trả lời kịp. Hãy thử lại khi mạng ổn định hơn.".into(),
                doithoai_sync::http::HttpError::Malformed => "Máy chủ trả lời không đúng định dạng.".into(),
                doithoai_sync::http::HttpError::BadHeader(h) => format!("Tiêu đề yêu cầu «{h}» chứa ký tự xuống dòng."),
                doithoai_sync::http::HttpError::Status { status, body } => format!("Máy chủ trả lời {status}: {body}"),
                doithoai_sync::http::HttpError::Tls(t) => t.localize(Lang::Vi),
            },
            (AppError::Http(doithoai_sync::http::HttpError::Tls(t)), Lang::En) => t.localize(Lang::En),
            (AppError::Http(e), Lang::En) => e.to_string(),
            (AppError::Validation(e), l) => e.localize(l),
            (AppError::Doc(e), l) => e.localize(l),
            (AppError::Store(e), l) => e.localize(l),
            (AppError::Sync(e), l) => e.localize(l),
        }
    }
}

/// A change to some fields of a petition; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PetitionEdit {
    /// Changes to the residents, by position: the first entry changes the first resident, and
    /// so on; an entry past the last resident adds one (it needs a name).
    pub residents: Vec<ResidentEdit>,
    pub people_count: Option<u32>,
    pub kind: Option<doithoai_model::PetitionKind>,
    /// `Some(None)` clears the field.
    pub field: Option<Option<String>>,
    pub content: Option<String>,
    pub request: Option<String>,
    pub place: Option<String>,
    pub wants_to_speak: Option<bool>,
    pub created_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Marks the office's answer as relayed to the resident, with a note.
    pub relayed: Option<String>,
}

/// A change to one resident; `None` leaves a value as it is, an empty phone or ID number
/// removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResidentEdit {
    pub name: Option<String>,
    pub address: Option<String>,
    pub tdp: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// What an edit did.
#[derive(Debug, Clone)]
pub struct EditOutcome {
    /// The petition as it is now.
    pub petition: Petition,
    /// False when every value given was the one already recorded: nothing was written.
    pub changed: bool,
    /// The office's status of the petition when it is one the office has closed.
    pub closed: bool,
    /// The index row (register number, status).
    pub row: PetitionRow,
}

impl PetitionEdit {
    /// Whether the edit names anything to change at all.
    pub fn is_empty(&self) -> bool {
        self.residents.is_empty()
            && self.people_count.is_none()
            && self.kind.is_none()
            && self.field.is_none()
            && self.content.is_none()
            && self.request.is_none()
            && self.place.is_none()
            && self.wants_to_speak.is_none()
            && self.created_at.is_none()
            && self.relayed.is_none()
    }

    fn apply(self, p: &mut Petition, by: &str) -> Result<(), ValidationError> {
        let opt = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        for (i, e) in self.residents.into_iter().enumerate() {
            if i >= p.residents.len() {
                if e.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    return Err(ValidationError::EmptyResidentName { index: i + 1 });
                }
                p.residents.push(doithoai_model::Resident::default());
            }
            let r = &mut p.residents[i];
            if let Some(v) = e.name {
                r.name = v.trim().to_owned();
            }
            if let Some(v) = e.address {
                r.address = v.trim().to_owned();
            }
            if let Some(v) = e.tdp {
                r.tdp = v.trim().to_owned();
            }
            if let Some(v) = e.phone {
                r.phone = opt(v);
            }
            if let Some(v) = e.id_number {
                r.id_number = opt(v);
            }
        }
        if let Some(v) = self.people_count {
            p.people_count = v;
        }
        if let Some(v) = self.kind {
            p.kind = v;
        }
        if let Some(v) = self.field {
            p.field = v;
        }
        if let Some(v) = self.content {
            p.content = v.trim().to_owned();
        }
        if let Some(v) = self.request {
            p.request = v.trim().to_owned();
        }
        if let Some(v) = self.place {
            p.place = v.trim().to_owned();
        }
        if let Some(v) = self.wants_to_speak {
            p.wants_to_speak = v;
        }
        if let Some(v) = self.created_at {
            p.created_at = v;
        }
        if let Some(note) = self.relayed {
            p.relayed = Some(doithoai_model::Relay {
                at: doithoai_model::time::to_stored(&doithoai_model::time::ward_now()),
                by: by.to_owned(),
                note: note.trim().to_owned(),
            });
        }
        Ok(())
    }
}

/// A petition with its history and its row in the index.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PetitionDetail {
    pub petition: Petition,
    pub row: Option<PetitionRow>,
    pub history: Vec<HistoryEntry>,
    /// What the office must know about this petition's intake records: the same id in another
    /// intake document, a claimed point that is not its document's.
    pub issues: Vec<IntakeIssue>,
}

/// An index update read from a document, applied once the document's change is on disk.
#[derive(Debug)]
struct IndexUpdate {
    doc_id: String,
    heads: Vec<u8>,
    rows: Vec<PetitionRow>,
    removed: Vec<String>,
    flags: Vec<IndexFlag>,
}

/// The local client: the store, the repository and this device's settings.
pub struct App {
    pub data_dir: PathBuf,
    pub store: Store,
    pub repo: LocalRepo,
    pub device: DeviceConfig,
    /// Index updates waiting for samod's writes to reach the disk (see [`App::close`]).
    pending: std::sync::Mutex<Vec<IndexUpdate>>,
    /// The collection point owning each intake volume found listed in a root intake document
    /// (see [`App::owner_point`]).
    owners: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

/// Opens the SQLite file of a data directory.
pub fn open_store(data_dir: &Path) -> Result<Store, StoreError> {
    Store::open(&data_dir.join(DB_FILE), Durability::Full)
}

impl App {
    /// Opens an initialised data directory.
    pub async fn open(data_dir: &Path) -> Result<App, AppError> {
        if !data_dir.join(DB_FILE).exists() {
            return Err(AppError::NotInitialised(data_dir.to_owned()));
        }
        let store = open_store(data_dir)?;
        let device = DeviceConfig::load(&store)?
            .ok_or_else(|| AppError::NotInitialised(data_dir.to_owned()))?;
        let repo = LocalRepo::open(store.clone(), device.peer_id.clone()).await;
        Ok(App {
            data_dir: data_dir.to_owned(),
            store,
            repo,
            device,
            pending: Default::default(),
            owners: Default::default(),
        })
    }

    /// Sets up a data directory before enrolment: the device's name and its collection point,
    /// and an empty local intake document so that petitions can be recorded at once.
    pub async fn init(
        data_dir: &Path,
        name: &str,
        point: &str,
        role: &str,
        lang: Lang,
    ) -> Result<App, AppError> {
        let store = open_store(data_dir)?;
        if DeviceConfig::load(&store)?.is_some() {
            return Err(AppError::AlreadyInitialised(data_dir.to_owned()));
        }
        if name.trim().is_empty() {
            return Err(ValidationError::Required { what: "created_by" }.into());
        }
        let point = if point.trim().is_empty() {
            "local"
        } else {
            point.trim()
        };
        let repo = LocalRepo::open(store.clone(), None).await;
        let handle = repo.create(intake::new_document(point)?).await?;
        let device = DeviceConfig {
            name: name.trim().to_owned(),
            point: point.to_owned(),
            role: role.to_owned(),
            lang,
            intake: Some(handle.document_id().to_string()),
            ..Default::default()
        };
        device.save(&store)?;
        Ok(App {
            data_dir: data_dir.to_owned(),
            store,
            repo,
            device,
            pending: Default::default(),
            owners: Default::default(),
        })
    }

    /// Waits until every document write has reached the disk, stops the repository, then brings
    /// the index up to date. The index is written only after the documents so that it never
    /// shows a petition that a crash lost; a crash in between leaves the index behind, and the
    /// next change to that document (or `doithoai index rebuild`) catches it up.
    pub async fn close(self) -> Result<(), AppError> {
        self.repo.stop().await;
        self.flush_index()
    }

    /// Applies the index updates read so far.
    pub fn flush_index(&self) -> Result<(), AppError> {
        let pending = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        for u in pending {
            self.store
                .index_apply_flagged(&u.doc_id, &u.heads, &u.rows, &u.removed, &u.flags)?;
        }
        Ok(())
    }

    /// The ward's registry: from the ward document once enrolled, the built-in one before.
    pub async fn registry(&self) -> Result<Registry, AppError> {
        let Some(id) = &self.device.ward else {
            return Ok(Registry::builtin());
        };
        let id = parse_doc_id(id)?;
        match self.repo.find(&id).await? {
            Some(h) => Ok(read(&h, ward::registry)?),
            None => Ok(Registry::builtin()),
        }
    }

    fn ensure_collector(&self, what: &'static str) -> Result<(), AppError> {
        if self.device.intake.is_none() {
            return Err(AppError::NotAllowed {
                role: self.device.role.clone(),
                what,
            });
        }
        Ok(())
    }

    fn intake_root(&self) -> Result<doithoai_sync::DocumentId, AppError> {
        let id = self
            .device
            .intake
            .as_deref()
            .ok_or_else(|| AppError::NotAllowed {
                role: self.device.role.clone(),
                what: "ghi ý kiến (không có sổ tiếp nhận)",
            })?;
        Ok(parse_doc_id(id)?)
    }

    /// The document `id` if this device holds it.
    async fn find_str(&self, id: &str) -> Result<Option<DocHandle>, AppError> {
        match parse_doc_id(id) {
            Ok(id) => Ok(self.repo.find(&id).await?),
            Err(_) => Ok(None),
        }
    }

    /// The intake document `id` if it is held here and has room for another petition.
    async fn with_room(&self, id: &str) -> Result<Option<DocHandle>, AppError> {
        // The index counts a document's petitions without loading it: a full volume is passed
        // over unloaded (a year of closed volumes stays on disk). A count below the capacity
        // is checked on the document itself (the index may be behind).
        if self.store.index_ids_of_doc(id)?.len() >= intake::VOLUME_CAPACITY {
            return Ok(None);
        }
        Ok(self
            .find_str(id)
            .await?
            .filter(|h| read(h, intake::petition_count) < intake::VOLUME_CAPACITY))
    }

    /// The intake volume new petitions go to, starting a new one when the current one is full.
    /// The intake volume new petitions go to (for other modules of the client).
    pub async fn target_volume_pub(&self) -> Result<DocHandle, AppError> {
        self.target_volume().await
    }

    async fn target_volume(&self) -> Result<DocHandle, AppError> {
        let root_id = self.intake_root()?;
        if let Some(cur) = self.store.meta_get(CURRENT_VOLUME)?
            && let Some(h) = self.with_room(&cur).await?
        {
            return Ok(h);
        }
        let root = self.repo.get(&root_id).await?;
        // The newest listed volume that is not full, else the root if not full, else a new one.
        let volumes = read(&root, intake::volumes);
        for v in volumes.iter().rev() {
            if let Some(h) = self.with_room(v).await? {
                self.store.meta_set(CURRENT_VOLUME, v)?;
                return Ok(h);
            }
        }
        if volumes.is_empty() && read(&root, intake::petition_count) < intake::VOLUME_CAPACITY {
            self.store.meta_set(CURRENT_VOLUME, &root_id.to_string())?;
            return Ok(root);
        }
        let point = read(&root, intake::point).unwrap_or_else(|| self.device.point.clone());
        let vol = self
            .repo
            .create(intake::new_volume_document(&point, &root_id.to_string())?)
            .await?;
        let vol_id = vol.document_id().to_string();
        let meta = ChangeMeta::new(&self.device.name, "intake.volume", vec![vol_id.clone()]);
        change(&root, &meta, |tx| {
            intake::add_volume(tx, &vol_id, &self.device.name)
        })?;
        self.store.meta_set(CURRENT_VOLUME, &vol_id)?;
        self.note_created(&vol_id, "intake")?;
        tracing::info!(volume = %vol_id, "started a new intake volume");
        Ok(vol)
    }

    /// Records a new petition. It is on disk once [`App::close`] returns.
    pub async fn add_petition(&self, new: NewPetition) -> Result<Petition, AppError> {
        self.ensure_collector("ghi ý kiến")?;
        let registry = self.registry().await?;
        let p = new.build(&self.device.point, &self.device.name, &registry)?;
        let handle = self.target_volume().await?;
        let meta = ChangeMeta::new(&self.device.name, "petition.add", vec![p.id.to_string()]);
        change(&handle, &meta, |tx| intake::put_petition(tx, &p))?;
        self.index_document(&handle)?;
        Ok(p)
    }

    /// Resolves what a user typed (a whole id or its first characters) to one petition's row.
    pub fn resolve(&self, typed: &str) -> Result<PetitionRow, AppError> {
        let t = typed.trim().to_ascii_lowercase();
        if t.is_empty() {
            return Err(AppError::NoSuchPetition(typed.to_owned()));
        }
        if let Some(row) = self.store.index_get(&t)? {
            return Ok(row);
        }
        let ids = self.store.index_find_prefix(&t)?;
        match ids.as_slice() {
            [] => Err(AppError::NoSuchPetition(typed.to_owned())),
            [one] => self
                .store
                .index_get(one)?
                .ok_or_else(|| AppError::NoSuchPetition(typed.to_owned())),
            many => Err(AppError::Ambiguous {
                prefix: typed.to_owned(),
                matches: many.iter().map(|s| s.chars().take(13).collect()).collect(),
            }),
        }
    }

    async fn petition_doc(&self, row: &PetitionRow) -> Result<(DocHandle, Uuid), AppError> {
        let id = Uuid::parse_str(&row.id).map_err(|_| AppError::NoSuchPetition(row.id.clone()))?;
        let handle = self.repo.get(&parse_doc_id(&row.doc_id)?).await?;
        Ok((handle, id))
    }

    /// Changes some fields of a petition. Values equal to those recorded write nothing (the
    /// outcome says so); a petition the office has closed is still changed, and the outcome
    /// says it was closed so that the user can be warned.
    pub async fn edit_petition(
        &self,
        typed: &str,
        edit: PetitionEdit,
    ) -> Result<EditOutcome, AppError> {
        let row = self.resolve(typed)?;
        let (handle, id) = self.petition_doc(&row).await?;
        let registry = self.registry().await?;
        let before = read(&handle, |d| intake::get_petition(d, &id))?
            .ok_or_else(|| AppError::NoSuchPetition(typed.to_owned()))?;
        let op = if edit.relayed.is_some() {
            "petition.relay"
        } else {
            "petition.edit"
        };
        let mut p = before.clone();
        edit.apply(&mut p, &self.device.name)?;
        let closed = row.status == Status::Closed.code();
        if p == before {
            return Ok(EditOutcome {
                petition: p,
                changed: false,
                closed,
                row,
            });
        }
        p.updated_at = doithoai_model::time::ward_now();
        p.validate(&registry)?;
        let meta = ChangeMeta::new(&self.device.name, op, vec![p.id.to_string()]);
        change(&handle, &meta, |tx| intake::put_petition(tx, &p))?;
        self.index_document(&handle)?;
        Ok(EditOutcome {
            petition: p,
            changed: true,
            closed,
            row,
        })
    }

    /// A petition, its index row and its history.
    pub async fn show_petition(&self, typed: &str) -> Result<PetitionDetail, AppError> {
        let row = self.resolve(typed)?;
        let (handle, id) = self.petition_doc(&row).await?;
        let (petition, history) = read(&handle, |d| -> Result<_, DocError> {
            Ok((intake::get_petition(d, &id)?, intake::history(d, &id)?))
        })?;
        let mut petition = petition.ok_or_else(|| AppError::NoSuchPetition(typed.to_owned()))?;
        // The point is the one owning the document the petition lives in, never its own claim.
        petition.point = row.point.clone();
        let issues = self.store.intake_issues(Some(&row.id))?;
        Ok(PetitionDetail {
            petition,
            row: Some(row),
            history,
            issues,
        })
    }

    /// Lists petitions from the index.
    pub fn list(&self, filter: &PetitionFilter) -> Result<Vec<PetitionRow>, AppError> {
        Ok(self.store.list_petitions(filter)?)
    }

    /// Brings the index up to date with one intake document, reading only the petitions that
    /// changed since the heads it was last indexed at.
    pub fn index_document(&self, handle: &DocHandle) -> Result<usize, AppError> {
        let doc_id = handle.document_id().to_string();
        let owner = self.owner_point(&doc_id, handle)?;
        let known = self.store.index_heads(&doc_id)?.map(|b| decode_heads(&b));
        // The index may have been written by another process (a CLI command while this one
        // syncs) from changes this process has not loaded: merge what is on disk first, so that
        // the index is not mistaken for stale and rows are not dropped.
        if let Some(k) = &known
            && !read(handle, |doc| {
                k.iter().all(|x| doc.get_change_by_hash(x).is_some())
            })
        {
            self.repo.merge_stored(handle)?;
        }
        /// What re-reading the document found.
        enum Read {
            /// The index is at the document's heads already.
            Unchanged,
            /// Changed petitions, and the ids to remove; `drop_absent` when every row of this
            /// document that it no longer holds must go (its first index).
            Changed {
                heads: Vec<automerge::ChangeHash>,
                petitions: Vec<Petition>,
                removed: Vec<String>,
                flags: Vec<IndexFlag>,
                drop_absent: bool,
            },
        }
        let found = read(handle, |doc| -> Result<Read, DocError> {
            if doithoai_model::doc::doc_type(doc).as_deref() != Some(intake::TYPE) {
                return Ok(Read::Changed {
                    heads: doc.get_heads(),
                    petitions: Vec::new(),
                    removed: Vec::new(),
                    flags: Vec::new(),
                    drop_absent: false,
                });
            }
            if known.as_ref().is_some_and(|k| {
                let mut cur = doc.get_heads();
                cur.sort();
                let mut k = k.clone();
                k.sort();
                cur == k
            }) {
                return Ok(Read::Unchanged);
            }
            let before = match &known {
                Some(h) if h.iter().all(|x| doc.get_change_by_hash(x).is_some()) => h.clone(),
                _ => Vec::new(),
            };
            let ids = intake::changed_ids(doc, &before)?;
            // What a writer put in the document is checked, not trusted: a petition is indexed
            // under its key, in the point owning this document; one whose record says another
            // id, or breaks the schema, is flagged and not indexed; one that claims another
            // point is indexed in this document's point and flagged.
            let mut ps = Vec::with_capacity(ids.len());
            let mut flags = Vec::new();
            for key in &ids {
                let (mut one, bad) = intake::petitions_by_ids(doc, std::iter::once(key.clone()))?;
                for (key, e) in bad {
                    tracing::warn!(document = %doc_id, petition = %key, error = %e, "petition could not be read; not indexed");
                    flags.push(IndexFlag {
                        id: key,
                        kind: "unreadable".into(),
                        detail: e.to_string(),
                    });
                }
                let Some(p) = one.pop() else { continue };
                if p.id.to_string() != *key {
                    tracing::warn!(document = %doc_id, petition = %key, inner = %p.id, "petition record names another id; not indexed");
                    flags.push(IndexFlag {
                        id: key.clone(),
                        kind: "unreadable".into(),
                        detail: format!("the record names another id ({})", p.id),
                    });
                    continue;
                }
                if p.point != owner {
                    tracing::warn!(document = %doc_id, petition = %key, claimed = %p.point, owner = %owner, "petition claims another collection point");
                    flags.push(IndexFlag {
                        id: key.clone(),
                        kind: "point".into(),
                        detail: p.point.clone(),
                    });
                }
                ps.push(p);
            }
            let present: std::collections::BTreeSet<String> =
                ps.iter().map(|p| p.id.to_string()).collect();
            Ok(Read::Changed {
                heads: doc.get_heads(),
                removed: ids.into_iter().filter(|i| !present.contains(i)).collect(),
                flags,
                petitions: ps,
                // A full re-index after the index's heads turned out unknown to this document
                // (another process indexed changes it has not persisted yet) must not drop
                // rows: they are petitions this process has not seen, not petitions that were
                // lost. Rows are dropped only on a first index of the document.
                drop_absent: before.is_empty() && known.is_none(),
            })
        })?;
        let Read::Changed {
            heads,
            petitions: rows,
            mut removed,
            flags,
            drop_absent,
        } = found
        else {
            return Ok(0);
        };
        if drop_absent {
            let present: std::collections::BTreeSet<String> =
                rows.iter().map(|p| p.id.to_string()).collect();
            removed = self
                .store
                .index_ids_of_doc(&doc_id)?
                .into_iter()
                .filter(|i| !present.contains(i))
                .collect();
        }
        let mut rows: Vec<PetitionRow> = rows
            .iter()
            .map(|p| {
                let mut row = row_of(p, &doc_id);
                row.point = owner.clone();
                row
            })
            .collect();
        overlay_handling(self, &mut rows)?;
        let n = rows.len();
        let update = IndexUpdate {
            doc_id,
            heads: encode_heads(&heads),
            rows,
            removed,
            flags,
        };
        match self.pending.lock() {
            Ok(mut p) => p.push(update),
            Err(poisoned) => poisoned.into_inner().push(update),
        }
        Ok(n)
    }

    /// Every intake document this device holds: its own point's root and volumes, and (office
    /// and MTTQ devices) every intake document the server listed, with their volumes.
    pub async fn intake_documents(&self) -> Result<Vec<DocHandle>, AppError> {
        let mut roots: Vec<String> = self.device.intake.iter().cloned().collect();
        for d in self.server_docs()? {
            if d.kind == "intake" && !roots.contains(&d.id) {
                roots.push(d.id);
            }
        }
        let mut out: Vec<DocHandle> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        // Only what is stored here: asking for an id nobody has (a ghost volume named in a
        // root) would wait on the server, which refuses unregistered ids without answering.
        let stored: std::collections::BTreeSet<String> =
            self.store.chunk_doc_ids()?.into_iter().collect();
        for r in roots {
            if !seen.insert(r.clone()) || !stored.contains(&r) {
                continue;
            }
            let Some(root) = self.find_str(&r).await? else {
                continue;
            };
            let volumes = read(&root, intake::volumes);
            let owner = self.owner_point(&r, &root)?;
            for v in &volumes {
                self.note_owner(v, &owner);
            }
            out.push(root);
            for v in volumes {
                if seen.insert(v.clone())
                    && stored.contains(&v)
                    && let Some(h) = self.find_str(&v).await?
                {
                    out.push(h);
                }
            }
        }
        Ok(out)
    }

    /// The heads of every intake document this device holds, to make the changes of an
    /// operation durable with [`App::persist_intake_since`].
    pub async fn intake_heads(
        &self,
    ) -> Result<std::collections::BTreeMap<String, Vec<automerge::ChangeHash>>, AppError> {
        // Only what this process has loaded can change in it: the others stay unloaded.
        Ok(self
            .loaded_intake()
            .iter()
            .map(|h| (h.document_id().to_string(), read(h, |d| d.get_heads())))
            .collect())
    }

    /// The intake documents this process has loaded into the sync engine.
    fn loaded_intake(&self) -> Vec<DocHandle> {
        self.repo
            .loaded_handles()
            .into_iter()
            .filter(|h| read(h, doithoai_model::doc::doc_type).as_deref() == Some(intake::TYPE))
            .collect()
    }

    /// What [`App::close`] does for the CLI, for a process that keeps running (the web UI of
    /// `serve`): writes every change made to the intake documents since `before` (all the
    /// changes of a document started since) to the store now, then applies the index updates.
    /// When it returns, what the user is told is saved is on disk.
    pub async fn persist_intake_since(
        &self,
        before: &std::collections::BTreeMap<String, Vec<automerge::ChangeHash>>,
    ) -> Result<(), AppError> {
        for h in self.loaded_intake() {
            let since = before.get(&h.document_id().to_string());
            let unchanged = since.is_some_and(|s| {
                let mut now = read(&h, |d| d.get_heads());
                let mut s = s.clone();
                now.sort();
                s.sort();
                now == s
            });
            if !unchanged {
                self.repo
                    .persist_since(&h, since.map(Vec::as_slice).unwrap_or(&[]))?;
            }
        }
        self.flush_index()
    }

    /// Remembers that the intake volume `doc_id` was found listed in a root intake document of
    /// `point` (the root's own devices are the only ones that may write it).
    pub(crate) fn note_owner(&self, doc_id: &str, point: &str) {
        match self.owners.lock() {
            Ok(mut o) => o.insert(doc_id.to_owned(), point.to_owned()),
            Err(poisoned) => poisoned
                .into_inner()
                .insert(doc_id.to_owned(), point.to_owned()),
        };
    }

    /// The collection point owning the intake document `doc_id`: never what the document or
    /// its petitions say about themselves, but who may write it. This device's own intake
    /// documents are its point's (the server lets no other point's device hold them); another
    /// point's root and registered volumes are the point the server registered them to
    /// (`GET /api/v1/documents`); a volume found listed in a root belongs to the root's point.
    /// A volume known only by its own `volume_of` claim is the point of that root when the root
    /// is known; anything else is "?" (its petitions are then flagged).
    pub fn owner_point(&self, doc_id: &str, handle: &DocHandle) -> Result<String, AppError> {
        let d = &self.device;
        if d.intake.as_deref() == Some(doc_id) || d.pre_enrolment_intake.as_deref() == Some(doc_id)
        {
            return Ok(d.point.clone());
        }
        let server_docs = self.server_docs()?;
        let registered = |id: &str| {
            server_docs
                .iter()
                .find(|s| s.id == id && s.kind == "intake")
                .and_then(|s| s.point.clone())
        };
        if let Some(p) = registered(doc_id) {
            return Ok(p);
        }
        let noted = match self.owners.lock() {
            Ok(o) => o.get(doc_id).cloned(),
            Err(poisoned) => poisoned.into_inner().get(doc_id).cloned(),
        };
        if let Some(p) = noted {
            return Ok(p);
        }
        // A collector holds only its own point's documents (or none before enrolment).
        if !matches!(d.role.as_str(), "office" | "monitor") {
            return Ok(d.point.clone());
        }
        let root = read(handle, intake::volume_of);
        if let Some(root) = root {
            if d.intake.as_deref() == Some(root.as_str()) {
                return Ok(d.point.clone());
            }
            if let Some(p) = registered(&root) {
                return Ok(p);
            }
        }
        tracing::warn!(document = %doc_id, "intake document of unknown owner");
        Ok("?".into())
    }

    /// What the index found in the intake documents that the office must look at.
    pub fn intake_issues(&self) -> Result<Vec<IntakeIssue>, AppError> {
        Ok(self.store.intake_issues(None)?)
    }

    /// Rebuilds the whole index from the documents.
    pub async fn reindex(&self) -> Result<usize, AppError> {
        self.store.index_clear()?;
        let mut n = 0;
        for h in self.intake_documents().await? {
            n += self.index_document(&h)?;
        }
        self.flush_index()?;
        Ok(n)
    }
}

/// The index row of a petition collected in `doc_id`.
pub fn row_of(p: &Petition, doc_id: &str) -> PetitionRow {
    let join = |f: &dyn Fn(&doithoai_model::Resident) -> &str, sep: &str| {
        let mut v: Vec<&str> = p
            .residents
            .iter()
            .map(f)
            .filter(|s| !s.is_empty())
            .collect();
        v.dedup();
        v.join(sep)
    };
    PetitionRow {
        id: p.id.to_string(),
        doc_id: doc_id.to_owned(),
        point: p.point.clone(),
        created_at: doithoai_model::time::to_stored(&p.created_at),
        kind: p.kind.code().to_owned(),
        field: p.field.clone(),
        status: Status::Collected.code().to_owned(),
        content: p.content.clone(),
        request: p.request.clone(),
        place: p.place.clone(),
        residents: p.resident_names(),
        addresses: join(&|r| r.address.as_str(), "; "),
        tdp: join(&|r| r.tdp.as_str(), ", "),
        people_count: i64::from(p.people_count),
        wants_to_speak: p.wants_to_speak,
        register_no: None,
        deadline: None,
        updated_at: doithoai_model::time::to_stored(&p.updated_at),
    }
}

// ---------------------------------------------------------------------------------------------
// The index overlay
// ---------------------------------------------------------------------------------------------

/// Overlays the office's handling (status, register number, deadline, field) on index rows
/// made from intake documents, from the handling overlay the store keeps (see
/// `App::refresh_handling`).
pub fn overlay_handling(app: &App, rows: &mut [PetitionRow]) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let found = app.store.handling_get(&ids)?;
    if found.is_empty() {
        return Ok(());
    }
    for row in rows.iter_mut() {
        if let Some(h) = found.get(&row.id) {
            row.status = h.status.clone();
            row.register_no = h.register_no.clone();
            row.deadline = h.deadline.clone();
            if h.field.is_some() {
                row.field = h.field.clone();
            }
        }
    }
    Ok(())
}
