//! What `redress bench` measures for this crate: due dates per second with the real
//! algorithm (the precomputed working-day index) against a naive day-by-day loop over the
//! same calendar, in the same run, checking that both give identical answers.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Utc};

use crate::local_time::{end_of_day, to_instant, to_local};
use crate::{Calendar, DayStatus, Due, EndOf, Period, mainland_china};

/// Figures of one benchmark run.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchFigures {
    /// Due dates computed by each algorithm.
    pub n_cases: usize,
    /// Due dates per second with [`Calendar::due`].
    pub real_per_second: f64,
    /// Due dates per second with the naive loop.
    pub naive_per_second: f64,
    /// `real_per_second / naive_per_second`.
    pub speedup: f64,
    /// Cases on which the two disagreed (instant or provisional flag); 0 when correct.
    pub n_mismatches: usize,
    /// Cases whose result was provisional (beyond 2026).
    pub n_provisional: usize,
}

impl BenchFigures {
    /// The figures as one JSON object, for `redress bench --json`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "name": "calendar.due_dates",
            "n_cases": self.n_cases,
            "real_per_second": self.real_per_second,
            "naive_per_second": self.naive_per_second,
            "speedup": self.speedup,
            "n_mismatches": self.n_mismatches,
            "n_provisional": self.n_provisional,
        })
        .to_string()
    }
}

/// Computes `n_cases` due dates on the shipped `cn` calendar, starts spread over 2020–2026
/// at any time of day, periods of 1 to 60 working days ending 23:59:59, once with
/// [`Calendar::due`] and once with a day-by-day loop, and reports both rates.
pub fn due_dates(n_cases: usize) -> BenchFigures {
    let calendar = mainland_china();
    let cases = generate_cases(n_cases);

    let started = Instant::now();
    let real: Vec<Due> = cases
        .iter()
        .map(|(start, n)| black_box(calendar.due(*start, Period::WorkingDays(*n), EndOf::EndOfDay)))
        .collect();
    let real_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let naive: Vec<Due> = cases
        .iter()
        .map(|(start, n)| black_box(naive_due(calendar, *start, *n)))
        .collect();
    let naive_seconds = started.elapsed().as_secs_f64();

    let rate = |seconds: f64| {
        if seconds > 0.0 {
            n_cases as f64 / seconds
        } else {
            f64::INFINITY
        }
    };
    let (real_per_second, naive_per_second) = (rate(real_seconds), rate(naive_seconds));
    BenchFigures {
        n_cases,
        real_per_second,
        naive_per_second,
        speedup: real_per_second / naive_per_second,
        n_mismatches: real.iter().zip(&naive).filter(|(real, naive)| real != naive).count(),
        n_provisional: real.iter().filter(|due| due.provisional).count(),
    }
}

/// Deterministic cases: a start in 2020–2026 and a period of 1 to 60 working days.
fn generate_cases(n_cases: usize) -> Vec<(DateTime<Utc>, u32)> {
    let first = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let span_seconds = 7 * 365 * 24 * 3600;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*: cheap, deterministic, good enough to spread the cases.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    (0..n_cases)
        .map(|_| {
            let start = first + TimeDelta::seconds((next() % span_seconds) as i64);
            let n = (next() % 60) as u32 + 1;
            (start, n)
        })
        .collect()
}

/// The baseline: step day by day from the start's local date, looking each date up in the
/// calendar's exception map and falling back to the weekday rule.
pub(crate) fn naive_due(calendar: &Calendar, start: DateTime<Utc>, n: u32) -> Due {
    let time_zone = calendar.time_zone();
    let weekdays = calendar.working_weekdays();
    let mut date = to_local(time_zone, start).date();
    let mut counted = 0;
    let mut provisional = false;
    while counted < n {
        let Some(next) = date.succ_opt() else {
            return Due {
                at: DateTime::<Utc>::MAX_UTC,
                provisional: true,
            };
        };
        date = next;
        provisional |= !calendar.is_published(date);
        let working = match calendar.resolved.days.get(&date) {
            Some(exception) => exception.status == DayStatus::Working,
            None => weekdays.contains(date.weekday()),
        };
        if working {
            counted += 1;
        }
    }
    Due {
        at: to_instant(time_zone, end_of_day(date)),
        provisional,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_and_naive_agree_on_a_small_run() {
        let figures = due_dates(3_000);
        assert_eq!(figures.n_cases, 3_000);
        assert_eq!(figures.n_mismatches, 0);
        // Starts late in 2026 with up to 60 working days reach 2027.
        assert!(figures.n_provisional > 0);
        assert!(figures.real_per_second > 0.0 && figures.naive_per_second > 0.0);
        let json: serde_json::Value = serde_json::from_str(&figures.to_json()).expect("json");
        assert_eq!(json["n_cases"], 3_000);
    }

    #[test]
    fn the_naive_baseline_sees_the_holidays_too() {
        let start = Utc.with_ymd_and_hms(2026, 9, 30, 2, 0, 0).single().expect("instant");
        let naive = naive_due(mainland_china(), start, 2);
        assert_eq!(
            naive.at,
            Utc.with_ymd_and_hms(2026, 10, 9, 15, 59, 59).single().expect("instant")
        );
        assert!(!naive.provisional);
    }
}
