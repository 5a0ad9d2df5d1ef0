//! A complaint with files (decision 0008): `POST /api/v1/complaints` as `multipart/form-data` —
//! a part `complaint` (the JSON body) and parts `attachments` (files) — streamed to intake's
//! `RegisterWithAttachments` (a gRPC message carries at most 4 MiB); and the staff's view of a
//! case's attachments (`GET /api/v1/cases/{id}/attachments[/{attachment_id}]`).

use axum::extract::{FromRequest, Multipart, Path, Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use rpc::intake::v1::register_part::Part;
use rpc::intake::v1::{
    AttachmentFacts, AttachmentHeader, ListAttachmentsRequest, ReadAttachmentRequest, RegisterPart, RegisterReply,
    RegisterRequest,
};
use runtime::grpc::with_tenant;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiError, auth};
use crate::app::State;

/// The most an upload may carry, all parts together; intake's own limits are lower.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The chunks a file travels to intake in.
const CHUNK_BYTES: usize = 1024 * 1024;

/// The form of a complaint with files (`multipart/form-data`).
#[derive(Debug, Clone, ToSchema)]
#[allow(dead_code)] // Documents the form for the OpenAPI document; the parts are read one by one.
pub struct ComplaintUpload {
    /// The complaint, as the JSON body would be.
    pub complaint: super::complaints::ComplaintRequest,
    /// The files (their `Content-Type` and file name as sent): by default at most 5, 10 MiB
    /// each, 25 MiB together, of JPEG, PNG, GIF, WebP, PDF, plain text, MP3, M4A, AMR, MP4 or
    /// Word, their bytes matching their type.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub attachments: Vec<Vec<u8>>,
}

/// A file kept with a case (its bytes encrypted in intake's object store).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the file as sent, hex.
    pub sha256: String,
    /// How it came (`web`, `app`, …).
    pub channel: String,
    #[schema(format = DateTime)]
    pub stored_at: String,
}

/// A file's bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct AttachmentBytes(pub Vec<u8>);

/// A case's attachments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentsReply {
    pub attachments: Vec<AttachmentView>,
}

/// The HTTP form of an attachment's facts.
pub fn attachment_view(facts: AttachmentFacts) -> AttachmentView {
    AttachmentView {
        id: facts.attachment_id,
        file_name: facts.file_name,
        content_type: facts.content_type,
        size: facts.size,
        sha256: facts.sha256,
        channel: facts.channel,
        stored_at: facts.stored_at,
    }
}

/// A file as the form sent it.
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Whether the request is a form with files.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn too_large(field: &str) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("{field}: the upload may be at most {MAX_UPLOAD_BYTES} bytes"),
    )
    .with_field(field);
    error.details = serde_json::json!({"errors": [{"field": field, "rule": "max_upload_bytes",
        "message": format!("at most {MAX_UPLOAD_BYTES} bytes")}]});
    error
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large("attachments")
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_multipart",
            format!("the form could not be read: {}", error.body_text()),
        )
        .with_field("body")
    }
}

/// Reads the form: the complaint's JSON text and the files, in order.
pub async fn read(request: Request, state: &State) -> Result<(String, Vec<Upload>), ApiError> {
    let mut form = Multipart::from_request(request, state).await.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_multipart", rejection.body_text()).with_field("Content-Type")
    })?;
    let mut complaint = None;
    let mut files = Vec::new();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "complaint" if complaint.is_none() => {
                complaint = Some(field.text().await.map_err(multipart_error)?);
            }
            "attachments" => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
                files.push(Upload {
                    file_name,
                    content_type,
                    bytes,
                });
            }
            other => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    format!("{other}: the form has the parts `complaint` (once) and `attachments`"),
                )
                .with_field(if other.is_empty() { "body" } else { other }));
            }
        }
    }
    let complaint = complaint.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "complaint: the form needs a part `complaint` with the complaint as JSON",
        )
        .with_field("complaint")
    })?;
    Ok((complaint, files))
}

/// The files' SHA-256s in order, for the idempotency key's body digest.
pub fn digests(files: &[Upload]) -> Vec<String> {
    use sha2::{Digest, Sha256};
    files.iter().map(|f| hex::encode(Sha256::digest(&f.bytes))).collect()
}

/// An intake refusal as HTTP: a size limit is 413, the other rules 422.
fn refusal(status: tonic::Status) -> ApiError {
    let wire = status
        .metadata()
        .get(runtime::grpc::ERROR_CODE_METADATA)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut error = ApiError::from_status(status, "intake");
    if ["max_file_bytes", "max_total_bytes", "max_files"].contains(&wire.as_str())
        && error.status == StatusCode::UNPROCESSABLE_ENTITY
    {
        error.status = StatusCode::PAYLOAD_TOO_LARGE;
        error.code = "payload_too_large".into();
    }
    error
}

/// Registers with the files, streamed to intake.
pub async fn register(
    state: &State,
    tenant: &str,
    register: RegisterRequest,
    files: Vec<Upload>,
) -> Result<RegisterReply, ApiError> {
    let mut parts = vec![RegisterPart {
        part: Some(Part::Request(register)),
    }];
    for file in files {
        parts.push(RegisterPart {
            part: Some(Part::Attachment(AttachmentHeader {
                file_name: file.file_name,
                content_type: file.content_type,
            })),
        });
        parts.extend(file.bytes.chunks(CHUNK_BYTES).map(|chunk| RegisterPart {
            part: Some(Part::Chunk(chunk.to_vec())),
        }));
    }
    let mut request = with_tenant(tenant, futures::stream::iter(parts));
    request.set_timeout(std::time::Duration::from_secs(60));
    Ok(state
        .peers
        .intake
        .clone()
        .register_with_attachments(request)
        .await
        .map_err(refusal)?
        .into_inner())
}

fn staff_only(caller: &crate::identity::Caller) -> Result<(), ApiError> {
    if caller.is_admin() || caller.role == "staff" {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "a case's files are for staff and the administrator",
    ))
}

fn case_id(id: &str) -> Result<(), ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such case").with_field("id"))
}

/// A case's attachments.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/attachments",
    params(("id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "The files kept with the case", body = AttachmentsReply),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff or the administrator", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<AttachmentsReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    case_id(&id)?;
    let reply = state
        .peers
        .intake
        .clone()
        .list_attachments(with_tenant(&caller.tenant, ListAttachmentsRequest { case_id: id }))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(axum::Json(AttachmentsReply {
        attachments: reply.attachments.into_iter().map(attachment_view).collect(),
    }))
}

/// One attachment's bytes, checked against their SHA-256 (also in the `ETag`); every read is
/// audited by intake.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/attachments/{attachment_id}",
    params(
        ("id" = String, Path, description = "The case id"),
        ("attachment_id" = String, Path, description = "The attachment id"),
    ),
    responses(
        (status = 200, description = "The file as it was sent, in the content type it was registered with; the ETag is its SHA-256", content_type = "*/*", body = AttachmentBytes),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff or the administrator", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case or attachment", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn download(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    case_id(&id)?;
    let reader = caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone());
    let mut stream = state
        .peers
        .intake
        .clone()
        .read_attachment(with_tenant(
            &caller.tenant,
            ReadAttachmentRequest {
                case_id: id,
                attachment_id,
                reader,
            },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    let mut facts = None;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|s| ApiError::from_status(s, "intake"))?;
        if facts.is_none() {
            facts = chunk.facts;
        }
        bytes.extend_from_slice(&chunk.data);
    }
    let facts = facts.ok_or_else(|| ApiError::unavailable("intake"))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let value = |text: &str| {
        HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(header::CONTENT_TYPE, value(&facts.content_type));
    headers.insert(header::ETAG, value(&format!("\"{}\"", facts.sha256)));
    let encoded: String = facts
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(&format!("attachment; filename*=UTF-8''{encoded}")),
    );
    Ok(response)
}
