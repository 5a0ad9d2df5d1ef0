//! Notification's gRPC adapter.

use domain::ErrorCode;
use rpc::notification::v1::notification_server::Notification;
use rpc::notification::v1::{ListNoticesReply, ListNoticesRequest, Notice as WireNotice};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{history_reply, internal, status, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::store as sql;

/// The gRPC face of notification.
pub struct NotificationGrpc {
    pub db: Db,
}

fn case_id(text: &str) -> Result<uuid::Uuid, Status> {
    uuid::Uuid::parse_str(text)
        .map_err(|_| status(ErrorCode::Invalid, "format", "case_id must be a UUID", Some("case_id")))
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

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        let tenant = tenant_of(&request)?;
        let id = case_id(&request.get_ref().case_id)?;
        let entries = store::messaging::history_for_case(&self.db, tenant.as_str(), id)
            .await
            .map_err(internal)?;
        Ok(Response::new(history_reply(SERVICE, entries)))
    }
}
