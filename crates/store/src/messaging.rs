//! The outbox, the inbox marks, failure counts and the case history, written inside a
//! service's transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{HandlerError, Inbox, Mark};
use bus::relay::{OutboxRow, OutboxSource};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::db::{Backend, Conn, Db, Error, Tx};

/// Who is producing events, and when: the same for every event of one transaction.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The producing service.
    pub source: &'static str,
    pub occurred_at: DateTime<Utc>,
    /// The event that caused these, if any.
    pub causation_id: Option<Uuid>,
    /// The request that started the chain.
    pub correlation_id: Option<Uuid>,
    pub traceparent: Option<String>,
}

impl Origin {
    /// The origin of events a service produces on its own (an action, a timer): no cause, no
    /// correlation, no trace.
    pub fn at(source: &'static str, occurred_at: DateTime<Utc>) -> Self {
        Self {
            source,
            occurred_at,
            causation_id: None,
            correlation_id: None,
            traceparent: None,
        }
    }

    /// The origin of events a service produces in reaction to `cause`: same correlation and
    /// trace, `cause` as the causation.
    pub fn caused_by(source: &'static str, occurred_at: DateTime<Utc>, cause: &Envelope) -> Self {
        Self {
            source,
            occurred_at,
            causation_id: Some(cause.event_id),
            correlation_id: cause.correlation_id,
            traceparent: cause.traceparent.clone(),
        }
    }
}

/// An event to publish once the transaction commits.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub tenant: String,
    /// `<aggregate>.<event>`.
    pub event_type: &'static str,
    pub case_id: Uuid,
    pub payload: Bytes,
}

/// An entry of the case timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub tenant: String,
    pub case_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor: String,
    /// A JSON object as text, never personal data.
    pub detail_json: String,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Writes events to the outbox, assigning each its gapless sequence per case.
pub async fn append_events(conn: &mut Conn, origin: &Origin, events: Vec<NewEvent>) -> Result<Vec<Envelope>, Error> {
    let mut written = Vec::with_capacity(events.len());
    for event in events {
        let case_key = event.case_id.to_string();
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO producer_seq (case_id, last_seq) VALUES ($1, 1)
             ON CONFLICT (case_id) DO UPDATE SET last_seq = producer_seq.last_seq + 1 RETURNING last_seq",
        )
        .bind(&case_key)
        .fetch_one(&mut *conn)
        .await?;
        let envelope = Envelope {
            event_id: Uuid::now_v7(),
            event_type: event.event_type.to_owned(),
            schema_version: 1,
            source: origin.source.to_owned(),
            tenant: event.tenant,
            case_id: event.case_id,
            source_seq: u64::try_from(seq).map_err(|_| Error::Corrupt("negative sequence".into()))?,
            causation_id: origin.causation_id,
            correlation_id: origin.correlation_id,
            occurred_at: origin.occurred_at,
            traceparent: origin.traceparent.clone(),
            payload: event.payload,
        };
        sqlx::query(
            "INSERT INTO outbox (event_id, event_type, schema_version, source, tenant, case_id, source_seq,
                causation_id, correlation_id, occurred_at, traceparent, payload)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(envelope.event_id.to_string())
        .bind(&envelope.event_type)
        .bind(i64::from(envelope.schema_version))
        .bind(&envelope.source)
        .bind(&envelope.tenant)
        .bind(&case_key)
        .bind(seq)
        .bind(envelope.causation_id.map(|id| id.to_string()))
        .bind(envelope.correlation_id.map(|id| id.to_string()))
        .bind(rfc3339(envelope.occurred_at))
        .bind(&envelope.traceparent)
        .bind(envelope.payload.as_ref())
        .execute(&mut *conn)
        .await?;
        written.push(envelope);
    }
    Ok(written)
}

/// Writes one event and the timeline entry that tells of it, for the event's tenant and case.
pub async fn emit(
    conn: &mut Conn,
    origin: &Origin,
    event: NewEvent,
    action: &str,
    detail: &serde_json::Value,
) -> Result<Envelope, Error> {
    emit_by(conn, origin, event, "system", action, detail).await
}

/// [`emit`] for an action someone took: the timeline names `actor` (a staff id, `admin`).
pub async fn emit_by(
    conn: &mut Conn,
    origin: &Origin,
    event: NewEvent,
    actor: &str,
    action: &str,
    detail: &serde_json::Value,
) -> Result<Envelope, Error> {
    let entry = HistoryEntry {
        tenant: event.tenant.clone(),
        case_id: event.case_id,
        at: origin.occurred_at,
        action: action.to_owned(),
        actor: actor.to_owned(),
        detail_json: detail.to_string(),
    };
    let mut written = append_events(conn, origin, vec![event]).await?;
    append_history(conn, &[entry]).await?;
    written
        .pop()
        .ok_or_else(|| Error::Corrupt("an event was not written".into()))
}

/// Moves a consumer's marks forward.
///
/// A mark is never moved back. Finding one already at or past the new position means another
/// replica applied the event meanwhile (possible only while a partition changes hands): the
/// transaction fails with [`Error::Conflict`], rolls back, and the retried batch sees the event
/// as done, so no effect is applied twice.
pub async fn advance_marks(conn: &mut Conn, consumer: &str, marks: &[Mark]) -> Result<(), Error> {
    for mark in marks {
        let moved = sqlx::query(
            "INSERT INTO inbox_marks (consumer, case_id, producer, seq) VALUES ($1, $2, $3, $4)
             ON CONFLICT (consumer, case_id, producer) DO UPDATE SET seq = excluded.seq
             WHERE inbox_marks.seq < excluded.seq",
        )
        .bind(consumer)
        .bind(mark.case_id.to_string())
        .bind(&mark.producer)
        .bind(i64::try_from(mark.seq).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(Error::Conflict(format!(
                "{consumer} already applied {} of case {} up to or past {}",
                mark.producer, mark.case_id, mark.seq
            )));
        }
    }
    Ok(())
}

/// Appends timeline entries.
pub async fn append_history(conn: &mut Conn, entries: &[HistoryEntry]) -> Result<(), Error> {
    for entry in entries {
        sqlx::query(
            "INSERT INTO history (tenant, case_id, at, action, actor, detail_json) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&entry.tenant)
        .bind(entry.case_id.to_string())
        .bind(rfc3339(entry.at))
        .bind(&entry.action)
        .bind(&entry.actor)
        .bind(&entry.detail_json)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A case's timeline as this service wrote it, oldest first, for one tenant.
pub async fn history_for_case(db: &Db, tenant: &str, case_id: Uuid) -> Result<Vec<HistoryEntry>, Error> {
    let rows = sqlx::query(
        "SELECT at, action, actor, detail_json FROM history WHERE case_id = $1 AND tenant = $2 ORDER BY id",
    )
    .bind(case_id.to_string())
    .bind(tenant)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|row| {
            let at: String = row.try_get("at")?;
            Ok(HistoryEntry {
                tenant: tenant.to_owned(),
                case_id,
                at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|_| Error::Corrupt(format!("history time {at}")))?
                    .with_timezone(&Utc),
                action: row.try_get("action")?,
                actor: row.try_get("actor")?,
                detail_json: row.try_get("detail_json")?,
            })
        })
        .collect()
}

/// The relay's claim on PostgreSQL: one relay of a service's replicas publishes at a time, so
/// per-case order holds across batches; the rows are also locked with `SKIP LOCKED`.
const RELAY_LOCK: i64 = 0x5245_4452_4553_5302;

const OUTBOX_COLUMNS: &str = "id, event_id, event_type, schema_version, source, tenant, case_id, source_seq, \
     causation_id, correlation_id, occurred_at, traceparent, payload";

/// The outbox of one service's store, for the relay.
///
/// SQLite: one relay per file reads the oldest rows and deletes them once published.
/// PostgreSQL: a claim opens a transaction, waits for the service's relay lock
/// (`pg_advisory_xact_lock`), selects the oldest rows `FOR UPDATE SKIP LOCKED` and holds the
/// transaction while the relay publishes; `remove` deletes the rows and commits. Replicas thus
/// relay one batch at a time in id order; a replica that dies mid-batch releases the lock with
/// its connection and the next claim takes the same rows again (the broker deduplicates).
#[derive(Debug)]
pub struct StoreOutbox {
    db: Db,
    held: Mutex<Option<Tx>>,
}

impl StoreOutbox {
    /// The outbox of `db`.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            held: Mutex::new(None),
        }
    }
}

#[async_trait]
impl OutboxSource for StoreOutbox {
    async fn claim(&self, limit: usize) -> Result<Vec<OutboxRow>, String> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = match self.db.backend() {
            Backend::Sqlite => sqlx::query(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id LIMIT $1"))
                .bind(limit)
                .fetch_all(self.db.writer())
                .await
                .map_err(|e| e.to_string())?,
            Backend::Postgres => {
                let mut held = self.held.lock().await;
                // A batch whose publish failed is given up (rolled back) and claimed afresh.
                held.take();
                let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(RELAY_LOCK)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| e.to_string())?;
                let rows = sqlx::query(&format!(
                    "SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
                ))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
                if !rows.is_empty() {
                    *held = Some(tx);
                }
                rows
            }
        };
        rows.iter()
            .map(|row| outbox_row(row).map_err(|e| e.to_string()))
            .collect()
    }

    async fn remove(&self, ids: &[i64]) -> Result<(), String> {
        let (Some(first), Some(last)) = (ids.iter().min(), ids.iter().max()) else {
            return Ok(());
        };
        match self.db.backend() {
            Backend::Sqlite => {
                // Claimed rows are a contiguous prefix in id order (one relay per file).
                sqlx::query("DELETE FROM outbox WHERE id BETWEEN $1 AND $2")
                    .bind(first)
                    .bind(last)
                    .execute(self.db.writer())
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Backend::Postgres => {
                let mut tx = self
                    .held
                    .lock()
                    .await
                    .take()
                    .ok_or("no claimed batch to remove (the claim was given up)")?;
                let sql = format!("DELETE FROM outbox WHERE id IN ({})", placeholders(1, ids.len()));
                let mut query = sqlx::query(&sql);
                for id in ids {
                    query = query.bind(*id);
                }
                query.execute(&mut *tx).await.map_err(|e| e.to_string())?;
                self.db.commit(tx).await.map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// `$from, $from+1, …` for `count` parameters.
pub fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn outbox_row(row: &AnyRow) -> Result<OutboxRow, Error> {
    let uuid = |name: &str| -> Result<Uuid, Error> {
        let text: String = row.try_get(name)?;
        Uuid::parse_str(&text).map_err(|_| Error::Corrupt(format!("outbox {name} {text}")))
    };
    let optional_uuid = |name: &str| -> Result<Option<Uuid>, Error> {
        let text: Option<String> = row.try_get(name)?;
        text.map(|t| Uuid::parse_str(&t).map_err(|_| Error::Corrupt(format!("outbox {name}"))))
            .transpose()
    };
    let occurred: String = row.try_get("occurred_at")?;
    let payload: Vec<u8> = row.try_get("payload")?;
    let seq: i64 = row.try_get("source_seq")?;
    let version: i64 = row.try_get("schema_version")?;
    Ok(OutboxRow {
        id: row.try_get("id")?,
        envelope: Envelope {
            event_id: uuid("event_id")?,
            event_type: row.try_get("event_type")?,
            schema_version: u32::try_from(version).map_err(|_| Error::Corrupt("schema version".into()))?,
            source: row.try_get("source")?,
            tenant: row.try_get("tenant")?,
            case_id: uuid("case_id")?,
            source_seq: u64::try_from(seq).map_err(|_| Error::Corrupt("sequence".into()))?,
            causation_id: optional_uuid("causation_id")?,
            correlation_id: optional_uuid("correlation_id")?,
            occurred_at: DateTime::parse_from_rfc3339(&occurred)
                .map_err(|_| Error::Corrupt(format!("outbox time {occurred}")))?
                .with_timezone(&Utc),
            traceparent: row.try_get("traceparent")?,
            payload: Bytes::from(payload),
        },
    })
}

/// The inbox marks and failure counts of one service's store, for the consumer runtime.
#[derive(Debug, Clone)]
pub struct StoreInbox(pub Db);

#[async_trait]
impl Inbox for StoreInbox {
    async fn marks(
        &self,
        consumer: &str,
        keys: &[(Uuid, String)],
    ) -> Result<HashMap<(Uuid, String), u64>, HandlerError> {
        let mut found = HashMap::with_capacity(keys.len());
        // One query per chunk of cases (SQLite's bind limit), not one per event of the batch.
        for chunk in keys.chunks(500) {
            let sql = format!(
                "SELECT case_id, producer, seq FROM inbox_marks WHERE consumer = $1 AND case_id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (String, String, i64)>(&sql).bind(consumer);
            for (case_id, _) in chunk {
                query = query.bind(case_id.to_string());
            }
            for (case_id, producer, seq) in query.fetch_all(self.0.reader()).await? {
                let Ok(case_id) = Uuid::parse_str(&case_id) else {
                    continue;
                };
                if chunk.iter().any(|(c, p)| *c == case_id && *p == producer) {
                    found.insert((case_id, producer), u64::try_from(seq).unwrap_or(0));
                }
            }
        }
        Ok(found)
    }

    async fn record_failure(&self, consumer: &str, event_id: Uuid, error: &str) -> Result<u32, HandlerError> {
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO consumer_failures (consumer, event_id, failures, last_error) VALUES ($1, $2, 1, $3)
             ON CONFLICT (consumer, event_id) DO UPDATE SET failures = consumer_failures.failures + 1, last_error = excluded.last_error
             RETURNING failures",
        )
        .bind(consumer)
        .bind(event_id.to_string())
        .bind(error.chars().take(2000).collect::<String>())
        .fetch_one(self.0.writer())
        .await?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }
}
