//! Durable consumers: declaring them, and the pull handle that fetches, settles and counts.

use std::sync::atomic::AtomicI64;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::time::Instant;

use super::scan::Filters;
use super::{Inner, claim, codec, messages, sql};
use crate::transport::{AckRef, Consumer, ConsumerSpec, Delivery, Error, Settlement};

/// A waiting fetch looks again at least this often, whatever woke it or not. Publishes and
/// negative acknowledgements wake it at once, and it sleeps exactly until the next pending
/// delivery becomes visible; this tick only bounds the cost of a missed wake-up.
const SAFETY_TICK: Duration = Duration::from_secs(1);

/// How many candidate rows [`Consumer::pending`] reads per statement.
const COUNT_CHUNK: usize = 4096;

/// A durable consumer's settings as last declared.
#[derive(Debug)]
pub(super) struct Settings {
    pub(super) filters: Filters,
    pub(super) ack_wait_ms: i64,
    pub(super) max_deliver: Option<u32>,
    /// No message up to this stream sequence can match these filters, as a probe found; a claim
    /// may start its scan there. It belongs to these settings: new filters start again at 0.
    pub(super) probed_upto: AtomicI64,
}

/// What every handle on one durable consumer shares within the process.
#[derive(Debug)]
pub(super) struct Shared {
    /// The consumer's row in `consumers`.
    pub(super) id: i64,
    settings: RwLock<Arc<Settings>>,
    /// Bumped when a negative acknowledgement makes a delivery visible before the waiting
    /// fetches expected it.
    woken: watch::Sender<u64>,
}

impl Shared {
    /// The settings as last declared.
    pub(super) fn settings(&self) -> Arc<Settings> {
        self.settings.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Declares (or updates) the durable consumer of `spec` and returns a handle on it.
pub(super) async fn declare(inner: &Arc<Inner>, spec: ConsumerSpec) -> Result<EmbeddedConsumer, Error> {
    validate(&spec)?;
    let settings = Arc::new(Settings {
        filters: Filters::new(spec.filter_subjects),
        ack_wait_ms: codec::millis(spec.ack_wait).max(1),
        max_deliver: spec.max_deliver,
        probed_upto: AtomicI64::new(0),
    });
    let now = codec::now_ms();
    let mut tx = super::sql::begin_immediate(&inner.writer).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO consumers (name, filter_subjects, ack_wait_ms, max_deliver, cursor, \
             created_at_ms, updated_at_ms) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5) \
         ON CONFLICT (name) DO UPDATE SET filter_subjects = excluded.filter_subjects, \
             ack_wait_ms = excluded.ack_wait_ms, max_deliver = excluded.max_deliver, \
             updated_at_ms = excluded.updated_at_ms \
         RETURNING id",
    )
    .bind(spec.durable_name.as_str())
    .bind(settings.filters.as_slice().join("\n"))
    .bind(settings.ack_wait_ms)
    .bind(settings.max_deliver.map(i64::from))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    super::sql::commit(tx).await?;

    let shared = {
        let mut consumers = inner.consumers.lock().unwrap_or_else(PoisonError::into_inner);
        let shared = consumers
            .entry(spec.durable_name)
            .or_insert_with(|| {
                Arc::new(Shared {
                    id,
                    settings: RwLock::new(settings.clone()),
                    woken: watch::Sender::new(0),
                })
            })
            .clone();
        *shared.settings.write().unwrap_or_else(PoisonError::into_inner) = settings;
        shared
    };
    Ok(EmbeddedConsumer {
        inner: inner.clone(),
        published: inner.published.subscribe(),
        woken: shared.woken.subscribe(),
        shared,
        idle: true,
    })
}

/// Refuses what JetStream would refuse: names that cannot be subjects, no filter, no wait.
fn validate(spec: &ConsumerSpec) -> Result<(), Error> {
    let refuse = |reason: String| Err(Error::Refused(reason));
    let name = &spec.durable_name;
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>')) {
        return refuse(format!("invalid durable name {name:?}"));
    }
    if spec.filter_subjects.is_empty() {
        return refuse(format!("consumer {name} has no filter subject"));
    }
    if let Some(filter) = spec
        .filter_subjects
        .iter()
        .find(|filter| filter.is_empty() || filter.chars().any(char::is_whitespace))
    {
        return refuse(format!("consumer {name} has an invalid filter {filter:?}"));
    }
    if spec.ack_wait.is_zero() {
        return refuse(format!("consumer {name} has no acknowledgement wait"));
    }
    if spec.max_deliver == Some(0) {
        return refuse(format!("consumer {name} may deliver nothing (max_deliver 0)"));
    }
    Ok(())
}

/// A pull handle on a durable consumer of the embedded log.
#[derive(Debug)]
pub(super) struct EmbeddedConsumer {
    inner: Arc<Inner>,
    shared: Arc<Shared>,
    published: watch::Receiver<u64>,
    woken: watch::Receiver<u64>,
    /// The last fetch came back empty: probe on a reader before taking the writer to claim.
    idle: bool,
}

impl EmbeddedConsumer {
    /// Reads the claimed messages' bodies, after the claim's commit, on a reader connection.
    async fn deliver(&self, claimed: Vec<(u64, u32)>) -> Result<Vec<Delivery>, Error> {
        let seqs: Vec<u64> = claimed.iter().map(|(seq, _)| *seq).collect();
        let mut conn = self.inner.reader.acquire().await?;
        let mut bodies = messages::load(&mut conn, &seqs).await?;
        let mut deliveries = Vec::with_capacity(claimed.len());
        for (stream_seq, delivered) in claimed {
            match bodies.remove(&stream_seq) {
                Some(message) => deliveries.push(Delivery {
                    message,
                    delivered,
                    stream_seq,
                    ack_ref: AckRef::Embedded { stream_seq },
                }),
                None => tracing::warn!(stream_seq, "a claimed message has no body"),
            }
        }
        Ok(deliveries)
    }
}

#[async_trait]
impl Consumer for EmbeddedConsumer {
    async fn fetch(&mut self, max: usize, expires: Duration) -> Result<Vec<Delivery>, Error> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let deadline = Instant::now() + expires;
        // A consumer with work claims at once. One that had none first asks a reader whether a
        // claim could find anything, so idle consumers woken by every publish do not queue for
        // the one writer only to find nothing.
        let mut probe_first = self.idle;
        loop {
            // Marking both signals seen before looking means a publish or a negative
            // acknowledgement that lands meanwhile wakes the wait below at once.
            self.published.borrow_and_update();
            self.woken.borrow_and_update();
            let probe = if probe_first {
                Some(claim::probe(&self.inner, &self.shared).await?)
            } else {
                None
            };
            let (next_visible_ms, more_to_scan) = match probe {
                Some(probe) if !probe.worth_claiming => (probe.next_visible_ms, false),
                _ => {
                    let claimed = claim::claim(&self.inner, &self.shared, max).await?;
                    if !claimed.deliveries.is_empty() {
                        self.idle = false;
                        return self.deliver(claimed.deliveries).await;
                    }
                    (claimed.next_visible_ms, claimed.more_to_scan)
                }
            };
            let now = Instant::now();
            if now >= deadline {
                self.idle = true;
                return Ok(Vec::new());
            }
            probe_first = !more_to_scan;
            if more_to_scan {
                continue;
            }
            let mut wake_at = deadline.min(now + SAFETY_TICK);
            if let Some(visible_ms) = next_visible_ms {
                let wait_ms = visible_ms.saturating_sub(codec::now_ms()).max(0) + 1;
                wake_at = wake_at.min(now + Duration::from_millis(codec::from_db(wait_ms)));
            }
            tokio::select! {
                () = changed(&mut self.published) => {}
                () = changed(&mut self.woken) => {}
                () = tokio::time::sleep_until(wake_at) => {}
            }
        }
    }

    async fn settle(&mut self, settlements: Vec<(AckRef, Settlement)>) -> Result<(), Error> {
        if settlements.is_empty() {
            return Ok(());
        }
        let settings = self.shared.settings();
        let mut by_seq = Vec::with_capacity(settlements.len());
        for (ack_ref, settlement) in settlements {
            match ack_ref {
                AckRef::Embedded { stream_seq } => by_seq.push((stream_seq, settlement)),
                #[allow(unreachable_patterns)]
                other => {
                    return Err(Error::Refused(format!(
                        "{other:?} is not a delivery of the embedded log"
                    )));
                }
            }
        }
        let grouped = Grouped::new(by_seq, settings.ack_wait_ms);
        let now = codec::now_ms();
        let mut tx = super::sql::begin_immediate(&self.inner.writer).await?;
        for (delay_ms, seqs) in &grouped.delayed {
            for range in sql::chunks(seqs.len()) {
                let chunk = &seqs[range];
                let statement = format!(
                    "UPDATE pending SET visible_at_ms = ?2 \
                     WHERE consumer_id = ?1 AND seq IN ({})",
                    sql::list(chunk.len(), 3)
                );
                let mut query = sqlx::query(&statement)
                    .bind(self.shared.id)
                    .bind(now.saturating_add(*delay_ms));
                for seq in chunk {
                    query = query.bind(*seq);
                }
                query.execute(&mut *tx).await?;
            }
        }
        // Removals last: a delivery both acknowledged and delayed in one call is acknowledged.
        for range in sql::chunks(grouped.removed.len()) {
            let chunk = &grouped.removed[range];
            let statement = format!(
                "DELETE FROM pending WHERE consumer_id = ?1 AND seq IN ({})",
                sql::list(chunk.len(), 2)
            );
            let mut query = sqlx::query(&statement).bind(self.shared.id);
            for seq in chunk {
                query = query.bind(*seq);
            }
            query.execute(&mut *tx).await?;
        }
        super::sql::commit(tx).await?;
        if grouped.negative {
            self.shared.woken.send_modify(|n| *n = n.wrapping_add(1));
        }
        Ok(())
    }

    async fn pending(&mut self) -> Result<u64, Error> {
        let settings = self.shared.settings();
        let now = codec::now_ms();
        // One read transaction, so the cursor and the pending rows are from the same moment.
        let mut tx = self.inner.reader.begin().await?;
        let in_flight: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pending \
             WHERE consumer_id = ?1 AND (delivered < ?2 OR visible_at_ms > ?3)",
        )
        .bind(self.shared.id)
        .bind(settings.max_deliver.map_or(i64::MAX, i64::from))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let mut position: i64 = sqlx::query_scalar("SELECT cursor FROM consumers WHERE id = ?1")
            .bind(self.shared.id)
            .fetch_one(&mut *tx)
            .await?;
        let mut waiting: u64 = 0;
        loop {
            let candidates = settings
                .filters
                .candidates(&mut tx, position, i64::MAX, COUNT_CHUNK)
                .await?;
            let count = candidates.len();
            for (seq, subject) in candidates {
                position = seq;
                if settings.filters.matches(&subject) {
                    waiting += 1;
                }
            }
            if count < COUNT_CHUNK {
                break;
            }
        }
        tx.rollback().await?;
        Ok(codec::from_db(in_flight) + waiting)
    }
}

/// Waits for a change; never returns if the sender is gone (the wait's other branches end it).
async fn changed(receiver: &mut watch::Receiver<u64>) {
    if receiver.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// One settle call's settlements, grouped by what they do to the pending rows.
#[derive(Debug, Default)]
struct Grouped {
    /// Acknowledged or terminated: the pending row goes.
    removed: Vec<i64>,
    /// Visible again after a delay in milliseconds (negative acknowledgements and progress).
    delayed: Vec<(i64, Vec<i64>)>,
    /// Whether any negative acknowledgement was among them.
    negative: bool,
}

impl Grouped {
    fn new(settlements: Vec<(u64, Settlement)>, ack_wait_ms: i64) -> Self {
        let mut grouped = Self::default();
        for (seq, settlement) in settlements {
            let seq = codec::to_db(seq);
            let delay_ms = match settlement {
                Settlement::Ack | Settlement::Term => {
                    grouped.removed.push(seq);
                    continue;
                }
                Settlement::Nak(delay) => {
                    grouped.negative = true;
                    codec::millis(delay)
                }
                Settlement::Progress => ack_wait_ms,
            };
            match grouped.delayed.iter_mut().find(|(ms, _)| *ms == delay_ms) {
                Some((_, seqs)) => seqs.push(seq),
                None => grouped.delayed.push((delay_ms, vec![seq])),
            }
        }
        grouped
    }
}
