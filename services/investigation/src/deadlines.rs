//! Planning a deadline: its due instant from the policy and the calendar (through the calendar
//! crate's SLA clock), and the timers that warn and declare the breach.

use chrono::{DateTime, Utc};
use rpc::timeline::v1::Deadline;

use crate::store::{DeadlineRow, Record, TimerRow};

/// A deadline with its timers, ready to store.
#[derive(Debug, Clone)]
pub struct Planned {
    pub deadline: DeadlineRow,
    pub timers: Vec<TimerRow>,
}

/// What a deadline is planned from.
#[derive(Debug, Clone)]
pub struct Basis<'a> {
    pub tenant: &'a str,
    pub case_id: &'a str,
    pub kind: calendar::DeadlineKind,
    pub policy: &'a str,
    pub calendar_id: &'a str,
    pub started_at: DateTime<Utc>,
    pub version: i64,
}

/// Why a deadline could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("policy `{0}` is not known")]
    UnknownPolicy(String),
    #[error(transparent)]
    Calendar(#[from] calendar::Error),
    #[error("record {kind} {n}: {problem}")]
    Record { kind: String, n: i64, problem: String },
}

/// An approval level as records keep it (`supervisor`, …); anything else is the handler's.
pub fn parse_level(text: &str) -> calendar::ApprovalLevel {
    match text {
        "senior_management" => calendar::ApprovalLevel::SeniorManagement,
        "department_head" => calendar::ApprovalLevel::DepartmentHead,
        "supervisor" => calendar::ApprovalLevel::Supervisor,
        _ => calendar::ApprovalLevel::Handler,
    }
}

/// The events a case's resolution clock has seen since it started at `started_at`, from the
/// casework's records, in the order they happened: every extension (its reason and approval
/// level; one granted before a restart still counts at the restart, since the ladder is the
/// case's) and every pause and resumption since the start (records of kind `clock`).
pub fn resolution_events(records: &[Record], started_at: DateTime<Utc>) -> Result<Vec<calendar::ClockEvent>, Error> {
    let mut events: Vec<(DateTime<Utc>, calendar::ClockEvent)> = Vec::new();
    for record in records {
        let wrong = |problem: &str| Error::Record {
            kind: record.kind.clone(),
            n: record.n,
            problem: problem.to_owned(),
        };
        let at = || -> Result<DateTime<Utc>, Error> {
            Ok(DateTime::parse_from_rfc3339(&record.at)
                .map_err(|_| wrong("its time is not RFC 3339"))?
                .with_timezone(&Utc))
        };
        match record.kind.as_str() {
            "extension" => {
                let at = at()?.max(started_at);
                let approved_by = parse_level(record.level.as_deref().unwrap_or_default());
                let reason = record.body["reason"].as_str().unwrap_or_default().to_owned();
                events.push((
                    at,
                    calendar::ClockEvent::Extended {
                        at,
                        reason,
                        approved_by,
                    },
                ));
            }
            "clock" => {
                let at = at()?;
                if at < started_at {
                    continue;
                }
                let event = match (record.body["event"].as_str(), record.body["reason"].as_str()) {
                    (Some("paused"), Some("returned")) => calendar::ClockEvent::Paused {
                        at,
                        reason: calendar::PauseReason::Returned,
                    },
                    (Some("paused"), Some("awaiting_complainant")) => calendar::ClockEvent::Paused {
                        at,
                        reason: calendar::PauseReason::AwaitingComplainant,
                    },
                    (Some("paused"), Some("external_appraisal")) => calendar::ClockEvent::Paused {
                        at,
                        reason: calendar::PauseReason::ExternalAppraisal,
                    },
                    (Some("resumed"), _) => calendar::ClockEvent::Resumed { at },
                    _ => return Err(wrong("neither a known pause nor a resumption")),
                };
                events.push((at, event));
            }
            _ => {}
        }
    }
    events.sort_by_key(|(at, _)| *at);
    Ok(events.into_iter().map(|(_, event)| event).collect())
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Plans a deadline; `None` when the policy has no rule of that kind.
pub fn plan(calendars: &calendar::Registry, basis: &Basis<'_>) -> Result<Option<Planned>, Error> {
    plan_with(calendars, basis, &[])
}

/// The extension ladder of a policy's deadline: `None` when the policy has no such rule or the
/// rule cannot be extended.
pub fn ladder(policy: &str, kind: calendar::DeadlineKind) -> Result<Option<calendar::ExtensionLadder>, Error> {
    let policy = calendar::presets::get(policy).ok_or_else(|| Error::UnknownPolicy(policy.to_owned()))?;
    if policy.rule(kind, None).is_none() {
        return Ok(None);
    }
    Ok(policy.clock_rule(kind, None)?.extension_ladder)
}

/// Plans a deadline whose clock has seen `events` after it started (extensions, pauses), in
/// order; the calendar crate checks each against the rule (an extension needs the ladder's next
/// step, its reason and its approval level).
pub fn plan_with(
    calendars: &calendar::Registry,
    basis: &Basis<'_>,
    events: &[calendar::ClockEvent],
) -> Result<Option<Planned>, Error> {
    let policy = calendar::presets::get(basis.policy).ok_or_else(|| Error::UnknownPolicy(basis.policy.to_owned()))?;
    if policy.rule(basis.kind, None).is_none() {
        return Ok(None);
    }
    let rule = policy.clock_rule(basis.kind, None)?;
    let calendar = calendars.get(basis.calendar_id)?;
    let mut all = vec![calendar::ClockEvent::Started { at: basis.started_at }];
    all.extend_from_slice(events);
    let clock = calendar::SlaClock::from_events(rule, &all)?;
    let due = clock.due(calendar);
    let kind = basis.kind.to_string();
    let timer = |fraction: f64, at: DateTime<Utc>| TimerRow {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: basis.tenant.to_owned(),
        case_id: basis.case_id.to_owned(),
        deadline_kind: kind.clone(),
        deadline_version: basis.version,
        fraction,
        fire_at: instant(at),
    };
    let mut timers: Vec<TimerRow> = clock
        .warnings_at(calendar)
        .into_iter()
        .map(|(f, at)| timer(f, at))
        .collect();
    timers.push(timer(1.0, due.at));
    Ok(Some(Planned {
        deadline: DeadlineRow {
            case_id: basis.case_id.to_owned(),
            tenant: basis.tenant.to_owned(),
            kind,
            policy: basis.policy.to_owned(),
            calendar_id: basis.calendar_id.to_owned(),
            started_at: instant(basis.started_at),
            due_at: instant(due.at),
            provisional: due.provisional,
            state: "open".to_owned(),
            version: basis.version,
        },
        timers,
    }))
}

/// Plans a deadline with a due instant someone set (a sub-task's due date, the next contact a
/// progress update promised, a supervision notice's deadline): a warning when 80% of the time
/// has passed and the breach at the due instant.
pub fn plan_fixed(
    tenant: &str,
    case_id: &str,
    kind: &str,
    started_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
) -> Planned {
    let timer = |fraction: f64, at: DateTime<Utc>| TimerRow {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.to_owned(),
        case_id: case_id.to_owned(),
        deadline_kind: kind.to_owned(),
        deadline_version: 1,
        fraction,
        fire_at: instant(at),
    };
    let mut timers = Vec::new();
    if due_at > started_at {
        let warning = started_at + (due_at - started_at) * 4 / 5;
        timers.push(timer(0.8, warning));
    }
    timers.push(timer(1.0, due_at));
    Planned {
        deadline: DeadlineRow {
            case_id: case_id.to_owned(),
            tenant: tenant.to_owned(),
            kind: kind.to_owned(),
            policy: String::new(),
            calendar_id: String::new(),
            started_at: instant(started_at),
            due_at: instant(due_at),
            provisional: false,
            state: "open".to_owned(),
            version: 1,
        },
        timers,
    }
}

/// The wire form of a stored deadline.
pub fn wire(deadline: &DeadlineRow) -> Deadline {
    Deadline {
        kind: deadline.kind.clone(),
        due_at: deadline.due_at.clone(),
        state: deadline.state.clone(),
        provisional: deadline.provisional,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid").with_timezone(&Utc)
    }

    #[test]
    fn resolution_under_the_service_commitment_has_warnings_then_a_breach_at_the_due_instant() {
        let calendars = calendar::Registry::builtin();
        let basis = Basis {
            tenant: "default",
            case_id: "c",
            kind: calendar::DeadlineKind::Resolution,
            policy: "service_commitment",
            calendar_id: "cn",
            started_at: at("2026-09-30T02:00:00Z"),
            version: 1,
        };
        let planned = plan(&calendars, &basis).expect("plans").expect("a resolution rule");
        // 15 working days after Wednesday 30 September 2026, skipping 1–7 October and counting
        // Saturday 10 October: 8, 9, 10 (3), 12–16 (8), 19–23 (13), 26, 27 October (15).
        assert_eq!(planned.deadline.due_at, "2026-10-27T15:59:59Z");
        assert!(!planned.deadline.provisional);
        let fractions: Vec<f64> = planned.timers.iter().map(|t| t.fraction).collect();
        assert_eq!(fractions.last(), Some(&1.0));
        assert!(fractions.len() >= 2, "warnings come before the breach: {fractions:?}");
        assert_eq!(
            planned.timers.last().map(|t| t.fire_at.as_str()),
            Some("2026-10-27T15:59:59Z")
        );
        assert!(planned.timers.windows(2).all(|w| w[0].fire_at <= w[1].fire_at));
    }

    #[test]
    fn a_deadline_into_an_unpublished_year_is_provisional_and_a_missing_rule_plans_nothing() {
        let calendars = calendar::Registry::builtin();
        let basis = Basis {
            tenant: "default",
            case_id: "c",
            kind: calendar::DeadlineKind::Resolution,
            policy: "service_commitment",
            calendar_id: "cn",
            started_at: at("2026-12-21T02:00:00Z"),
            version: 1,
        };
        assert!(
            plan(&calendars, &basis)
                .expect("plans")
                .expect("planned")
                .deadline
                .provisional
        );
        let none = Basis {
            kind: calendar::DeadlineKind::Callback,
            ..basis
        };
        assert!(plan(&calendars, &none).expect("plans").is_none());
    }
}
