//! Intake owns the case as registered: its case number, the complainant's personal data and
//! the narrative (both encrypted at rest, never on the bus), idempotency keys, and the
//! acceptance gate with its acknowledgement deadline.
//!
//! Emits `case.registered` (with derived signals, not text) and `case.accepted`. Consumes
//! nothing yet. Answers `Register`, `GetCase`, `ReleaseContacts` (audited) and `CaseHistory`
//! over gRPC. Read [`app`] for the wiring, [`register`] for the flow.

pub mod config;
pub mod cipher;
pub mod register;
pub mod ledger;
pub mod store;
pub mod grpc;
pub mod app;

pub use app::App;
pub use config::Config;

/// This service's name on the bus and in the timeline.
pub const SERVICE: &str = "intake";
