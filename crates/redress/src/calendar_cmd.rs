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
    let registry = calendar::Registry::builtin();
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
    println!("{figures:#?}");
    if let Some(path) = args.json {
        let json = serde_json::json!({ "benchmark": "calendar", "n": args.n, "figures": format!("{figures:?}") });
        std::fs::write(&path, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
