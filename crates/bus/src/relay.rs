//! The outbox relay: moves committed outbox rows to the transport.
//!
//! A service's store writes outbox rows in the same transaction as its state change and then
//! signals a [`tokio::sync::Notify`]; the relay wakes, claims rows in order, publishes them with
//! their event id as message id, waits for the broker's acks and removes them. A crash between
//! publish and removal publishes again; the broker deduplicates by message id.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::crash;
use crate::envelope::Envelope;
use crate::metrics::BusMetrics;
use crate::transport::Transport;

/// A committed outbox row.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    /// The row's id in the outbox; rows are published in id order.
    pub id: i64,
    pub envelope: Envelope,
}

/// Where a relay finds its rows: one service's outbox.
#[async_trait]
pub trait OutboxSource: Send + Sync + 'static {
    /// Up to `limit` rows, oldest first, that no other relay is publishing.
    async fn claim(&self, limit: usize) -> Result<Vec<OutboxRow>, String>;
    /// Removes published rows.
    async fn remove(&self, ids: &[i64]) -> Result<(), String>;
}

/// How a relay runs.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    pub partitions: u32,
    /// Rows per publish.
    pub batch_size: usize,
    /// The safety tick when no commit signal arrives.
    pub idle_tick: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        Self {
            partitions: 4,
            batch_size: 256,
            idle_tick: Duration::from_secs(1),
        }
    }
}

/// Runs until `shutdown`, then publishes what is already claimed and returns.
pub async fn run(
    source: Arc<dyn OutboxSource>,
    transport: Arc<dyn Transport>,
    wake: Arc<Notify>,
    options: RelayOptions,
    metrics: BusMetrics,
    shutdown: CancellationToken,
) {
    let mut backoff = Duration::from_millis(50);
    loop {
        // Register interest before looking, so a commit between the look and the wait wakes us.
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match relay_once(source.as_ref(), transport.as_ref(), &options, &metrics).await {
            Ok(0) => {
                backoff = Duration::from_millis(50);
                tokio::select! {
                    () = &mut notified => {}
                    () = tokio::time::sleep(options.idle_tick) => {}
                    () = shutdown.cancelled() => return,
                }
            }
            Ok(_) => {
                backoff = Duration::from_millis(50);
                if shutdown.is_cancelled() {
                    return;
                }
            }
            Err(error) => {
                tracing::warn!(%error, backoff_ms = backoff.as_millis() as u64, "outbox relay failed; retrying");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = shutdown.cancelled() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Publishes one batch; returns how many rows it moved.
pub async fn relay_once(
    source: &dyn OutboxSource,
    transport: &dyn Transport,
    options: &RelayOptions,
    metrics: &BusMetrics,
) -> Result<usize, String> {
    let rows = source.claim(options.batch_size).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    crash::point("relay.after_commit");
    let messages = rows
        .iter()
        .map(|row| row.envelope.to_message(options.partitions))
        .collect();
    transport.publish(messages).await.map_err(|error| error.to_string())?;
    crash::point("relay.after_publish");
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    source.remove(&ids).await?;
    metrics.events_published.inc_by(rows.len() as u64);
    Ok(rows.len())
}
