//! Presets from mainland-Chinese rules and organisations' own procedures.

use super::{policy, resolution_ladder, rule, step, variant};
use crate::{ApprovalLevel, DeadlineKind, EndOf, PauseReason, Period, Policy, StartEvent};

use DeadlineKind::{Acknowledgement, Callback, EarlyWarningAcknowledgement, FirstContact, Resolution, ResultNotice};
use EndOf::{EndOfDay, Exact};
use StartEvent::{Accepted, Completed, Dispatched, MajorComplaintFlagged, Received};

pub(super) fn service_commitment() -> Policy {
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

pub(super) fn corporate_misconduct_reports() -> Policy {
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

pub(super) fn bank_2012_notice() -> Policy {
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
        vec![step(Period::WorkingDays(60), ApprovalLevel::DepartmentHead, true)],
        Period::WorkingDays(60),
    );
    policy
}

pub(super) fn bank_2020_measures() -> Policy {
    let mut resolution = rule(
        Resolution,
        Period::Days(15),
        Accepted,
        EndOfDay,
        "decide within 15 days of acceptance (calendar days)",
    );
    resolution.pause_reasons = vec![PauseReason::AwaitingComplainant, PauseReason::ExternalAppraisal];
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

pub(super) fn credit_report_disputes() -> Policy {
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

pub(super) fn handling_unit_first_contact() -> Policy {
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

pub(super) fn property_management() -> Policy {
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
            rule(Callback, Period::Days(3), Completed, EndOfDay, "callback within 3 days"),
        ],
    )
}

pub(super) fn hospital() -> Policy {
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

pub(super) fn hospital_variant() -> Policy {
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

pub(super) fn logistics_service_desk() -> Policy {
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

pub(super) fn dealership_group() -> Policy {
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

/// A 4S store's own process under a dealership group ("per store process" in the domain's
/// table): a starting point a store adjusts as its own version.
pub(super) fn dealership_store() -> Policy {
    let mut policy = policy(
        "dealership_store",
        "Dealership store (4S) process",
        "The store answers within 7 working days of acceptance; a complex case may be extended once to 15 working days with the store general manager's approval, the complainant told the new date and why; the result goes to the group within 24 hours of completion.",
        vec![
            rule(
                Resolution,
                Period::WorkingDays(7),
                Accepted,
                EndOfDay,
                "answer within 7 working days",
            ),
            rule(
                ResultNotice,
                Period::ClockHours(24),
                Completed,
                Exact,
                "result to the group within 24 hours of completion",
            ),
        ],
    );
    policy.extension_ladder = resolution_ladder(
        vec![step(Period::WorkingDays(15), ApprovalLevel::DepartmentHead, true)],
        Period::WorkingDays(15),
    );
    policy
}

pub(super) fn retail() -> Policy {
    policy(
        "retail",
        "Retail",
        "",
        vec![rule(Resolution, Period::Days(7), Received, EndOfDay, "within 7 days")],
    )
}

pub(super) fn market_regulator_12315() -> Policy {
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
