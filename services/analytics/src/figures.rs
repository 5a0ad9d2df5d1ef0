//! The KPIs of decision 0012, computed one way for the whole answer and for every breakdown
//! entry: a [`Tally`] over the cases of the entry.
//!
//! Every figure is about the cases received in the period (the cohort rule). Complaint KPIs
//! count kinds `complaint` and `report` only; `count` counts every kind.

use std::collections::{BTreeMap, BTreeSet};

use directory::Org;

/// Kinds that count in the complaint KPIs.
pub const COMPLAINT_KINDS: &[&str] = &["complaint", "report"];

/// Severities that make a major complaint.
pub const MAJOR: &[&str] = &["major", "critical"];

/// Sources outside the organisation: a later case from one of them, repeating an earlier case,
/// means the earlier one was escalated outside.
pub const OUTSIDE_SOURCES: &[&str] = &[
    "regulator",
    "hotline_12315",
    "hotline_12345",
    "consumer_association",
    "complaint_site",
    "media",
    "petition",
];

/// What the figures need of one case, read from `case_facts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseRow {
    pub kind: String,
    pub channel: String,
    pub source: String,
    pub category: String,
    pub product: String,
    /// The handling unit (the last dispatch or transfer), else the unit registered.
    pub unit: String,
    /// The handler assigned in the unit, else whoever took the case.
    pub staff: String,
    /// Regulatory codes as `set.dimension:code`.
    pub codes: Vec<String>,
    /// `YYYY-MM` of receipt, Beijing time.
    pub month: String,
    pub accepted: bool,
    pub imported: bool,
    pub acknowledgement_due: bool,
    pub acknowledged_on_time: bool,
    pub first_contact_due: bool,
    pub first_contact_on_time: bool,
    pub resolved: bool,
    pub closed: bool,
    /// Whether it was handled in time, when that is known: resolved within the resolution
    /// deadline in force, on the spot, or the imported source's flag.
    pub timely: Option<bool>,
    pub on_the_spot: bool,
    pub repeat: bool,
    pub reopened: bool,
    pub escalated_outside: bool,
    pub callbacks_attempted: u64,
    pub callbacks_successful: u64,
    pub callbacks_satisfied: u64,
    pub has_finding: bool,
    pub substantiated: bool,
    pub compensation_fen: u64,
    /// Whole minutes from receipt to the first resolution.
    pub handling_minutes: Option<u64>,
    /// Routing's severity (`major` and `critical` are major complaints).
    pub severity: String,
    /// Named in a batch alert (a mass event).
    pub mass_event: bool,
}

impl CaseRow {
    /// Whether the case counts in the complaint KPIs.
    pub fn is_complaint(&self) -> bool {
        COMPLAINT_KINDS.contains(&self.kind.as_str())
    }
}

/// Counts over a set of cases, from which every KPI is a numerator over a denominator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub accepted: u64,
    pub complaints: u64,
    pub complaints_handled: u64,
    pub acknowledgement_due: u64,
    pub acknowledged_on_time: u64,
    pub first_contact_due: u64,
    pub first_contact_on_time: u64,
    pub closed: u64,
    pub timely_known: u64,
    pub timely: u64,
    pub resolved: u64,
    pub reopened: u64,
    pub compensated: u64,
    pub compensation_fen: u64,
    pub on_the_spot: u64,
    pub repeats: u64,
    pub escalated_outside: u64,
    pub callbacks_attempted: u64,
    pub callbacks_successful: u64,
    pub callbacks_satisfied: u64,
    pub with_finding: u64,
    pub substantiated: u64,
    /// Complaints of severity `major` or `critical`, and those in a mass event.
    pub major: u64,
    pub mass_events: u64,
    /// Complaints forwarded by the regulator.
    pub from_regulator: u64,
    /// Handling minutes → how many cases took that long.
    pub handling: BTreeMap<u64, u64>,
}

/// A KPI: `value = numerator / denominator`, 0 when the denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub value: f64,
    pub numerator: u64,
    pub denominator: u64,
}

impl Ratio {
    pub fn of(numerator: u64, denominator: u64) -> Self {
        let value = if denominator == 0 {
            0.0
        } else {
            numerator as f64 / denominator as f64
        };
        Self {
            value,
            numerator,
            denominator,
        }
    }
}

/// Handling time from receipt to the first resolution, in hours.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Handling {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub max: f64,
}

/// The nearest-rank percentile `q` (0–1] of a histogram of minutes holding `n` values, in minutes.
fn percentile(histogram: &BTreeMap<u64, u64>, n: u64, q: f64) -> u64 {
    let rank = ((q * n as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (&minutes, &count) in histogram {
        seen += count;
        if seen >= rank {
            return minutes;
        }
    }
    0
}

impl Tally {
    /// Counts one case.
    pub fn add(&mut self, case: &CaseRow) {
        self.count += 1;
        self.accepted += u64::from(case.accepted);
        self.acknowledgement_due += u64::from(case.acknowledgement_due);
        self.acknowledged_on_time += u64::from(case.acknowledgement_due && case.acknowledged_on_time);
        if !case.is_complaint() {
            return;
        }
        self.complaints += 1;
        self.complaints_handled += u64::from(case.accepted || case.imported || case.on_the_spot);
        self.first_contact_due += u64::from(case.first_contact_due);
        self.first_contact_on_time += u64::from(case.first_contact_due && case.first_contact_on_time);
        self.closed += u64::from(case.closed);
        if let Some(timely) = case.timely {
            self.timely_known += 1;
            self.timely += u64::from(timely);
        }
        self.resolved += u64::from(case.resolved);
        self.reopened += u64::from(case.resolved && case.reopened);
        self.compensated += u64::from(case.resolved && case.compensation_fen > 0);
        self.compensation_fen += case.compensation_fen;
        self.on_the_spot += u64::from(case.on_the_spot);
        self.repeats += u64::from(case.repeat);
        self.escalated_outside += u64::from(case.escalated_outside);
        self.callbacks_attempted += case.callbacks_attempted;
        self.callbacks_successful += case.callbacks_successful;
        self.callbacks_satisfied += case.callbacks_satisfied;
        self.with_finding += u64::from(case.has_finding);
        self.substantiated += u64::from(case.has_finding && case.substantiated);
        self.major += u64::from(MAJOR.contains(&case.severity.as_str()));
        self.mass_events += u64::from(case.mass_event);
        self.from_regulator += u64::from(case.source == "regulator");
        if let Some(minutes) = case.handling_minutes {
            *self.handling.entry(minutes).or_default() += 1;
        }
    }

    /// Every KPI of decision 0012 but the two that need the organisation's denominators.
    pub fn kpis(&self) -> BTreeMap<&'static str, Ratio> {
        BTreeMap::from([
            ("acceptance", Ratio::of(self.accepted, self.count)),
            (
                "acknowledgement_on_time",
                Ratio::of(self.acknowledged_on_time, self.acknowledgement_due),
            ),
            (
                "first_contact_on_time",
                Ratio::of(self.first_contact_on_time, self.first_contact_due),
            ),
            ("timeliness", Ratio::of(self.timely, self.timely_known)),
            ("closure", Ratio::of(self.closed, self.complaints_handled)),
            (
                "satisfaction",
                Ratio::of(self.callbacks_satisfied, self.callbacks_successful),
            ),
            (
                "callback_success",
                Ratio::of(self.callbacks_successful, self.callbacks_attempted),
            ),
            ("on_the_spot", Ratio::of(self.on_the_spot, self.complaints)),
            ("repeat", Ratio::of(self.repeats, self.complaints)),
            ("reopen", Ratio::of(self.reopened, self.resolved)),
            ("escalation_outside", Ratio::of(self.escalated_outside, self.complaints)),
            ("substantiation", Ratio::of(self.substantiated, self.with_finding)),
            ("compensated", Ratio::of(self.compensated, self.resolved)),
        ])
    }

    /// Handling time in hours.
    pub fn handling(&self) -> Handling {
        let n: u64 = self.handling.values().sum();
        if n == 0 {
            return Handling::default();
        }
        let total: u64 = self.handling.iter().map(|(m, c)| m * c).sum();
        let hours = |minutes: u64| minutes as f64 / 60.0;
        Handling {
            count: n,
            mean: total as f64 / n as f64 / 60.0,
            p50: hours(percentile(&self.handling, n, 0.5)),
            p90: hours(percentile(&self.handling, n, 0.9)),
            max: hours(self.handling.keys().next_back().copied().unwrap_or(0)),
        }
    }
}

/// What the organisation entered for a unit's year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Denominator {
    pub customers: u64,
    pub outlets: u64,
}

/// The filters of a query beyond the period (empty: no filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The unit's subtree.
    pub unit: String,
    /// Units carrying the tag, and their subtrees.
    pub tag: String,
    pub kind: String,
    pub channel: String,
    pub source: String,
    pub category: String,
    pub staff: String,
}

/// The figures of a query: the whole and every breakdown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub total: Tally,
    pub by_channel: BTreeMap<String, Tally>,
    pub by_unit: BTreeMap<String, Tally>,
    pub by_category: BTreeMap<String, Tally>,
    pub by_source: BTreeMap<String, Tally>,
    pub by_product: BTreeMap<String, Tally>,
    pub by_staff: BTreeMap<String, Tally>,
    pub by_regulatory_code: BTreeMap<String, Tally>,
    pub by_tag: BTreeMap<String, Tally>,
    pub by_month: BTreeMap<String, Tally>,
    pub by_kind: BTreeMap<String, Tally>,
}

/// A unit, its ancestors up to the root, and the tags they carry.
pub type Line = (Vec<String>, BTreeSet<String>);

/// The organisation as analytics reads it: each unit's ancestry and the tags it falls under.
pub struct Tree {
    org: Option<Org>,
    /// Memo: unit → (itself and its ancestors, tags of all of them).
    lines: std::sync::Mutex<BTreeMap<String, std::sync::Arc<Line>>>,
}

impl Tree {
    pub fn new(org: Option<Org>) -> Self {
        Self {
            org,
            lines: std::sync::Mutex::new(BTreeMap::new()),
        }
    }

    /// The unit, its ancestors up to the root, and the tags they carry. A unit the organisation
    /// does not know is a line of its own, untagged.
    pub fn line(&self, unit: &str) -> std::sync::Arc<Line> {
        let mut memo = self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(line) = memo.get(unit) {
            return line.clone();
        }
        let line = match self.org.as_ref().filter(|org| org.unit(unit).is_some()) {
            Some(org) => {
                let chain = org.ancestry(unit);
                let tags = chain.iter().flat_map(|u| u.tags.iter().cloned()).collect();
                (chain.into_iter().map(|u| u.id.clone()).collect(), tags)
            }
            None => (vec![unit.to_owned()], BTreeSet::new()),
        };
        let line = std::sync::Arc::new(line);
        memo.insert(unit.to_owned(), line.clone());
        line
    }

    /// The root's id: the organisation's, or head office of the provisional directory routing
    /// works with before one is published.
    pub fn root(&self) -> String {
        self.org
            .as_ref()
            .map_or_else(|| directory::HEAD_OFFICE.to_owned(), |org| org.root().id.clone())
    }

    /// A unit and every unit beneath it.
    pub fn subtree(&self, unit: &str) -> Vec<String> {
        let mut units = vec![unit.to_owned()];
        let mut next = 0;
        while next < units.len() {
            let children = self.children(&units[next]);
            units.extend(children);
            next += 1;
        }
        units
    }

    /// A unit's direct children.
    pub fn children(&self, unit: &str) -> Vec<String> {
        self.org
            .as_ref()
            .map(|org| {
                org.units()
                    .filter(|u| u.parent.as_deref() == Some(unit))
                    .map(|u| u.id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Figures {
    /// Counts a case in the whole and in every entry it belongs to, if it passes the filter.
    pub fn add(&mut self, case: &CaseRow, tree: &Tree, filter: &Filter) {
        let unit = if case.unit.is_empty() {
            "undispatched"
        } else {
            case.unit.as_str()
        };
        let line = tree.line(unit);
        let (line, tags) = (&line.0, &line.1);
        let passes = |wanted: &str, have: &str| wanted.is_empty() || wanted == have;
        if !(filter.unit.is_empty() || line.contains(&filter.unit))
            || !(filter.tag.is_empty() || tags.contains(&filter.tag))
            || !passes(&filter.kind, &case.kind)
            || !passes(&filter.channel, &case.channel)
            || !passes(&filter.source, &case.source)
            || !passes(&filter.category, &case.category)
            || !passes(&filter.staff, &case.staff)
        {
            return;
        }
        self.total.add(case);
        // Looked up by reference first: a key is copied only the first time it is seen.
        let count = |map: &mut BTreeMap<String, Tally>, key: &str, blank: &str| {
            let key = if key.is_empty() { blank } else { key };
            match map.get_mut(key) {
                Some(tally) => tally.add(case),
                None => map.entry(key.to_owned()).or_default().add(case),
            }
        };
        count(&mut self.by_channel, &case.channel, "unknown");
        count(&mut self.by_category, &case.category, "unclassified");
        count(&mut self.by_source, &case.source, "unknown");
        count(&mut self.by_product, &case.product, "unspecified");
        count(&mut self.by_month, &case.month, "");
        count(&mut self.by_kind, &case.kind, "");
        if !case.staff.is_empty() {
            count(&mut self.by_staff, &case.staff, "");
        }
        for code in &case.codes {
            count(&mut self.by_regulatory_code, code, "");
        }
        for unit in line {
            count(&mut self.by_unit, unit, "");
        }
        for tag in tags {
            count(&mut self.by_tag, tag, "");
        }
    }
}

/// A unit's customers and outlets: its own entry, else the sum of its children's.
pub fn denominator_of(unit: &str, tree: &Tree, entered: &BTreeMap<String, Denominator>) -> Denominator {
    if let Some(own) = entered.get(unit) {
        return *own;
    }
    tree.children(unit)
        .iter()
        .map(|child| denominator_of(child, tree, entered))
        .fold(Denominator::default(), |sum, d| Denominator {
            customers: sum.customers + d.customers,
            outlets: sum.outlets + d.outlets,
        })
}

/// The two KPIs over the organisation's denominators.
pub fn per_customers_and_outlets(tally: &Tally, denominator: Denominator) -> [(&'static str, Ratio); 2] {
    [
        (
            "per_10000_customers",
            Ratio::of(tally.complaints * 10_000, denominator.customers),
        ),
        ("per_outlet", Ratio::of(tally.complaints, denominator.outlets)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_over_minutes() {
        let mut tally = Tally::default();
        for minutes in [60, 120, 180, 240, 600] {
            let case = CaseRow {
                kind: "complaint".into(),
                handling_minutes: Some(minutes),
                ..CaseRow::default()
            };
            tally.add(&case);
        }
        let handling = tally.handling();
        assert_eq!(handling.count, 5);
        assert_eq!(handling.p50, 3.0);
        assert_eq!(handling.p90, 10.0);
        assert_eq!(handling.max, 10.0);
        assert_eq!(handling.mean, 1200.0 / 5.0 / 60.0);
    }

    #[test]
    fn an_inquiry_counts_but_not_in_complaint_kpis() {
        let mut tally = Tally::default();
        let inquiry = CaseRow {
            kind: "inquiry".into(),
            accepted: true,
            closed: true,
            repeat: true,
            ..CaseRow::default()
        };
        tally.add(&inquiry);
        assert_eq!((tally.count, tally.accepted, tally.complaints), (1, 1, 0));
        assert_eq!(tally.kpis()["repeat"].denominator, 0);
        assert_eq!(tally.kpis()["closure"].denominator, 0);
    }
}
