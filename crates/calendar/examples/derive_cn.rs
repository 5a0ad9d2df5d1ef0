//! Derives the shipped calendar file `data/cn.json` from the holiday-cn year files.
//!
//! ```text
//! cargo run -p calendar --example derive_cn -- /path/to/shared/data/cn-holidays > crates/calendar/data/cn.json
//! ```
//!
//! Every `YYYY.json` in the folder is loaded in year order as a notice into a fresh
//! mainland-China calendar (Asia/Shanghai, Monday–Friday, 09:00–12:00 and 13:30–18:00);
//! the notices' `papers` (the State Council notice addresses) become its `sources`.

use std::path::PathBuf;

use calendar::{BusinessHours, Calendar, WorkingWeekdays};
use chrono::Weekday;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = PathBuf::from(std::env::args().nth(1).ok_or("usage: derive_cn <cn-holidays folder>")?);
    let mut years: Vec<(i32, PathBuf)> = std::fs::read_dir(&folder)?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let year = path.file_stem()?.to_str()?.parse().ok()?;
            (path.extension()? == "json").then_some((year, path))
        })
        .collect();
    years.sort();
    let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    let mut mainland = Calendar::new(
        "cn",
        "Mainland China (State Council holiday notices)",
        chrono_tz::Asia::Shanghai,
    )
    .with_working_weekdays(WorkingWeekdays::new(&weekdays)?)
    .with_business_hours(BusinessHours::standard());
    let mut sources = Vec::new();
    for (year, path) in years {
        let json = std::fs::read_to_string(&path)?;
        mainland = mainland.with_notice(year, &json)?;
        let document: serde_json::Value = serde_json::from_str(&json)?;
        if let Some(papers) = document.get("papers").and_then(|papers| papers.as_array()) {
            sources.extend(papers.iter().filter_map(|paper| paper.as_str().map(str::to_owned)));
        }
    }
    print!("{}", mainland.with_sources(sources).to_json());
    Ok(())
}
