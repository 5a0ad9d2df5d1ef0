//! The status page's API (decision 0008): the complainant opens their case with the case number,
//! the last four digits of their phone and a one-time code sent to it, or with the receipt code
//! of an anonymous submission; reads it in their language (only what is fit for the public); and
//! answers the questions staff asked. Staff ask and read them under the case.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::lifecycle::Action;
use domain::vocabulary::{DeadlineKind, Kind, Language, RejectionReason, Status};
use rpc::intake::v1::{
    AnswerQuestionRequest, AskQuestionRequest, ListQuestionsRequest, OpenStatusSessionRequest, Question,
    StartStatusCheckRequest, StatusOfRequest,
};
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, auth};
use crate::app::State;
use crate::identity::Caller;

/// The tenant of the public pages (`redress up`'s).
const TENANT: &str = "default";

/// Ask for a one-time code.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusCodeBody {
    /// The case number on the confirmation (`TS…`).
    #[schema(max_length = 64)]
    pub case_number: String,
    /// The last four digits of the phone given with the complaint.
    #[schema(pattern = "^[0-9]{4}$")]
    pub phone_last4: String,
}

/// A code was sent, if the case number and the phone match (the answer is the same when not).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCodeReply {
    /// Give it back with the code.
    pub challenge_id: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// Open the case: with the receipt code, or with the case number, the challenge and its code.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusSessionBody {
    /// An anonymous submission's receipt code (case, spaces and dashes do not matter).
    #[schema(max_length = 64)]
    pub receipt_code: Option<String>,
    #[schema(max_length = 64)]
    pub case_number: Option<String>,
    pub challenge_id: Option<String>,
    /// The six digits sent to the phone.
    #[schema(pattern = "^[0-9]{6}$")]
    pub code: Option<String>,
}

/// A session on the case: `Authorization: Bearer <session>` for the status and the answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusSessionReply {
    pub session: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// A deadline as the complainant sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicDeadline {
    /// `acknowledgement`, `first_contact`, `resolution`, `callback`.
    pub kind: String,
    pub label: String,
    #[schema(format = DateTime)]
    pub due_at: String,
    /// `open`, `met`, `breached`, `paused`.
    pub state: String,
}

/// A step of the case fit for the public: when and what, never who.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicStep {
    #[schema(format = DateTime)]
    pub at: String,
    /// `registered`, `accepted`, `rejected`, `dispatched`, `taken`, `first_contact`,
    /// `progress_update`, `extension`, `resolve`, `result_notice`, `callback`, `reopen`,
    /// `conclude`, `close`, `withdrawn`, `question_asked`, `question_answered`, `message_received`.
    pub step: String,
    pub label: String,
}

/// A question from the people handling the case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicQuestion {
    pub n: u32,
    #[schema(format = DateTime)]
    pub asked_at: String,
    pub question: String,
    pub answer: Option<String>,
    #[schema(format = DateTime)]
    pub answered_at: Option<String>,
}

/// The case as the complainant may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicStatusView {
    /// `zh-CN` or `en`, from `Accept-Language`.
    pub language: String,
    pub case_number: String,
    pub kind: String,
    pub kind_label: String,
    pub status: String,
    pub status_label: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub deadlines: Vec<PublicDeadline>,
    /// Oldest first.
    pub timeline: Vec<PublicStep>,
    pub questions: Vec<PublicQuestion>,
}

/// An answer, or a question.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    /// A question: 1–2,000 characters; an answer: 1–5,000.
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
    /// Who asks (a staff id); the credential's member of staff when absent. Only the
    /// administrator may name someone else. Not for answers.
    #[schema(max_length = 64)]
    pub staff: Option<String>,
}

/// A question as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionView {
    pub n: u32,
    #[schema(format = DateTime)]
    pub asked_at: String,
    pub asked_by: String,
    pub text: String,
    pub answer: Option<String>,
    #[schema(format = DateTime)]
    pub answered_at: Option<String>,
}

/// A case's questions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionsReply {
    pub questions: Vec<QuestionView>,
}

fn language(headers: &HeaderMap) -> Language {
    Language::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

/// An intake refusal on the status page: a wrong or expired code or session is 401, a limit 429
/// (with `Retry-After`), each with its code and field.
fn refusal(status: tonic::Status) -> ApiError {
    let metadata = |key: &str| {
        status
            .metadata()
            .get(key)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (code, field) = (
        metadata(runtime::grpc::ERROR_CODE_METADATA),
        metadata(runtime::grpc::ERROR_FIELD_METADATA),
    );
    let http = match status.code() {
        tonic::Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        tonic::Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        _ => return ApiError::from_status(status, "intake"),
    };
    let mut error = ApiError::new(
        http,
        code.as_deref().unwrap_or("unauthorized"),
        status.message().to_owned(),
    );
    error.field = field;
    if http == StatusCode::TOO_MANY_REQUESTS {
        error.retry_after_seconds = Some(60);
    }
    error
}

fn limited(state: &State, peer: SocketAddr) -> Result<(), ApiError> {
    state.status_limiter.check(peer.ip()).map_err(|wait| {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many attempts from this address; try again later",
        );
        error.retry_after_seconds = Some(wait.as_secs().max(1));
        error
    })
}

fn session_of(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "open the case first: Authorization: Bearer <session>",
            )
            .with_field("Authorization")
        })
}

/// Sends a one-time code to the phone of the case.
#[utoipa::path(
    post,
    path = "/api/v1/status/codes",
    request_body = StatusCodeBody,
    responses(
        (status = 202, description = "A code is on its way if the case number and the phone match (the answer is the same when they do not)", body = StatusCodeReply),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A field breaks a rule (the field and the rule are named)", body = crate::api::error::ErrorBody),
        (status = 429, description = "Too many codes for this case number (`too_many_codes`) or attempts from this address", body = crate::api::error::ErrorBody),
        (status = 503, description = "The code could not be sent; try again", body = crate::api::error::ErrorBody),
    ),
    security(())
)]
pub async fn request_code(
    Extract(state): Extract<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    limited(&state, peer)?;
    let (body, _): (StatusCodeBody, _) = super::body::json(&headers, &body)?;
    let reply = state
        .peers
        .intake
        .clone()
        .start_status_check(with_tenant(
            TENANT,
            StartStatusCheckRequest {
                case_number: body.case_number,
                phone_last4: body.phone_last4,
                language: language(&headers).tag().to_owned(),
            },
        ))
        .await
        .map_err(refusal)?
        .into_inner();
    let reply = StatusCodeReply {
        challenge_id: reply.challenge_id,
        expires_at: reply.expires_at,
    };
    Ok((StatusCode::ACCEPTED, axum::Json(reply)).into_response())
}

/// Opens the case with a receipt code or a one-time code.
#[utoipa::path(
    post,
    path = "/api/v1/status/sessions",
    request_body = StatusSessionBody,
    responses(
        (status = 201, description = "The session", body = StatusSessionReply),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "`invalid_code` (naming `receipt_code`, `code` or `case_number`) or `code_expired`", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "Neither a receipt code nor a code was given", body = crate::api::error::ErrorBody),
        (status = 429, description = "Too many wrong codes (`too_many_attempts`: ask for a new one) or attempts from this address", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(())
)]
pub async fn open_session(
    Extract(state): Extract<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    limited(&state, peer)?;
    let (body, _): (StatusSessionBody, _) = super::body::json(&headers, &body)?;
    let request = match (&body.receipt_code, &body.challenge_id) {
        (Some(receipt), _) => OpenStatusSessionRequest {
            receipt_code: receipt.clone(),
            ..Default::default()
        },
        (None, Some(challenge)) => {
            let missing = |field: &str| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    format!("{field}: required with challenge_id"),
                )
                .with_field(field)
            };
            OpenStatusSessionRequest {
                receipt_code: String::new(),
                case_number: body.case_number.clone().ok_or_else(|| missing("case_number"))?,
                challenge_id: challenge.clone(),
                code: body.code.clone().ok_or_else(|| missing("code"))?,
            }
        }
        (None, None) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "receipt_code: give the receipt code, or case_number, challenge_id and code",
            )
            .with_field("receipt_code"));
        }
    };
    let session = state
        .peers
        .intake
        .clone()
        .open_status_session(with_tenant(TENANT, request))
        .await
        .map_err(refusal)?
        .into_inner();
    let reply = StatusSessionReply {
        session: session.session,
        expires_at: session.expires_at,
    };
    Ok((StatusCode::CREATED, axum::Json(reply)).into_response())
}

/// A timeline entry's public step and its label, or `None` for what the public does not see.
fn public_step(
    service: &str,
    action: &str,
    detail: &serde_json::Value,
    language: Language,
) -> Option<(String, String)> {
    let zh = language == Language::ZhCn;
    let pick = |step: &str, zh_label: &str, en_label: &str| {
        Some((step.to_owned(), if zh { zh_label } else { en_label }.to_owned()))
    };
    match (service, action) {
        ("intake", "registered") => pick("registered", "已登记", "Registered"),
        ("intake", "accepted") => pick("accepted", "已受理", "Accepted"),
        ("intake", "rejected") => {
            let reason = detail["reason_code"]
                .as_str()
                .and_then(RejectionReason::parse)
                .map(|reason| reason.label(language));
            let (head, joint) = if zh {
                ("不予受理", "：")
            } else {
                ("Not accepted", ": ")
            };
            Some((
                "rejected".to_owned(),
                reason.map_or_else(|| head.to_owned(), |reason| format!("{head}{joint}{reason}")),
            ))
        }
        ("intake", "withdrawn") | ("investigation", "withdraw") => pick("withdrawn", "已撤回", "Withdrawn"),
        ("intake", "question_asked") => pick("question_asked", "办理人员向您提问", "A question for you"),
        ("intake", "question_answered") => pick("question_answered", "您已答复", "You answered"),
        ("intake", "correspondence_received") => pick("message_received", "收到您的来信", "Your message was received"),
        ("routing", "dispatched") => pick("dispatched", "已转办至处理单位", "Dispatched to the unit responsible"),
        ("routing", "taken") => pick("taken", "处理单位已接单", "Taken by the unit responsible"),
        ("investigation", action) => {
            let known = Action::parse(action)?;
            let step = match known {
                Action::FirstContact => "first_contact",
                Action::ProgressUpdate => "progress_update",
                Action::Extension => "extension",
                Action::Resolve | Action::OnTheSpot => "resolve",
                Action::ResultNotice => "result_notice",
                Action::CallbackSatisfied | Action::CallbackDissatisfied => "callback",
                Action::Reopen | Action::EscalateSenior => "reopen",
                Action::Conclude => "conclude",
                Action::Close => "close",
                _ => return None,
            };
            let (zh_label, en_label) = match step {
                "first_contact" => ("处理单位已与您首次联系", "First contact with you"),
                "progress_update" => ("进展告知", "Progress update"),
                "extension" => ("延期处理", "Deadline extended"),
                "resolve" => ("已办结", "Resolved"),
                "result_notice" => ("处理结果已告知", "Result sent to you"),
                "callback" => ("回访", "Callback"),
                "reopen" => ("重新办理", "Reopened"),
                "conclude" => ("终结办理", "Formally concluded"),
                _ => ("已结案", "Closed"),
            };
            pick(step, zh_label, en_label)
        }
        _ => None,
    }
}

/// The case opened by the session, as the complainant may see it.
#[utoipa::path(
    get,
    path = "/api/v1/status",
    params(("Accept-Language" = Option<String>, Header, description = "zh-CN (default) or en")),
    responses(
        (status = 200, description = "The case's progress, deadlines, public steps and questions", body = PublicStatusView),
        (status = 401, description = "No session, or it expired (`session_expired`)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("status_session" = []))
)]
pub async fn show(Extract(state): Extract<State>, headers: HeaderMap) -> Result<Response, ApiError> {
    let session = session_of(&headers)?;
    let language = language(&headers);
    let opened = state
        .peers
        .intake
        .clone()
        .status_of(with_tenant(TENANT, StatusOfRequest { session }))
        .await
        .map_err(refusal)?
        .into_inner();
    let case = super::cases::view(&state, &Caller::public(TENANT), opened.case_id).await?;
    let label =
        |status: &str| Status::parse(status).map_or_else(|| status.to_owned(), |s| s.label(language).to_owned());
    let mut timeline: Vec<PublicStep> = case
        .timeline
        .iter()
        .filter_map(|entry| {
            public_step(&entry.service, &entry.action, &entry.detail, language).map(|(step, label)| PublicStep {
                at: entry.at.clone(),
                step,
                label,
            })
        })
        .collect();
    timeline.dedup_by(|later, earlier| later.step == earlier.step && later.at == earlier.at);
    let view = PublicStatusView {
        language: language.tag().to_owned(),
        case_number: opened.case_number,
        kind_label: Kind::parse(&case.kind).map_or_else(|| case.kind.clone(), |k| k.label(language).to_owned()),
        kind: case.kind.clone(),
        status_label: label(&case.status),
        status: case.status.clone(),
        received_at: case.received_at.clone(),
        deadlines: case
            .deadlines
            .iter()
            .filter_map(|deadline| {
                DeadlineKind::parse(&deadline.kind).map(|kind| PublicDeadline {
                    kind: deadline.kind.clone(),
                    label: kind.label(language).to_owned(),
                    due_at: deadline.due_at.clone(),
                    state: deadline.state.clone(),
                })
            })
            .collect(),
        timeline,
        questions: opened.questions.into_iter().map(public_question).collect(),
    };
    Ok(([(header::CONTENT_LANGUAGE, language.tag())], axum::Json(view)).into_response())
}

fn public_question(question: Question) -> PublicQuestion {
    PublicQuestion {
        n: question.n,
        asked_at: question.asked_at,
        question: question.text,
        answer: text(question.answer),
        answered_at: text(question.answered_at),
    }
}

fn question_view(question: Question) -> QuestionView {
    QuestionView {
        n: question.n,
        asked_at: question.asked_at,
        asked_by: question.asked_by,
        text: question.text,
        answer: text(question.answer),
        answered_at: text(question.answered_at),
    }
}

/// The complainant answers a question, once.
#[utoipa::path(
    post,
    path = "/api/v1/status/questions/{n}/answer",
    params(("n" = u32, Path, description = "The question's number")),
    request_body = TextBody,
    responses(
        (status = 200, description = "The question with its answer", body = PublicQuestion),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No session, or it expired", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such question", body = crate::api::error::ErrorBody),
        (status = 409, description = "`already_answered`", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "The answer is empty or too long, or the case has no such question", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("status_session" = []))
)]
pub async fn answer(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(n): Path<String>,
    body: Bytes,
) -> Result<axum::Json<PublicQuestion>, ApiError> {
    let session = session_of(&headers)?;
    let n: u32 = n
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such question").with_field("n"))?;
    let (body, _): (TextBody, _) = super::body::json(&headers, &body)?;
    if body.staff.is_some() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "staff: not a field of an answer",
        )
        .with_field("staff"));
    }
    let question = state
        .peers
        .intake
        .clone()
        .answer_question(with_tenant(
            TENANT,
            AnswerQuestionRequest {
                session,
                n,
                text: body.text,
            },
        ))
        .await
        .map_err(refusal)?
        .into_inner();
    Ok(axum::Json(public_question(question)))
}

fn staff_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_admin() || (caller.role == "staff" && caller.staff.is_some()) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "questions to the complainant are for staff and the administrator",
    ))
}

fn case_id(id: &str) -> Result<(), ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such case").with_field("id"))
}

/// Staff ask the complainant a question, shown on the status page.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/questions",
    params(("id" = String, Path, description = "The case id")),
    request_body = TextBody,
    responses(
        (status = 201, description = "The question", body = QuestionView),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff or the administrator, or acting in someone else's name", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case", body = crate::api::error::ErrorBody),
        (status = 409, description = "`case_ended`: the case was rejected, withdrawn or closed", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "The question is empty or longer than 2,000 characters", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn ask(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    case_id(&id)?;
    let (body, _): (TextBody, _) = super::body::json(&headers, &body)?;
    let staff = match (caller.is_admin(), &caller.staff, body.staff) {
        (true, _, named) => named.unwrap_or_else(|| "admin".to_owned()),
        (false, Some(own), Some(named)) if &named != own => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only the administrator may act in someone else's name",
            )
            .with_field("staff"));
        }
        (false, own, _) => own.clone().unwrap_or_else(|| caller.credential_id.clone()),
    };
    let question = state
        .peers
        .intake
        .clone()
        .ask_question(with_tenant(
            &caller.tenant,
            AskQuestionRequest {
                case_id: id,
                staff,
                text: body.text,
            },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok((StatusCode::CREATED, axum::Json(question_view(question))).into_response())
}

/// A case's questions and the complainant's answers.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/questions",
    params(("id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "The questions, first asked first", body = QuestionsReply),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Not a member of staff or the administrator", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn questions(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<QuestionsReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    staff_only(&caller)?;
    case_id(&id)?;
    let reply = state
        .peers
        .intake
        .clone()
        .list_questions(with_tenant(&caller.tenant, ListQuestionsRequest { case_id: id }))
        .await
        .map_err(|s| ApiError::from_status(s, "intake"))?
        .into_inner();
    Ok(axum::Json(QuestionsReply {
        questions: reply.questions.into_iter().map(question_view).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_sees_steps_without_who_and_never_the_internal_ones() {
        let none = serde_json::json!({});
        let step = |service: &str, action: &str, language| public_step(service, action, &none, language);
        assert_eq!(
            step("routing", "dispatched", Language::ZhCn),
            Some(("dispatched".into(), "已转办至处理单位".into()))
        );
        assert_eq!(
            step("investigation", "first_contact", Language::En),
            Some(("first_contact".into(), "First contact with you".into()))
        );
        for internal in [
            "hearing",
            "finding",
            "plan",
            "approval",
            "task",
            "note",
            "supervise",
            "sanction",
            "reward",
            "assign",
            "transfer",
            "recuse",
            "return",
            "review_rework",
        ] {
            assert_eq!(step("investigation", internal, Language::ZhCn), None, "{internal}");
        }
        assert_eq!(step("notification", "acknowledgement_recorded", Language::ZhCn), None);
        assert_eq!(step("intake", "repeat_linked", Language::ZhCn), None);
        let rejected = serde_json::json!({"reason_code": "time_barred"});
        assert_eq!(
            public_step("intake", "rejected", &rejected, Language::En).map(|(_, label)| label),
            Some("Not accepted: the matter is older than the time limit for complaints".into())
        );
    }
}
