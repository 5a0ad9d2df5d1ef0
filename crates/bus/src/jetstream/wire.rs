//! Between the transport's types and NATS's: headers both ways, and async-nats errors as
//! [`Error`]s (what the caller can do about them).

use std::fmt::Display;

use async_nats::jetstream::context::CreateStreamErrorKind;
use async_nats::{ConnectErrorKind, HeaderMap, HeaderName, HeaderValue};

use crate::envelope::headers::MSG_ID;
use crate::transport::{Error, Message};

/// The NATS headers of `message`: `Nats-Msg-Id` from [`Message::msg_id`] (none when it is empty;
/// a header of that name in the list is replaced), then the others, values of one name in order.
pub(super) fn headers_of(message: &Message) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    if !message.msg_id.is_empty() {
        headers.insert(MSG_ID, value(&message.msg_id, MSG_ID)?);
    }
    for (name, raw) in &message.headers {
        if name.eq_ignore_ascii_case(MSG_ID) {
            continue;
        }
        let parsed: HeaderName = name.parse().ok().filter(|_| !name.is_empty()).ok_or_else(|| {
            Error::Refused(format!(
                "header name {name:?} on {} cannot travel in NATS (empty, a colon, a space or a control character)",
                message.subject
            ))
        })?;
        headers.append(parsed, value(raw, name)?);
    }
    Ok(headers)
}

fn value(raw: &str, name: &str) -> Result<HeaderValue, Error> {
    raw.parse()
        .map_err(|_| Error::Refused(format!("the value of header {name} contains a line break")))
}

/// The bytes `headers` take on the wire (`NATS/1.0`, one `name: value` line each, a blank line).
pub(super) fn encoded_len(headers: &HeaderMap) -> usize {
    let lines: usize = headers
        .iter()
        .map(|(name, values)| {
            values
                .iter()
                .map(|value| AsRef::<[u8]>::as_ref(name).len() + 2 + value.as_str().len() + 2)
                .sum::<usize>()
        })
        .sum();
    "NATS/1.0\r\n".len() + lines + 2
}

/// The header list of a delivered message: every header, `Nats-Msg-Id` included, sorted by name
/// (NATS keeps the values of one name in order, not the order between names).
pub(super) fn header_list(headers: Option<&HeaderMap>) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = headers
        .into_iter()
        .flat_map(HeaderMap::iter)
        .flat_map(|(name, values)| {
            values
                .iter()
                .map(move |value| (name.to_string(), value.as_str().to_owned()))
        })
        .collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

/// A failed connection: bad addresses and refused credentials are the caller's to fix.
pub(super) fn connect_error(urls: &[String], error: &async_nats::ConnectError) -> Error {
    let message = format!("connecting to {}: {error}", urls.join(", "));
    match error.kind() {
        ConnectErrorKind::ServerParse | ConnectErrorKind::Authentication | ConnectErrorKind::AuthorizationViolation => {
            Error::Refused(message)
        }
        _ => Error::Unavailable(message),
    }
}

/// A failed stream declaration: the server's own refusals (a setting it cannot apply) are
/// [`Error::Refused`], everything else is worth a retry.
pub(super) fn stream_error(stream: &str, error: &async_nats::jetstream::context::CreateStreamError) -> Error {
    let message = format!("declaring stream {stream}: {error}");
    match error.kind() {
        CreateStreamErrorKind::TimedOut | CreateStreamErrorKind::Response => Error::Unavailable(message),
        CreateStreamErrorKind::JetStreamUnavailable => Error::Refused(format!("{message} (is JetStream enabled?)")),
        _ => Error::Refused(message),
    }
}

/// Any other failure to reach the server.
pub(super) fn unavailable(what: impl Display, error: impl Display) -> Error {
    Error::Unavailable(format!("{what}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(headers: &[(&str, &str)]) -> Message {
        Message {
            subject: "redress.t.intake.case.registered.0".to_owned(),
            msg_id: "id-1".to_owned(),
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            payload: bytes::Bytes::new(),
        }
    }

    #[test]
    fn the_message_id_wins_and_headers_round_trip_sorted() {
        let sent = message(&[
            ("traceparent", "00-1-2-01"),
            ("Nats-Msg-Id", "an older id"),
            ("Redress-Tenant", "t"),
            ("Redress-Many", "one"),
            ("Redress-Many", "two"),
        ]);
        let headers = headers_of(&sent).expect("valid headers");
        assert_eq!(
            header_list(Some(&headers)),
            vec![
                ("Nats-Msg-Id".to_owned(), "id-1".to_owned()),
                ("Redress-Many".to_owned(), "one".to_owned()),
                ("Redress-Many".to_owned(), "two".to_owned()),
                ("Redress-Tenant".to_owned(), "t".to_owned()),
                ("traceparent".to_owned(), "00-1-2-01".to_owned()),
            ]
        );
        let mut anonymous = sent;
        anonymous.msg_id.clear();
        let headers = headers_of(&anonymous).expect("valid headers");
        assert!(headers.get(MSG_ID).is_none(), "no id, no Nats-Msg-Id");
        assert!(header_list(None).is_empty());
    }

    #[test]
    fn headers_nats_cannot_carry_are_refused() {
        for bad in [
            message(&[("Two Words", "x")]),
            message(&[("", "x")]),
            message(&[("Redress-X", "a\r\nb")]),
        ] {
            assert!(matches!(headers_of(&bad), Err(Error::Refused(_))), "{bad:?}");
        }
    }
}
