//! Reading an e-mail (decision 0006): MIME through `mail-parser` into what intake needs — the
//! sender, the subject and text, the ids that thread it, the attachments — or the reason it
//! cannot be read. Pure: no IO, no clock.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

/// A message as intake takes it in.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Its own id, without angle brackets.
    pub message_id: Option<String>,
    /// The ids it answers (`In-Reply-To`, then `References`), without angle brackets.
    pub replies_to: Vec<String>,
    pub from_name: Option<String>,
    pub from_address: String,
    pub subject: Option<String>,
    /// The text bodies (an HTML-only body converted to text), joined by blank lines.
    pub text: String,
    pub attachments: Vec<Attachment>,
}

/// A file that came with a message.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Attachment {
    /// The SHA-256 of its bytes, in hex.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
}

/// Why a message cannot be taken in; kept with it in the quarantine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a MIME message at all (no header could be read).
    Unparseable,
    /// No `From`, or one without an address.
    NoFrom,
    /// Larger than the mailbox's limit; not fetched.
    TooLarge { size: u64, limit: u64 },
    /// Registration's validation refused it.
    Invalid {
        field: String,
        rule: String,
        message: String,
    },
}

impl Refusal {
    /// The reason code stored with the quarantined message.
    pub fn code(&self) -> String {
        match self {
            Self::Unparseable => "unparseable".into(),
            Self::NoFrom => "no_from".into(),
            Self::TooLarge { .. } => "too_large".into(),
            Self::Invalid { field, rule, .. } => format!("invalid:{field}:{rule}"),
        }
    }

    /// A readable explanation without personal data.
    pub fn detail(&self) -> String {
        match self {
            Self::Unparseable => "the message has no readable header".into(),
            Self::NoFrom => "the message has no From address to register the complainant by".into(),
            Self::TooLarge { size, limit } => format!("the message has {size} bytes, more than the limit of {limit}"),
            Self::Invalid { message, .. } => message.clone(),
        }
    }
}

/// Reads a raw message.
pub fn read(raw: &[u8]) -> Result<Mail, Refusal> {
    let message = MessageParser::default().parse(raw).ok_or(Refusal::Unparseable)?;
    if message.headers().is_empty() {
        return Err(Refusal::Unparseable);
    }
    let from = message.from().and_then(|from| from.first()).ok_or(Refusal::NoFrom)?;
    let from_address = from
        .address()
        .map(str::trim)
        .filter(|address| address.contains('@'))
        .ok_or(Refusal::NoFrom)?
        .to_owned();
    let from_name = from
        .name()
        .map(|name| name.trim().trim_matches('"').trim().to_owned())
        .filter(|name| !name.is_empty());
    let mut replies_to = ids(message.in_reply_to());
    for id in ids(message.references()) {
        if !replies_to.contains(&id) {
            replies_to.push(id);
        }
    }
    let texts: Vec<String> = (0..message.text_body_count())
        .filter_map(|position| message.body_text(position))
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .collect();
    let attachments = message
        .attachments()
        .enumerate()
        .map(|(index, part)| Attachment {
            file_name: part
                .attachment_name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("attachment-{}", index + 1)),
            content_type: part
                .content_type()
                .map(|kind| match kind.subtype() {
                    Some(subtype) => format!("{}/{}", kind.ctype(), subtype),
                    None => kind.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase(),
            bytes: part.contents().to_vec(),
        })
        .collect();
    Ok(Mail {
        message_id: message.message_id().map(clean_id).filter(|id| !id.is_empty()),
        replies_to,
        from_name,
        from_address,
        subject: message
            .subject()
            .map(|subject| subject.trim().to_owned())
            .filter(|subject| !subject.is_empty()),
        text: texts.join("\n\n"),
        attachments,
    })
}

/// What identifies a message for exactly-once intake: its Message-ID, else its bytes' hash.
pub fn identity(mail: Option<&Mail>, raw: &[u8]) -> String {
    match mail.and_then(|mail| mail.message_id.as_deref()) {
        Some(id) => format!("id:{id}"),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    }
}

/// The identity of a message another one answers (to look up what intake recorded for it).
pub fn reply_identity(id: &str) -> String {
    format!("id:{id}")
}

/// The narrative of a case opened by e-mail: the subject, a blank line, the text.
pub fn narrative(mail: &Mail) -> String {
    match &mail.subject {
        Some(subject) if mail.text.is_empty() => subject.clone(),
        Some(subject) => format!("{subject}\n\n{}", mail.text),
        None => mail.text.clone(),
    }
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let texts: Vec<&str> = match value {
        HeaderValue::Text(text) => vec![text.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    texts
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(clean_id)
        .filter(|id| !id.is_empty())
        .collect()
}

fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_message_is_read_with_its_thread() {
        let raw = b"From: \"Li Lei\" <li.lei@example.com>\r\nTo: complaints@example.com\r\nSubject: Broken window\r\nMessage-ID: <m2@example.com>\r\nIn-Reply-To: <m1@example.com>\r\nReferences: <m0@example.com> <m1@example.com>\r\n\r\nThe window is broken.\r\n";
        let mail = read(raw).expect("read");
        assert_eq!(mail.from_address, "li.lei@example.com");
        assert_eq!(mail.from_name.as_deref(), Some("Li Lei"));
        assert_eq!(mail.message_id.as_deref(), Some("m2@example.com"));
        assert_eq!(
            mail.replies_to,
            vec!["m1@example.com".to_owned(), "m0@example.com".to_owned()]
        );
        assert_eq!(narrative(&mail), "Broken window\n\nThe window is broken.");
        assert_eq!(identity(Some(&mail), raw), "id:m2@example.com");
    }

    #[test]
    fn a_message_without_from_or_headers_is_refused() {
        let no_from = b"Subject: hello\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n";
        assert_eq!(read(no_from).err(), Some(Refusal::NoFrom));
        let no_address = b"From: Someone\r\nSubject: hello\r\n\r\nbody\r\n";
        assert_eq!(read(no_address).err(), Some(Refusal::NoFrom));
        assert_eq!(read(b"").err(), Some(Refusal::Unparseable));
    }

    #[test]
    fn a_message_without_message_id_is_identified_by_its_bytes() {
        let raw = b"From: a@b.example\r\nSubject: s\r\n\r\nbody\r\n";
        let mail = read(raw).expect("read");
        assert!(identity(Some(&mail), raw).starts_with("sha256:"));
        assert_eq!(identity(Some(&mail), raw), identity(None, raw));
    }
}
