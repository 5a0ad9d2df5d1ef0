//! Analytics' gRPC adapter.

use domain::ErrorCode;
use rpc::analytics::v1::analytics_server::Analytics;
use rpc::analytics::v1::{Breakdown, Inspections, KpisReply, KpisRequest, Ratio};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{internal, status, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::store as sql;

/// The gRPC face of analytics.
pub struct AnalyticsGrpc {
    pub db: Db,
}

fn day(field: &'static str, text: &str) -> Result<String, Status> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| {
            status(
                ErrorCode::Invalid,
                "format",
                &format!("{field} must be a date YYYY-MM-DD"),
                Some(field),
            )
        })
}

fn ratio(numerator: u64, denominator: u64) -> Ratio {
    let value = if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    };
    Ratio {
        value,
        numerator,
        denominator,
    }
}

#[tonic::async_trait]
impl Analytics for AnalyticsGrpc {
    async fn kpis(&self, request: Request<KpisRequest>) -> Result<Response<KpisReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let from = day("from", &request.from)?;
        let to = day("to", &request.to)?;
        if from > to {
            return Err(status(
                ErrorCode::Invalid,
                "range",
                "from must not be after to",
                Some("from"),
            ));
        }
        let unit = if request.unit.is_empty() {
            None
        } else {
            Some(request.unit.as_str())
        };
        let figures = sql::figures(&self.db, tenant.as_str(), &from, &to, unit)
            .await
            .map_err(internal)?;
        let breakdown = |map: std::collections::BTreeMap<String, u64>| {
            map.into_iter().map(|(key, count)| (key, Breakdown { count })).collect()
        };
        let mut kpis = std::collections::HashMap::new();
        kpis.insert(
            "acknowledgement_on_time".to_owned(),
            ratio(figures.acknowledged_on_time, figures.accepted),
        );
        kpis.insert("acceptance".to_owned(), ratio(figures.accepted, figures.total));
        let inspections = sql::inspections(&self.db, tenant.as_str(), &from, &to, unit)
            .await
            .map_err(internal)?;
        let (inspected, passed) = inspections
            .values()
            .fold((0, 0), |(i, p), u| (i + u.inspected, p + u.passed));
        kpis.insert("inspection_pass".to_owned(), ratio(passed, inspected));
        let (scored, total_score) = inspections
            .values()
            .fold((0, 0.0), |(n, t), u| (n + u.scored, t + u.score_total));
        kpis.insert(
            "inspection_score".to_owned(),
            Ratio {
                value: if scored == 0 { 0.0 } else { total_score / scored as f64 },
                numerator: total_score.round() as u64,
                denominator: scored,
            },
        );
        let inspections_by_unit = inspections
            .into_iter()
            .map(|(unit, u)| {
                let mean_score = if u.scored == 0 {
                    0.0
                } else {
                    u.score_total / u.scored as f64
                };
                let figures = Inspections {
                    inspected: u.inspected,
                    passed: u.passed,
                    scored: u.scored,
                    mean_score,
                };
                (unit, figures)
            })
            .collect();
        Ok(Response::new(KpisReply {
            from,
            to,
            kpis,
            total: figures.total,
            by_channel: breakdown(figures.by_channel),
            by_unit: breakdown(figures.by_unit),
            by_category: breakdown(figures.by_category),
            inspections_by_unit,
        }))
    }

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }
}
