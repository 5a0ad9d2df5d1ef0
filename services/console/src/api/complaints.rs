//! `POST /api/v1/complaints`: register a case from any channel.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rpc::intake::v1::{Complainant, Idempotency, RegisterRequest};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{ApiError, auth};
use crate::app::State;

/// How a case arrived.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelName {
    Phone,
    Web,
    Email,
    Wechat,
    App,
    Letter,
    WalkIn,
    Fax,
    Forwarded,
}

/// What kind of submission.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Complaint,
    Report,
    Inquiry,
    Suggestion,
    Praise,
    Help,
}

/// Where it came from, apart from how it arrived.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceName {
    Direct,
    HqCallCentre,
    Manufacturer,
    #[serde(rename = "hotline_12345")]
    Hotline12345,
    #[serde(rename = "hotline_12315")]
    Hotline12315,
    Regulator,
    ConsumerAssociation,
    ComplaintSite,
    Media,
    Petition,
    CallbackFound,
}

/// The complainant; kept encrypted by intake, never on the bus.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplainantBody {
    /// One name field: 1–50 letters of any script, spaces and "·" (no digits); an
    /// organisation's name (role `organisation`) up to 100 characters. Stored normalised.
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// A mainland mobile (1[3-9] + 9 digits), a landline with its area code (and an
    /// extension after #, 转 or ext), a 400/800 number, or a Hong Kong (+852) or Macao (+853)
    /// number; +86, spaces, dashes, brackets and full-width digits are accepted and the number
    /// is stored normalised. A short service number (12345, 95588) is refused (`pattern`).
    pub phone: Option<String>,
    pub email: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// `zh-CN` or `en`.
    pub preferred_language: Option<String>,
    /// `sms`, `email`, `phone`, `letter` or `wechat`.
    pub preferred_channel: Option<String>,
    pub keep_confidential: Option<bool>,
    /// An identity document (decision 0010), kept encrypted and shown masked.
    pub id_document: Option<super::particulars::IdDocumentBody>,
    /// The address's 6-digit administrative division code (`440106`).
    pub division_code: Option<String>,
    /// `customer` by default.
    pub role: Option<super::particulars::RoleName>,
    /// The member of staff filing an internal complaint (a directory id; role `staff`).
    pub staff_id: Option<String>,
    /// An organisation's unified social credit code (18 characters; role `organisation`).
    pub credit_code: Option<String>,
    /// Whom a proxy or heir speaks for (roles `proxy` and `heir`).
    pub represents: Option<super::particulars::RepresentsBody>,
    /// How letters address the complainant.
    pub salutation: Option<super::particulars::SalutationName>,
}

/// A complaint, report, inquiry, suggestion, praise or request for help.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRequest {
    pub channel: ChannelName,
    /// What happened, in the complainant's words.
    #[schema(min_length = 1, max_length = 20000)]
    pub narrative: String,
    /// Required unless `anonymous` is true.
    pub complainant: Option<ComplainantBody>,
    pub anonymous: Option<bool>,
    /// `complaint` by default.
    pub kind: Option<KindName>,
    /// `direct` by default.
    pub source: Option<SourceName>,
    #[schema(max_length = 128)]
    pub source_ref: Option<String>,
    #[schema(format = DateTime)]
    pub source_due_at: Option<String>,
    #[schema(max_length = 128)]
    pub external_ref: Option<String>,
    /// Within [1990-01-01, now + 5 min]; for imports and back-dated letters.
    #[schema(format = DateTime)]
    pub received_at: Option<String>,
    /// When the event complained about happened (not after `received_at`): the organisation's
    /// time bars count from it, and a complaint past its limit is registered and rejected
    /// (`time_barred`).
    #[schema(format = DateTime)]
    pub occurred_at: Option<String>,
    #[schema(max_length = 500)]
    pub subject: Option<String>,
    /// What the complainant asks for (refund, exchange, repair, compensation, apology, explanation …).
    #[schema(max_items = 20)]
    pub demands: Option<Vec<String>>,
    #[schema(max_length = 64)]
    pub unit: Option<String>,
    /// Free text as given; classified when it matches a known category.
    #[schema(max_length = 200)]
    pub category: Option<String>,
    /// An exact category code; unknown codes are refused.
    pub category_code: Option<String>,
    /// The channel-specific block (caller number, call reference, postal metadata …).
    #[schema(value_type = Option<Object>)]
    pub channel_details: Option<serde_json::Value>,
    /// The unit the case is about (a directory id): never routed to it.
    #[schema(max_length = 64, pattern = "^[a-z0-9_][a-z0-9_-]{0,63}$")]
    pub subject_unit: Option<String>,
    /// The member of staff the case is about (a directory id): never assigned to them.
    #[schema(max_length = 64, pattern = "^[a-z0-9_][a-z0-9_-]{0,63}$")]
    pub subject_staff: Option<String>,
    /// The branch holding the complainant's account (a directory id): local responsibility.
    #[schema(max_length = 64, pattern = "^[a-z0-9_][a-z0-9_-]{0,63}$")]
    pub account_unit: Option<String>,
    /// Where it happened: a 2-, 4- or 6-digit administrative division code.
    #[schema(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6})$")]
    pub division_code: Option<String>,
    /// `standard`, `vip`, `private_banking` … as the tenant's rules name them.
    #[schema(max_length = 64, pattern = "^[a-z0-9_][a-z0-9_-]{0,63}$")]
    pub customer_tier: Option<String>,
    /// The brand (a dealer's make) as the tenant's rules name it.
    #[schema(max_length = 64, pattern = "^[a-z0-9_][a-z0-9_-]{0,63}$")]
    pub brand: Option<String>,
    /// The product as the tenant's rules name it.
    #[schema(max_length = 64, pattern = "^[a-z0-9_][a-z0-9_-]{0,63}$")]
    pub product: Option<String>,
    /// A dealer's vehicle block (decision 0010): VIN, plate, delivery date, mileage, repair
    /// orders; kept encrypted, shown masked.
    pub vehicle: Option<super::particulars::VehicleBody>,
    /// A bank's account block (decision 0010): the card or account number is kept only masked
    /// and as a keyed token, and shown only after the identity is verified.
    pub bank: Option<super::particulars::BankBody>,
    /// The member of staff or unit owning the case until it is handed over (first-contact
    /// responsibility; a directory id).
    #[schema(max_length = 64, pattern = "^[a-z0-9_][a-z0-9_-]{0,63}$")]
    pub first_contact_owner: Option<String>,
}

/// A deadline of a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    /// `acknowledgement`, `resolution`, …
    pub kind: String,
    #[schema(format = DateTime)]
    pub due_at: String,
    /// `open`, `met` or `breached`.
    pub state: String,
    /// True while the deadline runs past the published calendar.
    pub provisional: bool,
}

/// The registered case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintCreated {
    pub id: String,
    /// Readable over the phone: a short prefix and digits (`TS` + the date + the day's sequence
    /// by default; `[intake.case_numbers]`).
    pub case_number: String,
    /// `received`, `accepted`, or `rejected` (a time-barred complaint, decision 0007).
    pub status: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub deadlines: Vec<DeadlineView>,
    /// An anonymous case's receipt code (`K7QM-3XDP-9HTR-2WFA`), given once, in the 201 only:
    /// with it the reporter follows the case on the status page (decision 0008).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_code: Option<String>,
    /// The files registered with it (a `multipart/form-data` submission).
    pub attachments: Vec<super::uploads::AttachmentView>,
}

/// The most a JSON submission may carry.
const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Registers a case.
#[utoipa::path(
    post,
    path = "/api/v1/complaints",
    request_body(
        description = "The complaint as JSON, or as a form with files (decision 0008)",
        content(
            (ComplaintRequest = "application/json"),
            (crate::api::uploads::ComplaintUpload = "multipart/form-data"),
        )
    ),
    params(("Idempotency-Key" = Option<String>, Header, description = "Same key and body return the same case for at least 24 hours")),
    responses(
        (status = 201, description = "Registered", body = ComplaintCreated),
        (status = 200, description = "The same Idempotency-Key and body were registered before", body = ComplaintCreated),
        (status = 400, description = "Malformed JSON, form or header", body = crate::api::error::ErrorBody),
        (status = 401, description = "Bad credential", body = crate::api::error::ErrorBody),
        (status = 413, description = "A file, the files together or the upload is too large, or too many files (the field and the rule are named)", body = crate::api::error::ErrorBody),
        (status = 415, description = "Neither JSON nor a form", body = crate::api::error::ErrorBody),
        (status = 422, description = "A rule is broken (a file's type among them), or the Idempotency-Key was used with another body", body = crate::api::error::ErrorBody),
        (status = 429, description = "Too many public submissions", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security((), ("bearer" = []))
)]
pub async fn create(
    Extract(state): Extract<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    let caller = auth::optional_caller(&state, &headers).await?;
    let caller = match caller {
        Some(caller) => caller,
        None => crate::identity::Caller::public("default"),
    };
    if !caller.is_admin()
        && let Err(wait) = state.public_limiter.check(peer.ip())
    {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many submissions; try again later",
        );
        error.retry_after_seconds = Some(wait.as_secs().max(1));
        return Err(error);
    }
    let language_hint = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let reply = if super::uploads::is_multipart(&headers) {
        let (text, files) = super::uploads::read(request, &state).await?;
        let mut json_headers = headers.clone();
        json_headers.insert(
            header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        );
        let (complaint, value): (ComplaintRequest, _) =
            super::body::json(&json_headers, text.as_bytes()).map_err(|mut error| {
                // The form's part is to blame for a part that is not an object; a field keeps
                // its name, as in a JSON body.
                if error.field.as_deref() == Some("body") {
                    error.field = Some("complaint".to_owned());
                }
                error
            })?;
        let digest = serde_json::json!({"complaint": value, "attachments": super::uploads::digests(&files)});
        let idempotency = idempotency(&headers, &digest, &caller.credential_id)?;
        let register = to_register(complaint, idempotency, &caller.credential_id, language_hint);
        super::uploads::register(&state, &caller.tenant, register, files).await?
    } else {
        let body = axum::body::to_bytes(request.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("a JSON submission may be at most {MAX_JSON_BYTES} bytes; send files as a form"),
                )
                .with_field("body")
            })?;
        let (complaint, value): (ComplaintRequest, _) = super::body::json(&headers, &body)?;
        let idempotency = idempotency(&headers, &value, &caller.credential_id)?;
        let register = to_register(complaint, idempotency, &caller.credential_id, language_hint);
        state
            .peers
            .intake
            .clone()
            .register(with_tenant(&caller.tenant, register))
            .await
            .map_err(|status| ApiError::from_status(status, "intake"))?
            .into_inner()
    };
    let created = ComplaintCreated {
        id: reply.case_id,
        case_number: reply.case_number,
        status: reply.status,
        received_at: reply.received_at,
        deadlines: reply.deadlines.into_iter().map(super::cases::deadline_view).collect(),
        receipt_code: (!reply.receipt_code.is_empty()).then_some(reply.receipt_code),
        attachments: reply
            .attachments
            .into_iter()
            .map(super::uploads::attachment_view)
            .collect(),
    };
    let status = if reply.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(created)).into_response())
}

/// The JSON path a deserialisation error blames: serde reports a missing or unknown field at its
/// parent, naming the field only in the message.
fn idempotency(headers: &HeaderMap, body: &serde_json::Value, scope: &str) -> Result<Option<Idempotency>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_header",
                "Idempotency-Key must be 1 to 255 printable ASCII characters",
            )
            .with_field("Idempotency-Key")
        })?;
    // serde_json's map is ordered by key, so this text is canonical for equal bodies.
    let canonical = body.to_string();
    Ok(Some(Idempotency {
        key: key.to_owned(),
        scope: scope.to_owned(),
        body_sha256: hex::encode(Sha256::digest(canonical.as_bytes())),
    }))
}

fn wire<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A complaint as intake's `Register` takes it.
pub(crate) fn to_register(
    request: ComplaintRequest,
    idempotency: Option<Idempotency>,
    registered_by: &str,
    language_hint: String,
) -> RegisterRequest {
    let complainant = request.complainant.map(|person| {
        let mut complainant = Complainant {
            name: person.name.unwrap_or_default(),
            phone: person.phone.unwrap_or_default(),
            email: person.email.unwrap_or_default(),
            address: person.address.unwrap_or_default(),
            preferred_language: person.preferred_language.unwrap_or_default(),
            preferred_channel: person.preferred_channel.unwrap_or_default(),
            keep_confidential: person.keep_confidential.unwrap_or(false),
            ..Complainant::default()
        };
        super::particulars::fill_complainant(
            &mut complainant,
            super::particulars::ComplainantParticulars {
                id_document: person.id_document,
                division_code: person.division_code,
                role: person.role,
                staff_id: person.staff_id,
                credit_code: person.credit_code,
                represents: person.represents,
                salutation: person.salutation,
            },
        );
        complainant
    });
    RegisterRequest {
        channel: wire(request.channel),
        kind: request.kind.map(wire).unwrap_or_default(),
        source: request.source.map(wire).unwrap_or_default(),
        source_ref: request.source_ref.unwrap_or_default(),
        source_due_at: request.source_due_at.unwrap_or_default(),
        external_ref: request.external_ref.unwrap_or_default(),
        received_at: request.received_at.unwrap_or_default(),
        occurred_at: request.occurred_at.unwrap_or_default(),
        subject: request.subject.unwrap_or_default(),
        demands: request.demands.unwrap_or_default(),
        unit: request.unit.unwrap_or_default(),
        category: request.category.unwrap_or_default(),
        category_code: request.category_code.unwrap_or_default(),
        narrative: request.narrative,
        anonymous: request.anonymous.unwrap_or(false),
        complainant,
        idempotency,
        channel_details_json: request.channel_details.map(|v| v.to_string()).unwrap_or_default(),
        registered_by: registered_by.to_owned(),
        language_hint,
        subject_unit: request.subject_unit.unwrap_or_default(),
        subject_staff: request.subject_staff.unwrap_or_default(),
        account_unit: request.account_unit.unwrap_or_default(),
        division_code: request.division_code.unwrap_or_default(),
        customer_tier: request.customer_tier.unwrap_or_default(),
        brand: request.brand.unwrap_or_default(),
        product: request.product.unwrap_or_default(),
        vehicle: super::particulars::vehicle(request.vehicle),
        bank: super::particulars::bank(request.bank),
        first_contact_owner: request.first_contact_owner.unwrap_or_default(),
    }
}
