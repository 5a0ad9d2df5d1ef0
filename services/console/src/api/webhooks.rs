//! Webhooks outside systems call (decision 0009): the telephony platform's calls
//! (`POST /api/v1/webhooks/{tenant}/phone`, HMAC-signed) and the pushes of WeChat's server to an
//! official account (`GET`/`POST /api/v1/webhooks/{tenant}/wechat`, SHA-1-signed query). No
//! bearer credential: the signature authenticates, and intake, which holds the secrets, checks
//! it on the raw body before reading anything.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rpc::intake::v1::{PhoneCallRequest, WechatPushRequest, WechatVerifyRequest};
use runtime::grpc::with_tenant;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiError;
use crate::app::State;

/// A call as the telephony platform reports it (fields it adds are ignored). Signed:
/// `X-Redress-Signature: sha256=<hex HMAC-SHA256(secret, X-Redress-Timestamp + "." + body)>`.
#[derive(Debug, Clone, ToSchema)]
#[allow(dead_code)]
pub struct CallWebhookBody {
    /// The platform's call reference.
    #[schema(min_length = 1, max_length = 128)]
    pub call_id: String,
    /// The caller's number.
    pub caller: String,
    /// The number called (the hotline).
    pub called: Option<String>,
    /// When the call began; now when absent.
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
}

/// The draft a call opened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftOpened {
    pub draft_id: String,
    /// `open` until an agent completes it.
    pub status: String,
}

fn tenant_of(tenant: &str) -> Result<String, ApiError> {
    domain::Tenant::parse(tenant)
        .map(|t| t.to_string())
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such tenant").with_field("tenant"))
}

fn header_text(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A call from the telephony platform: opens a draft from the caller number and the call
/// reference, which an agent completes into a case.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{tenant}/phone",
    request_body = CallWebhookBody,
    params(
        ("tenant" = String, Path, description = "The tenant whose hotline it is"),
        ("X-Redress-Timestamp" = String, Header, description = "Unix seconds; within five minutes of now"),
        ("X-Redress-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256 of timestamp + \".\" + body with the shared secret>"),
    ),
    responses(
        (status = 201, description = "A draft opened", body = DraftOpened),
        (status = 200, description = "The call's draft, opened before", body = DraftOpened),
        (status = 401, description = "The signature or timestamp does not check out (`invalid_signature`)", body = crate::api::error::ErrorBody),
        (status = 404, description = "No telephony webhook for this tenant", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "Not the expected call (field and rule named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(())
)]
pub async fn phone(
    Extract(state): Extract<State>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let tenant = tenant_of(&tenant)?;
    super::body::require_json(&headers)?;
    let request = PhoneCallRequest {
        body: body.to_vec(),
        timestamp: header_text(&headers, "x-redress-timestamp"),
        signature: header_text(&headers, "x-redress-signature"),
    };
    let reply = state
        .peers
        .intake
        .clone()
        .phone_call(with_tenant(&tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    let status = if reply.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let opened = DraftOpened {
        draft_id: reply.draft_id,
        status: reply.status,
    };
    Ok((status, axum::Json(opened)).into_response())
}

fn signed(query: &HashMap<String, String>) -> (String, String, String) {
    let field = |name: &str| query.get(name).cloned().unwrap_or_default();
    (field("signature"), field("timestamp"), field("nonce"))
}

fn text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// WeChat's server configuration check: answers `echostr` when the query is signed with the
/// account's token.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{tenant}/wechat",
    params(
        ("tenant" = String, Path, description = "The tenant whose official account it is"),
        ("signature" = String, Query, description = "hex SHA-1 of the sorted token, timestamp and nonce"),
        ("timestamp" = String, Query, description = "Unix seconds"),
        ("nonce" = String, Query, description = "A random number"),
        ("echostr" = String, Query, description = "Echoed back when the signature checks out"),
    ),
    responses(
        (status = 200, description = "The echo", body = String, content_type = "text/plain"),
        (status = 401, description = "The signature does not check out (`invalid_signature`)", body = crate::api::error::ErrorBody),
        (status = 404, description = "No official account for this tenant", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(())
)]
pub async fn wechat_verify(
    Extract(state): Extract<State>,
    Path(tenant): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let tenant = tenant_of(&tenant)?;
    let (signature, timestamp, nonce) = signed(&query);
    let request = WechatVerifyRequest {
        signature,
        timestamp,
        nonce,
        echostr: query.get("echostr").cloned().unwrap_or_default(),
    };
    let reply = state
        .peers
        .intake
        .clone()
        .wechat_verify(with_tenant(&tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(text(StatusCode::OK, reply.echostr))
}

/// A message WeChat's server pushes (plaintext mode, XML per WeChat's format): it opens a case or
/// joins its sender's open case; the answer `success` tells WeChat to send nothing to the user.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{tenant}/wechat",
    request_body(content = String, content_type = "text/xml", description = "The message XML: ToUserName, FromUserName, CreateTime, MsgType, Content, MsgId …"),
    params(
        ("tenant" = String, Path, description = "The tenant whose official account it is"),
        ("signature" = String, Query, description = "hex SHA-1 of the sorted token, timestamp and nonce"),
        ("timestamp" = String, Query, description = "Unix seconds; within five minutes of now"),
        ("nonce" = String, Query, description = "A random number"),
        ("openid" = Option<String>, Query, description = "The sender, as WeChat adds it"),
    ),
    responses(
        (status = 200, description = "Taken (`success`)", body = String, content_type = "text/plain"),
        (status = 401, description = "The signature or timestamp does not check out (`invalid_signature`)", body = crate::api::error::ErrorBody),
        (status = 404, description = "No official account for this tenant", body = crate::api::error::ErrorBody),
        (status = 422, description = "Not WeChat's XML (field and rule named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(())
)]
pub async fn wechat_push(
    Extract(state): Extract<State>,
    Path(tenant): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let tenant = tenant_of(&tenant)?;
    let (signature, timestamp, nonce) = signed(&query);
    let request = WechatPushRequest {
        signature,
        timestamp,
        nonce,
        body: body.to_vec(),
    };
    state
        .peers
        .intake
        .clone()
        .wechat_push(with_tenant(&tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?;
    Ok(text(StatusCode::OK, "success".to_owned()))
}
