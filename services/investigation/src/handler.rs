//! Investigation's consumer: a dispatched case gets a file and a resolution deadline.

use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{CaseDispatched, CaseOpened};
use rpc::timeline::v1::Deadline;
use store::{Db, NewEvent, Origin};

use crate::SERVICE;
use crate::store::{self as sql, File};

/// The consumer of routing's events.
pub struct InvestigationHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendars: Arc<calendar::Registry>,
}

/// The resolution rule of a policy (its ordinary variant); 15 working days when the policy has none.
fn resolution_rule(policy: &str) -> (calendar::Period, calendar::EndOf) {
    calendar::presets::get(policy)
        .and_then(|preset| {
            preset
                .deadlines
                .iter()
                .find(|rule| rule.kind == calendar::DeadlineKind::Resolution && rule.variant.is_none())
                .map(|rule| (rule.period, rule.end))
        })
        .unwrap_or((calendar::Period::WorkingDays(15), calendar::EndOf::EndOfDay))
}

#[async_trait]
impl Handler for InvestigationHandler {
    type State = ();
    type Effect = File;

    fn handles(&self, event: &Envelope) -> bool {
        event.event_type == "case.dispatched"
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<File>, HandlerError> {
        let dispatched = CaseDispatched::decode(event.payload.as_ref())?;
        let accepted_at = DateTime::parse_from_rfc3339(&dispatched.accepted_at)?.with_timezone(&Utc);
        let calendar_id = if dispatched.calendar_id.is_empty() {
            "cn".to_owned()
        } else {
            dispatched.calendar_id.clone()
        };
        let calendar = self.calendars.get(&calendar_id)?;
        let (period, end) = resolution_rule(&dispatched.policy);
        let due = calendar.due(accepted_at, period, end);
        Ok(vec![File {
            case_id: event.case_id.to_string(),
            tenant: event.tenant.clone(),
            status: "investigating".into(),
            unit: dispatched.unit,
            kind: dispatched.kind,
            policy: dispatched.policy,
            calendar_id,
            opened_at: String::new(),
            resolution_due_at: due.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            resolution_provisional: due.provisional,
            version: 1,
        }])
    }

    async fn apply(&self, batch: Batch<File>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.db.begin().await?;
        for (event, files) in batch.decided {
            for mut file in files {
                file.opened_at = at.clone();
                sql::open_file(&mut tx, &file).await?;
                let opened = CaseOpened {
                    opened_at: at.clone(),
                    unit: file.unit.clone(),
                    resolution: Some(Deadline {
                        kind: "resolution".into(),
                        due_at: file.resolution_due_at.clone(),
                        state: "open".into(),
                        provisional: file.resolution_provisional,
                    }),
                };
                let detail = serde_json::json!({"unit": file.unit, "resolution_due_at": file.resolution_due_at,
                    "provisional": file.resolution_provisional, "policy": file.policy});
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
