//! Investigation's SQL.

use sqlx::{Row, SqliteConnection};
use store::{Db, Error, Migration};

/// Investigation's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 100,
    name: "investigation",
    sql: include_str!("../migrations/sqlite/0100_investigation.sql"),
}];

/// A case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub case_id: String,
    pub tenant: String,
    pub status: String,
    pub unit: String,
    pub kind: String,
    pub policy: String,
    pub calendar_id: String,
    pub opened_at: String,
    pub resolution_due_at: String,
    pub resolution_provisional: bool,
    pub version: i64,
}

/// Opens a file; a second open of the same case changes nothing.
pub async fn open_file(conn: &mut SqliteConnection, file: &File) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO files (case_id, tenant, status, unit, kind, policy, calendar_id, opened_at, resolution_due_at,
            resolution_provisional, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(&file.case_id)
    .bind(&file.tenant)
    .bind(&file.status)
    .bind(&file.unit)
    .bind(&file.kind)
    .bind(&file.policy)
    .bind(&file.calendar_id)
    .bind(&file.opened_at)
    .bind(&file.resolution_due_at)
    .bind(file.resolution_provisional)
    .bind(file.version)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's file within a tenant.
pub async fn file(db: &Db, tenant: &str, case_id: &str) -> Result<Option<File>, Error> {
    let row = sqlx::query(
        "SELECT case_id, tenant, status, unit, kind, policy, calendar_id, opened_at, resolution_due_at,
            resolution_provisional, version FROM files WHERE case_id = ?1 AND tenant = ?2",
    )
    .bind(case_id)
    .bind(tenant)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| -> Result<File, Error> {
        Ok(File {
            case_id: row.try_get("case_id")?,
            tenant: row.try_get("tenant")?,
            status: row.try_get("status")?,
            unit: row.try_get("unit")?,
            kind: row.try_get("kind")?,
            policy: row.try_get("policy")?,
            calendar_id: row.try_get("calendar_id")?,
            opened_at: row.try_get("opened_at")?,
            resolution_due_at: row.try_get("resolution_due_at")?,
            resolution_provisional: row.try_get("resolution_provisional")?,
            version: row.try_get("version")?,
        })
    })
    .transpose()
}
