//! Working-day arithmetic around weekends and Tết, the computed calendar of any year checked
//! against the official dates, the office's entries over it, and their merge in the ward document.

use chrono::{Datelike, NaiveDate, Weekday};
use doithoai_model::lunar;
use doithoai_model::registry::{CalendarEntry, DayKind};
use doithoai_model::workdays::{Calendar, Holiday, Source, TEN_WORKING_DAYS, default_days};
use doithoai_model::{ChangeMeta, Registry, ward};
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    doithoai_model::time::parse_date(s).unwrap()
}

fn ward() -> Calendar {
    Calendar::of(&Registry::builtin())
}

#[test]
fn received_friday_before_tet_2026() {
    let cal = ward();
    // Friday 13/02/2026; Tết holidays Monday 16 to Friday 20/02/2026.
    for day in [
        "14/02/2026",
        "15/02/2026",
        "16/02/2026",
        "18/02/2026",
        "20/02/2026",
        "21/02/2026",
        "22/02/2026",
    ] {
        assert!(!cal.is_working_day(d(day)), "{day} is a day off");
    }
    assert!(cal.is_working_day(d("13/02/2026")));
    assert!(cal.is_working_day(d("23/02/2026")));
    assert_eq!(cal.add_working_days(d("13/02/2026"), 1), d("23/02/2026"));
    assert_eq!(cal.add_working_days(d("13/02/2026"), 5), d("27/02/2026"));
    assert_eq!(cal.ten_working_days(d("13/02/2026")), d("06/03/2026"));
    assert_eq!(TEN_WORKING_DAYS, 10);
    assert_eq!(
        cal.working_days_between(d("13/02/2026"), d("06/03/2026")),
        10
    );
}

#[test]
fn received_during_tet_counts_from_the_next_working_day() {
    let cal = ward();
    // A petition registered on a holiday (say, by an office clerk on duty) still gets ten full
    // working days.
    assert_eq!(cal.ten_working_days(d("18/02/2026")), d("06/03/2026"));
    assert_eq!(cal.next_working_day(d("16/02/2026")), d("23/02/2026"));
    assert_eq!(cal.next_working_day(d("23/02/2026")), d("23/02/2026"));
}

#[test]
fn tet_2027_and_compensated_days() {
    let cal = ward();
    // Tết 2027 (mùng 1 Saturday 06/02): the law's five days are Friday 05/02 to Tuesday 09/02;
    // the two falling on the weekend are made up on Thursday 04/02 and Wednesday 10/02, as the
    // government placed them in 2020, 2021, 2023 and 2024 (the decision for 2027 is not out).
    for day in [
        "04/02/2027",
        "05/02/2027",
        "08/02/2027",
        "09/02/2027",
        "10/02/2027",
    ] {
        assert!(!cal.is_working_day(d(day)), "{day}");
    }
    assert_eq!(cal.add_working_days(d("03/02/2027"), 1), d("11/02/2027"));
    // 30/04/2027 Friday, 01/05 Saturday: Monday 03/05 is off in lieu.
    assert_eq!(cal.add_working_days(d("29/04/2027"), 1), d("04/05/2027"));
    // 30/04 and 01/05/2026 (Thursday, Friday): received Wednesday 29/04.
    assert_eq!(cal.add_working_days(d("29/04/2026"), 1), d("04/05/2026"));
    // Giỗ Tổ 2026 observed Monday 27/04.
    assert_eq!(cal.add_working_days(d("24/04/2026"), 1), d("28/04/2026"));
}

#[test]
fn weekends_and_plain_weeks() {
    let cal = Calendar::default();
    // Two plain weeks: Monday + 10 working days = Monday two weeks later.
    assert_eq!(cal.ten_working_days(d("02/11/2026")), d("16/11/2026"));
    // Saturday: counting starts on Monday.
    assert_eq!(cal.ten_working_days(d("07/11/2026")), d("20/11/2026"));
    assert_eq!(
        cal.working_days_between(d("06/11/2026"), d("09/11/2026")),
        1
    );
    assert_eq!(
        cal.working_days_between(d("09/11/2026"), d("06/11/2026")),
        -1
    );
    assert_eq!(
        cal.working_days_between(d("07/11/2026"), d("08/11/2026")),
        0
    );
}

#[test]
fn a_saturday_worked_in_exchange_counts() {
    let cal = Calendar::default().with_working_days([d("07/11/2026")]);
    assert!(cal.is_working_day(d("07/11/2026")));
    assert_eq!(cal.add_working_days(d("06/11/2026"), 1), d("07/11/2026"));
}

#[test]
fn office_entries_in_the_registry_are_used() {
    let mut reg = Registry::builtin();
    reg.calendar.days.insert(
        d("10/11/2026"),
        CalendarEntry {
            kind: DayKind::Off,
            note: "Ngày nghỉ của phường".into(),
        },
    );
    let cal = Calendar::of(&reg);
    assert_eq!(cal.add_working_days(d("09/11/2026"), 1), d("11/11/2026"));
}

/// The official dates of Tết (mùng 1 tháng Giêng) and Giỗ Tổ Hùng Vương (10/3 âm lịch), as the
/// government's holiday notices and every Vietnamese calendar give them.
const OFFICIAL: &[(i32, &str, &str)] = &[
    (2015, "19/02/2015", "28/04/2015"),
    (2016, "08/02/2016", "16/04/2016"),
    (2017, "28/01/2017", "06/04/2017"),
    (2018, "16/02/2018", "25/04/2018"),
    (2019, "05/02/2019", "14/04/2019"),
    (2020, "25/01/2020", "02/04/2020"),
    (2021, "12/02/2021", "21/04/2021"),
    (2022, "01/02/2022", "10/04/2022"),
    (2023, "22/01/2023", "29/04/2023"),
    (2024, "10/02/2024", "18/04/2024"),
    (2025, "29/01/2025", "07/04/2025"),
    (2026, "17/02/2026", "26/04/2026"),
    (2027, "06/02/2027", "16/04/2027"),
    (2028, "26/01/2028", "04/04/2028"),
    (2029, "13/02/2029", "23/04/2029"),
    // Not 03/02/2030, China's date: the new moon is at 23:07 on 02/02/2030 in Vietnam (UTC+7)
    // and at 00:07 on 03/02/2030 in China (UTC+8), like Tết 1985 and 2007.
    (2030, "02/02/2030", "12/04/2030"),
];

#[test]
fn tet_and_gio_to_match_the_official_dates_2015_to_2030() {
    for &(year, tet, gio_to) in OFFICIAL {
        assert_eq!(lunar::tet(year), Some(d(tet)), "Tết {year}");
        assert_eq!(lunar::gio_to(year), Some(d(gio_to)), "Giỗ Tổ {year}");
        let days = default_days(year);
        assert_eq!(days.get(&d(tet)).map(|x| x.holiday), Some(Holiday::Tet));
        assert_eq!(days.get(&d(tet)).map(|x| x.source), Some(Source::Lunar));
        assert_eq!(
            days.get(&d(gio_to)).map(|x| x.holiday),
            Some(Holiday::HungKings),
            "{year}"
        );
    }
}

/// The weekdays off for Tết that the government announced, year by year: the five days of the law
/// with their days in lieu placed around them.
const TET_WEEKDAYS_OFF: &[(i32, [&str; 5])] = &[
    (
        2017,
        [
            "26/01/2017",
            "27/01/2017",
            "30/01/2017",
            "31/01/2017",
            "01/02/2017",
        ],
    ),
    (
        2018,
        [
            "14/02/2018",
            "15/02/2018",
            "16/02/2018",
            "19/02/2018",
            "20/02/2018",
        ],
    ),
    (
        2019,
        [
            "04/02/2019",
            "05/02/2019",
            "06/02/2019",
            "07/02/2019",
            "08/02/2019",
        ],
    ),
    (
        2020,
        [
            "23/01/2020",
            "24/01/2020",
            "27/01/2020",
            "28/01/2020",
            "29/01/2020",
        ],
    ),
    (
        2021,
        [
            "10/02/2021",
            "11/02/2021",
            "12/02/2021",
            "15/02/2021",
            "16/02/2021",
        ],
    ),
    (
        2022,
        [
            "31/01/2022",
            "01/02/2022",
            "02/02/2022",
            "03/02/2022",
            "04/02/2022",
        ],
    ),
    (
        2023,
        [
            "20/01/2023",
            "23/01/2023",
            "24/01/2023",
            "25/01/2023",
            "26/01/2023",
        ],
    ),
    (
        2024,
        [
            "08/02/2024",
            "09/02/2024",
            "12/02/2024",
            "13/02/2024",
            "14/02/2024",
        ],
    ),
    (
        2025,
        [
            "27/01/2025",
            "28/01/2025",
            "29/01/2025",
            "30/01/2025",
            "31/01/2025",
        ],
    ),
    (
        2026,
        [
            "16/02/2026",
            "17/02/2026",
            "18/02/2026",
            "19/02/2026",
            "20/02/2026",
        ],
    ),
];

#[test]
fn tet_weekdays_off_follow_the_governments_pattern() {
    let cal = Calendar::national();
    for &(year, expected) in TET_WEEKDAYS_OFF {
        let off: Vec<NaiveDate> = default_days(year)
            .values()
            .filter(|x| x.holiday == Holiday::Tet && !weekend(x.date))
            .map(|x| x.date)
            .collect();
        let expected: Vec<NaiveDate> = expected.iter().map(|s| d(s)).collect();
        assert_eq!(off, expected, "Tết {year}");
        for day in &expected {
            assert!(!cal.is_working_day(*day), "{day}");
        }
    }
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[test]
fn a_deadline_in_2024_skips_the_holidays() {
    // Without a calendar for 2024 these fell on Tết or counted through it.
    let cal = ward();
    // Received Wednesday 07/02/2024; Tết 2024: 08–14/02.
    assert_eq!(cal.add_working_days(d("07/02/2024"), 1), d("15/02/2024"));
    assert_eq!(cal.ten_working_days(d("07/02/2024")), d("28/02/2024"));
    // Giỗ Tổ Thursday 18/04/2024, then 30/04 and 01/05/2024 (Tuesday, Wednesday).
    assert_eq!(cal.add_working_days(d("17/04/2024"), 1), d("19/04/2024"));
    assert_eq!(cal.add_working_days(d("29/04/2024"), 1), d("02/05/2024"));
    // Quốc khánh Monday 02/09 and Tuesday 03/09/2024.
    assert_eq!(cal.add_working_days(d("30/08/2024"), 1), d("04/09/2024"));
}

#[test]
fn holidays_on_a_weekend_give_the_next_working_day_off() {
    let cal = ward();
    // 01/01/2028 is a Saturday: Monday 03/01/2028 is off.
    assert!(!cal.is_working_day(d("03/01/2028")));
    let lieu = default_days(2028).get(&d("03/01/2028")).copied().unwrap();
    assert_eq!(lieu.holiday, Holiday::NewYear);
    assert_eq!(lieu.in_lieu_of, Some(d("01/01/2028")));
    // 2023: Giỗ Tổ Saturday 29/04, 30/04 Sunday, 01/05 Monday: off to Wednesday 03/05.
    for day in ["01/05/2023", "02/05/2023", "03/05/2023"] {
        assert!(!cal.is_working_day(d(day)), "{day}");
    }
    assert!(cal.is_working_day(d("04/05/2023")));
    // 2/9/2029 is a Sunday: Monday 03/09 (beside it) and Tuesday 04/09 (in lieu) are off.
    assert!(!cal.is_working_day(d("03/09/2029")));
    assert!(!cal.is_working_day(d("04/09/2029")));
    assert!(cal.is_working_day(d("05/09/2029")));
}

#[test]
fn every_year_has_the_laws_eleven_days() {
    // 11 holiday days a year (1 + 5 + 1 + 1 + 1 + 2), each on a weekday or made up by one.
    for year in 2000..2100 {
        let days = default_days(year);
        let holidays = days.values().filter(|x| x.in_lieu_of.is_none()).count();
        assert_eq!(holidays, 11, "{year}");
        let weekdays_off = days.values().filter(|x| !weekend(x.date)).count();
        assert_eq!(weekdays_off, 11, "{year}: {days:?}");
    }
}

#[test]
fn the_office_overrides_the_computed_days() {
    let mut reg = Registry::builtin();
    // The government moves a Tết day in 2028 and has a Saturday worked in exchange.
    let tet_days = default_days(2028);
    let first_weekday_of_tet = tet_days
        .values()
        .find(|x| x.holiday == Holiday::Tet && !weekend(x.date))
        .map(|x| x.date)
        .unwrap();
    reg.calendar.days.insert(
        first_weekday_of_tet,
        CalendarEntry {
            kind: DayKind::Work,
            note: "Đổi ngày".into(),
        },
    );
    reg.calendar.days.insert(
        d("15/01/2028"),
        CalendarEntry {
            kind: DayKind::Work,
            note: "Làm bù".into(),
        },
    );
    let cal = Calendar::of(&reg);
    assert!(cal.is_working_day(first_weekday_of_tet));
    assert!(cal.is_working_day(d("15/01/2028")));
    let listed = cal.year(2028);
    let moved = listed
        .iter()
        .find(|x| x.date == first_weekday_of_tet)
        .unwrap();
    assert_eq!(moved.source, Source::Office);
    assert!(moved.working);
    assert_eq!(moved.default.map(|x| x.holiday), Some(Holiday::Tet));
    let sat = listed.iter().find(|x| x.date == d("15/01/2028")).unwrap();
    assert!(sat.working && sat.default.is_none());
    let new_year = listed.iter().find(|x| x.date == d("01/01/2028")).unwrap();
    assert_eq!(new_year.source, Source::Law);
}

#[test]
fn deadlines_through_unconfirmed_years_say_so() {
    let mut reg = Registry::builtin();
    let cal = Calendar::of(&reg);
    let dl = cal.deadline(d("24/12/2027"), 10);
    assert_eq!(dl.date, cal.ten_working_days(d("24/12/2027")));
    assert_eq!(dl.unconfirmed_years, vec![2027, 2028]);
    reg.calendar.confirmed.insert(2027, String::new());
    let cal = Calendar::of(&reg);
    assert_eq!(
        cal.deadline(d("24/12/2027"), 10).unconfirmed_years,
        vec![2028]
    );
    assert!(cal.is_confirmed(2027));
    assert!(
        cal.deadline(d("01/03/2027"), 10)
            .unconfirmed_years
            .is_empty()
    );
    // A bare calendar is no ward's: nothing to confirm.
    assert!(
        Calendar::default()
            .deadline(d("24/12/2027"), 10)
            .unconfirmed_years
            .is_empty()
    );
}

#[test]
fn the_ward_document_keeps_the_offices_calendar() {
    let mut doc = ward::new_document("w1", "Phường Dĩnh Kế").unwrap();
    let meta = ChangeMeta::new("vp", "calendar.add", vec![]);
    doc.transact_with::<_, _, doithoai_model::DocError, _>(
        |_| meta.commit_options(),
        |tx| {
            ward::put_calendar_entry(
                tx,
                d("10/01/2028"),
                &CalendarEntry {
                    kind: DayKind::Off,
                    note: "Nghỉ theo quyết định".into(),
                },
            )?;
            ward::confirm_year(tx, 2028, "Thông báo số 1/TB")?;
            Ok(())
        },
    )
    .unwrap();
    let reg = ward::registry(&doc).unwrap();
    assert_eq!(
        reg.calendar.days.get(&d("10/01/2028")).map(|e| e.kind),
        Some(DayKind::Off)
    );
    assert_eq!(
        reg.calendar.confirmed.get(&2028).map(String::as_str),
        Some("Thông báo số 1/TB")
    );
    // A new ward document lists no office entries: the national calendar is computed.
    let fresh = ward::registry(&ward::new_document("w2", "").unwrap()).unwrap();
    assert!(fresh.calendar.days.is_empty());
    assert!(Calendar::of(&fresh).is_holiday(d("17/02/2026")));
}

#[test]
fn the_built_in_list_of_earlier_versions_is_not_read_as_the_offices() {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    let mut doc = ward::new_document("w1", "").unwrap();
    let meta = ChangeMeta::new("doithoai", "ward.create", vec![]);
    doc.transact_with::<_, _, automerge::AutomergeError, _>(
        |_| meta.commit_options(),
        |tx| {
            let (_, hs) = tx.get(automerge::ROOT, "holidays")?.unwrap();
            tx.put(&hs, "2027-02-11", "Tết Nguyên đán")?;
            Ok(())
        },
    )
    .unwrap();
    let reg = ward::registry(&doc).unwrap();
    assert!(reg.calendar.days.is_empty());
}

/// One office laptop's edit of the calendar.
#[derive(Debug, Clone)]
enum Edit {
    Set(u32, bool, u8),
    Remove(u32),
    Confirm(i32),
    Unconfirm(i32),
}

fn edit() -> impl Strategy<Value = Edit> {
    // A small window of days and years, so that the two laptops often touch the same ones.
    prop_oneof![
        (0u32..12, any::<bool>(), 0u8..3).prop_map(|(day, off, note)| Edit::Set(day, off, note)),
        (0u32..12).prop_map(Edit::Remove),
        (2027i32..2030).prop_map(Edit::Confirm),
        (2027i32..2030).prop_map(Edit::Unconfirm),
    ]
}

fn day_of(i: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2028, 1, 1).unwrap() + chrono::Days::new(u64::from(i) * 3)
}

fn apply(doc: &mut automerge::Automerge, edits: &[Edit]) {
    for e in edits {
        let meta = ChangeMeta::new("vp", "calendar", vec![]);
        doc.transact_with::<_, _, doithoai_model::DocError, _>(
            |_| meta.commit_options(),
            |tx| {
                match e {
                    Edit::Set(i, off, note) => ward::put_calendar_entry(
                        tx,
                        day_of(*i),
                        &CalendarEntry {
                            kind: if *off { DayKind::Off } else { DayKind::Work },
                            note: format!("ghi chú {note}"),
                        },
                    )?,
                    Edit::Remove(i) => {
                        ward::remove_calendar_entry(tx, day_of(*i))?;
                    }
                    Edit::Confirm(y) => ward::confirm_year(tx, *y, "đã xác nhận")?,
                    Edit::Unconfirm(y) => {
                        ward::unconfirm_year(tx, *y)?;
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    }
}

/// The calendar a laptop ends with after its own edits, as (day → entry, confirmed years).
fn expected(edits: &[Edit]) -> doithoai_model::registry::WardCalendar {
    let mut doc = ward::new_document("w1", "").unwrap();
    apply(&mut doc, edits);
    ward::registry(&doc).unwrap().calendar
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Two office laptops edit the calendar offline, then sync: both end with the same calendar;
    /// every day and year only one of them touched is as that one left it; a day both touched is
    /// as one of them left it (one whole entry, never a mix of the two).
    #[test]
    fn two_laptops_editing_offline_merge(
        a in proptest::collection::vec(edit(), 0..8),
        b in proptest::collection::vec(edit(), 0..8),
    ) {
        let base = ward::new_document("w1", "").unwrap();
        let mut left = base.fork();
        let mut right = base.fork();
        apply(&mut left, &a);
        apply(&mut right, &b);
        let (ea, eb) = (expected(&a), expected(&b));
        left.merge(&mut right.clone()).unwrap();
        right.merge(&mut left.clone()).unwrap();
        let l = ward::registry(&left).unwrap().calendar;
        let r = ward::registry(&right).unwrap().calendar;
        prop_assert_eq!(&l, &r);
        let touched_day = |edits: &[Edit], i: u32| edits.iter().any(|e| matches!(e, Edit::Set(j, ..) | Edit::Remove(j) if *j == i));
        let touched_year = |edits: &[Edit], y: i32| edits.iter().any(|e| matches!(e, Edit::Confirm(z) | Edit::Unconfirm(z) if *z == y));
        for i in 0..12 {
            let day = day_of(i);
            let got = l.days.get(&day);
            match (touched_day(&a, i), touched_day(&b, i)) {
                (true, false) => prop_assert_eq!(got, ea.days.get(&day)),
                (false, true) => prop_assert_eq!(got, eb.days.get(&day)),
                (false, false) => prop_assert_eq!(got, None),
                (true, true) => {
                    // A removal on one laptop cannot remove what the other set concurrently.
                    let either = got == ea.days.get(&day) || got == eb.days.get(&day);
                    prop_assert!(either, "{day}: {got:?} vs {:?} / {:?}", ea.days.get(&day), eb.days.get(&day));
                }
            }
        }
        for y in 2027..2030 {
            let got = l.confirmed.get(&y);
            match (touched_year(&a, y), touched_year(&b, y)) {
                (true, false) => prop_assert_eq!(got, ea.confirmed.get(&y)),
                (false, true) => prop_assert_eq!(got, eb.confirmed.get(&y)),
                (false, false) => prop_assert_eq!(got, None),
                (true, true) => {
                    let either = got == ea.confirmed.get(&y) || got == eb.confirmed.get(&y);
                    prop_assert!(either);
                }
            }
        }
        // The merged calendar is what deadlines are counted in, on both laptops alike.
        let mut reg = Registry::builtin();
        reg.calendar = l.clone();
        let mut reg_r = Registry::builtin();
        reg_r.calendar = r;
        prop_assert_eq!(
            Calendar::of(&reg).ten_working_days(day_of(0)),
            Calendar::of(&reg_r).ten_working_days(day_of(0))
        );
    }
}
