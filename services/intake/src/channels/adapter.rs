//! The channels' gRPC adapters (decision 0009): convert, call the desk, convert back; errors
//! map in [`status_of`]. `grpc.rs` delegates each RPC here.

use domain::ErrorCode;
use rpc::intake::v1::{
    BindPrivacyNumberRequest, CallerCase, CompleteDraftRequest, ConfirmWalkInRequest, DraftReply, DraftView,
    FileUpload, GetDraftRequest, LookupCallerReply, LookupCallerRequest, PhoneCallRequest, PrivacyBinding,
    RegisterLetterRequest, RegisterReply, ResolveOnTheSpotRequest, StartWalkInRequest, WechatPushReply,
    WechatPushRequest, WechatVerifyReply, WechatVerifyRequest,
};
use runtime::grpc::{internal, status, tenant_of};
use tonic::{Request, Response, Status};

use super::phone::Webhook;
use super::sql::CaseSummaryRow;
use super::wechat::{Pushed, Signed};
use super::{Error, Upload};
use crate::register::{Desk, Registered};

/// A channel's refusal as gRPC carries it.
pub fn status_of(error: Error) -> Status {
    match error {
        Error::Invalid { field, rule, message } => runtime::grpc::invalid(&field, rule, message),
        Error::Unauthorized { field, message } => {
            let mut status = Status::unauthenticated(message);
            if let Ok(value) = "invalid_signature".parse() {
                status.metadata_mut().insert(runtime::grpc::ERROR_CODE_METADATA, value);
            }
            if let Ok(value) = field.parse() {
                status.metadata_mut().insert(runtime::grpc::ERROR_FIELD_METADATA, value);
            }
            status
        }
        Error::NotFound(what) => status(ErrorCode::NotFound, "not_found", &format!("no such {what}"), None),
        Error::Conflict { code, message } => runtime::grpc::conflict(code, message, None),
        Error::Unavailable(reason) => {
            tracing::warn!(%reason, "a channel's provider failed");
            status(
                ErrorCode::Unavailable,
                "unavailable",
                "the provider is unavailable",
                None,
            )
        }
        Error::Register(error) => crate::grpc::register_status(error),
        other => internal(other),
    }
}

fn upload(file: Option<FileUpload>) -> Option<Upload> {
    file.filter(|f| !f.content.is_empty() || !f.content_type.is_empty())
        .map(|f| Upload {
            file_name: f.file_name,
            content_type: f.content_type,
            content: f.content,
        })
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

/// The reply of a registration, as `Register` answers it (decisions 0008 and 0009).
pub fn register_reply(registered: Registered) -> RegisterReply {
    crate::web::grpc::register_reply(registered)
}

fn caller_case(row: CaseSummaryRow) -> CallerCase {
    CallerCase {
        case_id: row.id,
        case_number: row.case_number,
        status: row.status,
        kind: row.kind,
        channel: row.channel,
        received_at: row.received_at,
        category_code: row.category_code.unwrap_or_default(),
    }
}

fn draft_view(view: super::phone::DraftView) -> DraftView {
    let draft = view.draft;
    DraftView {
        id: draft.id,
        channel: draft.channel,
        status: draft.status,
        phone_masked: view.phone_masked,
        call_ref: draft.call_ref.unwrap_or_default(),
        received_at: draft.received_at,
        created_by: draft.created_by,
        confirm_by: draft.confirm_by.unwrap_or_default(),
        code_expires_at: draft.code_expires_at.unwrap_or_default(),
        case_id: draft.case_id.unwrap_or_default(),
        case_number: view.case_number.unwrap_or_default(),
        previous_cases: view.previous_cases.into_iter().map(caller_case).collect(),
        replayed: view.replayed,
    }
}

fn register_of(request: Option<rpc::intake::v1::RegisterRequest>) -> Result<rpc::intake::v1::RegisterRequest, Status> {
    request.ok_or_else(|| runtime::grpc::invalid("complaint", "required", "the complaint is required"))
}

pub async fn phone_call(desk: &Desk, request: Request<PhoneCallRequest>) -> Result<Response<DraftReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let opened = desk
        .phone_call(
            &tenant,
            Webhook {
                body: request.body,
                timestamp: request.timestamp,
                signature: request.signature,
            },
        )
        .await
        .map_err(status_of)?;
    Ok(Response::new(DraftReply {
        draft_id: opened.draft_id,
        status: opened.status,
        replayed: opened.replayed,
    }))
}

pub async fn get_draft(desk: &Desk, request: Request<GetDraftRequest>) -> Result<Response<DraftView>, Status> {
    let tenant = tenant_of(&request)?;
    let view = desk
        .draft_view(&tenant, &request.into_inner().id)
        .await
        .map_err(status_of)?;
    Ok(Response::new(draft_view(view)))
}

pub async fn lookup_caller(
    desk: &Desk,
    request: Request<LookupCallerRequest>,
) -> Result<Response<LookupCallerReply>, Status> {
    let tenant = tenant_of(&request)?;
    let (phone_masked, cases) = desk
        .lookup_caller(&tenant, &request.into_inner().phone)
        .await
        .map_err(status_of)?;
    Ok(Response::new(LookupCallerReply {
        phone_masked,
        cases: cases.into_iter().map(caller_case).collect(),
    }))
}

pub async fn complete_draft(
    desk: &Desk,
    request: Request<CompleteDraftRequest>,
) -> Result<Response<RegisterReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let submission = crate::grpc::submission(register_of(request.register)?);
    let registered = desk
        .complete_draft(&tenant, &request.draft_id, submission)
        .await
        .map_err(status_of)?;
    Ok(Response::new(register_reply(registered)))
}

pub async fn bind_privacy_number(
    desk: &Desk,
    request: Request<BindPrivacyNumberRequest>,
) -> Result<Response<PrivacyBinding>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    if request.staff.is_empty() {
        return Err(runtime::grpc::invalid("staff", "required", "staff names who acts"));
    }
    let binding = desk
        .bind_privacy_number(
            &tenant,
            &request.case_id,
            &request.phone_a,
            request.minutes,
            &request.staff,
        )
        .await
        .map_err(status_of)?;
    Ok(Response::new(PrivacyBinding {
        binding_id: binding.id,
        secret_no: binding.secret_no,
        expires_at: binding.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }))
}

pub fn wechat_verify(
    desk: &Desk,
    request: Request<WechatVerifyRequest>,
) -> Result<Response<WechatVerifyReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let signed = Signed {
        signature: request.signature,
        timestamp: request.timestamp,
        nonce: request.nonce,
    };
    let echostr = desk
        .wechat_verify(&tenant, &signed, &request.echostr)
        .map_err(status_of)?;
    Ok(Response::new(WechatVerifyReply { echostr }))
}

pub async fn wechat_push(
    desk: &Desk,
    request: Request<WechatPushRequest>,
) -> Result<Response<WechatPushReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let signed = Signed {
        signature: request.signature,
        timestamp: request.timestamp,
        nonce: request.nonce,
    };
    let pushed = desk
        .wechat_push(&tenant, &signed, &request.body)
        .await
        .map_err(status_of)?;
    let (outcome, case_id) = match pushed {
        Pushed::Case(id) => ("case", id),
        Pushed::Correspondence(id) => ("correspondence", id),
        Pushed::Duplicate(id) => ("duplicate", id),
        Pushed::Ignored => ("ignored", String::new()),
    };
    Ok(Response::new(WechatPushReply {
        outcome: outcome.to_owned(),
        case_id,
    }))
}

pub async fn register_letter(
    desk: &Desk,
    request: Request<RegisterLetterRequest>,
) -> Result<Response<RegisterReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let submission = crate::grpc::submission(register_of(request.register)?);
    let postal = request.postal.unwrap_or_default();
    let letter = super::letter::Letter {
        postal: super::letter::Postal {
            postmark_date: text(postal.postmark_date),
            sender_address: text(postal.sender_address),
            tracking_number: text(postal.tracking_number),
        },
        fax_number: text(request.fax_number),
        scan: upload(request.scan),
    };
    let registered = desk
        .register_letter(&tenant, submission, letter)
        .await
        .map_err(status_of)?;
    Ok(Response::new(register_reply(registered)))
}

pub async fn start_walk_in(desk: &Desk, request: Request<StartWalkInRequest>) -> Result<Response<DraftView>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let view = desk
        .start_walk_in(&tenant, register_of(request.register)?, &request.confirm_by)
        .await
        .map_err(status_of)?;
    Ok(Response::new(draft_view(view)))
}

pub async fn confirm_walk_in(
    desk: &Desk,
    request: Request<ConfirmWalkInRequest>,
) -> Result<Response<RegisterReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let confirmation = super::walk_in::Confirmation {
        code: text(request.code),
        signature: upload(request.signature),
    };
    let registered = desk
        .confirm_walk_in(&tenant, &request.draft_id, confirmation)
        .await
        .map_err(status_of)?;
    Ok(Response::new(register_reply(registered)))
}

pub async fn resolve_on_the_spot(
    desk: &Desk,
    request: Request<ResolveOnTheSpotRequest>,
) -> Result<Response<RegisterReply>, Status> {
    let tenant = tenant_of(&request)?;
    let request = request.into_inner();
    let submission = crate::grpc::submission(register_of(request.register)?);
    let resolution = super::on_the_spot::Resolution {
        result: request.result,
        method: request.method,
        signature: upload(request.signature),
    };
    let registered = desk
        .resolve_on_the_spot(&tenant, submission, resolution)
        .await
        .map_err(status_of)?;
    Ok(Response::new(register_reply(registered)))
}
