//! The web channel's gRPC calls (decision 0008), for [`crate::grpc::IntakeGrpc`] to delegate to:
//! convert, call the desk, convert back.

use std::pin::Pin;

use domain::ErrorCode;
use domain::vocabulary::Language;
use futures::Stream;
use rpc::intake::v1::register_part::Part;
use rpc::intake::v1::{
    AnswerQuestionRequest, AskQuestionRequest, AttachmentChunk, AttachmentFacts as FactsMessage, ListAttachmentsReply,
    ListAttachmentsRequest, ListQuestionsReply, ListQuestionsRequest, OpenStatusSessionRequest,
    Question as QuestionMessage, ReadAttachmentRequest, RegisterPart, RegisterReply, StartStatusCheckReply,
    StartStatusCheckRequest, StatusOfReply, StatusOfRequest, StatusSession,
};
use runtime::grpc::{ERROR_CODE_METADATA, ERROR_FIELD_METADATA, internal, status, tenant_of};
use tonic::{Request, Response, Status, Streaming};

use super::attachments::{AttachmentFacts, IncomingFile};
use super::status::{Error, Opening, Question};
use crate::register::{Desk, Registered};
use crate::store as sql;

/// The chunks an attachment is read back in.
const CHUNK_BYTES: usize = 1024 * 1024;

/// A stream of an attachment's chunks.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<AttachmentChunk, Status>> + Send>>;

fn with_code(mut status: Status, code: &str, field: Option<&str>) -> Status {
    if let Ok(value) = code.parse() {
        status.metadata_mut().insert(ERROR_CODE_METADATA, value);
    }
    if let Some(field) = field
        && let Ok(value) = field.parse()
    {
        status.metadata_mut().insert(ERROR_FIELD_METADATA, value);
    }
    status
}

/// A status-page error as gRPC: a wrong or expired code is `Unauthenticated`, a limit
/// `ResourceExhausted`, each with its wire code.
pub fn status_error(error: Error) -> Status {
    let message = error.to_string();
    match error {
        Error::Invalid { field, rule, message } => runtime::grpc::invalid(field, rule, message),
        Error::InvalidCode { field } => with_code(Status::unauthenticated(message), "invalid_code", Some(field)),
        Error::CodeExpired => with_code(Status::unauthenticated(message), "code_expired", Some("code")),
        Error::SessionExpired => with_code(
            Status::unauthenticated(message),
            "session_expired",
            Some("Authorization"),
        ),
        Error::TooManyAttempts => with_code(Status::resource_exhausted(message), "too_many_attempts", Some("code")),
        Error::TooManyCodes => with_code(
            Status::resource_exhausted(message),
            "too_many_codes",
            Some("case_number"),
        ),
        Error::NotFound => status(ErrorCode::NotFound, "not_found", "no such case", Some("id")),
        Error::Conflict { code, message } => runtime::grpc::conflict(code, message, None),
        Error::Send(reason) => {
            tracing::warn!(%reason, "a status code could not be sent");
            status(
                ErrorCode::Unavailable,
                "unavailable",
                "the code could not be sent; try again",
                None,
            )
        }
        other => internal(other),
    }
}

fn facts_message(facts: AttachmentFacts) -> FactsMessage {
    FactsMessage {
        attachment_id: facts.id,
        file_name: facts.file_name,
        content_type: facts.content_type,
        size: facts.size,
        sha256: facts.sha256,
        channel: facts.channel,
        stored_at: facts.stored_at,
    }
}

fn question_message(question: Question, for_staff: bool) -> QuestionMessage {
    QuestionMessage {
        n: question.n,
        asked_at: question.asked_at,
        text: question.text,
        answer: question.answer.unwrap_or_default(),
        answered_at: question.answered_at.unwrap_or_default(),
        asked_by: if for_staff { question.asked_by } else { String::new() },
    }
}

/// The reply of a registration.
pub fn register_reply(registered: Registered) -> RegisterReply {
    RegisterReply {
        case_id: registered.case_id,
        case_number: registered.case_number,
        status: registered.status.to_owned(),
        received_at: registered
            .received_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        replayed: registered.replayed,
        deadlines: registered
            .acknowledgement
            .into_iter()
            .chain(registered.source_deadline)
            .collect(),
        receipt_code: registered.receipt_code.unwrap_or_default(),
        attachments: registered.attachments.into_iter().map(facts_message).collect(),
        files: registered
            .files
            .into_iter()
            .map(|file| rpc::intake::v1::StoredFile {
                id: file.id,
                kind: file.kind.to_owned(),
                content_type: file.content_type,
                size: file.size,
                sha256: file.sha256,
            })
            .collect(),
    }
}

/// Reads a registration's parts — the request, then per file its header and chunks — holding
/// the limits as the bytes arrive, and registers it.
pub async fn register_with_attachments(
    desk: &Desk,
    request: Request<Streaming<RegisterPart>>,
    submission: impl FnOnce(rpc::intake::v1::RegisterRequest) -> crate::register::Submission,
    status_of: impl Fn(crate::register::Error) -> Status,
) -> Result<Response<RegisterReply>, Status> {
    let tenant = tenant_of(&request)?;
    let mut parts = request.into_inner();
    let first = parts
        .message()
        .await?
        .and_then(|part| part.part)
        .ok_or_else(|| runtime::grpc::invalid("body", "required", "the registration comes first"))?;
    let Part::Request(register) = first else {
        return Err(runtime::grpc::invalid(
            "body",
            "required",
            "the registration comes first",
        ));
    };
    let mut files: Vec<IncomingFile> = Vec::new();
    let mut total = 0u64;
    while let Some(part) = parts.message().await? {
        match part.part {
            Some(Part::Attachment(header)) => {
                let index = files.len();
                desk.web
                    .attachments
                    .check_size(index, 0, total)
                    .map_err(|e| status_of(crate::register::Error::Invalid(vec![e])))?;
                files.push(IncomingFile {
                    file_name: header.file_name,
                    content_type: header.content_type,
                    bytes: Vec::new(),
                });
            }
            Some(Part::Chunk(bytes)) => {
                let index = files.len().checked_sub(1).ok_or_else(|| {
                    runtime::grpc::invalid("attachments", "header_first", "a file's header comes before its bytes")
                })?;
                total += bytes.len() as u64;
                let file = &mut files[index];
                let size = (file.bytes.len() + bytes.len()) as u64;
                desk.web
                    .attachments
                    .check_size(index, size, total)
                    .map_err(|e| status_of(crate::register::Error::Invalid(vec![e])))?;
                file.bytes.extend_from_slice(&bytes);
            }
            Some(Part::Request(_)) | None => {
                return Err(runtime::grpc::invalid(
                    "body",
                    "one_request",
                    "one registration per call",
                ));
            }
        }
    }
    let registered = desk
        .register_with_files(&tenant, submission(register), files)
        .await
        .map_err(status_of)?;
    Ok(Response::new(register_reply(registered)))
}

/// A case's attachments (facts only).
pub async fn list_attachments(
    desk: &Desk,
    request: Request<ListAttachmentsRequest>,
) -> Result<Response<ListAttachmentsReply>, Status> {
    let tenant = tenant_of(&request)?;
    let case_id = request.into_inner().case_id;
    let rows = sql::web::attachments(desk.db.reader(), tenant.as_str(), &case_id)
        .await
        .map_err(internal)?;
    let attachments = rows
        .iter()
        .map(|row| desk.web.attachments.facts(&*desk.cipher, row).map(facts_message))
        .collect::<Result<_, _>>()
        .map_err(internal)?;
    Ok(Response::new(ListAttachmentsReply { attachments }))
}

/// An attachment's bytes, decrypted and checked, in chunks; the read is audited.
pub async fn read_attachment(
    desk: &Desk,
    request: Request<ReadAttachmentRequest>,
) -> Result<Response<ChunkStream>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    if request.reader.is_empty() {
        return Err(runtime::grpc::invalid("reader", "required", "reader names who reads"));
    }
    let row = sql::web::attachment_of(
        desk.db.reader(),
        tenant.as_str(),
        &request.case_id,
        &request.attachment_id,
    )
    .await
    .map_err(internal)?
    .ok_or_else(|| {
        status(
            ErrorCode::NotFound,
            "not_found",
            "no such attachment",
            Some("attachment_id"),
        )
    })?;
    let facts = desk.web.attachments.facts(&*desk.cipher, &row).map_err(internal)?;
    let bytes = desk.web.attachments.read(&*desk.cipher, &row).await.map_err(internal)?;
    let mut tx = desk.db.begin().await.map_err(internal)?;
    let detail = serde_json::json!({"attachment_id": row.id, "sha256": row.sha256}).to_string();
    store::audit::append(
        &mut tx,
        &store::audit::AuditEntry {
            tenant: tenant.as_str(),
            at: desk.clock.now(),
            actor: &request.reader,
            action: "attachment.read",
            subject: &row.case_id,
            detail_json: &detail,
        },
    )
    .await
    .map_err(internal)?;
    desk.db.commit(tx).await.map_err(internal)?;
    let mut chunks: Vec<Result<AttachmentChunk, Status>> = bytes
        .chunks(CHUNK_BYTES)
        .map(|data| {
            Ok(AttachmentChunk {
                facts: None,
                data: data.to_vec(),
            })
        })
        .collect();
    match chunks.first_mut() {
        Some(Ok(first)) => first.facts = Some(facts_message(facts)),
        _ => chunks.push(Ok(AttachmentChunk {
            facts: Some(facts_message(facts)),
            data: Vec::new(),
        })),
    }
    Ok(Response::new(Box::pin(futures::stream::iter(chunks))))
}

/// Sends a one-time code (when the case and the phone match).
pub async fn start_status_check(
    desk: &Desk,
    request: Request<StartStatusCheckRequest>,
) -> Result<Response<StartStatusCheckReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let language = Language::negotiate(&request.language);
    let (challenge_id, expires_at) = desk
        .start_status_check(&tenant, &request.case_number, &request.phone_last4, language)
        .await
        .map_err(status_error)?;
    Ok(Response::new(StartStatusCheckReply {
        challenge_id,
        expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }))
}

/// Opens a session with a receipt code or a one-time code.
pub async fn open_status_session(
    desk: &Desk,
    request: Request<OpenStatusSessionRequest>,
) -> Result<Response<StatusSession>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let opening = if !request.receipt_code.is_empty() {
        Opening::Receipt(request.receipt_code)
    } else if !request.challenge_id.is_empty() {
        Opening::Code {
            case_number: request.case_number,
            challenge_id: request.challenge_id,
            code: request.code,
        }
    } else {
        return Err(runtime::grpc::invalid(
            "receipt_code",
            "required",
            "give the receipt code, or the case number with the challenge and its code",
        ));
    };
    let (session, expires_at) = desk.open_status_session(&tenant, opening).await.map_err(status_error)?;
    Ok(Response::new(StatusSession {
        session,
        expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }))
}

/// The case a session opens.
pub async fn status_of(desk: &Desk, request: Request<StatusOfRequest>) -> Result<Response<StatusOfReply>, Status> {
    let tenant = tenant_of(&request)?;
    let opened = desk
        .status_of(&tenant, &request.into_inner().session)
        .await
        .map_err(status_error)?;
    Ok(Response::new(StatusOfReply {
        case_id: opened.case_id,
        case_number: opened.case_number,
        anonymous: opened.anonymous,
        questions: opened
            .questions
            .into_iter()
            .map(|q| question_message(q, false))
            .collect(),
    }))
}

/// The complainant's answer.
pub async fn answer_question(
    desk: &Desk,
    request: Request<AnswerQuestionRequest>,
) -> Result<Response<QuestionMessage>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let question = desk
        .answer_question(&tenant, &request.session, request.n, &request.text)
        .await
        .map_err(status_error)?;
    Ok(Response::new(question_message(question, false)))
}

/// A question from staff.
pub async fn ask_question(
    desk: &Desk,
    request: Request<AskQuestionRequest>,
) -> Result<Response<QuestionMessage>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    if request.staff.is_empty() {
        return Err(runtime::grpc::invalid("staff", "required", "staff names who asks"));
    }
    let question = desk
        .ask_question(&tenant, &request.case_id, &request.staff, &request.text)
        .await
        .map_err(status_error)?;
    Ok(Response::new(question_message(question, true)))
}

/// A case's questions, for staff.
pub async fn list_questions(
    desk: &Desk,
    request: Request<ListQuestionsRequest>,
) -> Result<Response<ListQuestionsReply>, Status> {
    let tenant = tenant_of(&request)?;
    let questions = desk
        .list_questions(&tenant, &request.into_inner().case_id)
        .await
        .map_err(status_error)?;
    Ok(Response::new(ListQuestionsReply {
        questions: questions.into_iter().map(|q| question_message(q, true)).collect(),
    }))
}
