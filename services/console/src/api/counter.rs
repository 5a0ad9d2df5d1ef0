//! The channels staff work (decision 0009): the agent's screen for a call (a draft with the
//! caller's earlier cases, caller lookup, completing the draft, a privacy number to call the
//! complainant), the mailroom's letters and faxes, the counter's walk-ins and the on-the-spot
//! fast path. Staff or administrator credentials; intake does the work.

use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rpc::intake::v1::{
    BindPrivacyNumberRequest, CompleteDraftRequest, ConfirmWalkInRequest, FileUpload, GetDraftRequest,
    LookupCallerRequest, PostalMetadata, RegisterLetterRequest, RegisterReply, ResolveOnTheSpotRequest,
    StartWalkInRequest,
};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::complaints::{ComplaintRequest, DeadlineView, to_register};
use super::{ApiError, auth};
use crate::app::State;
use crate::identity::Caller;

/// The largest body of `POST /api/v1/letters` (a 3 MiB scan in base64 with the rest).
pub const MAX_LETTER_BYTES: usize = 5 * 1024 * 1024;

/// A file, its bytes in base64.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadBody {
    #[schema(max_length = 255)]
    pub file_name: Option<String>,
    /// A scan: `application/pdf`, `image/jpeg`, `image/png` or `image/tiff`; a signature:
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub content_base64: String,
}

/// A file a registration kept (its bytes stay in intake, encrypted).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoredFileView {
    pub id: String,
    /// `scan` or `signature`.
    pub kind: String,
    pub content_type: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
}

/// A case registered through a channel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisteredCase {
    pub id: String,
    pub case_number: String,
    /// `received`, `accepted`, `rejected`, or `closed` (resolved on the spot).
    pub status: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    /// The acknowledgement deadline and the outside source's (`source`), when there are.
    pub deadlines: Vec<DeadlineView>,
    pub files: Vec<StoredFileView>,
}

/// A case of a caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallerCaseView {
    pub id: String,
    pub case_number: String,
    pub status: String,
    pub kind: String,
    pub channel: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub category_code: Option<String>,
}

/// What a channel opened before it is a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftView {
    pub id: String,
    /// `phone` or `walk_in`.
    pub channel: String,
    /// `open` (a call), `awaiting_confirmation` (a walk-in) or `registered`.
    pub status: String,
    /// The number, masked: `138****5678`.
    pub phone_masked: Option<String>,
    /// The telephony platform's call reference.
    pub call_ref: Option<String>,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub created_by: String,
    /// `code` or `signature` (a walk-in).
    pub confirm_by: Option<String>,
    #[schema(format = DateTime)]
    pub code_expires_at: Option<String>,
    pub case_id: Option<String>,
    pub case_number: Option<String>,
    /// The caller's earlier cases, newest first (a call), found by the number's blind index.
    pub previous_cases: Vec<CallerCaseView>,
}

/// A number to look up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallerLookupBody {
    pub phone: String,
}

/// A number's cases.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallerCases {
    pub phone_masked: String,
    /// Newest first, at most 50.
    pub cases: Vec<CallerCaseView>,
}

/// A privacy number to ask for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyNumberBody {
    /// The store's phone (A), which will call the complainant (B) through X.
    pub phone_a: String,
    /// How long the binding lasts (the configured default when absent).
    #[schema(minimum = 1, maximum = 10080)]
    pub minutes: Option<u32>,
}

/// The number to call.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrivacyNumberView {
    pub binding_id: String,
    /// The X number; the complainant's own number is never shown.
    pub secret_no: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// What the envelope says.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostalBody {
    /// `YYYY-MM-DD`; `received_at` is this day (00:00 Beijing) unless given.
    #[schema(format = Date)]
    pub postmark_date: Option<String>,
    #[schema(max_length = 500)]
    pub sender_address: Option<String>,
    #[schema(max_length = 64)]
    pub tracking_number: Option<String>,
}

/// A fax's sender.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaxBody {
    pub sender_number: Option<String>,
}

/// A letter or fax: the complaint (channel `letter` or `fax`, the transcription as the
/// narrative), the postal metadata and the scan.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LetterBody {
    pub complaint: ComplaintRequest,
    pub postal: Option<PostalBody>,
    pub fax: Option<FaxBody>,
    pub scan: Option<UploadBody>,
}

/// How a walk-in complainant confirms.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmByName {
    /// A one-time code sent by SMS to their phone.
    Code,
    /// A signature image.
    Signature,
}

/// A walk-in registration (channel `walk_in`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInBody {
    pub complaint: ComplaintRequest,
    pub confirm_by: ConfirmByName,
}

/// The complainant's confirmation: the code they received, or their signature.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkInConfirmBody {
    #[schema(pattern = "^[0-9]{6}$")]
    pub code: Option<String>,
    pub signature: Option<UploadBody>,
}

/// How the complainant confirmed an on-the-spot resolution.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmationMethod {
    Signature,
    /// On the phone, recorded by the agent.
    Verbal,
}

/// The confirmation of an on-the-spot resolution.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationBody {
    pub method: ConfirmationMethod,
    /// Required with `signature`.
    pub signature: Option<UploadBody>,
}

/// A complaint resolved on the spot.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnTheSpotBody {
    pub complaint: ComplaintRequest,
    /// What was done (kept encrypted).
    #[schema(min_length = 1, max_length = 2000)]
    pub result: String,
    pub confirmation: ConfirmationBody,
}

fn staff_caller(caller: &Caller) -> Result<String, ApiError> {
    super::gate::check_caller(caller)?;
    Ok(caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone()))
}

fn language(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn upload(field: &str, body: Option<UploadBody>) -> Result<Option<FileUpload>, ApiError> {
    body.map(|body| {
        let content = base64::engine::general_purpose::STANDARD
            .decode(body.content_base64.trim())
            .map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    format!("{field}.content_base64 is not base64: {e}"),
                )
                .with_field(format!("{field}.content_base64"))
            })?;
        Ok(FileUpload {
            file_name: body.file_name.unwrap_or_default(),
            content_type: body.content_type,
            content,
        })
    })
    .transpose()
}

fn registered(reply: RegisterReply) -> RegisteredCase {
    RegisteredCase {
        id: reply.case_id,
        case_number: reply.case_number,
        status: reply.status,
        received_at: reply.received_at,
        deadlines: reply.deadlines.into_iter().map(super::cases::deadline_view).collect(),
        files: reply
            .files
            .into_iter()
            .map(|file| StoredFileView {
                id: file.id,
                kind: file.kind,
                content_type: file.content_type,
                size: file.size,
                sha256: file.sha256,
            })
            .collect(),
    }
}

fn created(reply: RegisterReply) -> Response {
    let status = if reply.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, axum::Json(registered(reply))).into_response()
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

fn caller_case(case: rpc::intake::v1::CallerCase) -> CallerCaseView {
    CallerCaseView {
        id: case.case_id,
        case_number: case.case_number,
        status: case.status,
        kind: case.kind,
        channel: case.channel,
        received_at: case.received_at,
        category_code: text(case.category_code),
    }
}

fn draft_view(draft: rpc::intake::v1::DraftView) -> DraftView {
    DraftView {
        id: draft.id,
        channel: draft.channel,
        status: draft.status,
        phone_masked: text(draft.phone_masked),
        call_ref: text(draft.call_ref),
        received_at: draft.received_at,
        created_by: draft.created_by,
        confirm_by: text(draft.confirm_by),
        code_expires_at: text(draft.code_expires_at),
        case_id: text(draft.case_id),
        case_number: text(draft.case_number),
        previous_cases: draft.previous_cases.into_iter().map(caller_case).collect(),
    }
}

fn too_large(limit: usize) -> impl Fn(axum::extract::rejection::BytesRejection) -> ApiError {
    move |rejection| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body may have at most {limit} bytes ({rejection})"),
        )
        .with_field("body")
    }
}

/// A draft with, for a call, the caller's earlier cases (the agent's screen).
#[utoipa::path(
    get,
    path = "/api/v1/drafts/{id}",
    params(("id" = String, Path, description = "The draft's id")),
    responses(
        (status = 200, description = "The draft", body = DraftView),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such draft", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_draft(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<DraftView>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_caller(&caller)?;
    let reply = state
        .peers
        .intake
        .clone()
        .get_draft(with_tenant(&caller.tenant, GetDraftRequest { id }))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(axum::Json(draft_view(reply)))
}

/// A number's earlier cases, found through intake's blind index (the number goes in the body,
/// never the URL).
#[utoipa::path(
    post,
    path = "/api/v1/callers/lookup",
    request_body = CallerLookupBody,
    responses(
        (status = 200, description = "The number's cases", body = CallerCases),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "Not a phone number", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn lookup_caller(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<CallerCases>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_caller(&caller)?;
    let (body, _): (CallerLookupBody, _) = super::body::json(&headers, &body)?;
    let reply = state
        .peers
        .intake
        .clone()
        .lookup_caller(with_tenant(&caller.tenant, LookupCallerRequest { phone: body.phone }))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(axum::Json(CallerCases {
        phone_masked: reply.phone_masked,
        cases: reply.cases.into_iter().map(caller_case).collect(),
    }))
}

/// Completes a call's draft into a case (quick entry): the complaint as for
/// `POST /api/v1/complaints` with channel `phone`; the caller's number, the call's start and its
/// reference fill in what the agent leaves out.
#[utoipa::path(
    post,
    path = "/api/v1/drafts/{id}/complete",
    request_body = ComplaintRequest,
    params(("id" = String, Path, description = "The call's draft")),
    responses(
        (status = 201, description = "Registered", body = RegisteredCase),
        (status = 200, description = "The draft was completed before: its case", body = RegisteredCase),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such call draft", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A rule is broken (field and rule named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn complete_draft(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let staff = staff_caller(&caller)?;
    let (complaint, _): (ComplaintRequest, _) = super::body::json(&headers, &body)?;
    let register = to_register(complaint, None, &staff, language(&headers));
    let reply = state
        .peers
        .intake
        .clone()
        .complete_draft(with_tenant(
            &caller.tenant,
            CompleteDraftRequest {
                draft_id: id,
                register: Some(register),
            },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(created(reply))
}

/// A privacy number (隐私号, AXB) for the store to call the complainant without seeing their
/// number; audited as a release of the contact.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/privacy-number",
    request_body = PrivacyNumberBody,
    params(("id" = String, Path, description = "The case id or case number")),
    responses(
        (status = 201, description = "Bound: call X", body = PrivacyNumberView),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case", body = crate::api::error::ErrorBody),
        (status = 409, description = "No provider configured (`not_configured`), no phone to bind (`no_phone`), or the provider refused (`provider_refused`)", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A rule is broken (field and rule named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "The provider is unavailable; try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn privacy_number(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let staff = staff_caller(&caller)?;
    let (body, _): (PrivacyNumberBody, _) = super::body::json(&headers, &body)?;
    if body.minutes == Some(0) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "minutes must be between 1 and 10080",
        )
        .with_field("minutes"));
    }
    let reply = state
        .peers
        .intake
        .clone()
        .bind_privacy_number(with_tenant(
            &caller.tenant,
            BindPrivacyNumberRequest {
                case_id: id,
                phone_a: body.phone_a,
                minutes: body.minutes.unwrap_or(0),
                staff,
            },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    let view = PrivacyNumberView {
        binding_id: reply.binding_id,
        secret_no: reply.secret_no,
        expires_at: reply.expires_at,
    };
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// A letter or fax (the mailroom): the scan, the transcription and the postal metadata.
#[utoipa::path(
    post,
    path = "/api/v1/letters",
    request_body = LetterBody,
    responses(
        (status = 201, description = "Registered", body = RegisteredCase),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 413, description = "The body is larger than 5 MiB", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A rule is broken (field and rule named: `scan.content_type`, `postal.postmark_date` …)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn letter(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let staff = staff_caller(&caller)?;
    let body = body.map_err(too_large(MAX_LETTER_BYTES))?;
    let (body, _): (LetterBody, _) = super::body::json(&headers, &body)?;
    let postal = body.postal.unwrap_or_default();
    let request = RegisterLetterRequest {
        register: Some(to_register(body.complaint, None, &staff, language(&headers))),
        postal: Some(PostalMetadata {
            postmark_date: postal.postmark_date.unwrap_or_default(),
            sender_address: postal.sender_address.unwrap_or_default(),
            tracking_number: postal.tracking_number.unwrap_or_default(),
        }),
        fax_number: body.fax.and_then(|fax| fax.sender_number).unwrap_or_default(),
        scan: upload("scan", body.scan)?,
    };
    let reply = state
        .peers
        .intake
        .clone()
        .register_letter(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(created(reply))
}

/// A walk-in registration at the counter; a draft until the complainant confirms it.
#[utoipa::path(
    post,
    path = "/api/v1/walk-ins",
    request_body = WalkInBody,
    responses(
        (status = 201, description = "Kept as a draft awaiting the complainant's confirmation (with `code`, the code is on its way)", body = DraftView),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A rule is broken (field and rule named; `confirm_by` `sms_unavailable` without an SMS provider)", body = crate::api::error::ErrorBody),
        (status = 503, description = "The SMS provider is unavailable; try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start_walk_in(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let staff = staff_caller(&caller)?;
    let (body, _): (WalkInBody, _) = super::body::json(&headers, &body)?;
    let confirm_by = match body.confirm_by {
        ConfirmByName::Code => "code",
        ConfirmByName::Signature => "signature",
    };
    let request = StartWalkInRequest {
        register: Some(to_register(body.complaint, None, &staff, language(&headers))),
        confirm_by: confirm_by.to_owned(),
    };
    let reply = state
        .peers
        .intake
        .clone()
        .start_walk_in(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok((StatusCode::CREATED, axum::Json(draft_view(reply))).into_response())
}

/// The complainant's confirmation of a walk-in: the one-time code or a signature; registers the
/// case.
#[utoipa::path(
    post,
    path = "/api/v1/walk-ins/{id}/confirm",
    request_body = WalkInConfirmBody,
    params(("id" = String, Path, description = "The walk-in's draft")),
    responses(
        (status = 201, description = "Registered", body = RegisteredCase),
        (status = 200, description = "Confirmed before: its case", body = RegisteredCase),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such walk-in draft", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "The code is wrong (`code` `code_mismatch`), expired (`code_expired`) or spent (`too_many_attempts`), or the signature is missing or not an image", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn confirm_walk_in(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let staff = staff_caller(&caller)?;
    let (body, _): (WalkInConfirmBody, _) = super::body::json(&headers, &body)?;
    let request = ConfirmWalkInRequest {
        draft_id: id,
        code: body.code.unwrap_or_default(),
        signature: upload("signature", body.signature)?,
        staff,
    };
    let reply = state
        .peers
        .intake
        .clone()
        .confirm_walk_in(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(created(reply))
}

/// The on-the-spot fast path (当场办结): registered, resolved and confirmed by the complainant at
/// once; the case is `closed` with the reason `on_the_spot`.
#[utoipa::path(
    post,
    path = "/api/v1/on-the-spot",
    request_body = OnTheSpotBody,
    responses(
        (status = 201, description = "Registered and closed", body = RegisteredCase),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A rule is broken (field and rule named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn on_the_spot(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let staff = staff_caller(&caller)?;
    let (body, _): (OnTheSpotBody, _) = super::body::json(&headers, &body)?;
    let method = match body.confirmation.method {
        ConfirmationMethod::Signature => "signature",
        ConfirmationMethod::Verbal => "verbal",
    };
    let request = ResolveOnTheSpotRequest {
        register: Some(to_register(body.complaint, None, &staff, language(&headers))),
        result: body.result,
        method: method.to_owned(),
        signature: upload("confirmation.signature", body.confirmation.signature)?,
    };
    let reply = state
        .peers
        .intake
        .clone()
        .resolve_on_the_spot(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(created(reply))
}
