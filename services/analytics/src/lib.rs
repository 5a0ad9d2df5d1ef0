//! Analytics reads only events and keeps facts per case in its own store, so it can be
//! rebuilt from the stream.
//!
//! Consumes every producer's events; each handler writes only the columns its event knows, so
//! the order across producers does not matter. Answers `Kpis` and `CaseHistory`.

pub mod store;
pub mod figures;
pub mod facts;
pub mod handler;
pub mod grpc;
pub mod app;
pub mod rebuild;
pub mod reports;
pub mod bench;
pub mod filings;
pub mod hotspots;
pub mod overdue;

pub use app::App;

/// This service's name on the bus and in the timeline.
pub const SERVICE: &str = "analytics";

/// The producers whose events this service consumes (all of their events; see decision 0001).
pub const CONSUMES: &[&str] = &["intake", "routing", "investigation", "notification"];
