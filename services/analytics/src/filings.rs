//! Filings (decision 0012): who files which report for which unit, every pack filed with its
//! version, author and time, and the filing calendar's reminders — `analytics.report.ready` when
//! a pack is filed, `analytics.report.due` a week before it is due and again once overdue, each
//! once (notification tells the staff who file it).

use bytes::Bytes;
use chrono::{DateTime, Duration, TimeZone as _, Utc};
use prost::Message as _;
use rpc::events::v1::{ReportDue, ReportReady};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;
use store::messaging::{NewEvent, Origin};
use store::{Db, Error};
use uuid::Uuid;

use crate::reports::{Language, PackError, Period};

/// The reports that have a filing calendar.
pub const REPORTS: &[&str] = &["half_year", "quarterly", "monthly"];

/// How long before its due day a filing is announced as due.
pub const NOTICE_DAYS: i64 = 7;

/// A filing's stream on the bus: one per tenant, report, period and unit.
pub fn stream(tenant: &str, report: &str, period: &str, unit: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("redress:filing:{tenant}/{report}/{period}/{unit}").as_bytes(),
    )
}

/// The instant a period's filing is late: the end of its due day in Beijing.
pub fn due_at(period: Period) -> DateTime<Utc> {
    let next = period.due().succ_opt().unwrap_or(period.due());
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&next.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_default()
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Who files `report` for `unit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub tenant: String,
    pub report: String,
    pub unit: String,
    pub staff: Vec<String>,
}

/// Enters (or replaces) who files a report for a unit.
pub async fn enter_obligation(db: &Db, obligation: &Obligation, by: &str, at: DateTime<Utc>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO obligations (tenant, report, unit, staff_json, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant, report, unit) DO UPDATE SET staff_json = excluded.staff_json,
            entered_by = excluded.entered_by, entered_at = excluded.entered_at",
    )
    .bind(&obligation.tenant)
    .bind(&obligation.report)
    .bind(&obligation.unit)
    .bind(serde_json::to_string(&obligation.staff).unwrap_or_else(|_| "[]".into()))
    .bind(by)
    .bind(text(at))
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Every obligation (of every tenant, or of one).
pub async fn obligations(db: &Db, tenant: Option<&str>) -> Result<Vec<Obligation>, Error> {
    let rows = sqlx::query(
        "SELECT tenant, report, unit, staff_json FROM obligations WHERE ($1 IS NULL OR tenant = $1)
         ORDER BY tenant, report, unit",
    )
    .bind(tenant)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let staff: String = row.try_get("staff_json")?;
            Ok(Obligation {
                tenant: row.try_get("tenant")?,
                report: row.try_get("report")?,
                unit: row.try_get("unit")?,
                staff: serde_json::from_str(&staff).unwrap_or_default(),
            })
        })
        .collect()
}

async fn staff_of(conn: &mut store::Conn, tenant: &str, report: &str, unit: &str) -> Result<Vec<String>, Error> {
    let staff: Option<String> =
        sqlx::query_scalar("SELECT staff_json FROM obligations WHERE tenant = $1 AND report = $2 AND unit = $3")
            .bind(tenant)
            .bind(report)
            .bind(unit)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(staff.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default())
}

/// A filing as logged (without its files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub id: String,
    pub report: String,
    pub period: String,
    pub unit: String,
    pub version: i64,
    pub filed_by: String,
    pub filed_at: String,
    pub sha256: String,
}

/// Why a filing cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("report: one of half_year, quarterly, monthly")]
    UnknownReport,
    #[error("period: a {0} period is written {1}")]
    WrongPeriod(&'static str, &'static str),
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error("the pack could not be rendered: {0}")]
    Render(String),
    #[error(transparent)]
    Store(#[from] Error),
}

impl From<sqlx::Error> for FileError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// What to file, and who files it.
#[derive(Debug, Clone, Copy)]
pub struct Order<'a> {
    pub report: &'a str,
    pub period: Period,
    pub unit: &'a str,
    pub by: &'a str,
}

/// Files the pack of `unit` for `period`: renders it, logs it as the next version and announces
/// it (`report.ready`), all in one transaction.
pub async fn file(
    db: &Db,
    tenant: &str,
    org: Option<directory::Org>,
    order: &Order<'_>,
    now: DateTime<Utc>,
) -> Result<Filing, FileError> {
    let Order {
        report,
        period,
        unit,
        by,
    } = *order;
    if !REPORTS.contains(&report) {
        return Err(FileError::UnknownReport);
    }
    if period.kind() != report {
        let (name, shape) = match report {
            "half_year" => ("half_year", "YYYY-H1 or YYYY-H2"),
            "quarterly" => ("quarterly", "YYYY-Q1 to YYYY-Q4"),
            _ => ("monthly", "YYYY-MM"),
        };
        return Err(FileError::WrongPeriod(name, shape));
    }
    let pack = crate::reports::pack(db, tenant, org, unit, period, Language::Zh).await?;
    let xlsx = pack.xlsx().map_err(|e| FileError::Render(e.to_string()))?;
    let docx = pack.docx().map_err(|e| FileError::Render(format!("{e:?}")))?;
    let mut hash = Sha256::new();
    hash.update(&xlsx);
    hash.update(&docx);
    let sha256 = hex::encode(hash.finalize());
    let key = period.key();
    let mut tx = db.begin().await?;
    let version: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(version), 0) + 1 FROM filings WHERE tenant = $1 AND report = $2 AND period = $3 AND unit = $4",
    )
    .bind(tenant)
    .bind(report)
    .bind(&key)
    .bind(unit)
    .fetch_one(&mut *tx)
    .await?;
    let id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO filings (id, tenant, report, period, unit, version, filed_by, filed_at, xlsx, docx, sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(report)
    .bind(&key)
    .bind(unit)
    .bind(version)
    .bind(by)
    .bind(text(now))
    .bind(xlsx)
    .bind(docx)
    .bind(&sha256)
    .execute(&mut *tx)
    .await?;
    let ready = ReportReady {
        report: report.to_owned(),
        period: key.clone(),
        version: u32::try_from(version).unwrap_or(u32::MAX),
        ready_at: text(now),
        unit: unit.to_owned(),
        unit_name: pack.unit_name.clone(),
        staff: staff_of(&mut tx, tenant, report, unit).await?,
        formats: vec!["xlsx".into(), "docx".into()],
        link: format!("/api/v1/analytics/filings/{id}/xlsx"),
    };
    let event = NewEvent {
        tenant: tenant.to_owned(),
        event_type: "report.ready",
        case_id: stream(tenant, report, &key, unit),
        payload: Bytes::from(ready.encode_to_vec()),
    };
    let detail = serde_json::json!({"filing": id, "report": report, "period": key, "unit": unit, "version": version});
    store::messaging::emit_by(
        &mut tx,
        &Origin::at(crate::SERVICE, now),
        event,
        by,
        "report_filed",
        &detail,
    )
    .await?;
    db.commit(tx).await?;
    Ok(Filing {
        id,
        report: report.to_owned(),
        period: key,
        unit: unit.to_owned(),
        version,
        filed_by: by.to_owned(),
        filed_at: text(now),
        sha256,
    })
}

fn filing(row: &sqlx::any::AnyRow) -> Result<Filing, sqlx::Error> {
    Ok(Filing {
        id: row.try_get("id")?,
        report: row.try_get("report")?,
        period: row.try_get("period")?,
        unit: row.try_get("unit")?,
        version: row.try_get("version")?,
        filed_by: row.try_get("filed_by")?,
        filed_at: row.try_get("filed_at")?,
        sha256: row.try_get("sha256")?,
    })
}

/// A tenant's filings, newest first, optionally of one unit or period.
pub async fn list(db: &Db, tenant: &str, unit: Option<&str>, period: Option<&str>) -> Result<Vec<Filing>, Error> {
    let rows = sqlx::query(
        "SELECT id, report, period, unit, version, filed_by, filed_at, sha256 FROM filings
         WHERE tenant = $1 AND ($2 IS NULL OR unit = $2) AND ($3 IS NULL OR period = $3)
         ORDER BY filed_at DESC, id DESC",
    )
    .bind(tenant)
    .bind(unit)
    .bind(period)
    .fetch_all(db.reader())
    .await?;
    Ok(rows.iter().map(filing).collect::<Result<_, _>>()?)
}

/// A filing's file (`xlsx` or `docx`) and its log entry.
pub async fn file_of(db: &Db, tenant: &str, id: &str, format: &str) -> Result<Option<(Filing, Vec<u8>)>, Error> {
    let column = if format == "docx" { "docx" } else { "xlsx" };
    let row = sqlx::query(&format!(
        "SELECT id, report, period, unit, version, filed_by, filed_at, sha256, {column} AS content FROM filings
         WHERE tenant = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| Ok((filing(&row)?, row.try_get::<Vec<u8>, _>("content")?)))
        .transpose()
}

/// Raises the calendar's reminders due at `now`, each once: `report.due` from a week before the
/// due day, again with `overdue` once it has passed, for each obligation not yet filed. Returns
/// how many it raised.
pub async fn remind(db: &Db, now: DateTime<Utc>) -> Result<u32, Error> {
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let mut raised = 0;
    for obligation in obligations(db, None).await? {
        let Some(current) = Period::containing(&obligation.report, today) else {
            continue;
        };
        // The last period that has ended: its reminder a week before its due day, its overdue
        // notice after. (An earlier one was the last period once, and had its turn then.)
        {
            let period = current.previous();
            let due = due_at(period);
            let stage = if now >= due {
                "overdue"
            } else if now >= due - Duration::days(NOTICE_DAYS) {
                "due"
            } else {
                continue;
            };
            let key = period.key();
            let mut tx = db.begin().await?;
            let filed: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM filings WHERE tenant = $1 AND report = $2 AND period = $3 AND unit = $4",
            )
            .bind(&obligation.tenant)
            .bind(&obligation.report)
            .bind(&key)
            .bind(&obligation.unit)
            .fetch_one(&mut *tx)
            .await?;
            if filed > 0 {
                continue;
            }
            let inserted = sqlx::query(
                "INSERT INTO filing_alerts (tenant, report, period, unit, stage, raised_at) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (tenant, report, period, unit, stage) DO NOTHING",
            )
            .bind(&obligation.tenant)
            .bind(&obligation.report)
            .bind(&key)
            .bind(&obligation.unit)
            .bind(stage)
            .bind(text(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            let payload = ReportDue {
                report: obligation.report.clone(),
                period: key.clone(),
                due_at: text(due),
                unit: obligation.unit.clone(),
                unit_name: String::new(),
                staff: obligation.staff.clone(),
                overdue: stage == "overdue",
            };
            let event = NewEvent {
                tenant: obligation.tenant.clone(),
                event_type: "report.due",
                case_id: stream(&obligation.tenant, &obligation.report, &key, &obligation.unit),
                payload: Bytes::from(payload.encode_to_vec()),
            };
            let detail = serde_json::json!({"report": obligation.report, "period": key, "unit": obligation.unit,
                "stage": stage, "due_at": text(due)});
            store::messaging::emit(&mut tx, &Origin::at(crate::SERVICE, now), event, "report_due", &detail).await?;
            db.commit(tx).await?;
            raised += 1;
        }
    }
    Ok(raised)
}
