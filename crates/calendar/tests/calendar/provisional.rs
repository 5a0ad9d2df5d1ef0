//! Deadlines beyond the published years are provisional, and become final (possibly on a
//! different date) once the next year's notice is loaded.

use calendar::{Calendar, EndOf, Period, PublishedYears, Registry};

use crate::{instant, local};

/// A made-up 2027 notice in the holiday-cn shape: New Year 1–3 January off and an adjusted
/// working Sunday, 10 January. Not the real 2027 notice.
const NOTICE_2027: &str = r#"{
    "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
    "year": 2027,
    "papers": [],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-03", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-10", "isOffDay": false}
    ]
}"#;

fn due_on(registry: &Registry, start: &str, period: Period) -> (String, bool) {
    let calendar = registry.get("cn").expect("cn");
    let due = calendar.due(instant(start), period, EndOf::EndOfDay);
    (local(calendar, due.at), due.provisional)
}

#[test]
fn a_deadline_crossing_into_2027_is_provisional_until_the_notice_is_loaded() {
    let mut registry = Registry::builtin();
    // Thu 24 Dec 2026 + 10 working days under the weekday rule: 25, 28, 29, 30, 31 Dec,
    // Fri 1 Jan, 4, 5, 6, 7 Jan.
    assert_eq!(
        due_on(&registry, "2026-12-24T10:00:00+08:00", Period::WorkingDays(10)),
        ("2027-01-07T23:59:59+08:00".to_owned(), true)
    );
    // Thu 7 Jan 2027 + 2: Fri 8 and Mon 11 under the weekday rule.
    assert_eq!(
        due_on(&registry, "2027-01-07T10:00:00+08:00", Period::WorkingDays(2)),
        ("2027-01-11T23:59:59+08:00".to_owned(), true)
    );
    // Inside 2026 nothing is provisional.
    assert!(!due_on(&registry, "2026-12-01T10:00:00+08:00", Period::WorkingDays(10)).1);

    registry.load_notice("cn", 2027, NOTICE_2027).expect("valid notice");
    assert_eq!(
        registry.get("cn").expect("cn").published_years(),
        Some(PublishedYears {
            first: 2020,
            last: 2027
        })
    );
    // 1 Jan is now a holiday: the 6th working day is Mon 4 Jan, the 10th Fri 8 Jan.
    assert_eq!(
        due_on(&registry, "2026-12-24T10:00:00+08:00", Period::WorkingDays(10)),
        ("2027-01-08T23:59:59+08:00".to_owned(), false)
    );
    // The adjusted working Sunday now counts.
    assert_eq!(
        due_on(&registry, "2027-01-07T10:00:00+08:00", Period::WorkingDays(2)),
        ("2027-01-10T23:59:59+08:00".to_owned(), false)
    );
    // 2028 is still unpublished.
    assert!(due_on(&registry, "2027-12-20T10:00:00+08:00", Period::WorkingDays(10)).1);
}

#[test]
fn calendar_days_and_clock_hours_do_not_depend_on_the_notice() {
    let registry = Registry::builtin();
    let (due, provisional) = due_on(&registry, "2026-12-24T10:00:00+08:00", Period::Days(15));
    assert_eq!(due, "2027-01-08T23:59:59+08:00");
    assert!(!provisional);
    let calendar = registry.get("cn").expect("cn");
    let due = calendar.due(
        instant("2026-12-31T20:00:00+08:00"),
        Period::ClockHours(24),
        EndOf::Exact,
    );
    assert!(!due.provisional);
    // Close of business needs to know whether the day is worked: provisional.
    let due = calendar.due(
        instant("2026-12-31T08:00:00+08:00"),
        Period::ClockHours(24),
        EndOf::CloseOfBusiness,
    );
    assert_eq!(local(calendar, due.at), "2027-01-01T18:00:00+08:00");
    assert!(due.provisional);
}

#[test]
fn notices_must_come_in_order_and_match_their_year() {
    let mut registry = Registry::builtin();
    let error = registry
        .load_notice("cn", 2028, NOTICE_2027)
        .expect_err("wrong year in file");
    assert_eq!(error.to_string(), "year: the notice is for 2027, not 2028");
    let notice_2028 = NOTICE_2027
        .replace("\"year\": 2027", "\"year\": 2028")
        .replace("2027-", "2028-");
    let error = registry
        .load_notice("cn", 2028, &notice_2028)
        .expect_err("2027 missing");
    assert!(
        error.to_string().starts_with("year: 2028 cannot be loaded before 2027"),
        "{error}"
    );
    let error = registry
        .load_notice("xx", 2027, NOTICE_2027)
        .expect_err("unknown calendar");
    assert_eq!(error.to_string(), "calendar: unknown calendar id `xx`");
    let broken = NOTICE_2027.replace("2027-01-10", "2027-13-10");
    let error = registry.load_notice("cn", 2027, &broken).expect_err("bad date");
    assert_eq!(
        error.to_string(),
        "days[3].date: `2027-13-10` is not a YYYY-MM-DD date in 1900..=2200"
    );
    let error = registry
        .load_notice("cn", 2027, "{\"days\": 3}")
        .expect_err("bad shape");
    assert!(
        error
            .to_string()
            .starts_with("notice: not valid JSON of the expected shape"),
        "{error}"
    );
    // Failed loads change nothing.
    assert_eq!(
        registry
            .get("cn")
            .expect("cn")
            .published_years()
            .map(|years| years.last),
        Some(2026)
    );
}

#[test]
fn a_correction_to_a_published_year_applies_date_by_date() {
    let correction = r#"{"year": 2026, "days": [{"name": "typhoon", "date": "2026-10-09", "isOffDay": true}]}"#;
    let corrected = calendar::mainland_china()
        .clone()
        .with_notice(2026, correction)
        .expect("valid");
    let due = corrected.due(
        instant("2026-09-30T10:00:00+08:00"),
        Period::WorkingDays(2),
        EndOf::EndOfDay,
    );
    assert_eq!(local(&corrected, due.at), "2026-10-10T23:59:59+08:00");
    assert_eq!(corrected.published_years().map(|years| years.last), Some(2026));
}

#[test]
fn a_calendar_with_nothing_published_is_always_provisional_for_working_days() {
    let bare = Calendar::new("bare", "No notices", chrono_tz::Asia::Macau);
    let due = bare.due(
        instant("2026-09-30T10:00:00+08:00"),
        Period::WorkingDays(2),
        EndOf::EndOfDay,
    );
    // Weekday rule only: Thu 1, Fri 2 Oct.
    assert_eq!(local(&bare, due.at), "2026-10-02T23:59:59+08:00");
    assert!(due.provisional);
}
