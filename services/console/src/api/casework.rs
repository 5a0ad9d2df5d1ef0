//! Actions on a case (`POST /api/v1/cases/{id}/{action}`): routing's dispatch actions go to
//! routing (decision 0003), the casework to investigation (decision 0004); the accused's view
//! of their hearing (`GET /api/v1/cases/{id}/hearing-summary`); staff credentials.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rpc::intake::v1::GetCaseRequest;
use rpc::investigation::v1::{ActRequest, FileView, HearingSummaryRequest};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cases::deadline_view;
use super::complaints::DeadlineView;
use super::routing::{self as dispatch, ActionBody, DispatchReply};
use super::{ApiError, auth};
use crate::app::State;
use crate::identity::{self, Caller};

/// The casework actions investigation serves.
pub const ACTIONS: &[&str] = &[
    "assign",
    "contact",
    "tasks",
    "hearings",
    "findings",
    "plans",
    "approvals",
    "extensions",
    "resolve",
    "review",
    "callbacks",
    "reopen",
    "close",
    "withdraw",
    "supervise",
    "notes",
    "inspections",
    "sanctions",
    "rewards",
];

/// A corrective action decided by a finding.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectiveActionBody {
    #[schema(max_length = 500)]
    pub action: String,
    /// Who carries it out (a staff id or a department).
    #[schema(max_length = 64)]
    pub owner: String,
    #[schema(format = DateTime)]
    pub due_at: String,
    /// The same code on several cases links their corrective actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub code: Option<String>,
}

/// A remedy of a handling plan; each opens the approval the authority matrix requires.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemedyBody {
    /// `refund`, `compensation`, `gift` or `written_apology`.
    pub kind: String,
    /// In fen (分); required except for a written apology.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub amount_fen: Option<u64>,
}

/// The settlement agreement signed where money changes hands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementBody {
    #[schema(max_length = 64)]
    pub agreement_ref: String,
    pub amount_fen: u64,
    #[schema(format = DateTime)]
    pub signed_at: String,
}

/// The body of an action on a case. Each action reads its own fields (decision 0004) and
/// answers 422 naming a field that breaks its rule.
///
/// - the acceptance gate (intake, decision 0007): `accept`; `reject`: `reason_code`,
///   `suggestion`; `merge`: `into` (the duplicate is rejected as `duplicate`); `withdraw` while
///   the case is `received` (no `reason`: the casework records one after dispatch);
/// - dispatch actions (`dispatch`, `take`, `return`, `transfer`, `recuse`, `acknowledge`):
///   `unit`, `reason`, `escalation_id`;
/// - `assign`: `assignee`; `contact`: `purpose` (`first`, `progress`, `result`), `method`, `at`,
///   `apology`, `summary`, `next_contact_at` (required for progress);
/// - `tasks`: `department`, `title`, `due_at` to open one; `task_id`, `outcome` to close it;
/// - `hearings`: `subject_staff`, `statement`, `summary` (what the accused will see), `evidence`,
///   `signed_off`, `held_at`;
/// - `findings`: `outcome` (`substantiated`, `partly`, `unsubstantiated`, `malicious`),
///   `root_cause`, `responsible_staff`, `against_named_person`, `clearance_note`, `referral`
///   (`police`, `discipline`, `mediation`, `court`), `corrective_actions`;
/// - `plans`: `measures`, `complainant_view`, `remedies`; `approvals`: `approval_id`, `decision`
///   (`approved`, `declined`), `note`; `extensions`: `reason`;
/// - `resolve`: `result`, `basis`, `improvements`, `complainant_signed_off`, `settlement`;
/// - `review`: `outcome` (`approve`, `rework`), `note`; `callbacks`: `outcome` (`failed`,
///   `satisfied`, `dissatisfied`; from the mean of `scores` when absent), `scores` (1–5 per
///   dimension), `note`, `at`; `reopen`: `reason`, `escalate_senior`; `close`: `conclusion`;
///   `withdraw`: `reason`; `supervise`: `kind` (`chase`, `notice`, `instruction`), `text`,
///   `due_at` (a notice's deadline); `notes`: `text`; `inspections`: `passed`, `scores` (0–100),
///   `note`;
/// - `sanctions` (an accountability record): `subject_staff`, `ground` (`missed_deadline`,
///   `leak`, `obstruction`, `retaliation`), `sanction` (`reminder`, `warning`, `criticism`,
///   `demerit`, `fine`, `demotion`, `dismissal`), `amount_fen` (a fine's), `note`;
/// - `rewards` (for a substantiated report): `reporter_consent` (must be true), `basis`
///   (`fine_share` 20–50 %, `recovered_share` 10–20 %, `discretionary`), `base_amount_fen` and
///   `percent` for a share, `amount_fen` for a discretionary reward, `publicise`, `note`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseActionBody {
    /// Who acts (a staff id); the credential's member of staff when absent. Only the
    /// administrator may name someone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub staff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub assignee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apology: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub next_contact_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub task_id: Option<u64>,
    /// A task's outcome (text), a finding's, a review's or a callback's (one of their values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub subject_staff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 5000)]
    pub statement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 20)]
    pub evidence: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_off: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub held_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub root_cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub responsible_staff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against_named_person: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub clearance_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 20)]
    pub corrective_actions: Option<Vec<CorrectiveActionBody>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 20)]
    pub measures: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub complainant_view: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 10)]
    pub remedies: Option<Vec<RemedyBody>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub approval_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 5000)]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub improvements: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complainant_signed_off: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<SettlementBody>,
    /// Per dimension: 1–5 for a callback, 0–100 for an inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<BTreeMap<String, u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate_senior: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub conclusion: Option<String>,
    /// A supervision's kind: `chase` (催办), `notice` (督办), `instruction` (领导批示).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 5000)]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// An accountability record's ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<String>,
    /// An accountability record's sanction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanction: Option<String>,
    /// In fen (分): a fine's amount, or a discretionary reward's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub amount_fen: Option<u64>,
    /// In fen (分): the fine or the value recovered that a reward is a share of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub base_amount_fen: Option<u64>,
    /// A reward's share, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 100)]
    pub percent: Option<u64>,
    /// The reporter consents to the reward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_consent: Option<bool>,
    /// The reporter consents to the reward being made public (never their name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicise: Option<bool>,
    /// `reject`: why the case is not accepted, one of the tenant's reasons (`before_court`,
    /// `petition_decided`, `no_target`, `police_case`, `not_our_matter`, `time_barred`,
    /// `duplicate`, `not_by_consumer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// `reject`: where the complainant may turn instead; the reason's own suggestion when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub suggestion: Option<String>,
    /// `merge`: the case that goes on (id or case number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub into: Option<String>,
}

/// The case file after a casework action.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseworkReply {
    /// The case's status after the action.
    pub status: String,
    pub unit: String,
    pub handler: Option<String>,
    /// The actions allowed now.
    pub allowed: Vec<String>,
    /// Why it closed, once closed.
    pub closing_reason: Option<String>,
    /// The unit that reviews the result before the complainant is told.
    pub review_unit: Option<String>,
    pub deadlines: Vec<DeadlineView>,
    /// What the action recorded (`{"kind": "task", "n": 1}`).
    #[schema(value_type = Object)]
    pub recorded: serde_json::Value,
    /// The guards' facts and every record of the file.
    #[schema(value_type = Object)]
    pub casework: serde_json::Value,
    /// The case's version after the action (the next `If-Match`).
    pub version: u64,
}

/// What an action answers: the dispatch (routing's actions), the case file (the casework) or
/// intake's part of the case (the acceptance gate).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ActionReply {
    Dispatch(DispatchReply),
    Casework(CaseworkReply),
    Gate(super::gate::GateActionReply),
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

fn object(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap_or_else(|_| serde_json::json!({}))
}

/// The file as the API shows it after an action.
pub fn casework_reply(file: FileView, version: u64) -> CaseworkReply {
    CaseworkReply {
        status: file.status,
        unit: file.unit,
        handler: text(file.handler),
        allowed: file.allowed,
        closing_reason: text(file.closing_reason),
        review_unit: text(file.review_unit),
        deadlines: file.deadlines.into_iter().map(deadline_view).collect(),
        recorded: object(&file.recorded_json),
        casework: object(&file.casework_json),
        version,
    }
}

fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    match headers.get(header::IF_MATCH) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .map(|v| v.trim().trim_matches('"'))
            .and_then(|v| v.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_header",
                    "If-Match must be the case's version",
                )
                .with_field("If-Match")
            }),
    }
}

/// Who acts: the body's `staff` for the administrator, else the credential's member of staff.
fn acting(caller: &Caller, named: Option<String>) -> Result<String, ApiError> {
    if caller.is_admin() {
        return Ok(named.unwrap_or_else(|| "admin".to_owned()));
    }
    let own = caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone());
    match named {
        Some(other) if other != own => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the administrator may act in someone else's name",
        )
        .with_field("staff")),
        _ => Ok(own),
    }
}

/// An action on a case.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/{action}",
    params(
        ("id" = String, Path, description = "The case id"),
        ("action" = String, Path, description = "accept, reject, merge, and withdraw before acceptance (intake's acceptance gate); dispatch, take, return, transfer, recuse, acknowledge (routing); assign, contact, tasks, hearings, findings, plans, approvals, extensions, resolve, review, callbacks, reopen, close, withdraw, supervise, notes, inspections, sanctions, rewards (the casework)"),
        ("If-Match" = Option<String>, Header, description = "The case's version as last read; a stale one is refused with 412"),
    ),
    request_body = CaseActionBody,
    responses(
        (status = 200, description = "Done: the dispatch (routing's actions) or the case file (the casework) now", body = ActionReply),
        (status = 400, description = "Malformed JSON or header", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Acting in someone else's name; the acceptance gate without a staff or administrator credential", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case or action", body = crate::api::error::ErrorBody),
        (status = 409, description = "`invalid_transition` or a guard's code (`hearing_required`, `open_tasks`, `callback_required` …) with details.current_state and details.allowed; or `not_ready`", body = crate::api::error::ErrorBody),
        (status = 412, description = "The case changed since the version in If-Match", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A field breaks a rule (the field and the rule are named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn act(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<ActionReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let routing = dispatch::ACTIONS.contains(&action.as_str());
    let gate = super::gate::ACTIONS.contains(&action.as_str());
    if !routing && !gate && !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no action `{action}`"),
        ));
    }
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such case").with_field("id"));
    }
    let expected = if_match(&headers)?;
    let (body, raw) = if body.is_empty() {
        (CaseActionBody::default(), serde_json::json!({}))
    } else {
        super::body::json::<CaseActionBody>(&headers, &body)?
    };
    let staff = acting(&caller, body.staff.clone())?;
    let versions = dispatch::case_version(&state, &caller.tenant, &id).await?;
    if let Some(expected) = expected
        && expected != versions.total
    {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "version_mismatch",
            format!("the case is at version {}, not {expected}", versions.total),
        )
        .with_field("If-Match"));
    }
    if gate || (action == "withdraw" && versions.at_the_gate) {
        let other_versions = versions.total - versions.intake;
        let reply = super::gate::act_on(&state, &caller, &id, &action, staff, &raw, other_versions).await?;
        return Ok(axum::Json(ActionReply::Gate(reply)));
    }
    if routing {
        let used = ["staff", "unit", "reason", "escalation_id"];
        if let Some(field) = raw
            .as_object()
            .and_then(|fields| fields.keys().find(|k| !used.contains(&k.as_str())))
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("{field}: not a field of `{action}`"),
            )
            .with_field(field.clone()));
        }
        let body = ActionBody {
            unit: body.unit,
            staff: Some(staff),
            reason: body.reason,
            escalation_id: body.escalation_id,
        };
        let reply = dispatch::act_on(&state, &caller, &id, action, versions, expected, body).await?;
        return Ok(axum::Json(ActionReply::Dispatch(reply)));
    }
    let mut forwarded = raw;
    if let Some(fields) = forwarded.as_object_mut() {
        fields.remove("staff");
    }
    let request = ActRequest {
        case_id: id,
        action,
        staff,
        expected_version: if expected.is_some() { versions.file } else { 0 },
        body_json: forwarded.to_string(),
    };
    let file = state
        .peers
        .investigation
        .clone()
        .act(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "investigation"))?
        .into_inner();
    // Only investigation's part of the version moved.
    let version = versions.total - versions.file + file.version;
    Ok(axum::Json(ActionReply::Casework(casework_reply(file, version))))
}

/// Whose hearings (the administrator only; staff see their own).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    pub staff: Option<String>,
}

/// One hearing as the accused sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HearingSummaryItem {
    pub n: u32,
    #[schema(format = DateTime)]
    pub held_at: String,
    /// What the handler wrote for the accused.
    pub summary: String,
    pub signed_off: bool,
    /// The finding about them, once made.
    pub outcome: Option<String>,
    /// Written when they were cleared.
    pub clearance_note: Option<String>,
}

/// What the accused may see of a case about them: the handler's summaries of their hearings,
/// the category and the dates. Never the narrative, attachments, the complainant or reporter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HearingSummaryReply {
    pub case_id: String,
    pub kind: String,
    /// The category code, or `unclassified`.
    pub category: String,
    pub status: String,
    #[schema(format = DateTime)]
    pub opened_at: String,
    pub hearings: Vec<HearingSummaryItem>,
}

/// The accused's view of their hearings on a case.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/hearing-summary",
    params(("id" = String, Path, description = "The case id"), SummaryQuery),
    responses(
        (status = 200, description = "The summaries written for the accused", body = HearingSummaryReply),
        (status = 400, description = "A malformed query", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff's credential", body = crate::api::error::ErrorBody),
        (status = 404, description = "No hearing of this member of staff on the case", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn hearing_summary(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<SummaryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<HearingSummaryReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let Query(query) = query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    let staff = match (&caller.staff, caller.is_admin(), query.staff) {
        (Some(own), false, None) => own.clone(),
        (Some(own), false, Some(named)) if &named == own => named,
        (_, true, Some(named)) if !named.is_empty() => named,
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the hearing summary is for the accused's own credential (or the administrator naming them)",
            ));
        }
    };
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no hearing of yours on this case");
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(not_found().with_field("id"));
    }
    let view = state
        .peers
        .investigation
        .clone()
        .hearing_summary(with_tenant(
            &caller.tenant,
            HearingSummaryRequest {
                case_id: id.clone(),
                staff,
            },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "investigation"))?
        .into_inner();
    if !view.known {
        return Err(not_found());
    }
    let case = state
        .peers
        .intake
        .clone()
        .get_case(with_tenant(&caller.tenant, GetCaseRequest { id: id.clone() }))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(axum::Json(HearingSummaryReply {
        case_id: id,
        kind: view.kind,
        category: text(case.category_code).unwrap_or_else(|| "unclassified".to_owned()),
        status: view.status,
        opened_at: view.opened_at,
        hearings: view
            .hearings
            .into_iter()
            .map(|h| HearingSummaryItem {
                n: h.n,
                held_at: h.held_at,
                summary: h.summary,
                signed_off: h.signed_off,
                outcome: text(h.outcome),
                clearance_note: text(h.clearance_note),
            })
            .collect(),
    }))
}

/// A credential to issue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialBody {
    /// The member of staff (a directory id) it acts as.
    #[schema(max_length = 64)]
    pub staff: String,
}

/// An issued credential; the token is shown once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialIssued {
    pub credential_id: String,
    pub staff: String,
    pub role: String,
    pub token: String,
}

/// Issues a member of staff's credential (the administrator only); an earlier one is revoked.
#[utoipa::path(
    post,
    path = "/api/v1/credentials",
    request_body = CredentialBody,
    responses(
        (status = 201, description = "Issued", body = CredentialIssued),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not the administrator", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A field breaks a rule", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn issue_credential(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "issuing credentials needs the administrator credential",
        ));
    }
    let body: CredentialBody = super::body::json(&headers, &body)?.0;
    let staff = body.staff.trim().to_owned();
    if staff.is_empty() || staff.len() > 64 || !staff.bytes().all(|b| b.is_ascii_graphic()) || staff == "admin" {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "staff: a directory id of 1 to 64 printable characters",
        )
        .with_field("staff"));
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (credential_id, token) = identity::issue_staff_credential(&state.identity, &caller.tenant, &staff, &now)
        .await
        .map_err(|error| {
            tracing::error!(%error, "identity store failed");
            ApiError::unavailable("identity")
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CredentialIssued {
            credential_id,
            staff,
            role: "staff".to_owned(),
            token,
        }),
    )
        .into_response())
}
