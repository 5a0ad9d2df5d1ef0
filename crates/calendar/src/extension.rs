//! Extension ladders: how far, in how many steps, with which reason and approval, a
//! deadline may be extended.

use serde::{Deserialize, Serialize};

use crate::{ApprovalLevel, DeadlineKind, Error, Period};

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
            return Err(Error::field("extension_ladder.steps", "at least one step is needed"));
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
                return Err(Error::field(field, format!("must not pass the cap of {}", self.cap)));
            }
            previous = step.extend_to.count();
        }
        Ok(())
    }
}
