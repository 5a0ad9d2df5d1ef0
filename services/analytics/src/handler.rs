//! Analytics' consumer: every event fills in the facts it knows.

use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use chrono::{DateTime, Utc};
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{CaseAccepted, CaseDispatched, CaseOpened, CaseProgressed, CaseRegistered, NoticeSent};
use store::{Db, HistoryEntry};

use crate::store::{self as sql, FactUpdate, Inspection, Update};

/// The consumer of every producer's events.
pub struct AnalyticsHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

/// One normal form for instants, so they compare as text.
fn instant(text: &str) -> Result<String, HandlerError> {
    Ok(DateTime::parse_from_rfc3339(text)?
        .with_timezone(&Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

fn local_day(text: &str) -> Result<String, HandlerError> {
    Ok(DateTime::parse_from_rfc3339(text)?
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string())
}

/// The inspection a casework event records, if it is one (`inspect_pass`, `inspect_rework`).
fn inspection(tenant: &str, progressed: &CaseProgressed) -> Result<Option<Inspection>, HandlerError> {
    if !matches!(progressed.step.as_str(), "inspect_pass" | "inspect_rework") {
        return Ok(None);
    }
    let facts: serde_json::Value = serde_json::from_str(&progressed.facts_json)?;
    let n = facts["inspection"]
        .as_i64()
        .ok_or_else(|| format!("an inspection event without its number: {}", progressed.facts_json))?;
    Ok(Some(Inspection {
        tenant: tenant.to_owned(),
        n,
        unit: progressed.unit.clone(),
        passed: progressed.step == "inspect_pass",
        score: facts["score"].as_f64(),
        at: instant(&progressed.at)?,
        day: local_day(&progressed.at)?,
    }))
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

#[async_trait]
impl Handler for AnalyticsHandler {
    type State = ();
    type Effect = Update;

    fn handles(&self, event: &Envelope) -> bool {
        matches!(
            event.event_type.as_str(),
            "case.registered"
                | "case.accepted"
                | "case.dispatched"
                | "case.opened"
                | "notice.sent"
                | "case.progressed"
                | "case.reopened"
        )
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<Update>, HandlerError> {
        let payload = event.payload.as_ref();
        let update = match event.event_type.as_str() {
            "case.progressed" | "case.reopened" => {
                let progressed = CaseProgressed::decode(payload)?;
                return Ok(inspection(&event.tenant, &progressed)?
                    .map(Update::Inspection)
                    .into_iter()
                    .collect());
            }
            "case.registered" => {
                let registered = CaseRegistered::decode(payload)?;
                FactUpdate {
                    tenant: Some(event.tenant.clone()),
                    received_day: Some(local_day(&registered.received_at)?),
                    received_at: Some(instant(&registered.received_at)?),
                    kind: Some(registered.kind),
                    channel: Some(registered.channel),
                    source: Some(registered.source),
                    category: text(registered.category_code),
                    ..FactUpdate::default()
                }
            }
            "case.accepted" => {
                let accepted = CaseAccepted::decode(payload)?;
                FactUpdate {
                    accepted_at: Some(instant(&accepted.accepted_at)?),
                    acknowledgement_due_at: accepted.acknowledgement.map(|d| instant(&d.due_at)).transpose()?,
                    ..FactUpdate::default()
                }
            }
            "case.dispatched" => {
                let dispatched = CaseDispatched::decode(payload)?;
                FactUpdate {
                    // Time to dispatch counts to the first dispatch; a re-dispatch or transfer
                    // moves the unit and the severity, not that instant.
                    dispatched_at: (dispatched.dispatch_no <= 1)
                        .then(|| instant(&dispatched.dispatched_at))
                        .transpose()?,
                    unit: Some(dispatched.unit),
                    severity: Some(dispatched.severity),
                    ..FactUpdate::default()
                }
            }
            "case.opened" => {
                let opened = CaseOpened::decode(payload)?;
                FactUpdate {
                    opened_at: Some(instant(&opened.opened_at)?),
                    resolution_due_at: opened.resolution.map(|d| instant(&d.due_at)).transpose()?,
                    ..FactUpdate::default()
                }
            }
            // The acknowledgement counts from when it went out (decision 0005), not when it was
            // written.
            "notice.sent" => {
                let notice = NoticeSent::decode(payload)?;
                if notice.notice_kind != "acknowledgement" {
                    return Ok(vec![]);
                }
                FactUpdate {
                    acknowledged_at: Some(instant(&notice.sent_at)?),
                    ..FactUpdate::default()
                }
            }
            _ => return Ok(vec![]),
        };
        Ok(vec![Update::Facts(Box::new(update))])
    }

    async fn apply(&self, batch: Batch<Update>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for (event, updates) in batch.decided {
            for update in updates {
                let update = match update {
                    Update::Inspection(inspection) => {
                        sql::add_inspection(&mut tx, &event.case_id.to_string(), &inspection).await?;
                        continue;
                    }
                    Update::Facts(update) => *update,
                };
                sql::merge(&mut tx, &event.case_id.to_string(), &update).await?;
                if event.event_type == "case.registered" {
                    let detail = serde_json::json!({"period": update.received_day, "channel": update.channel});
                    store::messaging::append_history(
                        &mut tx,
                        &[HistoryEntry {
                            tenant: event.tenant.clone(),
                            case_id: event.case_id,
                            at: now,
                            action: "counted".into(),
                            actor: "system".into(),
                            detail_json: detail.to_string(),
                        }],
                    )
                    .await?;
                }
            }
        }
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        Ok(())
    }
}
