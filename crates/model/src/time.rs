//! Ward time and the date formats users type and read.
//!
//! Vietnam keeps one time zone, UTC+07:00, with no daylight saving, so ward time is a fixed offset.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::error::ValidationError;

/// UTC+07:00.
pub fn ward_offset() -> FixedOffset {
    // 25200 s is within ±86400 s, so this cannot fail; UTC is the fallback the type demands.
    FixedOffset::east_opt(7 * 3600).unwrap_or(chrono::offset::Offset::fix(&Utc))
}

/// Now, in ward time, to the second.
pub fn ward_now() -> DateTime<FixedOffset> {
    let now = Utc::now().with_timezone(&ward_offset());
    now.with_nanosecond_zero()
}

trait NanoZero {
    fn with_nanosecond_zero(self) -> Self;
}
impl NanoZero for DateTime<FixedOffset> {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// Parses a date as users type it: `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`) or ISO `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Result<NaiveDate, ValidationError> {
    let t = s.trim();
    let bad = || ValidationError::BadDate {
        value: t.to_owned(),
    };
    for fmt in ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return Ok(d);
        }
    }
    // A well-formed date that no calendar has (31/02/2026) is its own error.
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(ValidationError::NotADate {
            value: t.to_owned(),
        });
    }
    Err(bad())
}

/// Parses a date-time: RFC 3339, or a date as in [`parse_date`] optionally followed by `HH:MM`.
pub fn parse_datetime(s: &str) -> Result<DateTime<FixedOffset>, ValidationError> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt);
    }
    let (date_part, time_part) = match t.split_once(' ') {
        Some((d, tm)) => (d, Some(tm.trim())),
        None => (t, None),
    };
    let date = parse_date(date_part)?;
    let time = match time_part {
        None => NaiveTime::from_hms_opt(0, 0, 0).unwrap_or(NaiveTime::MIN),
        Some(tm) => {
            NaiveTime::parse_from_str(tm, "%H:%M").map_err(|_| ValidationError::BadDate {
                value: t.to_owned(),
            })?
        }
    };
    ward_offset()
        .from_local_datetime(&date.and_time(time))
        .single()
        .ok_or_else(|| ValidationError::BadDate {
            value: t.to_owned(),
        })
}

/// `dd/mm/yyyy`, as Vietnamese documents write dates.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// `HH:MM dd/mm/yyyy` in ward time.
pub fn format_datetime(dt: &DateTime<FixedOffset>) -> String {
    dt.with_timezone(&ward_offset())
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

/// RFC 3339 in ward time, to the second: the form stored in documents.
pub fn to_stored(dt: &DateTime<FixedOffset>) -> String {
    dt.with_timezone(&ward_offset())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vietnamese_dates() {
        assert_eq!(
            parse_date("28/11/2026").ok(),
            NaiveDate::from_ymd_opt(2026, 11, 28)
        );
        assert_eq!(
            parse_date("1/2/2026").ok(),
            NaiveDate::from_ymd_opt(2026, 2, 1)
        );
        assert_eq!(
            parse_date("2026-02-01").ok(),
            NaiveDate::from_ymd_opt(2026, 2, 1)
        );
        assert!(matches!(
            parse_date("31/02/2026"),
            Err(ValidationError::NotADate { .. })
        ));
        assert!(matches!(
            parse_datetime("31/02/2026 09:00"),
            Err(ValidationError::NotADate { .. })
        ));
        let msg = crate::Localize::localize(
            &ValidationError::NotADate {
                value: "31/02/2026".into(),
            },
            crate::Lang::Vi,
        );
        assert!(msg.contains("không phải là một ngày"), "{msg}");
        assert!(!msg.contains("tương lai"), "{msg}");
        assert!(matches!(
            parse_date("hôm qua"),
            Err(ValidationError::BadDate { .. })
        ));
    }

    #[test]
    fn stores_ward_time() {
        let dt = parse_datetime("28/11/2026 09:15").unwrap();
        assert_eq!(to_stored(&dt), "2026-11-28T09:15:00+07:00");
        assert_eq!(format_datetime(&dt), "09:15 28/11/2026");
    }
}
