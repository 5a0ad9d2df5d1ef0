//! The calendar crate's integration tests: one test binary, one module per theme.
//!
//! Expected dates in `holidays` and `presets` were worked out by hand from the State Council
//! notices in the shared holiday-cn files (and cross-checked with an independent
//! day-by-day count over those files), never by running this crate.

#[path = "calendar/business.rs"]
mod business;
#[path = "calendar/clock.rs"]
mod clock;
#[path = "calendar/holidays.rs"]
mod holidays;
#[path = "calendar/inheritance.rs"]
mod inheritance;
#[path = "calendar/presets.rs"]
mod presets;
#[path = "calendar/properties.rs"]
mod properties;
#[path = "calendar/provisional.rs"]
mod provisional;

use calendar::Calendar;
use chrono::{DateTime, NaiveDate, Utc};

/// An instant from RFC 3339 text.
pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("test instant `{text}`: {error}"))
        .with_timezone(&Utc)
}

/// A date from `YYYY-MM-DD`.
pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|error| panic!("test date `{text}`: {error}"))
}

/// An instant as the calendar's local RFC 3339 text.
pub fn local(calendar: &Calendar, at: DateTime<Utc>) -> String {
    calendar::format_instant(calendar, at)
}

/// The shipped mainland-China calendar.
pub fn cn() -> &'static Calendar {
    calendar::mainland_china()
}
