//! An append-only migration runner.
//!
//! Each applied migration's SHA-256 is recorded; starting against a database whose applied
//! migration text differs from the binary's is refused, because editing an applied migration
//! breaks every existing deployment (fix a bad migration with a new one).

use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::sqlite::Error;

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Unique and increasing; the platform uses 1–99, services 100 and up.
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The platform tables every service store has (outbox, inbox marks, history, audit log).
pub const PLATFORM_SQLITE: &[Migration] = &[Migration {
    version: 1,
    name: "platform",
    sql: include_str!("../migrations/sqlite/0001_platform.sql"),
}];

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies the platform migrations and then `service`'s, each in its own transaction.
pub async fn migrate(conn: &mut SqliteConnection, service: &[Migration]) -> Result<(), Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let mut all: Vec<&Migration> = PLATFORM_SQLITE.iter().chain(service.iter()).collect();
    all.sort_by_key(|m| m.version);
    for pair in all.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(Error::Migration(format!("version {} is used twice", pair[0].version)));
        }
    }
    let applied: Vec<(i64, String)> = sqlx::query_as("SELECT version, checksum FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?;
    for migration in all {
        let sum = checksum(migration.sql);
        match applied.iter().find(|(version, _)| *version == migration.version) {
            Some((_, recorded)) if *recorded == sum => continue,
            Some(_) => {
                return Err(Error::Migration(format!(
                    "migration {} ({}) differs from the one applied to this database: migrations are append-only",
                    migration.version, migration.name
                )));
            }
            None => {}
        }
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let outcome = async {
            sqlx::raw_sql(migration.sql).execute(&mut *conn).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, datetime('now'))")
                .bind(migration.version)
                .bind(migration.name)
                .bind(&sum)
                .execute(&mut *conn)
                .await?;
            Ok::<(), sqlx::Error>(())
        }
        .await;
        match outcome {
            Ok(()) => {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                tracing::info!(version = migration.version, name = migration.name, "migration applied");
            }
            Err(error) => {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                return Err(Error::Migration(format!(
                    "migration {} ({}) failed: {error}",
                    migration.version, migration.name
                )));
            }
        }
    }
    Ok(())
}
