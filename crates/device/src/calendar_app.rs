//! The ward's working-day calendar as the office edits it: the office's entries (a day off, a
//! Saturday worked in exchange) and the years it has confirmed, in the ward document, over the
//! calendar the model computes for any year.

use chrono::NaiveDate;
use doithoai_model::registry::{CalendarEntry, DayKind};
use doithoai_model::workdays::Calendar;
use doithoai_model::{ChangeMeta, ward};
use doithoai_sync::{change, read};

use crate::app::{App, AppError};
use crate::sessions_app::SessionsError;

/// What an edit of the calendar did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Changed,
    Unchanged,
}

impl App {
    /// The ward's calendar as deadlines count it (national defaults with the office's entries).
    pub async fn calendar(&self) -> Result<Calendar, AppError> {
        Ok(Calendar::of(&self.registry().await?))
    }

    fn ensure_calendar_editor(&self) -> Result<(), AppError> {
        if self.is_office() {
            return Ok(());
        }
        Err(AppError::NotAllowed {
            role: self.device.role.clone(),
            what: "sửa lịch làm việc của phường (chỉ máy của văn phòng)",
        })
    }

    fn calendar_meta(&self, op: &str, ids: Vec<String>) -> ChangeMeta {
        ChangeMeta::new(&self.device.name, op, ids)
    }

    async fn ward_for_calendar(&self) -> Result<doithoai_sync::DocHandle, SessionsError> {
        self.ensure_calendar_editor()?;
        self.ward_handle(true).await?.ok_or(SessionsError::NoWard)
    }

    /// Sets the office's entry for a day; unchanged when the day already is so.
    pub async fn calendar_set(
        &self,
        date: NaiveDate,
        entry: CalendarEntry,
    ) -> Result<Outcome, SessionsError> {
        let handle = self.ward_for_calendar().await?;
        let reg = read(&handle, ward::registry).map_err(AppError::from)?;
        let current = reg.calendar.days.get(&date);
        if current == Some(&entry) {
            return Ok(Outcome::Unchanged);
        }
        let cal = Calendar::of(&reg);
        let wants_work = entry.kind == DayKind::Work;
        if current.is_none() && cal.is_working_day(date) == wants_work {
            return Ok(Outcome::Unchanged);
        }
        let meta = self.calendar_meta("calendar.add", vec![date.to_string()]);
        change(&handle, &meta, |tx| {
            ward::put_calendar_entry(tx, date, &entry)
        })
        .map_err(AppError::from)?;
        tracing::info!(%date, kind = entry.kind.code(), "calendar entry set");
        Ok(Outcome::Changed)
    }

    /// Removes the office's entry for a day; `None` when there was none.
    pub async fn calendar_remove(
        &self,
        date: NaiveDate,
    ) -> Result<Option<CalendarEntry>, SessionsError> {
        let handle = self.ward_for_calendar().await?;
        let reg = read(&handle, ward::registry).map_err(AppError::from)?;
        let Some(old) = reg.calendar.days.get(&date).cloned() else {
            return Ok(None);
        };
        let meta = self.calendar_meta("calendar.remove", vec![date.to_string()]);
        change(&handle, &meta, |tx| ward::remove_calendar_entry(tx, date))
            .map_err(AppError::from)?;
        tracing::info!(%date, "calendar entry removed");
        Ok(Some(old))
    }

    /// Confirms (or, with `undo`, withdraws the confirmation of) a year's calendar.
    pub async fn calendar_confirm(
        &self,
        year: i32,
        note: &str,
        undo: bool,
    ) -> Result<Outcome, SessionsError> {
        let handle = self.ward_for_calendar().await?;
        let reg = read(&handle, ward::registry).map_err(AppError::from)?;
        let known = reg.calendar.confirmed.get(&year);
        let meta = self.calendar_meta(
            if undo {
                "calendar.unconfirm"
            } else {
                "calendar.confirm"
            },
            vec![year.to_string()],
        );
        if undo {
            if known.is_none() {
                return Ok(Outcome::Unchanged);
            }
            change(&handle, &meta, |tx| ward::unconfirm_year(tx, year)).map_err(AppError::from)?;
        } else {
            if known.is_some_and(|n| n == note.trim()) {
                return Ok(Outcome::Unchanged);
            }
            change(&handle, &meta, |tx| {
                ward::confirm_year(tx, year, note.trim())
            })
            .map_err(AppError::from)?;
        }
        tracing::info!(year, undo, "calendar year confirmation changed");
        Ok(Outcome::Changed)
    }
}
