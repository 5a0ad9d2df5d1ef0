//! The agents' call list and the approved-answer library (口径库), both kept by notification
//! (decision 0005):
//! - `GET /api/v1/call-list`: the callbacks to make, soonest due first (`state=done`: those done);
//! - `GET /api/v1/answers`: the library (approved answers unless `state` says otherwise);
//! - `POST /api/v1/answers`: propose an answer, or the next version of one;
//! - `POST /api/v1/answers/{id}/approve`, `/retire`: approve a version (someone other than its
//!   author), retire the approved one. Every change is audited in notification's log.

use axum::body::Bytes;
use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use rpc::notification::v1::{
    Answer, ApproveAnswerRequest, CallListRequest, ListAnswersRequest, ProposeAnswerRequest, RetireAnswerRequest,
};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, auth};
use crate::app::State;
use crate::identity::Caller;

/// Which calls.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallListQuery {
    /// `open` (the default) or `done`.
    pub state: Option<String>,
    /// At most this many, 1–500 (100 when absent).
    pub limit: Option<u32>,
}

/// A callback to make.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallItem {
    pub case_id: String,
    pub case_number: String,
    /// `callback` (the satisfaction callback after the result), or `undelivered` (a notice to the
    /// complainant bounced: reach them another way).
    pub purpose: String,
    /// The number to call, masked (`138****5678`); for an undelivered notice, the address it
    /// could not reach.
    pub recipient_masked: String,
    /// The complainant's language, `zh-CN` or `en`.
    pub language: String,
    /// `open` or `done`.
    pub state: String,
    /// Attempts that reached nobody.
    pub attempts: u32,
    #[schema(format = DateTime)]
    pub due_at: String,
    #[schema(format = DateTime)]
    pub opened_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// `satisfied`, `dissatisfied`, `contacted` (staff reached the complainant after a bounce) or
    /// `closed` once done.
    pub outcome: Option<String>,
}

/// The call list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallListReply {
    pub calls: Vec<CallItem>,
}

fn staff_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.staff.is_some() || caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a member of staff's credential (or the administrator's) is required",
        ))
    }
}

fn query_error(rejection: axum::extract::rejection::QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
}

/// The agents' call list.
#[utoipa::path(
    get,
    path = "/api/v1/call-list",
    params(CallListQuery),
    responses(
        (status = 200, description = "The callbacks to make, soonest due first (done: latest first)", body = CallListReply),
        (status = 400, description = "A query parameter is malformed", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff's credential", body = crate::api::error::ErrorBody),
        (status = 422, description = "`state` or `limit` is out of range", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn call_list(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<CallListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<CallListReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    let Query(query) = query.map_err(query_error)?;
    let wanted = query.state.unwrap_or_else(|| "open".into());
    if !matches!(wanted.as_str(), "open" | "done") {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "state: open or done",
        )
        .with_field("state"));
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "limit: from 1 to 500",
        )
        .with_field("limit"));
    }
    let reply = state
        .peers
        .notification
        .clone()
        .call_list(with_tenant(&caller.tenant, CallListRequest { state: wanted, limit }))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok(axum::Json(CallListReply {
        calls: reply
            .calls
            .into_iter()
            .map(|c| CallItem {
                case_id: c.case_id,
                case_number: c.case_number,
                purpose: c.purpose,
                recipient_masked: c.recipient_masked,
                language: c.language,
                state: c.state,
                attempts: c.attempts,
                due_at: c.due_at,
                opened_at: c.opened_at,
                updated_at: c.updated_at,
                outcome: (!c.outcome.is_empty()).then_some(c.outcome),
            })
            .collect(),
    }))
}

/// Which answers.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnswersQuery {
    /// `approved` (the default: what agents use), `proposed`, `superseded` or `retired`.
    pub state: Option<String>,
    /// Only those for this catalog category.
    pub category: Option<String>,
    /// Only those for this batch (a batch alert's `batch_id`).
    pub batch_id: Option<String>,
}

/// An answer's version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerView {
    pub answer_id: String,
    pub version: u32,
    pub topic: String,
    pub batch_id: Option<String>,
    pub category: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    /// `proposed`, `approved`, `superseded` or `retired`.
    pub state: String,
    pub proposed_by: String,
    #[schema(format = DateTime)]
    pub proposed_at: String,
    pub approved_by: Option<String>,
    #[schema(format = DateTime)]
    pub approved_at: Option<String>,
}

/// The library.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswersReply {
    pub answers: Vec<AnswerView>,
}

/// A proposal: a new answer, or with `answer_id` the next version of one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// The answer whose next version this is; absent for a new answer.
    #[serde(default)]
    pub answer_id: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub topic: String,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub batch_id: Option<String>,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub category: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub title_zh: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title_en: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub body_zh: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub body_en: String,
}

/// Which version to approve.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[schema(minimum = 1)]
    pub version: u32,
}

fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn view(answer: Answer) -> AnswerView {
    AnswerView {
        answer_id: answer.answer_id,
        version: answer.version,
        topic: answer.topic,
        batch_id: optional(answer.batch_id),
        category: optional(answer.category),
        title_zh: answer.title_zh,
        title_en: answer.title_en,
        body_zh: answer.body_zh,
        body_en: answer.body_en,
        state: answer.state,
        proposed_by: answer.proposed_by,
        proposed_at: answer.proposed_at,
        approved_by: optional(answer.approved_by),
        approved_at: optional(answer.approved_at),
    }
}

fn actor(caller: &Caller) -> String {
    caller.staff.clone().unwrap_or_else(|| "admin".into())
}

fn answer_id(id: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no answer has this id").with_field("id"))
}

/// The approved-answer library.
#[utoipa::path(
    get,
    path = "/api/v1/answers",
    params(AnswersQuery),
    responses(
        (status = 200, description = "The answers in the state asked for, newest first", body = AnswersReply),
        (status = 400, description = "A query parameter is malformed", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff's credential", body = crate::api::error::ErrorBody),
        (status = 422, description = "`state` is not one of the states", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<AnswersQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<AnswersReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    let Query(query) = query.map_err(query_error)?;
    let request = ListAnswersRequest {
        state: query.state.unwrap_or_default(),
        category: query.category.unwrap_or_default(),
        batch_id: query.batch_id.unwrap_or_default(),
    };
    let reply = state
        .peers
        .notification
        .clone()
        .list_answers(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok(axum::Json(AnswersReply {
        answers: reply.answers.into_iter().map(view).collect(),
    }))
}

/// Proposes an answer (or its next version); agents see it once someone else approves it.
#[utoipa::path(
    post,
    path = "/api/v1/answers",
    request_body = AnswerBody,
    responses(
        (status = 201, description = "Proposed", body = AnswerView),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff's credential", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A field breaks its rule (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn propose(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<AnswerView>), ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    let (body, _): (AnswerBody, _) = super::body::json(&headers, &body)?;
    let answer_id = match body.answer_id {
        Some(id) => uuid::Uuid::parse_str(&id).map(|u| u.to_string()).map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "answer_id: an answer's id",
            )
            .with_field("answer_id")
        })?,
        None => String::new(),
    };
    let request = ProposeAnswerRequest {
        answer_id,
        topic: body.topic,
        batch_id: body.batch_id.unwrap_or_default(),
        category: body.category.unwrap_or_default(),
        title_zh: body.title_zh,
        title_en: body.title_en,
        body_zh: body.body_zh,
        body_en: body.body_en,
        proposed_by: actor(&caller),
    };
    let answer = state
        .peers
        .notification
        .clone()
        .propose_answer(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok((StatusCode::CREATED, axum::Json(view(answer))))
}

/// Approves a proposed version; the version agents saw until now is superseded.
#[utoipa::path(
    post,
    path = "/api/v1/answers/{id}/approve",
    params(("id" = String, Path, description = "The answer's id")),
    request_body = ApproveBody,
    responses(
        (status = 200, description = "Approved", body = AnswerView),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff's credential", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such answer or version", body = crate::api::error::ErrorBody),
        (status = 409, description = "The version is not proposed (`invalid_state`, with `current_state`)", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "The approver proposed it, or the version is missing", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn approve(
    Extract(state): Extract<State>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<AnswerView>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    let answer_id = answer_id(&id)?;
    let (body, _): (ApproveBody, _) = super::body::json(&headers, &body)?;
    if body.version == 0 {
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "version: from 1")
                .with_field("version"),
        );
    }
    let request = ApproveAnswerRequest {
        answer_id,
        version: body.version,
        approved_by: actor(&caller),
    };
    let answer = state
        .peers
        .notification
        .clone()
        .approve_answer(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok(axum::Json(view(answer)))
}

/// Retires the approved version: agents no longer see the answer.
#[utoipa::path(
    post,
    path = "/api/v1/answers/{id}/retire",
    params(("id" = String, Path, description = "The answer's id")),
    responses(
        (status = 200, description = "Retired", body = AnswerView),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff's credential", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such answer", body = crate::api::error::ErrorBody),
        (status = 409, description = "No version of it is approved (`invalid_state`)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn retire(
    Extract(state): Extract<State>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<axum::Json<AnswerView>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    let request = RetireAnswerRequest {
        answer_id: answer_id(&id)?,
        retired_by: actor(&caller),
    };
    let answer = state
        .peers
        .notification
        .clone()
        .retire_answer(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok(axum::Json(view(answer)))
}
