//! `POST /api/v1/notification/receipts/sms?token=…`: the SMS provider's receipts (回执), in the
//! shape Chinese providers push them (a JSON array of reports with `out_id`, `success`,
//! `err_code`, `report_time`): each sent message becomes `delivered` or `bounced`. The provider
//! authenticates with the receipt token configured for it (`[notification.sms] receipt_token`),
//! not with a credential of the console.

use axum::body::Bytes;
use axum::extract::{Query, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use rpc::notification::v1::{SmsReceipt, SmsReceiptsRequest};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiError;
use crate::app::State;

/// The provider's token, and the tenant it reports for.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    /// The receipt token configured for the provider.
    pub token: String,
    /// The tenant (`default` when absent).
    pub tenant: Option<String>,
}

/// One report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SmsReport {
    /// Our idempotency key, echoed.
    #[schema(max_length = 64)]
    pub out_id: String,
    /// Whether the handset received it.
    pub success: bool,
    /// The provider's status code (`DELIVERED`, `UNDELIV`, …).
    #[serde(default)]
    pub err_code: Option<String>,
    #[serde(default)]
    pub err_msg: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub report_time: Option<String>,
    #[serde(default)]
    pub send_time: Option<String>,
    #[serde(default)]
    pub biz_id: Option<String>,
    #[serde(default)]
    pub sms_size: Option<String>,
}

/// What the provider expects back (`code` 0 is success), with what was matched.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceiptsReply {
    pub code: i32,
    pub msg: String,
    /// Reports that marked a sent message.
    pub matched: u32,
    /// Reports of unknown messages, or reported already.
    pub unknown: u32,
}

/// Records the SMS provider's receipts.
#[utoipa::path(
    post,
    path = "/api/v1/notification/receipts/sms",
    params(ReceiptQuery),
    request_body = Vec<SmsReport>,
    responses(
        (status = 200, description = "Recorded", body = ReceiptsReply),
        (status = 400, description = "Malformed JSON or query", body = crate::api::error::ErrorBody),
        (status = 401, description = "Not the provider's receipt token", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A report breaks its rule (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    )
)]
pub async fn sms(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<ReceiptQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<axum::Json<ReceiptsReply>, ApiError> {
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("token")
    })?;
    super::body::require_json(&headers)?;
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let reports: Vec<SmsReport> = serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("body: an array of reports with out_id and success ({e})"),
        )
        .with_field("body")
    })?;
    if let Some(n) = reports.iter().position(|r| r.out_id.is_empty() || r.out_id.len() > 64) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("[{n}].out_id: 1 to 64 characters"),
        )
        .with_field(format!("[{n}].out_id")));
    }
    let tenant = query.tenant.unwrap_or_else(|| "default".into());
    let request = SmsReceiptsRequest {
        token: query.token,
        receipts: reports
            .into_iter()
            .map(|r| SmsReceipt {
                out_id: r.out_id,
                delivered: r.success,
                code: r.err_code.unwrap_or_default(),
                reported_at: r.report_time.unwrap_or_default(),
            })
            .collect(),
    };
    let reply = state
        .peers
        .notification
        .clone()
        .record_sms_receipts(with_tenant(&tenant, request))
        .await
        .map_err(|status| {
            if status.code() == tonic::Code::Unauthenticated {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", status.message()).with_field("token")
            } else {
                ApiError::from_status(status, "notification")
            }
        })?
        .into_inner();
    Ok(axum::Json(ReceiptsReply {
        code: 0,
        msg: "成功".into(),
        matched: reply.matched,
        unknown: reply.unknown,
    }))
}
