//! Working days: the calendar the ward office counts deadlines in.
//!
//! The Law on Citizen Reception 2013 (art. 28) and the ward's own practice count in *working
//! days*: Monday to Friday, less the public holidays the ward lists in its registry (Tết and the
//! other days off the government announces each year; the built-in list covers 2025–2027). A
//! deadline of "10 working days from receipt" is the tenth working day *after* the day of
//! receipt: a petition received on Friday 13/02/2026, just before the Tết holiday of
//! 16–20/02/2026, is due on Friday 06/03/2026.
//!
//! The government sometimes swaps a weekday off for a Saturday worked (ngày làm bù); such a
//! Saturday can be given to [`Calendar::with_working_days`].

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::registry::Registry;

/// The number of working days within which a resident is told whether the matter is accepted
/// (Law on Citizen Reception 2013, art. 28), and the default handling deadline.
pub const TEN_WORKING_DAYS: u32 = 10;

/// Which days the ward office works.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    extra_working: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// A calendar with these holidays (weekends are always days off).
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar {
            holidays: holidays.into_iter().collect(),
            extra_working: BTreeSet::new(),
        }
    }

    /// The calendar of a ward: its registry's holidays.
    pub fn of(registry: &Registry) -> Calendar {
        Calendar::new(registry.holidays.iter().map(|h| h.date))
    }

    /// Adds weekend days that are worked (a Saturday worked in exchange for a bridge day off).
    pub fn with_working_days(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        self.extra_working.extend(days);
        self
    }

    /// Whether the office works on `d`.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.extra_working.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// Whether `d` is a listed holiday.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays.contains(&d)
    }

    /// The `n`-th working day after `start` (`start` itself is not counted; `n = 0` gives
    /// `start`). Saturates at the last representable date.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.checked_add_days(Days::new(1)) {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The first working day on or after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d;
        // A year always has working days, so this ends within a few weeks; the bound only guards
        // a calendar that someone filled with holidays.
        for _ in 0..366 {
            if self.is_working_day(d) {
                return d;
            }
            match d.checked_add_days(Days::new(1)) {
                Some(next) => d = next,
                None => return d,
            }
        }
        d
    }

    /// The number of working days `d` with `from < d <= to`; negative when `to` is before
    /// `from` (then the working days with `to < d <= from`, negated).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            match d.checked_add_days(Days::new(1)) {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// The deadline of [`TEN_WORKING_DAYS`] from `received`.
    pub fn ten_working_days(&self, received: NaiveDate) -> NaiveDate {
        self.add_working_days(received, TEN_WORKING_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekends_are_skipped() {
        let cal = Calendar::default();
        // Friday + 1 working day = Monday.
        assert_eq!(cal.add_working_days(d(2026, 11, 27), 1), d(2026, 11, 30));
        assert_eq!(cal.add_working_days(d(2026, 11, 27), 0), d(2026, 11, 27));
        assert_eq!(
            cal.working_days_between(d(2026, 11, 27), d(2026, 11, 30)),
            1
        );
        assert_eq!(
            cal.working_days_between(d(2026, 11, 30), d(2026, 11, 27)),
            -1
        );
    }
}
