//! The e-mail channel (decision 0006): a tenant's mailbox polled over IMAP. Each new message
//! opens a case through [`Desk::register_mail`], joins its case as correspondence (by thread or
//! by the case number in its subject), or is quarantined with its reason; what it became is
//! remembered in the same transaction, and only then is it flagged `\Seen` on the server.
//!
//! Start at [`Mailbox::run`] (the IMAP side, here); `take_in` is one message's decision and
//! writes ([`Mailbox::take_in`]).

use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use chrono::{DateTime, Utc};
use domain::Tenant;
use futures::TryStreamExt;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_util::sync::CancellationToken;

use crate::config::{MailboxConfig, MailboxTls};
use crate::register::{self, Desk};

mod take_in;

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
