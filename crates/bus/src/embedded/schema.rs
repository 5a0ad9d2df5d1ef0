//! The log's schema: append-only migrations embedded in the binary, applied by sqlx's
//! migrator (table `_sqlx_migrations`).
//!
//! A change to the schema is a new file under `crates/bus/migrations/embedded-log/` and a new
//! entry in [`MIGRATIONS`]; an applied file is never edited, since the migrator refuses a file
//! whose checksum changed. A file written by a newer build (an unknown applied version) is
//! refused too.

use std::borrow::Cow;

use futures::future::BoxFuture;
use sqlx::SqlitePool;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// The migrations in order: version, description, SQL.
const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "log", include_str!("../../migrations/embedded-log/0001_log.sql"))];

/// The embedded migrations as a source for sqlx's [`Migrator`].
#[derive(Debug, Clone, Copy)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Applies the migrations not yet applied to the file behind `writer`.
pub(super) async fn migrate(writer: &SqlitePool) -> Result<(), sqlx::Error> {
    let migrator = Migrator::new(Embedded).await?;
    migrator.run(writer).await?;
    Ok(())
}
