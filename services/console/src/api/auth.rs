//! Who is calling: a bearer credential, or the public.

use axum::http::{HeaderMap, StatusCode, header};

use super::ApiError;
use crate::app::State;
use crate::identity::{self, Caller};

/// The caller of a request that may be public (`Ok(None)` without a credential).
pub async fn optional_caller(state: &State, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("Authorization must be `Bearer <token>`"))?;
    match identity::authenticate(&state.identity, token).await {
        Ok(Some(caller)) => Ok(Some(caller)),
        Ok(None) => Err(unauthorized("the credential is not valid")),
        Err(error) => {
            tracing::error!(%error, "identity store failed");
            Err(ApiError::unavailable("identity"))
        }
    }
}

/// The caller of a request that needs a credential.
pub async fn required_caller(state: &State, headers: &HeaderMap) -> Result<Caller, ApiError> {
    optional_caller(state, headers)
        .await?
        .ok_or_else(|| unauthorized("a bearer credential is required"))
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).with_field("Authorization")
}
