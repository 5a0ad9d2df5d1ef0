//! The one error shape: `{"error": {"code", "message", "field", "details"}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable snake-case code: `validation_failed`, `malformed_json`, `idempotency_key_reused`, `not_found`,
    /// `unauthorized`, `invalid_signature`, `rate_limited`, `unavailable`, `internal`, …
    pub code: String,
    pub message: String,
    /// The offending field (a JSON path or a header name), when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// More about the error, e.g. every broken rule.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// An error on its way to becoming a response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    pub details: serde_json::Value,
    pub retry_after_seconds: Option<u64>,
}

impl ApiError {
    /// An error without a field.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            field: None,
            details: serde_json::json!({}),
            retry_after_seconds: None,
        }
    }

    /// Names the field to blame.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// A 503 the caller may retry.
    pub fn unavailable(what: &str) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("{what} is unavailable; try again"),
        );
        error.retry_after_seconds = Some(1);
        error
    }

    /// A gRPC failure from a peer, as the HTTP caller should see it.
    pub fn from_status(status: tonic::Status, what: &str) -> Self {
        let metadata = |key: &str| {
            status
                .metadata()
                .get(key)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let field = metadata(runtime::grpc::ERROR_FIELD_METADATA);
        let wire_code = metadata(runtime::grpc::ERROR_CODE_METADATA);
        let details = metadata("x-redress-error-details")
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .map(|details| match details {
                serde_json::Value::Object(_) => details,
                errors => serde_json::json!({ "errors": errors }),
            })
            .unwrap_or_else(|| serde_json::json!({}));
        let (http, code) = match status.code() {
            tonic::Code::InvalidArgument => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".to_owned()),
            tonic::Code::NotFound => (StatusCode::NOT_FOUND, "not_found".to_owned()),
            tonic::Code::FailedPrecondition | tonic::Code::AlreadyExists => {
                let code = wire_code.unwrap_or_else(|| "conflict".to_owned());
                let http = match code.as_str() {
                    "idempotency_key_reused" => StatusCode::UNPROCESSABLE_ENTITY,
                    "version_mismatch" => StatusCode::PRECONDITION_FAILED,
                    _ => StatusCode::CONFLICT,
                };
                (http, code)
            }
            tonic::Code::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                wire_code.unwrap_or_else(|| "unauthorized".to_owned()),
            ),
            // A peer too slow to answer within the call's timeout (the client gives up with
            // `Cancelled`) is as unavailable as one that says so: 503 with `Retry-After`.
            tonic::Code::Unavailable
            | tonic::Code::DeadlineExceeded
            | tonic::Code::ResourceExhausted
            | tonic::Code::Cancelled => {
                return Self::unavailable(what);
            }
            _ => {
                tracing::error!(service = what, status = %status, "peer failed");
                return Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error");
            }
        };
        Self {
            status: http,
            code,
            message: status.message().to_owned(),
            field,
            details,
            retry_after_seconds: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
                details: self.details,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
