//! The envelope every event travels in, and its mapping to message headers.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::subjects;
use crate::transport::Message;

/// Header names of the envelope's metadata (the body is the payload).
pub mod headers {
    /// The broker's deduplication key; equal to the event id.
    pub const MSG_ID: &str = "Nats-Msg-Id";
    /// The event's id. Equal to the message id when the event is published; a dead letter keeps
    /// it while taking a message id of its own.
    pub const EVENT_ID: &str = "Redress-Event-Id";
    pub const EVENT_TYPE: &str = "Redress-Event-Type";
    pub const SCHEMA_VERSION: &str = "Redress-Schema-Version";
    pub const SOURCE: &str = "Redress-Source";
    pub const TENANT: &str = "Redress-Tenant";
    pub const CASE_ID: &str = "Redress-Case-Id";
    pub const SOURCE_SEQ: &str = "Redress-Source-Seq";
    pub const CAUSATION_ID: &str = "Redress-Causation-Id";
    pub const CORRELATION_ID: &str = "Redress-Correlation-Id";
    pub const OCCURRED_AT: &str = "Redress-Occurred-At";
    pub const TRACEPARENT: &str = "traceparent";
    /// Why a message was dead-lettered.
    pub const DLQ_REASON: &str = "Redress-Dlq-Reason";
    /// Which consumer dead-lettered it.
    pub const DLQ_CONSUMER: &str = "Redress-Dlq-Consumer";
}

/// An event as it travels on the bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// UUIDv7; also the broker's message id.
    pub event_id: Uuid,
    /// `<aggregate>.<event>`, e.g. `case.registered`.
    pub event_type: String,
    /// The payload's schema version, starting at 1.
    pub schema_version: u32,
    /// The producing service.
    pub source: String,
    pub tenant: String,
    pub case_id: Uuid,
    /// Gapless per (case, producer), assigned in the producer's transaction.
    pub source_seq: u64,
    pub causation_id: Option<Uuid>,
    pub correlation_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// W3C trace context captured when the outbox row was written.
    pub traceparent: Option<String>,
    /// prost bytes of a `redress.events.v1` message.
    pub payload: Bytes,
}

/// Why a message could not be read as an envelope.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("header {header} is missing")]
    Missing { header: &'static str },
    #[error("header {header} is malformed: {value}")]
    Malformed { header: &'static str, value: String },
}

impl Envelope {
    /// The subject this event is published on.
    pub fn subject(&self, partitions: u32) -> String {
        subjects::event(
            &self.tenant,
            &self.source,
            &self.event_type,
            subjects::partition_of(self.case_id, partitions),
        )
    }

    /// The message that carries this envelope on `partitions` partitions.
    pub fn to_message(&self, partitions: u32) -> Message {
        let mut header_list = vec![
            (headers::MSG_ID.to_owned(), self.event_id.to_string()),
            (headers::EVENT_ID.to_owned(), self.event_id.to_string()),
            (headers::EVENT_TYPE.to_owned(), self.event_type.clone()),
            (headers::SCHEMA_VERSION.to_owned(), self.schema_version.to_string()),
            (headers::SOURCE.to_owned(), self.source.clone()),
            (headers::TENANT.to_owned(), self.tenant.clone()),
            (headers::CASE_ID.to_owned(), self.case_id.to_string()),
            (headers::SOURCE_SEQ.to_owned(), self.source_seq.to_string()),
            (
                headers::OCCURRED_AT.to_owned(),
                self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            ),
        ];
        if let Some(id) = self.causation_id {
            header_list.push((headers::CAUSATION_ID.to_owned(), id.to_string()));
        }
        if let Some(id) = self.correlation_id {
            header_list.push((headers::CORRELATION_ID.to_owned(), id.to_string()));
        }
        if let Some(traceparent) = &self.traceparent {
            header_list.push((headers::TRACEPARENT.to_owned(), traceparent.clone()));
        }
        Message {
            subject: self.subject(partitions),
            msg_id: self.event_id.to_string(),
            headers: header_list,
            payload: self.payload.clone(),
        }
    }

    /// Reads an envelope back from a message.
    pub fn from_message(message: &Message) -> Result<Self, Error> {
        let uuid = |header: &'static str| -> Result<Uuid, Error> {
            let value = required(message, header)?;
            Uuid::parse_str(value).map_err(|_| Error::Malformed {
                header,
                value: value.to_owned(),
            })
        };
        let optional_uuid = |header: &'static str| -> Result<Option<Uuid>, Error> {
            match message.header(header) {
                None => Ok(None),
                Some(_) => uuid(header).map(Some),
            }
        };
        let number = |header: &'static str| -> Result<u64, Error> {
            let value = required(message, header)?;
            value.parse().map_err(|_| Error::Malformed {
                header,
                value: value.to_owned(),
            })
        };
        let occurred_raw = required(message, headers::OCCURRED_AT)?;
        let occurred_at = DateTime::parse_from_rfc3339(occurred_raw)
            .map_err(|_| Error::Malformed {
                header: headers::OCCURRED_AT,
                value: occurred_raw.to_owned(),
            })?
            .with_timezone(&Utc);
        let schema_version = u32::try_from(number(headers::SCHEMA_VERSION)?).map_err(|_| Error::Malformed {
            header: headers::SCHEMA_VERSION,
            value: "out of range".to_owned(),
        })?;
        Ok(Self {
            event_id: uuid(headers::EVENT_ID)?,
            event_type: required(message, headers::EVENT_TYPE)?.to_owned(),
            schema_version,
            source: required(message, headers::SOURCE)?.to_owned(),
            tenant: required(message, headers::TENANT)?.to_owned(),
            case_id: uuid(headers::CASE_ID)?,
            source_seq: number(headers::SOURCE_SEQ)?,
            causation_id: optional_uuid(headers::CAUSATION_ID)?,
            correlation_id: optional_uuid(headers::CORRELATION_ID)?,
            occurred_at,
            traceparent: message.header(headers::TRACEPARENT).map(str::to_owned),
            payload: message.payload.clone(),
        })
    }
}

fn required<'m>(message: &'m Message, header: &'static str) -> Result<&'m str, Error> {
    message.header(header).ok_or(Error::Missing { header })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_survives_the_trip_through_headers() {
        let envelope = Envelope {
            event_id: Uuid::now_v7(),
            event_type: "case.registered".into(),
            schema_version: 1,
            source: "intake".into(),
            tenant: "default".into(),
            case_id: Uuid::now_v7(),
            source_seq: 7,
            causation_id: Some(Uuid::now_v7()),
            correlation_id: None,
            occurred_at: DateTime::parse_from_rfc3339("2026-11-23T01:02:03.456789Z")
                .expect("valid")
                .with_timezone(&Utc),
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            payload: Bytes::from_static(b"\x08\x01"),
        };
        let message = envelope.to_message(4);
        assert!(message.subject.starts_with("redress.default.intake.case.registered."));
        assert_eq!(message.msg_id, envelope.event_id.to_string());
        assert_eq!(Envelope::from_message(&message).expect("decodes"), envelope);
    }

    #[test]
    fn a_missing_header_is_named() {
        let message = Message {
            subject: "redress.default.intake.case.registered.0".into(),
            msg_id: "x".into(),
            headers: vec![],
            payload: Bytes::new(),
        };
        let error = Envelope::from_message(&message).expect_err("must fail");
        assert!(error.to_string().contains("Redress-"), "{error}");
    }
}
