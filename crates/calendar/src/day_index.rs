//! The precomputed working-day index that makes "add N working days" O(1).
//!
//! Every date gets an *ordinal*: the number of working days from the table's first date up to
//! (not including) that date, negative before the table. Inside the table the ordinals are a
//! prefix sum over the resolved day statuses; outside it the plain weekday rule extends them
//! with closed-form week arithmetic. The Nth working day after a date is then the working day
//! whose ordinal is `ordinal(date + 1) + N - 1`, looked up in a table of working-day offsets.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::{DayException, DayStatus, Error};

/// The weekdays that are working days under the plain weekday rule (before any dated
/// exception). Mainland China: Monday to Friday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkingWeekdays {
    working: [bool; 7],
}

impl WorkingWeekdays {
    /// Monday to Friday.
    pub const MONDAY_TO_FRIDAY: WorkingWeekdays = WorkingWeekdays {
        working: [true, true, true, true, true, false, false],
    };

    /// The given weekdays; at least one is needed.
    pub fn new(weekdays: &[Weekday]) -> Result<WorkingWeekdays, Error> {
        if weekdays.is_empty() {
            return Err(Error::field(
                "working_weekdays",
                "at least one weekday must be a working day",
            ));
        }
        let mut working = [false; 7];
        for weekday in weekdays {
            working[weekday.num_days_from_monday() as usize] = true;
        }
        Ok(WorkingWeekdays { working })
    }

    /// True when the weekday is a working day under the plain rule.
    pub fn contains(&self, weekday: Weekday) -> bool {
        self.working[weekday.num_days_from_monday() as usize]
    }

    /// The working weekdays, Monday first.
    pub fn weekdays(&self) -> Vec<Weekday> {
        let mut weekday = Weekday::Mon;
        let mut weekdays = Vec::new();
        for _ in 0..7 {
            if self.contains(weekday) {
                weekdays.push(weekday);
            }
            weekday = weekday.succ();
        }
        weekdays
    }

    fn n_per_week(&self) -> i64 {
        self.working.iter().filter(|working| **working).count() as i64
    }
}

/// Ordinals and working-day offsets for one resolved calendar.
#[derive(Clone, Debug)]
pub(crate) struct DayIndex {
    first: NaiveDate,
    weekdays: WorkingWeekdays,
    /// `cumulative[i]` is the number of working days in `[first, first + i)`.
    cumulative: Vec<u32>,
    /// Offsets from `first` of every working day in the table, in order.
    working_offsets: Vec<u32>,
}

impl DayIndex {
    /// Builds the index over `[first, last]` from the dated exceptions and the weekday rule.
    /// An empty range (`last < first`) gives a table that applies the weekday rule everywhere.
    pub(crate) fn build(
        first: NaiveDate,
        last: NaiveDate,
        weekdays: WorkingWeekdays,
        exceptions: &BTreeMap<NaiveDate, DayException>,
    ) -> DayIndex {
        let mut cumulative = vec![0u32];
        let mut working_offsets = Vec::new();
        let mut running = 0u32;
        for (offset, date) in first.iter_days().take_while(|date| *date <= last).enumerate() {
            let working = match exceptions.get(&date) {
                Some(exception) => exception.status == DayStatus::Working,
                None => weekdays.contains(date.weekday()),
            };
            if working {
                working_offsets.push(offset as u32);
                running += 1;
            }
            cumulative.push(running);
        }
        DayIndex {
            first,
            weekdays,
            cumulative,
            working_offsets,
        }
    }

    fn n_days(&self) -> i64 {
        self.cumulative.len() as i64 - 1
    }

    fn total(&self) -> i64 {
        i64::from(self.cumulative.last().copied().unwrap_or(0))
    }

    /// Working days in `[from, until)` under the plain weekday rule; `from <= until`.
    fn plain_count(&self, from: NaiveDate, until: NaiveDate) -> i64 {
        let days = (until - from).num_days();
        let mut count = days / 7 * self.weekdays.n_per_week();
        let mut weekday = from.weekday();
        for _ in 0..days % 7 {
            if self.weekdays.contains(weekday) {
                count += 1;
            }
            weekday = weekday.succ();
        }
        count
    }

    /// The number of working days in `[first, date)`; negative before the table.
    pub(crate) fn ordinal(&self, date: NaiveDate) -> i64 {
        let offset = (date - self.first).num_days();
        if offset < 0 {
            -self.plain_count(date, self.first)
        } else if offset <= self.n_days() {
            i64::from(self.cumulative[offset as usize])
        } else {
            let after_table = self.first + Days::new(self.n_days() as u64);
            self.total() + self.plain_count(after_table, date)
        }
    }

    /// True when the date is a working day.
    pub(crate) fn is_working(&self, date: NaiveDate) -> bool {
        let offset = (date - self.first).num_days();
        if offset >= 0 && offset < self.n_days() {
            let offset = offset as usize;
            self.cumulative[offset + 1] > self.cumulative[offset]
        } else {
            self.weekdays.contains(date.weekday())
        }
    }

    /// The working day whose ordinal is `ordinal`, or `None` past the range of dates.
    pub(crate) fn nth_working(&self, ordinal: i64) -> Option<NaiveDate> {
        let per_week = self.weekdays.n_per_week();
        if (0..self.total()).contains(&ordinal) {
            let offset = self.working_offsets[ordinal as usize];
            return self.first.checked_add_days(Days::new(u64::from(offset)));
        }
        if ordinal >= self.total() {
            let beyond = ordinal - self.total();
            let after_table = self.first.checked_add_days(Days::new(self.n_days() as u64))?;
            let mut date = after_table.checked_add_days(Days::new((beyond / per_week * 7) as u64))?;
            let mut remaining = beyond % per_week;
            loop {
                if self.weekdays.contains(date.weekday()) {
                    if remaining == 0 {
                        return Some(date);
                    }
                    remaining -= 1;
                }
                date = date.succ_opt()?;
            }
        }
        let wanted = -ordinal;
        let whole_weeks = (wanted - 1) / per_week;
        let mut remaining = (wanted - 1) % per_week;
        let mut date = self
            .first
            .checked_sub_days(Days::new((whole_weeks * 7) as u64))?
            .pred_opt()?;
        loop {
            if self.weekdays.contains(date.weekday()) {
                if remaining == 0 {
                    return Some(date);
                }
                remaining -= 1;
            }
            date = date.pred_opt()?;
        }
    }

    /// The `n`th working day after `date` (not counting `date` itself); `date` when `n` is 0.
    pub(crate) fn add_working_days(&self, date: NaiveDate, n: u64) -> Option<NaiveDate> {
        if n == 0 {
            return Some(date);
        }
        let target = self.ordinal(date.succ_opt()?) + i64::try_from(n).ok()? - 1;
        self.nth_working(target)
    }

    /// Working days in `(after, until]`: how many working days `until` is after `after`.
    pub(crate) fn working_days_after(&self, after: NaiveDate, until: NaiveDate) -> i64 {
        match (after.succ_opt(), until.succ_opt()) {
            (Some(from), Some(to)) => self.ordinal(to) - self.ordinal(from),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn exception(day: &str, status: DayStatus) -> (NaiveDate, DayException) {
        let exception = DayException {
            date: date(day),
            name: "test".to_owned(),
            status,
        };
        (exception.date, exception)
    }

    /// A table over October 2026 with the real National Day exceptions.
    fn october_2026() -> DayIndex {
        let mut exceptions: BTreeMap<_, _> = (1..=7)
            .map(|day| exception(&format!("2026-10-{day:02}"), DayStatus::Off))
            .collect();
        exceptions.extend([exception("2026-10-10", DayStatus::Working)]);
        DayIndex::build(
            date("2026-10-01"),
            date("2026-10-31"),
            WorkingWeekdays::MONDAY_TO_FRIDAY,
            &exceptions,
        )
    }

    fn naive_add(index: &DayIndex, start: NaiveDate, n: u64) -> NaiveDate {
        let mut date = start;
        let mut counted = 0;
        while counted < n {
            date = date.succ_opt().expect("in range");
            if index.is_working(date) {
                counted += 1;
            }
        }
        date
    }

    #[test]
    fn adding_working_days_skips_the_holiday_and_counts_the_adjusted_saturday() {
        let index = october_2026();
        // Wednesday 30 September, the eve of the holiday: the 8th and 9th are the first two.
        assert_eq!(index.add_working_days(date("2026-09-30"), 2), Some(date("2026-10-09")));
        // The 3rd working day is the adjusted working Saturday, 10 October.
        assert_eq!(index.add_working_days(date("2026-09-30"), 3), Some(date("2026-10-10")));
        assert_eq!(index.add_working_days(date("2026-10-03"), 0), Some(date("2026-10-03")));
        assert!(!index.is_working(date("2026-10-05")));
        assert!(index.is_working(date("2026-10-10")));
        assert!(!index.is_working(date("2026-10-11")));
    }

    #[test]
    fn ordinals_agree_with_a_day_by_day_count_before_inside_and_after_the_table() {
        let index = october_2026();
        let mut start = date("2026-08-01");
        while start <= date("2026-12-31") {
            for n in [1u64, 2, 5, 13, 40] {
                let fast = index.add_working_days(start, n).expect("in range");
                assert_eq!(fast, naive_add(&index, start, n), "start {start} n {n}");
                assert_eq!(index.working_days_after(start, fast), n as i64);
                assert!(index.is_working(fast));
            }
            start = start.succ_opt().expect("in range");
        }
    }

    #[test]
    fn other_working_weeks_and_empty_tables_follow_the_weekday_rule() {
        let six_days = WorkingWeekdays::new(&[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ])
        .expect("valid");
        let empty = DayIndex::build(date("2030-01-01"), date("2029-12-31"), six_days, &BTreeMap::new());
        // Friday 4 January 2030 + 1 → Saturday 5th; + 2 → Monday 7th.
        assert_eq!(empty.add_working_days(date("2030-01-04"), 1), Some(date("2030-01-05")));
        assert_eq!(empty.add_working_days(date("2030-01-04"), 2), Some(date("2030-01-07")));
        assert_eq!(empty.add_working_days(date("2029-12-20"), 12), Some(date("2030-01-03")));
        assert!(WorkingWeekdays::new(&[]).is_err());
        assert_eq!(six_days.weekdays().len(), 6);
    }

    #[test]
    fn absurd_counts_run_out_of_dates_instead_of_panicking() {
        let index = october_2026();
        assert_eq!(index.add_working_days(date("2026-10-01"), u64::from(u32::MAX)), None);
    }
}
