//! Hot spots (decision 0012): what complaints are about now against the period before — top
//! categories and causes with their trend, and the units and categories rising. Every kind
//! counts here (inquiries, suggestions and praise too), unlike the complaint KPIs.

use std::collections::BTreeMap;

use crate::figures::{Figures, Tally};

/// One key's count now and in the period before.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub key: String,
    pub count: u64,
    pub previous: u64,
    /// `(count - previous) / previous`; `None` when there was none before.
    pub change: Option<f64>,
}

/// The hot spots of a period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hotspots {
    /// The `top` categories by count, with their trend.
    pub categories: Vec<Trend>,
    /// The `top` regulatory causes (`jrt0169.cause:…`) by count.
    pub causes: Vec<Trend>,
    /// Categories and units (each over its subtree, head office left out) that grew most, by
    /// the number of cases added; only those that grew.
    pub rising_categories: Vec<Trend>,
    pub rising_units: Vec<Trend>,
}

fn trends<'a>(
    now: impl Iterator<Item = (&'a String, &'a Tally)>,
    before: &BTreeMap<String, Tally>,
    keep: impl Fn(&str) -> bool,
) -> Vec<Trend> {
    let mut seen: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (key, tally) in now.filter(|(k, _)| keep(k)) {
        seen.entry(key.clone()).or_default().0 = tally.count;
    }
    for (key, tally) in before.iter().filter(|(k, _)| keep(k)) {
        seen.entry(key.clone()).or_default().1 = tally.count;
    }
    seen.into_iter()
        .map(|(key, (count, previous))| Trend {
            key,
            count,
            previous,
            change: (previous > 0).then(|| (count as f64 - previous as f64) / previous as f64),
        })
        .collect()
}

fn top(mut list: Vec<Trend>, n: usize) -> Vec<Trend> {
    list.retain(|t| t.count > 0);
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    list.truncate(n);
    list
}

fn rising(mut list: Vec<Trend>, n: usize) -> Vec<Trend> {
    list.retain(|t| t.count > t.previous);
    list.sort_by(|a, b| {
        (b.count - b.previous)
            .cmp(&(a.count - a.previous))
            .then_with(|| a.key.cmp(&b.key))
    });
    list.truncate(n);
    list
}

/// The hot spots of `now` against `before`, `n` of each.
pub fn hotspots(now: &Figures, before: &Figures, root: Option<&str>, n: usize) -> Hotspots {
    let categories = trends(now.by_category.iter(), &before.by_category, |_| true);
    let causes = trends(now.by_regulatory_code.iter(), &before.by_regulatory_code, |k| {
        k.starts_with("jrt0169.cause:")
    });
    let units = trends(now.by_unit.iter(), &before.by_unit, |k| Some(k) != root);
    Hotspots {
        rising_categories: rising(categories.clone(), n),
        categories: top(categories, n),
        causes: top(causes, n),
        rising_units: rising(units, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(categories: &[(&str, u64)]) -> Figures {
        let mut figures = Figures::default();
        for (key, count) in categories {
            figures.by_category.insert(
                (*key).to_owned(),
                Tally {
                    count: *count,
                    ..Tally::default()
                },
            );
        }
        figures
    }

    #[test]
    fn the_top_is_by_count_and_the_rising_by_cases_added() {
        let now = figures(&[("fees", 30), ("collection", 25), ("privacy", 9), ("service", 2)]);
        let before = figures(&[("fees", 40), ("collection", 5), ("service", 2), ("gone", 7)]);
        let spots = hotspots(&now, &before, None, 3);
        let keys = |list: &[Trend]| list.iter().map(|t| t.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&spots.categories), ["fees", "collection", "privacy"]);
        assert_eq!(keys(&spots.rising_categories), ["collection", "privacy"]);
        assert_eq!(spots.categories[1].change, Some(4.0));
        assert_eq!(spots.categories[2].change, None, "none before");
    }
}
