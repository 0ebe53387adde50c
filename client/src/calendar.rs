//! `doithoai calendar ...`: the ward's working-day calendar, which every deadline is counted in.
//!
//! The calendar of any year is computed (the Labour Code's holidays, Tết and Giỗ Tổ from the
//! lunar calendar, days in lieu: [`doithoai_model::workdays`]); the office records the
//! government's yearly decision over it in the ward document (days off, Saturdays worked in
//! exchange) and confirms the year. Office devices edit; every device can list.

use std::io::Write;

use chrono::{Datelike, NaiveDate};
use clap::Subcommand;
use doithoai_model::registry::{CalendarEntry, DayKind};
use doithoai_model::time::{format_date, parse_date, ward_now};
use doithoai_model::workdays::{Calendar, CalendarDay, DefaultDay, Holiday, weekday_label};
use doithoai_model::{Lang, Localize, lunar};

use crate::app::App;
use crate::cli::CliError;
use crate::sessions_app::SessionsError;
use doithoai_device::calendar_app::Outcome;

/// The years the lunar calendar is computed for with confidence, and the model accepts.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2199;

/// Lịch làm việc của phường: ngày nghỉ lễ, Tết (tính theo âm lịch), nghỉ bù, ngày làm bù.
///
/// Hạn giải quyết (10 ngày làm việc…) được tính theo lịch này. Lịch mặc định của mọi năm được
/// tính theo Bộ luật Lao động và âm lịch; văn phòng ghi thêm quyết định hằng năm của Chính phủ
/// (ngày nghỉ thêm, thứ Bảy làm bù) rồi xác nhận năm đó. Chỉ máy của văn phòng được sửa.
#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// Xem lịch nghỉ của một năm: ngày nghỉ lễ, Tết, nghỉ bù, ngày làm bù, và nguồn của từng
    /// ngày (luật, âm lịch, văn phòng).
    ///
    /// Ví dụ: doithoai calendar list --year 2028
    ///        doithoai calendar list --year 2027 --json
    #[command(verbatim_doc_comment)]
    List {
        /// Năm (mặc định: năm nay).
        #[arg(long)]
        year: Option<i32>,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ghi một ngày nghỉ (--off) hoặc một ngày làm việc (--work, ví dụ thứ Bảy làm bù) theo
    /// quyết định của Chính phủ hoặc của phường; thay cho lịch mặc định của ngày đó.
    ///
    /// Ví dụ: doithoai calendar add 31/01/2028 --off --note "Nghỉ Tết theo Thông báo của Bộ Nội vụ"
    ///        doithoai calendar add 15/01/2028 --work --note "Làm bù cho ngày 31/01/2028"
    ///        doithoai calendar add 24/01/2028 --work --note "Ngày Tết được chuyển sang 31/01"
    #[command(verbatim_doc_comment)]
    Add {
        /// Ngày, dd/mm/yyyy.
        date: String,
        /// Ngày đó văn phòng nghỉ.
        #[arg(long)]
        off: bool,
        /// Ngày đó văn phòng làm việc (thứ Bảy làm bù, hoặc ngày lễ mặc định được chuyển đi).
        #[arg(long)]
        work: bool,
        /// Ghi chú: văn bản làm căn cứ, ngày được đổi.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Bỏ ghi chép của văn phòng cho một ngày: ngày đó trở lại theo lịch mặc định.
    ///
    /// Ví dụ: doithoai calendar remove 15/01/2028
    #[command(verbatim_doc_comment)]
    Remove {
        /// Ngày, dd/mm/yyyy.
        date: String,
    },
    /// Xác nhận lịch cả năm đã đúng với quyết định của Chính phủ. Hạn tính qua một năm chưa
    /// được xác nhận được đánh dấu «lịch năm … chưa được văn phòng xác nhận».
    ///
    /// Ví dụ: doithoai calendar confirm --year 2028 --note "Thông báo số 1234/TB-BNV"
    ///        doithoai calendar confirm --year 2028 --undo
    #[command(verbatim_doc_comment)]
    Confirm {
        /// Năm cần xác nhận.
        #[arg(long)]
        year: i32,
        /// Ghi chú: văn bản làm căn cứ.
        #[arg(long, default_value = "")]
        note: String,
        /// Bỏ xác nhận đã ghi (khi quyết định của năm thay đổi).
        #[arg(long)]
        undo: bool,
    },
}

fn usage(vi: impl Into<String>, en: impl Into<String>) -> CliError {
    CliError::Usage {
        vi: vi.into(),
        en: en.into(),
    }
}

fn cli_err(e: SessionsError) -> CliError {
    match e {
        SessionsError::App(a) => CliError::App(a),
        other => usage(other.localize(Lang::Vi), other.localize(Lang::En)),
    }
}

/// " (lịch năm 2028 chưa được văn phòng xác nhận)" for a deadline counted from `from` to `to`
/// through years the office has not confirmed; "" otherwise.
pub fn unconfirmed_mark(cal: &Calendar, from: NaiveDate, to: NaiveDate, lang: Lang) -> String {
    let years = cal.unconfirmed_years(from, to);
    if years.is_empty() {
        return String::new();
    }
    let list = years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match lang {
        Lang::Vi => format!(" (lịch năm {list} chưa được văn phòng xác nhận)"),
        Lang::En => format!(" (the calendar of {list} is not confirmed by the office)"),
    }
}

/// What to do about a deadline counted through unconfirmed years, for `handle receive`.
pub fn unconfirmed_hint(
    cal: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
    lang: Lang,
) -> Option<String> {
    let years = cal.unconfirmed_years(from, to);
    let first = *years.first()?;
    let list = years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Some(match lang {
        Lang::Vi => format!(
            "Lưu ý: lịch năm {list} chưa được văn phòng xác nhận; hạn được tính theo ngày nghỉ của \
             luật và âm lịch, quyết định nghỉ lễ của Chính phủ có thể làm thay đổi. Xem lịch: \
             doithoai calendar list --year {first}; xác nhận: doithoai calendar confirm --year {first}"
        ),
        Lang::En => format!(
            "Note: the calendar of {list} is not confirmed by the office; the deadline counts the \
             law's and the lunar calendar's holidays, which the government's decision may change. \
             See: doithoai calendar list --year {first}; confirm: doithoai calendar confirm --year {first}"
        ),
    })
}

/// "Tết Nguyên đán (mùng 1)", "Tết Nguyên đán (29 tháng Chạp)", or the default day's label.
fn default_label(d: &DefaultDay, lang: Lang) -> String {
    let label = d.label(lang);
    if d.holiday != Holiday::Tet || d.in_lieu_of.is_some() {
        return label;
    }
    let Some(l) = lunar::to_lunar(d.date) else {
        return label;
    };
    let which = match (l.month, lang) {
        (1, Lang::Vi) => format!("mùng {}", l.day),
        (1, Lang::En) => format!("day {} of the new year", l.day),
        (12, Lang::Vi) => format!("{} tháng Chạp", l.day),
        (12, Lang::En) => format!("day {} of the last month", l.day),
        _ => return label,
    };
    format!("{label} ({which})")
}

fn state(working: bool, lang: Lang) -> &'static str {
    if working {
        DayKind::Work.label(lang)
    } else {
        DayKind::Off.label(lang)
    }
}

/// What a day is by default, in words: "ngày nghỉ (Tết Nguyên đán, âm lịch)", "ngày làm việc".
fn default_words(cal_default: Option<&DefaultDay>, date: NaiveDate, lang: Lang) -> String {
    match cal_default {
        Some(d) => match lang {
            Lang::Vi => format!(
                "ngày nghỉ ({}, {})",
                default_label(d, lang),
                d.source.label(lang)
            ),
            Lang::En => format!(
                "a day off ({}, {})",
                default_label(d, lang),
                d.source.label(lang)
            ),
        },
        None if matches!(date.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) => {
            lang.pick("ngày nghỉ cuối tuần", "a weekend day").to_owned()
        }
        None => lang.pick("ngày làm việc", "a working day").to_owned(),
    }
}

fn check_year(year: i32) -> Result<(), CliError> {
    if YEARS.contains(&year) {
        return Ok(());
    }
    Err(usage(
        format!(
            "Năm {year} nằm ngoài khoảng lịch được tính ({}–{}).",
            YEARS.start(),
            YEARS.end()
        ),
        format!(
            "The year {year} is outside the calendar's range ({}–{}).",
            YEARS.start(),
            YEARS.end()
        ),
    ))
}

fn day(s: &str) -> Result<NaiveDate, CliError> {
    let d = parse_date(s)?;
    check_year(d.year())?;
    Ok(d)
}

#[derive(serde::Serialize)]
struct YearJson<'a> {
    year: i32,
    confirmed: bool,
    confirmed_note: Option<&'a str>,
    days: &'a [CalendarDay],
}

/// Runs `doithoai calendar ...`.
pub async fn run_calendar(
    app: &App,
    cmd: CalendarCmd,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let l = lang;
    match cmd {
        CalendarCmd::List { year, json } => {
            let year = year.unwrap_or_else(|| ward_now().year());
            check_year(year)?;
            let reg = app.registry().await?;
            let cal = Calendar::of(&reg);
            let days = cal.year(year);
            let note = reg.calendar.confirmed.get(&year);
            if json {
                let v = YearJson {
                    year,
                    confirmed: note.is_some(),
                    confirmed_note: note.map(String::as_str),
                    days: &days,
                };
                serde_json::to_writer_pretty(&mut *out, &v).map_err(std::io::Error::from)?;
                writeln!(out)?;
                return Ok(());
            }
            match (note, l) {
                (Some(n), Lang::Vi) => writeln!(
                    out,
                    "Lịch năm {year}: đã được văn phòng xác nhận{}.",
                    if n.is_empty() {
                        String::new()
                    } else {
                        format!(" ({n})")
                    }
                )?,
                (Some(n), Lang::En) => writeln!(
                    out,
                    "Calendar of {year}: confirmed by the office{}.",
                    if n.is_empty() {
                        String::new()
                    } else {
                        format!(" ({n})")
                    }
                )?,
                (None, Lang::Vi) => writeln!(
                    out,
                    "Lịch năm {year}: chưa được văn phòng xác nhận (theo luật và âm lịch{}). \
                     Khi có quyết định nghỉ lễ của Chính phủ: doithoai calendar add …, rồi \
                     doithoai calendar confirm --year {year}",
                    if days.iter().any(|d| d.office.is_some()) {
                        ", với các ngày văn phòng đã ghi"
                    } else {
                        ""
                    }
                )?,
                (None, Lang::En) => writeln!(
                    out,
                    "Calendar of {year}: not confirmed by the office (the law and the lunar \
                     calendar{}). When the government's holiday decision is out: doithoai calendar \
                     add …, then doithoai calendar confirm --year {year}",
                    if days.iter().any(|d| d.office.is_some()) {
                        ", with the days the office recorded"
                    } else {
                        ""
                    }
                )?,
            }
            for d in &days {
                let label = match (&d.office, &d.default) {
                    (Some(e), _) if !e.note.is_empty() => e.note.clone(),
                    (Some(e), None) => e.kind.label(l).to_owned(),
                    (Some(_), Some(def)) | (None, Some(def)) => default_label(def, l),
                    (None, None) => String::new(),
                };
                let instead = match (&d.office, &d.default) {
                    (Some(_), def) => match l {
                        Lang::Vi => {
                            format!("; mặc định: {}", default_words(def.as_ref(), d.date, l))
                        }
                        Lang::En => {
                            format!("; by default {}", default_words(def.as_ref(), d.date, l))
                        }
                    },
                    _ => String::new(),
                };
                writeln!(
                    out,
                    "  {} {:<9} {:<9} {} [{}{}]",
                    format_date(d.date),
                    weekday_label(d.date.weekday(), l),
                    state(d.working, l),
                    label,
                    d.source.label(l),
                    instead
                )?;
            }
            let weekend = |x: &CalendarDay| {
                matches!(
                    x.date.weekday(),
                    chrono::Weekday::Sat | chrono::Weekday::Sun
                )
            };
            let off = days.iter().filter(|x| !x.working && !weekend(x)).count();
            let worked = days.iter().filter(|x| x.working && weekend(x)).count();
            writeln!(
                out,
                "{}",
                match l {
                    Lang::Vi => format!(
                        "Tổng: {off} ngày nghỉ trong tuần (không kể thứ Bảy, Chủ nhật), {worked} ngày cuối tuần làm bù."
                    ),
                    Lang::En => format!(
                        "In all: {off} weekdays off (besides Saturdays and Sundays), {worked} weekend days worked."
                    ),
                }
            )?;
            Ok(())
        }
        CalendarCmd::Add {
            date,
            off,
            work,
            note,
        } => {
            let kind = match (off, work) {
                (true, false) => DayKind::Off,
                (false, true) => DayKind::Work,
                _ => {
                    return Err(usage(
                        "Cần chọn đúng một trong hai: --off (ngày nghỉ) hoặc --work (ngày làm việc). Ví dụ: doithoai calendar add 15/01/2028 --work --note \"Làm bù\"",
                        "Choose exactly one of --off (a day off) or --work (a working day). Example: doithoai calendar add 15/01/2028 --work --note \"Saturday worked\"",
                    ));
                }
            };
            let date = day(&date)?;
            let before = app.calendar().await?;
            let was = before
                .year(date.year())
                .into_iter()
                .find(|x| x.date == date);
            let default = was.as_ref().and_then(|x| x.default);
            let entry = CalendarEntry {
                kind,
                note: note.trim().to_owned(),
            };
            match app.calendar_set(date, entry).await.map_err(cli_err)? {
                Outcome::Unchanged => writeln!(
                    out,
                    "{}",
                    match l {
                        Lang::Vi => format!(
                            "Không có gì thay đổi: ngày {} ({}) đã là {}.",
                            format_date(date),
                            weekday_label(date.weekday(), l),
                            match was.as_ref().and_then(|x| x.office.as_ref()) {
                                Some(e) =>
                                    format!("{} theo ghi chép của văn phòng", e.kind.label(l)),
                                None => default_words(default.as_ref(), date, l),
                            }
                        ),
                        Lang::En => format!(
                            "Nothing changed: {} ({}) already is {}.",
                            format_date(date),
                            weekday_label(date.weekday(), l),
                            match was.as_ref().and_then(|x| x.office.as_ref()) {
                                Some(e) => format!("a {} by the office's entry", e.kind.label(l)),
                                None => default_words(default.as_ref(), date, l),
                            }
                        ),
                    }
                )?,
                Outcome::Changed => writeln!(
                    out,
                    "{}",
                    match l {
                        Lang::Vi => format!(
                            "Đã ghi: ngày {} ({}) văn phòng {} (mặc định: {}).",
                            format_date(date),
                            weekday_label(date.weekday(), l),
                            kind.label(l),
                            default_words(default.as_ref(), date, l)
                        ),
                        Lang::En => format!(
                            "Recorded: {} ({}) is a {} at the office (by default {}).",
                            format_date(date),
                            weekday_label(date.weekday(), l),
                            kind.label(l),
                            default_words(default.as_ref(), date, l)
                        ),
                    }
                )?,
            }
            Ok(())
        }
        CalendarCmd::Remove { date } => {
            let date = day(&date)?;
            match app.calendar_remove(date).await.map_err(cli_err)? {
                None => {
                    let cal = app.calendar().await?;
                    let default = cal
                        .year(date.year())
                        .into_iter()
                        .find(|x| x.date == date)
                        .and_then(|x| x.default);
                    Err(usage(
                        format!(
                            "Ngày {} không có ghi chép nào của văn phòng để bỏ; ngày này theo lịch mặc định là {}. Xem: doithoai calendar list --year {}",
                            format_date(date),
                            default_words(default.as_ref(), date, Lang::Vi),
                            date.year()
                        ),
                        format!(
                            "The office has no entry for {} to remove; by default it is {}. See: doithoai calendar list --year {}",
                            format_date(date),
                            default_words(default.as_ref(), date, Lang::En),
                            date.year()
                        ),
                    ))
                }
                Some(old) => {
                    let cal = app.calendar().await?;
                    let default = cal
                        .year(date.year())
                        .into_iter()
                        .find(|x| x.date == date)
                        .and_then(|x| x.default);
                    writeln!(
                        out,
                        "{}",
                        match l {
                            Lang::Vi => format!(
                                "Đã bỏ ghi chép của văn phòng cho ngày {} ({}); ngày này nay là {}.",
                                format_date(date),
                                old.kind.label(l),
                                default_words(default.as_ref(), date, l)
                            ),
                            Lang::En => format!(
                                "Removed the office's entry for {} ({}); it is now {}.",
                                format_date(date),
                                old.kind.label(l),
                                default_words(default.as_ref(), date, l)
                            ),
                        }
                    )?;
                    Ok(())
                }
            }
        }
        CalendarCmd::Confirm { year, note, undo } => {
            check_year(year)?;
            let outcome = app
                .calendar_confirm(year, &note, undo)
                .await
                .map_err(cli_err)?;
            let text = match (outcome, undo, l) {
                (Outcome::Unchanged, false, Lang::Vi) => {
                    format!("Không có gì thay đổi: lịch năm {year} đã được xác nhận.")
                }
                (Outcome::Unchanged, false, Lang::En) => {
                    format!("Nothing changed: the calendar of {year} is already confirmed.")
                }
                (Outcome::Unchanged, true, Lang::Vi) => {
                    format!("Không có gì thay đổi: lịch năm {year} chưa được xác nhận.")
                }
                (Outcome::Unchanged, true, Lang::En) => {
                    format!("Nothing changed: the calendar of {year} is not confirmed.")
                }
                (Outcome::Changed, true, Lang::Vi) => format!(
                    "Đã bỏ xác nhận lịch năm {year}: hạn tính qua năm này sẽ được đánh dấu."
                ),
                (Outcome::Changed, true, Lang::En) => format!(
                    "Withdrew the confirmation of {year}: deadlines counted through it are marked again."
                ),
                (Outcome::Changed, false, _) => {
                    let cal = app.calendar().await?;
                    let days = cal.year(year);
                    let weekend = |x: &&CalendarDay| {
                        matches!(
                            x.date.weekday(),
                            chrono::Weekday::Sat | chrono::Weekday::Sun
                        )
                    };
                    let off = days.iter().filter(|x| !x.working).filter(|x| !weekend(x));
                    let worked = days.iter().filter(|x| x.working).filter(weekend).count();
                    let off = off.count();
                    match l {
                        Lang::Vi => format!(
                            "Đã xác nhận lịch năm {year}: {off} ngày nghỉ trong tuần, {worked} ngày cuối tuần làm bù. Hạn tính qua năm này không còn bị đánh dấu."
                        ),
                        Lang::En => format!(
                            "Confirmed the calendar of {year}: {off} weekdays off, {worked} weekend days worked. Deadlines counted through it are no longer marked."
                        ),
                    }
                }
            };
            writeln!(out, "{text}")?;
            Ok(())
        }
    }
}
