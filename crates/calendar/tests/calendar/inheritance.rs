//! Calendars with parents: provincial holidays, one-off closures, overrides, organisation
//! units under a province, loading from files, and other regions' calendars.

use calendar::{BusinessHours, Calendar, DayException, DayStatus, EndOf, Error, Period, Registry};

use crate::{date, instant, local};

/// A made-up provincial calendar under `cn` (the dates are illustrative, not official).
const PROVINCE_JSON: &str = r#"{
    "id": "cn-gx",
    "name": "Guangxi (test data)",
    "parent": "cn",
    "days": [
        {"date": "2026-04-20", "name": "provincial holiday (test)", "isOffDay": true},
        {"date": "2026-04-21", "name": "provincial holiday (test)", "isOffDay": true}
    ]
}"#;

/// A made-up Hong Kong calendar in the whole-calendar shape.
const HONG_KONG_JSON: &str = r#"{
    "id": "hk",
    "name": "Hong Kong (test data)",
    "time_zone": "Asia/Hong_Kong",
    "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
    "business_hours": ["09:00-13:00", "14:00-17:30"],
    "published_from": 2026,
    "published_through": 2026,
    "days": [
        {"date": "2026-10-01", "name": "National Day", "isOffDay": true},
        {"date": "2026-10-19", "name": "Chung Yeung (test)", "isOffDay": true}
    ]
}"#;

fn due_text(registry: &Registry, id: &str, start: &str, period: Period, end: EndOf) -> String {
    let calendar = registry.get(id).expect("registered");
    local(calendar, calendar.due(instant(start), period, end).at)
}

#[test]
fn a_province_adds_its_holidays_to_the_national_calendar() {
    let mut registry = Registry::builtin();
    registry.load_calendar(PROVINCE_JSON).expect("valid");
    // Fri 17 Apr 2026 + 1 working day: Mon 20 Apr nationally, Wed 22 Apr in the province.
    let start = "2026-04-17T10:00:00+08:00";
    assert_eq!(
        due_text(&registry, "cn", start, Period::WorkingDays(1), EndOf::EndOfDay),
        "2026-04-20T23:59:59+08:00"
    );
    assert_eq!(
        due_text(&registry, "cn-gx", start, Period::WorkingDays(1), EndOf::EndOfDay),
        "2026-04-22T23:59:59+08:00"
    );
    // National holidays are inherited.
    assert_eq!(
        due_text(
            &registry,
            "cn-gx",
            "2026-09-30T10:00:00+08:00",
            Period::WorkingDays(2),
            EndOf::EndOfDay
        ),
        "2026-10-09T23:59:59+08:00"
    );
    let province = registry.get("cn-gx").expect("registered");
    assert_eq!(province.parent_id(), Some("cn"));
    assert_eq!(province.time_zone(), chrono_tz::Asia::Shanghai);
    assert_eq!(
        province.published_years(),
        registry.get("cn").expect("cn").published_years()
    );
}

#[test]
fn a_unit_under_the_province_adds_a_closure_and_overrides_a_holiday() {
    let mut registry = Registry::builtin();
    registry.load_calendar(PROVINCE_JSON).expect("valid");
    let province = registry.get("cn-gx").expect("registered").clone();
    let hospital = Calendar::child_of(&province, "cn-gx-hospital", "A hospital's complaints office")
        // Typhoon closure on Thu 8 Oct; the office works on the national holiday 7 Oct.
        .with_closure(date("2026-10-08"), "typhoon signal (test)")
        .with_day(DayException {
            date: date("2026-10-07"),
            name: "office open".to_owned(),
            status: DayStatus::Working,
        })
        .with_business_hours(BusinessHours::parse(&["08:00-12:00", "14:30-17:30"]).expect("valid"));
    registry.insert(hospital).expect("parent registered");
    // From 30 Sep: 7 Oct (open), 9 Oct; the typhoon day does not count.
    let start = "2026-09-30T10:00:00+08:00";
    assert_eq!(
        due_text(
            &registry,
            "cn-gx-hospital",
            start,
            Period::WorkingDays(2),
            EndOf::EndOfDay
        ),
        "2026-10-09T23:59:59+08:00"
    );
    assert_eq!(
        due_text(
            &registry,
            "cn-gx-hospital",
            start,
            Period::WorkingDays(1),
            EndOf::CloseOfBusiness
        ),
        "2026-10-07T17:30:00+08:00"
    );
    // The provincial holidays reach the grandchild.
    assert!(
        !registry
            .get("cn-gx-hospital")
            .expect("registered")
            .is_working_day(date("2026-04-21"))
    );
}

#[test]
fn loading_a_notice_into_the_parent_reaches_every_descendant() {
    let mut registry = Registry::builtin();
    registry.load_calendar(PROVINCE_JSON).expect("valid");
    let unit = Calendar::child_of(registry.get("cn-gx").expect("registered"), "cn-gx-unit", "Unit");
    registry.insert(unit).expect("valid");
    let start = "2026-12-31T10:00:00+08:00";
    let provisional = |registry: &Registry| {
        registry
            .get("cn-gx-unit")
            .expect("registered")
            .due(instant(start), Period::WorkingDays(1), EndOf::EndOfDay)
    };
    let before = provisional(&registry);
    assert!(before.provisional);
    assert_eq!(
        local(registry.get("cn").expect("cn"), before.at),
        "2027-01-01T23:59:59+08:00"
    );
    let notice = r#"{"year": 2027, "days": [{"date": "2027-01-01", "name": "元旦", "isOffDay": true}]}"#;
    registry.load_notice("cn", 2027, notice).expect("valid");
    let after = provisional(&registry);
    assert!(!after.provisional);
    assert_eq!(
        local(registry.get("cn").expect("cn"), after.at),
        "2027-01-04T23:59:59+08:00"
    );
}

#[test]
fn a_child_with_its_own_published_years_stays_provisional_until_its_own_notice() {
    let mut registry = Registry::builtin();
    let province = Calendar::child_of(registry.get("cn").expect("cn"), "cn-xj", "Xinjiang (test data)")
        .with_published_years(2020, 2026)
        .expect("valid");
    registry.insert(province).expect("valid");
    let notice = r#"{"year": 2027, "days": [{"date": "2027-01-01", "name": "元旦", "isOffDay": true}]}"#;
    registry.load_notice("cn", 2027, notice).expect("valid");
    let due = |registry: &Registry| {
        registry.get("cn-xj").expect("registered").due(
            instant("2026-12-31T10:00:00+08:00"),
            Period::WorkingDays(1),
            EndOf::EndOfDay,
        )
    };
    assert!(due(&registry).provisional, "the province has not published 2027 yet");
    registry.load_notice("cn-xj", 2027, r#"{"days": []}"#).expect("valid");
    assert!(!due(&registry).provisional);
}

#[test]
fn other_regions_load_from_a_whole_calendar_file() {
    let mut registry = Registry::builtin();
    registry.load_calendar(HONG_KONG_JSON).expect("valid");
    // Fri 16 Oct 2026 + 1 working day: Mon 19 Oct is a holiday there → Tue 20 Oct.
    assert_eq!(
        due_text(
            &registry,
            "hk",
            "2026-10-16T10:00:00+08:00",
            Period::WorkingDays(1),
            EndOf::CloseOfBusiness
        ),
        "2026-10-20T17:30:00+08:00"
    );
    // The mainland's adjusted Saturday (10 Oct) is not worked in Hong Kong.
    assert!(!registry.get("hk").expect("hk").is_working_day(date("2026-10-10")));
    let round_trip = Calendar::from_json(&registry.get("hk").expect("hk").to_json()).expect("round trip");
    assert_eq!(round_trip.exceptions().count(), 2);
    assert_eq!(
        round_trip.business_hours().to_strings(),
        vec!["09:00-13:00", "14:00-17:30"]
    );
    assert_eq!(registry.ids().collect::<Vec<_>>(), vec!["cn", "hk"]);
}

#[test]
fn bad_calendar_files_and_inheritance_loops_are_refused() {
    let mut registry = Registry::builtin();
    let message = |result: Result<(), Error>| result.expect_err("refused").to_string();
    assert_eq!(
        message(registry.load_calendar(r#"{"id": "x", "name": "X"}"#)),
        "time_zone: required for a calendar without a parent"
    );
    assert_eq!(
        message(registry.load_calendar(r#"{"id": "x", "name": "X", "time_zone": "Mars/Olympus"}"#)),
        "time_zone: `Mars/Olympus` is not an IANA time zone"
    );
    assert_eq!(
        message(registry.load_calendar(r#"{"id": "x", "name": "X", "parent": "nowhere"}"#)),
        "calendar: unknown calendar id `nowhere`"
    );
    let duplicate = r#"{"id": "x", "name": "X", "parent": "cn", "days": [
        {"date": "2026-04-20", "name": "a", "isOffDay": true},
        {"date": "2026-04-20", "name": "b", "isOffDay": false}]}"#;
    assert_eq!(
        message(registry.load_calendar(duplicate)),
        "days[1].date: 2026-04-20 is listed more than once"
    );
    let unknown_field = r#"{"id": "x", "name": "X", "parent": "cn", "colour": "red"}"#;
    assert!(message(registry.load_calendar(unknown_field)).starts_with("calendar: not valid JSON"));
    assert!(Calendar::from_json(PROVINCE_JSON).is_err(), "a child needs its parent");

    // cn-gx → cn; making cn a child of cn-gx would be a loop.
    registry.load_calendar(PROVINCE_JSON).expect("valid");
    let looped = Calendar::child_of(registry.get("cn-gx").expect("registered"), "cn", "loop");
    assert_eq!(
        message(registry.insert(looped)),
        "parent: calendar `cn` would become its own ancestor through `cn-gx`"
    );
}
