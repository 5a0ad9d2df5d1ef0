//! Conversions between instants and a calendar's local wall-clock time.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// The local wall-clock time of an instant.
pub(crate) fn to_local(time_zone: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&time_zone).naive_local()
}

/// The instant of a local wall-clock time. An ambiguous time (the repeated hour when clocks
/// go back) takes its earlier instant; a time that does not exist (skipped when clocks go
/// forward) moves forward minute by minute to the first one that does.
pub(crate) fn to_instant(time_zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut candidate = local;
    // Two days of minutes covers every gap in the time zone database (the longest is a day).
    for _ in 0..2 * 24 * 60 {
        match time_zone.from_local_datetime(&candidate) {
            LocalResult::Single(instant) | LocalResult::Ambiguous(instant, _) => {
                return instant.with_timezone(&Utc);
            }
            LocalResult::None => match candidate.checked_add_signed(TimeDelta::minutes(1)) {
                Some(next) => candidate = next,
                None => break,
            },
        }
    }
    Utc.from_utc_datetime(&local)
}

/// 23:59:59 on a local date.
pub(crate) fn end_of_day(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
}

/// A local date plus a time of day in nanoseconds since midnight (up to 24:00).
pub(crate) fn at_time_of_day(date: NaiveDate, nanos_since_midnight: i64) -> Option<NaiveDateTime> {
    date.and_time(NaiveTime::MIN)
        .checked_add_signed(TimeDelta::nanoseconds(nanos_since_midnight))
}

/// Nanoseconds since local midnight of a local time.
pub(crate) fn nanos_since_midnight(local: NaiveDateTime) -> i64 {
    (local - local.date().and_time(NaiveTime::MIN))
        .num_nanoseconds()
        .unwrap_or(0)
}

/// The first local midnight at or after `local`, as a date: the date itself at exactly
/// 00:00, otherwise the next date.
pub(crate) fn first_midnight_at_or_after(local: NaiveDateTime) -> Option<NaiveDate> {
    if local.time() == NaiveTime::MIN {
        Some(local.date())
    } else {
        local.date().succ_opt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("test time")
    }

    #[test]
    fn shanghai_is_eight_hours_ahead_of_utc() {
        let instant = to_instant(chrono_tz::Asia::Shanghai, local("2026-10-09 23:59:59"));
        assert_eq!(instant.to_rfc3339(), "2026-10-09T15:59:59+00:00");
        assert_eq!(
            to_local(chrono_tz::Asia::Shanghai, instant),
            local("2026-10-09 23:59:59")
        );
    }

    #[test]
    fn a_skipped_local_time_moves_to_the_end_of_the_gap() {
        // London skips 01:00–02:00 on 29 March 2026.
        let instant = to_instant(chrono_tz::Europe::London, local("2026-03-29 01:30:00"));
        assert_eq!(instant.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        // The repeated hour on 25 October 2026 takes its first occurrence (BST, +01:00).
        let instant = to_instant(chrono_tz::Europe::London, local("2026-10-25 01:30:00"));
        assert_eq!(instant.to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn midnights_and_times_of_day() {
        assert_eq!(
            first_midnight_at_or_after(local("2026-01-05 00:00:00")),
            NaiveDate::from_ymd_opt(2026, 1, 5)
        );
        assert_eq!(
            first_midnight_at_or_after(local("2026-01-05 00:00:01")),
            NaiveDate::from_ymd_opt(2026, 1, 6)
        );
        let date = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        assert_eq!(
            at_time_of_day(date, 24 * 3600 * 1_000_000_000),
            Some(local("2026-01-06 00:00:00"))
        );
        assert_eq!(nanos_since_midnight(local("2026-01-05 01:00:00")), 3_600_000_000_000);
        assert_eq!(end_of_day(date), local("2026-01-05 23:59:59"));
    }
}
