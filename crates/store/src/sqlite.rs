//! A service's SQLite file: one writer connection, a reader pool, WAL.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::Notify;

use crate::migrate::{Migration, migrate};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// How a file is opened.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// `synchronous=FULL` instead of `NORMAL` (WAL stays durable across process crashes either way).
    pub fsync_full: bool,
    /// `secure_delete=ON`, for stores that hold personal data.
    pub secure_delete: bool,
}

/// A service's database: a single writer (SQLite has one anyway) and concurrent readers.
#[derive(Debug, Clone)]
pub struct Db {
    writer: SqlitePool,
    reader: SqlitePool,
    committed: Arc<Notify>,
}

impl Db {
    /// Opens (creating if needed) the file at `path` and applies the migrations.
    pub async fn open(path: &Path, migrations: &[Migration], options: OpenOptions) -> Result<Self, Error> {
        let url = format!("sqlite://{}", path.display());
        let connect = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if options.fsync_full {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("secure_delete", if options.secure_delete { "ON" } else { "OFF" })
            .pragma("temp_store", "MEMORY");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.clone())
            .await?;
        {
            let mut conn = writer.acquire().await?;
            migrate(&mut conn, migrations).await?;
        }
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.read_only(true))
            .await?;
        Ok(Self {
            writer,
            reader,
            committed: Arc::new(Notify::new()),
        })
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on the one writer connection).
    ///
    /// The begin runs in its own task: sqlx sends `BEGIN` and then awaits the answer, and a
    /// caller dropped during that await (a gRPC client that hung up) would never get its
    /// `Transaction`, leaving the connection marked as inside one and every later write failing.
    /// In a task the begin always completes, and a `Transaction` nobody takes rolls back on drop.
    pub async fn begin(&self) -> Result<Transaction<'static, Sqlite>, Error> {
        let writer = self.writer.clone();
        tokio::spawn(async move { writer.begin_with("BEGIN IMMEDIATE").await })
            .await
            .map_err(|e| Error::Database(sqlx::Error::Protocol(format!("the begin task failed: {e}"))))?
            .map_err(Error::from)
    }

    /// Commits and wakes the outbox relay. The commit runs in its own task, so a dropped caller
    /// cannot interrupt it half-way.
    pub async fn commit(&self, tx: Transaction<'static, Sqlite>) -> Result<(), Error> {
        tokio::spawn(tx.commit())
            .await
            .map_err(|e| Error::Database(sqlx::Error::Protocol(format!("the commit task failed: {e}"))))??;
        self.committed.notify_one();
        Ok(())
    }

    /// The pool for reads.
    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// The pool for writes outside a transaction of [`Db::begin`].
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Signalled after every commit through [`Db::commit`].
    pub fn committed(&self) -> Arc<Notify> {
        self.committed.clone()
    }

    /// Closes both pools.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}
