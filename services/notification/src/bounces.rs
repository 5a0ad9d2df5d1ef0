//! E-mail bounces (decision 0005): the mailbox bounces come back to (`[notification.email]
//! return_path`) is read over IMAP (`[notification.bounces]`, the `mailroom` crate intake's
//! mailboxes use too); each delivery status notification (RFC 3464) is matched to the sent
//! e-mail by its Message-ID, which carries the tenant (`<notice@tenant.redress>`), and the
//! delivery becomes `bounced` (a permanent failure) or `delivered` (a success report), once.
//!
//! A DSN names the original message in its `text/rfc822-headers` or `message/rfc822` part; a
//! non-standard bounce from a mailer daemon is matched by the one Message-ID of ours it quotes.
//! Delays (`Action: delayed`) change nothing: the server is still trying. Anything else in the
//! mailbox (an auto-reply, a complainant writing to the wrong address) is left as it is, read.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use domain::Clock;
use mail_parser::{MessageParser, MimeHeaders as _, PartType};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};
use store::Db;
use tokio_util::sync::CancellationToken;

pub use mailroom::Tls;

/// The mailbox bounces come back to, read over IMAP.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BounceMailbox {
    pub host: String,
    /// 993 with implicit TLS, else 143.
    #[serde(default)]
    pub port: Option<u16>,
    /// `implicit` (IMAPS, the default), `starttls`, or `none` (a loopback server only).
    #[serde(default)]
    pub tls: Tls,
    /// PEM certificates trusted besides the public roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    pub user: String,
    pub password: String,
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Seconds between two rounds.
    #[serde(default = "default_poll_interval_secs")]
    pub poll_interval_secs: u64,
}

impl std::fmt::Debug for BounceMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BounceMailbox")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

fn default_folder() -> String {
    "INBOX".into()
}

fn default_poll_interval_secs() -> u64 {
    60
}

/// A bounce larger than this is not a DSN worth reading (it would quote a whole large message).
const MAX_BOUNCE_BYTES: u64 = 4 * 1024 * 1024;

impl BounceMailbox {
    /// Checks the values a file may get wrong; names the field and the rule.
    pub fn validate(&self) -> Result<(), String> {
        self.account().validate(self.poll_interval_secs, "notification.bounces")
    }

    fn account(&self) -> mailroom::Account {
        mailroom::Account {
            host: self.host.clone(),
            port: self.port.unwrap_or(self.tls.default_port()),
            tls: self.tls,
            ca_file: self.ca_file.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
            folder: self.folder.clone(),
            max_message_bytes: MAX_BOUNCE_BYTES,
        }
    }
}

/// What a delivery status notification says of one of our e-mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The original message's id as we sent it, `<notice@tenant.redress>`.
    pub message_id: String,
    pub tenant: String,
    pub action: Action,
    /// The status code (`5.1.1`) and the remote server's words, for the record.
    pub code: String,
}

/// What became of the message (RFC 3464 `Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A permanent failure: `bounced`.
    Failed,
    /// Still being tried: nothing changes.
    Delayed,
    /// Delivered (or relayed, expanded): `delivered`.
    Delivered,
}

/// Reads a bounce: `None` when the message is not a report about one of our e-mails.
pub fn read(raw: &[u8]) -> Option<Report> {
    let message = MessageParser::default().parse(raw)?;
    let mut status_fields: Option<Vec<(String, String)>> = None;
    let mut original: Option<String> = None;
    for part in &message.parts {
        let Some(content_type) = part.content_type() else {
            continue;
        };
        let kind = (
            content_type.ctype().to_ascii_lowercase(),
            content_type.subtype().unwrap_or_default().to_ascii_lowercase(),
        );
        match (kind.0.as_str(), kind.1.as_str()) {
            ("message", "delivery-status" | "global-delivery-status") => {
                status_fields = Some(fields(&String::from_utf8_lossy(part.contents())));
            }
            ("text" | "message", "rfc822-headers" | "global-headers") => {
                original = original.or_else(|| {
                    MessageParser::default()
                        .parse_headers(part.contents())
                        .and_then(|headers| headers.message_id().map(str::to_owned))
                });
            }
            ("message", "rfc822" | "global") => {
                if let PartType::Message(inner) = &part.body {
                    original = original.or_else(|| inner.message_id().map(str::to_owned));
                }
            }
            _ => {}
        }
    }
    let (message_id, tenant) = match original.as_deref().and_then(ours) {
        Some(found) => found,
        // A bounce in no standard form: a mailer daemon's, quoting exactly one of our ids.
        None => {
            let daemon = message
                .from()
                .and_then(|from| from.first())
                .and_then(|from| from.address())
                .map(|address| {
                    let local = address.split('@').next().unwrap_or_default().to_ascii_lowercase();
                    local == "mailer-daemon" || local == "postmaster"
                })
                .unwrap_or(false);
            if !daemon {
                return None;
            }
            quoted_id(raw)?
        }
    };
    let Some(fields) = status_fields else {
        // Without a status part, a daemon's message about our e-mail is a failure.
        return Some(Report {
            message_id,
            tenant,
            action: Action::Failed,
            code: "5.0.0 undeliverable".into(),
        });
    };
    let value = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    };
    let action = match value("action").map(str::to_ascii_lowercase).as_deref() {
        Some("delayed") => Action::Delayed,
        Some("delivered" | "relayed" | "expanded") => Action::Delivered,
        _ => Action::Failed,
    };
    let status = value("status").unwrap_or(if action == Action::Failed { "5.0.0" } else { "2.0.0" });
    let diagnostic = value("diagnostic-code").unwrap_or_default();
    let code: String = format!("{status} {diagnostic}").trim().chars().take(200).collect();
    Some(Report {
        message_id,
        tenant,
        action,
        code,
    })
}

/// The fields of a `message/delivery-status` body (lower-case names, folded lines unfolded): the
/// message's group, then each recipient's; the first recipient's `Action` and `Status` are read
/// (our e-mails have one recipient).
fn fields(body: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    fields
}

/// Our Message-ID (`notice@tenant.redress`, brackets or not) and its tenant; `None` for another's.
fn ours(id: &str) -> Option<(String, String)> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let (notice, domain) = id.split_once('@')?;
    let tenant = domain.strip_suffix(".redress")?;
    let valid = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    };
    (valid(notice) && valid(tenant)).then(|| (format!("<{id}>"), tenant.to_owned()))
}

/// The one Message-ID of ours a text quotes; `None` for none, or for several.
fn quoted_id(raw: &[u8]) -> Option<(String, String)> {
    let text = String::from_utf8_lossy(raw);
    let mut found: Option<(String, String)> = None;
    for (end, _) in text.match_indices(".redress>") {
        let head = &text[..end];
        let Some(start) = head.rfind('<') else { continue };
        let Some(id) = ours(&text[start..end + ".redress>".len()]) else {
            continue;
        };
        match &found {
            Some(known) if known != &id => return None,
            _ => found = Some(id),
        }
    }
    found
}

/// Counters of the bounce mailbox (`notification_bounces_total`, …).
#[derive(Debug, Clone, Default)]
pub struct BounceMetrics {
    pub bounced: Counter,
    pub unmatched: Counter,
    pub rounds_failed: Counter,
}

impl BounceMetrics {
    /// The counters, registered.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register(
            "bounces",
            "E-mail bounces that marked a delivery bounced",
            metrics.bounced.clone(),
        );
        registry.register(
            "bounce_mail_unmatched",
            "Messages in the bounce mailbox matched to no sent e-mail",
            metrics.unmatched.clone(),
        );
        registry.register(
            "bounce_rounds_failed",
            "Bounce mailbox rounds that stopped on an error (retried next interval)",
            metrics.rounds_failed.clone(),
        );
        metrics
    }
}

/// The bounce mailbox's reader.
pub struct Bounces {
    pub config: BounceMailbox,
    pub imap: mailroom::Imap,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub metrics: BounceMetrics,
}

impl Bounces {
    /// A reader of `config`, checked.
    pub fn new(config: BounceMailbox, db: Db, clock: Arc<dyn Clock>, metrics: BounceMetrics) -> Result<Self, String> {
        config.validate()?;
        let imap = mailroom::Imap::new(config.account(), "notification.bounces")?;
        Ok(Self {
            config,
            imap,
            db,
            clock,
            metrics,
        })
    }

    /// Polls every interval until `shutdown`; a failed round is logged and retried next interval.
    pub async fn run(self, shutdown: CancellationToken) {
        let name = self.imap.account().name();
        tracing::info!(mailbox = %name, "reading the bounce mailbox");
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                round = self.poll_once() => match round {
                    Ok(0) => {}
                    Ok(read) => tracing::info!(mailbox = %name, read, "bounce mailbox round"),
                    Err(error) => {
                        self.metrics.rounds_failed.inc();
                        tracing::warn!(mailbox = %name, %error, "bounce mailbox round failed");
                    }
                },
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(Duration::from_secs(self.config.poll_interval_secs)) => {}
            }
        }
    }

    /// One round: every unread message of the mailbox read, its report recorded. Returns how
    /// many messages were read.
    pub async fn poll_once(&self) -> Result<usize, mailroom::Error<store::Error>> {
        self.imap
            .poll_once(|fetched| async move {
                let report = fetched.raw.as_deref().and_then(read);
                match report {
                    Some(report) => self.record(&report).await,
                    None => {
                        self.metrics.unmatched.inc();
                        Ok(())
                    }
                }
            })
            .await
    }

    /// Records one report; a report of an e-mail no longer `sent` (already reported, or unknown)
    /// changes nothing.
    pub async fn record(&self, report: &Report) -> Result<(), store::Error> {
        let delivered = match report.action {
            Action::Delayed => return Ok(()),
            Action::Failed => false,
            Action::Delivered => true,
        };
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut tx = self.db.begin().await?;
        let known = crate::delivery::report(
            &mut tx,
            &report.tenant,
            "email",
            &report.message_id,
            delivered,
            &report.code,
            &at,
            now,
        )
        .await?;
        self.db.commit(tx).await?;
        if !known {
            self.metrics.unmatched.inc();
        } else if !delivered {
            self.metrics.bounced.inc();
            tracing::info!(tenant = %report.tenant, message_id = %report.message_id, code = %report.code, "e-mail bounced");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "<0193a0b2-7c1d-7e55-9a33-6b1f2f0e9d21@acme-motors.redress>";

    fn dsn(action: &str, status: &str, original: &str) -> Vec<u8> {
        format!(
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n\
             To: bounces@acme.example\r\n\
             Subject: Undelivered Mail Returned to Sender\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\
             \r\n\
             --b1\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             \r\n\
             I'm sorry to have to inform you that your message could not be delivered.\r\n\
             --b1\r\n\
             Content-Type: message/delivery-status\r\n\
             \r\n\
             Reporting-MTA: dns; mx.example.com\r\n\
             Arrival-Date: Sat, 5 Dec 2026 09:00:00 +0800\r\n\
             \r\n\
             Final-Recipient: rfc822; nobody@example.com\r\n\
             Action: {action}\r\n\
             Status: {status}\r\n\
             Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>:\r\n\
             \x20Recipient address rejected: User unknown\r\n\
             \r\n\
             --b1\r\n\
             Content-Type: text/rfc822-headers\r\n\
             \r\n\
             From: Acme <notice@acme.example>\r\n\
             To: nobody@example.com\r\n\
             Subject: =?utf-8?b?5Y+X55CG5ZGK55+l5Lmm?=\r\n\
             Message-ID: {original}\r\n\
             \r\n\
             --b1--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn a_permanent_failure_names_our_message_its_tenant_and_the_remote_servers_words() {
        let report = read(&dsn("failed", "5.1.1", ID)).expect("a report");
        assert_eq!(report.message_id, ID);
        assert_eq!(report.tenant, "acme-motors");
        assert_eq!(report.action, Action::Failed);
        assert_eq!(
            report.code,
            "5.1.1 smtp; 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown"
        );
    }

    #[test]
    fn a_delay_and_a_success_are_told_apart_from_a_failure() {
        assert_eq!(
            read(&dsn("delayed", "4.4.7", ID)).expect("a report").action,
            Action::Delayed
        );
        assert_eq!(
            read(&dsn("delivered", "2.0.0", ID)).expect("a report").action,
            Action::Delivered
        );
    }

    #[test]
    fn a_report_about_another_systems_message_is_not_ours() {
        assert_eq!(read(&dsn("failed", "5.1.1", "<abc@mail.example.com>")), None);
    }

    #[test]
    fn a_returned_message_quoted_whole_is_matched_by_its_own_message_id() {
        let raw = format!(
            "From: MAILER-DAEMON@mx.example.com\r\nSubject: failure notice\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b2\"\r\n\r\n\
             --b2\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n\
             Final-Recipient: rfc822; x@example.com\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n\
             --b2\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@acme.example\r\nMessage-ID: {ID}\r\n\
             Subject: hi\r\n\r\nbody\r\n--b2--\r\n"
        );
        let report = read(raw.as_bytes()).expect("a report");
        assert_eq!((report.message_id.as_str(), report.action), (ID, Action::Failed));
        assert!(report.code.starts_with("5.2.2"), "{}", report.code);
    }

    #[test]
    fn a_daemons_bounce_in_no_standard_form_is_matched_by_the_one_id_it_quotes() {
        let raw = format!(
            "From: postmaster@qq.example\r\nSubject: =?utf-8?b?6YCA5L+h?=\r\n\r\n\
             Hi. This is the qmail-send program. Your message {ID} could not be delivered.\r\n"
        );
        let report = read(raw.as_bytes()).expect("a report");
        assert_eq!((report.tenant.as_str(), report.action), ("acme-motors", Action::Failed));
        // From anyone else (a complainant quoting our id), the same words are no bounce.
        let reply = raw.replace("postmaster@qq.example", "li.ming@example.com");
        assert_eq!(read(reply.as_bytes()), None);
        // Two different ids of ours: which one bounced cannot be told.
        let two = format!("{raw}Also <other-notice@acme-motors.redress>.\r\n");
        assert_eq!(read(two.as_bytes()), None);
    }
}
