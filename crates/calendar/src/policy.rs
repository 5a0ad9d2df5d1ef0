//! Deadline policies as versioned data: which deadlines a case gets, how long each runs,
//! how the resolution deadline may be extended, and when warnings fire.
//!
//! A [`Policy`] is plain data (JSON through serde) so that an organisation can keep its
//! own versions; the shipped ones are in [`crate::presets`].

use serde::{Deserialize, Serialize};

use crate::{DeadlineKind, EndOf, Error, ExtensionLadder, PauseReason, Period, StartEvent};

/// A versioned set of deadline rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Stable snake_case name (`bank_2020_measures`).
    pub id: String,
    /// Increases with every change; cases keep the version they started under.
    pub version: u32,
    /// Human name.
    pub name: String,
    /// Where the rules come from and what they leave out.
    #[serde(default)]
    pub description: String,
    /// The deadlines, primary (resolution) first by convention.
    pub deadlines: Vec<DeadlineRule>,
    /// How the deadline of kind `applies_to` (its rule without a variant) may be extended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_ladder: Option<ExtensionLadder>,
    /// Fractions of the allowed time at which a running clock warns, increasing, in (0, 1).
    #[serde(default)]
    pub warnings: Vec<f64>,
}

/// One deadline of a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    /// What the deadline is for.
    pub kind: DeadlineKind,
    /// A named condition for an alternative length (`several_departments`, `special`);
    /// `None` for the ordinary rule of its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// How long it runs.
    pub period: Period,
    /// The case event that starts it.
    pub start_event: StartEvent,
    /// Where its last day ends.
    pub end: EndOf,
    /// Why its clock may pause; empty when it may not.
    #[serde(default)]
    pub pause_reasons: Vec<PauseReason>,
    /// The rule as the source writes it.
    #[serde(default)]
    pub note: String,
}

/// Everything an [`crate::SlaClock`] needs to know about its deadline.
#[derive(Clone, Debug, PartialEq)]
pub struct ClockRule {
    /// The original period.
    pub period: Period,
    /// Where its last day ends.
    pub end: EndOf,
    /// Accepted pause reasons.
    pub pause_reasons: Vec<PauseReason>,
    /// The extension ladder, if the deadline may be extended.
    pub extension_ladder: Option<ExtensionLadder>,
    /// Warning fractions, increasing, in (0, 1).
    pub warnings: Vec<f64>,
}

impl ClockRule {
    /// A rule with no pauses, no extensions and no warnings.
    pub fn new(period: Period, end: EndOf) -> ClockRule {
        ClockRule {
            period,
            end,
            pause_reasons: Vec::new(),
            extension_ladder: None,
            warnings: Vec::new(),
        }
    }

    /// Checks the period, the ladder against the period, and the warnings.
    pub fn validate(&self) -> Result<(), Error> {
        self.period.validate()?;
        if let Some(ladder) = &self.extension_ladder {
            ladder.validate(self.period)?;
        }
        validate_warnings(&self.warnings)
    }
}

fn validate_warnings(warnings: &[f64]) -> Result<(), Error> {
    let mut previous = 0.0;
    for (position, fraction) in warnings.iter().enumerate() {
        if !(*fraction > previous && *fraction < 1.0) {
            return Err(Error::field(
                format!("warnings[{position}]"),
                "fractions must increase strictly within (0, 1)",
            ));
        }
        previous = *fraction;
    }
    Ok(())
}

impl Policy {
    /// Reads and validates a policy from JSON.
    pub fn from_json(json: &str) -> Result<Policy, Error> {
        let policy: Policy = serde_json::from_str(json).map_err(|source| Error::InvalidJson {
            document: "policy",
            source,
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Writes the policy as pretty JSON, as [`Policy::from_json`] reads it.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers, enums and vectors cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the id, the rules (at least one, no two of the same kind and variant, periods
    /// in range), the ladder against the rule it extends, and the warnings.
    pub fn validate(&self) -> Result<(), Error> {
        let id_is_snake_case = !self.id.is_empty()
            && self
                .id
                .chars()
                .all(|character| character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_');
        if !id_is_snake_case {
            return Err(Error::field("id", format!("`{}` is not a snake_case name", self.id)));
        }
        if self.deadlines.is_empty() {
            return Err(Error::field("deadlines", "at least one deadline is needed"));
        }
        for (position, rule) in self.deadlines.iter().enumerate() {
            rule.period
                .validate()
                .map_err(|error| Error::field(format!("deadlines[{position}].period"), error.to_string()))?;
            let same = self.deadlines[..position]
                .iter()
                .any(|earlier| earlier.kind == rule.kind && earlier.variant == rule.variant);
            if same {
                return Err(Error::field(
                    format!("deadlines[{position}]"),
                    format!("a second `{}` deadline with the same variant", rule.kind),
                ));
            }
        }
        if let Some(ladder) = &self.extension_ladder {
            let base = self.rule(ladder.applies_to, None).ok_or_else(|| {
                Error::field(
                    "extension_ladder.applies_to",
                    format!("no `{}` deadline without a variant", ladder.applies_to),
                )
            })?;
            ladder.validate(base.period)?;
        }
        validate_warnings(&self.warnings)
    }

    /// The rule of this kind and variant (`None`: the ordinary rule).
    pub fn rule(&self, kind: DeadlineKind, variant: Option<&str>) -> Option<&DeadlineRule> {
        self.deadlines
            .iter()
            .find(|rule| rule.kind == kind && rule.variant.as_deref() == variant)
    }

    /// The primary deadline: the ordinary resolution rule, or the first rule when the policy
    /// has no resolution deadline.
    pub fn primary_rule(&self) -> Option<&DeadlineRule> {
        self.rule(DeadlineKind::Resolution, None)
            .or_else(|| self.deadlines.first())
    }

    /// The clock rule for a deadline: its period and end, its pause reasons, the policy's
    /// warnings, and the extension ladder when it extends this kind (ordinary rule only).
    pub fn clock_rule(&self, kind: DeadlineKind, variant: Option<&str>) -> Result<ClockRule, Error> {
        let rule = self.rule(kind, variant).ok_or_else(|| Error::NoSuchDeadline {
            policy_id: self.id.clone(),
            kind: kind.to_string(),
            variant_note: variant
                .map(|variant| format!(" (variant `{variant}`)"))
                .unwrap_or_default(),
        })?;
        let extension_ladder = self
            .extension_ladder
            .as_ref()
            .filter(|ladder| ladder.applies_to == kind && variant.is_none())
            .cloned();
        Ok(ClockRule {
            period: rule.period,
            end: rule.end,
            pause_reasons: rule.pause_reasons.clone(),
            extension_ladder,
            warnings: self.warnings.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApprovalLevel, ExtensionStep};

    fn resolution(period: Period) -> DeadlineRule {
        DeadlineRule {
            kind: DeadlineKind::Resolution,
            variant: None,
            period,
            start_event: StartEvent::Accepted,
            end: EndOf::EndOfDay,
            pause_reasons: vec![PauseReason::AwaitingComplainant],
            note: String::new(),
        }
    }

    fn with_ladder(steps: Vec<Period>, cap: Period) -> Policy {
        Policy {
            id: "test_policy".to_owned(),
            version: 1,
            name: "Test".to_owned(),
            description: String::new(),
            deadlines: vec![resolution(Period::WorkingDays(15))],
            extension_ladder: Some(ExtensionLadder {
                applies_to: DeadlineKind::Resolution,
                steps: steps
                    .into_iter()
                    .map(|extend_to| ExtensionStep {
                        extend_to,
                        reason_required: true,
                        approval: ApprovalLevel::Supervisor,
                        notify_complainant: false,
                    })
                    .collect(),
                cap,
            }),
            warnings: vec![0.5, 0.8],
        }
    }

    fn refusal(policy: &Policy) -> String {
        policy.validate().expect_err("invalid").to_string()
    }

    #[test]
    fn ladders_must_grow_in_the_deadlines_unit_up_to_the_cap() {
        let valid = with_ladder(
            vec![Period::WorkingDays(30), Period::WorkingDays(60)],
            Period::WorkingDays(60),
        );
        assert!(valid.validate().is_ok());
        let mixed = with_ladder(vec![Period::Days(30)], Period::WorkingDays(60));
        assert_eq!(
            refusal(&mixed),
            "extension_ladder.steps[0].extend_to: must count working_days like the deadline"
        );
        let shrinking = with_ladder(
            vec![Period::WorkingDays(30), Period::WorkingDays(20)],
            Period::WorkingDays(60),
        );
        assert_eq!(
            refusal(&shrinking),
            "extension_ladder.steps[1].extend_to: must be longer than 30 working_days"
        );
        let past_cap = with_ladder(vec![Period::WorkingDays(90)], Period::WorkingDays(60));
        assert_eq!(
            refusal(&past_cap),
            "extension_ladder.steps[0].extend_to: must not pass the cap of 60 working days"
        );
        let empty = with_ladder(vec![], Period::WorkingDays(60));
        assert_eq!(refusal(&empty), "extension_ladder.steps: at least one step is needed");
    }

    #[test]
    fn ids_rules_and_warnings_are_checked() {
        let mut policy = with_ladder(vec![Period::WorkingDays(30)], Period::WorkingDays(30));
        policy.warnings = vec![0.8, 0.5];
        assert_eq!(
            refusal(&policy),
            "warnings[1]: fractions must increase strictly within (0, 1)"
        );
        policy.warnings = vec![1.0];
        assert!(policy.validate().is_err());
        policy.warnings = vec![];
        policy.id = "Bank 2020".to_owned();
        assert_eq!(refusal(&policy), "id: `Bank 2020` is not a snake_case name");
        policy.id = "bank".to_owned();
        policy.deadlines.push(resolution(Period::Days(3)));
        assert_eq!(
            refusal(&policy),
            "deadlines[1]: a second `resolution` deadline with the same variant"
        );
        policy.deadlines.truncate(1);
        policy.deadlines[0].period = Period::Months(u32::MAX);
        assert!(refusal(&policy).starts_with("deadlines[0].period: months: "));
    }

    #[test]
    fn clock_rules_carry_the_ladder_only_for_the_ordinary_rule_of_its_kind() {
        let mut policy = with_ladder(vec![Period::WorkingDays(30)], Period::WorkingDays(30));
        let mut special = resolution(Period::WorkingDays(20));
        special.variant = Some("special".to_owned());
        policy.deadlines.push(special);
        let ordinary = policy.clock_rule(DeadlineKind::Resolution, None).expect("rule");
        assert!(ordinary.extension_ladder.is_some());
        assert_eq!(ordinary.warnings, vec![0.5, 0.8]);
        let special = policy
            .clock_rule(DeadlineKind::Resolution, Some("special"))
            .expect("rule");
        assert_eq!(special.period, Period::WorkingDays(20));
        assert!(special.extension_ladder.is_none());
        let error = policy
            .clock_rule(DeadlineKind::Callback, Some("x"))
            .expect_err("missing");
        assert_eq!(
            error.to_string(),
            "kind: policy `test_policy` has no `callback` deadline (variant `x`)"
        );
    }

    #[test]
    fn policies_are_read_from_json() {
        let json = r#"{
            "id": "tenant_hotline",
            "version": 3,
            "name": "Tenant hotline",
            "deadlines": [
                {"kind": "first_contact", "period": {"business_hours": 2}, "start_event": "received", "end": "exact"}
            ],
            "warnings": [0.75]
        }"#;
        let policy = Policy::from_json(json).expect("valid");
        assert_eq!(policy.version, 3);
        assert_eq!(
            policy.primary_rule().map(|rule| rule.period),
            Some(Period::BusinessHours(2))
        );
        assert!(policy.deadlines[0].pause_reasons.is_empty());
        let unknown = json.replace("\"warnings\"", "\"warning\"");
        assert!(Policy::from_json(&unknown).is_err());
    }
}
