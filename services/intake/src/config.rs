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

/// A tenant's mailbox, polled over plain IMAP (`[intake.mailbox]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// The tenant whose cases the mailbox's messages become.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
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

impl std::fmt::Debug for MailboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxConfig")
            .field("tenant", &self.tenant)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("folder", &self.folder)
            .field("poll_interval_secs", &self.poll_interval_secs)
            .finish_non_exhaustive()
    }
}

impl MailboxConfig {
    /// A mailbox with the defaults for everything but where it is and who logs in.
    pub fn new(host: &str, port: u16, user: &str, password: &str) -> Self {
        Self {
            tenant: default_tenant(),
            host: host.to_owned(),
            port,
            user: user.to_owned(),
            password: password.to_owned(),
            folder: default_folder(),
            poll_interval_secs: default_poll_interval_secs(),
            max_message_bytes: default_max_message_bytes(),
            max_attachment_bytes: default_max_attachment_bytes(),
        }
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
        if self.port == 0 {
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
        if self.max_message_bytes < 1024 {
            return field("max_message_bytes", "must be at least 1024");
        }
        Ok(())
    }
}

fn default_tenant() -> String {
    "default".into()
}

fn default_port() -> u16 {
    143
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
