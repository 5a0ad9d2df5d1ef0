//! Reading a mailbox over IMAP, for every service that takes mail in: intake's complaint
//! mailboxes (decision 0006) and notification's bounce mailbox (decision 0005).
//!
//! [`Imap::poll_once`] logs in, hands every unseen message of the folder to the caller oldest
//! first, and flags it `\Seen` only after the caller has taken it (committed what it became): a
//! message whose taking failed, or whose flag never reached the server, is handed over again
//! next round, so callers remember what they took by the message's identity.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// How long one IMAP step (connect, login, a fetch, a store) may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// The most messages whose sizes one `UID FETCH` asks for.
const FETCH_CHUNK: usize = 50;

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// TLS from the first byte (IMAPS, port 993).
    #[default]
    Implicit,
    /// Plain IMAP upgraded with `STARTTLS` before logging in (port 143).
    Starttls,
    /// No TLS: a loopback server or a trusted network only; the password crosses in clear.
    None,
}

impl Tls {
    /// The protocol's port: 993 for implicit TLS, 143 otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Tls::Implicit => 993,
            Tls::Starttls | Tls::None => 143,
        }
    }
}

/// Where a mailbox is and who logs in.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    /// PEM certificates trusted besides the public roots (a server with a private CA).
    pub ca_file: Option<PathBuf>,
    pub user: String,
    pub password: String,
    pub folder: String,
    /// Larger messages are handed over without their bytes.
    pub max_message_bytes: u64,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// How the mailbox is named in records and logs: `user@host/folder`.
    pub fn name(&self) -> String {
        format!("{}@{}/{}", self.user, self.host, self.folder)
    }

    /// Checks what a settings file may get wrong, with the seconds between two rounds; names the
    /// key under `field` (`intake.mailbox.host must not be empty`).
    pub fn validate(&self, poll_interval_secs: u64, field: &str) -> Result<(), String> {
        let refuse = |name: &str, rule: &str| Err(format!("{field}.{name} {rule}"));
        if self.host.trim().is_empty() {
            return refuse("host", "must not be empty");
        }
        if self.port == 0 {
            return refuse("port", "must be between 1 and 65535");
        }
        if self.user.is_empty() {
            return refuse("user", "must not be empty");
        }
        if self.folder.is_empty() {
            return refuse("folder", "must not be empty");
        }
        if poll_interval_secs == 0 {
            return refuse("poll_interval_secs", "must be at least 1");
        }
        if self.ca_file.is_some() && self.tls == Tls::None {
            return refuse("ca_file", "needs tls = \"implicit\" or \"starttls\"");
        }
        if self.max_message_bytes < 1024 {
            return refuse("max_message_bytes", "must be at least 1024");
        }
        Ok(())
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
    /// `None` when larger than the account's limit (not fetched).
    pub raw: Option<Vec<u8>>,
}

/// Why a round stopped; the messages not yet taken are handed over again next round.
#[derive(Debug)]
pub enum Error<E> {
    /// The server or the connection failed at `step`.
    Imap { step: &'static str, reason: String },
    /// The caller could not take a message.
    Take(E),
}

impl<E: std::fmt::Display> std::fmt::Display for Error<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Imap { step, reason } => write!(f, "imap {step}: {reason}"),
            Error::Take(error) => error.fmt(f),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for Error<E> {}

/// A mailbox to read.
pub struct Imap {
    account: Account,
    /// `None` for plain IMAP.
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl std::fmt::Debug for Imap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imap")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Imap {
    /// A reader of `account`; `field` prefixes the configuration keys named in errors
    /// (`intake.mailbox`).
    pub fn new(account: Account, field: &str) -> Result<Self, String> {
        let tls = match account.tls {
            Tls::None => None,
            Tls::Implicit | Tls::Starttls => Some(tls_connector(&account, field)?),
        };
        Ok(Self { account, tls })
    }

    /// The account read.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// One round: every unseen message, oldest first, handed to `take` and flagged `\Seen` after
    /// `take` returned `Ok`. Returns how many were taken.
    pub async fn poll_once<E, F, Fut>(&self, take: F) -> Result<usize, Error<E>>
    where
        F: FnMut(Fetched) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let address = (self.account.host.as_str(), self.account.port);
        let tcp = step("connect", TcpStream::connect(address)).await?;
        match &self.tls {
            Some((connector, server_name)) if self.account.tls == Tls::Implicit => {
                let stream = step("tls", connector.connect(server_name.clone(), tcp)).await?;
                let mut client = Client::new(stream);
                greeting(&mut client).await?;
                self.session(client, take).await
            }
            Some((connector, server_name)) => {
                let mut client = Client::new(tcp);
                greeting(&mut client).await?;
                step("starttls", client.run_command_and_check_ok("STARTTLS", None)).await?;
                let stream = step("tls", connector.connect(server_name.clone(), client.into_inner())).await?;
                // No greeting follows STARTTLS.
                self.session(Client::new(stream), take).await
            }
            None => {
                let mut client = Client::new(tcp);
                greeting(&mut client).await?;
                self.session(client, take).await
            }
        }
    }

    async fn session<T: Stream, E, F, Fut>(&self, client: Client<T>, take: F) -> Result<usize, Error<E>>
    where
        F: FnMut(Fetched) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let mut session = step("login", async {
            client
                .login(&self.account.user, &self.account.password)
                .await
                .map_err(|(error, _)| error)
        })
        .await?;
        let taken = self.round(&mut session, take).await;
        let _ = tokio::time::timeout(STEP_TIMEOUT, session.logout()).await;
        taken
    }

    async fn round<T: Stream, E, F, Fut>(&self, session: &mut Session<T>, mut take: F) -> Result<usize, Error<E>>
    where
        F: FnMut(Fetched) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let selected = step("select", session.select(&self.account.folder)).await?;
        let uid_validity = selected
            .uid_validity
            .ok_or_else(|| imap("select", "the server gave no UIDVALIDITY"))?;
        let mut uids: Vec<u32> = step("search", session.uid_search("UNSEEN"))
            .await?
            .into_iter()
            .collect();
        uids.sort_unstable();
        let mut taken = 0;
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
                let raw = if size > self.account.max_message_bytes {
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
                take(Fetched {
                    uid_validity,
                    uid,
                    size,
                    internal_date,
                    raw,
                })
                .await
                .map_err(Error::Take)?;
                step("flag", async {
                    let updates = session.uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)").await?;
                    updates.try_collect::<Vec<_>>().await
                })
                .await?;
                taken += 1;
            }
        }
        Ok(taken)
    }
}

/// What an IMAP connection runs over: a TCP stream, or TLS over one.
trait Stream: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> Stream for T {}

async fn greeting<T: Stream, E>(client: &mut Client<T>) -> Result<(), Error<E>> {
    step("greeting", client.read_response())
        .await?
        .ok_or_else(|| imap("greeting", "the server closed the connection"))?;
    Ok(())
}

/// The TLS client for an account: the public roots (webpki-roots) and the configured CA file.
fn tls_connector(account: &Account, field: &str) -> Result<(TlsConnector, ServerName<'static>), String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &account.ca_file {
        let unreadable = |reason: String| format!("{field}.ca_file {}: {reason}", path.display());
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
    let server_name = ServerName::try_from(account.host.clone())
        .map_err(|_| format!("{field}.host `{}` is not a DNS name or an IP address", account.host))?;
    Ok((TlsConnector::from(Arc::new(client)), server_name))
}

fn imap<E>(step: &'static str, reason: impl Into<String>) -> Error<E> {
    Error::Imap {
        step,
        reason: reason.into(),
    }
}

/// Runs one IMAP step within [`STEP_TIMEOUT`].
async fn step<T, E, X: std::fmt::Display>(
    name: &'static str,
    future: impl Future<Output = Result<T, X>>,
) -> Result<T, Error<E>> {
    match tokio::time::timeout(STEP_TIMEOUT, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(imap(name, error.to_string())),
        Err(_) => Err(imap(name, "timed out")),
    }
}
