//! The deadline policies the product ships, one per row of the domain's deadline table.
//!
//! Each has a stable snake_case name ([`NAMES`]); [`get`] returns a fresh copy that an
//! organisation may adjust and store as its own version. Every number is data: the presets
//! are ordinary [`Policy`] values.

use crate::{
    ApprovalLevel, DeadlineKind, DeadlineRule, EndOf, ExtensionLadder, ExtensionStep, PauseReason, Period, Policy,
    StartEvent,
};

/// The names of all presets, in the order of the domain's deadline table.
pub const NAMES: [&str; 17] = [
    "service_commitment",
    "corporate_misconduct_reports",
    "bank_2012_notice",
    "bank_2020_measures",
    "credit_report_disputes",
    "handling_unit_first_contact",
    "property_management",
    "hospital",
    "hospital_variant",
    "logistics_service_desk",
    "dealership_group",
    "dealership_store",
    "retail",
    "market_regulator_12315",
    "uk_fca_disp",
    "us_cfpb",
    "eu_whistleblowing",
];

mod international;
mod mainland;

use international::{eu_whistleblowing, uk_fca_disp, us_cfpb};
use mainland::{
    bank_2012_notice, bank_2020_measures, corporate_misconduct_reports, credit_report_disputes, dealership_group,
    dealership_store, handling_unit_first_contact, hospital, hospital_variant, logistics_service_desk,
    market_regulator_12315, property_management, retail, service_commitment,
};

/// The preset with this name.
pub fn get(name: &str) -> Option<Policy> {
    let policy = match name {
        "service_commitment" => service_commitment(),
        "corporate_misconduct_reports" => corporate_misconduct_reports(),
        "bank_2012_notice" => bank_2012_notice(),
        "bank_2020_measures" => bank_2020_measures(),
        "credit_report_disputes" => credit_report_disputes(),
        "handling_unit_first_contact" => handling_unit_first_contact(),
        "property_management" => property_management(),
        "hospital" => hospital(),
        "hospital_variant" => hospital_variant(),
        "logistics_service_desk" => logistics_service_desk(),
        "dealership_group" => dealership_group(),
        "dealership_store" => dealership_store(),
        "retail" => retail(),
        "market_regulator_12315" => market_regulator_12315(),
        "uk_fca_disp" => uk_fca_disp(),
        "us_cfpb" => us_cfpb(),
        "eu_whistleblowing" => eu_whistleblowing(),
        _ => return None,
    };
    Some(policy)
}

/// All presets, in the order of [`NAMES`].
pub fn all() -> Vec<Policy> {
    NAMES.iter().filter_map(|name| get(name)).collect()
}

/// Warnings at half and four fifths of the allowed time, the presets' default.
const DEFAULT_WARNINGS: [f64; 2] = [0.5, 0.8];

fn policy(id: &str, name: &str, description: &str, deadlines: Vec<DeadlineRule>) -> Policy {
    Policy {
        id: id.to_owned(),
        version: 1,
        name: name.to_owned(),
        description: description.to_owned(),
        deadlines,
        extension_ladder: None,
        warnings: DEFAULT_WARNINGS.to_vec(),
    }
}

fn rule(kind: DeadlineKind, period: Period, start_event: StartEvent, end: EndOf, note: &str) -> DeadlineRule {
    DeadlineRule {
        kind,
        variant: None,
        period,
        start_event,
        end,
        pause_reasons: vec![PauseReason::AwaitingComplainant],
        note: note.to_owned(),
    }
}

fn variant(rule: DeadlineRule, name: &str) -> DeadlineRule {
    DeadlineRule {
        variant: Some(name.to_owned()),
        ..rule
    }
}

fn step(extend_to: Period, approval: ApprovalLevel, notify_complainant: bool) -> ExtensionStep {
    ExtensionStep {
        extend_to,
        reason_required: true,
        approval,
        notify_complainant,
    }
}

fn resolution_ladder(steps: Vec<ExtensionStep>, cap: Period) -> Option<ExtensionLadder> {
    Some(ExtensionLadder {
        applies_to: DeadlineKind::Resolution,
        steps,
        cap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DeadlineKind::{FirstContact, ResultNotice};

    #[test]
    fn every_name_has_a_valid_preset_with_that_id() {
        let presets = all();
        assert_eq!(presets.len(), NAMES.len());
        for (name, policy) in NAMES.iter().zip(&presets) {
            assert_eq!(&policy.id, name);
            policy.validate().unwrap_or_else(|error| panic!("{name}: {error}"));
            let back = Policy::from_json(&policy.to_json()).expect("round trip");
            assert_eq!(&back, policy);
        }
        assert!(get("no_such_preset").is_none());
    }

    #[test]
    fn primary_rules_are_resolution_unless_the_preset_has_none() {
        let primary = |name: &str| {
            get(name)
                .and_then(|policy| policy.primary_rule().cloned())
                .expect("preset")
        };
        assert_eq!(primary("service_commitment").period, Period::WorkingDays(15));
        assert_eq!(primary("uk_fca_disp").period, Period::Weeks(8));
        assert_eq!(primary("handling_unit_first_contact").kind, FirstContact);
        assert_eq!(primary("dealership_group").kind, ResultNotice);
    }
}
