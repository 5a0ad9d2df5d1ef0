//! Business hours with a lunch break, starts outside business hours, close-of-business ends.
//! The `cn` calendar's hours are 09:00–12:00 and 13:30–18:00.

use calendar::{BusinessHours, Calendar, EndOf, Period};
use chrono::TimeDelta;

use crate::{cn, date, instant, local};

fn business_due(start: &str, hours: u32) -> String {
    let due = cn().due(instant(start), Period::BusinessHours(hours), EndOf::Exact);
    local(cn(), due.at)
}

#[test]
fn business_hours_skip_the_lunch_break_nights_and_weekends() {
    // Mon 2 Mar 2026.
    assert_eq!(
        business_due("2026-03-02T10:00:00+08:00", 4),
        "2026-03-02T15:30:00+08:00"
    );
    assert_eq!(
        business_due("2026-03-02T11:30:00+08:00", 1),
        "2026-03-02T14:00:00+08:00"
    );
    // Running out exactly at closing time ends at the close, not the next opening.
    assert_eq!(
        business_due("2026-03-02T16:00:00+08:00", 2),
        "2026-03-02T18:00:00+08:00"
    );
    // 1 h on Monday, then 7 h on Tuesday: 09:00–12:00 and 13:30–17:30.
    assert_eq!(
        business_due("2026-03-02T17:00:00+08:00", 8),
        "2026-03-03T17:30:00+08:00"
    );
    // 7.5 h a day: 15 h from Monday's opening is Tuesday's close.
    assert_eq!(
        business_due("2026-03-02T09:00:00+08:00", 15),
        "2026-03-03T18:00:00+08:00"
    );
}

#[test]
fn a_start_outside_business_hours_counts_from_the_next_opening() {
    assert_eq!(
        business_due("2026-03-02T07:00:00+08:00", 2),
        "2026-03-02T11:00:00+08:00"
    );
    assert_eq!(
        business_due("2026-03-02T12:30:00+08:00", 1),
        "2026-03-02T14:30:00+08:00"
    );
    // Friday evening → Monday.
    assert_eq!(
        business_due("2026-03-06T19:00:00+08:00", 2),
        "2026-03-09T11:00:00+08:00"
    );
    // A holiday → the first working day after National Day, Thu 8 Oct.
    assert_eq!(
        business_due("2026-10-01T10:00:00+08:00", 4),
        "2026-10-08T14:30:00+08:00"
    );
    // Zero hours is the start itself.
    assert_eq!(
        business_due("2026-03-02T07:00:00+08:00", 0),
        "2026-03-02T07:00:00+08:00"
    );
}

#[test]
fn close_of_business_ends_at_the_last_interval_of_the_day() {
    // 3 working days after Wed 30 Sep 2026: 8, 9 and the adjusted Saturday 10 Oct.
    let due = cn().due(
        instant("2026-09-30T10:00:00+08:00"),
        Period::WorkingDays(3),
        EndOf::CloseOfBusiness,
    );
    assert_eq!(local(cn(), due.at), "2026-10-10T18:00:00+08:00");
    // A calendar-day period ending on a Saturday closes on the next working day.
    let due = cn().due(
        instant("2026-03-06T10:00:00+08:00"),
        Period::Days(1),
        EndOf::CloseOfBusiness,
    );
    assert_eq!(local(cn(), due.at), "2026-03-09T18:00:00+08:00");
    // 24 clock hours from Monday 19:00 run out after Tuesday's close → Wednesday's close.
    let due = cn().due(
        instant("2026-03-02T19:00:00+08:00"),
        Period::ClockHours(24),
        EndOf::CloseOfBusiness,
    );
    assert_eq!(local(cn(), due.at), "2026-03-04T18:00:00+08:00");
    assert_eq!(
        cn().close_of_business(date("2026-10-10")).map(|at| local(cn(), at)),
        Some("2026-10-10T18:00:00+08:00".to_owned())
    );
    assert_eq!(cn().close_of_business(date("2026-10-05")), None);
}

#[test]
fn business_time_between_counts_only_open_hours() {
    let counted = cn().business_time_between(
        instant("2026-03-06T17:00:00+08:00"),
        instant("2026-03-09T10:00:00+08:00"),
    );
    assert_eq!(counted, TimeDelta::hours(2));
    let counted = cn().business_time_between(
        instant("2026-09-30T09:00:00+08:00"),
        instant("2026-10-08T09:00:00+08:00"),
    );
    assert_eq!(counted, TimeDelta::minutes(7 * 60 + 30));
    let none = cn().business_time_between(
        instant("2026-10-02T09:00:00+08:00"),
        instant("2026-10-02T18:00:00+08:00"),
    );
    assert_eq!(none, TimeDelta::zero());
}

#[test]
fn other_business_hours_and_time_zones() {
    let hotline = Calendar::child_of(cn(), "cn-hotline", "24-hour hotline")
        .with_business_hours(BusinessHours::around_the_clock());
    let due = hotline.due(
        instant("2026-03-06T22:00:00+08:00"),
        Period::BusinessHours(4),
        EndOf::Exact,
    );
    // Friday 22:00–24:00, then Monday 00:00–02:00.
    assert_eq!(local(&hotline, due.at), "2026-03-09T02:00:00+08:00");
    let london = Calendar::new("uk", "England and Wales", chrono_tz::Europe::London)
        .with_business_hours(BusinessHours::parse(&["09:00-17:30"]).expect("valid"));
    // Summer time: close of business at 17:30 BST is 16:30 UTC.
    let due = london.due(
        instant("2026-06-01T08:00:00Z"),
        Period::WorkingDays(3),
        EndOf::CloseOfBusiness,
    );
    assert_eq!(local(&london, due.at), "2026-06-04T17:30:00+01:00");
    // Across the change to winter time (25 Oct 2026) the end of day is local 23:59:59.
    let due = london.due(instant("2026-10-23T12:00:00Z"), Period::WorkingDays(1), EndOf::EndOfDay);
    assert_eq!(local(&london, due.at), "2026-10-26T23:59:59+00:00");
}
