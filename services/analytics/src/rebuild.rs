//! Rebuilding analytics from the stream (decision 0012), and the digests that tell two stores'
//! figures apart.
//!
//! A rebuild reads every event from the start of the log or stream through a fresh durable
//! consumer into a fresh store with the same handler, so it gives the same rows as the live
//! store. What the organisation entered by hand (the denominators) is not on the stream: it is
//! copied from the live store.

use std::sync::Arc;
use std::time::Duration;

use bus::Transport;
use bus::consumer::ConsumerOptions;
use bus::metrics::BusMetrics;
use domain::Clock;
use prometheus_client::registry::Registry;
use sha2::{Digest as _, Sha256};
use sqlx::{Column as _, Row as _};
use store::{Db, OpenOptions};
use tokio_util::sync::CancellationToken;

use crate::handler::AnalyticsHandler;
use crate::store::MIGRATIONS;

/// The tables of figures and the columns they are ordered by. The timeline rows analytics
/// writes (`counted`, stamped when counted) and the inbox marks are bookkeeping, not figures.
pub const TABLES: &[(&str, &str)] = &[
    ("case_facts", "case_id"),
    ("callback_scores", "case_id, n, dimension"),
    ("inspections", "case_id, n"),
    ("organisations", "tenant"),
    ("denominators", "tenant, unit, year"),
];

/// One table's rows and the SHA-256 of its canonical dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: &'static str,
    pub rows: u64,
    pub sha256: String,
}

impl std::fmt::Display for TableDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} rows={} sha256={}", self.table, self.rows, self.sha256)
    }
}

/// A column's value as text: whatever type the backend gives it; `\N` for NULL.
fn cell(row: &sqlx::any::AnyRow, index: usize) -> Result<String, sqlx::Error> {
    if let Ok(value) = row.try_get::<Option<String>, _>(index) {
        return Ok(value.unwrap_or_else(|| "\\N".to_owned()));
    }
    if let Ok(value) = row.try_get::<Option<i64>, _>(index) {
        return Ok(value.map_or_else(|| "\\N".to_owned(), |n| n.to_string()));
    }
    if let Ok(value) = row.try_get::<Option<i32>, _>(index) {
        return Ok(value.map_or_else(|| "\\N".to_owned(), |n| n.to_string()));
    }
    if let Ok(value) = row.try_get::<Option<f64>, _>(index) {
        return Ok(value.map_or_else(|| "\\N".to_owned(), |n| n.to_string()));
    }
    let value = row.try_get::<Option<f32>, _>(index)?;
    Ok(value.map_or_else(|| "\\N".to_owned(), |n| f64::from(n).to_string()))
}

/// The canonical dump of every table of figures: rows in key order, columns in name order,
/// one line each, tab-separated.
pub async fn digests(db: &Db) -> Result<Vec<TableDigest>, store::Error> {
    let mut digests = Vec::with_capacity(TABLES.len());
    for (table, key) in TABLES {
        let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY {key}"))
            .fetch_all(db.reader())
            .await?;
        let mut hash = Sha256::new();
        for row in &rows {
            let mut columns: Vec<(String, String)> = Vec::with_capacity(row.columns().len());
            for column in row.columns() {
                columns.push((column.name().to_owned(), cell(row, column.ordinal())?));
            }
            columns.sort();
            let line: Vec<String> = columns
                .into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            hash.update(line.join("\t").as_bytes());
            hash.update(b"\n");
        }
        digests.push(TableDigest {
            table,
            rows: rows.len() as u64,
            sha256: hex::encode(hash.finalize()),
        });
    }
    Ok(digests)
}

/// Copies what the organisation entered (not on the stream) from the live store.
async fn copy_denominators(live: &Db, rebuilt: &Db) -> Result<(), store::Error> {
    let rows = sqlx::query("SELECT tenant, unit, year, customers, outlets, entered_by, entered_at FROM denominators")
        .fetch_all(live.reader())
        .await?;
    let mut tx = rebuilt.begin().await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO denominators (tenant, unit, year, customers, outlets, entered_by, entered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(row.try_get::<String, _>("tenant")?)
        .bind(row.try_get::<String, _>("unit")?)
        .bind(cell(&row, 2)?.parse::<i32>().unwrap_or_default())
        .bind(row.try_get::<i64, _>("customers")?)
        .bind(row.try_get::<i64, _>("outlets")?)
        .bind(row.try_get::<String, _>("entered_by")?)
        .bind(row.try_get::<String, _>("entered_at")?)
        .execute(&mut *tx)
        .await?;
    }
    rebuilt.commit(tx).await?;
    Ok(())
}

/// What a rebuild did.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// The durable consumer it read through.
    pub consumer: String,
    pub digests: Vec<TableDigest>,
}

/// Rebuilds analytics into the store at `url` (which must be empty) from every event on
/// `transport`, copying the denominators from `live`; returns once it has caught up with the
/// stream as it stood when the rebuild started, or fails after `timeout`.
pub async fn rebuild(
    transport: Arc<dyn Transport>,
    partitions: u32,
    url: &str,
    live: &Db,
    clock: Arc<dyn Clock>,
    timeout: Duration,
) -> Result<Rebuilt, runtime::BoxError> {
    let rebuilt = Db::connect(url, MIGRATIONS, OpenOptions::default()).await?;
    let facts: i64 = sqlx::query_scalar("SELECT count(*) FROM case_facts")
        .fetch_one(rebuilt.reader())
        .await?;
    if facts > 0 {
        return Err(format!("the store to rebuild into already holds {facts} cases' facts").into());
    }
    copy_denominators(live, &rebuilt).await?;
    let consumer = format!("{}-rebuild-{}", crate::SERVICE, clock.now().timestamp_millis());
    let options = ConsumerOptions::new(&consumer, crate::CONSUMES, partitions);
    let handler = Arc::new(AnalyticsHandler {
        db: rebuilt.clone(),
        clock: clock.clone(),
    });
    let shutdown = CancellationToken::new();
    let platform = runtime::Platform {
        transport: transport.clone(),
        clock,
        partitions,
    };
    let metrics = BusMetrics::register(&mut Registry::default());
    let mut loops =
        runtime::start_consumer(&rebuilt, &platform, handler, options.clone(), metrics, shutdown.clone()).await?;
    let started = std::time::Instant::now();
    let caught_up = loop {
        if bus::consumer::pending(transport.as_ref(), &options).await? == 0 {
            break true;
        }
        if started.elapsed() > timeout {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    shutdown.cancel();
    while loops.join_next().await.is_some() {}
    if !caught_up {
        rebuilt.close().await;
        return Err(format!("the rebuild had not caught up with the stream after {timeout:?}").into());
    }
    let digests = digests(&rebuilt).await?;
    rebuilt.close().await;
    Ok(Rebuilt { consumer, digests })
}
