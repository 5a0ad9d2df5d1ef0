//! Opening hours of a working day, with breaks, and the arithmetic inside one day.
//!
//! Times of day are handled as nanoseconds since local midnight so that business-time sums
//! stay exact; an interval may close at 24:00.

use crate::Error;

/// Nanoseconds in a second.
pub(crate) const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: u32 = 24 * 60 * 60;

/// The business hours of every working day: ordered, non-overlapping intervals of local
/// time, for example 09:00–12:00 and 13:30–18:00 (a lunch break in between).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessHours {
    /// `(opens, closes)` in seconds since local midnight; `closes` may be 86,400 (24:00).
    intervals: Vec<(u32, u32)>,
}

impl BusinessHours {
    /// 09:00–12:00 and 13:30–18:00, the hours of the shipped mainland-China calendar.
    pub fn standard() -> BusinessHours {
        BusinessHours {
            intervals: vec![(9 * 3600, 12 * 3600), (13 * 3600 + 1800, 18 * 3600)],
        }
    }

    /// 00:00–24:00: every minute of a working day counts (a 24-hour hotline).
    pub fn around_the_clock() -> BusinessHours {
        BusinessHours {
            intervals: vec![(0, SECONDS_PER_DAY)],
        }
    }

    /// Intervals written `HH:MM-HH:MM` (closing time up to `24:00`), in order of the day,
    /// not overlapping, at least one.
    pub fn parse<S: AsRef<str>>(intervals: &[S]) -> Result<BusinessHours, Error> {
        let mut parsed = Vec::with_capacity(intervals.len());
        for (position, text) in intervals.iter().enumerate() {
            let field = format!("business_hours[{position}]");
            let text = text.as_ref();
            let (opens, closes) = text
                .split_once('-')
                .ok_or_else(|| Error::field(&field, format!("`{text}` is not HH:MM-HH:MM")))?;
            let opens = parse_time_of_day(opens.trim(), &field)?;
            let closes = parse_time_of_day(closes.trim(), &field)?;
            parsed.push((opens, closes));
        }
        BusinessHours::from_seconds(parsed)
    }

    /// Intervals as `(opens, closes)` seconds since local midnight.
    pub fn from_seconds(intervals: Vec<(u32, u32)>) -> Result<BusinessHours, Error> {
        if intervals.is_empty() {
            return Err(Error::field("business_hours", "at least one interval is needed"));
        }
        let mut previous_close = 0;
        for (position, (opens, closes)) in intervals.iter().enumerate() {
            let field = format!("business_hours[{position}]");
            if opens >= closes || *closes > SECONDS_PER_DAY {
                return Err(Error::field(field, "must open before it closes, by 24:00"));
            }
            if position > 0 && *opens < previous_close {
                return Err(Error::field(field, "overlaps or precedes the previous interval"));
            }
            previous_close = *closes;
        }
        Ok(BusinessHours { intervals })
    }

    /// The intervals as `(opens, closes)` seconds since local midnight.
    pub fn intervals(&self) -> &[(u32, u32)] {
        &self.intervals
    }

    /// The intervals written `HH:MM-HH:MM`, as [`BusinessHours::parse`] reads them.
    pub fn to_strings(&self) -> Vec<String> {
        self.intervals
            .iter()
            .map(|(opens, closes)| format!("{}-{}", format_time_of_day(*opens), format_time_of_day(*closes)))
            .collect()
    }

    /// Business time in one working day, in nanoseconds.
    pub(crate) fn nanos_per_day(&self) -> i64 {
        self.intervals
            .iter()
            .map(|(opens, closes)| i64::from(closes - opens) * NANOS_PER_SECOND)
            .sum()
    }

    /// When the day's last interval closes, in nanoseconds since midnight.
    pub(crate) fn closing_nanos(&self) -> i64 {
        let closes = self.intervals.last().map_or(SECONDS_PER_DAY, |interval| interval.1);
        i64::from(closes) * NANOS_PER_SECOND
    }

    fn nanos(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.intervals.iter().map(|(opens, closes)| {
            (
                i64::from(*opens) * NANOS_PER_SECOND,
                i64::from(*closes) * NANOS_PER_SECOND,
            )
        })
    }

    /// Business time of a working day before the time of day `time` (nanoseconds).
    pub(crate) fn nanos_before(&self, time: i64) -> i64 {
        self.nanos()
            .map(|(opens, closes)| (closes.min(time) - opens).max(0))
            .sum()
    }

    /// Business time of a working day from the time of day `time` on.
    pub(crate) fn nanos_after(&self, time: i64) -> i64 {
        self.nanos_per_day() - self.nanos_before(time)
    }

    /// The time of day at which `amount` of business time has passed since `time`, or `None`
    /// when the rest of the day holds less than `amount`. `amount` must be positive.
    pub(crate) fn advance_within_day(&self, time: i64, amount: i64) -> Option<i64> {
        let mut remaining = amount;
        for (opens, closes) in self.nanos() {
            if closes <= time {
                continue;
            }
            let from = opens.max(time);
            if remaining <= closes - from {
                return Some(from + remaining);
            }
            remaining -= closes - from;
        }
        None
    }
}

fn parse_time_of_day(text: &str, field: &str) -> Result<u32, Error> {
    let invalid = || Error::field(field, format!("`{text}` is not a time of day HH:MM"));
    let (hours, minutes) = text.split_once(':').ok_or_else(invalid)?;
    let hours: u32 = hours.parse().map_err(|_| invalid())?;
    let minutes: u32 = minutes.parse().map_err(|_| invalid())?;
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
        return Err(invalid());
    }
    Ok(hours * 3600 + minutes * 60)
}

fn format_time_of_day(seconds: u32) -> String {
    format!("{:02}:{:02}", seconds / 3600, seconds % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600 * NANOS_PER_SECOND;

    #[test]
    fn parses_and_writes_intervals_with_a_lunch_break() {
        let hours = BusinessHours::parse(&["09:00-12:00", "13:30-18:00"]).expect("valid");
        assert_eq!(hours, BusinessHours::standard());
        assert_eq!(hours.to_strings(), vec!["09:00-12:00", "13:30-18:00"]);
        assert_eq!(hours.nanos_per_day(), 7 * HOUR + HOUR / 2);
        assert_eq!(
            BusinessHours::parse(&["00:00-24:00"]).expect("valid"),
            BusinessHours::around_the_clock()
        );
    }

    #[test]
    fn refuses_malformed_overlapping_and_empty_hours() {
        let empty: [&str; 0] = [];
        assert!(BusinessHours::parse(&empty).is_err());
        assert!(BusinessHours::parse(&["9-12"]).is_err());
        assert!(BusinessHours::parse(&["12:00-09:00"]).is_err());
        assert!(BusinessHours::parse(&["09:00-12:00", "11:00-18:00"]).is_err());
        let error = BusinessHours::parse(&["09:00-12:00", "24:30-25:00"]).expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "business_hours[1]: `24:30` is not a time of day HH:MM"
        );
    }

    #[test]
    fn advancing_inside_a_day_jumps_the_break() {
        let hours = BusinessHours::standard();
        // 11:00 + 2 h → one hour before lunch, one after: 14:30.
        assert_eq!(
            hours.advance_within_day(11 * HOUR, 2 * HOUR),
            Some(14 * HOUR + HOUR / 2)
        );
        // From 07:00 the count starts at the 09:00 opening.
        assert_eq!(hours.advance_within_day(7 * HOUR, HOUR), Some(10 * HOUR));
        // Exactly the rest of the day ends at closing time; more does not fit.
        assert_eq!(hours.advance_within_day(17 * HOUR, HOUR), Some(18 * HOUR));
        assert_eq!(hours.advance_within_day(17 * HOUR, HOUR + 1), None);
        assert_eq!(hours.nanos_before(12 * HOUR + HOUR), 3 * HOUR);
        assert_eq!(hours.nanos_after(12 * HOUR + HOUR), 4 * HOUR + HOUR / 2);
    }
}
