//! Intake's gRPC adapter: convert, call, convert back. Errors map in [`status_of`].

use std::sync::Arc;

use domain::ErrorCode;
use domain::complaint::{ComplainantInput, ComplaintInput};
use rpc::intake::v1::intake_server::Intake;
use rpc::intake::v1::{
    AcceptRequest, CaseView, Contact, GateReply, GetCaseRequest, ImportReply, ImportRequest, ImportedRow, MergeRequest,
    RefusedRow, RegisterReply, RegisterRequest, RejectRequest, ReleaseContactsReply, ReleaseContactsRequest,
    WithdrawRequest,
};
use rpc::intake::v1::{
    BindPrivacyNumberRequest, CompleteDraftRequest, ConfirmWalkInRequest, DraftReply, DraftView, GetDraftRequest,
    LookupCallerReply, LookupCallerRequest, PhoneCallRequest, PrivacyBinding, RegisterLetterRequest,
    ResolveOnTheSpotRequest, StartWalkInRequest, WechatPushReply, WechatPushRequest, WechatVerifyReply,
    WechatVerifyRequest,
};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest, Deadline};
use runtime::grpc::{internal, status, tenant_of};
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::channels::adapter as channels;
use crate::register::{Desk, Error, IdempotencyKey, Submission};
use crate::store as sql;

/// The gRPC face of intake.
pub struct IntakeGrpc {
    pub desk: Arc<Desk>,
}

fn text(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

/// A registration's refusal as gRPC carries it.
pub(crate) fn register_status(error: Error) -> Status {
    status_of(error)
}

fn status_of(error: Error) -> Status {
    match error {
        Error::Invalid(errors) => {
            let first = errors.first();
            let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            let mut status = status(
                ErrorCode::Invalid,
                first.map_or("invalid", |e| e.rule),
                &message,
                first.map(|e| e.field.as_str()),
            );
            let details: Vec<_> = errors
                .iter()
                .map(|e| serde_json::json!({"field": e.field, "rule": e.rule, "message": e.message}))
                .collect();
            if let Ok(value) = runtime::grpc::ascii_json(&serde_json::Value::Array(details)).parse() {
                status.metadata_mut().insert("x-redress-error-details", value);
            }
            status
        }
        Error::IdempotencyKeyReused => status(
            ErrorCode::Conflict,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different body",
            Some("Idempotency-Key"),
        ),
        other => internal(other),
    }
}

fn gate_status(error: crate::gate::Error) -> Status {
    use crate::gate::Error as Gate;
    match error {
        Gate::NotFound => status(ErrorCode::NotFound, "not_found", "no such case", Some("id")),
        Gate::Invalid { field, rule, message } => runtime::grpc::invalid(field, rule, message),
        Gate::InvalidTransition {
            action,
            current,
            allowed,
        } => runtime::grpc::conflict(
            "invalid_transition",
            format!("`{action}` is not allowed while the case is {current}"),
            Some(serde_json::json!({"current_state": current, "allowed": allowed})),
        ),
        Gate::Moved => runtime::grpc::conflict("conflict", "the case changed meanwhile; read it again", None),
        other => internal(other),
    }
}

fn particulars_status(error: crate::particulars::Error) -> Status {
    use crate::particulars::Error as E;
    match error {
        E::NotFound => status(ErrorCode::NotFound, "not_found", "no such case", Some("id")),
        E::Invalid { field, rule, message } => runtime::grpc::invalid(field, rule, message),
        E::TooManyAttempts => {
            runtime::grpc::invalid("code", "too_many_attempts", "too many wrong codes; send a new one")
        }
        other => internal(other),
    }
}

fn gate_reply(gated: crate::gate::Gated) -> GateReply {
    let row = gated.row;
    GateReply {
        case_id: row.id,
        case_number: row.case_number,
        status: row.status,
        version: u64::try_from(row.version).unwrap_or(0),
        rejection_reason: row.rejection_reason.unwrap_or_default(),
        merged_into: row.merged_into.unwrap_or_default(),
        deadlines: gated.deadlines,
    }
}

fn staff_of(staff: String) -> Result<String, Status> {
    if staff.is_empty() {
        return Err(runtime::grpc::invalid("staff", "required", "staff names who acts"));
    }
    Ok(staff)
}

fn mapping(mapping: rpc::intake::v1::ImportMapping) -> crate::import::Mapping {
    crate::import::Mapping {
        channel: mapping.channel,
        channel_values: mapping.channel_values.into_iter().collect(),
        received_at: mapping.received_at,
        date_format: mapping.date_format,
        narrative: mapping.narrative,
        category: mapping.category,
        unit: mapping.unit,
        subject: mapping.subject,
        external_ref: mapping.external_ref,
        source: mapping.source,
        kind: mapping.kind,
        outcome: mapping.outcome,
        closed_values: mapping.closed_values,
        product: mapping.product,
        product_values: mapping.product_values.into_iter().collect(),
        timely: mapping.timely,
        timely_values: mapping.timely_values,
    }
}

/// A registration request as the desk takes it.
pub(crate) fn submission(request: RegisterRequest) -> Submission {
    let complainant = request.complainant.map(|person| ComplainantInput {
        name: text(person.name),
        phone: text(person.phone),
        email: text(person.email),
        address: text(person.address),
        preferred_language: text(person.preferred_language),
        preferred_channel: text(person.preferred_channel),
        keep_confidential: person.keep_confidential,
        wechat_openid: text(person.wechat_openid),
        id_document: person.id_document.map(|d| domain::particulars::IdDocumentInput {
            kind: text(d.kind),
            number: text(d.number),
        }),
        division_code: text(person.division_code),
        role: text(person.role),
        staff_id: text(person.staff_id),
        credit_code: text(person.credit_code),
        represents: person.represents.map(|r| domain::particulars::RepresentsInput {
            name: text(r.name),
            relationship: text(r.relationship),
        }),
        salutation: text(person.salutation),
    });
    let vehicle = request.vehicle.map(|v| domain::particulars::VehicleInput {
        vin: text(v.vin),
        plate: text(v.plate),
        delivery_date: text(v.delivery_date),
        mileage_km: v.mileage_km,
        repair_orders: v
            .repair_orders
            .into_iter()
            .map(|o| domain::particulars::RepairOrderInput {
                number: text(o.number),
                date: text(o.date),
                fault: text(o.fault),
            })
            .collect(),
    });
    let bank = request.bank.map(|b| domain::particulars::BankInput {
        card_number: text(b.card_number),
        account_number: text(b.account_number),
        product: text(b.product),
        branch: text(b.branch),
    });
    Submission {
        input: ComplaintInput {
            channel: text(request.channel),
            kind: text(request.kind),
            source: text(request.source),
            source_ref: text(request.source_ref),
            source_due_at: text(request.source_due_at),
            external_ref: text(request.external_ref),
            received_at: text(request.received_at),
            occurred_at: text(request.occurred_at),
            subject: text(request.subject),
            demands: request.demands,
            unit: text(request.unit),
            category: text(request.category),
            category_code: text(request.category_code),
            narrative: Some(request.narrative),
            anonymous: request.anonymous,
            complainant,
            refs: domain::complaint::RoutingRefs {
                subject_unit: text(request.subject_unit),
                subject_staff: text(request.subject_staff),
                account_unit: text(request.account_unit),
                division_code: text(request.division_code),
                customer_tier: text(request.customer_tier),
                brand: text(request.brand),
                product: text(request.product),
            },
            vehicle,
            bank,
            first_contact_owner: text(request.first_contact_owner),
        },
        idempotency: request
            .idempotency
            .filter(|i| !i.key.is_empty())
            .map(|i| IdempotencyKey {
                key: i.key,
                scope: i.scope,
                body_sha256: i.body_sha256,
            }),
        registered_by: text(request.registered_by).unwrap_or_else(|| "public".into()),
        language_hint: text(request.language_hint),
        channel_details_json: text(request.channel_details_json),
    }
}

#[tonic::async_trait]
impl Intake for IntakeGrpc {
    type ReadAttachmentStream = crate::web::grpc::ChunkStream;

    async fn register_with_attachments(
        &self,
        request: Request<tonic::Streaming<rpc::intake::v1::RegisterPart>>,
    ) -> Result<Response<RegisterReply>, Status> {
        crate::web::grpc::register_with_attachments(&self.desk, request, submission, status_of).await
    }

    async fn list_attachments(
        &self,
        request: Request<rpc::intake::v1::ListAttachmentsRequest>,
    ) -> Result<Response<rpc::intake::v1::ListAttachmentsReply>, Status> {
        crate::web::grpc::list_attachments(&self.desk, request).await
    }

    async fn read_attachment(
        &self,
        request: Request<rpc::intake::v1::ReadAttachmentRequest>,
    ) -> Result<Response<Self::ReadAttachmentStream>, Status> {
        crate::web::grpc::read_attachment(&self.desk, request).await
    }

    async fn start_status_check(
        &self,
        request: Request<rpc::intake::v1::StartStatusCheckRequest>,
    ) -> Result<Response<rpc::intake::v1::StartStatusCheckReply>, Status> {
        crate::web::grpc::start_status_check(&self.desk, request).await
    }

    async fn open_status_session(
        &self,
        request: Request<rpc::intake::v1::OpenStatusSessionRequest>,
    ) -> Result<Response<rpc::intake::v1::StatusSession>, Status> {
        crate::web::grpc::open_status_session(&self.desk, request).await
    }

    async fn status_of(
        &self,
        request: Request<rpc::intake::v1::StatusOfRequest>,
    ) -> Result<Response<rpc::intake::v1::StatusOfReply>, Status> {
        crate::web::grpc::status_of(&self.desk, request).await
    }

    async fn answer_question(
        &self,
        request: Request<rpc::intake::v1::AnswerQuestionRequest>,
    ) -> Result<Response<rpc::intake::v1::Question>, Status> {
        crate::web::grpc::answer_question(&self.desk, request).await
    }

    async fn ask_question(
        &self,
        request: Request<rpc::intake::v1::AskQuestionRequest>,
    ) -> Result<Response<rpc::intake::v1::Question>, Status> {
        crate::web::grpc::ask_question(&self.desk, request).await
    }

    async fn list_questions(
        &self,
        request: Request<rpc::intake::v1::ListQuestionsRequest>,
    ) -> Result<Response<rpc::intake::v1::ListQuestionsReply>, Status> {
        crate::web::grpc::list_questions(&self.desk, request).await
    }

    async fn register(&self, request: Request<RegisterRequest>) -> Result<Response<RegisterReply>, Status> {
        let tenant = tenant_of(&request)?;
        let registered = self
            .desk
            .register(&tenant, submission(request.into_inner()))
            .await
            .map_err(status_of)?;
        Ok(Response::new(crate::channels::adapter::register_reply(registered)))
    }

    async fn get_case(&self, request: Request<GetCaseRequest>) -> Result<Response<CaseView>, Status> {
        let tenant = tenant_of(&request)?;
        let id = request.into_inner().id;
        let row = sql::find_case(self.desk.db.reader(), tenant.as_str(), &id)
            .await
            .map_err(internal)?
            .ok_or_else(|| status(ErrorCode::NotFound, "not_found", "no such case", Some("id")))?;
        let channel = crate::channels::sql::channel_of(self.desk.db.reader(), tenant.as_str(), &row.id)
            .await
            .map_err(internal)?
            .unwrap_or_default();
        let particulars = crate::particulars::find(self.desk.db.reader(), tenant.as_str(), &row.id)
            .await
            .map_err(internal)?;
        let (complainant, vehicle, bank) = self
            .desk
            .particulars_views(&tenant, &row, particulars.as_ref(), false)
            .map_err(internal)?;
        let particulars = particulars.unwrap_or_default();
        Ok(Response::new(CaseView {
            complainant,
            vehicle,
            bank,
            first_contact_owner: particulars.first_contact_owner.unwrap_or_default(),
            identity_verified: particulars.identity_verified_at.is_some(),
            identity_verified_at: particulars.identity_verified_at.unwrap_or_default(),
            identity_method: particulars.identity_method.unwrap_or_default(),
            deadlines: row
                .ack_due_at
                .iter()
                .map(|due| Deadline {
                    kind: "acknowledgement".into(),
                    due_at: due.clone(),
                    state: "open".into(),
                    provisional: row.ack_provisional,
                })
                .chain(crate::channels::source_deadline(
                    row.source_due_at.as_deref(),
                    channel.closed_at.as_deref(),
                ))
                .collect(),
            source_due_at: row.source_due_at.clone().unwrap_or_default(),
            closing_reason: channel.closing_reason.unwrap_or_default(),
            closed_at: channel.closed_at.unwrap_or_default(),
            last_message_at: channel.last_inbound_at.unwrap_or_default(),
            case_id: row.id,
            case_number: row.case_number,
            status: row.status,
            kind: row.kind,
            channel: row.channel,
            source: row.source,
            received_at: row.received_at,
            reported_category: row.reported_category.unwrap_or_default(),
            category_code: row.category_code.unwrap_or_default(),
            unit: row.unit.unwrap_or_default(),
            anonymous: row.anonymous,
            external_ref: row.external_ref.unwrap_or_default(),
            source_ref: row.source_ref.unwrap_or_default(),
            version: u64::try_from(row.version).unwrap_or(0),
            repeat_of: row.repeat_of.unwrap_or_default(),
            merged_into: row.merged_into.unwrap_or_default(),
            rejection_reason: row.rejection_reason.unwrap_or_default(),
            imported: row.imported,
            outcome: row.outcome.unwrap_or_default(),
        }))
    }

    async fn release_contacts(
        &self,
        request: Request<ReleaseContactsRequest>,
    ) -> Result<Response<ReleaseContactsReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        if request.purpose.is_empty() || request.requester.is_empty() {
            return Err(status(
                ErrorCode::Invalid,
                "required",
                "purpose and requester are required",
                Some("purpose"),
            ));
        }
        let desk = &self.desk;
        let now = desk.clock.now();
        let mut tx = desk.db.begin().await.map_err(internal)?;
        let rows = sql::cases_by_ids(&mut tx, tenant.as_str(), &request.case_ids)
            .await
            .map_err(internal)?;
        let mut contacts = Vec::with_capacity(rows.len());
        for row in rows {
            let person: serde_json::Value = match &row.personal_data {
                None => serde_json::Value::Null,
                Some(sealed) => {
                    let plain = desk
                        .cipher
                        .decrypt(tenant.as_str(), row.id.as_bytes(), sealed)
                        .map_err(internal)?;
                    serde_json::from_slice(&plain).map_err(internal)?
                }
            };
            let field = |name: &str| person.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let channel = crate::channels::sql::channel_in(&mut tx, tenant.as_str(), &row.id)
                .await
                .map_err(internal)?
                .unwrap_or_default();
            let wechat_openid = field("wechat_openid");
            let receipt_hint = if row.anonymous {
                sql::web::receipt_hint(&mut tx, tenant.as_str(), &row.id)
                    .await
                    .map_err(internal)?
            } else {
                String::new()
            };
            let mut fields = vec!["name", "phone", "email"];
            if !wechat_openid.is_empty() {
                fields.push("wechat_openid");
            }
            let detail = serde_json::json!({"purpose": request.purpose, "fields": fields}).to_string();
            store::audit::append(
                &mut tx,
                &store::audit::AuditEntry {
                    tenant: tenant.as_str(),
                    at: now,
                    actor: &request.requester,
                    action: "contact.released",
                    subject: &row.id,
                    detail_json: &detail,
                },
            )
            .await
            .map_err(internal)?;
            contacts.push(Contact {
                case_id: row.id.clone(),
                name: field("name"),
                phone: field("phone"),
                email: field("email"),
                preferred_language: field("preferred_language"),
                preferred_channel: field("preferred_channel"),
                case_number: row.case_number.clone(),
                anonymous: row.anonymous,
                reply_window_ends_at: crate::channels::wechat::reply_window_ends_at(channel.last_inbound_at.as_deref())
                    .unwrap_or_default(),
                last_message_at: channel.last_inbound_at.unwrap_or_default(),
                wechat_openid,
                receipt_hint,
            });
        }
        desk.db.commit(tx).await.map_err(internal)?;
        Ok(Response::new(ReleaseContactsReply { contacts }))
    }

    async fn reveal_particulars(
        &self,
        request: Request<rpc::intake::v1::RevealParticularsRequest>,
    ) -> Result<Response<rpc::intake::v1::RevealedParticulars>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let (case_id, complainant, vehicle) = self
            .desk
            .reveal_particulars(&tenant, &request.case_id, &request.purpose, &request.requester)
            .await
            .map_err(particulars_status)?;
        Ok(Response::new(rpc::intake::v1::RevealedParticulars {
            case_id,
            complainant,
            vehicle,
        }))
    }

    async fn verify_identity(
        &self,
        request: Request<rpc::intake::v1::VerifyIdentityRequest>,
    ) -> Result<Response<rpc::intake::v1::IdentityVerification>, Status> {
        let tenant = tenant_of(&request)?;
        let r = request.into_inner();
        let verification = self
            .desk
            .verify_identity(
                &tenant,
                crate::particulars::VerifyIdentity {
                    case_id: r.case_id,
                    staff: r.staff,
                    method: r.method,
                    id_kind: r.id_kind,
                    id_number: r.id_number,
                    code: r.code,
                    language: r.language,
                },
            )
            .await
            .map_err(particulars_status)?;
        let (code_expires_at, phone_masked) = verification.code.clone().unwrap_or_default();
        Ok(Response::new(rpc::intake::v1::IdentityVerification {
            case_id: verification.case_id,
            verified: verification.verified_at.is_some(),
            verified_at: verification.verified_at.unwrap_or_default(),
            method: verification.method,
            code_sent: verification.code.is_some(),
            code_expires_at,
            phone_masked,
        }))
    }

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.desk.db, SERVICE, request).await
    }

    async fn accept(&self, request: Request<AcceptRequest>) -> Result<Response<GateReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let staff = staff_of(request.staff)?;
        let gated = self
            .desk
            .accept(&tenant, &request.case_id, &staff)
            .await
            .map_err(gate_status)?;
        Ok(Response::new(gate_reply(gated)))
    }

    async fn reject(&self, request: Request<RejectRequest>) -> Result<Response<GateReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let staff = staff_of(request.staff)?;
        let rejection = crate::gate::Rejection {
            reason_code: request.reason_code,
            suggestion: request.suggestion,
        };
        let gated = self
            .desk
            .reject(&tenant, &request.case_id, &staff, rejection)
            .await
            .map_err(gate_status)?;
        Ok(Response::new(gate_reply(gated)))
    }

    async fn withdraw(&self, request: Request<WithdrawRequest>) -> Result<Response<GateReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let staff = staff_of(request.staff)?;
        let gated = self
            .desk
            .withdraw(&tenant, &request.case_id, &staff)
            .await
            .map_err(gate_status)?;
        Ok(Response::new(gate_reply(gated)))
    }

    async fn merge(&self, request: Request<MergeRequest>) -> Result<Response<GateReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let staff = staff_of(request.staff)?;
        if request.into.is_empty() {
            return Err(runtime::grpc::invalid(
                "into",
                "required",
                "into names the case that goes on",
            ));
        }
        let gated = self
            .desk
            .merge(&tenant, &request.case_id, &request.into, &staff)
            .await
            .map_err(gate_status)?;
        Ok(Response::new(gate_reply(gated)))
    }

    async fn import(&self, request: Request<ImportRequest>) -> Result<Response<ImportReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let imported_by = staff_of(request.imported_by)?;
        let report = self
            .desk
            .import(
                &tenant,
                &request.format,
                &request.content,
                &mapping(request.mapping.unwrap_or_default()),
                &imported_by,
            )
            .await
            .map_err(|error| match error {
                crate::import::Error::Invalid { field, rule, message } => runtime::grpc::invalid(&field, rule, message),
                crate::import::Error::Register(error) => status_of(error),
            })?;
        Ok(Response::new(ImportReply {
            rows: report.rows,
            imported: report
                .imported
                .into_iter()
                .map(|row| ImportedRow {
                    row: row.row,
                    case_id: row.case_id,
                    case_number: row.case_number,
                    channel: row.channel,
                    status: row.status.to_owned(),
                    replayed: row.replayed,
                })
                .collect(),
            refused: report
                .refused
                .into_iter()
                .map(|row| RefusedRow {
                    row: row.row,
                    field: row.field.unwrap_or_default(),
                    reason: row.reason,
                })
                .collect(),
        }))
    }

    async fn phone_call(&self, request: Request<PhoneCallRequest>) -> Result<Response<DraftReply>, Status> {
        channels::phone_call(&self.desk, request).await
    }

    async fn get_draft(&self, request: Request<GetDraftRequest>) -> Result<Response<DraftView>, Status> {
        channels::get_draft(&self.desk, request).await
    }

    async fn lookup_caller(
        &self,
        request: Request<LookupCallerRequest>,
    ) -> Result<Response<LookupCallerReply>, Status> {
        channels::lookup_caller(&self.desk, request).await
    }

    async fn complete_draft(&self, request: Request<CompleteDraftRequest>) -> Result<Response<RegisterReply>, Status> {
        channels::complete_draft(&self.desk, request).await
    }

    async fn bind_privacy_number(
        &self,
        request: Request<BindPrivacyNumberRequest>,
    ) -> Result<Response<PrivacyBinding>, Status> {
        channels::bind_privacy_number(&self.desk, request).await
    }

    async fn wechat_verify(
        &self,
        request: Request<WechatVerifyRequest>,
    ) -> Result<Response<WechatVerifyReply>, Status> {
        channels::wechat_verify(&self.desk, request)
    }

    async fn wechat_push(&self, request: Request<WechatPushRequest>) -> Result<Response<WechatPushReply>, Status> {
        channels::wechat_push(&self.desk, request).await
    }

    async fn register_letter(
        &self,
        request: Request<RegisterLetterRequest>,
    ) -> Result<Response<RegisterReply>, Status> {
        channels::register_letter(&self.desk, request).await
    }

    async fn start_walk_in(&self, request: Request<StartWalkInRequest>) -> Result<Response<DraftView>, Status> {
        channels::start_walk_in(&self.desk, request).await
    }

    async fn confirm_walk_in(&self, request: Request<ConfirmWalkInRequest>) -> Result<Response<RegisterReply>, Status> {
        channels::confirm_walk_in(&self.desk, request).await
    }

    async fn resolve_on_the_spot(
        &self,
        request: Request<ResolveOnTheSpotRequest>,
    ) -> Result<Response<RegisterReply>, Status> {
        channels::resolve_on_the_spot(&self.desk, request).await
    }

    async fn lookup_customer(
        &self,
        request: Request<rpc::intake::v1::LookupCustomerRequest>,
    ) -> Result<Response<rpc::intake::v1::LookupCustomerReply>, Status> {
        crate::customers::adapter::lookup_customer(&self.desk, request).await
    }

    async fn sync_customers(
        &self,
        request: Request<rpc::intake::v1::SyncCustomersRequest>,
    ) -> Result<Response<rpc::intake::v1::SyncCustomersReply>, Status> {
        crate::customers::adapter::sync_customers(&self.desk, request).await
    }
}
