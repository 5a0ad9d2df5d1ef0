//! The dispatch loop (decision 0003): what a case's dispatch state allows, the context a
//! decision is taken in, and the writes of a dispatch, an escalation and a batch alert — one
//! transaction each with the events they emit, shared by the consumer, the actions and the timers.

use std::sync::Arc;

use bytes::Bytes;
use catalog::{Catalog, Maps};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use prost::Message;
use rpc::events::v1::{BatchAlerted, CaseDispatched, CaseEscalated};
use store::{Db, Error, NewEvent, Origin};
use uuid::Uuid;

use crate::org::{Org, OrgDocument};
use crate::ruleset::{self, ClockOnReturn, Decision, Escalation, Facts, RuleSet};
use crate::store::{self as sql, BatchRow, CaseRow, DocumentKind, EscalationRow, TimerRow};

/// The actions each dispatch state allows.
pub fn allowed(state: &str) -> &'static [&'static str] {
    match state {
        "dispatched" => &["take", "return", "transfer", "dispatch", "recuse", "acknowledge"],
        "taken" => &["transfer", "recuse", "acknowledge"],
        "returned" => &["dispatch", "acknowledge"],
        _ => &[],
    }
}

/// Escalations re-raised one level up at most this many times.
pub const MAX_LEVEL: i64 = 4;

/// An RFC 3339 instant as routing writes it.
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses an instant routing or intake wrote.
pub fn parse(text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Corrupt(format!("instant `{text}`: {e}")))
}

/// The organisation and rules a decision is taken with.
#[derive(Debug, Clone)]
pub struct Context {
    pub org: Org,
    /// 0 for the provisional directory of a tenant that has published none.
    pub org_version: i64,
    pub rules: RuleSet,
    /// The catalog in force at `received_at` (or the shared starter tree of every sector).
    pub catalog: Arc<Catalog>,
}

impl Context {
    /// The directory in force now (or the provisional one naming `requested`), the rules and the
    /// catalog in force at `received_at` (or the starter rules and tree).
    pub async fn load(
        db: &Db,
        tenant: &str,
        received_at: &str,
        now: &str,
        requested: Option<&str>,
    ) -> Result<Self, Error> {
        let (org, org_version) = match sql::in_force(db, tenant, DocumentKind::Organisation, now).await? {
            Some(document) => {
                let parsed: OrgDocument =
                    serde_json::from_str(&document.body_json).map_err(|e| Error::Corrupt(e.to_string()))?;
                let org = parsed.build().map_err(|e| Error::Corrupt(e.to_string()))?;
                (org, document.version)
            }
            None => (
                OrgDocument::provisional(requested)
                    .build()
                    .map_err(|e| Error::Corrupt(e.to_string()))?,
                0,
            ),
        };
        let rules = match sql::in_force(db, tenant, DocumentKind::Rules, received_at).await? {
            Some(document) => {
                let mut rules: RuleSet =
                    serde_json::from_str(&document.body_json).map_err(|e| Error::Corrupt(e.to_string()))?;
                rules.version = u32::try_from(document.version).unwrap_or(u32::MAX);
                rules
            }
            None => RuleSet::starter(),
        };
        let catalog = match sql::in_force(db, tenant, DocumentKind::Catalog, received_at).await? {
            Some(document) => {
                Arc::new(Catalog::from_json(&document.body_json).map_err(|e| Error::Corrupt(e.to_string()))?)
            }
            None => Catalog::default_starter(),
        };
        Ok(Self {
            org,
            org_version,
            rules,
            catalog,
        })
    }
}

/// A decision with what the dispatch needs from the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub decision: Decision,
    pub take_within_hours: u32,
    /// The unit's calendar and SLA policy, when a published directory sets them.
    pub calendar_id: Option<String>,
    pub policy: Option<String>,
    /// The unit's customer-relations managers, told of the dispatch.
    pub notify_staff: Vec<String>,
    pub clock_on_return: ClockOnReturn,
    /// The regulatory codes of the case's category.
    pub codes: Option<Maps>,
    /// Head office reviews the unit's result before the complainant is told: its call centre
    /// registered the case, or its staff chose the unit (decision 0004).
    pub review_unit: Option<String>,
}

/// Plans a dispatch: the rules' decision, or (`unit` given) head office's choice of unit.
pub fn plan(context: &Context, facts: &Facts, at: DateTime<Utc>, unit: Option<(&str, &str)>) -> Plan {
    let mut decision = ruleset::decide(&context.org, &context.rules, facts, at);
    if let Some((unit, by)) = unit {
        decision.because.insert(0, format!("dispatched to {unit} by {by}"));
        decision.unit = unit.to_owned();
        decision.rule_id = "manual".to_owned();
        decision.assignee = None;
        for escalation in &mut decision.escalations {
            let (units, _) = ruleset::recipients(&context.org, unit, facts, &escalation.recipients);
            escalation.units = units;
        }
    }
    let resolved = context.org.resolve(&decision.unit);
    let published = context.org_version > 0;
    let root = context.org.root().id.clone();
    let review_unit = (decision.unit != root && (facts.source == "hq_call_centre" || unit.is_some())).then_some(root);
    Plan {
        review_unit,
        take_within_hours: resolved.as_ref().map_or(24, |r| r.take_within_hours),
        calendar_id: resolved.as_ref().filter(|_| published).map(|r| r.calendar.clone()),
        policy: resolved.as_ref().filter(|_| published).map(|r| r.policy.clone()),
        notify_staff: context
            .org
            .with_role(&decision.unit, "crm_manager")
            .into_iter()
            .map(|s| s.id.clone())
            .collect(),
        clock_on_return: context.rules.clock_on_return,
        codes: facts
            .category_code
            .as_deref()
            .and_then(|code| context.catalog.maps(code)),
        decision,
    }
}

/// An event of a case (or of a tenant's document stream) to emit.
pub fn new_event(tenant: &str, case_id: Uuid, event_type: &'static str, payload: Vec<u8>) -> NewEvent {
    NewEvent {
        tenant: tenant.to_owned(),
        event_type,
        case_id,
        payload: Bytes::from(payload),
    }
}

fn case_uuid(case: &CaseRow) -> Result<Uuid, Error> {
    Uuid::parse_str(&case.case_id).map_err(|e| Error::Corrupt(e.to_string()))
}

/// Dispatches a case as planned: the new state, the take timer, `case.dispatched`, and each
/// escalation the decision raised.
pub async fn write_dispatch(
    conn: &mut store::Conn,
    origin: &Origin,
    case: &mut CaseRow,
    plan: &Plan,
    actor: &str,
) -> Result<(), Error> {
    let now = origin.occurred_at;
    let at = instant(now);
    let decision = &plan.decision;
    let take_due = now + Duration::hours(i64::from(plan.take_within_hours));
    let accepted_policy = case.policy.clone().unwrap_or_default();
    let policy = decision
        .policy
        .clone()
        .or_else(|| plan.policy.clone())
        .unwrap_or_else(|| accepted_policy.clone());
    let policy_version = if policy == accepted_policy {
        case.policy_version
    } else {
        1
    };
    let calendar_id = plan
        .calendar_id
        .clone()
        .or_else(|| case.calendar_id.clone())
        .unwrap_or_else(|| "cn".to_owned());
    case.state = "dispatched".to_owned();
    case.dispatch_no += 1;
    case.version += 1;
    case.unit = Some(decision.unit.clone());
    case.severity = Some(decision.severity.clone());
    case.reason = Some(decision.because.join("; "));
    case.rule_id = Some(decision.rule_id.clone());
    case.dispatched_at = Some(at.clone());
    case.assignee = decision.assignee.clone();
    case.priority = Some(decision.priority.clone());
    case.watchers = decision.watchers.clone();
    case.because = decision.because.clone();
    case.rule_set_version = i64::from(decision.rule_set_version);
    case.take_due_at = Some(instant(take_due));
    case.returned_by = None;
    case.codes_json = plan
        .codes
        .as_ref()
        .map(|codes| serde_json::to_string(codes).map_err(|e| Error::Corrupt(e.to_string())))
        .transpose()?;
    sql::save_state(conn, case).await?;
    sql::disarm(conn, &case.case_id, "take").await?;
    sql::arm(
        conn,
        &TimerRow {
            case_id: case.case_id.clone(),
            kind: "take".to_owned(),
            reference: case.dispatch_no.to_string(),
            tenant: case.tenant.clone(),
            due_at: instant(take_due),
        },
    )
    .await?;
    let dispatched = CaseDispatched {
        dispatched_at: at.clone(),
        unit: decision.unit.clone(),
        severity: decision.severity.clone(),
        reason: decision.because.join("; "),
        rule_id: decision.rule_id.clone(),
        accepted_at: case.accepted_at.clone().unwrap_or_default(),
        policy,
        policy_version: u32::try_from(policy_version).unwrap_or(1),
        calendar_id,
        kind: case.kind.clone(),
        dispatch_no: u32::try_from(case.dispatch_no).unwrap_or(u32::MAX),
        priority: decision.priority.clone(),
        assignee: decision.assignee.clone().unwrap_or_default(),
        watchers: decision.watchers.clone(),
        notify_staff: plan.notify_staff.clone(),
        rule_set_version: decision.rule_set_version,
        because: decision.because.clone(),
        take_due_at: instant(take_due),
        clock_on_return: match plan.clock_on_return {
            ClockOnReturn::Continue => "continue",
            ClockOnReturn::Pause => "pause",
        }
        .to_owned(),
        codes_json: case.codes_json.clone().unwrap_or_default(),
        review_unit: plan.review_unit.clone().unwrap_or_default(),
        anonymous: case.anonymous,
    };
    let detail = serde_json::json!({"unit": decision.unit, "severity": decision.severity, "priority": decision.priority,
        "rule": decision.rule_id, "rule_set_version": decision.rule_set_version, "dispatch_no": case.dispatch_no,
        "assignee": decision.assignee, "watchers": decision.watchers, "because": decision.because,
        "take_due_at": dispatched.take_due_at});
    let case_id = case_uuid(case)?;
    store::messaging::emit_by(
        conn,
        origin,
        new_event(&case.tenant, case_id, "case.dispatched", dispatched.encode_to_vec()),
        actor,
        "dispatched",
        &detail,
    )
    .await?;
    // A re-dispatch or transfer re-runs the triggers; one already raised is not raised again.
    let raised = sql::raised_triggers(conn, &case.case_id).await?;
    for escalation in decision.escalations.iter().filter(|e| !raised.contains(&e.trigger)) {
        raise(conn, origin, case, escalation, 1, None).await?;
    }
    Ok(())
}

/// Raises an escalation at `level`: stored, its acknowledgement timer armed, `case.escalated`.
pub async fn raise(
    conn: &mut store::Conn,
    origin: &Origin,
    case: &CaseRow,
    escalation: &Escalation,
    level: i64,
    previous_id: Option<String>,
) -> Result<String, Error> {
    let now = origin.occurred_at;
    let acknowledge_by = now + Duration::hours(i64::from(escalation.acknowledge_within_hours));
    let row = EscalationRow {
        escalation_id: Uuid::now_v7().to_string(),
        tenant: case.tenant.clone(),
        case_id: case.case_id.clone(),
        trigger: escalation.trigger.clone(),
        level,
        rule_id: escalation.rule_id.clone(),
        recipients: escalation.recipients.clone(),
        units: escalation.units.clone(),
        raised_at: instant(now),
        acknowledge_within_hours: i64::from(escalation.acknowledge_within_hours),
        acknowledge_by: instant(acknowledge_by),
        acknowledged_at: None,
        acknowledged_by: None,
        previous_id: previous_id.clone(),
    };
    sql::insert_escalation(conn, &row).await?;
    sql::arm(
        conn,
        &TimerRow {
            case_id: case.case_id.clone(),
            kind: "acknowledge".to_owned(),
            reference: row.escalation_id.clone(),
            tenant: case.tenant.clone(),
            due_at: row.acknowledge_by.clone(),
        },
    )
    .await?;
    let event = CaseEscalated {
        escalation_id: row.escalation_id.clone(),
        escalated_at: row.raised_at.clone(),
        trigger: row.trigger.clone(),
        level: u32::try_from(level).unwrap_or(1),
        recipients: row.recipients.clone(),
        units: row.units.clone(),
        acknowledge_by: row.acknowledge_by.clone(),
        severity: case.severity.clone().unwrap_or_default(),
        rule_id: row.rule_id.clone(),
        unit: case.unit.clone().unwrap_or_default(),
        previous_id: previous_id.unwrap_or_default(),
    };
    let detail = serde_json::json!({"escalation_id": row.escalation_id, "trigger": row.trigger, "level": level,
        "recipients": row.recipients, "units": row.units, "acknowledge_by": row.acknowledge_by});
    store::messaging::emit_by(
        conn,
        origin,
        new_event(&case.tenant, case_uuid(case)?, "case.escalated", event.encode_to_vec()),
        "system",
        "escalated",
        &detail,
    )
    .await?;
    Ok(row.escalation_id)
}

/// Counts the complainants on a case's matter within the window and raises `batch.alerted` when
/// the batch reaches the alert or the reportable threshold (each once per batch).
pub async fn count_batch(
    conn: &mut store::Conn,
    origin: &Origin,
    case: &CaseRow,
    rules: &RuleSet,
) -> Result<(), Error> {
    let (Some(matter), Some(received_at)) = (case.matter_ref.as_deref(), case.received_at.as_deref()) else {
        return Ok(());
    };
    if matter.is_empty() {
        return Ok(());
    }
    let policy = rules.batches;
    let received = parse(received_at)?;
    let window_start = instant(received - Duration::days(i64::from(policy.window_days)));
    sql::lock_matter(conn, &case.tenant, matter).await?;
    let (mut batch, new) = match sql::open_batch(conn, &case.tenant, matter, &window_start).await? {
        Some(batch) => (batch, false),
        None => (
            BatchRow {
                batch_id: Uuid::now_v7().to_string(),
                started_at: received_at.to_owned(),
                alerted_at: None,
                reportable_at: None,
            },
            true,
        ),
    };
    let (complainants, case_ids) = sql::matter_cases(conn, &case.tenant, matter, &window_start, received_at).await?;
    let reportable = complainants >= policy.reportable_at && batch.reportable_at.is_none();
    let alert = complainants >= policy.alert_at && batch.alerted_at.is_none();
    if !(alert || reportable) {
        if new {
            sql::save_batch(conn, &case.tenant, matter, &batch).await?;
        }
        return Ok(());
    }
    let at = instant(origin.occurred_at);
    if alert {
        batch.alerted_at = Some(at.clone());
    }
    if reportable {
        batch.reportable_at = Some(at.clone());
    }
    sql::save_batch(conn, &case.tenant, matter, &batch).await?;
    let event = BatchAlerted {
        batch_id: batch.batch_id.clone(),
        alerted_at: at,
        matter_ref: matter.to_owned(),
        complainants,
        window_days: policy.window_days,
        reportable: batch.reportable_at.is_some(),
        case_ids: case_ids.clone(),
        unit: case.unit.clone().unwrap_or_default(),
    };
    let detail = serde_json::json!({"batch_id": batch.batch_id, "complainants": complainants,
        "window_days": policy.window_days, "reportable": event.reportable, "cases": case_ids});
    store::messaging::emit_by(
        conn,
        origin,
        new_event(&case.tenant, case_uuid(case)?, "batch.alerted", event.encode_to_vec()),
        "system",
        "batch_alerted",
        &detail,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn dealer() -> Context {
        let demo = crate::demo::DEMOS
            .iter()
            .find(|d| d.tenant == "dealer")
            .expect("the dealer demo");
        let mut rules = demo.rules();
        rules.version = 1;
        Context {
            org: demo.organisation().build().expect("valid"),
            org_version: 1,
            rules,
            catalog: Arc::new(Catalog::starter("dealer").expect("the dealer tree")),
        }
    }

    #[test]
    fn a_dispatch_tells_the_stores_customer_relations_manager_and_carries_its_settings() {
        let facts = Facts {
            kind: "complaint".into(),
            channel: "phone".into(),
            source: "hq_call_centre".into(),
            requested_unit: Some("gz-tianhe-byd".into()),
            ..Facts::default()
        };
        // Monday 10:00 in Beijing.
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap();
        let plan = plan(&dealer(), &facts, at, None);
        assert_eq!(plan.decision.unit, "gz-tianhe-byd");
        assert_eq!(plan.notify_staff, vec!["gz-tianhe-byd-crm"]);
        assert_eq!(
            (plan.take_within_hours, plan.policy.as_deref()),
            (2, Some("dealership_group"))
        );
        // Head office's choice of unit replaces the rules' and says who chose.
        let manual = super::plan(&dealer(), &facts, at, Some(("nj-gulou-toyota", "admin")));
        assert_eq!(
            (manual.decision.unit.as_str(), manual.decision.rule_id.as_str()),
            ("nj-gulou-toyota", "manual")
        );
        assert_eq!(manual.notify_staff, vec!["nj-gulou-toyota-crm"]);
        assert_eq!(
            manual.take_within_hours, 4,
            "the Toyota division inherits the group's four hours"
        );
        assert!(
            manual.decision.because[0].contains("by admin"),
            "{:?}",
            manual.decision.because
        );
    }

    #[test]
    fn only_the_states_that_allow_an_action_list_it() {
        assert!(allowed("dispatched").contains(&"take"));
        assert!(!allowed("taken").contains(&"take"));
        assert_eq!(allowed("returned"), &["dispatch", "acknowledge"]);
        assert!(allowed("registered").is_empty());
    }
}
