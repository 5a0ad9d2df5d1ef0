//! What a deadline rule counts ([`Period`]), where its last day ends ([`EndOf`]) and the
//! result of a computation ([`Due`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;

/// A length of time as a complaint rule writes it.
///
/// Day-based periods (working days, days, weeks, months) never count the start day: the due
/// date is the Nth working day (or day) after the start's local date, whatever kind of day
/// the start is. A count of zero means the start's own local date ("same day").
/// Time-based periods (clock hours, business hours, minutes) count from the start instant.
///
/// In policy files a period is written `{"working_days": 15}`, `{"business_hours": 4}` and
/// so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Working days of the calendar: weekdays that are not holidays, plus adjusted working
    /// Saturdays and Sundays (调休).
    WorkingDays(u32),
    /// Calendar days, every day counting.
    Days(u32),
    /// Elapsed hours on the clock, nights and holidays included.
    ClockHours(u32),
    /// Hours inside the calendar's business hours on working days only.
    BusinessHours(u32),
    /// Elapsed minutes on the clock.
    Minutes(u32),
    /// Weeks of seven calendar days.
    Weeks(u32),
    /// Calendar months: the same day of the month N months later, or the last day of that
    /// month when it is shorter (31 January + 1 month = 28 or 29 February).
    Months(u32),
}

/// Where a deadline ends on its last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndOf {
    /// 23:59:59 local time on the last day (for time-based periods: on the local day the
    /// period runs out).
    EndOfDay,
    /// The end of the last business-hours interval of the last day. When that day is not a
    /// working day, the close of business of the next working day; for time-based periods,
    /// the first close of business at or after the instant the period runs out.
    CloseOfBusiness,
    /// No rounding: for time-based periods the instant the period runs out; for day-based
    /// periods the start's local time of day on the last day.
    Exact,
}

/// The result of a deadline computation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The due instant. A deadline is met by anything done at or before it.
    pub at: DateTime<Utc>,
    /// True when the computation looked at a date outside the calendar's published years
    /// and used the plain weekday rule for it; loading the next notice may change the result.
    pub provisional: bool,
}

/// What a [`Period`] counts, regardless of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodUnit {
    /// [`Period::WorkingDays`].
    WorkingDays,
    /// [`Period::Days`].
    Days,
    /// [`Period::ClockHours`].
    ClockHours,
    /// [`Period::BusinessHours`].
    BusinessHours,
    /// [`Period::Minutes`].
    Minutes,
    /// [`Period::Weeks`].
    Weeks,
    /// [`Period::Months`].
    Months,
}

/// The longest period the crate accepts from outside, in days (about 200 years). Longer
/// periods are refused by [`Period::validate`]; [`crate::Calendar::due`] saturates instead.
pub const LONGEST_PERIOD_DAYS: u64 = 73_000;

impl Period {
    /// How many units the period counts.
    pub fn count(&self) -> u32 {
        match *self {
            Period::WorkingDays(n)
            | Period::Days(n)
            | Period::ClockHours(n)
            | Period::BusinessHours(n)
            | Period::Minutes(n)
            | Period::Weeks(n)
            | Period::Months(n) => n,
        }
    }

    /// What the period counts.
    pub fn unit(&self) -> PeriodUnit {
        match self {
            Period::WorkingDays(_) => PeriodUnit::WorkingDays,
            Period::Days(_) => PeriodUnit::Days,
            Period::ClockHours(_) => PeriodUnit::ClockHours,
            Period::BusinessHours(_) => PeriodUnit::BusinessHours,
            Period::Minutes(_) => PeriodUnit::Minutes,
            Period::Weeks(_) => PeriodUnit::Weeks,
            Period::Months(_) => PeriodUnit::Months,
        }
    }

    /// True for periods counted in whole days (working days, days, weeks, months).
    pub fn is_day_based(&self) -> bool {
        matches!(
            self.unit(),
            PeriodUnit::WorkingDays | PeriodUnit::Days | PeriodUnit::Weeks | PeriodUnit::Months
        )
    }

    /// The period's name as written in files and messages (`working_days`).
    pub fn unit_name(&self) -> &'static str {
        match self.unit() {
            PeriodUnit::WorkingDays => "working_days",
            PeriodUnit::Days => "days",
            PeriodUnit::ClockHours => "clock_hours",
            PeriodUnit::BusinessHours => "business_hours",
            PeriodUnit::Minutes => "minutes",
            PeriodUnit::Weeks => "weeks",
            PeriodUnit::Months => "months",
        }
    }

    /// Refuses periods longer than [`LONGEST_PERIOD_DAYS`] (counting a working day, a
    /// business hour or a minute as at most a day's worth of its unit).
    pub fn validate(&self) -> Result<(), Error> {
        let count = u64::from(self.count());
        let days = match self.unit() {
            PeriodUnit::WorkingDays | PeriodUnit::Days => count,
            PeriodUnit::Weeks => count * 7,
            PeriodUnit::Months => count * 31,
            PeriodUnit::ClockHours => count / 24,
            // A business day has at most 24 business hours; count them as days to be safe.
            PeriodUnit::BusinessHours => count,
            PeriodUnit::Minutes => count / (24 * 60),
        };
        if days > LONGEST_PERIOD_DAYS {
            return Err(Error::field(
                self.unit_name(),
                format!("{count} is longer than the longest supported period of {LONGEST_PERIOD_DAYS} days"),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} {}", self.count(), self.unit_name().replace('_', " "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_written_as_snake_case_objects_in_files() {
        let json = serde_json::to_string(&Period::WorkingDays(15)).expect("serialise");
        assert_eq!(json, r#"{"working_days":15}"#);
        let back: Period = serde_json::from_str(r#"{"business_hours":4}"#).expect("parse");
        assert_eq!(back, Period::BusinessHours(4));
        let end: EndOf = serde_json::from_str(r#""close_of_business""#).expect("parse");
        assert_eq!(end, EndOf::CloseOfBusiness);
    }

    #[test]
    fn validate_refuses_absurd_lengths_only() {
        assert!(Period::WorkingDays(60).validate().is_ok());
        assert!(Period::Minutes(60 * 24 * 365).validate().is_ok());
        assert!(Period::Minutes(u32::MAX).validate().is_err());
        let error = Period::Months(u32::MAX).validate().expect_err("too long");
        assert!(error.to_string().starts_with("months: "), "{error}");
        assert!(Period::WorkingDays(73_001).validate().is_err());
    }

    #[test]
    fn day_based_periods_are_told_apart_from_time_based_ones() {
        assert!(Period::Weeks(8).is_day_based());
        assert!(!Period::BusinessHours(8).is_day_based());
        assert_eq!(Period::Days(3).to_string(), "3 days");
    }
}
