//! gRPC plumbing shared by every service.

use std::net::SocketAddr;

use domain::{ErrorCode, Tenant};
use rpc::timeline::v1::{CaseHistoryReply, HistoryEntry as WireEntry};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Status};

/// The metadata key that carries the tenant.
pub const TENANT_METADATA: &str = "x-redress-tenant";
/// The metadata key that carries a stable error code on failures.
pub const ERROR_CODE_METADATA: &str = "x-redress-error-code";
/// The metadata key that names the offending field on failures.
pub const ERROR_FIELD_METADATA: &str = "x-redress-error-field";

/// The tenant of a call, from its metadata.
pub fn tenant_of<T>(request: &Request<T>) -> Result<Tenant, Status> {
    let value = request
        .metadata()
        .get(TENANT_METADATA)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Status::invalid_argument("x-redress-tenant metadata is required"))?;
    Tenant::parse(value).ok_or_else(|| Status::invalid_argument("x-redress-tenant is not a valid tenant"))
}

/// Sets the tenant on an outgoing call.
pub fn with_tenant<T>(tenant: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.set_timeout(std::time::Duration::from_secs(10));
    if let Ok(value) = tenant.parse() {
        request.metadata_mut().insert(TENANT_METADATA, value);
    }
    request
}

/// A status for a domain error: the code and field ride in metadata; `Internal` never
/// carries the inner message.
pub fn status(code: ErrorCode, wire_code: &str, message: &str, field: Option<&str>) -> Status {
    let grpc_code = match code {
        ErrorCode::NotFound => tonic::Code::NotFound,
        ErrorCode::Invalid => tonic::Code::InvalidArgument,
        ErrorCode::Conflict => tonic::Code::FailedPrecondition,
        ErrorCode::Unavailable => tonic::Code::Unavailable,
        ErrorCode::Deadline => tonic::Code::DeadlineExceeded,
        ErrorCode::Internal => tonic::Code::Internal,
    };
    let message = if code == ErrorCode::Internal {
        "internal error"
    } else {
        message
    };
    let mut status = Status::new(grpc_code, message);
    if let Ok(value) = wire_code.parse() {
        status.metadata_mut().insert(ERROR_CODE_METADATA, value);
    }
    if let Some(field) = field
        && let Ok(value) = field.parse()
    {
        status.metadata_mut().insert(ERROR_FIELD_METADATA, value);
    }
    status
}

/// An invalid argument: `validation_failed` naming the field, with `details` listing the field,
/// the rule and the message (the console answers 422 with them).
pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Status {
    let message = message.into();
    let mut status = status(ErrorCode::Invalid, "validation_failed", &message, Some(field));
    let details = serde_json::json!([{"field": field, "rule": rule, "message": message}]);
    if let Ok(value) = ascii_json(&details).parse() {
        status.metadata_mut().insert("x-redress-error-details", value);
    }
    status
}

/// JSON text in ASCII only (characters beyond it as `\uXXXX` escapes), as gRPC metadata
/// values must be: a message may name `·` or a Chinese label.
pub fn ascii_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    ascii
}

/// A refusal in the current state (`FAILED_PRECONDITION` under a stable code, e.g.
/// `invalid_transition`), with optional `details` (JSON in metadata, ASCII only).
pub fn conflict(code: &str, message: impl Into<String>, details: Option<serde_json::Value>) -> Status {
    let mut status = status(ErrorCode::Conflict, code, &message.into(), None);
    if let Some(details) = details
        && let Ok(value) = ascii_json(&details).parse()
    {
        status.metadata_mut().insert("x-redress-error-details", value);
    }
    status
}

/// An internal failure, logged with its cause and answered without it.
pub fn internal(error: impl std::fmt::Display) -> Status {
    tracing::error!(%error, "internal error");
    status(ErrorCode::Internal, "internal", "internal error", None)
}

/// The `CaseHistory` reply of a service from its stored entries.
pub fn history_reply(service: &str, entries: Vec<store::HistoryEntry>) -> CaseHistoryReply {
    CaseHistoryReply {
        known: !entries.is_empty(),
        entries: entries
            .into_iter()
            .map(|entry| WireEntry {
                at: entry.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                service: service.to_owned(),
                action: entry.action,
                actor: entry.actor,
                detail_json: entry.detail_json,
            })
            .collect(),
    }
}

/// Binds a listener; port 0 picks a free one (ask the returned address).
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves `router` with the standard health service on `listener` until `shutdown`.
/// `service_name` is reported SERVING by the health service.
pub async fn serve(
    listener: TcpListener,
    service_name: &'static str,
    router: impl FnOnce(tonic::transport::server::Router) -> tonic::transport::server::Router,
    shutdown: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    let (reporter, health_service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status(service_name, tonic_health::ServingStatus::Serving)
        .await;
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    let base = tonic::transport::Server::builder().add_service(health_service);
    router(base)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown.cancelled_owned())
        .await
}

/// A case id from a request field.
pub fn case_id(text: &str) -> Result<uuid::Uuid, Status> {
    uuid::Uuid::parse_str(text)
        .map_err(|_| status(ErrorCode::Invalid, "format", "case_id must be a UUID", Some("case_id")))
}

/// The `CaseHistory` call every service answers from its own `history` table.
pub async fn case_history(
    db: &store::Db,
    service: &str,
    request: Request<rpc::timeline::v1::CaseHistoryRequest>,
) -> Result<tonic::Response<CaseHistoryReply>, Status> {
    let tenant = tenant_of(&request)?;
    let id = case_id(&request.get_ref().case_id)?;
    let entries = store::messaging::history_for_case(db, tenant.as_str(), id)
        .await
        .map_err(internal)?;
    Ok(tonic::Response::new(history_reply(service, entries)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_details_travel_in_ascii_and_read_back_the_same() {
        let details = serde_json::json!([{"field": "complainant.name", "message": "名字 may contain \"·\" 😀"}]);
        let text = ascii_json(&details);
        assert!(text.is_ascii(), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).expect("json"), details);
        let status = invalid("complainant.name", "characters", "may contain \"·\"");
        let value = status
            .metadata()
            .get("x-redress-error-details")
            .and_then(|v| v.to_str().ok())
            .expect("details");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(value).expect("json")[0]["rule"],
            "characters"
        );
    }
}
