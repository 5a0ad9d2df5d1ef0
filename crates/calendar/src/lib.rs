//! Business time for Redress: which days are worked, when a complaint deadline falls due,
//! and where an SLA clock stands.
//!
//! Every complaint rule is a deadline ("acknowledge within 2 working days", "resolve within
//! 15 days, extendable to 60", "first contact within 4 business hours"), and this crate
//! computes them exactly as the rules are written. It is pure: no IO at run time (the shipped
//! mainland-China calendar is embedded), no async runtime, no database, and "now" is always
//! an argument. It must never depend on tokio, sqlx, tonic or async-nats.
//!
//! Start reading at [`Calendar::due`] (a start, a [`Period`], an [`EndOf`] → a [`Due`]),
//! then [`Registry`] (calendars by id, notices for new years), [`Policy`] and [`presets`]
//! (deadline rules as versioned data) and [`SlaClock`] (pauses, extensions, warnings,
//! breach, replayed from events). [`due_line`] is what `redress calendar due` prints and
//! [`bench`](mod@bench) what `redress bench` measures.
//!
//! Conventions, everywhere in the crate:
//! * A period counted in days never counts its start day: the due date is the Nth working
//!   day (or day) after the start's *local* date, ending 23:59:59 local time unless the rule
//!   says close of business.
//! * Dates beyond the calendar's published years follow the plain weekday rule and make the
//!   result `provisional`; loading the next notice makes it final.
//! * Pauses never shorten a deadline (see [`SlaClock`] for exactly how far they push it).

#![warn(missing_docs)]

mod business_hours;
mod business_time;
mod calendar;
mod calendar_file;
mod cli;
mod clock;
mod day_index;
mod deadline;
mod due;
mod error;
mod extension;
mod local_time;
mod period;
mod policy;
mod registry;

pub mod bench;
pub mod presets;

pub use business_hours::BusinessHours;
pub use calendar::{Calendar, DayException, DayStatus, PublishedYears};
pub use calendar_file::parse_notice;
pub use cli::{DueSpec, due_for_spec, due_line, format_instant, parse_start};
pub use clock::{ClockEvent, ClockState, SlaClock};
pub use day_index::WorkingWeekdays;
pub use deadline::{ApprovalLevel, DeadlineKind, PauseReason, StartEvent};
pub use error::Error;
pub use extension::{ExtensionLadder, ExtensionStep};
pub use period::{Due, EndOf, LONGEST_PERIOD_DAYS, Period, PeriodUnit};
pub use policy::{ClockRule, DeadlineRule, Policy};
pub use registry::{MAINLAND_CHINA_ID, Registry, mainland_china};

/// The IANA time zone type calendars use, re-exported so callers need not depend on
/// chrono-tz themselves.
pub use chrono_tz::Tz;
