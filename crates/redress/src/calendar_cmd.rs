//! `redress calendar due` and `redress bench calendar`: thin shells over the calendar crate.

use anyhow::Context;

use crate::cli::{BenchArgs, DueArgs};

/// Prints one line: the due instant.
pub fn due(args: DueArgs) -> anyhow::Result<()> {
    let spec = match (args.working_days, args.days, args.business_hours, args.preset) {
        (Some(n), _, _, _) => calendar::DueSpec::WorkingDays(n),
        (_, Some(n), _, _) => calendar::DueSpec::Days(n),
        (_, _, Some(n), _) => calendar::DueSpec::BusinessHours(n),
        (_, _, _, Some(name)) => calendar::DueSpec::Preset(name),
        _ => {
            anyhow::bail!("one of --working-days, --days, --business-hours or --preset is required")
        }
    };
    let registry = redress::calendars::load(&args.data_dir)?;
    let line = calendar::due_line(&registry, &args.calendar, &args.start, spec)?;
    println!("{line}");
    Ok(())
}

/// Runs a benchmark and prints its figures.
pub fn bench(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.which == "calendar",
        "unknown benchmark `{}`: try `calendar`",
        args.which
    );
    let figures = calendar::bench::due_dates(args.n);
    println!(
        "calendar due dates: {} cases; real {:.0}/s; day-by-day baseline {:.0}/s; ratio {:.1}x; mismatches {}",
        figures.n_cases, figures.real_per_second, figures.naive_per_second, figures.speedup, figures.n_mismatches
    );
    anyhow::ensure!(
        figures.n_mismatches == 0,
        "the fast and the day-by-day computations disagree"
    );
    if let Some(path) = args.json {
        std::fs::write(&path, figures.to_json()).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
