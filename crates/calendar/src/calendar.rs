//! [`Calendar`]: which days are working days, in which time zone, with which business hours,
//! and through which year that is officially known.
//!
//! A calendar is built in layers. A root calendar (the mainland's `cn`) states everything
//! itself. A child calendar (a province, an organisation unit) names a parent and states only
//! what differs: its own dated exceptions override the parent's on the same date, and any
//! setting it leaves out (time zone, working weekdays, business hours) is the parent's. Its
//! published years are those both it and its parent cover. The [`crate::Registry`] keeps
//! children in step when a parent changes.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use crate::day_index::{DayIndex, WorkingWeekdays};
use crate::{BusinessHours, Error};

/// Whether a date is worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DayStatus {
    /// A working day.
    Working,
    /// A day off: weekend, public holiday, provincial holiday, one-off closure.
    Off,
}

/// A date whose status differs from (or confirms) the weekday rule: a public holiday, an
/// adjusted working Saturday or Sunday (调休), a provincial holiday, a typhoon closure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayException {
    /// The local date.
    pub date: NaiveDate,
    /// What it is, as the notice names it (`国庆节`, `typhoon signal 8`).
    pub name: String,
    /// Working or off.
    pub status: DayStatus,
}

/// The years for which a calendar's exceptions are officially published, both included.
/// Dates outside them follow the plain weekday rule and make results provisional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublishedYears {
    /// The first published year.
    pub first: i32,
    /// The last published year.
    pub last: i32,
}

impl PublishedYears {
    /// True when the date's year is published.
    pub fn contains(&self, date: NaiveDate) -> bool {
        (self.first..=self.last).contains(&date.year())
    }

    fn intersect(self, other: PublishedYears) -> Option<PublishedYears> {
        let years = PublishedYears {
            first: self.first.max(other.first),
            last: self.last.min(other.last),
        };
        (years.first <= years.last).then_some(years)
    }
}

/// A working calendar. Cheap to query; rebuilt (a few thousand days) whenever it changes.
#[derive(Clone, Debug)]
pub struct Calendar {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) parent_id: Option<String>,
    pub(crate) sources: Vec<String>,
    /// The parent's resolved settings, for a child calendar.
    pub(crate) inherited: Option<Box<Settings>>,
    /// What this calendar states itself.
    pub(crate) own: OwnSettings,
    /// Inherited and own settings merged, with the day index over them.
    pub(crate) resolved: Settings,
    pub(crate) index: DayIndex,
}

/// Settings a calendar may state or leave to its parent.
#[derive(Clone, Debug, Default)]
pub(crate) struct OwnSettings {
    pub(crate) time_zone: Option<Tz>,
    pub(crate) working_weekdays: Option<WorkingWeekdays>,
    pub(crate) business_hours: Option<BusinessHours>,
    pub(crate) published: Option<PublishedYears>,
    pub(crate) days: BTreeMap<NaiveDate, DayException>,
}

/// Fully resolved settings.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) time_zone: Tz,
    pub(crate) working_weekdays: WorkingWeekdays,
    pub(crate) business_hours: BusinessHours,
    pub(crate) published: Option<PublishedYears>,
    pub(crate) days: BTreeMap<NaiveDate, DayException>,
}

impl Calendar {
    /// A root calendar in the given IANA time zone: Monday–Friday working, standard business
    /// hours ([`BusinessHours::standard`]), no exceptions and no published years yet.
    pub fn new(id: impl Into<String>, name: impl Into<String>, time_zone: Tz) -> Calendar {
        let own = OwnSettings {
            time_zone: Some(time_zone),
            ..OwnSettings::default()
        };
        Calendar::assemble(id.into(), name.into(), None, Vec::new(), None, own)
    }

    /// A child of `parent` that so far states nothing of its own. Insert it into a
    /// [`crate::Registry`] holding the parent to keep it in step with later notices.
    pub fn child_of(parent: &Calendar, id: impl Into<String>, name: impl Into<String>) -> Calendar {
        Calendar::assemble(
            id.into(),
            name.into(),
            Some(parent.id.clone()),
            Vec::new(),
            Some(Box::new(parent.resolved.clone())),
            OwnSettings::default(),
        )
    }

    pub(crate) fn assemble(
        id: String,
        name: String,
        parent_id: Option<String>,
        sources: Vec<String>,
        inherited: Option<Box<Settings>>,
        own: OwnSettings,
    ) -> Calendar {
        let (resolved, index) = resolve(inherited.as_deref(), &own);
        Calendar {
            id,
            name,
            parent_id,
            sources,
            inherited,
            own,
            resolved,
            index,
        }
    }

    pub(crate) fn reassembled(self) -> Calendar {
        Calendar::assemble(
            self.id,
            self.name,
            self.parent_id,
            self.sources,
            self.inherited,
            self.own,
        )
    }

    /// Re-resolves against a (changed) parent.
    pub(crate) fn rebase(self, parent: &Calendar) -> Calendar {
        Calendar {
            inherited: Some(Box::new(parent.resolved.clone())),
            ..self
        }
        .reassembled()
    }

    /// Adds or replaces this calendar's own exception on a date; it overrides the parent's.
    pub fn with_day(mut self, exception: DayException) -> Calendar {
        self.own.days.insert(exception.date, exception);
        self.reassembled()
    }

    /// Adds or replaces several own exceptions.
    pub fn with_days(mut self, exceptions: impl IntoIterator<Item = DayException>) -> Calendar {
        for exception in exceptions {
            self.own.days.insert(exception.date, exception);
        }
        self.reassembled()
    }

    /// Marks a date as closed (typhoon, lockdown, a provincial holiday).
    pub fn with_closure(self, date: NaiveDate, name: impl Into<String>) -> Calendar {
        self.with_day(DayException {
            date,
            name: name.into(),
            status: DayStatus::Off,
        })
    }

    /// Sets where the calendar's data comes from (notice addresses).
    pub fn with_sources(mut self, sources: Vec<String>) -> Calendar {
        self.sources = sources;
        self
    }

    /// Sets the time zone, overriding the parent's.
    pub fn with_time_zone(mut self, time_zone: Tz) -> Calendar {
        self.own.time_zone = Some(time_zone);
        self.reassembled()
    }

    /// Sets the business hours, overriding the parent's.
    pub fn with_business_hours(mut self, business_hours: BusinessHours) -> Calendar {
        self.own.business_hours = Some(business_hours);
        self.reassembled()
    }

    /// Sets the weekdays worked under the plain rule, overriding the parent's.
    pub fn with_working_weekdays(mut self, working_weekdays: WorkingWeekdays) -> Calendar {
        self.own.working_weekdays = Some(working_weekdays);
        self.reassembled()
    }

    /// Sets the years this calendar's own data covers (limited by the parent's, if any).
    pub fn with_published_years(mut self, first: i32, last: i32) -> Result<Calendar, Error> {
        if first > last {
            return Err(Error::field("published_from", "must not be after published_through"));
        }
        self.own.published = Some(PublishedYears { first, last });
        Ok(self.reassembled())
    }

    /// The calendar's id (`cn`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its human name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The id of the calendar it inherits from, if any.
    pub fn parent_id(&self) -> Option<&str> {
        self.parent_id.as_deref()
    }

    /// Where its data comes from (notice addresses), as the calendar file lists them.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The IANA time zone its local dates are in.
    pub fn time_zone(&self) -> Tz {
        self.resolved.time_zone
    }

    /// The weekdays worked under the plain rule.
    pub fn working_weekdays(&self) -> WorkingWeekdays {
        self.resolved.working_weekdays
    }

    /// The business hours of its working days.
    pub fn business_hours(&self) -> &BusinessHours {
        &self.resolved.business_hours
    }

    /// The published years, or `None` when nothing is published (every result provisional).
    pub fn published_years(&self) -> Option<PublishedYears> {
        self.resolved.published
    }

    /// True when the date's status is officially known.
    pub fn is_published(&self, date: NaiveDate) -> bool {
        self.resolved.published.is_some_and(|years| years.contains(date))
    }

    /// Every effective dated exception (inherited and own), in date order.
    pub fn exceptions(&self) -> impl Iterator<Item = &DayException> {
        self.resolved.days.values()
    }

    /// The effective exception on a date, if any.
    pub fn exception(&self, date: NaiveDate) -> Option<&DayException> {
        self.resolved.days.get(&date)
    }

    /// Whether a date is worked.
    pub fn day_status(&self, date: NaiveDate) -> DayStatus {
        if self.index.is_working(date) {
            DayStatus::Working
        } else {
            DayStatus::Off
        }
    }

    /// True when the date is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.index.is_working(date)
    }

    /// The `n`th working day after `date` (not counting `date`); `date` itself when `n` is 0.
    /// `None` only past the last representable date.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        self.index.add_working_days(date, u64::from(n))
    }

    /// Working days in `(after, until]`: how many working days `until` lies after `after`
    /// (negative when `until` is before `after`).
    pub fn working_days_after(&self, after: NaiveDate, until: NaiveDate) -> i64 {
        self.index.working_days_after(after, until)
    }
}

/// Merges the inherited settings with the calendar's own and builds the day index.
fn resolve(inherited: Option<&Settings>, own: &OwnSettings) -> (Settings, DayIndex) {
    let (mut settings, published) = match inherited {
        Some(parent) => {
            let published = match (parent.published, own.published) {
                (Some(parents), Some(owns)) => parents.intersect(owns),
                (parents, None) => parents,
                (None, Some(_)) => None,
            };
            (parent.clone(), published)
        }
        None => {
            let settings = Settings {
                // A root calendar always states its time zone (see the constructors).
                time_zone: own.time_zone.unwrap_or(chrono_tz::UTC),
                working_weekdays: WorkingWeekdays::MONDAY_TO_FRIDAY,
                business_hours: BusinessHours::standard(),
                published: None,
                days: BTreeMap::new(),
            };
            (settings, own.published)
        }
    };
    settings.published = published;
    if let Some(time_zone) = own.time_zone {
        settings.time_zone = time_zone;
    }
    if let Some(working_weekdays) = own.working_weekdays {
        settings.working_weekdays = working_weekdays;
    }
    if let Some(business_hours) = &own.business_hours {
        settings.business_hours = business_hours.clone();
    }
    for (date, exception) in &own.days {
        settings.days.insert(*date, exception.clone());
    }
    let index = build_index(&settings);
    (settings, index)
}

fn build_index(settings: &Settings) -> DayIndex {
    let exception_years = settings.days.keys().map(|date| date.year());
    let published_years = settings
        .published
        .into_iter()
        .flat_map(|years| [years.first, years.last]);
    let years: Vec<i32> = exception_years.chain(published_years).collect();
    let first_year = years.iter().min().copied();
    let last_year = years.iter().max().copied();
    let bounds = first_year.zip(last_year).and_then(|(first_year, last_year)| {
        Some((
            NaiveDate::from_ymd_opt(first_year, 1, 1)?,
            NaiveDate::from_ymd_opt(last_year, 12, 31)?,
        ))
    });
    match bounds {
        Some((first, last)) => DayIndex::build(first, last, settings.working_weekdays, &settings.days),
        None => DayIndex::build(
            NaiveDate::MIN,
            NaiveDate::MIN,
            settings.working_weekdays,
            &settings.days,
        ),
    }
}
