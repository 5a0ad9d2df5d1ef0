//! `GET /api/v1/analytics/kpis`.

use std::collections::BTreeMap;

use axum::extract::{Query, State as Extract};
use axum::http::HeaderMap;
use rpc::analytics::v1::KpisRequest;
use runtime::grpc::with_tenant;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, auth};
use crate::app::State;

/// The period and unit asked for.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiQuery {
    /// First day, YYYY-MM-DD (Beijing time).
    pub from: String,
    /// Last day, YYYY-MM-DD, inclusive.
    pub to: String,
    pub unit: Option<String>,
}

/// A ratio with its parts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Kpi {
    pub value: f64,
    pub numerator: u64,
    pub denominator: u64,
}

/// A count in a breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Count {
    /// Cases received in the period, accepted or not.
    pub count: u64,
}

/// Quality inspections of one unit's closed cases held in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitInspections {
    pub inspected: u64,
    pub passed: u64,
    /// Inspections that gave scores.
    pub scored: u64,
    /// The mean of their scores, 0–100; 0 when none was scored.
    pub mean_score: f64,
}

/// The period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// KPIs and breakdowns.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiReport {
    pub period: Period,
    pub total: u64,
    pub kpis: BTreeMap<String, Kpi>,
    pub by_channel: BTreeMap<String, Count>,
    pub by_unit: BTreeMap<String, Count>,
    pub by_category: BTreeMap<String, Count>,
    /// Quality inspections by the unit that handled the case, counted by the inspection's day
    /// (the KPIs `inspection_pass` and `inspection_score` sum them).
    pub inspections_by_unit: BTreeMap<String, UnitInspections>,
}

/// KPIs for cases received in a period.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/kpis",
    params(KpiQuery),
    responses(
        (status = 200, description = "The figures", body = KpiReport),
        (status = 400, description = "A query parameter is missing", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 422, description = "A date is malformed or the range is reversed", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn kpis(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<KpiQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<KpiReport>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_query",
            rejection.body_text(),
        )
        .with_field("query")
    })?;
    let request = KpisRequest {
        from: query.from,
        to: query.to,
        unit: query.unit.unwrap_or_default(),
    };
    let reply = state
        .peers
        .analytics
        .clone()
        .kpis(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    let counts = |map: std::collections::HashMap<String, rpc::analytics::v1::Breakdown>| {
        map.into_iter().map(|(k, v)| (k, Count { count: v.count })).collect()
    };
    Ok(axum::Json(KpiReport {
        period: Period {
            from: reply.from,
            to: reply.to,
        },
        total: reply.total,
        kpis: reply
            .kpis
            .into_iter()
            .map(|(k, r)| {
                (
                    k,
                    Kpi {
                        value: r.value,
                        numerator: r.numerator,
                        denominator: r.denominator,
                    },
                )
            })
            .collect(),
        by_channel: counts(reply.by_channel),
        by_unit: counts(reply.by_unit),
        by_category: counts(reply.by_category),
        inspections_by_unit: reply
            .inspections_by_unit
            .into_iter()
            .map(|(unit, i)| {
                let figures = UnitInspections {
                    inspected: i.inspected,
                    passed: i.passed,
                    scored: i.scored,
                    mean_score: i.mean_score,
                };
                (unit, figures)
            })
            .collect(),
    }))
}
