//! The e-mail channel (decision 0006): a tenant's mailbox polled over IMAP. Each new message
//! opens a case through [`Desk::register_mail`], joins its case as correspondence (by thread or
//! by the case number in its subject), or is quarantined with its reason; what it became is
//! remembered in the same transaction, and only then is it flagged `\Seen` on the server.
//!
//! Start at [`Mailbox::run`]; [`Mailbox::take_in`] is one message's decision and writes.

use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Tenant;
use domain::complaint::{ComplainantInput, ComplaintInput};
use futures::TryStreamExt;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use prost::Message as _;
use rpc::events::v1::CaseCorrespondenceReceived;
use store::{HistoryEntry, NewEvent, Origin};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_util::sync::CancellationToken;

use crate::SERVICE;
use crate::config::{MailboxConfig, MailboxTls};
use crate::mail::{self, Mail, Refusal};
use crate::register::{self, Desk, MailReceipt, Submission};
use crate::store::{self as sql, AttachmentRow, CorrespondenceRow, MailMessageRow, QuarantineRow};

/// How long one IMAP step (connect, login, a fetch, a store) may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// The most messages whose sizes one `UID FETCH` asks for.
const FETCH_CHUNK: usize = 50;

/// Why a round stopped; the messages not yet handled are tried again next round.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("imap {step}: {reason}")]
    Imap { step: &'static str, reason: String },
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
    #[error("registration: {0}")]
    Register(register::Error),
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It opened a case (`replayed` when the ledger found it already registered).
    Case {
        case_id: String,
        case_number: String,
        replayed: bool,
    },
    /// It joined a case, matched `thread` or `case_number`.
    Correspondence { case_id: String, matched_by: &'static str },
    /// It was kept aside with this reason code.
    Quarantined { reason: String },
    /// It had been taken in before (its flag had not reached the server).
    AlreadyTaken,
}

/// Counters of what the pollers did (`intake_mail_cases_total`, …), one set for all mailboxes.
#[derive(Debug, Clone, Default)]
pub struct MailboxMetrics {
    pub cases: Counter,
    pub correspondence: Counter,
    pub quarantined: Counter,
    pub rounds_failed: Counter,
}

impl MailboxMetrics {
    /// The counters, registered.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register("mail_cases", "E-mails that opened a case", metrics.cases.clone());
        registry.register(
            "mail_correspondence",
            "E-mails that joined their case",
            metrics.correspondence.clone(),
        );
        registry.register(
            "mail_quarantined",
            "E-mails kept aside with a reason",
            metrics.quarantined.clone(),
        );
        registry.register(
            "mailbox_rounds_failed",
            "Mailbox rounds that stopped on an error (retried next interval)",
            metrics.rounds_failed.clone(),
        );
        metrics
    }

    fn count(&self, outcome: &Outcome) {
        match outcome {
            Outcome::Case { replayed: false, .. } => self.cases.inc(),
            Outcome::Correspondence { .. } => self.correspondence.inc(),
            Outcome::Quarantined { .. } => self.quarantined.inc(),
            Outcome::Case { replayed: true, .. } | Outcome::AlreadyTaken => 0,
        };
    }
}

/// A message as the server handed it over.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub uid_validity: u32,
    pub uid: u32,
    pub size: u64,
    /// The server's `INTERNALDATE`: when the organisation received it.
    pub internal_date: Option<DateTime<Utc>>,
    /// `None` when larger than the mailbox's limit (not fetched).
    pub raw: Option<Vec<u8>>,
}

/// A tenant's mailbox and the desk its messages are registered at.
pub struct Mailbox {
    config: MailboxConfig,
    /// `None` for plain IMAP.
    tls: Option<(TlsConnector, ServerName<'static>)>,
    tenant: Tenant,
    name: String,
    desk: Arc<Desk>,
    metrics: MailboxMetrics,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Mailbox {
    /// A mailbox for `config`, checked.
    pub fn new(config: MailboxConfig, desk: Arc<Desk>, metrics: MailboxMetrics) -> Result<Self, String> {
        config.validate()?;
        let tenant =
            Tenant::parse(&config.tenant).ok_or_else(|| "intake.mailbox.tenant must be a tenant id".to_owned())?;
        let tls = match config.tls {
            MailboxTls::None => None,
            MailboxTls::Implicit | MailboxTls::Starttls => Some(tls_connector(&config)?),
        };
        Ok(Self {
            name: config.name(),
            tls,
            config,
            tenant,
            desk,
            metrics,
        })
    }

    /// Polls every interval until `shutdown`; a failed round is logged and retried next interval.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(mailbox = %self.name, tenant = %self.tenant, "polling the mailbox");
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                round = self.poll_once() => match round {
                    Ok(0) => {}
                    Ok(handled) => tracing::info!(mailbox = %self.name, handled, "mailbox round"),
                    Err(error) => {
                        self.metrics.rounds_failed.inc();
                        tracing::warn!(mailbox = %self.name, %error, "mailbox round failed");
                    }
                },
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.config.poll_interval()) => {}
            }
        }
    }

    /// One round: every unseen message, oldest first, each flagged `\Seen` after its outcome
    /// committed. Returns how many were handled.
    pub async fn poll_once(&self) -> Result<usize, Error> {
        let address = (self.config.host.as_str(), self.config.port());
        let tcp = step("connect", TcpStream::connect(address)).await?;
        match &self.tls {
            Some((connector, server_name)) if self.config.tls == MailboxTls::Implicit => {
                let stream = step("tls", connector.connect(server_name.clone(), tcp)).await?;
                let mut client = Client::new(stream);
                greeting(&mut client).await?;
                self.session(client).await
            }
            Some((connector, server_name)) => {
                let mut client = Client::new(tcp);
                greeting(&mut client).await?;
                step("starttls", client.run_command_and_check_ok("STARTTLS", None)).await?;
                let stream = step("tls", connector.connect(server_name.clone(), client.into_inner())).await?;
                // No greeting follows STARTTLS.
                self.session(Client::new(stream)).await
            }
            None => {
                let mut client = Client::new(tcp);
                greeting(&mut client).await?;
                self.session(client).await
            }
        }
    }

    async fn session<T: Stream>(&self, client: Client<T>) -> Result<usize, Error> {
        let mut session = step("login", async {
            client
                .login(&self.config.user, &self.config.password)
                .await
                .map_err(|(error, _)| error)
        })
        .await?;
        let handled = self.round(&mut session).await;
        let _ = tokio::time::timeout(STEP_TIMEOUT, session.logout()).await;
        handled
    }

    async fn round<T: Stream>(&self, session: &mut Session<T>) -> Result<usize, Error> {
        let selected = step("select", session.select(&self.config.folder)).await?;
        let uid_validity = selected
            .uid_validity
            .ok_or_else(|| imap("select", "the server gave no UIDVALIDITY"))?;
        let mut uids: Vec<u32> = step("search", session.uid_search("UNSEEN"))
            .await?
            .into_iter()
            .collect();
        uids.sort_unstable();
        let mut handled = 0;
        for chunk in uids.chunks(FETCH_CHUNK) {
            let set = chunk.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            let mut facts: Vec<(u32, u64, Option<DateTime<Utc>>)> = step("fetch sizes", async {
                let fetches = session.uid_fetch(&set, "(UID RFC822.SIZE INTERNALDATE)").await?;
                fetches.try_collect::<Vec<_>>().await
            })
            .await?
            .into_iter()
            .filter_map(|fetch| {
                let uid = fetch.uid?;
                let date = fetch.internal_date().map(|date| date.with_timezone(&Utc));
                Some((uid, u64::from(fetch.size.unwrap_or(0)), date))
            })
            .collect();
            facts.sort_unstable_by_key(|(uid, _, _)| *uid);
            for (uid, size, internal_date) in facts {
                let raw = if size > self.config.max_message_bytes {
                    None
                } else {
                    let fetches = step("fetch", async {
                        let fetches = session.uid_fetch(uid.to_string(), "(UID BODY.PEEK[])").await?;
                        fetches.try_collect::<Vec<_>>().await
                    })
                    .await?;
                    let body = fetches
                        .iter()
                        .find(|fetch| fetch.uid == Some(uid))
                        .and_then(|fetch| fetch.body())
                        .map(<[u8]>::to_vec);
                    // The message went away between the search and the fetch: nothing to do.
                    let Some(body) = body else { continue };
                    Some(body)
                };
                let outcome = self
                    .take_in(Fetched {
                        uid_validity,
                        uid,
                        size,
                        internal_date,
                        raw,
                    })
                    .await?;
                tracing::info!(mailbox = %self.name, uid, outcome = ?outcome, "mail taken in");
                self.metrics.count(&outcome);
                step("flag", async {
                    let updates = session.uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)").await?;
                    updates.try_collect::<Vec<_>>().await
                })
                .await?;
                handled += 1;
            }
        }
        Ok(handled)
    }

    /// Decides what one message becomes and writes it with the message's identity, in one
    /// transaction. Errors are the system's (the store, the cipher), never the message's.
    pub async fn take_in(&self, fetched: Fetched) -> Result<Outcome, Error> {
        let tenant = self.tenant.as_str();
        let cipher = &self.desk.cipher;
        let place = (
            self.name.as_str(),
            i64::from(fetched.uid_validity),
            i64::from(fetched.uid),
        );
        let (identity, read) = match &fetched.raw {
            None => (
                format!("uid:{}:{}:{}", self.name, fetched.uid_validity, fetched.uid),
                Err(Refusal::TooLarge {
                    size: fetched.size,
                    limit: self.config.max_message_bytes,
                }),
            ),
            Some(raw) => {
                let read = mail::read(raw);
                (mail::identity(read.as_ref().ok(), raw), read)
            }
        };
        let message_ref = cipher.blind_index(tenant, "message_id", &identity);
        {
            let mut conn = self.desk.db.reader().acquire().await.map_err(store::Error::from)?;
            if sql::known_mail_message(&mut conn, tenant, &message_ref, place)
                .await?
                .is_some()
            {
                return Ok(Outcome::AlreadyTaken);
            }
        }
        let message = MailMessageRow {
            tenant: tenant.to_owned(),
            message_ref,
            mailbox: self.name.clone(),
            uid_validity: place.1,
            uid: place.2,
            outcome: "case",
            case_id: None,
            recorded_at: sql::at(self.desk.clock.now()),
        };
        let mail = match read {
            Ok(mail) => mail,
            Err(refusal) => return self.quarantine(message, refusal, fetched.raw.as_deref()).await,
        };
        let received_at = self.received_at(fetched.internal_date);
        if let Some((case_id, matched_by)) = self.thread_of(&mail).await? {
            return self.correspond(message, &mail, &case_id, matched_by, received_at).await;
        }
        let submission = self.submission(&mail, received_at);
        let limit = self.config.max_attachment_bytes;
        let registered = self
            .desk
            .register_mail(&self.tenant, submission, |case_id| {
                Ok(MailReceipt {
                    attachments: self
                        .attachment_rows(case_id, None, &mail.attachments, limit)
                        .map_err(register::Error::Cipher)?,
                    message: message.clone(),
                })
            })
            .await;
        match registered {
            Ok(registered) => Ok(Outcome::Case {
                case_id: registered.case_id,
                case_number: registered.case_number,
                replayed: registered.replayed,
            }),
            Err(register::Error::Invalid(errors)) => {
                let first = errors.into_iter().next();
                let refusal = Refusal::Invalid {
                    field: first.as_ref().map_or_else(|| "body".into(), |e| e.field.clone()),
                    rule: first.as_ref().map_or("invalid", |e| e.rule).to_owned(),
                    message: first.map_or_else(|| "the complaint is incomplete".into(), |e| e.message),
                };
                self.quarantine(message, refusal, fetched.raw.as_deref()).await
            }
            Err(error) => Err(Error::Register(error)),
        }
    }

    /// The case a message belongs to: by a remembered id it answers, else by a case number of
    /// the tenant in its subject.
    async fn thread_of(&self, mail: &Mail) -> Result<Option<(String, &'static str)>, Error> {
        let tenant = self.tenant.as_str();
        let refs: Vec<String> = mail
            .replies_to
            .iter()
            .map(|id| {
                self.desk
                    .cipher
                    .blind_index(tenant, "message_id", &mail::reply_identity(id))
            })
            .collect();
        let mut conn = self.desk.db.reader().acquire().await.map_err(store::Error::from)?;
        if let Some(case_id) = sql::case_of_mail_messages(&mut conn, tenant, &refs).await? {
            return Ok(Some((case_id, "thread")));
        }
        for number in mail::case_numbers(mail.subject.as_deref().unwrap_or_default()) {
            if let Some(case) = sql::find_case_in(&mut conn, tenant, &number).await? {
                return Ok(Some((case.id, "case_number")));
            }
        }
        Ok(None)
    }

    fn received_at(&self, internal_date: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let now = self.desk.clock.now();
        internal_date.filter(|at| *at <= now).unwrap_or(now)
    }

    fn submission(&self, mail: &Mail, received_at: DateTime<Utc>) -> Submission {
        let local_part = mail.from_address.split('@').next().unwrap_or_default().to_owned();
        let name: String = mail.from_name.clone().unwrap_or(local_part).chars().take(100).collect();
        let narrative = mail::narrative(mail);
        let chinese = narrative.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        Submission {
            input: ComplaintInput {
                channel: Some("email".into()),
                narrative: Some(narrative),
                subject: mail.subject.as_ref().map(|subject| subject.chars().take(500).collect()),
                received_at: Some(received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                complainant: Some(ComplainantInput {
                    name: Some(name),
                    email: Some(mail.from_address.clone()),
                    preferred_channel: Some("email".into()),
                    ..ComplainantInput::default()
                }),
                ..ComplaintInput::default()
            },
            idempotency: None,
            registered_by: format!("mailbox:{}", self.name),
            language_hint: Some(if chinese { "zh-CN" } else { "en" }.into()),
            channel_details_json: None,
        }
    }

    fn attachment_rows(
        &self,
        case_id: &str,
        correspondence_id: Option<&str>,
        attachments: &[mail::Attachment],
        limit: u64,
    ) -> Result<Vec<AttachmentRow>, crate::cipher::Error> {
        let tenant = self.tenant.as_str();
        let cipher = &self.desk.cipher;
        attachments
            .iter()
            .map(|attachment| {
                let size = attachment.bytes.len() as u64;
                let stored = size <= limit;
                Ok(AttachmentRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    tenant: tenant.to_owned(),
                    case_id: case_id.to_owned(),
                    correspondence_id: correspondence_id.map(str::to_owned),
                    file_name: cipher.encrypt(tenant, case_id.as_bytes(), attachment.file_name.as_bytes())?,
                    content_type: attachment.content_type.clone(),
                    size: i64::try_from(size).unwrap_or(i64::MAX),
                    sha256: attachment.sha256(),
                    stored,
                    content: if stored {
                        Some(cipher.encrypt(tenant, case_id.as_bytes(), &attachment.bytes)?)
                    } else {
                        None
                    },
                })
            })
            .collect()
    }

    /// Records a message that joined a case, its event and its timeline entry.
    async fn correspond(
        &self,
        mut message: MailMessageRow,
        mail: &Mail,
        case_id: &str,
        matched_by: &'static str,
        received_at: DateTime<Utc>,
    ) -> Result<Outcome, Error> {
        let tenant = self.tenant.as_str();
        let cipher = &self.desk.cipher;
        let case_uuid = uuid::Uuid::parse_str(case_id)
            .map_err(|_| store::Error::Corrupt(format!("case id {case_id} is not a UUID")))?;
        let now = self.desk.clock.now();
        let from_complainant = self.is_complainant(case_id, &mail.from_address).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let sender = serde_json::json!({"name": mail.from_name, "email": mail.from_address}).to_string();
        let content = serde_json::json!({"subject": mail.subject, "text": mail.text}).to_string();
        let row = CorrespondenceRow {
            id: id.clone(),
            tenant: tenant.to_owned(),
            case_id: case_id.to_owned(),
            channel: "email".into(),
            matched_by: matched_by.into(),
            from_complainant,
            received_at: sql::at(received_at),
            sender: cipher.encrypt(tenant, case_id.as_bytes(), sender.as_bytes())?,
            content: cipher.encrypt(tenant, case_id.as_bytes(), content.as_bytes())?,
            recorded_at: sql::at(now),
        };
        let attachments =
            self.attachment_rows(case_id, Some(&id), &mail.attachments, self.config.max_attachment_bytes)?;
        message.outcome = "correspondence";
        message.case_id = Some(case_id.to_owned());
        let event = CaseCorrespondenceReceived {
            channel: "email".into(),
            received_at: received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            matched_by: matched_by.into(),
            from_complainant,
            attachments: u32::try_from(attachments.len()).unwrap_or(u32::MAX),
        };
        let history = HistoryEntry {
            tenant: tenant.to_owned(),
            case_id: case_uuid,
            at: now,
            action: "correspondence_received".into(),
            actor: format!("mailbox:{}", self.name),
            detail_json: serde_json::json!({"channel": "email", "matched_by": matched_by,
                "from_complainant": from_complainant, "attachments": attachments.len()})
            .to_string(),
        };
        let origin = Origin {
            source: SERVICE,
            occurred_at: now,
            causation_id: None,
            correlation_id: Some(case_uuid),
            traceparent: None,
        };
        let db = &self.desk.db;
        let mut tx = db.begin().await?;
        let place = (message.mailbox.as_str(), message.uid_validity, message.uid);
        if sql::known_mail_message(&mut tx, tenant, &message.message_ref, place)
            .await?
            .is_some()
        {
            return Ok(Outcome::AlreadyTaken);
        }
        sql::remember_mail_message(&mut tx, &message).await?;
        sql::insert_correspondence(&mut tx, &row).await?;
        for attachment in &attachments {
            sql::insert_mail_attachment(&mut tx, attachment).await?;
        }
        let events = vec![NewEvent {
            tenant: tenant.to_owned(),
            event_type: "case.correspondence_received",
            case_id: case_uuid,
            payload: Bytes::from(event.encode_to_vec()),
        }];
        store::messaging::append_events(&mut tx, &origin, events).await?;
        store::messaging::append_history(&mut tx, &[history]).await?;
        db.commit(tx).await?;
        Ok(Outcome::Correspondence {
            case_id: case_id.to_owned(),
            matched_by,
        })
    }

    /// Whether `address` is the e-mail of the case's complainant on record.
    async fn is_complainant(&self, case_id: &str, address: &str) -> Result<bool, Error> {
        let tenant = self.tenant.as_str();
        let Some(case) = sql::find_case(self.desk.db.reader(), tenant, case_id).await? else {
            return Ok(false);
        };
        let Some(personal_data) = case.personal_data else {
            return Ok(false);
        };
        let plain = self.desk.cipher.decrypt(tenant, case.id.as_bytes(), &personal_data)?;
        let on_record = serde_json::from_slice::<serde_json::Value>(&plain)
            .ok()
            .and_then(|person| person.get("email").and_then(|e| e.as_str()).map(str::to_lowercase));
        Ok(on_record.is_some_and(|email| email == address.to_lowercase()))
    }

    /// Keeps a message aside with its reason.
    async fn quarantine(
        &self,
        mut message: MailMessageRow,
        refusal: Refusal,
        raw: Option<&[u8]>,
    ) -> Result<Outcome, Error> {
        let tenant = self.tenant.as_str();
        let id = uuid::Uuid::now_v7().to_string();
        let row = QuarantineRow {
            raw: self
                .desk
                .cipher
                .encrypt(tenant, id.as_bytes(), raw.unwrap_or_default())?,
            id,
            tenant: tenant.to_owned(),
            mailbox: self.name.clone(),
            uid_validity: message.uid_validity,
            uid: message.uid,
            reason: refusal.code(),
            detail: refusal.detail(),
            quarantined_at: sql::at(self.desk.clock.now()),
        };
        message.outcome = "quarantined";
        message.case_id = None;
        let db = &self.desk.db;
        let mut tx = db.begin().await?;
        let place = (message.mailbox.as_str(), message.uid_validity, message.uid);
        if sql::known_mail_message(&mut tx, tenant, &message.message_ref, place)
            .await?
            .is_some()
        {
            return Ok(Outcome::AlreadyTaken);
        }
        sql::remember_mail_message(&mut tx, &message).await?;
        sql::insert_quarantine(&mut tx, &row).await?;
        db.commit(tx).await?;
        tracing::warn!(mailbox = %self.name, uid = message.uid, reason = %row.reason, "mail quarantined");
        Ok(Outcome::Quarantined { reason: row.reason })
    }
}

/// What an IMAP connection runs over: a TCP stream, or TLS over one.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> Stream for T {}

async fn greeting<T: Stream>(client: &mut Client<T>) -> Result<(), Error> {
    step("greeting", client.read_response())
        .await?
        .ok_or_else(|| imap("greeting", "the server closed the connection"))?;
    Ok(())
}

/// The TLS client for a mailbox: the public roots (webpki-roots) and the configured CA file.
fn tls_connector(config: &MailboxConfig) -> Result<(TlsConnector, ServerName<'static>), String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &config.ca_file {
        let unreadable = |reason: String| format!("intake.mailbox.ca_file {}: {reason}", path.display());
        let certificates = CertificateDer::pem_file_iter(path).map_err(|error| unreadable(error.to_string()))?;
        for certificate in certificates {
            let certificate = certificate.map_err(|error| unreadable(error.to_string()))?;
            roots.add(certificate).map_err(|error| unreadable(error.to_string()))?;
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS: {error}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_name = ServerName::try_from(config.host.clone()).map_err(|_| {
        format!(
            "intake.mailbox.host `{}` is not a DNS name or an IP address",
            config.host
        )
    })?;
    Ok((TlsConnector::from(Arc::new(client)), server_name))
}

fn imap(step: &'static str, reason: impl Into<String>) -> Error {
    Error::Imap {
        step,
        reason: reason.into(),
    }
}

/// Runs one IMAP step within [`STEP_TIMEOUT`].
async fn step<T, E: std::fmt::Display>(
    name: &'static str,
    future: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, Error> {
    match tokio::time::timeout(STEP_TIMEOUT, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(imap(name, error.to_string())),
        Err(_) => Err(imap(name, "timed out")),
    }
}
