//! Investigation owns the case file after dispatch: its status, its deadlines and (with the
//! investigation issue) the whole workflow to closing.
//!
//! Consumes routing's events: `case.dispatched` opens a file with its deadlines (resolution from
//! the case's policy, the handling unit's first contact) and arms their timers. Emits
//! `case.opened`, `case.deadline_warned`, `case.deadline_breached` (each timer fires once) and
//! `case.deadline_recomputed` (a provisional deadline after a calendar notice, a resolution clock
//! a return paused or the next dispatch resumed). Answers
//! `GetFile` and `CaseHistory`.

pub mod store;
pub mod deadlines;
pub mod directory;
pub mod handler;
pub mod timers;
pub mod act;
pub mod grpc;
pub mod app;

pub use app::App;

/// This service's name on the bus and in the timeline.
pub const SERVICE: &str = "investigation";

/// The producers whose events this service consumes (all of their events; see decision 0001).
pub const CONSUMES: &[&str] = &["routing"];
