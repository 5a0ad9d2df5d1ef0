//! The organisation directory, pure (decisions 0003 and 0004): units in one tree per tenant with
//! tags, settings inherited down the tree, staff with roles and a manager, and duty rosters.
//! Routing publishes it (and decides with it); investigation keeps a copy of each tenant's
//! published directory to know whom a deadline's alerts go to. Shared by both so neither service
//! depends on the other. It must never depend on an async runtime, a store or a transport.
//!
//! Start with [`OrgDocument`] (the document as published) and [`OrgDocument::build`]: [`Org::new`]
//! checks a whole directory (unknown parents, cycles, a second root, malformed ids and tags) and
//! names the field and the rule of the first problem. Every question asked of the organisation is
//! a method of [`Org`]: [`Org::resolve`] (settings after inheritance), [`Org::line`] (the
//! management line), [`Org::with_tag`], [`Org::on_duty`], [`Org::chain`] (a member's managers going
//! up) and [`Org::heads`] (who answers for a unit).

mod casework;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

pub use casework::{AuthorityRule, CaseworkRules, LEVELS, PercentRange};

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Group,
    Division,
    Region,
    Store,
    Branch,
    SubBranch,
    Department,
    Queue,
}

/// Settings a unit may set; unset ones are inherited from the nearest ancestor that sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// A calendar id (`cn`, `hk`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// An SLA preset name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Business hours `HH:MM-HH:MM` on working days of the calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<String>,
    /// Hours a unit has to take or return a dispatched case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take_within_hours: Option<u32>,
}

/// A unit as administered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub id: String,
    pub kind: UnitKind,
    /// `None` only for the root (the group or head office).
    #[serde(default)]
    pub parent: Option<String>,
    /// Names in zh-CN and en.
    pub name_zh: String,
    pub name_en: String,
    /// `key:value` tags (`brand:byd`, `region:south`, `role:legal`).
    #[serde(default)]
    pub tags: BTreeSet<String>,
    /// 6-digit administrative division codes (or their 2- and 4-digit prefixes) it covers.
    #[serde(default)]
    pub division_codes: BTreeSet<String>,
    #[serde(default)]
    pub settings: Settings,
}

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub id: String,
    pub unit: String,
    pub display_name: String,
    /// `handler`, `crm_manager`, `duty_supervisor`, `general_manager`, `legal`, `approver:<level>` …
    #[serde(default)]
    pub roles: BTreeSet<String>,
    #[serde(default)]
    pub manager: Option<String>,
    /// Their accounts in the organisation's work apps, where notices reach them in person.
    #[serde(default, skip_serializing_if = "StaffApps::is_empty")]
    pub apps: StaffApps,
}

/// A member of staff's user ids in the work apps (WeCom 企业微信, DingTalk 钉钉).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffApps {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wecom: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dingtalk: Option<String>,
}

impl StaffApps {
    pub fn is_empty(&self) -> bool {
        self.wecom.is_none() && self.dingtalk.is_none()
    }
}

/// Whether `text` can be a work app's user id: 1–64 characters of letters, digits, `-`, `_`,
/// `.` and `@` (WeCom's userid and DingTalk's userId rules).
fn is_app_user(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
}

/// One shift of a roster: a weekly pattern (`weekday` set) or a dated one (`date` set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    pub unit: String,
    pub staff: String,
    /// `mon` … `sun` for a weekly shift.
    #[serde(default)]
    pub weekday: Option<String>,
    /// `YYYY-MM-DD` for a dated shift, which takes precedence over the weekly pattern that day.
    #[serde(default)]
    pub date: Option<String>,
    /// `HH:MM`, local time of the unit's calendar; `to` before `from` runs past midnight.
    pub from: String,
    pub to: String,
}

/// The tenant's defaults, which the root inherits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Defaults {
    pub calendar: String,
    pub policy: String,
    pub business_hours: String,
    pub take_within_hours: u32,
    /// How the organisation runs its casework: callbacks, reopens, the authority matrix.
    pub casework: CaseworkRules,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            calendar: "cn".into(),
            policy: "service_commitment".into(),
            business_hours: "09:00-18:00".into(),
            take_within_hours: 24,
            casework: CaseworkRules::default(),
        }
    }
}

/// An organisation as published: the document routing versions and `Org::new` checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDocument {
    #[serde(default)]
    pub defaults: Defaults,
    pub units: Vec<Unit>,
    #[serde(default)]
    pub staff: Vec<Staff>,
    #[serde(default)]
    pub shifts: Vec<Shift>,
}

impl OrgDocument {
    /// Checks the document and builds the directory.
    pub fn build(self) -> Result<Org, Invalid> {
        Org::new(self.defaults, self.units, self.staff, self.shifts)
    }

    /// The directory of a tenant that has published none: head office alone, with whatever unit
    /// a submission named accepted beneath it (so a newcomer's cases go where they say).
    pub fn provisional(named: Option<&str>) -> Self {
        let unit = |id: &str, kind: UnitKind, parent: Option<&str>| Unit {
            id: id.to_owned(),
            kind,
            parent: parent.map(str::to_owned),
            name_zh: id.to_owned(),
            name_en: id.to_owned(),
            tags: BTreeSet::new(),
            division_codes: BTreeSet::new(),
            settings: Settings::default(),
        };
        let mut units = vec![unit(HEAD_OFFICE, UnitKind::Group, None)];
        if let Some(named) = named.filter(|n| is_id(n) && *n != HEAD_OFFICE) {
            units.push(unit(named, UnitKind::Store, Some(HEAD_OFFICE)));
        }
        Self {
            units,
            ..Self::default()
        }
    }
}

/// The root of a provisional directory.
pub const HEAD_OFFICE: &str = "hq";

/// A unit's settings after inheritance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub calendar: String,
    pub policy: String,
    pub business_hours: String,
    pub take_within_hours: u32,
}

/// A directory that does not hold together: the field and the rule it breaks (one type for every
/// document routing checks: the directory, the catalog and the rule set).
pub use catalog::Invalid;

pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        rule: rule.into(),
    }
}

/// A checked directory.
#[derive(Debug, Clone)]
pub struct Org {
    defaults: Defaults,
    units: BTreeMap<String, Unit>,
    staff: BTreeMap<String, Staff>,
    shifts: Vec<Shift>,
    root: String,
}

pub(crate) fn is_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !id.starts_with('-')
}

fn hhmm(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

fn hours(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (from, to) = text.split_once('-')?;
    let (from, to) = (hhmm(from)?, hhmm(to)?);
    (from < to).then_some((from, to))
}

fn weekday(text: &str) -> Option<Weekday> {
    Some(match text {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

impl Org {
    /// Checks and builds a directory.
    pub fn new(defaults: Defaults, units: Vec<Unit>, staff: Vec<Staff>, shifts: Vec<Shift>) -> Result<Self, Invalid> {
        defaults.casework.check()?;
        let mut by_id = BTreeMap::new();
        for (n, unit) in units.into_iter().enumerate() {
            let field = |name: &str| format!("units[{n}].{name}");
            if !is_id(&unit.id) {
                return Err(invalid(field("id"), "1–64 characters of a–z, 0–9, '-' and '_'"));
            }
            if unit.name_zh.trim().is_empty() || unit.name_en.trim().is_empty() {
                return Err(invalid(field("name_zh"), "a unit is named in zh-CN and en"));
            }
            if let Some(tag) = unit
                .tags
                .iter()
                .find(|t| t.split_once(':').is_none_or(|(k, v)| k.is_empty() || v.is_empty()))
            {
                return Err(invalid(field("tags"), format!("`{tag}` is not `key:value`")));
            }
            if let Some(code) = unit
                .division_codes
                .iter()
                .find(|c| !matches!(c.len(), 2 | 4 | 6) || !c.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(invalid(
                    field("division_codes"),
                    format!("`{code}` is not a 2-, 4- or 6-digit division code"),
                ));
            }
            if unit
                .settings
                .business_hours
                .as_deref()
                .is_some_and(|h| hours(h).is_none())
            {
                return Err(invalid(
                    field("settings.business_hours"),
                    "`HH:MM-HH:MM` with the start first",
                ));
            }
            if unit.settings.take_within_hours == Some(0) {
                return Err(invalid(field("settings.take_within_hours"), "at least 1"));
            }
            let id = unit.id.clone();
            if by_id.insert(id.clone(), unit).is_some() {
                return Err(invalid(field("id"), format!("`{id}` is used twice")));
            }
        }
        let roots: Vec<&String> = by_id.values().filter(|u| u.parent.is_none()).map(|u| &u.id).collect();
        let root = match roots.as_slice() {
            [root] => (*root).clone(),
            [] => return Err(invalid("units", "one unit has no parent (the group or head office)")),
            more => {
                return Err(invalid(
                    "units",
                    format!("only one unit may lack a parent; found {}", more.len()),
                ));
            }
        };
        for unit in by_id.values() {
            if let Some(parent) = &unit.parent
                && !by_id.contains_key(parent)
            {
                return Err(invalid(
                    format!("units[{}].parent", unit.id),
                    format!("no unit `{parent}`"),
                ));
            }
            // Walking up must reach the root within the number of units, or there is a cycle.
            let mut at = unit;
            for _ in 0..=by_id.len() {
                match &at.parent {
                    Some(parent) => at = &by_id[parent],
                    None => break,
                }
            }
            if at.parent.is_some() {
                return Err(invalid(
                    format!("units[{}].parent", unit.id),
                    "the parents form a cycle",
                ));
            }
        }
        let mut staff_by_id = BTreeMap::new();
        for (n, member) in staff.into_iter().enumerate() {
            if !is_id(&member.id) {
                return Err(invalid(
                    format!("staff[{n}].id"),
                    "1–64 characters of a–z, 0–9, '-' and '_'",
                ));
            }
            if !by_id.contains_key(&member.unit) {
                return Err(invalid(
                    format!("staff[{n}].unit"),
                    format!("no unit `{}`", member.unit),
                ));
            }
            for (app, user) in [("wecom", &member.apps.wecom), ("dingtalk", &member.apps.dingtalk)] {
                if let Some(user) = user
                    && !is_app_user(user)
                {
                    return Err(invalid(
                        format!("staff[{n}].apps.{app}"),
                        "1–64 characters of letters, digits, '-', '_', '.' and '@'",
                    ));
                }
            }
            let id = member.id.clone();
            if staff_by_id.insert(id.clone(), member).is_some() {
                return Err(invalid(format!("staff[{n}].id"), format!("`{id}` is used twice")));
            }
        }
        for member in staff_by_id.values() {
            if let Some(manager) = &member.manager
                && !staff_by_id.contains_key(manager)
            {
                return Err(invalid(
                    format!("staff[{}].manager", member.id),
                    format!("no staff `{manager}`"),
                ));
            }
        }
        for (n, shift) in shifts.iter().enumerate() {
            let field = |name: &str| format!("rosters[{n}].{name}");
            if !by_id.contains_key(&shift.unit) {
                return Err(invalid(field("unit"), format!("no unit `{}`", shift.unit)));
            }
            if !staff_by_id.contains_key(&shift.staff) {
                return Err(invalid(field("staff"), format!("no staff `{}`", shift.staff)));
            }
            match (&shift.weekday, &shift.date) {
                (Some(day), None) if weekday(day).is_some() => {}
                (None, Some(date)) if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() => {}
                _ => {
                    return Err(invalid(
                        field("weekday"),
                        "either `weekday` (mon … sun) or `date` (YYYY-MM-DD)",
                    ));
                }
            }
            if hhmm(&shift.from).is_none() || hhmm(&shift.to).is_none() || shift.from == shift.to {
                return Err(invalid(field("from"), "`from` and `to` are different `HH:MM` times"));
            }
        }
        Ok(Self {
            defaults,
            units: by_id,
            staff: staff_by_id,
            shifts,
            root,
        })
    }

    /// How the organisation runs its casework.
    pub fn casework(&self) -> &CaseworkRules {
        &self.defaults.casework
    }

    /// The root unit (group or head office).
    pub fn root(&self) -> &Unit {
        &self.units[&self.root]
    }

    /// Every unit, by id.
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    /// A unit by id.
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.get(id)
    }

    /// A member of staff by id.
    pub fn staff(&self, id: &str) -> Option<&Staff> {
        self.staff.get(id)
    }

    /// The unit and its ancestors, nearest first, ending with the root.
    pub fn ancestry(&self, id: &str) -> Vec<&Unit> {
        let mut chain = Vec::new();
        let mut next = self.units.get(id);
        while let Some(unit) = next {
            chain.push(unit);
            next = unit.parent.as_ref().and_then(|p| self.units.get(p));
        }
        chain
    }

    /// The management line of a unit: the unit and its ancestors up to, not including, the root
    /// (a report against any of them must not be handled by any of them).
    pub fn line(&self, id: &str) -> Vec<&Unit> {
        self.ancestry(id).into_iter().filter(|u| u.id != self.root).collect()
    }

    /// A unit's settings after inheritance; `None` for an unknown unit.
    pub fn resolve(&self, id: &str) -> Option<Resolved> {
        let chain = self.ancestry(id);
        if chain.is_empty() {
            return None;
        }
        let pick = |get: &dyn Fn(&Settings) -> Option<String>, default: &str| {
            chain
                .iter()
                .find_map(|u| get(&u.settings))
                .unwrap_or_else(|| default.to_owned())
        };
        Some(Resolved {
            calendar: pick(&|s| s.calendar.clone(), &self.defaults.calendar),
            policy: pick(&|s| s.policy.clone(), &self.defaults.policy),
            business_hours: pick(&|s| s.business_hours.clone(), &self.defaults.business_hours),
            take_within_hours: chain
                .iter()
                .find_map(|u| u.settings.take_within_hours)
                .unwrap_or(self.defaults.take_within_hours),
        })
    }

    /// Units carrying a tag, by id.
    pub fn with_tag(&self, tag: &str) -> Vec<&Unit> {
        self.units.values().filter(|u| u.tags.contains(tag)).collect()
    }

    /// The unit covering a division code most closely (the longest matching prefix), if any.
    pub fn covering(&self, division_code: &str) -> Option<&Unit> {
        self.units
            .values()
            .flat_map(|u| u.division_codes.iter().map(move |c| (c, u)))
            .filter(|(code, _)| division_code.starts_with(code.as_str()))
            .max_by_key(|(code, _)| code.len())
            .map(|(_, u)| u)
    }

    /// Staff of a unit holding a role, by id.
    pub fn with_role(&self, unit: &str, role: &str) -> Vec<&Staff> {
        self.staff
            .values()
            .filter(|s| s.unit == unit && s.roles.contains(role))
            .collect()
    }

    /// The managers of a member of staff going up through `manager`, nearest first. The walk stops
    /// before anyone already met (a cycle, which [`Org::new`] does not refuse) and at the end of
    /// the line; an unknown member has no chain.
    pub fn chain(&self, staff: &str) -> Vec<&Staff> {
        let mut chain: Vec<&Staff> = Vec::new();
        let Some(start) = self.staff.get(staff) else {
            return chain;
        };
        let mut seen = BTreeSet::from([start.id.as_str()]);
        let mut next = start.manager.as_deref().and_then(|id| self.staff.get(id));
        while let Some(manager) = next {
            if !seen.insert(manager.id.as_str()) {
                break;
            }
            chain.push(manager);
            next = manager.manager.as_deref().and_then(|id| self.staff.get(id));
        }
        chain
    }

    /// Who answers for a unit: its staff with the role `crm_manager`, or, when it has none, those
    /// with `general_manager`; by id. Empty for a unit with neither (or an unknown unit).
    pub fn heads(&self, unit: &str) -> Vec<&Staff> {
        let crm = self.with_role(unit, "crm_manager");
        if crm.is_empty() {
            self.with_role(unit, "general_manager")
        } else {
            crm
        }
    }

    /// Who is on duty for a unit at `at` (local time `offset_hours` east of UTC): a dated shift
    /// of that day wins over the weekly pattern; a shift past midnight counts from its start day.
    pub fn on_duty(&self, unit: &str, at: DateTime<Utc>, offset_hours: i32) -> Vec<&Staff> {
        let local = at.naive_utc() + chrono::Duration::hours(i64::from(offset_hours));
        let mut found: Vec<&Staff> = Vec::new();
        for day_back in [0i64, 1] {
            let day = local.date() - chrono::Duration::days(day_back);
            let time = local.time();
            let dated: Vec<&Shift> = self
                .shifts
                .iter()
                .filter(|s| s.unit == unit && s.date.as_deref() == Some(&day.format("%Y-%m-%d").to_string()))
                .collect();
            let shifts: Vec<&Shift> = if dated.is_empty() {
                self.shifts
                    .iter()
                    .filter(|s| s.unit == unit && s.weekday.as_deref().and_then(weekday) == Some(day.weekday()))
                    .collect()
            } else {
                dated
            };
            for shift in shifts {
                let (Some(from), Some(to)) = (hhmm(&shift.from), hhmm(&shift.to)) else {
                    continue;
                };
                let covers = match (day_back, from < to) {
                    (0, true) => from <= time && time < to,
                    (0, false) => from <= time,
                    (_, false) => time < to,
                    (_, true) => false,
                };
                if covers && let Some(member) = self.staff.get(&shift.staff) {
                    found.push(member);
                }
            }
        }
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.dedup_by(|a, b| a.id == b.id);
        found
    }

    /// Whether `at` falls outside a unit's business hours (ignoring the calendar's days off,
    /// which the caller checks with the unit's calendar).
    pub fn outside_hours(&self, unit: &str, at: DateTime<Utc>, offset_hours: i32) -> bool {
        let Some((from, to)) = self.resolve(unit).and_then(|r| hours(&r.business_hours)) else {
            return true;
        };
        let local = (at.naive_utc() + chrono::Duration::hours(i64::from(offset_hours))).time();
        !(from <= local && local < to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn unit(id: &str, kind: UnitKind, parent: Option<&str>, tags: &[&str]) -> Unit {
        Unit {
            id: id.into(),
            kind,
            parent: parent.map(Into::into),
            name_zh: format!("{id}（中文）"),
            name_en: id.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            division_codes: BTreeSet::new(),
            settings: Settings::default(),
        }
    }

    fn dealer() -> Vec<Unit> {
        let mut hq = unit("hq", UnitKind::Group, None, &[]);
        hq.settings.take_within_hours = Some(4);
        let mut byd = unit("byd", UnitKind::Division, Some("hq"), &["brand:byd"]);
        byd.settings.policy = Some("manufacturer_byd".into());
        let mut south = unit("south", UnitKind::Region, Some("hq"), &["region:south"]);
        south.division_codes = ["44".to_owned()].into();
        let mut tianhe = unit(
            "gz-tianhe",
            UnitKind::Store,
            Some("byd"),
            &["region:south", "brand:byd"],
        );
        tianhe.division_codes = ["440106".to_owned()].into();
        tianhe.settings.business_hours = Some("08:30-20:00".into());
        vec![hq, byd, south, tianhe]
    }

    fn staff(id: &str, unit: &str, roles: &[&str], manager: Option<&str>) -> Staff {
        Staff {
            id: id.into(),
            unit: unit.into(),
            display_name: id.into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            manager: manager.map(Into::into),
            apps: StaffApps::default(),
        }
    }

    #[test]
    fn settings_are_inherited_down_the_tree_and_tags_cross_it() {
        let org = Org::new(Defaults::default(), dealer(), vec![], vec![]).expect("valid");
        let tianhe = org.resolve("gz-tianhe").expect("known");
        assert_eq!(tianhe.policy, "manufacturer_byd", "from the brand division");
        assert_eq!(tianhe.take_within_hours, 4, "from head office");
        assert_eq!(tianhe.business_hours, "08:30-20:00", "its own");
        assert_eq!(tianhe.calendar, "cn", "the tenant's default");
        let in_south: Vec<&str> = org.with_tag("region:south").iter().map(|u| u.id.as_str()).collect();
        assert_eq!(in_south, vec!["gz-tianhe", "south"]);
        assert_eq!(org.covering("440106").map(|u| u.id.as_str()), Some("gz-tianhe"));
        assert_eq!(org.covering("440305").map(|u| u.id.as_str()), Some("south"));
        assert_eq!(org.covering("310101"), None);
        let line: Vec<&str> = org.line("gz-tianhe").iter().map(|u| u.id.as_str()).collect();
        assert_eq!(line, vec!["gz-tianhe", "byd"], "up to, not including, head office");
        assert!(org.resolve("nowhere").is_none());
    }

    #[test]
    fn a_directory_that_does_not_hold_together_is_refused_by_field_and_rule() {
        let mut units = dealer();
        units[1].parent = Some("gz-tianhe".into());
        let error = Org::new(Defaults::default(), units, vec![], vec![]).expect_err("a cycle");
        assert!(error.rule.contains("cycle"), "{error}");
        let mut units = dealer();
        units.push(unit("hq2", UnitKind::Group, None, &[]));
        assert_eq!(
            Org::new(Defaults::default(), units, vec![], vec![])
                .expect_err("two roots")
                .field,
            "units"
        );
        let mut units = dealer();
        units[3].tags.insert("brand".into());
        assert_eq!(
            Org::new(Defaults::default(), units, vec![], vec![])
                .expect_err("a bad tag")
                .field,
            "units[3].tags"
        );
        let mut units = dealer();
        units[2].parent = Some("north".into());
        assert_eq!(
            Org::new(Defaults::default(), units, vec![], vec![])
                .expect_err("unknown parent")
                .field,
            "units[south].parent"
        );
        let error = Org::new(
            Defaults::default(),
            dealer(),
            vec![staff("li", "nowhere", &[], None)],
            vec![],
        )
        .expect_err("unknown unit");
        assert_eq!(error.field, "staff[0].unit");
        let mut li = staff("li", "gz-tianhe", &[], None);
        li.apps.wecom = Some("LiWei".into());
        li.apps.dingtalk = Some("li wei".into());
        let error = Org::new(Defaults::default(), dealer(), vec![li.clone()], vec![]).expect_err("a bad app user");
        assert_eq!(error.field, "staff[0].apps.dingtalk");
        li.apps.dingtalk = Some("manager4521".into());
        assert!(Org::new(Defaults::default(), dealer(), vec![li], vec![]).is_ok());
        let mut units = dealer();
        units[3].settings.business_hours = Some("20:00-08:30".into());
        assert_eq!(
            Org::new(Defaults::default(), units, vec![], vec![])
                .expect_err("hours backwards")
                .field,
            "units[3].settings.business_hours"
        );
    }

    #[test]
    fn the_duty_supervisor_is_found_by_weekly_and_dated_shifts_across_midnight() {
        let people = vec![
            staff("wang", "gz-tianhe", &["duty_supervisor"], None),
            staff("zhao", "gz-tianhe", &["duty_supervisor"], Some("wang")),
        ];
        let shift = |who: &str, weekday: Option<&str>, date: Option<&str>, from: &str, to: &str| Shift {
            unit: "gz-tianhe".into(),
            staff: who.into(),
            weekday: weekday.map(Into::into),
            date: date.map(Into::into),
            from: from.into(),
            to: to.into(),
        };
        let shifts = vec![
            shift("wang", Some("mon"), None, "20:00", "08:30"),
            shift("zhao", None, Some("2026-11-23"), "20:00", "23:59"),
        ];
        let org = Org::new(Defaults::default(), dealer(), people, shifts).expect("valid");
        let ids = |at: DateTime<Utc>| -> Vec<String> {
            org.on_duty("gz-tianhe", at, 8).iter().map(|s| s.id.clone()).collect()
        };
        // Monday 2026-11-16 22:00 Beijing time = 14:00 UTC: the weekly shift.
        assert_eq!(ids(Utc.with_ymd_and_hms(2026, 11, 16, 14, 0, 0).unwrap()), vec!["wang"]);
        // Tuesday 02:00 Beijing time: still Monday's overnight shift.
        assert_eq!(ids(Utc.with_ymd_and_hms(2026, 11, 16, 18, 0, 0).unwrap()), vec!["wang"]);
        // Monday 2026-11-23 21:00: the dated shift replaces the weekly one that day.
        assert_eq!(ids(Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap()), vec!["zhao"]);
        // Monday 12:00: nobody on duty; inside business hours anyway.
        let noon = Utc.with_ymd_and_hms(2026, 11, 16, 4, 0, 0).unwrap();
        assert!(ids(noon).is_empty());
        assert!(!org.outside_hours("gz-tianhe", noon, 8));
        assert!(org.outside_hours("gz-tianhe", Utc.with_ymd_and_hms(2026, 11, 16, 14, 0, 0).unwrap(), 8));
    }

    #[test]
    fn the_chain_goes_up_through_managers_nearest_first_and_stops_at_a_cycle_or_an_unknown_id() {
        let people = vec![
            staff("chen", "gz-tianhe", &["handler"], Some("li")),
            staff("li", "gz-tianhe", &["crm_manager"], Some("zhou")),
            staff("zhou", "byd", &["general_manager"], Some("ma")),
            staff("ma", "hq", &["general_manager"], None),
            staff("xu", "south", &["handler"], Some("yang")),
            staff("yang", "south", &["crm_manager"], Some("he")),
            staff("he", "south", &["general_manager"], Some("yang")),
            staff("solo", "south", &[], Some("solo")),
        ];
        let org = Org::new(Defaults::default(), dealer(), people, vec![]).expect("valid");
        let ids = |staff: &str| -> Vec<String> { org.chain(staff).iter().map(|s| s.id.clone()).collect() };
        assert_eq!(ids("chen"), vec!["li", "zhou", "ma"], "nearest first, up to the top");
        assert_eq!(ids("zhou"), vec!["ma"]);
        assert!(ids("ma").is_empty(), "the top has no manager");
        assert_eq!(ids("xu"), vec!["yang", "he"], "stops before meeting yang again");
        assert_eq!(ids("yang"), vec!["he"], "stops before coming back to the start");
        assert!(ids("solo").is_empty(), "one's own manager is a cycle");
        assert!(ids("nobody").is_empty(), "an unknown member has no chain");
    }

    #[test]
    fn the_heads_of_a_unit_are_its_crm_managers_else_its_general_managers_by_id() {
        let people = vec![
            staff("li", "gz-tianhe", &["crm_manager"], None),
            staff("an", "gz-tianhe", &["crm_manager", "handler"], None),
            staff("gu", "gz-tianhe", &["general_manager"], None),
            staff("zhou", "byd", &["general_manager"], None),
            staff("bai", "byd", &["general_manager"], None),
            staff("sun", "byd", &["handler"], None),
            staff("ye", "south", &["handler"], None),
        ];
        let org = Org::new(Defaults::default(), dealer(), people, vec![]).expect("valid");
        let ids = |unit: &str| -> Vec<String> { org.heads(unit).iter().map(|s| s.id.clone()).collect() };
        assert_eq!(
            ids("gz-tianhe"),
            vec!["an", "li"],
            "CRM managers win over the general manager"
        );
        assert_eq!(ids("byd"), vec!["bai", "zhou"], "no CRM manager: the general managers");
        assert!(ids("south").is_empty(), "neither role");
        assert!(ids("hq").is_empty(), "no staff");
        assert!(ids("nowhere").is_empty(), "an unknown unit");
    }

    #[test]
    fn a_provisional_directory_is_head_office_with_the_named_unit_beneath_it() {
        let org = OrgDocument::provisional(Some("gz-tianhe")).build().expect("valid");
        assert_eq!(org.root().id, HEAD_OFFICE);
        assert_eq!(
            org.unit("gz-tianhe").and_then(|u| u.parent.as_deref()),
            Some(HEAD_OFFICE)
        );
        let alone = OrgDocument::provisional(None).build().expect("valid");
        assert_eq!(alone.ancestry(HEAD_OFFICE).len(), 1);
        assert!(alone.heads(HEAD_OFFICE).is_empty());
        let refused = OrgDocument::provisional(Some("Not An Id")).build().expect("valid");
        assert!(refused.unit("Not An Id").is_none(), "a malformed name is left out");
    }
}
