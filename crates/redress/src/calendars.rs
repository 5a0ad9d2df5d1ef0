//! Calendars of a data directory: the shipped ones plus the notices an administrator loaded
//! (`<data-dir>/calendars/<calendar>-<year>.json`, in the State Council notice shape).
//!
//! A notice is checked by loading it on top of everything already there before it is kept, so
//! a bad file never stops the next start. Loaded at every start; investigation then recomputes
//! the provisional deadlines of open cases.

use std::path::{Path, PathBuf};

use anyhow::Context;

fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("calendars")
}

/// The notices kept in a data directory, as (calendar id, year, path), in year order.
fn notices(data_dir: &Path) -> anyhow::Result<Vec<(String, i32, PathBuf)>> {
    let dir = folder(data_dir);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let Some((id, year)) = stem.rsplit_once('-') else {
            continue;
        };
        let Ok(year) = year.parse::<i32>() else { continue };
        if path.extension().is_some_and(|e| e == "json") {
            found.push((id.to_owned(), year, path));
        }
    }
    found.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    Ok(found)
}

/// The shipped calendars with every notice of the data directory applied.
pub fn load(data_dir: &Path) -> anyhow::Result<calendar::Registry> {
    let mut registry = calendar::Registry::builtin();
    for (id, year, path) in notices(data_dir)? {
        let json = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        registry
            .load_notice(&id, year, &json)
            .with_context(|| format!("loading the notice {}", path.display()))?;
    }
    Ok(registry)
}

/// Checks a notice against the data directory's calendars and keeps it there.
pub fn install_notice(data_dir: &Path, calendar_id: &str, year: i32, json: &str) -> anyhow::Result<PathBuf> {
    let mut registry = load(data_dir)?;
    registry
        .load_notice(calendar_id, year, json)
        .with_context(|| format!("the {year} notice for `{calendar_id}`"))?;
    let dir = folder(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{calendar_id}-{year}.json"));
    let temporary = dir.join(format!(".{calendar_id}-{year}.json.partial"));
    std::fs::write(&temporary, json).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &path).with_context(|| format!("keeping {}", path.display()))?;
    Ok(path)
}
