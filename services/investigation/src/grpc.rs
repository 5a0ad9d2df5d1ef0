//! Investigation's gRPC adapter.

use rpc::investigation::v1::investigation_server::Investigation;
use rpc::investigation::v1::{FileView, GetFileRequest};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{case_id, internal, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::store as sql;

/// The gRPC face of investigation.
pub struct InvestigationGrpc {
    pub db: Db,
}

#[tonic::async_trait]
impl Investigation for InvestigationGrpc {
    async fn get_file(&self, request: Request<GetFileRequest>) -> Result<Response<FileView>, Status> {
        let tenant = tenant_of(&request)?;
        let id = case_id(&request.get_ref().case_id)?;
        let file = sql::file(&self.db, tenant.as_str(), &id.to_string())
            .await
            .map_err(internal)?;
        Ok(Response::new(match file {
            None => FileView::default(),
            Some(file) => {
                let deadlines = sql::deadlines_of(&self.db, tenant.as_str(), &file.case_id)
                    .await
                    .map_err(internal)?;
                FileView {
                    known: true,
                    status: file.status,
                    unit: file.unit,
                    deadlines: deadlines.iter().map(crate::deadlines::wire).collect(),
                    version: u64::try_from(file.version).unwrap_or(0),
                }
            }
        }))
    }

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }
}
