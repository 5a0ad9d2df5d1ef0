//! Registration particulars over HTTP (decision 0010): the complainant's identity document,
//! role and represented person, the dealer's vehicle block and the bank's account block in
//! `POST /api/v1/complaints`; their masked views in `GET /api/v1/cases/{id}` (clear for an
//! administrator with `reveal=personal_data`, through intake's audited release); and
//! `POST /api/v1/cases/{id}/verify-identity`.

use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use rpc::intake::v1 as wire;
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, auth};
use crate::app::State;

fn snake<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The kind of an identity document.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdKindName {
    /// 居民身份证: 18 characters, the GB 11643 check digit.
    ResidentId,
    /// 港澳台居民居住证: 18 characters starting 810000, 820000 or 830000.
    ResidencePermit,
    /// 港澳居民来往内地通行证: H or M and 8 or 10 digits.
    HkMacauPermit,
    /// 台湾居民来往大陆通行证: 8 digits.
    TaiwanPermit,
    /// 护照: 5 to 17 letters and digits.
    Passport,
}

/// An identity document.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdDocumentBody {
    pub kind: IdKindName,
    /// Spaces and full-width characters are tolerated; refused with `check_digit`, `pattern`,
    /// `length`, `characters`, `region` or `birth_date` as the format says.
    pub number: String,
}

/// Who the complainant is to the organisation.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// A customer speaking for themself (the default).
    Customer,
    /// A member of staff filing an internal complaint: `staff_id` is required.
    Staff,
    /// Someone acting for the customer: `represents` is required.
    Proxy,
    /// An heir of a deceased customer: `represents` is required.
    Heir,
    /// An organisation (the name is its name): `credit_code` is required.
    Organisation,
}

/// How a proxy or heir is related to the person they represent.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipName {
    Spouse,
    Parent,
    Child,
    Sibling,
    Relative,
    Lawyer,
    Agent,
    Other,
}

/// How letters address the complainant (先生, 女士, 博士, 教授).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SalutationName {
    Mr,
    Ms,
    Dr,
    Prof,
}

/// Whom a proxy or heir speaks for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentsBody {
    /// The principal's name (one field; may contain "·").
    pub name: String,
    pub relationship: RelationshipName,
}

/// A repair order of the vehicle.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairOrderBody {
    /// 1 to 64 letters, digits and - _ / .
    pub number: String,
    /// Not before the delivery date, not in the future.
    #[schema(format = Date)]
    pub date: Option<String>,
    /// The fault as recorded on the order.
    #[schema(max_length = 500)]
    pub fault: Option<String>,
}

/// A dealer's vehicle block.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleBody {
    /// 17 characters without I, O and Q, the check digit in position 9.
    pub vin: Option<String>,
    /// Such as 粤B12345, 粤BD12345 (new energy).
    pub plate: Option<String>,
    #[schema(format = Date)]
    pub delivery_date: Option<String>,
    #[schema(maximum = 2000000)]
    pub mileage_km: Option<u64>,
    #[schema(max_items = 50)]
    pub repair_orders: Option<Vec<RepairOrderBody>>,
}

/// A bank's account block: a card number or an account number, never both. The number is
/// never stored: intake keeps its masked form and a keyed token only.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankBody {
    /// 13 to 19 digits with the Luhn check digit.
    pub card_number: Option<String>,
    /// 6 to 32 digits.
    pub account_number: Option<String>,
    #[schema(max_length = 100)]
    pub product: Option<String>,
    #[schema(max_length = 100)]
    pub branch: Option<String>,
}

/// The complainant's particulars of a registration (decision 0010), as `ComplainantBody`
/// carries them.
pub struct ComplainantParticulars {
    pub id_document: Option<IdDocumentBody>,
    pub division_code: Option<String>,
    pub role: Option<RoleName>,
    pub staff_id: Option<String>,
    pub credit_code: Option<String>,
    pub represents: Option<RepresentsBody>,
    pub salutation: Option<SalutationName>,
}

/// Fills the complainant's new fields of intake's `Complainant`.
pub(crate) fn fill_complainant(person: &mut wire::Complainant, particulars: ComplainantParticulars) {
    person.id_document = particulars.id_document.map(|d| wire::IdDocument {
        kind: snake(d.kind),
        number: d.number,
    });
    person.division_code = particulars.division_code.unwrap_or_default();
    person.role = particulars.role.map(snake).unwrap_or_default();
    person.staff_id = particulars.staff_id.unwrap_or_default();
    person.credit_code = particulars.credit_code.unwrap_or_default();
    person.represents = particulars.represents.map(|r| wire::Represents {
        name: r.name,
        relationship: snake(r.relationship),
    });
    person.salutation = particulars.salutation.map(snake).unwrap_or_default();
}

/// The vehicle block as intake takes it.
pub(crate) fn vehicle(body: Option<VehicleBody>) -> Option<wire::Vehicle> {
    body.map(|v| wire::Vehicle {
        vin: v.vin.unwrap_or_default(),
        plate: v.plate.unwrap_or_default(),
        delivery_date: v.delivery_date.unwrap_or_default(),
        mileage_km: v.mileage_km,
        repair_orders: v
            .repair_orders
            .unwrap_or_default()
            .into_iter()
            .map(|o| wire::RepairOrder {
                number: o.number,
                date: o.date.unwrap_or_default(),
                fault: o.fault.unwrap_or_default(),
            })
            .collect(),
    })
}

/// The bank block as intake takes it.
pub(crate) fn bank(body: Option<BankBody>) -> Option<wire::Bank> {
    body.map(|b| wire::Bank {
        card_number: b.card_number.unwrap_or_default(),
        account_number: b.account_number.unwrap_or_default(),
        product: b.product.unwrap_or_default(),
        branch: b.branch.unwrap_or_default(),
    })
}

/// The complainant as the case view shows them: masked as `domain::formats` masks each value
/// (`138****5678`, `110105********002X`, `广东省广州市天河区****`, `李*`), or in clear for an
/// administrator who asked with `reveal=personal_data` (audited).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplainantView {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// `mobile`, `landline`, `service_hotline`, `short_service`, `hong_kong` or `macau`.
    pub phone_kind: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// The address's administrative division code.
    pub division_code: Option<String>,
    pub id_document: Option<IdDocumentView>,
    /// `customer`, `staff`, `proxy`, `heir` or `organisation`.
    pub role: String,
    pub staff_id: Option<String>,
    pub credit_code: Option<String>,
    pub represents: Option<RepresentsView>,
    pub salutation: Option<String>,
    pub preferred_language: Option<String>,
    pub preferred_channel: Option<String>,
    pub keep_confidential: bool,
    /// Whether the values are masked (every role) or clear (an audited release).
    pub masked: bool,
}

/// An identity document in the case view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdDocumentView {
    pub kind: String,
    pub number: String,
}

/// Whom a proxy or heir speaks for, in the case view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepresentsView {
    pub name: String,
    pub relationship: String,
}

/// A repair order in the case view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepairOrderView {
    pub number: String,
    #[schema(format = Date)]
    pub date: Option<String>,
    pub fault: Option<String>,
}

/// The vehicle in the case view: the VIN to its last six characters, the plate to its province,
/// office letter and last two characters.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VehicleView {
    pub vin: Option<String>,
    pub plate: Option<String>,
    #[schema(format = Date)]
    pub delivery_date: Option<String>,
    pub mileage_km: Option<u32>,
    pub repair_orders: Vec<RepairOrderView>,
}

/// The bank block in the case view: the account (masked, `622848*********0018`) only once the
/// complainant's identity is verified.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BankView {
    /// `card` or `account`, when one was given.
    pub account_kind: Option<String>,
    pub account: Option<String>,
    /// True while an account was given and the identity is not verified.
    pub account_withheld: bool,
    pub product: Option<String>,
    pub branch: Option<String>,
}

fn text(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// The HTTP form of intake's complainant view.
pub(crate) fn complainant_view(view: wire::ComplainantView, masked: bool) -> ComplainantView {
    ComplainantView {
        name: text(view.name),
        phone: text(view.phone),
        phone_kind: text(view.phone_kind),
        email: text(view.email),
        address: text(view.address),
        division_code: text(view.division_code),
        id_document: text(view.id_document_kind).map(|kind| IdDocumentView {
            kind,
            number: view.id_document_number,
        }),
        role: text(view.role).unwrap_or_else(|| "customer".to_owned()),
        staff_id: text(view.staff_id),
        credit_code: text(view.credit_code),
        represents: text(view.represents_name).map(|name| RepresentsView {
            name,
            relationship: view.represents_relationship,
        }),
        salutation: text(view.salutation),
        preferred_language: text(view.preferred_language),
        preferred_channel: text(view.preferred_channel),
        keep_confidential: view.keep_confidential,
        masked,
    }
}

/// The HTTP form of intake's vehicle view.
pub(crate) fn vehicle_view(view: wire::VehicleView) -> VehicleView {
    VehicleView {
        vin: text(view.vin),
        plate: text(view.plate),
        delivery_date: text(view.delivery_date),
        mileage_km: view.mileage_km,
        repair_orders: view
            .repair_orders
            .into_iter()
            .map(|o| RepairOrderView {
                number: o.number,
                date: text(o.date),
                fault: text(o.fault),
            })
            .collect(),
    }
}

/// The HTTP form of intake's bank view.
pub(crate) fn bank_view(view: wire::BankView) -> BankView {
    BankView {
        account_kind: text(view.account_kind),
        account: text(view.account),
        account_withheld: view.account_withheld,
        product: text(view.product),
        branch: text(view.branch),
    }
}

/// The clear complainant and vehicle of a case for an administrator, for `purpose`, through
/// intake's audited release; 403 for any other role.
pub(crate) async fn reveal(
    state: &State,
    caller: &crate::identity::Caller,
    case_id: &str,
    purpose: &str,
) -> Result<(Option<ComplainantView>, Option<VehicleView>), ApiError> {
    if !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only an administrator may see personal data in clear; every other role sees it masked",
        )
        .with_field("reveal"));
    }
    let reply = state
        .peers
        .intake
        .clone()
        .reveal_particulars(with_tenant(
            &caller.tenant,
            wire::RevealParticularsRequest {
                case_id: case_id.to_owned(),
                purpose: purpose.to_owned(),
                requester: caller.credential_id.clone(),
            },
        ))
        .await
        .map_err(|status| ApiError::from_status(status, "intake"))?
        .into_inner();
    Ok((
        reply.complainant.map(|c| complainant_view(c, false)),
        reply.vehicle.map(vehicle_view),
    ))
}

/// How the complainant's identity was checked.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    /// The document presented matches the one on file (compared by keyed hash).
    IdDocument,
    /// A six-digit code sent to the mobile on file, read back (first call without `code`
    /// sends it).
    OneTimeCode,
    /// Staff called back the number on file.
    Callback,
}

/// `POST /api/v1/cases/{id}/verify-identity`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyIdentityBody {
    pub method: VerificationMethod,
    /// With `id_document`: the document presented.
    pub id_document: Option<IdDocumentBody>,
    /// With `one_time_code`: the code read back; absent to send one.
    pub code: Option<String>,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdentityVerificationView {
    pub case_id: String,
    pub identity_verified: bool,
    #[schema(format = DateTime)]
    pub verified_at: Option<String>,
    pub method: String,
    /// A code went to the phone on file (shown masked) and is valid until `code_expires_at`.
    pub code_sent: bool,
    #[schema(format = DateTime)]
    pub code_expires_at: Option<String>,
    pub phone: Option<String>,
}

/// Verifies the complainant's identity before an account is discussed; recorded on the
/// timeline (`identity_verified` with the method, `identity_code_sent`) without the values.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/verify-identity",
    request_body = VerifyIdentityBody,
    params(("id" = String, Path, description = "The case id or case number")),
    responses(
        (status = 200, description = "Verified (or verified before)", body = IdentityVerificationView),
        (status = 202, description = "A one-time code was sent to the mobile on file", body = IdentityVerificationView),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not staff", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A rule is broken, field and rule named: the document does not match (`identity_mismatch`) or none is on file (`no_document_on_file`), no phone or mobile on file (`no_phone`, `no_mobile`), a wrong or expired code (`invalid_code`, `code_expired`, `too_many_attempts`)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn verify_identity(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<IdentityVerificationView>), ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    super::gate::check_caller(&caller)?;
    let staff = caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone());
    let (body, _): (VerifyIdentityBody, _) = super::body::json(&headers, &body)?;
    let (id_kind, id_number) = body.id_document.map(|d| (snake(d.kind), d.number)).unwrap_or_default();
    if matches!(body.method, VerificationMethod::IdDocument) && id_number.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "id_document is the document presented: {kind, number}",
        )
        .with_field("id_document"));
    }
    let language = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let reply = state
        .peers
        .intake
        .clone()
        .verify_identity(with_tenant(
            &caller.tenant,
            wire::VerifyIdentityRequest {
                case_id: id,
                staff,
                method: snake(body.method),
                id_kind,
                id_number,
                code: body.code.unwrap_or_default(),
                language,
            },
        ))
        .await
        .map_err(|status| ApiError::from_status(status, "intake"))
        .map_err(|mut error| {
            // intake names the presented document's fields by themselves.
            if let Some(field) = error.field.as_deref()
                && matches!(field, "id_kind" | "id_number")
            {
                let nested = if field == "id_kind" {
                    "id_document.kind"
                } else {
                    "id_document.number"
                };
                error.field = Some(nested.to_owned());
                if let Some(errors) = error.details.get_mut("errors").and_then(|e| e.as_array_mut()) {
                    for entry in errors {
                        entry["field"] = serde_json::json!(nested);
                    }
                }
            }
            error
        })?
        .into_inner();
    let status = if reply.code_sent {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        axum::Json(IdentityVerificationView {
            case_id: reply.case_id,
            identity_verified: reply.verified,
            verified_at: text(reply.verified_at),
            method: reply.method,
            code_sent: reply.code_sent,
            code_expires_at: text(reply.code_expires_at),
            phone: text(reply.phone_masked),
        }),
    ))
}
