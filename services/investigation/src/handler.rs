//! Investigation's consumer: a dispatched case gets a file, its deadlines and their timers; the
//! file then follows routing's dispatch loop (decision 0004): a re-dispatch or transfer moves it
//! to the new unit (`dispatched`), a take starts the investigation (`investigating`), a return
//! sends it back to head office's queue (`returned`).

use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{CaseDispatched, CaseOpened, CaseReturned, CaseTaken};
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
                CaseReturned::decode(event.payload.as_ref())?;
                return Ok(vec![Effect::Follow {
                    status: "returned",
                    handler: None,
                }]);
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
                    Effect::Dispatched(opening) => *opening,
                };
                opening.file.opened_at = at.clone();
                if !sql::open_file(&mut tx, &opening.file).await? {
                    // A re-dispatch or a transfer: the file moves to the new unit; its deadlines
                    // stay the case's (the clock runs on, decision 0003's `clock_on_return`).
                    sql::follow(
                        &mut tx,
                        &opening.file.case_id,
                        "dispatched",
                        Some(&opening.file.unit),
                        None,
                    )
                    .await?;
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
