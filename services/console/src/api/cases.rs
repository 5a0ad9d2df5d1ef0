//! `GET /api/v1/cases/{id}`: the case as the caller may see it, with the timeline assembled
//! from every service's `CaseHistory`.

use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use rpc::intake::v1::GetCaseRequest;
use rpc::investigation::v1::GetFileRequest;
use rpc::routing::v1::GetRoutingRequest;
use rpc::timeline::v1::{CaseHistoryRequest, Deadline};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::complaints::DeadlineView;
use super::{ApiError, auth};
use crate::app::State;
use crate::identity::Caller;

/// One entry of the timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    #[schema(format = DateTime)]
    pub at: String,
    /// The service that wrote it.
    pub service: String,
    pub action: String,
    pub actor: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    pub case_number: String,
    /// `received`, `accepted`, `dispatched`, `investigating`, …
    pub status: String,
    pub kind: String,
    pub channel: String,
    pub source: String,
    /// The category code, or `unclassified`.
    pub category: String,
    /// As the complainant or source gave it.
    pub reported_category: Option<String>,
    pub unit: Option<String>,
    pub severity: Option<String>,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub deadlines: Vec<DeadlineView>,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Services that have not processed the case yet.
    pub pending: Vec<String>,
    /// The case's version, for `If-Match` on actions.
    pub version: u64,
    /// Who handles it and why (routing's dispatch state, explanation and escalations).
    pub dispatch: super::routing::DispatchReply,
    /// The actions allowed now (the case file's once investigation has it, else routing's).
    pub allowed: Vec<String>,
    /// The member of staff handling it inside the unit.
    pub handler: Option<String>,
    /// Why it closed, once closed.
    pub closing_reason: Option<String>,
    /// The casework (decision 0004): the guards' facts and every record of the file; absent
    /// before the first dispatch.
    #[schema(value_type = Option<Object>)]
    pub casework: Option<serde_json::Value>,
    /// The earlier case this one repeats: the same complainant on the same subject within the
    /// tenant's window (decision 0007); routing's rules see the signal `repeat`.
    pub repeat_of: Option<String>,
    /// The case this duplicate was merged into.
    pub merged_into: Option<String>,
    /// Why it was not accepted (a rejection reason code), once rejected.
    pub rejection_reason: Option<String>,
    /// The outside source's reference (12345's work order number …).
    pub source_ref: Option<String>,
    /// The deadline the outside source set; also among `deadlines` as kind `source`.
    #[schema(format = DateTime)]
    pub source_due_at: Option<String>,
    /// Imported history (back-dated).
    pub imported: bool,
    /// An imported closed case's outcome in the system it came from.
    pub outcome: Option<String>,
    /// The complainant, masked for every role (decision 0010); in clear for an administrator
    /// who asked with `reveal=personal_data` (intake audits the release). Absent for an
    /// anonymous case.
    pub complainant: Option<super::particulars::ComplainantView>,
    /// A dealer's vehicle block, masked the same way.
    pub vehicle: Option<super::particulars::VehicleView>,
    /// A bank's account block; the account only once the identity is verified.
    pub bank: Option<super::particulars::BankView>,
    /// The member of staff or unit owning the case until it is handed over.
    pub first_contact_owner: Option<String>,
    /// Whether staff verified the complainant's identity (`verify-identity`), when and how.
    pub identity_verified: bool,
    #[schema(format = DateTime)]
    pub identity_verified_at: Option<String>,
    pub identity_method: Option<String>,
}

/// What `GET /api/v1/cases/{id}` may be asked besides the case.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// `personal_data`: the complainant and the vehicle in clear — an administrator only, with
    /// `purpose`; the release is audited. Every other role sees masked values.
    pub reveal: Option<String>,
    /// Why the clear values are needed (1–200 characters), recorded in the audit.
    pub purpose: Option<String>,
}

/// The HTTP form of a deadline.
pub fn deadline_view(deadline: Deadline) -> DeadlineView {
    DeadlineView {
        kind: deadline.kind,
        due_at: deadline.due_at,
        state: deadline.state,
        provisional: deadline.provisional,
    }
}

/// Whether a member of staff is whom the case is about: the subject it names, or the person
/// of one of its hearings or findings.
fn about(staff: &str, subject_staff: &str, casework_json: &str) -> bool {
    if subject_staff == staff {
        return true;
    }
    let casework: serde_json::Value = serde_json::from_str(casework_json).unwrap_or_default();
    casework["records"].as_array().is_some_and(|records| {
        records
            .iter()
            .any(|r| (r["kind"] == "hearing" || r["kind"] == "finding") && r["subject"] == staff)
    })
}

/// The case as the caller may see it.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    params(("id" = String, Path, description = "The case id or case number"), ShowQuery),
    responses(
        (status = 200, description = "The case", body = CaseView),
        (status = 400, description = "An unknown query parameter", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "The case is about the caller (see hearing-summary), or `reveal` by another role than the administrator", body = crate::api::error::ErrorBody),
        (status = 422, description = "`reveal` other than `personal_data`, or without `purpose`", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case for this tenant", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<ShowQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<CaseView>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
    })?;
    let purpose = match query.reveal.as_deref() {
        None => None,
        Some("personal_data") => Some(query.purpose.clone().filter(|p| !p.trim().is_empty()).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "purpose says why the personal data is needed",
            )
            .with_field("purpose")
        })?),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "reveal must be personal_data",
            )
            .with_field("reveal"));
        }
    };
    if purpose.is_some() && !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only an administrator may see personal data in clear; every other role sees it masked",
        )
        .with_field("reveal"));
    }
    let mut case = view(&state, &caller, id).await?;
    if let Some(purpose) = purpose {
        let (complainant, vehicle) = super::particulars::reveal(&state, &caller, &case.id, &purpose).await?;
        case.complainant = complainant;
        case.vehicle = vehicle;
    }
    Ok(axum::Json(case))
}

/// The case by id or case number as `caller` may see it; refused (403) to the member of staff
/// it is about.
pub async fn view(state: &State, caller: &Caller, id: String) -> Result<CaseView, ApiError> {
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such case").with_field("id"));
    }
    let tenant = caller.tenant.as_str();
    let peers = &state.peers;
    let case = peers
        .intake
        .clone()
        .get_case(with_tenant(tenant, GetCaseRequest { id }))
        .await
        .map_err(|status| ApiError::from_status(status, "intake"))?
        .into_inner();
    let case_id = case.case_id.clone();
    let history = |case_id: &str| {
        with_tenant(
            tenant,
            CaseHistoryRequest {
                case_id: case_id.to_owned(),
            },
        )
    };
    let (mut routing_client, mut investigation_client) = (peers.routing.clone(), peers.investigation.clone());
    let (mut intake_h, mut routing_h, mut investigation_h, mut notification_h, mut analytics_h) = (
        peers.intake.clone(),
        peers.routing.clone(),
        peers.investigation.clone(),
        peers.notification.clone(),
        peers.analytics.clone(),
    );
    let (
        routing,
        file,
        intake_history,
        routing_history,
        investigation_history,
        notification_history,
        analytics_history,
    ) = tokio::join!(
        routing_client.get_routing(with_tenant(
            tenant,
            GetRoutingRequest {
                case_id: case_id.clone()
            }
        )),
        investigation_client.get_file(with_tenant(
            tenant,
            GetFileRequest {
                case_id: case_id.clone()
            }
        )),
        intake_h.case_history(history(&case_id)),
        routing_h.case_history(history(&case_id)),
        investigation_h.case_history(history(&case_id)),
        notification_h.case_history(history(&case_id)),
        analytics_h.case_history(history(&case_id)),
    );
    let routing = routing.map_err(|s| ApiError::from_status(s, "routing"))?.into_inner();
    let file_view = file
        .as_ref()
        .map_err(|s| ApiError::from_status(s.clone(), "investigation"))?
        .get_ref();
    if let Some(staff) = &caller.staff
        && about(staff, &routing.subject_staff, &file_view.casework_json)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the case is about you: only the summary written for you is yours to read (hearing-summary)",
        ));
    }
    let routing_version = routing.version;
    let file = file
        .map_err(|s| ApiError::from_status(s, "investigation"))?
        .into_inner();
    let mut timeline = Vec::new();
    let mut pending = Vec::new();
    for (service, reply) in [
        ("intake", intake_history),
        ("routing", routing_history),
        ("investigation", investigation_history),
        ("notification", notification_history),
        ("analytics", analytics_history),
    ] {
        let reply = reply.map_err(|s| ApiError::from_status(s, service))?.into_inner();
        if !reply.known {
            pending.push(service.to_owned());
        }
        timeline.extend(reply.entries.into_iter().map(|entry| TimelineEntry {
            at: entry.at,
            service: entry.service,
            action: entry.action,
            actor: entry.actor,
            detail: serde_json::from_str(&entry.detail_json).unwrap_or_else(|_| serde_json::json!({})),
        }));
    }
    // The file and its history are read side by side: a file opened between the two reads has
    // history but no version yet, and the case's version would move under the caller's feet.
    if !file.known && !pending.iter().any(|p| p == "investigation") {
        pending.push("investigation".to_owned());
    }
    timeline.sort_by(|a, b| a.at.cmp(&b.at));
    let status = if file.known {
        file.status.clone()
    } else if routing.known {
        "dispatched".to_owned()
    } else {
        case.status.clone()
    };
    let deadlines = case
        .deadlines
        .into_iter()
        .chain(file.deadlines)
        .map(deadline_view)
        .collect();
    let text = |s: String| if s.is_empty() { None } else { Some(s) };
    let allowed = if file.known {
        file.allowed.clone()
    } else if routing.known {
        routing.allowed.clone()
    } else {
        // Intake holds the case: the acceptance gate's actions, until it decides.
        match case.status.as_str() {
            "received" => ["accept", "reject", "merge", "withdraw"].map(str::to_owned).to_vec(),
            "accepted" => routing.allowed.clone(),
            _ => Vec::new(),
        }
    };
    let casework = file
        .known
        .then(|| serde_json::from_str(&file.casework_json).unwrap_or_else(|_| serde_json::json!({})));
    let (handler, closing_reason) = (
        text(file.handler.clone()),
        text(file.closing_reason.clone()).or_else(|| text(case.closing_reason.clone())),
    );
    Ok(CaseView {
        complainant: case.complainant.map(|c| super::particulars::complainant_view(c, true)),
        vehicle: case.vehicle.map(super::particulars::vehicle_view),
        bank: case.bank.map(super::particulars::bank_view),
        first_contact_owner: text(case.first_contact_owner),
        identity_verified: case.identity_verified,
        identity_verified_at: text(case.identity_verified_at),
        identity_method: text(case.identity_method),
        source_ref: text(case.source_ref),
        source_due_at: text(case.source_due_at),
        repeat_of: text(case.repeat_of),
        merged_into: text(case.merged_into),
        rejection_reason: text(case.rejection_reason),
        imported: case.imported,
        outcome: text(case.outcome),
        allowed,
        handler,
        closing_reason,
        casework,
        id: case.case_id,
        case_number: case.case_number,
        status,
        kind: case.kind,
        channel: case.channel,
        source: case.source,
        category: if case.category_code.is_empty() {
            "unclassified".into()
        } else {
            case.category_code
        },
        reported_category: text(case.reported_category),
        unit: text(routing.unit.clone()).or_else(|| text(case.unit)),
        severity: text(routing.severity.clone()),
        received_at: case.received_at,
        deadlines,
        timeline,
        pending,
        version: case.version + file.version + routing_version,
        dispatch: super::routing::dispatch_reply(routing, case.version + file.version + routing_version),
    })
}
