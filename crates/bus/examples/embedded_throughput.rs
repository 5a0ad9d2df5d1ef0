//! Throughput of the embedded log: publishing 1 KiB messages in batches of 256, then fetching
//! and acknowledging them, with one consumer for everything and with one consumer per
//! partition running concurrently (the product's shape).
//!
//! `cargo run --release -p bus --example embedded_throughput -- [messages] [--payload=<bytes>]
//! [--fsync-full] [--publish-only]`

use std::time::{Duration, Instant};

use bus::embedded::{EmbeddedLog, EmbeddedOptions};
use bus::transport::{ConsumerSpec, Message, Settlement, Transport};
use bus::{Envelope, subjects};
use bytes::Bytes;
use chrono::Utc;
use uuid::Uuid;

const BATCH: usize = 256;
const PARTITIONS: u32 = 4;
const IDLE_CONSUMERS: u32 = 16;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let total: usize = args.iter().find_map(|arg| arg.parse().ok()).unwrap_or(100_000);
    let fsync_full = args.iter().any(|arg| arg == "--fsync-full");
    let payload_size = args
        .iter()
        .find_map(|arg| arg.strip_prefix("--payload=").and_then(|size| size.parse().ok()))
        .unwrap_or(1024);
    let dir = tempfile::tempdir()?;
    let options = EmbeddedOptions {
        fsync_full,
        ..EmbeddedOptions::default()
    };
    let log = EmbeddedLog::open(&dir.path().join("bus.db"), options).await?;
    println!(
        "{total} messages, {payload_size} bytes of payload + envelope headers, batches of {BATCH}, fsync_full={fsync_full}"
    );

    let batches: Vec<Vec<Message>> = (0..total)
        .map(|n| message(n, payload_size))
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(<[Message]>::to_vec)
        .collect();
    let started = Instant::now();
    for batch in batches {
        log.publish(batch).await?;
    }
    report("publish", total, started.elapsed());
    if args.iter().any(|arg| arg == "--publish-only") {
        return Ok(());
    }

    let started = Instant::now();
    let (consumed, done) = drain(&log, "all", subjects::EVENTS_STREAM_SUBJECTS.to_owned(), BATCH).await?;
    report("fetch+ack, one consumer", consumed, done - started);

    let started = Instant::now();
    let mut workers = Vec::new();
    for partition in 0..PARTITIONS {
        let log = log.clone();
        workers.push(tokio::spawn(async move {
            let filter = subjects::producer_filter("intake", partition);
            drain(&log, &format!("p{partition}"), filter, 128).await
        }));
    }
    let (mut consumed, mut last) = (0, started);
    for worker in workers {
        let (count, done) = worker.await??;
        consumed += count;
        last = last.max(done);
    }
    report("fetch+ack, 4 partition consumers at once", consumed, last - started);

    // The product's shape again: many consumers wait while most publishes are not for them.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut idle = Vec::new();
    for n in 0..IDLE_CONSUMERS {
        let log = log.clone();
        let stop = stop.clone();
        idle.push(tokio::spawn(async move {
            let mut consumer = log
                .consumer(ConsumerSpec {
                    durable_name: format!("idle-{n}"),
                    filter_subjects: vec![subjects::producer_filter("analytics", n % PARTITIONS)],
                    ack_wait: Duration::from_secs(30),
                    max_deliver: None,
                })
                .await?;
            while !stop.is_cancelled() {
                consumer.fetch(128, Duration::from_secs(1)).await?;
            }
            Ok::<_, BoxError>(())
        }));
    }
    let batches: Vec<Vec<Message>> = (0..total)
        .map(|n| message(n, payload_size))
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(<[Message]>::to_vec)
        .collect();
    let started = Instant::now();
    for batch in batches {
        log.publish(batch).await?;
    }
    report(
        &format!("publish, {IDLE_CONSUMERS} idle consumers waiting"),
        total,
        started.elapsed(),
    );
    stop.cancel();
    for task in idle {
        task.await??;
    }
    Ok(())
}

/// A message like the relay publishes: an envelope's headers and 1 KiB of payload.
fn message(n: usize, payload_size: usize) -> Message {
    let envelope = Envelope {
        event_id: Uuid::now_v7(),
        event_type: "case.registered".to_owned(),
        schema_version: 1,
        source: "intake".to_owned(),
        tenant: "default".to_owned(),
        case_id: Uuid::now_v7(),
        source_seq: u64::try_from(n).unwrap_or(0) + 1,
        causation_id: None,
        correlation_id: Some(Uuid::now_v7()),
        occurred_at: Utc::now(),
        traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned()),
        payload: Bytes::from(vec![0x5a; payload_size]),
    };
    envelope.to_message(PARTITIONS)
}

/// Fetches and acknowledges until a fetch comes back empty; returns how many, and when the
/// last acknowledgement returned (the final empty fetch's wait is not work).
async fn drain(log: &EmbeddedLog, name: &str, filter: String, batch: usize) -> Result<(usize, Instant), BoxError> {
    let mut consumer = log
        .consumer(ConsumerSpec {
            durable_name: name.to_owned(),
            filter_subjects: vec![filter],
            ack_wait: Duration::from_secs(30),
            max_deliver: None,
        })
        .await?;
    let mut consumed = 0;
    let mut done = Instant::now();
    loop {
        let deliveries = consumer.fetch(batch, Duration::from_millis(200)).await?;
        if deliveries.is_empty() {
            return Ok((consumed, done));
        }
        consumed += deliveries.len();
        let acks = deliveries.into_iter().map(|d| (d.ack_ref, Settlement::Ack)).collect();
        consumer.settle(acks).await?;
        done = Instant::now();
    }
}

fn report(what: &str, count: usize, elapsed: Duration) {
    let rate = count as f64 / elapsed.as_secs_f64();
    println!("{what:>42}: {count:>7} in {elapsed:>10.2?} = {rate:>9.0} messages/s");
}
