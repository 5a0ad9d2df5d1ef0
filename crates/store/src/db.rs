//! A service's database on either backend, through sqlx's `Any` driver so each query is
//! written once: SQLite (one file, WAL, one writer connection and a small reader pool) for the
//! embedded shape, PostgreSQL (one pool) for the distributed shape.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
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
    /// Another transaction changed what this one relied on; retrying sees the new state.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("configuration: {0}")]
    Config(String),
}

/// A transaction of [`Db::begin`].
pub type Tx = Transaction<'static, Any>;

/// The connection a store function writes through (a [`Tx`] dereferences to it).
pub type Conn = AnyConnection;

/// Which database a [`Db`] talks to; SQL differs only where a query says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a connection (inside a transaction).
    pub fn of(conn: &Conn) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// How a database is opened.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// SQLite: `synchronous=FULL` instead of `NORMAL` (WAL stays durable across process crashes either way).
    pub fsync_full: bool,
    /// SQLite: `secure_delete=ON`, for stores that hold personal data.
    pub secure_delete: bool,
    /// PostgreSQL: the pool's size.
    pub max_connections: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            fsync_full: false,
            secure_delete: false,
            max_connections: 16,
        }
    }
}

/// A service's database.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
    writer: AnyPool,
    reader: AnyPool,
    committed: Arc<Notify>,
}

impl Db {
    /// Opens (creating if needed) the SQLite file at `path` and applies the migrations.
    pub async fn open(path: &Path, migrations: &[Migration], options: OpenOptions) -> Result<Self, Error> {
        Self::connect(&sqlite_url(path), migrations, options).await
    }

    /// Connects to `sqlite://PATH` or `postgres://…` and applies the migrations (on
    /// PostgreSQL under an advisory lock, so replicas starting together apply them once).
    pub async fn connect(url: &str, migrations: &[Migration], options: OpenOptions) -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        if let Some(path) = url.strip_prefix("sqlite://") {
            Self::open_sqlite(path, migrations, options).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::open_postgres(url, migrations, options).await
        } else {
            Err(Error::Config(format!(
                "database URL must start with sqlite:// or postgres:// (got {})",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }

    async fn open_sqlite(path: &str, migrations: &[Migration], options: OpenOptions) -> Result<Self, Error> {
        let pragmas = format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA busy_timeout = 10000; \
             PRAGMA foreign_keys = ON; PRAGMA secure_delete = {}; PRAGMA temp_store = MEMORY;",
            if options.fsync_full { "FULL" } else { "NORMAL" },
            if options.secure_delete { "ON" } else { "OFF" },
        );
        let pool = |mode: &'static str, max: u32| {
            let pragmas = pragmas.clone();
            let url = format!("sqlite://{path}?mode={mode}");
            async move {
                AnyPoolOptions::new()
                    .max_connections(max)
                    .min_connections(if mode == "rwc" { 1 } else { 0 })
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(move |conn, _| {
                        let pragmas = pragmas.clone();
                        Box::pin(async move {
                            conn.execute(sqlx::raw_sql(&pragmas)).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
            }
        };
        let writer = pool("rwc", 1).await?;
        {
            let mut conn = writer.acquire().await?;
            migrate(&mut conn, Backend::Sqlite, migrations).await?;
        }
        let reader = pool("ro", 4).await?;
        Ok(Self {
            backend: Backend::Sqlite,
            writer,
            reader,
            committed: Arc::new(Notify::new()),
        })
    }

    async fn open_postgres(url: &str, migrations: &[Migration], options: OpenOptions) -> Result<Self, Error> {
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        {
            let mut conn = pool.acquire().await?;
            migrate(&mut conn, Backend::Postgres, migrations).await?;
        }
        Ok(Self {
            backend: Backend::Postgres,
            writer: pool.clone(),
            reader: pool,
            committed: Arc::new(Notify::new()),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction (SQLite: `BEGIN IMMEDIATE` on the one writer connection;
    /// PostgreSQL: `BEGIN`, read committed).
    ///
    /// The begin runs in its own task: sqlx sends `BEGIN` and then awaits the answer, and a
    /// caller dropped during that await (a gRPC client that hung up) would never get its
    /// `Transaction`, leaving the connection marked as inside one and every later write failing.
    /// In a task the begin always completes, and a `Transaction` nobody takes rolls back on drop.
    pub async fn begin(&self) -> Result<Tx, Error> {
        let writer = self.writer.clone();
        let statement = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        tokio::spawn(async move { writer.begin_with(statement).await })
            .await
            .map_err(|e| Error::Database(sqlx::Error::Protocol(format!("the begin task failed: {e}"))))?
            .map_err(Error::from)
    }

    /// Commits and wakes the outbox relay. The commit runs in its own task, so a dropped caller
    /// cannot interrupt it half-way.
    pub async fn commit(&self, tx: Tx) -> Result<(), Error> {
        tokio::spawn(tx.commit())
            .await
            .map_err(|e| Error::Database(sqlx::Error::Protocol(format!("the commit task failed: {e}"))))??;
        self.committed.notify_one();
        Ok(())
    }

    /// The pool for reads.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// The pool for writes outside a transaction of [`Db::begin`].
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Signalled after every commit through [`Db::commit`].
    pub fn committed(&self) -> Arc<Notify> {
        self.committed.clone()
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// The `sqlite://` URL of a file.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Reads a flag column: booleans are stored as integers 0 and 1 on both backends (sqlx's `Any`
/// driver decodes no SQLite boolean), and written with `i64::from(flag)`.
pub fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(column)? != 0)
}
