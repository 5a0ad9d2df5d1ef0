//! The tenant's notice templates (decision 0005): `GET` and `PUT /api/v1/notification/templates`
//! (the administrator publishes a new version of the overrides, checked whole and audited) and
//! `POST /api/v1/notification/templates/preview` (renders one against sample or given data).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use rpc::notification::v1::{GetTemplatesRequest, PreviewTemplateRequest, PublishTemplatesRequest, TemplatesView};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, auth};
use crate::app::State;

/// The overrides to publish.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatesBody {
    /// Key (`<kind>.<channel>.<zh-CN|en>`, e.g. `acknowledgement.email.zh-CN`) → minijinja source.
    /// Keys left out keep the product's shipped template.
    pub templates: BTreeMap<String, String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The tenant's templates as published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplatesReply {
    /// 0 while the tenant uses the shipped templates.
    pub version: u32,
    /// The tenant's overrides.
    pub templates: BTreeMap<String, String>,
    pub published_at: Option<String>,
    pub published_by: Option<String>,
    pub note: Option<String>,
    /// Every key the product offers.
    pub keys: Vec<String>,
}

/// What to preview.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    /// `<kind>.<channel>.<zh-CN|en>`.
    pub key: String,
    /// The source to try; the tenant's current template when absent.
    #[serde(default)]
    pub source: Option<String>,
    /// The kind's variables; its sample when absent.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
}

/// A rendered preview; nothing is recorded or sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewReply {
    pub subject: String,
    pub body: String,
    /// For an SMS: the provider's template id, its parameters and the segments it takes.
    pub sms_template_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub sms_params: Option<serde_json::Value>,
    pub sms_segments: Option<u32>,
    /// The context it was rendered with.
    #[schema(value_type = Object)]
    pub context: serde_json::Value,
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

fn reply(view: TemplatesView) -> TemplatesReply {
    TemplatesReply {
        version: view.version,
        templates: serde_json::from_str(&view.overrides_json).unwrap_or_default(),
        published_at: text(view.published_at),
        published_by: text(view.published_by),
        note: text(view.note),
        keys: view.keys,
    }
}

/// The tenant's templates.
#[utoipa::path(
    get,
    path = "/api/v1/notification/templates",
    responses(
        (status = 200, description = "The overrides published, and every key offered", body = TemplatesReply),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_templates(
    Extract(state): Extract<State>,
    headers: HeaderMap,
) -> Result<axum::Json<TemplatesReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let view = state
        .peers
        .notification
        .clone()
        .get_templates(with_tenant(&caller.tenant, GetTemplatesRequest {}))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok(axum::Json(reply(view)))
}

/// Publishes the tenant's template overrides as a new version.
#[utoipa::path(
    put,
    path = "/api/v1/notification/templates",
    request_body = TemplatesBody,
    responses(
        (status = 201, description = "Published as the next version", body = TemplatesReply),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Only the administrator publishes", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A template is unknown, not offered or does not check (`templates.<key>` named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_templates(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<TemplatesReply>), ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the administrator publishes templates",
        ));
    }
    let (body, _): (TemplatesBody, _) = super::body::json(&headers, &body)?;
    let request = PublishTemplatesRequest {
        overrides_json: serde_json::to_string(&body.templates).unwrap_or_else(|_| "{}".into()),
        published_by: caller.staff.clone().unwrap_or_else(|| "admin".into()),
        note: body.note.unwrap_or_default(),
    };
    let view = state
        .peers
        .notification
        .clone()
        .publish_templates(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok((StatusCode::CREATED, axum::Json(reply(view))))
}

/// Renders one template against sample or given data.
#[utoipa::path(
    post,
    path = "/api/v1/notification/templates/preview",
    request_body = PreviewBody,
    responses(
        (status = 200, description = "The rendering", body = PreviewReply),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "An unknown key, a template that does not render, or a context missing a variable (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn preview(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<PreviewReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let (body, _): (PreviewBody, _) = super::body::json(&headers, &body)?;
    let request = PreviewTemplateRequest {
        key: body.key,
        source: body.source.unwrap_or_default(),
        context_json: body.context.map(|c| c.to_string()).unwrap_or_default(),
    };
    let preview = state
        .peers
        .notification
        .clone()
        .preview_template(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner();
    Ok(axum::Json(PreviewReply {
        subject: preview.subject,
        body: preview.body,
        sms_template_id: text(preview.sms_template_id),
        sms_params: serde_json::from_str(&preview.sms_params_json).ok(),
        sms_segments: (preview.sms_segments > 0).then_some(preview.sms_segments),
        context: serde_json::from_str(&preview.context_json).unwrap_or_default(),
    }))
}
