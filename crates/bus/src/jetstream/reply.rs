//! What a JetStream delivery's reply subject says about it.
//!
//! Every message a consumer delivers carries a reply subject that is both the address for
//! settling it and its metadata:
//! `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>`,
//! or, from servers that know domains (ADR-15),
//! `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<stream seq>.…[.<token>]`.

/// The fields of an acknowledgement subject that Redress uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckSubject<'a> {
    /// The stream the message is stored in.
    pub stream: &'a str,
    /// The durable consumer that delivered it.
    pub consumer: &'a str,
    /// 1 on the first delivery, then 2, 3, …
    pub delivered: u64,
    /// The message's sequence in its stream.
    pub stream_seq: u64,
}

/// Reads an acknowledgement subject; `None` when `reply` is not one.
pub fn parse(reply: &str) -> Option<AckSubject<'_>> {
    let tokens: Vec<&str> = reply.split('.').collect();
    let fields = match tokens.as_slice() {
        ["$JS", "ACK", rest @ ..] if rest.len() == 7 => rest,
        // The domain and the account hash come first; a trailing random token may follow.
        ["$JS", "ACK", _domain, _account, rest @ ..] if rest.len() == 7 || rest.len() == 8 => &rest[..7],
        _ => return None,
    };
    Some(AckSubject {
        stream: fields[0],
        consumer: fields[1],
        delivered: fields[2].parse().ok()?,
        stream_seq: fields[3].parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms() {
        let expected = AckSubject {
            stream: "REDRESS_EVENTS",
            consumer: "routing-p0",
            delivered: 2,
            stream_seq: 41,
        };
        assert_eq!(
            parse("$JS.ACK.REDRESS_EVENTS.routing-p0.2.41.17.1732370000000000000.5"),
            Some(expected)
        );
        assert_eq!(
            parse("$JS.ACK._.ACCHASH.REDRESS_EVENTS.routing-p0.2.41.17.1732370000000000000.5.xyz"),
            Some(expected)
        );
        assert_eq!(
            parse("$JS.ACK.hub.ACCHASH.REDRESS_EVENTS.routing-p0.2.41.17.1732370000000000000.5"),
            Some(expected)
        );
    }

    #[test]
    fn refuses_what_is_not_an_ack_subject() {
        for reply in [
            "",
            "_INBOX.abc",
            "$JS.ACK.REDRESS_EVENTS.routing-p0.two.41.17.1.5",
            "$JS.ACK.REDRESS_EVENTS.routing-p0.2.41.17.1",
            "$JS.NAK.REDRESS_EVENTS.routing-p0.2.41.17.1.5",
        ] {
            assert_eq!(parse(reply), None, "{reply}");
        }
    }
}
