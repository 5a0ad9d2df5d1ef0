//! Investigation owns the case file after dispatch: its status, its deadlines and (with the
//! investigation issue) the whole workflow to closing.
//!
//! Consumes routing's events (`case.dispatched` opens a file with its resolution deadline) and
//! emits `case.opened`. Answers `GetFile` and `CaseHistory`.

pub mod app;
pub mod grpc;
pub mod handler;
pub mod store;

pub use app::App;

/// This service's name on the bus and in the timeline.
pub const SERVICE: &str = "investigation";
