//! What `redress calendar due` computes and prints. The binary parses its own flags and
//! calls [`due_line`]; everything that can be wrong with the input comes back as an
//! [`Error`] naming the field and the rule.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{Calendar, Due, EndOf, Error, Period, Registry, presets};

/// The period asked for on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DueSpec {
    /// `--working-days N`: the Nth working day after the start's local date, 23:59:59.
    WorkingDays(u32),
    /// `--days N`: the Nth day after the start's local date, 23:59:59.
    Days(u32),
    /// `--business-hours N`: the instant N business hours after the start.
    BusinessHours(u32),
    /// `--preset NAME`: the preset's primary deadline (its resolution deadline, or its only
    /// or first deadline when it has no resolution deadline).
    Preset(String),
}

/// The one line `redress calendar due` prints: the due instant in RFC 3339 in the
/// calendar's local offset, for example `2026-10-09T23:59:59+08:00`.
pub fn due_line(registry: &Registry, calendar_id: &str, start_rfc3339: &str, spec: DueSpec) -> Result<String, Error> {
    let calendar = registry.get(calendar_id)?;
    let due = due_for_spec(calendar, start_rfc3339, spec)?;
    Ok(format_instant(calendar, due.at))
}

/// The full result behind [`due_line`], with the provisional flag.
pub fn due_for_spec(calendar: &Calendar, start_rfc3339: &str, spec: DueSpec) -> Result<Due, Error> {
    let start = parse_start(start_rfc3339)?;
    let (period, end) = match spec {
        DueSpec::WorkingDays(n) => (Period::WorkingDays(n), EndOf::EndOfDay),
        DueSpec::Days(n) => (Period::Days(n), EndOf::EndOfDay),
        DueSpec::BusinessHours(n) => (Period::BusinessHours(n), EndOf::Exact),
        DueSpec::Preset(name) => {
            let policy = presets::get(&name).ok_or(Error::UnknownPreset { name })?;
            let rule = policy
                .primary_rule()
                .ok_or_else(|| Error::field("preset", format!("preset `{}` has no deadline", policy.id)))?;
            (rule.period, rule.end)
        }
    };
    period.validate()?;
    Ok(calendar.due(start, period, end))
}

/// Reads an RFC 3339 instant (`2026-09-30T10:00:00+08:00`, `2026-09-30T02:00:00Z`).
pub fn parse_start(text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|_| Error::InvalidStart { value: text.to_owned() })
}

/// An instant in RFC 3339 with the calendar's local offset, fractions of a second only
/// when there are any.
pub fn format_instant(calendar: &Calendar, at: DateTime<Utc>) -> String {
    at.with_timezone(&calendar.time_zone())
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(start: &str, spec: DueSpec) -> Result<String, Error> {
        due_line(&Registry::builtin(), "cn", start, spec)
    }

    #[test]
    fn two_working_days_before_national_day_2026_land_after_the_holiday() {
        let printed = line("2026-09-30T10:00:00+08:00", DueSpec::WorkingDays(2)).expect("valid");
        assert_eq!(printed, "2026-10-09T23:59:59+08:00");
    }

    #[test]
    fn the_local_date_of_the_start_decides_not_the_utc_date() {
        // 2026-09-30T17:00Z is already 1 October in Beijing, a holiday: the count starts after it.
        let printed = line("2026-09-30T17:00:00Z", DueSpec::WorkingDays(2)).expect("valid");
        assert_eq!(printed, "2026-10-09T23:59:59+08:00");
        let printed = line("2026-09-30T15:59:59Z", DueSpec::Days(1)).expect("valid");
        assert_eq!(printed, "2026-10-01T23:59:59+08:00");
    }

    #[test]
    fn business_hours_and_presets_print_their_own_ends() {
        // Friday 2026-10-09 17:00 + 4 business hours: 1 h on Friday, 3 h on the adjusted
        // working Saturday 10 October from 09:00 → 12:00.
        let printed = line("2026-10-09T17:00:00+08:00", DueSpec::BusinessHours(4)).expect("valid");
        assert_eq!(printed, "2026-10-10T12:00:00+08:00");
        let printed = line(
            "2026-09-30T10:00:00+08:00",
            DueSpec::Preset("bank_2020_measures".into()),
        )
        .expect("valid");
        assert_eq!(printed, "2026-10-15T23:59:59+08:00");
    }

    #[test]
    fn invalid_input_names_the_field_and_the_rule() {
        let error = line("yesterday", DueSpec::Days(1)).expect_err("bad start");
        assert_eq!(error.to_string(), "start: not an RFC 3339 instant");
        let error = due_line(&Registry::builtin(), "xx", "2026-01-01T00:00:00Z", DueSpec::Days(1)).expect_err("bad id");
        assert_eq!(error.to_string(), "calendar: unknown calendar id `xx`");
        let error = line("2026-01-01T00:00:00Z", DueSpec::Preset("nope".into())).expect_err("bad preset");
        assert_eq!(error.to_string(), "preset: unknown preset `nope`");
        let error = line("2026-01-01T00:00:00Z", DueSpec::WorkingDays(u32::MAX)).expect_err("too long");
        assert!(error.to_string().starts_with("working_days: "), "{error}");
    }
}
