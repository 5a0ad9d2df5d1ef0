//! Intake: registration, personal data, the acceptance gate.
