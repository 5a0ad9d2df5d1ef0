//! A durable pull consumer: declaring it, pulling batches, settling deliveries, counting what is
//! pending.
//!
//! # Settlements and durability
//!
//! Every settlement is sent as a request to the delivery's reply subject, and the server answers
//! once it has applied it; for an acknowledgement on a replicated consumer, once the consumer's
//! quorum has committed it. [`Consumer::settle`] returns when every settlement of the call has
//! been answered, so an acknowledgement that returned is one the broker holds. A single server
//! writes its consumers' state to disk a moment later (it batches those writes, about ten a
//! second): a server that is killed (SIGKILL, power) in that moment delivers those messages once
//! more after its restart, and the consumers' inbox marks absorb them. A server stopped cleanly
//! writes the state on its way down.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::context::ConsumerInfoErrorKind;
use async_nats::jetstream::stream::ConsumerErrorKind;
use async_nats::{RequestErrorKind, StatusCode};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use tokio::time::Instant;

use super::publish::MAX_IN_FLIGHT;
use super::{Inner, reply, wire};
use crate::envelope::headers::MSG_ID;
use crate::subjects::{self, DLQ_STREAM, DLQ_STREAM_SUBJECTS, EVENTS_STREAM};
use crate::transport::{AckRef, Consumer, ConsumerSpec, Delivery, Error, Message, Settlement};

/// How long a fetch pauses before asking again when the server turned its request away because
/// other requests of the same durable already wait for more than is pending.
const BUSY_PAUSE: Duration = Duration::from_millis(20);

/// A handle on one durable pull consumer. Several handles on one durable name share its work.
pub(super) struct JetStreamConsumer {
    inner: Arc<Inner>,
    handle: PullConsumer,
    stream: &'static str,
    durable: String,
    /// `$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>`: where pull requests go.
    next_subject: String,
}

/// Creates the consumer of `spec`, or updates it (keeping its position and pending deliveries).
pub(super) async fn declare(inner: &Arc<Inner>, spec: ConsumerSpec) -> Result<JetStreamConsumer, Error> {
    validate(&spec)?;
    let stream = stream_of(&spec)?;
    let config = pull::Config {
        durable_name: Some(spec.durable_name.clone()),
        filter_subjects: spec.filter_subjects.clone(),
        ack_policy: AckPolicy::Explicit,
        ack_wait: spec.ack_wait,
        max_deliver: spec.max_deliver.map_or(-1, i64::from),
        deliver_policy: DeliverPolicy::All,
        // Like the embedded log: no cap. A cap would stall every case of a consumer behind the
        // events that wait for their predecessors; pull requests bound what is in flight anyway.
        max_ack_pending: -1,
        ..pull::Config::default()
    };
    let handle = inner
        .context
        .create_consumer_on_stream(config, stream)
        .await
        .map_err(|error| {
            let message = format!("declaring consumer {} on {stream}: {error}", spec.durable_name);
            match error.kind() {
                ConsumerErrorKind::TimedOut | ConsumerErrorKind::Request => Error::Unavailable(message),
                _ => Error::Refused(message),
            }
        })?;
    Ok(JetStreamConsumer {
        inner: inner.clone(),
        handle,
        stream,
        next_subject: format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{}", spec.durable_name),
        durable: spec.durable_name,
    })
}

/// Refuses what JetStream would refuse, or what has no meaning, as the embedded log does.
fn validate(spec: &ConsumerSpec) -> Result<(), Error> {
    let name = &spec.durable_name;
    let bad_char = |c: char| matches!(c, '.' | '*' | '>' | '/' | '\\') || c.is_whitespace() || c.is_control();
    if name.is_empty() || name.chars().any(bad_char) {
        return Err(Error::Refused(format!(
            "durable name {name:?} is empty or contains '.', '*', '>', a slash or white space"
        )));
    }
    if spec.filter_subjects.is_empty() {
        return Err(Error::Refused(format!("consumer {name} has no filter subject")));
    }
    if spec.ack_wait.is_zero() {
        return Err(Error::Refused(format!(
            "consumer {name} has a zero acknowledgement wait"
        )));
    }
    if spec.max_deliver == Some(0) {
        return Err(Error::Refused(format!(
            "consumer {name} may deliver nothing (max_deliver 0)"
        )));
    }
    Ok(())
}

/// The stream a consumer reads: the dead letters when every filter is a dead-letter subject,
/// the events when none is. A consumer reads one stream, so a mix is refused.
fn stream_of(spec: &ConsumerSpec) -> Result<&'static str, Error> {
    let filters = &spec.filter_subjects;
    let dead = filters
        .iter()
        .filter(|filter| subjects::matches(DLQ_STREAM_SUBJECTS, filter))
        .count();
    match dead {
        0 => Ok(EVENTS_STREAM),
        n if n == filters.len() => Ok(DLQ_STREAM),
        _ => Err(Error::Refused(format!(
            "consumer {} mixes dead-letter and event filters {filters:?}; a consumer reads one stream",
            spec.durable_name
        ))),
    }
}

/// How one pull request ended.
enum Ended {
    /// The server delivered what it had (maybe nothing) and closed the request.
    Done,
    /// The server turned the request away: other requests of this durable already wait.
    Busy,
}

impl JetStreamConsumer {
    /// One pull request for up to `max` messages, waiting at most `wait` for the first.
    async fn pull(&self, max: usize, wait: Duration, deliveries: &mut Vec<Delivery>) -> Result<Ended, Error> {
        let client = &self.inner.client;
        let failed =
            |error: &dyn std::fmt::Display| wire::unavailable(format_args!("pulling from {}", self.durable), error);
        let inbox = client.new_inbox();
        // Dropping the subscriber (a cancelled fetch) unsubscribes; the server then drops the
        // request, and what it had already sent comes again after the acknowledgement wait.
        let mut subscriber = client.subscribe(inbox.clone()).await.map_err(|e| failed(&e))?;
        client
            .publish_with_reply(self.next_subject.clone(), inbox, request_body(max, wait))
            .await
            .map_err(|e| failed(&e))?;
        // The server ends the request itself after `wait`; this bound is for a lost connection.
        let bound = wait + self.inner.options.request_timeout;
        let give_up = Instant::now() + bound;
        let mut received = 0;
        while received < max {
            let message = match tokio::time::timeout_at(give_up, subscriber.next()).await {
                Ok(Some(message)) => message,
                Ok(None) => return Err(failed(&"the subscription closed")),
                Err(_) if received > 0 => return Ok(Ended::Done),
                Err(_) => return Err(failed(&format_args!("no answer within {bound:?}"))),
            };
            match message.status {
                None | Some(StatusCode::OK) => {
                    deliveries.push(self.delivery(message)?);
                    received += 1;
                }
                Some(StatusCode::IDLE_HEARTBEAT) => {}
                Some(status) => return self.ended(status, message.description.as_deref().unwrap_or("")),
            }
        }
        Ok(Ended::Done)
    }

    /// What a status message that ends a pull request means.
    fn ended(&self, status: StatusCode, description: &str) -> Result<Ended, Error> {
        match (status, description) {
            (StatusCode::NOT_FOUND | StatusCode::TIMEOUT, d) if !d.starts_with("Requests Pending") => Ok(Ended::Done),
            (StatusCode::TIMEOUT, _) => Ok(Ended::Busy),
            (StatusCode::NO_RESPONDERS, _) => Err(Error::NoSuchConsumer(self.durable.clone())),
            (StatusCode::REQUEST_TERMINATED, d) if d.contains("Deleted") => {
                Err(Error::NoSuchConsumer(self.durable.clone()))
            }
            (StatusCode::REQUEST_TERMINATED, d) if d.contains("MaxWaiting") => Ok(Ended::Busy),
            (StatusCode::REQUEST_TERMINATED, d)
                if d.contains("Leadership") || d.contains("Shutdown") || d.contains("MaxAckPending") =>
            {
                Ok(Ended::Done)
            }
            (status, d) => Err(Error::Refused(format!(
                "pulling from {}: the server answered {status} {d}",
                self.durable
            ))),
        }
    }

    /// The transport's view of a delivered message.
    fn delivery(&self, message: async_nats::Message) -> Result<Delivery, Error> {
        let reply = message.reply.map(|subject| subject.to_string()).unwrap_or_default();
        let Some(ack) = reply::parse(&reply) else {
            return Err(Error::Refused(format!(
                "a delivery from {} has no acknowledgement subject ({reply:?})",
                self.durable
            )));
        };
        let (delivered, stream_seq) = (u32::try_from(ack.delivered).unwrap_or(u32::MAX), ack.stream_seq);
        let headers = wire::header_list(message.headers.as_ref());
        let msg_id = headers
            .iter()
            .find(|(name, _)| name == MSG_ID)
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        Ok(Delivery {
            message: Message {
                subject: message.subject.to_string(),
                msg_id,
                headers,
                payload: message.payload,
            },
            delivered,
            stream_seq,
            ack_ref: AckRef::JetStream { reply },
        })
    }

    /// The reply subject of a delivery of this consumer.
    fn own(&self, ack_ref: AckRef) -> Result<String, Error> {
        let reply = match ack_ref {
            AckRef::JetStream { reply } => reply,
            other => return Err(Error::Refused(format!("{other:?} is not a JetStream delivery"))),
        };
        let mine = reply::parse(&reply).is_some_and(|ack| ack.stream == self.stream && ack.consumer == self.durable);
        if mine {
            Ok(reply)
        } else {
            Err(Error::Refused(format!(
                "{reply} is not a delivery of consumer {} on {}",
                self.durable, self.stream
            )))
        }
    }
}

#[async_trait]
impl Consumer for JetStreamConsumer {
    async fn fetch(&mut self, max: usize, expires: Duration) -> Result<Vec<Delivery>, Error> {
        let mut deliveries = Vec::new();
        if max == 0 {
            return Ok(deliveries);
        }
        let deadline = Instant::now() + expires;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.pull(max, wait, &mut deliveries).await? {
                Ended::Busy if deliveries.is_empty() && !wait.is_zero() => {
                    tokio::time::sleep(wait.min(BUSY_PAUSE)).await;
                }
                Ended::Busy | Ended::Done => return Ok(deliveries),
            }
        }
    }

    async fn settle(&mut self, settlements: Vec<(AckRef, Settlement)>) -> Result<(), Error> {
        // One settlement per delivery: an acknowledgement or a termination wins over a delay, as
        // on the embedded log; otherwise the last one counts.
        let mut chosen: Vec<(String, Settlement)> = Vec::with_capacity(settlements.len());
        let mut index: HashMap<String, usize> = HashMap::new();
        for (ack_ref, settlement) in settlements {
            let reply = self.own(ack_ref)?;
            if let Some(&at) = index.get(&reply) {
                if removes(settlement) || !removes(chosen[at].1) {
                    chosen[at].1 = settlement;
                }
            } else {
                index.insert(reply.clone(), chosen.len());
                chosen.push((reply, settlement));
            }
        }
        let client = &self.inner.client;
        let timeout = Some(self.inner.options.request_timeout);
        let mut confirmations = futures::stream::iter(chosen)
            .map(|(reply, settlement)| async move {
                let request = async_nats::Request::new().payload(payload(settlement)).timeout(timeout);
                client.send_request(reply, request).await
            })
            .buffer_unordered(MAX_IN_FLIGHT);
        while let Some(confirmation) = confirmations.next().await {
            match confirmation {
                Ok(_) => {}
                Err(error) if matches!(error.kind(), RequestErrorKind::NoResponders) => {
                    return Err(Error::NoSuchConsumer(self.durable.clone()));
                }
                Err(error) => {
                    return Err(wire::unavailable(
                        format_args!("settling deliveries of {}", self.durable),
                        error,
                    ));
                }
            }
        }
        Ok(())
    }

    async fn pending(&mut self) -> Result<u64, Error> {
        let durable = self.durable.clone();
        let info = self.handle.info().await.map_err(|error| match error.kind() {
            ConsumerInfoErrorKind::NotFound => Error::NoSuchConsumer(durable.clone()),
            ConsumerInfoErrorKind::TimedOut | ConsumerInfoErrorKind::NoResponders | ConsumerInfoErrorKind::Request => {
                wire::unavailable(format_args!("reading consumer {durable}"), error)
            }
            _ => Error::Refused(format!("reading consumer {durable}: {error}")),
        })?;
        Ok(info.num_pending + u64::try_from(info.num_ack_pending).unwrap_or(u64::MAX))
    }
}

/// Whether a settlement ends the delivery for good.
fn removes(settlement: Settlement) -> bool {
    matches!(settlement, Settlement::Ack | Settlement::Term)
}

/// The body JetStream expects for a settlement.
fn payload(settlement: Settlement) -> Bytes {
    match settlement {
        Settlement::Ack => Bytes::from_static(b"+ACK"),
        Settlement::Nak(delay) if delay.is_zero() => Bytes::from_static(b"-NAK"),
        Settlement::Nak(delay) => Bytes::from(format!("-NAK {{\"delay\":{}}}", delay.as_nanos())),
        Settlement::Progress => Bytes::from_static(b"+WPI"),
        Settlement::Term => Bytes::from_static(b"+TERM"),
    }
}

/// A pull request: `no_wait` with `expires` makes the server wait up to `expires` for the first
/// message, then send what is available at once and end the request, instead of holding it open
/// until the whole batch is there.
fn request_body(max: usize, wait: Duration) -> Bytes {
    if wait.is_zero() {
        Bytes::from(format!("{{\"batch\":{max},\"no_wait\":true}}"))
    } else {
        Bytes::from(format!(
            "{{\"batch\":{max},\"expires\":{},\"no_wait\":true}}",
            wait.as_nanos()
        ))
    }
}
