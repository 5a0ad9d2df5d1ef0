//! Reading a JSON request body: 415 when it is not JSON, 400 when it does not parse, 422 naming
//! the field when it does not fit the request type.

use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::ApiError;

/// The body as `T`, with the JSON value it came from (for digests of the body as sent).
pub fn json<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<(T, serde_json::Value), ApiError> {
    require_json(headers)?;
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the body must be a JSON object",
        )
        .with_field("body"));
    }
    let parsed: T = serde_path_to_error::deserialize(value.clone()).map_err(|error| {
        let field = field_of(&error.path().to_string(), &error.inner().to_string());
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field}: {}", error.inner()),
        )
        .with_field(field)
    })?;
    Ok((parsed, value))
}

fn field_of(path: &str, message: &str) -> String {
    let parent = if path == "." { String::new() } else { format!("{path}.") };
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((name, _)) = rest.split_once('`')
        {
            return format!("{parent}{name}");
        }
    }
    if path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

/// 415 unless the request says it is `application/json`.
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json",
        )
        .with_field("Content-Type"));
    }
    Ok(())
}
