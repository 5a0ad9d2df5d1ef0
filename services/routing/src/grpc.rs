//! Routing's gRPC adapter.

use rpc::routing::v1::routing_server::Routing;
use rpc::routing::v1::{GetRoutingRequest, RoutingView};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{case_id, internal, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::store as sql;

/// The gRPC face of routing.
pub struct RoutingGrpc {
    pub db: Db,
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
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }
}
