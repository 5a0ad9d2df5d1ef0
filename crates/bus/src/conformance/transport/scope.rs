//! The suite's helpers: a check's own names, its messages, and bounded waiting.

use std::time::{Duration, Instant};

use bytes::Bytes;
use uuid::Uuid;

use super::{BATCH, PATIENCE, POLL};
use crate::subjects;
use crate::transport::{AckRef, Consumer, ConsumerSpec, Delivery, Message, PublishAck, Settlement, Transport};

/// One check's names and helpers.
#[derive(Debug)]
pub(super) struct Scope {
    pub(super) check: &'static str,
    /// Random, so that runs and concurrent checks never meet.
    pub(super) tag: String,
    pub(super) tenant: String,
    pub(super) producer: String,
}

impl Scope {
    pub(super) fn new(check: &'static str) -> Self {
        // The last twelve hex digits of a UUIDv7 are random.
        let uuid = Uuid::now_v7().simple().to_string();
        let tag = uuid[uuid.len() - 12..].to_owned();
        Self {
            check,
            tenant: format!("t-{tag}"),
            producer: format!("p{tag}"),
            tag,
        }
    }

    /// Another producer token of this check.
    pub(super) fn other_producer(&self) -> String {
        format!("q{}", self.tag)
    }

    /// A subject of this check's producer: `case.<event>` on `partition`.
    pub(super) fn subject(&self, event: &str, partition: u32) -> String {
        subjects::event(&self.tenant, &self.producer, &format!("case.{event}"), partition)
    }

    /// A durable name of this check.
    pub(super) fn durable(&self, name: &str) -> String {
        format!("{}-{name}-{}", self.check.replace('_', "-"), self.tag)
    }

    /// The `n`-th message of this check on `subject`, with a fresh id.
    pub(super) fn message(&self, subject: String, n: usize) -> Message {
        let mut payload = format!("{}#{n}:", self.check).into_bytes();
        payload.extend([0u8, 1, 0x7f, 0x80, 0xfe, 0xff]);
        Message {
            subject,
            msg_id: Uuid::now_v7().to_string(),
            headers: vec![
                ("Redress-Event-Type".to_owned(), "case.registered".to_owned()),
                ("Redress-Check".to_owned(), format!("{} {n}", self.check)),
                (
                    "traceparent".to_owned(),
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
                ),
            ],
            payload: Bytes::from(payload),
        }
    }

    pub(super) async fn publish(&self, transport: &dyn Transport, messages: Vec<Message>) -> Vec<PublishAck> {
        let count = messages.len();
        let acks = transport
            .publish(messages)
            .await
            .unwrap_or_else(|e| panic!("{}: publish: {e}", self.check));
        assert_eq!(acks.len(), count, "{}: one ack per message", self.check);
        acks
    }

    /// Asserts that every ack is of a new message, with increasing sequences.
    pub(super) fn assert_stored(&self, acks: &[PublishAck]) {
        assert!(
            acks.iter().all(|ack| !ack.duplicate),
            "{}: new messages reported as duplicates",
            self.check
        );
        assert!(
            acks.windows(2).all(|pair| pair[0].stream_seq < pair[1].stream_seq),
            "{}: stream sequences do not increase",
            self.check
        );
    }

    /// Declares this check's consumer `name` on its producer's partition 0.
    pub(super) async fn consumer(
        &self,
        transport: &dyn Transport,
        name: &str,
        ack_wait: Duration,
        max_deliver: Option<u32>,
    ) -> Box<dyn Consumer> {
        let filters = vec![subjects::producer_filter(&self.producer, 0)];
        transport
            .consumer(spec(self.durable(name), filters, ack_wait, max_deliver))
            .await
            .unwrap_or_else(|e| panic!("{}: declaring consumer {name}: {e}", self.check))
    }

    /// Exactly `count` deliveries, polled within [`PATIENCE`].
    pub(super) async fn collect(&self, consumer: &mut dyn Consumer, count: usize) -> Vec<Delivery> {
        let deadline = Instant::now() + PATIENCE;
        let mut deliveries = Vec::with_capacity(count);
        while deliveries.len() < count && Instant::now() < deadline {
            let batch = consumer
                .fetch((count - deliveries.len()).min(BATCH), POLL)
                .await
                .unwrap_or_else(|e| panic!("{}: fetch: {e}", self.check));
            deliveries.extend(batch);
        }
        assert!(
            deliveries.len() == count,
            "{}: expected {count} deliveries within {PATIENCE:?}, got {}",
            self.check,
            deliveries.len()
        );
        deliveries
    }

    /// Asserts that nothing is delivered for `wait`.
    pub(super) async fn expect_none(&self, consumer: &mut dyn Consumer, wait: Duration, when: &str) {
        let batch = consumer
            .fetch(BATCH, wait)
            .await
            .unwrap_or_else(|e| panic!("{}: fetch: {e}", self.check));
        assert!(
            batch.is_empty(),
            "{}: expected no delivery {when}, got {:?}",
            self.check,
            batch.iter().map(|d| (d.stream_seq, d.delivered)).collect::<Vec<_>>()
        );
    }

    /// Settles every delivery the same way.
    pub(super) async fn settle_all(
        &self,
        consumer: &mut dyn Consumer,
        deliveries: Vec<Delivery>,
        settlement: Settlement,
    ) {
        let (_, refs) = split(deliveries);
        consumer
            .settle(refs.into_iter().map(|r| (r, settlement)).collect())
            .await
            .unwrap_or_else(|e| panic!("{}: settle {settlement:?}: {e}", self.check));
    }

    /// Waits until `pending` reports `expected`, within [`PATIENCE`].
    pub(super) async fn wait_pending(&self, consumer: &mut dyn Consumer, expected: u64) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let pending = consumer
                .pending()
                .await
                .unwrap_or_else(|e| panic!("{}: pending: {e}", self.check));
            if pending == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: pending is {pending}, expected {expected}",
                self.check
            );
            tokio::time::sleep(POLL / 4).await;
        }
    }
}

pub(super) fn spec(
    durable_name: String,
    filter_subjects: Vec<String>,
    ack_wait: Duration,
    max_deliver: Option<u32>,
) -> ConsumerSpec {
    ConsumerSpec {
        durable_name,
        filter_subjects,
        ack_wait,
        max_deliver,
    }
}

/// The message ids of deliveries, in order.
pub(super) fn ids(deliveries: &[Delivery]) -> Vec<String> {
    deliveries.iter().map(|d| d.message.msg_id.clone()).collect()
}

/// Message ids and settlement handles of deliveries, in order.
pub(super) fn split(deliveries: Vec<Delivery>) -> (Vec<String>, Vec<AckRef>) {
    deliveries.into_iter().map(|d| (d.message.msg_id, d.ack_ref)).unzip()
}

/// A message's headers other than the broker's own (`Nats-*`), sorted: JetStream keeps the
/// values of each name in order but not the order between names.
pub(super) fn own_headers(message: &Message) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = message
        .headers
        .iter()
        .filter(|(name, _)| !name.starts_with("Nats-"))
        .cloned()
        .collect();
    headers.sort();
    headers
}
