//! Analytics' gRPC adapter.

use domain::ErrorCode;
use rpc::analytics::v1::analytics_server::Analytics;
use std::collections::{BTreeMap, HashMap};

use rpc::analytics::v1::{
    Breakdown, DenominatorReply, DenominatorRequest, FileRequest, FilingView, FilingsReply, GetFilingRequest,
    HalfYearRequest, Handling, HotspotsReply, HotspotsRequest, Inspections, KpisReply, KpisRequest, ListFilingsRequest,
    ObligationReply, ObligationRequest, OverdueRequest, Ratio, ReportFile, Trend,
};
use rpc::timeline::v1::{CaseHistoryReply, CaseHistoryRequest};
use runtime::grpc::{internal, status, tenant_of};
use store::Db;
use tonic::{Request, Response, Status};

use crate::SERVICE;
use crate::figures::{self, Denominator, Figures, Filter, Tally, Tree};
use crate::store as sql;

fn filing_view(filed: crate::filings::Filing) -> FilingView {
    FilingView {
        id: filed.id,
        report: filed.report,
        period: filed.period,
        unit: filed.unit,
        version: u32::try_from(filed.version).unwrap_or(u32::MAX),
        filed_by: filed.filed_by,
        filed_at: filed.filed_at,
        sha256: filed.sha256,
    }
}

/// The tenant's organisation as last published; none before routing publishes one.
async fn load_org(db: &Db, tenant: &str) -> Result<Option<directory::Org>, Status> {
    let Some(body) = sql::organisation(db, tenant).await.map_err(internal)? else {
        return Ok(None);
    };
    let document: directory::OrgDocument = serde_json::from_str(&body).map_err(internal)?;
    Ok(Some(document.build().map_err(|e| internal(format!("{e:?}")))?))
}

/// The gRPC face of analytics.
pub struct AnalyticsGrpc {
    pub db: Db,
    pub clock: std::sync::Arc<dyn domain::Clock>,
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

fn ratio(r: figures::Ratio) -> Ratio {
    Ratio {
        value: r.value,
        numerator: r.numerator,
        denominator: r.denominator,
    }
}

fn handling(tally: &Tally) -> Handling {
    let h = tally.handling();
    Handling {
        count: h.count,
        mean: h.mean,
        p50: h.p50,
        p90: h.p90,
        max: h.max,
    }
}

fn kpis(tally: &Tally, denominator: Option<Denominator>) -> HashMap<String, Ratio> {
    let mut kpis: HashMap<String, Ratio> = tally
        .kpis()
        .into_iter()
        .map(|(k, r)| (k.to_owned(), ratio(r)))
        .collect();
    if let Some(denominator) = denominator {
        for (name, r) in figures::per_customers_and_outlets(tally, denominator) {
            kpis.insert(name.to_owned(), ratio(r));
        }
    }
    kpis
}

fn breakdown(
    map: BTreeMap<String, Tally>,
    denominator: impl Fn(&str) -> Option<Denominator>,
) -> HashMap<String, Breakdown> {
    map.into_iter()
        .map(|(key, tally)| {
            let entry = Breakdown {
                count: tally.count,
                kpis: kpis(&tally, denominator(&key)),
                handling_hours: Some(handling(&tally)),
                compensation_fen: tally.compensation_fen,
            };
            (key, entry)
        })
        .collect()
}

/// A unit id as the directory writes them, or the refusal naming `unit`.
fn unit_id(text: &str) -> Result<(), Status> {
    if domain::complaint::is_directory_id(text) {
        return Ok(());
    }
    Err(status(
        ErrorCode::Invalid,
        "directory_id",
        "unit: a unit id, 1 to 64 of a-z, 0-9, - and _",
        Some("unit"),
    ))
}

fn id_filter(field: &'static str, text: String) -> Result<String, Status> {
    if text.len() > 128 || text.chars().any(char::is_control) {
        return Err(status(
            ErrorCode::Invalid,
            "format",
            &format!("{field}: at most 128 characters, no control characters"),
            Some(field),
        ));
    }
    Ok(text)
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
        let filter = Filter {
            unit: id_filter("unit", request.unit)?,
            tag: id_filter("tag", request.tag)?,
            kind: id_filter("kind", request.kind)?,
            channel: id_filter("channel", request.channel)?,
            source: id_filter("source", request.source)?,
            category: id_filter("category", request.category)?,
            staff: id_filter("staff", request.staff)?,
        };
        let tree = Tree::new(load_org(&self.db, tenant.as_str()).await?);
        let mut figures = Figures::default();
        sql::each_case(&self.db, tenant.as_str(), &from, &to, |case| {
            figures.add(&case, &tree, &filter)
        })
        .await
        .map_err(internal)?;
        let year: i32 = from[..4].parse().unwrap_or_default();
        let entered = sql::denominators(&self.db, tenant.as_str(), year)
            .await
            .map_err(internal)?;
        let scope = if filter.unit.is_empty() {
            tree.root()
        } else {
            filter.unit.clone()
        };
        let total_denominator =
            (filter.tag.is_empty() && !entered.is_empty()).then(|| figures::denominator_of(&scope, &tree, &entered));
        let unit_denominator =
            |unit: &str| (!entered.is_empty()).then(|| figures::denominator_of(unit, &tree, &entered));
        let mut kpis = kpis(&figures.total, total_denominator);
        let inspections = sql::inspections(
            &self.db,
            tenant.as_str(),
            &from,
            &to,
            (!filter.unit.is_empty()).then_some(filter.unit.as_str()),
        )
        .await
        .map_err(internal)?;
        let (inspected, passed) = inspections
            .values()
            .fold((0, 0), |(i, p), u| (i + u.inspected, p + u.passed));
        kpis.insert(
            "inspection_pass".to_owned(),
            ratio(figures::Ratio::of(passed, inspected)),
        );
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
        let none = |_: &str| None;
        Ok(Response::new(KpisReply {
            from,
            to,
            kpis,
            total: figures.total.count,
            handling_hours: Some(handling(&figures.total)),
            compensation_fen: figures.total.compensation_fen,
            by_channel: breakdown(figures.by_channel, none),
            by_unit: breakdown(figures.by_unit, unit_denominator),
            by_category: breakdown(figures.by_category, none),
            by_source: breakdown(figures.by_source, none),
            by_product: breakdown(figures.by_product, none),
            by_staff: breakdown(figures.by_staff, none),
            by_regulatory_code: breakdown(figures.by_regulatory_code, none),
            by_tag: breakdown(figures.by_tag, none),
            by_month: breakdown(figures.by_month, none),
            by_kind: breakdown(figures.by_kind, none),
            inspections_by_unit,
        }))
    }

    async fn enter_denominator(
        &self,
        request: Request<DenominatorRequest>,
    ) -> Result<Response<DenominatorReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        unit_id(&request.unit)?;
        if !(2000..=2100).contains(&request.year) {
            return Err(status(
                ErrorCode::Invalid,
                "range",
                "year: from 2000 to 2100",
                Some("year"),
            ));
        }
        for (field, value) in [("customers", request.customers), ("outlets", request.outlets)] {
            if value > 10_000_000_000 {
                return Err(status(
                    ErrorCode::Invalid,
                    "range",
                    &format!("{field}: at most 10,000,000,000"),
                    Some(field),
                ));
            }
        }
        let denominator = Denominator {
            customers: request.customers,
            outlets: request.outlets,
        };
        let at = self.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        sql::enter_denominator(
            &self.db,
            tenant.as_str(),
            &request.unit,
            request.year,
            denominator,
            &request.entered_by,
            &at,
        )
        .await
        .map_err(internal)?;
        Ok(Response::new(DenominatorReply {
            unit: request.unit,
            year: request.year,
            customers: request.customers,
            outlets: request.outlets,
        }))
    }

    async fn half_year_report(&self, request: Request<HalfYearRequest>) -> Result<Response<ReportFile>, Status> {
        use crate::reports::{Language, PackError, Period};
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        if !(2000..=2100).contains(&request.year) {
            return Err(status(
                ErrorCode::Invalid,
                "range",
                "year: from 2000 to 2100",
                Some("year"),
            ));
        }
        if !matches!(request.half, 1 | 2) {
            return Err(status(
                ErrorCode::Invalid,
                "one_of",
                "half: 1 (January to June) or 2 (July to December)",
                Some("half"),
            ));
        }
        let language = Language::parse(&request.language)
            .ok_or_else(|| status(ErrorCode::Invalid, "one_of", "language: zh-CN or en", Some("language")))?;
        if !matches!(request.format.as_str(), "xlsx" | "docx" | "csv") {
            return Err(status(
                ErrorCode::Invalid,
                "one_of",
                "format: xlsx, docx or csv",
                Some("format"),
            ));
        }
        let half = Period::Half {
            year: request.year,
            half: request.half,
        };
        let org = load_org(&self.db, tenant.as_str()).await?;
        let pack = crate::reports::pack(&self.db, tenant.as_str(), org, &request.unit, half, language)
            .await
            .map_err(|e| match e {
                PackError::UnknownUnit(_) => status(ErrorCode::Invalid, "unknown", &e.to_string(), Some("unit")),
                PackError::NoOrganisation => status(ErrorCode::Invalid, "unknown", &e.to_string(), Some("unit")),
                PackError::Store(e) => internal(e),
            })?;
        let stem = format!("half-year-{}-h{}-{}", request.year, request.half, request.unit);
        let (content, media_type) = match request.format.as_str() {
            "xlsx" => (
                pack.xlsx().map_err(internal)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            "docx" => (
                pack.docx().map_err(|e| internal(format!("{e:?}")))?,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            _ => (pack.csv().into_bytes(), "text/csv; charset=utf-8"),
        };
        Ok(Response::new(ReportFile {
            filename: format!("{stem}.{}", request.format),
            media_type: media_type.to_owned(),
            content,
        }))
    }

    async fn hotspots(&self, request: Request<HotspotsRequest>) -> Result<Response<HotspotsReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let from = day("from", &request.from)?;
        let to = day("to", &request.to)?;
        let parse = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        let (start, end) = (parse(&from), parse(&to));
        if start > end {
            return Err(status(
                ErrorCode::Invalid,
                "range",
                "from must not be after to",
                Some("from"),
            ));
        }
        let top = match request.top {
            0 => 10,
            n @ 1..=100 => n as usize,
            _ => return Err(status(ErrorCode::Invalid, "range", "top: from 1 to 100", Some("top"))),
        };
        let days = (end - start).num_days() + 1;
        let previous_to = start - chrono::Duration::days(1);
        let previous_from = start - chrono::Duration::days(days);
        let (previous_from, previous_to) = (
            previous_from.format("%Y-%m-%d").to_string(),
            previous_to.format("%Y-%m-%d").to_string(),
        );
        let tree = Tree::new(load_org(&self.db, tenant.as_str()).await?);
        let filter = Filter {
            unit: id_filter("unit", request.unit)?,
            ..Filter::default()
        };
        let mut now = Figures::default();
        sql::each_case(&self.db, tenant.as_str(), &from, &to, |case| {
            now.add(&case, &tree, &filter)
        })
        .await
        .map_err(internal)?;
        let mut before = Figures::default();
        sql::each_case(&self.db, tenant.as_str(), &previous_from, &previous_to, |case| {
            before.add(&case, &tree, &filter)
        })
        .await
        .map_err(internal)?;
        let root = tree.root();
        let spots = crate::hotspots::hotspots(&now, &before, Some(root.as_str()), top);
        let list = |trends: Vec<crate::hotspots::Trend>| {
            trends
                .into_iter()
                .map(|t| Trend {
                    key: t.key,
                    count: t.count,
                    previous: t.previous,
                    change: t.change,
                })
                .collect()
        };
        Ok(Response::new(HotspotsReply {
            from,
            to,
            previous_from,
            previous_to,
            categories: list(spots.categories),
            causes: list(spots.causes),
            rising_categories: list(spots.rising_categories),
            rising_units: list(spots.rising_units),
        }))
    }

    async fn overdue_list(&self, request: Request<OverdueRequest>) -> Result<Response<ReportFile>, Status> {
        use chrono::TimeZone as _;
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let language = crate::reports::Language::parse(&request.language)
            .ok_or_else(|| status(ErrorCode::Invalid, "one_of", "language: zh-CN or en", Some("language")))?;
        let at = if request.day.is_empty() {
            self.clock.now()
        } else {
            let day = chrono::NaiveDate::parse_from_str(&day("day", &request.day)?, "%Y-%m-%d").unwrap_or_default();
            let next = day.succ_opt().unwrap_or(day).and_time(chrono::NaiveTime::MIN);
            chrono_tz::Asia::Shanghai
                .from_local_datetime(&next)
                .earliest()
                .map(|at| at.with_timezone(&chrono::Utc))
                .unwrap_or_default()
        };
        let tree = Tree::new(load_org(&self.db, tenant.as_str()).await?);
        let unit = id_filter("unit", request.unit)?;
        let list = crate::overdue::overdue(&self.db, tenant.as_str(), &tree, &unit, at)
            .await
            .map_err(internal)?;
        let label = if request.day.is_empty() {
            at.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d")
                .to_string()
        } else {
            request.day.clone()
        };
        let stem = if unit.is_empty() {
            format!("overdue-{label}")
        } else {
            format!("overdue-{label}-{unit}")
        };
        let (content, media_type, extension) = match request.format.as_str() {
            "xlsx" => (
                crate::overdue::xlsx(&list, language).map_err(internal)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            "csv" => (
                crate::overdue::csv(&list, language).into_bytes(),
                "text/csv; charset=utf-8",
                "csv",
            ),
            _ => {
                return Err(status(
                    ErrorCode::Invalid,
                    "one_of",
                    "format: xlsx or csv",
                    Some("format"),
                ));
            }
        };
        Ok(Response::new(ReportFile {
            filename: format!("{stem}.{extension}"),
            media_type: media_type.to_owned(),
            content,
        }))
    }

    async fn enter_obligation(&self, request: Request<ObligationRequest>) -> Result<Response<ObligationReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        if !crate::filings::REPORTS.contains(&request.report.as_str()) {
            return Err(status(
                ErrorCode::Invalid,
                "one_of",
                "report: one of half_year, quarterly, monthly",
                Some("report"),
            ));
        }
        unit_id(&request.unit)?;
        if request.staff.is_empty() || request.staff.len() > 20 {
            return Err(status(
                ErrorCode::Invalid,
                "count",
                "staff: 1 to 20 staff ids who file it",
                Some("staff"),
            ));
        }
        if let Some(bad) = request
            .staff
            .iter()
            .position(|s| !domain::complaint::is_directory_id(s))
        {
            let field = format!("staff[{bad}]");
            return Err(status(
                ErrorCode::Invalid,
                "directory_id",
                &format!("{field}: a staff id"),
                Some(&field),
            ));
        }
        let obligation = crate::filings::Obligation {
            tenant: tenant.to_string(),
            report: request.report.clone(),
            unit: request.unit.clone(),
            staff: request.staff.clone(),
        };
        crate::filings::enter_obligation(&self.db, &obligation, &request.entered_by, self.clock.now())
            .await
            .map_err(internal)?;
        Ok(Response::new(ObligationReply {
            report: request.report,
            unit: request.unit,
            staff: request.staff,
        }))
    }

    async fn file_report(&self, request: Request<FileRequest>) -> Result<Response<FilingView>, Status> {
        use crate::filings::FileError;
        use crate::reports::PackError;
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let period = crate::reports::Period::parse(&request.period).ok_or_else(|| {
            status(
                ErrorCode::Invalid,
                "format",
                "period: YYYY-MM, YYYY-Q1 to Q4 or YYYY-H1/H2",
                Some("period"),
            )
        })?;
        let org = load_org(&self.db, tenant.as_str()).await?;
        let order = crate::filings::Order {
            report: &request.report,
            period,
            unit: &request.unit,
            by: &request.filed_by,
        };
        let filed = crate::filings::file(&self.db, tenant.as_str(), org, &order, self.clock.now())
            .await
            .map_err(|e| match e {
                FileError::UnknownReport => status(ErrorCode::Invalid, "one_of", &e.to_string(), Some("report")),
                FileError::WrongPeriod(..) => status(ErrorCode::Invalid, "format", &e.to_string(), Some("period")),
                FileError::Pack(PackError::UnknownUnit(_) | PackError::NoOrganisation) => {
                    status(ErrorCode::Invalid, "unknown", &e.to_string(), Some("unit"))
                }
                other => internal(other),
            })?;
        Ok(Response::new(filing_view(filed)))
    }

    async fn list_filings(&self, request: Request<ListFilingsRequest>) -> Result<Response<FilingsReply>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        let filings = crate::filings::list(
            &self.db,
            tenant.as_str(),
            optional(&request.unit).as_deref(),
            optional(&request.period).as_deref(),
        )
        .await
        .map_err(internal)?;
        Ok(Response::new(FilingsReply {
            filings: filings.into_iter().map(filing_view).collect(),
        }))
    }

    async fn get_filing(&self, request: Request<GetFilingRequest>) -> Result<Response<ReportFile>, Status> {
        let tenant = tenant_of(&request)?;
        let request = request.into_inner();
        let media_type = match request.format.as_str() {
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _ => {
                return Err(status(
                    ErrorCode::Invalid,
                    "one_of",
                    "format: xlsx or docx",
                    Some("format"),
                ));
            }
        };
        let (filed, content) = crate::filings::file_of(&self.db, tenant.as_str(), &request.id, &request.format)
            .await
            .map_err(internal)?
            .ok_or_else(|| status(ErrorCode::NotFound, "not_found", "no such filing", Some("id")))?;
        Ok(Response::new(ReportFile {
            filename: format!(
                "{}-{}-{}-v{}.{}",
                filed.report, filed.period, filed.unit, filed.version, request.format
            ),
            media_type: media_type.to_owned(),
            content,
        }))
    }

    async fn case_history(&self, request: Request<CaseHistoryRequest>) -> Result<Response<CaseHistoryReply>, Status> {
        runtime::grpc::case_history(&self.db, SERVICE, request).await
    }
}
