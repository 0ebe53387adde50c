//! Working-day arithmetic around weekends and Tết, with the built-in holidays of the registry.

use chrono::NaiveDate;
use doithoai_model::Registry;
use doithoai_model::workdays::{Calendar, TEN_WORKING_DAYS};

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
    // Tết 2027: Friday 05/02 and Monday 08 to Thursday 11/02/2027.
    assert_eq!(cal.add_working_days(d("04/02/2027"), 1), d("12/02/2027"));
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
fn ward_holidays_from_the_registry_are_used() {
    let mut reg = Registry::builtin();
    reg.holidays.push(doithoai_model::registry::Holiday {
        date: d("10/11/2026"),
        name: "Ngày nghỉ của phường".into(),
    });
    let cal = Calendar::of(&reg);
    assert_eq!(cal.add_working_days(d("09/11/2026"), 1), d("11/11/2026"));
}
