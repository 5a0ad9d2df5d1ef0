//! Routing's SQL.

use sqlx::Row;
use store::{Db, Error, Migration};

use crate::rules::{CaseFacts, Decision};

/// Routing's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 100,
    name: "routing",
    sqlite: include_str!("../migrations/sqlite/0100_routing.sql"),
    postgres: include_str!("../migrations/postgres/0100_routing.sql"),
}];

/// Remembers a registered case's facts.
pub async fn remember(conn: &mut store::Conn, tenant: &str, case_id: &str, facts: &CaseFacts) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cases (case_id, tenant, kind, channel, source, requested_unit, category_code, signals_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(case_id)
    .bind(tenant)
    .bind(&facts.kind)
    .bind(&facts.channel)
    .bind(&facts.source)
    .bind(&facts.requested_unit)
    .bind(&facts.category_code)
    .bind(serde_json::to_string(&facts.signals).unwrap_or_else(|_| "[]".into()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a dispatch decision.
pub async fn record_dispatch(
    conn: &mut store::Conn,
    case_id: &str,
    decision: &Decision,
    at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE cases SET unit = $1, severity = $2, reason = $3, rule_id = $4, dispatched_at = $5 WHERE case_id = $6",
    )
    .bind(&decision.unit)
    .bind(decision.severity)
    .bind(&decision.reason)
    .bind(decision.rule_id)
    .bind(at)
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The facts of a case, if registered.
pub async fn facts(db: &Db, case_id: &str) -> Result<Option<CaseFacts>, Error> {
    let row = sqlx::query(
        "SELECT kind, channel, source, requested_unit, category_code, signals_json FROM cases WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| -> Result<CaseFacts, Error> {
        let signals: String = row.try_get("signals_json")?;
        Ok(CaseFacts {
            kind: row.try_get("kind")?,
            channel: row.try_get("channel")?,
            source: row.try_get("source")?,
            requested_unit: row.try_get("requested_unit")?,
            category_code: row.try_get("category_code")?,
            signals: serde_json::from_str(&signals).map_err(|e| Error::Corrupt(e.to_string()))?,
        })
    })
    .transpose()
}

/// A case's dispatch: unit, severity, reason, time.
pub async fn dispatch_of(
    db: &Db,
    tenant: &str,
    case_id: &str,
) -> Result<Option<(String, String, String, String)>, Error> {
    Ok(sqlx::query_as(
        "SELECT unit, severity, reason, dispatched_at FROM cases WHERE case_id = $1 AND tenant = $2 AND dispatched_at IS NOT NULL",
    )
    .bind(case_id)
    .bind(tenant)
    .fetch_optional(db.reader())
    .await?)
}
