//! The closed set of error codes every entry point maps to, and field errors.

/// What went wrong, as callers can act on it. Maps to both gRPC codes and HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    NotFound,
    Invalid,
    Conflict,
    Unavailable,
    Deadline,
    Internal,
}

impl ErrorCode {
    /// The snake-case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Invalid => "invalid",
            Self::Conflict => "conflict",
            Self::Unavailable => "unavailable",
            Self::Deadline => "deadline",
            Self::Internal => "internal",
        }
    }
}

/// A field that broke a rule: `field` is the JSON path (`complainant.phone`), `rule` a stable
/// snake-case name (`required`, `max_length`, `format`), `message` a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub rule: &'static str,
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }
}
