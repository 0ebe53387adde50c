//! The office's operations on local data: what `doithoai handle`, `doithoai report` and (later)
//! the web UI call.
//!
//! The handling document is named in the device's settings (`DeviceConfig::handling`). An office
//! device that has none yet (before enrolment) creates a local one on first use and records its
//! id. Every operation goes through [`doithoai_model::handling`] (which checks the lifecycle and
//! records who and when), then brings the handling overlay of the store up to date, so lists and
//! reports show the new status at once.
//!
//! Petitions are named as users type them: the first characters of the id (`1a2b3c4d`) or the
//! register number (`17/2026`).

use std::collections::{BTreeMap, BTreeSet};

use automerge::ReadDoc;
use chrono::NaiveDate;
use doithoai_model::doc::{decode_heads, encode_heads};
use doithoai_model::handling::{
    self, AnswerInput, AssignInput, Channel, ClassifyInput, Competence, Conflict, Ctx,
    DuplicateSuggestion, ForwardInput, Handling, HandlingError, Item, NotifyInput, Op, Overdue,
    RegisterNo,
};
use doithoai_model::workdays::Calendar;
use doithoai_model::{DocError, Lang, Localize, Petition, PetitionKind, Registry, Status, intake};
use doithoai_reports::ReportError;
use doithoai_store::{HandlingColumns, PetitionRow, StoreError};
use doithoai_sync::{DocHandle, SyncError, parse_doc_id, read};
use uuid::Uuid;

use crate::app::{App, AppError};
use crate::config::DeviceConfig;

/// The meta key holding the handling document and heads the overlay reflects.
pub const HANDLING_OVERLAY_HEADS: &str = "handling.overlay_heads";

/// Errors of office operations, each with a message for the clerk.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Handling(#[from] HandlingError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("only office devices may do this (this device's role is {role:?})")]
    NotOffice { role: String },
    #[error("no handling document on this device yet")]
    NoHandling,
    #[error("no petition holds register number {0}")]
    NoSuchNumber(RegisterNo),
    #[error("several petitions hold register number {no}")]
    SharedNumber { no: RegisterNo, ids: Vec<String> },
    #[error("the petition {0} could not be read from its document")]
    PetitionUnreadable(String),
    #[error("no channel given and no relay mark")]
    NoChannel { id: String },
}

impl From<DocError> for OfficeError {
    fn from(e: DocError) -> Self {
        OfficeError::App(AppError::Doc(e))
    }
}
impl From<StoreError> for OfficeError {
    fn from(e: StoreError) -> Self {
        OfficeError::App(AppError::Store(e))
    }
}
impl From<SyncError> for OfficeError {
    fn from(e: SyncError) -> Self {
        OfficeError::App(AppError::Sync(e))
    }
}
impl From<doithoai_model::ValidationError> for OfficeError {
    fn from(e: doithoai_model::ValidationError) -> Self {
        OfficeError::App(AppError::Validation(e))
    }
}

impl Localize for OfficeError {
    fn localize(&self, lang: Lang) -> String {
        match (self, lang) {
            (OfficeError::App(e), l) => e.localize(l),
            (OfficeError::Handling(e), l) => e.localize(l),
            (OfficeError::Report(e), l) => e.localize(l),
            (OfficeError::NotOffice { role }, Lang::Vi) => format!(
                "Chỉ máy của văn phòng phường (vai trò office) mới được xử lý ý kiến; máy này có vai trò «{}».",
                if role.is_empty() {
                    "chưa đặt"
                } else {
                    role
                }
            ),
            (OfficeError::NotOffice { role }, Lang::En) => format!(
                "Only ward office devices (role office) may handle petitions; this device's role is {role:?}."
            ),
            (OfficeError::NoHandling, Lang::Vi) => {
                "Máy này chưa có dữ liệu xử lý của văn phòng (chưa đồng bộ với máy chủ của phường)."
                    .into()
            }
            (OfficeError::NoHandling, Lang::En) => {
                "This device has no office handling data yet (not synced with the ward server)."
                    .into()
            }
            (OfficeError::NoSuchNumber(no), Lang::Vi) => {
                format!("Không có ý kiến nào mang số vào sổ {no}.")
            }
            (OfficeError::NoSuchNumber(no), Lang::En) => {
                format!("No petition holds register number {no}.")
            }
            (OfficeError::SharedNumber { no, ids }, Lang::Vi) => format!(
                "Số vào sổ {no} đang bị trùng giữa các ý kiến {}: hãy chọn ý kiến theo mã thay cho số, và giải quyết xung đột số vào sổ.",
                ids.join(", ")
            ),
            (OfficeError::SharedNumber { no, ids }, Lang::En) => format!(
                "Register number {no} is held by several petitions ({}): name the petition by its id instead, and resolve the register number conflict.",
                ids.join(", ")
            ),
            (OfficeError::PetitionUnreadable(id), Lang::Vi) => format!(
                "Không đọc được ý kiến {id} từ sổ tiếp nhận của điểm tiếp nhận; hãy dựng lại chỉ mục."
            ),
            (OfficeError::PetitionUnreadable(id), Lang::En) => format!(
                "Petition {id} could not be read from its collection point's intake; try rebuilding the index."
            ),
            (OfficeError::NoChannel { id }, Lang::Vi) => format!(
                "Cần chọn hình thức thông báo cho người dân: tổ trưởng chưa báo lại đã chuyển trả lời của ý kiến {id}."
            ),
            (OfficeError::NoChannel { id }, Lang::En) => format!(
                "Choose how the resident was told: the TDP leader has not relayed the answer of petition {id}."
            ),
        }
    }
}

impl OfficeError {
    /// The input the error is about (see [`HandlingError::input`]): the CLI names its flag, a
    /// web form shows the message beside its field.
    pub fn input(&self) -> Option<&'static str> {
        match self {
            OfficeError::Handling(h) => h.input(),
            OfficeError::NoChannel { .. } => Some("channel"),
            OfficeError::App(AppError::Validation(
                doithoai_model::ValidationError::UnknownDepartment { .. },
            )) => Some("department"),
            _ => None,
        }
    }

    /// The command that does what the message says to do next, for the CLI (a web page shows
    /// its forms instead).
    pub fn command(&self) -> Option<String> {
        match self {
            OfficeError::Handling(h) => h.command(),
            OfficeError::NoChannel { id } => Some(format!(
                "doithoai handle notify {id} --channel to_truong   ({})",
                channel_codes()
            )),
            OfficeError::SharedNumber { .. } => Some("doithoai handle conflicts".into()),
            OfficeError::PetitionUnreadable(_) => Some("doithoai index rebuild".into()),
            _ => None,
        }
    }
}

fn channel_codes() -> String {
    Channel::ALL
        .iter()
        .filter(|c| **c != Channel::OnSpot)
        .map(|c| c.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A petition as the office sees it: its index row and its handling.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OfficeView {
    pub row: PetitionRow,
    pub item: Option<Item>,
}

impl OfficeView {
    pub fn id(&self) -> Uuid {
        Uuid::parse_str(&self.row.id).unwrap_or_default()
    }
    pub fn number(&self) -> Option<RegisterNo> {
        self.item.as_ref().and_then(Item::number)
    }
}

/// The index columns of an item.
pub fn columns(item: &Item) -> HandlingColumns {
    HandlingColumns {
        id: item.id.to_string(),
        status: item.status.code().to_owned(),
        register_no: item.number().map(|n| n.to_string()),
        deadline: item
            .assignment
            .as_ref()
            .map(|a| a.deadline.format("%Y-%m-%d").to_string()),
        field: item.classification.as_ref().map(|c| c.field.clone()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// What a clerk gives to classify; `None` takes what the collector suggested.
#[derive(Debug, Clone, Default)]
pub struct Classify {
    pub kind: Option<PetitionKind>,
    pub field: Option<String>,
    pub competence: Option<Competence>,
    pub prior: String,
}

impl App {
    /// Whether this device is an office device.
    pub fn is_office(&self) -> bool {
        self.device.role == "office"
    }

    fn ensure_office(&self) -> Result<(), OfficeError> {
        if self.is_office() {
            Ok(())
        } else {
            Err(OfficeError::NotOffice {
                role: self.device.role.clone(),
            })
        }
    }

    fn handling_id(&self) -> Result<Option<String>, OfficeError> {
        if let Some(id) = &self.device.handling {
            return Ok(Some(id.clone()));
        }
        // Created by an earlier operation of this process or another one.
        Ok(DeviceConfig::load(&self.store)?.and_then(|d| d.handling))
    }

    /// The handling document; on an office device without one, a new local one is created and
    /// recorded in the settings when `create` is set.
    pub async fn handling_handle(&self, create: bool) -> Result<Option<DocHandle>, OfficeError> {
        if let Some(id) = self.handling_id()? {
            let id = parse_doc_id(&id)?;
            if let Some(h) = self.repo.find(&id).await? {
                return Ok(Some(h));
            }
            if !create {
                return Ok(None);
            }
            tracing::warn!(document = %id, "the handling document named in the settings is missing here");
            return Err(SyncError::UnknownDocument(id.to_string()).into());
        }
        if !create || !self.is_office() {
            return Ok(None);
        }
        let handle = self.repo.create(handling::new_document("")?).await?;
        let id = handle.document_id().to_string();
        let mut config = DeviceConfig::load(&self.store)?.unwrap_or_else(|| self.device.clone());
        config.handling = Some(id.clone());
        config.save(&self.store)?;
        tracing::info!(document = %id, "created a local handling document");
        Ok(Some(handle))
    }

    /// The whole handling document (empty when there is none).
    pub async fn handling_state(&self) -> Result<Handling, OfficeError> {
        match self.handling_handle(false).await? {
            Some(h) => Ok(read(&h, handling::read)?),
            None => Ok(Handling::default()),
        }
    }

    /// Brings the handling overlay of the index up to date with the handling document, reading
    /// only what changed since last time. Returns how many petitions were updated.
    pub async fn refresh_handling(&self) -> Result<usize, OfficeError> {
        let Some(handle) = self.handling_handle(false).await? else {
            return Ok(0);
        };
        let doc_id = handle.document_id().to_string();
        let known = self.store.meta_get(HANDLING_OVERLAY_HEADS)?;
        let before = known
            .as_deref()
            .and_then(|s| s.split_once(':'))
            .filter(|(d, _)| *d == doc_id)
            .map(|(_, h)| decode_heads(&unhex(h)));
        let (heads, items, full) = read(&handle, |doc| -> Result<_, DocError> {
            let before = match &before {
                Some(h) if h.iter().all(|x| doc.get_change_by_hash(x).is_some()) => h.clone(),
                _ => Vec::new(),
            };
            let heads = doc.get_heads();
            if !before.is_empty() && before == heads {
                return Ok((heads, BTreeMap::new(), false));
            }
            match handling::changed_ids(doc, &before) {
                None => Ok((heads, handling::read(doc)?.items, true)),
                Some(ids) => Ok((heads, handling::read_items(doc, &ids)?, false)),
            }
        })?;
        // Index rows read earlier in this process carry the old handling: write them first so
        // that they cannot overwrite what follows when the process closes.
        self.flush_index()?;
        if full {
            self.store.handling_clear()?;
        }
        let cols: Vec<HandlingColumns> = items.values().map(columns).collect();
        self.store.handling_apply(&cols)?;
        let mut heads = heads;
        heads.sort();
        self.store.meta_set(
            HANDLING_OVERLAY_HEADS,
            &format!("{doc_id}:{}", hex(&encode_heads(&heads))),
        )?;
        Ok(cols.len())
    }

    fn office_ctx(&self) -> Ctx {
        let device = self
            .device
            .device_id
            .clone()
            .or_else(|| self.device.peer_id.clone())
            .unwrap_or_else(|| "local".to_owned());
        Ctx::new(&self.device.name, &device, doithoai_model::time::ward_now())
    }

    /// Finds the petition a clerk typed: an id prefix or a register number such as `17/2026`.
    pub async fn office_resolve(&self, typed: &str) -> Result<PetitionRow, OfficeError> {
        if typed.contains('/')
            && let Some(no) = RegisterNo::parse(typed)
        {
            let h = self.handling_state().await?;
            return match h.holders(no).as_slice() {
                [] => Err(OfficeError::NoSuchNumber(no)),
                [one] => self
                    .store
                    .index_get(&one.to_string())?
                    .ok_or_else(|| AppError::NoSuchPetition(typed.to_owned()).into()),
                many => Err(OfficeError::SharedNumber {
                    no,
                    ids: many
                        .iter()
                        .map(doithoai_model::petition::short_id)
                        .collect(),
                }),
            };
        }
        Ok(self.resolve(typed)?)
    }

    /// A petition read from its intake document.
    pub async fn petition_of(&self, row: &PetitionRow) -> Result<Petition, OfficeError> {
        let id = Uuid::parse_str(&row.id)
            .map_err(|_| OfficeError::PetitionUnreadable(row.id.clone()))?;
        let handle = self.repo.get(&parse_doc_id(&row.doc_id)?).await?;
        read(&handle, |d| intake::get_petition(d, &id))?
            .ok_or_else(|| OfficeError::PetitionUnreadable(row.id.clone()))
    }

    /// Runs one office operation on the handling document and updates the overlay.
    async fn office_op<R>(
        &self,
        op: Op,
        ids: &[Uuid],
        f: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &Ctx) -> Result<R, HandlingError>,
    ) -> Result<R, OfficeError> {
        self.ensure_office()?;
        let handle = self
            .handling_handle(true)
            .await?
            .ok_or(OfficeError::NoHandling)?;
        let ctx = self.office_ctx();
        let meta = ctx.meta(op, ids);
        // The heads before and after, read under the same lock as the change: what lies between
        // them is this change alone, even while a sync delivers other laptops' changes.
        let (out, before) = handle.with_document(|doc| {
            let before = doc.get_heads();
            let out = doc
                .transact_with(|_| meta.commit_options(), |tx| f(tx, &ctx))
                .map(|ok| ok.result)
                .map_err(|fail| fail.error);
            (out, before)
        });
        let out = out?;
        // On disk before anyone is told it is done, also in a process that keeps running (the
        // web UI of `serve`), where nothing closes the repository after the operation.
        self.repo.persist_since(&handle, &before)?;
        tracing::info!(op = op.code(), ids = ?ids, by = %ctx.by, "office operation");
        self.refresh_after(&handle, &before, ids).await?;
        Ok(out)
    }

    /// Brings the overlay up to date after an operation on `ids` made on top of `before`: when
    /// the overlay reflected `before`, only these petitions changed, and only they are read
    /// (not a diff of the whole document); otherwise, as [`App::refresh_handling`].
    async fn refresh_after(
        &self,
        handle: &DocHandle,
        before: &[automerge::ChangeHash],
        ids: &[Uuid],
    ) -> Result<usize, OfficeError> {
        let doc_id = handle.document_id().to_string();
        let mut sorted = before.to_vec();
        sorted.sort();
        let expected = format!("{doc_id}:{}", hex(&encode_heads(&sorted)));
        if self.store.meta_get(HANDLING_OVERLAY_HEADS)?.as_deref() != Some(expected.as_str()) {
            return self.refresh_handling().await;
        }
        let wanted: BTreeSet<Uuid> = ids.iter().copied().collect();
        let (heads, items) = read(handle, |doc| -> Result<_, DocError> {
            Ok((doc.get_heads(), handling::read_items(doc, &wanted)?))
        })?;
        self.flush_index()?;
        let cols: Vec<HandlingColumns> = items.values().map(columns).collect();
        self.store.handling_apply(&cols)?;
        let mut heads = heads;
        heads.sort();
        self.store.meta_set(
            HANDLING_OVERLAY_HEADS,
            &format!("{doc_id}:{}", hex(&encode_heads(&heads))),
        )?;
        Ok(cols.len())
    }

    fn uuid(row: &PetitionRow) -> Result<Uuid, OfficeError> {
        Uuid::parse_str(&row.id).map_err(|_| OfficeError::PetitionUnreadable(row.id.clone()))
    }

    /// The view of a petition after an operation.
    pub async fn office_view(&self, typed: &str) -> Result<OfficeView, OfficeError> {
        let row = self.office_resolve(typed).await?;
        let item = match self.handling_handle(false).await? {
            Some(h) => read(&h, |d| {
                handling::item(d, &Self::uuid(&row).unwrap_or_default())
            })?,
            None => None,
        };
        let row = self.store.index_get(&row.id)?.unwrap_or(row);
        Ok(OfficeView { row, item })
    }

    /// Enters a petition in the register. `date` defaults to today.
    pub async fn office_receive(
        &self,
        typed: &str,
        date: Option<NaiveDate>,
    ) -> Result<(PetitionRow, RegisterNo), OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        let collected = chrono::DateTime::parse_from_rfc3339(&row.created_at)
            .map(|d| d.date_naive())
            .unwrap_or_else(|_| doithoai_model::time::ward_now().date_naive());
        let point = row.point.clone();
        let no = self
            .office_op(Op::Receive, &[id], |tx, ctx| {
                let d = date.unwrap_or_else(|| ctx.today());
                handling::receive(tx, ctx, id, &point, collected, d)
            })
            .await?;
        Ok((row, no))
    }

    /// Every indexed petition not yet in the register, oldest first.
    pub fn collected_rows(&self) -> Result<Vec<PetitionRow>, OfficeError> {
        let mut rows = self.store.list_petitions(&doithoai_store::PetitionFilter {
            status: Some(Status::Collected.code().to_owned()),
            ..Default::default()
        })?;
        rows.reverse();
        Ok(rows)
    }

    pub async fn office_classify(
        &self,
        typed: &str,
        input: Classify,
    ) -> Result<(PetitionRow, Status, ClassifyInput), OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        let registry = self.registry().await?;
        let current = self.office_view(&row.id).await?.item;
        let current_class = current.as_ref().and_then(|i| i.classification.clone());
        let kind = input
            .kind
            .or(current_class.as_ref().map(|c| c.kind))
            .or_else(|| PetitionKind::parse(&row.kind))
            .unwrap_or(PetitionKind::KienNghi);
        let field = input
            .field
            .or(current_class.as_ref().map(|c| c.field.clone()))
            .or(row.field.clone())
            .ok_or(HandlingError::Required { what: "field" })?;
        let competence = input
            .competence
            .or(current_class.as_ref().map(|c| c.competence))
            .unwrap_or(Competence::Ward);
        let prior = if input.prior.is_empty() {
            current_class.map(|c| c.prior).unwrap_or_default()
        } else {
            input.prior
        };
        let ci = ClassifyInput {
            kind,
            field,
            competence,
            prior,
        };
        let st = self
            .office_op(Op::Classify, &[id], |tx, ctx| {
                handling::classify(tx, ctx, &registry, id, &ci)
            })
            .await?;
        Ok((row, st, ci))
    }

    /// Merges `typed` into `into`; returns the original's row.
    pub async fn office_merge(
        &self,
        typed: &str,
        into: &str,
    ) -> Result<(PetitionRow, PetitionRow), OfficeError> {
        let row = self.office_resolve(typed).await?;
        let target = self.office_resolve(into).await?;
        let (id, tid) = (Self::uuid(&row)?, Self::uuid(&target)?);
        let root = self
            .office_op(Op::Merge, &[id, tid], |tx, ctx| {
                handling::merge(tx, ctx, id, tid)
            })
            .await?;
        let root_row = self.store.index_get(&root.to_string())?.unwrap_or(target);
        Ok((row, root_row))
    }

    pub async fn office_forward(
        &self,
        typed: &str,
        input: ForwardInput,
    ) -> Result<PetitionRow, OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        self.office_op(Op::Forward, &[id], |tx, ctx| {
            handling::forward(tx, ctx, id, &input)
        })
        .await?;
        Ok(row)
    }

    pub async fn office_file(&self, typed: &str, reason: &str) -> Result<PetitionRow, OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        self.office_op(Op::File, &[id], |tx, ctx| {
            handling::file(tx, ctx, id, reason)
        })
        .await?;
        Ok(row)
    }

    /// Finds a department by id or name, ignoring case and diacritics.
    pub fn find_department(registry: &Registry, typed: &str) -> Option<String> {
        registry.find_department(typed).map(|d| d.id.clone())
    }

    pub async fn office_assign(
        &self,
        typed: &str,
        department: &str,
        deadline: Option<NaiveDate>,
        note: &str,
    ) -> Result<(PetitionRow, NaiveDate), OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        let registry = self.registry().await?;
        let dept = Self::find_department(&registry, department).ok_or_else(|| {
            doithoai_model::ValidationError::UnknownDepartment {
                value: department.to_owned(),
            }
        })?;
        let input = AssignInput {
            department: dept,
            deadline,
            note: note.to_owned(),
        };
        let d = self
            .office_op(Op::Assign, &[id], |tx, ctx| {
                handling::assign(tx, ctx, &registry, id, &input)
            })
            .await?;
        Ok((row, d))
    }

    pub async fn office_answer(
        &self,
        typed: &str,
        input: AnswerInput,
    ) -> Result<(PetitionRow, Status), OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        let op = if input.on_spot {
            Op::AnswerOnSpot
        } else {
            Op::Answer
        };
        let st = self
            .office_op(op, &[id], |tx, ctx| handling::answer(tx, ctx, id, &input))
            .await?;
        Ok((row, st))
    }

    pub async fn office_approve(
        &self,
        typed: &str,
        approver: &str,
        note: &str,
    ) -> Result<PetitionRow, OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        self.office_op(Op::Approve, &[id], |tx, ctx| {
            handling::approve(tx, ctx, id, approver, note)
        })
        .await?;
        Ok(row)
    }

    /// Records that the resident was told. Without a channel, the TDP leader's relay mark on the
    /// petition (`doithoai petition edit ID --relayed ...`) is taken: channel "through the TDP
    /// leader", its date and note.
    pub async fn office_notify(
        &self,
        typed: &str,
        channel: Option<Channel>,
        date: Option<NaiveDate>,
        note: &str,
    ) -> Result<(PetitionRow, Channel), OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        let input = match channel {
            Some(channel) => NotifyInput {
                channel,
                date,
                note: note.to_owned(),
            },
            None => {
                let p = self.petition_of(&row).await?;
                let relay = p.relayed.ok_or_else(|| OfficeError::NoChannel {
                    id: doithoai_model::petition::short_id(&id),
                })?;
                let relay_date = chrono::DateTime::parse_from_rfc3339(&relay.at)
                    .ok()
                    .map(|d| d.date_naive());
                let mut n = format!("{}: {}", relay.by, relay.note);
                if !note.trim().is_empty() {
                    n = format!("{n}; {}", note.trim());
                }
                NotifyInput {
                    channel: Channel::TdpLeader,
                    date: date.or(relay_date),
                    note: n,
                }
            }
        };
        let channel = input.channel;
        self.office_op(Op::Notify, &[id], |tx, ctx| {
            handling::notify(tx, ctx, id, &input)
        })
        .await?;
        Ok((row, channel))
    }

    /// The approved petitions whose TDP leader marked the answer as relayed: ready to be
    /// recorded as notified.
    pub async fn relayed_approved(&self) -> Result<Vec<PetitionRow>, OfficeError> {
        let rows = self.store.list_petitions(&doithoai_store::PetitionFilter {
            status: Some(Status::Approved.code().to_owned()),
            ..Default::default()
        })?;
        let mut out = Vec::new();
        for row in rows {
            if self.petition_of(&row).await?.relayed.is_some() {
                out.push(row);
            }
        }
        Ok(out)
    }

    pub async fn office_close(&self, typed: &str, note: &str) -> Result<PetitionRow, OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        self.office_op(Op::Close, &[id], |tx, ctx| {
            handling::close(tx, ctx, id, note)
        })
        .await?;
        Ok(row)
    }

    pub async fn office_reopen(
        &self,
        typed: &str,
        reason: &str,
    ) -> Result<(PetitionRow, Status), OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        let st = self
            .office_op(Op::Reopen, &[id], |tx, ctx| {
                handling::reopen(tx, ctx, id, reason)
            })
            .await?;
        Ok((row, st))
    }

    /// Gives a petition a fresh number, or keeps one of those it holds.
    pub async fn office_renumber(
        &self,
        typed: &str,
        keep: Option<RegisterNo>,
        reason: &str,
    ) -> Result<(PetitionRow, Vec<RegisterNo>, RegisterNo), OfficeError> {
        // A register number here may be the very one in conflict: resolve ids only.
        let row = self.resolve(typed)?;
        let id = Self::uuid(&row)?;
        let before = self
            .handling_state()
            .await?
            .get(&id)
            .map(|i| i.numbers.clone())
            .unwrap_or_default();
        let no = self
            .office_op(Op::Renumber, &[id], |tx, ctx| {
                handling::renumber(tx, ctx, id, keep, reason)
            })
            .await?;
        Ok((row, before, no))
    }

    pub async fn office_resolve_status(
        &self,
        typed: &str,
        keep: Status,
        note: &str,
    ) -> Result<PetitionRow, OfficeError> {
        let row = self.office_resolve(typed).await?;
        let id = Self::uuid(&row)?;
        self.office_op(Op::Resolve, &[id], |tx, ctx| {
            handling::resolve(tx, ctx, id, keep, note)
        })
        .await?;
        Ok(row)
    }

    /// Every petition this device has indexed, read from the intake documents.
    pub async fn all_petitions(&self) -> Result<Vec<Petition>, OfficeError> {
        // Only the copy the index shows, in the point owning its document (never the point the
        // petition claims: a collector could claim another point's).
        let mut by_doc: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        for (id, doc, point) in self.store.index_owners()? {
            by_doc
                .entry(doc)
                .or_insert_with(|| (point, Vec::new()))
                .1
                .push(id);
        }
        let mut out = Vec::new();
        for (doc, (point, ids)) in by_doc {
            let Ok(doc_id) = parse_doc_id(&doc) else {
                continue;
            };
            let Some(handle) = self.repo.find(&doc_id).await? else {
                tracing::warn!(document = %doc, "indexed intake document not found");
                continue;
            };
            let (ps, bad) = read(&handle, |d| intake::petitions_by_ids(d, ids))?;
            for (key, e) in bad {
                tracing::warn!(petition = %key, error = %e, "petition could not be read");
            }
            out.extend(ps.into_iter().map(|mut p| {
                p.point = point.clone();
                p
            }));
        }
        Ok(out)
    }

    /// Likely duplicates, for one petition or for all.
    pub async fn office_duplicates(
        &self,
        typed: Option<&str>,
        threshold: f64,
    ) -> Result<Vec<DuplicateSuggestion>, OfficeError> {
        let only = match typed {
            Some(t) => Some(Self::uuid(&self.office_resolve(t).await?)?),
            None => None,
        };
        let petitions = self.all_petitions().await?;
        let h = self.handling_state().await?;
        Ok(handling::suggest_duplicates(
            &petitions, &h, only, threshold,
        ))
    }

    /// The petitions past a time limit on `today`.
    pub async fn office_overdue(&self, today: NaiveDate) -> Result<Vec<Overdue>, OfficeError> {
        let h = self.open_items().await?;
        self.overdue_in(&h, today).await
    }

    /// The items that can be late (received, classified, assigned, answered, approved), found
    /// by the overlay's status and read alone: what the overdue page and the header's count
    /// need, without reading every closed petition of the year. Claims are left out.
    pub async fn open_items(&self) -> Result<Handling, OfficeError> {
        self.refresh_handling().await?;
        let open = [
            Status::Received,
            Status::Classified,
            Status::Assigned,
            Status::Answered,
            Status::Approved,
        ];
        let codes: Vec<&str> = open.iter().map(|s| s.code()).collect();
        let ids: Vec<Uuid> = self
            .store
            .handling_ids_with_status(&codes)?
            .iter()
            .filter_map(|i| Uuid::parse_str(i).ok())
            .collect();
        Ok(Handling {
            items: self.office_items(ids).await?,
            claims: Vec::new(),
        })
    }

    async fn overdue_in(
        &self,
        h: &Handling,
        today: NaiveDate,
    ) -> Result<Vec<Overdue>, OfficeError> {
        let registry = self.registry().await?;
        let unreceived: Vec<(Uuid, NaiveDate)> = self
            .collected_rows()?
            .iter()
            .filter_map(|r| {
                let id = Uuid::parse_str(&r.id).ok()?;
                let d = chrono::DateTime::parse_from_rfc3339(&r.created_at).ok()?;
                Some((id, d.date_naive()))
            })
            .collect();
        Ok(h.overdue(&Calendar::of(&registry), today, &unreceived))
    }

    pub async fn office_conflicts(&self) -> Result<Vec<Conflict>, OfficeError> {
        Ok(self.handling_state().await?.conflicts())
    }

    /// The index rows of some petitions, by id.
    pub fn rows_of(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<BTreeMap<Uuid, PetitionRow>, OfficeError> {
        let wanted: BTreeSet<Uuid> = ids.into_iter().collect();
        let mut out = BTreeMap::new();
        for id in wanted {
            if let Some(r) = self.store.index_get(&id.to_string())? {
                out.insert(id, r);
            }
        }
        Ok(out)
    }

    /// Everything a report is made from.
    pub async fn report_data(&self) -> Result<(Vec<Petition>, Handling, Registry), OfficeError> {
        self.refresh_handling().await?;
        Ok((
            self.all_petitions().await?,
            self.handling_state().await?,
            self.registry().await?,
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// The office's desk (the web UI's inbox, duplicates, overdue and conflicts pages; the CLI's
// `handle` commands call the same operations one petition at a time)
// ---------------------------------------------------------------------------------------------

/// A petition entered in the register, as the clerk is shown it at once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Receipt {
    pub row: PetitionRow,
    pub no: RegisterNo,
    /// The day it was received: the deadlines count from here.
    pub date: NaiveDate,
    /// By when the resident must be told whether it is accepted, forwarded or refused (10
    /// working days, Law on Citizen Reception 2013, art. 28, on the ward's calendar).
    pub accept_by: NaiveDate,
    /// Years of the ward's calendar between the two days that the office has not confirmed.
    pub unconfirmed_years: Vec<i32>,
}

/// One late petition with what the overdue page shows beside it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OverdueEntry {
    pub overdue: Overdue,
    pub status: Status,
    pub number: Option<RegisterNo>,
    /// The department it is assigned to (for the handling deadline).
    pub department: Option<String>,
    pub row: Option<PetitionRow>,
}

/// A suggested pair of duplicates, both petitions read whole; `later` is the one to merge into
/// `earlier` (by register number, then by the day recorded).
#[derive(Debug, Clone)]
pub struct DuplicatePair {
    pub suggestion: DuplicateSuggestion,
    pub later: Petition,
    pub earlier: Petition,
    pub later_row: PetitionRow,
    pub earlier_row: PetitionRow,
    /// How many people the group would count once merged (both groups summed).
    pub people_merged: i64,
}

/// A duplicate group: its original and every petition merged into it.
#[derive(Debug, Clone)]
pub struct DuplicateGroup {
    pub root: Uuid,
    pub rows: Vec<PetitionRow>,
    pub people: i64,
}

/// What the law asks next of a petition classified as a complaint or a denunciation, or of one
/// outside the ward's competence; `None` for an ordinary petition of the ward. (The articles
/// cited are those of the laws in force in 2024; verify them against the official texts.)
pub fn next_step_required(
    kind: PetitionKind,
    competence: Competence,
    lang: Lang,
) -> Option<String> {
    let s = match (kind, lang) {
        (PetitionKind::KhieuNai, Lang::Vi) => {
            "Đơn khiếu nại: không xử lý như kiến nghị thường, mà theo Luật Khiếu nại 2011. Nếu thuộc thẩm quyền, người có thẩm quyền phải thụ lý và thông báo bằng văn bản cho người khiếu nại trong 10 ngày (Điều 27); nếu không, trả lại đơn và hướng dẫn người khiếu nại gửi đến cơ quan có thẩm quyền. Ghi «Chuyển đơn / hướng dẫn» bên dưới."
        }
        (PetitionKind::KhieuNai, Lang::En) => {
            "A complaint: not an ordinary petition; it follows the Law on Complaints 2011. Within the ward's competence it must be accepted and the complainant told in writing within 10 days (art. 27); otherwise return it with guidance to the competent body. Record «Forward / guide» below."
        }
        (PetitionKind::ToCao, Lang::Vi) => {
            "Đơn tố cáo: xử lý theo Luật Tố cáo 2018. Trong 7 ngày làm việc phải vào sổ, kiểm tra và quyết định thụ lý hay không (Điều 24); không thuộc thẩm quyền thì chuyển đơn đến cơ quan có thẩm quyền trong 5 ngày làm việc và báo cho người tố cáo. Giữ bí mật họ tên, địa chỉ người tố cáo. Ghi «Chuyển đơn / hướng dẫn» bên dưới."
        }
        (PetitionKind::ToCao, Lang::En) => {
            "A denunciation: it follows the Law on Denunciations 2018. Within 7 working days it must be registered, checked and accepted or not (art. 24); outside the ward's competence, forward it to the competent body within 5 working days and tell the denouncer. Keep the denouncer's identity confidential. Record «Forward / guide» below."
        }
        _ if competence != Competence::Ward => {
            return Some(match lang {
                Lang::Vi => format!(
                    "Không thuộc thẩm quyền của phường ({}): chuyển đơn đến cơ quan có thẩm quyền và theo dõi kết quả; báo cho người dân trong 10 ngày làm việc kể từ ngày vào sổ.",
                    competence.label(lang)
                ),
                Lang::En => format!(
                    "Outside the ward's competence ({}): forward it to the competent body and track the result; tell the resident within 10 working days of registration.",
                    competence.label(lang)
                ),
            });
        }
        _ => return None,
    };
    Some(s.to_owned())
}

fn people_of(rows: &[PetitionRow]) -> i64 {
    rows.iter().map(|r| r.people_count.max(1)).sum()
}

/// Of two likely duplicates, the later one (to merge) and the earlier one (the original): by
/// register number, then by the day they were recorded.
pub fn later_first<'a>(
    a: &'a PetitionRow,
    b: &'a PetitionRow,
) -> (&'a PetitionRow, &'a PetitionRow) {
    let key = |r: &PetitionRow| {
        (
            r.register_no
                .as_deref()
                .and_then(RegisterNo::parse)
                .map(|n| (n.year, n.number)),
            r.created_at.clone(),
        )
    };
    let (ka, kb) = (key(a), key(b));
    let a_first = match (ka.0, kb.0) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => ka.1 <= kb.1,
    };
    if a_first { (b, a) } else { (a, b) }
}

impl App {
    /// The office's inbox: petitions from every point not yet in the register, newest first,
    /// optionally of one point; with how many there are in all.
    pub fn office_inbox(
        &self,
        point: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<PetitionRow>, u64), OfficeError> {
        let filter = doithoai_store::PetitionFilter {
            status: Some(Status::Collected.code().to_owned()),
            point: point.filter(|p| !p.is_empty()).map(str::to_owned),
            limit: Some(limit),
            offset: Some(offset),
            ..Default::default()
        };
        Ok((
            self.store.list_petitions(&filter)?,
            self.store.count_petitions(&filter)?,
        ))
    }

    /// The petitions at one status, newest first (at most `limit`), with how many there are.
    pub fn office_at_status(
        &self,
        status: Status,
        limit: u32,
    ) -> Result<(Vec<PetitionRow>, u64), OfficeError> {
        let filter = doithoai_store::PetitionFilter {
            status: Some(status.code().to_owned()),
            limit: Some(limit),
            ..Default::default()
        };
        Ok((
            self.store.list_petitions(&filter)?,
            self.store.count_petitions(&filter)?,
        ))
    }

    /// The handling of some petitions in one read of the handling document (the register's
    /// claims read once, not once per petition as [`App::office_view`] does); those the
    /// document does not know are left out.
    pub async fn office_items(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<BTreeMap<Uuid, Item>, OfficeError> {
        let Some(h) = self.handling_handle(false).await? else {
            return Ok(BTreeMap::new());
        };
        let ids: BTreeSet<Uuid> = ids.into_iter().collect();
        Ok(read(&h, |d| handling::read_items(d, &ids))?)
    }

    /// The acceptance deadline of a petition received on `date`, and the calendar years it
    /// crosses that the office has not confirmed.
    pub fn acceptance_deadline(registry: &Registry, date: NaiveDate) -> (NaiveDate, Vec<i32>) {
        let cal = Calendar::of(registry);
        let due = cal.ten_working_days(date);
        (due, cal.unconfirmed_years(date, due))
    }

    /// Enters several petitions in the register on `date` (today when `None`), in the order
    /// given; each gets the next number. Stops at the first refusal, keeping those before it.
    pub async fn office_receive_many(
        &self,
        typed: &[String],
        date: Option<NaiveDate>,
    ) -> Result<Vec<Receipt>, (Vec<Receipt>, OfficeError)> {
        let registry = match self.registry().await {
            Ok(r) => r,
            Err(e) => return Err((Vec::new(), e.into())),
        };
        let mut done = Vec::new();
        for t in typed {
            match self.office_receive(t, date).await {
                Ok((row, no)) => {
                    let d = match self.office_view(&row.id).await {
                        Ok(v) => v.item.and_then(|i| i.received).map(|r| r.date),
                        Err(e) => return Err((done, e)),
                    }
                    .unwrap_or_else(|| doithoai_model::time::ward_now().date_naive());
                    let (accept_by, unconfirmed_years) = Self::acceptance_deadline(&registry, d);
                    done.push(Receipt {
                        row,
                        no,
                        date: d,
                        accept_by,
                        unconfirmed_years,
                    });
                }
                Err(e) => return Err((done, e)),
            }
        }
        Ok(done)
    }

    /// The receipts of petitions already in the register (for showing them again after a
    /// redirect); petitions not in the register are left out.
    pub async fn office_receipts(&self, ids: &[String]) -> Result<Vec<Receipt>, OfficeError> {
        let registry = self.registry().await?;
        let mut out = Vec::new();
        for id in ids {
            let Ok(v) = self.office_view(id).await else {
                continue;
            };
            let Some(item) = v.item else { continue };
            let (Some(no), Some(r)) = (item.number(), item.received.as_ref()) else {
                continue;
            };
            let (accept_by, unconfirmed_years) = Self::acceptance_deadline(&registry, r.date);
            out.push(Receipt {
                row: v.row,
                no,
                date: r.date,
                accept_by,
                unconfirmed_years,
            });
        }
        Ok(out)
    }

    /// The deadline an assignment of `item` gets when the clerk gives none: 10 working days
    /// from its receipt (from today when it has none), on the ward's calendar.
    pub fn default_assignment_deadline(registry: &Registry, item: &Item) -> NaiveDate {
        let from = item
            .received
            .as_ref()
            .map(|r| r.date)
            .unwrap_or_else(|| doithoai_model::time::ward_now().date_naive());
        Calendar::of(registry).ten_working_days(from)
    }

    /// The late petitions on `today`, most days late first, with their status, number,
    /// department and index row.
    pub async fn office_overdue_entries(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<OverdueEntry>, OfficeError> {
        let h = self.open_items().await?;
        let list = self.overdue_in(&h, today).await?;
        let rows = self.rows_of(list.iter().map(|o| o.id))?;
        let mut out: Vec<OverdueEntry> = list
            .into_iter()
            .map(|o| {
                let item = h.get(&o.id);
                OverdueEntry {
                    status: item.map_or(Status::Collected, |i| i.status),
                    number: item.and_then(Item::number),
                    department: item
                        .and_then(|i| i.assignment.as_ref())
                        .filter(|_| o.kind == handling::OverdueKind::Deadline)
                        .map(|a| a.department.clone()),
                    row: rows.get(&o.id).cloned(),
                    overdue: o,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.overdue
                .days_late
                .cmp(&a.overdue.days_late)
                .then(a.overdue.id.cmp(&b.overdue.id))
        });
        Ok(out)
    }

    /// How many petitions are late on `today` (the figure in the office's header).
    pub async fn office_overdue_count(&self, today: NaiveDate) -> Result<usize, OfficeError> {
        Ok(self.office_overdue(today).await?.len())
    }

    /// The suggested duplicate pairs, both petitions read whole, the later one first.
    pub async fn office_duplicate_pairs(
        &self,
        threshold: f64,
    ) -> Result<Vec<DuplicatePair>, OfficeError> {
        let petitions = self.all_petitions().await?;
        let h = self.handling_state().await?;
        let sugg = handling::suggest_duplicates(&petitions, &h, None, threshold);
        let by_id: BTreeMap<Uuid, &Petition> = petitions.iter().map(|p| (p.id, p)).collect();
        let rows = self.rows_of(sugg.iter().flat_map(|s| [s.id, s.candidate]))?;
        let group_people = |id: &Uuid| -> i64 {
            let ids = h.group(&h.root(id));
            ids.iter()
                .filter_map(|i| {
                    rows.get(i)
                        .map(|r| r.people_count.max(1))
                        .or_else(|| by_id.get(i).map(|p| i64::from(p.people_count.max(1))))
                })
                .sum()
        };
        let mut out = Vec::new();
        for s in sugg {
            let (Some(a), Some(b), Some(ra), Some(rb)) = (
                by_id.get(&s.id),
                by_id.get(&s.candidate),
                rows.get(&s.id),
                rows.get(&s.candidate),
            ) else {
                continue;
            };
            let (later_row, earlier_row) = later_first(ra, rb);
            let (later, earlier) = if later_row.id == ra.id {
                (a, b)
            } else {
                (b, a)
            };
            let people_merged = group_people(&s.id) + group_people(&s.candidate);
            out.push(DuplicatePair {
                suggestion: s,
                later: (*later).clone(),
                earlier: (*earlier).clone(),
                later_row: later_row.clone(),
                earlier_row: earlier_row.clone(),
                people_merged,
            });
        }
        Ok(out)
    }

    /// The duplicate group a petition belongs to: its original first, the people summed.
    pub async fn office_group(&self, typed: &str) -> Result<DuplicateGroup, OfficeError> {
        let row = self.office_resolve(typed).await?;
        let h = self.handling_state().await?;
        let root = h.root(&Self::uuid(&row)?);
        let ids = h.group(&root);
        let by_id = self.rows_of(ids.iter().copied())?;
        let rows: Vec<PetitionRow> = ids.iter().filter_map(|i| by_id.get(i).cloned()).collect();
        let people = people_of(&rows);
        Ok(DuplicateGroup { root, rows, people })
    }

    /// The duplicate groups with at least one merged petition (for undoing a merge): each
    /// original with its duplicates.
    pub async fn office_groups(&self) -> Result<Vec<DuplicateGroup>, OfficeError> {
        let h = self.handling_state().await?;
        let mut roots: BTreeSet<Uuid> = BTreeSet::new();
        for item in h.items.values() {
            if item.duplicate_of().is_some() {
                roots.insert(h.root(&item.id));
            }
        }
        let mut out = Vec::new();
        for root in roots {
            let ids = h.group(&root);
            let by_id = self.rows_of(ids.iter().copied())?;
            let rows: Vec<PetitionRow> = ids.iter().filter_map(|i| by_id.get(i).cloned()).collect();
            let people = people_of(&rows);
            out.push(DuplicateGroup { root, rows, people });
        }
        Ok(out)
    }
}
