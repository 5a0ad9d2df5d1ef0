//! Intake's acceptance gate through the action endpoint (decision 0007): `accept`, `reject`,
//! `merge`, and `withdraw` while intake still holds the case (`received`); and the import of
//! historical complaints (`POST /api/v1/imports`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use rpc::intake::v1::{
    AcceptRequest, GateReply, ImportMapping, ImportRequest, MergeRequest, RejectRequest, WithdrawRequest,
};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cases::deadline_view;
use super::complaints::DeadlineView;
use super::{ApiError, auth};
use crate::app::State;
use crate::identity::Caller;

/// The gate's actions intake serves.
pub const ACTIONS: &[&str] = &["accept", "reject", "merge"];

/// The body's fields each gate action reads (besides nothing else).
fn fields_of(action: &str) -> &'static [&'static str] {
    match action {
        "reject" => &["staff", "reason_code", "suggestion"],
        "merge" => &["staff", "into"],
        _ => &["staff"],
    }
}

/// Intake's part of the case after a gate action.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GateActionReply {
    pub id: String,
    pub case_number: String,
    /// `accepted`, `rejected` or `withdrawn`.
    pub status: String,
    /// Why it was not accepted (a rejection reason code), once rejected.
    pub rejection_reason: Option<String>,
    /// The case a duplicate was merged into.
    pub merged_into: Option<String>,
    /// The acknowledgement deadline, once accepted.
    pub deadlines: Vec<DeadlineView>,
    /// The case's version after the action (the next `If-Match`).
    pub version: u64,
}

/// Only staff and the administrator work the gate.
pub fn check_caller(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_admin() || (caller.role == "staff" && caller.staff.is_some()) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "the acceptance gate needs a member of staff's or the administrator's credential",
    ))
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

/// Sends a gate action to intake; `raw` is the body as sent (its fields are checked here),
/// `versions_total - intake_version` the rest of the case's version.
pub async fn act_on(
    state: &State,
    caller: &Caller,
    id: &str,
    action: &str,
    staff: String,
    raw: &serde_json::Value,
    other_versions: u64,
) -> Result<GateActionReply, ApiError> {
    check_caller(caller)?;
    let used = fields_of(action);
    if let Some(field) = raw
        .as_object()
        .and_then(|fields| fields.keys().find(|k| !used.contains(&k.as_str())))
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field}: not a field of `{action}` at the acceptance gate"),
        )
        .with_field(field.clone()));
    }
    let string = |name: &str| raw[name].as_str().unwrap_or_default().to_owned();
    let mut intake = state.peers.intake.clone();
    let tenant = caller.tenant.as_str();
    let case_id = id.to_owned();
    let reply: Result<tonic::Response<GateReply>, tonic::Status> = match action {
        "accept" => {
            intake
                .accept(with_tenant(tenant, AcceptRequest { case_id, staff }))
                .await
        }
        "reject" => {
            intake
                .reject(with_tenant(
                    tenant,
                    RejectRequest {
                        case_id,
                        staff,
                        reason_code: string("reason_code"),
                        suggestion: string("suggestion"),
                    },
                ))
                .await
        }
        "merge" => {
            intake
                .merge(with_tenant(
                    tenant,
                    MergeRequest {
                        case_id,
                        into: string("into"),
                        staff,
                    },
                ))
                .await
        }
        _ => {
            intake
                .withdraw(with_tenant(tenant, WithdrawRequest { case_id, staff }))
                .await
        }
    };
    let reply = reply.map_err(|s| ApiError::from_status(s, "intake"))?.into_inner();
    Ok(GateActionReply {
        id: reply.case_id,
        case_number: reply.case_number,
        status: reply.status,
        rejection_reason: text(reply.rejection_reason),
        merged_into: text(reply.merged_into),
        deadlines: reply.deadlines.into_iter().map(deadline_view).collect(),
        version: other_versions + reply.version,
    })
}

/// Which column of the file gives which field of a case. Columns are CSV headers or JSON keys,
/// matched ignoring case, spaces, `_` and `-`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportMappingBody {
    /// The channel's column (required).
    #[schema(min_length = 1, max_length = 200)]
    pub channel: String,
    /// A value of the channel's column → a channel (`web`, `phone`, `letter`, …); without it the
    /// column holds channel names. A value not listed refuses its row.
    #[serde(default)]
    pub channel_values: BTreeMap<String, String>,
    /// The column of when each complaint was received (required).
    #[schema(min_length = 1, max_length = 200)]
    pub received_at: String,
    /// A chrono format such as `%d-%m-%Y` or `%Y-%m-%d %H:%M`; RFC 3339 when absent. A date
    /// alone is midnight in Beijing.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub date_format: Option<String>,
    /// Columns for the narrative: the first non-empty one is taken (at least one column).
    #[schema(min_items = 1, max_items = 10)]
    pub narrative: Vec<String>,
    /// Columns for the reported category, the non-empty ones joined with " / ".
    #[serde(default)]
    #[schema(max_items = 10)]
    pub category: Vec<String>,
    /// The column of the unit (at most 64 characters per value).
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// The column of the reference in the old system; with it, importing a row again answers
    /// the same case.
    #[serde(default)]
    pub external_ref: Option<String>,
    /// One source for every row (`regulator`, `hotline_12315`, …).
    #[serde(default)]
    pub source: Option<String>,
    /// One kind for every row (`complaint` by default).
    #[serde(default)]
    pub kind: Option<String>,
    /// The column of the outcome in the old system.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Outcome values meaning the case closed there: such rows are imported `closed`.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub closed_values: Vec<String>,
    /// The column of the product; a value that is not a directory id (`a-z 0-9 - _`, at most
    /// 64) needs an entry in `product_values`, else its row is refused.
    #[serde(default)]
    pub product: Option<String>,
    /// A value of the product's column → a product id.
    #[serde(default)]
    pub product_values: BTreeMap<String, String>,
    /// The column of the old system's "handled in time" flag (the CFPB's `Timely response?`);
    /// counted by the KPI `timeliness`.
    #[serde(default)]
    pub timely: Option<String>,
    /// Values of that column meaning "in time" (required with `timely`); any other non-empty
    /// value means late.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub timely_values: Vec<String>,
}

/// How the file is laid out.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// Comma-separated with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Historical complaints to import.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    pub format: ImportFormat,
    /// The file's text.
    #[schema(min_length = 1)]
    pub content: String,
    pub mapping: ImportMappingBody,
}

/// A row imported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportedRowView {
    /// The data row's number (1 is the first row after a CSV header, or the first line).
    pub row: u64,
    pub case_id: String,
    pub case_number: String,
    pub channel: String,
    /// `closed` (its outcome closed it) or `received` (waiting for the gate).
    pub status: String,
    /// Imported before under the same external reference: the same case.
    pub replayed: bool,
}

/// A row refused.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefusedRowView {
    pub row: u64,
    /// The field to blame, when one is.
    pub field: Option<String>,
    /// `field: rule: message`, or why the row could not be read.
    pub reason: String,
}

/// What the import did, row by row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: u64,
    /// Rows imported, by channel.
    pub by_channel: BTreeMap<String, u64>,
    pub imported: Vec<ImportedRowView>,
    pub refused: Vec<RefusedRowView>,
}

/// The most bytes an import request may have.
/// (gRPC carries at most 4 MiB a message; a larger file is split.)
pub const MAX_IMPORT_BYTES: usize = 3 * 1024 * 1024;

/// Imports historical complaints.
/// How long an import may take before the caller is told to try again (rows written by then
/// stay written; the same file again replays them by their `external_ref`).
const IMPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

#[utoipa::path(
    post,
    path = "/api/v1/imports",
    request_body = ImportBody,
    responses(
        (status = 200, description = "Every row imported or refused with its row number and reason", body = ImportReport),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff or the administrator", body = crate::api::error::ErrorBody),
        (status = 413, description = "Larger than 3 MiB: split the file", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "The mapping or the file as a whole breaks a rule (e.g. `mapping.channel` names no column of the file); the field and the rule are named", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn import(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::Json<ImportReport>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    check_caller(&caller)?;
    let body = body.map_err(|rejection| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("an import takes at most {MAX_IMPORT_BYTES} bytes; split the file ({rejection})"),
        )
        .with_field("content")
    })?;
    let (body, _): (ImportBody, _) = super::body::json(&headers, &body)?;
    let mapping = body.mapping;
    let request = ImportRequest {
        format: match body.format {
            ImportFormat::Csv => "csv",
            ImportFormat::Jsonl => "jsonl",
        }
        .to_owned(),
        content: body.content,
        mapping: Some(ImportMapping {
            channel: mapping.channel,
            channel_values: mapping.channel_values.into_iter().collect(),
            received_at: mapping.received_at,
            date_format: mapping.date_format.unwrap_or_default(),
            narrative: mapping.narrative,
            category: mapping.category,
            unit: mapping.unit.unwrap_or_default(),
            subject: mapping.subject.unwrap_or_default(),
            external_ref: mapping.external_ref.unwrap_or_default(),
            source: mapping.source.unwrap_or_default(),
            kind: mapping.kind.unwrap_or_default(),
            outcome: mapping.outcome.unwrap_or_default(),
            closed_values: mapping.closed_values,
            product: mapping.product.unwrap_or_default(),
            product_values: mapping.product_values.into_iter().collect(),
            timely: mapping.timely.unwrap_or_default(),
            timely_values: mapping.timely_values,
        }),
        imported_by: caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone()),
    };
    // An import writes up to its whole file before it answers: not the ten seconds of a question.
    let mut request = with_tenant(&caller.tenant, request);
    request.set_timeout(IMPORT_TIMEOUT);
    let reply = state
        .peers
        .intake
        .clone()
        .import(request)
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    let mut by_channel = BTreeMap::new();
    for row in &reply.imported {
        *by_channel.entry(row.channel.clone()).or_insert(0) += 1;
    }
    Ok(axum::Json(ImportReport {
        rows: reply.rows,
        by_channel,
        imported: reply
            .imported
            .into_iter()
            .map(|row| ImportedRowView {
                row: row.row,
                case_id: row.case_id,
                case_number: row.case_number,
                channel: row.channel,
                status: row.status,
                replayed: row.replayed,
            })
            .collect(),
        refused: reply
            .refused
            .into_iter()
            .map(|row| RefusedRowView {
                row: row.row,
                field: text(row.field),
                reason: row.reason,
            })
            .collect(),
    }))
}
