//! The Vietnamese lunar calendar (âm lịch), reckoned at UTC+7.
//!
//! Tết Nguyên đán (1/1 âm lịch) and Giỗ Tổ Hùng Vương (10/3 âm lịch) are days off by law, so the
//! ward's working-day calendar needs the lunar calendar for any year. The Vietnamese calendar
//! follows the same rules as the Chinese one (months begin on the day of the new moon; the
//! month holding the winter solstice is month 11; a year with 13 months repeats the first month
//! without a major solar term) but is reckoned at Vietnam's time zone, UTC+7, not China's UTC+8.
//! A new moon shortly after 16:00 UTC falls on different days in the two countries, so the two
//! calendars differ in some years: Tết 1985 was 21/01/1985 in Vietnam and 20/02/1985 in China;
//! Tết 2007 was 17/02/2007 in Vietnam and 18/02/2007 in China.
//!
//! This is Hồ Ngọc Đức's astronomical algorithm (the reference implementation of the Vietnamese
//! calendar, <https://www.informatik.uni-leipzig.de/~duc/amlich/>): the new moons from Jean
//! Meeus's *Astronomical Algorithms* (ch. 49, the short series), the Sun's longitude from the
//! low-precision formula of ch. 25, both to the day at UTC+7. It is accurate for 1800–2199,
//! which covers every date the ward records (the model refuses dates before 2000).

use chrono::{Datelike, NaiveDate};

/// Vietnam's time zone, in hours east of UTC, at which the lunar calendar is reckoned (the
/// calendar of North Vietnam since 1968 and of the whole country since 1976).
pub const TIME_ZONE: f64 = 7.0;

/// The Julian day number of the day before 0001-01-01 (chrono's day 1 of the common era).
const JDN_CE_OFFSET: i64 = 1_721_425;

/// A date of the lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LunarDate {
    /// The lunar year, counted like the solar year in which it begins (Tết 2026 begins 2026).
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 30.
    pub day: u32,
    /// Whether the month is the repeated (leap) one, tháng nhuận.
    pub leap: bool,
}

/// The Julian day number of a date.
pub fn jdn(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) + JDN_CE_OFFSET
}

/// The date of a Julian day number; `None` outside chrono's range.
pub fn date_of_jdn(jd: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(jd - JDN_CE_OFFSET).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

/// The day (Julian day number, at [`TIME_ZONE`]) of the `k`-th new moon after the one of
/// 1900-01-01 (Meeus ch. 49, with ΔT).
fn new_moon_day(k: i64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = std::f64::consts::PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    let jd_new = jd1 + c1 - delta_t;
    (jd_new + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// Which twelfth of the ecliptic the Sun is in at the start of day `jd` (0 = from the vernal
/// equinox to 30°, …; 9 = from the winter solstice).
fn sun_longitude_sector(jd: i64) -> i64 {
    let t = (jd as f64 - 2_451_545.5 - TIME_ZONE / 24.0) / 36525.0;
    let t2 = t * t;
    let dr = std::f64::consts::PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl += (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let tau = 2.0 * std::f64::consts::PI;
    let mut l = (l0 + dl) * dr;
    l -= tau * (l / tau).floor();
    (l / std::f64::consts::PI * 6.0).floor() as i64
}

/// The index of the new moon on or before day `jd`, counted as in [`new_moon_day`].
fn lunation_index(jd: i64) -> i64 {
    ((jd as f64 - 2_415_021.076_998_695) / 29.530_588_853).floor() as i64
}

/// The first day of the 11th lunar month (the one holding the winter solstice) of solar year `y`.
fn month_11(y: i32) -> Option<i64> {
    let off = jdn(NaiveDate::from_ymd_opt(y, 12, 31)?) - 2_415_021;
    let k = (off as f64 / 29.530_588_853).floor() as i64;
    let nm = new_moon_day(k);
    if sun_longitude_sector(nm) >= 9 {
        Some(new_moon_day(k - 1))
    } else {
        Some(nm)
    }
}

/// In a 13-month year starting at the month-11 `a11`, how many months after it the leap month
/// comes (the first month without a major solar term).
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853 + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_longitude_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_longitude_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// The lunar date of a solar date; `None` only at the far ends of chrono's range.
pub fn to_lunar(d: NaiveDate) -> Option<LunarDate> {
    let day_number = jdn(d);
    // The new moon on or before the day. The mean lunation only estimates which one it is: the
    // true new moon can be a day either side, so step until it is the right one (the published
    // algorithm's single step misses a few days, e.g. 07/05/2054).
    let mut k = lunation_index(day_number) + 1;
    while new_moon_day(k) > day_number {
        k -= 1;
    }
    while new_moon_day(k + 1) <= day_number {
        k += 1;
    }
    let month_start = new_moon_day(k);
    let yy = d.year();
    let mut a11 = month_11(yy)?;
    let mut b11 = a11;
    let mut year;
    if a11 >= month_start {
        year = yy;
        a11 = month_11(yy - 1)?;
    } else {
        year = yy + 1;
        b11 = month_11(yy + 1)?;
    }
    let day = day_number - month_start + 1;
    let diff = (month_start - a11).div_euclid(29);
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        year -= 1;
    }
    Some(LunarDate {
        year,
        month: u32::try_from(month).ok()?,
        day: u32::try_from(day).ok()?,
        leap,
    })
}

/// The solar date of a lunar date; `None` when there is no such day (a leap month the year does
/// not have, a month or day out of range).
pub fn from_lunar(l: LunarDate) -> Option<NaiveDate> {
    if !(1..=12).contains(&l.month) || !(1..=30).contains(&l.day) {
        return None;
    }
    let (a11, b11) = if l.month < 11 {
        (month_11(l.year - 1)?, month_11(l.year)?)
    } else {
        (month_11(l.year)?, month_11(l.year + 1)?)
    };
    let k = ((a11 as f64 - 2_415_021.076_998_695) / 29.530_588_853 + 0.5).floor() as i64;
    let mut off = i64::from(l.month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if l.leap && i64::from(l.month) != leap_month {
            return None;
        }
        if l.leap || off >= leap_off {
            off += 1;
        }
    } else if l.leap {
        return None;
    }
    let month_start = new_moon_day(k + off);
    let next_start = new_moon_day(k + off + 1);
    if i64::from(l.day) > next_start - month_start {
        return None;
    }
    date_of_jdn(month_start + i64::from(l.day) - 1)
}

/// The first day of Tết Nguyên đán (1/1 âm lịch) that falls in solar year `year`.
pub fn tet(year: i32) -> Option<NaiveDate> {
    from_lunar(LunarDate {
        year,
        month: 1,
        day: 1,
        leap: false,
    })
}

/// Giỗ Tổ Hùng Vương (10/3 âm lịch) of solar year `year`.
pub fn gio_to(year: i32) -> Option<NaiveDate> {
    from_lunar(LunarDate {
        year,
        month: 3,
        day: 10,
        leap: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn julian_day_numbers() {
        assert_eq!(jdn(d(2000, 1, 1)), 2_451_545);
        assert_eq!(date_of_jdn(2_451_545), Some(d(2000, 1, 1)));
    }

    #[test]
    fn vietnam_differs_from_china_where_the_new_moon_is_near_midnight() {
        // China: 20/02/1985 and 18/02/2007.
        assert_eq!(tet(1985), Some(d(1985, 1, 21)));
        assert_eq!(tet(2007), Some(d(2007, 2, 17)));
    }

    #[test]
    fn round_trip_over_many_years() {
        let mut day = d(1990, 1, 1);
        while day < d(2060, 1, 1) {
            let l = to_lunar(day).unwrap();
            assert_eq!(from_lunar(l), Some(day), "{day} → {l:?}");
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn leap_months_are_found() {
        // 2023 repeated month 2 (tháng 2 nhuận from 22/03/2023); 2025 repeated month 6 (from
        // 25/07/2025).
        let l = to_lunar(d(2023, 3, 25)).unwrap();
        assert_eq!((l.month, l.leap), (2, true));
        let l = to_lunar(d(2025, 7, 28)).unwrap();
        assert_eq!((l.month, l.leap), (6, true));
        assert_eq!(
            from_lunar(LunarDate {
                year: 2026,
                month: 6,
                day: 1,
                leap: true
            }),
            None
        );
    }
}
