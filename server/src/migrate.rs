//! Moving a ward server from its SQLite file to PostgreSQL: `doithoai-server migrate --from
//! ./data --to postgres://…`.
//!
//! The source is opened as the server opens it (the server must be stopped); the target must hold
//! no ward, device or chunk. The registry is copied in one transaction, the chunks document by
//! document (one transaction each), as the bytes samod wrote. Then both sides are read back and
//! compared: the rows of every registry table, the number of chunks, and the heads of every
//! document (each side's chunks merged into an Automerge document, so what is compared is what
//! samod will load). On any failure after the target was found empty, what was copied is removed
//! again, so the command can simply be run again.

use std::path::{Path, PathBuf};

use doithoai_model::{Lang, Localize};
use doithoai_store::{ServerDb, StoreError};

use crate::{DB_FILE, ServerStore};

/// Why a migration stopped.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("no server database in {}", .0.display())]
    NoSource(PathBuf),
    #[error(
        "the target database {db} already holds data ({wards} wards, {devices} devices, {chunks} chunks)"
    )]
    TargetNotEmpty {
        db: String,
        wards: usize,
        devices: usize,
        chunks: i64,
    },
    #[error("{what}: {from} in the source, {to} in the target")]
    CountMismatch {
        what: &'static str,
        from: i64,
        to: i64,
    },
    #[error("document {doc}: heads differ after the copy")]
    HeadsDiffer { doc: String },
    #[error("document {doc}: a stored chunk cannot be read: {message}")]
    BadChunk { doc: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localize for MigrateError {
    fn localize(&self, lang: Lang) -> String {
        use MigrateError::*;
        match (self, lang) {
            (NoSource(d), Lang::Vi) => format!(
                "Không có cơ sở dữ liệu máy chủ trong {} (cần tệp {DB_FILE}).",
                d.display()
            ),
            (NoSource(d), Lang::En) => format!(
                "No server database in {} (expected the file {DB_FILE}).",
                d.display()
            ),
            (
                TargetNotEmpty {
                    db,
                    wards,
                    devices,
                    chunks,
                },
                Lang::Vi,
            ) => format!(
                "Cơ sở dữ liệu đích {db} đã có dữ liệu ({wards} phường, {devices} thiết bị, {chunks} khối tài liệu); không chép đè. Hãy dùng một cơ sở dữ liệu trống."
            ),
            (
                TargetNotEmpty {
                    db,
                    wards,
                    devices,
                    chunks,
                },
                Lang::En,
            ) => format!(
                "The target database {db} already holds data ({wards} wards, {devices} devices, {chunks} document chunks); nothing was copied over it. Use an empty database."
            ),
            (CountMismatch { what, from, to }, Lang::Vi) => format!(
                "Kiểm tra sau khi chép không khớp: {what} có {from} ở nguồn, {to} ở đích. Dữ liệu đã chép được xóa khỏi đích."
            ),
            (CountMismatch { what, from, to }, Lang::En) => format!(
                "The check after the copy failed: {what}: {from} in the source, {to} in the target. What was copied has been removed from the target."
            ),
            (HeadsDiffer { doc }, Lang::Vi) => format!(
                "Tài liệu {doc} khác nhau ở hai bên sau khi chép (heads không khớp). Dữ liệu đã chép được xóa khỏi đích."
            ),
            (HeadsDiffer { doc }, Lang::En) => format!(
                "Document {doc} differs between the two sides after the copy (heads differ). What was copied has been removed from the target."
            ),
            (BadChunk { doc, message }, Lang::Vi) => {
                format!("Không đọc được một khối của tài liệu {doc}: {message}.")
            }
            (BadChunk { doc, message }, Lang::En) => {
                format!("A chunk of document {doc} cannot be read: {message}.")
            }
            (Store(e), l) => e.localize(l),
        }
    }
}

/// What a migration copied and checked.
#[derive(Debug, Clone)]
pub struct MigrateReport {
    pub target: String,
    pub wards: usize,
    pub points: usize,
    pub devices: usize,
    pub documents: usize,
    pub chunks: i64,
    /// Documents whose heads were compared (every document with chunks).
    pub heads_checked: usize,
}

impl MigrateReport {
    pub fn describe(&self, lang: Lang) -> String {
        match lang {
            Lang::Vi => format!(
                "Đã chuyển sang {}: {} phường, {} điểm tiếp nhận, {} thiết bị, {} tài liệu đăng ký, {} khối. Đã kiểm tra: số dòng mọi bảng khớp, heads của {} tài liệu giống nhau ở hai bên.\nChạy máy chủ trên PostgreSQL: doithoai-server --database {} serve",
                self.target,
                self.wards,
                self.points,
                self.devices,
                self.documents,
                self.chunks,
                self.heads_checked,
                self.target
            ),
            Lang::En => format!(
                "Moved to {}: {} wards, {} intake points, {} devices, {} registered documents, {} chunks. Checked: the rows of every table match, the heads of {} documents are identical on both sides.\nRun the server on PostgreSQL: doithoai-server --database {} serve",
                self.target,
                self.wards,
                self.points,
                self.devices,
                self.documents,
                self.chunks,
                self.heads_checked,
                self.target
            ),
        }
    }
}

/// The heads of the document whose chunks are `chunks`, sorted.
fn heads_of(doc: &str, chunks: &[doithoai_store::Chunk]) -> Result<Vec<String>, MigrateError> {
    let mut am = automerge::Automerge::new();
    for (_, bytes) in chunks {
        am.load_incremental(bytes)
            .map_err(|e| MigrateError::BadChunk {
                doc: doc.to_owned(),
                message: e.to_string(),
            })?;
    }
    let mut heads: Vec<String> = am.get_heads().iter().map(|h| h.to_string()).collect();
    heads.sort();
    Ok(heads)
}

/// Copies the server database in `from` (a data directory) to the PostgreSQL database `to`, and
/// checks the copy. Blocking work runs on the blocking pool.
pub async fn migrate(from: &Path, to: &str) -> Result<MigrateReport, MigrateError> {
    let from = from.to_path_buf();
    let db = doithoai_store_pg::without_password(to);
    let to = to.to_owned();
    tokio::task::spawn_blocking(move || migrate_blocking(&from, &to))
        .await
        .map_err(|e| {
            MigrateError::Store(StoreError::Remote {
                db,
                what: "migrate",
                message: e.to_string(),
            })
        })?
}

fn migrate_blocking(from: &Path, to: &str) -> Result<MigrateReport, MigrateError> {
    if !from.join(DB_FILE).is_file() {
        return Err(MigrateError::NoSource(from.to_path_buf()));
    }
    let source = ServerStore::sqlite(from)?;
    let pg = std::sync::Arc::new(doithoai_store_pg::PgDb::connect(to)?);
    let target: &dyn ServerDb = &*pg;
    let (wards, devices, chunks) = (
        target.wards()?.len(),
        target.devices()?.len(),
        target.chunk_count()?,
    );
    if wards > 0 || devices > 0 || chunks > 0 {
        return Err(MigrateError::TargetNotEmpty {
            db: target.describe(),
            wards,
            devices,
            chunks,
        });
    }
    match copy_and_check(&*source, target) {
        Ok(report) => Ok(report),
        Err(e) => {
            tracing::error!(error = %e, "migration failed; removing what was copied");
            if let Err(clean) = pg.drop_everything() {
                tracing::error!(error = %clean, "could not remove the partial copy");
            }
            Err(e)
        }
    }
}

fn copy_and_check(
    source: &dyn ServerDb,
    target: &dyn ServerDb,
) -> Result<MigrateReport, MigrateError> {
    let started = std::time::Instant::now();
    let dump = source.registry_dump()?;
    target.registry_load(&dump)?;
    let ids = source.chunk_doc_ids()?;
    for id in &ids {
        let chunks = source.chunk_load_range(std::slice::from_ref(id))?;
        target.chunk_put_many(&chunks)?;
    }
    tracing::info!(documents = ids.len(), elapsed = ?started.elapsed(), "copied; checking");

    // Counts of every table.
    let copied = target.registry_dump()?;
    for ((what, a), (_, b)) in dump.counts().into_iter().zip(copied.counts()) {
        if a != b {
            return Err(MigrateError::CountMismatch {
                what,
                from: a as i64,
                to: b as i64,
            });
        }
    }
    if copied != dump {
        return Err(MigrateError::CountMismatch {
            what: "registry rows identical",
            from: 1,
            to: 0,
        });
    }
    let (a, b) = (source.chunk_count()?, target.chunk_count()?);
    if a != b {
        return Err(MigrateError::CountMismatch {
            what: "chunks",
            from: a,
            to: b,
        });
    }
    let target_ids = target.chunk_doc_ids()?;
    if target_ids != ids {
        return Err(MigrateError::CountMismatch {
            what: "documents with chunks",
            from: ids.len() as i64,
            to: target_ids.len() as i64,
        });
    }
    // Every document's heads, as each side would load it.
    let mut heads_checked = 0;
    for id in &ids {
        if doithoai_sync::parse_doc_id(id).is_err() {
            continue; // storage-adapter-id and other top-level keys: compared as counts above
        }
        let a = heads_of(id, &source.chunk_load_range(std::slice::from_ref(id))?)?;
        let b = heads_of(id, &target.chunk_load_range(std::slice::from_ref(id))?)?;
        if a != b {
            return Err(MigrateError::HeadsDiffer { doc: id.clone() });
        }
        heads_checked += 1;
    }
    tracing::info!(heads_checked, elapsed = ?started.elapsed(), "migration checked");
    Ok(MigrateReport {
        target: target.describe(),
        wards: dump.wards.len(),
        points: dump.points.len(),
        devices: dump.devices.len(),
        documents: dump.docs.len(),
        chunks: b,
        heads_checked,
    })
}
