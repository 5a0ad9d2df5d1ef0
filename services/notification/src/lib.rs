//! Notification turns case events into notices and keeps the proof.
//!
//! Consumes intake's and investigation's events (`plan` says which call for which notice):
//! the acknowledgement (受理告知书), the extension (延期处理告知书) and the result (处理结果告知书) to
//! the complainant, rendered from the tenant's templates (`notices`) in the complainant's language
//! from the contact intake releases over gRPC for that purpose (one call per batch), recorded
//! once with a masked recipient, its delivery queued; the dispatch to the unit's customer-relations
//! managers and deadline warnings and breaches to the staff the alert names, in their inbox
//! (`Inbox`).
//! The delivery loop sends it over SMTP or to the SMS provider (or into the outbox directory when
//! the channel has none), retrying with backoff (decision 0005). Emits `notice.recorded`,
//! `notice.sent`, `notice.failed`. Answers `ListNotices` and `CaseHistory`.

pub mod store;
pub mod answers;
pub mod channels;
pub mod plan;
pub mod templates;
pub mod delivery;
pub mod bounces;
pub mod handler;
pub mod grpc;
pub mod app;

pub use app::App;

/// This service's name on the bus and in the timeline.
pub const SERVICE: &str = "notification";

/// The producers whose events this service consumes (all of their events; see decision 0001).
pub const CONSUMES: &[&str] = &["intake", "routing", "investigation", "analytics"];
