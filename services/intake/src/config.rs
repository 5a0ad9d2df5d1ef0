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
    /// The acceptance gate's rules (decision 0007).
    pub gate: GateConfig,
    /// The attachment store and its limits (`[intake.attachments]`, decision 0008).
    pub attachments: crate::web::AttachmentsConfig,
    /// The status page's codes and sessions (`[intake.status]`, decision 0008).
    pub status: crate::web::StatusConfig,
    /// The phone, WeChat, SMS-code, walk-in and letter settings (decision 0009).
    pub channels: ChannelsConfig,
    /// The case numbers' format per tenant (`[intake.case_numbers]`, decision 0010).
    pub case_numbers: crate::numbers::CaseNumbersConfig,
    /// The organisation's customer system (`[intake.customers]`, decision 0011); absent: only
    /// the synced copy answers.
    pub customers: Option<crate::customers::CustomersConfig>,
}

pub use crate::channels::config::{
    ChannelsConfig, LettersConfig, PhoneConfig, PrivacyConfig, WalkInConfig, WechatConfig,
};

/// The acceptance gate's rules (`[intake.gate]`, decision 0007): these for every tenant, unless
/// `[intake.gate.tenants.<tenant>]` gives the tenant its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// As [`GateRules::rejection_reasons`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reasons: Option<Vec<String>>,
    /// As [`GateRules::repeat_window_days`].
    #[serde(default = "default_repeat_window_days")]
    pub repeat_window_days: u32,
    /// As [`GateRules::time_bars`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_bars: Vec<TimeBar>,
    /// As [`GateRules::sources`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<crate::sources::SourceRule>,
    /// Tenants with rules of their own.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tenants: std::collections::BTreeMap<String, GateRules>,
}

impl Default for GateConfig {
    fn default() -> Self {
        Self {
            rejection_reasons: None,
            repeat_window_days: default_repeat_window_days(),
            time_bars: Vec::new(),
            sources: Vec::new(),
            tenants: std::collections::BTreeMap::new(),
        }
    }
}

/// One tenant's gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateRules {
    /// The rejection reasons (`domain::vocabulary::RejectionReason` codes) the tenant allows;
    /// every one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reasons: Option<Vec<String>>,
    /// A case of the same complainant on the same subject received at most this many days after
    /// an earlier one is a repeat.
    #[serde(default = "default_repeat_window_days")]
    pub repeat_window_days: u32,
    /// Time limits on the event complained about; the first that matches applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_bars: Vec<TimeBar>,
    /// The register of outside sources: entries that replace the starter's by source code, or
    /// add one (`crate::sources`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<crate::sources::SourceRule>,
}

impl Default for GateRules {
    fn default() -> Self {
        Self {
            rejection_reasons: None,
            repeat_window_days: default_repeat_window_days(),
            time_bars: Vec::new(),
            sources: Vec::new(),
        }
    }
}

/// A time limit (`[[intake.gate.time_bars]]`): a complaint whose event is older than `days` or
/// `months` when it is received may be refused as `time_barred`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeBar {
    /// A kind (`complaint`, `report`, …); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A source (`hotline_12315`, …); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A category code or the code of a branch above it; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
}

impl GateConfig {
    /// The rules of a tenant.
    pub fn of(&self, tenant: &str) -> GateRules {
        self.tenants.get(tenant).cloned().unwrap_or_else(|| GateRules {
            rejection_reasons: self.rejection_reasons.clone(),
            repeat_window_days: self.repeat_window_days,
            time_bars: self.time_bars.clone(),
            sources: self.sources.clone(),
        })
    }

    /// Checks the values a file may get wrong; names the field and the rule.
    pub fn validate(&self) -> Result<(), String> {
        self.of("").validate("intake.gate")?;
        for (tenant, rules) in &self.tenants {
            if domain::Tenant::parse(tenant).is_none() {
                return Err(format!("intake.gate.tenants.{tenant} must name a tenant id"));
            }
            rules.validate(&format!("intake.gate.tenants.{tenant}"))?;
        }
        Ok(())
    }
}

impl GateRules {
    /// Whether the tenant allows this rejection reason.
    pub fn allows(&self, reason: domain::vocabulary::RejectionReason) -> bool {
        self.rejection_reasons
            .as_ref()
            .is_none_or(|codes| codes.iter().any(|code| code == reason.as_str()))
    }

    /// The reasons the tenant allows, in the vocabulary's order.
    pub fn allowed_reasons(&self) -> Vec<domain::vocabulary::RejectionReason> {
        domain::vocabulary::RejectionReason::ALL
            .iter()
            .copied()
            .filter(|reason| self.allows(*reason))
            .collect()
    }

    fn validate(&self, at: &str) -> Result<(), String> {
        for (n, code) in self.rejection_reasons.iter().flatten().enumerate() {
            if domain::vocabulary::RejectionReason::parse(code).is_none() {
                return Err(format!(
                    "{at}.rejection_reasons[{n}] must be one of: {}",
                    domain::vocabulary::RejectionReason::wire_list()
                ));
            }
        }
        if self.repeat_window_days > 3660 {
            return Err(format!("{at}.repeat_window_days must be at most 3660"));
        }
        for (n, rule) in self.sources.iter().enumerate() {
            rule.validate(&format!("{at}.sources[{n}]"))?;
        }
        for (n, bar) in self.time_bars.iter().enumerate() {
            match (bar.days, bar.months) {
                (Some(d), None) if d > 0 => {}
                (None, Some(m)) if m > 0 => {}
                _ => {
                    return Err(format!(
                        "{at}.time_bars[{n}] needs exactly one of days or months, at least 1"
                    ));
                }
            }
            if let Some(kind) = &bar.kind
                && domain::vocabulary::Kind::parse(kind).is_none()
            {
                return Err(format!(
                    "{at}.time_bars[{n}].kind must be one of: {}",
                    domain::vocabulary::Kind::wire_list()
                ));
            }
            if let Some(source) = &bar.source
                && domain::vocabulary::Source::parse(source).is_none()
            {
                return Err(format!(
                    "{at}.time_bars[{n}].source must be one of: {}",
                    domain::vocabulary::Source::wire_list()
                ));
            }
        }
        Ok(())
    }
}

impl TimeBar {
    /// Whether this limit applies to a case of this kind, source and category.
    pub fn applies(&self, kind: &str, source: &str, category: Option<&str>) -> bool {
        self.kind.as_deref().is_none_or(|k| k == kind)
            && self.source.as_deref().is_none_or(|s| s == source)
            && self.category.as_deref().is_none_or(|wanted| {
                category.is_some_and(|code| {
                    code == wanted
                        || code
                            .strip_prefix(wanted)
                            .is_some_and(|rest| rest.starts_with(['.', '-', '_', '/']))
                })
            })
    }

    /// The latest instant an event may have happened for a complaint received at `received_at`.
    pub fn earliest_event(&self, received_at: chrono::DateTime<chrono::Utc>) -> Option<chrono::DateTime<chrono::Utc>> {
        match (self.days, self.months) {
            (Some(days), _) => received_at.checked_sub_signed(chrono::Duration::days(i64::from(days))),
            (None, Some(months)) => received_at.checked_sub_months(chrono::Months::new(months)),
            (None, None) => None,
        }
    }
}

fn default_repeat_window_days() -> u32 {
    30
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

/// How the connection to the IMAP server is protected: `implicit` (IMAPS, the default),
/// `starttls` or `none`.
pub use mailroom::Tls as MailboxTls;

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
        self.port.unwrap_or(self.tls.default_port())
    }

    /// Where the mailbox is and who logs in, for the IMAP reader.
    pub fn account(&self) -> mailroom::Account {
        mailroom::Account {
            host: self.host.clone(),
            port: self.port(),
            tls: self.tls,
            ca_file: self.ca_file.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
            folder: self.folder.clone(),
            max_message_bytes: self.max_message_bytes,
        }
    }

    /// How the mailbox is named in `mail_messages` and `registered_by`: `user@host/folder`.
    pub fn name(&self) -> String {
        self.account().name()
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
        self.account().validate(self.poll_interval_secs, "intake.mailbox")
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use domain::vocabulary::RejectionReason;

    use super::*;

    fn gate(toml_like: serde_json::Value) -> GateConfig {
        serde_json::from_value(toml_like).expect("gate settings")
    }

    #[test]
    fn a_tenant_allows_every_reason_unless_it_lists_its_own() {
        let config = gate(serde_json::json!({
            "tenants": {"bank": {"rejection_reasons": ["before_court", "not_by_consumer"]}}
        }));
        config.validate().expect("valid");
        assert_eq!(config.of("default").allowed_reasons(), RejectionReason::ALL.to_vec());
        let bank = config.of("bank");
        assert!(bank.allows(RejectionReason::NotByConsumer));
        assert!(!bank.allows(RejectionReason::TimeBarred));
        assert_eq!(bank.repeat_window_days, 30, "the default window");
        let wrong = gate(serde_json::json!({"rejection_reasons": ["no_target", "rude"]}));
        assert_eq!(
            wrong.validate().expect_err("unknown reason").split(' ').next(),
            Some("intake.gate.rejection_reasons[1]")
        );
        let neither = gate(serde_json::json!({"time_bars": [{"category": "service"}]}));
        assert!(
            neither
                .validate()
                .expect_err("no limit")
                .starts_with("intake.gate.time_bars[0]")
        );
    }

    #[test]
    fn a_time_bar_applies_by_kind_source_and_category_branch() {
        let attitude = TimeBar {
            category: Some("service.attitude".into()),
            months: Some(1),
            ..TimeBar::default()
        };
        assert!(attitude.applies("complaint", "direct", Some("service.attitude")));
        assert!(attitude.applies("complaint", "direct", Some("service.attitude.rude")));
        assert!(!attitude.applies("complaint", "direct", Some("service.attitudes")));
        assert!(!attitude.applies("complaint", "direct", None));
        let regulator = TimeBar {
            source: Some("hotline_12315".into()),
            months: Some(36),
            ..TimeBar::default()
        };
        assert!(regulator.applies("complaint", "hotline_12315", None));
        assert!(!regulator.applies("complaint", "direct", None));
        let received = Utc.with_ymd_and_hms(2026, 3, 31, 2, 0, 0).single().expect("valid");
        assert_eq!(
            attitude.earliest_event(received),
            Some(Utc.with_ymd_and_hms(2026, 2, 28, 2, 0, 0).single().expect("valid")),
            "a month before 31 March is the end of February"
        );
        assert_eq!(
            regulator.earliest_event(received),
            Some(Utc.with_ymd_and_hms(2023, 3, 31, 2, 0, 0).single().expect("valid"))
        );
    }
}
