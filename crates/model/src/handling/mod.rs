//! The office's handling document: how the ward office processes every petition.
//!
//! One document per ward, written by office devices and read by every enrolled device. It holds
//! **no personal data**: petitions are referred to by their UUID; names, addresses, phones and ID
//! numbers stay in the intake documents of the collection points.
//!
//! ```text
//! { type: "handling", schema: 1,
//!   status:         { "<pid>": "assigned" },
//!   received:       { "<pid>": { date, point, at, by } },
//!   register:       { "<year>/<number>/<pid>": { year, number, pid, at, by, device,
//!                                                released_at?, released_by?, released_note? } },
//!   classification: { "<pid>": { kind, field, competence, prior, at, by } },
//!   merged:         { "<pid>": { into, at, by } },
//!   forwarded:      { "<pid>": { mode, to, letter_no, date, at, by } },
//!   filed:          { "<pid>": { reason, at, by } },
//!   assignment:     { "<pid>": { department, deadline, note, at, by } },
//!   answer:         { "<pid>": { text, legal_basis, doc_no, answered_by, on_spot, date, at, by } },
//!   approval:       { "<pid>": { approver, note, at, by } },
//!   notification:   { "<pid>": { channel, date, note, from, at, by } },
//!   closure:        { "<pid>": { note, from, at, by } },
//!   events:         { "<pid>/<event id>": { pid, op, from, to, note, at, by, device } } }
//! ```
//! Dates are `YYYY-MM-DD`, times RFC 3339 in ward time.
//!
//! ## Why this shape
//! * **One map per kind of record, keyed by petition id**, rather than one map per petition. Two
//!   office laptops that both receive a new petition offline would each create "its" map, and
//!   Automerge keeps only one of two maps created concurrently at the same key: the other
//!   laptop's later work on that petition would vanish from view. With one map per kind of
//!   record, a concurrent creation only happens when both laptops did the same kind of thing to
//!   the same petition (both assigned it, say), and then keeping one whole record is the right
//!   answer. Every map at the root is created once, with the document.
//! * **Only changed fields are written** (the `put_*` helpers of [`crate::doc`]), so two clerks
//!   correcting different fields of one record both keep their change.
//! * **Nothing is deleted.** A reopened item keeps its old answer and assignment (the event log
//!   says what happened); a renumbered claim is *released*, not removed. So whatever status wins
//!   a merge, the records its writer relied on are still there: an item is never closed without
//!   a record of why (assignment and answer, forwarding, filing, merge or an on-the-spot answer).
//! * **Every operation appends an event** keyed `<pid>/<unique id>` (who, when, which device,
//!   status before and after, a note): the per-petition log survives any merge.
//! * **Concurrent decisions are shown, not hidden.** `status` is one value per petition; when two
//!   laptops set different values offline, Automerge keeps both as a conflict: [`Item`] reports
//!   them in `status_conflict` and [`Handling::conflicts`] lists them for a clerk to resolve
//!   ([`resolve`]).
//!
//! ## Register numbers
//! The reception register (Mẫu 03) numbers petitions 1, 2, 3… afresh each year. A laptop takes
//! the next number after the largest it has seen for the year and records a **claim** keyed by
//! year, number *and* petition. Two laptops numbering offline at the same time may pick the same
//! number; because the petition id is part of the key, both claims survive the merge and the
//! clash is visible ([`Conflict::SharedNumber`]); likewise a petition numbered on two laptops has
//! two claims ([`Conflict::SeveralNumbers`]). Nothing renumbers by itself: a number once shown
//! stays until a clerk runs [`renumber`], which gives a fresh number (never a used one: released
//! claims still count when the next number is taken) and logs the change. Per-device series
//! (A-1, B-1…) would avoid clashes but give a register that is not the single consecutive
//! sequence the form and the inspectors expect, and the office rarely has two desks receiving at
//! the same hour offline: detecting the rare clash and resolving it in the open is the better
//! trade.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjId, ObjType, PatchAction, Prop, ROOT, ReadDoc, ScalarValue, Value};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::doc::{
    ChangeMeta, DocError, Reader, ensure_map, expect_type, put_bool, put_i64, put_str,
};
use crate::error::ValidationError;
use crate::lang::{Lang, Localize};
use crate::petition::{Petition, PetitionKind, short_id};
use crate::registry::Registry;
use crate::status::Status;
use crate::text::fold_words;
use crate::time::{format_date, to_stored};
use crate::workdays::Calendar;

mod duplicates;
mod error;
mod ops;
mod queries;
mod read;
mod records;
mod types;

pub use duplicates::*;
pub use error::*;
pub use ops::*;
pub use queries::*;
pub use read::*;
pub use records::*;
pub use types::*;

/// The `type` of a handling document.
pub const TYPE: &str = "handling";
/// The schema version written by this code.
pub const SCHEMA: i64 = 1;

/// The root maps, each keyed by petition id (the register and events by compound keys).
pub mod section {
    pub const STATUS: &str = "status";
    pub const RECEIVED: &str = "received";
    pub const REGISTER: &str = "register";
    pub const CLASSIFICATION: &str = "classification";
    pub const MERGED: &str = "merged";
    pub const FORWARDED: &str = "forwarded";
    pub const FILED: &str = "filed";
    pub const ASSIGNMENT: &str = "assignment";
    pub const ANSWER: &str = "answer";
    pub const APPROVAL: &str = "approval";
    pub const NOTIFICATION: &str = "notification";
    pub const CLOSURE: &str = "closure";
    pub const EVENTS: &str = "events";
    /// Every section, in the order they are created.
    pub const ALL: [&str; 13] = [
        STATUS,
        RECEIVED,
        REGISTER,
        CLASSIFICATION,
        MERGED,
        FORWARDED,
        FILED,
        ASSIGNMENT,
        ANSWER,
        APPROVAL,
        NOTIFICATION,
        CLOSURE,
        EVENTS,
    ];
}
