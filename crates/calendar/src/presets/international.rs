//! Presets from rules abroad: the UK FCA, the US CFPB and the EU whistleblowing directive.

use super::{policy, resolution_ladder, rule, step, variant};
use crate::{ApprovalLevel, DeadlineKind, EndOf, Period, Policy, StartEvent};

use DeadlineKind::{Acknowledgement, Resolution};
use EndOf::{CloseOfBusiness, EndOfDay};
use StartEvent::{Acknowledged, Received};

pub(super) fn uk_fca_disp() -> Policy {
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

pub(super) fn us_cfpb() -> Policy {
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

pub(super) fn eu_whistleblowing() -> Policy {
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
