//! Calendars of a data directory: the shipped ones, whole calendars an administrator loaded
//! (another region such as Hong Kong or Macau, or a province that inherits the mainland's:
//! `<data-dir>/calendars/<id>.json`), and next years' notices
//! (`<data-dir>/calendars/<calendar>-<year>.json`, in the State Council notice shape).
//!
//! Each file is checked by loading it on top of everything already there before it is kept, so
//! a bad file never stops the next start. Loaded at every start; investigation then recomputes
//! the provisional deadlines of open cases.

use std::path::{Path, PathBuf};

use anyhow::Context;

fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("calendars")
}

/// A notice's file name names its year: `<calendar>-<year>`.
fn notice_name(stem: &str) -> Option<(&str, i32)> {
    let (id, year) = stem.rsplit_once('-')?;
    Some((id, year.parse().ok()?))
}

/// What the data directory keeps: whole calendars (by file name) and notices as (calendar id,
/// year, path) in year order.
type Kept = (Vec<PathBuf>, Vec<(String, i32, PathBuf)>);

fn kept(data_dir: &Path) -> anyhow::Result<Kept> {
    let dir = folder(data_dir);
    let (mut calendars, mut notices) = (Vec::new(), Vec::new());
    if !dir.exists() {
        return Ok((calendars, notices));
    }
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "json") || stem.starts_with('.') {
            continue;
        }
        match notice_name(stem) {
            Some((id, year)) => notices.push((id.to_owned(), year, path)),
            None => calendars.push(path),
        }
    }
    calendars.sort();
    notices.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    Ok((calendars, notices))
}

/// The shipped calendars with every kept calendar and notice of the data directory applied.
pub fn load(data_dir: &Path) -> anyhow::Result<calendar::Registry> {
    let mut registry = calendar::Registry::builtin();
    let (calendars, notices) = kept(data_dir)?;
    let mut pending = Vec::with_capacity(calendars.len());
    for path in calendars {
        let json = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        pending.push((path, json));
    }
    // A calendar may inherit from another kept one: load until nothing more loads.
    while !pending.is_empty() {
        let before = pending.len();
        let mut failed = Vec::new();
        for (path, json) in pending {
            if let Err(error) = registry.load_calendar(&json) {
                failed.push((path, json, error));
            }
        }
        if let Some((path, _, error)) = failed.first()
            && failed.len() == before
        {
            anyhow::bail!("loading the calendar {}: {error}", path.display());
        }
        pending = failed.into_iter().map(|(path, json, _)| (path, json)).collect();
    }
    for (id, year, path) in notices {
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
    keep(data_dir, &format!("{calendar_id}-{year}"), json)
}

/// Checks a whole calendar (its `id` must not end in `-<year>`, which names a notice) against
/// the data directory's calendars and keeps it there.
pub fn install_calendar(data_dir: &Path, json: &str) -> anyhow::Result<(String, PathBuf)> {
    let value: serde_json::Value = serde_json::from_str(json).context("the calendar file is not JSON")?;
    let id = value["id"].as_str().context("id: a calendar needs an id")?.to_owned();
    let valid = !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && notice_name(&id).is_none();
    anyhow::ensure!(
        valid,
        "id: `{id}` must be lowercase letters, digits and hyphens, not ending in -<year>"
    );
    let mut registry = load(data_dir)?;
    registry
        .load_calendar(json)
        .with_context(|| format!("the calendar `{id}`"))?;
    let path = keep(data_dir, &id, json)?;
    Ok((id, path))
}

fn keep(data_dir: &Path, name: &str, json: &str) -> anyhow::Result<PathBuf> {
    let dir = folder(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{name}.json"));
    let temporary = dir.join(format!(".{name}.json.partial"));
    std::fs::write(&temporary, json).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &path).with_context(|| format!("keeping {}", path.display()))?;
    Ok(path)
}
