//! `GET /api/v1/analytics/kpis`.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use rpc::analytics::v1::{DenominatorRequest, HalfYearRequest, KpisRequest};
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
    /// The unit's subtree only.
    pub unit: Option<String>,
    /// Only the subtrees of units carrying this `key:value` tag (`brand:byd`, `region:south`).
    pub tag: Option<String>,
    /// Only this kind (`complaint`, `report`, `inquiry`, …).
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub source: Option<String>,
    /// Only this category code.
    pub category: Option<String>,
    /// Only cases this staff member handled.
    pub staff: Option<String>,
}

/// A ratio with its parts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Kpi {
    pub value: f64,
    pub numerator: u64,
    pub denominator: u64,
}

/// Hours from receipt to the first resolution (nearest-rank percentiles over whole minutes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Handling {
    /// Cases resolved.
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub max: f64,
}

/// One entry of a breakdown: what the whole report would be with the entry as a filter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Count {
    /// Cases received in the period, accepted or not.
    pub count: u64,
    /// The KPIs over the entry's cases (decision 0012).
    pub kpis: BTreeMap<String, Kpi>,
    pub handling_hours: Handling,
    /// Compensation paid, in fen.
    pub compensation_fen: u64,
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
    /// Every KPI of decision 0012 with its numerator and denominator.
    pub kpis: BTreeMap<String, Kpi>,
    pub handling_hours: Handling,
    /// Compensation paid, in fen.
    pub compensation_fen: u64,
    pub by_channel: BTreeMap<String, Count>,
    /// Rolled up the organisation's tree: a unit counts the cases of its whole subtree.
    pub by_unit: BTreeMap<String, Count>,
    pub by_category: BTreeMap<String, Count>,
    pub by_source: BTreeMap<String, Count>,
    pub by_product: BTreeMap<String, Count>,
    pub by_staff: BTreeMap<String, Count>,
    /// By regulatory code, `set.dimension:code` (`jrt0169.cause:0102`, `nfra:credit_card`).
    pub by_regulatory_code: BTreeMap<String, Count>,
    /// By the organisation's `key:value` tags, each over the subtrees of the units carrying it.
    pub by_tag: BTreeMap<String, Count>,
    /// By month of receipt, `YYYY-MM`.
    pub by_month: BTreeMap<String, Count>,
    pub by_kind: BTreeMap<String, Count>,
    /// Quality inspections by the unit that handled the case, counted by the inspection's day
    /// (the KPIs `inspection_pass` and `inspection_score` sum them).
    pub inspections_by_unit: BTreeMap<String, UnitInspections>,
}

fn ratios(map: HashMap<String, rpc::analytics::v1::Ratio>) -> BTreeMap<String, Kpi> {
    map.into_iter()
        .map(|(k, r)| {
            let kpi = Kpi {
                value: r.value,
                numerator: r.numerator,
                denominator: r.denominator,
            };
            (k, kpi)
        })
        .collect()
}

fn handling(h: Option<rpc::analytics::v1::Handling>) -> Handling {
    let h = h.unwrap_or_default();
    Handling {
        count: h.count,
        mean: h.mean,
        p50: h.p50,
        p90: h.p90,
        max: h.max,
    }
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
        tag: query.tag.unwrap_or_default(),
        kind: query.kind.unwrap_or_default(),
        channel: query.channel.unwrap_or_default(),
        source: query.source.unwrap_or_default(),
        category: query.category.unwrap_or_default(),
        staff: query.staff.unwrap_or_default(),
    };
    let reply = state
        .peers
        .analytics
        .clone()
        .kpis(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    let counts = |map: HashMap<String, rpc::analytics::v1::Breakdown>| -> BTreeMap<String, Count> {
        map.into_iter()
            .map(|(k, v)| {
                let entry = Count {
                    count: v.count,
                    kpis: ratios(v.kpis),
                    handling_hours: handling(v.handling_hours),
                    compensation_fen: v.compensation_fen,
                };
                (k, entry)
            })
            .collect()
    };
    Ok(axum::Json(KpiReport {
        period: Period {
            from: reply.from,
            to: reply.to,
        },
        total: reply.total,
        kpis: ratios(reply.kpis),
        handling_hours: handling(reply.handling_hours),
        compensation_fen: reply.compensation_fen,
        by_channel: counts(reply.by_channel),
        by_unit: counts(reply.by_unit),
        by_category: counts(reply.by_category),
        by_source: counts(reply.by_source),
        by_product: counts(reply.by_product),
        by_staff: counts(reply.by_staff),
        by_regulatory_code: counts(reply.by_regulatory_code),
        by_tag: counts(reply.by_tag),
        by_month: counts(reply.by_month),
        by_kind: counts(reply.by_kind),
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

/// A unit's customers and outlets for a year.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DenominatorBody {
    /// Customers (or accounts, cards — what the organisation ranks by) at the unit that year.
    #[schema(maximum = 10_000_000_000_u64)]
    pub customers: u64,
    /// Outlets (branches, stores) of the unit that year.
    #[schema(maximum = 10_000_000_000_u64)]
    pub outlets: u64,
}

/// What was entered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DenominatorReply {
    pub unit: String,
    pub year: i32,
    pub customers: u64,
    pub outlets: u64,
}

/// Enters a unit's customers and outlets for a year, the denominators of the KPIs
/// `per_10000_customers` and `per_outlet` (a parent without its own entry sums its children's).
#[utoipa::path(
    put,
    path = "/api/v1/analytics/denominators/{unit}/{year}",
    params(
        ("unit" = String, Path, description = "The unit's id"),
        ("year" = i32, Path, description = "The year, 2000 to 2100"),
    ),
    request_body = DenominatorBody,
    responses(
        (status = 200, description = "Entered", body = DenominatorReply),
        (status = 400, description = "Malformed JSON or path", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Only the administrator enters denominators", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "A value out of range (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_denominator(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    path: Result<Path<(String, i32)>, axum::extract::rejection::PathRejection>,
    body: Bytes,
) -> Result<axum::Json<DenominatorReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the administrator enters denominators",
        ));
    }
    let Path((unit, year)) = path.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", rejection.body_text()).with_field("year")
    })?;
    let (body, _): (DenominatorBody, _) = super::body::json(&headers, &body)?;
    let request = DenominatorRequest {
        unit,
        year,
        customers: body.customers,
        outlets: body.outlets,
        entered_by: caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone()),
    };
    let reply = state
        .peers
        .analytics
        .clone()
        .enter_denominator(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    Ok(axum::Json(DenominatorReply {
        unit: reply.unit,
        year: reply.year,
        customers: reply.customers,
        outlets: reply.outlets,
    }))
}

/// Which half-year pack.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HalfYearQuery {
    /// The year, 2000 to 2100.
    pub year: i32,
    /// 1 (January to June, due 30 July) or 2 (July to December, due 30 January).
    pub half: u32,
    /// The unit: a branch's own pack, or head office's consolidation.
    pub unit: String,
    /// `xlsx` (the tables), `docx` (the narrative) or `csv` (the summary).
    pub format: String,
    /// `zh-CN` (the default; what the regulator receives) or `en`.
    pub lang: Option<String>,
}

/// The bank's half-year report pack as the regulator receives it (decision 0012): the
/// narrative with the figures filled in (DOCX), the tables (XLSX) or the summary (CSV), for a
/// unit's subtree.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/reports/half-year",
    params(HalfYearQuery),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "A query parameter is missing or malformed", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Reports are for staff", body = crate::api::error::ErrorBody),
        (status = 422, description = "Year, half, unit, format or language out of range (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn half_year_report(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<HalfYearQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !matches!(caller.role.as_str(), "admin" | "staff") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "reports are for staff",
        ));
    }
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
    })?;
    if let Some(lang) = query.lang.as_deref().filter(|l| !matches!(*l, "zh-CN" | "zh" | "en")) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("lang: `{lang}` is not one of zh-CN, en"),
        )
        .with_field("lang"));
    }
    let request = HalfYearRequest {
        year: query.year,
        half: query.half,
        unit: query.unit,
        format: query.format,
        language: query.lang.unwrap_or_default(),
    };
    let file = state
        .peers
        .analytics
        .clone()
        .half_year_report(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    Ok(attachment(file))
}

/// Who files a report for a unit.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObligationBody {
    /// Staff ids (1 to 20) who file it; the filing calendar reminds them.
    #[schema(min_items = 1, max_items = 20)]
    pub staff: Vec<String>,
}

/// An obligation as entered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationReply {
    pub report: String,
    pub unit: String,
    pub staff: Vec<String>,
}

/// Enters who files `report` (`half_year`, `quarterly`, `monthly`) for `unit`. The filing
/// calendar then tells them a week before each period's due day, and again once it is overdue,
/// until the pack is filed.
#[utoipa::path(
    put,
    path = "/api/v1/analytics/obligations/{report}/{unit}",
    params(
        ("report" = String, Path, description = "half_year, quarterly or monthly"),
        ("unit" = String, Path, description = "The unit that files it"),
    ),
    request_body = ObligationBody,
    responses(
        (status = 200, description = "Entered", body = ObligationReply),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Only the administrator enters obligations", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "An unknown report, a bad unit or staff id (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_obligation(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path((report, unit)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<ObligationReply>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !caller.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the administrator enters obligations",
        ));
    }
    let (body, _): (ObligationBody, _) = super::body::json(&headers, &body)?;
    let request = rpc::analytics::v1::ObligationRequest {
        report,
        unit,
        staff: body.staff,
        entered_by: caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone()),
    };
    let reply = state
        .peers
        .analytics
        .clone()
        .enter_obligation(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    Ok(axum::Json(ObligationReply {
        report: reply.report,
        unit: reply.unit,
        staff: reply.staff,
    }))
}

/// What to file.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    /// `half_year`, `quarterly` or `monthly`.
    pub report: String,
    /// `YYYY-H1`/`YYYY-H2`, `YYYY-Q1`..`Q4` or `YYYY-MM`, matching the report.
    pub period: String,
    pub unit: String,
}

/// A filing as logged: what, which version, by whom, when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FilingView {
    pub id: String,
    pub report: String,
    pub period: String,
    pub unit: String,
    pub version: u32,
    pub filed_by: String,
    pub filed_at: String,
    /// SHA-256 of the XLSX and the DOCX, in that order.
    pub sha256: String,
    /// Where its files are.
    pub xlsx: String,
    pub docx: String,
}

fn filing_view(f: rpc::analytics::v1::FilingView) -> FilingView {
    FilingView {
        xlsx: format!("/api/v1/analytics/filings/{}/xlsx", f.id),
        docx: format!("/api/v1/analytics/filings/{}/docx", f.id),
        id: f.id,
        report: f.report,
        period: f.period,
        unit: f.unit,
        version: f.version,
        filed_by: f.filed_by,
        filed_at: f.filed_at,
        sha256: f.sha256,
    }
}

/// Files a pack: renders the unit's report for the period (XLSX and DOCX), logs it as the next
/// version with who filed it and when, and tells the staff who file it (`report.ready`).
#[utoipa::path(
    post,
    path = "/api/v1/analytics/filings",
    request_body = FileBody,
    responses(
        (status = 201, description = "Filed", body = FilingView),
        (status = 400, description = "Malformed JSON", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Filings are made by staff", body = crate::api::error::ErrorBody),
        (status = 415, description = "Not JSON", body = crate::api::error::ErrorBody),
        (status = 422, description = "An unknown report or unit, or a period of another shape (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn file_report(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<FilingView>), ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !matches!(caller.role.as_str(), "admin" | "staff") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "filings are made by staff",
        ));
    }
    let (body, _): (FileBody, _) = super::body::json(&headers, &body)?;
    let request = rpc::analytics::v1::FileRequest {
        report: body.report,
        period: body.period,
        unit: body.unit,
        filed_by: caller.staff.clone().unwrap_or_else(|| caller.credential_id.clone()),
    };
    let filed = state
        .peers
        .analytics
        .clone()
        .file_report(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    Ok((StatusCode::CREATED, axum::Json(filing_view(filed))))
}

/// Which filings.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilingsQuery {
    pub unit: Option<String>,
    pub period: Option<String>,
}

/// The filing log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/filings",
    params(FilingsQuery),
    responses(
        (status = 200, description = "The log", body = Vec<FilingView>),
        (status = 400, description = "A malformed query", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Filings are for staff", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_filings(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<FilingsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<Vec<FilingView>>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !matches!(caller.role.as_str(), "admin" | "staff") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "filings are for staff",
        ));
    }
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
    })?;
    let request = rpc::analytics::v1::ListFilingsRequest {
        unit: query.unit.unwrap_or_default(),
        period: query.period.unwrap_or_default(),
    };
    let reply = state
        .peers
        .analytics
        .clone()
        .list_filings(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    Ok(axum::Json(reply.filings.into_iter().map(filing_view).collect()))
}

/// A filed pack's file, as it was filed.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/filings/{id}/{format}",
    params(
        ("id" = String, Path, description = "The filing's id"),
        ("format" = String, Path, description = "xlsx or docx"),
    ),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Filings are for staff", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such filing", body = crate::api::error::ErrorBody),
        (status = 422, description = "A format other than xlsx or docx", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_filing(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path((id, format)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    let caller = auth::required_caller(&state, &headers).await?;
    if !matches!(caller.role.as_str(), "admin" | "staff") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "filings are for staff",
        ));
    }
    let file = state
        .peers
        .analytics
        .clone()
        .get_filing(with_tenant(
            &caller.tenant,
            rpc::analytics::v1::GetFilingRequest { id, format },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    Ok(attachment(file).into_response())
}

/// A report file as a download.
fn attachment(file: rpc::analytics::v1::ReportFile) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let mut response = (StatusCode::OK, file.content).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.filename)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Which hot spots.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HotspotsQuery {
    /// First day, YYYY-MM-DD (Beijing time).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// The unit's subtree only.
    pub unit: Option<String>,
    /// How many of each list, 1 to 100 (10 by default).
    pub top: Option<u32>,
}

/// One key now and in the period before.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendView {
    pub key: String,
    pub count: u64,
    pub previous: u64,
    /// `(count - previous) / previous`; absent when there was none before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<f64>,
}

/// Hot spots of a period against as many days just before it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HotspotsView {
    pub period: Period,
    pub previous: Period,
    /// The top categories by cases received (every kind counts), with their trend.
    pub categories: Vec<TrendView>,
    /// The top regulatory causes (`jrt0169.cause:…`).
    pub causes: Vec<TrendView>,
    /// Categories and units (each over its subtree) that grew most, by cases added.
    pub rising_categories: Vec<TrendView>,
    pub rising_units: Vec<TrendView>,
}

/// Hot spots for management meetings: top categories and causes with their trend, the units and
/// categories rising (decision 0012).
#[utoipa::path(
    get,
    path = "/api/v1/analytics/hotspots",
    params(HotspotsQuery),
    responses(
        (status = 200, description = "The hot spots", body = HotspotsView),
        (status = 400, description = "A query parameter is missing", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 422, description = "A date is malformed, the range reversed or top out of range", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn hotspots(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<HotspotsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<HotspotsView>, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
    })?;
    let request = rpc::analytics::v1::HotspotsRequest {
        from: query.from,
        to: query.to,
        unit: query.unit.unwrap_or_default(),
        top: query.top.unwrap_or(0),
    };
    let reply = state
        .peers
        .analytics
        .clone()
        .hotspots(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    let list = |trends: Vec<rpc::analytics::v1::Trend>| {
        trends
            .into_iter()
            .map(|t| TrendView {
                key: t.key,
                count: t.count,
                previous: t.previous,
                change: t.change,
            })
            .collect()
    };
    Ok(axum::Json(HotspotsView {
        period: Period {
            from: reply.from,
            to: reply.to,
        },
        previous: Period {
            from: reply.previous_from,
            to: reply.previous_to,
        },
        categories: list(reply.categories),
        causes: list(reply.causes),
        rising_categories: list(reply.rising_categories),
        rising_units: list(reply.rising_units),
    }))
}

/// Which overdue list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    /// As of the end of this day, YYYY-MM-DD (Beijing time); now when absent.
    pub day: Option<String>,
    /// The unit's subtree only.
    pub unit: Option<String>,
    /// `xlsx` or `csv`.
    pub format: String,
    /// `zh-CN` (the default) or `en`.
    pub lang: Option<String>,
}

/// The daily overdue list: every open case past its resolution deadline, most overdue first,
/// with its case number, unit, kind, category, received and due times and days overdue.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/reports/overdue",
    params(OverdueQuery),
    responses(
        (status = 200, description = "The list, as an attachment", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "A query parameter is missing or malformed", body = crate::api::error::ErrorBody),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "Reports are for staff", body = crate::api::error::ErrorBody),
        (status = 422, description = "A malformed day, unit, format or language (named)", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn overdue_list(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    query: Result<Query<OverdueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !matches!(caller.role.as_str(), "admin" | "staff") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "reports are for staff",
        ));
    }
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
    })?;
    if let Some(lang) = query.lang.as_deref().filter(|l| !matches!(*l, "zh-CN" | "zh" | "en")) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("lang: `{lang}` is not one of zh-CN, en"),
        )
        .with_field("lang"));
    }
    let request = rpc::analytics::v1::OverdueRequest {
        day: query.day.unwrap_or_default(),
        unit: query.unit.unwrap_or_default(),
        format: query.format,
        language: query.lang.unwrap_or_default(),
    };
    let file = state
        .peers
        .analytics
        .clone()
        .overdue_list(with_tenant(&caller.tenant, request))
        .await
        .map_err(|s| ApiError::from_status(s, "analytics"))?
        .into_inner();
    Ok(attachment(file))
}
