//! `GET /api/v1/inbox`: a member of staff's in-app inbox (decision 0005) — the deadline warnings
//! and breaches, and other staff notices, addressed to them, newest first.

use axum::extract::{Query, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use rpc::notification::v1::InboxRequest;
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, auth};
use crate::app::State;

/// Whose inbox, and how much of it.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// The member of staff; only the administrator names someone. A staff credential reads its own.
    pub staff: Option<String>,
    /// At most this many notices, 1–200 (50 when absent).
    pub limit: Option<u32>,
}

/// A notice in the inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxItem {
    pub notice_id: String,
    pub case_id: String,
    /// `deadline_warning`, `deadline_breach`, `dispatch`, …
    pub kind: String,
    pub subject: String,
    pub body: String,
    #[schema(format = DateTime)]
    pub recorded_at: String,
    /// `zh-CN` or `en`.
    pub language: String,
}

/// The inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxReply {
    pub staff: String,
    /// Newest first.
    pub notices: Vec<InboxItem>,
}

/// A member of staff's inbox.
#[utoipa::path(
    get,
    path = "/api/v1/inbox",
    params(InboxQuery),
    responses(
        (status = 200, description = "The notices addressed to the member of staff, newest first", body = InboxReply),
        (status = 400, description = "A query parameter is malformed", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff's credential, or someone else's inbox", body = crate::api::error::ErrorBody),
        (status = 422, description = "`limit` is out of range", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn inbox(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<InboxReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
    })?;
    let staff = match (&caller.staff, caller.is_admin(), query.staff) {
        (Some(own), false, None) => own.clone(),
        (Some(own), false, Some(named)) if &named == own => named,
        (_, true, Some(named)) if !named.is_empty() && named.len() <= 64 => named,
        _ => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "an inbox is read with its own staff credential (or by the administrator naming the member of staff)",
            ));
        }
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "limit: from 1 to 200",
        )
        .with_field("limit"));
    }
    let reply = state
        .peers
        .notification
        .clone()
        .inbox(with_tenant(
            &caller.tenant,
            InboxRequest {
                staff: staff.clone(),
                limit,
            },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok(axum::Json(InboxReply {
        staff,
        notices: reply
            .notices
            .into_iter()
            .map(|n| InboxItem {
                notice_id: n.notice_id,
                case_id: n.case_id,
                kind: n.notice_kind,
                subject: n.subject,
                body: n.body,
                recorded_at: n.recorded_at,
                language: n.language,
            })
            .collect(),
    }))
}
