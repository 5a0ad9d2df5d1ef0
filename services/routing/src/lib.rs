//! Routing decides who handles a case, how severe it is, and why.
//!
//! Consumes every intake event (`case.registered` is remembered, `case.accepted` is
//! dispatched) and emits `case.dispatched` with the unit, the severity and the reason.
//! Answers `GetRouting` and `CaseHistory`. Read [`rules`] for the decision, [`handler`] for
//! the consumer, [`app`] for the wiring.

pub mod org;
pub mod ruleset;
pub mod demo;
pub mod catalog;
pub mod store;
pub mod dispatch;
pub mod timers;
pub mod handler;
pub mod grpc;
pub mod app;

pub use app::App;

/// This service's name on the bus and in the timeline.
pub const SERVICE: &str = "routing";

/// The producers whose events this service consumes (all of their events; see decision 0001).
pub const CONSUMES: &[&str] = &["intake"];
