//! Working days around Spring Festival and National Day for every year 2020–2026, across
//! year boundaries, and from starts that are themselves holidays or adjusted working days.

use calendar::{DayStatus, EndOf, Period};
use chrono::{Datelike, Weekday};

use crate::{cn, date, instant, local};

/// (start date, working days, due date). Comments say why, from the notices.
const TABLE: &[(&str, u32, &str)] = &[
    // 2020 Spring Festival: Sun 19 Jan worked; 24 Jan–2 Feb off (extended for the epidemic).
    ("2020-01-23", 1, "2020-02-03"), // eve of the holiday → first day back
    ("2020-01-23", 2, "2020-02-04"),
    ("2020-01-17", 1, "2020-01-19"), // Friday → the adjusted working Sunday
    ("2020-01-17", 2, "2020-01-20"),
    ("2020-01-28", 1, "2020-02-03"), // start on a holiday
    ("2020-01-19", 1, "2020-01-20"), // start on the adjusted Sunday itself
    ("2020-01-19", 5, "2020-02-03"),
    // 2020 National Day and Mid-Autumn: Sun 27 Sep worked; 1–8 Oct off; Sat 10 Oct worked.
    ("2020-09-30", 1, "2020-10-09"),
    ("2020-09-30", 2, "2020-10-10"), // the adjusted Saturday counts
    ("2020-09-30", 3, "2020-10-12"),
    ("2020-09-25", 1, "2020-09-27"),
    ("2020-10-05", 1, "2020-10-09"), // start on a holiday
    ("2020-10-10", 1, "2020-10-12"), // start on the adjusted Saturday
    // 2021 Spring Festival: Sun 7 Feb worked; 11–17 Feb off; Sat 20 Feb worked.
    ("2021-02-10", 1, "2021-02-18"),
    ("2021-02-10", 2, "2021-02-19"),
    ("2021-02-10", 3, "2021-02-20"),
    ("2021-02-10", 4, "2021-02-22"),
    ("2021-02-05", 1, "2021-02-07"),
    ("2021-02-14", 1, "2021-02-18"),
    // 2021 Mid-Autumn (Sat 18 Sep worked; 19–21 Sep off) and National Day (Sun 26 Sep
    // worked; 1–7 Oct off; Sat 9 Oct worked).
    ("2021-09-17", 1, "2021-09-18"),
    ("2021-09-17", 2, "2021-09-22"),
    ("2021-09-24", 1, "2021-09-26"),
    ("2021-09-30", 1, "2021-10-08"),
    ("2021-09-30", 2, "2021-10-09"),
    ("2021-09-30", 3, "2021-10-11"),
    ("2021-10-02", 2, "2021-10-09"),
    // 2022 Spring Festival: Sat 29 and Sun 30 Jan worked; 31 Jan–6 Feb off.
    ("2022-01-28", 1, "2022-01-29"),
    ("2022-01-28", 2, "2022-01-30"),
    ("2022-01-28", 3, "2022-02-07"),
    ("2022-01-30", 1, "2022-02-07"),
    ("2022-02-02", 1, "2022-02-07"),
    // 2022 National Day: 1–7 Oct off; Sat 8 and Sun 9 Oct worked.
    ("2022-09-30", 1, "2022-10-08"),
    ("2022-09-30", 2, "2022-10-09"),
    ("2022-09-30", 3, "2022-10-10"),
    ("2022-10-04", 1, "2022-10-08"),
    // 2023 Spring Festival: 21–27 Jan off; Sat 28 and Sun 29 Jan worked.
    ("2023-01-20", 1, "2023-01-28"),
    ("2023-01-20", 3, "2023-01-30"),
    ("2023-01-24", 2, "2023-01-29"),
    // 2023 Mid-Autumn and National Day: 29 Sep–6 Oct off; Sat 7 and Sun 8 Oct worked.
    ("2023-09-28", 1, "2023-10-07"),
    ("2023-09-28", 2, "2023-10-08"),
    ("2023-09-28", 3, "2023-10-09"),
    ("2023-10-07", 1, "2023-10-08"),
    // 2024 Spring Festival: Sun 4 Feb worked; 10–17 Feb off; Sun 18 Feb worked.
    ("2024-02-09", 1, "2024-02-18"),
    ("2024-02-09", 2, "2024-02-19"),
    ("2024-02-02", 1, "2024-02-04"),
    ("2024-02-12", 1, "2024-02-18"),
    // 2024 National Day: Sun 29 Sep worked; 1–7 Oct off; Sat 12 Oct worked.
    ("2024-09-30", 1, "2024-10-08"),
    ("2024-09-30", 4, "2024-10-11"),
    ("2024-09-30", 5, "2024-10-12"),
    ("2024-09-30", 6, "2024-10-14"),
    ("2024-09-27", 1, "2024-09-29"),
    ("2024-09-27", 2, "2024-09-30"),
    // 2025 Spring Festival: Sun 26 Jan worked; 28 Jan–4 Feb off; Sat 8 Feb worked.
    ("2025-01-27", 1, "2025-02-05"),
    ("2025-01-27", 4, "2025-02-08"),
    ("2025-01-27", 5, "2025-02-10"),
    ("2025-01-24", 1, "2025-01-26"),
    ("2025-01-24", 2, "2025-01-27"),
    // 2025 National Day and Mid-Autumn: Sun 28 Sep worked; 1–8 Oct off; Sat 11 Oct worked.
    ("2025-09-30", 1, "2025-10-09"),
    ("2025-09-30", 2, "2025-10-10"),
    ("2025-09-30", 3, "2025-10-11"),
    ("2025-09-30", 4, "2025-10-13"),
    ("2025-09-26", 1, "2025-09-28"),
    // 2026 Spring Festival: Sat 14 Feb worked; 15–23 Feb off; Sat 28 Feb worked.
    ("2026-02-13", 1, "2026-02-14"),
    ("2026-02-13", 2, "2026-02-24"),
    ("2026-02-20", 1, "2026-02-24"),
    ("2026-02-20", 5, "2026-02-28"),
    ("2026-02-20", 6, "2026-03-02"),
    // 2026 Mid-Autumn (25–27 Sep off) and National Day: Sun 20 Sep worked; 1–7 Oct off;
    // Sat 10 Oct worked.
    ("2026-09-30", 2, "2026-10-09"),
    ("2026-09-30", 3, "2026-10-10"),
    ("2026-09-18", 1, "2026-09-20"),
    ("2026-09-24", 1, "2026-09-28"),
    // Year boundaries.
    ("2020-12-31", 1, "2021-01-04"), // 1–3 Jan 2021 off
    ("2022-12-30", 1, "2023-01-03"), // 31 Dec 2022 (in the 2023 notice) to 2 Jan off
    ("2023-12-29", 1, "2024-01-02"),
    ("2025-12-31", 1, "2026-01-04"), // 1–3 Jan 2026 off, Sun 4 Jan worked
    ("2025-12-31", 2, "2026-01-05"),
];

#[test]
fn working_days_around_spring_festival_and_national_day_2020_to_2026() {
    for (start, n, expected) in TABLE {
        for time in ["00:00:00", "10:00:00", "23:59:30"] {
            let start_instant = instant(&format!("{start}T{time}+08:00"));
            let due = cn().due(start_instant, Period::WorkingDays(*n), EndOf::EndOfDay);
            assert_eq!(
                local(cn(), due.at),
                format!("{expected}T23:59:59+08:00"),
                "start {start} {time}, {n} working days"
            );
            assert!(!due.provisional, "start {start}: 2020–2026 are published");
        }
    }
}

#[test]
fn the_table_covers_both_holidays_of_every_year_and_adjusted_days() {
    for year in 2020..=2026 {
        let rows: Vec<_> = TABLE
            .iter()
            .filter(|row| row.0.starts_with(&year.to_string()))
            .collect();
        assert!(
            rows.iter().any(|row| row.0.contains("-01-") || row.0.contains("-02-")),
            "{year} spring festival"
        );
        assert!(
            rows.iter().any(|row| row.0.contains("-09-") || row.0.contains("-10-")),
            "{year} national day"
        );
        // In every year some due date is a weekend day that is worked (调休).
        let weekend_due = rows
            .iter()
            .filter(|row| matches!(date(row.2).weekday(), Weekday::Sat | Weekday::Sun))
            .count();
        assert!(weekend_due > 0, "{year} has no adjusted working day in the table");
    }
}

#[test]
fn day_statuses_follow_the_notices() {
    let cases = [
        ("2020-01-19", DayStatus::Working), // adjusted Sunday
        ("2020-02-02", DayStatus::Off),     // epidemic extension
        ("2021-10-09", DayStatus::Working),
        ("2022-10-03", DayStatus::Off),
        ("2022-12-31", DayStatus::Off), // listed in the 2023 notice
        ("2023-01-29", DayStatus::Working),
        ("2024-02-18", DayStatus::Working),
        ("2025-10-08", DayStatus::Off),
        ("2026-02-28", DayStatus::Working),
        ("2026-10-11", DayStatus::Off),     // an ordinary Sunday
        ("2026-10-12", DayStatus::Working), // an ordinary Monday
    ];
    for (day, status) in cases {
        assert_eq!(cn().day_status(date(day)), status, "{day}");
    }
    assert_eq!(
        cn().exception(date("2026-10-01")).map(|day| day.name.as_str()),
        Some("国庆节")
    );
    assert_eq!(cn().exceptions().count(), 255);
}

#[test]
fn the_start_day_never_counts_whatever_kind_of_day_it_is() {
    // A working Thursday, a holiday, an adjusted working Sunday: 1 working day is always
    // the next working day after it.
    assert_eq!(cn().add_working_days(date("2026-01-08"), 1), Some(date("2026-01-09")));
    assert_eq!(cn().add_working_days(date("2026-01-01"), 1), Some(date("2026-01-04")));
    assert_eq!(cn().add_working_days(date("2026-01-04"), 1), Some(date("2026-01-05")));
    // Days: the Nth day after the local date, holidays or not.
    let due = cn().due(instant("2026-09-30T10:00:00+08:00"), Period::Days(3), EndOf::EndOfDay);
    assert_eq!(local(cn(), due.at), "2026-10-03T23:59:59+08:00");
    let due = cn().due(instant("2026-09-30T10:00:00+08:00"), Period::Days(0), EndOf::EndOfDay);
    assert_eq!(local(cn(), due.at), "2026-09-30T23:59:59+08:00");
}

#[test]
fn weeks_months_and_exact_ends_count_calendar_time() {
    let start = instant("2026-01-31T09:15:00+08:00");
    let due = cn().due(start, Period::Months(1), EndOf::EndOfDay);
    assert_eq!(local(cn(), due.at), "2026-02-28T23:59:59+08:00");
    let due = cn().due(start, Period::Weeks(8), EndOf::Exact);
    assert_eq!(local(cn(), due.at), "2026-03-28T09:15:00+08:00");
    let due = cn().due(start, Period::ClockHours(24), EndOf::Exact);
    assert_eq!(local(cn(), due.at), "2026-02-01T09:15:00+08:00");
    let due = cn().due(start, Period::Minutes(30), EndOf::EndOfDay);
    assert_eq!(local(cn(), due.at), "2026-01-31T23:59:59+08:00");
}
