//! Deadline policies as versioned data: which deadlines a case gets, how long each runs,
//! how the resolution deadline may be extended, and when warnings fire.
//!
//! A [`Policy`] is plain data (JSON through serde) so that an organisation can keep its
//! own versions; the shipped ones are in [`crate::presets`].

use serde::{Deserialize, Serialize};

use crate::{ApprovalLevel, DeadlineKind, EndOf, Error, PauseReason, Period, StartEvent};

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

/// Successive extensions of one deadline, each to a longer total period, never past `cap`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionLadder {
    /// The kind of deadline it extends.
    pub applies_to: DeadlineKind,
    /// The steps, taken in order.
    pub steps: Vec<ExtensionStep>,
    /// The longest the deadline may become.
    pub cap: Period,
}

/// One rung of an extension ladder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionStep {
    /// The whole period after this step, counted from the original start.
    pub extend_to: Period,
    /// True when the extension must state a reason.
    pub reason_required: bool,
    /// The lowest level that may approve it.
    pub approval: ApprovalLevel,
    /// True when the complainant must be told the new date and why.
    #[serde(default)]
    pub notify_complainant: bool,
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

impl ExtensionLadder {
    /// Checks that every step and the cap count the base period's unit, that steps grow
    /// beyond the base period, and that none passes the cap.
    pub fn validate(&self, base: Period) -> Result<(), Error> {
        self.cap.validate()?;
        if self.cap.unit() != base.unit() {
            return Err(Error::field(
                "extension_ladder.cap",
                format!("must count {} like the deadline", base.unit_name()),
            ));
        }
        if self.steps.is_empty() {
            return Err(Error::field(
                "extension_ladder.steps",
                "at least one step is needed",
            ));
        }
        let mut previous = base.count();
        for (position, step) in self.steps.iter().enumerate() {
            let field = format!("extension_ladder.steps[{position}].extend_to");
            if step.extend_to.unit() != base.unit() {
                return Err(Error::field(
                    field,
                    format!("must count {} like the deadline", base.unit_name()),
                ));
            }
            if step.extend_to.count() <= previous {
                return Err(Error::field(
                    field,
                    format!("must be longer than {previous} {}", base.unit_name()),
                ));
            }
            if step.extend_to.count() > self.cap.count() {
                return Err(Error::field(
                    field,
                    format!("must not pass the cap of {}", self.cap),
                ));
            }
            previous = step.extend_to.count();
        }
        Ok(())
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
            && self.id.chars().all(|character| {
                character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_'
            });
        if !id_is_snake_case {
            return Err(Error::field(
                "id",
                format!("`{}` is not a snake_case name", self.id),
            ));
        }
        if self.deadlines.is_empty() {
            return Err(Error::field("deadlines", "at least one deadline is needed"));
        }
        for (position, rule) in self.deadlines.iter().enumerate() {
            rule.period.validate().map_err(|error| {
                Error::field(format!("deadlines[{position}].period"), error.to_string())
            })?;
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
    pub fn clock_rule(
        &self,
        kind: DeadlineKind,
        variant: Option<&str>,
    ) -> Result<ClockRule, Error> {
        let rule = self
            .rule(kind, variant)
            .ok_or_else(|| Error::NoSuchDeadline {
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
