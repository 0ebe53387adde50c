//! The ward sync server: enrolment, token authentication, role-based access to documents, and
//! the automerge-repo websocket that devices sync over.
//!
//! `api` holds the HTTP handlers over one `AppState`; `access` is DESIGN.md's table of who may
//! read and write which document; `admin` the operations of the ward's IT person (wards,
//! collection points, devices), shared by the admin subcommands and the admin endpoint;
//! `secret` makes and checks tokens and enrolment codes. Documents live in the same database as
//! the registry: the embedded SQLite file (`doithoai-store`) or PostgreSQL (`doithoai-store-pg`,
//! `--database postgres://…`), both behind the `ServerDb` trait ([`ServerStore`]); the sync
//! engine is reached only through `doithoai-sync`.

pub mod access;
pub mod admin;
pub mod api;
pub mod backup;
pub mod http;
pub mod limit;
pub mod migrate;
pub mod nodes;
pub mod secret;
pub mod tls;
pub mod validate;
pub mod wards;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use doithoai_store::{Durability, ServerDb, Store, StoreError};
use doithoai_sync::link::{LinkOptions, LinkStats};
use doithoai_sync::policy::RolePolicy;
use doithoai_sync::{FatalError, LocalRepo, SqliteStorage};

/// Storage writes that failed after retries (the process stops right after counting one).
pub static STORAGE_ERRORS: AtomicU64 = AtomicU64::new(0);

/// The server's database file in its data directory.
pub const DB_FILE: &str = "doithoai-server.sqlite3";
/// The admin secret file in the data directory.
pub const ADMIN_SECRET_FILE: &str = "admin.secret";
/// Where a running server writes the address it listens on.
pub const ADDR_FILE: &str = "server.addr";

/// The server's database, whichever it is.
pub type Db = Arc<dyn ServerDb>;

/// The server's database: the registry (and everything else) through the [`ServerDb`] trait,
/// and the [`Store`] the sync layer reads and writes samod's chunks through (for SQLite the
/// same store; for PostgreSQL a [`Store::over`] it). Derefs to the trait.
#[derive(Clone)]
pub struct ServerStore {
    pub db: Db,
    pub chunks: Store,
}

impl std::ops::Deref for ServerStore {
    type Target = dyn ServerDb;
    fn deref(&self) -> &Self::Target {
        &*self.db
    }
}

impl ServerStore {
    /// The embedded SQLite database in `data_dir`.
    pub fn sqlite(data_dir: &Path) -> Result<ServerStore, StoreError> {
        let store = Store::open(&data_dir.join(DB_FILE), Durability::Normal)?;
        store.registry_init()?;
        Ok(ServerStore {
            db: Arc::new(store.clone()),
            chunks: store,
        })
    }

    /// The PostgreSQL database at `url` (schema migrated).
    pub fn postgres(url: &str) -> Result<ServerStore, StoreError> {
        let db: Db = Arc::new(doithoai_store_pg::PgDb::connect(url)?);
        db.registry_init()?;
        Ok(ServerStore {
            chunks: Store::over(db.clone()),
            db,
        })
    }

    /// `database` when given (`postgres://…`), else the SQLite file in `data_dir`.
    pub fn open(data_dir: &Path, database: Option<&str>) -> Result<ServerStore, StoreError> {
        match database.map(str::trim).filter(|d| !d.is_empty()) {
            Some(url) => ServerStore::postgres(url),
            None => ServerStore::sqlite(data_dir),
        }
    }
}

/// Whether `s` is a database address this server can use instead of its SQLite file.
pub fn is_database_url(s: &str) -> bool {
    doithoai_store_pg::is_postgres_url(s)
}

/// The server's database: `database` (`postgres://…`) when given, else the SQLite file in
/// `data_dir`; schema migrated.
pub fn open_store(data_dir: &Path, database: Option<&str>) -> Result<ServerStore, StoreError> {
    ServerStore::open(data_dir, database)
}

/// The admin secret, made on first use (readable only by its owner).
pub fn admin_secret(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join(ADMIN_SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => {
            doithoai_store::private::tighten(&path)?;
            Ok(s.trim().to_owned())
        }
        _ => {
            doithoai_store::private::create_dir(data_dir)?;
            let s = secret::new_token();
            let mut create = std::fs::OpenOptions::new();
            create.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                create.mode(0o600);
            }
            std::io::Write::write_all(&mut create.open(&path)?, s.as_bytes())?;
            // A file that existed empty keeps its old mode through open(): tighten it.
            doithoai_store::private::tighten(&path)?;
            Ok(s)
        }
    }
}

/// Opens the server's repository with the role policy and a storage that stops the process on
/// a write it cannot make.
pub async fn open_repo(store: &ServerStore) -> LocalRepo {
    open_repo_with_notifier(store).await.0
}

/// [`open_repo`], with the handle that re-evaluates share decisions after a registration.
pub async fn open_repo_with_notifier(
    store: &ServerStore,
) -> (LocalRepo, doithoai_sync::policy::PolicyNotifier) {
    let access = Arc::new(access::RegistryAccess {
        store: store.db.clone(),
    });
    let on_fatal = doithoai_sync::exit_on_fatal();
    let storage = SqliteStorage::new(store.chunks.clone()).with_fatal_handler(Arc::new(
        move |e: &FatalError| {
            STORAGE_ERRORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            on_fatal(e)
        },
    ));
    let policy = RolePolicy::new(access);
    let notifier = policy.notifier();
    (
        LocalRepo::open_server(storage, policy, "doithoai-server").await,
        notifier,
    )
}

/// Everything `serve` needs.
pub struct ServeConfig {
    pub data_dir: PathBuf,
    /// `postgres://…`: the database to use instead of the SQLite file in `data_dir`.
    pub database: Option<String>,
    pub listen: SocketAddr,
    pub link: LinkOptions,
    /// TLS: the self-signed certificate (the default), certificate files, or plain HTTP.
    pub tls: tls::TlsMode,
    /// The address devices reach this node at (`--advertise`), given to them at enrolment with
    /// the other live nodes' so that they can fail over.
    pub advertise: Option<String>,
}

/// The address of the client of a connection, for the handlers (`ConnectInfo<ClientAddr>`,
/// set by the serving loop in http.rs for every request), whether it came over TLS or plain TCP.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Sync(#[from] doithoai_sync::SyncError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// Runs the server until `shutdown` resolves.
pub async fn serve(
    cfg: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let store = open_store(&cfg.data_dir, cfg.database.as_deref())?;
    let admin_secret = admin_secret(&cfg.data_dir)?;
    let ready = tls::prepare(&cfg.data_dir, &cfg.tls)?;
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: cfg.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    let state = Arc::new(api::AppState {
        store: store.db.clone(),
        wards: wards::WardRepos::new(
            store.clone(),
            format!(
                "{}://{addr}/sync",
                if ready.config.is_some() { "wss" } else { "ws" }
            ),
        ),
        link_opts: cfg.link,
        stats: Arc::new(LinkStats::default()),
        links: Default::default(),
        pending_links: Default::default(),
        admin_secret,
        refused_tokens: AtomicU64::new(0),
        refused_frames_http: AtomicU64::new(0),
        enrol_limit: limit::EnrolLimiter::from_env(store.db.clone()),
        refused_enrolments: AtomicU64::new(0),
        enrol_pin: ready.served.code_pin(),
        node: api::Node {
            id: secret::new_id(),
            advertise: cfg.advertise.clone(),
        },
    });
    nodes::beat(state.clone());
    tokio::spawn(api::enforce_revocations(state.clone()));
    tokio::spawn(validate::watch(state.clone()));
    nodes::follow(state.clone());
    // The wards' repositories open now rather than on their first connection.
    for w in store.wards()? {
        state.wards.get(&w.id).await?;
    }
    std::fs::write(cfg.data_dir.join(ADDR_FILE), addr.to_string())?;
    tracing::info!(%addr, scheme = %ready.served.scheme, "doithoai-server listening");
    let app = api::router(state.clone());
    let result = match ready.config {
        Some(config) => http::serve(tls::TlsListener::new(listener, config)?, app, shutdown).await,
        None => http::serve(listener, app, shutdown).await,
    };
    let _ = std::fs::remove_file(cfg.data_dir.join(ADDR_FILE));
    api::release_all_links(&state);
    state.wards.stop().await;
    result?;
    Ok(())
}
