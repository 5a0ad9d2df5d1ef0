//! The audit log: append-only and hash-chained per tenant within one service's store.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's fields;
//! [`verify`] recomputes the chain and reports the first entry that was altered, removed or
//! inserted.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{Backend, Conn, Db, Error};

/// What the chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub tenant: &'a str,
    pub at: DateTime<Utc>,
    /// Who read or did it (a service, a staff id).
    pub actor: &'a str,
    /// What was done, e.g. `contact.released`.
    pub action: &'a str,
    /// What it was done to, e.g. a case id.
    pub subject: &'a str,
    /// A JSON object as text (purpose, fields), never the personal data itself.
    pub detail_json: &'a str,
}

fn entry_hash(
    prev_hash: &str,
    tenant: &str,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    for part in [prev_hash, tenant, at, actor, action, subject, detail] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends an entry inside the caller's transaction.
///
/// On PostgreSQL the tenant's chain is locked first (`pg_advisory_xact_lock`), so appends from
/// concurrent transactions or replicas queue instead of forking the chain.
pub async fn append(conn: &mut Conn, entry: &AuditEntry<'_>) -> Result<(), Error> {
    if Backend::of(conn) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(1381, hashtext($1))")
            .bind(entry.tenant)
            .execute(&mut *conn)
            .await?;
    }
    let prev: Option<String> =
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE tenant = $1 ORDER BY id DESC LIMIT 1")
            .bind(entry.tenant)
            .fetch_optional(&mut *conn)
            .await?;
    let prev = prev.unwrap_or_else(|| GENESIS.to_owned());
    let at = entry.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let hash = entry_hash(
        &prev,
        entry.tenant,
        &at,
        entry.actor,
        entry.action,
        entry.subject,
        entry.detail_json,
    );
    sqlx::query(
        "INSERT INTO audit_log (tenant, at, actor, action, subject, detail_json, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.tenant)
    .bind(&at)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(entry.detail_json)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry checks; the count per tenant's chain is summed.
    Intact { entries: u64 },
    /// The first entry (by id) whose hash or link does not check.
    Broken {
        tenant: String,
        entry_id: i64,
        reason: String,
    },
}

/// Recomputes every tenant's chain.
pub async fn verify(db: &Db) -> Result<Verdict, Error> {
    let rows = sqlx::query("SELECT id, tenant, at, actor, action, subject, detail_json, prev_hash, hash FROM audit_log ORDER BY tenant, id")
        .fetch_all(db.reader())
        .await?;
    let mut last: Option<(String, String)> = None;
    let mut entries = 0u64;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let tenant: String = row.try_get("tenant")?;
        let expected_prev = match &last {
            Some((last_tenant, hash)) if *last_tenant == tenant => hash.clone(),
            _ => GENESIS.to_owned(),
        };
        let prev: String = row.try_get("prev_hash")?;
        let hash: String = row.try_get("hash")?;
        if prev != expected_prev {
            return Ok(Verdict::Broken {
                tenant,
                entry_id: id,
                reason: "the link to the previous entry is broken (an entry was removed or inserted)".into(),
            });
        }
        let recomputed = entry_hash(
            &prev,
            &tenant,
            &row.try_get::<String, _>("at")?,
            &row.try_get::<String, _>("actor")?,
            &row.try_get::<String, _>("action")?,
            &row.try_get::<String, _>("subject")?,
            &row.try_get::<String, _>("detail_json")?,
        );
        if recomputed != hash {
            return Ok(Verdict::Broken {
                tenant,
                entry_id: id,
                reason: "the entry's content does not match its hash (it was altered)".into(),
            });
        }
        entries += 1;
        last = Some((tenant, hash));
    }
    Ok(Verdict::Intact { entries })
}

/// An entry as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail_json: String,
    pub hash: String,
}

/// A tenant's entries, oldest first.
pub async fn entries(db: &Db, tenant: &str) -> Result<Vec<Recorded>, Error> {
    let rows = sqlx::query(
        "SELECT id, at, actor, action, subject, detail_json, hash FROM audit_log WHERE tenant = $1 ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Recorded {
                id: row.try_get("id")?,
                at: row.try_get("at")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                subject: row.try_get("subject")?,
                detail_json: row.try_get("detail_json")?,
                hash: row.try_get("hash")?,
            })
        })
        .collect()
}
