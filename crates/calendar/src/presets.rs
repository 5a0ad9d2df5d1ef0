//! The deadline policies the product ships, one per row of the domain's deadline table.
//!
//! Each has a stable snake_case name ([`NAMES`]); [`get`] returns a fresh copy that an
//! organisation may adjust and store as its own version. Every number is data: the presets
//! are ordinary [`Policy`] values.

use crate::{
    ApprovalLevel, DeadlineKind, DeadlineRule, EndOf, ExtensionLadder, ExtensionStep, PauseReason,
    Period, Policy, StartEvent,
};

/// The names of all presets, in the order of the domain's deadline table.
pub const NAMES: [&str; 16] = [
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
    "retail",
    "market_regulator_12315",
    "uk_fca_disp",
    "us_cfpb",
    "eu_whistleblowing",
];

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

fn rule(
    kind: DeadlineKind,
    period: Period,
    start_event: StartEvent,
    end: EndOf,
    note: &str,
) -> DeadlineRule {
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

use DeadlineKind::{
    Acknowledgement, Callback, EarlyWarningAcknowledgement, FirstContact, Resolution, ResultNotice,
};
use EndOf::{CloseOfBusiness, EndOfDay, Exact};
use StartEvent::{Accepted, Acknowledged, Completed, Dispatched, MajorComplaintFlagged, Received};

fn service_commitment() -> Policy {
    policy(
        "service_commitment",
        "Service commitment (generic)",
        "2 working days to acknowledge, 15 to answer; a callback follows the result (no fixed time).",
        vec![
            rule(
                Resolution,
                Period::WorkingDays(15),
                Accepted,
                EndOfDay,
                "answer within 15 working days",
            ),
            rule(
                Acknowledgement,
                Period::WorkingDays(2),
                Received,
                EndOfDay,
                "acknowledge within 2 working days",
            ),
        ],
    )
}

fn corporate_misconduct_reports() -> Policy {
    let mut policy = policy(
        "corporate_misconduct_reports",
        "Corporate misconduct reports (举报)",
        "The 2-working-day acknowledgement is the internal review and sign-off of the registration, not a notice to the reporter.",
        vec![
            rule(
                Resolution,
                Period::Days(30),
                Accepted,
                EndOfDay,
                "handle within 30 days",
            ),
            rule(
                Acknowledgement,
                Period::WorkingDays(2),
                Received,
                EndOfDay,
                "internal review and sign-off of the registration within 2 working days",
            ),
            rule(
                ResultNotice,
                Period::Days(5),
                Completed,
                EndOfDay,
                "result letter within 5 days of completion",
            ),
            variant(
                rule(
                    Resolution,
                    Period::Days(15),
                    Dispatched,
                    EndOfDay,
                    "a commissioned check reports within 15 days",
                ),
                "commissioned_check",
            ),
        ],
    );
    policy.extension_ladder = resolution_ladder(
        vec![step(Period::Days(60), ApprovalLevel::DepartmentHead, false)],
        Period::Days(60),
    );
    policy
}

fn bank_2012_notice() -> Policy {
    let mut policy = policy(
        "bank_2012_notice",
        "Bank complaints, 2012 notice",
        "Acknowledge on receipt; half-year statistics are due 30 January and 30 July (a filing date, not a case deadline).",
        vec![
            rule(
                Resolution,
                Period::WorkingDays(15),
                Received,
                EndOfDay,
                "handle within 15 working days",
            ),
            rule(
                Acknowledgement,
                Period::Days(0),
                Received,
                EndOfDay,
                "acknowledge on receipt (the same day)",
            ),
        ],
    );
    policy.extension_ladder = resolution_ladder(
        vec![step(
            Period::WorkingDays(60),
            ApprovalLevel::DepartmentHead,
            true,
        )],
        Period::WorkingDays(60),
    );
    policy
}

fn bank_2020_measures() -> Policy {
    let mut resolution = rule(
        Resolution,
        Period::Days(15),
        Accepted,
        EndOfDay,
        "decide within 15 days of acceptance (calendar days)",
    );
    resolution.pause_reasons = vec![
        PauseReason::AwaitingComplainant,
        PauseReason::ExternalAppraisal,
    ];
    let mut policy = policy(
        "bank_2020_measures",
        "Bank and insurance consumer complaints, 2020 measures",
        "Counts calendar days; time for external appraisal or testing is excluded from the clock; a repeat complaint within the period may be merged; the handler must have no stake.",
        vec![resolution],
    );
    policy.extension_ladder = resolution_ladder(
        vec![
            step(Period::Days(30), ApprovalLevel::DepartmentHead, true),
            step(Period::Days(60), ApprovalLevel::SeniorManagement, true),
        ],
        Period::Days(60),
    );
    policy
}

fn credit_report_disputes() -> Policy {
    policy(
        "credit_report_disputes",
        "Credit-report disputes",
        "A clock of its own inside a bank.",
        vec![rule(
            Resolution,
            Period::Days(20),
            Received,
            EndOfDay,
            "settle the dispute within 20 days",
        )],
    )
}

fn handling_unit_first_contact() -> Policy {
    policy(
        "handling_unit_first_contact",
        "Handling unit's first contact",
        "Set per organisation or source; 4 business hours by default.",
        vec![rule(
            FirstContact,
            Period::BusinessHours(4),
            Dispatched,
            Exact,
            "contact the complainant within 4 business hours",
        )],
    )
}

fn property_management() -> Policy {
    policy(
        "property_management",
        "Property management",
        "Ordinary matters the same day, special ones within 3 days; callback within 3 days.",
        vec![
            rule(
                Resolution,
                Period::Days(0),
                Received,
                EndOfDay,
                "ordinary: the same day",
            ),
            variant(
                rule(
                    Resolution,
                    Period::Days(3),
                    Received,
                    EndOfDay,
                    "special: within 3 days",
                ),
                "special",
            ),
            rule(
                Callback,
                Period::Days(3),
                Completed,
                EndOfDay,
                "callback within 3 days",
            ),
        ],
    )
}

fn hospital() -> Policy {
    policy(
        "hospital",
        "Hospital",
        "",
        vec![
            rule(
                Resolution,
                Period::WorkingDays(5),
                Received,
                EndOfDay,
                "within 5 working days",
            ),
            variant(
                rule(
                    Resolution,
                    Period::WorkingDays(10),
                    Received,
                    EndOfDay,
                    "10 working days if several departments are involved",
                ),
                "several_departments",
            ),
        ],
    )
}

fn hospital_variant() -> Policy {
    policy(
        "hospital_variant",
        "Hospital (variant)",
        "",
        vec![
            rule(
                Resolution,
                Period::WorkingDays(3),
                Received,
                EndOfDay,
                "within 3 working days",
            ),
            variant(
                rule(
                    Resolution,
                    Period::WorkingDays(7),
                    Received,
                    EndOfDay,
                    "7 working days if serious or several departments are involved",
                ),
                "serious_or_several_departments",
            ),
        ],
    )
}

fn logistics_service_desk() -> Policy {
    policy(
        "logistics_service_desk",
        "Logistics service desk",
        "",
        vec![rule(
            Resolution,
            Period::Minutes(30),
            Received,
            Exact,
            "a proposal within 30 minutes",
        )],
    )
}

fn dealership_group() -> Policy {
    policy(
        "dealership_group",
        "Dealership group",
        "Resolution follows each store's own process.",
        vec![
            rule(
                ResultNotice,
                Period::ClockHours(24),
                Completed,
                Exact,
                "result to the group within 24 hours of completion",
            ),
            rule(
                EarlyWarningAcknowledgement,
                Period::ClockHours(24),
                MajorComplaintFlagged,
                Exact,
                "major-complaint warning to brand division and legal within 24 hours",
            ),
        ],
    )
}

fn retail() -> Policy {
    policy(
        "retail",
        "Retail",
        "",
        vec![rule(
            Resolution,
            Period::Days(7),
            Received,
            EndOfDay,
            "within 7 days",
        )],
    )
}

fn market_regulator_12315() -> Policy {
    policy(
        "market_regulator_12315",
        "Market regulator consumer complaints (12315)",
        "",
        vec![
            rule(
                Resolution,
                Period::WorkingDays(45),
                Accepted,
                EndOfDay,
                "mediation ends after 45 working days",
            ),
            rule(
                Acknowledgement,
                Period::WorkingDays(7),
                Received,
                EndOfDay,
                "accept or reject within 7 working days",
            ),
            rule(
                ResultNotice,
                Period::WorkingDays(7),
                Completed,
                EndOfDay,
                "tell the complainant within 7 working days of the end",
            ),
        ],
    )
}

fn uk_fca_disp() -> Policy {
    policy(
        "uk_fca_disp",
        "UK FCA DISP",
        "Acknowledge promptly (no fixed time); resolving by close of business on the third business day after receipt allows a summary resolution communication.",
        vec![
            rule(
                Resolution,
                Period::Weeks(8),
                Received,
                EndOfDay,
                "final response within 8 weeks of receipt",
            ),
            variant(
                rule(
                    Resolution,
                    Period::WorkingDays(3),
                    Received,
                    CloseOfBusiness,
                    "close of business on the 3rd business day after receipt",
                ),
                "summary_resolution",
            ),
        ],
    )
}

fn us_cfpb() -> Policy {
    let mut policy = policy(
        "us_cfpb",
        "US CFPB",
        "\"Timely response\" is measured against these.",
        vec![rule(
            Resolution,
            Period::Days(15),
            Received,
            EndOfDay,
            "respond within 15 days",
        )],
    );
    policy.extension_ladder = resolution_ladder(
        vec![step(Period::Days(60), ApprovalLevel::Supervisor, true)],
        Period::Days(60),
    );
    policy
}

fn eu_whistleblowing() -> Policy {
    policy(
        "eu_whistleblowing",
        "EU whistleblowing directive",
        "",
        vec![
            rule(
                Resolution,
                Period::Months(3),
                Acknowledged,
                EndOfDay,
                "feedback within 3 months of the acknowledgement",
            ),
            rule(
                Acknowledgement,
                Period::Days(7),
                Received,
                EndOfDay,
                "acknowledge within 7 days",
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_valid_preset_with_that_id() {
        let presets = all();
        assert_eq!(presets.len(), NAMES.len());
        for (name, policy) in NAMES.iter().zip(&presets) {
            assert_eq!(&policy.id, name);
            policy
                .validate()
                .unwrap_or_else(|error| panic!("{name}: {error}"));
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
        assert_eq!(
            primary("service_commitment").period,
            Period::WorkingDays(15)
        );
        assert_eq!(primary("uk_fca_disp").period, Period::Weeks(8));
        assert_eq!(primary("handling_unit_first_contact").kind, FirstContact);
        assert_eq!(primary("dealership_group").kind, ResultNotice);
    }
}
