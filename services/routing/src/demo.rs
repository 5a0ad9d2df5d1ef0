//! Demo data (decision 0003: `redress up --demo`): a dealership group and a bank, each as the
//! two documents routing publishes, an organisation ([`OrgDocument`]) and a rule set
//! ([`RuleSet`], its `version` left to the store). The files live in `services/routing/demo/`.
//!
//! **Dealer** (`dealer`, 华骏汽车集团): head office `hq` with its call centre `hq-call-centre`
//! (a duty desk round the clock: `hq-cc-desk-day` 09:00–18:00, `hq-cc-desk-night` 18:00–09:00),
//! `hq-legal` and `hq-integrity`; brand divisions `byd-division` (take within 2 h) and
//! `toyota-division`, each with a manufacturer liaison queue (`byd-liaison`, `toyota-liaison`);
//! regions `south-region` (44, 45; duty `south-duty` nightly, `south-duty-deputy` Friday to
//! Sunday nights) and `east-region` (31, 32; `east-duty` nightly); six 4S stores, each under
//! its brand division and tagged with its region: `gz-tianhe-byd` 440106, `sz-futian-byd`
//! 440304, `sh-pudong-byd` 310115, `nn-qingxiu-toyota` 450103, `nj-gulou-toyota` 320106,
//! `su-huqiu-toyota` 320505, each staffed `<store>-gm`, `-crm`, `-sales`, `-service`.
//!
//! **Bank** (`bank`, 汇通银行): head office `hq` with `hq-consumer-protection` (the complaint
//! centre, night desk `hq-cp-night-desk`), `hq-legal`, `hq-integrity`, `hq-private-banking`
//! (relationship managers round the clock); provincial branches `gd-branch` (44) and
//! `js-branch` (32) with duty supervisors `gd-duty` and `js-duty` from 17:00 to 09:00, who are
//! also on the out-of-hours roster of every sub-branch of their province: `gd-tianhe` 440106,
//! `gd-yuexiu` 440104, `gd-futian` 440304, `js-xuanwu` 320102, `js-jianye` 320105, `js-gusu`
//! 320508, each staffed `<sub-branch>-president`, `-cp`, `-lobby`.
//!
//! The rule ids say what each rule does; the tests below walk through them.

use crate::org::OrgDocument;
use crate::ruleset::RuleSet;

/// One tenant's demo documents, as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Demo {
    pub tenant: &'static str,
    /// An [`OrgDocument`].
    pub organisation: &'static str,
    /// A [`RuleSet`] without its version.
    pub rules: &'static str,
}

/// The demo tenants: a dealership group and a bank.
pub const DEMOS: &[Demo] = &[
    Demo {
        tenant: "dealer",
        organisation: include_str!("../demo/dealer-organisation.json"),
        rules: include_str!("../demo/dealer-rules.json"),
    },
    Demo {
        tenant: "bank",
        organisation: include_str!("../demo/bank-organisation.json"),
        rules: include_str!("../demo/bank-rules.json"),
    },
];

impl Demo {
    /// The organisation as published (not yet checked: [`OrgDocument::build`] does that).
    pub fn organisation(&self) -> OrgDocument {
        serde_json::from_str(self.organisation)
            .unwrap_or_else(|e| panic!("the {} demo organisation parses: {e}", self.tenant))
    }

    /// The rule set as published (version 0 until the store gives it one).
    pub fn rules(&self) -> RuleSet {
        serde_json::from_str(self.rules).unwrap_or_else(|e| panic!("the {} demo rules parse: {e}", self.tenant))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::org::{Org, UnitKind};
    use crate::ruleset::{Decision, Facts, decide};

    fn demo(tenant: &str) -> (Org, RuleSet) {
        let demo = DEMOS.iter().find(|d| d.tenant == tenant).expect("a demo tenant");
        let org = demo
            .organisation()
            .build()
            .expect("the demo organisation holds together");
        let mut rules = demo.rules();
        rules.version = 1;
        (org, rules)
    }

    /// 2026-11-16 is a Monday; `hour` is Beijing time (UTC+8), which `decide` evaluates in.
    fn monday(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0)
            .single()
            .expect("a valid instant")
            + chrono::Duration::hours(i64::from(hour) - 8)
    }

    fn saturday(hour: u32) -> DateTime<Utc> {
        monday(hour) + chrono::Duration::days(5)
    }

    fn complaint() -> Facts {
        Facts {
            kind: "complaint".into(),
            channel: "phone".into(),
            source: "direct".into(),
            ..Facts::default()
        }
    }

    fn at_store(store: &str, brand: &str) -> Facts {
        Facts {
            requested_unit: Some(store.into()),
            brand: Some(brand.into()),
            ..complaint()
        }
    }

    fn escalation<'a>(decision: &'a Decision, rule_id: &str) -> &'a crate::ruleset::Escalation {
        decision
            .escalations
            .iter()
            .find(|e| e.rule_id == rule_id)
            .unwrap_or_else(|| panic!("escalation {rule_id} raised: {:#?}", decision))
    }

    #[test]
    fn both_demos_parse_build_and_pass_the_rule_check() {
        let tenants: Vec<&str> = DEMOS.iter().map(|d| d.tenant).collect();
        assert_eq!(tenants, vec!["dealer", "bank"]);
        for demo in DEMOS {
            let org = demo
                .organisation()
                .build()
                .unwrap_or_else(|e| panic!("{}: {e}", demo.tenant));
            assert_eq!(org.root().id, "hq", "{}", demo.tenant);
            let rules = demo.rules();
            assert_eq!(rules.version, 0, "the store sets the version");
            rules.check(&org).unwrap_or_else(|e| panic!("{}: {e}", demo.tenant));
            assert_eq!(
                org.with_tag("role:legal")
                    .iter()
                    .map(|u| u.id.as_str())
                    .collect::<Vec<_>>(),
                vec!["hq-legal"]
            );
            assert_eq!(
                org.with_tag("role:integrity")
                    .iter()
                    .map(|u| u.id.as_str())
                    .collect::<Vec<_>>(),
                vec!["hq-integrity"]
            );
            // Every member of staff's manager chain ends at the head of the tenant.
            let document = demo.organisation();
            for member in &document.staff {
                let mut at = org.staff(&member.id).expect("known");
                for _ in 0..document.staff.len() {
                    match &at.manager {
                        Some(manager) => at = org.staff(manager).expect("known"),
                        None => break,
                    }
                }
                assert_eq!(at.id, "hq-president", "{} reports up to the head", member.id);
            }
        }
    }

    #[test]
    fn the_dealer_has_six_stores_each_in_one_brand_division_and_one_region() {
        let (org, _) = demo("dealer");
        let document = DEMOS[0].organisation();
        let of_kind = |kind: UnitKind| -> Vec<&str> {
            document
                .units
                .iter()
                .filter(|u| u.kind == kind)
                .map(|u| u.id.as_str())
                .collect()
        };
        let stores = of_kind(UnitKind::Store);
        assert_eq!(stores.len(), 6, "{stores:?}");
        assert_eq!(of_kind(UnitKind::Division), vec!["byd-division", "toyota-division"]);
        assert_eq!(of_kind(UnitKind::Region), vec!["south-region", "east-region"]);
        for id in &stores {
            let store = org.unit(id).expect("known");
            let division = org.unit(store.parent.as_deref().expect("a parent")).expect("known");
            assert_eq!(division.kind, UnitKind::Division, "{id} sits in a brand division");
            let brands: Vec<&String> = store.tags.iter().filter(|t| t.starts_with("brand:")).collect();
            assert_eq!(brands.len(), 1, "{id}: {brands:?}");
            assert!(division.tags.contains(brands[0]), "{id} has its division's brand");
            let regions: Vec<&String> = store.tags.iter().filter(|t| t.starts_with("region:")).collect();
            assert_eq!(regions.len(), 1, "{id} is tagged with one region: {regions:?}");
            // The region it is tagged with is the region covering its district.
            let code = store.division_codes.iter().next().expect("a district");
            assert_eq!(code.len(), 6, "{id}");
            let region = org.covering(&code[..2]).expect("a region covers the province");
            assert_eq!(region.kind, UnitKind::Region);
            assert!(region.tags.contains(regions[0]), "{id}: {} vs {regions:?}", region.id);
            assert_eq!(org.covering(code).map(|u| u.id.as_str()), Some(*id));
            // Each store has its customer-relations manager, general manager, a salesperson and a
            // service advisor, whose managers lead up to the division head.
            for role in ["crm_manager", "general_manager", "sales", "service_advisor"] {
                assert_eq!(org.with_role(id, role).len(), 1, "{id} has one {role}");
            }
            let gm = &org.with_role(id, "general_manager")[0];
            assert_eq!(
                gm.manager
                    .as_deref()
                    .and_then(|m| org.staff(m))
                    .map(|m| m.unit.as_str()),
                Some(division.id.as_str())
            );
            let sales = &org.with_role(id, "sales")[0];
            assert_eq!(sales.manager.as_deref(), Some(gm.id.as_str()));
            // Manufacturer liaison of the store's brand, inside its division.
            let liaison: Vec<&str> = org
                .with_tag("role:manufacturer")
                .into_iter()
                .filter(|u| u.tags.contains(brands[0]))
                .map(|u| u.id.as_str())
                .collect();
            assert_eq!(liaison.len(), 1, "{id}");
            assert_eq!(
                org.unit(liaison[0]).and_then(|u| u.parent.as_deref()),
                Some(division.id.as_str())
            );
        }
        // Settings are inherited: hours set on some stores, the group's elsewhere; a division's
        // shorter take deadline reaches its stores.
        let tianhe = org.resolve("gz-tianhe-byd").expect("known");
        assert_eq!(
            (
                tianhe.business_hours.as_str(),
                tianhe.take_within_hours,
                tianhe.policy.as_str()
            ),
            ("08:30-18:00", 2, "dealership_group")
        );
        let nanning = org.resolve("nn-qingxiu-toyota").expect("known");
        assert_eq!(
            (nanning.business_hours.as_str(), nanning.take_within_hours),
            ("09:00-18:00", 4)
        );
    }

    #[test]
    fn a_case_naming_a_store_lands_there_and_a_located_one_on_the_store_of_its_district() {
        let (org, rules) = demo("dealer");
        let named = decide(&org, &rules, &at_store("sz-futian-byd", "byd"), monday(10));
        assert_eq!(
            (named.unit.as_str(), named.rule_id.as_str()),
            ("sz-futian-byd", "store.named")
        );
        assert!(
            named.because[0].starts_with("rule store.named (version 1)") && named.because[0].contains("sz-futian-byd"),
            "{:?}",
            named.because
        );
        assert_eq!(
            (named.severity.as_str(), named.priority.as_str()),
            ("general", "normal")
        );
        assert!(named.escalations.is_empty() && named.assignee.is_none(), "{named:#?}");

        let located = Facts {
            division_code: Some("320106".into()),
            ..complaint()
        };
        let decision = decide(&org, &rules, &located, monday(10));
        assert_eq!(
            (decision.unit.as_str(), decision.rule_id.as_str()),
            ("nj-gulou-toyota", "store.by_place")
        );
        assert!(decision.because[0].contains("covering the division code: nj-gulou-toyota"));
        let suzhou = decide(
            &org,
            &rules,
            &Facts {
                division_code: Some("320505".into()),
                ..complaint()
            },
            monday(10),
        );
        assert_eq!(suzhou.unit, "su-huqiu-toyota");
        // A district without a store goes to its region; a place outside both to the call centre.
        let nanshan = Facts {
            division_code: Some("440305".into()),
            ..complaint()
        };
        assert_eq!(decide(&org, &rules, &nanshan, monday(10)).unit, "south-region");
        let beijing = Facts {
            division_code: Some("110105".into()),
            ..complaint()
        };
        let decision = decide(&org, &rules, &beijing, monday(10));
        assert_eq!(
            (decision.unit.as_str(), decision.rule_id.as_str()),
            ("hq-call-centre", "call_centre.unplaced")
        );
    }

    #[test]
    fn after_hours_a_case_reaches_the_duty_supervisor_of_its_region() {
        let (org, rules) = demo("dealer");
        let case = Facts {
            division_code: Some("440106".into()),
            ..at_store("gz-tianhe-byd", "byd")
        };
        let night = decide(&org, &rules, &case, monday(22));
        assert_eq!(
            (night.unit.as_str(), night.rule_id.as_str(), night.assignee.as_deref()),
            ("south-region", "after_hours.south_region.guangdong", Some("south-duty"))
        );
        assert!(
            night
                .because
                .iter()
                .any(|b| b == "assigned to south-duty, on duty at south-region")
        );
        // Two in the morning: still Monday's night shift.
        let small_hours = decide(&org, &rules, &case, monday(26));
        assert_eq!(small_hours.assignee.as_deref(), Some("south-duty"));
        // The same case in business hours goes to the store, assigned to nobody in particular.
        let day = decide(&org, &rules, &case, monday(10));
        assert_eq!((day.unit.as_str(), day.assignee), ("gz-tianhe-byd", None));
        // East China has its own supervisor.
        let suzhou = Facts {
            division_code: Some("320505".into()),
            ..at_store("su-huqiu-toyota", "toyota")
        };
        let decision = decide(&org, &rules, &suzhou, monday(22));
        assert_eq!(
            (decision.unit.as_str(), decision.assignee.as_deref()),
            ("east-region", Some("east-duty"))
        );
        // A case without a place after hours: the call centre's night desk.
        let unplaced = decide(&org, &rules, &complaint(), monday(22));
        assert_eq!(
            (
                unplaced.unit.as_str(),
                unplaced.rule_id.as_str(),
                unplaced.assignee.as_deref()
            ),
            (
                "hq-call-centre",
                "after_hours.call_centre_desk",
                Some("hq-cc-desk-night")
            )
        );
    }

    #[test]
    fn a_vip_takes_the_green_channel() {
        let (org, rules) = demo("dealer");
        let vip = Facts {
            customer_tier: Some("vip".into()),
            ..at_store("nj-gulou-toyota", "toyota")
        };
        let decision = decide(&org, &rules, &vip, monday(10));
        assert_eq!(
            (
                decision.unit.as_str(),
                decision.rule_id.as_str(),
                decision.priority.as_str()
            ),
            ("nj-gulou-toyota", "green_channel.vip.named_store", "green_channel")
        );
        assert!(
            decision.watchers.contains(&"hq-call-centre".to_owned()),
            "{:?}",
            decision.watchers
        );
        assert_eq!(decision.severity, "major");
        let raised = escalation(&decision, "major.vip");
        assert!(
            raised.units.contains(&"toyota-division".to_owned()),
            "{:?}",
            raised.units
        );
        // Without a store or a place, and at night even with one: the call centre's duty desk.
        let anywhere = Facts {
            customer_tier: Some("vip".into()),
            ..complaint()
        };
        let decision = decide(&org, &rules, &anywhere, monday(10));
        assert_eq!(
            (
                decision.unit.as_str(),
                decision.priority.as_str(),
                decision.assignee.as_deref()
            ),
            ("hq-call-centre", "green_channel", Some("hq-cc-desk-day"))
        );
        let decision = decide(&org, &rules, &vip, monday(22));
        assert_eq!(
            (
                decision.rule_id.as_str(),
                decision.priority.as_str(),
                decision.assignee.as_deref()
            ),
            (
                "green_channel.vip.after_hours.call_centre_desk",
                "green_channel",
                Some("hq-cc-desk-night")
            )
        );
        // An ordinary customer's case at the same store is not on the green channel.
        let ordinary = decide(&org, &rules, &at_store("nj-gulou-toyota", "toyota"), monday(10));
        assert_eq!(ordinary.priority, "normal");
    }

    #[test]
    fn a_complaint_about_a_salesperson_is_never_assigned_to_them_nor_the_supervisor_to_themself() {
        let (org, rules) = demo("dealer");
        let about_sales = Facts {
            subject_staff: Some("gz-tianhe-byd-sales".into()),
            division_code: Some("440106".into()),
            ..at_store("gz-tianhe-byd", "byd")
        };
        for hour in 0..24 * 7 {
            for tier in [None, Some("vip")] {
                let case = Facts {
                    customer_tier: tier.map(Into::into),
                    ..about_sales.clone()
                };
                let decision = decide(&org, &rules, &case, monday(hour));
                assert_ne!(
                    decision.assignee.as_deref(),
                    Some("gz-tianhe-byd-sales"),
                    "{decision:#?}"
                );
                assert!(
                    decision
                        .because
                        .iter()
                        .any(|b| b == "never assigned to gz-tianhe-byd-sales, whom the case is about"),
                    "{:?}",
                    decision.because
                );
            }
        }
        // On a Saturday night two supervisors are on duty in the south; a complaint about one
        // goes to the other.
        let night = decide(&org, &rules, &about_sales, saturday(22));
        assert_eq!(night.assignee.as_deref(), Some("south-duty"));
        let about_duty = Facts {
            subject_staff: Some("south-duty".into()),
            ..about_sales
        };
        let night = decide(&org, &rules, &about_duty, saturday(22));
        assert_eq!(night.assignee.as_deref(), Some("south-duty-deputy"));
    }

    #[test]
    fn a_complaint_about_a_store_goes_to_its_brand_division_and_a_report_to_integrity() {
        let (org, rules) = demo("dealer");
        let about_store = Facts {
            subject_unit: Some("sh-pudong-byd".into()),
            ..at_store("sh-pudong-byd", "byd")
        };
        let decision = decide(&org, &rules, &about_store, monday(10));
        assert_eq!(
            (decision.unit.as_str(), decision.rule_id.as_str()),
            ("byd-division", "accused_store.byd.brand_division")
        );
        let report = Facts {
            kind: "report".into(),
            ..about_store
        };
        let decision = decide(&org, &rules, &report, monday(10));
        assert_eq!(
            (decision.unit.as_str(), decision.rule_id.as_str()),
            ("hq-integrity", "report.to_integrity")
        );
        assert_eq!(decision.policy.as_deref(), Some("corporate_misconduct_reports"));
    }

    #[test]
    fn product_quality_is_watched_by_the_manufacturer_and_call_centre_dispatch_by_head_office() {
        let (org, rules) = demo("dealer");
        let quality = Facts {
            category_code: Some("dealer.product_quality".into()),
            ..at_store("gz-tianhe-byd", "byd")
        };
        let decision = decide(&org, &rules, &quality, monday(10));
        assert_eq!(
            (
                decision.unit.as_str(),
                decision.rule_id.as_str(),
                decision.watchers.clone()
            ),
            (
                "gz-tianhe-byd",
                "product_quality.byd.named_store",
                vec!["byd-liaison".to_owned()]
            )
        );
        let located = Facts {
            category_code: Some("dealer.product_quality".into()),
            brand: Some("toyota".into()),
            division_code: Some("450103".into()),
            ..complaint()
        };
        let decision = decide(&org, &rules, &located, monday(10));
        assert_eq!(
            (decision.unit.as_str(), decision.watchers.clone()),
            ("nn-qingxiu-toyota", vec!["toyota-liaison".to_owned()])
        );
        let from_call_centre = Facts {
            source: "hq_call_centre".into(),
            ..at_store("sz-futian-byd", "byd")
        };
        let decision = decide(&org, &rules, &from_call_centre, monday(10));
        assert_eq!(decision.unit, "sz-futian-byd");
        assert!(decision.watchers.contains(&"hq".to_owned()), "{:?}", decision.watchers);
        assert!(
            !decide(&org, &rules, &at_store("sz-futian-byd", "byd"), monday(10))
                .watchers
                .contains(&"hq".to_owned())
        );
    }

    #[test]
    fn repeats_vehicle_returns_and_media_escalate_to_the_brands_manufacturer_and_legal() {
        let (org, rules) = demo("dealer");
        let cases = [
            (
                "major.repeat",
                "major",
                Facts {
                    days_since_previous: Some(5),
                    ..complaint()
                },
            ),
            (
                "major.return_or_exchange",
                "major",
                Facts {
                    signals: vec!["demand:return_or_exchange".into()],
                    ..complaint()
                },
            ),
            (
                "critical.media.signal",
                "critical",
                Facts {
                    signals: vec!["keyword:media".into()],
                    ..complaint()
                },
            ),
        ];
        for (rule_id, severity, facts) in cases {
            for (store, brand, division, liaison, other) in [
                ("gz-tianhe-byd", "byd", "byd-division", "byd-liaison", "toyota-liaison"),
                (
                    "su-huqiu-toyota",
                    "toyota",
                    "toyota-division",
                    "toyota-liaison",
                    "byd-liaison",
                ),
            ] {
                let case = Facts {
                    requested_unit: Some(store.into()),
                    brand: Some(brand.into()),
                    ..facts.clone()
                };
                let decision = decide(&org, &rules, &case, monday(10));
                assert_eq!(decision.unit, store);
                assert_eq!(decision.escalations.len(), 1, "{rule_id}: {:#?}", decision.escalations);
                let raised = escalation(&decision, rule_id);
                assert_eq!(
                    raised.units,
                    vec![division, "hq-legal", "hq", liaison],
                    "{rule_id} at {store}"
                );
                assert!(!raised.units.contains(&other.to_owned()));
                assert_eq!(decision.severity, severity, "{rule_id}");
            }
        }
        // A repeat that also reached the media: both raised, and the gravest severity stands.
        let both = Facts {
            days_since_previous: Some(12),
            signals: vec!["keyword:media".into()],
            ..at_store("gz-tianhe-byd", "byd")
        };
        let decision = decide(&org, &rules, &both, monday(10));
        let raised: Vec<&str> = decision.escalations.iter().map(|e| e.rule_id.as_str()).collect();
        assert_eq!(raised, vec!["major.repeat", "critical.media.signal"]);
        assert_eq!(decision.severity, "critical");
        assert_eq!(
            escalation(&decision, "critical.media.signal").acknowledge_within_hours,
            4
        );
        // Forty days on is not a repeat.
        let stale = Facts {
            days_since_previous: Some(40),
            ..at_store("gz-tianhe-byd", "byd")
        };
        assert!(decide(&org, &rules, &stale, monday(10)).escalations.is_empty());
    }

    #[test]
    fn a_bank_case_goes_to_the_branch_holding_the_account_not_the_callers_province() {
        let (org, rules) = demo("bank");
        let case = Facts {
            account_unit: Some("js-gusu".into()),
            division_code: Some("440106".into()),
            ..complaint()
        };
        let day = decide(&org, &rules, &case, monday(10));
        assert_eq!(
            (day.unit.as_str(), day.rule_id.as_str()),
            ("js-gusu", "local.account_branch")
        );
        assert!(
            day.because[0].contains("the branch holding the account: js-gusu"),
            "{:?}",
            day.because
        );
        // At night too, with Jiangsu's duty supervisor, not Guangdong's.
        let night = decide(&org, &rules, &case, monday(22));
        assert_eq!(
            (night.unit.as_str(), night.rule_id.as_str(), night.assignee.as_deref()),
            ("js-gusu", "local.account_branch.after_hours", Some("js-duty"))
        );
        // Without an account: by place, and at night the province's duty supervisor.
        let caller = Facts {
            division_code: Some("440304".into()),
            ..complaint()
        };
        let decision = decide(&org, &rules, &caller, monday(10));
        assert_eq!(
            (decision.unit.as_str(), decision.rule_id.as_str()),
            ("gd-futian", "local.by_place")
        );
        let decision = decide(&org, &rules, &caller, monday(22));
        assert_eq!(
            (decision.unit.as_str(), decision.assignee.as_deref()),
            ("gd-branch", Some("gd-duty"))
        );
        // Neither account nor place: the complaint centre, its night desk after hours.
        assert_eq!(
            decide(&org, &rules, &complaint(), monday(10)).unit,
            "hq-consumer-protection"
        );
        assert_eq!(
            decide(&org, &rules, &complaint(), monday(22)).assignee.as_deref(),
            Some("hq-cp-night-desk")
        );
    }

    #[test]
    fn a_bank_report_never_lands_on_the_sub_branch_or_its_province() {
        let (org, rules) = demo("bank");
        let report = Facts {
            kind: "report".into(),
            subject_unit: Some("js-xuanwu".into()),
            account_unit: Some("js-xuanwu".into()),
            division_code: Some("320102".into()),
            ..complaint()
        };
        for at in [monday(10), monday(22)] {
            let decision = decide(&org, &rules, &report, at);
            assert_eq!(decision.unit, "hq-integrity", "{decision:#?}");
            assert!(!["js-xuanwu", "js-branch"].contains(&decision.unit.as_str()));
        }
        // A complaint (not a report) against the sub-branch holding the account is recused to
        // integrity rather than handled by the accused.
        let complaint_about = Facts {
            kind: "complaint".into(),
            ..report
        };
        let decision = decide(&org, &rules, &complaint_about, monday(10));
        assert_eq!(decision.unit, "hq-integrity");
        assert!(
            decision.because.iter().any(|b| b.starts_with("recusal")),
            "{:?}",
            decision.because
        );
    }

    #[test]
    fn bank_private_banking_customers_take_the_green_channel_and_escalations_reach_the_province() {
        let (org, rules) = demo("bank");
        let vip = Facts {
            customer_tier: Some("private_banking".into()),
            account_unit: Some("gd-tianhe".into()),
            ..complaint()
        };
        let decision = decide(&org, &rules, &vip, monday(22));
        assert_eq!(
            (
                decision.unit.as_str(),
                decision.rule_id.as_str(),
                decision.priority.as_str(),
                decision.assignee.as_deref()
            ),
            (
                "hq-private-banking",
                "green_channel.private_banking",
                "green_channel",
                Some("hq-pb-rm-night")
            )
        );
        let to_regulator = Facts {
            source: "regulator".into(),
            account_unit: Some("gd-tianhe".into()),
            ..complaint()
        };
        let decision = decide(&org, &rules, &to_regulator, monday(10));
        assert_eq!(decision.unit, "gd-tianhe");
        assert_eq!(decision.severity, "major");
        let raised = escalation(&decision, "major.to_regulator.source");
        assert_eq!(
            raised.units,
            vec!["hq-legal", "hq", "gd-branch", "hq-consumer-protection"]
        );
        let mass = Facts {
            signals: vec!["collective".into(), "keyword:media".into()],
            days_since_previous: Some(3),
            ..to_regulator
        };
        let decision = decide(&org, &rules, &mass, monday(10));
        let raised: Vec<&str> = decision.escalations.iter().map(|e| e.rule_id.as_str()).collect();
        assert_eq!(
            raised,
            vec![
                "major.repeat",
                "major.to_regulator.source",
                "urgent.collective",
                "urgent.media.signal"
            ]
        );
        assert_eq!(decision.severity, "urgent");
    }
}
