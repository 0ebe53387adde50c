//! The server's database on PostgreSQL: [`PgDb`] implements doithoai-store's
//! [`ServerDb`] (samod's chunks and the registry) beside the embedded SQLite store, as Atuin keeps
//! its SQLite and PostgreSQL databases behind one trait.
//!
//! Driver: tokio-postgres with a deadpool-postgres pool. Chosen over sqlx because it is a smaller
//! build (no macros, no compile-time database, no other drivers), speaks the binary protocol with
//! cached prepared statements, and gives LISTEN/NOTIFY on a plain connection. The trait is
//! blocking (as SQLite is, and as the sync layer's storage adapter calls it, on tokio's blocking
//! pool), so the pool lives on a small runtime of its own and each call waits for its answer on
//! a channel: callable from any thread, an async worker included, without nesting runtimes.
//!
//! Schema migrations are versioned in `doithoai_schema` and run at connect time under an
//! advisory lock, so several nodes starting at once migrate once. Transient failures (the
//! connection dropped, a serialization failure, a deadlock, the pool timing out) are retried
//! like the SQLite store's (5 attempts, 20 ms doubling); then the error is returned, and the sync
//! layer stops the process rather than run on without persistence.

mod tls;

use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use doithoai_store::chunk_key::{decode, encode, range_end};
use doithoai_store::{
    ChangeCallback, Chunk, ChunkChange, CodeCheck, CodeRow, DeviceRow, DocFlag, DocRow, FlagRow,
    NodeRow, PointRow, RegistryDump, ServerDb, StoreError, StoredFlag, WardRow,
};
use tokio_postgres::{NoTls, Row};

/// `MIGRATIONS[n]` brings the schema from version `n` to `n + 1` (versions in `doithoai_schema`).
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: samod's chunks (keys as chunk.rs encodes them, compared byte-wise) and the registry,
    // the same tables as the SQLite store's.
    r#"
CREATE TABLE chunk (
    key  TEXT COLLATE "C" PRIMARY KEY,
    data BYTEA NOT NULL
);
CREATE TABLE reg_ward (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, ward_doc TEXT NOT NULL, handling_doc TEXT NOT NULL,
    monitoring_doc TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE reg_point (
    ward_id TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    intake_doc TEXT NOT NULL, PRIMARY KEY (ward_id, id)
);
CREATE TABLE reg_device (
    id TEXT PRIMARY KEY, ward_id TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
    point_id TEXT, peer_id TEXT NOT NULL UNIQUE, token_hash TEXT UNIQUE,
    created_at TEXT NOT NULL, enrolled_at TEXT, revoked_at TEXT
);
CREATE INDEX reg_device_revoked ON reg_device (id) WHERE revoked_at IS NOT NULL;
CREATE TABLE reg_code (
    code_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, device_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL, attempts_left BIGINT NOT NULL, used_at TEXT
);
CREATE TABLE reg_doc (
    doc_id TEXT PRIMARY KEY, ward_id TEXT NOT NULL, kind TEXT NOT NULL, point_id TEXT,
    created_by TEXT, created_at TEXT NOT NULL
);
CREATE INDEX reg_doc_ward ON reg_doc (ward_id, kind);
CREATE INDEX reg_doc_by ON reg_doc (created_by, kind);
CREATE TABLE reg_flag (
    ward_id TEXT NOT NULL, doc_id TEXT NOT NULL, petition_id TEXT NOT NULL, kind TEXT NOT NULL,
    detail TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (doc_id, petition_id, kind)
);
"#,
    // 1 -> 2: what several nodes count together: the live nodes, the sync links each holds (the
    // per-device limit), the enrolment rate buckets. Nothing here is copied by `migrate`: it
    // describes running processes.
    r#"
CREATE TABLE node_live (
    node_id TEXT PRIMARY KEY, advertise TEXT, seen_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE link_live (
    node_id TEXT NOT NULL, link_id TEXT NOT NULL, device_id TEXT NOT NULL,
    PRIMARY KEY (node_id, link_id)
);
CREATE INDEX link_live_device ON link_live (device_id);
CREATE TABLE rate_bucket (
    key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at TIMESTAMPTZ NOT NULL
);
"#,
];

/// The channel on which a node announces the documents whose chunks it wrote.
const CHANNEL: &str = "doithoai_chunks";

/// The first key of the advisory locks that serialize one device's link claims between nodes.
const LINK_LOCK: i32 = 0x6c69_6e6b; // "link"

/// The advisory lock that serializes migrations between nodes.
const MIGRATION_LOCK: i64 = 0x646f_6974_686f_6169; // "doithoai"

const DEVICE_COLS: &str =
    "id, ward_id, name, role, point_id, peer_id, created_at, enrolled_at, revoked_at";
const DOC_COLS: &str = "doc_id, ward_id, kind, point_id, created_by, created_at";

/// Why one attempt failed.
#[derive(Debug)]
enum Error {
    Pg(tokio_postgres::Error),
    Pool(deadpool_postgres::PoolError),
    TooNew(i64),
}

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Self {
        Error::Pg(e)
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Error::Pool(e)
    }
}

impl Error {
    /// Worth trying again: the connection went away, the pool could not give one in time, or
    /// PostgreSQL asked for a retry (serialization failure, deadlock).
    fn is_transient(&self) -> bool {
        match self {
            Error::Pool(_) => true,
            Error::Pg(e) => {
                if e.is_closed() {
                    return true;
                }
                match e.code() {
                    Some(c) => {
                        let c = c.code();
                        c == "40001" || c == "40P01" || c.starts_with("08") || c == "57P01"
                    }
                    None => true,
                }
            }
            Error::TooNew(_) => false,
        }
    }

    fn message(&self) -> String {
        match self {
            Error::Pg(e) => match e.as_db_error() {
                Some(db) => format!("{} ({})", db.message(), db.code().code()),
                None => with_causes(e),
            },
            Error::Pool(e) => with_causes(e),
            Error::TooNew(v) => format!("schema version {v}"),
        }
    }
}

/// An error and what caused it ("error performing TLS handshake: invalid peer certificate:
/// UnknownIssuer"), each said once.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let said = s.to_string();
        if !out.contains(&said) {
            out.push_str(": ");
            out.push_str(&said);
        }
        source = s.source();
    }
    out
}

type Res<T> = Result<T, Error>;

/// The server's database on PostgreSQL. See the crate documentation.
pub struct PgDb {
    pool: Pool,
    config: tokio_postgres::Config,
    /// TLS for every connection (the pool's and the listener's), from the address's sslmode.
    tls: tls::Tls,
    /// This process's name in the notices it sends, so that it ignores its own.
    node: String,
    handle: tokio::runtime::Handle,
    runtime: Option<tokio::runtime::Runtime>,
    describe: String,
    attempts: u32,
    backoff: Duration,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // Never blocks, so a PgDb may be dropped on an async worker too.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user@host/db`: for messages and logs.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, rest),
    };
    match auth {
        Some(a) => {
            let user = a.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{host}"),
    }
}

/// Whether `s` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

impl PgDb {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`), checks that it
    /// answers and brings its schema up to date.
    pub fn connect(url: &str) -> Result<PgDb, StoreError> {
        let describe = without_password(url);
        let remote = |what: &'static str, message: String| StoreError::Remote {
            db: describe.clone(),
            what,
            message,
        };
        let tls::Connection {
            config: mut pg,
            tls,
            verified,
        } = tls::parse(url).map_err(|e| remote("connect", e))?;
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(Duration::from_secs(5));
        }
        pg.application_name("doithoai-server");
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match &tls {
            tls::Tls::Off => Manager::from_config(pg.clone(), NoTls, manager_config),
            tls::Tls::On(t) => Manager::from_config(pg.clone(), t.clone(), manager_config),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("doithoai-pg")
            .enable_all()
            .build()
            .map_err(|e| remote("connect", e.to_string()))?;
        let pool = {
            let _guard = runtime.enter();
            Pool::builder(manager)
                .max_size(16)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(Duration::from_secs(10)))
                .create_timeout(Some(Duration::from_secs(5)))
                .recycle_timeout(Some(Duration::from_secs(5)))
                .build()
                .map_err(|e| remote("connect", e.to_string()))?
        };
        let node = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        let db = PgDb {
            pool,
            config: pg,
            tls,
            node,
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            describe,
            attempts: 5,
            backoff: Duration::from_millis(20),
        };
        db.migrate()?;
        tracing::info!(db = %db.describe, verified, "PostgreSQL database ready");
        Ok(db)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let target = MIGRATIONS.len() as i64;
        self.block("migrate", move |pool| async move {
            let mut c = pool.get().await?;
            let tx = c.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS doithoai_schema (
                     version BIGINT PRIMARY KEY,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 )",
            )
            .await?;
            let current: i64 = tx
                .query_one("SELECT coalesce(max(version), 0) FROM doithoai_schema", &[])
                .await?
                .get(0);
            if current > target {
                return Err(Error::TooNew(current));
            }
            for (step, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
                tracing::info!(
                    from = step,
                    to = step + 1,
                    "migrating the PostgreSQL schema"
                );
                tx.batch_execute(sql).await?;
                tx.execute(
                    "INSERT INTO doithoai_schema (version) VALUES ($1)",
                    &[&(step as i64 + 1)],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .map_err(|e| match e {
            StoreError::Remote { message, .. } if message.starts_with("schema version ") => {
                StoreError::SchemaTooNew {
                    path: self.describe.clone().into(),
                    found: message
                        .trim_start_matches("schema version ")
                        .parse()
                        .unwrap_or(-1),
                    supported: target,
                }
            }
            other => other,
        })
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.block("schema_version", |pool| async move {
            let c = pool.get().await?;
            Ok(
                c.query_one("SELECT coalesce(max(version), 0) FROM doithoai_schema", &[])
                    .await?
                    .get(0),
            )
        })
    }

    /// Runs the future `make` builds on this database's runtime and waits for it; retried on
    /// transient failures.
    fn block<T, F, Fut>(&self, what: &'static str, make: F) -> Result<T, StoreError>
    where
        F: Fn(Pool) -> Fut,
        Fut: Future<Output = Res<T>> + Send + 'static,
        T: Send + 'static,
    {
        let mut backoff = self.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let fut = make(self.pool.clone());
            let (tx, rx) = std::sync::mpsc::channel();
            self.handle.spawn(async move {
                let _ = tx.send(fut.await);
            });
            let err = match rx.recv() {
                Ok(Ok(v)) => {
                    if attempt > 1 {
                        tracing::info!(what, attempt, "database call succeeded after retrying");
                    }
                    return Ok(v);
                }
                Ok(Err(e)) => e,
                Err(_) => {
                    return Err(StoreError::Remote {
                        db: self.describe.clone(),
                        what,
                        message: "the database runtime stopped".into(),
                    });
                }
            };
            if err.is_transient() && attempt < self.attempts {
                tracing::warn!(what, attempt, error = %err.message(), retry_in = ?backoff, "database call failed, retrying");
                std::thread::sleep(backoff);
                backoff = backoff.saturating_mul(2);
                continue;
            }
            tracing::error!(what, attempts = attempt, error = %err.message(), "database call failed");
            return Err(StoreError::Remote {
                db: self.describe.clone(),
                what,
                message: err.message(),
            });
        }
    }

    /// Removes every table this program made (tests and a failed migration's clean-up).
    pub fn drop_everything(&self) -> Result<(), StoreError> {
        self.block("drop_everything", |pool| async move {
            let c = pool.get().await?;
            c.batch_execute(
                "DROP TABLE IF EXISTS chunk, reg_ward, reg_point, reg_device, reg_code, reg_doc,
                 reg_flag, node_live, link_live, rate_bucket, doithoai_schema",
            )
            .await?;
            Ok(())
        })
    }
}

/// One connection for LISTEN: the client, and the notices' payloads as the connection's task
/// (which ends with the connection or when the client is dropped) receives them.
async fn listen_once<T>(
    config: &tokio_postgres::Config,
    tls: T,
) -> Result<
    (
        tokio_postgres::Client,
        tokio::sync::mpsc::UnboundedReceiver<String>,
    ),
    tokio_postgres::Error,
>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
    T::Stream: Send + 'static,
{
    use futures::StreamExt;
    let (client, mut connection) = config.connect(tls).await?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(m) = messages.next().await {
            match m {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the listening connection failed");
                    break;
                }
            }
        }
    });
    Ok((client, rx))
}

/// Listens for other nodes' notices for as long as the runtime runs, connecting again (and
/// reporting [`ChunkChange::Lost`]) whenever the connection drops.
async fn listen(
    config: tokio_postgres::Config,
    tls: tls::Tls,
    node: String,
    db: String,
    on_change: ChangeCallback,
) {
    let mut first = true;
    loop {
        let connected = match &tls {
            tls::Tls::Off => listen_once(&config, NoTls).await,
            tls::Tls::On(t) => listen_once(&config, t.clone()).await,
        };
        match connected {
            Ok((client, mut rx)) => {
                match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Ok(()) => {
                        tracing::info!(%db, "following the other nodes' writes");
                        if !first {
                            on_change(ChunkChange::Lost);
                        }
                        first = false;
                        while let Some(payload) = rx.recv().await {
                            let Some((from, doc)) = payload.split_once(' ') else {
                                continue;
                            };
                            if from != node && !doc.is_empty() {
                                on_change(ChunkChange::Doc(doc.to_owned()));
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
                }
                drop(client);
            }
            Err(e) => tracing::warn!(%db, error = %e, "cannot connect to listen for other nodes"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn device_of(r: &Row) -> DeviceRow {
    DeviceRow {
        id: r.get(0),
        ward_id: r.get(1),
        name: r.get(2),
        role: r.get(3),
        point_id: r.get(4),
        peer_id: r.get(5),
        created_at: r.get(6),
        enrolled_at: r.get(7),
        revoked_at: r.get(8),
    }
}

fn doc_of(r: &Row) -> DocRow {
    DocRow {
        doc_id: r.get(0),
        ward_id: r.get(1),
        kind: r.get(2),
        point_id: r.get(3),
        created_by: r.get(4),
        created_at: r.get(5),
    }
}

fn ward_of(r: &Row) -> WardRow {
    WardRow {
        id: r.get(0),
        name: r.get(1),
        ward_doc: r.get(2),
        handling_doc: r.get(3),
        monitoring_doc: r.get(4),
        created_at: r.get(5),
    }
}

fn point_of(r: &Row) -> PointRow {
    PointRow {
        ward_id: r.get(0),
        id: r.get(1),
        kind: r.get(2),
        name: r.get(3),
        intake_doc: r.get(4),
    }
}

fn sorted(mut found: Vec<Chunk>) -> Vec<Chunk> {
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// One query returning rows mapped by `map`, with `params` as owned strings.
macro_rules! rows {
    ($self:ident, $what:literal, $sql:expr, [$($p:ident),*], $map:expr) => {{
        let sql: String = $sql.into();
        $( let $p = $p.to_owned(); )*
        $self.block($what, move |pool| {
            let sql = sql.clone();
            $( let $p = $p.clone(); )*
            async move {
                let c = pool.get().await?;
                let st = c.prepare_cached(&sql).await?;
                let rows = c.query(&st, &[$(&$p),*]).await?;
                Ok(rows.iter().map($map).collect::<Vec<_>>())
            }
        })
    }};
}

/// One statement, returning the number of rows it changed.
macro_rules! exec {
    ($self:ident, $what:literal, $sql:expr, [$($p:ident),*]) => {{
        let sql: String = $sql.into();
        $( let $p = $p.to_owned(); )*
        $self.block($what, move |pool| {
            let sql = sql.clone();
            $( let $p = $p.clone(); )*
            async move {
                let c = pool.get().await?;
                let st = c.prepare_cached(&sql).await?;
                Ok(c.execute(&st, &[$(&$p),*]).await?)
            }
        })
    }};
}

impl ServerDb for PgDb {
    fn shared(&self) -> bool {
        true
    }

    fn node_beat(&self, node: &str, advertise: Option<&str>) -> Result<(), StoreError> {
        let (node, advertise) = (node.to_owned(), advertise.map(str::to_owned));
        self.block("node_beat", move |pool| {
            let (node, advertise) = (node.clone(), advertise.clone());
            async move {
                let c = pool.get().await?;
                c.execute(
                    "INSERT INTO node_live (node_id, advertise, seen_at) VALUES ($1, $2, now())
                     ON CONFLICT (node_id) DO UPDATE SET advertise = $2, seen_at = now()",
                    &[&node, &advertise],
                )
                .await?;
                Ok(())
            }
        })
    }

    fn nodes_alive(&self, within: Duration) -> Result<Vec<NodeRow>, StoreError> {
        let secs = within.as_secs_f64();
        self.block("nodes_alive", move |pool| async move {
            let c = pool.get().await?;
            let rows = c
                .query(
                    "SELECT node_id, advertise, extract(epoch FROM now() - seen_at)::float8
                     FROM node_live
                     WHERE seen_at > now() - make_interval(secs => $1)
                     ORDER BY node_id",
                    &[&secs],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| NodeRow {
                    node_id: r.get(0),
                    advertise: r.get(1),
                    seen_secs_ago: r.get(2),
                })
                .collect())
        })
    }

    fn nodes_reap(&self, within: Duration) -> Result<(), StoreError> {
        let secs = within.as_secs_f64();
        self.block("nodes_reap", move |pool| async move {
            let mut c = pool.get().await?;
            let tx = c.transaction().await?;
            tx.execute(
                "DELETE FROM link_live l WHERE NOT EXISTS (
                     SELECT 1 FROM node_live n
                     WHERE n.node_id = l.node_id AND n.seen_at > now() - make_interval(secs => $1))",
                &[&secs],
            )
            .await?;
            tx.execute(
                "DELETE FROM node_live WHERE seen_at <= now() - make_interval(secs => $1)",
                &[&secs],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn link_claim(
        &self,
        node: &str,
        device: &str,
        link: &str,
        limit: usize,
        within: Duration,
    ) -> Result<bool, StoreError> {
        let (node, device, link) = (node.to_owned(), device.to_owned(), link.to_owned());
        let (limit, secs) = (limit as i64, within.as_secs_f64());
        self.block("link_claim", move |pool| {
            let (node, device, link) = (node.clone(), device.clone(), link.clone());
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                // One device's claims are decided one at a time, across every node.
                tx.execute(
                    "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                    &[&LINK_LOCK, &device],
                )
                .await?;
                let held: i64 = tx
                    .query_one(
                        "SELECT count(*) FROM link_live l JOIN node_live n USING (node_id)
                         WHERE l.device_id = $1 AND n.seen_at > now() - make_interval(secs => $2)",
                        &[&device, &secs],
                    )
                    .await?
                    .get(0);
                if held >= limit {
                    return Ok(false);
                }
                tx.execute(
                    "INSERT INTO link_live (node_id, link_id, device_id) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&node, &link, &device],
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }
        })
    }

    fn links_release(&self, node: &str, links: &[String]) -> Result<(), StoreError> {
        if links.is_empty() {
            return Ok(());
        }
        let (node, links) = (node.to_owned(), links.to_vec());
        self.block("links_release", move |pool| {
            let (node, links) = (node.clone(), links.clone());
            async move {
                let c = pool.get().await?;
                c.execute(
                    "DELETE FROM link_live WHERE node_id = $1 AND link_id = ANY($2)",
                    &[&node, &links],
                )
                .await?;
                Ok(())
            }
        })
    }

    fn bucket_take(
        &self,
        key: &str,
        burst: u32,
        refill: Duration,
    ) -> Result<Result<(), Duration>, StoreError> {
        let key = key.to_owned();
        let (burst, per) = (f64::from(burst), refill.as_secs_f64());
        self.block("bucket_take", move |pool| {
            let key = key.clone();
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                tx.execute(
                    "INSERT INTO rate_bucket (key, tokens, at) VALUES ($1, $2, now())
                     ON CONFLICT (key) DO NOTHING",
                    &[&key, &burst],
                )
                .await?;
                // The row stays locked until the commit: two nodes taking at once are serialized.
                let row = tx
                    .query_one(
                        "SELECT tokens, extract(epoch FROM now() - at)::float8
                         FROM rate_bucket WHERE key = $1 FOR UPDATE",
                        &[&key],
                    )
                    .await?;
                let (tokens, elapsed): (f64, f64) = (row.get(0), row.get(1));
                let tokens = (tokens + elapsed.max(0.0) / per).min(burst);
                let (left, answer) = if tokens >= 1.0 {
                    (tokens - 1.0, Ok(()))
                } else {
                    (tokens, Err(Duration::from_secs_f64(per * (1.0 - tokens))))
                };
                tx.execute(
                    "UPDATE rate_bucket SET tokens = $2, at = now() WHERE key = $1",
                    &[&key, &left],
                )
                .await?;
                tx.commit().await?;
                Ok(answer)
            }
        })
    }

    fn bucket_refund(&self, key: &str, burst: u32) -> Result<(), StoreError> {
        let key = key.to_owned();
        let burst = f64::from(burst);
        self.block("bucket_refund", move |pool| {
            let key = key.clone();
            async move {
                let c = pool.get().await?;
                c.execute(
                    "UPDATE rate_bucket SET tokens = least($2, tokens + 1) WHERE key = $1",
                    &[&key, &burst],
                )
                .await?;
                Ok(())
            }
        })
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn ping(&self) -> Result<(), StoreError> {
        // Not retried: /healthz must say at once that the database does not answer.
        let (tx, rx) = std::sync::mpsc::channel();
        let pool = self.pool.clone();
        self.handle.spawn(async move {
            let r: Res<()> = async {
                let c = pool.get().await?;
                c.simple_query("SELECT 1").await?;
                Ok(())
            }
            .await;
            let _ = tx.send(r);
        });
        match rx.recv_timeout(Duration::from_secs(3)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Remote {
                db: self.describe.clone(),
                what: "ping",
                message: e.message(),
            }),
            Err(_) => Err(StoreError::Remote {
                db: self.describe.clone(),
                what: "ping",
                message: "no answer within 3 s".into(),
            }),
        }
    }

    fn follow_changes(&self, on_change: ChangeCallback) -> bool {
        let config = self.config.clone();
        let node = self.node.clone();
        let db = self.describe.clone();
        self.handle
            .spawn(listen(config, self.tls.clone(), node, db, on_change));
        true
    }

    fn chunk_load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StoreError> {
        let key = encode(key)?;
        let found = rows!(
            self,
            "chunk_load",
            "SELECT data FROM chunk WHERE key = $1",
            [key],
            |r| r.get::<_, Vec<u8>>(0)
        )?;
        Ok(found.into_iter().next())
    }

    fn chunk_load_range(&self, prefix: &[String]) -> Result<Vec<Chunk>, StoreError> {
        let start = encode(prefix)?;
        let map = |r: &Row| (decode(r.get::<_, &str>(0)), r.get::<_, Vec<u8>>(1));
        if start.is_empty() {
            return Ok(sorted(rows!(
                self,
                "chunk_load_range",
                "SELECT key, data FROM chunk ORDER BY key",
                [],
                map
            )?));
        }
        let end = range_end(&start);
        Ok(sorted(rows!(
            self,
            "chunk_load_range",
            "SELECT key, data FROM chunk WHERE key >= $1 AND key < $2 ORDER BY key",
            [start, end],
            map
        )?))
    }

    fn chunk_keys(&self, prefix: &[String]) -> Result<Vec<Vec<String>>, StoreError> {
        let start = encode(prefix)?;
        if start.is_empty() {
            return Err(StoreError::InvalidKey { key: Vec::new() });
        }
        let end = range_end(&start);
        let mut keys = rows!(
            self,
            "chunk_keys",
            "SELECT key FROM chunk WHERE key >= $1 AND key < $2 ORDER BY key",
            [start, end],
            |r: &Row| decode(r.get::<_, &str>(0))
        )?;
        keys.sort();
        Ok(keys)
    }

    fn chunk_put(&self, key: &[String], data: &[u8]) -> Result<(), StoreError> {
        let note = format!(
            "{} {}",
            self.node,
            key.first().map(String::as_str).unwrap_or_default()
        );
        let key = encode(key)?;
        // One statement: the upsert, and a notice to the other nodes only when the chunk is new
        // or changed (a node storing again what another wrote tells nobody). NOTIFY is
        // delivered at commit, so no node hears of a chunk it cannot read yet.
        exec!(
            self,
            "chunk_put",
            format!(
                "WITH up AS (
                     INSERT INTO chunk (key, data) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET data = excluded.data
                     WHERE chunk.data IS DISTINCT FROM excluded.data
                     RETURNING 1
                 )
                 SELECT pg_notify('{CHANNEL}', $3) FROM up"
            ),
            [key, data, note]
        )
        .map(drop)
    }

    fn chunk_put_many(&self, chunks: &[Chunk]) -> Result<(), StoreError> {
        let encoded: Vec<(String, Vec<u8>)> = chunks
            .iter()
            .map(|(k, v)| Ok((encode(k)?, v.clone())))
            .collect::<Result<_, StoreError>>()?;
        let encoded = std::sync::Arc::new(encoded);
        self.block("chunk_put_many", move |pool| {
            let encoded = encoded.clone();
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                let st = tx
                    .prepare_cached(
                        "INSERT INTO chunk (key, data) VALUES ($1, $2)
                         ON CONFLICT (key) DO UPDATE SET data = excluded.data",
                    )
                    .await?;
                for (k, v) in encoded.iter() {
                    tx.execute(&st, &[k, v]).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        })
    }

    fn chunk_delete(&self, key: &[String]) -> Result<(), StoreError> {
        let key = encode(key)?;
        exec!(
            self,
            "chunk_delete",
            "DELETE FROM chunk WHERE key = $1",
            [key]
        )
        .map(drop)
    }

    fn chunk_doc_ids(&self) -> Result<Vec<String>, StoreError> {
        // A loose index scan: one seek of the primary key per document, not a scan of all chunks.
        let mut ids = rows!(
            self,
            "chunk_doc_ids",
            "WITH RECURSIVE ids(id) AS (
                 (SELECT split_part(key, '/', 1) FROM chunk WHERE key > '' ORDER BY key LIMIT 1)
                 UNION ALL
                 SELECT (SELECT split_part(c.key, '/', 1) FROM chunk c
                         WHERE c.key >= ids.id || '0' ORDER BY c.key LIMIT 1)
                 FROM ids WHERE ids.id IS NOT NULL
             )
             SELECT id FROM ids WHERE id IS NOT NULL",
            [],
            |r| r.get::<_, String>(0)
        )?;
        ids.sort();
        Ok(ids)
    }

    fn chunk_count(&self) -> Result<i64, StoreError> {
        let n = rows!(self, "chunk_count", "SELECT count(*) FROM chunk", [], |r| r
            .get::<_, i64>(0))?;
        Ok(n.into_iter().next().unwrap_or(0))
    }

    fn registry_init(&self) -> Result<(), StoreError> {
        // The migrations ran at connect time; this is the check that they did.
        let v = self.schema_version()?;
        if v != MIGRATIONS.len() as i64 {
            self.migrate()?;
        }
        Ok(())
    }

    fn ward_insert(&self, w: &WardRow) -> Result<(), StoreError> {
        let w = w.clone();
        self.block("ward_insert", move |pool| {
            let w = w.clone();
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                tx.execute(
                    "INSERT INTO reg_ward (id, name, ward_doc, handling_doc, monitoring_doc, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&w.id, &w.name, &w.ward_doc, &w.handling_doc, &w.monitoring_doc, &w.created_at],
                )
                .await?;
                for (doc, kind) in [
                    (&w.ward_doc, "ward"),
                    (&w.handling_doc, "handling"),
                    (&w.monitoring_doc, "monitoring"),
                ] {
                    tx.execute(
                        "INSERT INTO reg_doc (doc_id, ward_id, kind, point_id, created_by, created_at)
                         VALUES ($1, $2, $3, NULL, NULL, $4) ON CONFLICT (doc_id) DO NOTHING",
                        &[doc, &w.id, &kind, &w.created_at],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        })
    }

    fn wards(&self) -> Result<Vec<WardRow>, StoreError> {
        rows!(
            self,
            "wards",
            "SELECT id, name, ward_doc, handling_doc, monitoring_doc, created_at FROM reg_ward ORDER BY id",
            [],
            ward_of
        )
    }

    fn point_insert(&self, p: &PointRow, created_at: &str) -> Result<(), StoreError> {
        let p = p.clone();
        let at = created_at.to_owned();
        self.block("point_insert", move |pool| {
            let (p, at) = (p.clone(), at.clone());
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                tx.execute(
                    "INSERT INTO reg_point (ward_id, id, kind, name, intake_doc) VALUES ($1, $2, $3, $4, $5)",
                    &[&p.ward_id, &p.id, &p.kind, &p.name, &p.intake_doc],
                )
                .await?;
                tx.execute(
                    "INSERT INTO reg_doc (doc_id, ward_id, kind, point_id, created_by, created_at)
                     VALUES ($1, $2, 'intake', $3, NULL, $4) ON CONFLICT (doc_id) DO NOTHING",
                    &[&p.intake_doc, &p.ward_id, &p.id, &at],
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }
        })
    }

    fn points(&self, ward_id: &str) -> Result<Vec<PointRow>, StoreError> {
        rows!(
            self,
            "points",
            "SELECT ward_id, id, kind, name, intake_doc FROM reg_point WHERE ward_id = $1 ORDER BY id",
            [ward_id],
            point_of
        )
    }

    fn device_insert(&self, d: &DeviceRow) -> Result<(), StoreError> {
        let d = d.clone();
        self.block("device_insert", move |pool| {
            let d = d.clone();
            async move {
                let c = pool.get().await?;
                c.execute(
                    &*format!("INSERT INTO reg_device ({DEVICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
                    &[&d.id, &d.ward_id, &d.name, &d.role, &d.point_id, &d.peer_id, &d.created_at, &d.enrolled_at, &d.revoked_at],
                )
                .await?;
                Ok(())
            }
        })
    }

    fn devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        rows!(
            self,
            "devices",
            format!("SELECT {DEVICE_COLS} FROM reg_device ORDER BY ward_id, created_at, id"),
            [],
            device_of
        )
    }

    fn device(&self, id: &str) -> Result<Option<DeviceRow>, StoreError> {
        Ok(rows!(
            self,
            "device",
            format!("SELECT {DEVICE_COLS} FROM reg_device WHERE id = $1"),
            [id],
            device_of
        )?
        .into_iter()
        .next())
    }

    fn device_by_peer(&self, peer_id: &str) -> Result<Option<DeviceRow>, StoreError> {
        Ok(rows!(
            self,
            "device_by_peer",
            format!("SELECT {DEVICE_COLS} FROM reg_device WHERE peer_id = $1"),
            [peer_id],
            device_of
        )?
        .into_iter()
        .next())
    }

    fn device_by_token_hash(&self, token_hash: &str) -> Result<Option<DeviceRow>, StoreError> {
        Ok(rows!(
            self,
            "device_by_token_hash",
            format!("SELECT {DEVICE_COLS} FROM reg_device WHERE token_hash = $1"),
            [token_hash],
            device_of
        )?
        .into_iter()
        .next())
    }

    fn device_set_token(&self, id: &str, token_hash: &str, at: &str) -> Result<(), StoreError> {
        exec!(
            self,
            "device_set_token",
            "UPDATE reg_device SET token_hash = $2, enrolled_at = $3 WHERE id = $1",
            [id, token_hash, at]
        )
        .map(drop)
    }

    fn device_revoke(&self, id: &str, at: &str) -> Result<bool, StoreError> {
        let (id, at) = (id.to_owned(), at.to_owned());
        self.block("device_revoke", move |pool| {
            let (id, at) = (id.clone(), at.clone());
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                let n = tx
                    .execute(
                        "UPDATE reg_device SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                        &[&id, &at],
                    )
                    .await?;
                tx.execute(
                    "DELETE FROM reg_code WHERE device_id = $1 AND used_at IS NULL",
                    &[&id],
                )
                .await?;
                tx.commit().await?;
                Ok(n > 0)
            }
        })
    }

    fn revoked_devices(&self) -> Result<Vec<String>, StoreError> {
        rows!(
            self,
            "revoked_devices",
            "SELECT id FROM reg_device WHERE revoked_at IS NOT NULL",
            [],
            |r| r.get::<_, String>(0)
        )
    }

    fn code_insert(
        &self,
        code_id: &str,
        secret_hash: &str,
        device_id: &str,
        expires_at: i64,
        attempts: i64,
    ) -> Result<(), StoreError> {
        exec!(
            self,
            "code_insert",
            "INSERT INTO reg_code (code_id, secret_hash, device_id, expires_at, attempts_left, used_at)
             VALUES ($1, $2, $3, $4, $5, NULL)",
            [code_id, secret_hash, device_id, expires_at, attempts]
        )
        .map(drop)
    }

    fn code_check(
        &self,
        code_id: &str,
        secret_matches: &dyn Fn(&str) -> bool,
        now: i64,
        used_at: &str,
    ) -> Result<CodeCheck, StoreError> {
        // The secret is compared here, on the caller's thread (the comparison is the caller's,
        // constant-time); the stored hash never changes, so the transaction below decides with
        // the row locked and checks that the hash compared is the one it holds.
        let hashes = rows!(
            self,
            "code_check",
            "SELECT secret_hash FROM reg_code WHERE code_id = $1",
            [code_id],
            |r| r.get::<_, String>(0)
        )?;
        let Some(hash) = hashes.into_iter().next() else {
            return Ok(CodeCheck::Unknown);
        };
        let matches = secret_matches(&hash);
        let (code_id, used_at) = (code_id.to_owned(), used_at.to_owned());
        self.block("code_check", move |pool| {
            let (code_id, used_at, hash) = (code_id.clone(), used_at.clone(), hash.clone());
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                let row = tx
                    .query_opt(
                        "SELECT secret_hash, device_id, expires_at, attempts_left, used_at
                         FROM reg_code WHERE code_id = $1 FOR UPDATE",
                        &[&code_id],
                    )
                    .await?;
                let Some(row) = row else {
                    return Ok(CodeCheck::Unknown);
                };
                let stored: String = row.get(0);
                let device_id: String = row.get(1);
                let expires_at: i64 = row.get(2);
                let attempts_left: i64 = row.get(3);
                let used: Option<String> = row.get(4);
                if used.is_some() || expires_at < now || attempts_left <= 0 {
                    return Ok(CodeCheck::Spent);
                }
                let result = if matches && stored == hash {
                    tx.execute(
                        "UPDATE reg_code SET used_at = $2 WHERE code_id = $1",
                        &[&code_id, &used_at],
                    )
                    .await?;
                    CodeCheck::Valid { device_id }
                } else {
                    tx.execute(
                        "UPDATE reg_code SET attempts_left = attempts_left - 1 WHERE code_id = $1",
                        &[&code_id],
                    )
                    .await?;
                    CodeCheck::Wrong {
                        attempts_left: attempts_left - 1,
                    }
                };
                tx.commit().await?;
                Ok(result)
            }
        })
    }

    fn doc_register(&self, d: &DocRow) -> Result<DocRow, StoreError> {
        let d = d.clone();
        self.block("doc_register", move |pool| {
            let d = d.clone();
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                tx.execute(
                    &*format!(
                        "INSERT INTO reg_doc ({DOC_COLS}) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (doc_id) DO NOTHING"
                    ),
                    &[
                        &d.doc_id,
                        &d.ward_id,
                        &d.kind,
                        &d.point_id,
                        &d.created_by,
                        &d.created_at,
                    ],
                )
                .await?;
                let row = tx
                    .query_one(
                        &*format!("SELECT {DOC_COLS} FROM reg_doc WHERE doc_id = $1"),
                        &[&d.doc_id],
                    )
                    .await?;
                tx.commit().await?;
                Ok(doc_of(&row))
            }
        })
    }

    fn doc(&self, doc_id: &str) -> Result<Option<DocRow>, StoreError> {
        Ok(rows!(
            self,
            "doc",
            format!("SELECT {DOC_COLS} FROM reg_doc WHERE doc_id = $1"),
            [doc_id],
            doc_of
        )?
        .into_iter()
        .next())
    }

    fn docs_of_ward(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError> {
        rows!(
            self,
            "docs_of_ward",
            format!(
                "SELECT {DOC_COLS} FROM reg_doc WHERE ward_id = $1 ORDER BY created_at, doc_id"
            ),
            [ward_id],
            doc_of
        )
    }

    fn doc_registrations_by(
        &self,
        device_id: &str,
        kind: &str,
        since: &str,
    ) -> Result<(i64, i64), StoreError> {
        let found = rows!(
            self,
            "doc_registrations_by",
            "SELECT count(*), coalesce(sum((created_at >= $3)::int), 0)::bigint FROM reg_doc
             WHERE created_by = $1 AND kind = $2",
            [device_id, kind, since],
            |r| (r.get::<_, i64>(0), r.get::<_, i64>(1))
        )?;
        Ok(found.into_iter().next().unwrap_or((0, 0)))
    }

    fn doc_registrations(&self, ward_id: &str) -> Result<Vec<DocRow>, StoreError> {
        rows!(
            self,
            "doc_registrations",
            format!(
                "SELECT {DOC_COLS} FROM reg_doc WHERE ward_id = $1 AND created_by IS NOT NULL
                 ORDER BY created_at, doc_id"
            ),
            [ward_id],
            doc_of
        )
    }

    fn doc_unregister(&self, ward_id: &str, doc_id: &str) -> Result<Option<DocRow>, StoreError> {
        Ok(rows!(
            self,
            "doc_unregister",
            format!(
                "DELETE FROM reg_doc WHERE doc_id = $1 AND ward_id = $2 AND created_by IS NOT NULL
                 RETURNING {DOC_COLS}"
            ),
            [doc_id, ward_id],
            doc_of
        )?
        .into_iter()
        .next())
    }

    fn flags_replace(
        &self,
        ward_id: &str,
        doc_id: &str,
        flags: &[DocFlag],
    ) -> Result<(), StoreError> {
        let now = doithoai_model::time::to_stored(&doithoai_model::time::ward_now());
        let (ward_id, doc_id, flags) = (ward_id.to_owned(), doc_id.to_owned(), flags.to_vec());
        self.block("flags_replace", move |pool| {
            let (ward_id, doc_id, flags, now) =
                (ward_id.clone(), doc_id.clone(), flags.clone(), now.clone());
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                let mut keep = std::collections::BTreeSet::new();
                for f in &flags {
                    tx.execute(
                        "INSERT INTO reg_flag (ward_id, doc_id, petition_id, kind, detail, first_seen)
                         VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (doc_id, petition_id, kind) DO UPDATE SET detail = excluded.detail",
                        &[&ward_id, &doc_id, &f.petition_id, &f.kind, &f.detail, &now],
                    )
                    .await?;
                    keep.insert((f.petition_id.clone(), f.kind.clone()));
                }
                let old = tx
                    .query(
                        "SELECT petition_id, kind FROM reg_flag WHERE doc_id = $1",
                        &[&doc_id],
                    )
                    .await?;
                for r in old {
                    let (p, k): (String, String) = (r.get(0), r.get(1));
                    if !keep.contains(&(p.clone(), k.clone())) {
                        tx.execute(
                            "DELETE FROM reg_flag WHERE doc_id = $1 AND petition_id = $2 AND kind = $3",
                            &[&doc_id, &p, &k],
                        )
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }
        })
    }

    fn flags_of_ward(&self, ward_id: &str) -> Result<Vec<FlagRow>, StoreError> {
        rows!(
            self,
            "flags_of_ward",
            "SELECT doc_id, petition_id, kind, detail, first_seen FROM reg_flag
             WHERE ward_id = $1 ORDER BY first_seen, doc_id, petition_id, kind",
            [ward_id],
            |r| FlagRow {
                flag: DocFlag {
                    doc_id: r.get(0),
                    petition_id: r.get(1),
                    kind: r.get(2),
                    detail: r.get(3),
                },
                first_seen: r.get(4),
            }
        )
    }

    fn doc_count(&self) -> Result<i64, StoreError> {
        let n = rows!(self, "doc_count", "SELECT count(*) FROM reg_doc", [], |r| r
            .get::<_, i64>(0))?;
        Ok(n.into_iter().next().unwrap_or(0))
    }

    fn registry_dump(&self) -> Result<RegistryDump, StoreError> {
        let wards = self.wards()?;
        let points = rows!(
            self,
            "registry_dump",
            "SELECT ward_id, id, kind, name, intake_doc FROM reg_point ORDER BY ward_id, id",
            [],
            point_of
        )?;
        let devices = rows!(
            self,
            "registry_dump",
            format!(
                "SELECT {DEVICE_COLS}, token_hash FROM reg_device ORDER BY ward_id, created_at, id"
            ),
            [],
            |r| (device_of(r), r.get::<_, Option<String>>(9))
        )?;
        let codes = rows!(
            self,
            "registry_dump",
            "SELECT code_id, secret_hash, device_id, expires_at, attempts_left, used_at
             FROM reg_code ORDER BY code_id",
            [],
            |r| CodeRow {
                code_id: r.get(0),
                secret_hash: r.get(1),
                device_id: r.get(2),
                expires_at: r.get(3),
                attempts_left: r.get(4),
                used_at: r.get(5),
            }
        )?;
        let docs = rows!(
            self,
            "registry_dump",
            format!("SELECT {DOC_COLS} FROM reg_doc ORDER BY doc_id"),
            [],
            doc_of
        )?;
        let flags = rows!(
            self,
            "registry_dump",
            "SELECT ward_id, doc_id, petition_id, kind, detail, first_seen FROM reg_flag
             ORDER BY doc_id, petition_id, kind",
            [],
            |r| StoredFlag {
                ward_id: r.get(0),
                row: FlagRow {
                    flag: DocFlag {
                        doc_id: r.get(1),
                        petition_id: r.get(2),
                        kind: r.get(3),
                        detail: r.get(4),
                    },
                    first_seen: r.get(5),
                },
            }
        )?;
        Ok(RegistryDump {
            wards,
            points,
            devices,
            codes,
            docs,
            flags,
        })
    }

    fn registry_load(&self, dump: &RegistryDump) -> Result<(), StoreError> {
        let dump = std::sync::Arc::new(dump.clone());
        self.block("registry_load", move |pool| {
            let dump = dump.clone();
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                for w in &dump.wards {
                    tx.execute(
                        "INSERT INTO reg_ward (id, name, ward_doc, handling_doc, monitoring_doc, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        &[&w.id, &w.name, &w.ward_doc, &w.handling_doc, &w.monitoring_doc, &w.created_at],
                    )
                    .await?;
                }
                for p in &dump.points {
                    tx.execute(
                        "INSERT INTO reg_point (ward_id, id, kind, name, intake_doc) VALUES ($1, $2, $3, $4, $5)",
                        &[&p.ward_id, &p.id, &p.kind, &p.name, &p.intake_doc],
                    )
                    .await?;
                }
                for (d, token) in &dump.devices {
                    tx.execute(
                        &*format!("INSERT INTO reg_device ({DEVICE_COLS}, token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
                        &[&d.id, &d.ward_id, &d.name, &d.role, &d.point_id, &d.peer_id, &d.created_at, &d.enrolled_at, &d.revoked_at, token],
                    )
                    .await?;
                }
                for k in &dump.codes {
                    tx.execute(
                        "INSERT INTO reg_code (code_id, secret_hash, device_id, expires_at, attempts_left, used_at)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        &[&k.code_id, &k.secret_hash, &k.device_id, &k.expires_at, &k.attempts_left, &k.used_at],
                    )
                    .await?;
                }
                for d in &dump.docs {
                    tx.execute(
                        &*format!(
                            "INSERT INTO reg_doc ({DOC_COLS}) VALUES ($1, $2, $3, $4, $5, $6)
                             ON CONFLICT (doc_id) DO UPDATE SET ward_id = excluded.ward_id,
                             kind = excluded.kind, point_id = excluded.point_id,
                             created_by = excluded.created_by, created_at = excluded.created_at"
                        ),
                        &[&d.doc_id, &d.ward_id, &d.kind, &d.point_id, &d.created_by, &d.created_at],
                    )
                    .await?;
                }
                for f in &dump.flags {
                    tx.execute(
                        "INSERT INTO reg_flag (ward_id, doc_id, petition_id, kind, detail, first_seen)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        &[&f.ward_id, &f.row.flag.doc_id, &f.row.flag.petition_id, &f.row.flag.kind, &f.row.flag.detail, &f.row.first_seen],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(
            without_password("postgres://doithoai:bí-mật@db.example:5432/wards"),
            "postgres://doithoai@db.example:5432/wards"
        );
        assert_eq!(
            without_password("postgresql://127.0.0.1:5433/x"),
            "postgresql://127.0.0.1:5433/x"
        );
        assert!(is_postgres_url("postgres://h/db"));
        assert!(!is_postgres_url("./data"));
    }
}
