//! The JSON shapes calendars are loaded from: a year's notice (the holiday-cn shape of the
//! shared data files) and a whole calendar (metadata plus days in the same shape).
//!
//! The caller reads the files; this module only parses and validates their text.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::OwnSettings;
use crate::day_index::WorkingWeekdays;
use crate::{BusinessHours, Calendar, DayException, DayStatus, Error, PublishedYears};

/// One listed date, as holiday-cn writes it.
#[derive(Debug, Serialize, Deserialize)]
struct DayEntry {
    date: String,
    name: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// A year's notice: `{"year": 2027, "days": [{"date", "name", "isOffDay"}]}`; other fields
/// (`$schema`, `papers`) are ignored.
#[derive(Debug, Deserialize)]
struct NoticeFile {
    #[serde(default)]
    year: Option<i32>,
    days: Vec<DayEntry>,
}

/// A whole calendar. Only `id` and `name` are required; a root calendar also needs
/// `time_zone`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    id: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    working_weekdays: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    business_hours: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published_from: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published_through: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    days: Vec<DayEntry>,
}

/// Reads a year's notice in the shape of the shared holiday-cn files: a `days` array of
/// `{"date": "YYYY-MM-DD", "name": "...", "isOffDay": bool}`. A date not listed follows the
/// weekday rule. When the file states its `year`, it must be `year`; listed dates must lie in
/// `year - 1 ..= year + 1` (the 2023 notice lists 31 December 2022) and appear only once.
pub fn parse_notice(json: &str, year: i32) -> Result<Vec<DayException>, Error> {
    let notice: NoticeFile = serde_json::from_str(json).map_err(|source| Error::InvalidJson {
        document: "notice",
        source,
    })?;
    if let Some(stated) = notice.year
        && stated != year
    {
        return Err(Error::field("year", format!("the notice is for {stated}, not {year}")));
    }
    let days = parse_days(&notice.days)?;
    for (position, exception) in days.values().enumerate() {
        if (exception.date.year() - year).abs() > 1 {
            return Err(Error::field(
                format!("days[{position}].date"),
                format!("{} is too far from the notice's year {year}", exception.date),
            ));
        }
    }
    Ok(days.into_values().collect())
}

fn parse_days(entries: &[DayEntry]) -> Result<BTreeMap<NaiveDate, DayException>, Error> {
    let mut days = BTreeMap::new();
    for (position, entry) in entries.iter().enumerate() {
        let field = format!("days[{position}].date");
        let date = NaiveDate::parse_from_str(&entry.date, "%Y-%m-%d")
            .ok()
            .filter(|date| (1900..=2200).contains(&date.year()))
            .ok_or_else(|| {
                Error::field(
                    &field,
                    format!("`{}` is not a YYYY-MM-DD date in 1900..=2200", entry.date),
                )
            })?;
        let status = if entry.is_off_day {
            DayStatus::Off
        } else {
            DayStatus::Working
        };
        let exception = DayException {
            date,
            name: entry.name.clone(),
            status,
        };
        if days.insert(date, exception).is_some() {
            return Err(Error::field(field, format!("{date} is listed more than once")));
        }
    }
    Ok(days)
}

/// The parsed parts of a calendar file, before it is attached to a parent.
pub(crate) struct CalendarParts {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) parent_id: Option<String>,
    pub(crate) sources: Vec<String>,
    pub(crate) own: OwnSettings,
}

pub(crate) fn parse_calendar(json: &str) -> Result<CalendarParts, Error> {
    let file: CalendarFile = serde_json::from_str(json).map_err(|source| Error::InvalidJson {
        document: "calendar",
        source,
    })?;
    if file.id.trim().is_empty() {
        return Err(Error::field("id", "must not be empty"));
    }
    let time_zone = match &file.time_zone {
        Some(text) => Some(
            text.parse::<Tz>()
                .map_err(|_| Error::field("time_zone", format!("`{text}` is not an IANA time zone")))?,
        ),
        None if file.parent.is_none() => {
            return Err(Error::field("time_zone", "required for a calendar without a parent"));
        }
        None => None,
    };
    let working_weekdays = match &file.working_weekdays {
        Some(names) => Some(parse_weekdays(names)?),
        None => None,
    };
    let business_hours = match &file.business_hours {
        Some(intervals) => Some(BusinessHours::parse(intervals)?),
        None => None,
    };
    let published = match (file.published_from, file.published_through) {
        (Some(first), Some(last)) if first <= last => Some(PublishedYears { first, last }),
        (None, None) => None,
        _ => {
            return Err(Error::field(
                "published_through",
                "published_from and published_through go together, first <= last",
            ));
        }
    };
    let own = OwnSettings {
        time_zone,
        working_weekdays,
        business_hours,
        published,
        days: parse_days(&file.days)?,
    };
    Ok(CalendarParts {
        id: file.id,
        name: file.name,
        parent_id: file.parent,
        sources: file.sources,
        own,
    })
}

fn parse_weekdays(names: &[String]) -> Result<WorkingWeekdays, Error> {
    let mut weekdays = Vec::new();
    for (position, name) in names.iter().enumerate() {
        let weekday: Weekday = name.parse().map_err(|_| {
            Error::field(
                format!("working_weekdays[{position}]"),
                format!("`{name}` is not a weekday"),
            )
        })?;
        weekdays.push(weekday);
    }
    WorkingWeekdays::new(&weekdays)
}

impl Calendar {
    /// Adds the dated exceptions of a year's notice (JSON in the holiday-cn shape, see
    /// [`crate::parse_notice`]). Loading the year after the last published one extends the
    /// published years; loading an already published year corrects it date by date.
    /// Years must be loaded in order: a gap would publish a year nobody loaded.
    pub fn with_notice(mut self, year: i32, json: &str) -> Result<Calendar, Error> {
        let days = crate::parse_notice(json, year)?;
        let published = self.own.published.or(self.resolved.published);
        let extended = match published {
            None => PublishedYears {
                first: year,
                last: year,
            },
            Some(years) if year > years.last + 1 => {
                return Err(Error::field(
                    "year",
                    format!(
                        "{year} cannot be loaded before {}: calendar `{}` is published through {}",
                        years.last + 1,
                        self.id,
                        years.last
                    ),
                ));
            }
            Some(years) => PublishedYears {
                first: years.first.min(year),
                last: years.last.max(year),
            },
        };
        if published != Some(extended) {
            self.own.published = Some(extended);
        }
        for exception in days {
            self.own.days.insert(exception.date, exception);
        }
        Ok(self.reassembled())
    }

    /// Reads a whole root calendar (no `parent`) from a calendar file's contents:
    /// `id`, `name`, `time_zone` (IANA), optional `working_weekdays` (`["mon", …]`),
    /// `business_hours` (`["09:00-12:00", …]`), `published_from` / `published_through`,
    /// `sources`, and `days` in the notice shape. A calendar with a parent is loaded with
    /// [`crate::Registry::load_calendar`], which knows the parent.
    pub fn from_json(json: &str) -> Result<Calendar, Error> {
        let parts = parse_calendar(json)?;
        if let Some(parent_id) = parts.parent_id {
            return Err(Error::field(
                "parent",
                format!(
                    "calendar `{}` names parent `{parent_id}`: load it into a registry that holds the parent",
                    parts.id
                ),
            ));
        }
        Ok(Calendar::assemble(
            parts.id,
            parts.name,
            None,
            parts.sources,
            None,
            parts.own,
        ))
    }

    /// Writes this calendar's own layer (what it states itself, not what it inherits) in the
    /// shape [`Calendar::from_json`] reads.
    pub fn to_json(&self) -> String {
        let own = &self.own;
        let file = CalendarFile {
            id: self.id.clone(),
            name: self.name.clone(),
            parent: self.parent_id.clone(),
            time_zone: own.time_zone.map(|time_zone| time_zone.name().to_owned()),
            working_weekdays: own.working_weekdays.map(|weekdays| {
                weekdays
                    .weekdays()
                    .iter()
                    .map(|weekday| weekday.to_string().to_lowercase())
                    .collect()
            }),
            business_hours: own.business_hours.as_ref().map(BusinessHours::to_strings),
            published_from: own.published.map(|years| years.first),
            published_through: own.published.map(|years| years.last),
            sources: self.sources.clone(),
            days: Vec::new(),
        };
        // Serialising plain strings, numbers and vectors cannot fail.
        let header = serde_json::to_string_pretty(&file).unwrap_or_default();
        if own.days.is_empty() {
            return header;
        }
        // One day per line keeps the file short and its diffs readable.
        let days: Vec<String> = own
            .days
            .values()
            .map(|exception| {
                let entry = DayEntry {
                    date: exception.date.format("%Y-%m-%d").to_string(),
                    name: exception.name.clone(),
                    is_off_day: exception.status == DayStatus::Off,
                };
                format!("    {}", serde_json::to_string(&entry).unwrap_or_default())
            })
            .collect();
        let header = header.trim_end().trim_end_matches('}').trim_end();
        format!("{header},\n  \"days\": [\n{}\n  ]\n}}\n", days.join(",\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_may_list_the_last_day_of_the_previous_year() {
        let json = r#"{"year": 2023, "papers": ["x"], "days": [
            {"name": "元旦", "date": "2022-12-31", "isOffDay": true},
            {"name": "春节", "date": "2023-01-28", "isOffDay": false}]}"#;
        let days = parse_notice(json, 2023).expect("valid");
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].date, NaiveDate::from_ymd_opt(2022, 12, 31).expect("date"));
        assert_eq!(days[1].status, DayStatus::Working);
        let far = json.replace("2022-12-31", "2020-12-31");
        let error = parse_notice(&far, 2023).expect_err("too far");
        assert_eq!(
            error.to_string(),
            "days[0].date: 2020-12-31 is too far from the notice's year 2023"
        );
        assert!(parse_notice(json, 2024).is_err());
    }

    #[test]
    fn a_root_calendar_survives_a_round_trip_through_its_file() {
        let calendar = Calendar::new("mo", "Macau (test)", chrono_tz::Asia::Macau)
            .with_working_weekdays(WorkingWeekdays::new(&[Weekday::Mon, Weekday::Tue]).expect("valid"))
            .with_closure(NaiveDate::from_ymd_opt(2026, 9, 1).expect("date"), "typhoon (test)")
            .with_published_years(2026, 2026)
            .expect("valid");
        let json = calendar.to_json();
        let back = Calendar::from_json(&json).expect("valid");
        assert_eq!(back.to_json(), json);
        assert_eq!(back.time_zone(), chrono_tz::Asia::Macau);
        assert_eq!(back.working_weekdays().weekdays(), vec![Weekday::Mon, Weekday::Tue]);
        assert_eq!(
            back.published_years(),
            Some(PublishedYears {
                first: 2026,
                last: 2026
            })
        );
        assert!(json.contains(r#"{"date":"2026-09-01","name":"typhoon (test)","isOffDay":true}"#));
    }

    #[test]
    fn calendar_files_are_validated_field_by_field() {
        let refusal = |json: &str| Calendar::from_json(json).expect_err("invalid").to_string();
        let base = r#""id": "x", "name": "X", "time_zone": "Asia/Shanghai""#;
        assert_eq!(
            refusal(&format!(r#"{{{base}, "working_weekdays": ["mon", "funday"]}}"#)),
            "working_weekdays[1]: `funday` is not a weekday"
        );
        assert_eq!(
            refusal(&format!(r#"{{{base}, "published_from": 2026}}"#)),
            "published_through: published_from and published_through go together, first <= last"
        );
        assert_eq!(
            refusal(&format!(r#"{{{base}, "business_hours": ["18:00-09:00"]}}"#)),
            "business_hours[0]: must open before it closes, by 24:00"
        );
        assert_eq!(
            refusal(r#"{"id": " ", "name": "X", "time_zone": "UTC"}"#),
            "id: must not be empty"
        );
    }
}
