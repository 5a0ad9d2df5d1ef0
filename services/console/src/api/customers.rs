//! Customer lookup (decision 0011): staff look a customer up in the organisation's customer
//! system (or the synced copy, when it is down) — the identifier in the body, never in the URL —
//! and the administrator syncs the copy from a CSV export. Intake does the work and audits it.

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use rpc::intake::v1::{CustomerMapping, LookupCustomerRequest, SyncCustomersRequest};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::gate::RefusedRowView;
use super::{ApiError, auth};
use crate::app::State;

/// Who to look up (exactly one identifier), why, and for which case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerLookupBody {
    /// A phone number as typed (`+86 138-1234-5678`, `0755-88886666` …).
    pub phone: Option<String>,
    /// A vehicle identification number (17 characters, check digit).
    pub vin: Option<String>,
    /// The customer system's own id or an account number.
    pub customer_id: Option<String>,
    /// An identity document's number (resident identity card, permit, passport).
    pub id_number: Option<String>,
    /// Why the customer is looked up (recorded in the audit log).
    #[schema(min_length = 1, max_length = 200)]
    pub purpose: String,
    /// The case the lookup is for.
    pub case_id: Option<String>,
}

/// A vehicle (VIN and plate masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerVehicleView {
    pub vin: Option<String>,
    pub plate: Option<String>,
    pub model: Option<String>,
    #[schema(format = Date)]
    pub delivery_date: Option<String>,
    /// The selling store (a directory id).
    pub store: Option<String>,
    /// The salesperson (a directory id).
    pub salesperson: Option<String>,
}

/// An order or a repair order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerOrderView {
    pub number: String,
    pub kind: Option<String>,
    #[schema(format = Date)]
    pub date: Option<String>,
    pub store: Option<String>,
    /// In fen.
    pub amount_fen: Option<u64>,
}

/// An account or card (masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerAccountView {
    pub number: String,
    pub kind: Option<String>,
}

/// A customer as staff see them: name, phone, documents, VINs, plates and accounts masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerView {
    pub customer_id: String,
    /// The first character: `张*`.
    pub name: Option<String>,
    /// `138****5678`.
    pub phone: Option<String>,
    /// `110105********002X`.
    pub id_number: Option<String>,
    pub tier: Option<String>,
    /// The branch holding the customer.
    pub home_branch: Option<String>,
    pub vehicles: Vec<CustomerVehicleView>,
    pub orders: Vec<CustomerOrderView>,
    pub accounts: Vec<CustomerAccountView>,
}

/// Where the answer came from.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSource {
    /// The customer system answered.
    Live,
    /// The synced copy answered (the system is down or not configured).
    Synced,
}

/// What the customer system did.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    Answered,
    Unavailable,
    NotConfigured,
}

/// A lookup's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerLookupReply {
    pub source: CustomerSource,
    /// How fresh: now for the system, the sync's time for the copy.
    #[schema(format = DateTime)]
    pub as_of: String,
    pub live: LiveState,
    /// Whether any customer was found.
    pub found: bool,
    pub customers: Vec<CustomerView>,
}

/// Which column of the export gives which field (headers matched ignoring case, spaces, `_`
/// and `-`); at least `customer_id` and one of `phone`, `vin`, `id_number`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerMappingBody {
    pub customer_id: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub tier: Option<String>,
    pub home_branch: Option<String>,
    pub vin: Option<String>,
    pub plate: Option<String>,
    pub model: Option<String>,
    pub delivery_date: Option<String>,
    pub store: Option<String>,
    pub salesperson: Option<String>,
    pub order_number: Option<String>,
    pub order_kind: Option<String>,
    pub order_date: Option<String>,
    pub order_store: Option<String>,
    /// Amounts in yuan (`1,234.50`, `¥1234.5`).
    pub amount: Option<String>,
    pub account: Option<String>,
    pub account_kind: Option<String>,
    /// A chrono date format for the date columns (`%Y/%m/%d`); `%Y-%m-%d` when absent.
    #[schema(max_length = 100)]
    pub date_format: Option<String>,
}

/// A CSV export of the customer system.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerSyncBody {
    /// The file's text (CSV with a header row).
    #[schema(min_length = 1)]
    pub content: String,
    pub mapping: CustomerMappingBody,
}

/// What the sync did: the copy now holds `customers`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerSyncReport {
    pub sync_id: String,
    #[schema(format = DateTime)]
    pub synced_at: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows kept.
    pub imported: u64,
    /// Rows refused, each with its row number, the field and the rule (never the value).
    pub refused: Vec<RefusedRowView>,
    /// Customers in the copy.
    pub customers: u64,
}

/// The most bytes a sync request may have.
pub const MAX_SYNC_BYTES: usize = 3 * 1024 * 1024;

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

fn lookup_error(status: tonic::Status) -> ApiError {
    let code = status
        .metadata()
        .get(runtime::grpc::ERROR_CODE_METADATA)
        .and_then(|v| v.to_str().ok());
    if status.code() == tonic::Code::Unavailable && code == Some("customer_system_unavailable") {
        let mut error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "customer_system_unavailable",
            "the customer system is unavailable and no copy was synced; try again",
        );
        error.retry_after_seconds = Some(30);
        return error;
    }
    ApiError::from_status(status, "intake")
}

/// Looks a customer up.
#[utoipa::path(
    post,
    path = "/api/v1/customers/lookup",
    request_body = CustomerLookupBody,
    responses(
        (status = 200, description = "The customers found (none is an answer), masked, and which source answered", body = CustomerLookupReply),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff or the administrator", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case", body = crate::api::error::ErrorBody),
        (status = 409, description = "`not_configured`: no customer system for the tenant and no synced copy", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "Not exactly one identifier, an identifier that does not have its format, or no purpose (field and rule named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "`customer_system_unavailable`: the system is down and no copy was synced; or try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn lookup(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<CustomerLookupReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    super::gate::check_caller(&caller)?;
    let staff = caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone());
    let (body, _): (CustomerLookupBody, _) = super::body::json(&headers, &body)?;
    let given: Vec<(&str, String)> = [
        ("phone", body.phone),
        ("vin", body.vin),
        ("customer_id", body.customer_id),
        ("id_number", body.id_number),
    ]
    .into_iter()
    .filter_map(|(by, value)| value.map(|v| (by, v)))
    .collect();
    let [(by, value)] = <[_; 1]>::try_from(given).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "give exactly one of phone, vin, customer_id and id_number",
        )
        .with_field("phone")
    })?;
    let reply = state
        .peers
        .intake
        .clone()
        .lookup_customer(with_tenant(
            &caller.tenant,
            LookupCustomerRequest {
                by: by.to_owned(),
                value,
                purpose: body.purpose,
                case_id: body.case_id.unwrap_or_default(),
                staff,
            },
        ))
        .await
        .map_err(lookup_error)?
        .into_inner();
    Ok(axum::Json(CustomerLookupReply {
        source: if reply.source == "live" {
            CustomerSource::Live
        } else {
            CustomerSource::Synced
        },
        as_of: reply.as_of,
        live: match reply.live.as_str() {
            "answered" => LiveState::Answered,
            "unavailable" => LiveState::Unavailable,
            _ => LiveState::NotConfigured,
        },
        found: !reply.customers.is_empty(),
        customers: reply
            .customers
            .into_iter()
            .map(|c| CustomerView {
                customer_id: c.customer_id,
                name: text(c.name),
                phone: text(c.phone),
                id_number: text(c.id_number),
                tier: text(c.tier),
                home_branch: text(c.home_branch),
                vehicles: c
                    .vehicles
                    .into_iter()
                    .map(|v| CustomerVehicleView {
                        vin: text(v.vin),
                        plate: text(v.plate),
                        model: text(v.model),
                        delivery_date: text(v.delivery_date),
                        store: text(v.store),
                        salesperson: text(v.salesperson),
                    })
                    .collect(),
                orders: c
                    .orders
                    .into_iter()
                    .map(|o| CustomerOrderView {
                        number: o.number,
                        kind: text(o.kind),
                        date: text(o.date),
                        store: text(o.store),
                        amount_fen: u64::try_from(o.amount_fen).ok(),
                    })
                    .collect(),
                accounts: c
                    .accounts
                    .into_iter()
                    .map(|a| CustomerAccountView {
                        number: a.number,
                        kind: text(a.kind),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Replaces the synced copy of the customer system with a CSV export.
#[utoipa::path(
    post,
    path = "/api/v1/customers/sync",
    request_body = CustomerSyncBody,
    responses(
        (status = 200, description = "The copy replaced; every row kept or refused with its row number and reason", body = CustomerSyncReport),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not the administrator", body = crate::api::error::ErrorBody),
        (status = 413, description = "Larger than 3 MiB", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "The mapping or the file as a whole breaks a rule (field and rule named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn sync(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::Json<CustomerSyncReport>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "syncing the customers needs the administrator's credential",
        ));
    }
    let body = body.map_err(|rejection| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a sync takes at most {MAX_SYNC_BYTES} bytes ({rejection})"),
        )
        .with_field("content")
    })?;
    let (body, _): (CustomerSyncBody, _) = super::body::json(&headers, &body)?;
    let m = body.mapping;
    let request = SyncCustomersRequest {
        content: body.content,
        mapping: Some(CustomerMapping {
            customer_id: m.customer_id,
            name: m.name.unwrap_or_default(),
            phone: m.phone.unwrap_or_default(),
            id_number: m.id_number.unwrap_or_default(),
            tier: m.tier.unwrap_or_default(),
            home_branch: m.home_branch.unwrap_or_default(),
            vin: m.vin.unwrap_or_default(),
            plate: m.plate.unwrap_or_default(),
            model: m.model.unwrap_or_default(),
            delivery_date: m.delivery_date.unwrap_or_default(),
            store: m.store.unwrap_or_default(),
            salesperson: m.salesperson.unwrap_or_default(),
            order_number: m.order_number.unwrap_or_default(),
            order_kind: m.order_kind.unwrap_or_default(),
            order_date: m.order_date.unwrap_or_default(),
            order_store: m.order_store.unwrap_or_default(),
            amount: m.amount.unwrap_or_default(),
            account: m.account.unwrap_or_default(),
            account_kind: m.account_kind.unwrap_or_default(),
            date_format: m.date_format.unwrap_or_default(),
        }),
        staff: caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone()),
    };
    let mut request = with_tenant(&caller.tenant, request);
    request.set_timeout(std::time::Duration::from_secs(120));
    let reply = state
        .peers
        .intake
        .clone()
        .sync_customers(request)
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(axum::Json(CustomerSyncReport {
        sync_id: reply.sync_id,
        synced_at: reply.synced_at,
        rows: reply.rows,
        imported: reply.imported,
        refused: reply
            .refused
            .into_iter()
            .map(|row| RefusedRowView {
                row: row.row,
                field: text(row.field),
                reason: row.reason,
            })
            .collect(),
        customers: reply.customers,
    }))
}
