//! [`Calendar::due`]: from a start instant and a period to a due instant, with the
//! provisional flag, and the pause-aware variant the SLA clock uses.
//!
//! # How a pause moves a deadline
//!
//! Pauses never shorten a deadline; they push it later by what they covered, in the
//! period's own unit, and only when they begin before the (moving) due instant (a pause
//! that begins after the deadline has passed changes nothing):
//!
//! * Day-based periods: a day counts towards the period only if the clock is running when
//!   the day ends (at the local midnight that closes it). A pause therefore covers the days
//!   whose closing midnight falls inside it, after the start day; the deadline moves by the
//!   covered working days (working-day periods) or covered days (days, weeks, months).
//!   Equivalently: the due date is the day on which the Nth counted day ends. A pause that
//!   begins and ends on the same local day covers nothing; a pause from Friday evening to
//!   Monday morning covers Friday.
//! * Clock hours and minutes: the deadline moves by the paused wall-clock time.
//! * Business hours: the deadline moves by the business time inside the pause, that is, the
//!   business time left at the pause is counted again from the resume.

use chrono::{DateTime, Days, Months, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::local_time::{end_of_day, first_midnight_at_or_after, to_instant, to_local};
use crate::{Calendar, Due, EndOf, Period};

/// A closed pause of an SLA clock: paused at the first instant, resumed at the second.
pub(crate) type Pause = (DateTime<Utc>, DateTime<Utc>);

/// The local dates a computation looked at, to tell whether it is provisional.
#[derive(Default)]
struct Consulted {
    range: Option<(NaiveDate, NaiveDate)>,
}

impl Consulted {
    fn add(&mut self, first: NaiveDate, last: NaiveDate) {
        self.range = Some(match self.range {
            Some((low, high)) => (low.min(first), high.max(last)),
            None => (first, last),
        });
    }
}

impl Calendar {
    /// The due instant of a period started at `start`, ending as `end` says.
    ///
    /// Day-based periods do not count the start day: the due date is the Nth working day (or
    /// day) after the start's local date, whatever kind of day the start is. Business hours
    /// count only time inside business hours of working days, from the start instant or the
    /// next opening. The result is provisional when a date the computation depended on lies
    /// outside the published years (the weekday rule was used for it).
    ///
    /// A period too long for the calendar's date range (hundreds of thousands of years)
    /// saturates at the latest representable instant, marked provisional.
    pub fn due(&self, start: DateTime<Utc>, period: Period, end: EndOf) -> Due {
        self.due_with_pauses(start, period, end, &[])
    }

    /// [`Calendar::due`] for a clock that was paused during the given closed intervals
    /// (ordered, not overlapping, none before `start`); see the module documentation and
    /// [`crate::SlaClock`], which states the same rule for users.
    pub(crate) fn due_with_pauses(&self, start: DateTime<Utc>, period: Period, end: EndOf, pauses: &[Pause]) -> Due {
        let computed = if period.is_day_based() {
            self.day_based_due(start, period, end, pauses)
        } else {
            self.time_based_due(start, period, end, pauses)
        };
        computed.unwrap_or(Due {
            at: DateTime::<Utc>::MAX_UTC,
            provisional: true,
        })
    }

    fn day_based_due(&self, start: DateTime<Utc>, period: Period, end: EndOf, pauses: &[Pause]) -> Option<Due> {
        let time_zone = self.time_zone();
        let local_start = to_local(time_zone, start);
        let start_date = local_start.date();
        let count = period.count();
        let mut due_date = match period {
            Period::WorkingDays(n) => self.index.add_working_days(start_date, u64::from(n))?,
            Period::Weeks(n) => start_date.checked_add_days(Days::new(u64::from(n) * 7))?,
            Period::Months(n) => start_date.checked_add_months(Months::new(n))?,
            _ => start_date.checked_add_days(Days::new(u64::from(count)))?,
        };
        let first_counted = start_date.succ_opt()?;
        for (paused, resumed) in pauses {
            let first = first_midnight_at_or_after(to_local(time_zone, *paused))?
                .pred_opt()?
                .max(first_counted);
            let after_last = first_midnight_at_or_after(to_local(time_zone, *resumed))?.pred_opt()?;
            let (current_due, _) = self.end_of_due_date(due_date, local_start, end)?;
            let begins_before_due = *paused < to_instant(time_zone, current_due);
            if first >= after_last || first > due_date || !begins_before_due {
                continue;
            }
            due_date = match period {
                Period::WorkingDays(_) => {
                    let covered = self.index.ordinal(after_last) - self.index.ordinal(first);
                    self.index.add_working_days(due_date, covered as u64)?
                }
                _ => due_date.checked_add_days(Days::new((after_last - first).num_days() as u64))?,
            };
        }
        let mut consulted = Consulted::default();
        if matches!(period, Period::WorkingDays(n) if n > 0) {
            consulted.add(first_counted, due_date);
        }
        let (local_due, close_day) = self.end_of_due_date(due_date, local_start, end)?;
        if let Some(close_day) = close_day {
            consulted.add(due_date, close_day);
        }
        Some(self.finish(local_due, &consulted))
    }

    /// Where a day-based deadline ends on its due date; with the working day used when the
    /// end is a close of business.
    fn end_of_due_date(
        &self,
        due_date: NaiveDate,
        local_start: NaiveDateTime,
        end: EndOf,
    ) -> Option<(NaiveDateTime, Option<NaiveDate>)> {
        Some(match end {
            EndOf::EndOfDay => (end_of_day(due_date), None),
            EndOf::Exact => (due_date.and_time(local_start.time()), None),
            EndOf::CloseOfBusiness => {
                let (close, working_day) = self.close_on_or_after(due_date)?;
                (close, Some(working_day))
            }
        })
    }

    fn time_based_due(&self, start: DateTime<Utc>, period: Period, end: EndOf, pauses: &[Pause]) -> Option<Due> {
        let time_zone = self.time_zone();
        let mut consulted = Consulted::default();
        let instant = match period {
            Period::BusinessHours(hours) => {
                let local_start = to_local(time_zone, start);
                let amount = i64::from(hours) * 3600 * crate::business_hours::NANOS_PER_SECOND;
                let mut local_due = self.add_business_nanos(local_start, amount)?;
                for (paused, resumed) in pauses {
                    if *paused >= to_instant(time_zone, local_due) {
                        continue;
                    }
                    let left = self.business_nanos_between(to_local(time_zone, *paused), local_due);
                    local_due = self.add_business_nanos(to_local(time_zone, *resumed), left)?;
                }
                consulted.add(local_start.date(), local_due.date());
                to_instant(time_zone, local_due)
            }
            _ => {
                let length = match period {
                    Period::Minutes(minutes) => TimeDelta::minutes(i64::from(minutes)),
                    _ => TimeDelta::hours(i64::from(period.count())),
                };
                let mut due = start.checked_add_signed(length)?;
                for (paused, resumed) in pauses {
                    if *paused < due {
                        due = resumed.checked_add_signed(due - *paused)?;
                    }
                }
                due
            }
        };
        let local_due = match end {
            EndOf::Exact => return Some(self.finish_instant(instant, &consulted)),
            EndOf::EndOfDay => end_of_day(to_local(time_zone, instant).date()),
            EndOf::CloseOfBusiness => {
                let local = to_local(time_zone, instant);
                let (close, working_day) = self.close_at_or_after(local)?;
                consulted.add(local.date(), working_day);
                close
            }
        };
        Some(self.finish(local_due, &consulted))
    }

    fn finish(&self, local_due: NaiveDateTime, consulted: &Consulted) -> Due {
        self.finish_instant(to_instant(self.time_zone(), local_due), consulted)
    }

    fn finish_instant(&self, at: DateTime<Utc>, consulted: &Consulted) -> Due {
        let provisional = match consulted.range {
            Some((first, last)) => !(self.is_published(first) && self.is_published(last)),
            None => false,
        };
        Due { at, provisional }
    }
}
