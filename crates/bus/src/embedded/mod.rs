//! The durable embedded log: JetStream's semantics in one SQLite file, for the shape where the
//! whole product runs in one process.
//!
//! Start with [`EmbeddedLog::open`]; the log is a [`Transport`] like NATS JetStream and passes
//! the same [`crate::conformance::transport`] suite.
//!
//! # How it maps to JetStream
//!
//! - **Stream and stream sequence**: table `messages` (`seq` is the stream sequence; `stream.last_seq` keeps
//!   a sequence from ever being reused); headers and payload live in `message_bodies`.
//! - **`Nats-Msg-Id` and the duplicate window**: the index on `messages.msg_id`, searched within
//!   [`EmbeddedOptions::dedup_window`] (default: forever). A message without an id is never a duplicate; a
//!   duplicate's [`PublishAck`] carries the stored message's sequence, as JetStream's does.
//! - **Durable pull consumer with `filter_subjects`**: a row of `consumers`; a subject is delivered when it
//!   matches any filter ([`crate::subjects::matches`]).
//! - **Delivered stream sequence**: `consumers.cursor`, the last sequence looked at, matching or not.
//! - **Ack pending, `num_delivered`, `AckWait`**: a row of `pending` per delivery not yet acknowledged, with its
//!   delivery count and the instant it becomes visible again (Unix milliseconds, so it survives a restart).
//! - **`+ACK`, `+TERM`, `-NAK` with a delay, `+WPI`**: [`Settlement`](crate::transport::Settlement): the
//!   pending row goes, or its visibility moves (now + delay, now + ack wait).
//! - **`MaxDeliver`**: a pending row at the limit is dropped once visible again, never redelivered.
//! - **`num_pending + num_ack_pending`**: [`Consumer::pending`].
//! - **Pull `fetch` with `expires`**: [`Consumer::fetch`]; redeliveries first (oldest first), then new
//!   messages. A waiting fetch is woken in process by publishes and negative acknowledgements, and sleeps
//!   exactly until the next pending delivery becomes visible.
//!
//! # Durability and speed
//!
//! The file is in WAL mode with `synchronous=NORMAL` (or `FULL`, see
//! [`EmbeddedOptions::fsync_full`]): a committed transaction survives the death of the process
//! (SIGKILL) either way, and a power cut only with `FULL`. Every publish, fetch and settle is
//! one `BEGIN IMMEDIATE` transaction on the one writer connection, so handles that share a
//! durable name never claim the same message. Rows go in with multi-row statements; a fetch
//! looks through the narrow `messages` table in windows of sequences where SQLite itself discards
//! subjects that cannot match (`GLOB`, see `scan.rs`), and reads bodies after its commit, on a
//! reader connection.
//!
//! Delivery is at least once: a fetch dropped (cancelled) after its claim committed leaves its
//! deliveries pending, and they come again after the acknowledgement wait. Visibility instants
//! are wall-clock time, so a clock set back delays redeliveries by as much.
//!
//! Only one process may open a file at a time (the product locks its data directory); two
//! [`EmbeddedLog`]s of one process on one file are not woken by each other's publishes.
//!
//! # Leases
//!
//! One process runs one replica of each consumer, so [`Transport::leases`] grants every lease
//! ([`EmbeddedLeases`]).

mod claim;
mod codec;
mod consumer;
mod leases;
mod messages;
mod scan;
mod schema;
mod sql;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::watch;

pub use self::leases::EmbeddedLeases;
use crate::transport::{Consumer, ConsumerSpec, Error, Message, PublishAck, Transport};

/// How long a statement waits for SQLite's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How the log's file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmbeddedOptions {
    /// `synchronous=FULL`: every commit is synced to disk and survives a power cut. The default
    /// (`NORMAL`) survives the death of the process, not of the machine.
    pub fsync_full: bool,
    /// How long a message id is remembered for deduplication; `None` (the default) is forever.
    /// After the window, a message with the same id is stored again, as on JetStream.
    pub dedup_window: Option<Duration>,
}

/// The durable embedded log; cheap to clone (every clone is the same log).
#[derive(Debug, Clone)]
pub struct EmbeddedLog {
    inner: Arc<Inner>,
}

/// What every clone of a log and every consumer handle share.
#[derive(Debug)]
struct Inner {
    path: PathBuf,
    options: EmbeddedOptions,
    /// The one connection that writes; a pool of one so callers queue for it.
    writer: SqlitePool,
    /// Connections for reading bodies, pending counts and subjects.
    reader: SqlitePool,
    /// The last stream sequence stored; every change wakes waiting fetches.
    published: watch::Sender<u64>,
    /// The consumers declared through this log, by durable name.
    consumers: Mutex<HashMap<String, Arc<consumer::Shared>>>,
}

impl EmbeddedLog {
    /// Opens the log in the file at `path`, creating the file if needed (not its directory),
    /// and applies the schema's migrations. Consumers and their pending deliveries continue
    /// where they stopped.
    pub async fn open(path: &Path, options: EmbeddedOptions) -> Result<Self, Error> {
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if options.fsync_full {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(false)
            .statement_cache_capacity(256)
            .pragma("temp_store", "MEMORY")
            .pragma("cache_size", "-16384")
            // Checkpoints copy the WAL into the file and sync it, on the committing connection; every
            // 32 MiB instead of SQLite's 4 MiB, pages written over and over (b-tree interiors, cursors,
            // pending rows) are copied once instead of eight times. The WAL is cut back to 64 MiB
            // after a checkpoint if a long read made it grow.
            .pragma("wal_autocheckpoint", "8192")
            .pragma("journal_size_limit", "67108864")
            // Rows cross from SQLite's thread to the task in one go instead of 50 at a time.
            .row_buffer_size(1024);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(connect.clone())
            .await?;
        schema::migrate(&writer).await?;
        let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM stream WHERE id = 1")
            .fetch_one(&writer)
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(connect.read_only(true))
            .await?;
        tracing::debug!(path = %path.display(), last_seq, "embedded log opened");
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                options,
                writer,
                reader,
                published: watch::Sender::new(codec::from_db(last_seq)),
                consumers: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The file the log lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Up to `limit` stored messages whose subject matches `filter` (NATS wildcards), with
    /// their stream sequences, after `after_seq`, oldest first. For administrators (reading
    /// dead letters) and tests; no consumer is involved.
    pub async fn read_subject(&self, filter: &str, after_seq: u64, limit: usize) -> Result<Vec<(u64, Message)>, Error> {
        messages::read_subject(&self.inner, filter, after_seq, limit).await
    }

    /// Closes the file's connections; the log (and every clone and consumer handle) fails
    /// afterwards. Dropping every clone closes it as well, without waiting.
    pub async fn close(&self) {
        self.inner.reader.close().await;
        self.inner.writer.close().await;
    }
}

#[async_trait]
impl Transport for EmbeddedLog {
    async fn publish(&self, messages: Vec<Message>) -> Result<Vec<PublishAck>, Error> {
        messages::publish(&self.inner, messages).await
    }

    async fn consumer(&self, spec: ConsumerSpec) -> Result<Box<dyn Consumer>, Error> {
        Ok(Box::new(consumer::declare(&self.inner, spec).await?))
    }

    fn leases(&self) -> Arc<dyn crate::leases::Leases> {
        Arc::new(EmbeddedLeases)
    }

    fn kind(&self) -> &'static str {
        "embedded"
    }
}
