//! Notification's gRPC adapter.

use rpc::notification::v1::notification_server::Notification;
use rpc::notification::v1::{
    InboxNotice, InboxReply, InboxRequest, ListNoticesReply, ListNoticesRequest, Notice as WireNotice,
};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{case_id, internal, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::store as sql;

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

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }
}
