//! Investigation's consumer: a dispatched case gets a file, its deadlines and their timers; the
//! file then follows routing's dispatch loop (decision 0004): a re-dispatch or transfer moves it
//! to the new unit (`dispatched`), a take starts the investigation (`investigating`), a return
//! sends it back to head office's queue (`returned`). Where the organisation's routing policy says
//! `clock_on_return: pause`, a return pauses the resolution deadline (no warning or breach fires)
//! and the next dispatch resumes it, later by the working time the pause covered.

use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{CaseDispatched, CaseOpened, CaseReturned, CaseTaken, DeadlineRecomputed};
use store::{Db, NewEvent, Origin};

use crate::SERVICE;
use crate::deadlines::{self, Basis, Planned};
use crate::store::{self as sql, File};

/// The policy of the handling unit's first contact, until routing sets it per unit.
pub const FIRST_CONTACT_POLICY: &str = "handling_unit_first_contact";

/// What opening a file writes.
#[derive(Debug)]
pub struct Opening {
    pub file: File,
    pub deadlines: Vec<Planned>,
    /// When routing dispatched it (a re-dispatch resumes a paused clock from then).
    pub dispatched_at: DateTime<Utc>,
}

/// What an event of routing does to a file.
#[derive(Debug)]
pub enum Effect {
    /// A dispatch: opens the file, or (a re-dispatch) moves it to the new unit.
    Dispatched(Box<Opening>),
    /// A take (`investigating`, the staff who took it) or a return (`returned`).
    Follow {
        status: &'static str,
        handler: Option<String>,
    },
    /// A return under `clock_on_return: pause`: the resolution clock stops from `at`.
    Pause { at: DateTime<Utc> },
}

/// The consumer of routing's events.
pub struct InvestigationHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendars: Arc<calendar::Registry>,
}

fn parse(text: &str) -> Result<DateTime<Utc>, HandlerError> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}

impl InvestigationHandler {
    /// Stops the resolution clock of a returned case from `at`: a `clock` record, the deadline
    /// paused with its timers superseded, a timeline entry and `case.deadline_recomputed`.
    async fn pause(
        &self,
        tx: &mut store::Conn,
        event: &Envelope,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), HandlerError> {
        let case_id = event.case_id.to_string();
        let Some(deadline) = sql::deadline_in(tx, &case_id, RESOLUTION).await? else {
            return Ok(());
        };
        if !sql::pause_deadline(tx, &case_id, RESOLUTION).await? {
            return Ok(());
        }
        add_clock_record(tx, event, "paused", at).await?;
        let paused = sql::DeadlineRow {
            state: "paused".into(),
            ..deadline.clone()
        };
        let detail = serde_json::json!({"deadline": RESOLUTION, "reason": "returned", "paused_at": instant(at),
            "due_at": deadline.due_at});
        recomputed(tx, event, &deadline, &paused, now, "clock_paused", &detail).await
    }

    /// Starts again, from `at`, a resolution clock a return paused: the deadline planned again
    /// from every event its clock has seen (extensions, pauses), so it falls later by the working
    /// time the pause covered.
    async fn resume(
        &self,
        tx: &mut store::Conn,
        event: &Envelope,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), HandlerError> {
        let case_id = event.case_id.to_string();
        let Some(deadline) = sql::deadline_in(tx, &case_id, RESOLUTION).await? else {
            return Ok(());
        };
        if deadline.state != "paused" {
            return Ok(());
        }
        add_clock_record(tx, event, "resumed", at).await?;
        let records = sql::records_in(tx, &case_id).await?;
        let started_at = parse(&deadline.started_at)?;
        let events = deadlines::resolution_events(&records, started_at)?;
        let basis = Basis {
            tenant: &event.tenant,
            case_id: &case_id,
            kind: calendar::DeadlineKind::Resolution,
            policy: &deadline.policy,
            calendar_id: &deadline.calendar_id,
            started_at,
            version: deadline.version + 1,
        };
        let Some(planned) = deadlines::plan_with(&self.calendars, &basis, &events)? else {
            return Ok(());
        };
        let version = sql::put_deadline(tx, &planned.deadline, &planned.timers).await?;
        let current = sql::DeadlineRow {
            version,
            ..planned.deadline
        };
        let detail = serde_json::json!({"deadline": RESOLUTION, "resumed_at": instant(at),
            "previous_due_at": deadline.due_at, "due_at": current.due_at, "provisional": current.provisional});
        recomputed(tx, event, &deadline, &current, now, "clock_resumed", &detail).await
    }
}

/// The deadline a return pauses.
const RESOLUTION: &str = "resolution";

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A `clock` record of the file (`paused` for a return, `resumed`), by the system.
async fn add_clock_record(
    tx: &mut store::Conn,
    event: &Envelope,
    what: &str,
    at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let case_id = event.case_id.to_string();
    let n = sql::next_record(tx, &case_id, "clock").await?;
    let body = match what {
        "paused" => serde_json::json!({"event": "paused", "reason": "returned"}),
        _ => serde_json::json!({"event": what}),
    };
    let record = sql::Record {
        case_id,
        tenant: event.tenant.clone(),
        kind: "clock".into(),
        n,
        state: "recorded".into(),
        actor: "system".into(),
        at: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        due_at: None,
        subject: None,
        link: None,
        level: None,
        round: 0,
        body,
    };
    sql::insert_record(tx, &record).await?;
    Ok(())
}

/// Writes `case.deadline_recomputed` (the deadline before and after) with its timeline entry.
async fn recomputed(
    tx: &mut store::Conn,
    event: &Envelope,
    previous: &sql::DeadlineRow,
    current: &sql::DeadlineRow,
    now: DateTime<Utc>,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), HandlerError> {
    let payload = DeadlineRecomputed {
        previous: Some(deadlines::wire(previous)),
        current: Some(deadlines::wire(current)),
        recomputed_at: instant(now),
    };
    let origin = Origin::caused_by(SERVICE, now, event);
    let new_event = NewEvent {
        tenant: event.tenant.clone(),
        event_type: "case.deadline_recomputed",
        case_id: event.case_id,
        payload: Bytes::from(payload.encode_to_vec()),
    };
    store::messaging::emit(tx, &origin, new_event, action, detail).await?;
    Ok(())
}

#[async_trait]
impl Handler for InvestigationHandler {
    type State = ();
    type Effect = Effect;

    fn handles(&self, event: &Envelope) -> bool {
        matches!(
            event.event_type.as_str(),
            "case.dispatched" | "case.taken" | "case.returned"
        )
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<Effect>, HandlerError> {
        match event.event_type.as_str() {
            "case.taken" => {
                let taken = CaseTaken::decode(event.payload.as_ref())?;
                return Ok(vec![Effect::Follow {
                    status: "investigating",
                    handler: Some(taken.staff).filter(|s| !s.is_empty() && s != "admin"),
                }]);
            }
            "case.returned" => {
                let returned = CaseReturned::decode(event.payload.as_ref())?;
                let mut effects = vec![Effect::Follow {
                    status: "returned",
                    handler: None,
                }];
                if returned.clock_on_return == "pause" {
                    effects.push(Effect::Pause {
                        at: parse(&returned.returned_at)?,
                    });
                }
                return Ok(effects);
            }
            _ => {}
        }
        let dispatched = CaseDispatched::decode(event.payload.as_ref())?;
        let calendar_id = if dispatched.calendar_id.is_empty() {
            "cn".to_owned()
        } else {
            dispatched.calendar_id.clone()
        };
        let case_id = event.case_id.to_string();
        let mut planned = Vec::new();
        for (kind, policy, started_at) in [
            (
                calendar::DeadlineKind::Resolution,
                dispatched.policy.as_str(),
                parse(&dispatched.accepted_at)?,
            ),
            (
                calendar::DeadlineKind::FirstContact,
                FIRST_CONTACT_POLICY,
                parse(&dispatched.dispatched_at)?,
            ),
        ] {
            let basis = Basis {
                tenant: &event.tenant,
                case_id: &case_id,
                kind,
                policy,
                calendar_id: &calendar_id,
                started_at,
                version: 1,
            };
            planned.extend(deadlines::plan(&self.calendars, &basis)?);
        }
        Ok(vec![Effect::Dispatched(Box::new(Opening {
            file: File {
                case_id,
                tenant: event.tenant.clone(),
                status: "dispatched".into(),
                unit: dispatched.unit,
                kind: dispatched.kind,
                policy: dispatched.policy,
                calendar_id,
                opened_at: String::new(),
                version: 1,
                review_unit: Some(dispatched.review_unit).filter(|u| !u.is_empty()),
                anonymous: dispatched.anonymous,
            },
            deadlines: planned,
            dispatched_at: parse(&dispatched.dispatched_at)?,
        }))])
    }

    async fn apply(&self, batch: Batch<Effect>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.db.begin().await?;
        for (event, effects) in batch.decided {
            for effect in effects {
                let mut opening = match effect {
                    Effect::Follow { status, handler } => {
                        sql::follow(&mut tx, &event.case_id.to_string(), status, None, handler.as_deref()).await?;
                        continue;
                    }
                    Effect::Pause { at: paused_at } => {
                        self.pause(&mut tx, &event, paused_at, now).await?;
                        continue;
                    }
                    Effect::Dispatched(opening) => *opening,
                };
                opening.file.opened_at = at.clone();
                if !sql::open_file(&mut tx, &opening.file).await? {
                    // A re-dispatch or a transfer: the file moves to the new unit; its deadlines
                    // stay the case's, a clock a return paused resumes (decision 0003's
                    // `clock_on_return`).
                    sql::follow(
                        &mut tx,
                        &opening.file.case_id,
                        "dispatched",
                        Some(&opening.file.unit),
                        None,
                    )
                    .await?;
                    self.resume(&mut tx, &event, opening.dispatched_at, now).await?;
                    continue;
                }
                for planned in &opening.deadlines {
                    sql::insert_deadline(&mut tx, &planned.deadline, &planned.timers).await?;
                }
                let wire: Vec<_> = opening.deadlines.iter().map(|p| deadlines::wire(&p.deadline)).collect();
                let opened = CaseOpened {
                    opened_at: at.clone(),
                    unit: opening.file.unit.clone(),
                    resolution: wire.iter().find(|d| d.kind == "resolution").cloned(),
                    deadlines: wire.clone(),
                };
                let detail = serde_json::json!({"unit": opening.file.unit, "policy": opening.file.policy,
                    "deadlines": wire.iter().map(|d| serde_json::json!({"kind": d.kind, "due_at": d.due_at,
                        "provisional": d.provisional})).collect::<Vec<_>>()});
                let origin = Origin::caused_by(SERVICE, now, &event);
                let new_event = NewEvent {
                    tenant: event.tenant.clone(),
                    event_type: "case.opened",
                    case_id: event.case_id,
                    payload: Bytes::from(opened.encode_to_vec()),
                };
                store::messaging::emit(&mut tx, &origin, new_event, "file_opened", &detail).await?;
            }
        }
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        Ok(())
    }
}
