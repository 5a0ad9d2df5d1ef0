//! Property tests over the shipped calendar and random starts, periods and pauses.

use calendar::{ClockEvent, ClockRule, EndOf, PauseReason, Period, SlaClock};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use proptest::prelude::*;

use crate::cn;

/// A date from 2019 to 2028: before, inside and after the published years.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..3650).prop_map(|offset| NaiveDate::from_ymd_opt(2019, 1, 1).expect("date") + Days::new(offset))
}

/// An instant from 2019 to 2028 at any second.
fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..3650 * 86_400)
        .prop_map(|seconds| DateTime::<Utc>::from_timestamp(1_546_300_800 + seconds, 0).expect("instant"))
}

/// Is the date worked, read from the exception list and the weekday rule only.
fn worked(date: NaiveDate) -> bool {
    match cn().exception(date) {
        Some(exception) => exception.status == calendar::DayStatus::Working,
        None => date.weekday().num_days_from_monday() < 5,
    }
}

fn any_period() -> impl Strategy<Value = Period> {
    prop_oneof![
        (0u32..80).prop_map(Period::WorkingDays),
        (0u32..80).prop_map(Period::Days),
        (0u32..200).prop_map(Period::ClockHours),
        (0u32..120).prop_map(Period::BusinessHours),
        (0u32..5000).prop_map(Period::Minutes),
        (0u32..12).prop_map(Period::Weeks),
        (0u32..6).prop_map(Period::Months),
    ]
}

fn any_end() -> impl Strategy<Value = EndOf> {
    prop_oneof![Just(EndOf::EndOfDay), Just(EndOf::CloseOfBusiness), Just(EndOf::Exact)]
}

/// Up to four pauses as (gap before, length) in minutes, turned into ordered events.
fn pause_events(start: DateTime<Utc>, pauses: &[(i64, i64)]) -> Vec<ClockEvent> {
    let mut events = vec![ClockEvent::Started { at: start }];
    let mut at = start;
    for (gap, length) in pauses {
        at += TimeDelta::minutes(*gap);
        events.push(ClockEvent::Paused {
            at,
            reason: PauseReason::AwaitingComplainant,
        });
        at += TimeDelta::minutes(*length);
        events.push(ClockEvent::Resumed { at });
    }
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn adding_n_working_days_then_counting_back_gives_n(start in any_date(), n in 0u32..400) {
        let due = cn().add_working_days(start, n).expect("in range");
        prop_assert_eq!(cn().working_days_after(start, due), i64::from(n));
        // And a plain day-by-day count over the exception list agrees.
        let mut counted = 0;
        let mut date = start;
        while date < due {
            date = date.succ_opt().expect("in range");
            if worked(date) {
                counted += 1;
            }
        }
        prop_assert_eq!(counted, n);
        if n > 0 {
            prop_assert!(worked(due));
        }
    }

    #[test]
    fn working_day_deadlines_never_fall_on_a_day_off(start in any_instant(), n in 1u32..120, end in any_end()) {
        let due = cn().due(start, Period::WorkingDays(n), end);
        let local_date = due.at.with_timezone(&cn().time_zone()).date_naive();
        prop_assert!(cn().is_working_day(local_date), "{} + {} → {}", start, n, local_date);
        prop_assert!(due.at > start);
    }

    #[test]
    fn pausing_never_shortens_a_deadline(
        start in any_instant(),
        period in any_period(),
        end in any_end(),
        pauses in proptest::collection::vec((0i64..6000, 0i64..9000), 0..4),
    ) {
        let rule = ClockRule {
            pause_reasons: vec![PauseReason::AwaitingComplainant],
            ..ClockRule::new(period, end)
        };
        let events = pause_events(start, &pauses);
        let clock = SlaClock::from_events(rule.clone(), &events).expect("valid events");
        let unpaused = cn().due(start, period, end);
        let paused = clock.due(cn());
        prop_assert!(paused.at >= unpaused.at, "{:?} {:?}: {} < {}", period, pauses, paused.at, unpaused.at);
        // Dropping the last pause never makes it later either: pauses only add.
        if events.len() > 1 {
            let fewer = SlaClock::from_events(rule.clone(), &events[..events.len() - 2]).expect("valid");
            prop_assert!(paused.at >= fewer.due(cn()).at);
        }
        // Replaying gives the same result.
        let replayed = SlaClock::from_events(rule, &events).expect("valid events");
        prop_assert_eq!(replayed.due(cn()), paused);
    }

    #[test]
    fn a_paused_working_day_clock_counts_exactly_n_unpaused_working_days(
        start in any_instant(),
        n in 1u32..40,
        pauses in proptest::collection::vec((0i64..6000, 0i64..9000), 0..4),
    ) {
        // The documented rule: a working day after the start day counts when the clock is
        // running at its closing midnight; the due date is the day the Nth such day ends.
        let rule = ClockRule {
            pause_reasons: vec![PauseReason::AwaitingComplainant],
            ..ClockRule::new(Period::WorkingDays(n), EndOf::EndOfDay)
        };
        let events = pause_events(start, &pauses);
        let clock = SlaClock::from_events(rule, &events).expect("valid events");
        let time_zone = cn().time_zone();
        let due_at = clock.due(cn()).at;
        let due_date = due_at.with_timezone(&time_zone).date_naive();
        let paused_at_midnight_after = |date: NaiveDate| {
            let midnight = date.succ_opt().expect("date").and_hms_opt(0, 0, 0).expect("midnight");
            let midnight = midnight.and_local_timezone(time_zone).single().expect("no gap in Shanghai").with_timezone(&Utc);
            // Pauses that begin after the deadline has passed change nothing.
            events[1..].chunks(2).any(|pair| match pair {
                [ClockEvent::Paused { at: paused, .. }, ClockEvent::Resumed { at: resumed }] => {
                    *paused < due_at && *paused <= midnight && midnight < *resumed
                }
                _ => false,
            })
        };
        let start_date = start.with_timezone(&time_zone).date_naive();
        let mut counted = 0;
        let mut date = start_date;
        while date < due_date {
            date = date.succ_opt().expect("date");
            if worked(date) && !paused_at_midnight_after(date) {
                counted += 1;
            }
        }
        prop_assert_eq!(counted, n);
        prop_assert!(worked(due_date));
    }

    #[test]
    fn business_hours_added_are_business_hours_counted(start in any_instant(), hours in 0u32..200) {
        let due = cn().due(start, Period::BusinessHours(hours), EndOf::Exact);
        prop_assert_eq!(cn().business_time_between(start, due.at), TimeDelta::hours(i64::from(hours)));
    }
}
