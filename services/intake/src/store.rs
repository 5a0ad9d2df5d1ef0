//! Intake's SQL, and nothing else: every statement on intake's tables is here.
//!
//! Functions take a connection so the register flow composes them in one transaction.
//! (The Postgres twin arrives with the distributed shape; the flow will then hold a trait.)

use chrono::{DateTime, Utc};
use sqlx::Row;
use store::{Error, Migration};

/// Intake's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "intake",
        sqlite: include_str!("../migrations/sqlite/0100_intake.sql"),
        postgres: include_str!("../migrations/postgres/0100_intake.sql"),
    },
    Migration {
        version: 101,
        name: "catalogs",
        sqlite: include_str!("../migrations/sqlite/0101_catalogs.sql"),
        postgres: include_str!("../migrations/postgres/0101_catalogs.sql"),
    },
];

/// A case row as intake stores it (personal data and narrative still encrypted).
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: String,
    pub tenant: String,
    pub case_number: String,
    pub status: String,
    pub kind: String,
    pub channel: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub source_due_at: Option<String>,
    pub external_ref: Option<String>,
    pub received_at: String,
    pub accepted_at: Option<String>,
    pub subject: Option<String>,
    pub demands_json: String,
    pub unit: Option<String>,
    pub reported_category: Option<String>,
    pub category_code: Option<String>,
    pub anonymous: bool,
    pub personal_data: Option<Vec<u8>>,
    pub narrative: Vec<u8>,
    pub phone_index: Option<String>,
    pub ack_due_at: Option<String>,
    pub ack_provisional: bool,
    pub policy: String,
    pub version: i64,
    pub registered_by: String,
}

/// Formats an instant for storage.
pub fn at(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The next number of the tenant's daily sequence; numbers are never reused.
pub async fn next_daily_number(conn: &mut store::Conn, tenant: &str, day: &str) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "INSERT INTO case_number_counters (tenant, day, last) VALUES ($1, $2, 1)
         ON CONFLICT (tenant, day) DO UPDATE SET last = case_number_counters.last + 1 RETURNING last",
    )
    .bind(tenant)
    .bind(day)
    .fetch_one(&mut *conn)
    .await?)
}

/// The body hash and case an idempotency key was first used with (on PostgreSQL after taking
/// the key's lock for the rest of the transaction).
pub async fn idempotency(
    conn: &mut store::Conn,
    tenant: &str,
    key_hash: &str,
) -> Result<Option<(String, String)>, Error> {
    if store::Backend::of(conn) == store::Backend::Postgres {
        // Replicas registering the same key at once queue here; the later one then finds the
        // key and replays instead of failing on the unique index.
        sqlx::query("SELECT pg_advisory_xact_lock(1382, hashtext($1 || ':' || $2))")
            .bind(tenant)
            .bind(key_hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(
        sqlx::query_as("SELECT body_sha256, case_id FROM idempotency_keys WHERE tenant = $1 AND key_hash = $2")
            .bind(tenant)
            .bind(key_hash)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Remembers an idempotency key.
pub async fn remember_idempotency(
    conn: &mut store::Conn,
    tenant: &str,
    key_hash: &str,
    body_sha256: &str,
    case_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO idempotency_keys (tenant, key_hash, body_sha256, case_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(key_hash)
    .bind(body_sha256)
    .bind(case_id)
    .bind(at(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts a new case.
pub async fn insert_case(conn: &mut store::Conn, row: &CaseRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cases (id, tenant, case_number, status, kind, channel, source, source_ref, source_due_at,
            external_ref, received_at, accepted_at, subject, demands_json, unit, reported_category, category_code,
            anonymous, personal_data, narrative, phone_index, ack_due_at, ack_provisional, policy, version, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
            $24, $25, $26)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_number)
    .bind(&row.status)
    .bind(&row.kind)
    .bind(&row.channel)
    .bind(&row.source)
    .bind(&row.source_ref)
    .bind(&row.source_due_at)
    .bind(&row.external_ref)
    .bind(&row.received_at)
    .bind(&row.accepted_at)
    .bind(&row.subject)
    .bind(&row.demands_json)
    .bind(&row.unit)
    .bind(&row.reported_category)
    .bind(&row.category_code)
    .bind(i64::from(row.anonymous))
    .bind(&row.personal_data)
    .bind(&row.narrative)
    .bind(&row.phone_index)
    .bind(&row.ack_due_at)
    .bind(i64::from(row.ack_provisional))
    .bind(&row.policy)
    .bind(row.version)
    .bind(&row.registered_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const CASE_COLUMNS: &str =
    "id, tenant, case_number, status, kind, channel, source, source_ref, source_due_at, external_ref,
    received_at, accepted_at, subject, demands_json, unit, reported_category, category_code, anonymous, personal_data,
    narrative, phone_index, ack_due_at, ack_provisional, policy, version, registered_by";

fn case_row(row: &sqlx::any::AnyRow) -> Result<CaseRow, sqlx::Error> {
    Ok(CaseRow {
        id: row.try_get("id")?,
        tenant: row.try_get("tenant")?,
        case_number: row.try_get("case_number")?,
        status: row.try_get("status")?,
        kind: row.try_get("kind")?,
        channel: row.try_get("channel")?,
        source: row.try_get("source")?,
        source_ref: row.try_get("source_ref")?,
        source_due_at: row.try_get("source_due_at")?,
        external_ref: row.try_get("external_ref")?,
        received_at: row.try_get("received_at")?,
        accepted_at: row.try_get("accepted_at")?,
        subject: row.try_get("subject")?,
        demands_json: row.try_get("demands_json")?,
        unit: row.try_get("unit")?,
        reported_category: row.try_get("reported_category")?,
        category_code: row.try_get("category_code")?,
        anonymous: store::flag(row, "anonymous")?,
        personal_data: row.try_get("personal_data")?,
        narrative: row.try_get("narrative")?,
        phone_index: row.try_get("phone_index")?,
        ack_due_at: row.try_get("ack_due_at")?,
        ack_provisional: store::flag(row, "ack_provisional")?,
        policy: row.try_get("policy")?,
        version: row.try_get("version")?,
        registered_by: row.try_get("registered_by")?,
    })
}

/// A case by id or by case number, within a tenant, inside the caller's transaction.
pub async fn find_case_in(conn: &mut store::Conn, tenant: &str, id_or_number: &str) -> Result<Option<CaseRow>, Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE tenant = $1 AND (id = $2 OR case_number = $2)");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(id_or_number)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(case_row).transpose()?)
}

/// A case by id or by case number, within a tenant.
pub async fn find_case(pool: &sqlx::AnyPool, tenant: &str, id_or_number: &str) -> Result<Option<CaseRow>, Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE tenant = $1 AND (id = $2 OR case_number = $2)");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(id_or_number)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(case_row).transpose()?)
}

/// Cases by id within a tenant (for releasing contacts in a batch).
pub async fn cases_by_ids(conn: &mut store::Conn, tenant: &str, ids: &[String]) -> Result<Vec<CaseRow>, Error> {
    let mut found = Vec::with_capacity(ids.len());
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE tenant = $1 AND id = $2");
    for id in ids {
        if let Some(row) = sqlx::query(&sql)
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        {
            found.push(case_row(&row)?);
        }
    }
    Ok(found)
}
