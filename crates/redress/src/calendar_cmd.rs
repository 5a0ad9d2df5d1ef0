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
    if args.which == "pipeline" {
        return pipeline(args);
    }
    if args.which == "analytics" {
        return analytics(args);
    }
    anyhow::ensure!(
        args.which == "calendar",
        "unknown benchmark `{}`: try `calendar`, `pipeline` or `analytics`",
        args.which
    );
    let figures = calendar::bench::due_dates(args.n.unwrap_or(1_000_000));
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

fn analytics(args: BenchArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let figures = runtime.block_on(redress::bench::analytics(
        args.n.unwrap_or(1_000_000),
        args.postgres_url,
    ))?;
    println!(
        "analytics ({} store): {} cases generated in {:.1} s; the half-year pack of {} cases (the half's figures and the half before's count, XLSX {} B, DOCX {} B) in {:.2} s; \
         a plain GROUP BY over the same rows in {:.2} s; ratio {:.1}x; unit count mismatches {}; peak RSS {:.0} MiB (before the pack {:.0} MiB)",
        figures["store"].as_str().unwrap_or(""),
        figures["cases"],
        figures["generate_seconds"].as_f64().unwrap_or(0.0),
        figures["cases_in_half"],
        figures["xlsx_bytes"],
        figures["docx_bytes"],
        figures["half_year_pack_seconds"].as_f64().unwrap_or(0.0),
        figures["group_by_seconds"].as_f64().unwrap_or(0.0),
        figures["ratio_pack_to_group_by"].as_f64().unwrap_or(0.0),
        figures["unit_count_mismatches"],
        figures["peak_rss_mib_after_pack"].as_f64().unwrap_or(0.0),
        figures["peak_rss_mib_before_pack"].as_f64().unwrap_or(0.0),
    );
    anyhow::ensure!(
        figures["unit_count_mismatches"] == 0,
        "the pack and the GROUP BY count different cases per unit"
    );
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&figures)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn pipeline(args: BenchArgs) -> anyhow::Result<()> {
    let options = redress::bench::PipelineOptions {
        complaints: args.n.unwrap_or(2_000),
        concurrency: args.concurrency,
        nats_url: args.nats_url,
        postgres_url: args.postgres_url,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let figures = runtime.block_on(redress::bench::pipeline(options))?;
    println!(
        "pipeline ({} bus, {} stores): {} complaints, {:.0} complaints/s through all five services (p99 submission {:.1} ms); \
         raw bus {:.0} messages/s = {:.0} complaints/s at {} events each (ratio {:.2}); raw SQLite commits {:.0}/s; \
         raw PostgreSQL commits {}",
        figures["bus"].as_str().unwrap_or(""),
        figures["stores"].as_str().unwrap_or(""),
        figures["complaints"],
        figures["complaints_per_second"].as_f64().unwrap_or(0.0),
        figures["submission_latency_ms"]["p99"].as_f64().unwrap_or(0.0),
        figures["baseline_bus_messages_per_second"].as_f64().unwrap_or(0.0),
        figures["baseline_bus_complaints_per_second"].as_f64().unwrap_or(0.0),
        redress::bench::EVENTS_PER_COMPLAINT,
        figures["ratio_to_bus"].as_f64().unwrap_or(0.0),
        figures["baseline_sqlite_commits_per_second"].as_f64().unwrap_or(0.0),
        figures["baseline_postgres_commits_per_second"].as_f64().map_or_else(
            || "not measured (no --postgres-url)".to_owned(),
            |rate| format!("{rate:.0}/s")
        ),
    );
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&figures)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
