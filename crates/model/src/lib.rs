//! The domain model of doithoai.
//!
//! This crate knows what a petition, a ward registry, a dialogue session and the office's
//! handling record are, how each is validated, and how each maps to and from an Automerge
//! document. It never touches SQLite (that is `doithoai-store`) nor the network and sync engine
//! (that is `doithoai-sync`). Everything here is plain data and pure functions, so the CLI, the
//! server, the web UI and the reports all share one definition of the ward's records.

pub mod lang;
pub mod monitoring;
pub mod text;

pub use lang::{Lang, Localize};
pub mod doc;
pub mod error;
pub mod handling;
pub mod intake;
pub mod lunar;
pub mod petition;
pub mod registry;
pub mod session;
pub mod status;
pub mod time;
pub mod ward;
pub mod workdays;

pub use doc::{ChangeMeta, DocError};
pub use error::ValidationError;
pub use handling::{Channel, Competence, ForwardMode, Handling, HandlingError, Item, RegisterNo};
pub use petition::{NewPetition, Petition, PetitionKind, Relay, Resident};
pub use registry::Registry;
pub use session::{Session, SessionError, SessionKind};
pub use status::Status;
pub use workdays::Calendar;
