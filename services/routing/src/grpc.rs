//! Routing's gRPC adapter.

use domain::ErrorCode;
use rpc::routing::v1::routing_server::Routing;
use rpc::routing::v1::{GetRoutingRequest, RoutingView};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{history_reply, internal, status, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::store as sql;

/// The gRPC face of routing.
pub struct RoutingGrpc {
    pub db: Db,
}

fn case_id(text: &str) -> Result<uuid::Uuid, Status> {
    uuid::Uuid::parse_str(text)
        .map_err(|_| status(ErrorCode::Invalid, "format", "case_id must be a UUID", Some("case_id")))
}

#[tonic::async_trait]
impl Routing for RoutingGrpc {
    async fn get_routing(&self, request: Request<GetRoutingRequest>) -> Result<Response<RoutingView>, Status> {
        let tenant = tenant_of(&request)?;
        let id = case_id(&request.get_ref().case_id)?;
        let found = sql::dispatch_of(&self.db, tenant.as_str(), &id.to_string())
            .await
            .map_err(internal)?;
        Ok(Response::new(match found {
            Some((unit, severity, reason, dispatched_at)) => RoutingView {
                known: true,
                unit,
                severity,
                reason,
                dispatched_at,
            },
            None => RoutingView::default(),
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
