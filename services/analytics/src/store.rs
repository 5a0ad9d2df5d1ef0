//! Analytics' SQL.

use std::collections::BTreeMap;

use sqlx::Row;
use store::{Db, Error, Migration};

/// Analytics' migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "analytics",
        sqlite: include_str!("../migrations/sqlite/0100_analytics.sql"),
        postgres: include_str!("../migrations/postgres/0100_analytics.sql"),
    },
    Migration {
        version: 101,
        name: "inspections",
        sqlite: include_str!("../migrations/sqlite/0101_inspections.sql"),
        postgres: include_str!("../migrations/postgres/0101_inspections.sql"),
    },
];

/// What one event changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Facts(Box<FactUpdate>),
    Inspection(Inspection),
}

/// A quality inspection of a closed case.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    pub tenant: String,
    /// The inspection's number on the case.
    pub n: i64,
    pub unit: String,
    pub passed: bool,
    /// The mean of its scores (0–100), when scored.
    pub score: Option<f64>,
    pub at: String,
    pub day: String,
}

/// Records an inspection once (a redelivered event changes nothing).
pub async fn add_inspection(conn: &mut store::Conn, case_id: &str, inspection: &Inspection) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO inspections (case_id, n, tenant, unit, passed, score, at, day)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id, n) DO NOTHING",
    )
    .bind(case_id)
    .bind(inspection.n)
    .bind(&inspection.tenant)
    .bind(&inspection.unit)
    .bind(i64::from(inspection.passed))
    .bind(inspection.score)
    .bind(&inspection.at)
    .bind(&inspection.day)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inspections of one unit in a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitInspections {
    pub inspected: u64,
    pub passed: u64,
    pub scored: u64,
    pub score_total: f64,
}

/// Inspections held between two local days (inclusive) by unit, optionally of one unit.
pub async fn inspections(
    db: &Db,
    tenant: &str,
    from: &str,
    to: &str,
    unit: Option<&str>,
) -> Result<BTreeMap<String, UnitInspections>, Error> {
    let rows = sqlx::query(
        "SELECT unit, passed, score FROM inspections
         WHERE tenant = $1 AND day BETWEEN $2 AND $3 AND ($4 IS NULL OR unit = $4)",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(unit)
    .fetch_all(db.reader())
    .await?;
    let mut by_unit: BTreeMap<String, UnitInspections> = BTreeMap::new();
    for row in rows {
        let entry = by_unit.entry(row.try_get("unit")?).or_default();
        entry.inspected += 1;
        if store::flag(&row, "passed")? {
            entry.passed += 1;
        }
        if let Some(score) = row.try_get::<Option<f64>, _>("score")? {
            entry.scored += 1;
            entry.score_total += score;
        }
    }
    Ok(by_unit)
}

/// Columns of a case's facts one event knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactUpdate {
    pub tenant: Option<String>,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub source: Option<String>,
    pub category: Option<String>,
    pub received_at: Option<String>,
    pub received_day: Option<String>,
    pub accepted_at: Option<String>,
    pub acknowledgement_due_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub unit: Option<String>,
    pub severity: Option<String>,
    pub dispatched_at: Option<String>,
    pub opened_at: Option<String>,
    pub resolution_due_at: Option<String>,
}

/// Merges an update into a case's facts: known columns are set, the others kept.
pub async fn merge(conn: &mut store::Conn, case_id: &str, update: &FactUpdate) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO case_facts (case_id, tenant, kind, channel, source, category, received_at, received_day, accepted_at,
            acknowledgement_due_at, acknowledged_at, unit, severity, dispatched_at, opened_at, resolution_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (case_id) DO UPDATE SET
            tenant = coalesce(excluded.tenant, case_facts.tenant), kind = coalesce(excluded.kind, case_facts.kind),
            channel = coalesce(excluded.channel, case_facts.channel), source = coalesce(excluded.source, case_facts.source),
            category = coalesce(excluded.category, case_facts.category), received_at = coalesce(excluded.received_at, case_facts.received_at),
            received_day = coalesce(excluded.received_day, case_facts.received_day),
            accepted_at = coalesce(excluded.accepted_at, case_facts.accepted_at),
            acknowledgement_due_at = coalesce(excluded.acknowledgement_due_at, case_facts.acknowledgement_due_at),
            acknowledged_at = coalesce(case_facts.acknowledged_at, excluded.acknowledged_at),
            unit = coalesce(excluded.unit, case_facts.unit), severity = coalesce(excluded.severity, case_facts.severity),
            dispatched_at = coalesce(excluded.dispatched_at, case_facts.dispatched_at), opened_at = coalesce(excluded.opened_at, case_facts.opened_at),
            resolution_due_at = coalesce(excluded.resolution_due_at, case_facts.resolution_due_at)",
    )
    .bind(case_id)
    .bind(&update.tenant)
    .bind(&update.kind)
    .bind(&update.channel)
    .bind(&update.source)
    .bind(&update.category)
    .bind(&update.received_at)
    .bind(&update.received_day)
    .bind(&update.accepted_at)
    .bind(&update.acknowledgement_due_at)
    .bind(&update.acknowledged_at)
    .bind(&update.unit)
    .bind(&update.severity)
    .bind(&update.dispatched_at)
    .bind(&update.opened_at)
    .bind(&update.resolution_due_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Figures for cases received between two local days (inclusive), optionally for one unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub total: u64,
    pub by_channel: BTreeMap<String, u64>,
    pub by_unit: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    /// Accepted cases, and of them those acknowledged by their deadline.
    pub accepted: u64,
    pub acknowledged_on_time: u64,
}

/// Computes the figures.
pub async fn figures(db: &Db, tenant: &str, from: &str, to: &str, unit: Option<&str>) -> Result<Figures, Error> {
    let rows = sqlx::query(
        "SELECT coalesce(channel, 'unknown') AS channel, coalesce(unit, 'undispatched') AS unit,
                coalesce(category, 'unclassified') AS category, CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END AS accepted,
                CASE WHEN acknowledged_at IS NOT NULL AND acknowledgement_due_at IS NOT NULL
                    AND acknowledged_at <= acknowledgement_due_at THEN 1 ELSE 0 END AS on_time
         FROM case_facts
         WHERE tenant = $1 AND received_day BETWEEN $2 AND $3 AND ($4 IS NULL OR unit = $4)",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(unit)
    .fetch_all(db.reader())
    .await?;
    let mut figures = Figures::default();
    for row in rows {
        figures.total += 1;
        *figures.by_channel.entry(row.try_get("channel")?).or_default() += 1;
        *figures.by_unit.entry(row.try_get("unit")?).or_default() += 1;
        *figures.by_category.entry(row.try_get("category")?).or_default() += 1;
        if store::flag(&row, "accepted")? {
            figures.accepted += 1;
        }
        if store::flag(&row, "on_time")? {
            figures.acknowledged_on_time += 1;
        }
    }
    Ok(figures)
}
