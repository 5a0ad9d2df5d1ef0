//! KPIs for 10,000 generated cases equal the values computed directly from the case data —
//! in the whole half year, by month, by unit rolled up the tree, by tag, staff, channel, kind
//! and regulatory code, and with filters.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rpc::analytics::v1::{Breakdown, DenominatorRequest, KpisReply, KpisRequest};
use runtime::grpc::with_tenant;
use testkit::stores::StoreTarget;

use crate::Running;
use crate::generate::{self, BRANCHES, Case, Stream, TENANT, UNITS};

/// A breakdown's name, its entries as answered, and the keys a case falls under.
type Breakdowns = (&'static str, BTreeMap<String, Breakdown>, fn(&Case) -> Vec<String>);

/// A KPI as (numerator, denominator).
type Expected = BTreeMap<String, (u64, u64)>;

const COMPLAINTS: &[&str] = &["complaint", "report"];

fn local(at: DateTime<Utc>, format: &str) -> String {
    at.with_timezone(&chrono_tz::Asia::Shanghai).format(format).to_string()
}

fn unit_of(case: &Case) -> &'static str {
    match (case.dispatched_to, case.registered_unit) {
        (Some(unit), _) => unit,
        (None, "") => "undispatched",
        (None, unit) => unit,
    }
}

/// The unit and its ancestors.
fn line(unit: &str) -> Vec<&'static str> {
    let mut line = vec![];
    let mut next = UNITS.iter().find(|(id, _, _)| *id == unit);
    while let Some((id, parent, _)) = next {
        line.push(*id);
        next = parent.and_then(|p| UNITS.iter().find(|(id, _, _)| *id == p));
    }
    line
}

fn tags(unit: &str) -> Vec<&'static str> {
    line(unit)
        .into_iter()
        .flat_map(|id| {
            UNITS
                .iter()
                .find(|(u, _, _)| *u == id)
                .map(|(_, _, t)| t.iter().copied())
                .into_iter()
                .flatten()
        })
        .collect()
}

/// Every KPI, the count and the handling times of a set of cases, straight from the model.
fn expected(cases: &[&Case], all: &[Case], customers: Option<u64>) -> (u64, Expected, (u64, u64, u64)) {
    let mut k: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut add = |name: &'static str, num: bool, den: bool| {
        let entry = k.entry(name).or_default();
        entry.0 += u64::from(num && den);
        entry.1 += u64::from(den);
    };
    let mut minutes = vec![];
    let mut complaints = 0;
    for case in cases {
        add("acceptance", case.accepted.is_some(), true);
        add(
            "acknowledgement_on_time",
            case.acknowledged
                .zip(case.acknowledgement_due)
                .is_some_and(|(a, d)| a <= d),
            case.acknowledgement_due.is_some(),
        );
        if !COMPLAINTS.contains(&case.kind) {
            continue;
        }
        complaints += 1;
        add(
            "first_contact_on_time",
            case.first_contact
                .zip(case.first_contact_due)
                .is_some_and(|(c, d)| c <= d),
            case.first_contact_due.is_some(),
        );
        let imported_closed = case.imported.is_some_and(|(closed, _)| closed);
        let closed = case.closed.is_some() || case.on_the_spot || imported_closed;
        match (case.on_the_spot, case.imported) {
            (true, _) => add("timeliness", true, true),
            (_, Some((_, Some(timely)))) => add("timeliness", timely, true),
            (_, Some((_, None))) => {}
            _ => {
                let due = case.extended_to.or(case.resolution_due);
                let known = case.closed.is_some() && case.resolved.is_some() && due.is_some();
                add("timeliness", known && case.resolved <= due, known);
            }
        }
        add(
            "closure",
            closed,
            case.accepted.is_some() || case.imported.is_some() || case.on_the_spot,
        );
        for outcome in &case.callbacks {
            add("callback_success", *outcome != "failed", true);
            add("satisfaction", *outcome == "satisfied", *outcome != "failed");
        }
        add("on_the_spot", case.on_the_spot, true);
        add("repeat", case.repeat_of.is_some(), true);
        let resolved = case.resolved.is_some();
        add("reopen", case.callbacks.contains(&"dissatisfied"), resolved);
        let escalated = all
            .iter()
            .any(|later| later.source == "regulator" && later.repeat_of.is_some_and(|i| all[i].id == case.id));
        add("escalation_outside", escalated, true);
        add(
            "substantiation",
            matches!(case.finding, Some("substantiated" | "partly")),
            case.finding.is_some(),
        );
        add("compensated", case.compensation_fen > 0, resolved);
        if let Some(resolved) = case.resolved {
            minutes.push(((resolved.timestamp() - case.received.timestamp()) / 60) as u64);
        }
    }
    for name in [
        "first_contact_on_time",
        "timeliness",
        "closure",
        "satisfaction",
        "callback_success",
        "on_the_spot",
        "repeat",
        "reopen",
        "escalation_outside",
        "substantiation",
        "compensated",
        "acknowledgement_on_time",
    ] {
        k.entry(name).or_default();
    }
    let mut kpis: Expected = k.into_iter().map(|(name, v)| (name.to_owned(), v)).collect();
    if let Some(customers) = customers {
        kpis.insert("per_10000_customers".into(), (complaints * 10_000, customers));
    }
    minutes.sort_unstable();
    let rank = |q: f64| minutes[((q * minutes.len() as f64).ceil() as usize).max(1) - 1];
    let handling = if minutes.is_empty() {
        (0, 0, 0)
    } else {
        (minutes.len() as u64, rank(0.5), rank(0.9))
    };
    (cases.len() as u64, kpis, handling)
}

/// The same shape read from an answer (only the KPIs expected, by name).
fn answered(
    count: u64,
    kpis: &std::collections::HashMap<String, rpc::analytics::v1::Ratio>,
    expected: &Expected,
    handling: Option<&rpc::analytics::v1::Handling>,
) -> (u64, Expected, (u64, u64, u64)) {
    let kpis = expected
        .keys()
        .map(|name| {
            let r = kpis.get(name).unwrap_or_else(|| panic!("KPI {name} is answered"));
            (name.clone(), (r.numerator, r.denominator))
        })
        .collect();
    let h = handling.cloned().unwrap_or_default();
    let minutes = |hours: f64| (hours * 60.0).round() as u64;
    (count, kpis, (h.count, minutes(h.p50), minutes(h.p90)))
}

fn entry(reply: &BTreeMap<String, Breakdown>, key: &str, expected: &Expected) -> (u64, Expected, (u64, u64, u64)) {
    let breakdown = reply.get(key).cloned().unwrap_or_default();
    answered(
        breakdown.count,
        &breakdown.kpis,
        expected,
        breakdown.handling_hours.as_ref(),
    )
}

fn sorted(map: &std::collections::HashMap<String, Breakdown>) -> BTreeMap<String, Breakdown> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

async fn ask(running: &Running, from: &str, to: &str, filter: impl FnOnce(&mut KpisRequest)) -> KpisReply {
    let mut request = KpisRequest {
        from: from.into(),
        to: to.into(),
        ..KpisRequest::default()
    };
    filter(&mut request);
    running
        .client
        .clone()
        .kpis(with_tenant(TENANT, request))
        .await
        .expect("the KPIs")
        .into_inner()
}

testkit::on_both_backends!(kpis_of_ten_thousand_generated_cases_equal_those_computed_from_the_cases);

async fn kpis_of_ten_thousand_generated_cases_equal_those_computed_from_the_cases(target: &StoreTarget) {
    let cases = generate::cases(10_000, 20_250_101);
    let stream = Stream::of(&cases);
    let running = Running::start(target, "analytics.db").await;
    // Customers per branch for 2025; a region sums its branches.
    let customers: BTreeMap<&str, u64> = [("n1", 120_000), ("n2", 80_000), ("s1", 50_000), ("s2", 150_000)].into();
    for (unit, n) in &customers {
        let request = DenominatorRequest {
            unit: (*unit).into(),
            year: 2025,
            customers: *n,
            outlets: 4,
            entered_by: "admin".into(),
        };
        running
            .client
            .clone()
            .enter_denominator(with_tenant(TENANT, request))
            .await
            .expect("entered");
    }
    running.publish(&stream.events).await;

    let (from, to) = ("2025-01-01", "2025-06-30");
    let in_period: Vec<&Case> = cases.iter().collect();
    let whole = expected(&in_period, &cases, Some(customers.values().sum()));
    // Wait until every event is counted: the whole half year's figures as the model has them.
    let reply = testkit::wait_until(Duration::from_secs(180), || async {
        let reply = ask(&running, from, to, |_| {}).await;
        (answered(reply.total, &reply.kpis, &whole.1, reply.handling_hours.as_ref()) == whole).then_some(reply)
    })
    .await;
    let reply = match reply {
        Some(reply) => reply,
        None => {
            let reply = ask(&running, from, to, |_| {}).await;
            assert_eq!(
                answered(reply.total, &reply.kpis, &whole.1, reply.handling_hours.as_ref()),
                whole
            );
            unreachable!("the assertion above fails");
        }
    };
    assert_eq!(reply.total, 10_000);
    // No KPI is trivially empty in the generated set.
    for (name, (numerator, denominator)) in &whole.1 {
        assert!(
            *denominator > 0 && *numerator > 0,
            "{name} has cases to count: {numerator}/{denominator}"
        );
    }

    // By unit, rolled up the tree: each unit counts its subtree; head office is the branches' sum.
    let by_unit = sorted(&reply.by_unit);
    let customers_of = |unit: &str| -> u64 {
        customers
            .iter()
            .filter(|(branch, _)| line(branch).contains(&unit))
            .map(|(_, n)| n)
            .sum()
    };
    for (unit, _, _) in UNITS {
        let cases_of: Vec<&Case> = cases.iter().filter(|c| line(unit_of(c)).contains(unit)).collect();
        let want = expected(&cases_of, &cases, Some(customers_of(unit)));
        assert_eq!(entry(&by_unit, unit, &want.1), want, "by_unit {unit}");
    }
    let undispatched: Vec<&Case> = cases.iter().filter(|c| unit_of(c) == "undispatched").collect();
    let want = expected(&undispatched, &cases, None);
    assert_eq!(entry(&by_unit, "undispatched", &want.1), want);
    let hq = &by_unit["hq"];
    let branches: Vec<&Breakdown> = BRANCHES.iter().map(|b| &by_unit[*b]).collect();
    assert_eq!(hq.count, branches.iter().map(|b| b.count).sum::<u64>());
    for (name, kpi) in &hq.kpis {
        let summed: (u64, u64) = branches
            .iter()
            .map(|b| (b.kpis[name].numerator, b.kpis[name].denominator))
            .fold((0, 0), |s, v| (s.0 + v.0, s.1 + v.1));
        assert_eq!(
            (kpi.numerator, kpi.denominator),
            summed,
            "head office's {name} is its branches' sum"
        );
    }

    // A unit filter answers what the unit's entry says.
    let north = ask(&running, from, to, |r| r.unit = "north".into()).await;
    let cases_north: Vec<&Case> = cases.iter().filter(|c| line(unit_of(c)).contains(&"north")).collect();
    let want = expected(&cases_north, &cases, Some(customers_of("north")));
    assert_eq!(
        answered(north.total, &north.kpis, &want.1, north.handling_hours.as_ref()),
        want
    );

    // By tag: the subtrees of the units carrying it; and a tag filter.
    let by_tag = sorted(&reply.by_tag);
    for tag in ["region:north", "region:south", "brand:alpha", "brand:beta"] {
        let tagged: Vec<&Case> = cases.iter().filter(|c| tags(unit_of(c)).contains(&tag)).collect();
        let want = expected(&tagged, &cases, None);
        assert_eq!(entry(&by_tag, tag, &want.1), want, "by_tag {tag}");
    }
    let alpha = ask(&running, from, to, |r| r.tag = "brand:alpha".into()).await;
    let tagged: Vec<&Case> = cases
        .iter()
        .filter(|c| tags(unit_of(c)).contains(&"brand:alpha"))
        .collect();
    let want = expected(&tagged, &cases, None);
    assert_eq!(
        answered(alpha.total, &alpha.kpis, &want.1, alpha.handling_hours.as_ref()),
        want
    );

    // By month, and each month asked alone gives its entry.
    let by_month = sorted(&reply.by_month);
    assert_eq!(by_month.len(), 6);
    for (month, last) in [("01", 31), ("02", 28), ("03", 31), ("04", 30), ("05", 31), ("06", 30)] {
        let key = format!("2025-{month}");
        let of_month: Vec<&Case> = cases.iter().filter(|c| local(c.received, "%Y-%m") == key).collect();
        let want = expected(&of_month, &cases, None);
        assert_eq!(entry(&by_month, &key, &want.1), want, "by_month {key}");
        let alone = ask(&running, &format!("{key}-01"), &format!("{key}-{last}"), |_| {}).await;
        let want = expected(&of_month, &cases, Some(customers.values().sum()));
        assert_eq!(
            answered(alone.total, &alone.kpis, &want.1, alone.handling_hours.as_ref()),
            want,
            "{key} alone"
        );
    }
    // A single day, by Beijing time.
    let day = local(cases[0].received, "%Y-%m-%d");
    let of_day: Vec<&Case> = cases.iter().filter(|c| local(c.received, "%Y-%m-%d") == day).collect();
    assert_eq!(ask(&running, &day, &day, |_| {}).await.total, of_day.len() as u64);

    // By staff, channel, kind, product and regulatory code.
    let checks: [Breakdowns; 5] = [
        ("staff", sorted(&reply.by_staff), |c| {
            c.staff.clone().into_iter().collect()
        }),
        ("channel", sorted(&reply.by_channel), |c| vec![c.channel.to_owned()]),
        ("kind", sorted(&reply.by_kind), |c| vec![c.kind.to_owned()]),
        ("product", sorted(&reply.by_product), |c| vec![c.product.to_owned()]),
        ("regulatory code", sorted(&reply.by_regulatory_code), |c| {
            c.codes.map(|(set, code)| format!("{set}:{code}")).into_iter().collect()
        }),
    ];
    for (name, answered_map, keys) in checks {
        let mut groups: BTreeMap<String, Vec<&Case>> = BTreeMap::new();
        for case in &cases {
            for key in keys(case) {
                groups.entry(key).or_default().push(case);
            }
        }
        assert_eq!(
            answered_map.keys().collect::<Vec<_>>(),
            groups.keys().collect::<Vec<_>>(),
            "the {name} entries"
        );
        for (key, group) in &groups {
            let want = expected(group, &cases, None);
            assert_eq!(entry(&answered_map, key, &want.1), want, "by {name} {key}");
        }
    }
    hotspots_equal_those_counted_from_the_cases(&running, &cases).await;
    the_overdue_list_is_the_open_cases_past_their_deadline(&running, &cases).await;
    running.stop().await;
}

/// Hot spots of the second quarter against the 91 days before it, counted from the cases.
async fn hotspots_equal_those_counted_from_the_cases(running: &Running, cases: &[Case]) {
    let request = rpc::analytics::v1::HotspotsRequest {
        from: "2025-04-01".into(),
        to: "2025-06-30".into(),
        unit: String::new(),
        top: 3,
    };
    let reply = running
        .client
        .clone()
        .hotspots(with_tenant(TENANT, request))
        .await
        .expect("hot spots")
        .into_inner();
    assert_eq!(
        (reply.previous_from.as_str(), reply.previous_to.as_str()),
        ("2024-12-31", "2025-03-31")
    );
    let day = |c: &Case| local(c.received, "%Y-%m-%d");
    let in_now = |c: &&Case| day(c).as_str() >= "2025-04-01";
    let counts = |keys: &dyn Fn(&Case) -> Vec<String>, now: bool| {
        let mut counted: BTreeMap<String, u64> = BTreeMap::new();
        for case in cases.iter().filter(|c| in_now(c) == now) {
            for key in keys(case) {
                *counted.entry(key).or_default() += 1;
            }
        }
        counted
    };
    let ranked = |keys: &dyn Fn(&Case) -> Vec<String>, rising: bool| -> Vec<(String, u64, u64)> {
        let (now, before) = (counts(keys, true), counts(keys, false));
        let mut all: Vec<(String, u64, u64)> = now
            .keys()
            .chain(before.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|k| {
                (
                    k.clone(),
                    now.get(k).copied().unwrap_or(0),
                    before.get(k).copied().unwrap_or(0),
                )
            })
            .collect();
        if rising {
            all.retain(|(_, n, b)| n > b);
            all.sort_by(|a, b| (b.1 - b.2).cmp(&(a.1 - a.2)).then(a.0.cmp(&b.0)));
        } else {
            all.retain(|(_, n, _)| *n > 0);
            all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        all.truncate(3);
        all
    };
    let answered = |list: &[rpc::analytics::v1::Trend]| -> Vec<(String, u64, u64)> {
        list.iter().map(|t| (t.key.clone(), t.count, t.previous)).collect()
    };
    let category = |c: &Case| vec![c.category.to_owned()];
    let units = |c: &Case| match unit_of(c) {
        "undispatched" => vec!["undispatched".to_owned()],
        unit => line(unit)
            .into_iter()
            .filter(|u| *u != "hq")
            .map(str::to_owned)
            .collect(),
    };
    assert_eq!(answered(&reply.categories), ranked(&category, false));
    assert_eq!(answered(&reply.rising_categories), ranked(&category, true));
    assert_eq!(answered(&reply.rising_units), ranked(&units, true));
    assert!(
        !reply.categories.is_empty() && !reply.rising_units.is_empty(),
        "{reply:?}"
    );
}

/// The overdue list as of the end of 30 June 2025: every case opened and not resolved whose
/// resolution deadline (extended, if it was) had passed, by case number.
async fn the_overdue_list_is_the_open_cases_past_their_deadline(running: &Running, cases: &[Case]) {
    let at = chrono::Utc
        .with_ymd_and_hms(2025, 6, 30, 16, 0, 0)
        .single()
        .expect("instant");
    let mut expected: Vec<String> = cases
        .iter()
        .filter(|c| c.resolved.is_none())
        .filter(|c| c.extended_to.or(c.resolution_due).is_some_and(|due| due < at))
        .map(|c| format!("T{}", c.id.simple()))
        .collect();
    expected.sort();
    let request = rpc::analytics::v1::OverdueRequest {
        day: "2025-06-30".into(),
        unit: String::new(),
        format: "csv".into(),
        language: "en".into(),
    };
    let file = running
        .client
        .clone()
        .overdue_list(with_tenant(TENANT, request))
        .await
        .expect("the list")
        .into_inner();
    assert_eq!(file.filename, "overdue-2025-06-30.csv");
    let text = String::from_utf8(file.content).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("case number,unit,kind,category,received,due,days overdue")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut listed: Vec<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    listed.sort();
    assert!(!expected.is_empty());
    assert_eq!(listed, expected);
    let days: Vec<i64> = rows.iter().map(|r| r[6].parse().expect("days")).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "most overdue first");
}
