//! Investigation's consumer: a dispatched case gets a file, its deadlines and their timers.

use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{CaseDispatched, CaseOpened};
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
    type Effect = Opening;

    fn handles(&self, event: &Envelope) -> bool {
        event.event_type == "case.dispatched"
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<Opening>, HandlerError> {
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
        Ok(vec![Opening {
            file: File {
                case_id,
                tenant: event.tenant.clone(),
                status: "investigating".into(),
                unit: dispatched.unit,
                kind: dispatched.kind,
                policy: dispatched.policy,
                calendar_id,
                opened_at: String::new(),
                version: 1,
            },
            deadlines: planned,
        }])
    }

    async fn apply(&self, batch: Batch<Opening>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.db.begin().await?;
        for (event, openings) in batch.decided {
            for mut opening in openings {
                opening.file.opened_at = at.clone();
                if !sql::open_file(&mut tx, &opening.file).await? {
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
