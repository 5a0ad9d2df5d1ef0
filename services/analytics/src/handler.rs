//! Analytics' consumer: every event fills in the facts it knows.

use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use domain::Clock;
use store::{Db, HistoryEntry};

use crate::store::{self as sql, Update};

/// The consumer of every producer's events.
pub struct AnalyticsHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl Handler for AnalyticsHandler {
    type State = ();
    type Effect = Update;

    fn handles(&self, event: &Envelope) -> bool {
        crate::facts::handles(event)
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<Update>, HandlerError> {
        crate::facts::decide(event)
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
                    Update::Scores { n, scores } => {
                        sql::add_scores(&mut tx, &event.case_id.to_string(), n, &scores).await?;
                        continue;
                    }
                    Update::Organisation { version, body_json } => {
                        sql::keep_organisation(&mut tx, &event.tenant, version, &body_json).await?;
                        continue;
                    }
                    Update::Facts(update) => *update,
                };
                sql::merge(&mut tx, &event.case_id.to_string(), &update).await?;
                if event.event_type == "case.registered" && update.case.is_none() {
                    let detail =
                        serde_json::json!({"period": update.text("received_day"), "channel": update.text("channel")});
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
