//! Working days: the calendar the ward office counts deadlines in, for any year.
//!
//! The Law on Citizen Reception 2013 (art. 28) and the ward's own practice count in *working
//! days*: Monday to Friday, less the public holidays. A deadline of "10 working days from
//! receipt" is the tenth working day *after* the day of receipt: a petition received on Friday
//! 13/02/2026, just before the Tết holiday of 16–20/02/2026, is due on Friday 06/03/2026.
//!
//! The calendar of a year is built in three layers, the later overriding the earlier:
//!
//! 1. **Law** (Labour Code 2019, art. 112 §1, in force since 2021): Tết Dương lịch 1/1; Ngày
//!    Chiến thắng 30/4; Quốc tế Lao động 1/5; Quốc khánh 2/9 *and one day beside it* (1/9 or
//!    3/9, chosen by the Prime Minister each year, art. 112 §3). The day beside 2/9 is taken as
//!    the one the decisions of 2021–2026 took: the day that joins 2/9 to a weekend (3/9 when 2/9
//!    is a Monday, Thursday or Sunday; 1/9 when it is a Tuesday, Wednesday, Friday or Saturday).
//! 2. **Lunar** (art. 112 §1 b, e): Tết Nguyên đán, 5 days, and Giỗ Tổ Hùng Vương, 10/3 âm
//!    lịch, from the Vietnamese lunar calendar at UTC+7 ([`crate::lunar`]). The Prime Minister
//!    sets the 5 days of Tết each year (art. 112 §3); the default is the law's usual reading, the
//!    last day of the old year and the first four of the new one.
//! 3. **Office**: what the ward office records in the ward document from the government's
//!    yearly decision (an extra day off, a Saturday worked in exchange, a Tết placed otherwise),
//!    and which years it has confirmed ([`crate::registry::WardCalendar`]).
//!
//! **Days off in lieu** (nghỉ bù, Labour Code 2019 art. 111 §3): a holiday on a Saturday or
//! Sunday gives the next working day off. For Tết the government's decisions of 2016–2026 place
//! the days in lieu around the holiday rather than after it: the first on the working day just
//! before the five days when there is one (the 29th of the last month, as in 2017, 2018, 2020,
//! 2021, 2023, 2024, 2025), any other after them. The default follows that pattern.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

use crate::lang::Lang;
use crate::lunar;
use crate::registry::{CalendarEntry, DayKind, Registry};

/// The number of working days within which a resident is told whether the matter is accepted
/// (Law on Citizen Reception 2013, art. 28), and the default handling deadline.
pub const TEN_WORKING_DAYS: u32 = 10;

/// Where a day of the calendar comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A solar holiday of the Labour Code (and its day in lieu).
    Law,
    /// A holiday of the lunar calendar: Tết, Giỗ Tổ (and its day in lieu).
    Lunar,
    /// An entry the ward office made.
    Office,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Law => "law",
            Source::Lunar => "lunar",
            Source::Office => "office",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Source::Law => lang.pick("luật", "law"),
            Source::Lunar => lang.pick("âm lịch", "lunar calendar"),
            Source::Office => lang.pick("văn phòng", "office"),
        }
    }
}

/// A public holiday of the Labour Code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    NewYear,
    Tet,
    HungKings,
    Victory,
    Labour,
    National,
    NationalAdjacent,
}

impl Holiday {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Holiday::NewYear => lang.pick("Tết Dương lịch", "New Year's Day"),
            Holiday::Tet => lang.pick("Tết Nguyên đán", "Lunar New Year (Tết)"),
            Holiday::HungKings => lang.pick(
                "Giỗ Tổ Hùng Vương (10/3 âm lịch)",
                "Hùng Kings' Commemoration (10th day of the 3rd lunar month)",
            ),
            Holiday::Victory => lang.pick("Ngày Chiến thắng (30/4)", "Victory Day (30 April)"),
            Holiday::Labour => lang.pick(
                "Ngày Quốc tế Lao động (1/5)",
                "International Labour Day (1 May)",
            ),
            Holiday::National => lang.pick("Quốc khánh (2/9)", "National Day (2 September)"),
            Holiday::NationalAdjacent => lang.pick(
                "Quốc khánh (ngày liền kề 2/9)",
                "National Day (the day beside 2 September)",
            ),
        }
    }

    fn source(self) -> Source {
        match self {
            Holiday::Tet | Holiday::HungKings => Source::Lunar,
            _ => Source::Law,
        }
    }
}

/// A day off by default (law and lunar calendar), before the office's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DefaultDay {
    pub date: NaiveDate,
    pub holiday: Holiday,
    /// For a day off in lieu: the holiday day on a weekend it makes up for.
    pub in_lieu_of: Option<NaiveDate>,
    pub source: Source,
}

impl DefaultDay {
    /// "Tết Nguyên đán", "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch), trùng Chủ nhật 26/04".
    pub fn label(&self, lang: Lang) -> String {
        match self.in_lieu_of {
            None => self.holiday.label(lang).to_owned(),
            Some(d) => match lang {
                Lang::Vi => format!(
                    "Nghỉ bù {} (trùng {} {})",
                    self.holiday.label(lang),
                    weekday_label(d.weekday(), lang),
                    d.format("%d/%m")
                ),
                Lang::En => format!(
                    "Day off in lieu of {} (on {} {})",
                    self.holiday.label(lang),
                    weekday_label(d.weekday(), lang),
                    d.format("%d/%m")
                ),
            },
        }
    }
}

/// The weekday's name: "Thứ Hai" … "Chủ nhật".
pub fn weekday_label(w: Weekday, lang: Lang) -> &'static str {
    match w {
        Weekday::Mon => lang.pick("Thứ Hai", "Monday"),
        Weekday::Tue => lang.pick("Thứ Ba", "Tuesday"),
        Weekday::Wed => lang.pick("Thứ Tư", "Wednesday"),
        Weekday::Thu => lang.pick("Thứ Năm", "Thursday"),
        Weekday::Fri => lang.pick("Thứ Sáu", "Friday"),
        Weekday::Sat => lang.pick("Thứ Bảy", "Saturday"),
        Weekday::Sun => lang.pick("Chủ nhật", "Sunday"),
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn next_day(d: NaiveDate) -> Option<NaiveDate> {
    d.checked_add_days(Days::new(1))
}

/// The 5 days of Tết by the law's default: the last day of the lunar year before Tết of solar
/// year `year`, and the first four of the new one.
pub fn tet_days(year: i32) -> Option<[NaiveDate; 5]> {
    let first = lunar::tet(year)?;
    let last_of_old = first.pred_opt()?;
    let mut days = [last_of_old; 5];
    for i in 1..5 {
        days[i] = next_day(days[i - 1])?;
    }
    Some(days)
}

/// The days off by default of one solar year (law and lunar calendar, with days in lieu).
fn compute_year(year: i32) -> BTreeMap<NaiveDate, DefaultDay> {
    let mut days: BTreeMap<NaiveDate, DefaultDay> = BTreeMap::new();
    let put = |days: &mut BTreeMap<NaiveDate, DefaultDay>, date: NaiveDate, h: Holiday| {
        days.entry(date).or_insert(DefaultDay {
            date,
            holiday: h,
            in_lieu_of: None,
            source: h.source(),
        });
    };
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    for (m, d, h) in [
        (1, 1, Holiday::NewYear),
        (4, 30, Holiday::Victory),
        (5, 1, Holiday::Labour),
        (9, 2, Holiday::National),
    ] {
        if let Some(date) = ymd(m, d) {
            put(&mut days, date, h);
        }
    }
    if let Some(national) = ymd(9, 2) {
        let beside = match national.weekday() {
            Weekday::Mon | Weekday::Thu | Weekday::Sun => ymd(9, 3),
            _ => ymd(9, 1),
        };
        if let Some(b) = beside {
            put(&mut days, b, Holiday::NationalAdjacent);
        }
    }
    if let Some(g) = lunar::gio_to(year) {
        put(&mut days, g, Holiday::HungKings);
    }
    let tet = tet_days(year);
    if let Some(block) = tet {
        for d in block {
            put(&mut days, d, Holiday::Tet);
        }
    }
    let free = |days: &BTreeMap<NaiveDate, DefaultDay>, d: NaiveDate| {
        !is_weekend(d) && !days.contains_key(&d)
    };
    // Tết's days in lieu: the first on the working day just before the five days when there is
    // one, the others after them (the government's decisions of 2016–2026).
    if let Some(block) = tet {
        let mut after = block[4];
        for (i, w) in block.iter().copied().filter(|d| is_weekend(*d)).enumerate() {
            let before = block[0].pred_opt();
            let at = match before {
                Some(b) if i == 0 && free(&days, b) => Some(b),
                _ => {
                    let mut d = next_day(after);
                    while let Some(x) = d {
                        if free(&days, x) {
                            break;
                        }
                        d = next_day(x);
                    }
                    if let Some(x) = d {
                        after = x;
                    }
                    d
                }
            };
            if let Some(at) = at {
                days.insert(
                    at,
                    DefaultDay {
                        date: at,
                        holiday: Holiday::Tet,
                        in_lieu_of: Some(w),
                        source: Source::Lunar,
                    },
                );
            }
        }
    }
    // Every other holiday on a weekend: the next working day (art. 111 §3).
    let on_weekend: Vec<DefaultDay> = days
        .values()
        .filter(|d| d.holiday != Holiday::Tet && d.in_lieu_of.is_none() && is_weekend(d.date))
        .copied()
        .collect();
    for h in on_weekend {
        let mut d = next_day(h.date);
        while let Some(x) = d {
            if free(&days, x) {
                break;
            }
            d = next_day(x);
        }
        if let Some(x) = d {
            days.insert(
                x,
                DefaultDay {
                    date: x,
                    holiday: h.holiday,
                    in_lieu_of: Some(h.date),
                    source: h.source,
                },
            );
        }
    }
    days
}

type YearDays = Arc<BTreeMap<NaiveDate, DefaultDay>>;

/// The default days off of a year, computed once per process (the lunar calendar costs a few
/// dozen new-moon computations per year; deadlines look days up thousands of times).
pub fn default_days(year: i32) -> YearDays {
    static CACHE: OnceLock<Mutex<HashMap<i32, YearDays>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // A poisoned lock only means another thread panicked while inserting a computed year; the
    // map itself is still sound.
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(year)
        .or_insert_with(|| Arc::new(compute_year(year)))
        .clone()
}

/// A deadline and the years it was counted through that the office has not confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub date: NaiveDate,
    /// Years between the start and the deadline whose calendar the office has not confirmed:
    /// the deadline follows the law and the lunar calendar there, which the government's decision
    /// for the year may change.
    pub unconfirmed_years: Vec<i32>,
}

/// One day of a year's calendar as listed to the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    /// Whether the office works that day, all layers applied.
    pub working: bool,
    /// The layer that decides the day.
    pub source: Source,
    /// What the law and the lunar calendar say about the day, if anything.
    pub default: Option<DefaultDay>,
    /// The office's entry for the day, if any.
    pub office: Option<CalendarEntry>,
}

/// Which days the ward office works.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Whether the holidays of the law and the lunar calendar apply.
    national: bool,
    holidays: BTreeSet<NaiveDate>,
    extra_working: BTreeSet<NaiveDate>,
    office: BTreeMap<NaiveDate, CalendarEntry>,
    confirmed: BTreeSet<i32>,
}

impl Calendar {
    /// A calendar of weekends and these holidays only (no national holidays).
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        Calendar {
            holidays: holidays.into_iter().collect(),
            ..Calendar::default()
        }
    }

    /// The national calendar for every year: the law's holidays, Tết and Giỗ Tổ, days in lieu.
    pub fn national() -> Calendar {
        Calendar {
            national: true,
            ..Calendar::default()
        }
    }

    /// The calendar of a ward: the national calendar with the office's entries over it.
    pub fn of(registry: &Registry) -> Calendar {
        Calendar {
            national: true,
            office: registry.calendar.days.clone(),
            confirmed: registry.calendar.confirmed.keys().copied().collect(),
            ..Calendar::default()
        }
    }

    /// Adds weekend days that are worked (a Saturday worked in exchange for a bridge day off).
    pub fn with_working_days(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        self.extra_working.extend(days);
        self
    }

    fn default_day(&self, d: NaiveDate) -> Option<DefaultDay> {
        if !self.national {
            return None;
        }
        default_days(d.year()).get(&d).copied()
    }

    /// Whether the office works on `d`.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if let Some(e) = self.office.get(&d) {
            return e.kind == DayKind::Work;
        }
        if self.extra_working.contains(&d) {
            return true;
        }
        if is_weekend(d) || self.holidays.contains(&d) {
            return false;
        }
        self.default_day(d).is_none()
    }

    /// Whether `d` is a holiday (a listed or national one, or a day off the office added), as
    /// opposed to a plain weekend or working day.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        match self.office.get(&d) {
            Some(e) => e.kind == DayKind::Off,
            None => self.holidays.contains(&d) || self.default_day(d).is_some(),
        }
    }

    /// Whether the office has confirmed the calendar of `year`.
    pub fn is_confirmed(&self, year: i32) -> bool {
        self.confirmed.contains(&year)
    }

    /// The years from `from` to `to` (either order) that the office has not confirmed; empty for
    /// a calendar that is not a ward's (no national holidays).
    pub fn unconfirmed_years(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        if !self.national {
            return Vec::new();
        }
        let (a, b) = if from <= to { (from, to) } else { (to, from) };
        (a.year()..=b.year())
            .filter(|y| !self.confirmed.contains(y))
            .collect()
    }

    /// The `n`-th working day after `start` (`start` itself is not counted; `n = 0` gives
    /// `start`). Saturates at the last representable date.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match next_day(d) {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// [`Calendar::add_working_days`] with the years it counted through unconfirmed.
    pub fn deadline(&self, start: NaiveDate, n: u32) -> Deadline {
        let date = self.add_working_days(start, n);
        Deadline {
            date,
            unconfirmed_years: self.unconfirmed_years(start, date),
        }
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
            match next_day(d) {
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
            match next_day(d) {
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

    /// The days of `year` that differ from a plain week (holidays, days in lieu, days the office
    /// set), in date order, with the layer that decides each.
    pub fn year(&self, year: i32) -> Vec<CalendarDay> {
        let mut dates: BTreeSet<NaiveDate> = BTreeSet::new();
        if self.national {
            dates.extend(default_days(year).keys().copied());
        }
        let in_year = |d: &&NaiveDate| d.year() == year;
        dates.extend(self.office.keys().filter(in_year).copied());
        dates.extend(self.holidays.iter().filter(in_year).copied());
        dates.extend(self.extra_working.iter().filter(in_year).copied());
        dates
            .into_iter()
            .map(|date| {
                let default = self.default_day(date);
                let office = self.office.get(&date).cloned();
                let source = match (&office, &default) {
                    (Some(_), _) => Source::Office,
                    (None, Some(d)) => d.source,
                    (None, None) => Source::Office,
                };
                CalendarDay {
                    date,
                    working: self.is_working_day(date),
                    source,
                    default,
                    office,
                }
            })
            .collect()
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

    #[test]
    fn the_day_beside_national_day_joins_it_to_a_weekend() {
        let beside = |y| {
            default_days(y)
                .values()
                .find(|x| x.holiday == Holiday::NationalAdjacent)
                .map(|x| x.date)
        };
        // The Prime Minister's choices 2021–2026.
        assert_eq!(beside(2021), Some(d(2021, 9, 3)));
        assert_eq!(beside(2022), Some(d(2022, 9, 1)));
        assert_eq!(beside(2023), Some(d(2023, 9, 1)));
        assert_eq!(beside(2024), Some(d(2024, 9, 3)));
        assert_eq!(beside(2025), Some(d(2025, 9, 1)));
        assert_eq!(beside(2026), Some(d(2026, 9, 1)));
    }
}
