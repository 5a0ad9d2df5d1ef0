//! Routing's gRPC adapter: a case's dispatch, the documents (organisation, catalog, rules), the
//! dry-run, and the dispatch actions (dispatch, take, return, transfer, recuse, acknowledge).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::{Clock, ErrorCode};
use prost::Message as _;
use rpc::events::v1::{
    CaseRecused, CaseReturned, CaseTaken, CaseTransferred, DocumentPublished, EscalationAcknowledged,
};
use rpc::routing::v1::routing_server::Routing;
use rpc::routing::v1::{
    ActRequest, DecisionView, DocumentView, DryRunRequest, EscalationView, GetDocumentRequest, GetRoutingRequest,
    PublishDocumentRequest, RoutingView,
};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{case_id, conflict, internal, invalid, status, tenant_of};
use store::{Db, Origin};
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::dispatch::{self, Context, Plan};
use crate::org::{Invalid, Org, OrgDocument};
use crate::ruleset::{self, Decision, Facts, RuleSet};
use crate::store::{self as sql, CaseRow, DocumentKind, EscalationRow};
use catalog::Catalog;

/// The organisation as it rides the bus (investigation keeps a copy for who may act and the
/// manager chain, decision 0004): units, roles and reporting lines, with each member of staff's
/// display name replaced by their id, so no one's name travels on the bus.
fn bus_directory(body: &str) -> Result<String, Status> {
    let mut document: serde_json::Value = serde_json::from_str(body).map_err(internal)?;
    if let Some(staff) = document.get_mut("staff").and_then(serde_json::Value::as_array_mut) {
        for member in staff {
            let id = member.get("id").cloned().unwrap_or_default();
            member["display_name"] = id;
        }
    }
    Ok(document.to_string())
}

/// The gRPC face of routing.
pub struct RoutingGrpc {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

fn refused(error: &Invalid, prefix: &str) -> Status {
    let field = if prefix.is_empty() {
        error.field.clone()
    } else {
        format!("{prefix}.{}", error.field)
    };
    invalid(&field, "document", format!("{field}: {}", error.rule))
}

fn origin(now: DateTime<Utc>) -> Origin {
    Origin::at(SERVICE, now)
}

fn text(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() { None } else { Some(value.to_owned()) }
}

/// The stream id of a tenant's document: a fixed UUID v5, so 0001's per-case order holds.
pub fn document_stream(tenant: &str, kind: DocumentKind) -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("redress.{tenant}.routing.{}", kind.as_str()).as_bytes(),
    )
}

fn known_policy(field: &str, policy: Option<&String>) -> Result<(), Status> {
    match policy {
        Some(name) if calendar::presets::get(name).is_none() => Err(invalid(
            field,
            "policy",
            format!(
                "{field}: `{name}` is not an SLA preset ({})",
                calendar::presets::NAMES.join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// Checks a document as published; returns it normalised (re-serialised).
fn check_document(kind: DocumentKind, body: &str, org: &Org) -> Result<String, Status> {
    let parse_error = |e: serde_json::Error| invalid("body_json", "json", format!("the document does not parse: {e}"));
    match kind {
        DocumentKind::Organisation => {
            let document: OrgDocument = serde_json::from_str(body).map_err(parse_error)?;
            known_policy("defaults.policy", Some(&document.defaults.policy))?;
            for (n, unit) in document.units.iter().enumerate() {
                known_policy(&format!("units[{n}].settings.policy"), unit.settings.policy.as_ref())?;
            }
            document.clone().build().map_err(|e| refused(&e, ""))?;
            serde_json::to_string(&document).map_err(internal)
        }
        DocumentKind::Rules => {
            let rules: RuleSet = serde_json::from_str(body).map_err(parse_error)?;
            for (n, rule) in rules.rules.iter().enumerate() {
                known_policy(&format!("rules[{n}].then.policy"), rule.then.policy.as_ref())?;
            }
            rules.check(org).map_err(|e| refused(&e, ""))?;
            serde_json::to_string(&rules).map_err(internal)
        }
        DocumentKind::Catalog => {
            let catalog = Catalog::from_json(body).map_err(|e| refused(&e, ""))?;
            Ok(catalog.to_json())
        }
    }
}

fn escalation_view(row: &EscalationRow) -> EscalationView {
    EscalationView {
        escalation_id: row.escalation_id.clone(),
        trigger: row.trigger.clone(),
        level: u32::try_from(row.level).unwrap_or(1),
        recipients: row.recipients.clone(),
        units: row.units.clone(),
        raised_at: row.raised_at.clone(),
        acknowledge_by: row.acknowledge_by.clone(),
        acknowledged_at: row.acknowledged_at.clone().unwrap_or_default(),
        acknowledged_by: row.acknowledged_by.clone().unwrap_or_default(),
        acknowledge_within_hours: u32::try_from(row.acknowledge_within_hours).unwrap_or(0),
        rule_id: row.rule_id.clone(),
    }
}

fn routing_view(case: &CaseRow, escalations: &[EscalationRow]) -> RoutingView {
    RoutingView {
        known: case.dispatched_at.is_some(),
        unit: case.unit.clone().unwrap_or_default(),
        severity: case.severity.clone().unwrap_or_default(),
        reason: case.reason.clone().unwrap_or_default(),
        dispatched_at: case.dispatched_at.clone().unwrap_or_default(),
        state: case.state.clone(),
        dispatch_no: u32::try_from(case.dispatch_no).unwrap_or(0),
        version: u64::try_from(case.version).unwrap_or(0),
        assignee: case.assignee.clone().unwrap_or_default(),
        priority: case.priority.clone().unwrap_or_default(),
        watchers: case.watchers.clone(),
        rule_set_version: u32::try_from(case.rule_set_version).unwrap_or(0),
        rule_id: case.rule_id.clone().unwrap_or_default(),
        because: case.because.clone(),
        take_due_at: case.take_due_at.clone().unwrap_or_default(),
        escalations: escalations.iter().map(escalation_view).collect(),
        allowed: dispatch::allowed(&case.state).iter().map(|a| (*a).to_owned()).collect(),
        codes_json: case.codes_json.clone().unwrap_or_default(),
        subject_staff: case.subject_staff.clone().unwrap_or_default(),
    }
}

fn decision_view(plan: &Plan, context: &Context) -> DecisionView {
    let decision: &Decision = &plan.decision;
    DecisionView {
        unit: decision.unit.clone(),
        severity: decision.severity.clone(),
        policy: decision
            .policy
            .clone()
            .or_else(|| plan.policy.clone())
            .unwrap_or_default(),
        priority: decision.priority.clone(),
        watchers: decision.watchers.clone(),
        assignee: decision.assignee.clone().unwrap_or_default(),
        rule_set_version: decision.rule_set_version,
        rule_id: decision.rule_id.clone(),
        escalations: decision
            .escalations
            .iter()
            .map(|e| EscalationView {
                trigger: e.trigger.clone(),
                level: 1,
                recipients: e.recipients.clone(),
                units: e.units.clone(),
                acknowledge_within_hours: e.acknowledge_within_hours,
                rule_id: e.rule_id.clone(),
                ..EscalationView::default()
            })
            .collect(),
        because: decision.because.clone(),
        organisation_version: u32::try_from(context.org_version).unwrap_or(0),
        take_within_hours: plan.take_within_hours,
        calendar_id: plan.calendar_id.clone().unwrap_or_default(),
        codes_json: plan
            .codes
            .as_ref()
            .and_then(|codes| serde_json::to_string(codes).ok())
            .unwrap_or_default(),
    }
}

impl RoutingGrpc {
    async fn current_org(&self, tenant: &str, now: &str) -> Result<Org, Status> {
        Ok(Context::load(&self.db, tenant, now, now, None)
            .await
            .map_err(internal)?
            .org)
    }

    /// A member of staff acting: `admin`, or someone of the published directory.
    fn actor<'a>(org: &'a Org, staff: &str) -> Result<Option<&'a crate::org::Staff>, Status> {
        if staff.is_empty() || staff == "admin" {
            return Ok(None);
        }
        org.staff(staff)
            .map(Some)
            .ok_or_else(|| invalid("staff", "unknown", format!("staff: no `{staff}` in the organisation")))
    }

    fn of_unit(org: &Org, member: Option<&crate::org::Staff>, units: &[String]) -> Result<(), Status> {
        let Some(member) = member else { return Ok(()) };
        let inside = org.ancestry(&member.unit).iter().any(|u| units.contains(&u.id));
        if inside {
            Ok(())
        } else {
            Err(invalid(
                "staff",
                "not_of_unit",
                format!(
                    "staff: `{}` belongs to {}, not to {}",
                    member.id,
                    member.unit,
                    units.join(", ")
                ),
            ))
        }
    }

    async fn act_in(&self, tenant: &str, request: ActRequest) -> Result<RoutingView, Status> {
        let id = case_id(&request.case_id)?.to_string();
        let now = self.clock.now();
        let now_text = dispatch::instant(now);
        let action = request.action.as_str();
        if !["dispatch", "take", "return", "transfer", "recuse", "acknowledge"].contains(&action) {
            return Err(invalid(
                "action",
                "one_of",
                format!("action: `{action}` is not a dispatch action"),
            ));
        }
        let unit_given = text(&request.unit);
        let reason = text(&request.reason);
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(invalid("reason", "max_length", "reason: at most 500 characters"));
        }
        let context = {
            let known = sql::case(&self.db, tenant, &id).await.map_err(internal)?;
            let received = known
                .as_ref()
                .and_then(|c| c.received_at.clone())
                .unwrap_or_else(|| now_text.clone());
            Context::load(&self.db, tenant, &received, &now_text, unit_given.as_deref())
                .await
                .map_err(internal)?
        };
        let member = Self::actor(&context.org, &request.staff)?;
        let actor = if request.staff.is_empty() {
            "admin".to_owned()
        } else {
            request.staff.clone()
        };
        let origin = origin(now);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let Some(mut case) = sql::case_for_update(&mut tx, tenant, &id).await.map_err(internal)? else {
            return Err(conflict("not_ready", "routing has not processed this case yet", None));
        };
        if request.expected_version != 0 && request.expected_version != u64::try_from(case.version).unwrap_or(0) {
            return Err(status(
                ErrorCode::Conflict,
                "version_mismatch",
                &format!(
                    "the case's dispatch is at version {}, not {}",
                    case.version, request.expected_version
                ),
                Some("If-Match"),
            ));
        }
        let allowed = dispatch::allowed(&case.state);
        if !allowed.contains(&action) {
            return Err(conflict(
                "invalid_transition",
                format!("`{action}` is not allowed while the case is {}", case.state),
                Some(serde_json::json!({"current_state": case.state, "allowed": allowed})),
            ));
        }
        let case_uuid = uuid::Uuid::parse_str(&case.case_id).map_err(internal)?;
        let current_unit = case.unit.clone().unwrap_or_default();
        let facts = case.facts(None);
        let require_reason = || {
            reason
                .clone()
                .ok_or_else(|| invalid("reason", "required", "reason: required"))
        };
        let check_target = |unit: &str| -> Result<(), Status> {
            if context.org.unit(unit).is_none() {
                return Err(invalid(
                    "unit",
                    "unknown",
                    format!("unit: no `{unit}` in the organisation"),
                ));
            }
            if ruleset::barred_units(&context.org, &facts).iter().any(|b| b == unit) {
                return Err(invalid(
                    "unit",
                    "recusal",
                    format!("unit: the case may not go to `{unit}` (it accuses it, or it declared a conflict)"),
                ));
            }
            Ok(())
        };
        match action {
            "take" => {
                Self::of_unit(&context.org, member, std::slice::from_ref(&current_unit))?;
                if let Some(member) = member
                    && ruleset::barred_staff(&facts, &member.id)
                {
                    return Err(invalid("staff", "recusal", "staff: the case is about this person"));
                }
                let late = case.take_due_at.as_deref().is_some_and(|due| now_text.as_str() > due);
                case.state = "taken".to_owned();
                case.version += 1;
                if let Some(member) = member {
                    case.assignee = Some(member.id.clone());
                }
                sql::save_state(&mut tx, &case).await.map_err(internal)?;
                sql::disarm(&mut tx, &case.case_id, "take").await.map_err(internal)?;
                let event = CaseTaken {
                    taken_at: now_text.clone(),
                    unit: current_unit.clone(),
                    staff: actor.clone(),
                    dispatch_no: u32::try_from(case.dispatch_no).unwrap_or(0),
                    late,
                };
                let detail = serde_json::json!({"unit": current_unit, "late": late, "dispatch_no": case.dispatch_no});
                store::messaging::emit_by(
                    &mut tx,
                    &origin,
                    dispatch::new_event(tenant, case_uuid, "case.taken", event.encode_to_vec()),
                    &actor,
                    "taken",
                    &detail,
                )
                .await
                .map_err(internal)?;
            }
            "return" => {
                let reason = require_reason()?;
                Self::of_unit(&context.org, member, std::slice::from_ref(&current_unit))?;
                case.state = "returned".to_owned();
                case.version += 1;
                case.unit = Some(context.org.root().id.clone());
                case.assignee = None;
                case.because = vec![format!("returned by {current_unit}: {reason}")];
                case.returned_by = Some(current_unit.clone());
                sql::save_state(&mut tx, &case).await.map_err(internal)?;
                sql::disarm(&mut tx, &case.case_id, "take").await.map_err(internal)?;
                let clock = match context.rules.clock_on_return {
                    ruleset::ClockOnReturn::Continue => "continue",
                    ruleset::ClockOnReturn::Pause => "pause",
                };
                let event = CaseReturned {
                    returned_at: now_text.clone(),
                    unit: current_unit.clone(),
                    staff: actor.clone(),
                    reason: reason.clone(),
                    dispatch_no: u32::try_from(case.dispatch_no).unwrap_or(0),
                    clock_on_return: clock.to_owned(),
                };
                let detail = serde_json::json!({"unit": current_unit, "reason": reason, "clock": clock,
                    "back_to": context.org.root().id});
                store::messaging::emit_by(
                    &mut tx,
                    &origin,
                    dispatch::new_event(tenant, case_uuid, "case.returned", event.encode_to_vec()),
                    &actor,
                    "returned",
                    &detail,
                )
                .await
                .map_err(internal)?;
            }
            "dispatch" => {
                Self::of_unit(&context.org, member, std::slice::from_ref(&context.org.root().id))?;
                let plan = match &unit_given {
                    Some(unit) => {
                        check_target(unit)?;
                        dispatch::plan(&context, &facts, now, Some((unit, &actor)))
                    }
                    None => {
                        // Re-run the rules, passing over the unit that returned or sat on it.
                        let mut facts = facts.clone();
                        facts.excluded_units.extend(case.returned_by.clone());
                        dispatch::plan(&context, &facts, now, None)
                    }
                };
                dispatch::write_dispatch(&mut tx, &origin, &mut case, &plan, &actor)
                    .await
                    .map_err(internal)?;
            }
            "transfer" => {
                let reason = require_reason()?;
                let unit = unit_given
                    .clone()
                    .ok_or_else(|| invalid("unit", "required", "unit: required"))?;
                if unit == current_unit {
                    return Err(invalid("unit", "different", "unit: the case is already there"));
                }
                check_target(&unit)?;
                Self::of_unit(
                    &context.org,
                    member,
                    &[current_unit.clone(), context.org.root().id.clone()],
                )?;
                let event = CaseTransferred {
                    transferred_at: now_text.clone(),
                    from_unit: current_unit.clone(),
                    to_unit: unit.clone(),
                    reason: reason.clone(),
                    staff: actor.clone(),
                };
                let detail = serde_json::json!({"from": current_unit, "to": unit, "reason": reason});
                store::messaging::emit_by(
                    &mut tx,
                    &origin,
                    dispatch::new_event(tenant, case_uuid, "case.transferred", event.encode_to_vec()),
                    &actor,
                    "transferred",
                    &detail,
                )
                .await
                .map_err(internal)?;
                let mut plan = dispatch::plan(&context, &facts, now, Some((&unit, &actor)));
                plan.decision
                    .because
                    .insert(0, format!("transferred from {current_unit}: {reason}"));
                dispatch::write_dispatch(&mut tx, &origin, &mut case, &plan, &actor)
                    .await
                    .map_err(internal)?;
            }
            "recuse" => {
                let reason = require_reason()?;
                let declared_unit = unit_given.clone();
                if let Some(unit) = &declared_unit
                    && *unit != current_unit
                {
                    return Err(invalid(
                        "unit",
                        "current",
                        "unit: only the unit holding the case can declare its conflict",
                    ));
                }
                let staff = member.map(|m| m.id.clone());
                if declared_unit.is_none() && staff.is_none() {
                    return Err(invalid(
                        "staff",
                        "required",
                        "staff: who declares the conflict (or `unit` for the whole unit)",
                    ));
                }
                if let Some(staff) = &staff {
                    case.excluded.push(format!("staff:{staff}"));
                    if case.assignee.as_deref() == Some(staff.as_str()) {
                        case.assignee = None;
                    }
                }
                if let Some(unit) = &declared_unit {
                    case.excluded.push(unit.clone());
                }
                case.version += 1;
                sql::save_state(&mut tx, &case).await.map_err(internal)?;
                let event = CaseRecused {
                    recused_at: now_text.clone(),
                    unit: declared_unit.clone().unwrap_or_default(),
                    staff: staff.clone().unwrap_or_default(),
                    reason: reason.clone(),
                };
                let detail = serde_json::json!({"unit": declared_unit, "staff": staff, "reason": reason});
                store::messaging::emit_by(
                    &mut tx,
                    &origin,
                    dispatch::new_event(tenant, case_uuid, "case.recused", event.encode_to_vec()),
                    &actor,
                    "recused",
                    &detail,
                )
                .await
                .map_err(internal)?;
                if declared_unit.is_some() {
                    let plan = dispatch::plan(&context, &case.facts(None), now, None);
                    dispatch::write_dispatch(&mut tx, &origin, &mut case, &plan, &actor)
                        .await
                        .map_err(internal)?;
                }
            }
            "acknowledge" => {
                let escalation_id = text(&request.escalation_id)
                    .ok_or_else(|| invalid("escalation_id", "required", "escalation_id: required"))?;
                let escalation = sql::escalation_in(&mut tx, &escalation_id)
                    .await
                    .map_err(internal)?
                    .filter(|e| e.case_id == case.case_id)
                    .ok_or_else(|| {
                        invalid(
                            "escalation_id",
                            "unknown",
                            "escalation_id: no such escalation of this case",
                        )
                    })?;
                Self::of_unit(&context.org, member, &escalation.units)?;
                if !sql::acknowledge(&mut tx, &escalation_id, &now_text, &actor)
                    .await
                    .map_err(internal)?
                {
                    return Err(conflict(
                        "already_acknowledged",
                        "this escalation was acknowledged already",
                        None,
                    ));
                }
                let event = EscalationAcknowledged {
                    escalation_id: escalation_id.clone(),
                    acknowledged_at: now_text.clone(),
                    unit: member.map(|m| m.unit.clone()).unwrap_or_default(),
                    staff: actor.clone(),
                };
                let detail = serde_json::json!({"escalation_id": escalation_id, "trigger": escalation.trigger});
                store::messaging::emit_by(
                    &mut tx,
                    &origin,
                    dispatch::new_event(tenant, case_uuid, "escalation.acknowledged", event.encode_to_vec()),
                    &actor,
                    "escalation_acknowledged",
                    &detail,
                )
                .await
                .map_err(internal)?;
            }
            _ => unreachable!("checked above"),
        }
        self.db.commit(tx).await.map_err(internal)?;
        let case = sql::case(&self.db, tenant, &id)
            .await
            .map_err(internal)?
            .ok_or_else(|| internal("the case vanished"))?;
        let escalations = sql::escalations_of(&self.db, &id).await.map_err(internal)?;
        Ok(routing_view(&case, &escalations))
    }
}

#[tonic::async_trait]
impl Routing for RoutingGrpc {
    async fn get_routing(&self, request: Request<GetRoutingRequest>) -> Result<Response<RoutingView>, Status> {
        let tenant = tenant_of(&request)?;
        let id = case_id(&request.get_ref().case_id)?.to_string();
        let Some(case) = sql::case(&self.db, tenant.as_str(), &id).await.map_err(internal)? else {
            return Ok(Response::new(RoutingView::default()));
        };
        let escalations = sql::escalations_of(&self.db, &id).await.map_err(internal)?;
        Ok(Response::new(routing_view(&case, &escalations)))
    }

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }

    async fn publish_document(
        &self,
        request: Request<PublishDocumentRequest>,
    ) -> Result<Response<DocumentView>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let kind = DocumentKind::parse(&request.document)
            .ok_or_else(|| invalid("document", "one_of", "document: one of organisation, catalog, rules"))?;
        if request.note.chars().count() > 500 {
            return Err(invalid("note", "max_length", "note: at most 500 characters"));
        }
        let now = self.clock.now();
        let now_text = dispatch::instant(now);
        let org = self.current_org(tenant.as_str(), &now_text).await?;
        let body = check_document(kind, &request.body_json, &org)?;
        let published_by = text(&request.published_by).unwrap_or_else(|| "admin".to_owned());
        let mut tx = self.db.begin().await.map_err(internal)?;
        let version = sql::publish(
            &mut tx,
            tenant.as_str(),
            kind,
            &body,
            &published_by,
            &request.note,
            &now_text,
        )
        .await
        .map_err(internal)?;
        let detail = serde_json::json!({"document": kind.as_str(), "version": version, "note": request.note});
        store::audit::append(
            &mut tx,
            &store::audit::AuditEntry {
                tenant: tenant.as_str(),
                at: now,
                actor: &published_by,
                action: &format!("{}.published", kind.as_str()),
                subject: kind.as_str(),
                detail_json: &detail.to_string(),
            },
        )
        .await
        .map_err(internal)?;
        let event = DocumentPublished {
            document: kind.as_str().to_owned(),
            version: u32::try_from(version).unwrap_or(u32::MAX),
            published_at: now_text.clone(),
            published_by: published_by.clone(),
            note: request.note.clone(),
            body_json: match kind {
                DocumentKind::Catalog => body.clone(),
                DocumentKind::Organisation => bus_directory(&body)?,
                DocumentKind::Rules => String::new(),
            },
        };
        let event_type = match kind {
            DocumentKind::Organisation => "organisation.published",
            DocumentKind::Catalog => "catalog.published",
            DocumentKind::Rules => "rules.published",
        };
        let stream = document_stream(tenant.as_str(), kind);
        let new_event = dispatch::new_event(tenant.as_str(), stream, event_type, event.encode_to_vec());
        store::messaging::emit_by(&mut tx, &origin(now), new_event, &published_by, "published", &detail)
            .await
            .map_err(internal)?;
        self.db.commit(tx).await.map_err(internal)?;
        Ok(Response::new(DocumentView {
            document: kind.as_str().to_owned(),
            version: event.version,
            published_at: now_text,
            published_by,
            note: request.note,
            body_json: body,
        }))
    }

    async fn get_document(&self, request: Request<GetDocumentRequest>) -> Result<Response<DocumentView>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let kind = DocumentKind::parse(&request.document)
            .ok_or_else(|| invalid("document", "one_of", "document: one of organisation, catalog, rules"))?;
        let now_text = dispatch::instant(self.clock.now());
        let found = if request.version == 0 {
            sql::in_force(&self.db, tenant.as_str(), kind, &now_text).await
        } else {
            sql::version(&self.db, tenant.as_str(), kind, i64::from(request.version)).await
        }
        .map_err(internal)?;
        let view = match (found, kind, request.version) {
            (Some(document), _, _) => DocumentView {
                document: kind.as_str().to_owned(),
                version: u32::try_from(document.version).unwrap_or(u32::MAX),
                published_at: document.published_at,
                published_by: document.published_by,
                note: document.note,
                body_json: document.body_json,
            },
            (None, DocumentKind::Rules, 0) => DocumentView {
                document: kind.as_str().to_owned(),
                note: "the starter rules (nothing published yet)".to_owned(),
                body_json: serde_json::to_string(&RuleSet::starter()).map_err(internal)?,
                ..DocumentView::default()
            },
            (None, DocumentKind::Catalog, 0) => DocumentView {
                document: kind.as_str().to_owned(),
                note: "the starter catalog (nothing published yet)".to_owned(),
                body_json: Catalog::default_starter().to_json(),
                ..DocumentView::default()
            },
            _ => {
                return Err(status(
                    ErrorCode::NotFound,
                    "not_found",
                    &format!("no {} version {}", kind.as_str(), request.version),
                    None,
                ));
            }
        };
        Ok(Response::new(view))
    }

    async fn dry_run(&self, request: Request<DryRunRequest>) -> Result<Response<DecisionView>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let now = self.clock.now();
        let at = match text(&request.received_at) {
            Some(at) => DateTime::parse_from_rfc3339(&at)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| invalid("received_at", "format", "received_at: an RFC 3339 instant"))?,
            None => now,
        };
        let facts = Facts {
            kind: text(&request.kind).unwrap_or_else(|| "complaint".to_owned()),
            channel: text(&request.channel).unwrap_or_else(|| "web".to_owned()),
            source: text(&request.source).unwrap_or_else(|| "direct".to_owned()),
            category_code: text(&request.category_code),
            signals: request.signals,
            requested_unit: text(&request.unit),
            subject_unit: text(&request.subject_unit),
            subject_staff: text(&request.subject_staff),
            account_unit: text(&request.account_unit),
            division_code: text(&request.division_code),
            customer_tier: text(&request.customer_tier),
            brand: text(&request.brand),
            product: text(&request.product),
            days_since_previous: request.has_previous.then_some(request.days_since_previous),
            ..Facts::default()
        };
        let context = Context::load(
            &self.db,
            tenant.as_str(),
            &dispatch::instant(at),
            &dispatch::instant(now),
            facts.requested_unit.as_deref(),
        )
        .await
        .map_err(internal)?;
        let plan = dispatch::plan(&context, &facts, at, None);
        Ok(Response::new(decision_view(&plan, &context)))
    }

    async fn act(&self, request: Request<ActRequest>) -> Result<Response<RoutingView>, Status> {
        let tenant = tenant_of(&request)?;
        Ok(Response::new(self.act_in(tenant.as_str(), request.into_inner()).await?))
    }
}
