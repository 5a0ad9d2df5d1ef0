//! Notification's gRPC adapter.

use rpc::notification::v1::notification_server::Notification;
use std::collections::BTreeMap;

use rpc::notification::v1::{
    Answer as WireAnswer, ApproveAnswerRequest, Call as WireCall, CallListReply, CallListRequest, GetTemplatesRequest,
    InboxNotice, InboxReply, InboxRequest, ListAnswersReply, ListAnswersRequest, ListNoticesReply, ListNoticesRequest,
    Notice as WireNotice, PreviewTemplateRequest, ProposeAnswerRequest, PublishTemplatesRequest, RetireAnswerRequest,
    SmsReceiptsReply, SmsReceiptsRequest, TemplatePreview, TemplatesView,
};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{case_id, internal, invalid, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::answers::{self, Answer};
use crate::store as sql;
use crate::templates;

fn view_of(latest: Option<sql::TemplateVersion>) -> TemplatesView {
    let keys = notices::Key::offered().map(|key| key.to_string()).collect();
    match latest {
        None => TemplatesView {
            overrides_json: "{}".into(),
            keys,
            ..TemplatesView::default()
        },
        Some(latest) => TemplatesView {
            version: u32::try_from(latest.version).unwrap_or(u32::MAX),
            overrides_json: serde_json::to_string(&latest.overrides).unwrap_or_else(|_| "{}".into()),
            published_at: latest.published_at,
            published_by: latest.published_by,
            note: latest.note,
            keys,
        },
    }
}

/// The gRPC face of notification.
pub struct NotificationGrpc {
    pub db: Db,
    pub clock: std::sync::Arc<dyn domain::Clock>,
    /// The token the SMS provider's receipts carry (none: receipts refused).
    pub sms_receipt_token: Option<String>,
}

fn wire_answer(answer: Answer) -> WireAnswer {
    WireAnswer {
        answer_id: answer.answer_id,
        version: u32::try_from(answer.version).unwrap_or(u32::MAX),
        topic: answer.topic,
        batch_id: answer.batch_id,
        category: answer.category,
        title_zh: answer.title_zh,
        title_en: answer.title_en,
        body_zh: answer.body_zh,
        body_en: answer.body_en,
        state: answer.state,
        proposed_by: answer.proposed_by,
        proposed_at: answer.proposed_at,
        approved_by: answer.approved_by,
        approved_at: answer.approved_at,
    }
}

fn refused(error: answers::Error) -> Status {
    match error {
        answers::Error::Invalid(field, message) => invalid(field, "invalid", message),
        answers::Error::NotFound(..) => runtime::grpc::status(
            domain::ErrorCode::NotFound,
            "not_found",
            &error.to_string(),
            Some("answer_id"),
        ),
        answers::Error::Conflict(state) => runtime::grpc::conflict(
            "invalid_state",
            format!("the answer is {state}"),
            Some(serde_json::json!({"current_state": state})),
        ),
        answers::Error::Store(error) => internal(error),
    }
}

fn who(text: &str, field: &str) -> Result<String, Status> {
    if text.is_empty() || text.len() > 64 {
        return Err(invalid(
            field,
            "required",
            format!("{field}: a member of staff's id, 1-64 characters"),
        ));
    }
    Ok(text.to_owned())
}

impl NotificationGrpc {
    /// Writes one change to the library with its audit entry.
    async fn change_answer<F>(&self, tenant: &str, actor: &str, action: &str, change: F) -> Result<WireAnswer, Status>
    where
        F: for<'c> FnOnce(
            &'c mut store::Conn,
            String,
        )
            -> std::pin::Pin<Box<dyn Future<Output = Result<Answer, answers::Error>> + Send + 'c>>,
    {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let answer = change(&mut tx, at).await.map_err(refused)?;
        let detail = serde_json::json!({"answer_id": answer.answer_id, "version": answer.version,
            "state": answer.state, "topic": answer.topic});
        store::audit::append(
            &mut tx,
            &store::audit::AuditEntry {
                tenant,
                at: now,
                actor,
                action,
                subject: &answer.answer_id,
                detail_json: &detail.to_string(),
            },
        )
        .await
        .map_err(internal)?;
        self.db.commit(tx).await.map_err(internal)?;
        Ok(wire_answer(answer))
    }
}

#[tonic::async_trait]
impl Notification for NotificationGrpc {
    async fn list_notices(&self, request: Request<ListNoticesRequest>) -> Result<Response<ListNoticesReply>, Status> {
        let tenant = tenant_of(&request)?;
        let id = case_id(&request.get_ref().case_id)?;
        let notices = sql::for_case(&self.db, tenant.as_str(), &id.to_string())
            .await
            .map_err(internal)?;
        Ok(Response::new(ListNoticesReply {
            notices: notices
                .into_iter()
                .map(|n| WireNotice {
                    subject: crate::plan::name_shown(&n.subject, &n.language),
                    body: crate::plan::name_shown(&n.body, &n.language),
                    notice_id: n.notice_id,
                    notice_kind: n.notice_kind,
                    channel: n.channel,
                    language: n.language,
                    recipient_masked: n.recipient_masked,
                    state: n.state,
                    recorded_at: n.recorded_at,
                })
                .collect(),
        }))
    }

    async fn inbox(&self, request: Request<InboxRequest>) -> Result<Response<InboxReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        if request.staff.is_empty() || request.staff.len() > 64 {
            return Err(runtime::grpc::invalid(
                "staff",
                "required",
                "staff: a member of staff's id, 1-64 characters",
            ));
        }
        let limit = match request.limit {
            0 => 50,
            n => i64::from(n.min(200)),
        };
        let notices = sql::inbox(&self.db, tenant.as_str(), &format!("staff:{}", request.staff), limit)
            .await
            .map_err(internal)?;
        Ok(Response::new(InboxReply {
            notices: notices
                .into_iter()
                .map(|n| InboxNotice {
                    notice_id: n.notice_id,
                    case_id: n.case_id,
                    notice_kind: n.notice_kind,
                    subject: n.subject,
                    body: n.body,
                    recorded_at: n.recorded_at,
                    language: n.language,
                })
                .collect(),
        }))
    }

    async fn publish_templates(
        &self,
        request: Request<PublishTemplatesRequest>,
    ) -> Result<Response<TemplatesView>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let overrides: BTreeMap<String, String> = serde_json::from_str(&request.overrides_json)
            .map_err(|_| invalid("templates", "object", "templates: an object of key → template source"))?;
        templates::assemble(&overrides, 1).map_err(|refused| invalid(&refused.field, refused.rule, refused.message))?;
        let now = chrono::Utc::now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let by = if request.published_by.is_empty() {
            "admin"
        } else {
            request.published_by.as_str()
        };
        let mut tx = self.db.begin().await.map_err(internal)?;
        let version = sql::publish_templates(&mut tx, tenant.as_str(), &overrides, by, &request.note, &at)
            .await
            .map_err(internal)?;
        let detail = serde_json::json!({"version": version, "keys": overrides.keys().collect::<Vec<_>>(),
            "note": request.note});
        store::audit::append(
            &mut tx,
            &store::audit::AuditEntry {
                tenant: tenant.as_str(),
                at: now,
                actor: by,
                action: "templates.published",
                subject: "templates",
                detail_json: &detail.to_string(),
            },
        )
        .await
        .map_err(internal)?;
        self.db.commit(tx).await.map_err(internal)?;
        let latest = sql::latest_templates(&self.db, tenant.as_str())
            .await
            .map_err(internal)?;
        Ok(Response::new(view_of(latest)))
    }

    async fn get_templates(&self, request: Request<GetTemplatesRequest>) -> Result<Response<TemplatesView>, Status> {
        let tenant = tenant_of(&request)?;
        let latest = sql::latest_templates(&self.db, tenant.as_str())
            .await
            .map_err(internal)?;
        Ok(Response::new(view_of(latest)))
    }

    async fn preview_template(
        &self,
        request: Request<PreviewTemplateRequest>,
    ) -> Result<Response<TemplatePreview>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let key = notices::Key::parse(&request.key)
            .filter(|key| key.is_offered())
            .ok_or_else(|| {
                invalid(
                    "key",
                    "one_of",
                    format!("key: `{}` is not a template the product offers", request.key),
                )
            })?;
        let mut set = templates::for_tenant(&self.db, tenant.as_str())
            .await
            .map_err(internal)?;
        if !request.source.is_empty() {
            set = set
                .with_override(key, request.source.clone())
                .map_err(|e| invalid("source", "not_offered", format!("source: {}", e.problem)))?;
        }
        let context: serde_json::Value = if request.context_json.trim().is_empty() {
            notices::samples(key.kind, key.language)
                .into_iter()
                .next()
                .map(|sample| sample.context)
                .unwrap_or_default()
        } else {
            serde_json::from_str(&request.context_json)
                .map_err(|_| invalid("context", "object", "context: a JSON object of the kind's variables"))?
        };
        let rendered = notices::render(&set, key.kind, key.channel, key.language, &context)
            .map_err(|error| invalid("source", "invalid", format!("source: {error}")))?;
        let (sms_template_id, sms_params_json, sms_segments) = match &rendered.sms {
            Some(sms) => (
                sms.template_id.clone(),
                serde_json::to_string(&sms.params).unwrap_or_default(),
                sms.segments,
            ),
            None => (String::new(), String::new(), 0),
        };
        Ok(Response::new(TemplatePreview {
            subject: rendered.subject,
            body: rendered.body,
            sms_template_id,
            sms_params_json,
            sms_segments,
            context_json: context.to_string(),
        }))
    }

    async fn call_list(&self, request: Request<CallListRequest>) -> Result<Response<CallListReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let state = match request.state.as_str() {
            "" | "open" => "open",
            "done" => "done",
            _ => return Err(invalid("state", "one_of", "state: open or done")),
        };
        let limit = match request.limit {
            0 => 100,
            n => i64::from(n.min(500)),
        };
        let calls = sql::call_list(&self.db, tenant.as_str(), state, limit)
            .await
            .map_err(internal)?;
        Ok(Response::new(CallListReply {
            calls: calls
                .into_iter()
                .map(|c| WireCall {
                    case_id: c.case_id,
                    case_number: c.case_number,
                    purpose: c.purpose,
                    recipient_masked: c.recipient_masked,
                    language: c.language,
                    state: c.state,
                    attempts: u32::try_from(c.attempts).unwrap_or(u32::MAX),
                    due_at: c.due_at,
                    opened_at: c.opened_at,
                    updated_at: c.updated_at,
                    outcome: c.outcome,
                })
                .collect(),
        }))
    }

    async fn propose_answer(&self, request: Request<ProposeAnswerRequest>) -> Result<Response<WireAnswer>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let by = who(&request.proposed_by, "proposed_by")?;
        let answer_id = if request.answer_id.is_empty() {
            uuid::Uuid::now_v7().to_string()
        } else {
            runtime::grpc::case_id(&request.answer_id)
                .map_err(|_| invalid("answer_id", "uuid", "answer_id: an answer's id"))?
                .to_string()
        };
        let draft = Answer {
            answer_id,
            topic: request.topic,
            batch_id: request.batch_id,
            category: request.category,
            title_zh: request.title_zh,
            title_en: request.title_en,
            body_zh: request.body_zh,
            body_en: request.body_en,
            proposed_by: by.clone(),
            ..Answer::default()
        };
        let tenant_id = tenant.as_str().to_owned();
        let answer = self
            .change_answer(tenant.as_str(), &by, "answer.proposed", move |tx, at| {
                Box::pin(async move {
                    let draft = Answer {
                        proposed_at: at,
                        ..draft
                    };
                    answers::propose(tx, &tenant_id, draft).await
                })
            })
            .await?;
        Ok(Response::new(answer))
    }

    async fn approve_answer(&self, request: Request<ApproveAnswerRequest>) -> Result<Response<WireAnswer>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let by = who(&request.approved_by, "approved_by")?;
        let tenant_id = tenant.as_str().to_owned();
        let approver = by.clone();
        let answer = self
            .change_answer(tenant.as_str(), &by, "answer.approved", move |tx, at| {
                Box::pin(async move {
                    answers::approve(
                        tx,
                        &tenant_id,
                        &request.answer_id,
                        i64::from(request.version),
                        &approver,
                        &at,
                    )
                    .await
                })
            })
            .await?;
        Ok(Response::new(answer))
    }

    async fn retire_answer(&self, request: Request<RetireAnswerRequest>) -> Result<Response<WireAnswer>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let by = who(&request.retired_by, "retired_by")?;
        let tenant_id = tenant.as_str().to_owned();
        let answer = self
            .change_answer(tenant.as_str(), &by, "answer.retired", move |tx, _| {
                Box::pin(async move { answers::retire(tx, &tenant_id, &request.answer_id).await })
            })
            .await?;
        Ok(Response::new(answer))
    }

    async fn list_answers(&self, request: Request<ListAnswersRequest>) -> Result<Response<ListAnswersReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        if !matches!(
            request.state.as_str(),
            "" | "approved" | "proposed" | "superseded" | "retired"
        ) {
            return Err(invalid(
                "state",
                "one_of",
                "state: approved, proposed, superseded or retired",
            ));
        }
        let filter = answers::Filter {
            state: request.state,
            category: request.category,
            batch_id: request.batch_id,
        };
        let list = answers::list(&self.db, tenant.as_str(), &filter)
            .await
            .map_err(internal)?;
        Ok(Response::new(ListAnswersReply {
            answers: list.into_iter().map(wire_answer).collect(),
        }))
    }

    async fn record_sms_receipts(
        &self,
        request: Request<SmsReceiptsRequest>,
    ) -> Result<Response<SmsReceiptsReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let expected = self.sms_receipt_token.as_deref().filter(|t| !t.is_empty());
        let given = request.token.as_bytes();
        let valid = expected.is_some_and(|t| {
            use subtle::ConstantTimeEq as _;
            t.len() == given.len() && bool::from(t.as_bytes().ct_eq(given))
        });
        if !valid {
            return Err(Status::unauthenticated("token: not the SMS provider's receipt token"));
        }
        if request.receipts.len() > 1000 {
            return Err(invalid("receipts", "max", "receipts: at most 1000 in one call"));
        }
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut tx = self.db.begin().await.map_err(internal)?;
        let (mut matched, mut unknown) = (0, 0);
        for receipt in &request.receipts {
            let reported = if receipt.reported_at.is_empty() {
                at.as_str()
            } else {
                receipt.reported_at.as_str()
            };
            let code: String = receipt.code.chars().take(64).collect();
            let known = crate::delivery::report(
                &mut tx,
                tenant.as_str(),
                "sms",
                &receipt.out_id,
                receipt.delivered,
                &code,
                reported,
                now,
            )
            .await
            .map_err(internal)?;
            if known {
                matched += 1;
            } else {
                unknown += 1;
            }
        }
        self.db.commit(tx).await.map_err(internal)?;
        Ok(Response::new(SmsReceiptsReply { matched, unknown }))
    }

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }
}
