//! The crate's one error type.

/// Everything that can go wrong in this crate: bad input data (calendar and notice files,
/// policies, command-line values) and clock event lists that break the rules of an SLA clock.
///
/// Every message starts with the field it is about, followed by the rule that was broken,
/// so that a caller can show it unchanged (`start: not an RFC 3339 instant`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No calendar with this id is registered.
    #[error("calendar: unknown calendar id `{id}`")]
    UnknownCalendar {
        /// The id that was asked for.
        id: String,
    },
    /// No preset policy has this name.
    #[error("preset: unknown preset `{name}`")]
    UnknownPreset {
        /// The name that was asked for.
        name: String,
    },
    /// The start instant could not be read.
    #[error("start: not an RFC 3339 instant")]
    InvalidStart {
        /// The text that was given.
        value: String,
    },
    /// A value breaks a rule; `field` names where it is (`days[3].date`, `period`).
    #[error("{field}: {rule}")]
    InvalidField {
        /// Where the value is, as a path into the input.
        field: String,
        /// The rule it breaks, lowercase, no final period.
        rule: String,
    },
    /// A JSON document could not be read at all.
    #[error("{document}: not valid JSON of the expected shape: {source}")]
    InvalidJson {
        /// Which document: `notice`, `calendar`, `policy`.
        document: &'static str,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// Giving a calendar this parent would make it its own ancestor.
    #[error("parent: calendar `{id}` would become its own ancestor through `{parent_id}`")]
    CalendarCycle {
        /// The calendar being inserted.
        id: String,
        /// The parent it names.
        parent_id: String,
    },
    /// A clock event breaks the order or the rules of the clock.
    #[error("events[{index}]: {rule}")]
    InvalidClockEvent {
        /// Position of the offending event in the list.
        index: usize,
        /// The rule it breaks.
        rule: String,
    },
    /// A policy has no deadline of the kind (and variant) asked for.
    #[error("kind: policy `{policy_id}` has no `{kind}` deadline{variant_note}")]
    NoSuchDeadline {
        /// The policy searched.
        policy_id: String,
        /// The kind asked for, as its snake_case name.
        kind: String,
        /// Empty, or ` (variant `x`)`.
        variant_note: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidField`].
    pub(crate) fn field(field: impl Into<String>, rule: impl Into<String>) -> Error {
        Error::InvalidField {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// Shorthand for [`Error::InvalidClockEvent`].
    pub(crate) fn clock_event(index: usize, rule: impl Into<String>) -> Error {
        Error::InvalidClockEvent {
            index,
            rule: rule.into(),
        }
    }
}
