//! Routing decides who handles a case, how severe it is, who must be warned, and why. It owns the
//! organisation directory, the tenant's category catalog (the pure [`catalog`] crate) and the
//! rule sets, each a versioned document (decision 0003).
//!
//! Consumes intake's events (`case.registered` is remembered, `case.accepted` is dispatched) and
//! emits `case.dispatched`, `case.taken`, `case.returned`, `case.transferred`, `case.recused`,
//! `case.escalated`, `escalation.acknowledged`, `batch.alerted` and the documents' `*.published`. Answers `GetRouting`, the document RPCs, `DryRun`, `Act` and
//! `CaseHistory`. Read [`ruleset`] for the decision, [`dispatch`] and [`handler`] for the
//! consumer, [`grpc`] for the actions, [`app`] for the wiring.

pub mod org;
pub mod ruleset;
pub mod demo;
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
