//! Routing's consumer: remember registered cases, dispatch accepted ones.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use bytes::Bytes;
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{CaseAccepted, CaseDispatched, CaseRegistered};
use store::{Db, NewEvent, Origin};

use crate::SERVICE;
use crate::rules::{self, CaseFacts, Decision};
use crate::store as sql;

/// What routing does for one event.
#[derive(Debug)]
pub enum Effect {
    Remember(CaseFacts),
    Dispatch { decision: Decision, accepted: CaseAccepted },
}

/// The consumer of intake's events.
pub struct RoutingHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl Handler for RoutingHandler {
    type State = HashMap<uuid::Uuid, CaseFacts>;
    type Effect = Effect;

    fn handles(&self, event: &Envelope) -> bool {
        matches!(event.event_type.as_str(), "case.registered" | "case.accepted")
    }

    async fn load(&self, events: &[Envelope]) -> Result<Self::State, HandlerError> {
        let mut known = HashMap::new();
        for event in events.iter().filter(|e| e.event_type == "case.accepted") {
            if let Some(facts) = sql::facts(&self.db, &event.case_id.to_string()).await? {
                known.insert(event.case_id, facts);
            }
        }
        Ok(known)
    }

    fn decide(&self, state: &Self::State, event: &Envelope) -> Result<Vec<Effect>, HandlerError> {
        match event.event_type.as_str() {
            "case.registered" => {
                let registered = CaseRegistered::decode(event.payload.as_ref())?;
                let text = |s: String| if s.is_empty() { None } else { Some(s) };
                Ok(vec![Effect::Remember(CaseFacts {
                    kind: registered.kind,
                    channel: registered.channel,
                    source: registered.source,
                    requested_unit: text(registered.unit),
                    category_code: text(registered.category_code),
                    signals: registered.signals,
                })])
            }
            "case.accepted" => {
                let accepted = CaseAccepted::decode(event.payload.as_ref())?;
                // Per-case order from intake guarantees the registration came first.
                let facts = state
                    .get(&event.case_id)
                    .ok_or_else(|| format!("case {} accepted before it was registered", event.case_id))?;
                Ok(vec![Effect::Dispatch {
                    decision: rules::decide(facts),
                    accepted,
                }])
            }
            _ => Ok(vec![]),
        }
    }

    async fn apply(&self, batch: Batch<Effect>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.db.begin().await?;
        for (event, effects) in batch.decided {
            let case_id = event.case_id.to_string();
            for effect in effects {
                match effect {
                    Effect::Remember(facts) => sql::remember(&mut tx, &event.tenant, &case_id, &facts).await?,
                    Effect::Dispatch { decision, accepted } => {
                        sql::record_dispatch(&mut tx, &case_id, &decision, &at).await?;
                        let dispatched = CaseDispatched {
                            dispatched_at: at.clone(),
                            unit: decision.unit.clone(),
                            severity: decision.severity.to_owned(),
                            reason: decision.reason.clone(),
                            rule_id: decision.rule_id.to_owned(),
                            accepted_at: accepted.accepted_at,
                            policy: accepted.policy,
                            policy_version: accepted.policy_version,
                            calendar_id: accepted.calendar_id,
                            kind: accepted.kind,
                        };
                        let detail = serde_json::json!({"unit": decision.unit, "severity": decision.severity,
                            "rule": decision.rule_id, "reason": decision.reason});
                        let origin = Origin::caused_by(SERVICE, now, &event);
                        let new_event = NewEvent {
                            tenant: event.tenant.clone(),
                            event_type: "case.dispatched",
                            case_id: event.case_id,
                            payload: Bytes::from(dispatched.encode_to_vec()),
                        };
                        store::messaging::emit(&mut tx, &origin, new_event, "dispatched", &detail).await?;
                    }
                }
            }
        }
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        Ok(())
    }
}
