//! Intake owns the case as registered: its case number, the complainant's personal data and
//! the narrative (both encrypted at rest, never on the bus), idempotency keys, and the
//! acceptance gate with its acknowledgement deadline.
//!
//! Emits `case.registered` (with derived signals, not text), `case.accepted` and
//! `case.correspondence_received` (a reply by e-mail or WeChat joined its case; no text), and
//! `case.closed` for a case resolved on the spot. Polls the tenants' mailboxes over IMAP
//! ([`mailbox`], decision 0006); takes calls, WeChat pushes, letters, walk-ins and on-the-spot
//! resolutions ([`channels`], decision 0009). Consumes
//! routing's events for one of them, `catalog.published`: its copy of each tenant's category
//! tree ([`catalogs`]). Answers `Register`, `GetCase`, `ReleaseContacts` (audited) and
//! `CaseHistory` over gRPC. The web and app channel ([`web`], decision 0008): attachments in an
//! object store, the anonymous receipt code, the status page's codes and sessions, questions to
//! the complainant (`case.question_asked`, `case.question_answered`, no text). Customer lookup
//! ([`customers`], decision 0011): the organisation's customer system, a synced CSV copy, and
//! the complainant confirmed at registration. Read [`app`] for
//! the wiring, [`register`] for the flow.

pub mod config;
pub mod cipher;
pub mod catalogs;
pub mod register;
pub mod mail;
pub mod mailbox;
pub mod sources;
pub mod channels;
pub mod customers;
pub mod ledger;
pub mod gate;
pub mod import;
pub mod web;
pub mod particulars;
pub mod numbers;
pub mod store;
pub mod grpc;
pub mod app;

pub use app::App;
pub use config::Config;

/// This service's name on the bus and in the timeline.
pub const SERVICE: &str = "intake";

/// The producers whose events this service consumes (all of their events; see decision 0001).
pub const CONSUMES: &[&str] = &["routing"];
