//! NATS JetStream as a [`Transport`]: the broker of the distributed shape.
//!
//! Start with [`JetStream::connect`]. It refuses a server older than 2.10 (see [`version`]),
//! then declares both streams ([`JetStream::provision`]). The transport passes the same
//! [`crate::conformance`] suites as the embedded log.
//!
//! # How the transport maps to JetStream
//!
//! - **Streams**: [`EVENTS_STREAM`](crate::subjects::EVENTS_STREAM) and
//!   [`DLQ_STREAM`](crate::subjects::DLQ_STREAM), file storage, limits retention, declared
//!   idempotently (created, or updated to the configured settings) at every connect.
//! - **Publish**: every message carries `Nats-Msg-Id` = [`Message::msg_id`] (the header of that
//!   name in [`Message::headers`] is replaced by it) and its other headers; the body is the
//!   payload. Up to 256 publishes are in flight before the first acknowledgement is awaited; the
//!   acknowledgements come back in order, as [`PublishAck`]s. Deduplication lasts
//!   [`JetStreamOptions::duplicate_window`]; a re-publication after that (an outbox relay that
//!   crashed long ago) is stored again, and the consumers' inbox marks absorb it.
//! - **Consumers**: a durable pull consumer per [`ConsumerSpec`], created or updated, with
//!   `filter_subjects`, explicit acknowledgement, `ack_wait`, `max_deliver` (unlimited for
//!   `None`), delivery of everything from the start, and no limit on acknowledgements pending. It
//!   lives on the dead-letter stream when every filter is a dead-letter subject, on the events
//!   stream otherwise; a spec that mixes both is refused.
//! - **Fetch**: one pull request (`batch`, `expires`, `no_wait`) on a fresh inbox: the server
//!   answers with what is available at once, or waits up to `expires` for the first message and
//!   then sends what is available. Dropping a fetch unsubscribes; what was already delivered to it
//!   comes again after the acknowledgement wait.
//! - **Settle**: `+ACK`, `-NAK` (with a delay), `+WPI`, `+TERM` to the delivery's reply subject,
//!   each sent as a request so the server confirms it; [`Consumer::settle`] returns once every
//!   settlement of the call is confirmed (see `consumer.rs` for what "durable" means there).
//! - **Pending**: `num_pending + num_ack_pending` of the consumer's info.
//! - **Leases** ([`Transport::leases`]): the key-value bucket
//!   [`LEASES_BUCKET`](crate::subjects::LEASES_BUCKET) (history 1, `max_age` =
//!   [`JetStreamOptions::lease_ttl`]), declared idempotently at every connect; see `leases.rs`.

mod consumer;
mod leases;
mod publish;
mod reply;
mod streams;
pub mod version;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::leases::Leases;
use crate::transport::{Consumer, ConsumerSpec, Error, Message, PublishAck, Transport};

/// How to reach the broker and how its streams are shaped.
#[derive(Debug, Clone)]
pub struct JetStreamOptions {
    /// Server URLs (`nats://host:4222`); the client connects to one and fails over to the others.
    pub urls: Vec<String>,
    /// How the connection authenticates; `None` connects without credentials.
    pub credentials: Option<Credentials>,
    /// The connection's name in the server's monitoring (e.g. `redress-intake`).
    pub connection_name: Option<String>,
    /// Replicas of each stream: 1 on a single server, 3 in a cluster.
    pub stream_replicas: usize,
    /// How long the server remembers a message id to discard a second publish with it.
    pub duplicate_window: Duration,
    /// Events older than this are removed from the events stream; `None` keeps them.
    pub max_age: Option<Duration>,
    /// The most bytes the events stream keeps; `None` is unlimited. A full stream refuses
    /// publishes (the outbox keeps the events and the relay retries) rather than dropping old
    /// events a consumer may not have read yet.
    pub max_bytes: Option<u64>,
    /// The longest a request may wait for the server: connecting, a publish acknowledgement, a
    /// settlement's confirmation, declaring a consumer.
    pub request_timeout: Duration,
    /// The key-value bucket of partition leases; every replica of a deployment must name the same.
    pub lease_bucket: String,
    /// How long a lease or a membership lasts without renewal: the bucket's `max_age`, the same
    /// for every replica (the last to connect sets it). Consumers must be started with the same
    /// [`ConsumerOptions::lease_ttl`](crate::consumer::ConsumerOptions::lease_ttl).
    pub lease_ttl: Duration,
}

impl JetStreamOptions {
    /// The defaults for one server at `url`: no credentials, one replica, a two-minute
    /// duplicate window, no age or size limit, five-second requests, leases in `REDRESS_LEASES`
    /// that last 15 seconds.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            urls: vec![url.into()],
            credentials: None,
            connection_name: None,
            stream_replicas: 1,
            duplicate_window: Duration::from_secs(120),
            max_age: None,
            max_bytes: None,
            request_timeout: Duration::from_secs(5),
            lease_bucket: crate::subjects::LEASES_BUCKET.to_owned(),
            lease_ttl: Duration::from_secs(15),
        }
    }
}

/// How a connection authenticates. More forms (an NKey or a credentials file per service) may
/// come; match with a wildcard arm.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// A user name and its password.
    UserPassword {
        /// The user's name on the server.
        user: String,
        /// Its password, never logged.
        password: SecretString,
    },
    /// A bearer token.
    Token(SecretString),
}

/// A connection to NATS JetStream; cheap to clone (every clone shares the connection).
#[derive(Debug, Clone)]
pub struct JetStream {
    inner: Arc<Inner>,
}

/// What every clone and every consumer handle share.
#[derive(Debug)]
struct Inner {
    client: async_nats::Client,
    context: jetstream::Context,
    options: JetStreamOptions,
    server_version: String,
    leases: Arc<leases::JetStreamLeases>,
}

impl JetStream {
    /// Connects, refuses a server older than 2.10, and declares the streams and the lease bucket.
    pub async fn connect(options: JetStreamOptions) -> Result<Self, Error> {
        validate(&options)?;
        let mut connect = async_nats::ConnectOptions::new()
            .connection_timeout(options.request_timeout)
            .request_timeout(Some(options.request_timeout))
            .event_callback(|event| async move {
                tracing::info!(%event, "nats connection event");
            });
        if let Some(name) = &options.connection_name {
            connect = connect.name(name);
        }
        match &options.credentials {
            Some(Credentials::UserPassword { user, password }) => {
                connect = connect.user_and_password(user.clone(), password.expose_secret().to_owned());
            }
            Some(Credentials::Token(token)) => connect = connect.token(token.expose_secret().to_owned()),
            None => {}
        }
        let client = connect
            .connect(options.urls.as_slice())
            .await
            .map_err(|error| wire::connect_error(&options.urls, &error))?;
        let server_version = client.server_info().version;
        version::check(&server_version)?;
        let mut context = jetstream::new(client.clone());
        context.set_timeout(options.request_timeout);
        tracing::info!(urls = ?options.urls, %server_version, "connected to nats");
        streams::declare(&context, &options).await?;
        let leases = leases::declare(&context, &options).await.map_err(lease_error)?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                context,
                options,
                server_version,
                leases: Arc::new(leases),
            }),
        })
    }

    /// Declares both streams and the lease bucket with the configured settings: creates a missing
    /// one, updates an existing one (its messages and keys stay). Idempotent; [`JetStream::connect`]
    /// does it.
    pub async fn provision(&self) -> Result<(), Error> {
        streams::declare(&self.inner.context, &self.inner.options).await?;
        leases::declare(&self.inner.context, &self.inner.options)
            .await
            .map(drop)
            .map_err(lease_error)
    }

    /// The version the server announced when the connection opened.
    pub fn server_version(&self) -> &str {
        &self.inner.server_version
    }
}

#[async_trait]
impl Transport for JetStream {
    async fn publish(&self, messages: Vec<Message>) -> Result<Vec<PublishAck>, Error> {
        publish::publish(&self.inner, messages).await
    }

    async fn consumer(&self, spec: ConsumerSpec) -> Result<Box<dyn Consumer>, Error> {
        Ok(Box::new(consumer::declare(&self.inner, spec).await?))
    }

    fn leases(&self) -> Arc<dyn Leases> {
        self.inner.leases.clone()
    }

    fn kind(&self) -> &'static str {
        "jetstream"
    }
}

/// A failure to declare the lease bucket, as the transport reports it.
fn lease_error(error: crate::leases::Error) -> Error {
    match error {
        crate::leases::Error::Refused(message) => Error::Refused(message),
        other => Error::Unavailable(other.to_string()),
    }
}

/// Refuses options no server would accept, before connecting.
fn validate(options: &JetStreamOptions) -> Result<(), Error> {
    if options.urls.is_empty() {
        return Err(Error::Refused("no NATS server URL configured".to_owned()));
    }
    if !(1..=5).contains(&options.stream_replicas) {
        return Err(Error::Refused(format!(
            "stream_replicas {} is outside 1..=5",
            options.stream_replicas
        )));
    }
    if options.duplicate_window.is_zero() {
        return Err(Error::Refused("duplicate_window must be positive".to_owned()));
    }
    if let Some(max_age) = options.max_age
        && max_age < options.duplicate_window
    {
        return Err(Error::Refused(format!(
            "max_age {max_age:?} is shorter than duplicate_window {:?}",
            options.duplicate_window
        )));
    }
    if options.request_timeout.is_zero() {
        return Err(Error::Refused("request_timeout must be positive".to_owned()));
    }
    if options.lease_ttl < Duration::from_secs(1) {
        return Err(Error::Refused(format!(
            "lease_ttl {:?} is shorter than a second",
            options.lease_ttl
        )));
    }
    Ok(())
}
