//! What a broker must do for Redress: the [`Transport`] trait and its message types.
//!
//! Two implementations exist: the durable embedded log ([`crate::embedded`]) and NATS
//! JetStream. Both pass [`crate::conformance`]. The semantics are JetStream's: durable
//! consumers with filter subjects, at-least-once delivery, acknowledgement wait, negative
//! acknowledgement with a delay, termination, and deduplication by message id on publish.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::leases::Leases;

/// A message as a broker stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    /// The deduplication key (`Nats-Msg-Id`); a second publish with the same id is not stored.
    pub msg_id: String,
    /// Header name and value pairs, in order.
    pub headers: Vec<(String, String)>,
    pub payload: Bytes,
}

impl Message {
    /// The first value of a header, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The broker's answer to one published message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishAck {
    /// The message's sequence in its stream.
    pub stream_seq: u64,
    /// True when the message id was already stored and this publish stored nothing.
    pub duplicate: bool,
}

/// A durable consumer's definition; declaring it again with the same name is idempotent and
/// updates its settings, keeping its position.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerSpec {
    /// Durable name, unique per transport (see [`crate::subjects::durable_name`]).
    pub durable_name: String,
    /// The subjects it receives (NATS wildcards). At least one.
    pub filter_subjects: Vec<String>,
    /// How long a delivery may stay unacknowledged before it is delivered again.
    pub ack_wait: Duration,
    /// The most deliveries of one message; `None` is unlimited. Redress leaves this unlimited
    /// and judges poison by handler failures counted in the service's store.
    pub max_deliver: Option<u32>,
}

/// One delivery of a message to a consumer.
#[derive(Debug)]
pub struct Delivery {
    pub message: Message,
    /// 1 on first delivery, then 2, 3, …
    pub delivered: u32,
    /// The message's sequence in its stream.
    pub stream_seq: u64,
    /// What the transport needs to settle this delivery.
    pub ack_ref: AckRef,
}

/// A transport's handle for settling one delivery (cloned to send progress while working).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AckRef {
    /// The embedded log settles by consumer and stream sequence.
    Embedded { stream_seq: u64 },
    /// JetStream settles by the delivery's reply subject (`$JS.ACK.<stream>.<consumer>.…`),
    /// which names the stream, the consumer, the delivery count and the stream sequence.
    JetStream { reply: String },
}

/// How a delivery is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Done; never deliver again.
    Ack,
    /// Not now; deliver again after the delay.
    Nak(Duration),
    /// Still working; restart the acknowledgement wait.
    Progress,
    /// Never deliver again, without having been processed (after dead-lettering).
    Term,
}

/// Transport failures; all of them are worth a retry after a pause.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the broker is unavailable: {0}")]
    Unavailable(String),
    #[error("the broker refused the request: {0}")]
    Refused(String),
    #[error("consumer {0} does not exist")]
    NoSuchConsumer(String),
    #[error("storage failed: {0}")]
    Storage(#[from] sqlx::Error),
}

/// A broker.
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Stores the messages in order and returns once the broker has acknowledged each of them.
    /// A message whose id is already stored is acknowledged with `duplicate: true` and
    /// stored nothing.
    async fn publish(&self, messages: Vec<Message>) -> Result<Vec<PublishAck>, Error>;

    /// Declares a durable consumer (idempotently) and returns a handle to pull from it. A
    /// consumer declared for the first time starts at the beginning of the stream.
    async fn consumer(&self, spec: ConsumerSpec) -> Result<Box<dyn Consumer>, Error>;

    /// The broker's partition leases, which decide which replica of a consumer pulls which
    /// partition (see [`crate::leases`]).
    fn leases(&self) -> Arc<dyn Leases>;

    /// A short name for logs and metrics (`embedded`, `jetstream`).
    fn kind(&self) -> &'static str;
}

/// A pull handle on a durable consumer.
#[async_trait]
pub trait Consumer: Send + Sync {
    /// Up to `max` deliveries, waiting at most `expires` for the first one. Returns an empty
    /// batch when nothing arrived in time. Redeliveries (acknowledgement wait expired, or a
    /// negative acknowledgement's delay passed) come before new messages.
    async fn fetch(&mut self, max: usize, expires: Duration) -> Result<Vec<Delivery>, Error>;

    /// Settles deliveries of this consumer.
    async fn settle(&mut self, settlements: Vec<(AckRef, Settlement)>) -> Result<(), Error>;

    /// The number of messages not yet delivered plus those delivered and not yet acknowledged.
    async fn pending(&mut self) -> Result<u64, Error>;
}
