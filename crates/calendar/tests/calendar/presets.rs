//! One worked example per preset, on the `cn` calendar, mostly from Wednesday 30 September
//! 2026 10:00 (the eve of National Day: 1–7 October off, Saturday 10 October worked).

use calendar::{DeadlineKind, DueSpec, Registry, due_line, presets};

use crate::{cn, instant, local};

const EVE_OF_NATIONAL_DAY: &str = "2026-09-30T10:00:00+08:00";

/// The due instant of a preset's deadline (kind, variant) from a start.
fn preset_due(name: &str, kind: DeadlineKind, variant: Option<&str>, start: &str) -> String {
    let policy = presets::get(name).unwrap_or_else(|| panic!("preset {name}"));
    let rule = policy
        .rule(kind, variant)
        .unwrap_or_else(|| panic!("{name} has {kind} {variant:?}"));
    let due = cn().due(instant(start), rule.period, rule.end);
    assert!(!due.provisional, "{name}: stays inside 2026");
    local(cn(), due.at)
}

fn primary_line(name: &str, start: &str) -> String {
    due_line(&Registry::builtin(), "cn", start, DueSpec::Preset(name.to_owned())).expect("valid preset")
}

use DeadlineKind::{Acknowledgement, Callback, EarlyWarningAcknowledgement, FirstContact, Resolution, ResultNotice};

#[test]
fn every_preset_has_a_worked_example() {
    let start = EVE_OF_NATIONAL_DAY;
    // (preset, kind, variant, expected) — working days skip 1–7 Oct and count Sat 10 Oct.
    let examples: &[(&str, DeadlineKind, Option<&str>, &str)] = &[
        // 8, 9, 10 (Sat), 12 … 27 Oct: the 15th working day is Tue 27 Oct.
        ("service_commitment", Resolution, None, "2026-10-27T23:59:59+08:00"),
        ("service_commitment", Acknowledgement, None, "2026-10-09T23:59:59+08:00"),
        (
            "corporate_misconduct_reports",
            Resolution,
            None,
            "2026-10-30T23:59:59+08:00",
        ),
        (
            "corporate_misconduct_reports",
            Acknowledgement,
            None,
            "2026-10-09T23:59:59+08:00",
        ),
        (
            "corporate_misconduct_reports",
            ResultNotice,
            None,
            "2026-10-05T23:59:59+08:00",
        ),
        (
            "corporate_misconduct_reports",
            Resolution,
            Some("commissioned_check"),
            "2026-10-15T23:59:59+08:00",
        ),
        ("bank_2012_notice", Resolution, None, "2026-10-27T23:59:59+08:00"),
        ("bank_2012_notice", Acknowledgement, None, "2026-09-30T23:59:59+08:00"),
        // Calendar days: the holiday counts.
        ("bank_2020_measures", Resolution, None, "2026-10-15T23:59:59+08:00"),
        ("credit_report_disputes", Resolution, None, "2026-10-20T23:59:59+08:00"),
        // 10:00–12:00 and 13:30–15:30 the same day.
        (
            "handling_unit_first_contact",
            FirstContact,
            None,
            "2026-09-30T15:30:00+08:00",
        ),
        ("property_management", Resolution, None, "2026-09-30T23:59:59+08:00"),
        (
            "property_management",
            Resolution,
            Some("special"),
            "2026-10-03T23:59:59+08:00",
        ),
        ("property_management", Callback, None, "2026-10-03T23:59:59+08:00"),
        // 8, 9, 10 (Sat), 12, 13 Oct.
        ("hospital", Resolution, None, "2026-10-13T23:59:59+08:00"),
        (
            "hospital",
            Resolution,
            Some("several_departments"),
            "2026-10-20T23:59:59+08:00",
        ),
        // The 3rd working day is the adjusted Saturday.
        ("hospital_variant", Resolution, None, "2026-10-10T23:59:59+08:00"),
        (
            "hospital_variant",
            Resolution,
            Some("serious_or_several_departments"),
            "2026-10-15T23:59:59+08:00",
        ),
        ("logistics_service_desk", Resolution, None, "2026-09-30T10:30:00+08:00"),
        ("dealership_group", ResultNotice, None, "2026-10-01T10:00:00+08:00"),
        (
            "dealership_group",
            EarlyWarningAcknowledgement,
            None,
            "2026-10-01T10:00:00+08:00",
        ),
        // 8, 9, 10 (Sat), 12 … 15 Oct.
        ("dealership_store", Resolution, None, "2026-10-15T23:59:59+08:00"),
        ("retail", Resolution, None, "2026-10-07T23:59:59+08:00"),
        // 45 working days after 30 Sep: Tue 8 Dec.
        ("market_regulator_12315", Resolution, None, "2026-12-08T23:59:59+08:00"),
        (
            "market_regulator_12315",
            Acknowledgement,
            None,
            "2026-10-15T23:59:59+08:00",
        ),
        (
            "market_regulator_12315",
            ResultNotice,
            None,
            "2026-10-15T23:59:59+08:00",
        ),
        ("uk_fca_disp", Resolution, None, "2026-11-25T23:59:59+08:00"),
        // Close of business (18:00) on the 3rd business day, here the adjusted Saturday.
        (
            "uk_fca_disp",
            Resolution,
            Some("summary_resolution"),
            "2026-10-10T18:00:00+08:00",
        ),
        ("us_cfpb", Resolution, None, "2026-10-15T23:59:59+08:00"),
        ("eu_whistleblowing", Resolution, None, "2026-12-30T23:59:59+08:00"),
        ("eu_whistleblowing", Acknowledgement, None, "2026-10-07T23:59:59+08:00"),
    ];
    for (name, kind, variant, expected) in examples {
        assert_eq!(
            preset_due(name, *kind, *variant, start),
            *expected,
            "{name} {kind} {variant:?}"
        );
    }
    let covered: std::collections::BTreeSet<&str> = examples.iter().map(|example| example.0).collect();
    assert_eq!(covered.len(), presets::NAMES.len(), "one example per preset");
}

#[test]
fn first_contact_started_late_on_the_eve_continues_after_the_holiday() {
    // 16:00–18:00 on 30 Sep, then 09:00–11:00 on Thu 8 Oct.
    let due = preset_due(
        "handling_unit_first_contact",
        FirstContact,
        None,
        "2026-09-30T16:00:00+08:00",
    );
    assert_eq!(due, "2026-10-08T11:00:00+08:00");
}

#[test]
fn the_command_line_uses_each_presets_primary_deadline() {
    let start = EVE_OF_NATIONAL_DAY;
    assert_eq!(primary_line("service_commitment", start), "2026-10-27T23:59:59+08:00");
    assert_eq!(primary_line("bank_2020_measures", start), "2026-10-15T23:59:59+08:00");
    assert_eq!(
        primary_line("market_regulator_12315", start),
        "2026-12-08T23:59:59+08:00"
    );
    assert_eq!(primary_line("uk_fca_disp", start), "2026-11-25T23:59:59+08:00");
    // No resolution deadline: the only (or first) one.
    assert_eq!(
        primary_line("handling_unit_first_contact", start),
        "2026-09-30T15:30:00+08:00"
    );
    assert_eq!(primary_line("dealership_group", start), "2026-10-01T10:00:00+08:00");
    for name in presets::NAMES {
        assert!(primary_line(name, start).starts_with("2026-"), "{name}");
    }
}
