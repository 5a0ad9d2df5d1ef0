//! Rules as data (decision 0003), pure: a versioned rule set, the dispatch decision with its
//! explanation, recusal along the management line, and the escalation triggers that match.
//!
//! [`decide`] takes everything it needs as arguments (the organisation, the rule set in force
//! at the case's `received_at`, the case's facts, the instant) and writes nothing, so the
//! consumer and the dry-run give the same answer with the same explanation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::org::{Invalid, Org, UnitKind};

fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        rule: rule.into(),
    }
}

/// Which rules a rule is among: the first matching dispatch rule chooses the unit; every
/// matching escalate rule raises its trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Dispatch,
    Escalate,
}

/// Where the unit of a dispatch rule comes from when it does not name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitBy {
    /// The unit the submission named (`unit` of the complaint).
    RequestedUnit,
    /// The unit the case is about.
    SubjectUnit,
    /// The branch holding the customer's account (local responsibility, 属地).
    AccountUnit,
    /// The unit covering the case's administrative division code.
    DivisionCode,
}

/// Conditions, all of which must hold; an absent one holds always.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// A category code or the code of a subtree (`sales` matches `sales.deposit_refund`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<String>,
    /// Any of these intake signals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signal: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_tier: Vec<String>,
    /// A prefix of the case's 6-digit division code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division_code: Option<String>,
    /// Whether the case is known to hold an account branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_account_unit: Option<bool>,
    /// Whether the case arrived outside the business hours of the unit chosen so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_business_hours: Option<bool>,
    /// Any of these brands (a dealer's make, a bank's product family).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub brand: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product: Vec<String>,
    /// Whether the case names a unit it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_subject_unit: Option<bool>,
    /// The same complainant complained before, at most this many days earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_within_days: Option<u32>,
    /// Escalate rules: the severity decided so far is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<String>,
}

/// What a rule decides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Then {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_by: Option<UnitBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Units or `role:<role>` tags kept informed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watchers: Vec<String>,
    /// Assign to whoever is on duty at the chosen unit.
    #[serde(default)]
    pub to_duty_supervisor: bool,
    /// Escalate rules: the trigger's name and who must hear of it (units or `role:` tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// Escalate rules: hours the recipients have to acknowledge (24 when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge_within_hours: Option<u32>,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    /// Lower first.
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub when: When,
    #[serde(default)]
    pub then: Then,
}

/// One level of the tenant's severity scale and who approves at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityLevel {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// The staff role that approves a resolution at this level.
    pub approver: String,
}

/// Whether the resolution clock runs on while a returned case waits for re-dispatch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockOnReturn {
    #[default]
    Continue,
    Pause,
}

/// A tenant's rules as one published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Set from the store when loaded; ignored when published.
    #[serde(default)]
    pub version: u32,
    /// Ordered from least to most severe; the default scale when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<SeverityLevel>,
    #[serde(default)]
    pub clock_on_return: ClockOnReturn,
    #[serde(default)]
    pub batches: BatchPolicy,
    pub rules: Vec<Rule>,
}

/// When many complainants on one matter make a batch (群体投诉), and when the regulator must hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchPolicy {
    pub window_days: u32,
    /// Distinct complainants that raise a batch alert.
    pub alert_at: u32,
    /// Distinct complainants that make the batch reportable to the regulator.
    pub reportable_at: u32,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            window_days: 7,
            alert_at: 3,
            reportable_at: 10,
        }
    }
}

/// Acknowledgement hours when an escalate rule sets none.
pub const DEFAULT_ACKNOWLEDGE_HOURS: u32 = 24;

impl RuleSet {
    /// The severity scale in force: the tenant's, or minor < general < major < urgent.
    pub fn scale(&self) -> Vec<SeverityLevel> {
        if !self.severities.is_empty() {
            return self.severities.clone();
        }
        [
            ("minor", "一般轻微", "minor", "handler"),
            ("general", "一般", "general", "crm_manager"),
            ("major", "重大", "major", "general_manager"),
            ("urgent", "紧急", "urgent", "general_manager"),
        ]
        .into_iter()
        .map(|(id, zh, en, approver)| SeverityLevel {
            id: id.to_owned(),
            name_zh: zh.to_owned(),
            name_en: en.to_owned(),
            approver: approver.to_owned(),
        })
        .collect()
    }

    /// The rules every tenant starts with: the unit the submission named, else head office;
    /// DOMAIN.md's major-complaint triggers raised to legal, management, the brand division and
    /// the manufacturer.
    pub fn starter() -> Self {
        static STARTER: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
        STARTER
            .get_or_init(|| {
                serde_json::from_str(include_str!("../rules/starter.json")).expect("the starter rule set parses")
            })
            .clone()
    }

    /// Checks a rule set a tenant publishes; names the field and the rule of the first problem.
    pub fn check(&self, org: &Org) -> Result<(), Invalid> {
        let scale: Vec<String> = self.scale().into_iter().map(|l| l.id).collect();
        let mut seen = std::collections::BTreeSet::new();
        for (n, level) in self.severities.iter().enumerate() {
            if level.id.is_empty() || !seen.insert(level.id.clone()) {
                return Err(invalid(format!("severities[{n}].id"), "unique and not empty"));
            }
        }
        let batches = self.batches;
        if batches.window_days == 0 || batches.alert_at < 2 || batches.reportable_at < batches.alert_at {
            return Err(invalid(
                "batches",
                "window_days ≥ 1, alert_at ≥ 2 and reportable_at ≥ alert_at",
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (n, rule) in self.rules.iter().enumerate() {
            let field = |name: &str| format!("rules[{n}].{name}");
            if rule.id.is_empty() || !ids.insert(rule.id.clone()) {
                return Err(invalid(field("id"), "unique and not empty"));
            }
            for level in rule.then.severity.iter().chain(rule.when.severity.iter()) {
                if !scale.contains(level) {
                    return Err(invalid(
                        field("then.severity"),
                        format!("`{level}` is not on the severity scale ({})", scale.join(", ")),
                    ));
                }
            }
            if let Some(unit) = &rule.then.unit
                && org.unit(unit).is_none()
            {
                return Err(invalid(
                    field("then.unit"),
                    format!("no unit `{unit}` in the organisation"),
                ));
            }
            match rule.kind {
                RuleKind::Dispatch if rule.then.unit.is_none() && rule.then.unit_by.is_none() => {
                    return Err(invalid(field("then"), "a dispatch rule names `unit` or `unit_by`"));
                }
                RuleKind::Escalate if rule.then.recipients.is_empty() => {
                    return Err(invalid(
                        field("then.recipients"),
                        "an escalate rule names who must hear of it",
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// What routing knows of a case when it decides (references only: no personal data).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub kind: String,
    pub channel: String,
    pub source: String,
    pub category_code: Option<String>,
    pub signals: Vec<String>,
    pub requested_unit: Option<String>,
    pub subject_unit: Option<String>,
    pub subject_staff: Option<String>,
    pub account_unit: Option<String>,
    pub division_code: Option<String>,
    pub customer_tier: Option<String>,
    pub brand: Option<String>,
    pub product: Option<String>,
    /// Days since the same complainant's previous case, when there was one.
    pub days_since_previous: Option<u32>,
    /// Units and staff barred from this case by a declared conflict (and, for one re-dispatch,
    /// the unit that returned it).
    pub excluded_units: Vec<String>,
    pub excluded_staff: Vec<String>,
}

/// The units a case may never go to: the accused unit, or for a report the accused's whole
/// management line (ancestors up to, not including, the root); plus declared conflicts.
pub fn barred_units(org: &Org, facts: &Facts) -> Vec<String> {
    let mut barred: Vec<String> = match facts.subject_unit.as_deref().filter(|s| org.unit(s).is_some()) {
        Some(subject) if facts.kind == "report" => org.line(subject).iter().map(|u| u.id.clone()).collect(),
        Some(subject) => vec![subject.to_owned()],
        None => Vec::new(),
    };
    barred.extend(facts.excluded_units.iter().cloned());
    barred
}

/// Whether a member of staff may never be assigned the case.
pub fn barred_staff(facts: &Facts, staff: &str) -> bool {
    facts.subject_staff.as_deref() == Some(staff) || facts.excluded_staff.iter().any(|s| s == staff)
}

/// A raised trigger and who must hear of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    pub rule_id: String,
    pub trigger: String,
    /// As the rule names them (`role:legal`, `brand_division`, `manufacturer`, a unit id …).
    pub recipients: Vec<String>,
    /// The units they resolve to for this case.
    pub units: Vec<String>,
    pub acknowledge_within_hours: u32,
}

/// The decision and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub unit: String,
    pub severity: String,
    pub policy: Option<String>,
    pub priority: String,
    pub watchers: Vec<String>,
    /// The member of staff assigned (the duty supervisor after hours), never the accused.
    pub assignee: Option<String>,
    pub rule_set_version: u32,
    pub rule_id: String,
    pub escalations: Vec<Escalation>,
    /// Why, step by step: each condition matched with its value, each recusal, each fallback.
    pub because: Vec<String>,
}

/// Beijing time, where the shipped calendars are; units elsewhere bring their calendar's offset
/// with the calendar work of issue 6.
const OFFSET_HOURS: i32 = 8;

/// Checks a condition set against the facts; on a match returns what matched, in words.
fn matches(
    when: &When,
    facts: &Facts,
    unit_so_far: &str,
    severity_so_far: &str,
    org: &Org,
    at: DateTime<Utc>,
) -> Option<Vec<String>> {
    let mut matched = Vec::new();
    let among = |name: &str, allowed: &[String], value: &str, matched: &mut Vec<String>| {
        if allowed.is_empty() {
            return true;
        }
        let ok = allowed.iter().any(|a| a == value);
        if ok {
            matched.push(format!("{name} = {value}"));
        }
        ok
    };
    if let Some(category) = &when.category {
        let code = facts.category_code.as_deref()?;
        if code != category && !code.starts_with(&format!("{category}.")) {
            return None;
        }
        matched.push(format!("category {code} within {category}"));
    }
    if !among("kind", &when.kind, &facts.kind, &mut matched)
        || !among("channel", &when.channel, &facts.channel, &mut matched)
        || !among("source", &when.source, &facts.source, &mut matched)
        || !among(
            "customer tier",
            &when.customer_tier,
            facts.customer_tier.as_deref().unwrap_or(""),
            &mut matched,
        )
        || !among("brand", &when.brand, facts.brand.as_deref().unwrap_or(""), &mut matched)
        || !among(
            "product",
            &when.product,
            facts.product.as_deref().unwrap_or(""),
            &mut matched,
        )
        || !among("severity", &when.severity, severity_so_far, &mut matched)
    {
        return None;
    }
    if let Some(wanted) = when.has_subject_unit {
        if facts.subject_unit.is_some() != wanted {
            return None;
        }
        matched.push(format!(
            "unit complained about {}",
            if wanted { "named" } else { "not named" }
        ));
    }
    if let Some(days) = when.repeat_within_days {
        let since = facts.days_since_previous.filter(|since| *since <= days)?;
        matched.push(format!(
            "repeat: the previous case was {since} days earlier (within {days})"
        ));
    }
    if !when.signal.is_empty() {
        let hit: Vec<&String> = facts.signals.iter().filter(|s| when.signal.contains(s)).collect();
        if hit.is_empty() {
            return None;
        }
        matched.push(format!(
            "signal {}",
            hit.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(prefix) = &when.division_code {
        let code = facts.division_code.as_deref()?;
        if !code.starts_with(prefix.as_str()) {
            return None;
        }
        matched.push(format!("division code {code} within {prefix}"));
    }
    if let Some(wanted) = when.has_account_unit {
        if facts.account_unit.is_some() != wanted {
            return None;
        }
        matched.push(format!("account branch {}", if wanted { "known" } else { "unknown" }));
    }
    if let Some(wanted) = when.outside_business_hours {
        let outside = org.outside_hours(unit_so_far, at, OFFSET_HOURS);
        if outside != wanted {
            return None;
        }
        matched.push(format!(
            "{} the business hours of {unit_so_far}",
            if outside { "outside" } else { "within" }
        ));
    }
    Some(matched)
}

fn target(then: &Then, facts: &Facts, org: &Org) -> Option<(String, String)> {
    if let Some(unit) = &then.unit {
        return org.unit(unit).map(|u| (u.id.clone(), format!("the rule names {unit}")));
    }
    let (by, id) = match then.unit_by? {
        UnitBy::RequestedUnit => ("the unit the submission named", facts.requested_unit.clone()),
        UnitBy::SubjectUnit => ("the unit the case is about", facts.subject_unit.clone()),
        UnitBy::AccountUnit => ("the branch holding the account", facts.account_unit.clone()),
        UnitBy::DivisionCode => (
            "the unit covering the division code",
            facts
                .division_code
                .as_deref()
                .and_then(|code| org.covering(code))
                .map(|u| u.id.clone()),
        ),
    };
    let id = id?;
    org.unit(&id).map(|u| (u.id.clone(), format!("{by}: {id}")))
}

/// The units a list of recipients means for a case at `unit`, and the names nobody answers to.
///
/// `role:<r>` is every unit tagged so; `management` is the root; `brand_division` and `region`
/// the nearest such ancestor of the unit; `manufacturer` the units tagged `role:manufacturer`
/// sharing a `brand:` tag with the unit (or the case's brand), any of them when the unit has
/// none; `parent` the unit's parent; anything else a unit id.
pub fn recipients(org: &Org, unit: &str, facts: &Facts, names: &[String]) -> (Vec<String>, Vec<String>) {
    let mut units: Vec<String> = Vec::new();
    let mut unresolved = Vec::new();
    let ancestry = org.ancestry(unit);
    let nearest = |kind: UnitKind| ancestry.iter().find(|u| u.kind == kind).map(|u| u.id.clone());
    let mut brands: Vec<String> = ancestry
        .iter()
        .flat_map(|u| u.tags.iter())
        .filter(|t| t.starts_with("brand:"))
        .cloned()
        .collect();
    if let Some(brand) = &facts.brand {
        brands.push(format!("brand:{brand}"));
    }
    for name in names {
        let found: Vec<String> = match name.as_str() {
            "management" => vec![org.root().id.clone()],
            "brand_division" => nearest(UnitKind::Division).into_iter().collect(),
            "region" => nearest(UnitKind::Region).into_iter().collect(),
            "parent" => ancestry.get(1).map(|u| u.id.clone()).into_iter().collect(),
            "manufacturer" => {
                let all = org.with_tag("role:manufacturer");
                let same_brand: Vec<String> = all
                    .iter()
                    .filter(|u| brands.iter().any(|b| u.tags.contains(b)))
                    .map(|u| u.id.clone())
                    .collect();
                if same_brand.is_empty() && brands.is_empty() {
                    all.iter().map(|u| u.id.clone()).collect()
                } else {
                    same_brand
                }
            }
            role if role.starts_with("role:") => org.with_tag(role).iter().map(|u| u.id.clone()).collect(),
            id => org.unit(id).map(|u| u.id.clone()).into_iter().collect(),
        };
        if found.is_empty() {
            unresolved.push(name.clone());
        }
        for id in found {
            if !units.contains(&id) {
                units.push(id);
            }
        }
    }
    (units, unresolved)
}

/// Decides where a case goes, how severe it is, who is told, and why.
pub fn decide(org: &Org, rules: &RuleSet, facts: &Facts, at: DateTime<Utc>) -> Decision {
    let mut ordered: Vec<&Rule> = rules.rules.iter().collect();
    ordered.sort_by_key(|r| (r.priority, r.id.clone()));
    let root = org.root().id.clone();
    let mut because = Vec::new();
    let mut chosen: Option<(&Rule, String)> = None;
    for rule in ordered.iter().filter(|r| r.kind == RuleKind::Dispatch) {
        // Business hours are the candidate unit's own.
        let Some((unit, how)) = target(&rule.then, facts, org) else {
            continue;
        };
        let Some(matched) = matches(&rule.when, facts, &unit, "", org, at) else {
            continue;
        };
        let conditions = if matched.is_empty() {
            "always".to_owned()
        } else {
            matched.join("; ")
        };
        because.push(format!(
            "rule {} (version {}): {conditions}; {how}",
            rule.id, rules.version
        ));
        chosen = Some((rule, unit));
        break;
    }
    let (rule_id, mut unit, then) = match chosen {
        Some((rule, unit)) => (rule.id.clone(), unit, rule.then.clone()),
        None => {
            because.push(format!(
                "no dispatch rule of version {} matched: head office ({root})",
                rules.version
            ));
            ("fallback.head_office".to_owned(), root.clone(), Then::default())
        }
    };
    // Recusal: never to the accused unit; a report never to any unit on its management line.
    let barred = barred_units(org, facts);
    if let Some(excluded) = facts.excluded_units.iter().find(|u| **u == unit) {
        let instead = org
            .ancestry(&unit)
            .iter()
            .map(|u| u.id.clone())
            .find(|id| !barred.contains(id))
            .unwrap_or_else(|| root.clone());
        because.push(format!("{excluded} is barred from this case; moved up to {instead}"));
        unit = instead;
    }
    if let Some(subject) = facts.subject_unit.as_deref().filter(|s| org.unit(s).is_some())
        && barred.contains(&unit)
    {
        let instead = org
            .with_tag("role:integrity")
            .into_iter()
            .map(|u| u.id.clone())
            .find(|id| !barred.contains(id))
            .unwrap_or_else(|| root.clone());
        let why = if facts.kind == "report" && unit != subject {
            format!("{unit} is on the management line of {subject}, which the report accuses")
        } else {
            format!("{unit} is the unit the case accuses")
        };
        because.push(format!("recusal: {why}; moved to {instead}"));
        unit = instead;
    }
    let mut assignee = None;
    if then.to_duty_supervisor {
        let on_duty: Vec<String> = org
            .on_duty(&unit, at, OFFSET_HOURS)
            .into_iter()
            .map(|s| s.id.clone())
            .filter(|id| !barred_staff(facts, id))
            .collect();
        match on_duty.first() {
            Some(id) => {
                because.push(format!("assigned to {id}, on duty at {unit}"));
                assignee = Some(id.clone());
            }
            None => because.push(format!("nobody on duty at {unit}; left to the unit")),
        }
    }
    if let Some(staff) = &facts.subject_staff {
        because.push(format!("never assigned to {staff}, whom the case is about"));
    }
    let mut watchers = then.watchers.clone();
    if unit != root && !watchers.contains(&root) && facts.source == "hq_call_centre" {
        watchers.push(root.clone());
        because.push(format!("{root} watches what its call centre dispatched"));
    }
    let mut severity = then.severity.clone().unwrap_or_else(|| "general".to_owned());
    let scale: Vec<String> = rules.scale().into_iter().map(|l| l.id).collect();
    let mut escalations = Vec::new();
    for rule in ordered.iter().filter(|r| r.kind == RuleKind::Escalate) {
        let Some(matched) = matches(&rule.when, facts, &unit, &severity, org, at) else {
            continue;
        };
        let trigger = rule.then.trigger.clone().unwrap_or_else(|| rule.id.clone());
        because.push(format!(
            "escalation {trigger} (rule {}): {}",
            rule.id,
            matched.join("; ")
        ));
        // The gravest level any trigger sets stands, whatever the order of the rules.
        if let Some(level) = &rule.then.severity {
            let rank = |id: &str| scale.iter().position(|l| l == id);
            if rank(level) > rank(&severity) {
                severity = level.clone();
            }
        }
        let (units, unresolved) = recipients(org, &unit, facts, &rule.then.recipients);
        if !unresolved.is_empty() {
            because.push(format!("nobody in the organisation is {}", unresolved.join(", ")));
        }
        escalations.push(Escalation {
            rule_id: rule.id.clone(),
            trigger,
            recipients: rule.then.recipients.clone(),
            units,
            acknowledge_within_hours: rule.then.acknowledge_within_hours.unwrap_or(DEFAULT_ACKNOWLEDGE_HOURS),
        });
    }
    Decision {
        unit,
        severity,
        policy: then.policy.clone(),
        priority: then.priority.clone().unwrap_or_else(|| "normal".to_owned()),
        watchers,
        assignee,
        rule_set_version: rules.version,
        rule_id,
        escalations,
        because,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::TimeZone;

    use super::*;
    use crate::org::{Defaults, Settings, Shift, Staff, Unit, UnitKind};

    fn unit(id: &str, kind: UnitKind, parent: Option<&str>, tags: &[&str], codes: &[&str]) -> Unit {
        Unit {
            id: id.into(),
            kind,
            parent: parent.map(Into::into),
            name_zh: id.into(),
            name_en: id.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            division_codes: codes.iter().map(|c| (*c).to_owned()).collect(),
            settings: Settings::default(),
        }
    }

    fn bank() -> Org {
        let units = vec![
            unit("hq", UnitKind::Group, None, &[], &[]),
            unit("integrity", UnitKind::Department, Some("hq"), &["role:integrity"], &[]),
            unit("gd", UnitKind::Branch, Some("hq"), &[], &["44"]),
            unit("gd-tianhe", UnitKind::SubBranch, Some("gd"), &[], &["440106"]),
            unit("sh", UnitKind::Branch, Some("hq"), &[], &["31"]),
        ];
        let staff = vec![
            Staff {
                id: "chen".into(),
                unit: "gd".into(),
                display_name: "chen".into(),
                roles: BTreeSet::from(["duty_supervisor".to_owned()]),
                manager: None,
                apps: directory::StaffApps::default(),
            },
            Staff {
                id: "lin".into(),
                unit: "gd".into(),
                display_name: "lin".into(),
                roles: BTreeSet::from(["duty_supervisor".to_owned()]),
                manager: None,
                apps: directory::StaffApps::default(),
            },
        ];
        let shifts = ["chen", "lin"]
            .iter()
            .map(|who| Shift {
                unit: "gd".into(),
                staff: (*who).into(),
                weekday: Some("mon".into()),
                date: None,
                from: "18:00".into(),
                to: "09:00".into(),
            })
            .collect();
        Org::new(Defaults::default(), units, staff, shifts).expect("valid")
    }

    fn rules() -> RuleSet {
        let json = serde_json::json!({"version": 3, "rules": [
            {"id": "vip", "kind": "dispatch", "priority": 1, "when": {"customer_tier": ["vip"]},
             "then": {"unit": "hq", "priority": "green_channel"}},
            {"id": "after-hours", "kind": "dispatch", "priority": 5,
             "when": {"has_account_unit": true, "outside_business_hours": true},
             "then": {"unit": "gd", "to_duty_supervisor": true}},
            {"id": "local", "kind": "dispatch", "priority": 10, "when": {"has_account_unit": true},
             "then": {"unit_by": "account_unit"}},
            {"id": "by-place", "kind": "dispatch", "priority": 20, "when": {"division_code": "44"},
             "then": {"unit_by": "division_code"}},
            {"id": "media", "kind": "escalate", "when": {"signal": ["keyword:media"]},
             "then": {"trigger": "media", "severity": "major", "recipients": ["role:legal", "manufacturer"]}}
        ]});
        serde_json::from_value(json).expect("a rule set")
    }

    fn facts() -> Facts {
        Facts {
            kind: "complaint".into(),
            channel: "phone".into(),
            source: "direct".into(),
            ..Facts::default()
        }
    }

    fn monday(hour_utc: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 16, hour_utc, 0, 0).unwrap()
    }

    #[test]
    fn a_bank_case_goes_to_the_branch_holding_the_account_not_the_callers_city() {
        let case = Facts {
            account_unit: Some("sh".into()),
            division_code: Some("440106".into()),
            ..facts()
        };
        let decision = decide(&bank(), &rules(), &case, monday(3));
        assert_eq!(decision.unit, "sh");
        assert_eq!(decision.rule_id, "local");
        assert!(
            decision.because[0].contains("the branch holding the account: sh"),
            "{:?}",
            decision.because
        );
        let by_place = decide(
            &bank(),
            &rules(),
            &Facts {
                division_code: Some("440106".into()),
                ..facts()
            },
            monday(3),
        );
        assert_eq!(by_place.unit, "gd-tianhe", "the closest covering unit");
    }

    #[test]
    fn after_hours_cases_reach_the_duty_supervisor_and_vip_takes_the_green_channel() {
        let case = Facts {
            account_unit: Some("gd".into()),
            ..facts()
        };
        // Monday 20:00 Beijing time.
        let decision = decide(&bank(), &rules(), &case, monday(12));
        assert_eq!(
            (decision.unit.as_str(), decision.rule_id.as_str()),
            ("gd", "after-hours")
        );
        assert_eq!(decision.assignee.as_deref(), Some("chen"));
        // The supervisor the case is about is passed over.
        let about_chen = Facts {
            subject_staff: Some("chen".into()),
            ..case.clone()
        };
        let decision = decide(&bank(), &rules(), &about_chen, monday(12));
        assert_eq!(decision.assignee.as_deref(), Some("lin"));
        assert!(decision.because.iter().any(|b| b.contains("never assigned to chen")));
        let vip = decide(
            &bank(),
            &rules(),
            &Facts {
                customer_tier: Some("vip".into()),
                ..case
            },
            monday(12),
        );
        assert_eq!((vip.unit.as_str(), vip.priority.as_str()), ("hq", "green_channel"));
    }

    #[test]
    fn a_case_never_goes_to_the_unit_it_accuses_nor_a_report_to_its_line() {
        let complaint = Facts {
            account_unit: Some("gd-tianhe".into()),
            subject_unit: Some("gd-tianhe".into()),
            ..facts()
        };
        let decision = decide(&bank(), &rules(), &complaint, monday(3));
        assert_eq!(decision.unit, "integrity");
        assert!(
            decision.because.iter().any(|b| b.starts_with("recusal")),
            "{:?}",
            decision.because
        );
        // A report against the sub-branch routed by place would reach its parent branch: barred too.
        let report = Facts {
            kind: "report".into(),
            division_code: Some("440999".into()),
            subject_unit: Some("gd-tianhe".into()),
            ..facts()
        };
        let decision = decide(&bank(), &rules(), &report, monday(3));
        assert_eq!(decision.unit, "integrity");
        assert!(
            decision.because.iter().any(|b| b.contains("management line")),
            "{:?}",
            decision.because
        );
    }

    #[test]
    fn escalations_add_up_and_unmatched_cases_fall_back_to_head_office() {
        let case = Facts {
            signals: vec!["keyword:media".into()],
            ..facts()
        };
        let decision = decide(&bank(), &rules(), &case, monday(3));
        assert_eq!(decision.unit, "hq");
        assert_eq!(decision.rule_id, "fallback.head_office");
        assert_eq!(decision.severity, "major");
        assert_eq!(decision.escalations.len(), 1);
        assert_eq!(decision.escalations[0].recipients, vec!["role:legal", "manufacturer"]);
        assert_eq!(decision.rule_set_version, 3);
    }
}
