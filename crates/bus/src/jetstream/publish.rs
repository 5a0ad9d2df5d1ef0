//! Publishing: every message with its id and headers, many in flight, acknowledgements in order.

use std::collections::VecDeque;

use async_nats::jetstream::context::{PublishAckFuture, PublishErrorKind};
use async_nats::jetstream::{self, context::Publish};

use super::{Inner, wire};
use crate::transport::{Error, Message, PublishAck};

/// The most publishes sent and not yet acknowledged.
pub(super) const MAX_IN_FLIGHT: usize = 256;

/// Publishes `messages` in order. All are checked before the first is sent (a header NATS cannot
/// carry, or a message larger than the server takes, refuses the whole call); then up to [`MAX_IN_FLIGHT`] travel at once, and the
/// acknowledgements are awaited oldest first. One connection keeps the order, so the stream
/// sequences follow the order of `messages`.
///
/// On an error some messages may be stored: the caller publishes the same messages again and
/// deduplication by id absorbs the repeats.
pub(super) async fn publish(inner: &Inner, messages: Vec<Message>) -> Result<Vec<PublishAck>, Error> {
    let max_payload = inner.client.server_info().max_payload;
    let mut prepared = Vec::with_capacity(messages.len());
    for message in messages {
        let headers = wire::headers_of(&message)?;
        // The server closes a connection that sends more than its limit; refuse first.
        let size = message.payload.len() + wire::encoded_len(&headers);
        if size > max_payload {
            return Err(Error::Refused(format!(
                "a message of {size} bytes on {} exceeds the server's limit of {max_payload}",
                message.subject
            )));
        }
        prepared.push((
            message.subject,
            Publish::build().headers(headers).payload(message.payload),
        ));
    }
    let mut acks = Vec::with_capacity(prepared.len());
    let mut in_flight: VecDeque<(String, PublishAckFuture)> = VecDeque::new();
    for (subject, publish) in prepared {
        if in_flight.len() >= MAX_IN_FLIGHT
            && let Some((subject, pending)) = in_flight.pop_front()
        {
            acks.push(acknowledged(&subject, pending.await)?);
        }
        let pending = inner
            .context
            .send_publish(subject.clone(), publish)
            .await
            .map_err(|error| wire::unavailable(format_args!("publishing on {subject}"), error))?;
        in_flight.push_back((subject, pending));
    }
    while let Some((subject, pending)) = in_flight.pop_front() {
        acks.push(acknowledged(&subject, pending.await)?);
    }
    Ok(acks)
}

/// The transport's view of one JetStream acknowledgement.
fn acknowledged(
    subject: &str,
    ack: Result<jetstream::publish::PublishAck, jetstream::context::PublishError>,
) -> Result<PublishAck, Error> {
    match ack {
        Ok(ack) => Ok(PublishAck {
            stream_seq: ack.sequence,
            duplicate: ack.duplicate,
        }),
        Err(error) => match error.kind() {
            PublishErrorKind::StreamNotFound => Err(Error::Refused(format!("no stream takes subject {subject}"))),
            PublishErrorKind::TimedOut | PublishErrorKind::BrokenPipe => Err(wire::unavailable(
                format_args!("awaiting the acknowledgement of {subject}"),
                error,
            )),
            _ => Err(Error::Refused(format!("publishing on {subject}: {error}"))),
        },
    }
}
