//! Throughput of the JetStream transport against a real nats-server: publishing 1 KiB messages
//! with 256 in flight (calls of 256) and with one in flight (calls of one), then fetching and
//! acknowledging them in batches of 256 and one at a time; for comparison, batches acknowledged
//! without waiting for the server's confirmation (what `settle` does not do), and one consumer
//! per partition running concurrently (the product's shape).
//!
//! `cargo run --release -p bus --example jetstream_throughput -- [messages] [--payload=<bytes>]
//! [--url=nats://host:port]`. Without `--url` it starts the nats-server `testkit::nats` finds
//! (`$REDRESS_NATS_SERVER` or `nats-server` on `PATH`, 2.10 or newer) in a temporary directory.

use std::time::{Duration, Instant};

use bus::jetstream::{JetStream, JetStreamOptions};
use bus::transport::{AckRef, ConsumerSpec, Message, Settlement, Transport};
use bus::{Envelope, subjects};
use bytes::Bytes;
use chrono::Utc;
use testkit::nats::NatsServer;
use uuid::Uuid;

const PARTITIONS: u32 = 4;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let total: usize = args.iter().find_map(|arg| arg.parse().ok()).unwrap_or(100_000);
    let payload_size = args
        .iter()
        .find_map(|arg| arg.strip_prefix("--payload=").and_then(|size| size.parse().ok()))
        .unwrap_or(1024);
    let mut server = None;
    let url = match args.iter().find_map(|arg| arg.strip_prefix("--url=")) {
        Some(url) => url.to_owned(),
        None => {
            let started = NatsServer::start().await?;
            let url = started.url();
            server = Some(started);
            url
        }
    };
    let transport = JetStream::connect(JetStreamOptions::new(&url)).await?;
    println!(
        "{total} messages, {payload_size} bytes of payload + envelope headers, nats-server {} at {url}",
        transport.server_version()
    );

    for in_flight in [256, 1] {
        let started = Instant::now();
        for batch in messages(total, payload_size).chunks(in_flight) {
            transport.publish(batch.to_vec()).await?;
        }
        report(&format!("publish, {in_flight} in flight"), total, started.elapsed());
    }
    // Both rounds are in the stream now: each consumer below reads `2 * total`.
    let stored = 2 * total;
    for batch in [256, 1] {
        let started = Instant::now();
        let drained = drain(&transport, &format!("all-{batch}"), all_partitions(), batch, None).await?;
        report(
            &format!("fetch+ack, batches of {batch}"),
            drained.count,
            drained.done - started,
        );
        settling(&drained);
        assert_eq!(drained.count, stored, "every message once");
    }

    let client = async_nats::connect(&url).await?;
    let started = Instant::now();
    let drained = drain(&transport, "unconfirmed", all_partitions(), 256, Some(&client)).await?;
    report(
        "fetch+ack unconfirmed, batches of 256",
        drained.count,
        drained.done - started,
    );
    settling(&drained);

    let started = Instant::now();
    let mut workers = Vec::new();
    for partition in 0..PARTITIONS {
        let transport = transport.clone();
        workers.push(tokio::spawn(async move {
            let filter = vec![subjects::producer_filter("intake", partition)];
            drain(&transport, &format!("p{partition}"), filter, 128, None).await
        }));
    }
    let (mut consumed, mut last) = (0, started);
    for worker in workers {
        let drained = worker.await??;
        consumed += drained.count;
        last = last.max(drained.done);
    }
    report("fetch+ack, 4 partition consumers at once", consumed, last - started);
    drop(server);
    Ok(())
}

/// Messages like the relay publishes: an envelope's headers and `payload_size` bytes.
fn messages(total: usize, payload_size: usize) -> Vec<Message> {
    (0..total)
        .map(|n| {
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
        })
        .collect()
}

fn all_partitions() -> Vec<String> {
    (0..PARTITIONS)
        .map(|partition| subjects::producer_filter("intake", partition))
        .collect()
}

/// What a drain did.
struct Drained {
    count: usize,
    /// When the last acknowledgement returned (the final empty fetch's wait is not work).
    done: Instant,
    /// Batches settled and the time spent settling them.
    batches: u32,
    settling: Duration,
}

/// Fetches and acknowledges until a fetch comes back empty. With `unconfirmed`, acknowledgements
/// are published on that connection without waiting for the server's answer.
async fn drain(
    transport: &JetStream,
    name: &str,
    filter_subjects: Vec<String>,
    batch: usize,
    unconfirmed: Option<&async_nats::Client>,
) -> Result<Drained, BoxError> {
    let mut consumer = transport
        .consumer(ConsumerSpec {
            durable_name: name.to_owned(),
            filter_subjects,
            ack_wait: Duration::from_secs(60),
            max_deliver: None,
        })
        .await?;
    let mut drained = Drained {
        count: 0,
        done: Instant::now(),
        batches: 0,
        settling: Duration::ZERO,
    };
    loop {
        let deliveries = consumer.fetch(batch, Duration::from_millis(500)).await?;
        if deliveries.is_empty() {
            return Ok(drained);
        }
        drained.count += deliveries.len();
        let settling = Instant::now();
        match unconfirmed {
            None => {
                let acks = deliveries.into_iter().map(|d| (d.ack_ref, Settlement::Ack)).collect();
                consumer.settle(acks).await?;
            }
            Some(client) => {
                for delivery in deliveries {
                    if let AckRef::JetStream { reply } = delivery.ack_ref {
                        client.publish(reply, Bytes::from_static(b"+ACK")).await?;
                    }
                }
                client.flush().await?;
            }
        }
        drained.done = Instant::now();
        drained.settling += drained.done - settling;
        drained.batches += 1;
    }
}

fn settling(drained: &Drained) {
    let per_batch = drained.settling / drained.batches.max(1);
    println!(
        "{:>42}  settling took {:.2?} in all, {per_batch:.2?} per batch",
        "", drained.settling
    );
}

fn report(what: &str, count: usize, elapsed: Duration) {
    let rate = count as f64 / elapsed.as_secs_f64();
    println!("{what:>42}: {count:>7} in {elapsed:>10.2?} = {rate:>9.0} messages/s");
}
