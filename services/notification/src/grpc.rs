//! Notification's gRPC adapter.

use rpc::notification::v1::notification_server::Notification;
use std::collections::BTreeMap;

use rpc::notification::v1::{
    GetTemplatesRequest, InboxNotice, InboxReply, InboxRequest, ListNoticesReply, ListNoticesRequest,
    Notice as WireNotice, PreviewTemplateRequest, PublishTemplatesRequest, TemplatePreview, TemplatesView,
};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{case_id, internal, invalid, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
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
                    notice_id: n.notice_id,
                    notice_kind: n.notice_kind,
                    channel: n.channel,
                    language: n.language,
                    recipient_masked: n.recipient_masked,
                    subject: n.subject,
                    body: n.body,
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

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }
}
