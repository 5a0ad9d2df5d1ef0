//! An append-only migration runner for both backends.
//!
//! Each migration is written twice, once per dialect. The applied text's SHA-256 is recorded;
//! starting against a database whose applied migration text differs from the binary's is
//! refused, because editing an applied migration breaks every existing deployment (fix a bad
//! migration with a new one).

use sha2::{Digest, Sha256};
use sqlx::Executor;

use crate::db::{Backend, Conn, Error};

/// One schema change, in each dialect.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Unique and increasing; the platform uses 1–99, services 100 and up.
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }
}

/// The platform tables every service store has (outbox, inbox marks, history, audit log).
pub const PLATFORM: &[Migration] = &[Migration {
    version: 1,
    name: "platform",
    sqlite: include_str!("../migrations/sqlite/0001_platform.sql"),
    postgres: include_str!("../migrations/postgres/0001_platform.sql"),
}];

/// The advisory lock replicas take while migrating one PostgreSQL database.
const MIGRATION_LOCK: i64 = 0x5245_4452_4553_5301;

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies the platform migrations and then `service`'s, each in its own transaction.
pub async fn migrate(conn: &mut Conn, backend: Backend, service: &[Migration]) -> Result<(), Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let outcome = apply(conn, backend, service).await;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    outcome
}

async fn apply(conn: &mut Conn, backend: Backend, service: &[Migration]) -> Result<(), Error> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .await?;
    let mut all: Vec<&Migration> = PLATFORM.iter().chain(service.iter()).collect();
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
        let sql = migration.sql(backend);
        let sum = checksum(sql);
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
        conn.execute(match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        })
        .await?;
        let outcome = async {
            conn.execute(sqlx::raw_sql(sql)).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(&sum)
                .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .execute(&mut *conn)
                .await?;
            Ok::<(), sqlx::Error>(())
        }
        .await;
        match outcome {
            Ok(()) => {
                conn.execute("COMMIT").await?;
                tracing::info!(version = migration.version, name = migration.name, "migration applied");
            }
            Err(error) => {
                conn.execute("ROLLBACK").await?;
                return Err(Error::Migration(format!(
                    "migration {} ({}) failed: {error}",
                    migration.version, migration.name
                )));
            }
        }
    }
    Ok(())
}
