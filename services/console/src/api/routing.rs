//! Routing's administration and actions (decision 0003): the organisation, the category catalog
//! and the rule set published as whole versioned documents, the dry-run, and the dispatch
//! actions on a case (`dispatch`, `take`, `return`, `transfer`, `recuse`, `acknowledge`).

use axum::body::Bytes;
use axum::extract::{Query, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rpc::intake::v1::GetCaseRequest;
use rpc::investigation::v1::GetFileRequest;
use rpc::routing::v1::{
    ActRequest, DecisionView, DocumentView, DryRunRequest, EscalationView, GetDocumentRequest, GetRoutingRequest,
    PublishDocumentRequest, RoutingView,
};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, auth};
use crate::app::State;
use crate::identity::Caller;

/// A document to publish as the next version.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// The whole document: an organisation (`defaults`, `units`, `staff`, `shifts`), a catalog
    /// (`sector`, `categories`) or a rule set (`severities`, `clock_on_return`, `batches`, `rules`).
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    /// Why it changed.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// One published version of a document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentReply {
    /// `organisation`, `catalog` or `rules`.
    pub document: String,
    /// 0 for the starter catalog or rules before the first publication.
    pub version: u32,
    pub published_at: Option<String>,
    pub published_by: Option<String>,
    pub note: String,
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// Which version to read.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A published version; the one in force now when absent.
    #[param(minimum = 1)]
    pub version: Option<u32>,
}

/// A hypothetical case: where would it go, and why?
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRunBody {
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub source: Option<String>,
    pub category_code: Option<String>,
    #[schema(max_items = 50)]
    pub signals: Option<Vec<String>>,
    /// The unit the submission names.
    pub unit: Option<String>,
    pub subject_unit: Option<String>,
    pub subject_staff: Option<String>,
    pub account_unit: Option<String>,
    pub division_code: Option<String>,
    pub customer_tier: Option<String>,
    pub brand: Option<String>,
    pub product: Option<String>,
    /// Days since the complainant's previous case, if there was one.
    #[schema(minimum = 0)]
    pub days_since_previous: Option<u32>,
    /// When it was received: the rules in force then decide. Now when absent.
    #[schema(format = DateTime)]
    pub received_at: Option<String>,
}

/// A raised or would-be escalation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationReply {
    pub escalation_id: Option<String>,
    pub trigger: String,
    pub level: u32,
    /// As the rule names them: `role:legal`, `brand_division`, `management`, `manufacturer` …
    pub recipients: Vec<String>,
    /// The units they resolve to.
    pub units: Vec<String>,
    pub rule_id: String,
    pub acknowledge_within_hours: u32,
    pub raised_at: Option<String>,
    pub acknowledge_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
}

/// The regulatory codes a case's category maps to (decision 0003), each from the nearest category
/// of its branch that sets it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegulatoryCodes {
    /// The central bank's JR/T 0169-2018 codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jrt0169: Option<Jrt0169Codes>,
    /// The financial regulator's (NFRA) reporting category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfra: Option<String>,
    /// The US CFPB product and issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfpb: Option<CfpbCodes>,
}

/// JR/T 0169-2018's three codes of a complaint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Jrt0169Codes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// A CFPB product and issue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CfpbCodes {
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
}

/// The codes carried as JSON by routing; none when empty (a stored value that does not parse is
/// not shown rather than failing the whole case).
fn codes(json: &str) -> Option<RegulatoryCodes> {
    if json.is_empty() {
        return None;
    }
    serde_json::from_str(json).ok()
}

/// Where a case would go and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionReply {
    pub unit: String,
    pub severity: String,
    pub policy: Option<String>,
    pub priority: String,
    pub watchers: Vec<String>,
    pub assignee: Option<String>,
    pub rule_set_version: u32,
    pub organisation_version: u32,
    pub rule_id: String,
    pub escalations: Vec<EscalationReply>,
    /// Why, step by step.
    pub because: Vec<String>,
    pub take_within_hours: u32,
    /// The regulatory codes of the category.
    pub codes: Option<RegulatoryCodes>,
}

/// A dispatch action's details.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// `dispatch` (empty: re-run the rules) and `transfer`: the unit; `recuse`: the unit
    /// declaring its own conflict.
    #[schema(max_length = 64)]
    pub unit: Option<String>,
    /// Who acts (a staff id of the directory); the credential's holder when absent.
    #[schema(max_length = 64)]
    pub staff: Option<String>,
    /// Required for `return`, `transfer` and `recuse`.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// `acknowledge`: which escalation.
    pub escalation_id: Option<String>,
}

/// A case's dispatch after the action.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DispatchReply {
    /// `registered`, `dispatched`, `taken` or `returned`.
    pub state: String,
    pub unit: Option<String>,
    pub severity: Option<String>,
    pub priority: Option<String>,
    pub assignee: Option<String>,
    pub dispatch_no: u32,
    pub watchers: Vec<String>,
    pub rule_id: Option<String>,
    pub rule_set_version: u32,
    pub because: Vec<String>,
    #[schema(format = DateTime)]
    pub take_due_at: Option<String>,
    pub escalations: Vec<EscalationReply>,
    /// The actions the state allows now.
    pub allowed: Vec<String>,
    /// The case's version after the action (the next `If-Match`).
    pub version: u64,
    /// The regulatory codes of the case's category (a bank's case: JR/T 0169-2018 and NFRA).
    pub codes: Option<RegulatoryCodes>,
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

fn escalation_reply(view: EscalationView) -> EscalationReply {
    EscalationReply {
        escalation_id: text(view.escalation_id),
        trigger: view.trigger,
        level: view.level,
        recipients: view.recipients,
        units: view.units,
        rule_id: view.rule_id,
        acknowledge_within_hours: view.acknowledge_within_hours,
        raised_at: text(view.raised_at),
        acknowledge_by: text(view.acknowledge_by),
        acknowledged_at: text(view.acknowledged_at),
        acknowledged_by: text(view.acknowledged_by),
    }
}

/// The dispatch part of a case as the API shows it.
pub fn dispatch_reply(view: RoutingView, version: u64) -> DispatchReply {
    DispatchReply {
        state: if view.state.is_empty() {
            "registered".to_owned()
        } else {
            view.state
        },
        unit: text(view.unit),
        severity: text(view.severity),
        priority: text(view.priority),
        assignee: text(view.assignee),
        dispatch_no: view.dispatch_no,
        watchers: view.watchers,
        rule_id: text(view.rule_id),
        rule_set_version: view.rule_set_version,
        because: view.because,
        take_due_at: text(view.take_due_at),
        escalations: view.escalations.into_iter().map(escalation_reply).collect(),
        allowed: view.allowed,
        version,
        codes: codes(&view.codes_json),
    }
}

fn document_reply(view: DocumentView) -> Result<DocumentReply, ApiError> {
    let body = serde_json::from_str(&view.body_json).map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "a stored document does not parse",
        )
    })?;
    Ok(DocumentReply {
        document: view.document,
        version: view.version,
        published_at: text(view.published_at),
        published_by: text(view.published_by),
        note: view.note,
        body,
    })
}

async fn admin(state: &State, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = auth::required_caller(state, headers).await?;
    if !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "publishing routing documents needs the administrator credential",
        ));
    }
    Ok(caller)
}

async fn publish(state: State, headers: HeaderMap, body: Bytes, document: &'static str) -> Result<Response, ApiError> {
    let caller = admin(&state, &headers).await?;
    let body: PublishBody = super::body::json(&headers, &body)?.0;
    let request = PublishDocumentRequest {
        document: document.to_owned(),
        body_json: body.document.to_string(),
        published_by: caller.credential_id.clone(),
        note: body.note.unwrap_or_default(),
    };
    let view = state
        .peers
        .routing
        .clone()
        .publish_document(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "routing"))?
        .into_inner();
    Ok((StatusCode::CREATED, axum::Json(document_reply(view)?)).into_response())
}

async fn read(
    state: State,
    headers: HeaderMap,
    query: VersionQuery,
    document: &'static str,
) -> Result<axum::Json<DocumentReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let request = GetDocumentRequest {
        document: document.to_owned(),
        version: query.version.unwrap_or(0),
    };
    let view = state
        .peers
        .routing
        .clone()
        .get_document(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "routing"))?
        .into_inner();
    Ok(axum::Json(document_reply(view)?))
}

macro_rules! document_routes {
    ($put:ident, $get:ident, $path:literal, $name:literal, $what:literal) => {
        #[doc = concat!("Publishes the next version of the ", $what, ".")]
        #[utoipa::path(
            put,
            path = $path,
            request_body = PublishBody,
            responses(
                (status = 201, description = "Published as the next version", body = DocumentReply),
                (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
                (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
                (status = 403, description = "Not the administrator", body = crate::api::error::ErrorBody),
                (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
                (status = 422, description = "The document breaks a rule (the field and the rule are named)", body = crate::api::error::ErrorBody),
                (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
            ),
            security(("bearer" = []))
        )]
        pub async fn $put(Extract(state): Extract<State>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
            publish(state, headers, body, $name).await
        }

        #[doc = concat!("Reads a version of the ", $what, " (the one in force when no version is given).")]
        #[utoipa::path(
            get,
            path = $path,
            params(VersionQuery),
            responses(
                (status = 200, description = "The version", body = DocumentReply),
                (status = 400, description = "A malformed query", body = crate::api::error::ErrorBody),
                (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
                (status = 404, description = "No such version", body = crate::api::error::ErrorBody),
                (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
            ),
            security(("bearer" = []))
        )]
        pub async fn $get(
            Extract(state): Extract<State>,
            headers: HeaderMap,
            query: Result<Query<VersionQuery>, axum::extract::rejection::QueryRejection>,
        ) -> Result<axum::Json<DocumentReply>, ApiError> {
            let Query(query) =
                query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
            read(state, headers, query, $name).await
        }
    };
}

document_routes!(
    put_organisation,
    get_organisation,
    "/api/v1/org",
    "organisation",
    "organisation directory"
);
document_routes!(
    put_rules,
    get_rules,
    "/api/v1/routing/rules",
    "rules",
    "routing rule set"
);
document_routes!(
    put_catalog,
    get_catalog,
    "/api/v1/catalog",
    "catalog",
    "category catalog"
);

/// Where a hypothetical case would go, and why; writes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/routing/dry-run",
    request_body = DryRunBody,
    responses(
        (status = 200, description = "The decision and its explanation", body = DecisionReply),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A field breaks a rule", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn dry_run(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<DecisionReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let body: DryRunBody = super::body::json(&headers, &body)?.0;
    let request = DryRunRequest {
        kind: body.kind.unwrap_or_default(),
        channel: body.channel.unwrap_or_default(),
        source: body.source.unwrap_or_default(),
        category_code: body.category_code.unwrap_or_default(),
        signals: body.signals.unwrap_or_default(),
        unit: body.unit.unwrap_or_default(),
        subject_unit: body.subject_unit.unwrap_or_default(),
        subject_staff: body.subject_staff.unwrap_or_default(),
        account_unit: body.account_unit.unwrap_or_default(),
        division_code: body.division_code.unwrap_or_default(),
        customer_tier: body.customer_tier.unwrap_or_default(),
        brand: body.brand.unwrap_or_default(),
        product: body.product.unwrap_or_default(),
        days_since_previous: body.days_since_previous.unwrap_or(0),
        has_previous: body.days_since_previous.is_some(),
        received_at: body.received_at.unwrap_or_default(),
    };
    let view: DecisionView = state
        .peers
        .routing
        .clone()
        .dry_run(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "routing"))?
        .into_inner();
    Ok(axum::Json(DecisionReply {
        unit: view.unit,
        severity: view.severity,
        policy: text(view.policy),
        priority: view.priority,
        watchers: view.watchers,
        assignee: text(view.assignee),
        rule_set_version: view.rule_set_version,
        organisation_version: view.organisation_version,
        rule_id: view.rule_id,
        escalations: view.escalations.into_iter().map(escalation_reply).collect(),
        because: view.because,
        take_within_hours: view.take_within_hours,
        codes: codes(&view.codes_json),
    }))
}

/// The dispatch actions this endpoint serves.
pub const ACTIONS: &[&str] = &["dispatch", "take", "return", "transfer", "recuse", "acknowledge"];

/// The parts of a case's version: `total` is what `GET /api/v1/cases/{id}` shows (intake's,
/// investigation's and routing's versions added up), `routing` and `file` the two parts the
/// actions check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    pub total: u64,
    pub routing: u64,
    pub file: u64,
    /// Intake's part.
    pub intake: u64,
    /// Intake still holds the case (`received`: the acceptance gate has not decided).
    pub at_the_gate: bool,
}

/// The case's version as `GET /api/v1/cases/{id}` shows it, with its parts.
pub async fn case_version(state: &State, tenant: &str, case_id: &str) -> Result<Versions, ApiError> {
    let peers = &state.peers;
    let (mut intake, mut routing, mut investigation) =
        (peers.intake.clone(), peers.routing.clone(), peers.investigation.clone());
    let (case, dispatch, file) = tokio::join!(
        intake.get_case(with_tenant(tenant, GetCaseRequest { id: case_id.to_owned() })),
        routing.get_routing(with_tenant(
            tenant,
            GetRoutingRequest {
                case_id: case_id.to_owned()
            }
        )),
        investigation.get_file(with_tenant(
            tenant,
            GetFileRequest {
                case_id: case_id.to_owned()
            }
        )),
    );
    let case = case.map_err(|s| ApiError::from_status(s, "intake"))?.into_inner();
    let dispatch = dispatch.map_err(|s| ApiError::from_status(s, "routing"))?.into_inner();
    let file = file
        .map_err(|s| ApiError::from_status(s, "investigation"))?
        .into_inner();
    Ok(Versions {
        total: case.version + file.version + dispatch.version,
        routing: dispatch.version,
        file: file.version,
        intake: case.version,
        at_the_gate: case.status == "received",
    })
}

/// A dispatch action on a case (the console's action endpoint sends routing's actions here,
/// having checked `If-Match` against `versions`).
pub async fn act_on(
    state: &State,
    caller: &Caller,
    id: &str,
    action: String,
    versions: Versions,
    if_match: Option<u64>,
    body: ActionBody,
) -> Result<DispatchReply, ApiError> {
    let request = ActRequest {
        case_id: id.to_owned(),
        action,
        unit: body.unit.unwrap_or_default(),
        staff: body.staff.unwrap_or_else(|| "admin".to_owned()),
        reason: body.reason.unwrap_or_default(),
        expected_version: if if_match.is_some() { versions.routing } else { 0 },
        escalation_id: body.escalation_id.unwrap_or_default(),
    };
    let view = state
        .peers
        .routing
        .clone()
        .act(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "routing"))?
        .into_inner();
    // Only routing's part of the version moved.
    let version = versions.total - versions.routing + view.version;
    Ok(dispatch_reply(view, version))
}
