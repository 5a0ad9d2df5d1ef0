//! Investigation's gRPC adapter.

use std::sync::Arc;

use rpc::investigation::v1::investigation_server::Investigation;
use rpc::investigation::v1::{ActRequest, FileView, GetFileRequest, HearingSummaryRequest, HearingSummaryView};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{case_id, invalid, tenant_of};
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::act::Casework;

/// The gRPC face of investigation.
pub struct InvestigationGrpc {
    pub casework: Arc<Casework>,
}

#[tonic::async_trait]
impl Investigation for InvestigationGrpc {
    async fn get_file(&self, request: Request<GetFileRequest>) -> Result<Response<FileView>, Status> {
        let tenant = tenant_of(&request)?;
        let id = case_id(&request.get_ref().case_id)?;
        Ok(Response::new(
            self.casework.view(tenant.as_str(), &id.to_string(), None).await?,
        ))
    }

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.casework.db, SERVICE, request).await
    }

    async fn act(&self, request: Request<ActRequest>) -> Result<Response<FileView>, Status> {
        let tenant = tenant_of(&request)?;
        Ok(Response::new(
            self.casework.act(tenant.as_str(), request.into_inner()).await?,
        ))
    }

    async fn hearing_summary(
        &self,
        request: Request<HearingSummaryRequest>,
    ) -> Result<Response<HearingSummaryView>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let id = case_id(&request.case_id)?;
        if request.staff.is_empty() {
            return Err(invalid("staff", "required", "staff: whose hearings"));
        }
        Ok(Response::new(
            self.casework
                .hearing_summary(tenant.as_str(), &id.to_string(), &request.staff)
                .await?,
        ))
    }
}
