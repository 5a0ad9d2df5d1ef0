//! Routing's SQL.

use sqlx::Row;
use store::{Db, Error, Migration};

use crate::rules::{CaseFacts, Decision};

/// Routing's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "routing",
        sqlite: include_str!("../migrations/sqlite/0100_routing.sql"),
        postgres: include_str!("../migrations/postgres/0100_routing.sql"),
    },
    Migration {
        version: 101,
        name: "documents",
        sqlite: include_str!("../migrations/sqlite/0101_documents.sql"),
        postgres: include_str!("../migrations/postgres/0101_documents.sql"),
    },
];

/// Which versioned document of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Organisation,
    Catalog,
    Rules,
}

impl DocumentKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Catalog => "catalog",
            Self::Rules => "rules",
        }
    }
}

/// One published version of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub version: i64,
    pub published_at: String,
    pub published_by: String,
    pub note: String,
    pub body_json: String,
}

/// Publishes a new version (the next number) inside the caller's transaction; returns it.
/// Two publications racing on PostgreSQL collide on the primary key and one is retried.
pub async fn publish(
    conn: &mut store::Conn,
    tenant: &str,
    kind: DocumentKind,
    body_json: &str,
    published_by: &str,
    note: &str,
    at: &str,
) -> Result<i64, Error> {
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO documents (tenant, kind, version, published_at, published_by, note, body_json)
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6 FROM documents WHERE tenant = $1 AND kind = $2
         RETURNING version",
    )
    .bind(tenant)
    .bind(kind.as_str())
    .bind(at)
    .bind(published_by)
    .bind(note)
    .bind(body_json)
    .fetch_one(&mut *conn)
    .await?;
    Ok(version)
}

const DOCUMENT_COLUMNS: &str = "version, published_at, published_by, note, body_json";

fn document(row: &sqlx::any::AnyRow) -> Result<Document, sqlx::Error> {
    Ok(Document {
        version: row.try_get("version")?,
        published_at: row.try_get("published_at")?,
        published_by: row.try_get("published_by")?,
        note: row.try_get("note")?,
        body_json: row.try_get("body_json")?,
    })
}

/// The version in force at `at` (the newest published at or before it); `None` before the first.
pub async fn in_force(db: &Db, tenant: &str, kind: DocumentKind, at: &str) -> Result<Option<Document>, Error> {
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND kind = $2 AND published_at <= $3
         ORDER BY version DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(kind.as_str())
        .bind(at)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(document).transpose()?)
}

/// One version, for reading old ones.
pub async fn version(db: &Db, tenant: &str, kind: DocumentKind, version: i64) -> Result<Option<Document>, Error> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND kind = $2 AND version = $3");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(kind.as_str())
        .bind(version)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(document).transpose()?)
}

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
