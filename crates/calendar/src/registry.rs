//! [`Registry`]: the calendars of a deployment by id, with the shipped mainland-China
//! calendar, parents kept in step with their children.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::calendar_file::parse_calendar;
use crate::{Calendar, Error};

/// The shipped calendar file: mainland China 2020–2026, derived from the State Council
/// notices (see `data/README.md`).
const MAINLAND_CHINA_JSON: &str = include_str!("../data/cn.json");

/// The id of the shipped mainland-China calendar.
pub const MAINLAND_CHINA_ID: &str = "cn";

/// Calendars by id. A child calendar is stored resolved against its parent; loading a notice
/// into a parent re-resolves every descendant.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    calendars: BTreeMap<String, Calendar>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// A registry holding the shipped calendars: `cn`, mainland China.
    ///
    /// # Panics
    ///
    /// Never in a released build: the embedded calendar file is checked by the crate's tests.
    pub fn builtin() -> Registry {
        let mut registry = Registry::new();
        registry
            .calendars
            .insert(MAINLAND_CHINA_ID.to_owned(), mainland_china().clone());
        registry
    }

    /// The calendar with this id.
    pub fn get(&self, id: &str) -> Result<&Calendar, Error> {
        self.calendars
            .get(id)
            .ok_or_else(|| Error::UnknownCalendar { id: id.to_owned() })
    }

    /// The ids of all calendars, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.calendars.keys().map(String::as_str)
    }

    /// Adds a calendar or replaces the one with the same id. A child is resolved against its
    /// parent, which must already be registered; descendants of a replaced calendar are
    /// re-resolved.
    pub fn insert(&mut self, calendar: Calendar) -> Result<(), Error> {
        let calendar = match calendar.parent_id.clone() {
            Some(parent_id) => {
                let parent = self.get(&parent_id)?;
                self.refuse_cycle(&calendar.id, &parent_id)?;
                calendar.rebase(parent)
            }
            None => calendar,
        };
        let id = calendar.id.clone();
        self.calendars.insert(id.clone(), calendar);
        self.refresh_descendants(&id);
        Ok(())
    }

    /// Reads a whole calendar from a calendar file's contents (see [`Calendar::from_json`];
    /// here it may name a registered `parent`) and inserts it.
    pub fn load_calendar(&mut self, json: &str) -> Result<(), Error> {
        let parts = parse_calendar(json)?;
        let inherited = match &parts.parent_id {
            Some(parent_id) => Some(Box::new(self.get(parent_id)?.resolved.clone())),
            None => None,
        };
        let calendar = Calendar::assemble(
            parts.id,
            parts.name,
            parts.parent_id,
            parts.sources,
            inherited,
            parts.own,
        );
        self.insert(calendar)
    }

    /// Loads a year's notice (the holiday-cn JSON shape) into a calendar, then re-resolves
    /// its descendants. Results computed before may change and stop being provisional.
    pub fn load_notice(&mut self, calendar_id: &str, year: i32, json: &str) -> Result<(), Error> {
        let calendar = self.get(calendar_id)?.clone().with_notice(year, json)?;
        self.calendars.insert(calendar_id.to_owned(), calendar);
        self.refresh_descendants(calendar_id);
        Ok(())
    }

    fn refuse_cycle(&self, id: &str, parent_id: &str) -> Result<(), Error> {
        let mut ancestor = Some(parent_id);
        while let Some(current) = ancestor {
            if current == id {
                return Err(Error::CalendarCycle {
                    id: id.to_owned(),
                    parent_id: parent_id.to_owned(),
                });
            }
            ancestor = self.calendars.get(current).and_then(Calendar::parent_id);
        }
        Ok(())
    }

    fn refresh_descendants(&mut self, id: &str) {
        let mut changed = vec![id.to_owned()];
        while let Some(parent_id) = changed.pop() {
            let children: Vec<String> = self
                .calendars
                .values()
                .filter(|calendar| calendar.parent_id() == Some(parent_id.as_str()))
                .map(|calendar| calendar.id.clone())
                .collect();
            for child_id in children {
                let (Some(parent), Some(child)) = (self.calendars.get(&parent_id), self.calendars.get(&child_id))
                else {
                    continue;
                };
                let rebased = child.clone().rebase(parent);
                self.calendars.insert(child_id.clone(), rebased);
                changed.push(child_id);
            }
        }
    }
}

/// The shipped mainland-China calendar, parsed once.
///
/// # Panics
///
/// If the embedded `data/cn.json` is invalid, which the crate's tests rule out.
pub fn mainland_china() -> &'static Calendar {
    static PARSED: OnceLock<Calendar> = OnceLock::new();
    PARSED.get_or_init(|| {
        Calendar::from_json(MAINLAND_CHINA_JSON).expect("the embedded data/cn.json is a valid calendar file")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BusinessHours, PublishedYears};

    #[test]
    fn the_builtin_registry_holds_the_mainland_calendar_2020_to_2026() {
        let registry = Registry::builtin();
        let mainland = registry.get(MAINLAND_CHINA_ID).expect("cn");
        assert_eq!(mainland.time_zone(), chrono_tz::Asia::Shanghai);
        assert_eq!(
            mainland.published_years(),
            Some(PublishedYears {
                first: 2020,
                last: 2026
            })
        );
        assert_eq!(mainland.business_hours(), &BusinessHours::standard());
        assert_eq!(mainland.sources().len(), 8);
        assert_eq!(registry.ids().collect::<Vec<_>>(), vec!["cn"]);
        assert!(Registry::new().get("cn").is_err());
    }

    #[test]
    fn replacing_a_parent_re_resolves_its_children() {
        let mut registry = Registry::builtin();
        let child = Calendar::child_of(mainland_china(), "unit", "Unit");
        registry.insert(child).expect("valid");
        let replaced = mainland_china().clone().with_time_zone(chrono_tz::Asia::Urumqi);
        registry.insert(replaced).expect("valid");
        assert_eq!(registry.get("unit").expect("unit").time_zone(), chrono_tz::Asia::Urumqi);
    }
}
