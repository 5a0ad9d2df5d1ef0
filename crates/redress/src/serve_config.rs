//! Configuration of `redress serve <service>`: code defaults, then a TOML file, then
//! environment variables `REDRESS__<SECTION>__<KEY>` (e.g. `REDRESS__DATABASE__URL`). Unknown
//! keys are errors; the result is validated into typed values before anything starts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything one service process may be configured with; each service reads its parts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Where the process keeps files beside its store: calendars and notices, the console's
    /// first administrator token. Defaults to the SQLite file's folder, else the working folder.
    pub data_dir: Option<PathBuf>,
    pub bus: BusConfig,
    pub database: DatabaseConfig,
    pub grpc: ListenConfig,
    /// Where `/metrics`, `/healthz` and `/readyz` of this process listen (the console serves
    /// them on its HTTP address instead).
    pub metrics: ListenConfig,
    pub http: HttpConfig,
    pub peers: PeersConfig,
    pub intake: IntakeConfig,
    pub notification: NotificationConfig,
}

/// The message bus.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusConfig {
    /// NATS server URL(s), comma-separated.
    pub nats_url: String,
    /// Partitions of every subject; the same for every process of a deployment.
    pub partitions: u32,
    /// Replicas of the streams (3 in a cluster).
    pub stream_replicas: usize,
}

/// The service's own store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:///path/to/file.db` (one replica only) or `postgres://user@host/database`.
    pub url: String,
    /// How many processes of this service the deployment runs.
    pub replicas: u32,
    /// `normal` or `full`.
    pub fsync: String,
}

/// A listening address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenConfig {
    pub listen: SocketAddr,
}

/// The console's HTTP side.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// The administrator's token (at least 16 printable ASCII characters); without one, a token
    /// is created on first start and written beside the console's database.
    pub admin_token: Option<String>,
    pub public_per_minute: u32,
}

/// Where the other services' gRPC listen.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeersConfig {
    pub intake: String,
    pub routing: String,
    pub investigation: String,
    pub notification: String,
    pub analytics: String,
}

/// Intake's own settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeConfig {
    /// The file with the master key for personal data (created 0600 if absent).
    pub key_path: PathBuf,
    pub calendar: String,
    pub policy: String,
    pub auto_accept: bool,
    /// The tenant's mailbox polled over IMAP (`[intake.mailbox]`, decision 0006); absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<intake::config::MailboxConfig>,
    /// The acceptance gate (`[intake.gate]`, decision 0007).
    #[serde(default)]
    pub gate: intake::config::GateConfig,
    /// The attachment store (`[intake.attachments]`, decision 0008): `attachments/` beside the
    /// key file by default, or S3.
    #[serde(default)]
    pub attachments: intake::web::AttachmentsConfig,
    /// The status page's codes (`[intake.status]`, decision 0008).
    #[serde(default)]
    pub status: intake::web::StatusConfig,
    /// The telephony webhook and privacy numbers (`[intake.phone]`, decision 0009); absent: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<intake::config::PhoneConfig>,
    /// The WeChat official account (`[intake.wechat]`, decision 0009); absent: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat: Option<intake::config::WechatConfig>,
    /// Walk-in confirmation (`[intake.walk_in]`).
    #[serde(default)]
    pub walk_in: intake::config::WalkInConfig,
    /// Letters' and faxes' scans (`[intake.letters]`).
    #[serde(default)]
    pub letters: intake::config::LettersConfig,
    /// Case numbers per tenant (`[intake.case_numbers]`, decision 0010).
    #[serde(default)]
    pub case_numbers: intake::numbers::CaseNumbersConfig,
    /// The organisation's customer system (`[intake.customers]`, decision 0011); absent: only
    /// a synced copy answers lookups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<intake::customers::CustomersConfig>,
}

impl IntakeConfig {
    /// The channels' settings as intake takes them.
    pub fn channels(&self) -> intake::config::ChannelsConfig {
        intake::config::ChannelsConfig {
            phone: self.phone.clone(),
            wechat: self.wechat.clone(),
            walk_in: self.walk_in.clone(),
            letters: self.letters.clone(),
        }
    }
}

/// Notification's own settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationConfig {
    pub contact_line: String,
    /// The organisation that signs notices and letters, in Chinese and in English.
    pub organisation_zh: String,
    pub organisation_en: String,
    /// The providers and retries (`[notification.channels.email]` …).
    #[serde(default)]
    pub channels: notification::channels::ChannelsConfig,
}

impl Default for ServeConfig {
    fn default() -> Self {
        let local = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        Self {
            data_dir: None,
            bus: BusConfig {
                nats_url: "nats://127.0.0.1:4222".into(),
                partitions: 4,
                stream_replicas: 1,
            },
            database: DatabaseConfig {
                url: String::new(),
                replicas: 1,
                fsync: "normal".into(),
            },
            grpc: ListenConfig { listen: local(0) },
            metrics: ListenConfig { listen: local(0) },
            http: HttpConfig {
                listen: local(8080),
                admin_token: None,
                public_per_minute: 30,
            },
            peers: PeersConfig {
                intake: "http://127.0.0.1:50051".into(),
                routing: "http://127.0.0.1:50052".into(),
                investigation: "http://127.0.0.1:50053".into(),
                notification: "http://127.0.0.1:50054".into(),
                analytics: "http://127.0.0.1:50055".into(),
            },
            intake: IntakeConfig {
                key_path: PathBuf::from("intake.key"),
                calendar: "cn".into(),
                policy: "service_commitment".into(),
                auto_accept: true,
                mailbox: None,
                gate: intake::config::GateConfig::default(),
                attachments: intake::web::AttachmentsConfig::default(),
                status: intake::web::StatusConfig::default(),
                phone: None,
                wechat: None,
                walk_in: intake::config::WalkInConfig::default(),
                letters: intake::config::LettersConfig::default(),
                case_numbers: intake::numbers::CaseNumbersConfig::default(),
                customers: None,
            },
            notification: NotificationConfig {
                channels: notification::channels::ChannelsConfig::default(),
                contact_line: "400-000-0000".into(),
                organisation_zh: "客户服务中心".into(),
                organisation_en: "Customer Service Centre".into(),
            },
        }
    }
}

/// The store a service opens, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// The URL the store connects to.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(path) => store::sqlite_url(path),
            Self::Postgres(url) => url.clone(),
        }
    }
}

impl ServeConfig {
    /// Loads defaults, the file, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(ServeConfig::default()));
        if let Some(file) = file {
            anyhow::ensure!(file.exists(), "config file {} does not exist", file.display());
            figment = figment.merge(Toml::file(file));
        }
        let config: ServeConfig = figment.merge(Env::prefixed("REDRESS__").split("__")).extract()?;
        anyhow::ensure!(
            (1..=256).contains(&config.bus.partitions),
            "bus.partitions: must be between 1 and 256"
        );
        anyhow::ensure!(config.database.replicas >= 1, "database.replicas: must be at least 1");
        anyhow::ensure!(
            config.database.fsync == "normal" || config.database.fsync == "full",
            "database.fsync: must be `normal` or `full`"
        );
        config.intake.case_numbers.validate().map_err(anyhow::Error::msg)?;
        Ok(config)
    }

    /// The service's store, refusing what cannot work: SQLite serves one process only.
    pub fn database(&self) -> anyhow::Result<Database> {
        let url = self.database.url.trim();
        anyhow::ensure!(
            !url.is_empty(),
            "database.url: required (e.g. sqlite:///var/lib/redress/routing.db)"
        );
        if let Some(path) = url.strip_prefix("sqlite://") {
            anyhow::ensure!(
                self.database.replicas == 1,
                "database.url: a SQLite store serves one process; database.replicas is {} (use PostgreSQL for replicas)",
                self.database.replicas
            );
            anyhow::ensure!(!path.is_empty(), "database.url: the SQLite URL names no file");
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        anyhow::bail!("database.url: `{url}` is neither sqlite:// nor postgres://")
    }
}

impl ServeConfig {
    /// Where files beside the store live (see [`ServeConfig::data_dir`]).
    pub fn data_dir(&self, database: &Database) -> PathBuf {
        match (&self.data_dir, database) {
            (Some(dir), _) => dir.clone(),
            (None, Database::Sqlite(path)) => path.parent().map_or_else(|| ".".into(), Path::to_path_buf),
            (None, Database::Postgres(_)) => ".".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str, replicas: u32) -> ServeConfig {
        let mut config = ServeConfig::default();
        config.database.url = url.into();
        config.database.replicas = replicas;
        config
    }

    #[test]
    fn sqlite_with_replicas_is_refused_and_named() {
        assert_eq!(
            with_url("sqlite:///tmp/r.db", 1).database().expect("valid"),
            Database::Sqlite("/tmp/r.db".into())
        );
        let error = with_url("sqlite:///tmp/r.db", 2).database().expect_err("refused");
        assert!(error.to_string().contains("database.replicas is 2"), "{error}");
        assert!(
            with_url("", 1)
                .database()
                .expect_err("required")
                .to_string()
                .starts_with("database.url")
        );
        assert!(with_url("mysql://x", 1).database().is_err());
        assert_eq!(
            with_url("postgres://redress@db/routing", 3)
                .database()
                .expect("replicas share PostgreSQL"),
            Database::Postgres("postgres://redress@db/routing".into())
        );
    }
}
