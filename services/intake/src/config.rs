//! Intake's configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where intake keeps its data and listens.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite file.
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// The file holding the master key for personal data (created with mode 0600 if absent).
    pub key_path: PathBuf,
    pub grpc_addr: SocketAddr,
    /// The calendar deadlines are counted in.
    pub calendar_id: String,
    /// The SLA policy (preset name) new cases get.
    pub policy: String,
    /// Accept complete submissions at once.
    pub auto_accept: bool,
    pub fsync_full: bool,
    /// The mailboxes polled for complaints by e-mail (decision 0006); empty: none.
    pub mailboxes: Vec<MailboxConfig>,
}

/// A tenant's mailbox, polled over IMAP (`[intake.mailbox]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// The tenant whose cases the mailbox's messages become.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    pub host: String,
    /// 993 with implicit TLS, else 143.
    #[serde(default)]
    pub port: Option<u16>,
    /// `implicit` (IMAPS, the default), `starttls`, or `none` (plain IMAP: a loopback server or
    /// a trusted network only; the password crosses in clear).
    #[serde(default)]
    pub tls: MailboxTls,
    /// PEM certificates trusted besides the public roots (a server with a private CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    pub user: String,
    pub password: String,
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Seconds between two rounds.
    #[serde(default = "default_poll_interval_secs")]
    pub poll_interval_secs: u64,
    /// Larger messages are quarantined without being fetched.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: u64,
    /// Larger attachments are recorded (name, type, size, SHA-256) without their bytes.
    #[serde(default = "default_max_attachment_bytes")]
    pub max_attachment_bytes: u64,
}

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailboxTls {
    /// TLS from the first byte (IMAPS, port 993).
    #[default]
    Implicit,
    /// Plain IMAP upgraded with `STARTTLS` before logging in (port 143).
    Starttls,
    /// No TLS.
    None,
}

impl std::fmt::Debug for MailboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxConfig")
            .field("tenant", &self.tenant)
            .field("host", &self.host)
            .field("port", &self.port())
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("folder", &self.folder)
            .field("poll_interval_secs", &self.poll_interval_secs)
            .finish_non_exhaustive()
    }
}

impl MailboxConfig {
    /// A mailbox with the defaults for everything but where it is, how it is protected and who
    /// logs in.
    pub fn new(host: &str, port: u16, tls: MailboxTls, user: &str, password: &str) -> Self {
        Self {
            tenant: default_tenant(),
            host: host.to_owned(),
            port: Some(port),
            tls,
            ca_file: None,
            user: user.to_owned(),
            password: password.to_owned(),
            folder: default_folder(),
            poll_interval_secs: default_poll_interval_secs(),
            max_message_bytes: default_max_message_bytes(),
            max_attachment_bytes: default_max_attachment_bytes(),
        }
    }

    /// The port: as configured, else the protocol's (993 for implicit TLS, 143 otherwise).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            MailboxTls::Implicit => 993,
            MailboxTls::Starttls | MailboxTls::None => 143,
        })
    }

    /// How the mailbox is named in `mail_messages` and `registered_by`: `user@host/folder`.
    pub fn name(&self) -> String {
        format!("{}@{}/{}", self.user, self.host, self.folder)
    }

    /// The time between two rounds.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.poll_interval_secs)
    }

    /// Checks the values a file may get wrong; names the field and the rule.
    pub fn validate(&self) -> Result<(), String> {
        let field = |name: &str, rule: &str| Err(format!("intake.mailbox.{name} {rule}"));
        if domain::Tenant::parse(&self.tenant).is_none() {
            return field("tenant", "must be a tenant id");
        }
        if self.host.trim().is_empty() {
            return field("host", "must not be empty");
        }
        if self.port == Some(0) {
            return field("port", "must be between 1 and 65535");
        }
        if self.user.is_empty() {
            return field("user", "must not be empty");
        }
        if self.folder.is_empty() {
            return field("folder", "must not be empty");
        }
        if self.poll_interval_secs == 0 {
            return field("poll_interval_secs", "must be at least 1");
        }
        if self.ca_file.is_some() && self.tls == MailboxTls::None {
            return field("ca_file", "needs tls = \"implicit\" or \"starttls\"");
        }
        if self.max_message_bytes < 1024 {
            return field("max_message_bytes", "must be at least 1024");
        }
        Ok(())
    }
}

fn default_tenant() -> String {
    "default".into()
}

fn default_folder() -> String {
    "INBOX".into()
}

fn default_poll_interval_secs() -> u64 {
    60
}

fn default_max_message_bytes() -> u64 {
    25 * 1024 * 1024
}

fn default_max_attachment_bytes() -> u64 {
    10 * 1024 * 1024
}
