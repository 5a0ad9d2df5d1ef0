//! Counting business time: minutes inside business hours of working days only.
//!
//! All arithmetic happens on local wall-clock time in nanoseconds; a working day holds
//! exactly its business hours' length, also on a day when clocks change.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::Calendar;
use crate::local_time::{at_time_of_day, nanos_since_midnight, to_instant, to_local};

impl Calendar {
    /// The local time at which `amount` nanoseconds of business time have passed since
    /// `start`. A start outside business hours counts from the next opening; the result is
    /// the earliest instant at which the amount is complete (a closing time, not the next
    /// opening, when it runs out exactly at a close).
    pub(crate) fn add_business_nanos(&self, start: NaiveDateTime, amount: i64) -> Option<NaiveDateTime> {
        if amount <= 0 {
            return Some(start);
        }
        let hours = &self.resolved.business_hours;
        let date = start.date();
        let time = nanos_since_midnight(start);
        let mut remaining = amount;
        if self.index.is_working(date) {
            if let Some(time) = hours.advance_within_day(time, remaining) {
                return at_time_of_day(date, time);
            }
            remaining -= hours.nanos_after(time);
        }
        let per_day = hours.nanos_per_day();
        let whole_days = (remaining - 1) / per_day;
        let rest = remaining - whole_days * per_day;
        let last_day = self.index.add_working_days(date, whole_days as u64 + 1)?;
        at_time_of_day(last_day, hours.advance_within_day(0, rest)?)
    }

    /// Business time between two local times, in nanoseconds (0 when `until <= from`).
    pub(crate) fn business_nanos_between(&self, from: NaiveDateTime, until: NaiveDateTime) -> i64 {
        if until <= from {
            return 0;
        }
        let hours = &self.resolved.business_hours;
        let (from_date, until_date) = (from.date(), until.date());
        let (from_time, until_time) = (nanos_since_midnight(from), nanos_since_midnight(until));
        if from_date == until_date {
            return if self.index.is_working(from_date) {
                hours.nanos_before(until_time) - hours.nanos_before(from_time)
            } else {
                0
            };
        }
        let head = if self.index.is_working(from_date) {
            hours.nanos_after(from_time)
        } else {
            0
        };
        let tail = if self.index.is_working(until_date) {
            hours.nanos_before(until_time)
        } else {
            0
        };
        let days_between = match from_date.succ_opt() {
            Some(next) => self.index.ordinal(until_date) - self.index.ordinal(next),
            None => 0,
        };
        head.saturating_add(days_between.saturating_mul(hours.nanos_per_day()))
            .saturating_add(tail)
    }

    /// Business time between two instants: what a business-hours clock running from `from`
    /// to `until` has counted.
    pub fn business_time_between(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> TimeDelta {
        let time_zone = self.time_zone();
        TimeDelta::nanoseconds(self.business_nanos_between(to_local(time_zone, from), to_local(time_zone, until)))
    }

    /// The close of business (end of the last business-hours interval) of a working day;
    /// `None` on a day off.
    pub fn close_of_business(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        if !self.index.is_working(date) {
            return None;
        }
        let close = at_time_of_day(date, self.resolved.business_hours.closing_nanos())?;
        Some(to_instant(self.time_zone(), close))
    }

    /// The close of business of `date` if it is a working day, otherwise of the next working
    /// day; with the working day used.
    pub(crate) fn close_on_or_after(&self, date: NaiveDate) -> Option<(NaiveDateTime, NaiveDate)> {
        let day = if self.index.is_working(date) {
            date
        } else {
            self.index.add_working_days(date, 1)?
        };
        Some((at_time_of_day(day, self.resolved.business_hours.closing_nanos())?, day))
    }

    /// The first close of business at or after a local time, with the working day used.
    pub(crate) fn close_at_or_after(&self, local: NaiveDateTime) -> Option<(NaiveDateTime, NaiveDate)> {
        let date = local.date();
        let closing = self.resolved.business_hours.closing_nanos();
        if self.index.is_working(date) && nanos_since_midnight(local) <= closing {
            return Some((at_time_of_day(date, closing)?, date));
        }
        let day = self.index.add_working_days(date, 1)?;
        Some((at_time_of_day(day, closing)?, day))
    }
}
