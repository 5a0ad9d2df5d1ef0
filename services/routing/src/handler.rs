//! Routing's consumer: remember registered cases, dispatch accepted ones by the rules in force
//! at their `received_at`, raise their escalations and count their batches.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{CaseAccepted, CaseRegistered};
use store::{Db, Origin};

use crate::SERVICE;
use crate::dispatch::{self, Context, Plan};
use crate::store::{self as sql, CaseRow};

/// What routing does for one event.
#[derive(Debug)]
pub enum Effect {
    Remember(Box<CaseRow>),
    Dispatch {
        case: Box<CaseRow>,
        plan: Box<Plan>,
        context: Box<Context>,
    },
}

/// What `decide` needs of an accepted case, loaded before.
#[derive(Debug)]
pub struct Loaded {
    case: CaseRow,
    context: Context,
    days_since_previous: Option<u32>,
}

/// The consumer of intake's events.
pub struct RoutingHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

/// The row a `case.registered` event makes.
fn registration(event: &Envelope) -> Result<CaseRow, HandlerError> {
    let registered = CaseRegistered::decode(event.payload.as_ref())?;
    Ok(CaseRow {
        case_id: event.case_id.to_string(),
        tenant: event.tenant.clone(),
        kind: registered.kind,
        channel: registered.channel,
        source: registered.source,
        requested_unit: text(registered.unit),
        category_code: text(registered.category_code),
        signals: registered.signals,
        received_at: text(registered.received_at),
        subject_unit: text(registered.subject_unit),
        subject_staff: text(registered.subject_staff),
        account_unit: text(registered.account_unit),
        division_code: text(registered.division_code),
        customer_tier: text(registered.customer_tier),
        brand: text(registered.brand),
        product: text(registered.product),
        complainant_ref: text(registered.complainant_ref),
        matter_ref: text(registered.matter_ref),
        anonymous: registered.anonymous,
        state: "registered".to_owned(),
        ..CaseRow::default()
    })
}

#[async_trait]
impl Handler for RoutingHandler {
    type State = HashMap<uuid::Uuid, Loaded>;
    type Effect = Effect;

    fn handles(&self, event: &Envelope) -> bool {
        matches!(event.event_type.as_str(), "case.registered" | "case.accepted")
    }

    async fn load(&self, events: &[Envelope]) -> Result<Self::State, HandlerError> {
        let now = dispatch::instant(self.clock.now());
        let mut loaded = HashMap::new();
        // A registration in the same batch is not stored yet: its event stands in for the row.
        let mut registered: HashMap<uuid::Uuid, CaseRow> = HashMap::new();
        for event in events.iter().filter(|e| e.event_type == "case.registered") {
            if let Ok(row) = registration(event) {
                registered.insert(event.case_id, row);
            }
        }
        for event in events.iter().filter(|e| e.event_type == "case.accepted") {
            let stored = sql::case(&self.db, &event.tenant, &event.case_id.to_string()).await?;
            let Some(case) = stored.or_else(|| registered.remove(&event.case_id)) else {
                continue;
            };
            let received_at = case.received_at.clone().unwrap_or_else(|| now.clone());
            let context = Context::load(
                &self.db,
                &event.tenant,
                &received_at,
                &now,
                case.requested_unit.as_deref(),
            )
            .await?;
            let days_since_previous = match case.complainant_ref.as_deref().filter(|r| !r.is_empty()) {
                Some(who) => sql::previous_case_of(&self.db, &event.tenant, who, &case.case_id, &received_at)
                    .await?
                    .map(|previous| -> Result<u32, store::Error> {
                        let days = (dispatch::parse(&received_at)? - dispatch::parse(&previous)?).num_days();
                        Ok(u32::try_from(days.max(0)).unwrap_or(u32::MAX))
                    })
                    .transpose()?,
                None => None,
            };
            loaded.insert(
                event.case_id,
                Loaded {
                    case,
                    context,
                    days_since_previous,
                },
            );
        }
        Ok(loaded)
    }

    fn decide(&self, state: &Self::State, event: &Envelope) -> Result<Vec<Effect>, HandlerError> {
        match event.event_type.as_str() {
            "case.registered" => Ok(vec![Effect::Remember(Box::new(registration(event)?))]),
            "case.accepted" => {
                let accepted = CaseAccepted::decode(event.payload.as_ref())?;
                // Per-case order from intake guarantees the registration came first.
                let loaded = state
                    .get(&event.case_id)
                    .ok_or_else(|| format!("case {} accepted before it was registered", event.case_id))?;
                if loaded.case.state != "registered" {
                    return Ok(vec![]);
                }
                let mut case = loaded.case.clone();
                case.accepted_at = Some(accepted.accepted_at);
                case.policy = Some(accepted.policy);
                case.policy_version = i64::from(accepted.policy_version);
                case.calendar_id = text(accepted.calendar_id);
                let facts = case.facts(loaded.days_since_previous);
                // Business hours and duty rosters are read at the moment the case arrived.
                let arrived = match case.received_at.as_deref() {
                    Some(at) => dispatch::parse(at)?,
                    None => self.clock.now(),
                };
                let plan = dispatch::plan(&loaded.context, &facts, arrived, None);
                Ok(vec![Effect::Dispatch {
                    case: Box::new(case),
                    plan: Box::new(plan),
                    context: Box::new(loaded.context.clone()),
                }])
            }
            _ => Ok(vec![]),
        }
    }

    async fn apply(&self, batch: Batch<Effect>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for (event, effects) in batch.decided {
            for effect in effects {
                match effect {
                    Effect::Remember(case) => sql::remember(&mut tx, &case).await?,
                    Effect::Dispatch {
                        mut case,
                        plan,
                        context,
                    } => {
                        let origin = Origin::caused_by(SERVICE, now, &event);
                        dispatch::write_dispatch(&mut tx, &origin, &mut case, &plan, "system").await?;
                        dispatch::count_batch(&mut tx, &origin, &case, &context.rules).await?;
                    }
                }
            }
        }
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        Ok(())
    }
}
